/*
 * Where vCPU 1 starts (smp.c builds its VCPUOP_initialise context with rip = ap_entry and
 * rsp = the top of ap_stack, 16-byte aligned).
 *
 * PV64: Xen starts the vCPU in guest kernel mode (ring 3, cs 0xe033, ss 0xe02b) on the page
 * tables of ctrlreg[3], with the virtual IDT and callbacks of the context; nothing else to
 * set up.
 *
 * HVM (VCPU_HVM_MODE_64B): Xen starts it in long mode with CR0/CR3/CR4/EFER from the
 * context, flat 64-bit segment caches and all selectors 0, but no GDT or IDT (GDTR/IDTR
 * are not in vcpu_hvm_context). So the AP loads the BSP's GDT and IDT (saved by smp.c with
 * sgdt/sidt into ap_gdt_desc/ap_idt_desc), then real selectors: data segments directly, CS
 * with a far return. Interrupts stay off (RFLAGS = 2): vCPU 1 takes no events.
 */
#ifdef XEN_HVM
#include "hvm.h"
#endif

	.text
	.code64
	.globl ap_entry
	.type ap_entry, @function
ap_entry:
#ifdef XEN_HVM
	lgdt	ap_gdt_desc(%rip)
	lidt	ap_idt_desc(%rip)
	mov	$GDT_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	pushq	$GDT_CS64
	lea	1f(%rip), %rax
	push	%rax
	lretq					/* cs = GDT_CS64 */
1:
#endif
	cld
	xor	%ebp, %ebp
	call	ap_main				/* does not return */
2:	pause
	jmp	2b
	.size ap_entry, . - ap_entry

#ifdef XEN_PV
/* vCPU 1's event callback. Its evtchn_upcall_mask stays 1, so Xen should never use it. */
	.globl ap_event_entry
	.type ap_event_entry, @function
ap_event_entry:
	and	$-16, %rsp
	call	ap_unexpected_event		/* does not return */
3:	pause
	jmp	3b
	.size ap_event_entry, . - ap_event_entry
#endif

	.section .note.GNU-stack, "", @progbits

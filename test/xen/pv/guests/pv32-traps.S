/*
 * PV32 (ring-1 kernel) exceptions, an event upcall, and two trips to ring 3 through the iret
 * hypercall: `int $0x82` from ring 3 (#GP, not a hypercall there) and `int $0x80` (DPL 3), both
 * bounced onto kernel_ss:kernel_sp with ESP/SS in the frame. Handlers record 8 dwords from their
 * entry ESP in frames[slot], the entry ESP in entry_esp[slot], bump counts[slot] and resume at
 * the armed label. Slots: vector; 31 = int $0x80; 32 = event callback.
 */
#include "pvtest.h"
	XEN_NOTES
	PAE_NOTE

.macro ARM label
	movl	$\label, resume_eip
	mov	%esp, saved_esp
.endm

.macro HANDLER idx
	.globl handler_\idx
handler_\idx:
	mov	%esp, entry_esp + \idx * 4
	mov	$\idx, %eax
	call	record
	jmp	resume
.endm

.macro TRAP vec, flags, h
	.byte	\vec, \flags
	.word	FLAT_RING1_CS
	.long	\h
.endm

/* Remap the page at \va with U set (32-bit guests' kernel pages are supervisor-only). */
.macro MAKE_USER va
	mov	$\va, %eax
	sub	$VIRT_BASE, %eax
	shr	$12, %eax
	mov	start_info_ptr, %ecx
	mov	68(%ecx), %ecx			/* mfn_list */
	mov	(%ecx,%eax,4), %ecx		/* mfn */
	shl	$12, %ecx
	or	$0x67, %ecx			/* P|RW|U|A|D */
	mov	$\va, %ebx
	xor	%edx, %edx
	mov	$2, %esi			/* UVMF_INVLPG */
	call	HYPERCALL(HC_update_va_mapping)
.endm

	.text
	.globl _start
_start:
	/* Like Linux: data segments with DPL 3, so returning to ring 3 does not null them. */
	mov	$FLAT_RING3_DS32, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%esi, start_info_ptr
	mov	$stack_top, %esp
	mov	$FLAT_RING1_DS, %ebx
	mov	$kstack_top, %ecx
	call	HYPERCALL(HC_stack_switch)
	mov	$trap_table, %ebx
	call	HYPERCALL(HC_set_trap_table)
	mov	%eax, r_trap_table
	mov	$FLAT_RING1_CS, %ebx
	mov	$event_cb, %ecx
	mov	$FLAT_RING1_CS, %edx
	mov	$failsafe_cb, %esi
	call	HYPERCALL(HC_set_callbacks)

	ARM	1f
	.globl ud2_insn
ud2_insn:
	ud2
1:	ARM	1f
	.globl pf_insn
pf_insn:
	movl	$0x1234, 0x1000
1:
	/* Event upcall. */
	mov	start_info_ptr, %eax
	mov	36(%eax), %ecx			/* shared_info (machine address) */
	or	$0x63, %ecx
	mov	$scratch, %ebx
	xor	%edx, %edx
	mov	$2, %esi
	call	HYPERCALL(HC_update_va_mapping)
	mov	%eax, r_uvm
	movl	$0, bind_ipi
	mov	$7, %ebx
	mov	$bind_ipi, %ecx
	call	HYPERCALL(HC_event_channel_op)
	mov	bind_ipi+4, %eax
	mov	%eax, send_port
	mov	$4, %ebx
	mov	$send_port, %ecx
	call	HYPERCALL(HC_event_channel_op)
	mov	%eax, r_send
	movb	$0, scratch+1
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	call	HYPERCALL(HC_xen_version)
	/* The callback returned here through the iret hypercall (ring 1 to ring 1). */
	movl	$1, r_after_upcall
	movzbl	scratch+1, %eax
	mov	%eax, r_mask_after

	MAKE_USER user_page
	mov	%eax, r_user1
	MAKE_USER ustack_page
	mov	%eax, r_user2

	/* Ring 3: int $0x82 there is no hypercall but an IDT-vectored #GP. */
	ARM	1f
	pushl	$FLAT_RING3_DS32
	pushl	$ustack_top
	pushl	$0x202
	pushl	$FLAT_RING3_CS32
	pushl	$user_int82
	jmp	HYPERCALL(HC_iret)
1:	ARM	1f
	pushl	$FLAT_RING3_DS32
	pushl	$ustack_top
	pushl	$0x202
	pushl	$FLAT_RING3_CS32
	pushl	$user_int80
	jmp	HYPERCALL(HC_iret)
1:
	movl	$0, shutdown_reason
	mov	$2, %ebx
	mov	$shutdown_reason, %ecx
	call	HYPERCALL(HC_sched_op)
	ud2

	.globl event_cb
event_cb:
	mov	%esp, entry_esp + 32 * 4
	mov	$32, %eax
	call	record
	movzbl	scratch+1, %eax
	mov	%eax, r_mask_in_cb
	movb	$0, scratch
	/* The frame [EIP, CS, EFLAGS] is the iret frame once the stub pushes EAX. */
	jmp	HYPERCALL(HC_iret)

failsafe_cb:
	ud2

	HANDLER 6
	HANDLER 13
	HANDLER 14
	HANDLER 31

record:
	mov	entry_esp(,%eax,4), %esi
	mov	%eax, %edi
	shl	$5, %edi
	add	$frames, %edi
	mov	$8, %ecx
1:	mov	(%esi), %edx
	mov	%edx, (%edi)
	add	$4, %esi
	add	$4, %edi
	dec	%ecx
	jnz	1b
	incl	counts(,%eax,4)
	ret

resume:
	mov	saved_esp, %esp
	jmp	*resume_eip

	.balign 4096
	.globl user_page, user_int82, user_int80
user_page:
user_int82:
	int	$0x82
	ud2
user_int80:
	int	$0x80
	ud2
	.balign 4096

	.section .hypercall_page, "ax"
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xc3

	.data
	.balign 16
trap_table:
	TRAP	6, 0, handler_6
	TRAP	13, 0, handler_13
	TRAP	14, 0, handler_14
	TRAP	0x80, 3, handler_31
	.long	0, 0
	.globl start_info_ptr, resume_eip, saved_esp, r_trap_table, r_uvm, r_send, r_after_upcall, r_mask_after, r_mask_in_cb
	.globl r_user1, r_user2, shutdown_reason
start_info_ptr:	.long 0
resume_eip:	.long 0
saved_esp:	.long 0
r_trap_table:	.long 0
r_uvm:		.long 0
r_send:		.long 0
r_after_upcall:	.long 0
r_mask_after:	.long 0
r_mask_in_cb:	.long 0
r_user1:	.long 0
r_user2:	.long 0
bind_ipi:	.long 0, 0
send_port:	.long 0
shutdown_reason: .long 0
	.globl frames, entry_esp, counts
	.balign 64
frames:		.fill 32 * 34, 1, 0
entry_esp:	.fill 4 * 34, 1, 0
counts:		.fill 4 * 34, 1, 0
	.balign 4096
	.globl scratch
scratch:	.fill 4096, 1, 0
	.globl ustack_page
ustack_page:	.fill 4096 - 64, 1, 0
	.globl ustack_top
ustack_top:	.fill 64, 1, 0
	.fill 8192, 1, 0
	.globl stack_top
stack_top:
	.fill 8192, 1, 0
	.globl kstack_top
kstack_top:
	.fill 64, 1, 0

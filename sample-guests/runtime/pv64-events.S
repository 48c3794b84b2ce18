/*
 * PV64 entry points Xen bounces to (xen-abi.md §7; public/arch-x86/xen-x86_64.h):
 *
 *   pv_event_entry     the event callback (CALLBACKTYPE_event)
 *   pv_failsafe_entry  the failsafe callback (a segment reload failed)
 *   pv_trap_N          the virtual IDT entries set with set_trap_table (events.c)
 *
 * Xen enters them in guest kernel mode (ring 3, cs 0xe033) on the current kernel stack with
 * a "bounce frame" at rsp, lowest address first:
 *
 *   rcx, r11, [error code], rip, cs, rflags, rsp, ss            (events, traps)
 *   rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss          (failsafe)
 *
 * rcx and r11 are there because Xen returns to a 64-bit PV kernel with sysret-like
 * semantics; the cs slot carries the saved evtchn_upcall_mask in bits 39:32, and
 * rflags.IF = !saved mask. For the event callback Xen has set evtchn_upcall_mask = 1.
 *
 * Returning: a PV kernel cannot `iretq` to itself through Xen's frame layout, so it uses
 * HYPERVISOR_iret: with [flags, rip, cs, rflags, rsp, ss] at rsp it jumps to hypercall
 * page entry 23, whose stub pushes rcx, r11 and rax and does `syscall`; Xen then reads
 * struct iret_context {rax, r11, rcx, flags, rip, cs, rflags, rsp, ss} at rsp and restores
 * all of it (flags = 0: not VGCF_in_syscall), including evtchn_upcall_mask = !rflags.IF.
 * So the registers must hold the interrupted values when we jump: rcx/r11 come from the
 * frame, rax is restored from our own save area before the jump.
 */

#define IRET_ENTRY (23 * 32)    /* __HYPERVISOR_iret */

	.text
	.code64

/* ---- event callback ------------------------------------------------------------------ */

	.globl pv_event_entry
	.type pv_event_entry, @function
pv_event_entry:
	pop	%rcx				/* the interrupted rcx and r11, back in place */
	pop	%r11
	/* rsp -> rip, cs, rflags, rsp, ss: save what the C handler may clobber. */
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbp
	mov	%rsp, %rbp
	and	$-16, %rsp			/* the SysV ABI wants a 16-byte aligned call */
	cld
	call	evtchn_do_upcall
	mov	%rbp, %rsp
	pop	%rbp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	/* [flags = 0, rip, cs, rflags, rsp, ss]; the stub adds rcx, r11, rax. */
	push	$0
	jmp	hypercall_page + IRET_ENTRY
	.size pv_event_entry, . - pv_event_entry

/* ---- failsafe callback: report and crash ---------------------------------------------- */

	.globl pv_failsafe_entry
	.type pv_failsafe_entry, @function
pv_failsafe_entry:
	mov	%rsp, %rdi			/* the frame */
	and	$-16, %rsp
	call	pv_failsafe_report		/* does not return */
1:	pause
	jmp	1b
	.size pv_failsafe_entry, . - pv_failsafe_entry

/* ---- virtual IDT: report and crash ---------------------------------------------------- */

/* err = 1 for the vectors with an error code (#TS, #NP, #SS, #GP, #PF, #AC). */
.macro pv_trap vec, err
	.globl pv_trap_\vec
	.type pv_trap_\vec, @function
pv_trap_\vec:
	mov	%rsp, %rdi			/* the bounce frame */
	mov	$\vec, %esi
	mov	$\err, %edx
	and	$-16, %rsp
	call	pv_trap_report			/* does not return */
1:	pause
	jmp	1b
	.size pv_trap_\vec, . - pv_trap_\vec
.endm

	pv_trap 0, 0
	pv_trap 1, 0
	pv_trap 3, 0
	pv_trap 4, 0
	pv_trap 5, 0
	pv_trap 6, 0
	pv_trap 7, 0
	pv_trap 10, 1
	pv_trap 11, 1
	pv_trap 12, 1
	pv_trap 13, 1
	pv_trap 14, 1
	pv_trap 16, 0
	pv_trap 17, 1
	pv_trap 19, 0

	.section .note.GNU-stack, "", @progbits

/*
 * PV64 exceptions, software interrupts, privileged-op emulation, an event upcall, iret to user
 * mode and SYSCALL back into the kernel. Every handler records its bounce frame (12 qwords from
 * its entry RSP) in frames[idx], its entry RSP in entry_rsp[idx] and bumps counts[idx], then
 * resumes at the label the test step armed. Ends in the syscall callback with SCHEDOP_shutdown.
 * Record slots: the exception vector (31 for int $0x80); 32 = event callback, 33 = syscall callback.
 */
#include "pvtest.h"
	XEN_NOTES

.macro ARM label
	lea	\label(%rip), %rax
	mov	%rax, resume_rip(%rip)
	mov	%rsp, saved_rsp(%rip)
.endm

.macro HANDLER idx
	.globl handler_\idx
handler_\idx:
	mov	%rsp, entry_rsp + \idx * 8
	mov	$\idx, %eax
	call	record
	jmp	resume
.endm

.macro TRAP vec, flags, h
	.byte	\vec, \flags
	.word	FLAT_KERNEL_CS64
	.long	0
	.quad	\h
.endm

	.text
	.globl _start
_start:
	mov	%rsi, start_info_ptr
	lea	stack_top(%rip), %rsp
	mov	$FLAT_KERNEL_SS64, %edi
	lea	kstack_top(%rip), %rsi
	call	HYPERCALL(HC_stack_switch)
	lea	trap_table(%rip), %rdi
	call	HYPERCALL(HC_set_trap_table)
	mov	%rax, r_trap_table(%rip)
	lea	event_cb(%rip), %rdi
	lea	failsafe_cb(%rip), %rsi
	xor	%edx, %edx
	call	HYPERCALL(HC_set_callbacks)

	ARM	1f
	.globl ud2_insn
ud2_insn:
	ud2
1:	ARM	1f
	.globl pf_insn
pf_insn:
	movq	$0x1234, 0x1000
1:	ARM	1f
	.globl hlt_insn
hlt_insn:
	hlt
1:	ARM	1f
	.globl int80_insn
int80_insn:
	int	$0x80
1:	ARM	1f
	.globl int81_insn
int81_insn:
	int	$0x81
1:	ARM	1f
	.globl int3_insn
int3_insn:
	int3
1:
	/* Privileged instructions Xen emulates for the guest kernel. */
	mov	%cr3, %rax
	mov	%rax, r_cr3(%rip)
	mov	%cr0, %rax
	mov	%rax, r_cr0(%rip)
	mov	$0xc0000080, %ecx
	rdmsr
	mov	%eax, r_efer(%rip)
	mov	$0xc0000100, %ecx
	mov	$0x5000, %eax
	xor	%edx, %edx
	wrmsr
	mov	$0xc0000100, %ecx
	rdmsr
	mov	%eax, r_fsbase(%rip)
	mov	$0x1234abcd, %rax
	mov	%rax, %cr2

	/* Event upcall: map shared_info, bind an IPI to ourselves, send it, unmask, enter Xen. */
	mov	start_info_ptr(%rip), %rax
	mov	40(%rax), %rsi
	or	$0x63, %rsi
	lea	scratch(%rip), %rdi
	mov	$2, %edx
	call	HYPERCALL(HC_update_va_mapping)
	mov	%rax, r_uvm(%rip)
	movl	$0, bind_ipi(%rip)
	mov	$7, %edi
	lea	bind_ipi(%rip), %rsi
	call	HYPERCALL(HC_event_channel_op)
	mov	%rax, r_bind(%rip)
	mov	bind_ipi+4(%rip), %eax
	mov	%eax, send_port(%rip)
	mov	$4, %edi
	lea	send_port(%rip), %rsi
	call	HYPERCALL(HC_event_channel_op)
	mov	%rax, r_send(%rip)
	movzbl	scratch(%rip), %eax
	mov	%eax, r_pending(%rip)
	movb	$0, scratch+1(%rip)
	xor	%edi, %edi
	xor	%esi, %esi
	call	HYPERCALL(HC_xen_version)
	/* The callback returned here through HYPERVISOR_iret. */
	movq	$1, r_after_upcall(%rip)
	movzbl	scratch+1(%rip), %eax
	mov	%eax, r_mask_after(%rip)

	/* User mode: same L4 as the user base, GS bases, syscall callback, then iret to ring-3 user. */
	mov	start_info_ptr(%rip), %rax
	mov	88(%rax), %rcx
	mov	$VIRT_BASE, %rdx
	sub	%rdx, %rcx
	shr	$12, %rcx
	mov	104(%rax), %rdx
	mov	(%rdx,%rcx,8), %rcx
	movl	$15, ext_op(%rip)
	mov	%rcx, ext_op+8(%rip)
	lea	ext_op(%rip), %rdi
	mov	$1, %esi
	xor	%edx, %edx
	mov	$0x7ff0, %r10d
	call	HYPERCALL(HC_mmuext_op)
	mov	%rax, r_user_base(%rip)
	mov	$2, %edi
	mov	$0x1111000, %esi
	call	HYPERCALL(HC_set_segment_base)
	mov	$1, %edi
	mov	$0x2222000, %esi
	call	HYPERCALL(HC_set_segment_base)
	movw	$2, cb_reg(%rip)
	movw	$0, cb_reg+2(%rip)
	lea	syscall_cb(%rip), %rax
	mov	%rax, cb_reg+8(%rip)
	xor	%edi, %edi
	lea	cb_reg(%rip), %rsi
	call	HYPERCALL(HC_callback_op)
	mov	%rax, r_cbreg(%rip)
	pushq	$FLAT_KERNEL_SS64
	lea	ustack_top(%rip), %rax
	push	%rax
	pushq	$0x202
	pushq	$FLAT_KERNEL_CS64
	lea	user_entry(%rip), %rax
	push	%rax
	pushq	$0
	jmp	HYPERCALL(HC_iret)

	.globl user_entry, user_syscall, after_syscall
user_entry:
	mov	$0x5a5a, %ebx
user_syscall:
	syscall
after_syscall:
	ud2

	.globl syscall_cb
syscall_cb:
	mov	%rsp, entry_rsp + 33 * 8
	mov	$33, %eax
	call	record
	movl	$0, shutdown_reason(%rip)
	mov	$2, %edi
	lea	shutdown_reason(%rip), %rsi
	call	HYPERCALL(HC_sched_op)
	ud2

	.globl event_cb
event_cb:
	mov	%rsp, entry_rsp + 32 * 8
	mov	$32, %eax
	call	record
	movzbl	scratch+1(%rip), %eax
	mov	%eax, r_mask_in_cb(%rip)
	movb	$0, scratch(%rip)		/* evtchn_upcall_pending = 0: handled */
	/* Return like Linux's xen_iret: drop RCX/R11 from the frame, push flags 0, enter the iret stub. */
	pop	%rcx
	pop	%r11
	pushq	$0
	jmp	HYPERCALL(HC_iret)

failsafe_cb:
	ud2

	HANDLER 0
	HANDLER 3
	HANDLER 6
	HANDLER 13
	HANDLER 14
	HANDLER 31

/* rax = record slot; copies 12 qwords from the entry RSP. */
record:
	mov	entry_rsp(,%rax,8), %rsi
	mov	%rax, %rdi
	shl	$7, %rdi
	add	$frames, %rdi
	mov	$12, %ecx
1:	mov	(%rsi), %rdx
	mov	%rdx, (%rdi)
	add	$8, %rsi
	add	$8, %rdi
	dec	%ecx
	jnz	1b
	incq	counts(,%rax,8)
	ret

resume:
	mov	saved_rsp(%rip), %rsp
	jmp	*resume_rip(%rip)

	.section .hypercall_page, "ax"
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xc3

	.data
	.balign 16
trap_table:
	TRAP	0, 0, handler_0
	TRAP	3, 0, handler_3
	TRAP	6, 0, handler_6
	TRAP	13, 0, handler_13
	TRAP	14, 4, handler_14
	TRAP	0x80, 3, handler_31
	.quad	0, 0
	.globl start_info_ptr, resume_rip, saved_rsp, shutdown_reason
	.globl r_trap_table, r_cr3, r_cr0, r_efer, r_fsbase, r_uvm, r_bind, r_send, r_pending, r_after_upcall, r_mask_after
	.globl r_mask_in_cb, r_user_base, r_cbreg, bind_ipi
start_info_ptr:	.quad 0
resume_rip:	.quad 0
saved_rsp:	.quad 0
r_trap_table:	.quad 0
r_cr3:		.quad 0
r_cr0:		.quad 0
r_efer:		.quad 0
r_fsbase:	.quad 0
r_uvm:		.quad 0
r_bind:		.quad 0
r_send:		.quad 0
r_pending:	.quad 0
r_after_upcall:	.quad 0
r_mask_after:	.quad 0
r_mask_in_cb:	.quad 0
r_user_base:	.quad 0
r_cbreg:	.quad 0
bind_ipi:	.long 0, 0
send_port:	.long 0
shutdown_reason: .long 0
	.balign 8
ext_op:		.fill 24, 1, 0
cb_reg:		.fill 16, 1, 0
	.globl frames, entry_rsp, counts
	.balign 64
frames:		.fill 128 * 34, 1, 0
entry_rsp:	.fill 8 * 34, 1, 0
counts:		.fill 8 * 34, 1, 0
	.balign 4096
	.globl scratch
scratch:	.fill 4096, 1, 0
	.fill 8192, 1, 0
	.globl stack_top
stack_top:
	.fill 8192, 1, 0
	.globl kstack_top
kstack_top:
	.fill 8192, 1, 0
	.globl ustack_top
ustack_top:
	.fill 64, 1, 0

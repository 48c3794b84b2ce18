/*
 * PV64 privileged instructions in the guest kernel (ring 3): what Xen emulates (per virtual IOPL,
 * CR/MSR access, clts, wbinvd), what it reflects as #GP (the test counts them), lazy-FPU #NM with
 * the virtual CR0.TS, writable page tables (a good and a refused store into an L1), and finally an
 * iret to user mode without a user page table (domain crash).
 * The test raises the virtual IOPL at `iopl_point` (as PHYSDEVOP_set_iopl would).
 */
#include "pvtest.h"
	XEN_NOTES

.macro ARM label
	lea	\label(%rip), %rax
	mov	%rax, resume_rip(%rip)
	mov	%rsp, saved_rsp(%rip)
.endm

.macro EXPECT_GP insn:vararg
	ARM	1f
	\insn
	incq	not_faulted(%rip)
1:
.endm

	.text
	.globl _start
_start:
	mov	%rsi, start_info_ptr(%rip)
	lea	stack_top(%rip), %rsp
	lea	trap_table(%rip), %rdi
	call	HYPERCALL(HC_set_trap_table)

	/* IOPL 0: port I/O and cli/sti are refused. */
	EXPECT_GP in $0x71, %al
	EXPECT_GP out %al, $0x80
	EXPECT_GP cli
	.globl iopl_point
iopl_point:
	nop
	/* IOPL 1 (set by the test): reads give all-ones, writes vanish, cli/sti are no-ops. */
	mov	$0x12345678, %eax
	in	$0x71, %al
	mov	%eax, r_in8(%rip)
	mov	$0x80, %edx
	in	(%dx), %eax
	mov	%eax, r_in32(%rip)
	out	%al, $0x80
	cli
	sti
	/* Control registers and MSRs. */
	clts
	mov	%cr4, %rax
	mov	%rax, r_cr4(%rip)
	mov	%cr0, %rax
	xor	$0x40000000, %rax		/* CR0.CD: not the guest's to change */
	EXPECT_GP mov %rax, %cr0
	wbinvd
	EXPECT_GP invd
	mov	$0x12345, %ecx
	EXPECT_GP rdmsr
	mov	$0xc0000102, %ecx		/* SHADOW_GS_BASE */
	mov	$0x7777000, %eax
	xor	%edx, %edx
	wrmsr
	rdmsr
	mov	%eax, r_shadow_gs(%rip)
	/* Lazy FPU: TS set by fpu_taskswitch, then an x87 instruction traps with #NM once. */
	mov	$1, %edi
	call	HYPERCALL(5)
	ARM	1f
	.globl fpu_insn
fpu_insn:
	fninit
1:
	mov	%cr0, %rax
	mov	%rax, r_cr0_after(%rip)
	/* Writable page tables: plain stores into an L1 (the test supplies the entry's address). */
	xor	%edi, %edi			/* VMASST_CMD_enable */
	mov	$2, %esi			/* VMASST_TYPE_writable_pagetables */
	call	HYPERCALL(21)
	mov	ptwr_target(%rip), %rdi
	mov	ptwr_good(%rip), %rax
	.globl ptwr_insn
ptwr_insn:
	mov	%rax, (%rdi)
	ARM	1f
	mov	ptwr_bad(%rip), %rax
	mov	%rax, (%rdi)
	incq	not_faulted(%rip)
1:
	/* iret to user mode with no user page table: Xen crashes the domain. */
	pushq	$FLAT_KERNEL_SS64
	pushq	%rsp
	pushq	$0x202
	pushq	$FLAT_KERNEL_CS64
	lea	after_iret(%rip), %rax
	push	%rax
	pushq	$0
	jmp	HYPERCALL(HC_iret)
after_iret:
	ud2

	.globl handler_7, handler_13, handler_14
handler_14:
	incq	count_pf(%rip)
	jmp	resume
handler_7:
	incq	count_nm(%rip)
	jmp	resume
handler_13:
	incq	count_gp(%rip)
	mov	16(%rsp), %rax			/* frame: RCX, R11, ec, RIP... */
	mov	%rax, last_gp_ec(%rip)
	jmp	resume
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
	.byte	7, 0
	.word	FLAT_KERNEL_CS64
	.long	0
	.quad	handler_7
	.byte	13, 0
	.word	FLAT_KERNEL_CS64
	.long	0
	.quad	handler_13
	.byte	14, 0
	.word	FLAT_KERNEL_CS64
	.long	0
	.quad	handler_14
	.quad	0, 0
	.globl start_info_ptr, resume_rip, saved_rsp, not_faulted, count_gp, count_nm, last_gp_ec
	.globl r_in8, r_in32, r_cr4, r_shadow_gs, r_cr0_after, count_pf, ptwr_target, ptwr_good, ptwr_bad, spare
start_info_ptr:	.quad 0
resume_rip:	.quad 0
saved_rsp:	.quad 0
not_faulted:	.quad 0
count_gp:	.quad 0
count_nm:	.quad 0
last_gp_ec:	.quad 0
r_in8:		.quad 0
r_in32:		.quad 0
r_cr4:		.quad 0
r_shadow_gs:	.quad 0
r_cr0_after:	.quad 0
count_pf:	.quad 0
ptwr_target:	.quad 0
ptwr_good:	.quad 0
ptwr_bad:	.quad 0
	.balign 4096
spare:	.fill 4096, 1, 0
	.fill 8192, 1, 0
stack_top:

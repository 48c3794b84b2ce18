/*
 * PV64 hypercall runner: executes the script the test wrote into `script` (nops entries of
 * {nr, a1..a5, pad, pad}, 64 bytes each), stores each return value in `results`, then shuts
 * down with SCHEDOP_shutdown(poweroff). `buf` is page-aligned scratch for argument structs;
 * `spare` is a mapped page the test may remap or pin.
 */
#include "pvtest.h"
	XEN_NOTES

	.text
	.globl _start
_start:
	mov	%rsi, start_info_ptr
	lea	stack_top(%rip), %rsp
	lea	script(%rip), %rbx
	xor	%r13d, %r13d
1:	cmp	nops(%rip), %r13
	jae	2f
	mov	(%rbx), %rax
	mov	8(%rbx), %rdi
	mov	16(%rbx), %rsi
	mov	24(%rbx), %rdx
	mov	32(%rbx), %r10
	mov	40(%rbx), %r8
	shl	$5, %rax
	lea	hypercall_page(%rip), %r11
	add	%r11, %rax
	call	*%rax
	lea	results(%rip), %r11
	mov	%rax, (%r11,%r13,8)
	add	$64, %rbx
	inc	%r13
	jmp	1b
2:	movl	$0, shutdown_reason(%rip)
	mov	$2, %edi
	lea	shutdown_reason(%rip), %rsi
	call	HYPERCALL(HC_sched_op)
	ud2

	.section .hypercall_page, "ax"
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xc3

	.data
	.balign 8
	.globl start_info_ptr, nops, results, shutdown_reason
start_info_ptr:	.quad 0
nops:		.quad 0
shutdown_reason: .long 0
	.balign 64
	.globl script
script:		.fill 64 * 64, 1, 0
results:	.fill 64 * 8, 1, 0
	.balign 4096
	.globl buf, spare, spare2
buf:		.fill 4096 * 4, 1, 0
spare:		.fill 4096, 1, 0
spare2:		.fill 4096, 1, 0
	.fill 8192, 1, 0
stack_top:

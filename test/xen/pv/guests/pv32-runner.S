/*
 * PV32 hypercall runner: like pv64-runner, with 32-byte script entries {nr, a1..a5, pad, pad}
 * (ebx, ecx, edx, esi, edi) and 4-byte results.
 */
#include "pvtest.h"
	XEN_NOTES
	PAE_NOTE

	.text
	.globl _start
_start:
	mov	%esi, start_info_ptr
	mov	$stack_top, %esp
	mov	$script, %ebp
	movl	$0, idx
1:	mov	idx, %eax
	cmp	nops, %eax
	jae	2f
	mov	(%ebp), %eax
	mov	4(%ebp), %ebx
	mov	8(%ebp), %ecx
	mov	12(%ebp), %edx
	mov	16(%ebp), %esi
	mov	20(%ebp), %edi
	shl	$5, %eax
	add	$hypercall_page, %eax
	push	%ebp
	call	*%eax
	pop	%ebp
	mov	idx, %ecx
	mov	%eax, results(,%ecx,4)
	add	$32, %ebp
	incl	idx
	jmp	1b
2:	movl	$0, shutdown_reason
	mov	$2, %ebx
	mov	$shutdown_reason, %ecx
	call	HYPERCALL(HC_sched_op)
	ud2

	.section .hypercall_page, "ax"
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xc3

	.data
	.balign 4
	.globl start_info_ptr, nops, results, shutdown_reason
start_info_ptr:	.long 0
nops:		.long 0
idx:		.long 0
shutdown_reason: .long 0
	.balign 64
	.globl script
script:		.fill 64 * 32, 1, 0
results:	.fill 64 * 4, 1, 0
	.balign 4096
	.globl buf, spare, spare2
buf:		.fill 4096 * 4, 1, 0
spare:		.fill 4096, 1, 0
spare2:		.fill 4096, 1, 0
	.fill 8192, 1, 0
stack_top:

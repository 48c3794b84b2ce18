/*
 * Bare-metal entry for the CPU benchmark in a flat 64-bit environment: the runner has
 * already put the CPU in long mode at CPL 0 with identity-mapped memory covering this
 * image (no firmware, no Xen). The stub sets its own stack, runs the workload with its
 * text going to the debug port 0xE9, stores the checksum, and halts with interrupts off.
 *
 * bench_rounds (0 = the workload's default) can be patched by the runner after loading
 * the image; it finds the symbol through the ELF symbol table.
 */
	.code64
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	lea	bench_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	bench_rounds(%rip), %edi
	lea	bench_emit(%rip), %rsi
	call	run_workload
	mov	%rax, bench_result(%rip)
	movl	$1, bench_done(%rip)
1:	cli
	hlt
	jmp	1b
	.size _start, . - _start

/* void bench_emit(const char *text): one outb per byte to port 0xE9. */
	.text
	.globl bench_emit
	.type bench_emit, @function
bench_emit:
	mov	$0xe9, %edx
1:	movzbl	(%rdi), %eax
	test	%al, %al
	jz	2f
	outb	%al, %dx
	inc	%rdi
	jmp	1b
2:	ret
	.size bench_emit, . - bench_emit

	.data
	.balign 8
	.globl bench_rounds, bench_result, bench_done
bench_rounds:	.long 0
bench_done:	.long 0
bench_result:	.quad 0

	.bss
	.balign 16
bench_stack:
	.skip 65536
bench_stack_top:

	.section .note.GNU-stack, "", @progbits

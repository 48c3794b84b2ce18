/* Spins forever: for instruction limits, pause and budget tests. */
	.code32
	.text
	.globl _start
_start:
1:	inc	%eax
	jmp	1b

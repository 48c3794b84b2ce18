/* Faults with no IDT: #UD → #GP on the empty IDT → #DF → triple fault. */
	.code32
	.text
	.globl _start
_start:
	lidt	idt_desc
	ud2
	.data
idt_desc: .word 0
	.long 0

/*
 * The HVM upcall vector's handler (64-bit; events.c installs the gate for vector 0xF3 and
 * sets HVM_PARAM_CALLBACK_IRQ = (2 << 56) | 0xF3).
 *
 * Xen injects the vector straight into the vCPU (not through the emulated LAPIC), so there
 * is no EOI; it re-injects it for as long as vcpu_info.evtchn_upcall_pending stays set and
 * RFLAGS.IF = 1, which is why the consumer loop clears that byte first. The CPU has pushed
 * ss, rsp, rflags, cs, rip and cleared IF (interrupt gate); iretq restores IF.
 */
	.text
	.code64
	.globl hvm_upcall_entry
	.type hvm_upcall_entry, @function
hvm_upcall_entry:
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
	and	$-16, %rsp
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
	iretq
	.size hvm_upcall_entry, . - hvm_upcall_entry

	.section .note.GNU-stack, "", @progbits

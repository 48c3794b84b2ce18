/*
 * Hypercall fuzz harness, PV kernel (built with -DPV64 as a 64-bit ring-3 kernel, or -DPV32 as a 32-bit
 * PAE ring-1 kernel). The domain builder maps the image at VIRT_BASE, fills the hypercall page named by the
 * HYPERCALL_PAGE note and enters _start with rsi/esi = start_info; the harness records start_info's address,
 * switches to its own stack and stops at fuzz_ready. The fuzzer then sets registers and RIP to fuzz_trap
 * (a bare syscall / int $0x82 with any rax) or fuzz_pagecall (a call through the hypercall page slot
 * in fuzz_target) and runs to the *_ret breakpoint.
 *
 * Linked by the fuzzer with a generated script: sections at VIRT_BASE + offset, loaded at p_paddr = offset.
 */
#define XEN_NOTE(type, desc)			\
	.pushsection .note.Xen, "a", @note;	\
	.balign 4;				\
	.long 2f - 1f;				\
	.long 4f - 3f;				\
	.long type;				\
1:	.asciz "Xen";				\
2:	.balign 4;				\
3:	desc;					\
4:	.balign 4;				\
	.popsection

#ifdef PV64
#define ADDR .quad
#else
#define ADDR .long
#endif

	XEN_NOTE(6, .asciz "xen-fuzz")		/* GUEST_OS */
	XEN_NOTE(7, .asciz "1")			/* GUEST_VERSION */
	XEN_NOTE(5, .asciz "xen-3.0")		/* XEN_VERSION */
	XEN_NOTE(8, .asciz "generic")		/* LOADER */
	XEN_NOTE(3, ADDR VIRT_BASE)		/* VIRT_BASE */
	XEN_NOTE(4, ADDR 0)			/* PADDR_OFFSET */
	XEN_NOTE(1, ADDR _start)		/* ENTRY */
	XEN_NOTE(2, ADDR hypercall_page)	/* HYPERCALL_PAGE */
#ifdef PV32
	XEN_NOTE(9, .asciz "yes")		/* PAE_MODE */
#endif

	.text
	.globl _start, fuzz_ready, fuzz_trap, fuzz_trap_ret, fuzz_pagecall, fuzz_pagecall_ret
#ifdef PV64
	.code64
_start:
	mov	%rsi, start_info_ptr(%rip)
	lea	stack_top(%rip), %rsp
fuzz_ready:
	jmp	fuzz_ready
fuzz_trap:
	syscall
fuzz_trap_ret:
	jmp	fuzz_trap_ret
fuzz_pagecall:
	call	*fuzz_target(%rip)
fuzz_pagecall_ret:
	jmp	fuzz_pagecall_ret
#else
	.code32
_start:
	mov	%esi, start_info_ptr
	mov	$stack_top, %esp
fuzz_ready:
	jmp	fuzz_ready
fuzz_trap:
	int	$0x82
fuzz_trap_ret:
	jmp	fuzz_trap_ret
fuzz_pagecall:
	call	*fuzz_target
fuzz_pagecall_ret:
	jmp	fuzz_pagecall_ret
#endif

	.section .hypercall_page, "ax", @progbits
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill	4096, 1, 0xcc

	.data
	.balign 4096
	.globl vars_page, fuzz_target, start_info_ptr
vars_page:
fuzz_target:
	ADDR	0
start_info_ptr:
	ADDR	0

	.bss
	.balign 4096
	.globl stack, stack_top, scratch, scratch_end
stack:	.skip	16384
stack_top:
scratch: .skip	16 * 4096
scratch_end:
	.section .note.GNU-stack, "", @progbits

/*
 * Entry of a 32-bit PAE PV guest (xen-abi.md §6.2). Same start-of-day layout as 64-bit
 * PV, but the kernel runs in ring 1 (cs = FLAT_RING1_CS 0xe019, ds = es = ss = 0xe021),
 * hypercalls trap with int $0x82, and esi = virtual address of start_info.
 * PAE_MODE "yes" tells the builder we use PAE page tables and can take an L3 (CR3)
 * anywhere in machine memory (extended CR3 format).
 */
#include "elfnote.h"

#define VIRT_BASE 0xC0000000

	XEN_ELFNOTE(XEN_ELFNOTE_GUEST_OS,       .asciz "Xen-sample")
	XEN_ELFNOTE(XEN_ELFNOTE_GUEST_VERSION,  .asciz "1")
	XEN_ELFNOTE(XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0")
	XEN_ELFNOTE(XEN_ELFNOTE_LOADER,         .asciz "generic")
	XEN_ELFNOTE(XEN_ELFNOTE_PAE_MODE,       .asciz "yes")
	XEN_ELFNOTE(XEN_ELFNOTE_VIRT_BASE,      .long VIRT_BASE)
	XEN_ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET,   .long 0)
	XEN_ELFNOTE(XEN_ELFNOTE_ENTRY,          .long _start)
	XEN_ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .long hypercall_page)

	.section .text.head, "ax", @progbits
	.code32
	.globl _start
	.type _start, @function
_start:
	cld
	mov	%esi, %ebp			/* start_info */
	mov	%esp, boot_stack_top

	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb

	mov	$stack_top, %esp
	sub	$12, %esp			/* keep esp 16-byte aligned at the call */
	push	%ebp				/* kernel_main(start_info VA) */
	xor	%ebp, %ebp
	call	kernel_main
1:	pause					/* ring 1: hlt would fault */
	jmp	1b
	.size _start, . - _start

	.data
	.balign 4
	.globl boot_stack_top
boot_stack_top:
	.long 0

	.bss
	.balign 4096
stack:
	.skip 16384
	.globl stack_top
stack_top:

	.section .note.GNU-stack, "", @progbits

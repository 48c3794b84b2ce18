/*
 * Entry of a 64-bit PV guest (see xen/include/public/xen.h "start of day" and
 * xen-abi.md §6.2). The domain builder has:
 *   - mapped [VIRT_BASE, end of the boot page tables + >= 512 KiB) onto pseudo-physical
 *     frames 0.. (the image, p2m list, start_info, XenStore and console pages, page
 *     tables, and one boot stack page, in that order);
 *   - filled the hypercall page named by the HYPERCALL_PAGE note;
 *   - started vCPU0 in (guest) kernel mode, which is ring 3 on 64-bit Xen, with
 *     rsi = virtual address of start_info, rsp = top of the boot stack page,
 *     cs = FLAT_RING3_CS64 (0xe033), ss = FLAT_RING3_SS64 (0xe02b), events masked.
 * No trap table or callbacks are registered, so any fault kills the domain.
 */
#include "elfnote.h"

#define VIRT_BASE 0xffffffff80000000

	XEN_ELFNOTE(XEN_ELFNOTE_GUEST_OS,       .asciz "Xen-sample")
	XEN_ELFNOTE(XEN_ELFNOTE_GUEST_VERSION,  .asciz "1")
	XEN_ELFNOTE(XEN_ELFNOTE_XEN_VERSION,    .asciz "xen-3.0")
	XEN_ELFNOTE(XEN_ELFNOTE_LOADER,         .asciz "generic")
	XEN_ELFNOTE(XEN_ELFNOTE_VIRT_BASE,      .quad VIRT_BASE)
	/* p_paddr = p_vaddr - VIRT_BASE (the linker script's AT()), so the offset is 0 and
	 * the kernel occupies [p_paddr + VIRT_BASE - 0, ...) = its link addresses. */
	XEN_ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET,   .quad 0)
	XEN_ELFNOTE(XEN_ELFNOTE_ENTRY,          .quad _start)
	XEN_ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)

	.section .text.head, "ax", @progbits
	.code64
	.globl _start
	.type _start, @function
_start:
	cld
	mov	%rsi, %r12			/* start_info (callee-saved across the zeroing) */
	mov	%rsp, boot_stack_top(%rip)	/* for the record: the builder's boot stack */

	/* Zero .bss (the builder already does; this keeps the guest independent of it). */
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb

	lea	stack_top(%rip), %rsp		/* own 16 KiB stack, 16-byte aligned */
	xor	%ebp, %ebp
	mov	%r12, %rdi
	call	kernel_main			/* kernel_main(start_info VA); does not return */
1:	pause					/* ring 3: no hlt; just spin if it ever does */
	jmp	1b
	.size _start, . - _start

	.data
	.balign 8
	.globl boot_stack_top
boot_stack_top:
	.quad 0

	.bss
	.balign 4096
stack:
	.skip 16384
	.globl stack_top
stack_top:

	.section .note.GNU-stack, "", @progbits

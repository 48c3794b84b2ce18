/*
 * Hypercall fuzz harness, HVM firmware-style (loaded by physical address, entered in 32-bit flat
 * protected mode with paging off, like hvm-smoke.S). Built twice:
 *   gcc -m32            -> fuzz-hvm32.elf: stays in 32-bit protected mode (compat hypercall ABI),
 *                          2-level paging;
 *   gcc -m64 -DHARNESS64 -> fuzz-hvm64.elf: switches to long mode (native ABI), 4-level paging.
 * RAM_MIB (the guest's memory size) must match what the fuzzer configures.
 *
 * Start of day: identity-map RAM with 4 KiB pages, with holes the fuzzer points hypercalls at:
 *   page 0                           not present (NULL)
 *   [text_start, text_end)           read-only (code, GDT)
 *   hypercall_page, ro_page          read-only
 *   hole_page, scratch_guard         not present (right after RW pages: page-crossing structs)
 *   vars_page, page tables           read-only
 *   scratch_ro                       read-only (right after scratch_guard)
 *   the top page of the address space (0xfffff000 / 0xfffffffffffff000) aliases scratch
 * Every entry has A (and D) preset so the CPU never writes the read-only paging structures.
 * Then: find the Xen CPUID leaves, install the hypercall page through the MSR (after the
 * switch to long mode, so shared_info is latched in the 64-bit format), and stop at fuzz_ready.
 *
 * The fuzzer drives the rest from the host: it sets the registers and RIP to fuzz_vmcall (a bare
 * vmcall with any rax) or fuzz_pagecall (call through the hypercall page slot in fuzz_target),
 * runs until the *_ret breakpoint, and checks what the guest sees. No IDT: the fuzzer intercepts
 * every exception.
 */
#ifdef HARNESS64
#define PTE_SIZE 8
#else
#define PTE_SIZE 4
#endif
#ifndef RAM_MIB
#define RAM_MIB 8
#endif
#define RAM_PAGES	(RAM_MIB * 256)
#define PTE_RW		0x63	/* P | RW | A | D */
#define PTE_RO		0x61	/* P | A | D */
#define PDE		0x23	/* P | RW | A */
#define SCRATCH_PAGES	16

	.code32
	.text
	.globl _start, text_start
text_start:
_start:
	mov	$stack_top, %esp
	cld

	/* Identity-map all of RAM read-write. */
	mov	$pt0, %edi
	mov	$PTE_RW, %eax
	mov	$RAM_PAGES, %ecx
1:	mov	%eax, (%edi)
#ifdef HARNESS64
	movl	$0, 4(%edi)
#endif
	add	$PTE_SIZE, %edi
	add	$0x1000, %eax
	loop	1b

	/* The pages the fuzzer aims at. */
	xor	%eax, %eax
	mov	$0x1000, %edx
	xor	%ebx, %ebx
	call	mark
	mov	$text_start, %eax
	mov	$text_end, %edx
	mov	$PTE_RO, %ebx
	call	mark
	mov	$hypercall_page, %eax
	mov	$hole_page, %edx		/* hypercall_page and ro_page */
	call	mark
	mov	$vars_page, %eax
	mov	$vars_end, %edx
	call	mark
	mov	$pt_start, %eax
	mov	$pt_end, %edx
	call	mark
	mov	$scratch_ro, %eax
	mov	$scratch_ro + 0x1000, %edx
	call	mark
	xor	%ebx, %ebx
	mov	$hole_page, %eax
	mov	$hole_page + 0x1000, %edx
	call	mark
	mov	$scratch_guard, %eax
	mov	$scratch_guard + 0x1000, %edx
	call	mark

#ifdef HARNESS64
	/* PML4[0] -> PDPT -> PD -> pt0..; PML4[511] -> ... -> the top page = scratch. */
	movl	$pdpt + PDE, pml4
	movl	$pd + PDE, pdpt
	mov	$pd, %edi
	mov	$pt0 + PDE, %eax
	mov	$(RAM_PAGES / 512), %ecx
1:	mov	%eax, (%edi)
	add	$8, %edi
	add	$0x1000, %eax
	loop	1b
	movl	$pdpt_top + PDE, pml4 + 511 * 8
	movl	$pd_top + PDE, pdpt_top + 511 * 8
	movl	$pt_top + PDE, pd_top + 511 * 8
	movl	$scratch + PTE_RW, pt_top + 511 * 8

	lgdt	gdt_desc
	mov	%cr4, %eax
	or	$0x20, %eax			/* PAE */
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80010000, %eax		/* PG | WP */
	mov	%eax, %cr0
	ljmp	$0x08, $long_mode

	.code64
long_mode:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$stack_top, %esp
#else
	/* PD[0..] -> pt0..; PD[1023] -> pt_top, whose last entry maps scratch at 0xfffff000. */
	mov	$pd, %edi
	mov	$pt0 + PDE, %eax
	mov	$(RAM_PAGES / 1024), %ecx
1:	mov	%eax, (%edi)
	add	$4, %edi
	add	$0x1000, %eax
	loop	1b
	movl	$pt_top + PDE, pd + 1023 * 4
	movl	$scratch + PTE_RW, pt_top + 1023 * 4
	mov	$pd, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$0x80010000, %eax		/* PG | WP */
	mov	%eax, %cr0
	jmp	1f
1:
#endif

	/* Find "XenVMMXenVMM" with at least base+2 (XTF's scan). */
	mov	$0x40000000, %esi
1:	mov	%esi, %eax
	xor	%ecx, %ecx
	cpuid
	cmp	$0x566e6558, %ebx
	jne	2f
	cmp	$0x65584d4d, %ecx
	jne	2f
	cmp	$0x4d4d566e, %edx
	jne	2f
	sub	%esi, %eax
	cmp	$2, %eax
	jae	3f
2:	add	$0x100, %esi
	cmp	$0x40010000, %esi
	jb	1b
	ud2					/* not on Xen */
3:	lea	2(%esi), %eax
	xor	%ecx, %ecx
	cpuid
	mov	%ebx, %ecx			/* the hypercall-page MSR */
	mov	$hypercall_page, %eax
	xor	%edx, %edx
	wrmsr

	.globl fuzz_ready
fuzz_ready:
	jmp	fuzz_ready

	.globl fuzz_vmcall, fuzz_vmcall_ret
fuzz_vmcall:
	vmcall
fuzz_vmcall_ret:
	jmp	fuzz_vmcall_ret

	.globl fuzz_pagecall, fuzz_pagecall_ret
fuzz_pagecall:
#ifdef HARNESS64
	call	*fuzz_target(%rip)
#else
	call	*fuzz_target
#endif
fuzz_pagecall_ret:
	jmp	fuzz_pagecall_ret

	.code32
/* mark: PTEs for [eax & ~0xfff, edx) := page | ebx, or 0 (not present) when ebx = 0. */
mark:
	and	$~0xfff, %eax
1:	cmp	%edx, %eax
	jae	3f
	mov	%eax, %ecx
	shr	$12, %ecx
	lea	pt0(,%ecx,PTE_SIZE), %edi
	xor	%esi, %esi
	test	%ebx, %ebx
	jz	2f
	mov	%eax, %esi
	or	%ebx, %esi
2:	mov	%esi, (%edi)
	add	$0x1000, %eax
	jmp	1b
3:	ret

#ifdef HARNESS64
	.balign 8
gdt:
	.quad	0
	.quad	0x00af9b000000ffff		/* 0x08: 64-bit code, accessed */
	.quad	0x00cf93000000ffff		/* 0x10: data, accessed */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
#endif
	.globl text_end
	.balign 4096
text_end:

	.data
	.balign 4096
	.globl hypercall_page, ro_page, hole_page, vars_page, vars_end, fuzz_target
hypercall_page:
	.fill	4096, 1, 0xcc
ro_page:
	.fill	4096, 1, 0x5a
hole_page:
	.fill	4096, 1, 0xa5
vars_page:
fuzz_target:
	.quad	0
	.balign 4096
vars_end:

	.bss
	.balign 4096
	.globl pt_start, pt_end, pt0, stack, stack_top, scratch, scratch_end, scratch_guard, scratch_ro, bss_end
pt_start:
#ifdef HARNESS64
pml4:	.skip	4096
pdpt:	.skip	4096
pd:	.skip	4096
pdpt_top: .skip	4096
pd_top:	.skip	4096
pt_top:	.skip	4096
#else
pd:	.skip	4096
pt_top:	.skip	4096
#endif
pt0:	.skip	RAM_PAGES * PTE_SIZE
pt_end:
stack:	.skip	16384
stack_top:
scratch: .skip	SCRATCH_PAGES * 4096
scratch_end:
scratch_guard: .skip 4096
scratch_ro: .skip 4096
bss_end:
	.section .note.GNU-stack, "", @progbits

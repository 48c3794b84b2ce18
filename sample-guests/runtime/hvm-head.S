/*
 * Entry of the HVM "firmware-style" guests and of PVH guests (xen-abi.md §6.3).
 *
 * Both start in 32-bit flat protected mode with paging off: CR0 = PE|ET, CS/DS/ES/SS flat
 * 4 GiB, interrupts off, no usable stack, GDT or IDT. An HVM firmware image (xl
 * `firmware_override`, loaded like hvmloader) is entered at the ELF e_entry; a PVH kernel at
 * the XEN_ELFNOTE_PHYS32_ENTRY address with EBX = physical address of hvm_start_info.
 * Here both are the same `_start`, linked at 1 MiB with virtual == physical addresses.
 *
 * Build-time choices:
 *   HVM_PAGING  = HVM_PAGING_NONE | _PSE | _PAE | _LONG (runtime/hvm.h): the mode
 *                 kernel_main runs in. The page tables identity-map the whole low 4 GiB
 *                 with large pages, so RAM, our image and the special pages Xen places
 *                 just below 4 GiB (console, XenStore) are all reachable; nothing outside
 *                 guest RAM is ever touched through them.
 *   XEN_PVH     = also emit the PHYS32_ENTRY note (the image is then a PVH kernel; an HVM
 *                 firmware image must carry no Xen notes at all: libxenguest's firmware
 *                 loader declines any image whose Xen notes parse).
 *
 * Steps: load our GDT and flat segments, zero .bss, take our stack, install an IDT
 * whose 32 exception vectors report and crash (hvm-trap.c), build page tables and turn
 * paging on as HVM_PAGING says (for long mode: CR4.PAE, EFER.LME, CR0.PG, then a far jump
 * to a 64-bit code segment), then call kernel_main(boot_ebx). The long-mode build installs
 * its (64-bit) IDT only once in 64-bit mode, so a fault in the short 32-bit part before
 * that is a triple fault.
 */
#include "elfnote.h"
#include "hvm.h"

#ifndef HVM_PAGING
#error "HVM_PAGING must be defined"
#endif
#if HVM_PAGING == HVM_PAGING_LONG && !defined(__x86_64__)
#error "long mode needs a 64-bit build (-m64)"
#endif
#if HVM_PAGING != HVM_PAGING_LONG && defined(__x86_64__)
#error "32-bit modes need a 32-bit build (-m32)"
#endif

#define CR0_PG       0x80000000
#define CR4_PSE      0x00000010
#define CR4_PAE      0x00000020
#define MSR_EFER     0xc0000080
#define EFER_LME     0x00000100

/* Large-page entry: Present | Writable | Accessed | Dirty | PS (A and D preset, so the
 * CPU never has to write them back). Table pointers: Present | Writable | Accessed. */
#define PDE_LARGE    0xe3
#define PDE_TABLE    0x23
#define PDPTE_PAE    0x01       /* PAE PDPTEs: only P (RW/US/A are reserved there) */

#ifdef XEN_PVH
# ifdef __x86_64__
	/* 8-byte descriptor in an ELF64 (as Linux does); the value fits in 32 bits. */
	XEN_ELFNOTE(XEN_ELFNOTE_PHYS32_ENTRY, .quad _start)
# else
	XEN_ELFNOTE(XEN_ELFNOTE_PHYS32_ENTRY, .long _start)
# endif
#endif

	.section .text.head, "ax", @progbits
	.code32
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov	%ebx, %ebp			/* PVH: hvm_start_info; firmware: unspecified */

	lgdt	gdt_desc
	ljmp	$GDT_CS32, $1f
1:	mov	$GDT_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs

	/* Zero .bss: it holds the stack, the page tables and the IDT. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb

	mov	%ebp, boot_ebx
	mov	$stack_top, %esp

#if HVM_PAGING != HVM_PAGING_LONG
	/* 32-bit IDT: interrupt gates (type 0xE, DPL 0, present) for vectors 0..31. */
	mov	$idt, %edi
	mov	$exc_stub_table, %esi
	mov	$32, %ecx
2:	lodsl					/* eax = stub address */
	mov	%ax, (%edi)			/* offset 15:0 */
	movw	$GDT_CS32, 2(%edi)
	movw	$0x8e00, 4(%edi)
	shr	$16, %eax
	mov	%ax, 6(%edi)			/* offset 31:16 */
	add	$8, %edi
	loop	2b
	lidt	idt_desc
#endif

#if HVM_PAGING == HVM_PAGING_PSE
	/* One page directory, 1024 x 4 MiB = the low 4 GiB, identity. */
	mov	$pse_pd, %edi
	mov	$PDE_LARGE, %eax
	mov	$1024, %ecx
3:	mov	%eax, (%edi)
	add	$0x400000, %eax
	add	$4, %edi
	loop	3b
	mov	%cr4, %eax
	or	$CR4_PSE, %eax
	mov	%eax, %cr4
	mov	$pse_pd, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0			/* paging on; execution continues identity-mapped */
#endif

#if HVM_PAGING == HVM_PAGING_PAE || HVM_PAGING == HVM_PAGING_LONG
	/* Four page directories, 4 x 512 x 2 MiB = the low 4 GiB, identity. */
	mov	$large_pd, %edi
	mov	$PDE_LARGE, %eax
	mov	$2048, %ecx
3:	mov	%eax, (%edi)
	movl	$0, 4(%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	3b

	/* PDPT: four entries pointing at the directories. */
	mov	$pdpt, %edi
# if HVM_PAGING == HVM_PAGING_PAE
	mov	$(large_pd + PDPTE_PAE), %eax
# else
	mov	$(large_pd + PDE_TABLE), %eax
# endif
	mov	$4, %ecx
4:	mov	%eax, (%edi)
	movl	$0, 4(%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	4b

	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
# if HVM_PAGING == HVM_PAGING_PAE
	mov	$pdpt, %eax
	mov	%eax, %cr3
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0			/* PAE paging on */
# else
	/* PML4[0] -> PDPT: the first 512 GiB of the 4-level space, of which 4 GiB used. */
	movl	$(pdpt + PDE_TABLE), pml4
	movl	$0, pml4 + 4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0			/* long mode active (compatibility mode) */
	ljmp	$GDT_CS64, $start64		/* CS.L=1: 64-bit mode */
# endif
#endif

#if HVM_PAGING != HVM_PAGING_LONG
	sub	$12, %esp			/* esp 16-byte aligned at the call */
	push	boot_ebx
	xor	%ebp, %ebp
	call	kernel_main			/* kernel_main(boot_ebx); does not return */
5:	cli
	hlt
	jmp	5b
#else
	.code64
start64:
	mov	$GDT_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	lea	stack_top(%rip), %rsp

	/* 64-bit IDT: 16-byte interrupt gates for vectors 0..31. */
	lea	idt(%rip), %rdi
	lea	exc_stub_table(%rip), %rsi
	mov	$32, %ecx
2:	lodsq					/* rax = stub address */
	mov	%ax, (%rdi)			/* offset 15:0 */
	movw	$GDT_CS64, 2(%rdi)
	movw	$0x8e00, 4(%rdi)		/* IST 0, interrupt gate, DPL 0, present */
	shr	$16, %rax
	mov	%ax, 6(%rdi)			/* offset 31:16 */
	shr	$16, %rax
	mov	%eax, 8(%rdi)			/* offset 63:32 */
	movl	$0, 12(%rdi)
	add	$16, %rdi
	loop	2b
	lidt	idt_desc(%rip)

	mov	boot_ebx(%rip), %edi
	xor	%ebp, %ebp
	call	kernel_main			/* kernel_main(boot_ebx); does not return */
5:	cli
	hlt
	jmp	5b
#endif
	.size _start, . - _start

/* ---- exception stubs ----------------------------------------------------------------- */

/* Vectors for which the CPU pushes an error code: #DF 8, #TS 10, #NP 11, #SS 12, #GP 13,
 * #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. The others get a 0 so the frame is uniform. */
.macro exc_stub vec
exc_stub_\vec:
	.if !((\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30))
	push	$0
	.endif
	push	$\vec
	jmp	exc_common
.endm

	.text
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	exc_stub \v
	.endr

exc_common:
#ifdef __x86_64__
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi			/* struct exc_frame * */
	and	$-16, %rsp
	call	hvm_exception			/* does not return */
#else
	pusha
	mov	%esp, %eax			/* struct exc_frame * */
	and	$-16, %esp
	sub	$12, %esp
	push	%eax
	call	hvm_exception			/* does not return */
#endif
6:	cli
	hlt
	jmp	6b

	.section .rodata
	.balign 8
exc_stub_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
#ifdef __x86_64__
	.quad	exc_stub_\v
#else
	.long	exc_stub_\v
#endif
	.endr

/* ---- descriptor tables --------------------------------------------------------------- */

	.data
	.balign 16
gdt:
	.quad	0				/* 0x00 null */
	.quad	0x00cf9b000000ffff		/* 0x08 GDT_CS32: flat 4 GiB, 32-bit code */
	.quad	0x00cf93000000ffff		/* 0x10 GDT_DS: flat 4 GiB, data */
	.quad	0x00af9b000000ffff		/* 0x18 GDT_CS64: 64-bit code (L=1) */
gdt_end:

	.balign 8
	.word	0				/* pad: keeps the base 4-aligned */
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.balign 8
	.word	0
idt_desc:
#ifdef __x86_64__
	.word	32 * 16 - 1
	.quad	idt
#else
	.word	32 * 8 - 1
	.long	idt
#endif

	.balign 8
	.globl boot_ebx
boot_ebx:
	.long	0				/* EBX at entry (PVH: hvm_start_info address) */

	.bss
	.balign 4096
#ifdef __x86_64__
idt:	.skip	32 * 16
#else
idt:	.skip	32 * 8
#endif

#if HVM_PAGING == HVM_PAGING_PSE
	.balign 4096
pse_pd:	.skip	4096
#endif
#if HVM_PAGING == HVM_PAGING_PAE || HVM_PAGING == HVM_PAGING_LONG
	.balign 4096
pdpt:	.skip	4096				/* PAE needs only 32 bytes, 32-byte aligned */
large_pd:
	.skip	4 * 4096
#endif
#if HVM_PAGING == HVM_PAGING_LONG
	.balign 4096
pml4:	.skip	4096
#endif

	.balign 4096
stack:	.skip	16384
	.globl stack_top
stack_top:

	.section .note.GNU-stack, "", @progbits

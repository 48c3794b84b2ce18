/*
 * PVH direct boot: entered at the PHYS32_ENTRY note in 32-bit flat mode, paging off, EBX = &hvm_start_info.
 * Saves EBX, prints on the debug console (port 0xE9), then shuts down through the hypercall page.
 */
	.section .note.Xen, "", @note
	.balign 4
	.long 4, 4, 18		/* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.long pvh_start
	.balign 4

	.code32
	.text
	.globl pvh_start, _start
_start:
pvh_start:
	mov	%ebx, start_info_ptr
	mov	$stack_top, %esp
	mov	$msg, %esi
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, $0xe9
	jmp	1b
2:	mov	$0x40000002, %eax
	cpuid
	mov	%ebx, %ecx
	mov	$hypercall_page, %eax
	xor	%edx, %edx
	wrmsr
	mov	$2, %ebx
	mov	$reason, %ecx
	call	hypercall_page + 29 * 32
	ud2

	.data
msg:	.asciz "pvh-smoke: started\n"
	.balign 4
reason:	.long 0
	.globl start_info_ptr
start_info_ptr: .long 0
	.balign 4096
hypercall_page:
	.fill 4096, 1, 0xc3
	.bss
	.balign 16
	.space 1024
stack_top:

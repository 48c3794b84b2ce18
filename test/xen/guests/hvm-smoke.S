/*
 * Smallest HVM firmware-style guest: find the Xen CPUID leaves, install the hypercall page through the
 * MSR, print with console_io, then SCHEDOP_shutdown(poweroff). 32-bit flat protected mode, paging off.
 */
	.code32
	.text
	.globl _start
_start:
	mov	$stack_top, %esp
	/* Scan for "XenVMMXenVMM". */
	mov	$0x40000000, %esi
1:	mov	%esi, %eax
	cpuid
	cmp	$0x566e6558, %ebx
	jne	2f
	cmp	$0x65584d4d, %ecx
	jne	2f
	cmp	$0x4d4d566e, %edx
	je	3f
2:	add	$0x100, %esi
	cmp	$0x40010000, %esi
	jb	1b
	ud2
3:	lea	2(%esi), %eax
	cpuid
	mov	%ebx, %ecx		/* MSR index */
	mov	$hypercall_page, %eax
	xor	%edx, %edx
	wrmsr
	/* console_io(CONSOLEIO_write, len, msg) */
	mov	$0, %ebx
	mov	$msg_len, %ecx
	mov	$msg, %edx
	call	hypercall_page + 18 * 32
	mov	%eax, console_rc
	/* xen_version(XENVER_version, NULL) */
	mov	$0, %ebx
	xor	%ecx, %ecx
	call	hypercall_page + 17 * 32
	mov	%eax, version
	/* sched_op(SCHEDOP_shutdown, &reason) */
	mov	$2, %ebx
	mov	$reason, %ecx
	call	hypercall_page + 29 * 32
	ud2

	.data
msg:	.ascii "hello from hvm-smoke\n"
	.set msg_len, . - msg
	.balign 4
reason:	.long 0
	.globl console_rc, version
console_rc: .long 0xffffffff
version: .long 0
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xc3
	.bss
	.balign 16
	.space 4096
stack_top:

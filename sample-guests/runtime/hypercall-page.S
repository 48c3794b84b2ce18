/*
 * The hypercall page: one page-aligned 4 KiB page filled with 0xC3 (ret).
 *
 * PV: its virtual address is announced in the XEN_ELFNOTE_HYPERCALL_PAGE note and the
 * domain builder overwrites it with the stubs before the guest starts.
 * HVM/PVH: the guest writes its physical address to the MSR named by CPUID leaf base+2
 * (hvm-discovery.c) and Xen writes the vmcall/vmmcall stubs into it.
 * Either way entry N is at hypercall_page + N * 32. While the page still holds 0xC3 a call
 * into it simply returns, so "byte 0 is still 0xC3" means "Xen did not fill it".
 *
 * The hypercall_<name> symbols label the stubs the sample guests use, so disassembly shows
 * `call <hypercall_xen_version>` rather than a bare offset.
 */
	.section .hypercall_page, "ax", @progbits
	.balign 4096
	.globl hypercall_page
	.type hypercall_page, @object
hypercall_page:
	.fill 4096, 1, 0xc3
	.size hypercall_page, 4096

#define STUB(name, nr)                                   \
	.globl hypercall_##name;                         \
	.type hypercall_##name, @function;               \
	.set hypercall_##name, hypercall_page + (nr) * 32; \
	.size hypercall_##name, 32

/* Numbers from xen/include/public/xen.h. */
STUB(memory_op, 12)
STUB(update_va_mapping, 14)
STUB(set_timer_op, 15)
STUB(xen_version, 17)
STUB(console_io, 18)
STUB(iret, 23)
STUB(vcpu_op, 24)
STUB(sched_op, 29)
STUB(callback_op, 30)
STUB(event_channel_op, 32)
STUB(hvm_op, 34)

	.section .note.GNU-stack, "", @progbits

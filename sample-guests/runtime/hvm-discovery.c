/*
 * HVM/PVH hypercall setup (xen-abi.md §2.2, §2.3; xen/include/public/arch-x86/cpuid.h):
 *
 *  1. Look for Xen's CPUID leaves: for base = 0x40000000, 0x40000100, ... 0x4000FF00,
 *     leaf `base` returns EBX:ECX:EDX = "XenV" "MMXe" "nVMM" and EAX = the largest leaf.
 *     (With Viridian enabled, Hyper-V's leaves take 0x40000000 and Xen's move up.)
 *     We need leaves up to base+2, so EAX - base must be >= 2.
 *  2. Leaf base+2: EAX = number of hypercall pages (1), EBX = the MSR to write.
 *  3. wrmsr(EBX, guest-physical address of our page-aligned page). Xen writes the stubs
 *     into that page (vmcall on Intel, vmmcall on AMD). Writing the MSR also latches the
 *     shared_info layout: 64-bit if the vCPU is in long mode now, 32-bit otherwise.
 *  4. Byte 0 of the page was 0xC3 (ret) in the image; if it still is, Xen did not fill it.
 *
 * Our page tables are identity maps (or paging is off), so the page's virtual address is
 * its physical address.
 */
#include "hvm.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"

uint32_t xen_cpuid_leaf_base;
uint32_t xen_hypercall_msr;
int hvm_hypercalls_ready;

uint32_t xen_cpuid_base(void)
{
	for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
	     base += 0x100) {
		uint32_t eax, ebx, ecx, edx;
		cpuid_count(base, 0, &eax, &ebx, &ecx, &edx);
		if (ebx == XEN_CPUID_SIGNATURE_EBX && ecx == XEN_CPUID_SIGNATURE_ECX &&
		    edx == XEN_CPUID_SIGNATURE_EDX && eax >= base + 2)
			return base;
	}
	return 0;
}

int hvm_setup_hypercall_page(void)
{
	uint32_t eax, ebx, ecx, edx;
	uint32_t base = xen_cpuid_base();

	if (!base) {
		debugcon_puts("not running on Xen: no Xen CPUID leaves at 0x40000000-0x4000ff00\n");
		return -1;
	}
	xen_cpuid_leaf_base = base;

	cpuid_count(base + 2, 0, &eax, &ebx, &ecx, &edx);
	xen_hypercall_msr = ebx;
	if (eax < 1) {
		debugcon_puts("Xen CPUID leaf base+2 reports no hypercall pages\n");
		return -1;
	}

	wrmsr(ebx, (uint64_t)(unsigned long)hypercall_page);
	barrier(); /* Xen wrote the page behind the compiler's back */

	if (*(volatile unsigned char *)hypercall_page == 0xc3) {
		debugcon_puts("hypercall page not filled by Xen (byte 0 is still 0xc3)\n");
		return -1;
	}
	hvm_hypercalls_ready = 1;
	return 0;
}

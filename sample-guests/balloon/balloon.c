/*
 * balloon: gives 4096 pages (16 MiB) back to Xen with ONE
 * memory_op(XENMEM_decrease_reservation) whose extent list holds 4096 order-0 extents.
 * That is long enough for Xen to preempt it: the continuation re-issues the call with
 * cmd = XENMEM_decrease_reservation | (extents_done << MEMOP_EXTENT_SHIFT) and the same
 * argument, until all extents are done. The guest only sees the final return value, the
 * number of extents released (4096).
 *
 * Built for pv64 (frames are MFNs, read from the p2m list start_info.mfn_list for the top
 * 4096 pseudo-physical frames, whose p2m slots are then invalidated) and for hvm64 (frames
 * are GFNs: the top 16 MiB of the highest RAM range of the E820 map from
 * XENMEM_memory_map). Neither range is ever touched by the guest.
 *
 * Output: current_reservation before, the decrease_reservation result, current_reservation
 * after; then poweroff (or SHUTDOWN_crash if the numbers are not as expected).
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#ifdef XEN_HVM
#include "hvm.h"
#endif

#define BALLOON_PAGES 4096

/* The extent list handed to Xen (32 KiB). */
xen_pfn_t balloon_frames[BALLOON_PAGES];

extern char __image_start[], _end[];

#ifdef XEN_PV
/*
 * Picks the top BALLOON_PAGES pseudo-physical frames and copies their MFNs from the p2m.
 * They must lie beyond everything the builder set up: the initial mapping covers the
 * image, p2m list, start_info, XenStore/console pages, the page tables (pt_base,
 * nr_pt_frames), one stack page and at least 512 KiB more, rounded up to 4 MiB.
 * Returns the first pfn, or 0 if memory is too small.
 */
static unsigned long pick_frames(const struct start_info *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	unsigned long pt_pfn = (si->pt_base - PV_VIRT_BASE) >> 12;
	unsigned long mapped_end = pt_pfn + si->nr_pt_frames + 1 + 128;
	mapped_end = (mapped_end + 1023) & ~1023ul;

	if (si->nr_pages < BALLOON_PAGES || si->nr_pages - BALLOON_PAGES < mapped_end) {
		printk("balloon: %lu pages is too small (initial mapping ends at pfn 0x%lx)\n",
		       si->nr_pages, mapped_end);
		return 0;
	}
	unsigned long first = si->nr_pages - BALLOON_PAGES;
	for (unsigned long i = 0; i < BALLOON_PAGES; i++)
		balloon_frames[i] = p2m[first + i];
	printk("balloon: pfns 0x%lx-0x%lx (mfns 0x%lx...0x%lx)\n", first,
	       first + BALLOON_PAGES - 1, balloon_frames[0], balloon_frames[BALLOON_PAGES - 1]);
	return first;
}
#endif

#ifdef XEN_HVM
static struct e820entry e820[32];

/* Picks the top 16 MiB of the highest E820 RAM range as GFNs. Returns the first gfn or 0. */
static unsigned long pick_frames(void)
{
	struct xen_memory_map map = { .nr_entries = 32, .buffer = e820 };
	uint64_t ram_end = 0;
	long rc = HYPERVISOR_memory_op(XENMEM_memory_map, &map);

	if (rc == 0) {
		for (unsigned int i = 0; i < map.nr_entries && i < 32; i++) {
			printk("e820: %016llx-%016llx type %u\n",
			       (unsigned long long)e820[i].addr,
			       (unsigned long long)(e820[i].addr + e820[i].size - 1), e820[i].type);
			if (e820[i].type == E820_RAM && e820[i].addr + e820[i].size > ram_end &&
			    e820[i].size >= BALLOON_PAGES * 4096ull)
				ram_end = e820[i].addr + e820[i].size;
		}
	} else {
		/* No memory map: estimate the end of RAM from the page count, keeping a 1 MiB
		 * margin for the special pages that count too but are not RAM. */
		long pages = xen_current_reservation();
		printk("XENMEM_memory_map failed (%ld); estimating RAM from %ld pages\n", rc, pages);
		if (pages > 256)
			ram_end = ((uint64_t)(pages - 256) << 12) & ~0x1fffffull;
	}
	ram_end &= ~0xfffull;
	uint64_t first = ram_end - BALLOON_PAGES * 4096ull;
	if (ram_end < BALLOON_PAGES * 4096ull || first < (unsigned long)_end) {
		printk("balloon: not enough RAM above the image (RAM ends at 0x%llx)\n",
		       (unsigned long long)ram_end);
		return 0;
	}
	for (unsigned long i = 0; i < BALLOON_PAGES; i++)
		balloon_frames[i] = (xen_pfn_t)(first >> 12) + i;
	printk("balloon: gfns 0x%lx-0x%lx\n", balloon_frames[0],
	       balloon_frames[BALLOON_PAGES - 1]);
	return (unsigned long)(first >> 12);
}
#endif

void kernel_main(unsigned long boot_arg)
{
#ifdef XEN_HVM
	(void)boot_arg;
	console_set_sinks(CONSOLE_DEBUGCON);
	printk("Hello from balloon-" GUEST_ENV " guest\n");
	if (hvm_setup_hypercall_page() < 0) {
		debugcon_puts("balloon-" GUEST_ENV ": cannot make hypercalls, halting\n");
		halt_forever();
	}
#endif
	console_set_sinks(CONSOLE_XEN);
	printk("Hello from balloon-" GUEST_ENV " guest\n");

	long before = xen_current_reservation();
	printk("current_reservation before: %ld pages\n", before);

#ifdef XEN_PV
	const struct start_info *si = (const struct start_info *)boot_arg;
	unsigned long first = pick_frames(si);
#else
	unsigned long first = pick_frames();
#endif
	if (!first)
		xen_shutdown(SHUTDOWN_crash);

	struct xen_memory_reservation r = {
		.extent_start = balloon_frames,
		.nr_extents = BALLOON_PAGES,
		.extent_order = 0,
		.mem_flags = 0,
		.domid = DOMID_SELF,
	};
	long done = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
	printk("XENMEM_decrease_reservation(%u extents) returned %ld\n", BALLOON_PAGES, done);

#ifdef XEN_PV
	/* The released frames are no longer ours: forget them in the p2m. */
	xen_pfn_t *p2m = (xen_pfn_t *)si->mfn_list;
	for (long i = 0; i < done && i < BALLOON_PAGES; i++)
		p2m[first + (unsigned long)i] = INVALID_P2M_ENTRY;
#endif

	long after = xen_current_reservation();
	printk("current_reservation after: %ld pages (%ld fewer)\n", after, before - after);

	if (done != BALLOON_PAGES || before - after != BALLOON_PAGES) {
		printk("balloon: FAILED\n");
		xen_shutdown(SHUTDOWN_crash);
	}
	printk("balloon: ok, powering off\n");
	xen_shutdown(SHUTDOWN_poweroff);
}

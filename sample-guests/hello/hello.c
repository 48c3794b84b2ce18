/*
 * hello: the smallest complete Xen guest, built for six environments (GUEST_ENV):
 * pv64, pv32pae (PV), hvm32, hvm32pse, hvm32pae, hvm64 (HVM firmware-style images).
 *
 * In order it
 *   1. (HVM) says hello on the debug port 0xE9, finds Xen's CPUID leaves and installs the
 *      hypercall page through the MSR (runtime/hvm-discovery.c);
 *   2. says hello through console_io(CONSOLEIO_write);
 *   3. prints the Xen version, extraversion and feature submap 0 (xen_version 0, 1, 6);
 *   4. maps the shared_info page and prints wc_version and vcpu_info[0].evtchn_upcall_mask:
 *      PV with update_va_mapping onto the machine address from start_info, HVM with
 *      XENMEM_add_to_physmap(XENMAPSPACE_shared_info) at a guest frame of its own;
 *   5. writes "console ring: ok" into the PV console ring and notifies its event channel
 *      (PV: start_info.console.domU; HVM: HVM_PARAM_CONSOLE_PFN / _EVTCHN);
 *   6. powers off with sched_op(SCHEDOP_shutdown, SHUTDOWN_poweroff).
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#ifdef XEN_HVM
#include "hvm.h"
#endif

/*
 * Page-aligned pages of our own .bss whose virtual addresses (PV) or guest frames (HVM) we
 * give up to map Xen's pages there. Global rather than static, and read through volatile
 * pointers, because their contents change behind the compiler's back.
 */
unsigned char shared_info_page[4096] __attribute__((aligned(4096)));
#ifdef XEN_PV
unsigned char console_ring_page[4096] __attribute__((aligned(4096)));
#endif

static const char ring_message[] = "console ring: ok\n";

static void show_shared_info(const volatile struct shared_info *s)
{
	printk("shared_info: wc_version %u, vcpu_info[0].evtchn_upcall_mask %u\n",
	       s->wc_version, s->vcpu_info[0].evtchn_upcall_mask);
}

static void write_console_ring(struct xencons_interface *ring, evtchn_port_t port)
{
	int n = xencons_ring_write(ring, port, ring_message, sizeof(ring_message) - 1);
	if (n != (int)sizeof(ring_message) - 1)
		printk("console ring: write returned %d\n", n);
}

#ifdef XEN_PV
static void pv_hello(const struct start_info *si)
{
	char magic[sizeof(si->magic) + 1];
	int rc;

	for (unsigned int i = 0; i < sizeof(si->magic); i++)
		magic[i] = si->magic[i];
	magic[sizeof(si->magic)] = 0;
	printk("start_info: magic \"%s\", nr_pages %lu, flags 0x%x\n", magic, si->nr_pages,
	       si->flags);

	/* shared_info: start_info gives its machine address; nothing maps it yet. */
	printk("shared_info: machine address 0x%lx, mapping it at %p\n", si->shared_info,
	       (void *)shared_info_page);
	rc = pv_map_machine_page(shared_info_page, si->shared_info);
	if (rc < 0)
		printk("update_va_mapping(shared_info) failed: %d\n", rc);
	else
		show_shared_info((const volatile struct shared_info *)shared_info_page);

	/* Console ring: a machine frame (it is also inside the initial mapping, but finding
	 * it there needs the reverse p2m; mapping it again is simpler). */
	unsigned long mfn = si->console.domU.mfn;
	evtchn_port_t port = si->console.domU.evtchn;
	printk("console ring: mfn 0x%lx, event channel %u, mapping it at %p\n", mfn, port,
	       (void *)console_ring_page);
	rc = pv_map_machine_page(console_ring_page, (uint64_t)mfn << 12);
	if (rc < 0)
		printk("update_va_mapping(console ring) failed: %d\n", rc);
	else
		write_console_ring((struct xencons_interface *)console_ring_page, port);
}
#endif

#ifdef XEN_HVM
static void hvm_hello(void)
{
	uint64_t pfn = 0, port = 0;
	unsigned long gpfn = (unsigned long)shared_info_page >> 12;
	int rc;

	printk("hypercall page: MSR 0x%x <- 0x%lx (Xen CPUID leaves at 0x%x)\n",
	       xen_hypercall_msr, (unsigned long)hypercall_page, xen_cpuid_leaf_base);

	/* shared_info: Xen replaces our RAM frame at gpfn with the shared_info page. */
	printk("shared_info: add_to_physmap at gfn 0x%lx\n", gpfn);
	rc = hvm_map_shared_info(gpfn);
	if (rc < 0)
		printk("XENMEM_add_to_physmap(shared_info) failed: %d\n", rc);
	else
		show_shared_info((const volatile struct shared_info *)shared_info_page);

	/* Console ring: a guest frame the toolstack chose (normally just below 4 GiB, which
	 * our identity map covers). */
	rc = hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn);
	if (rc == 0)
		rc = hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port);
	if (rc < 0) {
		printk("HVMOP_get_param(console) failed: %d\n", rc);
		return;
	}
	printk("console ring: gfn 0x%llx, event channel %llu\n", (unsigned long long)pfn,
	       (unsigned long long)port);
	if (pfn == 0 || pfn >= (1ull << 20)) {
		printk("console ring: no ring below 4 GiB, skipped\n");
		return;
	}
	write_console_ring((struct xencons_interface *)(unsigned long)(pfn << 12),
			   (evtchn_port_t)port);
}
#endif

void kernel_main(unsigned long boot_arg)
{
#ifdef XEN_HVM
	(void)boot_arg;
	/* Before any hypercall: the same first line, byte by byte on port 0xE9. */
	console_set_sinks(CONSOLE_DEBUGCON);
	printk("Hello from " GUEST_ENV " guest\n");
	if (hvm_setup_hypercall_page() < 0) {
		debugcon_puts(GUEST_ENV ": cannot make hypercalls, halting\n");
		halt_forever();
	}
#endif
	console_set_sinks(CONSOLE_XEN);
	printk("Hello from " GUEST_ENV " guest\n");
	print_xen_info();

#ifdef XEN_PV
	pv_hello((const struct start_info *)boot_arg);
#else
	hvm_hello();
#endif

	printk("powering off\n");
	xen_shutdown(SHUTDOWN_poweroff);
}

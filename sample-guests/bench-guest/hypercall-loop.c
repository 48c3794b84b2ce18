/*
 * hypercall-loop-pvh: a hypercalls-per-second benchmark. After the usual PVH start and
 * hypercall-page discovery it makes hypercall_loop_count (default 1,000,000)
 * xen_version(XENVER_version) calls in a tight loop through the hypercall page, prints the
 * count, the last result and the TSC ticks spent, and powers off.
 * Without Xen it says so on port 0xE9 and leaves through isa-debug-exit (QEMU status 1).
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "hvm.h"
#include "hypercall.h"

#define ISA_DEBUG_EXIT_PORT 0xf4

/* In .data so it can be patched in the image. */
__attribute__((used, section(".data"))) volatile unsigned int hypercall_loop_count = 1000000;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void kernel_main(unsigned long boot_arg)
{
	(void)boot_arg;
	console_set_sinks(CONSOLE_DEBUGCON);
	printk("Hello from hypercall-loop-" GUEST_ENV " guest\n");
	if (hvm_setup_hypercall_page() < 0) {
		printk("hypercall-loop: exiting through isa-debug-exit (port 0x%x)\n",
		       ISA_DEBUG_EXIT_PORT);
		outl(ISA_DEBUG_EXIT_PORT, 0);
		halt_forever();
	}
	console_set_sinks(CONSOLE_XEN);

	unsigned int n = hypercall_loop_count;
	long last = 0;
	printk("hypercall-loop: %u x xen_version(XENVER_version)\n", n);
	uint64_t t0 = rdtsc();
	for (unsigned int i = 0; i < n; i++)
		last = HYPERVISOR_xen_version(XENVER_version, NULL);
	uint64_t t1 = rdtsc();
	printk("hypercall-loop: done %u calls, last result 0x%lx, %llu TSC ticks\n", n, last,
	       (unsigned long long)(t1 - t0));
	xen_shutdown(SHUTDOWN_poweroff);
}

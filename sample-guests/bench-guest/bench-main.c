/*
 * bench-pvh: the CPU benchmark workload (../bench/workload.c) as a PVH kernel, so the
 * same image runs on Xen (PVH), on the emulator, and on plain QEMU/KVM (-kernel boots PVH
 * ELF kernels through the PHYS32_ENTRY note).
 *
 * hvm-head.S enters long mode; then: workload text on the debug port 0xE9, the checksum
 * line, and an exit that depends on where we run:
 *   - Xen CPUID leaves present: hypercall page through the MSR, then
 *     sched_op(SCHEDOP_shutdown, SHUTDOWN_poweroff);
 *   - no Xen (QEMU without Xen): outl(0xf4, 0) to QEMU's isa-debug-exit device
 *     (-device isa-debug-exit,iobase=0xf4,iosize=0x04), which makes QEMU exit with status
 *     (0 << 1) | 1 = 1. Without that device the guest halts.
 *
 * bench_rounds (0 = the workload's default) may be patched in the image or in guest memory
 * before the run, like cpu-bench.elf's; bench_result and bench_done record the outcome.
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "hvm.h"
#include "../bench/workload.h"

#define ISA_DEBUG_EXIT_PORT 0xf4

/* In .data (not .bss) so the symbol has file contents to patch. */
__attribute__((used, section(".data"))) volatile unsigned int bench_rounds = 0;
__attribute__((used, section(".data"))) volatile unsigned int bench_done = 0;
__attribute__((used, section(".data"))) volatile unsigned long long bench_result = 0;

static void emit_debugcon(const char *text)
{
	debugcon_puts(text);
}

void kernel_main(unsigned long boot_arg)
{
	const struct hvm_start_info *si = (const struct hvm_start_info *)boot_arg;

	console_set_sinks(CONSOLE_DEBUGCON);
	if (si && si->magic == XEN_HVM_START_MAGIC_VALUE)
		printk("bench-pvh: hvm_start_info v%u at %p, %u memory map entries\n", si->version,
		       (const void *)si, si->version >= 1 ? si->memmap_entries : 0);
	else
		printk("bench-pvh: no hvm_start_info (EBX 0x%lx)\n", boot_arg);

	bench_result = run_workload(bench_rounds, emit_debugcon);
	bench_done = 1;

	if (xen_cpuid_base()) {
		if (hvm_setup_hypercall_page() == 0)
			xen_shutdown(SHUTDOWN_poweroff);
		halt_forever();
	}
	printk("bench-pvh: not running on Xen; exiting through isa-debug-exit (port 0x%x)\n",
	       ISA_DEBUG_EXIT_PORT);
	outl(ISA_DEBUG_EXIT_PORT, 0);
	halt_forever(); /* no isa-debug-exit device */
}

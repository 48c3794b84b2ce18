/*
 * Unexpected exceptions in the HVM/PVH guests: the stubs in hvm-head.S build a struct
 * exc_frame and call hvm_exception(), which reports the exception on port 0xE9 (and via
 * console_io once hypercalls work) and then crashes the domain with
 * sched_op(SCHEDOP_shutdown, SHUTDOWN_crash). Without hypercalls it halts.
 */
#include "hvm.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "#HV hypervisor injection", "#VC VMM communication", "#SX security",
	"reserved 31",
};

void hvm_exception(struct exc_frame *f)
{
	char buf[256];
	int n;

#ifdef __x86_64__
	n = snprintf(buf, sizeof(buf),
		     "*** unexpected exception %lu (%s), error code 0x%lx, at %lx:%016lx, "
		     "rsp %016lx, cr2 %016lx\n",
		     f->vector, exc_names[f->vector & 31], f->error_code, f->cs, f->rip, f->rsp,
		     read_cr2());
#else
	n = snprintf(buf, sizeof(buf),
		     "*** unexpected exception %lu (%s), error code 0x%lx, at %lx:%08lx, "
		     "cr2 %08lx\n",
		     f->vector, exc_names[f->vector & 31], f->error_code, f->cs, f->eip,
		     read_cr2());
#endif
	debugcon_write(buf, (size_t)n);
	if (hvm_hypercalls_ready) {
		struct sched_shutdown sd = { .reason = SHUTDOWN_crash };
		HYPERVISOR_console_io(CONSOLEIO_write, n, buf);
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
	}
	halt_forever();
}

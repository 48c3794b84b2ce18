/*
 * events: event-channel delivery, built for pv64 and hvm64 (GUEST_ENV).
 *
 * In order it
 *   1. (HVM) finds Xen and installs the hypercall page (runtime/hvm-discovery.c);
 *   2. maps shared_info (PV: update_va_mapping of start_info.shared_info; HVM:
 *      XENMEM_add_to_physmap(XENMAPSPACE_shared_info) over a page of its own .bss);
 *   3. installs the upcall (runtime/events.c): PV callback_op(CALLBACKOP_register, event)
 *      plus a trap table and failsafe callback; HVM an IDT gate for vector 0xF3 and
 *      HVM_PARAM_CALLBACK_IRQ = (2 << 56) | 0xF3;
 *   4. stops vCPU 0's periodic timer (PV vCPUs start with a 100 Hz one), binds VIRQ_TIMER
 *      on vCPU 0 and, 5 times, arms set_timer_op(now + 1 ms) with `now`
 *      from vcpu_info[0].time and sleeps (PV: SCHEDOP_block; HVM: sti; hlt) until the timer
 *      port has fired; prints the system time at each tick; then one more 1 ms timer
 *      taken while spinning, so the upcall interrupts arbitrary code (registers must
 *      survive it);
 *   5. binds an IPI port to vCPU 0 and sends to it 3 times: each send must be delivered,
 *      once, by the time EVTCHNOP_send returns (Xen delivers on the way back to the guest);
 *   6. masks that port in shared_info.evtchn_mask, sends: the port must become pending
 *      with no upcall (no evtchn_pending_sel bit, no evtchn_upcall_pending); then
 *      EVTCHNOP_unmask must deliver it, once;
 *   7. prints the wallclock (wc_version seqlock) and the events counted per port;
 *   8. powers off if everything was as expected, else SHUTDOWN_crash.
 *
 * What to watch in a trace: the bounce to pv_event_entry and the iret hypercall (PV), the
 * vector 0xF3 injections (HVM), set_timer_op deadlines against the virtual clock, and the
 * unmask re-raising a pending port.
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "events.h"
#include "hypercall.h"
#include "xen-time.h"
#ifdef XEN_HVM
#include "hvm.h"
#endif

#define TICKS 5
#define TICK_NS 1000000ull          /* 1 ms */
#define EARLY_TOLERANCE_NS 1000     /* guest and Xen extrapolate time separately */
#define IPI_SENDS 3

/* The page whose virtual address (PV) or guest frame (HVM) shared_info is mapped at. */
unsigned char shared_info_page[4096] __attribute__((aligned(4096)));

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		printk("FAILED: %s\n", what);
		failures++;
	}
}

static volatile struct shared_info *map_shared_info(unsigned long boot_arg)
{
	int rc;
#ifdef XEN_PV
	const struct start_info *si = (const struct start_info *)boot_arg;
	printk("shared_info: machine address 0x%lx, update_va_mapping at %p\n", si->shared_info,
	       (void *)shared_info_page);
	rc = pv_map_machine_page(shared_info_page, si->shared_info);
#else
	(void)boot_arg;
	unsigned long gpfn = (unsigned long)shared_info_page >> 12;
	printk("shared_info: XENMEM_add_to_physmap at gfn 0x%lx\n", gpfn);
	rc = hvm_map_shared_info(gpfn);
#endif
	if (rc < 0) {
		printk("mapping shared_info failed: %d\n", rc);
		xen_shutdown(SHUTDOWN_crash);
	}
	return (volatile struct shared_info *)shared_info_page;
}

static void show_time_info(volatile struct shared_info *s)
{
	const volatile struct vcpu_time_info *t = &s->vcpu_info[0].time;
	uint32_t mul = t->tsc_to_system_mul;
	int shift = t->tsc_shift;
	uint64_t hz = mul ? (1000000000ull << 32) / mul : 0;

	hz = shift >= 0 ? hz >> shift : hz << -shift;
	printk("vcpu_info[0].time: version %u, tsc_to_system_mul 0x%08x, tsc_shift %d, flags 0x%x "
	       "(TSC ~%llu kHz)\n",
	       t->version, mul, shift, t->flags, (unsigned long long)(hz / 1000));
}

/* Step 4: five 1 ms one-shot timers. */
static void timer_ticks(volatile struct shared_info *s, evtchn_port_t port)
{
	for (unsigned int i = 1; i <= TICKS; i++) {
		uint64_t now = xen_system_time(s, 0);
		uint64_t deadline = now + TICK_NS;
		long rc = HYPERVISOR_set_timer_op(deadline);
		if (rc < 0) {
			printk("set_timer_op failed: %ld\n", rc);
			check(0, "set_timer_op");
			return;
		}
		/* Test the condition with events off, so a tick that lands between the test and
		 * the sleep is not lost: the sleep then returns at once. */
		unsigned int sleeps = 0;
		events_disable();
		while (evtchn_count[port] < i) {
			events_wait();
			sleeps++;
			events_disable();
		}
		events_enable();
		uint64_t woke = xen_system_time(s, 0);
		int early = woke + EARLY_TOLERANCE_NS < deadline;
		printk("tick %u: set_timer_op(%llu ns) at %llu ns, woke at %llu ns (%s%llu ns), "
		       "%u sleep(s)\n",
		       i, (unsigned long long)deadline, (unsigned long long)now,
		       (unsigned long long)woke, woke >= deadline ? "+" : "-",
		       (unsigned long long)(woke >= deadline ? woke - deadline : deadline - woke),
		       sleeps);
		check(!early, "the timer fired before its deadline");
	}
}

/*
 * Step 4b: one more 1 ms timer, but instead of sleeping, spin on a register-heavy loop until
 * the tick has been counted. The upcall then interrupts arbitrary code (wherever the vCPU is
 * when Xen notices the deadline), so this checks that the entry stub and HYPERVISOR_iret
 * (PV) / iretq (HVM) give back every register: the loop is replayed without interruption
 * and must end in the same state.
 */
#define MIX(a, b, c, d, e, f)                                                           \
	do {                                                                            \
		a ^= a << 13; a ^= a >> 7; a ^= a << 17;                                \
		b += a; c ^= b * 0x9e3779b97f4a7c15ull; d = (d << 9 | d >> 55) + c;     \
		e -= d ^ f; f += e >> 3;                                                \
	} while (0)

static void busy_tick(volatile struct shared_info *s, evtchn_port_t port)
{
	uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6;
	unsigned long n = 0;
	uint32_t target = evtchn_count[port] + 1;
	uint64_t deadline = xen_system_time(s, 0) + TICK_NS;

	HYPERVISOR_set_timer_op(deadline);
	while (evtchn_count[port] < target) {
		MIX(a, b, c, d, e, f);
		n++;
	}
	uint64_t woke = xen_system_time(s, 0);

	uint64_t a2 = 1, b2 = 2, c2 = 3, d2 = 4, e2 = 5, f2 = 6;
	for (unsigned long i = 0; i < n; i++)
		MIX(a2, b2, c2, d2, e2, f2);
	int same = a == a2 && b == b2 && c == c2 && d == d2 && e == e2 && f == f2;
	printk("busy tick: set_timer_op(%llu ns), upcall taken after %lu loop iterations, "
	       "counted at %llu ns; loop state after the upcall %s\n",
	       (unsigned long long)deadline, n, (unsigned long long)woke,
	       same ? "intact" : "CORRUPTED");
	check(same, "registers preserved across an asynchronous upcall");
	check(woke + EARLY_TOLERANCE_NS >= deadline, "the busy-loop timer fired before its deadline");
}

/* Step 5: three sends to our own IPI port, each delivered exactly once. */
static void ipi_sends(evtchn_port_t port)
{
	for (unsigned int k = 1; k <= IPI_SENDS; k++) {
		int rc = evtchn_send(port);
		uint32_t n = evtchn_count[port];
		const char *how = "on return from EVTCHNOP_send";
		if (n < k) {
			/* Not delivered on the way back: give Xen one more return to the guest. */
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
			n = evtchn_count[port];
			how = n < k ? "NOT delivered" : "only after SCHEDOP_yield";
		}
		printk("IPI send %u: %d, port %u count %u (%s)\n", k, rc, port, n, how);
		check(rc == 0 && n == k, "IPI delivered once per send");
	}
}

/* Step 6: a send while the port is masked is recorded, not delivered; unmask delivers it. */
static void masked_send(volatile struct shared_info *s, evtchn_port_t port)
{
	volatile struct vcpu_info *vi = &s->vcpu_info[0];
	uint32_t before = evtchn_count[port];

	evtchn_mask(port);
	int rc = evtchn_send(port);
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL); /* one more return to the guest */
	int pending = evtchn_is_pending(port), masked = evtchn_is_masked(port);
	unsigned long sel = vi->evtchn_pending_sel;
	unsigned int upcall_pending = vi->evtchn_upcall_pending;
	uint32_t after = evtchn_count[port];
	printk("masked send: %d; port %u pending %d, masked %d, evtchn_pending_sel 0x%lx, "
	       "evtchn_upcall_pending %u, count %u (before %u)\n",
	       rc, port, pending, masked, sel, upcall_pending, after, before);
	check(rc == 0 && pending && masked && !(sel & (1UL << (port / EVTCHN_WORD_BITS))) &&
	      upcall_pending == 0 && after == before,
	      "a masked port is marked pending without an upcall");

	rc = evtchn_unmask(port);
	uint32_t unmasked = evtchn_count[port];
	pending = evtchn_is_pending(port);
	masked = evtchn_is_masked(port);
	printk("EVTCHNOP_unmask: %d; masked %d, pending %d, count %u (%s)\n", rc, masked, pending,
	       unmasked,
	       unmasked == before + 1 ? "delivered once on unmask" :
	       unmasked == before ? "NOT delivered" : "delivered more than once");
	check(rc == 0 && !masked && !pending && unmasked == before + 1,
	      "EVTCHNOP_unmask delivers the pending port once");
}

static void show_wallclock(volatile struct shared_info *s)
{
	uint64_t sec, now;
	uint32_t nsec, version;
	char base[20], wall[20];

	xen_wallclock(s, &sec, &nsec, &version);
	now = xen_system_time(s, 0);
	uint64_t wall_ns = nsec + now;
	uint64_t wall_sec = sec + wall_ns / 1000000000ull;
	format_utc(base, sec);
	format_utc(wall, wall_sec);
	printk("wallclock: wc_version %u, wc_sec %llu, wc_nsec %u (%s UTC at system time 0)\n",
	       version, (unsigned long long)sec, nsec, base);
	printk("now: system time %llu ns, wall time %s.%06llu UTC\n", (unsigned long long)now,
	       wall, (unsigned long long)(wall_ns % 1000000000ull / 1000));
}

void kernel_main(unsigned long boot_arg)
{
	evtchn_port_t timer_port = 0, ipi_port = 0;
	int rc;

#ifdef XEN_HVM
	console_set_sinks(CONSOLE_DEBUGCON);
	printk("Hello from events-" GUEST_ENV " guest\n");
	if (hvm_setup_hypercall_page() < 0) {
		debugcon_puts("events-" GUEST_ENV ": cannot make hypercalls, halting\n");
		halt_forever();
	}
#endif
	console_set_sinks(CONSOLE_XEN);
	printk("Hello from events-" GUEST_ENV " guest\n");

	volatile struct shared_info *s = map_shared_info(boot_arg);
	if (events_init(s) < 0)
		xen_shutdown(SHUTDOWN_crash);
	show_time_info(s);

	/* Xen gives every PV vCPU a 100 Hz periodic timer (pv_vcpu_initialise: periodic_period
	 * = 10 ms) that raises VIRQ_TIMER as soon as it is bound; HVM vCPUs have none. Stop it
	 * so that only our one-shot timers fire (as Linux does). */
	rc = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	printk("VCPUOP_stop_periodic_timer(vCPU 0): %d\n", rc);
	check(rc == 0, "VCPUOP_stop_periodic_timer");

	rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port);
	printk("EVTCHNOP_bind_virq(VIRQ_TIMER, vCPU 0): %d, port %u\n", rc, timer_port);
	if (rc < 0)
		xen_shutdown(SHUTDOWN_crash);

	events_enable();
	printk("events enabled; vcpu_info[0].evtchn_upcall_mask %u%s\n",
	       s->vcpu_info[0].evtchn_upcall_mask,
#ifdef XEN_HVM
	       " (HVM: not used for delivery, RFLAGS.IF is)"
#else
	       ""
#endif
	);

	timer_ticks(s, timer_port);
	busy_tick(s, timer_port);

	rc = evtchn_bind_ipi(0, &ipi_port);
	printk("EVTCHNOP_bind_ipi(vCPU 0): %d, port %u\n", rc, ipi_port);
	if (rc < 0)
		xen_shutdown(SHUTDOWN_crash);
	ipi_sends(ipi_port);
	masked_send(s, ipi_port);

	show_wallclock(s);

	printk("events per port:");
	for (unsigned int p = 0; p < EVTCHN_2L_NR_PORTS; p++)
		if (evtchn_count[p])
			printk(" port %u%s: %u;", p,
			       p == timer_port ? " (VIRQ_TIMER)" : p == ipi_port ? " (IPI)" : "",
			       evtchn_count[p]);
	printk(" %lu upcalls\n", evtchn_upcalls);
	check(evtchn_count[timer_port] == TICKS + 1, "VIRQ_TIMER count");
	check(evtchn_count[ipi_port] == IPI_SENDS + 1, "IPI count");

	if (failures) {
		printk("events: %d check(s) FAILED, crashing\n", failures);
		xen_shutdown(SHUTDOWN_crash);
	}
	printk("events: ok, powering off\n");
	xen_shutdown(SHUTDOWN_poweroff);
}

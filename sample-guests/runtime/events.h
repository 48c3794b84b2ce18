/*
 * Event channels for the 64-bit sample guests (events.c, pv64-events.S, hvm64-events.S):
 * upcall installation, the 2-level consumer loop, per-port counters, and the few
 * EVTCHNOP wrappers the guests use. xen-abi.md §5.3 (2-level ABI), §5.4 (HVM callback
 * vector), §7 (PV64 bounce frame and HYPERVISOR_iret).
 *
 * Only vCPU 0 takes upcalls: the handler consumes vcpu_info[0]. Other vCPUs keep events
 * masked (PV: their evtchn_upcall_mask stays 1; HVM: they run with RFLAGS.IF = 0).
 *
 * How a guest uses it:
 *   events_init(mapped shared_info)      install the upcall (PV: callback_op, trap table;
 *                                        HVM: IDT gate 0xF3 + HVM_PARAM_CALLBACK_IRQ)
 *   evtchn_bind_virq / evtchn_bind_ipi   get ports
 *   events_enable()                      let upcalls in
 *   events_disable(); while (!cond) { events_wait(); events_disable(); } events_enable();
 *                                        sleep until `cond`, without losing a wake-up
 */
#ifndef SAMPLE_EVENTS_H
#define SAMPLE_EVENTS_H

#include "xen.h"

#ifndef __x86_64__
#error "events.c is written for the 64-bit guests (64-bit shared_info, 4096 ports)"
#endif

/* The vector the HVM guests ask Xen to inject (HVM_PARAM_CALLBACK_IRQ type 2). */
#define HVM_UPCALL_VECTOR 0xF3

/* The mapped shared_info page (set by events_init). */
extern volatile struct shared_info *evt_shared;

/* Times each port was dispatched by the upcall handler, and the number of upcalls. */
extern volatile uint32_t evtchn_count[EVTCHN_2L_NR_PORTS];
extern volatile unsigned long evtchn_upcalls;

/*
 * Installs the event upcall for vCPU 0 with `s` as the mapped shared_info. Events stay
 * masked (PV: vcpu_info[0].evtchn_upcall_mask as Xen left it, 1; HVM: IF = 0) until
 * events_enable(). PV also installs the trap table (#DE..#XM: report and crash) and the
 * failsafe callback. Prints what it does; returns 0 or a negative Xen errno.
 */
int events_init(volatile struct shared_info *s);

/* The 2-level consumer loop (§5.3), called by the entry stubs with events masked. */
void evtchn_do_upcall(void);

/* PV: vcpu_info[0].evtchn_upcall_mask = 1 / 0 (enabling also forces a pending upcall in
 * with a hypercall, as Xen only delivers on a return to the guest). HVM: cli / sti. */
void events_disable(void);
void events_enable(void);

/*
 * Must be called with events disabled; sleeps until an event is pending and returns with
 * events enabled, the upcall having run. PV: SCHEDOP_block (which unmasks atomically with
 * the "anything pending?" check); HVM: `sti; hlt` (STI's one-instruction shadow covers hlt).
 */
void events_wait(void);

int evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
int evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
int evtchn_send(evtchn_port_t port);
int evtchn_unmask(evtchn_port_t port);   /* EVTCHNOP_unmask: Xen re-raises a pending port */
void evtchn_mask(evtchn_port_t port);    /* sets the mask bit directly (lock or) */
int evtchn_is_pending(evtchn_port_t port);
int evtchn_is_masked(evtchn_port_t port);

#endif

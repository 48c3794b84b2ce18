/**
 * Event channel constants from xen/include/public/event_channel.h and xen.h (fact sheet §1, §5.3).
 */

/** EVTCHNOP_* sub-ops (public/event_channel.h). */
export const EVTCHNOP = {
  bind_interdomain: 0, bind_virq: 1, bind_pirq: 2, close: 3, send: 4, status: 5, alloc_unbound: 6,
  bind_ipi: 7, bind_vcpu: 8, unmask: 9, reset: 10, init_control: 11, expand_array: 12, set_priority: 13,
} as const;

/** EVTCHNSTAT_* values reported by EVTCHNOP_status. */
export const EVTCHNSTAT = { closed: 0, unbound: 1, interdomain: 2, pirq: 3, virq: 4, ipi: 5 } as const;
export type EvtchnStat = (typeof EVTCHNSTAT)[keyof typeof EVTCHNSTAT];

/** VIRQ_* numbers (public/xen.h). */
export const VIRQ = {
  TIMER: 0, DEBUG: 1, CONSOLE: 2, DOM_EXC: 3, TBUF: 4, DEBUGGER: 6, XENOPROF: 7, CON_RING: 8, PCPU_STATE: 9,
  MEM_EVENT: 10, ARGO: 11, ENOMEM: 12, XENPMU: 13, ARCH_0: 16, ARCH_7: 23,
} as const;
export const NR_VIRQS = 24;

/**
 * Per-vCPU VIRQs (xen/common/event_channel.c virq_is_global: TIMER, DEBUG, XENOPROF, XENPMU; x86's
 * arch_virq_is_global says every VIRQ_ARCH_n is global). All others must be bound on vCPU 0.
 */
const PER_VCPU_VIRQS: ReadonlySet<number> = new Set([VIRQ.TIMER, VIRQ.DEBUG, VIRQ.XENOPROF, VIRQ.XENPMU]);
export const virqIsGlobal = (virq: number): boolean => !PER_VCPU_VIRQS.has(virq);

/** DOMID_SELF (public/xen.h). */
export const DOMID_SELF = 0x7ff0;

/** libxl's default `event_channels` (max_evtchn_port) for a domU (§5.3). Xen itself imposes none. */
export const LIBXL_DEFAULT_MAX_EVTCHN_PORT = 1023;

/**
 * Ports per allocation bucket (xen/include/xen/sched.h EVTCHNS_PER_BUCKET = PAGE_SIZE / next_power_of_2(
 * sizeof(struct evtchn))). [U] 64 assumes a 33..64-byte struct evtchn on x86_64. Only visible through
 * port_is_valid(): EVTCHNOP_status of a free port inside an allocated bucket says "closed", beyond it -EINVAL.
 */
export const EVTCHNS_PER_BUCKET = 64;

/** FIFO ABI constants (public/event_channel.h): link_bits returned by init_control, control block size. */
export const EVTCHN_FIFO_LINK_BITS = 17;
export const EVTCHN_FIFO_NR_CHANNELS = 1 << EVTCHN_FIFO_LINK_BITS;
export const EVTCHN_FIFO_CONTROL_BLOCK_SIZE = 72;
export const EVTCHN_FIFO_PRIORITY_MIN = 15;

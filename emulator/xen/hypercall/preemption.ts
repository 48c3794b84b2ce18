/**
 * When long-running hypercalls are preempted (fact sheet §3.1). Real Xen preempts when
 * hypercall_preempt_check() fires: a softirq is pending or the vCPU has an event to deliver. All policies
 * are deterministic, and every one does at least one unit of work per invocation, as Xen's `i && check`
 * loops do.
 */
export type PreemptionPolicy =
  /** Xen's condition: an event needs delivering to the calling vCPU, or one of its timers is due. */
  | { readonly kind: 'auto' }
  | { readonly kind: 'never' }
  /** After every unit of work (the first unit is always done). */
  | { readonly kind: 'always' }
  /** After every `units` units of work in one invocation. */
  | { readonly kind: 'every'; readonly units: number };

export const DEFAULT_PREEMPTION: PreemptionPolicy = { kind: 'auto' };

/** Parses `never`, `always`, `auto`, a positive integer N, `every:N` or `{ every: N }`; a string is an error message. */
export function parsePreemption(v: unknown): PreemptionPolicy | string {
  if (v === undefined || v === null) return DEFAULT_PREEMPTION;
  if (typeof v === 'object' && v !== null && 'every' in v) v = (v as { every: unknown }).every;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'never' || s === 'always' || s === 'auto') return { kind: s };
    const m = /^(?:every[:= ]?)?(\d+)$/.exec(s);
    if (m) v = Number(m[1]);
    else return `preemption must be "never", "always", "auto" or a positive number of units (got ${JSON.stringify(v)})`;
  }
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return { kind: 'every', units: v };
  return `preemption must be "never", "always", "auto" or a positive number of units (got ${JSON.stringify(v)})`;
}

export function describePreemption(p: PreemptionPolicy): string {
  return p.kind === 'every' ? `every ${p.units} units` : p.kind;
}

/**
 * Should a handler that has done `done` units in this invocation stop now? `eventPending` is Xen's
 * "local_events_need_delivery() || softirq_pending()".
 */
export function shouldPreempt(p: PreemptionPolicy, done: number, eventPending: () => boolean): boolean {
  if (done <= 0) return false;
  switch (p.kind) {
    case 'never': return false;
    case 'always': return true;
    case 'every': return done % p.units === 0;
    default: return eventPending();
  }
}

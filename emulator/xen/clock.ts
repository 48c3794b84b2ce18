/**
 * The virtual clock. Time is driven by instructions retired, never by the host clock, so the same run gives
 * the same trace. One instruction is one nanosecond of system time, and the TSC runs at 1 GHz in step with
 * it, so `vcpu_time_info` can describe it exactly: tsc_to_system_mul = 0x80000000 with tsc_shift = 1 gives
 * ((tsc << 1) * 2^31) >> 32 = tsc (public/xen.h, "struct vcpu_time_info" formula).
 */

export const TSC_KHZ = 1_000_000;
export const TSC_TO_SYSTEM_MUL = 0x80000000;
export const TSC_SHIFT = 1;
/** Default wallclock at system time 0: 2026-01-01T00:00:00Z (fixed, for reproducible runs). */
export const DEFAULT_WALLCLOCK_EPOCH = 1_767_225_600;

export class VirtualClock {
  /** System time in ns (= instructions retired by the whole machine, plus idle time skipped). */
  now = 0;

  constructor(readonly wallclockEpochSec = DEFAULT_WALLCLOCK_EPOCH) {}

  /** The TSC value every vCPU reads at system time `ns`. */
  tscAt(ns: number): bigint {
    return BigInt(ns);
  }
}

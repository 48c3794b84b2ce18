/**
 * Architectural exceptions raised while an instruction executes. They are thrown as JS
 * exceptions (faults are rare) and caught by the run loop, which restores RIP to the
 * faulting instruction and delivers or intercepts them. Handlers never commit state before
 * their last access that can fault, so a caught fault leaves the pre-instruction state.
 */
export class CpuFault {
  constructor(
    readonly vector: number,
    /** -1 when the vector pushes no error code. */
    readonly errorCode: number = -1,
    /** For #PF: the faulting linear address (lo/hi). */
    readonly cr2Lo: number = 0,
    readonly cr2Hi: number = 0,
    /** Human-readable detail (for reports; the guest never sees it). */
    readonly detail?: string,
  ) {}
}

/** Vectors that push an error code when raised as exceptions. */
export function vectorHasErrorCode(v: number): boolean {
  return v === 8 || (v >= 10 && v <= 14) || v === 17 || v === 21;
}

export function gp(errorCode = 0, detail?: string): CpuFault { return new CpuFault(13, errorCode, 0, 0, detail); }
export function ud(detail?: string): CpuFault { return new CpuFault(6, -1, 0, 0, detail); }
export function ss(errorCode = 0): CpuFault { return new CpuFault(12, errorCode); }
export function np(errorCode: number): CpuFault { return new CpuFault(11, errorCode); }
export function ts(errorCode: number): CpuFault { return new CpuFault(10, errorCode); }
export function de(): CpuFault { return new CpuFault(0); }
export function nm(): CpuFault { return new CpuFault(7); }

/**
 * What a hypercall handler sees: the caller, its arguments as the guest passed them, the ABI for this call,
 * guest-memory access, and the continuation mechanism shared by every hypercall (fact sheet §3.1):
 * `ctx.preemptCheck(done)` is hypercall_preempt_check(), and returning `ctx.continuation(newArgs)` is
 * hypercall_create_continuation(): the dispatcher rewrites the argument registers, puts the hypercall
 * number back in rax and leaves RIP on the hypercall instruction, so the guest re-executes it.
 */
import type { Abi } from '../abi/layout';
import type { Domain } from '../domain';
import type { GuestAccess } from '../guest-access';
import type { GuestType } from '../hypercall-table';
import type { XenProfile } from '../profiles';
import type { TraceArgs } from '../trace';
import type { Vcpu } from '../vcpu';
import type { Hypervisor } from '../hypervisor';
import { shouldPreempt } from './preemption';

export interface Continuation {
  readonly kind: 'continuation';
  /** The rewritten arguments (each truncated to the caller's register width by the dispatcher). */
  readonly args: readonly bigint[];
  /** Units done so far across all invocations (for the trace and the debugger). */
  readonly progress: number;
  /** How the progress is encoded, for a human: "cmd=0x40001 (XENMEM_decrease_reservation | 1024 << 6)". */
  readonly encoding: string;
}

/** The handler has set the guest state itself (iret, a shutdown that never returns, a crashed domain). */
export const NO_RETURN = Symbol('no-return');

export type HandlerResult = number | bigint | Continuation | typeof NO_RETURN;
export type HypercallHandler = (ctx: HypercallContext) => HandlerResult;

export class HypercallContext {
  /** Sub-operation name for the trace and the debugger (`XENMEM_decrease_reservation`). */
  subop: string | undefined;
  /** Decoded arguments for the trace (struct fields read from guest memory, names of constants). */
  readonly traceArgs: TraceArgs = {};
  /** Set by the dispatcher when this invocation re-executes a preempted call. */
  resumed = false;

  constructor(
    readonly hv: Hypervisor,
    readonly vcpu: Vcpu,
    readonly nr: number,
    readonly name: string,
    readonly args: readonly bigint[],
    readonly guestType: GuestType,
  ) {}

  get domain(): Domain { return this.vcpu.domain; }
  get profile(): XenProfile { return this.vcpu.domain.profile; }
  get guest(): GuestAccess { return this.vcpu.guest; }
  /** 32-bit caller (PV32, or HVM not in 64-bit mode): compat layouts and 32-bit results. */
  get compat(): boolean { return this.guestType === 'pv32' || this.guestType === 'hvm32'; }
  get abi(): Abi { return this.compat ? 'x86_32' : 'x86_64'; }
  get isPv(): boolean { return this.domain.isPv; }

  /** Argument i as a number (low 32 bits, unsigned): for `unsigned int` parameters. */
  u32(i: number): number { return Number(BigInt.asUintN(32, this.args[i] ?? 0n)); }
  /** Argument i as a signed int. */
  i32(i: number): number { return Number(BigInt.asIntN(32, this.args[i] ?? 0n)); }
  /** Argument i as an unsigned long / guest handle of the caller's width. */
  ulong(i: number): bigint { return BigInt.asUintN(this.compat ? 32 : 64, this.args[i] ?? 0n); }

  /** hypercall_preempt_check() after `done` units of work in this invocation. */
  preemptCheck(done: number): boolean {
    return shouldPreempt(this.domain.options.preemption, done, () => this.hv.eventsNeedDelivery(this.vcpu));
  }

  /** hypercall_create_continuation(nr, …, newArgs): the caller returns what this returns. */
  continuation(args: readonly bigint[], progress: number, encoding: string): Continuation {
    return { kind: 'continuation', args, progress, encoding };
  }
}

/**
 * A virtual CPU: one emulated x86 core plus the per-vCPU state Xen keeps (struct vcpu in
 * xen/include/xen/sched.h): up/down, blocked, where its vcpu_info lives, timers, runstate, and the
 * hypercall in flight with its continuation state.
 */
import { Cpu } from '../cpu/cpu';
import type { Domain } from './domain';
import { GuestAccess } from './guest-access';
import type { Abi } from './abi/layout';
import type { GuestType } from './hypercall-table';
import type { PvVcpuState } from './pv/state';

/** RUNSTATE_* (public/vcpu.h). */
export const enum Runstate { Running = 0, Runnable = 1, Blocked = 2, Offline = 3 }

/** The hypercall this vCPU is executing or executed last, for the debugger's Hypercall scope. */
export interface HypercallRecord {
  nr: number;
  name: string;
  subop?: string;
  /** Argument registers as the guest passed them (zero-extended for compat callers). */
  args: bigint[];
  /** ABI of this call: 64-bit or compat. */
  abi: Abi;
  /** Set when the call completed. */
  ret?: bigint;
  errno?: string;
  /** Continuation state when the call was preempted or is a resumption. */
  continuation?: { encoded: string; progress: number; preemptions: number };
  /** RIP of the hypercall instruction. */
  rip: bigint;
  /** Executing (entry seen, no return yet), returned, or preempted. */
  state: 'running' | 'returned' | 'preempted';
}

export class Vcpu {
  readonly cpu: Cpu;
  readonly guest: GuestAccess;
  /** VCPUOP_initialise done (vCPU 0 is initialised by the domain builder). */
  initialised = false;
  /** _VPF_down: not running until VCPUOP_up. */
  down = true;
  /** Blocked in SCHEDOP_block / SCHEDOP_poll / hlt until an event arrives. */
  blocked = false;
  /** SCHEDOP_poll: the ports polled, and the absolute timeout (ns, 0 = none). */
  poll: { ports: number[]; timeout: number } | null = null;
  /** Physical address of this vCPU's vcpu_info, or undefined for the dummy area (vCPU ≥ 32, unregistered). */
  vcpuInfoAddr: number | undefined;
  /** VCPUOP_register_vcpu_info was called. */
  vcpuInfoRegistered = false;
  /** set_timer_op / VCPUOP_set_singleshot_timer deadline in ns, or null. */
  singleshot: number | null = null;
  /** VCPUOP_set_periodic_timer: period and next expiry in ns. */
  periodic: { period: number; next: number } | null = null;
  /** Runstate accounting (public/vcpu.h struct vcpu_runstate_info). */
  runstate = Runstate.Offline;
  runstateEntry = 0;
  readonly runstateTime = [0, 0, 0, 0];
  /** VCPUOP_register_runstate_memory_area: guest-virtual address, or null. */
  runstateArea: bigint | null = null;
  /** HVMOP_set_evtchn_upcall_vector (0 = none). */
  upcallVector = 0;
  /** PV-only state (trap table, callbacks, kernel/user mode, page-table bases). */
  pv: PvVcpuState | undefined;
  /** The hypercall in flight or last returned. */
  hypercall: HypercallRecord | undefined;
  /** Number of times the hypercall now in flight has been preempted so far. */
  preemptions = 0;
  /** A debugger stop was reported at this hypercall's entry; the next trap there executes it. */
  resumeHypercallAt: bigint | undefined;

  constructor(readonly domain: Domain, readonly id: number, cpu: Cpu) {
    this.cpu = cpu;
    this.guest = new GuestAccess(cpu, () => this.callAbi());
  }

  /** d1v0 style name. */
  get label(): string {
    return `d${this.domain.domid}v${this.id}`;
  }

  get runnable(): boolean {
    return !this.down && !this.blocked && this.domain.shutdown === null && !this.domain.paused;
  }

  /** Hypercall table column for a call made now: PV by domain, HVM by the current CPU mode (§2.1). */
  guestType(): GuestType {
    if (this.domain.isPv) return this.domain.pvBits === 64 ? 'pv64' : 'pv32';
    return this.cpu.mode === 'long64' ? 'hvm64' : 'hvm32';
  }

  /** Structure layout for a hypercall made now: 64-bit for PV64 and HVM in 64-bit mode, else compat. */
  callAbi(): Abi {
    const t = this.guestType();
    return t === 'pv64' || t === 'hvm64' ? 'x86_64' : 'x86_32';
  }

  /** Called after every runstate change (the hypervisor keeps the registered runstate area current). */
  onRunstateChange: (() => void) | undefined;

  setRunstate(s: Runstate, now: number): void {
    if (s === this.runstate) return;
    this.runstateTime[this.runstate] += now - this.runstateEntry;
    this.runstate = s;
    this.runstateEntry = now;
    this.onRunstateChange?.();
  }
}

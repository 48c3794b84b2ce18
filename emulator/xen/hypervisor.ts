/**
 * The hypervisor facade: creates domains from a configuration, schedules their vCPUs deterministically in
 * instruction quanta on a virtual clock, routes the CPU's traps (hypercall instructions, CPUID, MSRs, ports,
 * PV exceptions) into Xen's handlers, delivers events, and reports why it stopped. The debug adapter and the
 * CLI drive everything through this class and the trace bus.
 */
import { Reg, StopReason, TrapAction, TrapInfo } from '../cpu/api-types';
import { Cpu } from '../cpu/cpu';
import { cpuidDefault } from '../cpu/msr-cpuid';
import { IF } from '../cpu/constants';
import { layoutOf } from './abi/layout';
import { vcpu_time_info } from './abi/structs';
import { VirtualClock, TSC_SHIFT, TSC_TO_SYSTEM_MUL } from './clock';
import { Domain, DomainShutdown, ShutdownReason } from './domain';
import { EventChannelSystem, VIRQ } from './event-channel';
import { XEN_CPUID_FIRST_LEAF, hypercallMsrIndex, xenCpuidLeaf } from './cpuid-leaves';
import { errnoName } from './errno';
import { TraceArgs, TraceBus, TraceEvent, TraceKind } from './trace';
import { Runstate, Vcpu } from './vcpu';
import { HypercallContext, Continuation } from './hypercall/context';
import { dispatchHypercall, HandlerTable } from './hypercall/dispatch';
import { hypercallParams } from './hypercall/signatures';
import { HYPERCALL_HANDLERS } from './hypercalls';
import { PlatformDevices } from './hvm/platform';
import { writeHypercallPageMsr } from './hvm/hypercall-msr';
import { pvDeliverUpcall, pvHandleException, pvHandleTrap } from './pv/entry';
import { ConsoleBackend } from './backends/console';
import { updateRunstateArea, updateVcpuTimeArea } from './hypercalls/vcpu-areas';
import { XenStoreBackend } from './backends/xenstore';

/** The default periodic timer of PV vCPUs: 10 ms. */
export const PV_DEFAULT_PERIOD_NS = 10_000_000;

/** Instructions a vCPU runs before the scheduler looks at the others (virtual 0.2 ms). */
export const QUANTUM = 200_000;

/** Why Hypervisor.run() returned. */
export type MachineStop =
  /** Every domain has shut down; `shutdown` is the last one's. */
  | { kind: 'shutdown'; domain: Domain; shutdown: DomainShutdown }
  /** The instruction budget given to run() is used up. */
  | { kind: 'limit' }
  /** A vCPU stopped for the debugger: breakpoint, watch, intercepted exception, trap stop, single step. */
  | { kind: 'vcpu'; vcpu: Vcpu; reason: StopReason }
  /** A hypervisor-level stop the debugger asked for (hypercall entry, continuation…). */
  | { kind: 'event'; vcpu: Vcpu; event: TraceEvent }
  /** pause() was called. */
  | { kind: 'paused' }
  /** Every vCPU is blocked or down and no timer can wake one. */
  | { kind: 'deadlock'; detail: string };

/** A predicate the debugger installs to stop on hypervisor events (hypercall entry, errors, upcalls…). */
export type EventStopFilter = (e: TraceEvent, vcpu: Vcpu | undefined) => boolean;

export interface HypervisorOptions {
  trace?: TraceBus;
  /** Guest console text (console_io, the PV console ring, port 0xE9/0x12), per domain. */
  onConsole?: (domain: Domain, text: string) => void;
  wallclockEpochSec?: number;
}

export class Hypervisor {
  readonly trace: TraceBus;
  readonly clock: VirtualClock;
  readonly evtchn = new EventChannelSystem();
  readonly domains: Domain[] = [];
  readonly console: ConsoleBackend;
  readonly xenstore: XenStoreBackend;
  /** Stop when one of these returns true for an event (checked only while listeners care). */
  eventStopFilter: EventStopFilter | undefined;
  private handlers: HandlerTable = HYPERCALL_HANDLERS;
  private readonly platform = new PlatformDevices(this);
  private current: Vcpu | undefined;
  /** The running vCPU's instruction count already added to the clock (see syncClock). */
  private sliceBase = 0;
  private rrNext = 0;
  private pauseRequested = false;
  /** Why the running vCPU's run() was cut short by the hypervisor itself. */
  private internalStop: { kind: 'yield' } | { kind: 'event'; event: TraceEvent } | undefined;
  /** Instructions retired by all vCPUs. */
  icount = 0;
  private readonly onConsoleText: ((d: Domain, text: string) => void) | undefined;

  constructor(opts: HypervisorOptions = {}) {
    this.trace = opts.trace ?? new TraceBus();
    this.clock = new VirtualClock(opts.wallclockEpochSec);
    this.onConsoleText = opts.onConsole;
    this.console = new ConsoleBackend(this);
    this.xenstore = new XenStoreBackend(this);
  }

  /** Replace the hypercall handler table (tests use this to observe dispatch). */
  setHandlers(h: HandlerTable): void { this.handlers = h; }

  // ------------------------------------------------------------------ domains and vCPUs

  /** Registers a domain built by emulator/boot; creates its vCPUs on the domain's memory. */
  addDomain(d: Domain): void {
    this.domains.push(d);
    for (let i = 0; i < d.options.vcpus; i++) {
      // The hooks need the vCPU, and the vCPU needs the core.
      const ref: { v?: Vcpu } = {};
      const v = new Vcpu(d, i, new Cpu(d.mem, this.cpuHooks(() => ref.v!)));
      ref.v = v;
      v.onRunstateChange = () => { if (v.runstateArea !== null) updateRunstateArea(this, v); };
      // "PV guests by default have a 100Hz ticker" (xen/arch/x86/pv/domain.c pv_vcpu_initialise, 4.17).
      if (d.isPv) v.periodic = { period: PV_DEFAULT_PERIOD_NS, next: this.clock.now + PV_DEFAULT_PERIOD_NS };
      this.configureTraps(v);
      v.vcpuInfoAddr = d.defaultVcpuInfoAddr(i);
      d.vcpus.push(v);
    }
  }

  /** Creates the event-channel domain once shared_info's location and format are known. */
  attachEventChannels(d: Domain): void {
    d.evtchn = this.evtchn.createDomain({
      domid: d.domid,
      nrVcpus: d.options.vcpus,
      profile: d.profile,
      evtchnFifo: d.options.evtchnFifo,
      maxEvtchnPort: d.options.maxEvtchnPort,
      memory: {
        get abi() { return d.sharedInfoAbi; },
        get sharedInfo() { return new DataView(d.mem.bytes.buffer, d.sharedInfoAddr, 4096); },
        vcpuInfo(vcpu: number) {
          const a = d.vcpus[vcpu]?.vcpuInfoAddr;
          return a === undefined ? undefined : new DataView(d.mem.bytes.buffer, a, 64);
        },
      },
      upcall: (vcpu) => this.onUpcallPending(d, vcpu),
    });
  }

  /** Starts vCPU 0 (the builders set its registers) and writes the start-of-day time and wallclock. */
  startDomain(d: Domain): void {
    const v0 = d.vcpus[0];
    v0.initialised = true;
    v0.down = false;
    v0.setRunstate(Runstate.Running, this.clock.now);
    this.writeWallclock(d);
    for (const v of d.vcpus) this.updateTimeInfo(v);
    this.emit('boot', d, v0, d.name, { text: `${d.options.kind}${d.isPv ? d.pvBits : ''} domain "${d.name}", ${d.options.memoryMiB} MiB, ${d.options.vcpus} vCPU(s), Xen ${d.profile.name}${d.profile.debug ? ' debug' : ''}` });
    this.emit('vcpu-up', d, v0, 'vcpu0');
  }

  vcpuById(domid: number, id: number): Vcpu | undefined {
    return this.domains.find((d) => d.domid === domid)?.vcpus[id];
  }

  allVcpus(): Vcpu[] {
    return this.domains.flatMap((d) => d.vcpus);
  }

  // ------------------------------------------------------------------ running

  /** Asks a running run() to return `paused` promptly (safe to call from a trace listener or a timer). */
  pause(): void {
    this.pauseRequested = true;
    this.current?.cpu.stop();
  }

  /** Runs the machine for at most `maxInstructions` instructions (all vCPUs together; idle time counts too). */
  run(maxInstructions: number): MachineStop {
    this.pauseRequested = false;
    let left = maxInstructions;
    for (;;) {
      const done = this.finishedDomain();
      if (done) return done;
      const pending = this.takePendingEventStop();
      if (pending) return pending;
      if (this.pauseRequested) { this.pauseRequested = false; return { kind: 'paused' }; }
      if (left <= 0) return { kind: 'limit' };
      this.fireTimers();
      this.console.poll();
      this.xenstore.poll();
      const v = this.pickVcpu();
      if (!v) {
        const next = this.nextDeadline();
        if (next === undefined) return { kind: 'deadlock', detail: this.deadlockDetail() };
        // Idle: skip virtual time to the next timer. Idle nanoseconds count against the budget (1 instruction
        // = 1 ns), so a guest that sleeps forever behind a timer that wakes nobody still hits the limit.
        const idle = Math.min(Math.max(1, next - this.clock.now), left);
        this.clock.now += idle;
        left -= idle;
        continue;
      }
      const deadline = this.nextDeadline();
      let slice = Math.min(QUANTUM, left);
      if (deadline !== undefined) slice = Math.max(1, Math.min(slice, deadline - this.clock.now));
      const stop = this.runSlice(v, slice);
      left -= Math.max(1, stop.executed); // a slice that retires nothing still costs, so run() always ends
      if (stop.result) return stop.result;
    }
  }

  /** Executes exactly one instruction on `v` (instruction stepping), delivering events first. */
  step(v: Vcpu): MachineStop | undefined {
    this.fireTimers();
    this.deliverEvents(v);
    return this.runSlice(v, 1, true).result ?? this.finishedDomain() ?? this.takePendingEventStop();
  }

  private runSlice(v: Vcpu, budget: number, single = false): { executed: number; result?: MachineStop } {
    const cpu = v.cpu;
    this.current = v;
    this.deliverEvents(v);
    this.updateTimeInfo(v);
    cpu.tscOffset = this.clock.tscAt(this.clock.now) - BigInt(cpu.icount);
    const before = cpu.icount;
    this.sliceBase = before;
    let r: StopReason;
    try {
      r = single ? cpu.step() : cpu.run({ maxInstructions: budget });
    } finally {
      this.syncClock();
      this.current = undefined;
    }
    const executed = cpu.icount - before;
    const internal = this.internalStop;
    this.internalStop = undefined;
    if (v.domain.shutdown) return { executed };
    if (internal?.kind === 'event') return { executed, result: { kind: 'event', vcpu: v, event: internal.event } };
    switch (r.kind) {
      case 'budget':
        return { executed };
      case 'step':
        return { executed, result: { kind: 'vcpu', vcpu: v, reason: r } };
      case 'paused':
        if (internal?.kind === 'yield') return { executed };
        if (this.pauseRequested) { this.pauseRequested = false; return { executed, result: { kind: 'paused' } }; }
        return { executed, result: { kind: 'vcpu', vcpu: v, reason: r } };
      case 'halt':
        this.hvmHalt(v);
        return { executed };
      case 'triple-fault':
        this.crashDomain(v.domain, 'triple-fault', `triple fault (vector ${r.vector}) at ${hexb(r.rip)}`, v);
        return { executed };
      case 'exception':
        if (v.domain.isPv && !this.debuggerWantsException(v, r)) {
          pvHandleException(this, v, r);
          return { executed };
        }
        return { executed, result: { kind: 'vcpu', vcpu: v, reason: r } };
      default:
        return { executed, result: { kind: 'vcpu', vcpu: v, reason: r } };
    }
  }

  /**
   * hlt from an HVM vCPU (xen/arch/x86/hvm/hvm.c hvm_hlt): with interrupts enabled it blocks until an event;
   * with them disabled nothing but an NMI or INIT could wake it, so Xen takes the vCPU down, and when every
   * vCPU is down powers the domain off ("All CPUs offline -- powering off", hvm_vcpu_down).
   */
  private hvmHalt(v: Vcpu): void {
    if ((v.cpu.rflags & BigInt(IF)) !== 0n) {
      v.blocked = true;
      v.setRunstate(Runstate.Blocked, this.clock.now);
      return;
    }
    v.cpu.halted = false;
    this.vcpuDown(v, 'hlt with interrupts disabled');
    if (v.domain.vcpus.every((x) => x.down)) {
      this.shutdownDomain(v.domain, 'poweroff', 0, v, 'all vCPUs offline (hlt with interrupts disabled)');
    }
  }

  /** Takes a vCPU offline (VCPUOP_down, hvm_vcpu_down). */
  vcpuDown(v: Vcpu, why: string): void {
    if (v.down) return;
    v.down = true;
    v.blocked = false;
    v.setRunstate(Runstate.Offline, this.clock.now);
    this.emit('vcpu-down', v.domain, v, `vcpu${v.id}`, { text: why });
    this.yieldCurrent(v);
  }

  /** Exceptions the debugger intercepts on a PV vCPU (set through interceptForDebugger). */
  private readonly debuggerExceptions = new Map<Vcpu, number>();
  private debuggerWantsException(v: Vcpu, r: { vector: number }): boolean {
    return ((this.debuggerExceptions.get(v) ?? 0) >>> r.vector & 1) === 1;
  }

  /** Debugger: stop before delivering these exception vectors to the guest (bit per vector). */
  interceptForDebugger(v: Vcpu, mask: number): void {
    this.debuggerExceptions.set(v, mask);
    v.cpu.interceptExceptions = v.domain.isPv ? 0xffffffff : mask;
  }

  /**
   * Debugger: hands an exception that stopped for the debugger (interceptForDebugger) on to the guest, as if
   * it had not been intercepted: PV through Xen's handling (privileged-op emulation, writable page tables,
   * bounce to the virtual IDT), HVM straight into the guest's IDT.
   */
  deliverInterceptedException(v: Vcpu, r: Extract<StopReason, { kind: 'exception' }>): void {
    if (v.domain.isPv) pvHandleException(this, v, r);
    else v.cpu.injectException(r.vector, r.errorCode ?? -1, r.cr2);
  }

  private finishedDomain(): MachineStop | undefined {
    if (this.domains.length === 0) return undefined;
    if (this.domains.every((d) => d.shutdown)) {
      const d = this.domains[this.domains.length - 1];
      return { kind: 'shutdown', domain: d, shutdown: d.shutdown! };
    }
    return undefined;
  }

  /** Round-robin over runnable vCPUs of all domains, in (domain, vCPU) order. */
  private pickVcpu(): Vcpu | undefined {
    const all = this.allVcpus();
    for (const v of all) this.maybeWake(v);
    for (let k = 0; k < all.length; k++) {
      const v = all[(this.rrNext + k) % all.length];
      if (v.runnable) {
        this.rrNext = (this.rrNext + k + 1) % all.length;
        if (v.runstate !== Runstate.Running) v.setRunstate(Runstate.Running, this.clock.now);
        return v;
      }
    }
    return undefined;
  }

  private deadlockDetail(): string {
    const parts = this.allVcpus().map((v) => `${v.label} ${v.down ? 'down' : v.blocked ? (v.cpu.halted && !(v.cpu.rflags & BigInt(IF)) ? 'halted with interrupts off' : 'blocked') : 'runnable'}`);
    return `every vCPU is blocked or down and no timer is armed (${parts.join(', ')})`;
  }

  // ------------------------------------------------------------------ time and timers

  /** Brings the clock and instruction count up to the running vCPU's progress (before any hypervisor work). */
  syncClock(): void {
    const v = this.current;
    if (!v) return;
    const n = v.cpu.icount - this.sliceBase;
    this.sliceBase = v.cpu.icount;
    this.clock.now += n;
    this.icount += n;
  }

  /** Writes vcpu_time_info with the version-counter protocol (odd while updating; public/xen.h). */
  updateTimeInfo(v: Vcpu): void {
    const info = v.domain.vcpuInfo(v.id);
    if (!info) return;
    const t = info.sub('time');
    const ver = t.getNum('version');
    t.set('version', (ver + 1) | 1);
    t.set('tsc_timestamp', this.clock.tscAt(this.clock.now));
    t.set('system_time', BigInt(this.clock.now));
    t.set('tsc_to_system_mul', TSC_TO_SYSTEM_MUL);
    t.set('tsc_shift', TSC_SHIFT);
    // XEN_PVCLOCK_TSC_STABLE_BIT: our TSC is one virtual clock for every vCPU (4.7+ headers have `flags`).
    if (v.domain.profile.vcpuTimeInfoFlags && layoutOf(vcpu_time_info, info.layout.abi).fields.has('flags')) t.set('flags', 1);
    t.set('version', ((ver + 1) | 1) + 1);
    updateVcpuTimeArea(this, v);
  }

  /** shared_info wallclock (wc_version seqlock; wc_sec_hi at 3084 native / arch.wc_sec_hi compat, §5.5). */
  writeWallclock(d: Domain): void {
    const si = d.sharedInfo();
    const ver = si.getNum('wc_version');
    si.set('wc_version', (ver + 1) | 1);
    const sec = BigInt(d.isPv || d.sharedInfoAbi === 'x86_64' ? this.clock.wallclockEpochSec : this.clock.wallclockEpochSec);
    si.set('wc_sec', Number(sec & 0xffffffffn));
    si.set('wc_nsec', 0);
    if (si.layout.fields.has('wc_sec_hi')) si.set('wc_sec_hi', Number(sec >> 32n));
    else if (si.layout.fields.has('arch.wc_sec_hi')) si.set('arch.wc_sec_hi', Number(sec >> 32n));
    si.set('wc_version', ((ver + 1) | 1) + 1);
  }

  private nextDeadline(): number | undefined {
    let best: number | undefined;
    const consider = (t: number | null | undefined): void => {
      if (t === null || t === undefined) return;
      if (best === undefined || t < best) best = t;
    };
    for (const v of this.allVcpus()) {
      if (v.down || v.domain.shutdown) continue;
      consider(v.singleshot);
      consider(v.periodic?.next);
      if (v.poll && v.poll.timeout > 0) consider(v.poll.timeout);
    }
    return best;
  }

  /** Fires due timers: VIRQ_TIMER on the vCPU (xen/common/sched/core.c vcpu_singleshot_timer_fn). */
  private fireTimers(): void {
    const now = this.clock.now;
    for (const v of this.allVcpus()) {
      if (v.down || v.domain.shutdown) continue;
      let fire = false;
      if (v.singleshot !== null && v.singleshot <= now) { v.singleshot = null; fire = true; }
      if (v.periodic && v.periodic.next <= now) {
        fire = true;
        // Re-armed from now, not caught up (xen/common/sched/core.c vcpu_periodic_timer_work_locked, 4.17).
        v.periodic.next = now + v.periodic.period;
      }
      if (fire) {
        // send_timer_event(): an unbound VIRQ_TIMER is dropped, but the developer still sees the timer fire.
        const sent = v.domain.evtchn.raiseVirq(VIRQ.TIMER, v.id);
        this.emit('timer', v.domain, v, 'VIRQ_TIMER', sent ? {} : { text: 'VIRQ_TIMER not bound: dropped' });
      }
      if (v.poll && v.poll.timeout > 0 && v.poll.timeout <= now) this.unblock(v);
    }
  }

  // ------------------------------------------------------------------ events

  /** evtchn_upcall_pending went 0 → 1 for (d, vcpu): kick it (vcpu_mark_events_pending). */
  private onUpcallPending(d: Domain, vcpu: number): void {
    const v = d.vcpus[vcpu];
    if (!v) return;
    // Delivery happens on the way back into the guest (after the hypercall, or when the vCPU is next
    // scheduled), never in the middle of a handler.
    this.maybeWake(v);
  }

  /** local_events_need_delivery(): PV → pending && !mask; HVM → pending and the interrupt is deliverable. */
  eventsNeedDelivery(v: Vcpu): boolean {
    const info = v.domain.vcpuInfo(v.id);
    if (!info || info.getNum('evtchn_upcall_pending') === 0) return this.timerDue(v);
    if (v.domain.isPv) return info.getNum('evtchn_upcall_mask') === 0;
    return this.hvmUpcallVector(v) !== 0 && (v.cpu.rflags & BigInt(IF)) !== 0n;
  }

  private timerDue(v: Vcpu): boolean {
    const now = this.clock.now;
    return (v.singleshot !== null && v.singleshot <= now) || (v.periodic !== null && v.periodic.next <= now);
  }

  /** The vector an HVM vCPU's upcall uses: per-vCPU vector (4.6+), else HVM_PARAM_CALLBACK_IRQ type 2 (§5.4). */
  hvmUpcallVector(v: Vcpu): number {
    if (v.upcallVector) return v.upcallVector;
    const cb = v.domain.hvmParams.get(0) ?? 0n;
    if ((cb >> 56n) === 2n) return Number(cb & 0xffn);
    return 0;
  }

  private maybeWake(v: Vcpu): void {
    if (!v.blocked || v.down) return;
    const info = v.domain.vcpuInfo(v.id);
    const pending = info !== undefined && info.getNum('evtchn_upcall_pending') !== 0;
    if (v.poll) {
      if (pending && v.domain.isPv && info!.getNum('evtchn_upcall_mask') === 0) { this.unblock(v); return; }
      if (v.poll.ports.some((p) => v.domain.evtchn.isPending(p))) this.unblock(v);
      return;
    }
    if (v.domain.isPv) {
      if (pending) this.unblock(v);
      return;
    }
    // HVM blocked in hlt: an injectable upcall wakes it (the CPU wakes hlt on delivery).
    if (pending && this.hvmUpcallVector(v) !== 0) this.unblock(v);
  }

  unblock(v: Vcpu): void {
    if (!v.blocked) return;
    v.blocked = false;
    v.poll = null;
    if (v.runstate === Runstate.Blocked) v.setRunstate(Runstate.Runnable, this.clock.now);
  }

  /** Delivers what is pending to `v` on its way back into the guest: PV bounce frame or HVM vector. */
  deliverEvents(v: Vcpu): void {
    if (v.down || v.domain.shutdown) return;
    const info = v.domain.vcpuInfo(v.id);
    if (!info || info.getNum('evtchn_upcall_pending') === 0) return;
    if (v.domain.isPv) {
      if (info.getNum('evtchn_upcall_mask') !== 0) return;
      pvDeliverUpcall(this, v);
      return;
    }
    const vector = this.hvmUpcallVector(v);
    if (vector === 0 || v.cpu.pendingInterrupt === vector) return;
    v.cpu.raiseInterrupt(vector);
    this.emit('upcall', v.domain, v, 'callback-vector', { args: { vector: hexn(vector) } });
  }

  // ------------------------------------------------------------------ domain lifecycle

  shutdownDomain(d: Domain, reason: ShutdownReason, code: number, v?: Vcpu, detail?: string): void {
    if (d.shutdown) return;
    d.shutdown = { reason, code, detail };
    this.emit('shutdown', d, v, reason, { args: { code }, text: detail });
    for (const x of d.vcpus) x.cpu.stop();
    if (this.current && this.current.domain === d) this.internalStop = { kind: 'yield' };
  }

  /** domain_crash(): the guest did something Xen cannot continue from. */
  crashDomain(d: Domain, reason: 'crash' | 'triple-fault', detail: string, v?: Vcpu): void {
    this.shutdownDomain(d, reason, reason === 'crash' ? 3 : -1, v, detail);
  }

  /** Ends the current vCPU's run() after this instruction (it blocked, went down, or yielded). */
  yieldCurrent(v: Vcpu): void {
    if (this.current === v) {
      this.internalStop = this.internalStop ?? { kind: 'yield' };
      v.cpu.signal({ kind: 'paused' });
    }
  }

  // ------------------------------------------------------------------ trace and console

  emit(kind: TraceKind, d: Domain, v: Vcpu | undefined, name: string, extra: Partial<TraceEvent> = {}): TraceEvent | undefined {
    if (!this.trace.hasListeners && !this.eventStopFilter) return undefined;
    const e = this.trace.emit({
      icount: this.icount,
      time: this.clock.now,
      domain: d.domid,
      vcpu: v ? v.id : -1,
      kind,
      name,
      ...(v ? { rip: hexb(v.cpu.rip) } : {}),
      ...extra,
    });
    if (this.eventStopFilter && v && this.eventStopFilter(e, v)) this.requestEventStop(v, e);
    return e;
  }

  private requestEventStop(v: Vcpu, e: TraceEvent): void {
    const cur = this.current;
    if (cur) {
      // The running vCPU stops after this instruction, also when the event concerns another (VCPUOP_up).
      this.internalStop = { kind: 'event', event: e };
      cur.cpu.signal({ kind: 'paused' });
      return;
    }
    // Hypervisor work between slices (a PV exception bounced after the core stopped): stop before running on.
    this.pendingEventStop ??= { kind: 'event', vcpu: v, event: e };
  }

  /** An event stop requested while no vCPU was running, reported before anything runs again. */
  private pendingEventStop: Extract<MachineStop, { kind: 'event' }> | undefined;

  private takePendingEventStop(): MachineStop | undefined {
    const p = this.pendingEventStop;
    this.pendingEventStop = undefined;
    return p;
  }

  traceHypercall(v: Vcpu, kind: 'hypercall' | 'hypercall-return', ctx: HypercallContext, r: { ret?: number; errno?: string; noReturn?: boolean } = {}): void {
    if (!this.trace.hasListeners && !this.eventStopFilter) return;
    const names = hypercallParams(ctx.name, ctx.compat);
    const args: TraceArgs = {};
    if (kind === 'hypercall') {
      ctx.args.forEach((a, i) => { if (i < names.length) args[names[i]] = hexb(a); });
      if (ctx.resumed) args.resumed = true;
    }
    Object.assign(args, ctx.traceArgs);
    this.emit(kind, v.domain, v, ctx.name, {
      nr: ctx.nr, subop: ctx.subop, args,
      ...(kind === 'hypercall-return' && !r.noReturn ? { ret: r.ret, errno: r.errno } : {}),
    });
  }

  traceContinuation(v: Vcpu, ctx: HypercallContext, c: Continuation): void {
    const names = hypercallParams(ctx.name, ctx.compat);
    const args: TraceArgs = { progress: c.progress, preemptions: v.preemptions, encoding: c.encoding };
    c.args.forEach((a, i) => { if (i < names.length) args[names[i]] = hexb(a); });
    this.emit('continuation', v.domain, v, ctx.name, { nr: ctx.nr, subop: ctx.subop, args });
  }

  warn(v: Vcpu | undefined, text: string, d?: Domain): void {
    const dom = v?.domain ?? d;
    if (dom) this.emit('warning', dom, v, 'warning', { text });
  }

  /** Guest console output (already assembled into text). */
  consoleOutput(d: Domain, v: Vcpu | undefined, text: string, source: string): void {
    if (text.length === 0) return;
    this.onConsoleText?.(d, text);
    this.emit('console', d, v, source, { text });
  }

  errnoName(n: number): string | undefined { return errnoName(n); }

  /** Prints console text still waiting for a newline (debugcon line buffers). */
  flushConsole(): void {
    this.platform.flush();
  }

  // ------------------------------------------------------------------ CPU hooks

  private cpuHooks(vcpu: () => Vcpu) {
    return {
      onTrap: (t: TrapInfo): TrapAction => this.onTrap(vcpu(), t),
      cpuid: (leaf: number, sub: number) => this.cpuid(vcpu(), leaf, sub, false),
      readMsr: (msr: number): bigint | undefined => (msr === hypercallMsrIndex() && vcpu().domain.isHvm ? 0n : undefined),
      writeMsr: (msr: number, value: bigint): boolean => {
        const v = vcpu();
        if (msr !== hypercallMsrIndex() || !v.domain.isHvm) return false;
        this.syncClock();
        return writeHypercallPageMsr(this, v, value);
      },
      portIn: (port: number, size: number) => this.platform.portIn(vcpu(), port, size),
      portOut: (port: number, size: number, value: number) => { this.syncClock(); this.platform.portOut(vcpu(), port, size, value); },
    };
  }

  /** Configures which instructions trap for this vCPU's guest type. */
  configureTraps(v: Vcpu): void {
    const cpu = v.cpu;
    if (v.domain.isPv) {
      cpu.setTrap('syscall', true);
      cpu.setTrap('int', true);
      cpu.setTrap('ud-fep', true);
      cpu.interceptExceptions = 0xffffffff;
    } else {
      // Our core reports GenuineIntel, so the hypercall page holds vmcall; vmmcall stays #UD (§2.2).
      cpu.setTrap('vmcall', true);
    }
  }

  private onTrap(v: Vcpu, t: TrapInfo): TrapAction {
    this.syncClock();
    switch (t.kind) {
      case 'vmcall':
      case 'vmmcall':
        return this.hypercallTrap(v, t);
      case 'ud-fep':
        return this.forcedEmulation(v, t);
      case 'syscall':
      case 'int': {
        const pv = pvHandleTrap(this, v, t);
        if (pv === 'hypercall') return this.hypercallTrap(v, t);
        return pv;
      }
      default:
        return TrapAction.Native;
    }
  }

  private hypercallTrap(v: Vcpu, t: TrapInfo): TrapAction {
    if (this.hypercallEntryStop && v.resumeHypercallAt !== t.rip && this.hypercallEntryStop(v)) {
      v.resumeHypercallAt = t.rip;
      return TrapAction.Stop;
    }
    v.resumeHypercallAt = undefined;
    dispatchHypercall(this, v, this.handlers, t.length);
    if (!v.domain.shutdown && !v.down && !v.blocked) this.deliverEvents(v);
    if (v.down || v.blocked) this.yieldCurrent(v);
    return TrapAction.Handled;
  }

  /** Debugger: stop before a hypercall executes when this returns true. */
  hypercallEntryStop: ((v: Vcpu) => boolean) | undefined;

  /** The forced-emulation prefix (ud2; .ascii "xen"): Xen emulates the next instruction; we do cpuid (§2.3). */
  private forcedEmulation(v: Vcpu, t: TrapInfo): TrapAction {
    const cpu = v.cpu;
    const at = t.rip + BigInt(t.length);
    let bytes: Uint8Array | undefined;
    try { bytes = cpu.readVirtual(at, 2); } catch { bytes = undefined; }
    if (bytes && bytes[0] === 0x0f && bytes[1] === 0xa2) {
      const leaf = Number(cpu.getReg(Reg.RAX) & 0xffffffffn), sub = Number(cpu.getReg(Reg.RCX) & 0xffffffffn);
      const r = this.cpuid(v, leaf, sub, true) ?? cpuidDefault(leaf, sub);
      const set = (reg: Reg, x: number): void => cpu.setReg(reg, BigInt(x >>> 0));
      set(Reg.RAX, r[0]); set(Reg.RBX, r[1]); set(Reg.RCX, r[2]); set(Reg.RDX, r[3]);
      cpu.rip = at + 2n;
      return TrapAction.Handled;
    }
    cpu.rip = at;
    return TrapAction.Handled;
  }

  /** CPUID as the guest sees it: Xen leaves for HVM (and PV through the forced-emulation prefix), hypervisor bit. */
  private cpuid(v: Vcpu, leaf: number, sub: number, forced: boolean): [number, number, number, number] | undefined {
    const d = v.domain;
    const gt = v.guestType();
    if (leaf >>> 0 >= XEN_CPUID_FIRST_LEAF && leaf >>> 0 < XEN_CPUID_FIRST_LEAF + 0x10000) {
      if (d.isPv && !forced) return [0, 0, 0, 0];
      const r = xenCpuidLeaf(d.profile, gt, leaf >>> 0, sub, { vcpuId: v.id, domid: d.domid, guestTscKhz: 1_000_000 });
      return r ? [r.eax, r.ebx, r.ecx, r.edx] : [0, 0, 0, 0];
    }
    if (leaf === 1) {
      const r = cpuidDefault(leaf, sub);
      // CPUID.1:ECX[31] "hypervisor present", and the initial APIC ID = vCPU id.
      return [r[0], (r[1] & 0x00ffffff) | (v.id << 24), (r[2] | 0x80000000) >>> 0, r[3]];
    }
    return undefined;
  }
}

const hexb = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;
const hexn = (v: number): string => `0x${(v >>> 0).toString(16)}`;
export { hexb as hexBig, hexn as hexNum };

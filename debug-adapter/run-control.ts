/**
 * Runs the guest without blocking the adapter's event loop: the machine executes in slices of a few
 * milliseconds (Hypervisor.run with an instruction budget sized from the measured speed), each followed by
 * setImmediate, so DAP requests, pause among them, are answered while the guest runs. Steps execute as
 * single instructions on one vCPU (in batches per tick) or as machine runs to a temporary breakpoint.
 * All-stop: whenever anything stops, every vCPU is stopped.
 */
import type { Hypervisor, MachineStop } from '../emulator/xen/hypervisor';
import type { Vcpu } from '../emulator/xen/vcpu';
import { Reg } from '../emulator/cpu/api-types';
import type { CodeBreakpoints } from './breakpoints/code';
import type { StopInfo, StopJudge } from './stop-judge';
import type { RunTo, Snapshot, StepEnv, StepPlan } from './stepping';

export type RunState = 'stopped' | 'running' | 'terminated';

export interface RunEvents {
  stopped(info: StopInfo): void;
  /** Every domain shut down (exit code: 0 poweroff, 1 otherwise). */
  terminated(exitCode: number, why: string): void;
}

/** Wall-clock time one slice should take. */
const SLICE_MS = 4;
/** Single steps per tick while a line step walks instructions. */
const STEPS_PER_TICK = 2000;
/** A line step that walks this many instructions without finishing gives up with a stop (a spin on one line). */
const MAX_STEP_INSTRUCTIONS = 20_000_000;

interface Active {
  v: Vcpu;
  plan: StepPlan;
  runTo?: RunTo;
  walked: number;
}

export class RunControl {
  state: RunState = 'stopped';
  private pauseRequested = false;
  private step: Active | undefined;
  private sliceBudget = 50_000;
  private generation = 0;
  /** The vCPU that last stopped: the default thread for pause and entry. */
  focus: Vcpu;

  constructor(private readonly hv: Hypervisor, private readonly code: CodeBreakpoints, private readonly judge: StopJudge,
    private readonly stepEnv: StepEnv, private readonly events: RunEvents) {
    this.focus = hv.allVcpus()[0];
  }

  get running(): boolean { return this.state === 'running'; }

  continue(): void {
    this.begin(undefined);
  }

  /** Starts a step on `v`; returns an error message when the plan cannot start. */
  startStep(v: Vcpu, plan: StepPlan): string | undefined {
    const a = plan.start(v);
    if (a.kind === 'error') return a.message;
    const active: Active = { v, plan, walked: 0 };
    if (a.kind === 'runTo') this.armRunTo(active, a.to);
    this.begin(active);
    if (a.kind === 'stop') this.finish({ reason: 'step', vcpu: v });
    return undefined;
  }

  pause(): void {
    if (this.state === 'running') this.pauseRequested = true;
  }

  /** Ends everything (terminate/disconnect): no more ticks. */
  kill(): void {
    this.state = 'terminated';
    this.generation++;
    this.code.clearTemps();
  }

  private begin(step: Active | undefined): void {
    if (this.state === 'terminated') return;
    this.judge.beforeResume();
    this.judge.install();
    // Like gdb, resuming steps over a breakpoint at any vCPU's current instruction instead of hitting it again.
    for (const v of this.hv.allVcpus()) v.cpu.resumeFromBreakpoint();
    this.step = step;
    this.pauseRequested = false;
    this.state = 'running';
    const gen = ++this.generation;
    setImmediate(() => this.tick(gen));
  }

  private armRunTo(a: Active, to: RunTo): void {
    a.runTo = to;
    for (const addr of to.addresses) this.code.addTemp(a.v.cpu, addr);
  }

  private finish(info: StopInfo): void {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.generation++;
    this.step = undefined;
    this.code.clearTemps();
    this.focus = info.vcpu;
    this.events.stopped(info);
  }

  private terminate(stop: Extract<MachineStop, { kind: 'shutdown' }>): void {
    this.state = 'terminated';
    this.generation++;
    this.code.clearTemps();
    this.hv.flushConsole();
    const s = stop.shutdown;
    this.events.terminated(s.reason === 'poweroff' ? 0 : 1, `d${stop.domain.domid} ${s.reason}${s.detail ? `: ${s.detail}` : ''}`);
  }

  private tick(gen: number): void {
    if (gen !== this.generation || this.state !== 'running') return;
    try {
      if (this.pauseRequested) {
        this.pauseRequested = false;
        this.finish({ reason: 'pause', vcpu: this.step?.v ?? this.focus });
        return;
      }
      const s = this.step;
      if (s && !s.runTo && s.v.runnable) this.walk(s);
      else if (s && !s.runTo) this.runUntilRunnable(s);
      else this.runSlice();
    } catch (e) {
      this.finish({ reason: 'exception', vcpu: this.step?.v ?? this.focus, description: 'Emulator error', text: (e as Error).stack ?? String(e) });
      return;
    }
    if (gen === this.generation && this.state === 'running') setImmediate(() => this.tick(gen));
  }

  /** Single-steps the stepping vCPU up to STEPS_PER_TICK times. */
  private walk(s: Active): void {
    for (let n = 0; n < STEPS_PER_TICK; n++) {
      if (!s.v.runnable) return; // blocked in a hypercall: the machine runs until an event wakes it
      const prev: Snapshot = { pc: this.stepEnv.pc(s.v), sp: this.stepEnv.sp(s.v), insn: this.stepEnv.insnAt(s.v, this.stepEnv.pc(s.v)) };
      const stop = this.hv.step(s.v);
      s.walked++;
      if (stop && !(stop.kind === 'vcpu' && stop.reason.kind === 'step')) {
        const verdict = this.judge.judge(stop);
        if (verdict === 'shutdown') { this.terminate(stop as Extract<MachineStop, { kind: 'shutdown' }>); return; }
        if (verdict !== 'continue') { this.finish(verdict); return; }
      }
      if (s.walked > MAX_STEP_INSTRUCTIONS) {
        this.finish({ reason: 'step', vcpu: s.v, text: `step gave up after ${MAX_STEP_INSTRUCTIONS} instructions on one line` });
        return;
      }
      const a = s.plan.after(s.v, prev);
      if (a.kind === 'stop') { this.finish({ reason: 'step', vcpu: s.v }); return; }
      if (a.kind === 'error') { this.finish({ reason: 'step', vcpu: s.v, text: a.message }); return; }
      if (a.kind === 'runTo') { this.armRunTo(s, a.to); return; }
    }
  }

  /**
   * The stepping vCPU is blocked (SCHEDOP_block, poll, hlt): run the machine in small budgets until it is
   * runnable again, so the step resumes close to where it woke.
   */
  private runUntilRunnable(s: Active): void {
    const t0 = performance.now();
    while (!s.v.runnable && this.state === 'running' && performance.now() - t0 < SLICE_MS) {
      if (s.v.down || s.v.domain.shutdown) { this.runSlice(); return; }
      this.runSlice(1000);
    }
  }

  /** Runs the whole machine for one slice and handles why it stopped. */
  private runSlice(budget = this.sliceBudget): void {
    const t0 = performance.now();
    const before = this.hv.icount;
    const stop = this.hv.run(budget);
    if (budget === this.sliceBudget) this.adaptSlice(performance.now() - t0, this.hv.icount - before);
    if (stop.kind === 'limit') return;
    if (stop.kind === 'shutdown') {
      const verdict = this.judge.judge(stop);
      if (verdict === 'shutdown' || verdict === 'continue') this.terminate(stop);
      else this.finish(verdict);
      return;
    }
    const s = this.step;
    if (s?.runTo && stop.kind === 'vcpu' && stop.reason.kind === 'breakpoint' && stop.vcpu === s.v && this.reached(s, stop.reason.address)) {
      // A user breakpoint at the same place still counts as hit.
      const user = this.code.at(stop.reason.address).length ? this.judge.judgeCode(s.v, stop.reason.address) : 'continue';
      if (user !== 'continue') { this.finish(user); return; }
      const to = s.runTo;
      s.runTo = undefined;
      this.code.clearTemps();
      const a = to.thenStop ? { kind: 'stop' as const } : s.plan.afterRunTo(s.v);
      if (a.kind === 'stop') this.finish({ reason: 'step', vcpu: s.v });
      else if (a.kind === 'error') this.finish({ reason: 'step', vcpu: s.v, text: a.message });
      else if (a.kind === 'runTo') this.armRunTo(s, a.to);
      return;
    }
    const verdict = this.judge.judge(stop);
    if (verdict === 'continue' || verdict === 'shutdown') return;
    this.finish(verdict);
  }

  private reached(s: Active, address: bigint): boolean {
    const to = s.runTo!;
    if (!to.addresses.includes(address)) return false;
    const sp = s.v.cpu.getReg(Reg.RSP);
    if (to.minSp !== undefined && sp < to.minSp) return false;
    if (to.maxSp !== undefined && sp > to.maxSp) return false;
    return true;
  }

  /** Sizes the next slice so it takes about SLICE_MS, from the speed just measured. */
  private adaptSlice(ms: number, executed: number): void {
    if (executed < this.sliceBudget / 2 || ms <= 0) return;
    const perMs = executed / ms;
    this.sliceBudget = Math.max(10_000, Math.min(2_000_000, Math.round(perMs * SLICE_MS)));
  }
}

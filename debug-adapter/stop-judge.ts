/**
 * Decides what a machine stop means for the user: a breakpoint whose condition holds, a logpoint to print,
 * a hypervisor breakpoint or exception filter, or nothing worth stopping for (run on). It also programs the
 * hypervisor's debugger hooks (hypercallEntryStop, eventStopFilter, exception interception) so they only
 * cost anything while a breakpoint or filter needs them.
 */
import type { StopReason } from '../emulator/cpu/api-types';
import type { Hypervisor, MachineStop } from '../emulator/xen/hypervisor';
import type { TraceEvent } from '../emulator/xen/trace';
import type { Vcpu } from '../emulator/xen/vcpu';
import type { CodeBreakpoints } from './breakpoints/code';
import { DataBreakpoints } from './breakpoints/data';
import { judgeHit, expandLogMessage, hitConditionMet } from './breakpoints/hit';
import { testHvCondition } from './breakpoints/hv-condition';
import {
  ActiveFilter, FilterId, HypercallBreakpoint, describeEvent, eventFacts, exceptionFacts, filterForEvent, hypercallFacts,
  matchesHypercall, pendingHypercall, testFilter,
} from './breakpoints/hypervisor';

export interface StopInfo {
  reason: 'entry' | 'breakpoint' | 'step' | 'pause' | 'exception' | 'data breakpoint' | 'function breakpoint' | 'instruction breakpoint';
  vcpu: Vcpu;
  description?: string;
  text?: string;
  hitBreakpointIds?: number[];
}

type ExceptionStop = Extract<StopReason, { kind: 'exception' }>;

/** What the judge needs from the session: C conditions and logpoint output for a vCPU's innermost frame. */
export interface JudgeEnv {
  evalCondition(v: Vcpu, expr: string): boolean;
  evalToString(v: Vcpu, expr: string): string;
  log(v: Vcpu, text: string): void;
}

export class StopJudge {
  hypercallBps: HypercallBreakpoint[] = [];
  filters = new Map<FilterId, ActiveFilter>();
  /** xen/stepIntoContinuation: stop when this vCPU re-executes this preempted hypercall. */
  continuationWatch: { v: Vcpu; nr: number; rip: bigint } | undefined;
  private readonly trapStops = new Map<Vcpu, StopInfo>();
  private readonly pendingExceptions = new Map<Vcpu, ExceptionStop>();
  /** A shutdown already reported as a stop (the next resume ends the session). */
  shutdownReported = false;

  constructor(private readonly hv: Hypervisor, private readonly code: CodeBreakpoints, private readonly data: DataBreakpoints,
    private readonly env: JudgeEnv) {}

  /** Programs the hypervisor hooks for the current breakpoints and filters. */
  install(): void {
    const wantEntry = this.hypercallBps.length > 0 || this.filters.has('hypercall') || this.continuationWatch !== undefined;
    this.hv.hypercallEntryStop = wantEntry ? (v) => this.onHypercallEntry(v) : undefined;
    const wantEvents = [...this.filters.keys()].some((f) => f !== 'hypercall');
    this.hv.eventStopFilter = wantEvents ? (e, v) => this.onTraceEvent(e, v) : undefined;
    // HVM exceptions go straight to the guest's IDT, so the core must stop before delivering them; PV ones
    // are all Xen's first and are traced when bounced to the guest (the event filter above sees those).
    const mask = this.filters.has('guest-exception') ? 0xffffffff & ~(1 << 1) : 0;
    for (const v of this.hv.allVcpus()) if (!v.domain.isPv) this.hv.interceptForDebugger(v, mask);
  }

  /** Hands intercepted exceptions on to the guest before the machine runs again. */
  beforeResume(): void {
    for (const [v, r] of this.pendingExceptions) this.hv.deliverInterceptedException(v, r);
    this.pendingExceptions.clear();
  }

  private onHypercallEntry(v: Vcpu): boolean {
    const p = pendingHypercall(v);
    const w = this.continuationWatch;
    if (w && w.v === v && p.resumption && p.nr === w.nr && p.rip === w.rip) {
      this.continuationWatch = undefined;
      const c = v.hypercall?.continuation;
      this.trapStops.set(v, {
        reason: 'step', vcpu: v, description: 'Continuation',
        text: `${p.name}${p.subop ? ` ${p.subop}` : ''} re-executed as a continuation${c ? ` (${c.encoded}, progress ${c.progress}, preempted ${c.preemptions}×)` : ''}`,
      });
      return true;
    }
    // Hypercall breakpoints and the "any hypercall" filter stop on a call, not on each of its continuations.
    if (p.resumption) return false;
    const facts = hypercallFacts(v, p);
    const hits: HypercallBreakpoint[] = [];
    for (const bp of this.hypercallBps) {
      if (!matchesHypercall(bp.match, p)) continue;
      let ok: boolean;
      try { ok = testHvCondition(bp.hvCondition, facts); } catch { ok = true; }
      if (!ok) continue;
      bp.hits++;
      if (!hitConditionMet(bp.hitCondition, bp.hits)) continue;
      if (bp.logMessage !== undefined) { this.env.log(v, expandLogMessage(bp.logMessage, (e) => String(facts[e] ?? this.env.evalToString(v, e)))); continue; }
      hits.push(bp);
    }
    const label = `${p.name}${p.subop ? ` ${p.subop}` : ''}`;
    if (hits.length) {
      this.trapStops.set(v, { reason: 'function breakpoint', vcpu: v, description: `Hypercall ${label}`, text: `hypercall ${label} (nr ${p.nr}) on ${v.label}`, hitBreakpointIds: hits.map((b) => b.id) });
      return true;
    }
    if (testFilter(this.filters.get('hypercall'), facts)) {
      this.trapStops.set(v, { reason: 'exception', vcpu: v, description: `Hypercall ${label}`, text: `hypercall ${label} (nr ${p.nr}) on ${v.label}` });
      return true;
    }
    return false;
  }

  private readonly eventStops = new Map<number, StopInfo>();

  private onTraceEvent(e: TraceEvent, v: Vcpu | undefined): boolean {
    const id = filterForEvent(e);
    if (!id || !v) return false;
    if (!testFilter(this.filters.get(id), eventFacts(e))) return false;
    this.eventStops.set(e.seq, { reason: 'exception', vcpu: v, description: describeEvent(e).split(':')[0], text: describeEvent(e) });
    return true;
  }

  /** A user-facing decision for a machine stop outside stepping's own temporary breakpoints. */
  judge(stop: MachineStop): StopInfo | 'continue' | 'shutdown' {
    switch (stop.kind) {
      case 'limit': return 'continue';
      case 'paused': return { reason: 'pause', vcpu: this.hv.allVcpus()[0] };
      case 'deadlock': return { reason: 'pause', vcpu: this.hv.allVcpus()[0], description: 'Guest hung', text: stop.detail };
      case 'shutdown': {
        if (this.shutdownReported) return 'shutdown';
        const f = this.filters.get('shutdown');
        const s = stop.shutdown;
        const facts = { domain: stop.domain.domid, vcpu: -1, kind: 'shutdown', name: s.reason, reason: s.reason, code: s.code };
        if (f && testFilter(f, facts)) {
          this.shutdownReported = true;
          return { reason: 'exception', vcpu: stop.domain.vcpus[0], description: `Domain d${stop.domain.domid} ${s.reason}`, text: `domain d${stop.domain.domid} (${stop.domain.name}) shut down: ${s.reason}${s.detail ? ` (${s.detail})` : ''}` };
        }
        return 'shutdown';
      }
      case 'event': {
        const info = this.eventStops.get(stop.event.seq);
        this.eventStops.clear();
        return info ?? { reason: 'exception', vcpu: stop.vcpu, description: stop.event.kind, text: describeEvent(stop.event) };
      }
      case 'vcpu': return this.judgeVcpu(stop.vcpu, stop.reason);
    }
  }

  private judgeVcpu(v: Vcpu, r: StopReason): StopInfo | 'continue' {
    switch (r.kind) {
      case 'breakpoint': return this.judgeCode(v, r.address);
      case 'watch': {
        const bp = this.data.byWatch(v.cpu, r.id);
        if (!bp) return 'continue';
        const verdict = judgeHit(bp, (e) => this.env.evalCondition(v, e));
        if (verdict.action === 'skip') return 'continue';
        const at = DataBreakpoints.accessingInstruction(v.cpu);
        const what = `${r.access} of ${r.size} byte${r.size === 1 ? '' : 's'} at 0x${r.address.toString(16)}`;
        if (verdict.action === 'log') { this.env.log(v, expandLogMessage(bp.logMessage!, (e) => this.env.evalToString(v, e))); return 'continue'; }
        return { reason: 'data breakpoint', vcpu: v, description: `Data breakpoint (${r.access})`, text: `${what} by the instruction at 0x${at.toString(16)}${verdict.error ? `; ${verdict.error}` : ''}`, hitBreakpointIds: [bp.id] };
      }
      case 'trap': {
        const info = this.trapStops.get(v);
        this.trapStops.delete(v);
        return info ?? { reason: 'pause', vcpu: v, text: `trap ${r.trap.kind}` };
      }
      case 'exception': {
        const f = this.filters.get('guest-exception');
        if (!f || !testFilter(f, exceptionFacts(v, r.vector, r.errorCode))) {
          this.hv.deliverInterceptedException(v, r);
          return 'continue';
        }
        this.pendingExceptions.set(v, r);
        const name = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', '#CSO', '#TS', '#NP', '#SS', '#GP', '#PF', '#15', '#MF', '#AC', '#MC', '#XM', '#VE', '#CP'][r.vector] ?? `vector ${r.vector}`;
        return {
          reason: 'exception', vcpu: v, description: `Guest exception ${name}`,
          text: `${name} at 0x${r.rip.toString(16)}${r.errorCode !== undefined ? ` (error code 0x${r.errorCode.toString(16)})` : ''}${r.cr2 !== undefined ? `, cr2 0x${r.cr2.toString(16)}` : ''}${r.message ? `: ${r.message}` : ''}; continuing delivers it to the guest`,
        };
      }
      case 'triple-fault': return { reason: 'exception', vcpu: v, description: 'Triple fault', text: `triple fault (vector ${r.vector}) at 0x${r.rip.toString(16)}` };
      default: return { reason: 'pause', vcpu: v };
    }
  }

  /** A code breakpoint hit: conditions, hit counts and logpoints of every breakpoint at that address. */
  judgeCode(v: Vcpu, address: bigint): StopInfo | 'continue' {
    const bps = this.code.at(address);
    const stopping: number[] = [];
    let kind: StopInfo['reason'] = 'breakpoint';
    const errors: string[] = [];
    for (const bp of bps) {
      const verdict = judgeHit(bp, (e) => this.env.evalCondition(v, e));
      if (verdict.error) errors.push(verdict.error);
      if (verdict.action === 'log') this.env.log(v, expandLogMessage(bp.logMessage!, (e) => this.env.evalToString(v, e)));
      if (verdict.action === 'stop') {
        stopping.push(bp.id);
        kind = bp.kind === 'function' ? 'function breakpoint' : bp.kind === 'instruction' ? 'instruction breakpoint' : 'breakpoint';
      }
    }
    if (!stopping.length) return 'continue';
    return { reason: kind, vcpu: v, hitBreakpointIds: stopping, text: errors.length ? errors.join('; ') : undefined };
  }
}

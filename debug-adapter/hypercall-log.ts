/**
 * The hypercall log behind the extension's Hypercalls view (xen/hypercallLog): one entry per call, built
 * from the trace bus, with the continuations Xen created for it grouped under it. Capped, oldest dropped.
 */
import type { TraceEvent } from '../emulator/xen/trace';
import type { HypercallLogEntry, HypercallLogResponse } from './protocol';

const CAP = 5000;

export class HypercallLog {
  private entries: HypercallLogEntry[] = [];
  private dropped = 0;
  /** The open (in-flight or preempted) entry per vCPU. */
  private readonly open = new Map<string, HypercallLogEntry>();

  constructor(private readonly threadIdOf: (domain: number, vcpu: number) => number,
    private readonly callerSource: (e: TraceEvent) => { path: string; line: number } | undefined) {}

  onEvent(e: TraceEvent): void {
    const key = `${e.domain}:${e.vcpu}`;
    switch (e.kind) {
      case 'hypercall': {
        const prev = this.open.get(key);
        if (e.args?.resumed && prev && prev.nr === e.nr && prev.state === 'preempted') {
          prev.state = 'in-flight';
          return;
        }
        const args: Record<string, string | number | boolean> = {};
        for (const [k, v] of Object.entries(e.args ?? {})) if (k !== 'resumed') args[k] = v;
        const entry: HypercallLogEntry = {
          id: e.seq, domain: e.domain, vcpu: e.vcpu, threadId: this.threadIdOf(e.domain, e.vcpu), nr: e.nr ?? -1, name: e.name,
          subop: e.subop, args, site: e.rip, source: this.callerSource(e), state: 'in-flight', continuations: [],
        };
        this.entries.push(entry);
        this.open.set(key, entry);
        if (this.entries.length > CAP) { this.entries.shift(); this.dropped++; }
        return;
      }
      case 'continuation': {
        const entry = this.open.get(key);
        if (!entry) return;
        entry.state = 'preempted';
        entry.continuations.push({ seq: e.seq, encoding: String(e.args?.encoding ?? ''), progress: typeof e.args?.progress === 'number' ? e.args.progress : undefined });
        return;
      }
      case 'hypercall-return': {
        const entry = this.open.get(key);
        if (!entry) return;
        if (e.ret === undefined) entry.state = 'no-return';
        else {
          entry.state = 'returned';
          entry.ret = e.ret;
          if (e.errno) entry.errno = e.errno;
        }
        this.open.delete(key);
        return;
      }
      default:
    }
  }

  snapshot(): HypercallLogResponse {
    return { entries: this.entries.map((e) => ({ ...e, continuations: [...e.continuations] })), dropped: this.dropped };
  }
}

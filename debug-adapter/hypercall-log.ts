/**
 * The hypercall log behind the extension's Hypercalls view (xen/hypercallLog): one entry per call, built
 * from the trace bus, with the continuations Xen created for it grouped under it. Capped, oldest dropped.
 */
import type { TraceEvent } from '../emulator/xen/trace';
import type { HypercallLogEntry, HypercallLogResponse } from './protocol';

/** Entries kept; callers of the log may size per-entry resources by it (a slot is reused only after its entry is dropped). */
export const HYPERCALL_LOG_CAP = 5000;
const CAP = HYPERCALL_LOG_CAP;

type SourceLookup = () => { path: string; line: number } | undefined;

/** A log entry with its caller lookup, pending until the log is read. */
interface Row { entry: HypercallLogEntry; source?: SourceLookup }

export class HypercallLog {
  /** A ring of the last CAP rows (a hypercall-heavy guest logs millions: no shifting, nothing else per call). */
  private readonly ring: (Row | undefined)[] = new Array(CAP);
  private next = 0;
  private count = 0;
  private dropped = 0;
  /** The open (in-flight or preempted) entry per vCPU. */
  private readonly open = new Map<string, HypercallLogEntry>();

  constructor(private readonly threadIdOf: (domain: number, vcpu: number) => number,
    private readonly callerSource: (e: TraceEvent) => SourceLookup | undefined) {}

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
          subop: e.subop, args, site: e.rip, state: 'in-flight', continuations: [],
        };
        this.ring[this.next] = { entry, source: this.callerSource(e) };
        this.next = (this.next + 1) % CAP;
        if (this.count === CAP) this.dropped++; else this.count++;
        this.open.set(key, entry);
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
    const entries: HypercallLogEntry[] = [];
    for (let i = 0; i < this.count; i++) {
      const row = this.ring[(this.next - this.count + i + CAP) % CAP]!;
      if (row.source) {
        const source = row.source();
        row.source = undefined;
        if (source) row.entry.source = source;
      }
      entries.push({ ...row.entry, continuations: [...row.entry.continuations] });
    }
    return { entries, dropped: this.dropped };
  }
}

/**
 * The trace bus: one stream of typed events from the hypervisor. The CLI prints them, the debug adapter
 * turns them into stops, output and views, and tests assert on them. Events carry the virtual time and the
 * instruction count, so a trace is reproducible run to run (the emulator is deterministic).
 */

export type TraceKind =
  | 'boot'
  | 'hypercall'
  | 'hypercall-return'
  | 'continuation'
  | 'upcall'
  | 'event-send'
  | 'exception'
  | 'console'
  | 'timer'
  | 'vcpu-up'
  | 'vcpu-down'
  | 'shutdown'
  | 'warning';

/** Decoded argument values: numbers and strings as a human would write them (hex strings for addresses). */
export type TraceArgs = Record<string, string | number | boolean>;

export interface TraceEvent {
  /** 1, 2, 3… in emission order. */
  seq: number;
  /** Instructions retired by the whole machine when the event happened. */
  icount: number;
  /** Virtual system time in ns. */
  time: number;
  domain: number;
  /** vCPU id, or -1 for domain-wide events. */
  vcpu: number;
  kind: TraceKind;
  /** Hypercall name (`memory_op`), event kind or shutdown reason. */
  name: string;
  /** Sub-operation, e.g. `XENMEM_decrease_reservation`. */
  subop?: string;
  /** Hypercall number. */
  nr?: number;
  args?: TraceArgs;
  /** Return value as Xen wrote it (for compat callers, the 32-bit value sign-extended). */
  ret?: number;
  /** Xen errno name when `ret` is -1..-4095. */
  errno?: string;
  /** Free text: console output, exception details. */
  text?: string;
  /** Guest RIP at the event. */
  rip?: string;
}

export type TraceListener = (e: TraceEvent) => void;

export class TraceBus {
  private seq = 0;
  private readonly listeners: TraceListener[] = [];

  subscribe(l: TraceListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  emit(e: Omit<TraceEvent, 'seq'>): TraceEvent {
    const ev: TraceEvent = { seq: ++this.seq, ...e };
    for (const l of this.listeners) l(ev);
    return ev;
  }
}

/** One readable line per event (the CLI's `--trace` format). */
export function formatTraceEvent(e: TraceEvent): string {
  const where = e.vcpu >= 0 ? `d${e.domain}v${e.vcpu}` : `d${e.domain}`;
  const t = (e.time / 1000).toFixed(3).padStart(12);
  const head = `[${t} us #${e.icount}] ${where} ${e.kind.padEnd(16)}`;
  const parts: string[] = [e.name];
  if (e.subop) parts.push(e.subop);
  if (e.args) {
    const a = Object.entries(e.args).map(([k, v]) => `${k}=${v}`).join(' ');
    if (a) parts.push(a);
  }
  if (e.ret !== undefined) parts.push(`-> ${e.ret}${e.errno ? ` (${e.errno})` : ''}`);
  if (e.text !== undefined) parts.push(JSON.stringify(e.text));
  return `${head} ${parts.join(' ')}`;
}

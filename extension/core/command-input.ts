/** Parsing and choices for the Xen commands' quick inputs (no UI here: extension/commands shows them). */
import type { EventChannelsResponse, SendEventArguments, SetPreemptionArguments } from '../../debug-adapter/protocol';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** FIFO event channels go up to 2^17 - 1; port 0 is never valid. */
export const MAX_PORT = (1 << 17) - 1;

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  if (/^\d+$/.test(t)) return Number(t);
  return undefined;
}

/** `3`, `0x3`, or with a domain: `d1:3`, `1:3`, `d1 3`. */
export function parseSendEventInput(text: string): Parsed<SendEventArguments> {
  const m = /^\s*(?:d?(\w+)\s*[: ]\s*)?(\w+)\s*$/i.exec(text);
  if (!m) return { ok: false, error: 'Enter a port number, or dN:port for another domain (e.g. 3 or d1:3)' };
  const port = parseNumber(m[2]);
  if (port === undefined || port < 1 || port > MAX_PORT) return { ok: false, error: `Port must be a number from 1 to ${MAX_PORT}` };
  if (m[1] === undefined) return { ok: true, value: { port } };
  const domid = parseNumber(m[1]);
  if (domid === undefined || domid > 0x7fef) return { ok: false, error: 'Domain must be a domain id such as d1 or 1' };
  return { ok: true, value: { domid, port } };
}

export interface PortChoice { label: string; description: string; args: SendEventArguments }

/** Open ports offered in the "Send event" quick pick, pending ones first. */
export function portChoices(resp: EventChannelsResponse): PortChoice[] {
  const choices: (PortChoice & { pending: boolean })[] = [];
  for (const d of resp.domains) {
    for (const p of d.ports) {
      if (p.state === 'closed') continue;
      choices.push({
        label: `d${d.domid} port ${p.port}`,
        description: [p.state, p.binding, p.pending ? 'pending' : '', p.masked ? 'masked' : ''].filter(Boolean).join(' · '),
        args: { domid: d.domid, port: p.port },
        pending: p.pending,
      });
    }
  }
  return choices.sort((a, b) => Number(b.pending) - Number(a.pending)).map(({ pending: _pending, ...c }) => c);
}

export interface PreemptionChoice { label: string; description: string; policy?: SetPreemptionArguments['policy'] }

export const PREEMPTION_CHOICES: readonly PreemptionChoice[] = [
  { label: 'never', description: 'Long hypercalls run to completion', policy: 'never' },
  { label: 'always', description: 'Preempt at every preemption point: every long hypercall becomes a continuation', policy: 'always' },
  { label: 'auto', description: 'Preempt like Xen: when an event or softirq is pending', policy: 'auto' },
  { label: 'every N units…', description: 'Preempt after N units of work (e.g. 1024 pages)' },
];

/** `never`, `always`, `auto`, `N`, `every N`. */
export function parsePreemptionInput(text: string): Parsed<SetPreemptionArguments['policy']> {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === 'always' || t === 'auto') return { ok: true, value: t };
  const m = /^(?:every\s*)?(\S+?)(?:\s*units?)?$/.exec(t);
  const n = m ? parseNumber(m[1]) : undefined;
  if (n === undefined || n < 1 || n > 0x7fffffff) return { ok: false, error: 'Enter never, always, auto, or a positive number of units' };
  return { ok: true, value: n };
}

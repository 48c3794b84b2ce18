/**
 * Hypervisor breakpoints. Function-breakpoint syntax names a hypercall (`hypercall:memory_op`,
 * `hypercall:12`) or a sub-operation (`XENMEM_decrease_reservation`, `EVTCHNOP_send`); they stop before the
 * hypercall executes (Hypervisor.hypercallEntryStop), with RIP on the hypercall instruction. Exception
 * filters stop on trace-bus events (Hypervisor.eventStopFilter) or on intercepted guest exceptions. Every
 * one takes a condition in the hv-condition language (`domain == 1`, `errno == ENOSYS`, `#PF, #GP`).
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Reg } from '../../emulator/cpu/api-types';
import { COMPAT_ARG_REGS, NATIVE_ARG_REGS } from '../../emulator/xen/hypercall/dispatch';
import { hypercallParams } from '../../emulator/xen/hypercall/signatures';
import { lookupSubop, subopName } from '../../emulator/xen/hypercall/subops';
import { hypercallByName, hypercallByNr } from '../../emulator/xen/hypercall-table';
import type { TraceEvent } from '../../emulator/xen/trace';
import type { Vcpu } from '../../emulator/xen/vcpu';
import { EXCEPTION_MNEMONICS, HvCondition, StopFacts, parseHvCondition, testHvCondition } from './hv-condition';
import type { BreakpointCommon } from './hit';

export interface HypercallMatch {
  nr: number;
  name: string;
  /** Sub-op number the first argument must name (masked as subopName masks it). */
  subop?: { name: string; value: number };
}

/** Parses a function-breakpoint name as a hypercall breakpoint; undefined when it is not one. */
export function parseHypercallBreakpoint(text: string): HypercallMatch | string | undefined {
  const t = text.trim();
  const m = /^hypercall\s*:\s*(\S+)$/i.exec(t);
  if (m) {
    const what = m[1];
    const info = /^\d+$/.test(what) ? hypercallByNr(Number(what)) : /^0x[0-9a-f]+$/i.test(what) ? hypercallByNr(Number(what)) : hypercallByName(what.replace(/^__HYPERVISOR_/, ''));
    if (!info) return `"${what}" is not a Xen hypercall name or number (public/xen.h __HYPERVISOR_*)`;
    return { nr: info.nr, name: info.name };
  }
  const sub = lookupSubop(t);
  if (sub) {
    const info = hypercallByName(sub.hypercall);
    if (!info) return undefined;
    return { nr: info.nr, name: info.name, subop: { name: t, value: sub.value } };
  }
  return undefined;
}

export interface HypercallBreakpoint extends BreakpointCommon {
  match: HypercallMatch;
  hvCondition: HvCondition;
}

/** The hypercall a vCPU is about to make, read from its registers at the trapping instruction. */
export interface PendingHypercall {
  nr: number;
  name: string;
  subop?: string;
  args: bigint[];
  argNames: readonly string[];
  compat: boolean;
  rip: bigint;
  /** This execution re-runs a preempted call (a continuation). */
  resumption: boolean;
}

export function pendingHypercall(v: Vcpu): PendingHypercall {
  const cpu = v.cpu;
  const gt = v.guestType();
  const compat = gt === 'pv32' || gt === 'hvm32';
  const width = compat ? 32 : 64;
  const raw = BigInt.asUintN(width, cpu.getReg(Reg.RAX));
  const nr = raw < 0x10000n ? Number(raw) : -1;
  const name = (nr >= 0 ? hypercallByNr(nr)?.name : undefined) ?? `hypercall_${raw}`;
  const regs = compat ? COMPAT_ARG_REGS : NATIVE_ARG_REGS;
  const args = regs.slice(0, v.domain.profile.hypercallArgs).map((r) => BigInt.asUintN(width, cpu.getReg(r)));
  const rip = cpu.rip;
  const prev = v.hypercall;
  return {
    nr, name, subop: args.length ? subopName(name, args[0]) : undefined, args, argNames: hypercallParams(name, compat), compat, rip,
    resumption: prev !== undefined && prev.state === 'preempted' && prev.nr === nr && prev.rip === rip,
  };
}

export function hypercallFacts(v: Vcpu, p: PendingHypercall): StopFacts {
  const facts: StopFacts = { domain: v.domain.domid, vcpu: v.id, nr: p.nr, name: p.name, subop: p.subop ?? '' };
  p.args.forEach((a, i) => {
    facts[`arg${i}`] = Number(a);
    if (p.argNames[i]) facts[p.argNames[i]] = Number(a);
  });
  return facts;
}

export function matchesHypercall(m: HypercallMatch, p: PendingHypercall): boolean {
  if (p.nr !== m.nr) return false;
  if (!m.subop) return true;
  return p.subop === m.subop.name;
}

// ------------------------------------------------------------------ exception filters

export type FilterId = 'hypercall' | 'continuation' | 'hypercall-error' | 'guest-exception' | 'upcall' | 'vcpu-updown' | 'shutdown';

export const EXCEPTION_FILTERS: (DebugProtocol.ExceptionBreakpointsFilter & { filter: FilterId })[] = [
  { filter: 'hypercall', label: 'Any hypercall', description: 'Stop before every hypercall executes', supportsCondition: true, conditionDescription: 'e.g. name == memory_op && vcpu == 0' },
  { filter: 'continuation', label: 'Hypercall continuation created', description: 'Stop when Xen preempts a long hypercall and creates a continuation', supportsCondition: true, conditionDescription: 'e.g. name == memory_op' },
  { filter: 'hypercall-error', label: 'Hypercall returned an error', description: 'Stop when a hypercall returns -errno', supportsCondition: true, conditionDescription: 'e.g. errno == ENOSYS' },
  { filter: 'guest-exception', label: 'Guest exception or fault', description: 'Stop before an exception is delivered to the guest', supportsCondition: true, conditionDescription: 'e.g. #PF, #GP or vector == 14' },
  { filter: 'upcall', label: 'Event upcall delivered', description: 'Stop when Xen delivers an event-channel upcall', supportsCondition: true, conditionDescription: 'e.g. vcpu == 1' },
  { filter: 'vcpu-updown', label: 'vCPU brought up or down', supportsCondition: true, conditionDescription: 'e.g. kind == vcpu-down' },
  { filter: 'shutdown', label: 'Domain shutdown or crash', supportsCondition: true, conditionDescription: 'e.g. reason == crash' },
].map((f) => ({ ...f, default: false })) as (DebugProtocol.ExceptionBreakpointsFilter & { filter: FilterId })[];

export interface ActiveFilter { id: FilterId; condition: HvCondition; conditionText?: string }

/** Parses setExceptionBreakpoints arguments; unknown ids or bad conditions become messages. */
export function parseFilters(args: DebugProtocol.SetExceptionBreakpointsArguments): { filters: Map<FilterId, ActiveFilter>; results: DebugProtocol.Breakpoint[] } {
  const filters = new Map<FilterId, ActiveFilter>();
  const results: DebugProtocol.Breakpoint[] = [];
  const known = new Set(EXCEPTION_FILTERS.map((f) => f.filter));
  const add = (id: string, condition?: string): void => {
    if (!known.has(id as FilterId)) { results.push({ verified: false, message: `unknown exception filter "${id}"` }); return; }
    try {
      filters.set(id as FilterId, { id: id as FilterId, condition: parseHvCondition(condition ?? ''), conditionText: condition });
      results.push({ verified: true });
    } catch (e) {
      results.push({ verified: false, message: (e as Error).message });
    }
  };
  for (const id of args.filters ?? []) add(id);
  for (const o of args.filterOptions ?? []) add(o.filterId, o.condition);
  return { filters, results };
}

/** Which filter a trace event belongs to, if any. */
export function filterForEvent(e: TraceEvent): FilterId | undefined {
  switch (e.kind) {
    case 'continuation': return 'continuation';
    case 'hypercall-return': return e.errno !== undefined ? 'hypercall-error' : undefined;
    case 'upcall': return 'upcall';
    case 'vcpu-up': case 'vcpu-down': return 'vcpu-updown';
    case 'shutdown': return 'shutdown';
    // PV: every guest-visible exception is bounced by Xen and traced (pv/bounce.ts injectException).
    case 'exception': return 'guest-exception';
    default: return undefined;
  }
}

export function eventFacts(e: TraceEvent): StopFacts {
  const facts: StopFacts = { domain: e.domain, vcpu: e.vcpu, kind: e.kind, name: e.name, subop: e.subop ?? '', nr: e.nr, ret: e.ret, errno: e.errno ?? '', reason: e.kind === 'shutdown' ? e.name : '' };
  for (const [k, v] of Object.entries(e.args ?? {})) if (!(k in facts)) facts[k] = v;
  if (e.kind === 'exception') facts.mnemonic = e.name;
  return facts;
}

export function exceptionFacts(v: Vcpu, vector: number, errorCode?: number): StopFacts {
  return { domain: v.domain.domid, vcpu: v.id, vector, mnemonic: EXCEPTION_MNEMONICS[vector] ?? '', errorCode: errorCode ?? -1 };
}

export function testFilter(f: ActiveFilter | undefined, facts: StopFacts): boolean {
  if (!f) return false;
  try { return testHvCondition(f.condition, facts); } catch { return true; }
}

/** A stopped event's text for a trace event stop. */
export function describeEvent(e: TraceEvent): string {
  switch (e.kind) {
    case 'continuation': return `Continuation created: ${e.name}${e.subop ? ` ${e.subop}` : ''} preempted (progress ${e.args?.progress}, preemptions ${e.args?.preemptions}; ${e.args?.encoding})`;
    case 'hypercall-return': return `Hypercall error: ${e.name}${e.subop ? ` ${e.subop}` : ''} returned ${e.ret} (${e.errno})`;
    case 'upcall': return `Event upcall delivered to d${e.domain}v${e.vcpu} (${e.name})`;
    case 'vcpu-up': return `vCPU up: d${e.domain}v${e.vcpu}`;
    case 'vcpu-down': return `vCPU down: d${e.domain}v${e.vcpu}${e.text ? ` (${e.text})` : ''}`;
    case 'shutdown': return `Domain d${e.domain} shutdown: ${e.name}${e.text ? ` (${e.text})` : ''}`;
    case 'exception': return `Guest exception ${e.name} at ${e.args?.rip}${e.args?.errorCode !== undefined ? ` (error code ${e.args.errorCode})` : ''}${e.args?.cr2 !== undefined ? `, cr2 ${e.args.cr2}` : ''}, delivered to the guest`;
    default: return `${e.kind} ${e.name}`;
  }
}

export { parseHvCondition };

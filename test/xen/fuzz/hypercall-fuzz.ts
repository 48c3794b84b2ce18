/**
 * The hypercall fuzzer's engine: hostile guests issue many random hypercalls and the host checks that
 *  (a) no JavaScript exception escapes the hypervisor,
 *  (b) every call returns within a bounded number of instructions (re-executions after a continuation
 *      included; a call still making progress when the budget ends is abandoned, not failed),
 *  (c) the guest sees only Xen results: -1..-4095 with a name in emulator/xen/errno.ts (never an internal
 *      one such as ERESTART), or a non-negative value; -ENOSYS for numbers the profile does not wire; the
 *      registers that are not arguments, RSP, RFLAGS, control registers and the CPU mode unchanged; the trace
 *      consistent with what the guest saw; or the domain shut down because the fuzzer asked for it,
 *  (d) Xen wrote nothing outside the pages the guest could write itself (HVM with paging: the harness's
 *      read-only, not-present and paging-structure pages stay intact).
 *
 * The guests are small assembly harnesses (guests/fuzz-hvm.S, guests/fuzz-pv.S) that set up the hypercall
 * page and stop; the host then sets registers and RIP on a bare hypercall instruction or on a call through
 * the hypercall page, and runs to a breakpoint after it. Cases are numbered per guest type; case i is
 * generated from (seed, type, i) alone, and the machine is rebuilt every EPOCH cases (with a profile,
 * preemption policy and vCPU count drawn from (seed, type, epoch)), so any case replays by running its
 * epoch from the start. A call that legitimately wrecks the harness (shutdown, a vCPU taken down,
 * memory_op remapping its pages, vcpu_info registered over its code) restarts the machine instead of failing.
 */
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { Reg } from '../../../emulator/cpu/api-types';
import type { Cpu } from '../../../emulator/cpu/cpu';
import { resolveMachineOptions } from '../../../emulator/config/launch-options';
import { createMachine, Machine } from '../../../emulator/machine';
import { layoutOf } from '../../../emulator/xen/abi/layout';
import { start_info } from '../../../emulator/xen/abi/structs';
import { XEN_ERRNOS, XenErrno } from '../../../emulator/xen/errno';
import { COMPAT_ARG_REGS, NATIVE_ARG_REGS } from '../../../emulator/xen/hypercall/dispatch';
import { HYPERCALLS } from '../../../emulator/xen/hypercall-table';
import { HYPERCALL_HANDLERS } from '../../../emulator/xen/hypercalls';
import type { MachineStop } from '../../../emulator/xen/hypervisor';
import { profileHypercallHandler } from '../../../emulator/xen/profiles';
import { TraceBus, TraceEvent } from '../../../emulator/xen/trace';
import type { Vcpu } from '../../../emulator/xen/vcpu';
import { CaseGenerator, FuzzCase, FuzzLayout, PtrClass, fuzzHex as hex } from './gen';
import { FuzzGuestType, HVM_RAM_MIB, HarnessImage, PV_RAM_MIB, buildHarness } from './harness-guest';
import { FuzzRng } from './rng';

/** Room for the description of the case a worker is running (shared with the watchdog). */
export const CALL_TEXT_BYTES = 4096;
/** Cases per machine: the machine is rebuilt (new epoch configuration) every EPOCH cases. */
export const EPOCH = 250;
/** Instructions one case may take (a bare call takes 1-3; each re-execution after a continuation 1). */
export const DEFAULT_CASE_BUDGET = 200_000;
/**
 * Scheduler rounds of Hypervisor.run() in one case after which the fuzzer pauses the machine: a case needs a
 * handful (one per quantum of guest instructions); more means run() is skipping idle time from timer to
 * timer with no vCPU able to run, and would not return.
 */
export const IDLE_ROUND_LIMIT = 50_000;
/** Wall-clock limit for one case when running isolated (a handler looping in JavaScript). */
export const DEFAULT_CASE_TIMEOUT_MS = 15_000;

export type CheckKind =
  | 'host-exception' | 'hang' | 'bad-return' | 'enosys' | 'registers' | 'trace' | 'memory' | 'guest-exception'
  | 'unexpected-shutdown' | 'deadlock' | 'unexpected-stop' | 'boot';

export interface FuzzFailure {
  type: FuzzGuestType;
  seed: number;
  caseIndex: number;
  check: CheckKind;
  message: string;
  /** The call: number, arguments and how each was chosen. */
  call: string;
  /** Epoch configuration the case ran under. */
  config: string;
  /** Command line that replays the case. */
  reproduce: string;
}

export interface TypeStats {
  type: FuzzGuestType;
  available: boolean;
  /** Why the type could not be fuzzed (PV builder missing…). */
  unavailable?: string;
  passed: number;
  failed: number;
  /** Machines rebuilt because a call legitimately ended or wrecked the guest, by reason. */
  restarts: Record<string, number>;
  /** Calls still making progress through continuations when their budget ran out. */
  abandoned: number;
  /** Calls (outermost) per hypercall name: [count, non-negative results, errors by name]. */
  byName: Record<string, { calls: number; ok: number; errnos: Record<string, number> }>;
  failures: FuzzFailure[];
}

export interface FuzzOptions {
  seed: number;
  type: FuzzGuestType;
  /** First and one-past-last case index. */
  start: number;
  end: number;
  /** Begin with a fresh machine at `start` instead of replaying `start`'s epoch from its first case. */
  fresh?: boolean;
  caseBudget?: number;
  /** Per-case callback: detailed log of one case (replay). */
  verboseCase?: number;
  log?: (line: string) => void;
  /** Called before each case (the isolated runner's heartbeat), with the call about to be made. */
  onCase?: (index: number, call?: () => string) => void;
  /** Called with the statistics so far after every failure and every 200 cases (next = the next case). */
  onSnapshot?: (stats: TypeStats, next: number) => void;
}

// ---------------------------------------------------------------- epoch configuration

export interface EpochConfig {
  xenVersion: string;
  preemption: string;
  vcpus: number;
  evtchnFifo: boolean;
  /** HVM 32-bit only: run with paging off (every byte of RAM is guest-writable then). */
  paging: boolean;
}

export function epochConfig(seed: number, type: FuzzGuestType, epoch: number): EpochConfig {
  const r = FuzzRng.derive(seed, `${type}/epoch`, epoch);
  return {
    xenVersion: r.weighted<string>([[30, '4.17'], [20, '4.17-debug'], [10, '4.21'], [10, '4.21-debug'], [10, '4.19'], [8, '4.8'], [6, '4.5'], [6, '4.4']]),
    preemption: r.weighted<string>([[40, 'auto'], [30, 'always'], [30, String(r.range(2, 9))]]),
    vcpus: r.chance(0.35) ? 2 : 1,
    evtchnFifo: r.chance(0.7),
    paging: type !== 'hvm32' || r.chance(0.7),
  };
}

const describeConfig = (c: EpochConfig): string =>
  `xen ${c.xenVersion}, preemption ${c.preemption}, ${c.vcpus} vCPU(s), evtchnFifo ${c.evtchnFifo}${c.paging ? '' : ', paging off'}`;

// ---------------------------------------------------------------- errno classes

const ERRNO_BY_VALUE = new Map(XEN_ERRNOS.filter((e) => !e.aliasOf).map((e) => [e.value, e]));

/** Why a return value is not one Xen can give a guest, or undefined when it is fine. */
export function badReturn(ret: bigint): string | undefined {
  if (ret >= 0n) return undefined;
  if (ret < -4095n) return `negative value ${ret} outside the errno range -1..-4095`;
  const e = ERRNO_BY_VALUE.get(Number(-ret));
  if (!e) return `-${-ret} is not a Xen errno (public/errno.h)`;
  if (e.internal) return `-${e.name} is Xen-internal and must never reach a guest`;
  return undefined;
}

/** Calls that may legitimately rewrite the guest's memory map or have Xen write guest frames later. */
function isDestructive(name: string, sub: number): boolean {
  switch (name) {
    case 'memory_op': return [0, 1, 6, 7, 11, 15, 23, 28].includes(sub & 0x3f);
    case 'vcpu_op': return [0, 1, 2, 5, 10, 13, 14, 15].includes(sub);
    case 'event_channel_op': return sub === 11 || sub === 12;
    case 'grant_table_op': case 'hvm_op': case 'multicall': case 'mmu_update': case 'mmuext_op': case 'update_va_mapping':
    case 'update_va_mapping_otherdomain': case 'set_gdt': case 'update_descriptor': case 'physdev_op':
      return true;
    default: return false;
  }
}

// ---------------------------------------------------------------- one machine

export class BootError extends Error {}

interface CaseCounters {
  entries: number;
  returns: number;
  conts: number;
  progress: number[];
  lastReturn?: TraceEvent;
  shutdown?: TraceEvent;
  lastEntry?: TraceEvent;
  shutdownRequested: boolean;
  /** Inside a hypercall (between its entry and its return or continuation). */
  inCall: boolean;
  /** Xen crashed the domain from inside a hypercall (domain_crash: bad iret frame, VM86_TSS…). */
  crashInCall?: string;
  /** Scheduler rounds of Hypervisor.run() during the case, and the virtual time at the first and last. */
  rounds: number;
  timeSpan: [number, number];
  /** The fuzzer paused the machine because virtual time ran on with no vCPU running. */
  idleRunaway: boolean;
  /** A PV event upcall bounced the vCPU to the guest's (random) event callback during the case. */
  upcall?: string;
  kept: TraceEvent[];
}

export type Outcome =
  | { kind: 'pass'; ret: bigint; errno?: string }
  | { kind: 'restart'; reason: string }
  | { kind: 'abandoned' }
  | { kind: 'fail'; check: CheckKind; message: string; restart: boolean };

const PAGE = 4096;

/** Physical memory whose contents must not change (boot-time copy). */
interface ProtectedRange {
  pa: number;
  bytes: Uint8Array;
  what: string;
  /** The guest could legitimately have Xen write it (paging off, the PV hypercall page): put it back. */
  restorable: boolean;
  /** 8-byte paging entries: the CPU's own accessed/dirty-bit updates are not changes. */
  pageTable?: boolean;
}

/** Offset of the first difference, or -1 (A/D bits of 8-byte paging entries ignored when `pt`). */
function firstDifference(now: Uint8Array, was: Uint8Array, pt: boolean): number {
  if (Buffer.compare(now, was) === 0) return -1;
  for (let i = 0; i < was.length; i++) {
    if (now[i] === was[i]) continue;
    if (pt && (i & 7) === 0 && ((now[i] ^ was[i]) & ~0x60) === 0) continue;
    return i;
  }
  return -1;
}

export class FuzzMachine {
  readonly m: Machine;
  readonly v0: Vcpu;
  readonly cpu: Cpu;
  readonly layout: FuzzLayout;
  readonly gen: CaseGenerator;
  private readonly pv: boolean;
  private readonly compat: boolean;
  private counters: CaseCounters = FuzzMachine.freshCounters();
  private recording = false;
  private writes: number[] = [];
  /** Physical ranges whose contents must not change, with their boot-time bytes. */
  private protectedRanges: ProtectedRange[] = [];
  /** Per physical page: may Xen write it on the guest's behalf (null: no write check). */
  private allowed: Uint8Array | null = null;
  /** Xen may write guest frames at any time now (vcpu_info registered, shared_info remapped…). */
  tainted: string | undefined;
  private readonly sym: Readonly<Record<string, bigint>>;
  private readonly retSites: { trap: bigint; page: bigint };
  private readonly callSites: { trap: bigint; page: bigint };
  private readonly stackTop: bigint;
  private scratchPa: number[] = [];
  private bootCr3 = 0n;

  constructor(readonly image: HarnessImage, readonly cfg: EpochConfig, readonly epoch: number) {
    const type = image.type;
    this.pv = type === 'pv64' || type === 'pv32';
    this.compat = type === 'hvm32' || type === 'pv32';
    this.sym = image.sym;
    const trace = new TraceBus();
    trace.subscribe((e) => this.onEvent(e));
    this.m = createMachine(resolveMachineOptions({
      kernel: image.elfPath, guestType: this.pv ? type : 'hvm', memoryMiB: this.pv ? PV_RAM_MIB : HVM_RAM_MIB,
      xenVersion: cfg.xenVersion, preemption: cfg.preemption, vcpus: cfg.vcpus, domainFlags: { evtchnFifo: cfg.evtchnFifo },
      name: `fuzz-${type}`,
    }), { trace });
    this.v0 = this.m.domain.vcpus[0];
    this.cpu = this.v0.cpu;
    const s = this.sym;
    this.callSites = { trap: this.pv ? s.fuzz_trap : s.fuzz_vmcall, page: s.fuzz_pagecall };
    this.retSites = { trap: this.pv ? s.fuzz_trap_ret : s.fuzz_vmcall_ret, page: s.fuzz_pagecall_ret };
    this.stackTop = s.stack_top;
    this.boot();
    this.layout = this.pv ? this.pvLayout() : this.hvmLayout();
    this.bootCr3 = this.cpu.getControl('cr3');
    this.gen = new CaseGenerator(this.layout);
    this.hookWrites();
    this.hookRounds();
  }

  private static freshCounters(): CaseCounters {
    return { entries: 0, returns: 0, conts: 0, progress: [], shutdownRequested: false, inCall: false, rounds: 0, timeSpan: [0, 0], idleRunaway: false, kept: [] };
  }

  private onEvent(e: TraceEvent): void {
    const c = this.counters;
    if (e.kind === 'console' || e.kind === 'timer') return;
    if (e.kind === 'upcall' && c.upcall === undefined) c.upcall = String(e.args?.rip ?? e.name);
    if (c.kept.length < 40) c.kept.push(e);
    switch (e.kind) {
      case 'hypercall': c.entries++; c.lastEntry = e; c.inCall = true; break;
      case 'hypercall-return': c.returns++; c.lastReturn = e; c.inCall = false; break;
      case 'continuation': c.inCall = false; c.conts++; if (c.progress.length < 8 || c.conts % 64 === 0) c.progress.push(Number(e.args?.progress ?? 0)); break;
      case 'shutdown':
        c.shutdown = e;
        if (c.inCall && e.name === 'crash') c.crashInCall = `${c.lastEntry?.name ?? '?'}: ${e.text ?? ''}`;
        // SCHEDOP_shutdown, or VCPUOP_down of the last vCPU (Xen powers the domain off: common/domain.c).
        if (c.lastEntry && ((/^sched_op/.test(c.lastEntry.name) && c.lastEntry.subop === 'SCHEDOP_shutdown')
          || (c.lastEntry.name === 'vcpu_op' && c.lastEntry.subop === 'VCPUOP_down'))) c.shutdownRequested = true;
        break;
      default: break;
    }
  }

  private boot(): void {
    const bp = this.sym.fuzz_ready;
    this.cpu.addBreakpoint(bp);
    let stop: MachineStop;
    try {
      stop = this.m.hv.run(5_000_000);
    } catch (e) {
      throw new BootError(`the harness did not boot: ${(e as Error).stack ?? e}`);
    }
    if (stop.kind !== 'vcpu' || stop.reason.kind !== 'breakpoint' || stop.reason.address !== bp) {
      throw new BootError(`the harness did not reach fuzz_ready: ${describeStop(stop)} at rip ${hex(this.cpu.rip)}`);
    }
    this.cpu.removeBreakpoint(bp);
    this.cpu.addBreakpoint(this.retSites.trap);
    this.cpu.addBreakpoint(this.retSites.page);
    // Every exception on vCPU 0 stops the run: the harness never faults by itself.
    this.m.hv.interceptForDebugger(this.v0, 0xffffffff);
    if (this.image.type === 'hvm32' && !this.cfg.paging) this.cpu.setControl('cr0', this.cpu.getControl('cr0') & ~0x80000000n);
  }

  private hvmLayout(): FuzzLayout {
    const s = this.sym;
    const ram = BigInt(HVM_RAM_MIB) << 20n;
    const is64 = this.image.type === 'hvm64';
    const paged = this.cfg.paging;
    const span = (a: bigint, b: bigint): [number, number] => [Number(a), Number(b)];
    const ranges: [number, number, string][] = [
      [...span(s.text_start, s.text_end), 'harness code'],
      [...span(s.hypercall_page, s.hypercall_page + 4096n), 'hypercall page'],
      [...span(s.ro_page, s.ro_page + 4096n), 'read-only page'],
      [...span(s.hole_page, s.hole_page + 4096n), 'not-present page'],
      [...span(s.vars_page, s.vars_end), 'harness variables'],
      [...span(s.pt_start, s.pt_end), 'page tables'],
      [...span(s.scratch_guard, s.bss_end), 'guard and read-only pages after scratch'],
      [0, PAGE, 'page 0 (not present)'],
    ];
    for (const [a, b, what] of ranges) {
      this.protectedRanges.push({ pa: a, bytes: this.m.domain.mem.readBytes(a, b - a), what, restorable: !paged });
    }
    if (paged) {
      const mem = this.m.domain.mem;
      this.allowed = new Uint8Array(mem.pageCount).fill(1);
      for (const [a, b] of ranges) for (let p = a >>> 12; p < (b + PAGE - 1) >>> 12; p++) this.allowed[p] = 0;
    }
    const scratchSize = Number(s.scratch_end - s.scratch);
    for (let o = 0; o < scratchSize; o += PAGE) this.scratchPa.push(Number(s.scratch) + o);
    const top = is64 ? 0xfffffffffffff000n : 0xfffff000n;
    const special = [0n, 1n, 2n, 3n].map((k) => ram + k * 4096n);
    const ptrs: Record<PtrClass, bigint[]> = {
      null: [0n],
      small: [0x8n, 0x10n, 0x100n, 0xff8n],
      unmapped: paged
        ? [s.hole_page, s.scratch_guard, ram + 0x10000n, 0xfee00000n, is64 ? 0x7f0000000000n : 0xc0000000n]
        : [ram + 0x10000n, 0xfee00000n, 0xc0000000n, 0xfff00000n],
      noncanonical: is64 ? [0x0000800000000000n, 0x8000000000000000n, 0xfffe000000000000n, 0x00007ffffffff000n] : [],
      ram: [s.scratch],
      ro: [s.ro_page, s.text_start, s.pt_start, s.vars_page, s.scratch_ro],
      hcallpage: [s.hypercall_page, s.hypercall_page + 17n * 32n],
      top: [top],
      // Page ends whose next page is not present, read-only or beyond RAM (structs straddling them).
      crossing: [s.scratch_end, s.scratch_ro, s.hole_page, s.vars_page, s.ro_page, 0x1000n, ram, is64 ? 0x800000000000n : 0n,
        is64 ? 0n : 0x100000000n],
      stack: [s.stack],
      special,
      xen: is64 ? [0xffff800000000000n, 0xffff830000000000n] : [0xf5800000n, 0xfc000000n],
      random: [],
    };
    const pfn = (a: bigint): bigint => a >> 12n;
    const frames = [pfn(s.scratch), pfn(s.scratch) + 1n, pfn(s.ro_page), pfn(s.text_start), pfn(s.hypercall_page),
      pfn(s.pt_start), pfn(s.hole_page), pfn(s.stack), pfn(ram) - 1n, pfn(ram), pfn(ram) + 2n, pfn(ram) + 16n, 0n, 1n, 0x100n];
    return { type: this.image.type, compat: this.compat, scratch: s.scratch, scratchSize, ptrs, frames, ...this.numbers() };
  }

  private pvLayout(): FuzzLayout {
    const s = this.sym;
    const is64 = this.image.type === 'pv64';
    const w = is64 ? 8 : 4;
    const word = (va: bigint): bigint => {
      const b = this.cpu.readVirtual(va, w);
      return w === 8 ? new DataView(b.buffer, b.byteOffset).getBigUint64(0, true) : BigInt(new DataView(b.buffer, b.byteOffset).getUint32(0, true));
    };
    const siVa = word(s.start_info_ptr);
    const si = layoutOf(start_info, is64 ? 'x86_64' : 'x86_32');
    const field = (name: string): bigint => {
      const f = si.fields.get(name)!;
      const b = this.cpu.readVirtual(siVa + BigInt(f.offset), f.size);
      const dv = new DataView(b.buffer, b.byteOffset);
      return f.size === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
    };
    const ptBase = field('pt_base');
    const nrPt = Number(field('nr_pt_frames'));
    for (let k = 0; k < nrPt; k++) {
      const pa = this.cpu.translateVirtual(ptBase + BigInt(k * PAGE));
      if (pa !== undefined) this.protectedRanges.push({ pa: Number(pa), bytes: this.m.domain.mem.readBytes(Number(pa), PAGE), what: 'page tables', restorable: false, pageTable: true });
    }
    // The harness's code, hypercall page and variables: mapped writable in PV, so Xen may write them where
    // the guest points it (then they are put back), but a change is damage to the harness.
    const own: [bigint, bigint, string][] = [[s._start, s.hypercall_page, 'harness code'], [s.hypercall_page, s.hypercall_page + 4096n, 'hypercall page'],
      [s.vars_page, s.vars_page + 4096n, 'harness variables']];
    for (const [from, to, what] of own) {
      for (let va = from & ~0xfffn; va < to; va += 4096n) {
        const pa = this.cpu.translateVirtual(va);
        if (pa !== undefined) this.protectedRanges.push({ pa: Number(pa), bytes: this.m.domain.mem.readBytes(Number(pa), PAGE), what, restorable: true });
      }
    }
    const scratchSize = Number(s.scratch_end - s.scratch);
    for (let o = 0; o < scratchSize; o += PAGE) {
      const pa = this.cpu.translateVirtual(s.scratch + BigInt(o));
      if (pa === undefined) throw new BootError(`scratch page ${hex(s.scratch + BigInt(o))} is not mapped`);
      this.scratchPa.push(Number(pa));
    }
    const base = is64 ? 0xffffffff80000000n : 0xc0000000n;
    const ptrs: Record<PtrClass, bigint[]> = {
      null: [0n],
      small: [0x8n, 0x1000n, 0x10000n],
      unmapped: [base + 0x4000000n, is64 ? 0x7f0000000000n : 0x40000000n],
      noncanonical: is64 ? [0x0000800000000000n, 0x8000000000000000n, 0x00007ffffffff000n] : [],
      ram: [s.scratch],
      ro: [ptBase],
      hcallpage: [s.hypercall_page],
      top: [is64 ? 0xfffffffffffff000n : 0xfffff000n],
      crossing: [s.scratch_end, ptBase, is64 ? 0x800000000000n : 0xf5800000n],
      stack: [s.stack],
      special: [siVa],
      xen: is64 ? [0xffff800000000000n, 0xffff830000000000n] : [0xf5800000n, 0xfc000000n],
      random: [],
    };
    const mfn = (va: bigint): bigint => (this.cpu.translateVirtual(va) ?? 0n) >> 12n;
    const frames = [mfn(s.scratch), mfn(s.hypercall_page), mfn(ptBase), field('store_mfn'), field('shared_info') >> 12n, 0n, 1n, 0xfffffn];
    return { type: this.image.type, compat: this.compat, scratch: s.scratch, scratchSize, ptrs, frames, ...this.numbers() };
  }

  /** Hypercall numbers with handlers / wired for this guest type under the epoch's profile. */
  private numbers(): { implemented: number[]; wired: number[]; nargs: number } {
    const profile = this.m.domain.profile;
    const gt = this.v0.guestType();
    const wired = HYPERCALLS.map((h) => h.nr).filter((nr) => profileHypercallHandler(profile, nr, gt) !== null);
    return { wired, implemented: wired.filter((nr) => HYPERCALL_HANDLERS.has(nr)), nargs: profile.hypercallArgs };
  }

  /** Counts Hypervisor.run()'s scheduler rounds (it polls the console backend once per round). */
  private hookRounds(): void {
    const con = this.m.hv.console as unknown as { poll: () => void };
    const orig = con.poll.bind(con);
    con.poll = (): void => {
      const c = this.counters;
      if (c.rounds++ === 0) c.timeSpan[0] = this.m.hv.clock.now;
      c.timeSpan[1] = this.m.hv.clock.now;
      if (c.rounds === IDLE_ROUND_LIMIT) { c.idleRunaway = true; this.m.hv.pause(); }
      orig();
    };
  }

  private hookWrites(): void {
    const mem = this.m.domain.mem as unknown as { noteWrite: (pa: number, len: number) => void };
    const orig = mem.noteWrite.bind(mem);
    mem.noteWrite = (pa: number, len: number): void => {
      if (this.recording && this.writes.length < 256) this.writes.push(pa, len);
      orig(pa, len);
    };
  }

  // ------------------------------------------------------------ one case

  runCase(c: FuzzCase, budget: number): Outcome {
    const cpu = this.cpu;
    const hv = this.m.hv;
    const mem = this.m.domain.mem;
    // Guest memory for this case.
    for (let k = 0; k < this.scratchPa.length; k++) mem.writeBytes(this.scratchPa[k], c.scratch.subarray(k * PAGE, (k + 1) * PAGE));
    const site = c.via === 'page' ? this.callSites.page : this.callSites.trap;
    const ret = c.via === 'page' ? this.retSites.page : this.retSites.trap;
    if (c.via === 'page') this.writeTarget(this.sym.hypercall_page + BigInt(c.nr * 32));
    // Registers: junk everywhere, then the arguments and the number.
    const argRegs = (this.compat ? COMPAT_ARG_REGS : NATIVE_ARG_REGS).slice(0, this.layout.nargs) as Reg[];
    for (const [r, v] of c.junk) cpu.setReg(r, v);
    argRegs.forEach((r, i) => cpu.setReg(r, c.args[i]));
    cpu.setReg(Reg.RAX, c.rax);
    cpu.setReg(Reg.RSP, this.stackTop);
    cpu.rflags = BigInt(0x2 | c.rflags);
    cpu.rip = site;
    this.v0.blocked = false;
    cpu.halted = false;
    const before = {
      regs: Array.from({ length: 16 }, (_, r) => cpu.getReg(r)),
      cr0: cpu.getControl('cr0'), cr3: cpu.getControl('cr3'), cr4: cpu.getControl('cr4'), efer: cpu.getControl('efer'),
      mode: cpu.mode, rflags: cpu.rflags,
    };
    this.counters = FuzzMachine.freshCounters();
    this.writes = [];
    this.recording = true;
    let stop: MachineStop | undefined;
    let hostError: unknown;
    const icount0 = hv.icount;
    try {
      for (let wakes = 0; ; wakes++) {
        stop = hv.run(Math.max(1, budget - (hv.icount - icount0)));
        // SCHEDOP_block / SCHEDOP_poll with nothing to wake the vCPU (a deadlock, or idle time running out the
        // budget behind a timer that wakes nobody): the guest asked for it; wake it.
        if ((stop.kind === 'deadlock' || stop.kind === 'limit') && wakes < 3 && this.v0.blocked && !this.v0.down && /SCHEDOP_(block|poll)/.test(this.v0.hypercall?.subop ?? '')) {
          hv.unblock(this.v0);
          cpu.halted = false;
          continue;
        }
        break;
      }
    } catch (e) {
      hostError = e;
    } finally {
      this.recording = false;
    }
    const sub = Number(BigInt.asUintN(32, c.args[0]));
    const destructive = isDestructive(c.name, sub);
    // Other vCPUs the case brought up are taken down again (the toolstack's doing, not the guest's).
    for (const v of this.m.domain.vcpus) if (v !== this.v0 && !v.down) { v.down = true; this.taint(`${v.label} was brought up`); }
    if (hostError !== undefined) {
      const e = hostError as Error;
      return { kind: 'fail', check: 'host-exception', message: `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}\n${stackHead(e)}`, restart: true };
    }
    const damage = this.integrity();
    const integrity = damage?.what;
    // The harness itself is damaged, by a call allowed to do that (or by Xen writing where the guest pointed).
    const wrecked = damage !== undefined && (destructive || this.tainted !== undefined || damage.restorable);
    const cnt = this.counters;
    const s = stop!;
    if (cnt.idleRunaway && s.kind === 'paused') {
      return {
        kind: 'fail', check: 'hang', restart: true,
        message: `Hypervisor.run(${budget}) would not return after ${this.v0.hypercall?.subop ?? this.v0.hypercall?.name ?? 'the call'}: `
          + `${cnt.rounds} scheduler rounds with no vCPU running (virtual time ${cnt.timeSpan[0]} -> ${cnt.timeSpan[1]} ns; `
          + `${this.m.domain.vcpus.map((v) => `${v.label} ${v.down ? 'down' : v.blocked ? 'blocked' : 'runnable'}${v.periodic ? ` periodic ${v.periodic.period} ns` : ''}${v.singleshot !== null ? ` singleshot ${v.singleshot}` : ''}`).join(', ')})`,
      };
    }
    // PV iret never returns to the call site: it goes wherever the (random) frame says.
    const iret = this.pv && c.nr === 23;
    if (iret && !(s.kind === 'limit' && cnt.returns === 0 && cnt.entries > 0 && cpu.rip === this.expectedTrapRip(c))) {
      return { kind: 'restart', reason: s.kind === 'shutdown' ? `iret: domain_crash` : 'iret left the harness' };
    }
    if (s.kind === 'shutdown') {
      if (cnt.shutdownRequested) return { kind: 'restart', reason: `${cnt.lastEntry?.subop}(${s.shutdown.reason})` };
      if (cnt.crashInCall) return { kind: 'restart', reason: `domain_crash in ${cnt.crashInCall}` };
      // Xen's deliberate domain_crash() outside a hypercall: an event bounce with no usable callback…
      if (s.shutdown.reason === 'crash' && /^domain_crash:/.test(s.shutdown.detail ?? '')) return { kind: 'restart', reason: s.shutdown.detail!.replace(/\(d\d+v\d+.*\)$/, '').trim() };
      if (cnt.shutdown && cnt.shutdown.vcpu > 0) return { kind: 'restart', reason: `d1v${cnt.shutdown.vcpu} ${s.shutdown.reason}` };
      if (wrecked) return { kind: 'restart', reason: `harness wrecked by ${c.name} (${integrity})` };
      return { kind: 'fail', check: 'unexpected-shutdown', message: `domain shut down: ${s.shutdown.reason}${s.shutdown.detail ? `: ${s.shutdown.detail}` : ''}`, restart: true };
    }
    if (s.kind === 'deadlock') {
      if (this.v0.down && c.name === 'vcpu_op') return { kind: 'restart', reason: 'VCPUOP_down on vCPU 0' };
      if (wrecked) return { kind: 'restart', reason: `harness wrecked by ${c.name} (${integrity})` };
      return { kind: 'fail', check: 'deadlock', message: `the machine deadlocked: ${s.detail} (last hypercall ${this.v0.hypercall?.name} ${this.v0.hypercall?.subop ?? ''})`, restart: true };
    }
    if (s.kind === 'limit') {
      if (this.pv && cnt.upcall !== undefined && cnt.returns > 0) return { kind: 'restart', reason: 'event upcall into the guest\'s random callback' };
      const p = cnt.progress;
      const progressing = cnt.conts > 0 && p.length >= 2 && p[p.length - 1] > p[0];
      if (progressing && cpu.rip === this.expectedTrapRip(c)) return { kind: 'abandoned' };
      if (wrecked) return { kind: 'restart', reason: `harness wrecked by ${c.name} (${integrity})` };
      return {
        kind: 'fail', check: 'hang', restart: true,
        message: `no return within ${budget} instructions: rip ${hex(cpu.rip)}, ${cnt.entries} entries, ${cnt.conts} continuations, progress ${p.join(',') || '-'}`,
      };
    }
    if (s.kind !== 'vcpu' || s.vcpu !== this.v0 || s.reason.kind !== 'breakpoint' || s.reason.address !== ret) {
      // The guest registered a random event callback earlier; an upcall ran it.
      if (this.pv && cnt.upcall !== undefined) return { kind: 'restart', reason: 'event upcall into the guest\'s random callback' };
      if (wrecked) return { kind: 'restart', reason: `harness wrecked by ${c.name} (${integrity})` };
      const check: CheckKind = s.kind === 'vcpu' && s.reason.kind === 'exception' ? 'guest-exception' : 'unexpected-stop';
      return { kind: 'fail', check, message: `${describeStop(s)} (rip ${hex(cpu.rip)})`, restart: true };
    }
    // ---- the call returned to the guest: what does it see?
    const raw = cpu.getReg(Reg.RAX);
    const value = this.compat ? BigInt.asIntN(32, raw) : BigInt.asIntN(64, raw);
    // With the harness damaged by a write the guest asked for, what follows the call is not Xen's doing.
    const fail = (check: CheckKind, message: string, restart = false): Outcome => (wrecked
      ? { kind: 'restart', reason: `harness wrecked by ${c.name} (${integrity})` }
      : { kind: 'fail', check, message, restart });
    const bad = badReturn(value);
    if (bad) return fail('bad-return', `${c.name} returned ${hex(raw)}: ${bad}`);
    const nr = c.via === 'page' ? c.nr : this.gen.effectiveNr(c.rax);
    const gt = this.v0.guestType();
    if (nr < 0 || profileHypercallHandler(this.m.domain.profile, nr, gt) === null) {
      if (value !== BigInt(-XenErrno.ENOSYS)) return fail('enosys', `hypercall ${nr < 0 ? hex(c.rax) : nr} is not wired for ${gt} in Xen ${this.m.domain.profile.name} but returned ${value} instead of -ENOSYS`);
    }
    const lr = cnt.lastReturn;
    if (c.nr !== 13 && (cnt.entries !== cnt.conts + 1 || cnt.returns !== 1)) {
      return fail('trace', `trace: ${cnt.entries} hypercall entries, ${cnt.conts} continuations, ${cnt.returns} returns for one completed call`);
    }
    if (lr && lr.ret !== undefined && Math.abs(lr.ret) < 2 ** 53 && BigInt(lr.ret) !== value) {
      return fail('trace', `trace says ${lr.name} returned ${lr.ret}${lr.errno ? ` (${lr.errno})` : ''}, the guest sees ${value}`);
    }
    // Registers Xen must leave alone.
    const args = new Set<number>(argRegs);
    const clobbered: string[] = [];
    for (let r = 0; r < 16; r++) {
      if (r === Reg.RAX || r === Reg.RSP || args.has(r)) continue;
      if (this.image.type === 'pv64' && (r === Reg.RCX || r === Reg.R11)) continue;
      const now = cpu.getReg(r);
      if (now !== before.regs[r]) clobbered.push(`${REG_NAMES[r]} ${hex(before.regs[r])} -> ${hex(now)}`);
    }
    if (cpu.getReg(Reg.RSP) !== before.regs[Reg.RSP]) clobbered.push(`rsp ${hex(before.regs[Reg.RSP])} -> ${hex(cpu.getReg(Reg.RSP))}`);
    if (!this.pv && (cpu.rflags & 0xfd5n) !== (before.rflags & 0xfd5n)) clobbered.push(`rflags ${hex(before.rflags)} -> ${hex(cpu.rflags)}`);
    for (const k of ['cr0', 'cr3', 'cr4', 'efer'] as const) {
      // PV CR0.TS is the guest's virtual TS flag (fpu_taskswitch, alone or inside a multicall).
      const mask = this.pv && k === 'cr0' ? ~8n : -1n;
      if ((cpu.getControl(k) & mask) !== (before[k] & mask)) clobbered.push(`${k} ${hex(before[k])} -> ${hex(cpu.getControl(k))}`);
    }
    if (cpu.mode !== before.mode) clobbered.push(`mode ${before.mode} -> ${cpu.mode}`);
    if (clobbered.length) {
      return fail('registers', `${c.name} changed state it must not touch: ${clobbered.join(', ')}`, true);
    }
    // ---- memory outside what the guest could write itself.
    const badWrite = this.badWrites();
    // Recorded writes are this call's own (copy_to_guest and friends), so taint does not excuse them.
    if (badWrite && !destructive) {
      return { kind: 'fail', check: 'memory', message: `Xen wrote ${badWrite}, which the guest cannot write through its own page tables`, restart: true };
    }
    if (damage) {
      if (destructive || this.tainted) return { kind: 'restart', reason: `harness memory changed by ${c.name} (${integrity})` };
      if (!this.restoreIfAllowed()) return fail('memory', `${integrity} changed although ${c.name} was given no writable pointer to it`, true);
    }
    if (value === 0n && destructive) this.taint(`${c.name} ${sub} succeeded`);
    return { kind: 'pass', ret: value, errno: value < 0n ? ERRNO_BY_VALUE.get(Number(-value))?.name : undefined };
  }

  /**
   * One hand-written call, for reproducers: `memory` goes into the scratch buffer (at layout.scratch) at the
   * given offsets, the rest of scratch and every non-argument register is zero.
   */
  call(rax: bigint, args: bigint[], memory: { offset: number; bytes: ArrayLike<number> }[] = [], via: 'trap' | 'page' = 'trap', budget = DEFAULT_CASE_BUDGET): { outcome: Outcome; trace: string[] } {
    const scratch = new Uint8Array(this.layout.scratchSize);
    for (const m of memory) scratch.set(Uint8Array.from(m.bytes), m.offset);
    const nr = this.gen.effectiveNr(rax);
    const c: FuzzCase = {
      index: -1, via, rax, nr, name: nr >= 0 ? (HYPERCALLS.find((h) => h.nr === nr)?.name ?? `hypercall_${nr}`) : `hypercall_${rax}`,
      args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6).map((a) => BigInt.asUintN(64, a)),
      junk: new Map(Array.from({ length: 16 }, (_, r) => [r, 0n] as [number, bigint])), rflags: 0, scratch, notes: [],
    };
    const outcome = this.runCase(c, budget);
    return { outcome, trace: this.traceSummary() };
  }

  /** Where RIP stays while a preempted call is re-executed: the trap instruction (in the stub for `page`). */
  private expectedTrapRip(c: FuzzCase): bigint {
    // Stubs (§2.2): PV64 push rcx; push r11; mov $nr, %eax; syscall — the others mov; vmcall/int $0x82.
    return c.via === 'page' ? this.sym.hypercall_page + BigInt(c.nr * 32 + (this.image.type === 'pv64' ? 8 : 5)) : this.callSites.trap;
  }

  private writeTarget(v: bigint): void {
    const w = this.compat ? 4 : 8;
    const b = new Uint8Array(w);
    const dv = new DataView(b.buffer);
    if (w === 8) dv.setBigUint64(0, v, true); else dv.setUint32(0, Number(v & 0xffffffffn), true);
    const pa = this.pv ? this.cpu.translateVirtual(this.sym.fuzz_target) : this.sym.fuzz_target;
    if (pa === undefined) return;
    this.m.domain.mem.writeBytes(Number(pa), b);
    // The host's own write: keep the snapshot in step.
    for (const r of this.protectedRanges) {
      const o = Number(pa) - r.pa;
      if (o >= 0 && o + w <= r.bytes.length) r.bytes.set(b, o);
    }
  }

  private taint(why: string): void {
    this.tainted = this.tainted ?? why;
  }

  /** Undefined when the protected memory and the harness's frames are intact, else what changed. */
  private integrity(): { what: string; restorable: boolean } | undefined {
    const mem = this.m.domain.mem;
    if (this.cpu.getControl('cr3') !== this.bootCr3) return { what: `CR3 ${hex(this.bootCr3)} -> ${hex(this.cpu.getControl('cr3'))}`, restorable: false };
    let found: { what: string; restorable: boolean } | undefined;
    for (const r of this.protectedRanges) {
      const i = firstDifference(mem.bytes.subarray(r.pa, r.pa + r.bytes.length), r.bytes, r.pageTable === true);
      if (i < 0) continue;
      const what = `${r.what} at ${hex(BigInt(r.pa + i))}`;
      if (!r.restorable) return { what, restorable: false };
      found = found ?? { what, restorable: true };
    }
    if (found) return found;
    const pop = this.m.domain.populated;
    if (!this.pv && pop.length > 0) {
      for (const r of this.protectedRanges) if (pop[r.pa >>> 12] === 0) return { what: `${r.what} frame ${hex(BigInt(r.pa >>> 12))} was removed from the guest`, restorable: false };
      for (const pa of this.scratchPa) if (pop[pa >>> 12] === 0) return { what: `scratch frame ${hex(BigInt(pa >>> 12))} was removed from the guest`, restorable: false };
    }
    return undefined;
  }

  /** Restores restorable protected ranges (paging off, or the PV hypercall page); false if a fixed one changed. */
  private restoreIfAllowed(): boolean {
    const mem = this.m.domain.mem;
    for (const r of this.protectedRanges) {
      if (firstDifference(mem.bytes.subarray(r.pa, r.pa + r.bytes.length), r.bytes, r.pageTable === true) < 0) continue;
      if (!r.restorable) return false;
      mem.writeBytes(r.pa, r.bytes);
    }
    return true;
  }

  private badWrites(): string | undefined {
    const allowed = this.allowed;
    if (!allowed) return undefined;
    const w = this.writes;
    for (let i = 0; i < w.length; i += 2) {
      const first = w[i] >>> 12, last = (w[i] + Math.max(1, w[i + 1]) - 1) >>> 12;
      for (let p = first; p <= last; p++) {
        if (p < allowed.length && allowed[p] === 0) {
          const what = this.protectedRanges.find((r) => p >= r.pa >>> 12 && p < (r.pa + r.bytes.length + PAGE - 1) >>> 12)?.what ?? 'a protected page';
          return `${w[i + 1]} bytes at physical ${hex(BigInt(w[i]))} (${what})`;
        }
      }
    }
    return undefined;
  }

  /** Sub-op of the case's (first) hypercall as the trace named it. */
  firstSubop(): string | undefined {
    return this.counters.kept.find((e) => e.kind === 'hypercall')?.subop;
  }

  /** Text describing the case's trace (first events), for a replay. */
  traceSummary(): string[] {
    return this.counters.kept.map((e) => `  ${e.kind} ${e.name}${e.subop ? ` ${e.subop}` : ''}${e.args ? ` ${JSON.stringify(e.args)}` : ''}${e.ret !== undefined ? ` -> ${e.ret}${e.errno ? ` (${e.errno})` : ''}` : ''}${e.text ? ` "${e.text}"` : ''}`);
  }
}

const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function stackHead(e: unknown): string {
  const st = (e as Error)?.stack;
  return st ? st.split('\n').slice(1, 7).map((l) => `    ${l.trim()}`).join('\n') : '';
}

function describeStop(s: MachineStop): string {
  switch (s.kind) {
    case 'vcpu': {
      const r = s.reason;
      if (r.kind === 'exception') return `${s.vcpu.label} exception ${r.vector}${r.errorCode !== undefined ? ` error ${hex(BigInt(r.errorCode))}` : ''}${r.cr2 !== undefined ? ` cr2 ${hex(r.cr2)}` : ''} at ${hex(r.rip)}${r.message ? ` (${r.message})` : ''}`;
      if (r.kind === 'breakpoint') return `${s.vcpu.label} breakpoint at ${hex(r.address)}`;
      return `${s.vcpu.label} stopped: ${r.kind}`;
    }
    case 'shutdown': return `shutdown ${s.shutdown.reason}${s.shutdown.detail ? `: ${s.shutdown.detail}` : ''}`;
    case 'deadlock': return `deadlock: ${s.detail}`;
    case 'event': return `event stop ${s.event.kind} ${s.event.name}`;
    default: return s.kind;
  }
}

export function describeCase(c: FuzzCase): string {
  const via = c.via === 'page' ? `call hypercall_page+${c.nr}*32` : `rax=${hex(c.rax)}`;
  return `${c.name} (${via}) ${c.notes.join(' ')}`;
}

/** A harness machine for one guest type, for reproducers and tests (default: Xen 4.17, preemption auto). */
export function openFuzzMachine(type: FuzzGuestType, cfg: Partial<EpochConfig> = {}): FuzzMachine {
  const full: EpochConfig = { xenVersion: '4.17', preemption: 'auto', vcpus: 1, evtchnFifo: true, paging: true, ...cfg };
  return new FuzzMachine(buildHarness(type), full, 0);
}

// ---------------------------------------------------------------- running a range of cases

export function emptyStats(type: FuzzGuestType): TypeStats {
  return { type, available: true, passed: 0, failed: 0, restarts: {}, abandoned: 0, byName: {}, failures: [] };
}

/** Runs cases [start, end) of one guest type in this thread. */
export function runFuzzInline(o: FuzzOptions): TypeStats {
  const stats = emptyStats(o.type);
  const log = o.log ?? (() => undefined);
  let image: HarnessImage;
  try {
    image = buildHarness(o.type);
  } catch (e) {
    return { ...stats, available: false, unavailable: `cannot build the ${o.type} harness: ${(e as Error).message}` };
  }
  const budget = o.caseBudget ?? DEFAULT_CASE_BUDGET;
  let machine: FuzzMachine | undefined;
  const first = o.fresh ? o.start : Math.floor(o.start / EPOCH) * EPOCH;
  const newMachine = (i: number): FuzzMachine | 'unavailable' => {
    const epoch = Math.floor(i / EPOCH);
    const cfg = epochConfig(o.seed, o.type, epoch);
    try {
      return new FuzzMachine(image, cfg, epoch);
    } catch (e) {
      if (o.type.startsWith('pv') && stats.passed + stats.failed === 0) {
        stats.available = false;
        stats.unavailable = `${o.type} guests do not boot yet: ${(e as Error).message.split('\n')[0]}`;
        return 'unavailable';
      }
      throw e;
    }
  };
  for (let i = first; i < o.end; i++) {
    const epoch = Math.floor(i / EPOCH);
    if (!machine || machine.epoch !== epoch) {
      let m: FuzzMachine | 'unavailable';
      try {
        m = newMachine(i);
      } catch (e) {
        recordFailure(stats, o, i, 'boot', `the harness machine could not be built: ${(e as Error).message}`, '-', describeConfig(epochConfig(o.seed, o.type, epoch)));
        machine = undefined;
        continue;
      }
      if (m === 'unavailable') return stats;
      machine = m;
    }
    const c = machine.gen.generate(FuzzRng.derive(o.seed, o.type, i), i);
    if (o.onCase) o.onCase(i, () => `${describeCase(c)} [${describeConfig(machine!.cfg)}]`);
    const quiet = i < o.start;
    if (o.verboseCase === i) {
      log(`case ${i} (${o.type}, epoch ${epoch}: ${describeConfig(machine.cfg)})`);
      log(`  call: ${describeCase(c)}`);
    }
    const outcome = machine.runCase(c, budget);
    if (o.verboseCase === i) {
      log(`  outcome: ${JSON.stringify(outcome, (_k, v) => typeof v === 'bigint' ? `${v}` : v)}`);
      log('  trace:');
      for (const l of machine.traceSummary()) log(l);
    }
    if (!quiet) {
      const key = c.nr < 0 ? '(number >= 2^16 or high bits)' : /^hypercall_/.test(c.name) ? '(unassigned number)' : machine.firstSubop() ?? c.name;
      const s = stats.byName[key] ?? (stats.byName[key] = { calls: 0, ok: 0, errnos: {} });
      s.calls++;
      switch (outcome.kind) {
        case 'pass':
          stats.passed++;
          if (outcome.errno) s.errnos[outcome.errno] = (s.errnos[outcome.errno] ?? 0) + 1; else s.ok++;
          break;
        case 'abandoned': stats.passed++; stats.abandoned++; break;
        case 'restart': {
          stats.passed++;
          const why = outcome.reason.replace(/ \(.*\)$/, '').replace(/0x[0-9a-f]+/g, 'X');
          stats.restarts[why] = (stats.restarts[why] ?? 0) + 1;
          break;
        }
        case 'fail':
          recordFailure(stats, o, i, outcome.check, outcome.message, describeCase(c), describeConfig(machine.cfg));
          break;
      }
    }
    if (outcome.kind === 'restart' || (outcome.kind === 'fail' && outcome.restart)) {
      const cfg = machine.cfg;
      try {
        const m = newMachine(i + 1);
        machine = m === 'unavailable' ? undefined : m;
      } catch (e) {
        recordFailure(stats, o, i, 'boot', `the harness machine could not be rebuilt: ${(e as Error).message}`, describeCase(c), describeConfig(cfg));
        machine = undefined;
      }
    }
    if (!quiet && (outcome.kind === 'fail' || (i + 1) % 200 === 0)) o.onSnapshot?.(stats, i + 1);
  }
  return stats;
}

function recordFailure(stats: TypeStats, o: FuzzOptions, i: number, check: CheckKind, message: string, call: string, config: string): void {
  stats.failed++;
  if (stats.failures.length >= 200) return;
  stats.failures.push({
    type: o.type, seed: o.seed, caseIndex: i, check, message, call, config,
    reproduce: `npm run fuzz:hypercalls -- --seed ${o.seed} --type ${o.type} --case ${i}`,
  });
}

// ---------------------------------------------------------------- isolated runs (worker + watchdog)

export interface IsolatedOptions {
  seed: number;
  type: FuzzGuestType;
  count: number;
  caseBudget?: number;
  caseTimeoutMs?: number;
  /** Progress: cases done so far. */
  onProgress?: (type: FuzzGuestType, done: number) => void;
}

/**
 * Runs cases [0, count) in a worker thread. If one case runs longer than caseTimeoutMs of wall-clock time
 * (a handler looping in JavaScript), the worker is terminated, the case is recorded as a hang, and a new
 * worker continues with a fresh machine at the next case.
 */
export async function runFuzzIsolated(o: IsolatedOptions): Promise<TypeStats> {
  const total = emptyStats(o.type);
  const timeout = o.caseTimeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  let start = 0;
  let fresh = false;
  while (start < o.count) {
    const heartbeat = new Int32Array(new SharedArrayBuffer(8));
    heartbeat[0] = start;
    const callText = new Uint8Array(new SharedArrayBuffer(CALL_TEXT_BYTES));
    const opts: FuzzOptions = { seed: o.seed, type: o.type, start, end: o.count, fresh, caseBudget: o.caseBudget };
    const worker = new Worker(path.join(__dirname, 'fuzz-worker.js'), { workerData: { opts, heartbeat, callText } });
    let snapshot: { stats: TypeStats; next: number } = { stats: emptyStats(o.type), next: start };
    const result = await new Promise<{ done?: boolean; hungAt?: number; error?: string }>((resolve) => {
      let last = -1;
      let since = Date.now();
      const timer = setInterval(() => {
        const now = Atomics.load(heartbeat, 0);
        if (now !== last) { last = now; since = Date.now(); o.onProgress?.(o.type, now); return; }
        if (Date.now() - since > timeout) {
          clearInterval(timer);
          resolve({ hungAt: now });
        }
      }, 200);
      worker.on('message', (m: { kind: 'snapshot' | 'done'; stats: TypeStats; next: number }) => {
        snapshot = { stats: m.stats, next: m.next };
        if (m.kind === 'done') { clearInterval(timer); resolve({ done: true }); }
      });
      worker.once('error', (e) => { clearInterval(timer); resolve({ error: (e as Error).stack ?? String(e) }); });
      worker.once('exit', () => { clearInterval(timer); resolve({ error: 'the worker exited without a result' }); });
    });
    await worker.terminate();
    merge(total, snapshot.stats);
    if (result.done) break;
    const k = Atomics.load(heartbeat, 0);
    // Cases between the last snapshot and k completed without failing (a failure sends a snapshot).
    total.passed += Math.max(0, k - snapshot.next);
    const cfg = describeConfig(epochConfig(o.seed, o.type, Math.floor(k / EPOCH)));
    const where = { seed: o.seed, type: o.type, start: 0, end: 0 };
    const len = callText.indexOf(0);
    const call = Buffer.from(callText.subarray(0, len < 0 ? callText.length : len)).toString('utf8').replace(/ \[xen .*\]$/, '');
    if (result.error !== undefined) recordFailure(total, where, k, 'host-exception', `the fuzzer worker died: ${result.error}`, call, cfg);
    else recordFailure(total, where, k, 'hang', `case ${k} ran for more than ${timeout / 1000} s of wall-clock time (a hypercall handler looping in the host)`, call, cfg);
    start = k + 1;
    fresh = true;
  }
  return total;
}

function merge(into: TypeStats, s: TypeStats): void {
  into.available = s.available;
  into.unavailable = s.unavailable;
  into.passed += s.passed;
  into.failed += s.failed;
  into.abandoned += s.abandoned;
  for (const [k, v] of Object.entries(s.restarts)) into.restarts[k] = (into.restarts[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.byName)) {
    const t = into.byName[k] ?? (into.byName[k] = { calls: 0, ok: 0, errnos: {} });
    t.calls += v.calls; t.ok += v.ok;
    for (const [e, n] of Object.entries(v.errnos)) t.errnos[e] = (t.errnos[e] ?? 0) + n;
  }
  into.failures.push(...s.failures);
}

/** Guest types in CLI order. */
export const ALL_TYPES: readonly FuzzGuestType[] = ['hvm64', 'hvm32', 'pv64', 'pv32'];

/**
 * One execution-fuzz case: random (biased) code and registers in one CPU configuration, run
 * with a small budget, then checked for host exceptions, budget overrun, inconsistent stops,
 * impossible register/mode state, nondeterminism, imprecise exceptions, and leftover damage
 * to the Cpu object (a known-good sequence must still run on it afterwards).
 */
import type { StopReason } from '../../../emulator/cpu/api-types';
import { Cpu } from '../../../emulator/cpu/cpu';
import { setupFlatMode } from '../../../emulator/cpu/flat-setup';
import { PhysicalMemory } from '../../../emulator/memory/physical-memory';
import { randomCodeBytes, toHex } from './byte-gen';
import { FuzzMode, is64 } from './exec-modes';
import { icedDecode, icedText } from './iced-oracle';
import { Rng } from './rng';
import { IdtPlan, installIdt, planIdt } from './idt';

/** 4 MiB: flat-setup's tables take the last MiB; PAE/4-level can leave the top 2 MiB unmapped. */
export const RAM_BYTES = 0x400000;
export const CODE_BASE = 0x10000;
export const STACK_TOP = 0x80000;
const DATA_LO = 0x90000;
const DATA_HI = 0x300000;
/** Scratch word the known-good sequence stores to. */
const GOOD_DATA = 0x8f000;

const M64 = (1n << 64n) - 1n;
const M32 = 0xffffffffn;

export interface ExecCase {
  seed: number;
  index: number;
  mode: FuzzMode;
  /** false: every exception is intercepted (run ends before delivery); true: exceptions are delivered. */
  deliver: boolean;
  codeAddr: number;
  code: Uint8Array;
  regs: bigint[];
  rflags: bigint;
  /** Identity-map only this much (so fetches and accesses can run off the mapped region). */
  mapBytes?: number;
  budget: number;
  idt?: IdtPlan;
}

export interface CaseResult {
  failures: string[];
  /** Short label of how the case ended, for statistics (e.g. "exception:6"). */
  outcome: string;
  /** Observations that are not failures (e.g. "#UD on a valid core instruction: X"). */
  notes: string[];
}

function nameHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function randomReg(rng: Rng, wide: boolean, codeAddr: number): bigint {
  const p = rng.below(10);
  let v: bigint;
  if (p <= 3) v = BigInt(DATA_LO + rng.below(DATA_HI - DATA_LO));
  else if (p === 4) v = BigInt(codeAddr - 0x100 + rng.below(0x200));
  else if (p === 5) v = BigInt(STACK_TOP - rng.below(0x1000));
  else if (p === 6) v = 0n;
  else if (p === 7) v = rng.chance(0.5) ? BigInt(rng.below(64)) : M64;
  else v = wide ? rng.u64() : BigInt(rng.u32());
  return wide ? v & M64 : v & M32;
}

export function makeCase(seed: number, index: number, mode: FuzzMode): ExecCase {
  const rng = Rng.forCase(seed, index, nameHash(mode.name));
  const wide = is64(mode);
  const deliver = rng.chance(0.4);
  const placement = rng.below(10);
  let codeAddr = CODE_BASE + rng.below(0x100);
  let mapBytes: number | undefined;
  if (placement === 0) {
    codeAddr = CODE_BASE + 0x1000 - 1 - rng.below(15); // instructions straddle a page boundary
  } else if (placement === 1 && (mode.mode !== 'protected32' || mode.paging === 'pae')) {
    mapBytes = 0x200000; // 2 MiB pages: code runs off the end of the mapped region
    codeAddr = mapBytes - 1 - rng.below(24);
  }
  const code = randomCodeBytes(rng, 16 + rng.below(240), wide);
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) {
    // In 32-bit modes R8-R15 are unreachable: give them 64-bit junk the run must not touch.
    regs.push(r < 8 || wide ? randomReg(rng, wide, codeAddr) : rng.u64());
  }
  regs[4] = rng.chance(0.9) ? BigInt(STACK_TOP - 8 * rng.below(256)) : regs[4];
  let rflags = 0x2n | BigInt(rng.u32() & 0x8d5); // CF PF AF ZF SF DF OF
  if (rng.chance(0.5)) rflags |= 0x200n; // IF
  if (rng.chance(0.03)) rflags |= 0x100n; // TF
  if (rng.chance(0.05)) rflags |= 0x40000n; // AC
  if (rng.chance(0.03)) rflags |= 0x4000n; // NT
  if (rng.chance(0.2)) rflags |= BigInt(rng.below(4)) << 12n; // IOPL
  const budget = 1 + rng.below(300);
  return { seed, index, mode, deliver, codeAddr, code, regs, rflags, mapBytes, budget, idt: deliver ? planIdt(rng) : undefined };
}

const REG_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function h(v: bigint | number): string {
  return '0x' + v.toString(16);
}

/** One-line reproducer: mode, bytes, and the whole initial state. */
export function describeCase(c: ExecCase): string {
  const regs = c.regs.map((v, i) => `${REG_NAMES[i]}=${h(v)}`).join(' ');
  return `mode=${c.mode.name} variant=${c.deliver ? 'deliver' : 'intercept'} seed=${c.seed} case=${c.index} ` +
    `budget=${c.budget}${c.mapBytes ? ` map=${h(c.mapBytes)}` : ''} code@${h(c.codeAddr)}=${toHex(c.code)} ` +
    `rflags=${h(c.rflags)} ${regs}${c.idt ? ` idt=${c.idt.describe()}` : ''}`;
}

/** Builds a fresh CPU in the case's initial state. */
export function materialize(c: ExecCase): { cpu: Cpu; mem: PhysicalMemory } {
  const mem = new PhysicalMemory(RAM_BYTES);
  const cpu = new Cpu(mem);
  setupFlatMode(cpu, { mode: c.mode.mode, cpl: c.mode.cpl, paging: c.mode.paging, identityMapBytes: c.mapBytes });
  mem.writeBytes(c.codeAddr, c.code);
  for (let r = 0; r < 16; r++) cpu.setReg(r, c.regs[r]);
  cpu.rflags = c.rflags;
  cpu.rip = BigInt(c.codeAddr);
  cpu.interceptExceptions = c.deliver ? 0 : 0xffffffff;
  if (c.idt) installIdt(cpu, mem, c.mode, c.idt);
  return { cpu, mem };
}

const STOP_KINDS = new Set(['step', 'budget', 'breakpoint', 'watch', 'trap', 'exception', 'halt', 'triple-fault', 'paused']);
const CPU_MODES = new Set(['real', 'protected16', 'protected32', 'compat16', 'compat32', 'long64']);
/** Exceptions random code can architecturally raise here. */
const POSSIBLE_VECTORS = new Set([0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 19]);
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);

function errText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message} @ ${(e.stack ?? '').split('\n').slice(1, 4).map((s) => s.trim()).join(' < ')}`;
  return String(e);
}

function stopText(s: StopReason): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? h(v) : v));
}

/** Valid encodings that raise #UD by definition, or always in this mode. */
function udByDefinition(mnemonic: string, mode: string): boolean {
  if (mnemonic === 'Ud0' || mnemonic === 'Ud1' || mnemonic === 'Ud2') return true;
  // Intel: SYSCALL/SYSRET are #UD outside 64-bit mode.
  return mode !== 'long64' && (mnemonic === 'Sysret' || mnemonic === 'Sysretq' || mnemonic === 'Syscall');
}

function isCanonical(v: bigint): boolean {
  return v < 0x0000800000000000n || v >= 0xffff800000000000n;
}

/** Consistency of the stop reason itself. */
function checkStop(cpu: Cpu, c: ExecCase, stop: StopReason, retired: number): string[] {
  const f: string[] = [];
  if (!stop || typeof stop !== 'object' || !STOP_KINDS.has(stop.kind)) return [`run() returned a non-StopReason: ${String(stop)}`];
  if (retired > c.budget) f.push(`retired ${retired} instructions with a budget of ${c.budget}`);
  if (retired < 0) f.push(`instructionsRetired went backwards (${retired})`);
  switch (stop.kind) {
    case 'exception':
      if (c.deliver) f.push(`'exception' stop although interceptExceptions = 0: ${stopText(stop)}`);
      if (!Number.isInteger(stop.vector) || stop.vector < 0 || stop.vector > 31) f.push(`exception vector out of 0..31: ${stopText(stop)}`);
      else if (!POSSIBLE_VECTORS.has(stop.vector)) f.push(`exception vector ${stop.vector} cannot come from code: ${stopText(stop)}`);
      if (stop.rip !== cpu.rip) f.push(`exception stop rip ${h(stop.rip)} != cpu.rip ${h(cpu.rip)}`);
      if (ERROR_CODE_VECTORS.has(stop.vector) && !Number.isInteger(stop.errorCode)) f.push(`vector ${stop.vector} stop without an error code: ${stopText(stop)}`);
      if (!ERROR_CODE_VECTORS.has(stop.vector) && stop.errorCode !== undefined) f.push(`vector ${stop.vector} stop with an error code: ${stopText(stop)}`);
      if (stop.errorCode !== undefined && (stop.errorCode < 0 || stop.errorCode > 0xffffffff)) f.push(`error code out of range: ${stopText(stop)}`);
      if (stop.vector === 14 && typeof stop.cr2 !== 'bigint') f.push(`#PF stop without cr2: ${stopText(stop)}`);
      break;
    case 'triple-fault': {
      if (!Number.isInteger(stop.vector) || stop.vector < 0 || stop.vector > 31) f.push(`triple-fault vector out of 0..31: ${stopText(stop)}`);
      // The CPU must stay stopped: running again retires nothing and reports the triple fault again.
      const before = cpu.instructionsRetired;
      const again = cpu.run({ maxInstructions: 10 });
      if (cpu.instructionsRetired !== before) f.push(`CPU ran ${cpu.instructionsRetired - before} more instructions after a triple fault (then ${stopText(again)})`);
      if (again.kind !== 'triple-fault') f.push(`run() after a triple fault returned ${stopText(again)}`);
      break;
    }
    case 'budget': case 'halt':
      break;
    default:
      f.push(`unexpected stop with no breakpoints/watches/traps configured: ${stopText(stop)}`);
  }
  return f;
}

/** Architectural sanity of the state after the run. */
function checkState(cpu: Cpu, c: ExecCase, startMode: string): string[] {
  const f: string[] = [];
  const mode = cpu.mode;
  if (!CPU_MODES.has(mode)) f.push(`cpu.mode is ${String(mode)}`);
  if (!Number.isInteger(cpu.cpl) || cpu.cpl < 0 || cpu.cpl > 3) f.push(`cpu.cpl is ${cpu.cpl}`);
  const longFamily = c.mode.mode !== 'protected32';
  if (longFamily && !['long64', 'compat32', 'compat16'].includes(mode)) f.push(`left long mode: now ${mode}`);
  if (!longFamily && (mode.startsWith('compat') || mode === 'long64')) f.push(`entered long mode from ${c.mode.name}: now ${mode}`);
  for (let r = 0; r < 16; r++) {
    const v = cpu.getReg(r);
    if (typeof v !== 'bigint' || v < 0n || v > M64) f.push(`${REG_NAMES[r]} = ${String(v)} is not a 64-bit value`);
  }
  // In legacy protected mode nothing can reach R8-R15 or set bits 63:32 of the others.
  if (startMode === 'protected32' && !mode.startsWith('compat') && mode !== 'long64') {
    for (let r = 0; r < 16; r++) {
      const v = cpu.getReg(r);
      if (r >= 8 && v !== c.regs[r]) f.push(`${REG_NAMES[r]} changed in 32-bit protected mode: ${h(c.regs[r])} -> ${h(v)}`);
      if (r < 8 && v > M32) f.push(`${REG_NAMES[r]} = ${h(v)} has high bits in 32-bit protected mode`);
    }
  }
  const rip = cpu.rip;
  if (mode === 'long64' && !isCanonical(rip)) f.push(`non-canonical rip ${h(rip)}`);
  if (mode !== 'long64' && rip > M32) f.push(`rip ${h(rip)} above 4 GiB outside 64-bit mode`);
  const fl = cpu.rflags;
  if ((fl & 2n) === 0n || (fl & 0x8028n) !== 0n || fl >> 22n !== 0n) f.push(`impossible rflags ${h(fl)}`);
  if (mode === 'long64' && (fl & 0x20000n)) f.push(`rflags.VM set in long mode: ${h(fl)}`);
  for (let s = 0; s < 6; s++) {
    const seg = cpu.getSegment(s);
    if (!Number.isInteger(seg.selector) || seg.selector < 0 || seg.selector > 0xffff) f.push(`segment ${s} selector ${seg.selector}`);
    if (typeof seg.base !== 'bigint' || seg.base < 0n || seg.base > M64) f.push(`segment ${s} base ${String(seg.base)}`);
    if (!Number.isInteger(seg.limit) || seg.limit < 0 || seg.limit > 0xffffffff) f.push(`segment ${s} limit ${seg.limit}`);
    if (!Number.isInteger(seg.attributes) || seg.attributes < 0 || seg.attributes > 0x1ffff) f.push(`segment ${s} attributes ${seg.attributes}`);
  }
  for (const cr of ['cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer'] as const) {
    const v = cpu.getControl(cr);
    if (typeof v !== 'bigint' || v < 0n || v > M64) f.push(`${cr} = ${String(v)}`);
  }
  return f;
}

interface Snapshot { regs: bigint[]; rip: bigint; rflags: bigint; segs: string; cr: string; mem: Uint8Array }

/** Registers plus memory (copied, or by reference when the caller will not write it again). */
function snapshot(cpu: Cpu, mem: PhysicalMemory, copyMemory = true): Snapshot {
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) regs.push(cpu.getReg(r));
  const segs = JSON.stringify([0, 1, 2, 3, 4, 5].map((s) => cpu.getSegment(s)), (_k, v: unknown) => (typeof v === 'bigint' ? h(v) : v));
  const cr = ['cr0', 'cr3', 'cr4', 'cr8', 'efer'].map((n) => h(cpu.getControl(n as 'cr0'))).join(',');
  return { regs, rip: cpu.rip, rflags: cpu.rflags, segs, cr, mem: copyMemory ? mem.bytes.slice() : mem.bytes };
}

function diffSnapshots(a: Snapshot, b: Snapshot, withGprsAndMemory: boolean, withMemory = true): string[] {
  const d: string[] = [];
  if (a.rip !== b.rip) d.push(`rip ${h(a.rip)} -> ${h(b.rip)}`);
  if (a.rflags !== b.rflags) d.push(`rflags ${h(a.rflags)} -> ${h(b.rflags)}`);
  if (a.segs !== b.segs) d.push(`segments ${a.segs} -> ${b.segs}`);
  if (a.cr !== b.cr) d.push(`control ${a.cr} -> ${b.cr}`);
  if (withGprsAndMemory) {
    for (let r = 0; r < 16; r++) if (a.regs[r] !== b.regs[r]) d.push(`${REG_NAMES[r]} ${h(a.regs[r])} -> ${h(b.regs[r])}`);
    // Page by page (native compares); accessed/dirty bits set by the page walk are allowed, so
    // changes of only bits 5-6 in the low byte of a 4-byte-aligned word are skipped.
    outer: for (let p = 0; withMemory && p < a.mem.length; p += 4096) {
      if (Buffer.compare(a.mem.subarray(p, p + 4096), b.mem.subarray(p, p + 4096)) === 0) continue;
      for (let i = p; i < p + 4096; i++) {
        const x = a.mem[i] ^ b.mem[i];
        if (x === 0 || ((x & ~0x60) === 0 && (i & 3) === 0)) continue;
        d.push(`memory at ${h(i)}: ${h(a.mem[i])} -> ${h(b.mem[i])}`);
        break outer;
      }
    }
  }
  return d;
}

/** Up to 15 instruction bytes at cs:rip (fewer if the fetch runs into an unmapped page). */
export function bytesAtRip(cpu: Cpu): Uint8Array {
  const linear = cpu.getSegment(1).base + cpu.rip;
  const out: number[] = [];
  for (let i = 0; i < 15; i++) {
    try {
      out.push(cpu.readVirtual((linear + BigInt(i)) & M64, 1)[0]);
    } catch {
      break;
    }
  }
  return Uint8Array.from(out);
}

/**
 * Intercepted faults must leave the state exactly as before the faulting instruction: replay
 * to just before it, snapshot, step, compare. Also proves the run is deterministic.
 */
function checkPrecise(c: ExecCase, stop: StopReason & { kind: 'exception' }, retired: number): string[] {
  const { cpu, mem } = materialize(c);
  if (retired > 0) {
    const s = cpu.run({ maxInstructions: retired });
    if (s.kind !== 'budget') {
      return [`replay of the first ${retired} instructions ended with ${stopText(s)} instead of 'budget' (nondeterminism, or the faulting instruction was counted as retired)`];
    }
  }
  if (cpu.rip !== stop.rip) return [`replay reached rip ${h(cpu.rip)} after ${retired} instructions, but the exception was reported at ${h(stop.rip)}`];
  // The fault may be in a rep string op that already clobbered the page tables, so fall back
  // to the case's own bytes when the instruction cannot be read back through paging.
  let bytes = bytesAtRip(cpu);
  const off = Number(cpu.rip) - c.codeAddr;
  if (bytes.length < 15 && off >= 0 && off < c.code.length) bytes = c.code.subarray(off, off + 15);
  const insn = icedDecode(bytes, cpu.mode);
  const before = snapshot(cpu, mem);
  const s2 = cpu.step();
  if (s2.kind !== 'exception' || s2.vector !== stop.vector) return [`replayed faulting instruction gave ${stopText(s2)}, first run gave ${stopText(stop)}`];
  const after = snapshot(cpu, mem);
  // GPRs and memory legitimately move for completed iterations of a rep string instruction.
  // enter pushes in order, so on hardware a fault can leave its earlier pushes written below rSP
  // (seen natively); registers must still be unchanged.
  const diff = diffSnapshots(before, after, insn.status !== 'truncated' && !insn.repString, insn.mnemonic.toLowerCase() !== 'enter');
  return diff.length ? [`state changed by an intercepted fault (vector ${stop.vector}, ${insn.mnemonic}): ${diff.join('; ')}`] : [];
}

/** Delivered runs must be deterministic: a second run from the same state ends identically. */
function checkDeterministic(c: ExecCase, stop: StopReason, retired: number, first: Snapshot): string[] {
  const { cpu, mem } = materialize(c);
  const r0 = cpu.instructionsRetired;
  const s = cpu.run({ maxInstructions: c.budget });
  const again = snapshot(cpu, mem, false);
  const d = diffSnapshots(first, again, true);
  if (stopText(s) !== stopText(stop)) d.unshift(`stop ${stopText(stop)} vs ${stopText(s)}`);
  if (cpu.instructionsRetired - r0 !== retired) d.unshift(`retired ${retired} vs ${cpu.instructionsRetired - r0}`);
  return d.length ? [`nondeterministic run: ${d.join('; ')}`] : [];
}

/** mov eax,1; add eax,eax; lea ecx,[eax+eax*2]; mov [GOOD_DATA],ecx; mov edx,[GOOD_DATA]; imul edx,eax; push edx; pop ebx */
export function knownGoodCode(): Uint8Array {
  const d = [GOOD_DATA & 0xff, (GOOD_DATA >> 8) & 0xff, (GOOD_DATA >> 16) & 0xff, GOOD_DATA >>> 24];
  return Uint8Array.from([
    0xb8, 1, 0, 0, 0, 0x01, 0xc0, 0x8d, 0x0c, 0x40, 0x89, 0x0c, 0x25, ...d, 0x8b, 0x14, 0x25, ...d,
    0x0f, 0xaf, 0xd0, 0x52, 0x5b,
  ]);
}

/**
 * Resets `cpu` with setupFlatMode, writes the known-good sequence over the code the case ran
 * (so a stale decoded-instruction cache would run the old bytes) and checks its results.
 * Returns a failure description or undefined.
 */
export function runKnownGood(cpu: Cpu, mem: PhysicalMemory, c: ExecCase, via: 'writeVirtual' | 'writeBytes'): string | undefined {
  setupFlatMode(cpu, { mode: c.mode.mode, cpl: c.mode.cpl, paging: c.mode.paging });
  cpu.interceptExceptions = 0xffffffff;
  for (let r = 0; r < 16; r++) cpu.setReg(r, 0n);
  cpu.setReg(4, BigInt(STACK_TOP));
  cpu.rflags = 2n;
  const code = knownGoodCode();
  if (via === 'writeVirtual') cpu.writeVirtual(BigInt(c.codeAddr), code);
  else mem.writeBytes(c.codeAddr, code);
  const end = BigInt(c.codeAddr + code.length);
  cpu.rip = BigInt(c.codeAddr);
  cpu.addBreakpoint(end);
  try {
    const s = cpu.run({ maxInstructions: 50 });
    const got = [0, 1, 2, 3].map((r) => cpu.getReg(r));
    const stored = mem.read32(GOOD_DATA);
    if (s.kind !== 'breakpoint' || cpu.rip !== end || got[0] !== 2n || got[1] !== 6n || got[2] !== 12n || got[3] !== 12n || stored !== 6) {
      return `known-good sequence (written with ${via}) gave ${stopText(s)} rip=${h(cpu.rip)} eax=${h(got[0])} ecx=${h(got[1])} edx=${h(got[2])} ebx=${h(got[3])} [data]=${stored}`;
    }
    return undefined;
  } finally {
    cpu.removeBreakpoint(end);
  }
}

function checkNotCorrupted(cpu: Cpu, mem: PhysicalMemory, c: ExecCase): string[] {
  const via = c.index % 2 ? 'writeBytes' : 'writeVirtual';
  const problem = runKnownGood(cpu, mem, c, via);
  if (!problem) return [];
  // Tell a damaged Cpu object apart from a known-good sequence that fails anyway.
  const freshMem = new PhysicalMemory(RAM_BYTES);
  const freshProblem = runKnownGood(new Cpu(freshMem), freshMem, c, via);
  return freshProblem ? [`known-good sequence fails even on a fresh Cpu: ${freshProblem}`] : [`Cpu damaged by the case (stale decode cache or leftover state): ${problem}`];
}

export function runCase(c: ExecCase): CaseResult {
  const failures: string[] = [];
  const notes: string[] = [];
  let outcome = 'host-exception';
  const guard = (what: string, fn: () => string[]): void => {
    try {
      failures.push(...fn());
    } catch (e) {
      failures.push(`host exception in ${what}: ${errText(e)}`);
    }
  };
  let cpu: Cpu;
  let mem: PhysicalMemory;
  try {
    ({ cpu, mem } = materialize(c));
  } catch (e) {
    return { failures: [`host exception setting up the case: ${errText(e)}`], outcome, notes };
  }
  const startMode = cpu.mode;
  if (startMode !== c.mode.expect) failures.push(`setupFlatMode gave mode ${startMode}, expected ${c.mode.expect}`);
  const r0 = cpu.instructionsRetired;
  let stop: StopReason;
  try {
    stop = cpu.run({ maxInstructions: c.budget });
  } catch (e) {
    return { failures: [`host exception from run(): ${errText(e)}`], outcome, notes };
  }
  const retired = cpu.instructionsRetired - r0;
  outcome = stop.kind === 'exception' ? `exception:${stop.vector}` : stop.kind === 'triple-fault' ? `triple-fault:${stop.vector}` : stop.kind;
  let firstSnap: Snapshot | undefined;
  guard('post-run state checks', () => {
    firstSnap = snapshot(cpu, mem, false);
    return [...checkState(cpu, c, startMode), ...checkStop(cpu, c, stop, retired)];
  });
  if (stop.kind === 'exception' && !c.deliver) {
    const insn = icedDecode(bytesAtRip(cpu), cpu.mode);
    if (stop.vector === 6 && insn.status === 'ok' && insn.cls === 'core' && !udByDefinition(insn.mnemonic, cpu.mode)) {
      notes.push(`#UD on valid core instruction: ${cpu.mode} ${insn.mnemonic}`);
    }
    // The first instruction's state is known exactly: an encoding iced calls invalid must #UD
    // (#GP if it is over 15 bytes; #PF if its fetch ran off the mapped region).
    const first = new Uint8Array(15);
    first.set(c.code.subarray(0, 15));
    const firstIced = icedDecode(first, c.mode.expect);
    if (firstIced.status === 'invalid') {
      const ok = retired === 0 && stop.rip === BigInt(c.codeAddr) &&
        // #GP is fine when the prefixes alone make it (nearly) over-long: which of #UD and the
        // 15-byte #GP wins is not architecturally pinned down.
        (stop.vector === 6 || stop.vector === 14 || (stop.vector === 13 && firstIced.length >= 12));
      if (!ok) notes.push(`executed an encoding iced calls invalid: ${c.mode.expect} ${toHex(first.subarray(0, Math.max(firstIced.length, 1)))} -> ${outcome} after ${retired}`);
    }
    const trapLike = stop.vector === 1 || stop.vector === 3 || stop.vector === 4 || insn.softInt;
    if (!trapLike) guard('precise-exception replay', () => checkPrecise(c, stop as StopReason & { kind: 'exception' }, retired));
  } else if (firstSnap) {
    const snap = firstSnap;
    guard('determinism replay', () => checkDeterministic(c, stop, retired, snap));
  }
  guard('known-good rerun', () => checkNotCorrupted(cpu, mem, c));
  return { failures, outcome, notes };
}

/** Pretty description of a case's first instructions, for a human reading a reproducer. */
export function disassembleCase(c: ExecCase, max = 8): string {
  const lines: string[] = [];
  let off = 0;
  const mode = c.mode.expect;
  for (let n = 0; n < max && off < c.code.length; n++) {
    const bytes = c.code.subarray(off, off + 15);
    const d = icedDecode(bytes, mode);
    const len = d.status === 'ok' ? d.length : 1;
    lines.push(`  ${h(c.codeAddr + off)}: ${toHex(c.code.subarray(off, off + len)).padEnd(30)} ${d.status === 'ok' ? icedText(bytes, mode) : '(bad)'}`);
    off += len;
  }
  return lines.join('\n');
}

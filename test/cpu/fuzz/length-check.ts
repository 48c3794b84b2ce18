/**
 * Instruction-length cross-checks of our decoder against objdump (corpus) and iced-x86
 * (corpus and random bytes). Pure functions over a length callback, shared by the mocha
 * test and any CLI.
 */
import type { CpuMode } from '../../../emulator/cpu/api-types';
import { randomInstructionBytes, toHex } from './byte-gen';
import { icedDecode, icedText } from './iced-oracle';
import type { CorpusInsn } from './objdump-corpus';
import { Rng } from './rng';

export type LengthFn = (bytes: Uint8Array, mode: CpuMode) => number;

export interface LengthFailure {
  mode: CpuMode;
  hex: string;
  /** What our decoder said (or the exception text if it threw). */
  ours: number | string;
  expected: number;
  icedLength: number | string;
  text: string;
  where: string;
  why: string;
  /** How many instructions hit the same (mode, why, iced code, ours, expected) bucket. */
  count: number;
}

/** Collects failures deduplicated by bucket, keeping the first example of each. */
export class FailureLog {
  private readonly buckets = new Map<string, LengthFailure>();

  add(f: Omit<LengthFailure, 'count'>, bucket: string): void {
    const key = `${f.mode}|${f.why}|${bucket}|${f.ours}|${f.expected}`;
    const old = this.buckets.get(key);
    if (old) old.count++;
    else this.buckets.set(key, { ...f, count: 1 });
  }

  get list(): LengthFailure[] {
    return [...this.buckets.values()];
  }

  get total(): number {
    let n = 0;
    for (const f of this.buckets.values()) n += f.count;
    return n;
  }
}

export function formatFailure(f: LengthFailure): string {
  return `${f.mode} ${f.hex}: ${f.why}: ours=${f.ours} expected=${f.expected} iced=${f.icedLength} ` +
    `[${f.text}] at ${f.where}${f.count > 1 ? ` (x${f.count})` : ''}`;
}

function safeLength(fn: LengthFn, bytes: Uint8Array, mode: CpuMode): number | string {
  try {
    const n = fn(bytes, mode);
    return Number.isInteger(n) ? n : `non-integer ${String(n)}`;
  } catch (e) {
    return `threw ${e instanceof Error ? e.message : String(e)}`;
  }
}

function bumpCount(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export interface CorpusReport {
  total: number;
  unique: number;
  checks: number;
  passed: number;
  /** Mnemonic → count of FP/vector instructions skipped because our decoder said -1. */
  skipped: Map<string, number>;
  failures: FailureLog;
  /** iced and objdump disagree (oracle problem, reported but not blamed on us). */
  oracleDisagreements: string[];
}

/**
 * Every corpus instruction must get objdump's length from our decoder (fed the bytes as they
 * sit in memory, and fed exactly the instruction's bytes), in every mode its code size allows.
 */
export function checkCorpusLengths(insns: CorpusInsn[], fn: LengthFn): CorpusReport {
  const seen = new Set<string>();
  const report: CorpusReport = {
    total: insns.length, unique: 0, checks: 0, passed: 0, skipped: new Map(),
    failures: new FailureLog(), oracleDisagreements: [],
  };
  for (const ins of insns) {
    const hex = toHex(ins.bytes);
    const key = `${ins.bits}:${hex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    report.unique++;
    const modes: CpuMode[] = ins.bits === 64 ? ['long64'] : ['protected32', 'compat32'];
    for (const mode of modes) {
      report.checks++;
      const expected = ins.bytes.length;
      const iced = icedDecode(ins.withTail, mode);
      if (iced.status !== 'ok' || iced.length !== expected) {
        report.oracleDisagreements.push(`${mode} ${hex} objdump=${expected} iced=${iced.status}/${iced.length} [${ins.text}] at ${ins.where}`);
      }
      const ours = safeLength(fn, ins.withTail, mode);
      const exact = safeLength(fn, ins.bytes, mode);
      const base = { mode, hex, expected, icedLength: iced.status === 'ok' ? iced.length : iced.status, text: ins.text, where: ins.where };
      if (ours === expected && exact === expected) {
        report.passed++;
      } else if (ours === -1 && iced.status === 'ok' && iced.cls === 'fpvec') {
        bumpCount(report.skipped, iced.mnemonic);
      } else if (ours === expected) {
        report.failures.add({ ...base, ours: exact, why: 'wrong when given exactly the instruction bytes' }, iced.code);
      } else {
        report.failures.add({ ...base, ours, why: typeof ours === 'string' ? 'decoder threw' : 'length differs from objdump' }, iced.code);
      }
    }
  }
  return report;
}

export interface RandomReport {
  cases: number;
  checks: number;
  agreed: number;
  icedInvalid: number;
  /** Valid per iced, outside the core set, and our decoder said -1 (#UD): fine, but listed. */
  unimplemented: Map<string, number>;
  /** iced says invalid but we gave a length: allowed, counted for information. */
  oursLenientOnInvalid: number;
  failures: FailureLog;
}

const RANDOM_MODES: CpuMode[] = ['long64', 'protected32', 'compat32'];

/** Builds random case `index` of a seed: an instruction-shaped chunk padded to 24 bytes. */
export function randomLengthCase(seed: number, index: number): Uint8Array {
  const rng = Rng.forCase(seed, index, 0x1e);
  const chunk = randomInstructionBytes(rng, rng.chance(0.7));
  const buf = new Uint8Array(24);
  for (let i = 0; i < buf.length; i++) buf[i] = i < chunk.length ? chunk[i] : rng.byte();
  return buf;
}

/**
 * Random byte strings in each code size: wherever iced decodes a valid instruction our
 * length must be iced's (or -1 for an extension outside the core set); where iced says
 * invalid we must say -1 or a sane length. We must never throw.
 */
export function checkRandomLengths(seed: number, count: number, fn: LengthFn): RandomReport {
  const r: RandomReport = {
    cases: count, checks: 0, agreed: 0, icedInvalid: 0, unimplemented: new Map(), oursLenientOnInvalid: 0,
    failures: new FailureLog(),
  };
  for (let n = 0; n < count; n++) {
    const bytes = randomLengthCase(seed, n);
    for (const mode of RANDOM_MODES) {
      r.checks++;
      const iced = icedDecode(bytes, mode);
      const ours = safeLength(fn, bytes, mode);
      const shown = bytes.subarray(0, Math.max(iced.length, typeof ours === 'number' ? ours : 0, 1));
      const base = {
        mode, hex: toHex(shown), ours, expected: iced.length,
        icedLength: iced.status === 'ok' ? iced.length : iced.status,
        text: iced.status === 'ok' ? icedText(bytes, mode) : '(iced: invalid)', where: `seed ${seed} case ${n}`,
      };
      if (typeof ours === 'string') {
        r.failures.add({ ...base, why: 'decoder threw' }, iced.code);
        continue;
      }
      if (ours !== -1 && (ours < 1 || ours > 15)) {
        r.failures.add({ ...base, why: 'length outside 1..15' }, iced.code);
        continue;
      }
      if (iced.status !== 'ok') {
        r.icedInvalid++;
        if (ours !== -1) r.oursLenientOnInvalid++;
        continue;
      }
      if (ours === iced.length) {
        r.agreed++;
      } else if (ours === -1 && iced.cls !== 'core') {
        bumpCount(r.unimplemented, `${iced.cls}:${iced.mnemonic}`);
      } else if (iced.amdOnly) {
        bumpCount(r.unimplemented, `amd-only:${iced.mnemonic} (ours ${ours})`); // Intel decodes these bytes differently
      } else if (ours === -1) {
        r.failures.add({ ...base, why: `core instruction (${iced.features.join('/')}) rejected as invalid` }, iced.code);
      } else {
        r.failures.add({ ...base, why: `length differs from iced (${iced.cls})` }, iced.code);
      }
    }
  }
  return r;
}

/** "name xN, name xM" sorted by count, for summaries. */
export function formatCounts(m: Map<string, number>, limit = 40): string {
  const items = [...m.entries()].sort((a, b) => b[1] - a[1]);
  const shown = items.slice(0, limit).map(([k, v]) => `${k} x${v}`).join(', ');
  return items.length > limit ? `${shown}, ... (${items.length - limit} more)` : shown;
}

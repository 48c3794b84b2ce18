/** Human-readable reproducers: bytes, disassembly, initial state, both final states, what differs. */
import { regName } from './compare';
import { decodeAll, disassemble } from './disasm';
import type { EmuMode } from './emulator-runner';
import { CODE_BASE, DATA_BASE } from './layout';
import { liveItems, type Verdict } from './shrink';
import type { TestCase } from './test-case';
import type { RunResult } from './wire';

export interface Failure {
  mode: EmuMode;
  first: Verdict;
  minimal: Verdict;
}

function hex(v: bigint | number): string { return '0x' + BigInt.asUintN(64, BigInt(v)).toString(16); }
function bytesHex(b: Uint8Array): string { return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' '); }

function regsLine(regs: bigint[], bits: number): string {
  const n = bits === 64 ? 16 : 8;
  const parts: string[] = [];
  for (let r = 0; r < n; r++) parts.push(`${regName(r, bits)}=${hex(bits === 64 ? regs[r] : regs[r] & 0xffffffffn)}`);
  return parts.join(' ');
}

function outcomeLine(r: RunResult): string {
  if (r.outcome === 'signal') {
    const extra = [r.errorCode !== undefined ? `err=${hex(r.errorCode)}` : '', r.cr2 !== undefined ? `cr2=${hex(r.cr2)}` : '',
      r.note ? `(${r.note})` : ''].filter(Boolean).join(' ');
    return `exception #${r.vector} ${extra} at rip=${hex(r.rip)} rflags=${hex(r.rflags)}`;
  }
  return `${r.outcome}${r.note ? ` (${r.note})` : ''} rip=${hex(r.rip)} rflags=${hex(r.rflags)}`;
}

/** The live (not removed) instructions of a case, disassembled. */
export function caseListing(c: TestCase): string[] {
  const base = CODE_BASE + BigInt(c.codeOffset);
  const live = liveItems(c);
  const lines: string[] = [];
  for (const k of live) {
    const it = c.items[k];
    lines.push(`; ${it.name}`);
    lines.push(...disassemble(c.code.subarray(it.start, it.end), c.bits, base + BigInt(it.start)));
  }
  if (c.items.length === 0) lines.push(...disassemble(c.code, c.bits, base));
  return lines;
}

/** Bytes of the live items' bodies (without setup movs), for one-line summaries. */
export function coreBytes(c: TestCase): string {
  return liveItems(c).map((k) => bytesHex(c.code.subarray(c.items[k].body, c.items[k].end))).join(' | ');
}

export function coreDisasm(c: TestCase): string {
  const base = CODE_BASE + BigInt(c.codeOffset);
  return liveItems(c).map((k) => {
    const it = c.items[k];
    return disassemble(c.code.subarray(it.body, it.end), c.bits, base + BigInt(it.body)).map((l) => l.replace(/^.*?: (?:[0-9a-f]{2} )+\s*/, '')).join('; ');
  }).join(' | ');
}

export function formatVerdict(v: Verdict, mode: EmuMode): string {
  const c = v.c;
  const lines: string[] = [];
  lines.push(`  mode ${mode}, code at ${hex(CODE_BASE + BigInt(c.codeOffset))} (${c.code.length} bytes): ${bytesHex(c.code)}`);
  for (const l of caseListing(c)) lines.push(`    ${l}`);
  lines.push(`  initial: ${regsLine(c.regs, c.bits)}`);
  lines.push(`           rflags=${hex(c.rflags)}${c.bits === 64 ? ` fs.base=${hex(c.fsBase)} gs.base=${hex(c.gsBase)}` : ''} memSeed=${c.memSeed}`);
  if (c.patches.length) {
    lines.push(`           memory: ${c.patches.slice(0, 8).map((p) => `[${hex(DATA_BASE + BigInt(p.offset))}]=${bytesHex(p.data.subarray(0, 16))}${p.data.length > 16 ? '…' : ''}`).join(' ')}${c.patches.length > 8 ? ' …' : ''}`);
  }
  lines.push(`  native:   ${outcomeLine(v.native)}`);
  lines.push(`  emulator: ${outcomeLine(v.emu)}`);
  for (const d of v.diffs) lines.push(`  DIFF ${d.field}: native ${d.native}, emulator ${d.emulator}`);
  return lines.join('\n');
}

export function formatFailure(f: Failure): string {
  const out = [`FAIL ${f.first.c.origin} on ${f.mode}: ${f.first.c.items.map((i) => i.name).join(' + ')}`];
  out.push(formatVerdict(f.first, f.mode));
  if (f.minimal !== f.first) {
    out.push(' minimal reproducer:');
    out.push(formatVerdict(f.minimal, f.mode));
  }
  const bits = f.first.c.bits;
  const seed = /seed (\d+) case (\d+)/.exec(f.first.c.origin);
  if (seed) out.push(`  rerun: npm run fuzz:cpu -- --seed ${seed[1]} --case ${seed[2]} --bits ${bits}`);
  return out.join('\n');
}

const GPR = /^(r[a-z0-9]+|e[a-z]{2})$/;

/**
 * Deduplication key: bitness, the mnemonics of the live items (setup movs excluded), and the kind
 * of difference (register names folded into "regs", outcomes kept).
 */
export function failureKey(f: Failure): string {
  const c = f.minimal.c;
  const base = CODE_BASE + BigInt(c.codeOffset);
  const mnems = liveItems(c).map((k) => decodeAll(c.code.subarray(c.items[k].body, c.items[k].end), c.bits,
    base + BigInt(c.items[k].body)).map((i) => i.mnemonic.toLowerCase()).join(' ')).join(' + ');
  const fields = [...new Set(f.minimal.diffs.map((d) => {
    const fl = d.field.replace(/ \(.*$/, '').replace(/ @0x[0-9a-f]+/, '');
    if (GPR.test(fl)) return 'regs';
    return fl === 'outcome' ? `outcome ${d.native.replace(/ \(.*/, '')} vs ${d.emulator.replace(/ \(.*/, '')}` : fl;
  }))].sort().join(', ');
  return `${c.bits}-bit | ${mnems} | ${fields}`;
}

export function oneLine(f: Failure): string {
  const v = f.minimal;
  const what = v.diffs.map((d) => `${d.field}: native ${d.native} vs emu ${d.emulator}`).join('; ');
  return `${f.mode} \`${coreBytes(v.c)}\` (${coreDisasm(v.c)}) — ${what}`;
}

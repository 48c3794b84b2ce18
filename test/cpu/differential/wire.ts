/**
 * Binary protocol between the TypeScript side and native/harness.c (little-endian).
 * Case:   u32 'CASE', u32 id, u16 codeOffset, u16 codeLength, u32 memSeed, u64 gpr[16], u64 rflags,
 *         u64 fsBase, u64 gsBase, u32 nPatches, code bytes, nPatches × (u16 offset, u16 len, bytes)
 * Hello:  u32 'HELO', u32 bits, u32 hasFsGsBase, u32 0, u64 exitTarget (test_exit, or &g_exit_ptr in 32-bit)
 * Result: u32 'RSLT', u32 id, u32 outcome, u32 signo, u32 trapno, u32 err, u64 siAddr, u64 gpr[16],
 *         u64 rip, u64 rflags, u32 nRuns, nRuns × (u16 offset, u16 len, bytes)
 */
import type { TestCase } from './test-case';

const CASE_MAGIC = 0x45534143;
const RESULT_MAGIC = 0x544c5352;
const HELLO_MAGIC = 0x4f4c4548;

export type Outcome = 'ok' | 'signal' | 'timeout' | 'other';

/** Final state of one run; the same shape is produced for the emulator. */
export interface RunResult {
  outcome: Outcome;
  /** Exception vector for 'signal' (trap number from the ucontext). */
  vector?: number;
  errorCode?: number;
  /** CR2 for #PF (si_addr natively). */
  cr2?: bigint;
  signo?: number;
  gpr: bigint[];
  rip: bigint;
  rflags: bigint;
  /** Data bytes that differ from the initial image: offset in the data window → value. */
  memChanges: Map<number, number>;
  /** Extra text (emulator stop reason etc.). */
  note?: string;
}

export interface Hello { bits: number; hasFsGsBase: boolean; exitTarget: bigint; }

export function encodeCases(cases: TestCase[]): Buffer {
  const parts: Buffer[] = [];
  for (const c of cases) {
    const head = Buffer.alloc(16 + 128 + 8 * 3 + 4);
    head.writeUInt32LE(CASE_MAGIC, 0);
    head.writeUInt32LE(c.id >>> 0, 4);
    head.writeUInt16LE(c.codeOffset, 8);
    head.writeUInt16LE(c.code.length, 10);
    head.writeUInt32LE(c.memSeed >>> 0, 12);
    for (let i = 0; i < 16; i++) head.writeBigUInt64LE(BigInt.asUintN(64, c.regs[i]), 16 + i * 8);
    head.writeBigUInt64LE(c.rflags, 144);
    head.writeBigUInt64LE(BigInt.asUintN(64, c.fsBase), 152);
    head.writeBigUInt64LE(BigInt.asUintN(64, c.gsBase), 160);
    head.writeUInt32LE(c.patches.length, 168);
    parts.push(head, Buffer.from(c.code));
    for (const p of c.patches) {
      const ph = Buffer.alloc(4);
      ph.writeUInt16LE(p.offset, 0);
      ph.writeUInt16LE(p.data.length, 2);
      parts.push(ph, Buffer.from(p.data));
    }
  }
  return Buffer.concat(parts);
}

export function decodeOutput(buf: Buffer): { hello: Hello; results: Map<number, RunResult> } {
  let o = 0;
  if (buf.length < 16 || buf.readUInt32LE(0) !== HELLO_MAGIC) throw new Error('native harness: no hello');
  const bits = buf.readUInt32LE(4);
  const hasFsGsBase = buf.readUInt32LE(8) !== 0;
  const exitTarget = buf.readBigUInt64LE(16);
  o = 24;
  const results = new Map<number, RunResult>();
  while (o + 180 <= buf.length) {
    if (buf.readUInt32LE(o) !== RESULT_MAGIC) throw new Error(`native harness: bad result magic at ${o}`);
    const id = buf.readUInt32LE(o + 4);
    const kind = buf.readUInt32LE(o + 8);
    const signo = buf.readUInt32LE(o + 12);
    const trapno = buf.readUInt32LE(o + 16);
    const err = buf.readUInt32LE(o + 20);
    const addr = buf.readBigUInt64LE(o + 24);
    const gpr: bigint[] = [];
    for (let i = 0; i < 16; i++) gpr.push(buf.readBigUInt64LE(o + 32 + i * 8));
    const rip = buf.readBigUInt64LE(o + 160);
    const rflags = buf.readBigUInt64LE(o + 168);
    const nruns = buf.readUInt32LE(o + 176);
    o += 180;
    const memChanges = new Map<number, number>();
    for (let r = 0; r < nruns; r++) {
      const off = buf.readUInt16LE(o);
      const len = buf.readUInt16LE(o + 2);
      o += 4;
      for (let i = 0; i < len; i++) memChanges.set(off + i, buf[o + i]);
      o += len;
    }
    const outcome: Outcome = kind === 0 ? 'ok' : kind === 1 ? 'signal' : 'timeout';
    const res: RunResult = { outcome, gpr, rip, rflags, memChanges };
    if (outcome === 'signal') {
      res.vector = trapno;
      res.signo = signo;
      res.errorCode = err;
      if (trapno === 14) res.cr2 = addr;
    }
    results.set(id, res);
  }
  return { hello: { bits, hasFsGsBase, exitTarget }, results };
}

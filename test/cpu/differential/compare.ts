/**
 * The oracle's verdict: compares a native result with an emulator result for one case, masking
 * only what is architecturally undefined (per-item flag masks, undefined register bits) and what
 * the two environments legitimately differ in (RF in saved flags, Linux's sanitised #PF codes).
 */
import { CODE_BASE, DATA_BASE } from './layout';
import { ARITH } from './gen/template';
import type { TestCase } from './test-case';
import type { RunResult } from './wire';

/** RFLAGS bits compared: CF PF AF ZF SF TF IF DF OF IOPL NT AC ID (not RF, VM, VIF, VIP). */
export const FLAGS_COMPARED = 0x247fd5n;
const VECTORS_WITH_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);

export interface Diff { field: string; native: string; emulator: string; }

function hex(v: bigint | number | undefined): string {
  if (v === undefined) return '-';
  return '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);
}

/** Flags that may be undefined at code offset `off` (a fault or trap point), or at the end. */
export function undefinedFlagsAt(c: TestCase, off: number | 'end'): number {
  if (c.items.length === 0) return 0;
  if (off === 'end') return c.items[c.items.length - 1].undefOut;
  let m = 0;
  let hit = false;
  for (const it of c.items) {
    if (off >= it.start && off <= it.end) { m |= it.undefIn | it.undefOut; hit = true; }
  }
  if (!hit) for (const it of c.items) m |= it.undefIn | it.undefOut;
  return m & ARITH;
}

export function compareResults(c: TestCase, n: RunResult, e: RunResult): Diff[] {
  const diffs: Diff[] = [];
  const add = (field: string, nv: string, ev: string): void => { diffs.push({ field, native: nv, emulator: ev }); };
  const outcome = (r: RunResult): string =>
    r.outcome === 'signal' ? `exception ${r.vector}` : r.outcome === 'other' ? `other (${r.note ?? ''})` : r.outcome;
  if (outcome(n) !== outcome(e)) {
    add('outcome', outcome(n), outcome(e));
    return diffs; // the rest would only be noise
  }
  if (n.outcome === 'timeout') return diffs;
  const codeBase = CODE_BASE + BigInt(c.codeOffset);
  // For traps (INT3, INTO, INT1, single-step) both sides report the RIP after the instruction.
  const nrip = n.rip;
  if (n.outcome === 'signal') {
    if (VECTORS_WITH_ERROR_CODE.has(n.vector!)) {
      let ne = n.errorCode ?? 0, ee = e.errorCode ?? 0;
      // Linux reports user faults on kernel addresses with the protection bit set.
      if (n.vector === 14 && n.cr2 !== undefined && n.cr2 >= 0x800000000000n) { ne &= ~1; ee &= ~1; }
      // The emulator keeps its GDT/TSS at 1 MiB (supervisor-only); natively nothing is mapped there.
      if (n.vector === 14 && n.cr2 !== undefined && n.cr2 >= 0x100000n && n.cr2 < 0x110000n) { ne &= ~1; ee &= ~1; }
      if (ne !== ee) add('error code', hex(n.errorCode), hex(e.errorCode));
    }
    if (n.vector === 14 && n.cr2 !== e.cr2) add('cr2', hex(n.cr2), hex(e.cr2));
  }
  if (nrip !== e.rip) add('rip', hex(nrip), hex(e.rip));
  const atEnd = n.outcome === 'ok';
  const undefFlags = BigInt(undefinedFlagsAt(c, atEnd ? 'end' : Number(nrip - codeBase)));
  const fmask = FLAGS_COMPARED & ~undefFlags;
  if ((n.rflags & fmask) !== (e.rflags & fmask)) {
    add(`rflags (mask ${hex(fmask)})`, hex(n.rflags & fmask), hex(e.rflags & fmask));
  }
  const nregs = c.bits === 64 ? 16 : 8;
  const width = c.bits === 64 ? 0xffffffffffffffffn : 0xffffffffn;
  for (let r = 0; r < nregs; r++) {
    let m = width;
    if (atEnd) for (const u of c.undefRegs) if (u.reg === r) m &= ~u.mask;
    if ((n.gpr[r] & m) !== (e.gpr[r] & m)) add(regName(r, c.bits), hex(n.gpr[r] & m), hex(e.gpr[r] & m));
  }
  const offsets = new Set([...n.memChanges.keys(), ...e.memChanges.keys()]);
  const bad: number[] = [];
  for (const o of offsets) if (n.memChanges.get(o) !== e.memChanges.get(o)) bad.push(o);
  if (bad.length > 0) {
    bad.sort((a, b) => a - b);
    const show = (r: RunResult): string => bad.slice(0, 16).map((o) => {
      const v = r.memChanges.get(o);
      return v === undefined ? '..' : v.toString(16).padStart(2, '0');
    }).join(' ');
    add(`memory @0x${(DATA_BASE + BigInt(bad[0])).toString(16)} (${bad.length} bytes differ${bad.length > 16 ? ', first 16' : ''})`,
      show(n), show(e));
  }
  return diffs;
}

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
export function regName(r: number, bits: number): string {
  return bits === 64 ? R64[r] : 'e' + R64[r].slice(1);
}

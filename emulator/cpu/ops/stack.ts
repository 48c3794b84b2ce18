/**
 * Stack operations. Stack width comes from the mode (64-bit) or SS.B (32 vs 16 bit).
 * Pushes write before committing rSP; pops read, and callers commit with stackCommit()
 * only after every check that can fault, so faults leave rSP untouched.
 */
import type { Cpu } from '../cpu';
import { ATTR_DB, SS } from '../constants';
import { linearOf } from '../ea';
import type { Handler } from '../insn';
import { rdE, rdE64, wrE, wrE64 } from '../operands';

/** New stack pointer after moving it by delta (lo; hi in cpu.tmpHi). Does not commit. */
function movedSp(cpu: Cpu, delta: number): number {
  if (cpu.in64) {
    const lo = cpu.regLo[4];
    const n = (lo + delta) | 0;
    const carry = delta >= 0 ? ((n >>> 0) < (lo >>> 0) ? 1 : 0) : ((n >>> 0) > (lo >>> 0) ? -1 : 0);
    cpu.tmpHi = (cpu.regHi[4] + carry) | 0;
    return n;
  }
  cpu.tmpHi = 0;
  return (cpu.segAttr[SS] & ATTR_DB) ? (cpu.regLo[4] + delta) | 0 : (cpu.regLo[4] + delta) & 0xffff;
}

/** Sets rSP to lo/hi with the stack width's semantics (16-bit stacks keep the upper bits). */
export function setSp(cpu: Cpu, lo: number, hi: number): void {
  if (cpu.in64) { cpu.regLo[4] = lo; cpu.regHi[4] = hi; }
  else if (cpu.segAttr[SS] & ATTR_DB) cpu.set32(4, lo);
  else cpu.set16(4, lo);
}

/** Linear address of SS:sp. */
function stackLinear(cpu: Cpu, spLo: number, spHi: number, size: number): number {
  cpu.stackAccess = true;
  const lo = linearOf(cpu, SS, spLo, spHi, size);
  return lo;
}

export function push(cpu: Cpu, size: number, v: number, vHi = 0): void {
  const nLo = movedSp(cpu, -size), nHi = cpu.tmpHi;
  const lo = stackLinear(cpu, nLo, nHi, size);
  if (size === 8) cpu.wr64(lo, cpu.eaHi, v, vHi); else cpu.wrN(size, lo, cpu.eaHi, v);
  cpu.stackAccess = false;
  setSp(cpu, nLo, nHi);
}

/** Reads the stack at rSP + offset without moving rSP (size 8: hi in tmpHi). */
export function peek(cpu: Cpu, size: number, offset = 0): number {
  const aLo = movedSp(cpu, offset), aHi = cpu.tmpHi;
  const lo = stackLinear(cpu, aLo, aHi, size);
  const v = size === 8 ? cpu.rd64(lo, cpu.eaHi) : cpu.rdN(size, lo, cpu.eaHi);
  cpu.stackAccess = false;
  return v;
}

/** Moves rSP by delta (commit after pops). */
export function stackCommit(cpu: Cpu, delta: number): void {
  const lo = movedSp(cpu, delta);
  setSp(cpu, lo, cpu.tmpHi);
}

export function pop(cpu: Cpu, size: number): number {
  const v = peek(cpu, size);
  const hi = cpu.tmpHi;
  stackCommit(cpu, size);
  cpu.tmpHi = hi;
  return v;
}

export function pushZ(size: number): Handler {
  return (cpu, i) => { push(cpu, size, size === 8 ? cpu.regLo[i.reg] : cpu.getN(size, i.reg), cpu.regHi[i.reg]); };
}

export function popZ(size: number): Handler {
  return (cpu, i) => {
    const v = pop(cpu, size);
    if (size === 8) { cpu.regLo[i.reg] = v; cpu.regHi[i.reg] = cpu.tmpHi; } else cpu.setN(size, i.reg, v);
  };
}

export function pushI(size: number): Handler {
  return (cpu, i) => { push(cpu, size, i.imm, i.immHi); };
}

export function pushE(size: number): Handler {
  return (cpu, i) => {
    if (size === 8) { const lo = rdE64(cpu, i); push(cpu, 8, lo, cpu.tmpHi); }
    else push(cpu, size, rdE(cpu, i));
  };
}

/** 8F /0: pop r/m. The address is computed with rSP already incremented. */
export function popE(size: number): Handler {
  return (cpu, i) => {
    const v = peek(cpu, size), vHi = cpu.tmpHi;
    const oldLo = cpu.regLo[4], oldHi = cpu.regHi[4];
    stackCommit(cpu, size);
    try {
      if (size === 8) wrE64(cpu, i, v, vHi); else wrE(cpu, i, v);
    } catch (e) {
      cpu.regLo[4] = oldLo; cpu.regHi[4] = oldHi;
      throw e;
    }
  };
}

/** c9: leave: rSP = rBP, then pop rBP. */
export function leave(size: number): Handler {
  return (cpu) => {
    const oldLo = cpu.regLo[4], oldHi = cpu.regHi[4];
    setSp(cpu, cpu.regLo[5], cpu.regHi[5]);
    let v: number;
    try { v = pop(cpu, size); } catch (e) { cpu.regLo[4] = oldLo; cpu.regHi[4] = oldHi; throw e; }
    if (size === 8) { cpu.regLo[5] = v; cpu.regHi[5] = cpu.tmpHi; } else cpu.setN(size, 5, v);
  };
}

/** c8: enter imm16, imm8 (nesting level mod 32). */
export function enter(size: number): Handler {
  return (cpu, i) => {
    const level = i.imm2 & 31;
    const saveLo = cpu.regLo[4], saveHi = cpu.regHi[4], bpLo = cpu.regLo[5], bpHi = cpu.regHi[5];
    try {
      push(cpu, size, size === 8 ? bpLo : cpu.getN(size, 5), bpHi);
      const frameLo = cpu.regLo[4], frameHi = cpu.regHi[4];
      if (level > 0) {
        let tLo = bpLo, tHi = bpHi;
        for (let k = 1; k < level; k++) {
          // Copy the enclosing frame pointers from the old frame.
          tLo = size === 8 ? addSigned(cpu, tLo, tHi, -size) : ((tLo - size) | 0);
          tHi = size === 8 ? cpu.tmpHi : 0;
          const a = linearOf(cpu, SS, size === 4 || size === 8 ? tLo : tLo & 0xffff, tHi, size);
          const v = size === 8 ? cpu.rd64(a, cpu.eaHi) : cpu.rdN(size, a, cpu.eaHi);
          push(cpu, size, v, cpu.tmpHi);
        }
        push(cpu, size, frameLo, frameHi);
      }
      if (size === 8) { cpu.regLo[5] = frameLo; cpu.regHi[5] = frameHi; } else cpu.setN(size, 5, frameLo);
      stackCommit(cpu, -(i.imm & 0xffff));
    } catch (e) {
      cpu.regLo[4] = saveLo; cpu.regHi[4] = saveHi; cpu.regLo[5] = bpLo; cpu.regHi[5] = bpHi;
      throw e;
    }
  };
}

function addSigned(cpu: Cpu, lo: number, hi: number, d: number): number {
  const n = (lo + d) | 0;
  cpu.tmpHi = (hi + (d < 0 ? ((n >>> 0) > (lo >>> 0) ? -1 : 0) : ((n >>> 0) < (lo >>> 0) ? 1 : 0))) | 0;
  return n;
}

/** 60: pusha/pushad (not in 64-bit mode). */
export function pusha(size: number): Handler {
  return (cpu) => {
    const sp = cpu.getN(size, 4);
    const saveLo = cpu.regLo[4];
    try {
      for (let r = 0; r < 8; r++) push(cpu, size, r === 4 ? sp : cpu.getN(size, r));
    } catch (e) { cpu.regLo[4] = saveLo; throw e; }
  };
}

/** 61: popa/popad: the saved rSP is discarded. */
export function popa(size: number): Handler {
  return (cpu) => {
    const vals: number[] = [];
    for (let k = 0; k < 8; k++) vals.push(peek(cpu, size, k * size));
    for (let r = 7; r >= 0; r--) if (r !== 4) cpu.setN(size, r, vals[7 - r]);
    stackCommit(cpu, 8 * size);
  };
}

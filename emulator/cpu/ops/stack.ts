/**
 * Stack operations. Stack width comes from the mode (64-bit) or SS.B (32 vs 16 bit).
 * Pushes write before committing rSP; pops read, and callers commit with stackCommit()
 * only after every check that can fault, so faults leave rSP untouched.
 */
import type { Cpu } from '../cpu';
import { ATTR_DB, SS, SS_VEC } from '../constants';
import { CpuFault } from '../fault';
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
  // Outside 64-bit mode an access that runs past 4 GiB exceeds any SS limit.
  if (!cpu.in64 && (spLo >>> 0) + size > 0x100000000) throw new CpuFault(SS_VEC, 0, 0, 0, 'stack access wraps at 4 GiB');
  const lo = linearOf(cpu, SS, spLo, spHi, size);
  return lo;
}

export function push(cpu: Cpu, size: number, v: number, vHi = 0): void {
  const nLo = movedSp(cpu, -size), nHi = cpu.tmpHi;
  const lo = stackLinear(cpu, nLo, nHi, size);
  if (size === 8) cpu.wr64(lo, cpu.eaHi, v, vHi); else cpu.wrN(size, lo, cpu.eaHi, v);
  setSp(cpu, nLo, nHi);
}

/** Reads the stack at rSP + offset without moving rSP (size 8: hi in tmpHi). */
export function peek(cpu: Cpu, size: number, offset = 0): number {
  const aLo = movedSp(cpu, offset), aHi = cpu.tmpHi;
  const lo = stackLinear(cpu, aLo, aHi, size);
  const v = size === 8 ? cpu.rd64(lo, cpu.eaHi) : cpu.rdN(size, lo, cpu.eaHi);
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

/** Checks that `size` bytes at SS:rSP+offset are writable, without writing (so later pushes cannot fault). */
function probeStackWrite(cpu: Cpu, offset: number, size: number): void {
  const aLo = movedSp(cpu, offset), aHi = cpu.tmpHi;
  const lo = stackLinear(cpu, aLo, aHi, size);
  if (size === 8) cpu.rdw64(lo, cpu.eaHi); else cpu.rdwN(size, lo, cpu.eaHi);
}

/** Width of stack addresses: 8 in 64-bit mode, else 4 or 2 by SS.B. */
function stackAddrSize(cpu: Cpu): number {
  return cpu.in64 ? 8 : (cpu.segAttr[SS] & ATTR_DB) ? 4 : 2;
}

/**
 * c8: enter imm16, imm8 (nesting level mod 32). The pushes happen in order, as on hardware (a
 * later fault can leave earlier pushes written below rSP); rSP and rBP are committed only once
 * every access, including the check of the final rSP, has succeeded. The enclosing frame
 * pointers are read through rBP at the stack-address size.
 */
export function enter(size: number): Handler {
  return (cpu, i) => {
    const level = i.imm2 & 31;
    const alloc = i.imm & 0xffff;
    const as = stackAddrSize(cpu);
    const saveLo = cpu.regLo[4], saveHi = cpu.regHi[4], bpLo = cpu.regLo[5], bpHi = cpu.regHi[5];
    try {
      push(cpu, size, size === 8 ? bpLo : cpu.getN(size, 5), bpHi);
      const frameLo = cpu.regLo[4], frameHi = cpu.regHi[4];
      if (level > 0) {
        let tLo = bpLo, tHi = as === 8 ? bpHi : 0;
        for (let k = 1; k < level; k++) {
          if (as === 8) { tLo = addSigned(cpu, tLo, tHi, -size); tHi = cpu.tmpHi; }
          else tLo = as === 4 ? (tLo - size) | 0 : (tLo - size) & 0xffff;
                  const a = linearOf(cpu, SS, tLo, tHi, size);
          const v = size === 8 ? cpu.rd64(a, cpu.eaHi) : cpu.rdN(size, a, cpu.eaHi);
                  push(cpu, size, v, cpu.tmpHi);
        }
        push(cpu, size, frameLo, frameHi);
      }
      probeStackWrite(cpu, -alloc, size);
      if (size === 8) { cpu.regLo[5] = frameLo; cpu.regHi[5] = frameHi; } else cpu.setN(size, 5, frameLo);
      stackCommit(cpu, -alloc);
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

/** 60: pusha/pushad (not in 64-bit mode); all eight slots are checked before the first write. */
export function pusha(size: number): Handler {
  return (cpu) => {
    const sp = cpu.getN(size, 4);
    for (let k = 1; k <= 8; k++) probeStackWrite(cpu, -k * size, size);
    for (let r = 0; r < 8; r++) push(cpu, size, r === 4 ? sp : cpu.getN(size, r));
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

/**
 * String instructions (movs, stos, lods, cmps, scas) with rep/repe/repne. Every iteration
 * commits rCX/rSI/rDI, so a fault in the middle leaves them at the faulting iteration and
 * the instruction restarts from there. Long repeats are cut into chunks (and single
 * iterations under TF or a pending stop) by leaving RIP on the instruction.
 */
import type { Cpu } from '../cpu';
import { DF } from '../constants';
import { linearOf } from '../ea';
import type { Handler, Insn } from '../insn';
import { checkSegWritable } from '../operands';
import { alu, alu64, CMP } from './alu';

/** Iterations executed before a repeated instruction yields to the run loop. */
const REP_CHUNK = 1024;

/** Index register value by address size (lo; hi in cpu.tmpHi). */
export function indexReg(cpu: Cpu, r: number, addrSize: number): number {
  if (addrSize === 8) { cpu.tmpHi = cpu.regHi[r]; return cpu.regLo[r]; }
  cpu.tmpHi = 0;
  return addrSize === 4 ? cpu.regLo[r] : cpu.regLo[r] & 0xffff;
}

/** Adds delta to an index register at the address size. */
export function stepReg(cpu: Cpu, r: number, addrSize: number, delta: number): void {
  if (addrSize === 8) {
    const lo = cpu.regLo[r];
    const n = (lo + delta) | 0;
    if (delta > 0 ? (n >>> 0) < (lo >>> 0) : (n >>> 0) > (lo >>> 0)) cpu.regHi[r] = (cpu.regHi[r] + (delta > 0 ? 1 : -1)) | 0;
    cpu.regLo[r] = n;
  } else if (addrSize === 4) cpu.set32(r, (cpu.regLo[r] + delta) | 0);
  else cpu.set16(r, cpu.regLo[r] + delta);
}

/** Whether rCX (at the address size) is zero. */
export function countIsZero(cpu: Cpu, addrSize: number): boolean {
  if (addrSize === 8) return (cpu.regLo[1] | cpu.regHi[1]) === 0;
  return addrSize === 4 ? cpu.regLo[1] === 0 : (cpu.regLo[1] & 0xffff) === 0;
}

/** Linear address of an implicit string operand. */
export function strAddr(cpu: Cpu, seg: number, r: number, i: Insn, size: number): number {
  const lo = indexReg(cpu, r, i.addrSize);
  return linearOf(cpu, seg, lo, cpu.tmpHi, size);
}

/** Reads `size` bytes at lo/hi (size 8: lo returned, hi in tmpHi). */
function rd(cpu: Cpu, size: number, lo: number, hi: number): number {
  return size === 8 ? cpu.rd64(lo, hi) : cpu.rdN(size, lo, hi);
}
function wr(cpu: Cpu, size: number, lo: number, hi: number, v: number, vHi: number): void {
  if (size === 8) cpu.wr64(lo, hi, v, vHi); else cpu.wrN(size, lo, hi, v);
}

type Kind = 'movs' | 'stos' | 'lods' | 'cmps' | 'scas';

/** One iteration; returns false when a repe/repne condition ends the repeat. */
function iterate(cpu: Cpu, i: Insn, kind: Kind, size: number, delta: number): boolean {
  switch (kind) {
    case 'movs': {
      checkSegWritable(cpu, 0);
      const sLo = strAddr(cpu, i.seg, 6, i, size), sHi = cpu.eaHi;
      const v = rd(cpu, size, sLo, sHi), vHi = cpu.tmpHi;
      const dLo = strAddr(cpu, 0, 7, i, size), dHi = cpu.eaHi;
      wr(cpu, size, dLo, dHi, v, vHi);
      stepReg(cpu, 6, i.addrSize, delta);
      stepReg(cpu, 7, i.addrSize, delta);
      return true;
    }
    case 'stos': {
      checkSegWritable(cpu, 0);
      const dLo = strAddr(cpu, 0, 7, i, size), dHi = cpu.eaHi;
      if (size === 8) cpu.wr64(dLo, dHi, cpu.regLo[0], cpu.regHi[0]); else cpu.wrN(size, dLo, dHi, cpu.getN(size, 0));
      stepReg(cpu, 7, i.addrSize, delta);
      return true;
    }
    case 'lods': {
      const sLo = strAddr(cpu, i.seg, 6, i, size), sHi = cpu.eaHi;
      const v = rd(cpu, size, sLo, sHi);
      if (size === 8) { cpu.regLo[0] = v; cpu.regHi[0] = cpu.tmpHi; } else cpu.setN(size, 0, v);
      stepReg(cpu, 6, i.addrSize, delta);
      return true;
    }
    case 'cmps': {
      const sLo = strAddr(cpu, i.seg, 6, i, size), sHi = cpu.eaHi;
      const a = rd(cpu, size, sLo, sHi), aHi = cpu.tmpHi;
      const dLo = strAddr(cpu, 0, 7, i, size), dHi = cpu.eaHi;
      const b = rd(cpu, size, dLo, dHi), bHi = cpu.tmpHi;
      if (size === 8) alu64(cpu, CMP, a, aHi, b, bHi); else alu(cpu, CMP, size, a, b);
      stepReg(cpu, 6, i.addrSize, delta);
      stepReg(cpu, 7, i.addrSize, delta);
      return i.rep === 0 || (cpu.getZF() === 1) === (i.rep === 1);
    }
    default: { // scas
      const dLo = strAddr(cpu, 0, 7, i, size), dHi = cpu.eaHi;
      const b = rd(cpu, size, dLo, dHi), bHi = cpu.tmpHi;
      if (size === 8) alu64(cpu, CMP, cpu.regLo[0], cpu.regHi[0], b, bHi); else alu(cpu, CMP, size, cpu.getN(size, 0), b);
      stepReg(cpu, 7, i.addrSize, delta);
      return i.rep === 0 || (cpu.getZF() === 1) === (i.rep === 1);
    }
  }
}

/** One iteration of a string operation; false ends a repe/repne repeat. */
export type Iteration = (cpu: Cpu, i: Insn, size: number, delta: number) => boolean;

/** Runs a (possibly repeated) string operation, with `body` doing one iteration. */
export function repeat(cpu: Cpu, i: Insn, body: Iteration, size: number, delta: number): void {
  if (i.rep === 0) { body(cpu, i, size, delta); return; }
  const chunk = cpu.singleIteration() ? 1 : REP_CHUNK;
  for (let n = 0; n < chunk; n++) {
    if (countIsZero(cpu, i.addrSize)) return;
    const keepGoing = body(cpu, i, size, delta);
    stepReg(cpu, 1, i.addrSize, -1);
    if (!keepGoing || countIsZero(cpu, i.addrSize)) return;
    if (cpu.attention !== 0) break;
  }
  // Not finished: leave RIP on this instruction so it resumes where it stopped.
  cpu.ripLo = cpu.curLo;
  cpu.ripHi = cpu.curHi;
}

export function stringOp(kind: Kind, size: number): Handler {
  const body: Iteration = (c, ins, s, d) => iterate(c, ins, kind, s, d);
  return (cpu, i) => { repeat(cpu, i, body, size, (cpu.flags & DF) ? -size : size); };
}

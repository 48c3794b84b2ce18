/**
 * Operand access shared by instruction handlers: the ModRM "E" operand (register or memory)
 * at operand sizes 1/2/4 (int32 for 4) and 8 (lo returned, hi in cpu.tmpHi).
 * Read-modify-write forms keep the translated address in cpu.opLo/opHi for the write-back.
 */
import type { Cpu } from './cpu';
import type { Insn } from './insn';
import { gp } from './fault';

export function rdE(cpu: Cpu, i: Insn): number {
  if (i.rm >= 0) return cpu.getN(i.size, i.rm);
  const lo = i.ea(cpu, i);
  return cpu.rdN(i.size, lo, cpu.eaHi);
}

/** Reads E for an instruction that will write it back (checks write permission on memory). */
/** #GP(0) for a write through a read-only or code segment (32-bit modes). */
export function checkSegWritable(cpu: Cpu, seg: number): void {
  if ((cpu.segReadOnlyMask >> seg) & 1) throw gp(0, `write through a read-only segment (${'ECSDFG'[seg]}S)`);
}

export function rdEw(cpu: Cpu, i: Insn): number {
  if (i.rm >= 0) return cpu.getN(i.size, i.rm);
  checkSegWritable(cpu, i.seg);
  const lo = i.ea(cpu, i);
  cpu.opLo = lo;
  cpu.opHi = cpu.eaHi;
  return cpu.rdwN(i.size, lo, cpu.opHi);
}

/** Writes E after rdEw. */
export function wrEw(cpu: Cpu, i: Insn, v: number): void {
  if (i.rm >= 0) cpu.setN(i.size, i.rm, v);
  else cpu.wrN(i.size, cpu.opLo, cpu.opHi, v);
}

/** Writes E without a prior read. */
export function wrE(cpu: Cpu, i: Insn, v: number): void {
  if (i.rm >= 0) cpu.setN(i.size, i.rm, v);
  else { checkSegWritable(cpu, i.seg); const lo = i.ea(cpu, i); cpu.wrN(i.size, lo, cpu.eaHi, v); }
}

export function rdE64(cpu: Cpu, i: Insn): number {
  if (i.rm >= 0) { cpu.tmpHi = cpu.regHi[i.rm]; return cpu.regLo[i.rm]; }
  const lo = i.ea(cpu, i);
  return cpu.rd64(lo, cpu.eaHi);
}

export function rdEw64(cpu: Cpu, i: Insn): number {
  if (i.rm >= 0) { cpu.tmpHi = cpu.regHi[i.rm]; return cpu.regLo[i.rm]; }
  checkSegWritable(cpu, i.seg);
  const lo = i.ea(cpu, i);
  cpu.opLo = lo;
  cpu.opHi = cpu.eaHi;
  return cpu.rdw64(lo, cpu.opHi);
}

export function wrEw64(cpu: Cpu, i: Insn, lo: number, hi: number): void {
  if (i.rm >= 0) { cpu.regLo[i.rm] = lo; cpu.regHi[i.rm] = hi; }
  else cpu.wr64(cpu.opLo, cpu.opHi, lo, hi);
}

export function wrE64(cpu: Cpu, i: Insn, lo: number, hi: number): void {
  if (i.rm >= 0) { cpu.regLo[i.rm] = lo; cpu.regHi[i.rm] = hi; }
  else { checkSegWritable(cpu, i.seg); const a = i.ea(cpu, i); cpu.wr64(a, cpu.eaHi, lo, hi); }
}

/** Reads E at a size other than the instruction's operand size (movzx, movsx, mov sreg). */
export function rdESized(cpu: Cpu, i: Insn, size: number): number {
  if (i.rm >= 0) return cpu.getN(size, i.rm);
  const lo = i.ea(cpu, i);
  return cpu.rdN(size, lo, cpu.eaHi);
}

/** Writes E at a size other than the operand size (setcc, mov r/m16 from sreg to memory). */
export function wrESized(cpu: Cpu, i: Insn, size: number, v: number): void {
  if (i.rm >= 0) cpu.setN(size, i.rm, v);
  else { checkSegWritable(cpu, i.seg); const lo = i.ea(cpu, i); cpu.wrN(size, lo, cpu.eaHi, v); }
}

/** Mask of an operand size in bytes 1, 2 or 4 (4 → all 32 bits). */
export function sizeMask(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
}

/** Sign-extends a value of size 1/2/4 to int32. */
export function sext(size: number, v: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}

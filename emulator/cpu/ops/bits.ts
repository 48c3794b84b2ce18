/** Bit test and scan: bt/bts/btr/btc, bsf/bsr, tzcnt/lzcnt, popcnt. */
import type { Cpu } from '../cpu';
import { CF, OF, PF, SF, AF, ZF } from '../constants';
import type { Handler } from '../insn';
import type { Insn } from '../insn';
import { linearOf } from '../ea';
import { checkSegWritable, rdE, rdE64, sizeMask } from '../operands';

export const BT = 0, BTS = 1, BTR = 2, BTC = 3;

function setCfOnly(cpu: Cpu, bit: number): void {
  cpu.materializeFlags();
  cpu.fmat = (cpu.fmat & ~CF) | bit;
}

function modify(op: number, v: number, mask: number): number {
  return op === BTS ? v | mask : op === BTR ? v & ~mask : op === BTC ? v ^ mask : v;
}

/**
 * bt* r/m, r (fromReg) or r/m, imm8. With a register offset and a memory operand the offset
 * is signed and selects a different word: address + (offset >> log2(bits)) * size.
 */
export function bitTest(op: number, size: number, fromReg: boolean): Handler {
  const bits = size * 8;
  const shift = size === 8 ? 6 : size === 4 ? 5 : 4;
  return (cpu, i) => {
    let offLo: number, offHi: number;
    if (fromReg) {
      offLo = size === 2 ? (cpu.regLo[i.reg] << 16) >> 16 : cpu.regLo[i.reg];
      offHi = size === 8 ? cpu.regHi[i.reg] : offLo >> 31;
    } else { offLo = i.imm & (bits - 1); offHi = 0; }
    const bitNo = offLo & (bits - 1);
    if (i.rm >= 0) {
      testRegister(cpu, i, op, size, bitNo);
      return;
    }
    if (op !== BT) checkSegWritable(cpu, i.seg);
    let lo: number, hi: number;
    if (fromReg) {
      // The offset (no segment yet) plus the byte displacement (offset >> shift) << log2(size),
      // wrapped at the address size, then the segment.
      const seg = i.seg;
      i.seg = 8;
      let aLo = i.ea(cpu, i), aHi = cpu.eaHi;
      i.seg = seg;
      const dLo = shift === 6 ? ((offLo >>> 6) | (offHi << 26)) << 3 : (offLo >> shift) * size;
      const dHi = shift === 6 ? offHi >> 3 : dLo < 0 ? -1 : 0;
      const sum = (aLo + dLo) | 0;
      aHi = (aHi + dHi + ((sum >>> 0) < (aLo >>> 0) ? 1 : 0)) | 0;
      aLo = sum;
      if (i.addrSize === 4) aHi = 0;
      else if (i.addrSize === 2) { aLo &= 0xffff; aHi = 0; }
      lo = linearOf(cpu, seg, aLo, aHi, size);
      hi = cpu.eaHi;
    } else {
      lo = i.ea(cpu, i);
      hi = cpu.eaHi;
    }
    if (size === 8) {
      const vLo = op === BT ? cpu.rd64(lo, hi) : cpu.rdw64(lo, hi);
      const vHi = cpu.tmpHi;
      const inHi = bitNo >= 32;
      const m = 1 << (bitNo & 31);
      const bit = ((inHi ? vHi : vLo) & m) !== 0 ? 1 : 0;
      if (op !== BT) cpu.wr64(lo, hi, inHi ? vLo : modify(op, vLo, m), inHi ? modify(op, vHi, m) : vHi);
      setCfOnly(cpu, bit);
      return;
    }
    const v = op === BT ? cpu.rdN(size, lo, hi) : cpu.rdwN(size, lo, hi);
    const m = 1 << bitNo;
    const bit = (v & m) !== 0 ? 1 : 0;
    if (op !== BT) cpu.wrN(size, lo, hi, modify(op, v, m) & sizeMask(size));
    setCfOnly(cpu, bit);
  };
}

function testRegister(cpu: Cpu, i: Insn, op: number, size: number, bitNo: number): void {
  const r = i.rm;
  if (size === 8) {
    const inHi = bitNo >= 32;
    const m = 1 << (bitNo & 31);
    const v = inHi ? cpu.regHi[r] : cpu.regLo[r];
    setCfOnly(cpu, (v & m) !== 0 ? 1 : 0);
    if (op !== BT) { if (inHi) cpu.regHi[r] = modify(op, v, m); else cpu.regLo[r] = modify(op, v, m); }
    return;
  }
  const v = cpu.getN(size, r);
  const m = 1 << bitNo;
  setCfOnly(cpu, (v & m) !== 0 ? 1 : 0);
  if (op !== BT) cpu.setN(size, r, modify(op, v, m) & sizeMask(size));
}

function ctz32(v: number): number { return v === 0 ? 32 : 31 - Math.clz32(v & -v); }
function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function readSrc(cpu: Cpu, i: Insn, size: number): [number, number] {
  if (size === 8) { const lo = rdE64(cpu, i); return [lo, cpu.tmpHi]; }
  return [rdE(cpu, i) & sizeMask(size), 0];
}

function writeDst(cpu: Cpu, i: Insn, size: number, v: number): void {
  if (size === 8) { cpu.regLo[i.reg] = v; cpu.regHi[i.reg] = 0; } else cpu.setN(size, i.reg, v);
}

/** bsf / bsr: ZF=1 and the destination unchanged for a zero source. */
export function bitScan(reverse: boolean, size: number): Handler {
  return (cpu, i) => {
    const [lo, hi] = readSrc(cpu, i, size);
    cpu.materializeFlags();
    if ((lo | hi) === 0) { cpu.fmat |= ZF; return; }
    cpu.fmat &= ~ZF;
    let n: number;
    if (reverse) n = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
    else n = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
    writeDst(cpu, i, size, n);
  };
}

/** tzcnt / lzcnt: CF = source was zero, ZF = result is zero. */
export function countZeros(leading: boolean, size: number): Handler {
  const bits = size * 8;
  return (cpu, i) => {
    const [lo, hi] = readSrc(cpu, i, size);
    let n: number;
    if (size === 8) n = leading ? (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo)) : (lo !== 0 ? ctz32(lo) : 32 + ctz32(hi));
    else n = leading ? Math.clz32(lo) - (32 - bits) : Math.min(ctz32(lo), bits);
    writeDst(cpu, i, size, n);
    cpu.materializeFlags();
    cpu.fmat = (cpu.fmat & ~(CF | ZF)) | (n === bits ? CF : 0) | (n === 0 ? ZF : 0);
  };
}

export function popcnt(size: number): Handler {
  return (cpu, i) => {
    const [lo, hi] = readSrc(cpu, i, size);
    const n = popcount32(lo) + popcount32(hi);
    writeDst(cpu, i, size, n);
    cpu.materializeFlags();
    cpu.fmat = (cpu.fmat & ~(CF | OF | SF | AF | PF | ZF)) | ((lo | hi) === 0 ? ZF : 0);
  };
}

/**
 * Shifts and rotates (group 2), shld/shrd. A masked count of zero changes nothing, flags
 * included. Flags the SDM leaves undefined are given Intel's observed values where known
 * (AF = 0; OF computed by the count-1 formula).
 */
import type { Cpu } from '../cpu';
import { CF, OF } from '../constants';
import { PARITY } from '../flags';
import type { Handler } from '../insn';
import { rdEw, rdEw64, sext, sizeMask, wrEw, wrEw64 } from '../operands';

export const ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7;
export const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

function resultFlags(size: number, r: number, rHi: number, cf: number, of: number): number {
  const zero = size === 8 ? (r | rHi) === 0 : (r & sizeMask(size)) === 0;
  const sign = size === 8 ? rHi >>> 31 : (r >>> (size * 8 - 1)) & 1;
  return cf | (PARITY[r & 0xff] << 2) | (zero ? 0x40 : 0) | (sign << 7) | (of ? OF : 0);
}

function setRotateFlags(cpu: Cpu, cf: number, of: number): void {
  cpu.materializeFlags();
  cpu.fmat = (cpu.fmat & ~(CF | OF)) | cf | (of ? OF : 0);
}

/** Shift/rotate a 1/2/4-byte value by a non-zero masked count; sets flags. */
function shift32(cpu: Cpu, op: number, size: number, v: number, count: number): number {
  const bits = size * 8;
  const mask = sizeMask(size);
  const msb = (x: number): number => (x >>> (bits - 1)) & 1;
  let r: number, cf: number;
  switch (op) {
    case ROL: {
      const c = count & (bits - 1);
      r = c === 0 ? v : ((v << c) | ((v & mask) >>> (bits - c))) & mask;
      cf = r & 1;
      setRotateFlags(cpu, cf, msb(r) ^ cf);
      return r;
    }
    case ROR: {
      const c = count & (bits - 1);
      r = c === 0 ? v : (((v & mask) >>> c) | (v << (bits - c))) & mask;
      cf = msb(r);
      setRotateFlags(cpu, cf, cf ^ ((r >>> (bits - 2)) & 1));
      return r;
    }
    case RCL: {
      const c = size === 4 ? count : count % (bits + 1);
      cf = cpu.getCF();
      r = v & mask;
      for (let k = 0; k < c; k++) { const out = msb(r); r = ((r << 1) | cf) & mask; cf = out; }
      setRotateFlags(cpu, cf, msb(r) ^ cf);
      return r;
    }
    case RCR: {
      const c = size === 4 ? count : count % (bits + 1);
      cf = cpu.getCF();
      r = v & mask;
      const of = msb(r) ^ cf;
      for (let k = 0; k < c; k++) { const out = r & 1; r = ((r >>> 1) | (cf << (bits - 1))) & mask; cf = out; }
      setRotateFlags(cpu, cf, c === 0 ? cpu.getOF() : of);
      return r;
    }
    case SHL: case SAL:
      r = count < 32 ? (v << count) & mask : 0;
      cf = count <= bits ? ((v & mask) >>> (bits - count)) & 1 : 0;
      cpu.setFlagsMat(resultFlags(size, r, 0, cf, msb(r) ^ cf));
      return r;
    case SHR:
      r = count < 32 ? ((v & mask) >>> count) & mask : 0;
      cf = count <= 32 ? ((v & mask) >>> (count - 1)) & 1 : 0;
      cpu.setFlagsMat(resultFlags(size, r, 0, cf, msb(v)));
      return r;
    default: { // SAR
      const sv = sext(size, v);
      r = (sv >> Math.min(count, 31)) & mask;
      cf = (sv >> Math.min(count - 1, 31)) & 1;
      cpu.setFlagsMat(resultFlags(size, r, 0, cf, 0));
      return r;
    }
  }
}

/** 64-bit shift helpers on lo/hi; results in out[0], out[1]. */
function shl64(lo: number, hi: number, c: number, out: Int32Array): void {
  if (c === 0) { out[0] = lo; out[1] = hi; }
  else if (c < 32) { out[1] = (hi << c) | (lo >>> (32 - c)); out[0] = lo << c; }
  else if (c < 64) { out[1] = lo << (c - 32); out[0] = 0; }
  else { out[0] = 0; out[1] = 0; }
}
function shr64(lo: number, hi: number, c: number, out: Int32Array): void {
  if (c === 0) { out[0] = lo; out[1] = hi; }
  else if (c < 32) { out[0] = (lo >>> c) | (hi << (32 - c)); out[1] = hi >>> c; }
  else if (c < 64) { out[0] = hi >>> (c - 32); out[1] = 0; }
  else { out[0] = 0; out[1] = 0; }
}
function sar64(lo: number, hi: number, c: number, out: Int32Array): void {
  if (c === 0) { out[0] = lo; out[1] = hi; }
  else if (c < 32) { out[0] = (lo >>> c) | (hi << (32 - c)); out[1] = hi >> c; }
  else { out[0] = hi >> Math.min(c - 32, 31); out[1] = hi >> 31; }
}
/** Bit n (0..63) of a lo/hi pair. */
function bit64(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}

const t1 = new Int32Array(2);
const t2 = new Int32Array(2);

/** 64-bit shift/rotate by a non-zero masked count (1..63); result lo returned, hi in cpu.tmpHi. */
function shift64(cpu: Cpu, op: number, lo: number, hi: number, count: number): number {
  let cf: number;
  switch (op) {
    case ROL: case ROR: {
      const c = op === ROL ? count : 64 - count;
      shl64(lo, hi, c, t1);
      shr64(lo, hi, 64 - c, t2);
      const rLo = t1[0] | t2[0], rHi = t1[1] | t2[1];
      if (op === ROL) { cf = rLo & 1; setRotateFlags(cpu, cf, (rHi >>> 31) ^ cf); }
      else { cf = rHi >>> 31; setRotateFlags(cpu, cf, cf ^ ((rHi >>> 30) & 1)); }
      cpu.tmpHi = rHi;
      return rLo;
    }
    case RCL: case RCR: {
      cf = cpu.getCF();
      let rLo = lo, rHi = hi;
      const of = (hi >>> 31) ^ cf;
      for (let k = 0; k < count; k++) {
        if (op === RCL) {
          const out = rHi >>> 31;
          rHi = (rHi << 1) | (rLo >>> 31); rLo = (rLo << 1) | cf; cf = out;
        } else {
          const out = rLo & 1;
          rLo = (rLo >>> 1) | (rHi << 31); rHi = (rHi >>> 1) | (cf << 31); cf = out;
        }
      }
      setRotateFlags(cpu, cf, op === RCL ? (rHi >>> 31) ^ cf : of);
      cpu.tmpHi = rHi;
      return rLo;
    }
    case SHL: case SAL:
      shl64(lo, hi, count, t1);
      cf = bit64(lo, hi, 64 - count);
      cpu.setFlagsMat(resultFlags(8, t1[0], t1[1], cf, (t1[1] >>> 31) ^ cf));
      break;
    case SHR:
      shr64(lo, hi, count, t1);
      cf = bit64(lo, hi, count - 1);
      cpu.setFlagsMat(resultFlags(8, t1[0], t1[1], cf, hi >>> 31));
      break;
    default:
      sar64(lo, hi, count, t1);
      cf = bit64(lo, hi, count - 1);
      cpu.setFlagsMat(resultFlags(8, t1[0], t1[1], cf, 0));
      break;
  }
  cpu.tmpHi = t1[1];
  return t1[0];
}

/** Group 2 with the count from: 'one', 'imm' or 'cl'. */
export function shiftE(op: number, size: number, countFrom: 'one' | 'imm' | 'cl'): Handler {
  const countMask = size === 8 ? 63 : 31;
  if (size === 8) {
    return (cpu, i) => {
      const count = (countFrom === 'one' ? 1 : countFrom === 'imm' ? i.imm : cpu.regLo[1]) & countMask;
      const lo = rdEw64(cpu, i), hi = cpu.tmpHi;
      if (count === 0) return;
      const r = shift64(cpu, op, lo, hi, count);
      wrEw64(cpu, i, r, cpu.tmpHi);
    };
  }
  return (cpu, i) => {
    const count = (countFrom === 'one' ? 1 : countFrom === 'imm' ? i.imm : cpu.regLo[1]) & countMask;
    const v = rdEw(cpu, i);
    if (count === 0) { if (size === 4 && i.rm >= 0) cpu.regHi[i.rm] = 0; return; }
    wrEw(cpu, i, shift32(cpu, op, size, v, count));
  };
}

/** shld/shrd r/m, r, imm8|cl. */
export function shiftDouble(left: boolean, size: number, countFrom: 'imm' | 'cl'): Handler {
  const countMask = size === 8 ? 63 : 31;
  if (size === 8) {
    return (cpu, i) => {
      const count = (countFrom === 'imm' ? i.imm : cpu.regLo[1]) & countMask;
      const lo = rdEw64(cpu, i), hi = cpu.tmpHi;
      if (count === 0) return;
      const sLo = cpu.regLo[i.reg], sHi = cpu.regHi[i.reg];
      let cf: number;
      if (left) {
        shl64(lo, hi, count, t1); shr64(sLo, sHi, 64 - count, t2);
        cf = bit64(lo, hi, 64 - count);
      } else {
        shr64(lo, hi, count, t1); shl64(sLo, sHi, 64 - count, t2);
        cf = bit64(lo, hi, count - 1);
      }
      const rLo = t1[0] | t2[0], rHi = t1[1] | t2[1];
      cpu.setFlagsMat(resultFlags(8, rLo, rHi, cf, ((rHi ^ hi) >>> 31)));
      wrEw64(cpu, i, rLo, rHi);
    };
  }
  const bits = size * 8;
  const mask = sizeMask(size);
  return (cpu, i) => {
    const count = (countFrom === 'imm' ? i.imm : cpu.regLo[1]) & countMask;
    const d = rdEw(cpu, i) & mask;
    if (count === 0) { if (size === 4 && i.rm >= 0) cpu.regHi[i.rm] = 0; return; }
    const s = cpu.getN(size, i.reg) & mask;
    let r: number, cf: number;
    if (size === 2) {
      // 16-bit: shift through the 32-bit concatenation; counts above 16 are undefined in the SDM.
      if (left) {
        const cat = ((d << 16) | s) >>> 0;
        r = count < 32 ? ((cat << count) >>> 16) & 0xffff : 0;
        cf = count <= 32 ? (cat >>> (32 - count)) & 1 : 0;
      } else {
        const cat = ((s << 16) | d) >>> 0;
        r = (cat >>> count) & 0xffff;
        cf = (cat >>> (count - 1)) & 1;
      }
    } else if (left) {
      r = ((d << count) | (s >>> (bits - count))) & mask;
      cf = (d >>> (bits - count)) & 1;
    } else {
      r = ((d >>> count) | (s << (bits - count))) & mask;
      cf = (d >>> (count - 1)) & 1;
    }
    cpu.setFlagsMat(resultFlags(size, r, 0, cf, ((r ^ d) >>> (bits - 1)) & 1));
    wrEw(cpu, i, r);
  };
}

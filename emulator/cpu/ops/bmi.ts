/** BMI1 (VEX-encoded): andn, bextr, blsr, blsmsk, blsi (SDM vol. 2; CPUID.7.0:EBX[3]). */
import type { Cpu } from '../cpu';
import { CF, PF, SF, ZF } from '../constants';
import { PARITY } from '../flags';
import type { Handler, Insn } from '../insn';
import { rdE, rdE64 } from '../operands';

const t = new Int32Array(2);

function src(cpu: Cpu, i: Insn, size: number): void {
  if (size === 8) { t[0] = rdE64(cpu, i); t[1] = cpu.tmpHi; } else { t[0] = rdE(cpu, i); t[1] = 0; }
}

function put(cpu: Cpu, r: number, size: number, lo: number, hi: number): void {
  if (size === 8) { cpu.regLo[r] = lo; cpu.regHi[r] = hi; } else cpu.set32(r, lo);
}

function flags(cpu: Cpu, size: number, lo: number, hi: number, cf: boolean, zf: boolean): void {
  const sign = size === 8 ? hi >>> 31 : lo >>> 31;
  cpu.setFlagsMat((cf ? CF : 0) | (zf ? ZF : 0) | (sign ? SF : 0) | (PARITY[lo & 0xff] ? PF : 0));
}

export function andn(size: number): Handler {
  return (cpu, i) => {
    src(cpu, i, size);
    const lo = ~cpu.regLo[i.vreg] & t[0], hi = size === 8 ? ~cpu.regHi[i.vreg] & t[1] : 0;
    put(cpu, i.reg, size, lo, hi);
    cpu.setFlagsLogic(size, lo, hi);
  };
}

export function bextr(size: number): Handler {
  const bits = size * 8;
  return (cpu, i) => {
    src(cpu, i, size);
    const ctl = cpu.regLo[i.vreg];
    const start = ctl & 0xff, len = (ctl >>> 8) & 0xff;
    let lo = 0, hi = 0;
    if (start < bits) {
      // shift right by start, then keep len bits
      if (start === 0) { lo = t[0]; hi = t[1]; }
      else if (start < 32) { lo = (t[0] >>> start) | (t[1] << (32 - start)); hi = t[1] >>> start; }
      else { lo = t[1] >>> (start - 32); hi = 0; }
      if (size === 4) hi = 0;
      if (len < 32) { lo &= len === 0 ? 0 : -1 >>> (32 - len); hi = 0; }
      else if (len < 64) hi &= len === 32 ? 0 : -1 >>> (64 - len);
    }
    put(cpu, i.reg, size, lo, hi);
    cpu.setFlagsLogic(size, lo, hi);
  };
}

/** VEX 0F38 F3 /1 /2 /3: blsr, blsmsk, blsi into the VEX.vvvv register. */
export function blsOp(kind: 'blsr' | 'blsmsk' | 'blsi', size: number): Handler {
  return (cpu, i) => {
    src(cpu, i, size);
    const sLo = t[0], sHi = t[1];
    const zero = (sLo | sHi) === 0;
    // src - 1 and -src as 64-bit pairs
    const mLo = (sLo - 1) | 0, mHi = size === 8 ? (sLo === 0 ? (sHi - 1) | 0 : sHi) : 0;
    const nLo = (-sLo) | 0, nHi = size === 8 ? (~sHi + (sLo === 0 ? 1 : 0)) | 0 : 0;
    let lo: number, hi: number;
    if (kind === 'blsr') { lo = sLo & mLo; hi = sHi & mHi; }
    else if (kind === 'blsmsk') { lo = sLo ^ mLo; hi = size === 8 ? sHi ^ mHi : 0; }
    else { lo = sLo & nLo; hi = sHi & nHi; }
    put(cpu, i.vreg, size, lo, hi);
    const resultZero = (lo | hi) === 0;
    flags(cpu, size, lo, hi, kind === 'blsi' ? !zero : zero, kind === 'blsmsk' ? false : resultZero);
  };
}

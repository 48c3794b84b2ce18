/**
 * mul / imul / div / idiv. Products are built from 16- and 32-bit pieces so every
 * intermediate is an exact double; division uses doubles when the dividend is below 2^32
 * and falls back to BigInt (a cold path) for wider dividends.
 */
import type { Cpu } from '../cpu';
import { F_IMUL64, imul64Overflow, PARITY } from '../flags';
import type { Handler } from '../insn';
import { de } from '../fault';
import { rdE, rdE64, sext, sizeMask } from '../operands';

const TWO32 = 4294967296;

/** Unsigned 32x32 → 64: returns the low word (int32), high word in out.hi. */
const out = { hi: 0, w2: 0, w3: 0 };
function mulu32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const aL = a & 0xffff, aH = a >>> 16, bL = b & 0xffff, bH = b >>> 16;
  const ll = aL * bL, mid = aL * bH + aH * bL, hh = aH * bH;
  const lowFull = ll + (mid % 65536) * 65536;
  out.hi = (hh + Math.floor(mid / 65536) + Math.floor(lowFull / TWO32)) | 0;
  return lowFull | 0;
}

/** Unsigned 64x64 → 128: returns word 0; words 1..3 in out.hi, out.w2, out.w3. */
function mulu64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  const p0lo = mulu32(aLo, bLo), p0hi = out.hi;
  const p1lo = mulu32(aLo, bHi), p1hi = out.hi;
  const p2lo = mulu32(aHi, bLo), p2hi = out.hi;
  const p3lo = mulu32(aHi, bHi), p3hi = out.hi;
  const s1 = (p0hi >>> 0) + (p1lo >>> 0) + (p2lo >>> 0);
  const s2 = (p1hi >>> 0) + (p2hi >>> 0) + (p3lo >>> 0) + Math.floor(s1 / TWO32);
  const s3 = (p3hi >>> 0) + Math.floor(s2 / TWO32);
  out.hi = s1 | 0; out.w2 = s2 | 0; out.w3 = s3 | 0;
  return p0lo;
}

/** Signed 64x64 → 128 (two's complement correction of the unsigned product). */
function muls64(aLo: number, aHi: number, bLo: number, bHi: number): number {
  const w0 = mulu64(aLo, aHi, bLo, bHi);
  let w2 = out.w2, w3 = out.w3;
  const sub = (lo: number, hi: number): void => {
    const nLo = (w2 - lo) | 0;
    w3 = (w3 - hi - ((w2 >>> 0) < (lo >>> 0) ? 1 : 0)) | 0;
    w2 = nLo;
  };
  if (aHi < 0) sub(bLo, bHi);
  if (bHi < 0) sub(aLo, aHi);
  out.w2 = w2; out.w3 = w3;
  return w0;
}

function mulFlags(cpu: Cpu, overflow: boolean, lowByte: number, lowSign: number): void {
  const c = overflow ? 1 : 0;
  cpu.setFlagsMat(c | (c << 11) | (PARITY[lowByte & 0xff] << 2) | (lowSign << 7));
}

/** F6/F7 /4 and /5: one-operand mul/imul into rDX:rAX (AX for bytes). */
export function mul1(size: number, signed: boolean): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const bLo = rdE64(cpu, i), bHi = cpu.tmpHi;
      const aLo = cpu.regLo[0], aHi = cpu.regHi[0];
      const w0 = signed ? muls64(aLo, aHi, bLo, bHi) : mulu64(aLo, aHi, bLo, bHi);
      const w1 = out.hi, w2 = out.w2, w3 = out.w3;
      const ext = signed ? w1 >> 31 : 0;
      cpu.regLo[0] = w0; cpu.regHi[0] = w1; cpu.regLo[2] = w2; cpu.regHi[2] = w3;
      mulFlags(cpu, w2 !== ext || w3 !== ext, w0, w1 >>> 31);
    };
  }
  return (cpu, i) => {
    const b = rdE(cpu, i);
    const a = cpu.getN(size, 0);
    if (size === 1) {
      const r = signed ? (sext(1, a) * sext(1, b)) & 0xffff : a * b;
      cpu.set16(0, r);
      mulFlags(cpu, signed ? sext(1, r & 0xff) !== sext(2, r) : (r >>> 8) !== 0, r, (r >>> 7) & 1);
    } else if (size === 2) {
      const r = signed ? (sext(2, a) * sext(2, b)) | 0 : a * b;
      cpu.set16(0, r); cpu.set16(2, r >>> 16);
      mulFlags(cpu, signed ? sext(2, r & 0xffff) !== r : (r >>> 16) !== 0, r, (r >>> 15) & 1);
    } else {
      const lo = mulu32(a, b);
      let hi = out.hi;
      if (signed) hi = (hi - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
      cpu.set32(0, lo); cpu.set32(2, hi);
      mulFlags(cpu, signed ? hi !== lo >> 31 : hi !== 0, lo, lo >>> 31);
    }
  };
}

imul64Overflow.check = (aLo, aHi, bLo, bHi) => {
  muls64(aLo, aHi, bLo, bHi);
  const ext = out.hi >> 31;
  return out.w2 !== ext || out.w3 !== ext;
};

/** imul r, r/m and imul r, r/m, imm: truncated signed product. `immediate`: take the multiplier from imm. */
export function imul2(size: number, immediate: boolean): Handler {
  if (size === 8) {
    // Only the low 64 bits are needed here; CF/OF (the overflow) are computed if something reads them.
    return (cpu, i) => {
      const aLo = rdE64(cpu, i), aHi = cpu.tmpHi;
      const bLo = immediate ? i.imm : cpu.regLo[i.reg], bHi = immediate ? i.immHi : cpu.regHi[i.reg];
      const w0 = mulu32(aLo, bLo);
      const w1 = (out.hi + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) | 0;
      cpu.regLo[i.reg] = w0; cpu.regHi[i.reg] = w1;
      cpu.setFlagsOp(F_IMUL64, 8, aLo, aHi, bLo, bHi, w0, w1, 0);
    };
  }
  return (cpu, i) => {
    const a = sext(size, rdE(cpu, i));
    const b = immediate ? sext(size, i.imm) : sext(size, cpu.getN(size, i.reg));
    const full = a * b;
    const lo = Math.imul(a, b);
    const r = lo & sizeMask(size);
    cpu.setN(size, i.reg, r);
    mulFlags(cpu, sext(size, r) !== full, r, (r >>> (size * 8 - 1)) & 1);
  };
}

/** F6/F7 /6 and /7: div/idiv. #DE on a zero divisor or a quotient that does not fit. */
export function div(size: number, signed: boolean): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const dLo = rdE64(cpu, i), dHi = cpu.tmpHi;
      if (div64Exact(cpu, signed, dLo, dHi)) return;
      const divisor = signed ? BigInt.asIntN(64, toBig(dLo, dHi)) : toBig(dLo, dHi);
      if (divisor === 0n) throw de();
      const raw = (toBig(cpu.regLo[2], cpu.regHi[2]) << 64n) | toBig(cpu.regLo[0], cpu.regHi[0]);
      const dividend = signed ? BigInt.asIntN(128, raw) : raw;
      const q = dividend / divisor;
      const r = dividend % divisor;
      if (signed ? q !== BigInt.asIntN(64, q) : q >> 64n !== 0n) throw de();
      setBig(cpu, 0, q);
      setBig(cpu, 2, r);
    };
  }
  return (cpu, i) => {
    const raw = rdE(cpu, i);
    const divisor = signed ? sext(size, raw) : size === 4 ? raw >>> 0 : raw;
    if (divisor === 0) throw de();
    let dividend: number;
    let wide = false;
    if (size === 1) dividend = signed ? sext(2, cpu.regLo[0] & 0xffff) : cpu.regLo[0] & 0xffff;
    else if (size === 2) {
      const v = ((cpu.regLo[2] & 0xffff) << 16) | (cpu.regLo[0] & 0xffff);
      dividend = signed ? v | 0 : v >>> 0;
    } else {
      const lo = cpu.regLo[0], hi = cpu.regLo[2];
      if (signed ? hi === lo >> 31 : hi === 0) dividend = signed ? lo : lo >>> 0;
      else { dividend = 0; wide = true; }
    }
    let q: number, r: number;
    if (wide) {
      const n = (BigInt(cpu.regLo[2] >>> 0) << 32n) | BigInt(cpu.regLo[0] >>> 0);
      const bn = signed ? BigInt.asIntN(64, n) : n;
      const qb = bn / BigInt(divisor);
      if (signed ? qb !== BigInt.asIntN(32, qb) : qb >> 32n !== 0n) throw de();
      q = Number(qb);
      r = Number(bn % BigInt(divisor));
    } else {
      q = Math.trunc(dividend / divisor);
      r = dividend - q * divisor;
    }
    const bits = size * 8;
    if (signed ? q < -(2 ** (bits - 1)) || q >= 2 ** (bits - 1) : q >= 2 ** bits) throw de();
    if (size === 1) cpu.set16(0, ((r & 0xff) << 8) | (q & 0xff));
    else if (size === 2) { cpu.set16(0, q); cpu.set16(2, r); }
    else { cpu.set32(0, q | 0); cpu.set32(2, r | 0); }
  };
}

/** |value| below 2^53 as a double, or NaN: lo/hi taken as signed or unsigned 64-bit. */
function exact(lo: number, hi: number, signed: boolean): number {
  if (signed ? hi >= -0x200000 && hi < 0x200000 : hi >= 0 && hi < 0x200000) return hi * TWO32 + (lo >>> 0);
  return NaN;
}

/**
 * 64-bit div/idiv without BigInt when the dividend (rDX:rAX) and divisor fit in 53 bits:
 * the remainder from % is exact for doubles, and so is (a - r) / b. Returns false if not applicable.
 */
function div64Exact(cpu: Cpu, signed: boolean, dLo: number, dHi: number): boolean {
  const ext = signed ? cpu.regHi[0] >> 31 : 0;
  if (cpu.regLo[2] !== ext || cpu.regHi[2] !== ext) return false;
  const a = exact(cpu.regLo[0], cpu.regHi[0], signed), b = exact(dLo, dHi, signed);
  if (Number.isNaN(a) || Number.isNaN(b) || b === 0) return false;
  const r = a % b;
  const q = (a - r) / b;
  setSmall(cpu, 0, q);
  setSmall(cpu, 2, r);
  return true;
}

/** Stores an integer double of magnitude below 2^53 as a 64-bit two's-complement register. */
function setSmall(cpu: Cpu, reg: number, v: number): void {
  const hi = Math.floor(v / TWO32);
  cpu.regLo[reg] = (v - hi * TWO32) | 0;
  cpu.regHi[reg] = hi | 0;
}

function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
function setBig(cpu: Cpu, reg: number, v: bigint): void {
  cpu.regLo[reg] = Number(BigInt.asIntN(32, v));
  cpu.regHi[reg] = Number(BigInt.asIntN(32, v >> 32n));
}

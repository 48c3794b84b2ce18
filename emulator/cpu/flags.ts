/**
 * Lazy arithmetic flags. Flag-setting instructions record the operation, operand size and
 * operands; CF/PF/AF/ZF/SF/OF are computed only when something reads them. Values of
 * size 1 and 2 are kept zero-extended, size 4 as int32 bits, size 8 as lo/hi int32 pairs.
 */
import { AF, ARITH_FLAGS, CF, IF, OF, PF, RFLAGS_FIXED1, SF, TF, ZF } from './constants';
import { CpuState } from './state';

const F_MAT = 0; // flags already materialised in fmat
const F_ADD = 1;
const F_ADC = 2;
const F_SUB = 3;
const F_SBB = 4;
const F_LOGIC = 5;
const F_INC = 6;
const F_DEC = 7;
/** 64-bit imul: CF = OF = the signed product does not fit in 64 bits (computed on demand). */
const F_IMUL64 = 8;

/** Set by the multiply code: whether a signed 64x64 product of lo/hi pairs overflows 64 bits. */
export const imul64Overflow = { check: (_a: number, _aHi: number, _b: number, _bHi: number): boolean => false };

/** PF for each byte value: 1 when the number of set bits is even. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, n = 0;
  while (b) { n += b & 1; b >>= 1; }
  PARITY[i] = (n & 1) === 0 ? 1 : 0;
}

/** Unsigned a < b for values of the given size (8-byte values as lo/hi). */
function ult(size: number, a: number, aHi: number, b: number, bHi: number): boolean {
  if (size === 8) {
    if (aHi !== bHi) return (aHi >>> 0) < (bHi >>> 0);
    return (a >>> 0) < (b >>> 0);
  }
  return (a >>> 0) < (b >>> 0);
}

function signBit(size: number, v: number, vHi: number): number {
  switch (size) {
    case 1: return (v >>> 7) & 1;
    case 2: return (v >>> 15) & 1;
    case 4: return v >>> 31;
    default: return vHi >>> 31;
  }
}

export class CpuFlags extends CpuState {
  setFlagsLogic(size: number, res: number, resHi = 0): void {
    this.fop = F_LOGIC; this.fsz = size; this.fres = res; this.fresHi = resHi;
  }
  setFlagsAdd(size: number, a: number, b: number, res: number): void {
    this.fop = F_ADD; this.fsz = size; this.fa = a; this.fb = b; this.fres = res;
  }
  setFlagsAdd64(a: number, aHi: number, b: number, bHi: number, res: number, resHi: number): void {
    this.fop = F_ADD; this.fsz = 8; this.fa = a; this.faHi = aHi; this.fb = b; this.fbHi = bHi; this.fres = res; this.fresHi = resHi;
  }
  setFlagsSub(size: number, a: number, b: number, res: number): void {
    this.fop = F_SUB; this.fsz = size; this.fa = a; this.fb = b; this.fres = res;
  }
  setFlagsSub64(a: number, aHi: number, b: number, bHi: number, res: number, resHi: number): void {
    this.fop = F_SUB; this.fsz = 8; this.fa = a; this.faHi = aHi; this.fb = b; this.fbHi = bHi; this.fres = res; this.fresHi = resHi;
  }
  /** Records an operation whose operands and result are given in full (adc, sbb, inc, dec). */
  setFlagsOp(op: number, size: number, a: number, aHi: number, b: number, bHi: number, res: number, resHi: number, cin: number): void {
    this.fop = op; this.fsz = size; this.fa = a; this.faHi = aHi; this.fb = b; this.fbHi = bHi;
    this.fres = res; this.fresHi = resHi; this.fcin = cin;
  }
  /** Sets the arithmetic flags to exact values (bits in RFLAGS positions). */
  setFlagsMat(bits: number): void {
    this.fop = F_MAT; this.fmat = bits & ARITH_FLAGS;
  }

  getCF(): number {
    const s = this.fsz;
    switch (this.fop) {
      case F_MAT: return this.fmat & CF;
      case F_ADD: return ult(s, this.fres, this.fresHi, this.fa, this.faHi) ? 1 : 0;
      case F_ADC:
        return (this.fcin ? !ult(s, this.fa, this.faHi, this.fres, this.fresHi) : ult(s, this.fres, this.fresHi, this.fa, this.faHi)) ? 1 : 0;
      case F_SUB: return ult(s, this.fa, this.faHi, this.fb, this.fbHi) ? 1 : 0;
      case F_SBB:
        return (this.fcin ? !ult(s, this.fb, this.fbHi, this.fa, this.faHi) : ult(s, this.fa, this.faHi, this.fb, this.fbHi)) ? 1 : 0;
      case F_LOGIC: return 0;
      case F_IMUL64: return imul64Overflow.check(this.fa, this.faHi, this.fb, this.fbHi) ? 1 : 0;
      default: return this.fcin; // inc/dec keep CF
    }
  }

  getZF(): number {
    if (this.fop === F_MAT) return (this.fmat >>> 6) & 1;
    if (this.fsz === 8) return (this.fres | this.fresHi) === 0 ? 1 : 0;
    const mask = this.fsz === 4 ? -1 : this.fsz === 2 ? 0xffff : 0xff;
    return (this.fres & mask) === 0 ? 1 : 0;
  }

  getSF(): number {
    if (this.fop === F_MAT) return (this.fmat >>> 7) & 1;
    return signBit(this.fsz, this.fres, this.fresHi);
  }

  getOF(): number {
    const s = this.fsz;
    switch (this.fop) {
      case F_MAT: return (this.fmat >>> 11) & 1;
      case F_ADD: case F_ADC: case F_INC:
        return signBit(s, (this.fa ^ this.fres) & (this.fb ^ this.fres), (this.faHi ^ this.fresHi) & (this.fbHi ^ this.fresHi));
      case F_SUB: case F_SBB: case F_DEC:
        return signBit(s, (this.fa ^ this.fb) & (this.fa ^ this.fres), (this.faHi ^ this.fbHi) & (this.faHi ^ this.fresHi));
      case F_IMUL64: return imul64Overflow.check(this.fa, this.faHi, this.fb, this.fbHi) ? 1 : 0;
      default: return 0;
    }
  }

  getPF(): number {
    if (this.fop === F_MAT) return (this.fmat >>> 2) & 1;
    return PARITY[this.fres & 0xff];
  }

  getAF(): number {
    if (this.fop === F_MAT) return (this.fmat >>> 4) & 1;
    if (this.fop === F_LOGIC || this.fop === F_IMUL64) return 0;
    return ((this.fa ^ this.fb ^ this.fres) >>> 4) & 1;
  }

  /** The six arithmetic flags in RFLAGS bit positions. */
  arithFlags(): number {
    if (this.fop === F_MAT) return this.fmat;
    return this.getCF() | (this.getPF() << 2) | (this.getAF() << 4) | (this.getZF() << 6) | (this.getSF() << 7) | (this.getOF() << 11);
  }

  /** Freezes the lazy flags so individual bits can be edited. */
  materializeFlags(): void {
    if (this.fop !== F_MAT) { this.fmat = this.arithFlags(); this.fop = F_MAT; }
  }

  /** Full RFLAGS (low 32 bits; the upper half is reserved zero). */
  getFlags(): number {
    return (this.flags & ~ARITH_FLAGS) | this.arithFlags() | RFLAGS_FIXED1;
  }

  /** Writes RFLAGS bits without privilege checks (callers mask what the context allows). */
  setFlagsRaw(v: number): void {
    // Setting TF or IF must end a batch of instructions so the run loop can react.
    if ((v & ~this.flags) & (TF | IF)) this.attention = 1;
    this.flags = (v & ~ARITH_FLAGS) | RFLAGS_FIXED1;
    this.fop = F_MAT;
    this.fmat = v & ARITH_FLAGS;
    this.flagsWritten();
  }

  /** Hook for state derived from RFLAGS (alignment checking). */
  protected flagsWritten(): void { /* overridden */ }

  /** Evaluates condition code cc (0..15) as used by jcc, setcc and cmovcc. */
  cond(cc: number): boolean {
    // Fast paths for the flag producers compilers pair with branches: cmp (sub) and test (logic).
    if (this.fop === F_SUB && this.fsz === 4) {
      const a = this.fa, b = this.fb;
      switch (cc) {
        case 2: return (a >>> 0) < (b >>> 0);
        case 3: return (a >>> 0) >= (b >>> 0);
        case 4: return a === b;
        case 5: return a !== b;
        case 6: return (a >>> 0) <= (b >>> 0);
        case 7: return (a >>> 0) > (b >>> 0);
        case 12: return a < b;
        case 13: return a >= b;
        case 14: return a <= b;
        case 15: return a > b;
      }
    } else if (this.fop === F_SUB && this.fsz === 8) {
      const aHi = this.faHi, bHi = this.fbHi;
      const a = this.fa, b = this.fb;
      switch (cc) {
        case 2: return aHi !== bHi ? (aHi >>> 0) < (bHi >>> 0) : (a >>> 0) < (b >>> 0);
        case 3: return aHi !== bHi ? (aHi >>> 0) > (bHi >>> 0) : (a >>> 0) >= (b >>> 0);
        case 4: return a === b && aHi === bHi;
        case 5: return a !== b || aHi !== bHi;
        case 6: return aHi !== bHi ? (aHi >>> 0) < (bHi >>> 0) : (a >>> 0) <= (b >>> 0);
        case 7: return aHi !== bHi ? (aHi >>> 0) > (bHi >>> 0) : (a >>> 0) > (b >>> 0);
        case 12: return aHi !== bHi ? aHi < bHi : (a >>> 0) < (b >>> 0);
        case 13: return aHi !== bHi ? aHi > bHi : (a >>> 0) >= (b >>> 0);
        case 14: return aHi !== bHi ? aHi < bHi : (a >>> 0) <= (b >>> 0);
        case 15: return aHi !== bHi ? aHi > bHi : (a >>> 0) > (b >>> 0);
      }
    } else if (this.fop === F_LOGIC) {
      const z = this.getZF(), s = this.getSF();
      switch (cc) {
        case 4: return z === 1;
        case 5: return z === 0;
        case 8: return s === 1;
        case 9: return s === 0;
        case 12: return s === 1;
        case 13: return s === 0;
        case 14: return z === 1 || s === 1;
        case 15: return z === 0 && s === 0;
      }
    }
    if ((cc & 14) === 4) return (this.getZF() === 1) === (cc === 4);
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOF() === 1; break;
      case 1: r = this.getCF() === 1; break;
      case 2: r = this.getZF() === 1; break;
      case 3: r = this.getCF() === 1 || this.getZF() === 1; break;
      case 4: r = this.getSF() === 1; break;
      case 5: r = this.getPF() === 1; break;
      case 6: r = this.getSF() !== this.getOF(); break;
      default: r = this.getZF() === 1 || this.getSF() !== this.getOF(); break;
    }
    return (cc & 1) ? !r : r;
  }
}

// Plain consts (exported by list) so uses in this module fold to literals.
export { AF, CF, OF, PF, SF, ZF, F_MAT, F_ADD, F_ADC, F_SUB, F_SBB, F_LOGIC, F_INC, F_DEC, F_IMUL64 };

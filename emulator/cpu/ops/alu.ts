/** Integer ALU: add/or/adc/sbb/and/sub/xor/cmp, test, inc/dec, neg/not (SDM vol. 2). */
import type { Cpu } from '../cpu';
import { F_ADC as ADC_OP, F_DEC as DEC_OP, F_INC as INC_OP, F_SBB as SBB_OP } from '../flags';

const F_ADC = ADC_OP, F_DEC = DEC_OP, F_INC = INC_OP, F_SBB = SBB_OP;
import type { Handler } from '../insn';
import { rdE, rdE64, rdEw, rdEw64, sizeMask, wrEw, wrEw64 } from '../operands';

export const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;
export const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

/** One ALU operation at size 1/2/4; operands zero-extended (size 4: int32). Sets flags. */
export function alu(cpu: Cpu, op: number, size: number, a: number, b: number): number {
  const mask = sizeMask(size);
  b &= mask;
  let r: number;
  switch (op) {
    case ADD: r = (a + b) & mask; cpu.setFlagsAdd(size, a, b, r); return r;
    case OR: r = (a | b) & mask; cpu.setFlagsLogic(size, r); return r;
    case ADC: {
      const c = cpu.getCF();
      r = (a + b + c) & mask;
      cpu.setFlagsOp(F_ADC, size, a, 0, b, 0, r, 0, c);
      return r;
    }
    case SBB: {
      const c = cpu.getCF();
      r = (a - b - c) & mask;
      cpu.setFlagsOp(F_SBB, size, a, 0, b, 0, r, 0, c);
      return r;
    }
    case AND: r = (a & b) & mask; cpu.setFlagsLogic(size, r); return r;
    case XOR: r = (a ^ b) & mask; cpu.setFlagsLogic(size, r); return r;
    default: r = (a - b) & mask; cpu.setFlagsSub(size, a, b, r); return r; // SUB, CMP
  }
}

/** One 64-bit ALU operation on lo/hi pairs; returns lo, hi in cpu.tmpHi. Sets flags. */
export function alu64(cpu: Cpu, op: number, aLo: number, aHi: number, bLo: number, bHi: number): number {
  let lo: number, hi: number;
  switch (op) {
    case ADD:
      lo = (aLo + bLo) | 0;
      hi = (aHi + bHi + ((lo >>> 0) < (aLo >>> 0) ? 1 : 0)) | 0;
      cpu.setFlagsAdd64(aLo, aHi, bLo, bHi, lo, hi);
      break;
    case ADC: {
      const c = cpu.getCF();
      const sum = (aLo >>> 0) + (bLo >>> 0) + c;
      lo = sum | 0;
      hi = (aHi + bHi + (sum > 0xffffffff ? 1 : 0)) | 0;
      cpu.setFlagsOp(F_ADC, 8, aLo, aHi, bLo, bHi, lo, hi, c);
      break;
    }
    case SBB: {
      const c = cpu.getCF();
      const diff = (aLo >>> 0) - (bLo >>> 0) - c;
      lo = diff | 0;
      hi = (aHi - bHi - (diff < 0 ? 1 : 0)) | 0;
      cpu.setFlagsOp(F_SBB, 8, aLo, aHi, bLo, bHi, lo, hi, c);
      break;
    }
    case OR: lo = aLo | bLo; hi = aHi | bHi; cpu.setFlagsLogic(8, lo, hi); break;
    case AND: lo = aLo & bLo; hi = aHi & bHi; cpu.setFlagsLogic(8, lo, hi); break;
    case XOR: lo = aLo ^ bLo; hi = aHi ^ bHi; cpu.setFlagsLogic(8, lo, hi); break;
    default:
      lo = (aLo - bLo) | 0;
      hi = (aHi - bHi - ((aLo >>> 0) < (bLo >>> 0) ? 1 : 0)) | 0;
      cpu.setFlagsSub64(aLo, aHi, bLo, bHi, lo, hi);
      break;
  }
  cpu.tmpHi = hi;
  return lo;
}

/** E op= G */
export function aluEG(op: number, size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const bLo = cpu.regLo[i.reg], bHi = cpu.regHi[i.reg];
      const aLo = op === CMP ? rdE64(cpu, i) : rdEw64(cpu, i);
      const r = alu64(cpu, op, aLo, cpu.tmpHi, bLo, bHi);
      if (op !== CMP) wrEw64(cpu, i, r, cpu.tmpHi);
    };
  }
  return (cpu, i) => {
    const b = cpu.getN(size, i.reg);
    const a = op === CMP ? rdE(cpu, i) : rdEw(cpu, i);
    const r = alu(cpu, op, size, a, b);
    if (op !== CMP) wrEw(cpu, i, r);
  };
}

/** G op= E */
export function aluGE(op: number, size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const bLo = rdE64(cpu, i), bHi = cpu.tmpHi;
      const r = alu64(cpu, op, cpu.regLo[i.reg], cpu.regHi[i.reg], bLo, bHi);
      if (op !== CMP) { cpu.regLo[i.reg] = r; cpu.regHi[i.reg] = cpu.tmpHi; }
    };
  }
  return (cpu, i) => {
    const b = rdE(cpu, i);
    const r = alu(cpu, op, size, cpu.getN(size, i.reg), b);
    if (op !== CMP) cpu.setN(size, i.reg, r);
  };
}

/** rAX op= imm */
export function aluAI(op: number, size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const r = alu64(cpu, op, cpu.regLo[0], cpu.regHi[0], i.imm, i.immHi);
      if (op !== CMP) { cpu.regLo[0] = r; cpu.regHi[0] = cpu.tmpHi; }
    };
  }
  return (cpu, i) => {
    const r = alu(cpu, op, size, cpu.getN(size, 0), i.imm);
    if (op !== CMP) cpu.setN(size, 0, r);
  };
}

/** E op= imm (group 1) */
export function aluEI(op: number, size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const aLo = op === CMP ? rdE64(cpu, i) : rdEw64(cpu, i);
      const r = alu64(cpu, op, aLo, cpu.tmpHi, i.imm, i.immHi);
      if (op !== CMP) wrEw64(cpu, i, r, cpu.tmpHi);
    };
  }
  return (cpu, i) => {
    const a = op === CMP ? rdE(cpu, i) : rdEw(cpu, i);
    const r = alu(cpu, op, size, a, i.imm);
    if (op !== CMP) wrEw(cpu, i, r);
  };
}

export function testEG(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const lo = rdE64(cpu, i);
      cpu.setFlagsLogic(8, lo & cpu.regLo[i.reg], cpu.tmpHi & cpu.regHi[i.reg]);
    };
  }
  return (cpu, i) => { cpu.setFlagsLogic(size, rdE(cpu, i) & cpu.getN(size, i.reg)); };
}

export function testEI(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const lo = rdE64(cpu, i);
      cpu.setFlagsLogic(8, lo & i.imm, cpu.tmpHi & i.immHi);
    };
  }
  return (cpu, i) => { cpu.setFlagsLogic(size, rdE(cpu, i) & i.imm & sizeMask(size)); };
}

export function testAI(size: number): Handler {
  if (size === 8) return (cpu, i) => { cpu.setFlagsLogic(8, cpu.regLo[0] & i.imm, cpu.regHi[0] & i.immHi); };
  return (cpu, i) => { cpu.setFlagsLogic(size, cpu.getN(size, 0) & i.imm & sizeMask(size)); };
}

function incDecValue(cpu: Cpu, size: number, a: number, dec: boolean): number {
  const cin = cpu.getCF();
  const r = (dec ? a - 1 : a + 1) & sizeMask(size);
  cpu.setFlagsOp(dec ? F_DEC : F_INC, size, a, 0, 1, 0, r, 0, cin);
  return r;
}

function incDecValue64(cpu: Cpu, lo: number, hi: number, dec: boolean): number {
  const cin = cpu.getCF();
  let rLo: number, rHi: number;
  if (dec) { rLo = (lo - 1) | 0; rHi = lo === 0 ? (hi - 1) | 0 : hi; }
  else { rLo = (lo + 1) | 0; rHi = rLo === 0 ? (hi + 1) | 0 : hi; }
  cpu.setFlagsOp(dec ? F_DEC : F_INC, 8, lo, hi, 1, 0, rLo, rHi, cin);
  cpu.tmpHi = rHi;
  return rLo;
}

/** inc/dec r/m (FE/FF groups). */
export function incDecE(size: number, dec: boolean): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const lo = rdEw64(cpu, i);
      const r = incDecValue64(cpu, lo, cpu.tmpHi, dec);
      wrEw64(cpu, i, r, cpu.tmpHi);
    };
  }
  return (cpu, i) => { wrEw(cpu, i, incDecValue(cpu, size, rdEw(cpu, i), dec)); };
}

/** inc/dec r32/r16 (40-4F outside 64-bit mode). */
export function incDecZ(size: number, dec: boolean): Handler {
  return (cpu, i) => { cpu.setN(size, i.reg, incDecValue(cpu, size, cpu.getN(size, i.reg), dec)); };
}

export function negE(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const lo = rdEw64(cpu, i), hi = cpu.tmpHi;
      const rLo = (-lo) | 0;
      const rHi = (~hi + (lo === 0 ? 1 : 0)) | 0;
      cpu.setFlagsSub64(0, 0, lo, hi, rLo, rHi);
      wrEw64(cpu, i, rLo, rHi);
    };
  }
  return (cpu, i) => {
    const a = rdEw(cpu, i);
    const r = (-a) & sizeMask(size);
    cpu.setFlagsSub(size, 0, a, r);
    wrEw(cpu, i, r);
  };
}

export function notE(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => { const lo = rdEw64(cpu, i); wrEw64(cpu, i, ~lo, ~cpu.tmpHi); };
  }
  return (cpu, i) => { wrEw(cpu, i, ~rdEw(cpu, i) & sizeMask(size)); };
}

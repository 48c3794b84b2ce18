/** Atomic read-modify-write instructions: xadd, cmpxchg, cmpxchg8b/16b. */
import { ZF } from '../constants';
import { gp } from '../fault';
import type { Handler } from '../insn';
import { checkSegWritable, rdEw, rdEw64, wrEw, wrEw64 } from '../operands';
import { ADD, alu, alu64, CMP } from './alu';

export function xadd(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const dLo = rdEw64(cpu, i), dHi = cpu.tmpHi;
      const sLo = cpu.regLo[i.reg], sHi = cpu.regHi[i.reg];
      const rLo = alu64(cpu, ADD, dLo, dHi, sLo, sHi), rHi = cpu.tmpHi;
      cpu.regLo[i.reg] = dLo; cpu.regHi[i.reg] = dHi;
      wrEw64(cpu, i, rLo, rHi);
    };
  }
  return (cpu, i) => {
    const d = rdEw(cpu, i);
    const r = alu(cpu, ADD, size, d, cpu.getN(size, i.reg));
    cpu.setN(size, i.reg, d);
    wrEw(cpu, i, r);
  };
}

/** cmpxchg r/m, r: the destination is always written (with its old value when the compare fails). */
export function cmpxchg(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const dLo = rdEw64(cpu, i), dHi = cpu.tmpHi;
      alu64(cpu, CMP, cpu.regLo[0], cpu.regHi[0], dLo, dHi);
      if (cpu.getZF()) wrEw64(cpu, i, cpu.regLo[i.reg], cpu.regHi[i.reg]);
      else { wrEw64(cpu, i, dLo, dHi); cpu.regLo[0] = dLo; cpu.regHi[0] = dHi; }
    };
  }
  return (cpu, i) => {
    const d = rdEw(cpu, i);
    alu(cpu, CMP, size, cpu.getN(size, 0), d);
    if (cpu.getZF()) wrEw(cpu, i, cpu.getN(size, i.reg));
    else {
      if (i.rm < 0) wrEw(cpu, i, d);
      cpu.setN(size, 0, d);
    }
  };
}

/** 0F C7 /1: cmpxchg8b m64, or cmpxchg16b m128 with REX.W (16-byte alignment or #GP). */
export function cmpxchgWide(size: number): Handler {
  return (cpu, i) => {
    checkSegWritable(cpu, i.seg);
    const lo = i.ea(cpu, i), hi = cpu.eaHi;
    cpu.materializeFlags();
    if (size === 8) {
      if (lo & 15) throw gp(0, 'cmpxchg16b operand not 16-byte aligned');
      const a0 = cpu.rdw64(lo, hi), a1 = cpu.tmpHi;
      const hi8Lo = cpu.addLinear(lo, hi, 8), hi8Hi = cpu.eaHi;
      const b0 = cpu.rdw64(hi8Lo, hi8Hi), b1 = cpu.tmpHi;
      if (a0 === cpu.regLo[0] && a1 === cpu.regHi[0] && b0 === cpu.regLo[2] && b1 === cpu.regHi[2]) {
        cpu.wr64(lo, hi, cpu.regLo[3], cpu.regHi[3]);
        cpu.wr64(hi8Lo, hi8Hi, cpu.regLo[1], cpu.regHi[1]);
        cpu.fmat |= ZF;
      } else {
        cpu.wr64(lo, hi, a0, a1);
        cpu.wr64(hi8Lo, hi8Hi, b0, b1);
        cpu.regLo[0] = a0; cpu.regHi[0] = a1; cpu.regLo[2] = b0; cpu.regHi[2] = b1;
        cpu.fmat &= ~ZF;
      }
      return;
    }
    const m0 = cpu.rdw64(lo, hi), m1 = cpu.tmpHi;
    if (m0 === cpu.regLo[0] && m1 === cpu.regLo[2]) {
      cpu.wr64(lo, hi, cpu.regLo[3], cpu.regLo[1]);
      cpu.fmat |= ZF;
    } else {
      cpu.wr64(lo, hi, m0, m1);
      cpu.set32(0, m0); cpu.set32(2, m1);
      cpu.fmat &= ~ZF;
    }
  };
}

/** Decimal-adjust instructions (32-bit modes only) and arpl, per their SDM pseudocode. */
import { AF, CF, ZF } from '../constants';
import { CpuFault, de } from '../fault';
import { PARITY } from '../flags';
import type { Handler } from '../insn';
import { rdE, sext, wrE } from '../operands';

function szp(v: number): number {
  return (v & 0x80) | (v === 0 ? ZF : 0) | (PARITY[v] << 2);
}

export function bcd(kind: 'daa' | 'das' | 'aaa' | 'aas' | 'aam' | 'aad'): Handler {
  return (cpu, i) => {
    const al = cpu.regLo[0] & 0xff;
    const cf = cpu.getCF(), af = cpu.getAF();
    switch (kind) {
      case 'daa': case 'das': {
        let v = al, newCf = 0, newAf = 0;
        const add = kind === 'daa';
        if ((al & 0xf) > 9 || af) { v = add ? v + 6 : v - 6; newAf = 1; newCf = cf | (add ? (v > 0xff ? 1 : 0) : (al < 6 ? 1 : 0)); }
        if (al > 0x99 || cf) { v = add ? v + 0x60 : v - 0x60; newCf = 1; }
        v &= 0xff;
        cpu.set8(0, v);
        cpu.setFlagsMat(szp(v) | (newCf ? CF : 0) | (newAf ? AF : 0));
        return;
      }
      case 'aaa': case 'aas': {
        let ax = cpu.regLo[0] & 0xffff;
        let flags = 0;
        if ((al & 0xf) > 9 || af) {
          ax = kind === 'aaa' ? ax + 0x106 : ax - 0x106;
          flags = AF | CF;
        }
        ax = (ax & 0xff0f);
        cpu.set16(0, ax);
        cpu.setFlagsMat(flags | szp(ax & 0xff));
        return;
      }
      case 'aam': {
        const base = i.imm & 0xff;
        if (base === 0) throw de();
        const v = al % base;
        cpu.set16(0, (Math.floor(al / base) << 8) | v);
        cpu.setFlagsMat(szp(v));
        return;
      }
      default: { // aad
        const ah = (cpu.regLo[0] >> 8) & 0xff;
        const v = (al + ah * (i.imm & 0xff)) & 0xff;
        cpu.set16(0, v);
        cpu.setFlagsMat(szp(v));
      }
    }
  };
}

/** arpl r/m16, r16: raise the destination RPL to the source's. */
export const arplHandler: Handler = (cpu, i) => {
  const d = rdE(cpu, i); // hardware reads first, so a fault here is a read fault
  const s = cpu.getN(2, i.reg);
  cpu.materializeFlags();
  if ((d & 3) < (s & 3)) {
    wrE(cpu, i, (d & ~3) | (s & 3));
    cpu.fmat |= ZF;
  } else cpu.fmat &= ~ZF;
};

/** 62: bound r, m: #BR unless lower <= index <= upper (signed, operand-size words at m and m+size). */
export function bound(size: number): Handler {
  return (cpu, i) => {
    const a = i.ea(cpu, i), aHi = cpu.eaHi;
    const lower = sext(size, cpu.rdN(size, a, aHi));
    const upper = sext(size, cpu.rdN(size, cpu.addLinear(a, aHi, size), cpu.eaHi));
    const index = sext(size, cpu.getN(size, i.reg));
    if (index < lower || index > upper) throw new CpuFault(5);
  };
}

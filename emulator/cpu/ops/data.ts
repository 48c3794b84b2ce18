/** Data movement: mov forms, movzx/movsx/movsxd, lea, xchg, cbw/cwd families, bswap, cmovcc, setcc, flag bits. */
import { AF, CF, DF, PF, SF, ZF } from '../constants';
import { linearOf } from '../ea';
import type { Handler } from '../insn';
import { checkSegWritable, rdE, rdE64, rdESized, rdEw, rdEw64, sext, wrE, wrE64, wrESized, wrEw, wrEw64 } from '../operands';

export function movEG(size: number): Handler {
  if (size === 8) return (cpu, i) => { wrE64(cpu, i, cpu.regLo[i.reg], cpu.regHi[i.reg]); };
  return (cpu, i) => { wrE(cpu, i, cpu.getN(size, i.reg)); };
}

export function movGE(size: number): Handler {
  if (size === 8) return (cpu, i) => { const lo = rdE64(cpu, i); cpu.regLo[i.reg] = lo; cpu.regHi[i.reg] = cpu.tmpHi; };
  return (cpu, i) => { cpu.setN(size, i.reg, rdE(cpu, i)); };
}

/** C6/C7: mov r/m, imm (sign-extended imm32 for 64-bit). */
export function movEI(size: number): Handler {
  if (size === 8) return (cpu, i) => { wrE64(cpu, i, i.imm, i.immHi); };
  return (cpu, i) => { wrE(cpu, i, i.imm); };
}

/** B0-BF: mov reg, imm (imm64 with REX.W). */
export function movZI(size: number): Handler {
  if (size === 8) return (cpu, i) => { cpu.regLo[i.reg] = i.imm; cpu.regHi[i.reg] = i.immHi; };
  return (cpu, i) => { cpu.setN(size, i.reg, i.imm); };
}

/** A0/A1: mov rAX, moffs. */
export function movAO(size: number): Handler {
  return (cpu, i) => {
    const lo = linearOf(cpu, i.seg, i.imm, i.immHi, size);
    if (size === 8) { const v = cpu.rd64(lo, cpu.eaHi); cpu.regLo[0] = v; cpu.regHi[0] = cpu.tmpHi; }
    else cpu.setN(size, 0, cpu.rdN(size, lo, cpu.eaHi));
  };
}

/** A2/A3: mov moffs, rAX. */
export function movOA(size: number): Handler {
  return (cpu, i) => {
    checkSegWritable(cpu, i.seg);
    const lo = linearOf(cpu, i.seg, i.imm, i.immHi, size);
    if (size === 8) cpu.wr64(lo, cpu.eaHi, cpu.regLo[0], cpu.regHi[0]);
    else cpu.wrN(size, lo, cpu.eaHi, cpu.getN(size, 0));
  };
}

/** lea: the effective address without a segment base (the decoder gives it the null segment). */
export function lea(size: number): Handler {
  return (cpu, i) => {
    const lo = i.ea(cpu, i);
    if (size === 8) { cpu.regLo[i.reg] = lo; cpu.regHi[i.reg] = cpu.eaHi; }
    else cpu.setN(size, i.reg, lo);
  };
}

function setWide(size: number, signed: boolean, srcSize: number): Handler {
  return (cpu, i) => {
    const raw = rdESized(cpu, i, srcSize);
    const v = signed ? sext(srcSize, raw) : raw;
    if (size === 8) { cpu.regLo[i.reg] = v; cpu.regHi[i.reg] = signed && v < 0 ? -1 : 0; }
    else cpu.setN(size, i.reg, v);
  };
}
export const movzxB = (size: number): Handler => setWide(size, false, 1);
export const movzxW = (size: number): Handler => setWide(size, false, 2);
export const movsxB = (size: number): Handler => setWide(size, true, 1);
export const movsxW = (size: number): Handler => setWide(size, true, 2);
/** 63 in 64-bit mode: movsxd (REX.W), otherwise a plain move of the operand size. */
export function movsxd(size: number): Handler {
  if (size === 8) return setWide(8, true, 4);
  return (cpu, i) => { cpu.setN(size, i.reg, rdESized(cpu, i, size)); };
}

/** xchg r/m, r (always atomic; no flags). */
export function xchgEG(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const lo = rdEw64(cpu, i), hi = cpu.tmpHi;
      wrEw64(cpu, i, cpu.regLo[i.reg], cpu.regHi[i.reg]);
      cpu.regLo[i.reg] = lo; cpu.regHi[i.reg] = hi;
    };
  }
  return (cpu, i) => {
    const a = rdEw(cpu, i);
    wrEw(cpu, i, cpu.getN(size, i.reg));
    cpu.setN(size, i.reg, a);
  };
}

/** 90-97: xchg reg, rAX; plain 90 is nop (it must not zero-extend EAX in 64-bit mode). */
export function xchgZA(size: number): Handler {
  return (cpu, i) => {
    const r = i.reg;
    if (r === 0) return;
    if (size === 8) {
      const lo = cpu.regLo[r], hi = cpu.regHi[r];
      cpu.regLo[r] = cpu.regLo[0]; cpu.regHi[r] = cpu.regHi[0];
      cpu.regLo[0] = lo; cpu.regHi[0] = hi;
    } else {
      const v = cpu.getN(size, r);
      cpu.setN(size, r, cpu.getN(size, 0));
      cpu.setN(size, 0, v);
    }
  };
}

/** 98: cbw / cwde / cdqe. */
export function cbw(size: number): Handler {
  return (cpu) => {
    if (size === 2) cpu.set16(0, sext(1, cpu.regLo[0] & 0xff));
    else if (size === 4) cpu.set32(0, sext(2, cpu.regLo[0] & 0xffff));
    else cpu.regHi[0] = cpu.regLo[0] >> 31;
  };
}

/** 99: cwd / cdq / cqo. */
export function cwd(size: number): Handler {
  return (cpu) => {
    if (size === 2) cpu.set16(2, (cpu.regLo[0] << 16) >> 31);
    else if (size === 4) cpu.set32(2, cpu.regLo[0] >> 31);
    else { const s = cpu.regHi[0] >> 31; cpu.regLo[2] = s; cpu.regHi[2] = s; }
  };
}

function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** 0F C8+r: bswap (the 16-bit form is undefined; hardware gives zero in the low word). */
export function bswap(size: number): Handler {
  return (cpu, i) => {
    const r = i.reg;
    if (size === 8) {
      const lo = cpu.regLo[r];
      cpu.regLo[r] = bswap32(cpu.regHi[r]);
      cpu.regHi[r] = bswap32(lo);
    } else if (size === 4) cpu.set32(r, bswap32(cpu.regLo[r]));
    else cpu.set16(r, 0);
  };
}

/** cmovcc: the source is always read; a 32-bit destination is always zero-extended. */
export function cmov(size: number): Handler {
  if (size === 8) {
    return (cpu, i) => {
      const lo = rdE64(cpu, i);
      if (cpu.cond(i.cc)) { cpu.regLo[i.reg] = lo; cpu.regHi[i.reg] = cpu.tmpHi; }
    };
  }
  return (cpu, i) => {
    const v = rdE(cpu, i);
    if (cpu.cond(i.cc)) cpu.setN(size, i.reg, v);
    else if (size === 4) cpu.regHi[i.reg] = 0;
  };
}

export const setcc = (): Handler => (cpu, i) => { wrESized(cpu, i, 1, cpu.cond(i.cc) ? 1 : 0); };

export const lahf = (): Handler => (cpu) => {
  cpu.set8(16, (cpu.arithFlags() & (SF | ZF | AF | PF | CF)) | 2);
};

export const sahf = (): Handler => (cpu) => {
  const ah = cpu.get8(16);
  cpu.materializeFlags();
  cpu.fmat = (cpu.fmat & ~(SF | ZF | AF | PF | CF)) | (ah & (SF | ZF | AF | PF | CF));
};

export function flagOp(op: 'clc' | 'stc' | 'cmc' | 'cld' | 'std'): Handler {
  return (cpu) => {
    switch (op) {
      case 'cld': cpu.flags &= ~DF; return;
      case 'std': cpu.flags |= DF; return;
    }
    cpu.materializeFlags();
    if (op === 'clc') cpu.fmat &= ~CF;
    else if (op === 'stc') cpu.fmat |= CF;
    else cpu.fmat ^= CF;
  };
}

/** d7: xlat: AL = [seg:rBX + AL]. */
export const xlat = (): Handler => (cpu, i) => {
  const al = cpu.regLo[0] & 0xff;
  let off: number, offHi = 0;
  if (i.addrSize === 8) {
    off = (cpu.regLo[3] + al) | 0;
    offHi = (cpu.regHi[3] + ((off >>> 0) < (cpu.regLo[3] >>> 0) ? 1 : 0)) | 0;
  } else if (i.addrSize === 4) off = (cpu.regLo[3] + al) | 0;
  else off = (cpu.regLo[3] + al) & 0xffff;
  const lo = linearOf(cpu, i.seg, off, offHi, 1);
  cpu.set8(0, cpu.rd8(lo, cpu.eaHi));
};

export const nop = (): Handler => () => { /* no operation */ };

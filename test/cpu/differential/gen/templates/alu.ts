/** ALU forms: the 00-3F block, 80/81/82/83 groups, inc/dec, neg/not, test. */
import { sizeFields } from '../asm';
import type { Fx, ItemGen } from '../item-gen';
import { imm, regOperand, rmOperand, sizes } from '../operands';
import { AF, ARITH, CF, type Template } from '../template';
import { edge } from '../values';

const LOCK = 0xf0;
const CMP = 7;

/** Flags of ALU op k (add or adc sbb and sub xor cmp). */
export function aluFx(k: number): Fx {
  if (k === 2 || k === 3) return { fr: CF, fw: ARITH };
  if (k === 1 || k === 4 || k === 6) return { fw: ARITH & ~AF, fu: AF };
  return { fw: ARITH };
}

function lockPfx(g: ItemGen, isMem: boolean, lockable: boolean): number[] {
  return isMem && lockable && g.rng.bool(0.25) ? [LOCK] : [];
}

function immFor(g: ItemGen, size: number, bytes: number): number[] {
  const v = g.rng.bool(0.6) ? edge(g.rng, Math.min(size, bytes * 8)) : edge(g.rng, bytes * 8);
  return imm(v, bytes);
}

export const aluTemplates: Template[] = [
  {
    name: 'alu r/m,r', group: 'alu', weight: 4,
    gen(g) {
      const k = g.rng.int(8);
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, k === CMP ? 'r' : 'rw');
      const r = regOperand(g, size, rmo.legacy);
      const sf = sizeFields(size);
      g.emit({ pfx: [...sf.pfx, ...lockPfx(g, !!rmo.mem, k !== CMP)], w: sf.w, op: [8 * k + (size === 8 ? 0 : 1)],
        reg: r, rm: rmo.rm, byteRegs: size === 8 });
      return aluFx(k);
    },
  },
  {
    name: 'alu r,r/m', group: 'alu', weight: 4,
    gen(g) {
      const k = g.rng.int(8);
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'r');
      const r = regOperand(g, size, rmo.legacy);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [8 * k + (size === 8 ? 2 : 3)], reg: r, rm: rmo.rm, byteRegs: size === 8 });
      return aluFx(k);
    },
  },
  {
    name: 'alu acc,imm', group: 'alu', weight: 2,
    gen(g) {
      const k = g.rng.int(8);
      const size = g.rng.pick(sizes(g));
      g.need(0, size, true);
      const sf = sizeFields(size);
      const n = size === 8 ? 1 : size === 16 ? 2 : 4;
      g.emit({ pfx: sf.pfx, w: sf.w, op: [8 * k + (size === 8 ? 4 : 5)], imm: immFor(g, size, n) });
      return aluFx(k);
    },
  },
  {
    name: 'alu r/m,imm (80/81/83)', group: 'alu', weight: 4,
    gen(g) {
      const k = g.rng.int(8);
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, k === CMP ? 'r' : 'rw', { sp: true });
      const sf = sizeFields(size);
      let op: number, n: number;
      if (size === 8) { op = g.bits === 32 && g.rng.bool(0.15) ? 0x82 : 0x80; n = 1; }
      else if (g.rng.bool(0.5)) { op = 0x83; n = 1; }
      else { op = 0x81; n = size === 16 ? 2 : 4; }
      g.emit({ pfx: [...sf.pfx, ...lockPfx(g, !!rmo.mem, k !== CMP)], w: sf.w, op: [op], ext: k, rm: rmo.rm,
        imm: immFor(g, size, n), byteRegs: size === 8 });
      return aluFx(k);
    },
  },
  {
    name: 'inc/dec r/m', group: 'alu', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'rw');
      const sf = sizeFields(size);
      g.emit({ pfx: [...sf.pfx, ...lockPfx(g, !!rmo.mem, true)], w: sf.w, op: [size === 8 ? 0xfe : 0xff],
        ext: g.rng.int(2), rm: rmo.rm, byteRegs: size === 8 });
      return { fw: ARITH & ~CF };
    },
  },
  {
    name: 'inc/dec r (40-4F)', group: 'alu', bits: [32],
    gen(g) {
      const size = g.rng.pick([16, 32]);
      const r = g.pick({ sp: true });
      g.need(r, size, true);
      g.emit({ pfx: sizeFields(size).pfx, op: [g.rng.pick([0x40, 0x48])], opReg: r });
      return { fw: ARITH & ~CF };
    },
  },
  {
    name: 'neg/not r/m', group: 'alu', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'rw');
      const sf = sizeFields(size);
      const isNeg = g.rng.bool();
      g.emit({ pfx: [...sf.pfx, ...lockPfx(g, !!rmo.mem, true)], w: sf.w, op: [size === 8 ? 0xf6 : 0xf7],
        ext: isNeg ? 3 : 2, rm: rmo.rm, byteRegs: size === 8 });
      return isNeg ? { fw: ARITH } : {};
    },
  },
  {
    name: 'test r/m,r', group: 'alu',
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'r');
      const r = regOperand(g, size, rmo.legacy);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [size === 8 ? 0x84 : 0x85], reg: r, rm: rmo.rm, byteRegs: size === 8 });
      return { fw: ARITH & ~AF, fu: AF };
    },
  },
  {
    name: 'test acc,imm / r/m,imm', group: 'alu',
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const sf = sizeFields(size);
      const n = size === 8 ? 1 : size === 16 ? 2 : 4;
      if (g.rng.bool(0.4)) {
        g.need(0, size, true);
        g.emit({ pfx: sf.pfx, w: sf.w, op: [size === 8 ? 0xa8 : 0xa9], imm: immFor(g, size, n) });
      } else {
        const rmo = rmOperand(g, size, 'r');
        // F6/F7 /1 is an undocumented alias of /0 that both vendors execute as TEST.
        g.emit({ pfx: sf.pfx, w: sf.w, op: [size === 8 ? 0xf6 : 0xf7], ext: g.rng.bool(0.1) ? 1 : 0, rm: rmo.rm,
          imm: immFor(g, size, n), byteRegs: size === 8 });
      }
      return { fw: ARITH & ~AF, fu: AF };
    },
  },
];

/** Shifts and rotates (C0/C1/D0-D3 groups) and SHLD/SHRD, with the count-dependent flag rules. */
import { sizeFields } from '../asm';
import type { Fx, ItemGen } from '../item-gen';
import { imm, regOperand, rmOperand, sizes } from '../operands';
import { AF, ARITH, CF, OF, PF, SF, ZF, type Template } from '../template';
import { shiftCount } from '../values';

/**
 * Flags of shift/rotate /k with an (unmasked) count, per the Intel SDM:
 * count masked to 5 bits (6 for 64-bit); masked 0 changes nothing; OF only defined for 1;
 * AF undefined for shifts; CF undefined for SHL/SHR when the masked count >= operand size.
 */
export function shiftFx(k: number, size: number, count: number): Fx {
  const masked = count & (size === 64 ? 63 : 31);
  if (masked === 0) return {};
  const ofDefined = masked === 1;
  if (k === 0 || k === 1) return { fw: CF | (ofDefined ? OF : 0), fu: ofDefined ? 0 : OF };
  if (k === 2 || k === 3) {
    const mod = size === 8 ? 9 : size === 16 ? 17 : 0;
    const temp = mod ? masked % mod : masked;
    return { fr: CF, fw: (temp !== 0 ? CF : 0) | (ofDefined ? OF : 0), fu: ofDefined ? 0 : OF };
  }
  const cfUndef = k !== 7 && masked >= size;
  return {
    fw: (SF | ZF | PF) | (cfUndef ? 0 : CF) | (ofDefined ? OF : 0),
    fu: AF | (ofDefined ? 0 : OF) | (cfUndef ? CF : 0),
  };
}

/** Count from the opcode (D0/D1: 1) or an imm8 (C0/C1). */
function countSource(g: ItemGen, size: number): { op: number; count: number; immB?: number[] } {
  if (g.rng.bool(0.35)) return { op: size === 8 ? 0xd0 : 0xd1, count: 1 };
  const c = shiftCount(g.rng, size);
  return { op: size === 8 ? 0xc0 : 0xc1, count: c, immB: imm(c, 1) };
}

export const shiftTemplates: Template[] = [
  {
    name: 'shift/rotate r/m (1, cl, imm8)', group: 'shift', weight: 6,
    gen(g) {
      // /6 is the undocumented SAL alias that both vendors execute as SHL.
      const k = g.rng.bool(0.03) ? 6 : g.rng.pick([0, 1, 2, 3, 4, 5, 7]);
      const size = g.rng.pick(sizes(g));
      // Fix CL first so a register destination that is RCX sees the same value.
      const useCl = g.rng.bool(0.4);
      let pre: { op: number; count: number; immB?: number[] } | undefined;
      if (useCl) {
        const c = shiftCount(g.rng, size);
        g.needExact(1, 8, BigInt(c));
        pre = { op: size === 8 ? 0xd2 : 0xd3, count: Number(g.value(1)! & 0xffn) };
      }
      const rmo = rmOperand(g, size, 'rw', { avoid: [1] });
      const cs = pre ?? countSource(g, size);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [cs.op], ext: k, rm: rmo.rm, imm: cs.immB, byteRegs: size === 8 });
      return shiftFx(k, size, cs.count);
    },
  },
  {
    name: 'shld/shrd r/m,r,(imm8|cl)', group: 'shift', weight: 3,
    gen(g) {
      const size = g.rng.pick(g.bits === 64 ? [16, 32, 64] : [16, 32]);
      const right = g.rng.bool();
      const useCl = g.rng.bool();
      let count = shiftCount(g.rng, size);
      if (useCl) { g.needExact(1, 8, BigInt(count)); count = Number(g.value(1)! & 0xffn); }
      const masked = count & (size === 64 ? 63 : 31);
      const undefResult = size === 16 && masked > 16;
      // A 16-bit count above 16 leaves the destination undefined: keep it in a register and mask it.
      const rmo = rmOperand(g, size, 'rw', { memP: undefResult ? 0 : 0.5, avoid: [1] });
      const src = regOperand(g, size, false);
      const sf = sizeFields(size);
      const op = [0x0f, (right ? 0xac : 0xa4) + (useCl ? 1 : 0)];
      g.emit({ pfx: sf.pfx, w: sf.w, op, reg: src, rm: rmo.rm, imm: useCl ? undefined : imm(count, 1) });
      if (masked === 0) return {};
      if (undefResult) return { fu: ARITH, terminal: true, undefRegs: [{ reg: rmo.rm as number, mask: 0xffffn }] };
      const one = masked === 1;
      return { fw: CF | SF | ZF | PF | (one ? OF : 0), fu: AF | (one ? 0 : OF) };
    },
  },
];

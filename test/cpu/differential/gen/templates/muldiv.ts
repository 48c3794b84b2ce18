/** MUL/IMUL (1, 2 and 3 operands) and DIV/IDIV, including #DE on zero divisors and overflow. */
import { sizeFields } from '../asm';
import type { ItemGen } from '../item-gen';
import { imm, regOperand, rmOperand, sizes } from '../operands';
import { AF, ARITH, CF, OF, PF, SF, ZF, type Template } from '../template';
import { edge, mask } from '../values';

const MUL_FX = { fw: CF | OF, fu: SF | ZF | AF | PF };

/** A dividend (hi:lo of 2*size bits) whose quotient by d fits, or not, as asked. */
function dividend(g: ItemGen, size: number, d: bigint, signed: boolean, fits: boolean): bigint {
  const n = BigInt(size);
  if (!fits || d === 0n) return (g.rng.bits(size * 2));
  if (!signed) {
    const q = edge(g.rng, size);
    const r = g.rng.bits(size) % d;
    return q * d + r;
  }
  const sd = BigInt.asIntN(size, d);
  const q = BigInt.asIntN(size, edge(g.rng, size));
  const ad = sd < 0n ? -sd : sd;
  let r = g.rng.bits(size) % ad;
  const prod = q * sd;
  if (prod < 0n || (prod === 0n && g.rng.bool())) r = -r;
  return BigInt.asUintN(size * 2, prod + r) & mask(2 * size) & ((1n << (2n * n)) - 1n);
}

export const mulDivTemplates: Template[] = [
  {
    name: 'mul/imul r/m (one operand)', group: 'muldiv', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'r');
      g.need(0, size, true);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [size === 8 ? 0xf6 : 0xf7], ext: g.rng.pick([4, 5]), rm: rmo.rm,
        byteRegs: size === 8 });
      return MUL_FX;
    },
  },
  {
    name: 'imul r,r/m', group: 'muldiv', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const rmo = rmOperand(g, size, 'r');
      const r = regOperand(g, size, false);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x0f, 0xaf], reg: r, rm: rmo.rm });
      return MUL_FX;
    },
  },
  {
    name: 'imul r,r/m,imm (69/6B)', group: 'muldiv', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const rmo = rmOperand(g, size, 'r');
      const r = g.pick();
      const sf = sizeFields(size);
      const short = g.rng.bool();
      const n = short ? 1 : size === 16 ? 2 : 4;
      g.emit({ pfx: sf.pfx, w: sf.w, op: [short ? 0x6b : 0x69], reg: r, rm: rmo.rm, imm: imm(edge(g.rng, n * 8), n) });
      return MUL_FX;
    },
  },
  {
    name: 'div/idiv r/m', group: 'muldiv', weight: 4,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const signed = g.rng.bool();
      const kind = g.rng.weighted([{ w: 1, v: 'zero' }, { w: 6, v: 'fits' }, { w: 3, v: 'random' }]);
      let d = kind === 'zero' ? 0n : edge(g.rng, size);
      if (kind !== 'zero' && d === 0n) d = 1n;
      const legacy = size === 8 ? g.byteSet() : false;
      let rm: number | ReturnType<ItemGen['mem']>;
      if (g.rng.bool()) {
        const m = g.mem(size, 'r');
        g.memValue(m, size, d);
        rm = m;
      } else {
        // Divisor in a register; RAX/RDX only rarely (then the value is the dividend's).
        const excl = g.rng.bool(0.9) ? (size === 8 ? [0, 16] : [0, 2]) : [];
        const r = size === 8 ? g.pickByte(legacy, excl) : g.pick({ exclude: excl });
        if (!g.needExact(r, size, d)) d = g.value(r) ?? d;
        rm = r;
      }
      const dvd = dividend(g, size, d, signed, kind !== 'random');
      if (size === 8) g.needExact(0, 16, dvd);
      else {
        g.needExact(0, size, dvd & mask(size));
        g.needExact(2, size, dvd >> BigInt(size));
      }
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [size === 8 ? 0xf6 : 0xf7], ext: signed ? 7 : 6, rm, byteRegs: size === 8 });
      return { fu: ARITH };
    },
  },
];

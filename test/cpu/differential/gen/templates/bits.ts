/** Bit instructions: BT/BTS/BTR/BTC (reg, imm, memory bit strings), BSF/BSR, TZCNT/LZCNT, POPCNT, BSWAP. */
import { sizeFields } from '../asm';
import type { Fx } from '../item-gen';
import { imm, regOperand, rmOperand, sizes } from '../operands';
import { AF, ARITH, CF, OF, PF, SF, ZF, type Template } from '../template';
import { edge, mask } from '../values';

const BT_FX: Fx = { fw: CF, fu: OF | SF | AF | PF };

export const bitTemplates: Template[] = [
  {
    name: 'bt/bts/btr/btc r/m,r', group: 'bits', weight: 3,
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const k = g.rng.int(4); // bt bts btr btc
      const op = [0x0f, [0xa3, 0xab, 0xb3, 0xbb][k]];
      const sf = sizeFields(size);
      if (g.rng.bool(0.5)) {
        // Memory bit string: the register offset is signed and reaches beyond the operand.
        const wide = g.rng.bool(0.15);
        const m = g.mem(size, k === 0 ? 'r' : 'rw', wide ? {} : { before: 64, after: 64 });
        for (let i = -64; i < 64 + size / 8; i += 8) g.setMem(m.ea + BigInt(i), [...Array(8)].map(() => g.rng.int(256)));
        const r = g.pick({ exclude: [] });
        const off = wide ? edge(g.rng, size) : BigInt.asUintN(size, BigInt(g.rng.int(1024 + size) - 512));
        // If r is also an address register, the offset is whatever the address needs (still deterministic).
        g.needExact(r, size, off);
        g.emit({ pfx: [...sf.pfx, ...(k > 0 && g.rng.bool(0.25) ? [0xf0] : [])], w: sf.w, op, reg: r, rm: m });
      } else {
        const rmo = rmOperand(g, size, k === 0 ? 'r' : 'rw', { memP: 0 });
        const r = regOperand(g, size, false);
        g.emit({ pfx: sf.pfx, w: sf.w, op, reg: r, rm: rmo.rm });
      }
      return BT_FX;
    },
  },
  {
    name: 'bt/bts/btr/btc r/m,imm8', group: 'bits', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const k = g.rng.int(4);
      const rmo = rmOperand(g, size, k === 0 ? 'r' : 'rw');
      const sf = sizeFields(size);
      const lock = rmo.mem && k > 0 && g.rng.bool(0.25) ? [0xf0] : [];
      g.emit({ pfx: [...sf.pfx, ...lock], w: sf.w, op: [0x0f, 0xba], ext: 4 + k, rm: rmo.rm, imm: imm(g.rng.int(256), 1) });
      return BT_FX;
    },
  },
  {
    name: 'bsf/bsr r,r/m', group: 'bits', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const isMem = g.rng.bool();
      let src: bigint;
      let rm: number | ReturnType<typeof g.mem>;
      if (isMem) {
        const m = g.mem(size, 'r');
        src = g.memValue(m, size, edge(g.rng, size));
        rm = m;
      } else {
        const r = g.pick();
        src = g.need(r, size)!;
        rm = r;
      }
      const dst = g.pick();
      g.need(dst, 64, true);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x0f, g.rng.pick([0xbc, 0xbd])], reg: dst, rm });
      const fx: Fx = { fw: ZF, fu: CF | OF | SF | AF | PF };
      // Zero source: the destination keeps its value (AMD documents it; Intel calls it undefined and
      // may clear the upper half of a 32-bit destination in 64-bit mode), so mask that upper half.
      if ((src & mask(size)) === 0n && size === 32 && g.bits === 64) {
        fx.terminal = true;
        fx.undefRegs = [{ reg: dst, mask: 0xffffffff00000000n }];
      }
      return fx;
    },
  },
  {
    name: 'tzcnt r,r/m', group: 'bits', feature: 'bmi1',
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const rmo = rmOperand(g, size, 'r');
      const r = g.pick();
      const sf = sizeFields(size);
      g.emit({ pfx: [0xf3, ...sf.pfx], w: sf.w, op: [0x0f, 0xbc], reg: r, rm: rmo.rm });
      return { fw: CF | ZF, fu: OF | SF | AF | PF };
    },
  },
  {
    name: 'lzcnt r,r/m', group: 'bits', feature: 'lzcnt',
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const rmo = rmOperand(g, size, 'r');
      const r = g.pick();
      const sf = sizeFields(size);
      g.emit({ pfx: [0xf3, ...sf.pfx], w: sf.w, op: [0x0f, 0xbd], reg: r, rm: rmo.rm });
      return { fw: CF | ZF, fu: OF | SF | AF | PF };
    },
  },
  {
    name: 'popcnt r,r/m', group: 'bits', feature: 'popcnt',
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const rmo = rmOperand(g, size, 'r');
      const r = g.pick();
      const sf = sizeFields(size);
      g.emit({ pfx: [0xf3, ...sf.pfx], w: sf.w, op: [0x0f, 0xb8], reg: r, rm: rmo.rm });
      return { fw: ARITH };
    },
  },
  {
    name: 'bswap r32/r64', group: 'bits',
    gen(g) {
      const size = g.bits === 64 && g.rng.bool() ? 64 : 32;
      const r = g.pick({ sp: true });
      g.need(r, size, true);
      g.emit({ w: size === 64, op: [0x0f, 0xc8], opReg: r });
      return {};
    },
  },
];

/**
 * Miscellaneous forms: NOPs (single and multi-byte, hint NOPs, PAUSE, ENDBR, prefetch), the BCD
 * instructions and ARPL of 32-bit mode, ignored-prefix combinations and the 15-byte length limit.
 */
import { sizeFields } from '../asm';
import { imm, regOperand, rmOperand, sizes } from '../operands';
import { AF, ARITH, CF, OF, PF, SF, ZF, type Template } from '../template';
import { aluFx } from './alu';

export const miscTemplates: Template[] = [
  {
    name: 'nop forms (90, 66 90, F3 90, 0F 1F /0, hint nops, endbr)', group: 'nop', weight: 2,
    gen(g) {
      const kind = g.rng.int(6);
      if (kind === 0) g.emit({ op: [0x90] });
      else if (kind === 1) g.emit({ pfx: [0x66], op: [0x90] });
      else if (kind === 2) g.emit({ pfx: [0xf3], op: [0x90] }, { noise: false });
      else if (kind === 3) {
        // Multi-byte NOP: any ModRM/SIB/displacement; the operand is never accessed.
        const size = g.rng.pick([16, 32, ...(g.bits === 64 ? [64] : [])]);
        const sf = sizeFields(size);
        const rm = g.rng.bool(0.8) ? g.mem(8, 'none') : g.pick({ sp: true });
        g.emit({ pfx: [...sf.pfx, ...(g.rng.bool(0.2) ? [0x2e] : [])], w: sf.w, op: [0x0f, 0x1f], ext: 0, rm });
      } else if (kind === 4) {
        // Reserved hint NOPs 0F 19, 0F 1C..1E and prefetch hints 0F 18 /0-3 (never fault).
        const op = g.rng.pick([0x18, 0x19, 0x1c, 0x1d]);
        const m = g.mem(8, 'none');
        g.emit({ op: [0x0f, op], ext: op === 0x18 ? g.rng.int(4) : g.rng.int(8), rm: m });
      } else {
        g.emit({ op: [0xf3, 0x0f, 0x1e, g.bits === 64 ? 0xfa : 0xfb] }, { noise: false });
      }
      return {};
    },
  },
  {
    name: 'prefetchw m8 (0F 0D /1)', group: 'nop', feature: 'prefetchw', weight: 0.3,
    gen(g) {
      g.emit({ op: [0x0f, 0x0d], ext: 1, rm: g.mem(8, 'none') });
      return {};
    },
  },
  {
    name: 'daa/das/aaa/aas', group: 'bcd', bits: [32],
    gen(g) {
      g.need(0, 32);
      const op = g.rng.pick([0x27, 0x2f, 0x37, 0x3f]);
      g.emit({ op: [op] });
      if (op === 0x27 || op === 0x2f) return { fr: AF | CF, fw: CF | AF | SF | ZF | PF, fu: OF };
      return { fr: AF, fw: AF | CF, fu: OF | SF | ZF | PF };
    },
  },
  {
    name: 'aam/aad imm8 (aam 0 → #DE)', group: 'bcd', bits: [32],
    gen(g) {
      g.need(0, 32);
      const op = g.rng.pick([0xd4, 0xd5]);
      const base = g.rng.weighted([{ w: 6, v: 10 }, { w: 3, v: g.rng.int(256) }, { w: 1, v: 0 }]);
      g.emit({ op: [op], imm: [base] });
      return { fw: SF | ZF | PF, fu: OF | AF | CF };
    },
  },
  {
    name: 'arpl r/m16,r16', group: 'bcd', bits: [32], weight: 0.3,
    gen(g) {
      const rmo = rmOperand(g, 16, 'rw');
      const r = regOperand(g, 16, false);
      g.emit({ op: [0x63], reg: r, rm: rmo.rm });
      return { fw: ZF };
    },
  },
  {
    name: 'ignored prefixes (67/segment/F2/F3/REX on register forms)', group: 'prefix', weight: 2,
    gen(g) {
      const k = g.rng.pick([0, 1, 4, 5, 6, 7]);
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const a = g.pick({ sp: false });
      const b = g.pick({ sp: false });
      g.need(a, size, true);
      g.need(b, size, true);
      const sf = sizeFields(size);
      const extra: number[] = [];
      const n = 1 + g.rng.int(3);
      for (let i = 0; i < n; i++) extra.push(g.rng.pick([0x67, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0xf2, 0xf3]));
      g.emit({ pfx: [...sf.pfx, ...extra], w: sf.w, op: [8 * k + 1], reg: a, rm: b });
      return aluFx(k);
    },
  },
  {
    name: 'instruction length limit (15 ok, 16 → #GP)', group: 'prefix', weight: 0.5,
    gen(g) {
      const len = g.rng.pick([14, 15, 15, 16, 17]);
      const a = g.pick({ max: 8 });
      g.need(a, 32, true);
      const body = [0x81, 0xc0 | a, ...imm(g.rng.u32(), 4)];
      const pfx: number[] = [];
      while (pfx.length + body.length < len) pfx.push(g.rng.pick([0x2e, 0x3e, 0x26, 0x36]));
      g.raw([...pfx, ...body]);
      return { fw: ARITH };
    },
  },
];

/** Stack forms: PUSH/POP (reg, imm, r/m), PUSHF/POPF, PUSHA/POPA, ENTER/LEAVE. */
import { EncodeError, sizeFields } from '../asm';
import type { ItemGen } from '../item-gen';
import { imm } from '../operands';
import { ARITH, type Template } from '../template';
import { edge, leBytes } from '../values';

/** Stack operand size and the prefix selecting it (16-bit via 66). */
function stackSize(g: ItemGen): { size: number; pfx: number[] } {
  if (g.rng.bool(0.15)) return { size: 16, pfx: [0x66] };
  return { size: g.bits, pfx: [] };
}

/** Random user-settable flags for POPF: never TF (it would single-step the harness). */
function popfValue(g: ItemGen, size: number): bigint {
  let v = g.rng.bits(32);
  v &= ~0x100n; // TF
  if (g.rng.bool(0.9)) v &= ~0x40000n; // AC: rarely, then misaligned accesses raise #AC on both sides
  if (g.rng.bool(0.8)) v &= ~0x200000n; // ID
  return size === 16 ? v & 0xffffn : size === 64 ? v | (g.rng.bool(0.2) ? g.rng.bits(64) & ~0xffffffffn : 0n) : v;
}

export const stackTemplates: Template[] = [
  {
    name: 'popf setting TF (single-step #DB after the next instruction)', group: 'trap', weight: 0.3, solo: true,
    gen(g) {
      const sp = g.stack();
      g.setMem(sp, leBytes(popfValue(g, g.bits) | 0x100n, g.bits / 8));
      g.emit({ op: [0x9d] });
      const r = g.pick();
      g.need(r, 64, true);
      g.emit({ op: [0xb8], opReg: r, imm: imm(g.rng.u32(), 4) });
      return { fw: ARITH };
    },
  },
  {
    name: 'popf setting AC, then a misaligned load (#AC)', group: 'trap', weight: 0.3,
    gen(g) {
      const sp = g.stack();
      g.setMem(sp, leBytes(popfValue(g, g.bits) | 0x40000n, g.bits / 8));
      g.emit({ op: [0x9d] });
      const size = g.rng.pick([16, 32, ...(g.bits === 64 ? [64] : [])]);
      const m = g.mem(size, 'r', { safe: true, align: 1, avoid: [4] });
      if (m.ea % BigInt(size / 8) === 0n && g.rng.bool(0.8)) throw new EncodeError('aligned');
      const r = g.pick();
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x8b], reg: r, rm: m });
      return { fw: ARITH };
    },
  },
  {
    name: 'push r / push r/m / push imm', group: 'stack', weight: 3,
    gen(g) {
      g.stack();
      const ss = stackSize(g);
      const form = g.rng.int(4);
      if (form === 0) {
        const r = g.pick({ sp: true });
        g.need(r, 64, true);
        g.emit({ pfx: ss.pfx, op: [0x50], opReg: r, w: g.bits === 64 && g.rng.bool(0.1) });
      } else if (form === 1) {
        const m = g.mem(ss.size, 'r');
        g.memValue(m, ss.size);
        g.emit({ pfx: ss.pfx, op: [0xff], ext: 6, rm: m });
      } else if (form === 2) {
        g.emit({ pfx: ss.pfx, op: [0x6a], imm: imm(edge(g.rng, 8), 1) });
      } else {
        g.emit({ pfx: ss.pfx, op: [0x68], imm: imm(edge(g.rng, ss.size === 16 ? 16 : 32), ss.size === 16 ? 2 : 4) });
      }
      return {};
    },
  },
  {
    name: 'pop r / pop r/m', group: 'stack', weight: 3,
    gen(g) {
      const sp = g.stack();
      const ss = stackSize(g);
      g.setMem(sp, leBytes(edge(g.rng, ss.size), ss.size / 8));
      if (g.rng.bool(0.6)) {
        const r = g.pick({ sp: true });
        g.need(r, 64, true);
        g.emit({ pfx: ss.pfx, op: [0x58], opReg: r });
      } else {
        // With RSP as the base, the address is computed after the pop has incremented RSP.
        const m = g.mem(ss.size, 'w');
        g.emit({ pfx: ss.pfx, op: [0x8f], ext: 0, rm: m });
      }
      return {};
    },
  },
  {
    name: 'pushf/popf', group: 'stack', weight: 2,
    gen(g) {
      const sp = g.stack();
      const ss = stackSize(g);
      if (g.rng.bool(0.4)) {
        g.emit({ pfx: ss.pfx, op: [0x9c] });
        return { fr: ARITH };
      }
      g.setMem(sp, leBytes(popfValue(g, ss.size), ss.size / 8));
      g.emit({ pfx: ss.pfx, op: [0x9d] });
      return { fw: ARITH };
    },
  },
  {
    name: 'pusha/popa', group: 'stack', bits: [32],
    gen(g) {
      const sp = g.stack();
      const ss = stackSize(g);
      for (let r = 0; r < 8; r++) if (r !== 4) g.need(r, 32, true);
      if (g.rng.bool()) {
        g.emit({ pfx: ss.pfx, op: [0x60] });
      } else {
        for (let i = 0; i < 8; i++) g.setMem(sp + BigInt((i * ss.size) / 8), leBytes(edge(g.rng, ss.size), ss.size / 8));
        g.emit({ pfx: ss.pfx, op: [0x61] });
      }
      return {};
    },
  },
  {
    name: 'enter/leave', group: 'stack', weight: 2,
    gen(g) {
      const sp = g.stack();
      const ss = stackSize(g);
      const span = Number(g.stackSlot.hi - g.stackSlot.lo);
      if (g.rng.bool()) {
        const level = g.rng.weighted([{ w: 6, v: 0 }, { w: 2, v: 1 }, { w: 2, v: 2 + g.rng.int(4) }, { w: 1, v: g.rng.int(256) }]);
        const size = g.rng.pick([0, 8, 16, 0x28, g.rng.int(0x100), g.rng.bool(0.1) ? 0xffff : 0]);
        // Frame pointers of outer levels are read from [rBP - k*size]: keep rBP in the stack area.
        const bp = g.stackSlot.lo + BigInt(Math.min(span - 8, 64 + g.rng.int(Math.max(1, span - 72))));
        if (!g.needExact(5, ss.size === 16 ? 16 : g.bits, bp)) g.need(5, 64);
        for (let i = 8; i <= 8 * 32 && bp - BigInt(i) >= g.stackSlot.lo; i += 8) {
          g.setMem(bp - BigInt(i), leBytes(edge(g.rng, 64), 8));
        }
        void sp;
        g.emit({ pfx: ss.pfx, op: [0xc8], imm: [...imm(size, 2), level] });
      } else {
        const bp = g.stackSlot.lo + BigInt(g.rng.int(Math.max(1, span - 16)));
        g.needExact(5, g.bits, bp);
        g.setMem(bp, leBytes(edge(g.rng, 64), 8));
        g.emit({ pfx: ss.pfx, op: [0xc9] });
      }
      return {};
    },
  },
];

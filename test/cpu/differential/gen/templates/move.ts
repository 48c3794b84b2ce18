/**
 * Data movement: MOV (all forms incl. moffs and movabs), MOVZX/MOVSX/MOVSXD, LEA, XCHG, XADD,
 * CMPXCHG, CMPXCHG8B/16B, CBW/CWD families, CMOVcc, SETcc, XLAT, LAHF/SAHF and the flag instructions.
 */
import { EncodeError, sizeFields } from '../asm';
import { imm, regOperand, rmOperand, sizes } from '../operands';
import { AF, ARITH, CF, PF, SF, ZF, ccFlags, type Template } from '../template';
import { edge, leBytes, mask } from '../values';

export const moveTemplates: Template[] = [
  {
    name: 'mov r/m,r / r,r/m', group: 'mov', weight: 4,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const store = g.rng.bool();
      const rmo = rmOperand(g, size, store ? 'w' : 'r', { sp: true });
      const r = regOperand(g, size, rmo.legacy);
      const sf = sizeFields(size);
      // F3 before a store is an XRELEASE hint, ignored without HLE.
      const hint = store && rmo.mem && g.rng.bool(0.05) ? [0xf3] : [];
      g.emit({ pfx: [...sf.pfx, ...hint], w: sf.w, op: [(store ? 0x88 : 0x8a) + (size === 8 ? 0 : 1)], reg: r, rm: rmo.rm,
        byteRegs: size === 8 });
      return {};
    },
  },
  {
    name: 'mov r/m,imm (C6/C7)', group: 'mov', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'w', { sp: true });
      const sf = sizeFields(size);
      const n = size === 8 ? 1 : size === 16 ? 2 : 4;
      g.emit({ pfx: sf.pfx, w: sf.w, op: [size === 8 ? 0xc6 : 0xc7], ext: 0, rm: rmo.rm, imm: imm(edge(g.rng, n * 8), n),
        byteRegs: size === 8 });
      return {};
    },
  },
  {
    name: 'mov r,imm (B0/B8, movabs)', group: 'mov', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const legacy = size === 8 ? g.byteSet() : false;
      const r = size === 8 ? g.pickByte(legacy) : g.pick();
      g.need(r, 64, true);
      const sf = sizeFields(size);
      const n = size / 8;
      g.emit({ pfx: sf.pfx, w: sf.w, op: [size === 8 ? 0xb0 : 0xb8], opReg: r, imm: imm(edge(g.rng, size), n),
        byteRegs: size === 8 });
      return {};
    },
  },
  {
    name: 'mov acc,moffs / moffs,acc (A0-A3)', group: 'mov', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const store = g.rng.bool();
      // Address size: 64 (8-byte offset) or 32 (67) in long mode; 32 or 16 (67) in 32-bit mode.
      const narrow = g.rng.bool(0.2);
      const asz = g.bits === 64 ? (narrow ? 32 : 64) : (narrow ? 16 : 32);
      const m = g.mem(size, store ? 'w' : 'r', { asz });
      if (!store) g.memValue(m, size); else g.need(0, size, true);
      // The offset is the whole address (segment-relative); mem() solved it into a register form,
      // so recompute it from the target and the segment base.
      const segBase = m.seg === 0x64 && g.bits === 64 ? g.env.fsBase : m.seg === 0x65 && g.bits === 64 ? g.env.gsBase : 0n;
      const off = BigInt.asUintN(asz, m.ea - segBase);
      const sf = sizeFields(size);
      const pfx = [...sf.pfx, ...(m.asz67 ? [0x67] : []), ...(m.seg !== undefined ? [m.seg] : [])];
      g.emit({ pfx, w: sf.w, op: [(store ? 0xa2 : 0xa0) + (size === 8 ? 0 : 1)], imm: leBytes(off, asz / 8) });
      return {};
    },
  },
  {
    name: 'movzx/movsx r,r/m8|16', group: 'mov', weight: 2,
    gen(g) {
      const srcSize = g.rng.pick([8, 16]);
      const dstSize = g.rng.pick(sizes(g).filter((s) => s > srcSize));
      const rmo = rmOperand(g, srcSize, 'r');
      const r = g.pick();
      const sf = sizeFields(dstSize);
      const op = (g.rng.bool() ? 0xb6 : 0xbe) + (srcSize === 16 ? 1 : 0);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x0f, op], reg: r, rm: rmo.rm, byteRegs: srcSize === 8 ? 'rm' : false });
      return {};
    },
  },
  {
    name: 'movsxd r,r/m32 (63)', group: 'mov', bits: [64],
    gen(g) {
      const size = g.rng.weighted([{ w: 8, v: 64 }, { w: 1, v: 32 }, { w: 1, v: 16 }]);
      const rmo = rmOperand(g, size === 64 ? 32 : size, 'r');
      const r = g.pick();
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x63], reg: r, rm: rmo.rm });
      return {};
    },
  },
  {
    name: 'lea r,m (all addressing forms)', group: 'mov', weight: 4,
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const m = g.mem(8, 'none');
      const r = g.pick({ sp: true });
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x8d], reg: r, rm: m });
      return {};
    },
  },
  {
    name: 'xchg r/m,r (86/87)', group: 'xchg', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'rw');
      const r = regOperand(g, size, rmo.legacy);
      const sf = sizeFields(size);
      const lock = rmo.mem && g.rng.bool(0.2) ? [0xf0] : [];
      g.emit({ pfx: [...sf.pfx, ...lock], w: sf.w, op: [size === 8 ? 0x86 : 0x87], reg: r, rm: rmo.rm, byteRegs: size === 8 });
      return {};
    },
  },
  {
    name: 'xchg acc,r (90+r)', group: 'xchg',
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const r = g.pick({ sp: true });
      g.need(r, size, true);
      g.need(0, size, true);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x90], opReg: r });
      return {};
    },
  },
  {
    name: 'xadd r/m,r', group: 'xchg', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'rw');
      const r = regOperand(g, size, rmo.legacy);
      const sf = sizeFields(size);
      const lock = rmo.mem && g.rng.bool(0.3) ? [0xf0] : [];
      g.emit({ pfx: [...sf.pfx, ...lock], w: sf.w, op: [0x0f, size === 8 ? 0xc0 : 0xc1], reg: r, rm: rmo.rm,
        byteRegs: size === 8 });
      return { fw: ARITH };
    },
  },
  {
    name: 'cmpxchg r/m,r', group: 'xchg', weight: 2,
    gen(g) {
      const size = g.rng.pick(sizes(g));
      const rmo = rmOperand(g, size, 'rw');
      const r = regOperand(g, size, rmo.legacy);
      // Make the accumulator equal to the destination half of the time.
      let dest: bigint | undefined;
      if (rmo.mem) dest = g.memValue(rmo.mem, size);
      else dest = g.value(rmo.rm as number);
      if (dest !== undefined && g.rng.bool(0.5)) g.needExact(0, size, dest);
      else g.need(0, size, true);
      const sf = sizeFields(size);
      const lock = rmo.mem && g.rng.bool(0.3) ? [0xf0] : [];
      g.emit({ pfx: [...sf.pfx, ...lock], w: sf.w, op: [0x0f, size === 8 ? 0xb0 : 0xb1], reg: r, rm: rmo.rm,
        byteRegs: size === 8 });
      return { fw: ARITH };
    },
  },
  {
    name: 'cmpxchg8b/16b m', group: 'xchg', weight: 2,
    gen(g) {
      const wide = g.bits === 64 && g.env.features.has('cx16') && g.rng.bool(0.5);
      const half = wide ? 64 : 32;
      const m = g.mem(half * 2, 'rw', { avoid: [0, 1, 2, 3], align: wide ? 16 : 8 });
      const lo = edge(g.rng, half), hi = edge(g.rng, half);
      g.setMem(m.ea, [...leBytes(lo, half / 8), ...leBytes(hi, half / 8)]);
      if (g.rng.bool(0.5)) { g.needExact(0, half, lo); g.needExact(2, half, hi); }
      else { g.needExact(0, half, g.rng.bool() ? lo : edge(g.rng, half)); g.needExact(2, half, edge(g.rng, half)); }
      g.need(1, half); g.need(3, half);
      const lock = g.rng.bool(0.4) ? [0xf0] : [];
      g.emit({ pfx: lock, w: wide, op: [0x0f, 0xc7], ext: 1, rm: m });
      return { fw: ZF };
    },
  },
  {
    name: 'cbw/cwde/cdqe, cwd/cdq/cqo', group: 'mov',
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      g.need(0, size, true);
      g.need(2, size, true);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [g.rng.pick([0x98, 0x99])] });
      return {};
    },
  },
  {
    name: 'cmovcc r,r/m', group: 'cond', weight: 3,
    gen(g) {
      const size = g.rng.pick(sizes(g).filter((s) => s !== 8));
      const cc = g.rng.int(16);
      // The source is read (and can fault) even when the condition is false.
      const rmo = rmOperand(g, size, 'r');
      const r = regOperand(g, size, false);
      g.need(r, 64, true);
      const sf = sizeFields(size);
      g.emit({ pfx: sf.pfx, w: sf.w, op: [0x0f, 0x40 + cc], reg: r, rm: rmo.rm });
      return { fr: ccFlags(cc) };
    },
  },
  {
    name: 'setcc r/m8', group: 'cond', weight: 2,
    gen(g) {
      const cc = g.rng.int(16);
      const rmo = rmOperand(g, 8, 'w');
      // The ModRM.reg field is ignored.
      g.emit({ op: [0x0f, 0x90 + cc], ext: g.rng.bool(0.9) ? 0 : g.rng.int(8), rm: rmo.rm, byteRegs: true,
        rex: !rmo.legacy && g.bits === 64 && g.rng.bool(0.2) });
      return { fr: ccFlags(cc) };
    },
  },
  {
    name: 'xlat', group: 'mov',
    gen(g) {
      const asz = g.bits === 64 ? (g.rng.bool(0.2) ? 32 : 64) : (g.rng.bool(0.2) ? 16 : 32);
      const al = BigInt(g.rng.int(256));
      const t = g.slot.lo + BigInt(g.rng.int(Number(g.slot.hi - g.slot.lo) - 256));
      const regBits = g.bits;
      const base = (t - al) & mask(asz);
      const hi = asz < regBits && g.rng.bool() ? g.rng.bits(regBits) & ~mask(asz) : 0n;
      if (!g.fix(3, hi | base)) throw new EncodeError('xlat rbx');
      g.needExact(0, 8, al);
      g.setMem(t + al, [g.rng.int(256)]);
      const narrow = asz !== g.bits;
      g.emit({ pfx: narrow ? [0x67] : [], w: g.bits === 64 && g.rng.bool(0.2), op: [0xd7] });
      return {};
    },
  },
  {
    name: 'lahf/sahf', group: 'flags',
    gen(g) {
      if (g.bits === 64 && !g.env.features.has('lahf_lm')) throw new EncodeError('no lahf in 64-bit mode');
      if (g.rng.bool()) {
        g.need(0, 64, true);
        g.emit({ op: [0x9f] });
        return { fr: SF | ZF | AF | PF | CF };
      }
      g.need(0, 64, true);
      g.emit({ op: [0x9e] });
      return { fw: SF | ZF | AF | PF | CF };
    },
  },
  {
    name: 'cmc/clc/stc/cld/std', group: 'flags',
    gen(g) {
      const op = g.rng.pick([0xf5, 0xf8, 0xf9, 0xfc, 0xfd]);
      g.emit({ op: [op] });
      return op === 0xf5 ? { fr: CF, fw: CF } : op === 0xf8 || op === 0xf9 ? { fw: CF } : {};
    },
  },
];


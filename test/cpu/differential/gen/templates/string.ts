/**
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS in all sizes, with and without REP/REPE/REPNE,
 * both directions, address-size overrides (wrapping SI/DI at 64 KiB in 32-bit mode), source segment
 * overrides, and buffers that sometimes run into an unmapped or read-only page mid-way.
 */
import { DATA_BASE, DATA_SIZE } from '../../layout';
import { EncodeError } from '../asm';
import type { ItemGen } from '../item-gen';
import { ARITH, type Template } from '../template';
import { edge, leBytes, mask } from '../values';

const OPS = [
  { name: 'movs', op: 0xa4, src: true, dst: 'w', cmp: false },
  { name: 'cmps', op: 0xa6, src: true, dst: 'r', cmp: true },
  { name: 'stos', op: 0xaa, src: false, dst: 'w', cmp: false },
  { name: 'lods', op: 0xac, src: true, dst: '', cmp: false },
  { name: 'scas', op: 0xae, src: false, dst: 'r', cmp: true },
] as const;

const SEGS = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];

/** Start address so that n elements of `el` bytes in direction `down` stay in [lo, hi) (or run out of it). */
function place(g: ItemGen, n: number, el: number, down: boolean, lo: bigint, hi: bigint, runOut: boolean): bigint {
  const len = BigInt(n * el);
  if (runOut) {
    // Start near an edge of the data window so the walk crosses into unmapped/read-only memory.
    const end = DATA_BASE + BigInt(DATA_SIZE);
    return down ? DATA_BASE + BigInt(g.rng.int(Math.max(1, n)) * el) - BigInt(el) : end - BigInt(g.rng.int(Math.max(1, n * el)));
  }
  const room = hi - lo - len - BigInt(el);
  if (room <= 0n) throw new EncodeError('string too long for slot');
  let off = lo + BigInt(g.rng.int(Number(room)));
  if (g.rng.bool(0.6)) off -= off % BigInt(el);
  if (off < lo) off += BigInt(el);
  return down ? off + len - BigInt(el) : off;
}

export const stringTemplates: Template[] = [
  {
    name: 'string op [rep/repe/repne] (movs cmps stos lods scas)', group: 'string', weight: 6,
    gen(g) {
      const o = g.rng.pick(OPS);
      const size = g.rng.pick(g.bits === 64 ? [8, 16, 32, 64] : [8, 16, 32]);
      const el = size / 8;
      const rep = g.rng.weighted([{ w: 3, v: 0 }, { w: 5, v: 0xf3 }, { w: o.cmp ? 2 : 0.3, v: 0xf2 }]);
      const narrow = g.rng.bool(0.2);
      const asz = narrow ? (g.bits === 64 ? 32 : 16) : g.bits;
      // Direction: known for the first item, otherwise set it explicitly with CLD/STD.
      let down: boolean;
      if (g.index === 0 && g.env.initialDf !== undefined && g.rng.bool(0.7)) down = g.env.initialDf;
      else {
        down = g.rng.bool(0.3);
        g.emit({ op: [down ? 0xfd : 0xfc] });
      }
      const count = rep === 0 ? 1 : g.rng.pick([0, 1, 2, 3, 1 + g.rng.int(16), 1 + g.rng.int(64),
        ...(size === 8 && !o.cmp ? [200 + g.rng.int(400)] : [])]);
      const n = Math.max(1, count);
      const runOut = g.single && g.rng.bool(0.12);
      const slotLo = asz === 16 ? 0xc000n : g.slot.lo;
      const half = (g.slot.hi + g.slot.lo) / 2n;
      const slotHi = asz === 16 ? 0xf000n : g.slot.hi;
      const mid = asz === 16 ? 0xd800n : half;
      // Source in the lower half of the slot, destination in the upper half (no overlap).
      let segBase = 0n;
      let seg: number | undefined;
      if (o.src && g.rng.bool(0.3)) {
        seg = g.rng.pick(SEGS);
        if (g.bits === 64 && seg === 0x64) segBase = g.env.fsBase;
        if (g.bits === 64 && seg === 0x65) segBase = g.env.gsBase;
      }
      const wrap16 = asz === 16 && g.single && g.rng.bool(0.1);
      const am = mask(asz);
      const hiJunk = (): bigint => (asz < g.bits && g.rng.bool(0.6) ? g.rng.bits(g.bits) & ~am : 0n);
      let srcStart = 0n, dstStart = 0n;
      if (o.src) {
        srcStart = place(g, n, el, down, slotLo, mid, runOut && g.rng.bool());
        const off = BigInt.asUintN(64, srcStart - segBase);
        if (asz < 64 && off > am) throw new EncodeError('segment base out of reach');
        if (!g.fix(6, hiJunk() | (off & am))) throw new EncodeError('rsi');
      } else g.need(6, 64, true);
      if (o.dst) {
        dstStart = wrap16 ? 0xfff0n + BigInt(g.rng.int(16)) : place(g, n, el, down, mid, slotHi, runOut);
        if (!g.fix(7, hiJunk() | (dstStart & am))) throw new EncodeError('rdi');
      } else g.need(7, 64, true);
      if (!g.fix(1, (rep ? hiJunk() : g.rng.bits(g.bits)) | BigInt(count))) throw new EncodeError('rcx');
      // Contents: random elements; for compares, an equal (repe) or unequal (repne) run of length k.
      const k = g.rng.int(n + 1);
      const acc = edge(g.rng, size);
      const elems = (addr: bigint, i: number): bigint => addr + BigInt(down ? -i * el : i * el);
      const srcVals: bigint[] = [];
      for (let i = 0; i < n; i++) {
        const v = g.rng.bits(size);
        srcVals.push(v);
        if (o.src) g.setMem(elems(srcStart, i), leBytes(v, el));
      }
      if (o.dst === 'r') {
        for (let i = 0; i < n; i++) {
          let v = g.rng.bits(size);
          const ref = o.name === 'cmps' ? srcVals[i] : acc;
          if (rep === 0xf3 || rep === 0) v = i < k ? ref : ref ^ 1n;
          else v = i < k ? (v === ref ? ref ^ 2n : v) : ref;
          g.setMem(elems(dstStart, i), leBytes(v, el));
        }
      }
      if (o.name === 'scas' || o.name === 'stos') g.needExact(0, size, acc);
      else g.need(0, 64, true);
      const pfx = [...(size === 16 ? [0x66] : []), ...(rep ? [rep] : []), ...(narrow ? [0x67] : []),
        ...(seg !== undefined ? [seg] : [])];
      g.emit({ pfx, w: size === 64, op: [o.op + (size === 8 ? 0 : 1)] });
      if (!o.cmp) return {};
      return rep && count === 0 ? {} : { fw: ARITH };
    },
  },
];

/**
 * Builds test cases from templates: one item (most cases) or a short sequence of items whose
 * register requirements become mov instructions, with flags carried from item to item. Tracks which
 * flags are undefined at every point so the comparison can ignore exactly those.
 */
import {
  CODE_BASE, CODE_SIZE, DATA_BASE, SLOT_AREA, SLOT_AREA_SIZE, STACK_PAGE,
} from '../layout';
import type { Bits, ItemInfo, TestCase } from '../test-case';
import { EncodeError } from './asm';
import { ItemGen, type CaseEnv } from './item-gen';
import { Rng } from './rng';
import { ARITH, DF, type Template } from './template';
import { mask, regValue } from './values';

export interface GenOptions {
  templates: Template[];
  features: ReadonlySet<string>;
  /** Probability of a single-item case. */
  singleP?: number;
  maxItems?: number;
  /**
   * Whether FS/GS bases may be in the kernel half (default true). The native harness sets them with
   * WRFSBASE where the host allows it; its arch_prctl fallback refuses bases at or above TASK_SIZE_MAX.
   */
  kernelSegmentBases?: boolean;
}

function movImm(bits: Bits, reg: number, v: bigint): number[] {
  const out: number[] = [];
  if (bits === 64) {
    out.push(0x48 | (reg >= 8 ? 1 : 0), 0xb8 + (reg & 7));
    for (let i = 0; i < 8; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  } else {
    out.push(0xb8 + reg);
    for (let i = 0; i < 4; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  }
  return out;
}

function usable(t: Template, bits: Bits, opts: GenOptions, solo: boolean): boolean {
  if (t.bits && !t.bits.includes(bits)) return false;
  if (t.feature && !opts.features.has(t.feature)) return false;
  if (t.solo && !solo) return false;
  return (t.weight ?? 1) > 0;
}

interface Layout { codeOffset: number; tail: boolean; }

/** Generates case `index` of campaign `seed` for `bits`. Deterministic in (seed, index, bits, options). */
export function generateCase(seed: number, index: number, bits: Bits, opts: GenOptions): TestCase {
  const root = new Rng(seed, index * 2 + (bits === 32 ? 1 : 0));
  const layoutRng = root.clone();
  const tail = layoutRng.bool(0.04);
  const codeOffset = tail ? 0 : layoutRng.bool(0.7) ? 0 : layoutRng.int(0x300);
  const first = build(root.clone(), seed, index, bits, opts, { codeOffset, tail });
  if (!tail) return first;
  // Put the code at the end of the code page so the last instruction runs into the unmapped page.
  const len = first.code.length;
  const cut = Math.max(1, Math.min(len - 1, 1 + layoutRng.int(Math.min(len, 8))));
  const off = CODE_SIZE - (len - cut);
  const c = build(root.clone(), seed, index, bits, opts, { codeOffset: off, tail });
  c.code = c.code.slice(0, CODE_SIZE - off);
  return c;
}

function build(rng: Rng, seed: number, index: number, bits: Bits, opts: GenOptions, layout: Layout): TestCase {
  const nregs = bits === 64 ? 16 : 8;
  // Initial state: edge-biased registers, random arithmetic flags and DF.
  const regs: bigint[] = [];
  for (let r = 0; r < 16; r++) regs.push(r < nregs ? regValue(rng, rng.pick([8, 16, 32, 64]), bits) : 0n);
  let rflags = 0x202n;
  for (const f of [0x1, 0x4, 0x10, 0x40, 0x80, 0x800]) if (rng.bool()) rflags |= BigInt(f);
  if (rng.bool(0.2)) rflags |= BigInt(DF);
  let fsBase = bits === 64 ? rng.pick([0n, 0n, 0x1000n, 0x8000n, DATA_BASE, 0xfffffffffffff000n, 0x100000000n, BigInt(rng.u32())]) : 0n;
  let gsBase = bits === 64 ? rng.pick([0n, 0n, 0x2000n, 0xc000n, 0xffffffffffff0000n, BigInt(rng.u32())]) : 0n;
  if (opts.kernelSegmentBases === false) {
    // Same random stream either way; a kernel-half base is folded into the low user half instead.
    fsBase = BigInt.asUintN(46, fsBase);
    gsBase = BigInt.asUintN(46, gsBase);
  }
  const env: CaseEnv = { bits, fsBase, gsBase, initialDf: (rflags & BigInt(DF)) !== 0n, features: opts.features };
  const memSeed = rng.u32();

  const single = rng.bool(opts.singleP ?? 0.6);
  const nItems = single ? 1 : 2 + rng.int((opts.maxItems ?? 5) - 1);
  const slotSize = BigInt(Math.floor(SLOT_AREA_SIZE / nItems) & ~15);
  const stackSize = BigInt(Math.floor(0x1000 / nItems) & ~15);
  // Initial RSP: inside the first item's stack area.
  const st0 = STACK_PAGE;
  let sp = st0 + 96n + BigInt(rng.int(Math.max(1, Number(stackSize) - 192)));
  if (rng.bool(0.85)) sp -= sp % BigInt(bits / 8);
  regs[4] = sp;

  const templates = opts.templates.filter((t) => usable(t, bits, opts, single));
  const weights = templates.map((t) => ({ w: t.weight ?? 1, v: t }));
  const code: number[] = [];
  const patches = new Map<number, number>();
  const items: ItemInfo[] = [];
  let undef = 0;
  let undefRegs: { reg: number; mask: bigint }[] = [];
  const codeBase = CODE_BASE + BigInt(layout.codeOffset);

  for (let i = 0; i < nItems; i++) {
    const slot = { lo: SLOT_AREA + slotSize * BigInt(i), hi: SLOT_AREA + slotSize * BigInt(i + 1) };
    const stackSlot = { lo: STACK_PAGE + stackSize * BigInt(i), hi: STACK_PAGE + stackSize * BigInt(i + 1) };
    const known = new Map<number, bigint>();
    if (i === 0) for (let r = 0; r < nregs; r++) known.set(r, regs[r]);
    let done = false;
    for (let attempt = 0; attempt < 40 && !done; attempt++) {
      const t = rng.weighted(weights);
      const sub = new Rng(rng.u32(), i);
      const pc = codeBase + BigInt(code.length);
      const mk = (at: bigint, r: Rng): ItemGen =>
        new ItemGen(r, i === 0 ? env : { ...env, initialDf: undefined }, at, i, known, slot, stackSlot, single);
      try {
        // Pass 1 learns how many setup instructions the item needs; pass 2 generates it at its real address.
        const g1 = mk(pc, sub.clone());
        const fx1 = t.gen(g1);
        const fix1 = ((fx1.fr ?? 0) & undef) !== 0;
        const setupLen = (i === 0 ? 0 : g1.reqs.size * (bits === 64 ? 10 : 5)) + (fix1 ? 2 : 0);
        const g = mk(pc + BigInt(setupLen), sub.clone());
        const fx = t.gen(g);
        const fix = ((fx.fr ?? 0) & undef) !== 0;
        if (g.reqs.size !== g1.reqs.size || fix !== fix1) continue;
        if (fx.terminal && i !== nItems - 1 && !single) continue;
        const start = code.length;
        if (i === 0) {
          for (const [r, v] of g.reqs) regs[r] = v & mask(bits);
        } else {
          for (const [r, v] of g.reqs) code.push(...movImm(bits, r, v));
        }
        let undefIn = undef;
        // The item reads flags that may be undefined: define them first (cmp al, imm8 writes all six).
        if (fix) { code.push(0x3c, rng.int(256)); undefIn = 0; }
        const body = code.length;
        code.push(...g.bytes);
        for (const [off, b] of g.patches) patches.set(off, b);
        undef = (undefIn & ~(fx.fw ?? 0)) | (fx.fu ?? 0);
        items.push({
          name: t.name, start, end: code.length, body, undefIn, undefOut: undef & ARITH,
          fr: fx.fr ?? 0, fw: fx.fw ?? 0, fu: fx.fu ?? 0, fixup: fix,
        });
        if (fx.undefRegs) undefRegs = fx.undefRegs;
        done = true;
        if (fx.terminal) i = nItems;
      } catch (e) {
        if (!(e instanceof EncodeError)) throw e;
      }
    }
    if (!done) throw new Error(`could not generate item ${i} (seed ${seed} case ${index})`);
  }

  const sorted = [...patches.keys()].sort((a, b) => a - b);
  const runs: { offset: number; data: Uint8Array }[] = [];
  for (let k = 0; k < sorted.length;) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1 && j - k < 4000) j++;
    runs.push({ offset: sorted[k], data: Uint8Array.from(sorted.slice(k, j + 1).map((o) => patches.get(o)!)) });
    k = j + 1;
  }
  return {
    id: index, bits, code: Uint8Array.from(code), codeOffset: layout.codeOffset, regs, rflags, fsBase, gsBase,
    memSeed, patches: runs, items, undefRegs, origin: `seed ${seed} case ${index} (${bits}-bit)`,
  };
}

/**
 * Generation context for one item of a test case. Templates ask it for registers, operand values
 * and memory operands; it records what the registers must hold when the item starts ("requirements",
 * turned into initial register values for the first item or into mov instructions before later ones)
 * and what the data pages must contain (patches), so the effective addresses are known exactly.
 */
import {
  CODE_BASE, CODE_SIZE, DATA_BASE, DATA_SIZE, RO_BASE, RO_SIZE, inData,
} from '../layout';
import type { Bits } from '../test-case';
import { AH, BH, CH, DH, EncodeError, encode, type Insn, type Mem } from './asm';
import type { Rng } from './rng';
import { edge, leBytes, mask, regValue } from './values';

/** How an item affects flags: read, written with defined values, left undefined (masks of RFLAGS bits). */
export interface Fx {
  fr?: number;
  fw?: number;
  fu?: number;
  /** The item leaves architecturally undefined results: it must be the last item of its case. */
  terminal?: boolean;
  undefRegs?: { reg: number; mask: bigint }[];
}

export interface CaseEnv {
  bits: Bits;
  fsBase: bigint;
  gsBase: bigint;
  /** DF of the initial RFLAGS (known to the first item only). */
  initialDf?: boolean;
  /** CPUID features usable in this campaign (host and emulator agree). */
  features: ReadonlySet<string>;
}

export type Access = 'r' | 'w' | 'rw' | 'none';

export interface MemOpts {
  /** Registers that must not be used for addressing. */
  avoid?: number[];
  /** Force an address size (16/32/64). */
  asz?: number;
  /** No segment override. */
  noSeg?: boolean;
  /** Keep the target inside this item's data slot (no deliberate faults). */
  safe?: boolean;
  /** Preferred alignment of the target when it is in the data slot. */
  align?: number;
  /** Extra bytes around the target that must be in the slot (e.g. for bit-string offsets). */
  before?: number;
  after?: number;
}

const SEG = { ES: 0x26, CS: 0x2e, SS: 0x36, DS: 0x3e, FS: 0x64, GS: 0x65 };

export class ItemGen {
  readonly bytes: number[] = [];
  readonly reqs = new Map<number, bigint>();
  /** Data-window offset → byte. */
  readonly patches = new Map<number, number>();
  /** Free-form notes for the reproducer. */
  readonly notes: string[] = [];

  constructor(
    readonly rng: Rng,
    readonly env: CaseEnv,
    /** Linear address of the item's first byte. */
    readonly pc0: bigint,
    /** Position in the case; item 0 starts from the initial registers. */
    readonly index: number,
    /** Registers known at item start (the initial registers for item 0). */
    readonly known: ReadonlyMap<number, bigint>,
    readonly slot: { lo: bigint; hi: bigint },
    readonly stackSlot: { lo: bigint; hi: bigint },
    readonly single: boolean,
  ) {}

  get bits(): Bits { return this.env.bits; }
  get nregs(): number { return this.env.bits === 64 ? 16 : 8; }
  pc(): bigint { return this.pc0 + BigInt(this.bytes.length); }

  /** Encodes and appends an instruction, sometimes with harmless extra prefixes. */
  emit(insn: Insn, opts: { noise?: boolean } = {}): number[] {
    const i: Insn = { ...insn, pfx: [...(insn.pfx ?? [])] };
    if (opts.noise !== false) {
      if (this.bits === 64 && !i.byteRegs && this.rng.bool(0.06)) i.rex = true;
      if (i.pfx!.includes(0x66) && this.rng.bool(0.05)) i.pfx!.push(0x66);
      // REX.W takes precedence over 66.
      if (i.w && !i.vex && this.rng.bool(0.05)) i.pfx!.push(0x66);
      if (this.bits === 64 && i.pfx!.length > 0 && i.strayRex === undefined && this.rng.bool(0.03)) {
        // A REX that is not right before the opcode is ignored by the CPU.
        i.strayRex = this.rng.pick([0x40, 0x41, 0x48, 0x4f]);
      }
    }
    const bytes = encode(i, this.bits, this.pc(), (xs) => this.rng.shuffle(xs));
    if (bytes.length > 15) throw new EncodeError('too long');
    this.bytes.push(...bytes);
    return bytes;
  }

  raw(bytes: number[]): void { this.bytes.push(...bytes); }

  /** Encodes an instruction for address `at` without appending it (to size bodies of jumps). */
  assemble(insn: Insn, at: bigint): number[] {
    return encode(insn, this.bits, at);
  }

  // ---- registers ----

  /** The value a register holds at item start, if it is known (required or initial). */
  value(reg: number): bigint | undefined {
    if (reg >= AH) {
      const v = this.value(reg - AH);
      return v === undefined ? undefined : (v >> 8n) & 0xffn;
    }
    return this.reqs.get(reg) ?? this.known.get(reg);
  }

  /** Fixes a register's value at item start; false if it is already fixed to something else. */
  fix(reg: number, v: bigint): boolean {
    const m = mask(this.bits);
    v &= m;
    const cur = this.reqs.get(reg);
    if (cur !== undefined) return cur === v;
    this.reqs.set(reg, v);
    return true;
  }

  /**
   * An operand register's value (low `size` bits edge-biased, upper junk). With `optional`, later
   * items may leave the value to whatever earlier instructions computed (returns undefined).
   */
  need(reg: number, size: number, optional = false): bigint | undefined {
    if (reg >= AH) {
      const full = this.need(reg - AH, 64, optional);
      return full === undefined ? undefined : (full >> 8n) & 0xffn;
    }
    const req = this.reqs.get(reg);
    if (req !== undefined) return req & mask(size);
    if (optional && this.index > 0 && this.rng.bool(0.4)) return undefined;
    // Item 0 may keep the (random) initial value; record it so nothing else changes it.
    const v = this.index === 0 && this.rng.bool(0.3) ? this.known.get(reg)! : regValue(this.rng, size, this.bits);
    this.reqs.set(reg, v);
    return v & mask(size);
  }

  /** Like need(), but with an exact low part. */
  needExact(reg: number, size: number, low: bigint): boolean {
    if (reg >= AH) {
      const cur = this.value(reg - AH);
      const base = this.reqs.get(reg - AH) ?? (cur !== undefined && this.index === 0 ? cur : this.rng.bits(this.bits));
      return this.fix(reg - AH, (base & ~0xff00n) | ((low & 0xffn) << 8n));
    }
    const req = this.reqs.get(reg);
    if (req !== undefined) return (req & mask(size)) === (low & mask(size));
    const hi = this.rng.bool(0.5) ? this.rng.bits(this.bits) : 0n;
    return this.fix(reg, (hi & ~mask(size)) | (low & mask(size)));
  }

  /** Picks a general register (never RSP unless asked). */
  pick(opts: { exclude?: number[]; sp?: boolean; max?: number } = {}): number {
    const n = opts.max ?? this.nregs;
    for (let tries = 0; tries < 100; tries++) {
      const r = this.rng.int(n);
      if (r === 4 && !(opts.sp && this.rng.bool(0.3))) continue;
      if (opts.exclude?.includes(r)) continue;
      return r;
    }
    throw new EncodeError('no register');
  }

  /** Picks a byte register: AH..BH (legacy set) or SPL..R15B (REX set), per `legacy`. */
  pickByte(legacy: boolean, exclude: number[] = []): number {
    for (let tries = 0; tries < 100; tries++) {
      let r: number;
      if (legacy) r = this.rng.pick([0, 1, 2, 3, AH, CH, DH, BH]);
      else r = this.rng.int(this.nregs);
      if (r === 4 && this.bits === 64 && this.rng.bool(0.7)) continue; // SPL rarely
      if (exclude.includes(r)) continue;
      if (this.bits === 32 && r >= 4 && r < 8) continue; // no SPL..DIL without REX
      return r;
    }
    throw new EncodeError('no byte register');
  }

  /** Chooses whether byte registers come from the legacy (AH..BH) set. */
  byteSet(m?: Mem): boolean {
    if (this.bits === 32) return true;
    if (m && (m.rexB || m.rexX)) return false;
    return this.rng.bool(0.35);
  }

  // ---- memory ----

  /** Writes initial bytes at a linear address (only inside the data window). */
  setMem(ea: bigint, data: number[]): void {
    for (let i = 0; i < data.length; i++) {
      const a = ea + BigInt(i);
      if (inData(a, 1)) this.patches.set(Number(a - DATA_BASE), data[i] & 0xff);
    }
  }

  /** Gives a memory operand an edge value of `size` bits. */
  memValue(m: Mem, size: number, v?: bigint): bigint {
    const val = v ?? edge(this.rng, size);
    if (this.rng.bool(0.8) || v !== undefined) this.setMem(m.ea, leBytes(val, size / 8));
    return val;
  }

  /** Picks the linear address a memory access should hit. */
  private target(size: number, access: Access, o: MemOpts, asz: number): bigint {
    const rng = this.rng;
    const span = size + (o.before ?? 0) + (o.after ?? 0);
    const inSlot = (): bigint => {
      const room = Number(this.slot.hi - this.slot.lo) - span;
      let off = (o.before ?? 0) + rng.int(Math.max(1, room));
      const al = o.align ?? size;
      if (rng.bool(0.65) && al > 1) off -= off % al;
      if (off < (o.before ?? 0)) off = o.before ?? 0;
      return this.slot.lo + BigInt(off);
    };
    if (access === 'none') {
      return rng.bool(0.5) ? inSlot() : rng.bits(asz);
    }
    if (o.safe || (!this.single && rng.bool(0.8))) return inSlot();
    const dataEnd = DATA_BASE + BigInt(DATA_SIZE);
    const s = BigInt(size);
    const kind = rng.weighted([
      { w: 80, v: 'slot' }, { w: 3, v: 'ro' }, { w: 2, v: 'code' }, { w: 5, v: 'unmapped' },
      { w: 4, v: 'straddle' }, { w: asz === 64 ? 2 : 0, v: 'noncanon' }, { w: asz === 64 ? 1 : 0, v: 'high' },
      { w: 3, v: 'stack' },
    ]);
    switch (kind) {
      case 'ro': return RO_BASE + BigInt(rng.int(RO_SIZE - size + 1));
      case 'code': return CODE_BASE + BigInt(rng.int(0x100));
      case 'unmapped': return rng.pick([
        DATA_BASE - s - BigInt(rng.int(64)), RO_BASE + BigInt(RO_SIZE + rng.int(64)), BigInt(rng.int(4096)),
        CODE_BASE + BigInt(CODE_SIZE + rng.int(64)), BigInt(rng.u32()), CODE_BASE - s,
      ]);
      case 'straddle': return rng.pick([
        DATA_BASE - BigInt(1 + rng.int(Math.max(1, size - 1))), dataEnd - s + 1n + BigInt(rng.int(Math.max(1, size - 1))),
        RO_BASE + BigInt(RO_SIZE) - s + 1n + BigInt(rng.int(Math.max(1, size - 1))),
      ]);
      case 'noncanon': return rng.pick([1n << 47n, (1n << 63n), 0xffff000000000000n, 0x00007ffffffffff8n + BigInt(rng.int(16))])
        + BigInt(rng.int(4096));
      case 'high': return 0xffffffff80000000n + BigInt(rng.int(0x10000));
      case 'stack': return this.stackSlot.lo + BigInt(rng.int(Number(this.stackSlot.hi - this.stackSlot.lo) - size));
      default: return inSlot();
    }
  }

  /** A memory operand of `size` bits, with addressing registers fixed so it resolves to a chosen address. */
  mem(sizeBits: number, access: Access, o: MemOpts = {}): Mem {
    const size = Math.max(1, sizeBits / 8);
    for (let tries = 0; tries < 60; tries++) {
      const asz = o.asz ?? (this.bits === 64 ? (this.rng.bool(0.12) ? 32 : 64) : (this.rng.bool(0.15) ? 16 : 32));
      let t = this.target(size, access, o, asz);
      if (asz === 16 && (t >= 0x10000n || t < 0n)) {
        if (access !== 'none' && !o.safe && this.rng.bool(0.3)) t = BigInt(this.rng.int(0xc000));
        else continue;
      }
      // Segment override and its base.
      let seg: number | undefined;
      let segBase = 0n;
      if (!o.noSeg && this.rng.bool(0.35)) {
        const choices = this.bits === 64
          ? [SEG.DS, SEG.ES, SEG.SS, SEG.CS, SEG.FS, SEG.FS, SEG.GS, SEG.GS]
          : [SEG.DS, SEG.ES, SEG.SS, SEG.FS, SEG.GS, ...(access === 'r' || this.rng.bool(0.2) ? [SEG.CS] : [])];
        seg = this.rng.pick(choices);
        if (this.bits === 64 && seg === SEG.FS) segBase = this.env.fsBase;
        if (this.bits === 64 && seg === SEG.GS) segBase = this.env.gsBase;
      }
      const am = mask(asz);
      const off = BigInt.asUintN(64, t - segBase);
      if (asz < 64) {
        if (off > am) continue; // not reachable with this segment and address size
      }
      const m = asz === 16 ? this.solve16(off, o) : this.solve(off, asz, o);
      if (!m) continue;
      m.seg = seg;
      m.ea = BigInt.asUintN(64, t);
      return m;
    }
    throw new EncodeError('no memory operand');
  }

  /** Value for an index register (or a base when the other part is solved). */
  private indexValue(asz: number): bigint {
    const r = this.rng.int(6);
    if (r === 0) return BigInt(this.rng.int(64));
    if (r === 1) return mask(asz) - BigInt(this.rng.int(64)); // small negative
    if (r === 2) return 0n;
    return edge(this.rng, asz);
  }

  /** Full register contents whose low `asz` bits are `low` (junk above for narrow address sizes). */
  private addrReg(reg: number, asz: number, low: bigint): boolean {
    if (asz >= this.bits) return this.fix(reg, low);
    const cur = this.reqs.get(reg);
    if (cur !== undefined) return (cur & mask(asz)) === low;
    const hi = this.rng.bool(0.6) ? this.rng.bits(this.bits) : 0n;
    return this.fix(reg, (hi & ~mask(asz)) | low);
  }

  /** A register's value if already fixed; item 0 sometimes adopts the initial value. */
  private known0(reg: number): bigint | undefined {
    const r = this.reqs.get(reg);
    if (r !== undefined) return r;
    if (this.index === 0 && this.rng.bool(0.3)) {
      const v = this.known.get(reg)!;
      this.reqs.set(reg, v);
      return v;
    }
    return undefined;
  }

  private solve(off: bigint, asz: number, o: MemOpts): Mem | undefined {
    const rng = this.rng;
    const am = mask(asz);
    const forms = ['abs', 'base', 'base', 'base8', 'base32', 'sib', 'sib8', 'sib32', 'idx', 'sibbase'];
    if (this.bits === 64) forms.push('rip', 'rip');
    const form = rng.pick(forms);
    const avoid = o.avoid ?? [];
    const pickAddr = (allowSp: boolean): number => {
      for (let i = 0; i < 50; i++) {
        const r = rng.int(this.nregs);
        if (avoid.includes(r)) continue;
        if (r === 4 && !(allowSp && rng.bool(0.25))) continue;
        return r;
      }
      throw new EncodeError('no address register');
    };
    const mk = (p: Partial<Mem>): Mem => ({
      mod: 0, rm: 0, dispSize: 0, disp: 0n, rexB: false, rexX: false, asz67: asz !== this.bits, ea: 0n, asz, ...p,
    });
    const fitsDisp = (d: bigint, size: number): boolean => {
      const s = BigInt.asIntN(asz, d);
      if (size === 1) return s >= -128n && s <= 127n;
      return s >= -(1n << 31n) && s < 1n << 31n;
    };
    const dispOf = (size: number): bigint => {
      if (size === 1) return BigInt(rng.pick([0, 1, -1, 127, -128, rng.int(256) - 128]));
      return rng.bool(0.5) ? BigInt(rng.int(0x2000) - 0x1000) : BigInt.asIntN(32, BigInt(rng.u32()));
    };
    if (form === 'abs') {
      const d = BigInt.asIntN(asz, off);
      if (asz === 64 && (d < -(1n << 31n) || d >= 1n << 31n)) return undefined;
      if (this.bits === 32 && rng.bool(0.7)) return mk({ mod: 0, rm: 5, dispSize: 4, disp: off });
      // SIB with no base and no index; the scale bits are ignored.
      return mk({ mod: 0, rm: 4, sib: (rng.int(4) << 6) | (4 << 3) | 5, dispSize: 4, disp: off });
    }
    if (form === 'rip') {
      return mk({ mod: 0, rm: 5, dispSize: 4, disp: 0n, ripOffset: off });
    }
    const hasIndex = form.startsWith('sib') && form !== 'sibbase' || form === 'idx';
    const hasBase = form !== 'idx';
    let dispSize: 0 | 1 | 4 = form.endsWith('8') ? 1 : form.endsWith('32') || form === 'idx' ? 4 : 0;
    const base = hasBase ? pickAddr(true) : -1;
    let index = -1;
    if (hasIndex) {
      for (let i = 0; i < 20 && (index < 0 || index === 4 || (index === base && rng.bool(0.7))); i++) index = pickAddr(false);
      if (index === 4) return undefined;
    }
    const scale = hasIndex ? rng.int(4) : rng.int(4);
    if (hasBase && (base & 7) === 5 && dispSize === 0) dispSize = 1;
    let disp = dispSize ? dispOf(dispSize) : 0n;
    // Index value: known or chosen.
    let idxVal = 0n;
    if (hasIndex) {
      const k = this.known0(index);
      idxVal = k !== undefined ? k & am : this.indexValue(asz);
      if (!this.addrReg(index, asz, idxVal)) return undefined;
    }
    const scaled = (idxVal << BigInt(scale)) & am;
    if (hasBase) {
      const kb = base === index ? idxVal : this.known0(base);
      if (kb !== undefined) {
        const d = (off - (kb & am) - scaled) & am;
        if (dispSize === 0 && d !== 0n) dispSize = fitsDisp(d, 1) ? 1 : 4;
        if (dispSize === 1 && !fitsDisp(d, 1)) dispSize = 4;
        if (!fitsDisp(d, 4)) return undefined;
        disp = BigInt.asIntN(asz, d);
        if (!this.addrReg(base, asz, kb & am)) return undefined;
      } else {
        const bv = (off - scaled - disp) & am;
        if (!this.addrReg(base, asz, bv)) return undefined;
      }
    } else {
      disp = BigInt.asIntN(asz, (off - scaled) & am);
      if (!fitsDisp(disp, 4)) return undefined;
    }
    const mod = !hasBase ? 0 : dispSize === 0 ? 0 : dispSize === 1 ? 1 : 2;
    const useSib = hasIndex || (base & 7) === 4 || form === 'sibbase';
    if (useSib) {
      const idxField = hasIndex ? index & 7 : 4;
      const baseField = hasBase ? base & 7 : 5;
      return mk({
        mod, rm: 4, sib: (scale << 6) | (idxField << 3) | baseField, dispSize, disp: BigInt.asUintN(32, disp),
        rexB: hasBase && base >= 8, rexX: hasIndex && index >= 8,
      });
    }
    return mk({ mod, rm: base & 7, dispSize, disp: BigInt.asUintN(32, disp), rexB: base >= 8 });
  }

  /** 16-bit addressing (67 prefix in 32-bit mode): [bx+si], [bp+di], [si], [bx], disp16, ... */
  private solve16(off: bigint, o: MemOpts): Mem | undefined {
    const rng = this.rng;
    const rm = rng.int(8);
    let mod = rng.int(3);
    const pairs: number[][] = [[3, 6], [3, 7], [5, 6], [5, 7], [6], [7], [5], [3]];
    const regs = rm === 6 && mod === 0 ? [] : pairs[rm];
    if (regs.some((r) => o.avoid?.includes(r))) return undefined;
    const m16 = 0xffffn;
    const mk = (disp: bigint, dispSize: 0 | 1 | 2): Mem => ({
      mod, rm, dispSize, disp: BigInt.asUintN(16, disp), rexB: false, rexX: false, asz67: true, ea: 0n, asz: 16,
    });
    if (regs.length === 0) return mk(off, 2);
    let dispSize: 0 | 1 | 2 = mod === 0 ? 0 : mod === 1 ? 1 : 2;
    let disp = dispSize === 0 ? 0n : dispSize === 1 ? BigInt(rng.int(256) - 128) : BigInt(rng.int(0x10000));
    let sum = 0n;
    let free = -1;
    for (const r of regs) {
      const k = this.known0(r);
      if (k !== undefined) { sum += k & m16; if (!this.addrReg(r, 16, k & m16)) return undefined; }
      else if (free < 0) free = r;
      else {
        const v = this.indexValue(16);
        if (!this.addrReg(r, 16, v)) return undefined;
        sum += v;
      }
    }
    if (free >= 0) {
      if (!this.addrReg(free, 16, (off - sum - disp) & m16)) return undefined;
    } else {
      const d = (off - sum) & m16;
      const sd = BigInt.asIntN(16, d);
      if (mod === 0 && d !== 0n) { mod = sd >= -128n && sd <= 127n ? 1 : 2; }
      if (mod === 1 && (sd < -128n || sd > 127n)) mod = 2;
      if (mod === 0 && rm === 6) mod = 1;
      dispSize = mod === 0 ? 0 : mod === 1 ? 1 : 2;
      disp = d;
    }
    return mk(disp, dispSize);
  }

  // ---- stack ----

  /** RSP at item start, inside this item's stack area (required if not known). */
  stack(): bigint {
    const cur = this.reqs.get(4) ?? (this.index === 0 ? this.known.get(4) : undefined);
    if (cur !== undefined) return cur;
    const lo = Number(this.stackSlot.lo) + 96;
    const hi = Number(this.stackSlot.hi) - 96;
    let sp = lo + this.rng.int(Math.max(1, hi - lo));
    if (this.rng.bool(0.85)) sp -= sp % (this.bits / 8);
    this.fix(4, BigInt(sp));
    return BigInt(sp);
  }
}

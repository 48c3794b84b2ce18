/** A generated test: the bytes and initial state both sides run, plus what the oracle may ignore. */
export type Bits = 32 | 64;

export interface Patch { offset: number; data: Uint8Array; }

/** One generated item (an instruction, or a small self-contained block such as jcc+body). */
export interface ItemInfo {
  /** Template name, e.g. "alu rm,r". */
  name: string;
  /** Code offsets (relative to the case's code start) of the item including its setup movs. */
  start: number;
  end: number;
  /** Offset where the item proper starts (after setup movs / flag fix-up). */
  body: number;
  /** Flags that may be undefined when the item starts / after it ends. */
  undefIn: number;
  undefOut: number;
  /** Flags the item reads / writes with defined values / leaves undefined (RFLAGS bit masks). */
  fr: number;
  fw: number;
  fu: number;
  /** A `cmp al, imm8` was inserted before the item to define the flags it reads. */
  fixup: boolean;
}

export interface TestCase {
  id: number;
  bits: Bits;
  code: Uint8Array;
  /** Offset of the code inside the code page (non-zero to test fetches near the page end). */
  codeOffset: number;
  /** Initial GPRs (16 entries; only 8 matter for 32-bit). */
  regs: bigint[];
  rflags: bigint;
  fsBase: bigint;
  gsBase: bigint;
  memSeed: number;
  patches: Patch[];
  items: ItemInfo[];
  /** Registers whose bits under the mask are architecturally undefined at the end. */
  undefRegs: { reg: number; mask: bigint }[];
  /** Seed-derived label to reproduce the case, e.g. "seed 5 case 12". */
  origin: string;
}

export function cloneCase(c: TestCase): TestCase {
  return {
    ...c,
    code: new Uint8Array(c.code),
    regs: [...c.regs],
    patches: c.patches.map((p) => ({ offset: p.offset, data: new Uint8Array(p.data) })),
    items: c.items.map((i) => ({ ...i })),
    undefRegs: c.undefRegs.map((u) => ({ ...u })),
  };
}

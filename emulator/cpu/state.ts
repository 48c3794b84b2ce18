/**
 * Architectural state of one x86 core. 64-bit values are pairs of int32 (lo, hi) so the
 * hot paths never touch BigInt. Byte registers 16..19 are AH, CH, DH, BH.
 */
import { PhysicalMemory } from '../memory/physical-memory';
import { CR0_ET, DR6_FIXED1, DR7_FIXED1, RFLAGS_FIXED1 } from './constants';

/** Code-size keys: also the key of the decoded-instruction cache. */
const MODE16 = 0;
const MODE32 = 1;
const MODE64 = 2;
export { MODE16, MODE32, MODE64 };

export class CpuState {
  readonly mem: PhysicalMemory;
  /** RAM views cached here so the memory fast paths load one field instead of two. */
  readonly view: DataView;
  readonly ram: Uint8Array;
  readonly pageFlags: Uint8Array;

  readonly regLo = new Int32Array(16);
  readonly regHi = new Int32Array(16);
  ripLo = 0;
  ripHi = 0;
  /** RIP of the instruction being executed (restored when it faults). */
  curLo = 0;
  curHi = 0;
  /** Scratch high words returned beside a low word (effective addresses, 64-bit loads). */
  eaHi = 0;
  /** Segment of the last 64-bit-mode effective address (non-canonical SS accesses raise #SS). */
  eaSeg = 3;
  tmpHi = 0;

  /** RFLAGS bits other than the six arithmetic flags. */
  flags = RFLAGS_FIXED1;
  // Lazy arithmetic flags: the last flag-setting operation and its operands (see flags.ts).
  fop = 0;
  fsz = 4;
  fres = 0;
  fresHi = 0;
  fa = 0;
  faHi = 0;
  fb = 0;
  fbHi = 0;
  fcin = 0;
  fmat = 0;

  // Segment registers ES CS SS DS FS GS, then LDTR and TR: selector and hidden part. Slot 8 is
  // the "no segment" used by lea: base 0 and always flat.
  readonly segSel = new Int32Array(9);
  readonly segBaseLo = new Int32Array(9);
  readonly segBaseHi = new Int32Array(9);
  readonly segLimit = new Float64Array(9).fill(0xffffffff);
  readonly segAttr = new Int32Array(9);
  /** Bit n set: segment n has base 0, a 4 GiB expand-up limit and is usable, so checks can be skipped. */
  segFlatMask = 1 << 8;
  /** Bit n set: segment n may not be written (code, or data without W) outside 64-bit mode. */
  segReadOnlyMask = 0;

  gdtBaseLo = 0;
  gdtBaseHi = 0;
  gdtLimit = 0xffff;
  idtBaseLo = 0;
  idtBaseHi = 0;
  idtLimit = 0xffff;

  cr0 = CR0_ET;
  cr2Lo = 0;
  cr2Hi = 0;
  cr3Lo = 0;
  cr3Hi = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  readonly drLo = new Int32Array(8);
  readonly drHi = new Int32Array(8);

  // MSRs kept as bigint: they are only touched by rdmsr/wrmsr and the (rare) transitions that use them.
  msrStar = 0n;
  msrLstar = 0n;
  msrCstar = 0n;
  msrSfmask = 0n;
  msrKernelGsBase = 0n;
  msrSysenterCs = 0n;
  msrSysenterEsp = 0n;
  msrSysenterEip = 0n;
  msrTscAux = 0n;
  msrPat = 0x0007040600070406n;
  msrApicBase = 0xfee00900n;
  /** TSC offset so that wrmsr(TSC) works while the TSC stays derived from the instruction count. */
  tscOffset = 0n;

  cpl = 0;
  /** MODE16 / MODE32 / MODE64: the code size, and the decode-cache key. */
  modeKey = MODE32;
  /** EFER.LMA. */
  longMode = false;
  /** CS.L = 1 and long mode active. */
  in64 = false;

  halted = false;
  /** Alignment checking is on: CR0.AM, RFLAGS.AC and CPL 3 (misaligned data accesses raise #AC). */
  alignCheck = false;
  /** Non-zero when the run loop must look at something after the current instruction. */
  attention = 0;
  /** The interrupt shadow comes from mov ss / pop ss, which also delays a single-step trap. */
  movSsShadow = false;
  /** Retired instructions: the virtual clock. */
  icount = 0;

  constructor(mem: PhysicalMemory) {
    this.mem = mem;
    this.view = mem.view;
    this.ram = mem.bytes;
    this.pageFlags = mem.pageFlags;
    this.drLo[6] = DR6_FIXED1 | 0;
    this.drLo[7] = DR7_FIXED1;
  }

  // Register accessors by operand size. Writes of 32 bits zero the upper half, as in 64-bit mode.
  get8(r: number): number {
    return r < 16 ? this.regLo[r] & 0xff : (this.regLo[r - 16] >>> 8) & 0xff;
  }
  set8(r: number, v: number): void {
    if (r < 16) this.regLo[r] = (this.regLo[r] & ~0xff) | (v & 0xff);
    else this.regLo[r - 16] = (this.regLo[r - 16] & ~0xff00) | ((v & 0xff) << 8);
  }
  get16(r: number): number { return this.regLo[r] & 0xffff; }
  set16(r: number, v: number): void { this.regLo[r] = (this.regLo[r] & ~0xffff) | (v & 0xffff); }
  set32(r: number, v: number): void { this.regLo[r] = v; this.regHi[r] = 0; }

  /** Value of a register at operand size 1, 2 or 4 (zero-extended; 4 gives the int32 bits). */
  getN(size: number, r: number): number {
    return size === 4 ? this.regLo[r] : size === 1 ? this.get8(r) : this.regLo[r] & 0xffff;
  }
  setN(size: number, r: number, v: number): void {
    if (size === 4) { this.regLo[r] = v; this.regHi[r] = 0; }
    else if (size === 1) this.set8(r, v);
    else this.regLo[r] = (this.regLo[r] & ~0xffff) | (v & 0xffff);
  }

  getReg(r: number): bigint {
    return (BigInt(this.regHi[r] >>> 0) << 32n) | BigInt(this.regLo[r] >>> 0);
  }
  setReg(r: number, v: bigint): void {
    this.regLo[r] = Number(BigInt.asIntN(32, v));
    this.regHi[r] = Number(BigInt.asIntN(32, v >> 32n));
  }
}

export function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
export function bigLo(v: bigint): number { return Number(BigInt.asIntN(32, v)); }
export function bigHi(v: bigint): number { return Number(BigInt.asIntN(32, v >> 32n)); }

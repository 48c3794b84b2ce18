/**
 * One x86 core: the run loop, the decoded-instruction cache, and the execution API used by
 * the hypervisor and the debugger (step, run until a stop, traps, breakpoints, watches).
 * The interpreter here is the exact reference tier.
 */
import type { CpuHooks, CpuMode, MemoryWatch, RunOptions, StopReason, TrapInfo, TrapKind } from './api-types';
import { TrapAction } from './api-types';
import {
  ATTR_DB, ATTR_L, ATTR_TYPE_CODE, ATTR_TYPE_EC, ATTR_UNUSABLE, CR0_PE, CS, DB, DR6_BS, EFER_LMA, IF, SS, SS_VEC, TF,
} from './constants';
import { decode } from './decoder';
import { bigHi, bigLo, MODE16 as M16, MODE32 as M32, MODE64 as M64, toBig } from './state';

// Local copies fold to literals in optimized code.
const MODE16 = M16, MODE32 = M32, MODE64 = M64;
import { eaNone } from './ea';
import { CpuFault, gp } from './fault';
import { FAST_ALU32 as F_ALU32, FAST_ALU64 as F_ALU64, FAST_JCC as F_JCC, FAST_MOV as F_MOV, Insn } from './insn';
import { alu, alu64 } from './ops/alu';

const FAST_JCC = F_JCC, FAST_ALU32 = F_ALU32, FAST_ALU64 = F_ALU64, FAST_MOV = F_MOV;
import { deliverEvent, EventKind } from './interrupts';
import { CpuMemory } from './memory-access';
import { TLB_SIZE } from './paging';
import { PhysicalMemory } from '../memory/physical-memory';


const TRAP_BITS: Record<TrapKind, number> = {
  'cpuid': 1 << 0, 'rdmsr': 1 << 1, 'wrmsr': 1 << 2, 'in': 1 << 3, 'out': 1 << 4, 'hlt': 1 << 5,
  'vmcall': 1 << 6, 'vmmcall': 1 << 7, 'int': 1 << 8, 'syscall': 1 << 9, 'sysenter': 1 << 10,
  'invlpg': 1 << 11, 'mov-cr': 1 << 12, 'ud-fep': 1 << 13,
};

/** A raised stop inside an instruction (a trap asked for a stop). */
class StopSignal {
  constructor(readonly reason: StopReason) {}
}

const BUDGET: StopReason = { kind: 'budget' };
const STEP: StopReason = { kind: 'step' };
const HALT: StopReason = { kind: 'halt' };
const PAUSED: StopReason = { kind: 'paused' };

export class Cpu extends CpuMemory {
  /** Address of the memory operand of the current read-modify-write instruction. */
  opLo = 0;
  opHi = 0;
  /** Exceptions (bit per vector) that end run() before delivery instead of going to the guest. */
  interceptExceptions = 0;
  private trapMask = 0;
  private readonly codeCache: (Insn[] | undefined)[];
  // The page the last instruction was fetched from, to skip translation on the hot path.
  private fetchLin = 1;
  private fetchHi = 0;
  private fetchGen = -1;
  private fetchPage: Insn[] | undefined = undefined;
  private readonly scratchInsn = new Insn(eaNone as never, eaNone);
  private readonly breakpoints = new Map<string, bigint>();
  private readonly bpFilter = new Uint8Array(65536);
  private stopRequested = false;
  private shutdown: StopReason | null = null;
  /** An external interrupt vector waiting for IF=1, or -1. */
  pendingInterrupt = -1;
  /** A stop raised from inside an instruction (trap Stop). */
  private signalled: StopReason | null = null;
  /** Interrupt shadow countdown: 2 after sti/mov ss, blocks delivery before the next instruction. */
  shadow = 0;
  private nextWatchId = 1;
  /** Last undefined-opcode report: linear RIP and bytes. */
  lastInvalidOpcode: { rip: bigint; bytes: number[]; message: string } | null = null;

  constructor(mem: PhysicalMemory, hooks: CpuHooks = {}) {
    super(mem);
    this.hooks = hooks;
    this.codeCache = new Array(mem.pageCount);
    mem.onCodeWrite((page) => {
      this.codeCache[page] = undefined;
      if (this.fetchPage !== undefined && (this.fetchPhys >>> 12) === page) this.fetchGen = -1;
    });
    this.resetToProtectedFlat();
  }

  /** Power-on-like state used until a setup routine loads something else: 32-bit flat, CPL 0, paging off. */
  private resetToProtectedFlat(): void {
    this.cr0 = CR0_PE | 0x10;
    for (let s = 0; s < 6; s++) {
      this.segSel[s] = 0;
      this.segBaseLo[s] = 0; this.segBaseHi[s] = 0;
      this.segLimit[s] = 0xffffffff;
      this.segAttr[s] = s === CS ? 0xc09b : 0xc093;
    }
    this.segAttr[6] = 0x82; this.segLimit[6] = 0xffff;
    this.segAttr[7] = 0x8b; this.segLimit[7] = 0xffff;
    this.updateMode();
  }

  // ---------------------------------------------------------------- mode bookkeeping

  /** Recomputes everything derived from CR0, EFER, CS and CPL. Call after changing any of them. */
  updateMode(): void {
    this.longMode = (this.efer & EFER_LMA) !== 0;
    const csAttr = this.segAttr[CS];
    this.in64 = this.longMode && (csAttr & ATTR_L) !== 0;
    this.modeKey = this.in64 ? MODE64 : (csAttr & ATTR_DB) ? MODE32 : MODE16;
    let mask = 1 << 8, readOnly = 0;
    for (let s = 0; s < 6; s++) {
      if (this.isFlat(s)) mask |= 1 << s;
      const a = this.segAttr[s];
      if (!this.in64 && (cpu0IsProtected(this.cr0)) && ((a & ATTR_TYPE_CODE) || !(a & 2))) readOnly |= 1 << s;
    }
    this.segFlatMask = mask;
    this.segReadOnlyMask = readOnly;
    this.updatePagingMode();
    this.fetchGen = -1;
    // The hot loops specialise on the mode; make them look again.
    this.attention = 1;
  }

  private isFlat(s: number): boolean {
    const a = this.segAttr[s];
    if (a & ATTR_UNUSABLE) return false;
    if (this.segBaseLo[s] !== 0 || this.segLimit[s] !== 0xffffffff) return false;
    return (a & ATTR_TYPE_CODE) !== 0 || (a & ATTR_TYPE_EC) === 0;
  }

  get mode(): CpuMode {
    if (!(this.cr0 & CR0_PE)) return 'real';
    if (this.in64) return 'long64';
    if (this.longMode) return this.modeKey === MODE32 ? 'compat32' : 'compat16';
    return this.modeKey === MODE32 ? 'protected32' : 'protected16';
  }

  /** Linear address of seg:off for a non-flat segment in a 32-bit mode, with limit checks. */
  segmentLinear(seg: number, off: number, size: number): number {
    const attr = this.segAttr[seg];
    const fault = (): CpuFault => seg === SS ? new CpuFault(SS_VEC, 0) : gp(0, `segment limit or null-segment fault on ${'ECSDFG'[seg]}S`);
    if (attr & ATTR_UNUSABLE) throw fault();
    const u = off >>> 0;
    const limit = this.segLimit[seg];
    const last = u + size - 1;
    if (!(attr & ATTR_TYPE_CODE) && (attr & ATTR_TYPE_EC)) {
      const top = (attr & ATTR_DB) ? 0xffffffff : 0xffff;
      if (u <= limit || last > top) throw fault();
    } else if (last > limit) throw fault();
    return (this.segBaseLo[seg] + off) | 0;
  }

  /** Validates a near-branch target (canonical in 64-bit mode, CS limit otherwise). Returns lo, hi in eaHi. */
  checkTarget(lo: number, hi: number, size: number): number {
    if (this.in64) {
      if (size !== 8) { lo &= size === 2 ? 0xffff : -1; hi = 0; }
      if (((hi << 16) >> 16) !== hi) throw gp(0, 'non-canonical branch target');
      this.eaHi = hi;
      return lo;
    }
    if (size === 2) lo &= 0xffff;
    this.eaHi = 0;
    if (!((this.segFlatMask >> CS) & 1) && (lo >>> 0) > this.segLimit[CS]) throw gp(0, 'branch target beyond CS limit');
    return lo;
  }

  jump(lo: number, hi: number, size: number): void {
    const t = this.checkTarget(lo, hi, size);
    this.ripLo = t;
    this.ripHi = this.eaHi;
  }

  /** Repeated string instructions run one iteration per step under TF or a pending stop. */
  singleIteration(): boolean {
    return (this.flags & TF) !== 0 || this.stopRequested;
  }

  // ---------------------------------------------------------------- public state API

  get rip(): bigint { return toBig(this.ripLo, this.ripHi); }
  set rip(v: bigint) { this.ripLo = bigLo(v); this.ripHi = bigHi(v); }

  get rflags(): bigint { return BigInt(this.getFlags() >>> 0); }
  set rflags(v: bigint) { this.setFlagsRaw(Number(v & 0xffffffffn)); }

  get instructionsRetired(): number { return this.icount; }

  getControl(name: 'cr0' | 'cr2' | 'cr3' | 'cr4' | 'cr8' | 'efer'): bigint {
    switch (name) {
      case 'cr0': return BigInt(this.cr0 >>> 0);
      case 'cr2': return toBig(this.cr2Lo, this.cr2Hi);
      case 'cr3': return toBig(this.cr3Lo, this.cr3Hi);
      case 'cr4': return BigInt(this.cr4 >>> 0);
      case 'cr8': return BigInt(this.cr8 >>> 0);
      default: return BigInt(this.efer >>> 0);
    }
  }

  /** Raw write of a control register (no architectural checks); recomputes the mode and flushes the TLB. */
  setControl(name: 'cr0' | 'cr2' | 'cr3' | 'cr4' | 'cr8' | 'efer', v: bigint): void {
    const lo = bigLo(v), hi = bigHi(v);
    switch (name) {
      case 'cr0': this.cr0 = lo; break;
      case 'cr2': this.cr2Lo = lo; this.cr2Hi = hi; break;
      case 'cr3': this.cr3Lo = lo; this.cr3Hi = hi; break;
      case 'cr4': this.cr4 = lo; break;
      case 'cr8': this.cr8 = lo & 15; break;
      default: this.efer = lo; break;
    }
    this.updateMode();
    if (this.pagingLevels === 3) this.loadPdptes();
  }

  getSegment(s: number): { selector: number; base: bigint; limit: number; attributes: number } {
    return { selector: this.segSel[s], base: toBig(this.segBaseLo[s], this.segBaseHi[s]), limit: this.segLimit[s], attributes: this.segAttr[s] };
  }

  /** Raw load of a segment register's selector and hidden part (no checks); CS also sets the CPL. */
  setSegment(s: number, st: { selector: number; base: bigint; limit: number; attributes: number }): void {
    this.segSel[s] = st.selector & 0xffff;
    this.segBaseLo[s] = bigLo(st.base);
    this.segBaseHi[s] = bigHi(st.base);
    this.segLimit[s] = st.limit >>> 0;
    this.segAttr[s] = st.attributes;
    if (s === CS) this.cpl = st.selector & 3;
    this.updateMode();
  }

  setTrap(kind: TrapKind, enabled: boolean): void {
    const bit = TRAP_BITS[kind];
    if (bit === undefined) throw new Error(`unknown trap kind ${kind}`);
    this.trapMask = enabled ? this.trapMask | bit : this.trapMask & ~bit;
  }

  /** Whether a trap kind is enabled (cheap; used by instruction handlers). */
  trapEnabled(kind: TrapKind): boolean {
    return (this.trapMask & TRAP_BITS[kind]) !== 0;
  }

  /**
   * Called by an instruction handler whose trap is enabled. Returns true when the hook
   * handled the instruction (or asked for a stop), false to execute it natively.
   */
  trap(kind: TrapKind, value?: number, size?: number): boolean {
    const info: TrapInfo = { kind, rip: toBig(this.curLo, this.curHi), length: this.currentLength(), value, size, cpl: this.cpl };
    const nextLo = this.ripLo, nextHi = this.ripHi;
    this.ripLo = this.curLo; this.ripHi = this.curHi;
    const action = this.hooks.onTrap ? this.hooks.onTrap(info) : TrapAction.Stop;
    if (action === TrapAction.Native) { this.ripLo = nextLo; this.ripHi = nextHi; return false; }
    if (action === TrapAction.Stop) {
      this.ripLo = this.curLo; this.ripHi = this.curHi;
      throw new StopSignal({ kind: 'trap', trap: info });
    }
    return true;
  }

  private currentLength(): number {
    if (this.in64) return (this.ripLo - this.curLo) | 0;
    return ((this.ripLo - this.curLo) & (this.modeKey === MODE16 ? 0xffff : -1)) >>> 0;
  }

  addBreakpoint(linear: bigint): void {
    const key = BigInt.asUintN(64, linear).toString(16);
    if (this.breakpoints.has(key)) return;
    const a = BigInt.asUintN(64, linear);
    this.breakpoints.set(key, a);
    this.indexBreakpoint(a);
    this.attention = 1;
  }

  /** The next run() does not stop at a breakpoint at the current RIP before executing it (a debugger's resume). */
  resumeFromBreakpoint(): void {
    this.bpResume = true;
    this.bpResumeLo = this.ripLo;
    this.bpResumeHi = this.ripHi;
  }

  /** Set by a breakpoint stop or resumeFromBreakpoint: where the next run() may pass a breakpoint once. */
  private bpResume = false;
  private bpResumeLo = 0;
  private bpResumeHi = 0;

  removeBreakpoint(linear: bigint): void {
    if (this.breakpoints.delete(BigInt.asUintN(64, linear).toString(16))) this.rebuildBpFilter();
  }

  clearBreakpoints(): void { this.breakpoints.clear(); this.rebuildBpFilter(); }

  private rebuildBpFilter(): void {
    this.bpFilter.fill(0);
    this.bpByLo.clear();
    for (const a of this.breakpoints.values()) this.indexBreakpoint(a);
  }

  private indexBreakpoint(a: bigint): void {
    this.bpFilter[Number(a & 0xffffn)] = 1;
    const lo = Number(a & 0xffffffffn), hi = bigHi(a);
    const his = this.bpByLo.get(lo);
    if (his) his.push(hi); else this.bpByLo.set(lo, [hi]);
  }

  /** Breakpoints by the low 32 bits of their address → high halves: exact checks without BigInt. */
  private readonly bpByLo = new Map<number, number[]>();

  private atBreakpoint(lo: number, hi: number): boolean {
    if (this.bpFilter[lo & 0xffff] === 0) return false;
    const his = this.bpByLo.get(lo >>> 0);
    return his !== undefined && his.includes(hi);
  }

  addWatch(w: MemoryWatch): number {
    if (!(w.length > 0)) throw new RangeError('watch length must be positive');
    const id = this.nextWatchId++;
    const start = BigInt.asUintN(64, w.address);
    this.watches.push({
      id, start, end: start + BigInt(w.length), physical: w.space === 'physical',
      read: w.access !== 'write', write: w.access !== 'read', guestDr: -1,
    });
    this.rebuildWatchPages();
    return id;
  }

  removeWatch(id: number): void {
    this.watches = this.watches.filter((w) => w.id !== id);
    this.rebuildWatchPages();
  }

  /** Recomputes which pages must bypass the TLB because a watch covers them. */
  rebuildWatchPages(): void {
    this.watchedLinearPages.clear();
    this.watchedPhysPages.clear();
    for (const w of this.watches) {
      for (let p = w.start >> 12n; p <= (w.end - 1n) >> 12n; p++) {
        if (w.physical) this.watchedPhysPages.add(Number(p));
        else this.watchedLinearPages.add(`${bigHi(p << 12n)}:${Number(p & 0xfffffn)}`);
      }
    }
    this.flushTlb();
  }

  /** Asks a running run() to return 'paused' before the next instruction. */
  stop(): void {
    this.stopRequested = true;
    this.attention = 1;
  }

  /** Queues an external interrupt (delivered when IF=1 and no interrupt shadow); wakes hlt. */
  raiseInterrupt(vector: number): void {
    this.pendingInterrupt = vector & 0xff;
    this.attention = 1;
  }

  /** Delivers an exception into the guest now (for hypervisors reflecting or injecting faults). */
  injectException(vector: number, errorCode = -1, cr2?: bigint): void {
    if (cr2 !== undefined) { this.cr2Lo = bigLo(cr2); this.cr2Hi = bigHi(cr2); }
    this.curLo = this.ripLo; this.curHi = this.ripHi;
    this.deliverFault(new CpuFault(vector, errorCode, cr2 === undefined ? 0 : bigLo(cr2), cr2 === undefined ? 0 : bigHi(cr2)), true);
  }

  readVirtual(addr: bigint, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let k = 0; k < len;) {
      const a = BigInt.asUintN(64, addr + BigInt(k));
      const pa = this.probe(bigLo(a), bigHi(a));
      if (pa < 0) throw new Error(`guest-virtual address 0x${a.toString(16)} is not mapped`);
      const off = Number(a & 0xfffn);
      const n = Math.min(len - k, 4096 - off);
      const phys = pa + off;
      if (phys + n > this.mem.size) throw new Error(`guest-virtual address 0x${a.toString(16)} maps outside RAM`);
      out.set(this.mem.bytes.subarray(phys, phys + n), k);
      k += n;
    }
    return out;
  }

  writeVirtual(addr: bigint, data: Uint8Array): void {
    for (let k = 0; k < data.length;) {
      const a = BigInt.asUintN(64, addr + BigInt(k));
      const pa = this.probe(bigLo(a), bigHi(a));
      if (pa < 0) throw new Error(`guest-virtual address 0x${a.toString(16)} is not mapped`);
      const off = Number(a & 0xfffn);
      const n = Math.min(data.length - k, 4096 - off);
      if (pa + off + n > this.mem.size) throw new Error(`guest-virtual address 0x${a.toString(16)} maps outside RAM`);
      this.mem.writeBytes(pa + off, data.subarray(k, k + n));
      k += n;
    }
  }

  /** Guest-physical address for a guest-virtual one through the current page tables, or undefined. */
  translateVirtual(addr: bigint): bigint | undefined {
    const a = BigInt.asUintN(64, addr);
    const pa = this.probe(bigLo(a), bigHi(a));
    return pa < 0 ? undefined : BigInt(pa) + (a & 0xfffn);
  }

  // ---------------------------------------------------------------- execution

  step(): StopReason {
    const r = this.execute(1, true);
    return r === BUDGET ? STEP : r;
  }

  run(opts: RunOptions): StopReason {
    const budget = Math.floor(opts.maxInstructions);
    if (!(budget >= 0)) throw new RangeError('maxInstructions must be a non-negative number');
    return this.execute(budget, false);
  }

  private execute(budget: number, single: boolean): StopReason {
    if (this.shutdown) return this.shutdown;
    this.stopRequested = false;
    // A breakpoint at the starting RIP does not stop before the first instruction when resuming from it: after
    // this core stopped there, when the debugger resumes (resumeFromBreakpoint), and for step(). A run that
    // merely continues (the hypervisor's next time slice) stops there, so no breakpoint is missed.
    const skipBpLo = this.ripLo, skipBpHi = this.ripHi;
    let skipBp = single || (this.bpResume && this.bpResumeLo === skipBpLo && this.bpResumeHi === skipBpHi);
    this.bpResume = false;
    const end = this.icount + budget;
    while (this.icount < end) {
      // ---- before the instruction: events, halt, breakpoints
      if (this.pendingInterrupt >= 0 && (this.flags & IF) !== 0 && this.shadow === 0) {
        const v = this.pendingInterrupt;
        this.pendingInterrupt = -1;
        this.halted = false;
        const s = this.deliverGuarded(() => deliverEvent(this, v, EventKind.External, -1));
        if (s) return s;
        if (single) return STEP;
        skipBp = false;
        continue;
      }
      if (this.halted) return HALT;
      const lo = this.ripLo, hi = this.ripHi;
      if (this.breakpoints.size !== 0 && this.atBreakpoint(lo, hi) && !(skipBp && lo === skipBpLo && hi === skipBpHi)) {
        this.bpResume = true;
        this.bpResumeLo = lo;
        this.bpResumeHi = hi;
        return { kind: 'breakpoint', address: toBig(lo, hi) };
      }
      skipBp = false;
      if (this.drExecActive !== 0) {
        const s = this.checkDrExec(lo, hi);
        if (s) return s;
        if (this.ripLo !== lo || this.ripHi !== hi) continue;
      }
      // ---- the instruction(s)
      const tf = this.flags & TF;
      // Without per-instruction checks pending, run a batch in the hot loop. With breakpoints set the hot loop
      // still runs, leaving it (to the check above) at any instruction whose address passes the filter; an
      // instruction that passes the filter without being a breakpoint runs here, one at a time.
      const bps = this.breakpoints.size !== 0;
      const batch = !single && tf === 0 && this.drExecActive === 0 && this.pendingInterrupt < 0 && !(bps && this.bpFilter[lo & 0xffff] !== 0);
      try {
        if (batch) this.hotLoop(end, bps);
        else this.one(lo, hi);
      } catch (e) {
        const s = this.onInstructionException(e);
        if (s) return s;
        if (single) return STEP;
        continue;
      }
      if (tf !== 0 && !batch && !(this.movSsShadow && this.shadow === 2)) {
        this.drLo[6] |= DR6_BS;
        const s = this.debugTrap();
        if (s) return s;
      }
      if (this.attention !== 0) {
        const s = this.afterInstruction();
        if (s) return s;
      }
    }
    return BUDGET;
  }

  /** Executes one instruction at lo/hi. */
  private one(lo: number, hi: number): void {
    this.curLo = lo; this.curHi = hi;
    const insn = this.fetch(lo, hi);
    const nlo = (lo + insn.len) | 0;
    if (this.modeKey === MODE64) {
      this.ripLo = nlo;
      this.ripHi = (nlo >>> 0) < (lo >>> 0) ? (hi + 1) | 0 : hi;
    } else this.ripLo = this.modeKey === MODE32 ? nlo : nlo & 0xffff;
    insn.exec(this, insn);
    this.icount++;
  }

  /**
   * The hot loop: instructions back to back until the budget ends or something needs
   * attention. Faults propagate to execute() with curLo/curHi on the faulting instruction.
   */
  private hotLoop(end: number, bps: boolean): void {
    if (this.modeKey === MODE64) { this.hotLoop64(end, bps); return; }
    // 32- and 16-bit code. A mode change sets `attention`, which ends the loop.
    const filter = this.bpFilter;
    while (this.icount < end) {
      const lo = this.ripLo, hi = this.ripHi;
      if (bps && filter[lo & 0xffff] !== 0) return;
      this.curLo = lo; this.curHi = hi;
      let insn: Insn | undefined;
      const page = this.fetchPage;
      const lin = (lo + this.segBaseLo[CS]) | 0;
      if (((lin ^ this.fetchLin) & ~0xfff) === 0 && this.fetchGen === this.tlbGeneration && page !== undefined &&
        (this.segFlatMask & 2) !== 0) {
        insn = page[lin & 0xfff];
        if (insn === undefined || insn.modeKey !== this.modeKey) insn = this.fetch(lo, hi);
      } else insn = this.fetch(lo, hi);
      const nlo = (lo + insn.len) | 0;
      this.ripLo = this.modeKey === MODE32 ? nlo : nlo & 0xffff;
      insn.exec(this, insn);
      this.icount++;
      if (this.attention !== 0) return;
    }
  }

  /** The hot loop for 64-bit code; a mode change sets `attention`, which ends it. */
  private hotLoop64(end: number, bps: boolean): void {
    const filter = this.bpFilter;
    while (this.icount < end) {
      const lo = this.ripLo, hi = this.ripHi;
      if (bps && filter[lo & 0xffff] !== 0) return;
      this.curLo = lo; this.curHi = hi;
      let insn: Insn | undefined;
      const page = this.fetchPage;
      if (((lo ^ this.fetchLin) & ~0xfff) === 0 && hi === this.fetchHi && this.fetchGen === this.tlbGeneration && page !== undefined) {
        insn = page[lo & 0xfff];
        if (insn === undefined || insn.modeKey !== MODE64) insn = this.fetch(lo, hi);
      } else insn = this.fetch(lo, hi);
      const nlo = (lo + insn.len) | 0;
      this.ripLo = nlo;
      this.ripHi = (nlo >>> 0) < (lo >>> 0) ? (hi + 1) | 0 : hi;
      // The most frequent forms take direct calls the JIT can inline; everything else calls exec.
      const fast = insn.fast;
      if (fast === FAST_JCC) {
        if (this.cond(insn.cc)) {
          const t = (nlo + insn.imm) | 0;
          this.jump(t, (this.ripHi + insn.immHi + ((t >>> 0) < (nlo >>> 0) ? 1 : 0)) | 0, 8);
        }
      } else if (fast === FAST_ALU64) {
        const d = insn.fastDst, s = insn.fastSrc, op = insn.aluOp;
        const r = alu64(this, op, this.regLo[d], this.regHi[d], this.regLo[s], this.regHi[s]);
        if (op !== 7) { this.regLo[d] = r; this.regHi[d] = this.tmpHi; }
      } else if (fast === FAST_ALU32) {
        const d = insn.fastDst, op = insn.aluOp;
        const r = alu(this, op, 4, this.regLo[d], this.regLo[insn.fastSrc]);
        if (op !== 7) { this.regLo[d] = r; this.regHi[d] = 0; }
      } else if (fast === FAST_MOV) {
        this.regLo[insn.fastDst] = this.regLo[insn.fastSrc];
        this.regHi[insn.fastDst] = insn.size === 8 ? this.regHi[insn.fastSrc] : 0;
      } else insn.exec(this, insn);
      this.icount++;
      if (this.attention !== 0) return;
    }
  }

  /** Guest DR0-3 execute breakpoints (DR7 R/W = 00) are faults taken before the instruction, unless RF. */
  drExecActive = 0;
  private checkDrExec(lo: number, hi: number): StopReason | null {
    if (this.flags & (1 << 16)) { this.flags &= ~(1 << 16); return null; }
    const dr7 = this.drLo[7];
    let hits = 0;
    for (let n = 0; n < 4; n++) {
      if (!((dr7 >> (n * 2)) & 3)) continue;
      if (((dr7 >>> (16 + n * 4)) & 3) !== 0) continue;
      if (this.drLo[n] === lo && (!this.in64 || this.drHi[n] === hi)) hits |= 1 << n;
    }
    if (!hits) return null;
    this.drLo[6] = (this.drLo[6] & ~0xf) | hits;
    this.curLo = lo; this.curHi = hi;
    if ((this.interceptExceptions >>> DB) & 1) return { kind: 'exception', vector: DB, rip: toBig(lo, hi) };
    return this.deliverGuarded(() => deliverEvent(this, DB, EventKind.Fault, -1));
  }

  /** Handles the things flagged in `attention` after an instruction retired. */
  private afterInstruction(): StopReason | null {
    this.attention = 0;
    if (this.shadow > 0) { this.shadow--; if (this.shadow > 0) this.attention = 1; else this.movSsShadow = false; }
    if (this.pendingDrHits !== 0) {
      this.drLo[6] = (this.drLo[6] & ~0xf) | this.pendingDrHits;
      this.pendingDrHits = 0;
      const s = this.debugTrap();
      if (s) return s;
    }
    if (this.pendingWatch) {
      const w = this.pendingWatch;
      this.pendingWatch = null;
      return { kind: 'watch', id: w.id, address: w.address, size: w.size, access: w.access, physical: w.physical };
    }
    if (this.signalled) { const s = this.signalled; this.signalled = null; return s; }
    // hlt with an interrupt already deliverable (e.g. sti; hlt) wakes at once.
    if (this.halted && !(this.pendingInterrupt >= 0 && (this.flags & IF) !== 0 && this.shadow === 0)) return HALT;
    if (this.stopRequested) { this.stopRequested = false; return PAUSED; }
    return null;
  }

  /** A #DB trap after an instruction (single-step, data breakpoint): intercepted or delivered. */
  private debugTrap(): StopReason | null {
    if ((this.interceptExceptions >>> DB) & 1) return { kind: 'exception', vector: DB, rip: toBig(this.ripLo, this.ripHi) };
    return this.deliverGuarded(() => deliverEvent(this, DB, EventKind.Trap, -1));
  }

  /** Requests that run() return `reason` after the current instruction. */
  signal(reason: StopReason): void {
    this.signalled = reason;
    this.attention = 1;
  }

  private onInstructionException(e: unknown): StopReason | null {
    this.pendingWatch = null;
    this.pendingDrHits = 0;
    if (e instanceof StopSignal) return e.reason;
    if (!(e instanceof CpuFault)) throw e;
    this.ripLo = this.curLo; this.ripHi = this.curHi;
    return this.deliverFault(e, false);
  }

  /** Intercepts or delivers a fault raised by the instruction at curLo/curHi. */
  private deliverFault(f: CpuFault, forceDeliver: boolean): StopReason | null {
    if (f.vector === 6) this.recordInvalidOpcode(f);
    if (!forceDeliver && (this.interceptExceptions >>> f.vector) & 1) {
      const stop: StopReason = { kind: 'exception', vector: f.vector, rip: toBig(this.curLo, this.curHi) };
      if (f.errorCode >= 0) stop.errorCode = f.errorCode;
      if (f.vector === 14) stop.cr2 = toBig(f.cr2Lo, f.cr2Hi);
      if (f.detail) stop.message = f.detail;
      if (f.vector === 6 && this.lastInvalidOpcode) stop.bytes = this.lastInvalidOpcode.bytes;
      return stop;
    }
    if (f.vector === 14) { this.cr2Lo = f.cr2Lo; this.cr2Hi = f.cr2Hi; }
    return this.deliverGuarded(() => deliverEvent(this, f.vector, EventKind.Fault, f.errorCode));
  }

  /** Runs an event delivery, turning a triple fault into a permanent stop. */
  private deliverGuarded(fn: () => void): StopReason | null {
    try {
      fn();
      return null;
    } catch (e) {
      if (e instanceof TripleFault) {
        this.signalled = null;
        this.shutdown = { kind: 'triple-fault', vector: e.vector, rip: toBig(this.curLo, this.curHi) };
        return this.shutdown;
      }
      if (e instanceof StopSignal) return e.reason;
      throw e;
    }
  }

  /** Clears a triple-fault shutdown (for a hypervisor that resets the vCPU). */
  clearShutdown(): void {
    this.shutdown = null;
    this.halted = false;
    this.signalled = null;
    this.pendingWatch = null;
    this.pendingDrHits = 0;
    this.attention = 0;
  }

  private recordInvalidOpcode(f: CpuFault): void {
    const bytes: number[] = [];
    for (let k = 0; k < 15; k++) {
      const lo = this.addLinear(this.curLo + (this.in64 ? 0 : this.segBaseLo[CS]), this.curHi, k);
      const pa = this.probe(lo, this.eaHi);
      if (pa < 0 || pa + (lo & 0xfff) >= this.mem.size) break;
      bytes.push(this.mem.bytes[pa + (lo & 0xfff)]);
    }
    this.lastInvalidOpcode = { rip: toBig(this.curLo, this.curHi), bytes, message: f.detail ?? 'invalid opcode' };
  }

  // ---------------------------------------------------------------- fetch and decode cache

  private fetch(lo: number, hi: number): Insn {
    const lin = this.in64 ? lo : (lo + this.segBaseLo[CS]) | 0;
    let page: Insn[] | undefined;
    if (((lin ^ this.fetchLin) & ~0xfff) === 0 && hi === this.fetchHi && this.fetchGen === this.tlbGeneration) {
      page = this.fetchPage;
    } else {
      page = this.fetchPageFor(lin, hi);
    }
    if (page !== undefined) {
      const insn = page[lin & 0xfff];
      if (insn !== undefined && insn.modeKey === this.modeKey) {
        if (this.csNeedsLimitCheck()) this.checkCsLimit(insn.len);
        return insn;
      }
    }
    return this.decodeAt(lin, hi, page);
  }

  private csNeedsLimitCheck(): boolean {
    return !this.in64 && !((this.segFlatMask >> CS) & 1);
  }

  private checkCsLimit(len: number): void {
    if ((this.curLo >>> 0) + len - 1 > this.segLimit[CS]) throw gp(0, 'instruction beyond CS limit');
  }

  /** Translates the fetch page and returns its decode cache (undefined if not cacheable). */
  private fetchPageFor(lin: number, hi: number): Insn[] | undefined {
    const base = this.translate(lin, hi, this.tlbExec / TLB_SIZE);
    this.fetchLin = lin & ~0xfff;
    this.fetchHi = hi;
    this.fetchGen = this.tlbGeneration;
    if (this.lastUncacheable || base >= this.mem.size) {
      this.fetchPage = undefined;
      this.fetchGen = -1;
      return undefined;
    }
    const ppn = base >>> 12;
    let page = this.codeCache[ppn];
    if (page === undefined) page = this.codeCache[ppn] = new Array(4096);
    this.fetchPage = page;
    this.fetchPhys = base;
    return page;
  }
  private fetchPhys = 0;

  private decodeAt(lin: number, hi: number, page: Insn[] | undefined): Insn {
    const off = lin & 0xfff;
    const physBase = page !== undefined ? this.fetchPhys : -1;
    let nextPage = -1;
    const fetchByte = (k: number): number => {
      const o = off + k;
      if (o < 4096) {
        if (physBase >= 0) return this.mem.bytes[physBase + o];
        return this.fetchSlow(lin, hi, k);
      }
      if (nextPage < 0) {
        const lo2 = this.addLinear(lin, hi, 4096 - off);
        nextPage = this.translate(lo2, this.eaHi, this.tlbExec / TLB_SIZE);
      }
      const pa = nextPage + (o - 4096);
      return pa < this.mem.size ? this.mem.bytes[pa] : 0xff;
    };
    const insn = page !== undefined ? new Insn(eaNone as never, eaNone) : this.scratchInsn;
    decode(fetchByte, this.modeKey, insn);
    if (this.csNeedsLimitCheck()) this.checkCsLimit(insn.len);
    if (page !== undefined && off + insn.len <= 4096) {
      page[off] = insn;
      this.mem.pageFlags[this.fetchPhys >>> 12] |= 1;
      return insn;
    }
    // Page-crossing or uncacheable: decoded again next time.
    return insn;
  }

  private fetchSlow(lin: number, hi: number, k: number): number {
    const lo = this.addLinear(lin, hi, k);
    const h = this.eaHi;
    const base = this.translate(lo, h, this.tlbExec / TLB_SIZE);
    const pa = base + (lo & 0xfff);
    if (pa < this.mem.size) return this.mem.bytes[pa];
    return (this.hooks.mmioRead?.(pa, 1) ?? 0xff) & 0xff;
  }
}

function cpu0IsProtected(cr0: number): boolean { return (cr0 & CR0_PE) !== 0; }

/** Thrown by event delivery when a fault occurs while delivering a double fault. */
export class TripleFault {
  constructor(readonly vector: number) {}
}


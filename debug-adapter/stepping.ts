/**
 * Step plans: what to do after each single instruction of a step (DAP next / stepIn / stepOut, by source line
 * or by instruction). The run control executes the actions: one more instruction on the stepping vCPU, stop,
 * or run the whole machine to a temporary breakpoint (over a call, out of a frame, around an event upcall).
 *
 * Line stepping follows gdb's rules: step over = run until the pc is on a different line in the same or an
 * outer frame; landing mid-line after a return finishes that line; the same line in another block of code
 * (a loop header) keeps stepping. A hypercall instruction whose continuation rewinds RIP onto itself is one
 * instruction however often Xen preempts it, so stepping over a hypercall site runs the whole call.
 */
import type { GuestSymbols } from './symbols/model';
import type { Vcpu } from '../emulator/xen/vcpu';
import { FlowControl } from './disassembly';

export interface InsnInfo { length: number; flow: FlowControl; text: string; target?: bigint }

export interface StepEnv {
  symbols: GuestSymbols | undefined;
  insnAt(v: Vcpu, pc: bigint): InsnInfo | undefined;
  pc(v: Vcpu): bigint;
  sp(v: Vcpu): bigint;
  /** Frame 0's return address and the stack pointer after returning (the CFA). */
  unwindReturn(v: Vcpu): { returnAddress: bigint; cfa: bigint } | undefined;
}

/** Where the machine must run to: one of `addresses` on this vCPU with its stack pointer in [minSp, maxSp]. */
export interface RunTo { addresses: bigint[]; minSp?: bigint; maxSp?: bigint; thenStop: boolean }

export type StepAction = { kind: 'single' } | { kind: 'stop' } | { kind: 'runTo'; to: RunTo } | { kind: 'error'; message: string };

export interface Snapshot { pc: bigint; sp: bigint; insn: InsnInfo | undefined }

export interface StepPlan {
  start(v: Vcpu): StepAction;
  after(v: Vcpu, prev: Snapshot): StepAction;
  afterRunTo(v: Vcpu): StepAction;
}

const SINGLE: StepAction = { kind: 'single' };
const STOP: StepAction = { kind: 'stop' };

/** Instructions that enter Xen and come back to the next instruction (or to themselves after a continuation). */
function entersXen(i: InsnInfo | undefined): boolean {
  return i !== undefined && /^(syscall|sysenter|vmcall|vmmcall|int\b|int3|into)/.test(i.text);
}

function isCall(i: InsnInfo | undefined): boolean {
  return i !== undefined && i.flow === FlowControl.Call && !entersXen(i) || i?.flow === FlowControl.IndirectCall;
}

/** The single step re-ran a preempted hypercall instruction (RIP rewound onto it by the continuation). */
export function continuationRewound(v: Vcpu, prev: Snapshot, pc: bigint): boolean {
  const h = v.hypercall;
  return pc === prev.pc && h !== undefined && h.state === 'preempted' && h.rip === prev.pc;
}

/** An event or exception was delivered during the step: control left an instruction that does not branch. */
function interrupted(prev: Snapshot, pc: bigint): boolean {
  if (!prev.insn) return false;
  const next = prev.pc + BigInt(prev.insn.length);
  if (pc === next || pc === prev.pc) return false;
  return prev.insn.flow === FlowControl.Next || entersXen(prev.insn);
}

/** `stepi` / `nexti` (DAP granularity: instruction): one instruction, or over a call with `over`. */
export class InstructionStep implements StepPlan {
  constructor(private readonly env: StepEnv, private readonly over: boolean) {}
  start(v: Vcpu): StepAction {
    const pc = this.env.pc(v);
    const insn = this.env.insnAt(v, pc);
    if (this.over && isCall(insn)) return { kind: 'runTo', to: { addresses: [pc + BigInt(insn!.length)], minSp: this.env.sp(v), thenStop: true } };
    return SINGLE;
  }
  after(v: Vcpu, prev: Snapshot): StepAction {
    return continuationRewound(v, prev, this.env.pc(v)) ? SINGLE : STOP;
  }
  afterRunTo(): StepAction { return STOP; }
}

/** Step out: run to the return address with the frame popped. */
export class StepOut implements StepPlan {
  constructor(private readonly env: StepEnv) {}
  start(v: Vcpu): StepAction {
    const u = this.env.unwindReturn(v);
    if (!u) return { kind: 'error', message: 'cannot step out: the caller of this frame is unknown (no CFI and no frame pointer chain)' };
    return { kind: 'runTo', to: { addresses: [u.returnAddress], minSp: u.cfa, thenStop: true } };
  }
  after(): StepAction { return STOP; }
  afterRunTo(): StepAction { return STOP; }
}

/** Step over / into by source line. */
export class LineStep implements StepPlan {
  private range: { start: bigint; end: bigint; file: string; line: number } | undefined;
  private fallback: InstructionStep | undefined;

  constructor(private readonly env: StepEnv, private readonly into: boolean) {}

  start(v: Vcpu): StepAction {
    const pc = this.env.pc(v);
    const r = this.env.symbols?.lineRangeAt(pc);
    if (!r) {
      // No line information here: behave like an instruction step (over calls for `next`).
      this.fallback = new InstructionStep(this.env, !this.into);
      return this.fallback.start(v);
    }
    this.range = { start: r.start, end: r.end, file: r.location.file, line: r.location.line };
    const insn = this.env.insnAt(v, pc);
    if (!this.into && isCall(insn)) {
      return { kind: 'runTo', to: { addresses: [pc + BigInt(insn!.length)], minSp: this.env.sp(v), thenStop: false } };
    }
    return SINGLE;
  }

  after(v: Vcpu, prev: Snapshot): StepAction {
    if (this.fallback) return this.fallback.after(v, prev);
    const pc = this.env.pc(v);
    if (continuationRewound(v, prev, pc)) return SINGLE;
    if (isCall(prev.insn) && pc !== prev.pc + BigInt(prev.insn!.length)) return this.enteredCall(v, prev, pc);
    if (interrupted(prev, pc)) {
      // An upcall or exception handler: run it to completion, it is not part of this line.
      return { kind: 'runTo', to: { addresses: [prev.pc, prev.pc + BigInt(prev.insn!.length)], minSp: prev.sp, thenStop: false } };
    }
    const returned = prev.insn?.flow === FlowControl.Return;
    return this.judgeLocation(v, pc, returned);
  }

  afterRunTo(v: Vcpu): StepAction {
    if (this.fallback) return this.fallback.afterRunTo();
    const pc = this.env.pc(v);
    return this.judgeLocation(v, pc, true);
  }

  private enteredCall(v: Vcpu, prev: Snapshot, pc: bigint): StepAction {
    const ret = prev.pc + BigInt(prev.insn!.length);
    const overIt: StepAction = { kind: 'runTo', to: { addresses: [ret], minSp: prev.sp, thenStop: false } };
    if (!this.into) return overIt;
    const sym = this.env.symbols;
    const loc = sym?.sourceAt(pc);
    if (!loc) return overIt; // no source in the callee (hypercall page, assembly without line info)
    const fn = sym!.functionAt(pc);
    if (fn && fn.low === pc && fn.bodyStart !== undefined && fn.bodyStart !== pc) {
      return { kind: 'runTo', to: { addresses: [fn.bodyStart], maxSp: this.env.sp(v), thenStop: true } };
    }
    return STOP;
  }

  /** After leaving the instruction range of the line (or returning to it): stop, or keep stepping. */
  private judgeLocation(v: Vcpu, pc: bigint, returned: boolean): StepAction {
    const r = this.range!;
    if (pc >= r.start && pc < r.end) return SINGLE;
    const loc = this.env.symbols?.lineRangeAt(pc);
    if (!loc) return STOP; // code without line information: show it as disassembly
    const sameLine = loc.location.line === r.line && loc.location.file === r.file;
    if ((returned && pc !== loc.start) || (sameLine && !returned)) {
      // Mid-line after a return (finish the caller's statement), or the same line in another block.
      this.range = { start: loc.start, end: loc.end, file: loc.location.file, line: loc.location.line };
      return SINGLE;
    }
    return STOP;
  }
}

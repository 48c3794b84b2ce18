/**
 * One launched guest and everything the session keeps about it: the machine, its symbols, breakpoints, the
 * stop judge and the run control. Built by launch (and again by restart); the session only routes requests.
 */
import * as fs from 'fs';
import * as path from 'path';
import { resolveMachineOptions, LaunchConfigError, MachineOptions } from '../emulator/config/launch-options';
import { createMachine, Machine } from '../emulator/machine';
import { Reg } from '../emulator/cpu/api-types';
import { formatTraceEvent, TraceBus, TraceEvent } from '../emulator/xen/trace';
import type { Vcpu } from '../emulator/xen/vcpu';
import { CodeBreakpoints } from './breakpoints/code';
import { DataBreakpoints } from './breakpoints/data';
import { DisassemblyContext, instructionAt } from './disassembly';
import { HYPERCALL_LOG_CAP, HypercallLog } from './hypercall-log';
import { readGuest, watchRanges } from './memory';
import type { XenLaunchArguments } from './protocol';
import { RunControl, RunEvents } from './run-control';
import { archOf, innermostContext, scanForReturn, snapshotContext, unwindFrom } from './stack';
import type { StepEnv } from './stepping';
import { StopJudge, JudgeEnv } from './stop-judge';
import { loadGuestSymbols, GuestSymbols } from './symbols';
import { VcpuThreads } from './threads';

export interface GuestIo {
  console(text: string): void;
  trace(line: string): void;
}

/** Launch arguments the adapter (not the machine) reads, checked with a message naming the field. */
function adapterOptions(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const bool = (k: string): void => { if (raw[k] !== undefined && typeof raw[k] !== 'boolean') problems.push(`${k} must be true or false (got ${JSON.stringify(raw[k])})`); };
  bool('stopOnEntry');
  bool('trace');
  if (raw.disassemblyFlavor !== undefined && raw.disassemblyFlavor !== 'intel' && raw.disassemblyFlavor !== 'att') problems.push(`disassemblyFlavor must be "intel" or "att" (got ${JSON.stringify(raw.disassemblyFlavor)})`);
  if (raw.symbolFiles !== undefined && (!Array.isArray(raw.symbolFiles) || raw.symbolFiles.some((f) => typeof f !== 'string'))) problems.push('symbolFiles must be an array of ELF paths');
  else for (const f of (raw.symbolFiles as string[] | undefined) ?? []) if (!fs.existsSync(f)) problems.push(`symbolFiles: file not found: ${f}`);
  return problems;
}

export class LaunchError extends Error {}

export class Guest {
  readonly machine: Machine;
  readonly options: MachineOptions;
  readonly threads: VcpuThreads;
  readonly symbols: GuestSymbols | undefined;
  readonly symbolPath: string | undefined;
  readonly code: CodeBreakpoints;
  readonly data: DataBreakpoints;
  readonly judge: StopJudge;
  readonly run: RunControl;
  readonly log: HypercallLog;
  readonly trace = new TraceBus();
  readonly flavor: 'intel' | 'att';
  /** PV: machine address of start_info. */
  readonly startInfoPhys: bigint | undefined;

  constructor(readonly args: XenLaunchArguments, io: GuestIo, judgeEnv: JudgeEnv, events: RunEvents) {
    const raw = args as Record<string, unknown>;
    const problems = adapterOptions(raw);
    // `name` in launch arguments is VS Code's display name of the configuration, not the domain's: the domain
    // is named by an xl.cfg's `name` or after the image, as `xen-guest run` names it.
    const machineArgs = { ...raw };
    delete machineArgs.name;
    let options: MachineOptions | undefined;
    try { options = resolveMachineOptions(machineArgs); } catch (e) {
      if (!(e instanceof LaunchConfigError)) throw e;
      problems.unshift(...e.problems);
    }
    if (problems.length || !options) throw new LaunchError(`Invalid launch configuration:\n${problems.join('\n')}`);
    this.options = options;
    this.flavor = args.disassemblyFlavor ?? 'intel';
    try {
      this.machine = createMachine(options, { trace: this.trace, onConsole: (_d, text) => io.console(text) });
    } catch (e) {
      throw new LaunchError(`kernel: cannot boot ${options.kernel}: ${(e as Error).message}`);
    }
    const hv = this.machine.hv;
    // PV start of day: Xen passes start_info's virtual address in rSI (public/xen.h "start_info"); keep
    // where it lives, for the `start_info` expression root, before the guest reuses the register.
    if (this.domain.isPv) {
      const v0 = hv.allVcpus()[0];
      this.startInfoPhys = v0.cpu.translateVirtual(v0.cpu.getReg(Reg.RSI) & (this.domain.pvBits === 64 ? 0xffffffffffffffffn : 0xffffffffn));
    }
    this.threads = new VcpuThreads(hv, this.machine.label);
    const loaded = this.loadSymbols(options.kernel, args.symbolFiles ?? []);
    this.symbols = loaded?.symbols;
    this.symbolPath = loaded?.path;
    this.code = new CodeBreakpoints(() => hv.allVcpus().map((v) => v.cpu));
    this.data = new DataBreakpoints(() => hv.allVcpus().map((v) => v.cpu), (bp) => watchRanges(this.domain, bp, bp.length));
    this.judge = new StopJudge(hv, this.code, this.data, judgeEnv);
    this.run = new RunControl(hv, this.code, this.judge, this.stepEnv(), events);
    this.log = new HypercallLog((d, v) => { const x = hv.vcpuById(d, v); return x ? this.threads.idOf(x) : 0; }, (e) => this.callerSource(e));
    this.trace.subscribe((e) => this.log.onEvent(e));
    if (args.trace) this.trace.subscribe((e) => io.trace(`${formatTraceEvent(e)}\n`));
  }

  get hv() { return this.machine.hv; }
  get domain() { return this.machine.domain; }

  private loadSymbols(kernel: string, extra: string[]): { symbols: GuestSymbols; path: string } | undefined {
    let first: { symbols: GuestSymbols; path: string } | undefined;
    for (const p of [kernel, ...extra]) {
      try {
        const s = loadGuestSymbols(new Uint8Array(fs.readFileSync(p)), p);
        first ??= { symbols: s, path: p };
        if (s.hasDebugInfo) return { symbols: s, path: p };
      } catch { /* reported as a module without symbols */ }
    }
    return first;
  }

  /**
   * How to decode guest code for `v`: in its current mode, except that an x86-64 image's C functions are
   * 64-bit code even while the vCPU still runs 32-bit start-of-day code (HVM firmware entry).
   */
  disasmContext(v: Vcpu, at?: bigint): DisassemblyContext {
    const s = this.symbols;
    const mode = v.cpu.mode;
    const known64 = at !== undefined && s?.arch === 'x86_64' && s.functionAt(at) !== undefined;
    return {
      bitness: mode === 'long64' || known64 ? 64 : mode === 'protected16' || mode === 'compat16' || mode === 'real' ? 16 : 32,
      read: (address, length) => readGuest(v, { space: 'virtual', address }, length),
      symbolAt: s ? (a) => s.symbolAt(a) : undefined,
      sourceAt: s ? (a) => s.sourceAt(a) : undefined,
      functionStart: s ? (a) => s.functionAt(a)?.low : undefined,
    };
  }

  stepEnv(): StepEnv {
    return {
      symbols: this.symbols,
      insnAt: (v, pc) => instructionAt(this.disasmContext(v), pc),
      pc: (v) => v.cpu.rip,
      sp: (v) => v.cpu.getReg(Reg.RSP),
      unwindReturn: (v) => {
        const s = this.symbols;
        if (!s) return undefined;
        const ctx = innermostContext(v, archOf(v));
        let up = s.unwind(ctx);
        if (!s.functionAt(ctx.pc) && (!up || !s.functionAt(up.pc - 1n))) up = scanForReturn(ctx, s) ?? up;
        return up && up.pc !== 0n ? { returnAddress: up.pc, cfa: up.cfa } : undefined;
      },
    };
  }

  /**
   * The C caller of a hypercall, for the hypercall log: the first frame of the unwound stack (inlined frames
   * included) that is not part of the hypercall mechanism. A frame is part of it when it has no source line
   * (the hypercall page, assembly stubs), when its function is a wrapper by name (`HYPERVISOR_*`,
   * `_hypercall*`, `hypercall_*`: the sample runtime's and Linux's), or when its line is in a file named
   * hypercall.h (sample-guests/runtime/hypercall.h, Linux's asm/xen/hypercall.h), whose inline helpers
   * and macros are all wrappers. Wrappers are frames of their own at -O0 and inlined frames when optimised.
   */
  /** HYPERCALL_LOG_CAP stack snapshots for callerSource (about 5 MB, allocated on first use). */
  private get callerStacks(): Uint8Array {
    return (this.callerStackPool ??= new Uint8Array(HYPERCALL_LOG_CAP * CALLER_STACK_BYTES));
  }
  private callerStackPool: Uint8Array | undefined;
  private nextCallerStack = 0;

  private callerSource(e: TraceEvent): (() => { path: string; line: number } | undefined) | undefined {
    const s = this.symbols;
    if (!s?.hasDebugInfo || e.vcpu < 0) return undefined;
    const v = this.hv.vcpuById(e.domain, e.vcpu);
    if (!v) return undefined;
    // Unwinding costs tens of µs, too much for every call of a hypercall-heavy guest: freeze the registers and
    // the top of the stack now (a few µs) and unwind only when the log is read.
    // The stack goes into a pooled slot, reused only after the log has dropped the entry that used it.
    const slot = this.callerStacks.subarray(this.nextCallerStack * CALLER_STACK_BYTES, (this.nextCallerStack + 1) * CALLER_STACK_BYTES);
    this.nextCallerStack = (this.nextCallerStack + 1) % HYPERCALL_LOG_CAP;
    const frozen = snapshotContext(v, slot);
    return () => {
      for (const f of unwindFrom(frozen, s, 8)) {
        if (!f.source || isHypercallWrapper(f.name) || path.basename(f.source.file) === 'hypercall.h') continue;
        return { path: f.source.file, line: f.source.line };
      }
      return undefined;
    };
  }
}

/** Stack kept per logged hypercall for finding its caller: enough for a few -O0 frames above the wrappers. */
const CALLER_STACK_BYTES = 1024;

const isHypercallWrapper = (fn: string): boolean => /^(?:HYPERVISOR_|_hypercall|hypercall_)/.test(fn);

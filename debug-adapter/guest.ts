/**
 * One launched guest and everything the session keeps about it: the machine, its symbols, breakpoints, the
 * stop judge and the run control. Built by launch (and again by restart); the session only routes requests.
 */
import * as fs from 'fs';
import { resolveMachineOptions, LaunchConfigError, MachineOptions } from '../emulator/config/launch-options';
import { createMachine, Machine } from '../emulator/machine';
import { Reg } from '../emulator/cpu/api-types';
import { formatTraceEvent, TraceBus, TraceEvent } from '../emulator/xen/trace';
import type { Vcpu } from '../emulator/xen/vcpu';
import { CodeBreakpoints } from './breakpoints/code';
import { DataBreakpoints } from './breakpoints/data';
import { DisassemblyContext, instructionAt } from './disassembly';
import { HypercallLog } from './hypercall-log';
import { readGuest } from './memory';
import type { XenLaunchArguments } from './protocol';
import { RunControl, RunEvents } from './run-control';
import { archOf, innermostContext, scanForReturn } from './stack';
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
  /** PV: guest-physical (machine) address of start_info. */
  readonly startInfoPhys: bigint | undefined;

  constructor(readonly args: XenLaunchArguments, io: GuestIo, judgeEnv: JudgeEnv, events: RunEvents) {
    const raw = args as Record<string, unknown>;
    const problems = adapterOptions(raw);
    let options: MachineOptions | undefined;
    try { options = resolveMachineOptions(raw); } catch (e) {
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
    this.data = new DataBreakpoints(() => hv.allVcpus().map((v) => v.cpu));
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

  /** The C caller of a hypercall: the first return address on the stack with source (above the hypercall page). */
  private callerSource(e: TraceEvent): { path: string; line: number } | undefined {
    const s = this.symbols;
    if (!s?.hasDebugInfo || e.vcpu < 0) return undefined;
    const v = this.hv.vcpuById(e.domain, e.vcpu);
    if (!v) return undefined;
    const here = s.sourceAt(v.cpu.rip);
    if (here) return { path: here.file, line: here.line };
    const word = v.cpu.mode === 'long64' ? 8 : 4;
    const sp = v.cpu.getReg(Reg.RSP);
    const bytes = readGuest(v, { space: 'virtual', address: sp }, word * 4);
    for (let i = 0; i + word <= bytes.length; i += word) {
      let a = 0n;
      for (let k = word - 1; k >= 0; k--) a = (a << 8n) | BigInt(bytes[i + k]);
      const src = a > 0n ? s.sourceAt(a - 1n) : undefined;
      if (src) return { path: src.file, line: src.line };
    }
    return undefined;
  }
}

/**
 * The Xen guest Debug Adapter: DAP requests mapped onto the emulator (DESIGN.md). The same class runs inline
 * in the extension host (DebugAdapterInlineImplementation), as `xen-guest dap` over stdio, or behind a
 * socket. It never blocks the event loop for long: the guest runs in slices (run-control.ts).
 *
 * Every request handler is guarded: bad input (a bad launch configuration, a stale variablesReference, an
 * unknown frame, a request while the guest runs, an expression with a syntax error) gets an error response
 * and the session carries on.
 */
import {
  BreakpointEvent, DebugSession, ExitedEvent, InitializedEvent, InvalidatedEvent, MemoryEvent, Event, OutputEvent,
  StoppedEvent, TerminatedEvent, Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'path';
import { parsePreemption } from '../emulator/xen/hypercall/preemption';
import { hypercallParams } from '../emulator/xen/hypercall/signatures';
import type { Vcpu } from '../emulator/xen/vcpu';
import type { CodeBreakpoint } from './breakpoints/code';
import { DATA_ACCESS_TYPES, DataBreakpoint, makeDataId, parseDataId } from './breakpoints/data';
import { HitCondition, parseHitCondition } from './breakpoints/hit';
import { parseHvCondition } from './breakpoints/hv-condition';
import { EXCEPTION_FILTERS, HypercallBreakpoint, parseFilters, parseHypercallBreakpoint, pendingHypercall } from './breakpoints/hypervisor';
import { completionsFor } from './completions';
import { disassemble } from './disassembly';
import { frameEnv } from './frame-env';
import { Guest, LaunchError } from './guest';
import { formatMemoryReference, parseMemoryReference, readGuest, Space, watchRanges, writeGuest } from './memory';
import {
  DomainsResponse, EventChannelsResponse, SendEventArguments, SetPreemptionArguments, XEN_REQUESTS, XEN_STATE_CHANGED_EVENT,
  XenLaunchArguments,
} from './protocol';
import { controlScope, registersScope } from './scopes/register-scope';
import { eventChannelPorts, eventChannelScope, hypercallScope, sharedInfoScope, vcpuInfoScope } from './scopes/xen-views';
import { GuestFrame, unwindStack } from './stack';
import { InstructionStep, LineStep, StepOut, StepPlan } from './stepping';
import type { StopInfo } from './stop-judge';
import { EvalEnv, evaluate, evaluateCondition, evaluateForDap, formatValue, frameLocals, setExpressionForDap, storageSize, Value, valueToBigInt, VariableStore } from './values';

/** A failure meant for the user as is (no stack, no "internal error"). */
class UserError extends Error {}

interface FrameRecord { v: Vcpu; frame: GuestFrame }

export class XenDebugSession extends DebugSession {
  private guest: Guest | undefined;
  private launchArgs: XenLaunchArguments | undefined;
  private readonly store = new VariableStore();
  private frames = new Map<number, FrameRecord>();
  private nextFrameId = 1;
  private nextBreakpointId = 1;
  private configured = false;
  private lastStop: StopInfo | undefined;
  private clientSupportsInvalidated = false;
  /** The last breakpoint requests, replayed against a new machine by restart. */
  private readonly sourceBreakpoints = new Map<string, DebugProtocol.SetBreakpointsArguments>();
  private functionBreakpoints: DebugProtocol.SetFunctionBreakpointsArguments | undefined;
  private instructionBreakpoints: DebugProtocol.SetInstructionBreakpointsArguments | undefined;
  private dataBreakpoints: DebugProtocol.SetDataBreakpointsArguments | undefined;
  private exceptionBreakpoints: DebugProtocol.SetExceptionBreakpointsArguments | undefined;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ------------------------------------------------------------------ plumbing

  /** Requests without arguments get an empty object, so handlers meet missing fields, not a missing object. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (request.arguments === undefined || request.arguments === null || typeof request.arguments !== 'object') request.arguments = {};
    super.dispatchRequest(request);
  }

  /** Runs a handler; any throw becomes an error response (a UserError's message as is). */
  private guard<R extends DebugProtocol.Response>(response: R, f: () => void): void {
    try {
      f();
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).replace(/[{}]/g, (c) => (c === '{' ? '(' : ')'));
      const known = e instanceof UserError || e instanceof LaunchError || (e instanceof Error && (e.name === 'EvalError' || e.name === 'ExprSyntaxError'));
      // A TypeError here is a request whose arguments do not have the protocol's shape.
      const text = known ? msg : e instanceof TypeError ? `invalid arguments for ${response.command}: ${msg}` : `internal error in ${response.command}: ${msg}`;
      this.sendErrorResponse(response, { id: 1, format: text, showUser: false });
    }
  }

  private g(): Guest {
    if (!this.guest) throw new UserError('no guest is running: launch one first');
    return this.guest;
  }

  /** The guest, which must be stopped (all-stop) for requests that read its state. */
  private stopped(): Guest {
    const g = this.g();
    if (g.run.state === 'running') throw new UserError('the guest is running: pause it first');
    if (g.run.state === 'terminated') throw new UserError('the guest has terminated');
    return g;
  }

  private vcpu(g: Guest, threadId: number): Vcpu {
    const v = g.threads.byId(threadId);
    if (!v) throw new UserError(`unknown thread ${threadId}`);
    return v;
  }

  private frameRecord(frameId: number | undefined): FrameRecord | undefined {
    if (frameId === undefined) return undefined;
    const r = this.frames.get(frameId);
    if (!r) throw new UserError(`unknown or stale frame id ${frameId} (frames die when the guest resumes)`);
    return r;
  }

  /** The env of a frame, or of the stopped vCPU's innermost frame. */
  private envFor(g: Guest, frameId: number | undefined): EvalEnv {
    const r = this.frameRecord(frameId);
    if (r) return frameEnv(g, r.v, r.frame.context);
    return frameEnv(g, this.lastStop?.vcpu ?? g.run.focus);
  }

  private resumed(): void {
    this.store.invalidate();
    this.frames.clear();
    this.lastStop = undefined;
  }

  private sendStateChanged(): void { this.sendEvent(new Event(XEN_STATE_CHANGED_EVENT, {})); }

  // ------------------------------------------------------------------ lifecycle

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsInvalidated = args.supportsInvalidatedEvent ?? false;
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map(({ filter, label, description, supportsCondition, conditionDescription, default: d }) => ({ filter, label, description, supportsCondition, conditionDescription, default: d })),
      supportsExceptionFilterOptions: true,
      supportsExceptionInfoRequest: true,
      supportsSetVariable: true,
      supportsSetExpression: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportTerminateDebuggee: true,
      supportsModulesRequest: true,
      supportsValueFormattingOptions: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsDisassembleRequest: true,
      supportsInstructionBreakpoints: true,
      supportsSteppingGranularity: true,
      supportsBreakpointLocationsRequest: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ['.', '>', '$'],
      supportsDelayedStackTraceLoading: true,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    this.guard(response, () => {
      if (this.guest && this.guest.run.state !== 'terminated') throw new UserError('a guest is already running in this session (use restart)');
      this.boot((args ?? {}) as XenLaunchArguments);
      this.sendResponse(response);
      this.sendEvent(new InitializedEvent());
    });
  }

  private boot(args: XenLaunchArguments): void {
    const guest = new Guest(args, {
      console: (text) => this.sendEvent(new OutputEvent(text, 'stdout')),
      trace: (line) => this.sendEvent(new OutputEvent(line, 'console')),
    }, {
      evalCondition: (v, expr) => evaluateCondition(expr, frameEnv(this.guest!, v)),
      evalToString: (v, expr) => { const env = frameEnv(this.guest!, v); return formatValue(evaluate(expr, env), env); },
      log: (_v, text) => this.sendEvent(new OutputEvent(`${text}\n`, 'console')),
    }, {
      stopped: (info) => this.onStopped(info),
      terminated: (code, why) => this.onTerminated(code, why),
    });
    this.guest = guest;
    this.launchArgs = args;
    this.configured = false;
    this.resumed();
    for (const w of guest.symbols?.warnings.slice(0, 20) ?? []) this.sendEvent(new OutputEvent(`symbols: ${w}\n`, 'console'));
    if (guest.symbols && !guest.symbols.hasDebugInfo) this.sendEvent(new OutputEvent(`symbols: ${guest.symbolPath} has no DWARF; only ELF symbols and disassembly are available\n`, 'console'));
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.guard(response, () => {
      const g = this.g();
      this.sendResponse(response);
      if (this.configured) return;
      this.configured = true;
      this.startRunning(g);
    });
  }

  private startRunning(g: Guest): void {
    if (this.launchArgs?.stopOnEntry) {
      this.onStopped({ reason: 'entry', vcpu: g.hv.allVcpus()[0], description: 'Entry', text: `stopped at the guest's entry point` });
      return;
    }
    g.run.continue();
  }

  private onStopped(info: StopInfo): void {
    const g = this.guest!;
    this.lastStop = info;
    const ev = new StoppedEvent(info.reason, g.threads.idOf(info.vcpu), info.text) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (info.description) ev.body.description = info.description;
    if (info.hitBreakpointIds?.length) ev.body.hitBreakpointIds = info.hitBreakpointIds;
    this.sendEvent(ev);
    this.sendStateChanged();
  }

  private onTerminated(code: number, why: string): void {
    this.sendEvent(new OutputEvent(`guest ${why}\n`, 'console'));
    this.sendEvent(new ExitedEvent(code));
    this.sendEvent(new TerminatedEvent());
    this.sendStateChanged();
  }

  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    this.guard(response, () => {
      const launch = (args?.arguments as XenLaunchArguments | undefined) ?? this.launchArgs;
      if (!launch) throw new UserError('nothing to restart: launch a guest first');
      this.guest?.run.kill();
      this.guest = undefined;
      this.boot(launch);
      this.replayBreakpoints();
      this.configured = true;
      this.sendResponse(response);
      this.sendStateChanged();
      this.startRunning(this.guest!);
    });
  }

  /** Re-resolves every breakpoint against the new machine and tells the client what changed. */
  private replayBreakpoints(): void {
    const emit = (bps: DebugProtocol.Breakpoint[]): void => { for (const b of bps) this.sendEvent(new BreakpointEvent('changed', b)); };
    for (const a of this.sourceBreakpoints.values()) emit(this.applySourceBreakpoints(a));
    if (this.functionBreakpoints) emit(this.applyFunctionBreakpoints(this.functionBreakpoints));
    if (this.instructionBreakpoints) emit(this.applyInstructionBreakpoints(this.instructionBreakpoints));
    if (this.dataBreakpoints) emit(this.applyDataBreakpoints(this.dataBreakpoints));
    if (this.exceptionBreakpoints) this.applyExceptionBreakpoints(this.exceptionBreakpoints);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.guard(response, () => {
      const g = this.guest;
      if (g && g.run.state !== 'terminated') {
        g.run.kill();
        this.sendResponse(response);
        this.sendEvent(new TerminatedEvent());
        return;
      }
      this.sendResponse(response);
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.guest?.run.kill();
    this.guest = undefined;
    this.sendResponse(response);
    // Over stdio the process ends; inline and server sessions ignore this (DebugSession.shutdown).
    this.shutdown();
  }

  // ------------------------------------------------------------------ run control

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.guard(response, () => {
      const g = this.stopped();
      this.resumed();
      g.run.continue();
      response.body = { allThreadsContinued: true };
      this.sendResponse(response);
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.guard(response, () => {
      const g = this.g();
      if (g.run.state === 'running') g.run.pause();
      this.sendResponse(response);
    });
  }

  private doStep(response: DebugProtocol.Response, threadId: number, plan: (g: Guest) => StepPlan): void {
    this.guard(response, () => {
      const g = this.stopped();
      const v = this.vcpu(g, threadId);
      this.resumed();
      const err = g.run.startStep(v, plan(g));
      if (err) throw new UserError(err);
      this.sendResponse(response);
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.doStep(response, args.threadId, (g) => (args.granularity === 'instruction' ? new InstructionStep(g.stepEnv(), true) : new LineStep(g.stepEnv(), false)));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.doStep(response, args.threadId, (g) => (args.granularity === 'instruction' ? new InstructionStep(g.stepEnv(), false) : new LineStep(g.stepEnv(), true)));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.doStep(response, args.threadId, (g) => new StepOut(g.stepEnv()));
  }

  // ------------------------------------------------------------------ threads, stacks, scopes, variables

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const g = this.guest;
    response.body = { threads: g ? g.threads.all().map((v) => new Thread(g.threads.idOf(v), g.threads.name(v))) : [] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      const v = this.vcpu(g, args.threadId);
      const all = unwindStack(v, g.symbols);
      const start = args.startFrame ?? 0;
      const end = args.levels ? start + args.levels : all.length;
      const frames = all.slice(start, end).map((f): DebugProtocol.StackFrame => {
        const id = this.nextFrameId++;
        this.frames.set(id, { v, frame: f });
        const sf: DebugProtocol.StackFrame = {
          id, name: f.name, line: f.source?.line ?? 0, column: f.source?.column || 1,
          instructionPointerReference: `0x${f.pc.toString(16)}`,
        };
        if (f.source) sf.source = { name: path.basename(f.source.file), path: f.source.file };
        else sf.presentationHint = 'subtle';
        return sf;
      });
      response.body = { stackFrames: frames, totalFrames: all.length };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      const r = this.frameRecord(args.frameId)!;
      const env = frameEnv(g, r.v, r.frame.context);
      const v = r.v;
      const scopes: DebugProtocol.Scope[] = [];
      if (g.symbols?.hasDebugInfo) {
        const syms = g.symbols;
        scopes.push({ name: 'Locals', presentationHint: 'locals', variablesReference: this.store.addScope(env, () => frameLocals(syms, r.frame.context)), expensive: false });
      }
      scopes.push({ name: 'Registers', presentationHint: 'registers', variablesReference: this.store.addScope(env, () => registersScope(v)), expensive: false });
      scopes.push({ name: 'Control registers, MSRs, debug registers', presentationHint: 'registers', variablesReference: this.store.addScope(env, () => controlScope(v)), expensive: false });
      scopes.push({ name: `vcpu_info (${v.label})`, variablesReference: this.store.addScope(env, () => vcpuInfoScope(v)), expensive: false });
      scopes.push({ name: `shared_info (d${v.domain.domid})`, variablesReference: this.store.addScope(env, () => sharedInfoScope(v.domain)), expensive: false });
      scopes.push({ name: 'Event channels', variablesReference: this.store.addScope(env, () => eventChannelScope(v.domain)), expensive: false });
      const pending = this.lastStop?.vcpu === v && this.isHypercallEntry(v) ? pendingHypercall(v) : undefined;
      scopes.push({ name: 'Hypercall', variablesReference: this.store.addScope(env, () => hypercallScope(v, pending, hypercallParams)), expensive: false });
      response.body = { scopes };
      this.sendResponse(response);
    });
  }

  /** Stopped before a hypercall executes (a hypercall breakpoint or the any-hypercall filter). */
  private isHypercallEntry(v: Vcpu): boolean {
    return v.resumeHypercallAt !== undefined && v.resumeHypercallAt === v.cpu.rip;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, () => {
      this.stopped();
      response.body = { variables: this.store.variables(args.variablesReference, { filter: args.filter, start: args.start, count: args.count, format: args.format }) };
      this.sendResponse(response);
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      this.stopped();
      response.body = this.store.setVariable(args.variablesReference, args.name, args.value, args.format);
      this.sendResponse(response);
      this.invalidate();
    });
  }

  private invalidate(): void {
    if (this.clientSupportsInvalidated) this.sendEvent(new InvalidatedEvent(['variables']));
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      const env = this.envFor(g, args.frameId);
      response.body = evaluateForDap(args.expression, env, this.store, args.format);
      this.sendResponse(response);
    });
  }

  protected override setExpressionRequest(response: DebugProtocol.SetExpressionResponse, args: DebugProtocol.SetExpressionArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      const env = this.envFor(g, args.frameId);
      response.body = setExpressionForDap(args.expression, args.value, env, this.store, args.format);
      this.sendResponse(response);
      this.invalidate();
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      const env = this.envFor(g, args.frameId);
      const r = this.frameRecord(args.frameId);
      response.body = { targets: completionsFor(args.text, args.column, env, g.symbols, r?.frame.context.pc ?? (this.lastStop?.vcpu ?? g.run.focus).cpu.rip) };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      const s = this.lastStop;
      if (!s || g.threads.idOf(s.vcpu) !== args.threadId) throw new UserError('no exception stop on this thread');
      response.body = { exceptionId: s.description ?? s.reason, description: s.text, breakMode: 'always' };
      this.sendResponse(response);
    });
  }

  /** `modules` (DebugSession routes it to customRequest): the guest image. */
  private modulesRequest(response: DebugProtocol.ModulesResponse): void {
    this.guard(response, () => {
      const g = this.g();
      const s = g.symbols;
      const m: DebugProtocol.Module = {
        id: 1, name: path.basename(g.options.kernel), path: g.options.kernel,
        symbolStatus: !s ? 'no symbols' : s.hasDebugInfo ? 'symbols loaded (DWARF)' : 'ELF symbols only',
      };
      if (g.symbolPath && g.symbolPath !== g.options.kernel) m.symbolFilePath = g.symbolPath;
      response.body = { modules: [m], totalModules: 1 };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------ breakpoints

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.guard(response, () => {
      const key = args.source.path ?? args.source.name ?? '';
      this.sourceBreakpoints.set(key, args);
      response.body = { breakpoints: this.applySourceBreakpoints(args) };
      this.sendResponse(response);
    });
  }

  /** The condition, hit count and logpoint parts every kind of breakpoint shares, or a message why not. */
  private common(bp: { condition?: string; hitCondition?: string; logMessage?: string }): { condition?: string; hitCondition?: HitCondition; logMessage?: string; hits: number; error?: string } {
    const hc = typeof bp.hitCondition === 'string' && bp.hitCondition.trim() !== '' ? parseHitCondition(bp.hitCondition) : undefined;
    if (typeof hc === 'string') return { hits: 0, error: hc };
    return { condition: bp.condition, hitCondition: hc, logMessage: bp.logMessage, hits: 0 };
  }

  private applySourceBreakpoints(args: DebugProtocol.SetBreakpointsArguments): DebugProtocol.Breakpoint[] {
    const file = args.source.path ?? args.source.name ?? '';
    const g = this.guest;
    const out: DebugProtocol.Breakpoint[] = [];
    const installed: CodeBreakpoint[] = [];
    const requested: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
    for (const sb of requested) {
      const id = this.nextBreakpointId++;
      const c = this.common(sb);
      if (c.error) { out.push({ id, verified: false, line: sb.line, message: c.error }); continue; }
      if (!g) { out.push({ id, verified: false, line: sb.line, message: 'no guest launched yet' }); continue; }
      if (!g.symbols?.hasDebugInfo) { out.push({ id, verified: false, line: sb.line, message: `${path.basename(g.options.kernel)} has no line information (build it with -g)` }); continue; }
      const r = g.symbols.resolveLine(file, sb.line);
      if (!r || r.addresses.length === 0) { out.push({ id, verified: false, line: sb.line, message: `no code at or after ${path.basename(file)}:${sb.line} in ${path.basename(g.options.kernel)}` }); continue; }
      installed.push({ id, kind: 'source', addresses: r.addresses, condition: c.condition, hitCondition: c.hitCondition, logMessage: c.logMessage, hits: 0 });
      out.push({ id, verified: true, line: r.line, source: { path: file, name: path.basename(file) }, instructionReference: `0x${r.addresses[0].toString(16)}` });
    }
    g?.code.replace('source', file, installed);
    return out;
  }

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    this.guard(response, () => {
      const s = this.guest?.symbols;
      const file = args.source.path ?? '';
      const lines = s ? s.breakpointLines(file, args.line, args.endLine ?? args.line) : [];
      response.body = { breakpoints: lines.map((l) => ({ line: l.line, column: l.column || undefined })) };
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.guard(response, () => {
      this.functionBreakpoints = args;
      response.body = { breakpoints: this.applyFunctionBreakpoints(args) };
      this.sendResponse(response);
    });
  }

  private applyFunctionBreakpoints(args: DebugProtocol.SetFunctionBreakpointsArguments): DebugProtocol.Breakpoint[] {
    const g = this.guest;
    const out: DebugProtocol.Breakpoint[] = [];
    const code: CodeBreakpoint[] = [];
    const hyper: HypercallBreakpoint[] = [];
    for (const fb of args.breakpoints) {
      const id = this.nextBreakpointId++;
      const c = this.common(fb);
      if (c.error) { out.push({ id, verified: false, message: c.error }); continue; }
      const hc = parseHypercallBreakpoint(fb.name);
      if (typeof hc === 'string') { out.push({ id, verified: false, message: hc }); continue; }
      if (hc) {
        try {
          hyper.push({ id, match: hc, hvCondition: parseHvCondition(fb.condition ?? ''), hitCondition: c.hitCondition, logMessage: c.logMessage, hits: 0 });
          out.push({ id, verified: true, message: `hypercall ${hc.name} (nr ${hc.nr})${hc.subop ? `, ${hc.subop.name}` : ''}` });
        } catch (e) {
          out.push({ id, verified: false, message: (e as Error).message });
        }
        continue;
      }
      if (!g) { out.push({ id, verified: false, message: 'no guest launched yet' }); continue; }
      const s = g.symbols;
      const fn = s?.functionByName(fb.name.trim());
      const addr = fn ? (fn.bodyStart ?? fn.low) : s?.symbolByName(fb.name.trim());
      if (addr === undefined) { out.push({ id, verified: false, message: `no function or symbol "${fb.name}" in ${path.basename(g.options.kernel)} (hypercalls: hypercall:NAME, or a sub-op such as XENMEM_decrease_reservation)` }); continue; }
      code.push({ id, kind: 'function', addresses: [addr], condition: c.condition, hitCondition: c.hitCondition, logMessage: c.logMessage, hits: 0 });
      const src = s?.sourceAt(addr);
      const bp: DebugProtocol.Breakpoint = { id, verified: true, instructionReference: `0x${addr.toString(16)}` };
      if (src) { bp.source = { path: src.file, name: path.basename(src.file) }; bp.line = src.line; }
      out.push(bp);
    }
    if (g) {
      g.code.replace('function', '', code);
      g.judge.hypercallBps = hyper;
      g.judge.install();
    }
    return out;
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    this.guard(response, () => {
      this.instructionBreakpoints = args;
      response.body = { breakpoints: this.applyInstructionBreakpoints(args) };
      this.sendResponse(response);
    });
  }

  private applyInstructionBreakpoints(args: DebugProtocol.SetInstructionBreakpointsArguments): DebugProtocol.Breakpoint[] {
    const g = this.guest;
    const out: DebugProtocol.Breakpoint[] = [];
    const code: CodeBreakpoint[] = [];
    for (const ib of args.breakpoints) {
      const id = this.nextBreakpointId++;
      const c = this.common(ib);
      const ref = parseMemoryReference(ib.instructionReference);
      if (c.error || !ref || ref.space !== 'virtual') { out.push({ id, verified: false, message: c.error ?? `"${ib.instructionReference}" is not a guest-virtual address` }); continue; }
      const addr = BigInt.asUintN(64, ref.address + BigInt(ib.offset ?? 0));
      code.push({ id, kind: 'instruction', addresses: [addr], condition: c.condition, hitCondition: c.hitCondition, logMessage: c.logMessage, hits: 0 });
      const src = g?.symbols?.sourceAt(addr);
      const bp: DebugProtocol.Breakpoint = { id, verified: true, instructionReference: `0x${addr.toString(16)}` };
      if (src) { bp.source = { path: src.file, name: path.basename(src.file) }; bp.line = src.line; }
      out.push(bp);
    }
    g?.code.replace('instruction', '', code);
    return out;
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      let space: Space = 'virtual';
      let address: bigint | undefined;
      let length = args.bytes ?? 0;
      let what = args.name;
      if (args.asAddress) {
        const ref = parseMemoryReference(args.name);
        if (ref) { space = ref.space; address = ref.address; } else {
          // An expression whose value is the address (the Memory view passes what the user typed).
          const env = this.envFor(g, args.frameId);
          address = BigInt.asUintN(64, valueToBigInt(evaluate(args.name, env), env));
        }
        if (!length) length = 1;
      } else {
        // A child in the Variables view (a local, a struct member, an array element, a Xen field) is found by
        // its container's handle; without one, the name is an expression (a watch, a global).
        let val: Value;
        let label = args.name;
        try {
          if (args.variablesReference) {
            const found = this.store.lookup(args.variablesReference, args.name);
            val = found.value;
            label = found.evaluateName ?? args.name;
          } else val = evaluate(args.name, this.envFor(g, args.frameId));
        } catch (e) {
          response.body = { dataId: null, description: `cannot watch ${args.name}: ${(e as Error).message}` };
          this.sendResponse(response);
          return;
        }
        const l = val.location;
        if (l.kind !== 'memory') {
          const why = l.kind === 'register' || l.kind === 'named-register' ? 'it lives in a register'
            : l.kind === 'optimized-out' ? 'it is optimized out'
              : l.kind === 'pieces' ? 'it is split across registers and memory'
                : l.kind === 'unavailable' ? `it is unavailable (${l.why})` : 'its value is computed';
          response.body = { dataId: null, description: `cannot watch ${label}: not in memory (${why})` };
          this.sendResponse(response);
          return;
        }
        address = l.address;
        space = l.space ?? 'virtual';
        length = length || storageSize(val) || 1;
        what = `${label} (${length} bytes at ${formatMemoryReference({ space, address })})`;
      }
      response.body = { dataId: makeDataId(space, address!, length), description: what, accessTypes: DATA_ACCESS_TYPES, canPersist: true };
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.guard(response, () => {
      this.dataBreakpoints = args;
      response.body = { breakpoints: this.applyDataBreakpoints(args) };
      this.sendResponse(response);
    });
  }

  private applyDataBreakpoints(args: DebugProtocol.SetDataBreakpointsArguments): DebugProtocol.Breakpoint[] {
    const out: DebugProtocol.Breakpoint[] = [];
    const list: DataBreakpoint[] = [];
    for (const db of args.breakpoints) {
      const id = this.nextBreakpointId++;
      const c = this.common(db);
      const where = parseDataId(db.dataId);
      if (c.error || !where) { out.push({ id, verified: false, message: c.error ?? `"${db.dataId}" is not a data breakpoint id from dataBreakpointInfo` }); continue; }
      if (this.guest) {
        // A PV guest-physical range must be populated now (it is watched at the machine pages it maps to).
        try { watchRanges(this.guest.domain, where, where.length); } catch (e) { out.push({ id, verified: false, message: (e as Error).message }); continue; }
      }
      list.push({ id, ...where, access: db.accessType ?? 'write', condition: c.condition, hitCondition: c.hitCondition, hits: 0 });
      out.push({ id, verified: true, message: `${db.accessType ?? 'write'} watch on ${where.length} bytes at ${formatMemoryReference(where)}` });
    }
    this.guest?.data.replace(list);
    return out;
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.guard(response, () => {
      this.exceptionBreakpoints = args;
      response.body = { breakpoints: this.applyExceptionBreakpoints(args) };
      this.sendResponse(response);
    });
  }

  private applyExceptionBreakpoints(args: DebugProtocol.SetExceptionBreakpointsArguments): DebugProtocol.Breakpoint[] {
    const { filters, results } = parseFilters(args);
    const g = this.guest;
    if (g) {
      g.judge.filters = filters;
      g.judge.install();
    }
    return results;
  }

  // ------------------------------------------------------------------ memory and disassembly

  /** Reads are also answered while the guest runs: between slices the machine is consistent. */
  private readable(): Guest {
    const g = this.g();
    if (g.run.state === 'terminated') throw new UserError('the guest has terminated');
    return g;
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.guard(response, () => {
      const g = this.readable();
      const ref = parseMemoryReference(args.memoryReference);
      if (!ref) throw new UserError(`"${args.memoryReference}" is not a memory reference (use 0x…, phys:0x… for guest-physical, or mach:0x… for machine)`);
      const v = this.lastStop?.vcpu ?? g.run.focus;
      const address = BigInt.asUintN(64, ref.address + BigInt(args.offset ?? 0));
      const count = Math.max(0, Math.min(args.count, 1 << 24));
      const bytes = readGuest(v, { space: ref.space, address }, count);
      response.body = { address: `0x${address.toString(16)}`, data: Buffer.from(bytes).toString('base64') };
      if (bytes.length < count) response.body.unreadableBytes = count - bytes.length;
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      const g = this.stopped();
      const ref = parseMemoryReference(args.memoryReference);
      if (!ref) throw new UserError(`"${args.memoryReference}" is not a memory reference`);
      const v = this.lastStop?.vcpu ?? g.run.focus;
      const address = BigInt.asUintN(64, ref.address + BigInt(args.offset ?? 0));
      const data = new Uint8Array(Buffer.from(args.data, 'base64'));
      writeGuest(v, { space: ref.space, address }, data);
      response.body = { bytesWritten: data.length };
      this.sendResponse(response);
      // Sent whatever the client said: VS Code refreshes its Memory view on it; others ignore it.
      this.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, data.length));
      this.invalidate();
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.guard(response, () => {
      const g = this.readable();
      const ref = parseMemoryReference(args.memoryReference);
      if (!ref || ref.space !== 'virtual') throw new UserError(`"${args.memoryReference}" is not a guest-virtual address`);
      const v = this.lastStop?.vcpu ?? g.run.focus;
      response.body = { instructions: disassemble(g.disasmContext(v, ref.address + BigInt(args.offset ?? 0)), ref.address, args, g.flavor) };
      this.sendResponse(response);
    });
  }

  // ------------------------------------------------------------------ Xen custom requests

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === 'modules') { this.modulesRequest(response as DebugProtocol.ModulesResponse); return; }
    this.guard(response, () => {
      const g = this.g();
      const a = (args ?? {}) as Record<string, unknown>;
      switch (command) {
        case XEN_REQUESTS.hypercallLog:
          response.body = g.log.snapshot();
          break;
        case XEN_REQUESTS.eventChannels: {
          const body: EventChannelsResponse = {
            domains: g.hv.domains.map((d) => ({ domid: d.domid, name: d.name, abi: '2-level', ports: eventChannelPorts(d) })),
          };
          response.body = body;
          break;
        }
        case XEN_REQUESTS.domains: {
          const body: DomainsResponse = {
            domains: g.hv.domains.map((d) => ({
              domid: d.domid, name: d.name, guestType: g.machine.label, xenVersion: `${d.profile.name}${d.profile.debug ? '-debug' : ''}`,
              shutdown: d.shutdown ? `${d.shutdown.reason}${d.shutdown.detail ? `: ${d.shutdown.detail}` : ''}` : undefined,
              vcpus: d.vcpus.map((v) => ({
                id: v.id, threadId: g.threads.idOf(v), label: g.threads.name(v), mode: v.cpu.mode,
                state: g.run.state === 'stopped' && !v.down ? 'stopped' : v.down ? 'down' : v.blocked ? 'blocked' : g.run.state === 'running' ? 'running' : 'runnable',
                rip: `0x${v.cpu.rip.toString(16)}`,
              })),
            })),
          };
          response.body = body;
          break;
        }
        case XEN_REQUESTS.sendEvent: {
          const { domid, port } = a as unknown as SendEventArguments;
          const d = domid === undefined ? g.domain : g.hv.domains.find((x) => x.domid === domid);
          if (!d) throw new UserError(`no domain ${domid}`);
          if (typeof port !== 'number' || !Number.isInteger(port)) throw new UserError('port must be an integer');
          const rc = d.evtchn.notifyFromRemote(port);
          if (rc < 0) throw new UserError(`port ${port} of d${d.domid} is not bound (EINVAL)`);
          response.body = {};
          this.sendStateChanged();
          break;
        }
        case XEN_REQUESTS.setPreemption: {
          const p = parsePreemption((a as unknown as SetPreemptionArguments).policy);
          if (typeof p === 'string') throw new UserError(p);
          for (const d of g.hv.domains) d.options.preemption = p;
          response.body = {};
          this.sendStateChanged();
          break;
        }
        case XEN_REQUESTS.stepIntoContinuation: {
          const s = this.stopped();
          const tid = typeof a.threadId === 'number' ? a.threadId : this.lastStop ? s.threads.idOf(this.lastStop.vcpu) : 1;
          const v = this.vcpu(s, tid);
          const here = this.isHypercallEntry(v) ? pendingHypercall(v) : undefined;
          const h = v.hypercall;
          const nr = here?.nr ?? h?.nr;
          const rip = here?.rip ?? h?.rip;
          if (nr === undefined || rip === undefined) throw new UserError(`${v.label} is not in a hypercall and has made none`);
          s.judge.continuationWatch = { v, nr, rip };
          this.resumed();
          s.run.continue();
          response.body = {};
          break;
        }
        default:
          throw new UserError(`unknown request ${command}`);
      }
      this.sendResponse(response);
    });
  }
}

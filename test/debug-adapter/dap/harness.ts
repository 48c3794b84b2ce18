/**
 * Shared setup for the adapter tests: an in-process adapter behind a socket (fast; mocha's timeout rules,
 * since DebugClient disables its own in socket mode), the sample guests, and `@bp:name` marker lines.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startDapServer } from '../../../debug-adapter/cli';

export const ROOT = path.resolve(__dirname, '../../../..');
export const GUESTS = path.join(ROOT, 'out/sample-guests');
export const DEBUGGEE_SRC = path.join(ROOT, 'sample-guests/debuggee/debuggee.c');

export const debuggee = (variant: string): string => path.join(GUESTS, 'debuggee', `debuggee-${variant}.elf`);
export const sample = (name: string, variant: string): string => path.join(GUESTS, name, `${name}-${variant}.elf`);

/** The line of `/* @bp:name *\/` in a source file. */
export function markerLine(name: string, file = DEBUGGEE_SRC): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`@bp:${name} `) || l.endsWith(`@bp:${name}`) || l.includes(`@bp:${name}*`));
  assert.ok(i >= 0, `no @bp:${name} marker in ${file}`);
  return i + 1;
}

export interface Session { dc: DebugClient; output: DebugProtocol.OutputEvent[]; close(): Promise<void> }

let server: net.Server | undefined;

/** A DebugClient connected to a fresh session of the in-process adapter. */
export async function connect(): Promise<Session> {
  server ??= await startDapServer(0);
  const port = (server.address() as net.AddressInfo).port;
  const dc = new DebugClient('node', 'unused', 'xen-guest');
  await dc.start(port);
  const output: DebugProtocol.OutputEvent[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push(e));
  await dc.initializeRequest({ adapterID: 'xen-guest', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryEvent: true, supportsInvalidatedEvent: true });
  return { dc, output, close: async () => { try { await dc.stop(); } catch { /* already gone */ } } };
}

export function stopServer(): void { server?.close(); server = undefined; }

/** Launches, lets `configure` set breakpoints after `initialized`, sends configurationDone; returns the first stop. */
export async function launch(dc: DebugClient, args: Record<string, unknown>, configure: () => Promise<unknown> = async () => undefined): Promise<DebugProtocol.StoppedEvent> {
  const stopped = nextStop(dc);
  const initialized = dc.waitForEvent('initialized');
  await dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await initialized;
  await configure();
  await dc.configurationDoneRequest();
  return stopped;
}

/** The next stopped event; fails at once if the session terminates first (instead of waiting for a timeout). */
export function nextStop(dc: DebugClient): Promise<DebugProtocol.StoppedEvent> {
  return new Promise((resolve, reject) => {
    const onStop = (e: DebugProtocol.StoppedEvent): void => { done(); resolve(e); };
    const onEnd = (): void => { done(); reject(new Error(`the session terminated instead of stopping`)); };
    const done = (): void => { dc.removeListener('stopped', onStop); dc.removeListener('terminated', onEnd); };
    dc.on('stopped', onStop);
    dc.on('terminated', onEnd);
  });
}

/** The fields of a record-like variable (a struct shown in a scope), as name → value. */
export async function fields(dc: DebugClient, v: DebugProtocol.Variable): Promise<Map<string, string>> {
  assert.ok(v.variablesReference > 0, `${v.name} has no children`);
  const vars = (await dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables;
  return new Map(vars.map((x) => [x.name, x.value]));
}

/** Sends a run-control request and waits for the stop it leads to. */
export async function stopAfter(dc: DebugClient, request: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
  const stopped = nextStop(dc);
  await request();
  return stopped;
}

export async function topFrame(dc: DebugClient, threadId = 1): Promise<DebugProtocol.StackFrame> {
  return (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
}

/** The variables of a named scope of a frame, as name → value. */
export async function scopeValues(dc: DebugClient, frameId: number, scope: string): Promise<Map<string, DebugProtocol.Variable>> {
  const scopes = (await dc.scopesRequest({ frameId })).body.scopes;
  const s = scopes.find((x) => x.name.startsWith(scope));
  assert.ok(s, `no scope ${scope} in ${scopes.map((x) => x.name).join(', ')}`);
  const vars = (await dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
  return new Map(vars.map((v) => [v.name, v]));
}

export async function evaluate(dc: DebugClient, expression: string, frameId?: number): Promise<string> {
  return (await dc.evaluateRequest({ expression, frameId, context: 'watch' })).body.result;
}

/** Expects a request to fail; returns its message. */
export async function fails(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('request succeeded but should have failed');
}

/** Requests DebugClient 1.68 has no method for. */
export const readMemory = (dc: DebugClient, args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse> => dc.customRequest('readMemory', args);
export const writeMemory = (dc: DebugClient, args: DebugProtocol.WriteMemoryArguments): Promise<DebugProtocol.WriteMemoryResponse> => dc.customRequest('writeMemory', args);

export { DebugClient };

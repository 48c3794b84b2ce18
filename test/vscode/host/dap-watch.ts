/**
 * Runs inside the extension host: watches the DAP traffic of xen-guest sessions through a
 * DebugAdapterTracker (the way the workbench sees it), so tests can wait for stops and read the
 * adapter's answers to the breakpoint requests VS Code sends on its own.
 */
import * as vscode from 'vscode';

export interface DapMessage {
  type: string;
  command?: string;
  event?: string;
  success?: boolean;
  body?: Record<string, unknown>;
}
export interface StoppedBody { reason: string; threadId: number; allThreadsStopped?: boolean; description?: string }
export interface DapBreakpoint { verified: boolean; line?: number; message?: string }

export class DapWatch implements vscode.Disposable {
  readonly messages: { session: vscode.DebugSession; m: DapMessage }[] = [];
  private waiters: { match: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }[] = [];
  private readonly registration: vscode.Disposable;

  constructor(debugType: string) {
    this.registration = vscode.debug.registerDebugAdapterTrackerFactory(debugType, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: DapMessage) => this.seen(session, m),
      }),
    });
  }

  private seen(session: vscode.DebugSession, m: DapMessage): void {
    this.messages.push({ session, m });
    const ready = this.waiters.filter((w) => w.match(m));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(m);
  }

  /** The next message (from now on) that matches, or a timeout error naming `what`. */
  next(what: string, match: (m: DapMessage) => boolean, timeoutMs = 60_000): Promise<DapMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  nextStop(timeoutMs?: number): Promise<StoppedBody> {
    return this.next('a stopped event', (m) => m.type === 'event' && m.event === 'stopped', timeoutMs)
      .then((m) => m.body as unknown as StoppedBody);
  }

  /** Breakpoints in the latest successful response to `command` (setBreakpoints, setFunctionBreakpoints…). */
  lastBreakpoints(command: string): DapBreakpoint[] | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const { m } = this.messages[i];
      if (m.type === 'response' && m.command === command && m.success) return (m.body?.breakpoints ?? []) as DapBreakpoint[];
    }
    return undefined;
  }

  dispose(): void {
    this.registration.dispose();
    for (const w of this.waiters) w.resolve({ type: 'disposed' });
    this.waiters = [];
  }
}

/** Polls `get` until it returns a value that is not undefined (VS Code updates some state asynchronously). */
export async function eventually<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

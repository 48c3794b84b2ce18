/**
 * Follows `xen-guest` debug sessions: which one the views show, whether its guest is running, and when the
 * views must refresh (stopped, stateChanged, session start/end, focus change). A DebugAdapterTracker sees
 * the DAP traffic; the adapter's `xen/stateChanged` custom event arrives through the debug API.
 */
import * as vscode from 'vscode';
import { XEN_STATE_CHANGED_EVENT } from '../../debug-adapter/protocol';
import { SESSION_ACTIVE_KEY } from '../core/ids';
import { DEBUG_TYPE } from '../core/launch-schema';

export type ChangeReason = 'started' | 'stopped' | 'continued' | 'stateChanged' | 'terminated' | 'focus';
export interface SessionChange { session: vscode.DebugSession | undefined; reason: ChangeReason }

/** Requests after which the guest runs (VS Code does not wait for a `continued` event). */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'xen/stepIntoContinuation']);


export class XenSessionWatch implements vscode.Disposable {
  private readonly running = new Map<string, boolean>();
  private readonly sessions = new Map<string, vscode.DebugSession>();
  private readonly emitter = new vscode.EventEmitter<SessionChange>();
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  readonly onDidChange = this.emitter.event;

  constructor() {
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, { createDebugAdapterTracker: (s) => this.tracker(s) }),
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type !== DEBUG_TYPE) return;
        this.sessions.set(s.id, s);
        this.changed(s, 'started');
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (!this.sessions.delete(s.id)) return;
        this.running.delete(s.id);
        this.changed(s, 'terminated');
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => {
        if (s?.type === DEBUG_TYPE) this.changed(s, 'focus');
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type === DEBUG_TYPE && e.event === XEN_STATE_CHANGED_EVENT) this.changed(e.session, 'stateChanged');
      }),
    );
    void this.updateContext();
  }

  /** The session the views show: the focused one if it is ours, else the most recently started of ours. */
  get current(): vscode.DebugSession | undefined {
    const active = vscode.debug.activeDebugSession;
    if (active && this.sessions.has(active.id)) return active;
    return [...this.sessions.values()].pop();
  }

  isRunning(session: vscode.DebugSession | undefined): boolean {
    return session ? this.running.get(session.id) ?? false : false;
  }

  private tracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    return {
      onWillReceiveMessage: (m: { type?: string; command?: string }) => {
        if (m.type === 'request' && m.command && RESUMING.has(m.command)) this.setRunning(session, true);
      },
      onDidSendMessage: (m: { type?: string; event?: string }) => {
        if (m.type !== 'event') return;
        if (m.event === 'stopped') this.setRunning(session, false);
        else if (m.event === 'continued') this.setRunning(session, true);
      },
    };
  }

  private setRunning(session: vscode.DebugSession, running: boolean): void {
    this.running.set(session.id, running);
    this.changed(session, running ? 'continued' : 'stopped');
  }

  private changed(session: vscode.DebugSession | undefined, reason: ChangeReason): void {
    if (reason === 'started' || reason === 'terminated') void this.updateContext();
    this.emitter.fire({ session, reason });
  }

  private updateContext(): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', SESSION_ACTIVE_KEY, this.sessions.size > 0);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

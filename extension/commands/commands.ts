/** The Xen commands: send an event, set the preemption policy, step into a continuation, refresh, reveal. */
import * as vscode from 'vscode';
import { EventChannelsResponse, SendEventArguments, SetPreemptionArguments, XEN_REQUESTS } from '../../debug-adapter/protocol';
import { PREEMPTION_CHOICES, parsePreemptionInput, parseSendEventInput, portChoices } from '../core/command-input';
import { COMMANDS } from '../core/ids';
import { RevealTarget, XenTreeNode } from '../core/tree-node';
import { findGuests, pickGuest } from '../config/guest-picker';
import { CallSiteRevealer } from '../views/reveal';
import { XenSessionWatch } from '../views/session-watch';
import { XenViews, refreshAll } from '../views/xen-views';

function requireSession(watch: XenSessionWatch): vscode.DebugSession {
  const session = watch.current;
  if (!session) throw new Error('No Xen guest debug session is active');
  return session;
}

async function askSendEvent(session: vscode.DebugSession): Promise<SendEventArguments | undefined> {
  let known: ReturnType<typeof portChoices> = [];
  try { known = portChoices(await session.customRequest(XEN_REQUESTS.eventChannels) as EventChannelsResponse); } catch { /* type a port instead */ }
  const other: { label: string; description: string; args?: SendEventArguments } = {
    label: 'Other port…', description: 'Type a port, or dN:port for another domain',
  };
  const picked = known.length ? await vscode.window.showQuickPick([...known, other], { placeHolder: 'Event channel to signal' }) : other;
  if (!picked) return undefined;
  if (picked.args) return picked.args;
  const text = await vscode.window.showInputBox({
    prompt: 'Send an event on port (EVTCHNOP_send from the remote end)',
    placeHolder: '3, or d1:3 for domain 1',
    validateInput: (v) => { const r = parseSendEventInput(v); return r.ok ? undefined : r.error; },
  });
  if (text === undefined) return undefined;
  const r = parseSendEventInput(text);
  return r.ok ? r.value : undefined;
}

async function askPreemption(): Promise<SetPreemptionArguments | undefined> {
  const choice = await vscode.window.showQuickPick(PREEMPTION_CHOICES, { placeHolder: 'When should long hypercalls be preempted?' });
  if (!choice) return undefined;
  if (choice.policy !== undefined) return { policy: choice.policy };
  const text = await vscode.window.showInputBox({
    prompt: 'Preempt every N units of work', placeHolder: '1024',
    validateInput: (v) => { const r = parsePreemptionInput(v); return r.ok ? undefined : r.error; },
  });
  const r = text === undefined ? undefined : parsePreemptionInput(text);
  return r?.ok ? { policy: r.value } : undefined;
}

/** The vCPU the command acts on: the row it was invoked on, else the thread focused in the Call Stack. */
function focusedThread(session: vscode.DebugSession, node?: XenTreeNode): number | undefined {
  if (node?.data?.threadId !== undefined) return node.data.threadId;
  const item = vscode.debug.activeStackItem;
  return item && item.session.id === session.id ? item.threadId : undefined;
}

export function registerCommands(context: vscode.ExtensionContext, watch: XenSessionWatch, views: XenViews, revealer: CallSiteRevealer): void {
  const guarded = (id: string, fn: (...args: never[]) => Promise<unknown>): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        void vscode.window.showErrorMessage(`Xen: ${(e as Error).message}`);
        return undefined;
      }
    }));
  };

  guarded(COMMANDS.sendEvent, async (node?: XenTreeNode) => {
    const session = requireSession(watch);
    const args = node?.data?.port !== undefined ? { domid: node.data.domid, port: node.data.port } : await askSendEvent(session);
    if (!args) return;
    await session.customRequest(XEN_REQUESTS.sendEvent, args);
    vscode.window.setStatusBarMessage(`Xen: event sent on ${args.domid !== undefined ? `d${args.domid} ` : ''}port ${args.port}`, 4000);
    await refreshAll(views);
  });

  guarded(COMMANDS.setPreemption, async () => {
    const session = requireSession(watch);
    const args = await askPreemption();
    if (!args) return;
    await session.customRequest(XEN_REQUESTS.setPreemption, args);
    vscode.window.setStatusBarMessage(`Xen: preemption ${typeof args.policy === 'number' ? `every ${args.policy} units` : args.policy}`, 4000);
  });

  guarded(COMMANDS.stepIntoContinuation, async (node?: XenTreeNode) => {
    const session = requireSession(watch);
    const threadId = focusedThread(session, node);
    if (threadId === undefined) throw new Error('Select a vCPU in the Call Stack first');
    await session.customRequest(XEN_REQUESTS.stepIntoContinuation, { threadId });
  });

  guarded(COMMANDS.refreshViews, () => refreshAll(views, true));
  guarded(COMMANDS.revealCallSite, (target: RevealTarget) => revealer.reveal(target));
  // `${command:PickGuestKernel}` in launch.json: the absolute path, or undefined to cancel the launch.
  guarded(COMMANDS.pickGuestKernel, async () => (await pickGuest(await findGuests()))?.file);
}

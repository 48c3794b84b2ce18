/**
 * Chooses where the adapter runs for each session: inline in the extension host (the default; the session
 * runs the guest in slices, so the host stays responsive), or as `node dist/cli.js dap` over stdio.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { adapterPlan } from '../core/adapter-mode';
import { ADAPTER_MODE_SETTING } from '../core/ids';

export class XenAdapterDescriptorFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string, private readonly createInline: () => vscode.DebugAdapter) {}

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const setting = vscode.workspace.getConfiguration('xenGuest', session.workspaceFolder).get(ADAPTER_MODE_SETTING);
    const plan = adapterPlan(setting, path.join(this.extensionPath, 'dist', 'cli.js'), process.execPath);
    if (plan.mode === 'inline') return new vscode.DebugAdapterInlineImplementation(this.createInline());
    return new vscode.DebugAdapterExecutable(plan.command, plan.args, { env: plan.env });
  }
}

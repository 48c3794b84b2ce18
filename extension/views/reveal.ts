/**
 * Reveals a hypercall's call site: its source line when the adapter knows it, else a read-only listing of
 * the instructions around the site address (from the session's `disassemble`).
 */
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { disassemblyListing } from '../core/disassembly-text';
import { RevealTarget } from '../core/tree-node';
import { XenSessionWatch } from './session-watch';

const SCHEME = 'xen-guest-disassembly';

export class CallSiteRevealer implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly listings = new Map<string, string>();
  private readonly changes = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changes.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);

  constructor(private readonly watch: XenSessionWatch) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.listings.get(uri.toString()) ?? '; this listing is no longer available\n';
  }

  async reveal(target: RevealTarget): Promise<void> {
    if (target.kind === 'source') {
      const line = Math.max(0, target.line - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(target.path), { selection: new vscode.Range(line, 0, line, 0), preview: true });
      return;
    }
    const session = this.watch.current;
    if (!session) throw new Error('No Xen guest session is active');
    const args: DebugProtocol.DisassembleArguments = {
      memoryReference: target.address, instructionOffset: -8, instructionCount: 24, resolveSymbols: true,
    };
    const body = await session.customRequest('disassemble', args) as DebugProtocol.DisassembleResponse['body'];
    const listing = disassemblyListing(target.address, `${session.name}: instructions around ${target.address}`, body?.instructions ?? []);
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${target.address}.asm`, query: session.id });
    this.listings.set(uri.toString(), listing.text);
    this.changes.fire(uri); // an already open listing of the same site re-reads its text
    const doc = await vscode.workspace.openTextDocument(uri);
    const pos = new vscode.Position(listing.siteLine, 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.changes.dispose();
  }
}

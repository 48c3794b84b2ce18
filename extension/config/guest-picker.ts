/** Finding guest kernels in the workspace and letting the user pick one. */
import * as vscode from 'vscode';
import { DiscoveredGuest, describeGuest, discoverGuests } from '../core/guest-discovery';

export function workspaceRoots(folder?: vscode.WorkspaceFolder): string[] {
  const folders = folder ? [folder] : vscode.workspace.workspaceFolders ?? [];
  return folders.filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

export async function findGuests(folder?: vscode.WorkspaceFolder, token?: vscode.CancellationToken): Promise<DiscoveredGuest[]> {
  const abort = new AbortController();
  const sub = token?.onCancellationRequested(() => abort.abort());
  try {
    return await discoverGuests(workspaceRoots(folder), { signal: abort.signal });
  } finally {
    sub?.dispose();
  }
}

/** Quick pick over the guests; undefined when cancelled or none exist (after telling the user). */
export async function pickGuest(guests: DiscoveredGuest[], placeHolder = 'Guest kernel to debug'): Promise<DiscoveredGuest | undefined> {
  if (guests.length === 0) {
    void vscode.window.showInformationMessage('No Xen guest kernel (an x86 ELF image) was found in the workspace. Build one, '
      + 'or set "kernel" in launch.json.');
    return undefined;
  }
  if (guests.length === 1) return guests[0];
  const items = guests.map((g) => ({ label: describeGuest(g), description: g.relative, guest: g }));
  return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true }))?.guest;
}

/**
 * Debug configurations for `xen-guest`: initial ones for a new launch.json, dynamic ones ("Select and Start
 * Debugging" lists every guest kernel in the workspace), and resolution before launch (F5 without a
 * launch.json, relative paths, validation).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DiscoveredGuest, describeGuest, rankForSource } from '../core/guest-discovery';
import { guestKind, probeElf } from '../core/elf-probe';
import { LaunchConfig, configForKernel, isEmptyConfig, requiredFiles, resolvePaths, validateLaunchConfig, withDefaults } from '../core/launch-config';
import { INITIAL_CONFIGURATION } from '../core/launch-schema';
import { findGuests, pickGuest } from './guest-picker';

/** How many discovered guests a new launch.json gets. */
const MAX_INITIAL = 5;

function configForGuest(g: DiscoveredGuest, folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration {
  const kernel = folder && g.root === folder.uri.fsPath ? `\${workspaceFolder}/${g.relative}` : g.file;
  return configForKernel(kernel, describeGuest(g)) as vscode.DebugConfiguration;
}

/** "Run Without Debugging" sets noDebug on the empty configuration; keep it on the one we make. */
function keepNoDebug(config: vscode.DebugConfiguration): { noDebug?: boolean } {
  return config.noDebug === undefined ? {} : { noDebug: config.noDebug };
}

function activeFile(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}

export class XenConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined, token?: vscode.CancellationToken): Promise<vscode.DebugConfiguration[]> {
    const guests = await findGuests(folder, token);
    if (guests.length === 0) return [INITIAL_CONFIGURATION];
    return guests.slice(0, MAX_INITIAL).map((g) => configForGuest(g, folder));
  }

  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration,
    token?: vscode.CancellationToken): Promise<vscode.DebugConfiguration | undefined> {
    if (!isEmptyConfig(config)) return withDefaults(config as LaunchConfig) as vscode.DebugConfiguration;
    // F5 with no launch.json: the ELF in the active editor, else a guest from the workspace.
    const uri = activeFile();
    if (uri?.scheme === 'file') {
      const probe = await probeElf(uri.fsPath);
      const kind = probe && guestKind(probe);
      if (kind) return withDefaults({ ...configForKernel(uri.fsPath, `${path.basename(uri.fsPath)} (${kind})`), ...keepNoDebug(config) });
    }
    const guest = await pickGuest(rankForSource(await findGuests(folder, token), uri?.scheme === 'file' ? uri.fsPath : undefined));
    if (!guest) return undefined;
    return withDefaults({ ...configForKernel(guest.file, describeGuest(guest)), ...keepNoDebug(config) });
  }

  async resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | null | undefined> {
    const base = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
    const resolved = resolvePaths(config as LaunchConfig, base);
    const problems = validateLaunchConfig(resolved);
    for (const { field, file } of requiredFiles(resolved)) {
      if (!path.isAbsolute(file)) continue; // no folder to resolve against: leave it to the adapter
      try { await fs.access(file); } catch { problems.push(`${field}: file not found: ${file}`); }
    }
    if (problems.length === 0) return resolved as vscode.DebugConfiguration;
    const open = 'Open launch.json';
    const choice = await vscode.window.showErrorMessage(`Cannot start "${config.name}": ${problems.join('; ')}`, open);
    return choice === open ? null : undefined; // null opens launch.json, undefined just cancels
  }
}

export class XenDynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined, token?: vscode.CancellationToken): Promise<vscode.DebugConfiguration[]> {
    // VS Code also asks once without a folder (for user settings); the per-folder answers already cover it.
    if (!folder && vscode.workspace.workspaceFolders?.length) return [];
    return (await findGuests(folder, token)).map((g) => configForGuest(g, folder));
  }
}

/**
 * What activate() returns (vscode.extensions.getExtension(...).exports): a handle for extension-host tests and
 * other extensions to read the Xen views' rows and find guests without going through the UI.
 */
import type * as vscode from 'vscode';
import type { DiscoveredGuest } from './core/guest-discovery';
import type { XenTreeNode } from './core/tree-node';

export interface XenGuestExtensionApi {
  /** Current rows of each view (as last fetched). */
  rows(view: 'hypercalls' | 'eventChannels' | 'domains'): XenTreeNode[];
  /** Re-fetches every view from the current session, visible or not, and resolves when done. */
  refresh(): Promise<void>;
  /** Guest kernels found in the open workspace folders. */
  discoverGuests(): Promise<DiscoveredGuest[]>;
  /** The registered `xen-guest` configuration providers: `initial` (new launch.json, resolution) and `dynamic`. */
  configurationProviders: { initial: vscode.DebugConfigurationProvider; dynamic: vscode.DebugConfigurationProvider };
}

/**
 * VS Code entry point: wires the `xen-guest` debug type (adapter factory, configuration providers), the Xen
 * views and the commands. Everything with logic worth testing lives in extension/core (no vscode import).
 */
import * as vscode from 'vscode';
import { XenAdapterDescriptorFactory } from './adapter/descriptor-factory';
import { createInlineSession } from './adapter/inline-session';
import type { XenGuestExtensionApi } from './api';
import { registerCommands } from './commands/commands';
import { XenConfigurationProvider, XenDynamicConfigurationProvider } from './config/configuration-provider';
import { findGuests } from './config/guest-picker';
import { ACTIVE_KEY } from './core/ids';
import { DEBUG_TYPE } from './core/launch-schema';
import { CallSiteRevealer } from './views/reveal';
import { XenSessionWatch } from './views/session-watch';
import { refreshAll, registerViews } from './views/xen-views';

export function activate(context: vscode.ExtensionContext): XenGuestExtensionApi {
  const watch = new XenSessionWatch();
  const revealer = new CallSiteRevealer(watch);
  const configurationProviders = { initial: new XenConfigurationProvider(), dynamic: new XenDynamicConfigurationProvider() };
  context.subscriptions.push(
    watch,
    revealer,
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new XenAdapterDescriptorFactory(context.extensionPath, createInlineSession)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, configurationProviders.initial),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, configurationProviders.dynamic,
      vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
  const views = registerViews(context, watch);
  registerCommands(context, watch, views, revealer);
  void vscode.commands.executeCommand('setContext', ACTIVE_KEY, true);
  return {
    rows: (view) => views[view].rows(),
    refresh: () => refreshAll(views, true),
    discoverGuests: () => findGuests(),
    configurationProviders,
  };
}

export function deactivate(): void {
  // Subscriptions dispose everything; inline sessions end with their debug sessions.
}

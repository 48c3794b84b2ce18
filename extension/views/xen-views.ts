/** The three Xen views in the Run and Debug sidebar, refreshed on every change the session watch reports. */
import * as vscode from 'vscode';
import { XEN_REQUESTS } from '../../debug-adapter/protocol';
import { domainTree } from '../core/domain-tree';
import { eventChannelTree } from '../core/event-channel-tree';
import { hypercallTree } from '../core/hypercall-tree';
import { VIEWS } from '../core/ids';
import { XenSessionWatch } from './session-watch';
import { XenTreeProvider, XenViewSpec } from './xen-tree-provider';

export const VIEW_SPECS = {
  hypercalls: { viewId: VIEWS.hypercalls, request: XEN_REQUESTS.hypercallLog, build: hypercallTree },
  eventChannels: { viewId: VIEWS.eventChannels, request: XEN_REQUESTS.eventChannels, build: eventChannelTree },
  domains: { viewId: VIEWS.domains, request: XEN_REQUESTS.domains, build: domainTree },
} satisfies Record<string, XenViewSpec>;

export type XenViews = Record<keyof typeof VIEW_SPECS, XenTreeProvider>;

const RUNNING_MESSAGE = 'The guest is running; rows show the state at the last stop.';

export function registerViews(context: vscode.ExtensionContext, watch: XenSessionWatch): XenViews {
  const views = {} as XenViews;
  for (const key of Object.keys(VIEW_SPECS) as (keyof XenViews)[]) {
    const provider = new XenTreeProvider(VIEW_SPECS[key] as XenViewSpec, watch);
    const view = vscode.window.createTreeView(provider.spec.viewId, { treeDataProvider: provider, showCollapseAll: key !== 'domains' });
    provider.setVisible(view.visible);
    context.subscriptions.push(provider, view, view.onDidChangeVisibility((e) => provider.setVisible(e.visible)));
    context.subscriptions.push(watch.onDidChange(({ session, reason }) => {
      if (session !== watch.current && reason !== 'terminated') return;
      view.message = watch.isRunning(watch.current) ? RUNNING_MESSAGE : undefined;
      if (reason !== 'continued') void provider.refresh();
    }));
    views[key] = provider;
  }
  return views;
}

export function refreshAll(views: XenViews, force = false): Promise<void> {
  return Promise.all(Object.values(views).map((v) => v.refresh(force))).then(() => undefined);
}

/**
 * One Xen view: fetches its custom request from the current session, builds rows with a pure tree model,
 * and maps them onto TreeItems. Fetches only while the view is visible (a hidden view refreshes when shown)
 * and never overlap (Coalescer).
 */
import * as vscode from 'vscode';
import { Coalescer } from '../core/coalescer';
import { COMMANDS } from '../core/ids';
import { XenTreeNode } from '../core/tree-node';
import { XenSessionWatch } from './session-watch';

export interface XenViewSpec {
  viewId: string;
  request: string;
  build: (body: never) => XenTreeNode[];
}

export class XenTreeProvider implements vscode.TreeDataProvider<XenTreeNode>, vscode.Disposable {
  private roots: XenTreeNode[] = [];
  private stale = true;
  private visible = false;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly coalescer = new Coalescer(() => this.load());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(readonly spec: XenViewSpec, private readonly watch: XenSessionWatch) {}

  /** Rows as last fetched (for extension-host tests through the extension's API). */
  rows(): XenTreeNode[] {
    return this.roots;
  }

  /** Re-fetches now if visible (or `force`), else when the view is next shown. */
  refresh(force = false): Promise<void> {
    this.stale = true;
    return this.visible || force ? this.coalescer.trigger() : Promise.resolve();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.stale) void this.coalescer.trigger();
  }

  private async load(): Promise<void> {
    this.stale = false;
    const session = this.watch.current;
    if (!session) {
      this.roots = [];
    } else {
      try {
        this.roots = this.spec.build(await session.customRequest(this.spec.request) as never);
      } catch (e) {
        this.roots = [{ id: 'error', label: 'Cannot read Xen state', description: (e as Error).message, icon: 'warning' }];
      }
    }
    this.emitter.fire();
  }

  getTreeItem(n: XenTreeNode): vscode.TreeItem {
    const state = !n.children?.length ? vscode.TreeItemCollapsibleState.None
      : n.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(n.label, state);
    item.id = n.id;
    item.description = n.description;
    if (n.tooltip) item.tooltip = new vscode.MarkdownString(n.tooltip);
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon, n.iconColor ? new vscode.ThemeColor(n.iconColor) : undefined);
    item.contextValue = n.contextValue;
    if (n.reveal) item.command = { command: COMMANDS.revealCallSite, title: 'Reveal Call Site', arguments: [n.reveal] };
    return item;
  }

  getChildren(n?: XenTreeNode): XenTreeNode[] {
    return n ? n.children ?? [] : this.roots;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/**
 * A small stand-in for the `vscode` module, enough to activate the extension in plain Node and drive its
 * glue: it records registrations, lets a test fire debug events, and implements the classes the glue
 * constructs. The real-workbench tests (code-server) cover what this cannot.
 */
import Module from 'node:module';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (l: Listener<T>): { dispose(): void } => {
    this.listeners.push(l);
    return { dispose: () => { this.listeners = this.listeners.filter((x) => x !== l); } };
  };
  fire(e: T): void { for (const l of [...this.listeners]) l(e); }
  dispose(): void { this.listeners = []; }
}

export interface FakeSession {
  id: string; type: string; name: string; workspaceFolder?: unknown;
  customRequest(command: string, args?: unknown): Promise<unknown>;
}

export interface FakeTreeView { viewId: string; provider: { getChildren(n?: unknown): unknown[]; getTreeItem(n: unknown): unknown }; visible: boolean; message?: string; visibility: EventEmitter<{ visible: boolean }> }

export function createFakeVscode() {
  const commands = new Map<string, (...args: unknown[]) => unknown>();
  const context = new Map<string, unknown>();
  const descriptorFactories = new Map<string, { createDebugAdapterDescriptor(s: unknown): unknown }>();
  const trackerFactories = new Map<string, { createDebugAdapterTracker(s: unknown): Record<string, (m: unknown) => void> }>();
  const configProviders: { type: string; provider: Record<string, (...a: unknown[]) => unknown>; trigger: number }[] = [];
  const treeViews: FakeTreeView[] = [];
  const settings: Record<string, unknown> = {};
  const messages: string[] = [];
  const events = {
    start: new EventEmitter<FakeSession>(), terminate: new EventEmitter<FakeSession>(),
    active: new EventEmitter<FakeSession | undefined>(), custom: new EventEmitter<{ session: FakeSession; event: string; body?: unknown }>(),
  };
  const state = { activeDebugSession: undefined as FakeSession | undefined };

  class TreeItem { id?: string; description?: string; tooltip?: unknown; iconPath?: unknown; contextValue?: string; command?: unknown; constructor(public label: string, public collapsibleState: number) {} }
  class ThemeIcon { constructor(public id: string, public color?: unknown) {} }
  class ThemeColor { constructor(public id: string) {} }
  class MarkdownString { constructor(public value: string) {} }
  class DebugAdapterInlineImplementation { constructor(public implementation: unknown) {} }
  class TabInputText { constructor(public uri: unknown) {} }
  class TabInputCustom { constructor(public uri: unknown) {} }
  class DebugAdapterExecutable { constructor(public command: string, public args: string[], public options?: unknown) {} }

  const disposable = { dispose: (): void => undefined };
  const api = {
    EventEmitter, TabInputText, TabInputCustom, TreeItem, ThemeIcon, ThemeColor, MarkdownString, DebugAdapterInlineImplementation, DebugAdapterExecutable,
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
    Uri: { file: (p: string) => ({ scheme: 'file', fsPath: p, path: p }) },
    debug: {
      get activeDebugSession() { return state.activeDebugSession; },
      activeStackItem: undefined,
      registerDebugAdapterDescriptorFactory: (t: string, f: never) => { descriptorFactories.set(t, f); return disposable; },
      registerDebugAdapterTrackerFactory: (t: string, f: never) => { trackerFactories.set(t, f); return disposable; },
      registerDebugConfigurationProvider: (type: string, provider: never, trigger = 1) => { configProviders.push({ type, provider, trigger }); return disposable; },
      onDidStartDebugSession: events.start.event,
      onDidTerminateDebugSession: events.terminate.event,
      onDidChangeActiveDebugSession: events.active.event,
      onDidReceiveDebugSessionCustomEvent: events.custom.event,
    },
    workspace: {
      workspaceFolders: undefined as unknown[] | undefined,
      registerTextDocumentContentProvider: () => disposable,
      getConfiguration: (section: string) => ({ get: (key: string) => settings[`${section}.${key}`] }),
    },
    window: {
      tabGroups: { activeTabGroup: { activeTab: undefined as unknown } },
      activeTextEditor: undefined,
      showQuickPick: async () => undefined,
      showInputBox: async () => undefined,
      createTreeView: (viewId: string, opts: { treeDataProvider: FakeTreeView['provider'] }) => {
        const visibility = new EventEmitter<{ visible: boolean }>();
        const view: FakeTreeView & { onDidChangeVisibility: unknown; dispose(): void } = {
          viewId, provider: opts.treeDataProvider, visible: true, visibility, onDidChangeVisibility: visibility.event, dispose: () => undefined,
        };
        treeViews.push(view);
        return view;
      },
      showErrorMessage: async (m: string) => { messages.push(m); return undefined; },
      showInformationMessage: async (m: string) => { messages.push(m); return undefined; },
      setStatusBarMessage: (m: string) => { messages.push(m); return disposable; },
    },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => { commands.set(id, fn); return disposable; },
      executeCommand: async (id: string, ...args: unknown[]) => {
        if (id === 'setContext') { context.set(args[0] as string, args[1]); return undefined; }
        return commands.get(id)?.(...args);
      },
    },
  };
  return { api, commands, context, descriptorFactories, trackerFactories, configProviders, treeViews, settings, messages, events, state };
}

export type FakeVscode = ReturnType<typeof createFakeVscode>;

/** Loads `modulePath` with `require('vscode')` answered by `fake`. */
export function loadWithFakeVscode<T>(modulePath: string, fake: FakeVscode): T {
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fake.api : original.call(this, request, ...rest);
  };
  try {
    return Module.createRequire(__filename)(modulePath) as T;
  } finally {
    mod._load = original;
  }
}

/**
 * Activates the extension (the tsc output, and the esbuild bundle when built) against a fake `vscode` module
 * and drives its glue: registrations, the inline adapter answering `initialize`, process mode, views
 * refreshed from a session's custom requests on start/stop/stateChanged, commands, and configuration
 * resolution. Skipped until debug-adapter/session.ts exists.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XEN_REQUESTS, XEN_STATE_CHANGED_EVENT } from '../../debug-adapter/protocol';
import type { XenGuestExtensionApi } from '../../extension/api';
import { COMMANDS, SESSION_ACTIVE_KEY, VIEWS } from '../../extension/core/ids';
import { FakeSession, FakeVscode, createFakeVscode, loadWithFakeVscode } from './fake-vscode';
import { CHANNELS, DOMAINS, LOG } from './fixtures';
import { InlineDriver } from './inline-driver';

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLES = path.join(ROOT, 'out/sample-guests');

interface ExtensionModule { activate(ctx: unknown): XenGuestExtensionApi; deactivate(): void }

function fakeSession(id = 's1'): FakeSession & { calls: { command: string; args?: unknown }[] } {
  const calls: { command: string; args?: unknown }[] = [];
  const answers: Record<string, unknown> = {
    [XEN_REQUESTS.hypercallLog]: LOG, [XEN_REQUESTS.eventChannels]: CHANNELS, [XEN_REQUESTS.domains]: DOMAINS,
  };
  return {
    id, type: 'xen-guest', name: 'Xen: balloon', calls,
    customRequest: async (command, args) => { calls.push({ command, args }); return answers[command] ?? {}; },
  };
}

const targets = [
  { name: 'tsc output', file: path.join(ROOT, 'out/extension/extension.js') },
  { name: 'esbuild bundle', file: path.join(ROOT, 'dist/extension.js') },
];

for (const target of targets) {
  describe(`extension: activation (${target.name})`, function () {
    let fake: FakeVscode;
    let ext: ExtensionModule;
    let api: XenGuestExtensionApi;

    before(function () {
      if (!fs.existsSync(target.file)) this.skip();
      fake = createFakeVscode();
      try {
        ext = loadWithFakeVscode<ExtensionModule>(target.file, fake);
      } catch (e) {
        if (/debug-adapter\/session/.test(String(e))) this.skip(); // the adapter's session class is not there yet
        throw e;
      }
      api = ext.activate({ subscriptions: [], extensionPath: ROOT });
    });

    it('registers the adapter factory, both configuration providers, the views and the commands', () => {
      assert.ok(fake.descriptorFactories.has('xen-guest'));
      assert.ok(fake.trackerFactories.has('xen-guest'));
      assert.deepEqual(fake.configProviders.map((p) => [p.type, p.trigger]), [['xen-guest', 1], ['xen-guest', 2]]);
      assert.deepEqual(fake.treeViews.map((v) => v.viewId), Object.values(VIEWS));
      assert.deepEqual([...fake.commands.keys()].sort(), Object.values(COMMANDS).sort());
      assert.equal(fake.context.get('xenGuest.active'), true);
      assert.equal(fake.context.get(SESSION_ACTIVE_KEY), false);
    });

    it('runs the adapter inline by default, and it answers initialize', async () => {
      const desc = fake.descriptorFactories.get('xen-guest')!.createDebugAdapterDescriptor(fakeSession()) as { implementation: {
        handleMessage(m: unknown): void; onDidSendMessage(l: (m: { type: string; command?: string; success?: boolean; body?: Record<string, unknown> }) => void): void;
        dispose(): void;
      } };
      assert.equal(desc.constructor.name, 'DebugAdapterInlineImplementation');
      const adapter = desc.implementation;
      const response = new Promise<{ success?: boolean; body?: Record<string, unknown> }>((resolve) => {
        adapter.onDidSendMessage((m) => { if (m.type === 'response' && m.command === 'initialize') resolve(m); });
      });
      adapter.handleMessage({ seq: 1, type: 'request', command: 'initialize', arguments: { adapterID: 'xen-guest', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' } });
      const r = await response;
      assert.equal(r.success, true);
      assert.equal(r.body?.supportsConfigurationDoneRequest, true);
      adapter.dispose();
    });

    it('runs `node dist/cli.js dap` when xenGuest.adapter.mode is process', () => {
      fake.settings['xenGuest.adapter.mode'] = 'process';
      try {
        const desc = fake.descriptorFactories.get('xen-guest')!.createDebugAdapterDescriptor(fakeSession()) as { command: string; args: string[] };
        assert.equal(desc.constructor.name, 'DebugAdapterExecutable');
        assert.equal(desc.command, process.execPath);
        assert.deepEqual(desc.args, [path.join(ROOT, 'dist', 'cli.js'), 'dap']);
      } finally {
        delete fake.settings['xenGuest.adapter.mode'];
      }
    });

    it('fills the views from the session on start, stop and stateChanged, and empties them at the end', async () => {
      const session = fakeSession();
      fake.state.activeDebugSession = session;
      fake.events.start.fire(session);
      await api.refresh();
      assert.equal(fake.context.get(SESSION_ACTIVE_KEY), true);
      assert.equal(api.rows('hypercalls')[0].label, 'memory_op · XENMEM_decrease_reservation');
      assert.equal(api.rows('eventChannels')[0].children?.length, 3);
      assert.equal(api.rows('domains')[0].children?.[0].label, 'd1v0 (PV64)');
      const hypercallView = fake.treeViews[0];
      const item = hypercallView.provider.getTreeItem(api.rows('hypercalls')[0]) as { id: string; collapsibleState: number; command?: { command: string } };
      assert.equal(item.id, 'call-230');
      assert.equal(item.collapsibleState, 2);
      assert.equal(item.command?.command, COMMANDS.revealCallSite);

      const tracker = fake.trackerFactories.get('xen-guest')!.createDebugAdapterTracker(session);
      tracker.onWillReceiveMessage({ type: 'request', command: 'continue' });
      assert.match(hypercallView.message ?? '', /running/);
      const before = session.calls.length;
      tracker.onDidSendMessage({ type: 'event', event: 'stopped' });
      await api.refresh();
      assert.equal(hypercallView.message, undefined);
      assert.ok(session.calls.length > before, 'a stop re-fetches the views');

      const beforeCustom = session.calls.length;
      fake.events.custom.fire({ session, event: XEN_STATE_CHANGED_EVENT });
      await api.refresh();
      assert.ok(session.calls.length > beforeCustom, 'xen/stateChanged re-fetches the views');

      fake.state.activeDebugSession = undefined;
      fake.events.terminate.fire(session);
      await api.refresh();
      assert.deepEqual(api.rows('hypercalls'), []);
      assert.equal(fake.context.get(SESSION_ACTIVE_KEY), false);
    });

    it('sends the custom requests of the commands for the row they were invoked on', async () => {
      const session = fakeSession('s2');
      fake.state.activeDebugSession = session;
      fake.events.start.fire(session);
      await fake.api.commands.executeCommand(COMMANDS.sendEvent, { data: { domid: 1, port: 3 } });
      await fake.api.commands.executeCommand(COMMANDS.stepIntoContinuation, { data: { threadId: 2 } });
      assert.deepEqual(session.calls.filter((c) => !c.command.startsWith('xen/') || ![XEN_REQUESTS.hypercallLog, XEN_REQUESTS.eventChannels, XEN_REQUESTS.domains].includes(c.command as never)),
        [{ command: XEN_REQUESTS.sendEvent, args: { domid: 1, port: 3 } }, { command: XEN_REQUESTS.stepIntoContinuation, args: { threadId: 2 } }]);
      await fake.api.commands.executeCommand(COMMANDS.stepIntoContinuation);
      assert.match(fake.messages.at(-1) ?? '', /Select a vCPU in the Call Stack first/);
      fake.state.activeDebugSession = undefined;
      fake.events.terminate.fire(session);
      await fake.api.commands.executeCommand(COMMANDS.setPreemption);
      assert.match(fake.messages.at(-1) ?? '', /No Xen guest debug session is active/);
    });

    it('drives a real guest through the inline adapter: views show a preempted hypercall and its continuation', async function () {
      const kernel = path.join(SAMPLES, 'balloon/balloon-pv64.elf');
      if (!fs.existsSync(kernel)) this.skip();
      this.timeout(60_000);
      const desc = fake.descriptorFactories.get('xen-guest')!.createDebugAdapterDescriptor(fakeSession()) as { implementation: never };
      const dap = new InlineDriver(desc.implementation);
      const session: FakeSession = { id: 'real', type: 'xen-guest', name: 'Xen: balloon-pv64.elf', customRequest: (c, a) => dap.request(c, a) };
      dap.tracker = fake.trackerFactories.get('xen-guest')!.createDebugAdapterTracker(session);
      fake.state.activeDebugSession = session;
      fake.events.start.fire(session);
      try {
        await dap.request('initialize', { adapterID: 'xen-guest', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
        const initialized = dap.next('initialized');
        await dap.request('launch', { kernel, preemption: 'always' });
        await initialized;
        await dap.request('setFunctionBreakpoints', { breakpoints: [{ name: 'XENMEM_decrease_reservation' }] });
        const atCall = dap.next('stopped');
        await dap.request('configurationDone');
        await atCall;
        await api.refresh();
        const [domain] = api.rows('domains');
        assert.match(domain.label, /^d\d+ balloon-pv64$/);
        assert.equal(domain.children?.[0].label.endsWith('(PV64)'), true);
        assert.ok((api.rows('eventChannels')[0].children?.length ?? 0) > 0, 'the guest has bound event channels');

        const threadId = domain.children![0].data!.threadId!;
        const resumed = dap.next('stopped');
        await fake.api.commands.executeCommand(COMMANDS.stepIntoContinuation, { data: { threadId } });
        await resumed;
        await api.refresh();
        const [latest] = api.rows('hypercalls');
        assert.equal(latest.label, 'memory_op · XENMEM_decrease_reservation');
        assert.match(latest.description ?? '', /preempted ×1/);
        assert.match(latest.children?.[0].description ?? '', /cmd=0x/);
        assert.ok(latest.reveal, 'the call site can be revealed');
      } finally {
        await dap.request('disconnect', { terminateDebuggee: true }).catch(() => undefined);
        fake.state.activeDebugSession = undefined;
        fake.events.terminate.fire(session);
      }
    });

    it('offers each sample guest as a dynamic configuration, and resolves and validates launch configurations', async function () {
      if (!fs.existsSync(SAMPLES)) this.skip();
      const folder = { uri: { scheme: 'file', fsPath: SAMPLES }, name: 'sample-guests', index: 0 };
      const dynamic = fake.configProviders.find((p) => p.trigger === 2)!.provider;
      const configs = await dynamic.provideDebugConfigurations(folder) as { name: string; kernel: string }[];
      assert.ok(configs.some((c) => c.kernel === '${workspaceFolder}/hello/hello-pv64.elf' && c.name === 'Xen: hello-pv64.elf (PV64, debug info)'),
        JSON.stringify(configs.map((c) => c.kernel)));

      fake.api.workspace.workspaceFolders = [folder] as never;
      try {
        assert.deepEqual(await dynamic.provideDebugConfigurations(undefined), [], 'no duplicates for the user-settings pass');
      } finally {
        fake.api.workspace.workspaceFolders = undefined;
      }

      const main = fake.configProviders.find((p) => p.trigger === 1)!.provider;
      const resolved = await main.resolveDebugConfiguration(folder, { kernel: 'hello/hello-pv64.elf' }) as Record<string, unknown>;
      assert.deepEqual(resolved, { kernel: 'hello/hello-pv64.elf', type: 'xen-guest', request: 'launch', name: 'Xen: hello-pv64.elf' });
      const final = await main.resolveDebugConfigurationWithSubstitutedVariables(folder, resolved) as Record<string, unknown>;
      assert.equal(final.kernel, path.join(SAMPLES, 'hello/hello-pv64.elf'));
      // F5 without a launch.json while an ELF is the active tab: that ELF.
      const elf = path.join(SAMPLES, 'hello/hello-hvm64.elf');
      fake.api.window.tabGroups.activeTabGroup.activeTab = { input: new fake.api.TabInputText(fake.api.Uri.file(elf)) } as never;
      try {
        assert.deepEqual(await main.resolveDebugConfiguration(folder, {}),
          { type: 'xen-guest', request: 'launch', name: 'Xen: hello-hvm64.elf (HVM)', kernel: elf });
        assert.equal((await main.resolveDebugConfiguration(folder, { noDebug: true }) as { noDebug?: boolean }).noDebug, true);
      } finally {
        fake.api.window.tabGroups.activeTabGroup.activeTab = undefined;
      }
      const bad = await main.resolveDebugConfigurationWithSubstitutedVariables(folder, { ...resolved, kernel: 'missing.elf', vcpus: 0 });
      assert.equal(bad, undefined);
      assert.match(fake.messages.at(-1) ?? '', /vcpus must be at least 1.*kernel: file not found/);
    });
  });
}

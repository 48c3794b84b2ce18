/**
 * Suite 1: the extension inside a real VS Code extension host (code-server), driven through the vscode API.
 * The workspace is the driver's temporary copy of sample-guests with a launch.json (workspace.ts).
 * Tests run in order and share one debug session from the third test on, like a user's session would.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { XenGuestExtensionApi } from '../../../extension/api';
import { DapWatch, eventually } from './dap-watch';

const EXTENSION_ID = 'xen-guest-debugger.xen-guest-debugger';
const DEBUG_TYPE = 'xen-guest';
// Kept in step with ../workspace.ts (this file runs in the extension host, which should not load the driver).
const LAUNCH_NAME = 'Debuggee (PV64, -O0)';
const KERNEL_RELATIVE = 'out/debuggee/debuggee-pv64-O0.elf';
const SOURCE_RELATIVE = 'sample-guests/debuggee/debuggee.c';

function folder(): vscode.WorkspaceFolder {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the workbench has a workspace folder');
  return f;
}

function marker(name: string): number {
  const lines = readFileSync(path.join(folder().uri.fsPath, SOURCE_RELATIVE), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`/* @bp:${name} */`));
  assert.ok(i >= 0, `@bp:${name} marker`);
  return i + 1;
}

interface Frame { name: string; line: number; source?: { path?: string } }

async function topFrames(session: vscode.DebugSession, threadId: number): Promise<Frame[]> {
  const r = await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 20 }) as { stackFrames: Frame[] };
  return r.stackFrames;
}

describe('xen-guest extension in the VS Code extension host', () => {
  let watch: DapWatch;
  let session: vscode.DebugSession;
  let api: XenGuestExtensionApi;
  const source = (): vscode.Uri => vscode.Uri.joinPath(folder().uri, SOURCE_RELATIVE);

  before(() => { watch = new DapWatch(DEBUG_TYPE); });
  after(async () => {
    if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    watch.dispose();
  });

  it('activates when a xen-guest debug configuration is resolved', async () => {
    const ext = vscode.extensions.getExtension<XenGuestExtensionApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    assert.equal(ext.isActive, false, 'nothing activated it before the debug type was used');
    const stopped = watch.nextStop();
    const ok = await vscode.debug.startDebugging(folder(), {
      type: DEBUG_TYPE, request: 'launch', name: 'activation', kernel: `\${workspaceFolder}/${KERNEL_RELATIVE}`, stopOnEntry: true,
    });
    assert.ok(ok, 'startDebugging');
    assert.equal(ext.isActive, true);
    assert.equal((await stopped).reason, 'entry');
    api = ext.exports;
    const ended = new Promise<void>((r) => { const d = vscode.debug.onDidTerminateDebugSession(() => { d.dispose(); r(); }); });
    await vscode.debug.stopDebugging();
    await ended;
  });

  it('offers the workspace guests as debug configurations', async () => {
    const dynamic = await api.configurationProviders.dynamic.provideDebugConfigurations!(folder()) ?? [];
    const kernels = dynamic.map((c) => c.kernel as string);
    for (const variant of ['pv64', 'hvm64', 'hvm32']) {
      for (const opt of ['O0', 'Og']) assert.ok(kernels.includes(`\${workspaceFolder}/out/debuggee/debuggee-${variant}-${opt}.elf`), `${variant}-${opt} in ${kernels.join(', ')}`);
    }
    const pv = dynamic.find((c) => (c.kernel as string).endsWith('debuggee-pv64-O0.elf'))!;
    assert.equal(pv.type, DEBUG_TYPE);
    assert.equal(pv.request, 'launch');
    assert.match(pv.name, /debuggee-pv64-O0\.elf \(PV64, debug info\)/);
    const initial = await api.configurationProviders.initial.provideDebugConfigurations!(folder()) ?? [];
    assert.ok(initial.length > 0 && initial.every((c) => c.type === DEBUG_TYPE && typeof c.kernel === 'string'));
  });

  it('stops at a source breakpoint when started from a launch.json configuration', async () => {
    const line = marker('call-recurse');
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(source(), new vscode.Position(line - 1, 0)))]);
    const stopped = watch.nextStop();
    assert.ok(await vscode.debug.startDebugging(folder(), LAUNCH_NAME), 'startDebugging(launch.json name)');
    const stop = await stopped;
    assert.equal(stop.reason, 'breakpoint');
    assert.equal(stop.allThreadsStopped, true, 'all-stop: every vCPU shows as paused');
    session = vscode.debug.activeDebugSession!;
    assert.equal(session.type, DEBUG_TYPE);
    assert.equal(session.name, LAUNCH_NAME);
    const bps = watch.lastBreakpoints('setBreakpoints');
    assert.deepEqual(bps?.map((b) => [b.verified, b.line]), [[true, line]], 'breakpoint verified on its line');
    const [top] = await topFrames(session, stop.threadId);
    assert.equal(top.name, 'kernel_main');
    assert.equal(top.line, line);
    // In a remote extension host VS Code hands DAP paths back as vscode-remote URIs.
    const p = top.source?.path ?? '';
    assert.equal(/^[a-z-]+:\/\//.test(p) ? vscode.Uri.parse(p).path : p, source().fsPath);
  });

  it('shows the vCPU threads and a stack through vscode.debug', async () => {
    const { threads } = await session.customRequest('threads') as { threads: { id: number; name: string }[] };
    assert.ok(threads.length >= 1);
    for (const t of threads) assert.match(t.name, /^d\d+v\d+ \(PV64\)/);
    // The workbench focuses the stopped thread's top frame; the API reflects it.
    const item = await eventually('the focused stack frame', () => {
      const i = vscode.debug.activeStackItem;
      return i instanceof vscode.DebugStackFrame && i.session.id === session.id ? i : undefined;
    });
    const frames = await topFrames(session, item.threadId);
    assert.equal(frames[0].name, 'kernel_main');
    assert.ok(frames.length >= 2, 'kernel_main has a caller (the start-of-day code)');
  });

  it('stops the guest on a hypercall function breakpoint', async () => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const answered = watch.next('setFunctionBreakpoints', (m) => m.type === 'response' && m.command === 'setFunctionBreakpoints'
      && ((m.body?.breakpoints ?? []) as unknown[]).length > 0);
    vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint('XENMEM_decrease_reservation')]);
    await answered;
    assert.deepEqual(watch.lastBreakpoints('setFunctionBreakpoints')?.map((b) => b.verified), [true]);
    const stopped = watch.nextStop();
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    const stop = await stopped;
    assert.equal(stop.reason, 'function breakpoint');
    const frames = await topFrames(session, stop.threadId);
    assert.ok(frames.some((f) => f.name === 'balloon_out'), `balloon_out on the stack: ${frames.map((f) => f.name).join(' < ')}`);
    // The stop comes before Xen runs the call, so the Hypercalls view lists it only once it has run.
    assert.match(stop.description ?? '', /decrease_reservation|memory_op/);
  });

  it('fills the Xen views: a preempted hypercall with its continuations, domains and vCPUs, event channels', async () => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const line = marker('evtchn-alloc');
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(source(), new vscode.Position(line - 1, 0)))]);
    const stopped = watch.nextStop();
    await vscode.commands.executeCommand('workbench.action.debug.continue');
    const stop = await stopped;
    assert.equal(stop.reason, 'breakpoint');
    assert.equal((await topFrames(session, stop.threadId))[0].line, line);
    await api.refresh();

    const call = api.rows('hypercalls').find((r) => /XENMEM_decrease_reservation/.test(r.label));
    assert.ok(call, 'the decrease_reservation call is listed');
    // 2048 pages, preempted every 100: 20 continuations, then it returns 2048.
    assert.match(call.description ?? '', /preempted ×\d+ · → 2048/);
    assert.ok((call.children?.length ?? 0) >= 2, 'continuations are children of the call');
    assert.match(call.children![0].label, /^continuation 1$/);

    const [dom] = api.rows('domains');
    assert.match(dom.label, /^d\d+ /);
    assert.match(dom.description ?? '', /PV64|pv64/i);
    assert.ok(dom.children?.some((v) => /^d\d+v0 \(PV64\)/.test(v.label) && /stopped|rip 0x/.test(v.description ?? '')), 'vCPU row');

    const channels = api.rows('eventChannels');
    assert.ok(channels.length >= 1 && /^d\d+ /.test(channels[0].label), 'a domain row in Event Channels');
  });
});

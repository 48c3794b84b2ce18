/**
 * The shipped adapter: the bundled `dist/cli.js dap` as a child process over stdio (what other DAP clients
 * and the extension's "separate process" mode run), and `dap --server=PORT` on 127.0.0.1.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Readable, Writable } from 'stream';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE_SRC, ROOT, debuggee, launch, markerLine, topFrame } from './harness';

const CLI = path.join(ROOT, 'dist/cli.js');

/** DebugClient over a child's stdio (its own spawn cannot pass the `dap` argument). */
class StdioClient extends DebugClient {
  attach(from: Readable, to: Writable): void { this.connect(from, to); }
}

function spawnAdapter(args: string[]): { dc: DebugClient; child: cp.ChildProcess } {
  const child = cp.spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const dc = new StdioClient('node', CLI, 'xen-guest');
  dc.attach(child.stdout!, child.stdin!);
  return { dc, child };
}

describe('DAP: the bundled adapter (dist/cli.js dap)', function () {
  before(function () {
    if (!fs.existsSync(CLI)) this.skip();
  });

  it('debugs over stdio: breakpoint, stack, locals, step, disassembly, to the end', async () => {
    const { dc, child } = spawnAdapter(['dap']);
    try {
      await dc.initializeRequest({ adapterID: 'xen-guest', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      const line = markerLine('recurse-bottom');
      const stop = await launch(dc, { kernel: debuggee('hvm64-O0') }, () => dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line }] }));
      assert.strictEqual(stop.body.reason, 'breakpoint');
      const stack = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      assert.strictEqual(stack[0].line, line);
      assert.ok(stack.length >= 6);
      const locals = (await dc.variablesRequest({ variablesReference: (await dc.scopesRequest({ frameId: stack[0].id })).body.scopes[0].variablesReference })).body.variables;
      assert.strictEqual(locals.find((v) => v.name === 'local')?.value, '101');
      const dis = (await dc.disassembleRequest({ memoryReference: stack[0].instructionPointerReference!, instructionCount: 3 })).body!.instructions;
      assert.strictEqual(dis.length, 3);
      const stepped = dc.waitForEvent('stopped');
      await dc.nextRequest({ threadId: 1 });
      await stepped;
      assert.notStrictEqual((await topFrame(dc)).line, line);
      await dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [] });
      const exited = dc.waitForEvent('exited') as Promise<DebugProtocol.ExitedEvent>;
      await dc.continueRequest({ threadId: 1 });
      assert.strictEqual((await exited).body.exitCode, 0);
      await dc.disconnectRequest({});
    } finally {
      child.kill();
    }
  });

  it('serves sessions on 127.0.0.1 with --server=PORT', async () => {
    const child = cp.spawn(process.execPath, [CLI, 'dap', '--server=0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(`adapter exited: ${err}`)));
      });
      const dc = new DebugClient('node', CLI, 'xen-guest');
      await dc.start(port);
      await dc.initializeRequest();
      const stop = await launch(dc, { kernel: debuggee('pv64-O0'), stopOnEntry: true });
      assert.strictEqual(stop.body.reason, 'entry');
      await dc.stop();
    } finally {
      child.kill();
    }
  });

  it('rejects a bad --server value and keeps `run` working', () => {
    const bad = cp.spawnSync(process.execPath, [CLI, 'dap', '--server=http'], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 2);
    assert.match(bad.stderr, /--server needs a port number/);
    const run = cp.spawnSync(process.execPath, [CLI, 'run', path.join(ROOT, 'out/sample-guests/hello/hello-pv64.elf')], { encoding: 'utf8' });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stdout, /Hello from pv64/);
  });
});

/**
 * Launch, restart and terminate; console and trace output; and bad input of every kind: each gets an error
 * response naming the problem, and the session carries on.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEBUGGEE_SRC, Session, connect, debuggee, fails, launch, markerLine, readMemory, sample, stopAfter, stopServer, topFrame } from './harness';

describe('DAP: launch, lifecycle and bad input', function () {
  let s: Session;
  beforeEach(async () => { s = await connect(); });
  afterEach(async () => { await s.close(); });
  after(() => stopServer());

  it('rejects bad launch configurations with a message naming each field, then launches', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{}, /kernel \(or xlConfig\) is required/],
      [{ kernel: '/no/such.elf' }, /kernel: file not found/],
      [{ kernel: debuggee('pv64-O0'), vcpus: 0 }, /vcpus must be an integer/],
      [{ kernel: debuggee('pv64-O0'), memoryMiB: 'lots' }, /memoryMiB must be an integer/],
      [{ kernel: debuggee('pv64-O0'), xenVersion: '9.9' }, /xenVersion "9\.9" is not a known profile/],
      [{ kernel: debuggee('pv64-O0'), guestType: 'pvm' }, /guestType must be one of/],
      [{ kernel: debuggee('pv64-O0'), preemption: 'sometimes' }, /preemption must be/],
      [{ kernel: debuggee('pv64-O0'), domainFlags: { evtchnFfo: true } }, /domainFlags\.evtchnFfo is not a known domain flag/],
      [{ kernel: debuggee('pv64-O0'), stopOnEntry: 'yes' }, /stopOnEntry must be true or false/],
      [{ kernel: debuggee('pv64-O0'), disassemblyFlavor: 'masm' }, /disassemblyFlavor must be "intel" or "att"/],
      [{ kernel: DEBUGGEE_SRC }, /kernel: cannot boot/],
    ];
    for (const [args, re] of bad) assert.match(await fails(s.dc.launchRequest(args as never)), re, JSON.stringify(args));
    // Two problems at once: both named.
    const both = await fails(s.dc.launchRequest({ kernel: debuggee('pv64-O0'), vcpus: -1, xenVersion: 'x' } as never));
    assert.match(both, /vcpus/);
    assert.match(both, /xenVersion/);
    // The session is still usable.
    const stop = await launch(s.dc, { kernel: debuggee('pv64-O0'), stopOnEntry: true });
    assert.strictEqual(stop.body.reason, 'entry');
  });

  it('sends the guest console as stdout output, trace lines as console output, and exits with the guest', async () => {
    const ended = s.dc.waitForEvent('exited');
    const initialized = s.dc.waitForEvent('initialized');
    await s.dc.launchRequest({ kernel: sample('hello', 'hvm64'), trace: true } as never);
    await initialized;
    await s.dc.configurationDoneRequest();
    const exited = await ended;
    assert.strictEqual(exited.body.exitCode, 0);
    assert.ok(s.output.some((o) => o.body.category === 'stdout' && /Hello from hvm64/.test(o.body.output)));
    assert.ok(s.output.some((o) => o.body.category === 'console' && /d1v0 hypercall +console_io/.test(o.body.output)));
  });

  it('restarts and terminates', async () => {
    const line = markerLine('recurse-bottom');
    await launch(s.dc, { kernel: debuggee('hvm64-O0') }, () => s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line }] }));
    const again = await stopAfter(s.dc, () => s.dc.customRequest('restart', {}));
    assert.strictEqual(again.body.reason, 'breakpoint');
    assert.strictEqual((await topFrame(s.dc)).line, line);
    const terminated = s.dc.waitForEvent('terminated');
    await s.dc.terminateRequest({});
    await terminated;
  });

  it("names the domain after the image (or the xl.cfg's name), never after VS Code's configuration name", async () => {
    const domainName = async (): Promise<string> => ((await s.dc.customRequest('xen/domains')).body as { domains: { name: string }[] }).domains[0].name;
    await launch(s.dc, { name: 'balloon', kernel: sample('balloon', 'pv64'), stopOnEntry: true });
    assert.strictEqual(await domainName(), 'balloon-pv64');
    await s.close();
    s = await connect();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xl-name-'));
    const cfg = path.join(dir, 'guest.cfg');
    fs.writeFileSync(cfg, `name = "from-xl"\nkernel = "${sample('balloon', 'pv64')}"\nmemory = 64\n`);
    await launch(s.dc, { name: 'Xen guest (xl.cfg)', xlConfig: cfg, stopOnEntry: true });
    assert.strictEqual(await domainName(), 'from-xl');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers bad requests with errors and carries on', async () => {
    await launch(s.dc, { kernel: debuggee('pv64-Og') }, () => s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line: markerLine('recurse-bottom') }] }));
    const f = await topFrame(s.dc);
    const scopes = (await s.dc.scopesRequest({ frameId: f.id })).body.scopes;
    assert.match(await fails(s.dc.scopesRequest({ frameId: 987654 })), /unknown or stale frame id/);
    assert.match(await fails(s.dc.stackTraceRequest({ threadId: 99 })), /unknown thread/);
    assert.match(await fails(s.dc.evaluateRequest({ expression: 'depth + (2', frameId: f.id, context: 'repl' })), /column|syntax|expected/i);
    assert.match(await fails(s.dc.evaluateRequest({ expression: 'no_such_name', frameId: f.id, context: 'watch' })), /no_such_name/);
    assert.match(await fails(s.dc.evaluateRequest({ expression: '$nosuchreg', frameId: f.id, context: 'watch' })), /nosuchreg/);
    assert.match(await fails(readMemory(s.dc, { memoryReference: 'not-an-address', count: 4 })), /not a memory reference/);
    assert.match(await fails(s.dc.customRequest('xen/sendEvent', { port: 4000 })), /not bound/);
    assert.match(await fails(s.dc.customRequest('xen/setPreemption', { policy: 'sometimes' })), /preemption must be/);
    assert.match(await fails(s.dc.customRequest('xen/noSuchThing', {})), /unknown request/);
    const bad = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hypercall:memory_op', condition: 'domain === ((' }, { name: 'recurse', hitCondition: 'often' }] });
    assert.ok(bad.body.breakpoints.every((b) => !b.verified && b.message), JSON.stringify(bad.body.breakpoints));
    const data = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'garbage' }] });
    assert.strictEqual(data.body.breakpoints[0].verified, false);
    const filt = await s.dc.setExceptionBreakpointsRequest({ filters: ['no-such-filter'] });
    assert.strictEqual(filt.body?.breakpoints?.[0].verified, false);
    // Stale references after resuming.
    const ref = scopes[0].variablesReference;
    await stopAfter(s.dc, () => s.dc.nextRequest({ threadId: 1 }));
    assert.match(await fails(s.dc.variablesRequest({ variablesReference: ref })), /stale|invalid|unknown/i);
    assert.match(await fails(s.dc.scopesRequest({ frameId: f.id })), /stale/);
    // Requests while running.
    await s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [] });
    await s.dc.continueRequest({ threadId: 1 });
    const whileRunning = await Promise.allSettled([s.dc.stackTraceRequest({ threadId: 1 }), s.dc.evaluateRequest({ expression: 'depth', context: 'watch' })]);
    for (const r of whileRunning) {
      if (r.status === 'rejected') assert.match((r.reason as Error).message, /running|terminated/);
    }
    // Still alive: the threads request always works.
    assert.ok((await s.dc.threadsRequest()).body.threads.length >= 1);
  });

  it('survives garbage arguments to every request', async () => {
    await launch(s.dc, { kernel: debuggee('pv64-O0'), stopOnEntry: true });
    const requests = ['stackTrace', 'scopes', 'variables', 'setVariable', 'evaluate', 'setExpression', 'completions', 'exceptionInfo',
      'setBreakpoints', 'setFunctionBreakpoints', 'setInstructionBreakpoints', 'dataBreakpointInfo', 'setDataBreakpoints',
      'setExceptionBreakpoints', 'breakpointLocations', 'readMemory', 'writeMemory', 'disassemble', 'next', 'stepIn', 'stepOut',
      'xen/hypercallLog', 'xen/eventChannels', 'xen/domains', 'xen/sendEvent', 'xen/setPreemption', 'xen/stepIntoContinuation', 'modules'];
    const garbage: unknown[] = [{}, { threadId: 'x', frameId: -1, variablesReference: 1e9, expression: ')', memoryReference: 'zz', count: -5, name: 7, breakpoints: 'no', source: 3, text: null, column: 'a', dataId: {}, port: 'p', policy: {}, instructionCount: 'many' }];
    const internal: string[] = [];
    for (const r of requests) {
      for (const g of garbage) {
        await s.dc.customRequest(r, g as never).catch((e: Error) => { if (/internal error/.test(e.message)) internal.push(`${r}: ${e.message}`); });
      }
    }
    assert.deepStrictEqual(internal, [], 'malformed arguments are reported as such, not as internal errors');
    assert.strictEqual((await s.dc.threadsRequest()).body.threads.length, 1);
    const st = await s.dc.stackTraceRequest({ threadId: 1 }).catch(() => undefined);
    if (st) assert.ok(st.body.stackFrames.length >= 1);
  });

  it('reports DWARF it cannot read and still debugs with ELF symbols', async () => {
    // A copy of the debuggee with .debug_info damaged: the reader warns, the session goes on.
    const src = fs.readFileSync(debuggee('pv64-O0'));
    const copy = Buffer.from(src);
    const at = copy.indexOf(Buffer.from('.debug_info'));
    assert.ok(at > 0);
    const { parseElf } = await import('../../../emulator/boot/elf');
    const info = parseElf(new Uint8Array(src)).section('.debug_info')!;
    const off = Number(info.offset);
    copy.fill(0xff, off, off + Math.min(64, Number(info.size)));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dap-bad-dwarf-')), 'broken.elf');
    fs.writeFileSync(file, copy);
    const stop = await launch(s.dc, { kernel: file }, () => s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'bump_counter' }] }));
    assert.strictEqual(stop.body.reason, 'function breakpoint');
    const frame = await topFrame(s.dc);
    assert.match(frame.name, /bump_counter/);
    const dis = (await s.dc.disassembleRequest({ memoryReference: frame.instructionPointerReference!, instructionCount: 4 })).body!.instructions;
    assert.strictEqual(dis.length, 4);
    const scopes = (await s.dc.scopesRequest({ frameId: frame.id })).body.scopes;
    for (const sc of scopes) await s.dc.variablesRequest({ variablesReference: sc.variablesReference }).catch(() => undefined);
    assert.ok(s.output.some((o) => /symbols:/.test(o.body.output)), 'the reader problem is reported');
  });
});

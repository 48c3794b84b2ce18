/**
 * Source, function and instruction breakpoints on the debuggee guest; stacks through several frames; locals
 * at -O0 and -Og; conditions, hit counts and logpoints.
 */
import * as assert from 'assert';
import { DEBUGGEE_SRC, Session, connect, debuggee, evaluate, launch, markerLine, scopeValues, stopAfter, stopServer, topFrame } from './harness';

describe('DAP: source breakpoints, stacks and locals', function () {
  let s: Session;
  beforeEach(async () => { s = await connect(); });
  afterEach(async () => { await s.close(); });
  after(() => stopServer());

  for (const variant of ['pv64-O0', 'pv64-Og', 'hvm64-O0', 'hvm32-O0']) {
    it(`stops at @bp:recurse-bottom with a stack of recurse frames and their locals (${variant})`, async () => {
      const line = markerLine('recurse-bottom');
      const stop = await launch(s.dc, { kernel: debuggee(variant) }, async () => {
        const r = await s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line }] });
        assert.strictEqual(r.body.breakpoints[0].verified, true, r.body.breakpoints[0].message);
        assert.strictEqual(r.body.breakpoints[0].line, line);
      });
      assert.strictEqual(stop.body.reason, 'breakpoint');
      assert.strictEqual(stop.body.allThreadsStopped, true);
      const stack = (await s.dc.stackTraceRequest({ threadId: stop.body.threadId ?? 1 })).body.stackFrames;
      assert.strictEqual(stack[0].line, line);
      assert.strictEqual(stack[0].name, 'recurse');
      // recurse(0) ← recurse(1) ← recurse(2) ← recurse(3) ← recurse(4) ← kernel_main
      const names = stack.map((f) => f.name);
      assert.deepStrictEqual(names.slice(0, 6), ['recurse', 'recurse', 'recurse', 'recurse', 'recurse', 'kernel_main'], names.join(' < '));
      for (let i = 1; i <= 4; i++) assert.strictEqual(stack[i].line, markerLine('recurse-call'), `frame ${i}`);
      assert.strictEqual(stack[5].line, markerLine('call-recurse'));
      for (const f of stack) assert.match(f.instructionPointerReference ?? '', /^0x[0-9a-f]+$/);
      // depth/acc/local per level (the debuggee's header comment).
      const want = [[0, 101, 101], [1, 91, 101], [2, 71, 91], [3, 41, 71], [4, 1, 41]];
      let available = 0;
      for (let i = 0; i < 5; i++) {
        const locals = await scopeValues(s.dc, stack[i].id, 'Locals');
        ['depth', 'acc', 'local'].forEach((name, k) => {
          const v = locals.get(name)?.value;
          assert.ok(v !== undefined, `frame ${i} has no ${name}`);
          // -Og may leave a value unrecoverable (DW_OP_entry_value); -O0 never does. Any value shown is right.
          if (variant.endsWith('Og') && v.startsWith('<')) return;
          assert.strictEqual(v, String(want[i][k]), `frame ${i} ${name}`);
          available++;
        });
      }
      assert.ok(available >= (variant.endsWith('O0') ? 15 : 5), `only ${available} locals available`);
      if (variant.endsWith('O0')) assert.strictEqual(await evaluate(s.dc, 'depth * 100 + acc', stack[2].id), '271');
    });
  }

  it('binds a breakpoint on a line without code to the next line with code, and reports lines it cannot bind', async () => {
    const comment = markerLine('recurse-entry') - 2; // the comment line above recurse()
    await launch(s.dc, { kernel: debuggee('pv64-O0'), stopOnEntry: true }, async () => {
      const r = await s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line: comment }, { line: 100000 }] });
      assert.strictEqual(r.body.breakpoints[0].verified, true);
      assert.ok(r.body.breakpoints[0].line! > comment);
      assert.strictEqual(r.body.breakpoints[1].verified, false);
      assert.match(r.body.breakpoints[1].message ?? '', /no code/);
      const other = await s.dc.setBreakpointsRequest({ source: { path: '/nowhere/else.c' }, breakpoints: [{ line: 3 }] });
      assert.strictEqual(other.body.breakpoints[0].verified, false);
    });
    const locs = await s.dc.customRequest('breakpointLocations', { source: { path: DEBUGGEE_SRC }, line: markerLine('recurse-entry'), endLine: markerLine('recurse-call') });
    const lines = (locs.body.breakpoints as { line: number }[]).map((b) => b.line);
    assert.ok(lines.includes(markerLine('recurse-entry')) && lines.includes(markerLine('recurse-bottom')), lines.join(','));
  });

  it('honours conditions, hit counts and logpoints', async () => {
    const entry = markerLine('recurse-entry');
    const stop = await launch(s.dc, { kernel: debuggee('pv64-O0') }, async () => {
      await s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [
        { line: entry, condition: 'depth == 2' },
        { line: markerLine('counter-write'), logMessage: 'bump by {by}' },
        { line: markerLine('recurse-bottom'), hitCondition: '2' },
      ] });
    });
    assert.strictEqual(stop.body.reason, 'breakpoint');
    const f = await topFrame(s.dc);
    assert.strictEqual(f.line, entry);
    assert.strictEqual(await evaluate(s.dc, 'depth', f.id), '2');
    const logs = s.output.filter((o) => /^bump by/.test(o.body.output)).map((o) => o.body.output.trim());
    assert.deepStrictEqual(logs, ['bump by 5', 'bump by 4'], 'logpoints print and do not stop');
    // recurse-bottom is reached once: its hit condition "2" never holds, so the guest runs to poweroff.
    const ended = s.dc.waitForEvent('terminated');
    await s.dc.continueRequest({ threadId: 1 });
    await ended;
    assert.ok(s.output.some((o) => /debuggee: ok/.test(o.body.output)));
  });

  it('stops at function and instruction breakpoints', async () => {
    const stop = await launch(s.dc, { kernel: debuggee('pv64-Og') }, async () => {
      const r = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'bump_counter' }, { name: 'no_such_function' }] });
      assert.strictEqual(r.body.breakpoints[0].verified, true);
      assert.strictEqual(r.body.breakpoints[1].verified, false);
    });
    assert.strictEqual(stop.body.reason, 'function breakpoint');
    const f = await topFrame(s.dc);
    assert.strictEqual(f.name, 'bump_counter');
    // An instruction breakpoint 5 instructions further on (from the Disassembly view's addresses).
    const dis = (await s.dc.disassembleRequest({ memoryReference: f.instructionPointerReference!, instructionCount: 3 })).body!.instructions;
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const r = await s.dc.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: dis[2].address }] });
    assert.strictEqual(r.body.breakpoints[0].verified, true);
    const next = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
    assert.strictEqual(next.body.reason, 'instruction breakpoint');
    assert.strictEqual((await topFrame(s.dc)).instructionPointerReference, dis[2].address);
  });
});

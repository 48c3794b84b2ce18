/**
 * Stepping: over, into and out by source line; instruction steps (also over a hypercall instruction that
 * Xen preempts); pause while the guest runs.
 */
import * as assert from 'assert';
import { DEBUGGEE_SRC, Session, connect, debuggee, launch, markerLine, sample, stopAfter, stopServer, topFrame } from './harness';

describe('DAP: stepping and pause', function () {
  let s: Session;
  beforeEach(async () => { s = await connect(); });
  afterEach(async () => { await s.close(); });
  after(() => stopServer());

  for (const variant of ['pv64-O0', 'hvm64-Og']) {
    it(`steps over, into and out by line (${variant})`, async () => {
      const call = markerLine('call-recurse');
      await launch(s.dc, { kernel: debuggee(variant) }, () => s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line: call }] }));
      assert.strictEqual((await topFrame(s.dc)).line, call);
      // Step into recurse(4, 1): first line of its body.
      await stopAfter(s.dc, () => s.dc.stepInRequest({ threadId: 1 }));
      let f = await topFrame(s.dc);
      assert.strictEqual(f.name, 'recurse');
      assert.strictEqual(f.line, markerLine('recurse-entry'));
      // Step over the local's line: on to the bump_counter() call, not into it.
      await stopAfter(s.dc, () => s.dc.nextRequest({ threadId: 1 }));
      f = await topFrame(s.dc);
      assert.strictEqual(f.name, 'recurse');
      assert.strictEqual(f.line, markerLine('recurse-entry') + 2);
      // Step out: back in kernel_main on the call line (the return value is still to be stored).
      const out = await stopAfter(s.dc, () => s.dc.stepOutRequest({ threadId: 1 }));
      assert.strictEqual(out.body.reason, 'step');
      f = await topFrame(s.dc);
      assert.strictEqual(f.name, 'kernel_main');
      assert.strictEqual(f.line, call);
      // Step over: the printk line after the call.
      await stopAfter(s.dc, () => s.dc.nextRequest({ threadId: 1 }));
      assert.strictEqual((await topFrame(s.dc)).line, call + 1);
      assert.ok(s.output.every((o) => !/recurse\(4, 1\)/.test(o.body.output)), 'printk has not run yet');
      await stopAfter(s.dc, () => s.dc.nextRequest({ threadId: 1 }));
      assert.ok(s.output.some((o) => /recurse\(4, 1\) = 1405/.test(o.body.output)));
    });
  }

  it('steps one instruction, and over a hypercall instruction that Xen preempts as one instruction', async () => {
    await launch(s.dc, { kernel: debuggee('pv64-O0'), preemption: 100 }, () => s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'XENMEM_decrease_reservation' }] }));
    // Stopped on the syscall in the hypercall page, before the call.
    const at = await topFrame(s.dc);
    const [insn, next] = (await s.dc.disassembleRequest({ memoryReference: at.instructionPointerReference!, instructionCount: 2 })).body!.instructions;
    assert.match(insn.instruction, /^syscall/);
    await stopAfter(s.dc, () => s.dc.stepInRequest({ threadId: 1, granularity: 'instruction' }));
    assert.strictEqual((await topFrame(s.dc)).instructionPointerReference, next.address);
    const log = (await s.dc.customRequest('xen/hypercallLog')).body as { entries: { subop?: string; ret?: number; continuations: unknown[] }[] };
    const call = log.entries.find((e) => e.subop === 'XENMEM_decrease_reservation')!;
    assert.strictEqual(call.ret, 2048);
    assert.strictEqual(call.continuations.length, 20);
    // And a plain instruction: RIP moves by that instruction's length.
    const here = await topFrame(s.dc);
    const [i0, i1] = (await s.dc.disassembleRequest({ memoryReference: here.instructionPointerReference!, instructionCount: 2 })).body!.instructions;
    assert.ok(!/^(call|ret|j)/.test(i0.instruction), i0.instruction);
    await stopAfter(s.dc, () => s.dc.nextRequest({ threadId: 1, granularity: 'instruction' }));
    assert.strictEqual((await topFrame(s.dc)).instructionPointerReference, i1.address);
  });

  it('pauses a running guest promptly and resumes it', async () => {
    const stop = await (async () => {
      const initialized = s.dc.waitForEvent('initialized');
      await s.dc.launchRequest({ kernel: sample('bench-guest', 'pvh').replace('bench-guest-pvh', 'bench-pvh') } as never);
      await initialized;
      await s.dc.configurationDoneRequest();
      // Requests are answered while the guest runs.
      const threads = await s.dc.threadsRequest();
      assert.strictEqual(threads.body.threads.length, 1);
      return stopAfter(s.dc, () => s.dc.pauseRequest({ threadId: 1 }));
    })();
    assert.strictEqual(stop.body.reason, 'pause');
    assert.strictEqual(stop.body.allThreadsStopped, true);
    const f = await topFrame(s.dc);
    assert.match(f.instructionPointerReference ?? '', /^0x/);
    await s.dc.continueRequest({ threadId: 1 });
    const again = await stopAfter(s.dc, () => s.dc.pauseRequest({ threadId: 1 }));
    assert.strictEqual(again.body.reason, 'pause');
  });
});

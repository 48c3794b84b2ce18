/**
 * Hypervisor breakpoints: hypercalls by name, number and sub-op (with domain/vcpu conditions), every
 * exception filter, the Hypercall scope at such a stop, and xen/stepIntoContinuation.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE_SRC, ROOT, Session, connect, fields, debuggee, launch, markerLine, sample, scopeValues, stopAfter, stopServer, topFrame } from './harness';

/** The Hypercall scope's record, fields flattened (`continuation.progress`). */
async function hypercallRecord(s: Session): Promise<Map<string, string>> {
  const f = await topFrame(s.dc);
  const hc = await scopeValues(s.dc, f.id, 'Hypercall');
  const rec = hc.get('hypercall')!;
  const out = await fields(s.dc, rec);
  const vars = (await s.dc.variablesRequest({ variablesReference: rec.variablesReference })).body.variables;
  for (const v of vars) if (v.variablesReference > 0) for (const [k, x] of await fields(s.dc, v)) out.set(`${v.name}.${k}`, x);
  return out;
}

describe('DAP: hypervisor breakpoints and exception filters', function () {
  let s: Session;
  beforeEach(async () => { s = await connect(); });
  afterEach(async () => { await s.close(); });
  after(() => stopServer());

  it('stops before hypercall:memory_op, hypercall:17 and sub-op breakpoints, with the call in the Hypercall scope', async () => {
    const stop = await launch(s.dc, { kernel: debuggee('pv64-O0') }, () => s.dc.setFunctionBreakpointsRequest({ breakpoints: [
      { name: 'hypercall:17' }, { name: 'XENMEM_decrease_reservation', condition: 'domain == 1 && vcpu == 0' }, { name: 'EVTCHNOP_send' },
      { name: 'hypercall:no_such_call' },
    ] }).then((r) => {
      assert.deepStrictEqual(r.body.breakpoints.map((b) => b.verified), [true, true, true, false]);
    }));
    assert.strictEqual(stop.body.reason, 'function breakpoint');
    assert.match(stop.body.description ?? '', /Hypercall xen_version/);
    const rec = await hypercallRecord(s);
    assert.strictEqual(rec.get('name'), '"xen_version"');
    assert.strictEqual(rec.get('state'), '"about to execute"');
    const mem = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
    assert.match(mem.body.description ?? '', /memory_op XENMEM_decrease_reservation/);
    // Stopped in the hypercall page (no CFI): the stack still reaches the C caller.
    const stack = (await s.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.strictEqual(stack[0].source, undefined, 'the hypercall page has no source: shown as disassembly');
    assert.strictEqual(stack.find((x) => x.name === 'balloon_out')?.line, markerLine('decrease-reservation'), stack.map((x) => x.name).join(' < '));
    const f = await topFrame(s.dc);
    const hc = await scopeValues(s.dc, f.id, 'Hypercall');
    const argStruct = [...hc.keys()].find((k) => k.includes('xen_memory_reservation'));
    assert.ok(argStruct, [...hc.keys()].join(', '));
    assert.match(hc.get(argStruct!)!.value, /nr_extents = 2048/);
    const send = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
    assert.match(send.body.description ?? '', /EVTCHNOP_send/);
    // hypercall:memory_op with a condition that never holds does not stop.
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hypercall:memory_op', condition: 'vcpu == 5' }] });
    const ended = s.dc.waitForEvent('terminated');
    await s.dc.continueRequest({ threadId: 1 });
    await ended;
  });

  it('filters: any hypercall (with a condition) and hypercall returned an error', async () => {
    const stop = await launch(s.dc, { kernel: sample('smp', 'pv64'), vcpus: 2 }, () => s.dc.setExceptionBreakpointsRequest({
      filters: [], filterOptions: [{ filterId: 'hypercall', condition: 'name == vcpu_op' }, { filterId: 'hypercall-error', condition: 'errno == EINVAL' }],
    }));
    assert.strictEqual(stop.body.reason, 'exception');
    assert.match(stop.body.description ?? '', /Hypercall vcpu_op/);
    await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'hypercall-error', condition: 'errno == EINVAL' }] });
    const err = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
    assert.match(err.body.text ?? '', /vcpu_op VCPUOP_up returned -22 \(EINVAL\)/);
    const rec = await hypercallRecord(s);
    assert.strictEqual(rec.get('errno'), '"EINVAL"');
    assert.strictEqual(rec.get('ret'), '-22');
  });

  it('filters: vCPU up, event upcall and domain shutdown', async () => {
    const stop = await launch(s.dc, { kernel: sample('smp', 'pv64'), vcpus: 2 }, () => s.dc.setExceptionBreakpointsRequest({ filters: ['vcpu-updown'] }));
    let up = stop;
    while (!/vCPU up: d1v1/.test(up.body.text ?? '')) up = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
    const threads = (await s.dc.threadsRequest()).body.threads.map((t) => t.name);
    assert.deepStrictEqual(threads, ['d1v0 (PV64)', 'd1v1 (PV64)']);
    await s.dc.setExceptionBreakpointsRequest({ filters: ['shutdown'] });
    const down = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
    assert.match(down.body.text ?? '', /shut down: poweroff/);
    const ended = s.dc.waitForEvent('terminated');
    await s.dc.continueRequest({ threadId: 1 });
    await ended;
  });

  it('filters: event upcall delivered (events guest)', async () => {
    const stop = await launch(s.dc, { kernel: sample('events', 'pv64') }, () => s.dc.setExceptionBreakpointsRequest({ filters: ['upcall'] }));
    assert.match(stop.body.text ?? '', /Event upcall delivered to d1v0/);
    const f = await topFrame(s.dc);
    const sh = await scopeValues(s.dc, f.id, 'shared_info');
    assert.ok(sh.has('pending ports') && sh.has('masked ports') && sh.has('wallclock'));
  });

  for (const [guest, setup] of [['events-pv64', 'upcall'], ['debuggee-hvm64-O0', 'main-start']]) {
    it(`filters: guest exception #PF, stopped at (PV) or before (HVM) delivery (${guest})`, async () => {
      // First stop somewhere the guest has its exception handlers in place.
      const kernel = guest.startsWith('events') ? sample('events', 'pv64') : debuggee('hvm64-O0');
      await launch(s.dc, { kernel }, () => setup === 'upcall'
        ? s.dc.setExceptionBreakpointsRequest({ filters: ['upcall'] })
        : s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line: markerLine('main-start') }] }));
      await s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [] });
      await s.dc.setExceptionBreakpointsRequest({ filters: [], filterOptions: [{ filterId: 'guest-exception', condition: '#PF, #GP' }] });
      const f = await topFrame(s.dc);
      const regsRef = (await s.dc.scopesRequest({ frameId: f.id })).body.scopes.find((x) => x.name === 'Registers')!.variablesReference;
      // Send the guest somewhere unmapped: its next fetch faults.
      const set = await s.dc.setVariableRequest({ variablesReference: regsRef, name: 'rip', value: '0x500000000000' });
      assert.match(set.body.value, /^0x500000000000/);
      const stop = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
      assert.strictEqual(stop.body.reason, 'exception');
      assert.match(stop.body.text ?? '', /#PF/);
      const info = await s.dc.exceptionInfoRequest({ threadId: 1 });
      assert.match(info.body.description ?? '', /#PF/);
    });
  }

  it('continuation created, step over the preempted hypercall, step into the continuation', async () => {
    const line = markerLine('decrease-reservation');
    const stop = await launch(s.dc, { kernel: debuggee('pv64-O0'), preemption: 100 }, () => s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line }] }));
    assert.strictEqual(stop.body.reason, 'breakpoint');
    // Step over the whole hypercall: 2048 extents, preempted every 100, is one step.
    const stepped = await stopAfter(s.dc, () => s.dc.nextRequest({ threadId: 1 }));
    assert.strictEqual(stepped.body.reason, 'step');
    assert.strictEqual((await topFrame(s.dc)).line, line + 1);
    const log = (await s.dc.customRequest('xen/hypercallLog')).body as { entries: { subop?: string; state: string; ret?: number; continuations: unknown[] }[] };
    const call = log.entries.find((e) => e.subop === 'XENMEM_decrease_reservation')!;
    assert.strictEqual(call.state, 'returned');
    assert.strictEqual(call.ret, 2048);
    assert.strictEqual(call.continuations.length, 20);
  });

  it("the hypercall log's source is the C caller, not the hypercall.h wrapper (balloon-pv64)", async () => {
    const balloon = `${ROOT}/sample-guests/balloon/balloon.c`;
    const line = fs.readFileSync(balloon, 'utf8').split('\n').findIndex((l) => l.includes('HYPERVISOR_memory_op(XENMEM_decrease_reservation')) + 1;
    assert.ok(line > 0);
    await launch(s.dc, { kernel: sample('balloon', 'pv64') }, () => s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'XENMEM_decrease_reservation' }] }));
    // Stopped at the call's entry; let it run so the log holds the whole call.
    await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const ended = s.dc.waitForEvent('terminated');
    await s.dc.continueRequest({ threadId: 1 });
    await ended;
    const log = (await s.dc.customRequest('xen/hypercallLog')).body as { entries: { subop?: string; source?: { path: string; line: number } }[] };
    const call = log.entries.find((e) => e.subop === 'XENMEM_decrease_reservation')!;
    assert.ok(call.source, 'the entry has a source');
    assert.strictEqual(path.basename(call.source.path), 'balloon.c');
    assert.strictEqual(call.source.line, line);
    // Every entry with a source names a C caller, never the wrapper header.
    for (const e of log.entries) if (e.source) assert.notStrictEqual(path.basename(e.source.path), 'hypercall.h', JSON.stringify(e));
  });

  it('stops when a continuation is created and at the next re-execution (xen/stepIntoContinuation)', async () => {
    const stop = await launch(s.dc, { kernel: sample('balloon', 'pv64'), preemption: 1000 }, () => s.dc.setExceptionBreakpointsRequest({ filters: ['continuation'] }));
    assert.match(stop.body.text ?? '', /Continuation created: memory_op XENMEM_decrease_reservation preempted \(progress 1000/);
    const rec = await hypercallRecord(s);
    assert.strictEqual(rec.get('state'), '"preempted"');
    assert.strictEqual(rec.get('continuation.progress'), '1000');
    assert.strictEqual(rec.get('continuation.preemptions'), '1');
    await s.dc.setExceptionBreakpointsRequest({ filters: [] });
    const again: DebugProtocol.StoppedEvent = await stopAfter(s.dc, () => s.dc.customRequest('xen/stepIntoContinuation', { threadId: 1 }));
    assert.strictEqual(again.body.description, 'Continuation');
    assert.match(again.body.text ?? '', /re-executed as a continuation/);
    assert.match((await hypercallRecord(s)).get('state') ?? '', /about to re-execute/);
  });
});

/**
 * Evaluate (watch, hover, REPL): registers, symbols, C expressions, Xen paths; setVariable and setExpression;
 * completions; the Xen scopes' contents; the custom requests the extension's views use.
 */
import * as assert from 'assert';
import { DEBUGGEE_SRC, Session, connect, debuggee, evaluate, fields, launch, markerLine, scopeValues, stopServer, topFrame } from './harness';

describe('DAP: evaluate, variables and Xen views', function () {
  let s: Session;
  before(async () => {
    s = await connect();
    await launch(s.dc, { kernel: debuggee('pv64-O0'), vcpus: 2 }, () => s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line: markerLine('loop-done') }] }));
  });
  after(async () => { await s.close(); stopServer(); });

  it('evaluates registers, symbols, C expressions and Xen paths', async () => {
    const f = await topFrame(s.dc);
    assert.strictEqual(f.name, 'sum_nodes');
    assert.match(await evaluate(s.dc, '$rip', f.id), /^0x|^\d+$/);
    assert.strictEqual(BigInt(await evaluate(s.dc, '$rip == $pc ? 1 : 0', f.id)), 1n);
    assert.strictEqual(await evaluate(s.dc, 'nodes[1].origin.x', f.id), '3');
    assert.strictEqual(await evaluate(s.dc, 'head->next->id', f.id), '101');
    assert.strictEqual(await evaluate(s.dc, 'grid[2][3] + (int)sizeof(node_t) * 0', f.id), '23');
    assert.strictEqual(await evaluate(s.dc, 'sum', f.id), '866');
    assert.strictEqual(await evaluate(s.dc, 'vcpu_info[0].evtchn_upcall_mask', f.id), await evaluate(s.dc, 'shared_info.vcpu_info[0].evtchn_upcall_mask', f.id));
    assert.strictEqual(await evaluate(s.dc, 'start_info.magic', f.id), '"xen-3.0-x86_64"');
    const pending = await s.dc.evaluateRequest({ expression: 'shared_info.evtchn_pending', frameId: f.id, context: 'watch' });
    assert.ok(pending.body.variablesReference > 0);
    const hover = await s.dc.evaluateRequest({ expression: 'nodes', frameId: f.id, context: 'hover' });
    assert.ok(hover.body.memoryReference, 'arrays in memory open the Memory view');
  });

  it('writes registers and variables (setVariable, setExpression)', async () => {
    const f = await topFrame(s.dc);
    const scopes = (await s.dc.scopesRequest({ frameId: f.id })).body.scopes;
    const regs = scopes.find((x) => x.name === 'Registers')!;
    const old = await evaluate(s.dc, '$r12', f.id);
    await s.dc.setVariableRequest({ variablesReference: regs.variablesReference, name: 'r12', value: '0x1234' });
    assert.strictEqual(BigInt(await evaluate(s.dc, '$r12', f.id)), 0x1234n);
    await s.dc.setVariableRequest({ variablesReference: regs.variablesReference, name: 'r12', value: old.split(' ')[0] });
    await s.dc.customRequest('setExpression', { expression: 'grid[0][1]', value: '77', frameId: f.id });
    assert.strictEqual(await evaluate(s.dc, 'grid[0][1]', f.id), '77');
    await s.dc.customRequest('setExpression', { expression: 'grid[0][1]', value: '1', frameId: f.id });
  });

  it('shows Registers (decoded RFLAGS), vcpu_info, shared_info, event channels and the hypercall', async () => {
    const f = await topFrame(s.dc);
    const regs = await scopeValues(s.dc, f.id, 'Registers');
    for (const r of ['rax', 'rsp', 'rip', 'rflags', 'cs', 'ss', 'fs_base']) assert.ok(regs.has(r), r);
    const flags = await fields(s.dc, regs.get('rflags')!);
    assert.ok(flags.has('IF') && flags.has('ZF') && flags.has('IOPL'));
    assert.ok(regs.get('rip')!.memoryReference, 'rip offers the Memory view');
    const ctl = await scopeValues(s.dc, f.id, 'Control');
    for (const r of ['cr0', 'cr2', 'cr3', 'cr4', 'efer', 'lstar', 'dr7']) assert.ok(ctl.has(r), r);
    const vi = await scopeValues(s.dc, f.id, 'vcpu_info');
    for (const k of ['evtchn_upcall_pending', 'evtchn_upcall_mask', 'evtchn_pending_sel', 'time']) assert.ok(vi.has(k), k);
    const si = await scopeValues(s.dc, f.id, 'shared_info');
    const wc = await fields(s.dc, si.get('wallclock')!);
    assert.ok(Number(wc.get('wc_sec')) > 0);
    const ev = await scopeValues(s.dc, f.id, 'Event channels');
    const port = await fields(s.dc, [...ev.values()][0]);
    for (const k of ['state', 'binding', 'vcpu', 'pending', 'masked']) assert.ok(port.has(k), k);
    const hc = await scopeValues(s.dc, f.id, 'Hypercall');
    const rec = await fields(s.dc, hc.get('hypercall')!);
    assert.strictEqual(rec.get('name'), '"console_io"');
    const threads = (await s.dc.threadsRequest()).body.threads.map((t) => t.name);
    assert.deepStrictEqual(threads, ['d1v0 (PV64)', 'd1v1 (PV64)']);
  });

  it('completes names, registers and members', async () => {
    const f = await topFrame(s.dc);
    const names = async (text: string): Promise<string[]> => (await s.dc.completionsRequest({ text, column: text.length + 1, frameId: f.id })).body.targets.map((t) => t.label);
    assert.ok((await names('hea')).includes('head'));
    assert.ok((await names('hit_')).includes('hit_counter'));
    assert.ok((await names('$rs')).includes('$rsp'));
    assert.ok((await names('head->')).includes('origin'));
    assert.ok((await names('nodes[0].orig')).includes('origin'));
    assert.ok((await names('shared_')).includes('shared_info'));
  });

  it('answers the custom requests the extension views use', async () => {
    const doms = (await s.dc.customRequest('xen/domains')).body;
    assert.strictEqual(doms.domains[0].vcpus[0].label, 'd1v0 (PV64)');
    assert.strictEqual(doms.domains[0].vcpus.length, 2);
    const ev = (await s.dc.customRequest('xen/eventChannels')).body;
    assert.ok(ev.domains[0].ports.length >= 1);
    const log = (await s.dc.customRequest('xen/hypercallLog')).body;
    const first = log.entries.find((e: { name: string }) => e.name === 'console_io');
    assert.ok(first.source && /\.[ch]$/.test(first.source.path), JSON.stringify(first));
    const changed = s.dc.waitForEvent('xen/stateChanged');
    await s.dc.customRequest('xen/setPreemption', { policy: 100 });
    await changed;
    const port = ev.domains[0].ports[0].port;
    await s.dc.customRequest('xen/sendEvent', { port });
    const after = (await s.dc.customRequest('xen/eventChannels')).body;
    assert.strictEqual(after.domains[0].ports.find((p: { port: number }) => p.port === port).pending, true);
    const mods = (await s.dc.customRequest('modules')).body;
    assert.match(mods.modules[0].name, /debuggee-pv64-O0\.elf/);
    assert.match(mods.modules[0].symbolStatus, /DWARF/);
  });
});

/**
 * Memory and code: readMemory equal to the ELF's bytes, writeMemory with a `memory` event, guest-physical
 * references, disassembly matching objdump's mnemonics, and a data breakpoint that reports the very
 * instruction that wrote.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { parseElf } from '../../../emulator/boot/elf';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE_SRC, Session, connect, debuggee, evaluate, launch, markerLine, readMemory, scopeValues, stopAfter, stopServer, topFrame, writeMemory } from './harness';

/** objdump -d -M intel mnemonics of one function, by address. */
function objdumpMnemonics(elf: string, fn: string): { address: bigint; mnemonic: string }[] {
  const text = execFileSync('objdump', ['-d', '-M', 'intel', '--no-show-raw-insn', elf], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const start = text.indexOf(`<${fn}>:\n`);
  assert.ok(start >= 0, `objdump has no ${fn}`);
  const out: { address: bigint; mnemonic: string }[] = [];
  for (const line of text.slice(start).split('\n').slice(1)) {
    const m = /^\s*([0-9a-f]+):\s+(\S+)/.exec(line);
    if (!m) break;
    out.push({ address: BigInt(`0x${m[1]}`), mnemonic: m[2] });
  }
  return out;
}

/** The bytes of the loadable segment data at a virtual address, straight from the file. */
function elfBytes(elf: string, address: bigint, length: number): Buffer {
  const f = parseElf(new Uint8Array(fs.readFileSync(elf)));
  const seg = f.loadSegments.find((p) => address >= p.vaddr && address + BigInt(length) <= p.vaddr + p.filesz)!;
  assert.ok(seg, `no segment holds 0x${address.toString(16)}`);
  const data = f.segmentData(seg);
  const off = Number(address - seg.vaddr);
  return Buffer.from(data.subarray(off, off + length));
}

describe('DAP: memory, disassembly and data breakpoints', function () {
  let s: Session;
  beforeEach(async () => { s = await connect(); });
  afterEach(async () => { await s.close(); });
  after(() => stopServer());

  for (const variant of ['pv64-O0', 'hvm64-Og', 'hvm32-O0']) {
    it(`reads code equal to the ELF and disassembles it as objdump does (${variant})`, async () => {
      const elf = debuggee(variant);
      await launch(s.dc, { kernel: elf, stopOnEntry: true });
      for (const fn of ['recurse', 'bump_counter', 'build_nodes']) {
        const ref = objdumpMnemonics(elf, fn);
        const addr = ref[0].address;
        const mem = await readMemory(s.dc, { memoryReference: `0x${addr.toString(16)}`, count: 64 });
        assert.strictEqual(mem.body!.address, `0x${addr.toString(16)}`);
        assert.deepStrictEqual(Buffer.from(mem.body!.data!, 'base64'), elfBytes(elf, addr, 64), `${fn} bytes`);
        const plain = await readMemory(s.dc, { memoryReference: addr.toString(16), count: 8 });
        assert.strictEqual(plain.body!.data, Buffer.from(elfBytes(elf, addr, 8)).toString('base64'), 'a bare hex address is accepted');
        const dis = (await s.dc.disassembleRequest({ memoryReference: `0x${addr.toString(16)}`, instructionCount: ref.length, resolveSymbols: true })).body!.instructions;
        assert.strictEqual(dis[0].symbol, fn);
        ref.forEach((r, i) => {
          assert.strictEqual(dis[i].address, `0x${r.address.toString(16)}`, `${fn} #${i} address`);
          const ours = dis[i].instruction.split(/\s+/)[0];
          const theirs = r.mnemonic === 'movabs' ? 'mov' : r.mnemonic;
          assert.strictEqual(ours, theirs, `${fn}+${i}: ${dis[i].instruction}`);
        });
        assert.ok(dis.some((d) => d.line !== undefined), `${fn} has source lines`);
      }
      // Backwards from a function start (the Disassembly view scrolls up).
      const bc = objdumpMnemonics(elf, 'bump_counter')[0].address;
      const back = (await s.dc.disassembleRequest({ memoryReference: `0x${bc.toString(16)}`, instructionOffset: -4, instructionCount: 6 })).body!.instructions;
      assert.strictEqual(back.length, 6);
      assert.strictEqual(back[4].address, `0x${bc.toString(16)}`);
    });
  }

  it('disassembles in AT&T syntax when asked', async () => {
    await launch(s.dc, { kernel: debuggee('pv64-O0'), stopOnEntry: true, disassemblyFlavor: 'att' });
    const ref = objdumpMnemonics(debuggee('pv64-O0'), 'bump_counter');
    const dis = (await s.dc.disassembleRequest({ memoryReference: `0x${ref[0].address.toString(16)}`, instructionCount: 2 })).body!.instructions;
    assert.match(dis[1].instruction, /^mov %rsp, ?%rbp$/);
  });

  it('writes memory (virtual and phys:), sends a memory event, and reports unreadable bytes', async () => {
    await launch(s.dc, { kernel: debuggee('pv64-O0'), stopOnEntry: true });
    const addr = await s.dc.evaluateRequest({ expression: '&hit_counter', context: 'watch' });
    const ref = addr.body.memoryReference ?? addr.body.result.split(' ')[0];
    const memEvent = s.dc.waitForEvent('memory');
    await writeMemory(s.dc, { memoryReference: ref, data: Buffer.from([0x2a, 0, 0, 0, 0, 0, 0, 0]).toString('base64') });
    await memEvent;
    assert.strictEqual((await s.dc.evaluateRequest({ expression: 'hit_counter', context: 'watch' })).body.result, '42');
    // The same bytes through the physical address the page tables give.
    const f = await topFrame(s.dc);
    const regs = await s.dc.scopesRequest({ frameId: f.id });
    assert.ok(regs.body.scopes.length > 0);
    const unmapped = await readMemory(s.dc, { memoryReference: '0x500000000000', count: 16 });
    assert.strictEqual(unmapped.body!.unreadableBytes, 16);
    const phys = await readMemory(s.dc, { memoryReference: 'phys:0x1000', count: 8 });
    assert.strictEqual(Buffer.from(phys.body!.data!, 'base64').length, 8);
  });

  it('a data breakpoint on a struct member expanded in the Variables view fires on the writing instruction', async () => {
    await launch(s.dc, { kernel: debuggee('pv64-O0') }, () => s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line: markerLine('main-start') }] }));
    await s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [] });
    const f = await topFrame(s.dc);
    // nodes → [1] → origin → y, the way the Variables view expands it.
    const child = async (ref: number, name: string): Promise<DebugProtocol.Variable> => {
      const v = (await s.dc.variablesRequest({ variablesReference: ref })).body.variables.find((x) => x.name === name);
      assert.ok(v, `no child ${name}`);
      return v;
    };
    const nodes = await s.dc.evaluateRequest({ expression: 'nodes', frameId: f.id, context: 'watch' });
    const origin = await child((await child(nodes.body.variablesReference, '[1]')).variablesReference, 'origin');
    const info = await s.dc.dataBreakpointInfoRequest({ variablesReference: origin.variablesReference, name: 'y', frameId: f.id });
    assert.ok(info.body.dataId, info.body.description);
    const addr = await s.dc.evaluateRequest({ expression: '&nodes[1].origin.y', frameId: f.id, context: 'watch' });
    const want = /0x[0-9a-f]+/.exec(addr.body.result)![0];
    assert.strictEqual(info.body.dataId, `v:${want}:4`);
    assert.match(info.body.description, /nodes\[1\]\.origin\.y/);
    // Values not in memory are refused with a reason.
    const regs = (await s.dc.scopesRequest({ frameId: f.id })).body.scopes.find((x) => x.name === 'Registers')!;
    const rax = await s.dc.dataBreakpointInfoRequest({ variablesReference: regs.variablesReference, name: 'rax' });
    assert.strictEqual(rax.body.dataId, null);
    assert.match(rax.body.description, /not in memory.*register/);
    await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    const stop = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
    assert.strictEqual(stop.body.reason, 'data breakpoint');
    const writer = /by the instruction at (0x[0-9a-f]+)/.exec(stop.body.text ?? '')![1];
    const [insn] = (await s.dc.disassembleRequest({ memoryReference: writer, instructionCount: 1 })).body!.instructions;
    assert.match(insn.symbol ?? '', /^build_nodes/);
    const line = fs.readFileSync(DEBUGGEE_SRC, 'utf8').split('\n').findIndex((l) => l.includes('n->origin.y = -i;')) + 1;
    assert.strictEqual(insn.line, line);
    assert.strictEqual(await evaluate(s.dc, 'nodes[1].origin.y'), '-1');
  });

  it('PV: phys: is pseudo-physical (through the p2m), mach: is machine, Xen views are at mach: addresses', async () => {
    await launch(s.dc, { kernel: debuggee('pv64-O0'), stopOnEntry: true });
    const f = await topFrame(s.dc);
    const bytes = async (ref: string, count = 64): Promise<Buffer> => Buffer.from((await readMemory(s.dc, { memoryReference: ref, count })).body!.data ?? '', 'base64');
    // The guest's own p2m list (start_info.mfn_list, a guest-virtual array of machine frame numbers).
    const mfnList = BigInt(await evaluate(s.dc, 'start_info.mfn_list', f.id));
    const nrPages = Number(await evaluate(s.dc, 'start_info.nr_pages', f.id));
    const mfnOf = async (pfn: number): Promise<bigint> => (await bytes(`0x${(mfnList + BigInt(pfn * 8)).toString(16)}`, 8)).readBigUInt64LE(0);
    for (const pfn of [0, 1, 5, nrPages - 1]) {
      const mfn = await mfnOf(pfn);
      assert.notStrictEqual(mfn, BigInt(pfn), 'machine frames differ from pseudo-physical ones');
      const phys = await bytes(`phys:0x${(pfn * 4096 + 0x40).toString(16)}`);
      assert.deepStrictEqual(phys, await bytes(`mach:0x${(mfn * 4096n + 0x40n).toString(16)}`), `pfn ${pfn} = mfn 0x${mfn.toString(16)}`);
    }
    // pfn 0 holds the start of the kernel image (the PV builder maps it at the image's base).
    const imageStart = BigInt(/0x[0-9a-f]+/.exec(await evaluate(s.dc, '&_start', f.id))![0]);
    assert.deepStrictEqual(await bytes('phys:0x0'), await bytes(`0x${imageStart.toString(16)}`));
    // A pfn beyond the p2m is unmapped.
    const beyond = await readMemory(s.dc, { memoryReference: `phys:0x${(BigInt(nrPages) * 4096n * 64n).toString(16)}`, count: 16 });
    assert.strictEqual(beyond.body!.unreadableBytes, 16);
    // Writes go through the p2m too.
    const last = nrPages - 1;
    await writeMemory(s.dc, { memoryReference: `phys:0x${(last * 4096 + 8).toString(16)}`, data: Buffer.from([1, 2, 3, 4]).toString('base64') });
    assert.deepStrictEqual(await bytes(`mach:0x${((await mfnOf(last)) * 4096n + 8n).toString(16)}`, 4), Buffer.from([1, 2, 3, 4]));
    // Xen's shared pages are machine addresses.
    const vi = await scopeValues(s.dc, f.id, 'vcpu_info');
    assert.match(vi.get('evtchn_upcall_mask')!.memoryReference ?? '', /^mach:0x[0-9a-f]+$/);
    assert.deepStrictEqual(await bytes(vi.get('evtchn_upcall_mask')!.memoryReference!, 1), Buffer.from([1]));
    // Data breakpoints: a Xen field is watched at its machine address; an unpopulated pfn is refused.
    const viScope = (await s.dc.scopesRequest({ frameId: f.id })).body.scopes.find((x) => x.name.startsWith('vcpu_info'))!;
    const field = await s.dc.dataBreakpointInfoRequest({ variablesReference: viScope.variablesReference, name: 'evtchn_upcall_mask' });
    assert.match(field.body.dataId ?? '', /^m:0x[0-9a-f]+:1$/);
    const set = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: field.body.dataId! }, { dataId: `p:0x${(BigInt(nrPages) * 4096n * 64n).toString(16)}:4` }] });
    assert.strictEqual(set.body.breakpoints[0].verified, true);
    assert.strictEqual(set.body.breakpoints[1].verified, false);
    assert.match(set.body.breakpoints[1].message ?? '', /not populated/);
  });

  for (const variant of ['pv64-O0', 'hvm64-Og']) {
    it(`a data breakpoint on hit_counter fires on the instruction that wrote it (${variant})`, async () => {
      // From main on: _start's .bss clearing writes hit_counter too (rep stos), which would stop first.
      await launch(s.dc, { kernel: debuggee(variant) }, () => s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [{ line: markerLine('main-start') }] }));
      await s.dc.setBreakpointsRequest({ source: { path: DEBUGGEE_SRC }, breakpoints: [] });
      const info = await s.dc.dataBreakpointInfoRequest({ name: 'hit_counter' });
      assert.ok(info.body.dataId, info.body.description);
      const set = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
      assert.strictEqual(set.body.breakpoints[0].verified, true);
      const stop = await stopAfter(s.dc, () => s.dc.continueRequest({ threadId: 1 }));
      assert.strictEqual(stop.body.reason, 'data breakpoint');
      const writer = /by the instruction at (0x[0-9a-f]+)/.exec(stop.body.text ?? '')![1];
      const [insn] = (await s.dc.disassembleRequest({ memoryReference: writer, instructionCount: 1 })).body!.instructions;
      assert.match(insn.symbol ?? '', /^bump_counter/);
      assert.match(insn.instruction, /hit_counter|\[rip/, insn.instruction);
      assert.strictEqual(insn.line, markerLine('counter-write'));
      assert.strictEqual((await s.dc.evaluateRequest({ expression: 'hit_counter', context: 'watch' })).body.result, '5');
      // The same range by address (the Memory view's asAddress form).
      const byAddr = await s.dc.dataBreakpointInfoRequest({ name: info.body.dataId!.split(':')[1], asAddress: true, bytes: 8 } as never);
      assert.match(byAddr.body.dataId ?? '', /^v:0x[0-9a-f]+:8$/);
    });
  }
});

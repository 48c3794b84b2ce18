/**
 * The core's hypervisor- and debugger-facing surface, driven against real images: trap hooks with full
 * register access (emulate, run natively, or stop the run), emulator breakpoints (never patching guest
 * memory), physical and virtual memory watches, exception intercepts, and code patched by the debugger.
 */
import * as assert from 'assert';
import { Reg, TrapAction, TrapInfo, TrapKind, StopReason } from '../../../emulator/cpu/api-types';
import { Machine, ImageRun, createMachine, imageTests, runMachine, assertCheck } from './harness';

const PF_VECTOR = 14;
const ALIAS_VA = 0x80000000n;
const NP_PAGE = 0x201000n;

function show(s: StopReason): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

describe('system image traps (CpuHooks.onTrap)', function () {
  const seen: TrapInfo[] = [];
  let wrmsrValue = -1n;
  let m: Machine | undefined;
  let first: ImageRun | undefined;
  let final: ImageRun | undefined;
  let ripAtStop = -1n;
  let failure: unknown;

  before(function () {
    try {
      const onTrap = (t: TrapInfo): TrapAction => {
        const cpu = m!.cpu;
        seen.push(t);
        const skip = (): TrapAction => { cpu.rip = t.rip + BigInt(t.length); return TrapAction.Handled; };
        const reg32 = (r: Reg): number => Number(cpu.getReg(r) & 0xffffffffn);
        switch (t.kind) {
          case 'cpuid':
            if (reg32(Reg.RAX) === 0x40000001) return TrapAction.Stop;
            if (reg32(Reg.RAX) !== 0x40000000) return TrapAction.Native;
            cpu.setReg(Reg.RAX, 0x4000aaaan); cpu.setReg(Reg.RBX, 0xbbbbn);
            cpu.setReg(Reg.RCX, 0xccccn); cpu.setReg(Reg.RDX, 0xddddn);
            return skip();
          case 'rdmsr':
            if (t.value !== 0x4b564d00) return TrapAction.Native;
            cpu.setReg(Reg.RAX, 0x9abcdef0n); cpu.setReg(Reg.RDX, 0x12345678n);
            return skip();
          case 'wrmsr':
            if (t.value !== 0x4b564d01) return TrapAction.Native;
            wrmsrValue = ((cpu.getReg(Reg.RDX) & 0xffffffffn) << 32n) | (cpu.getReg(Reg.RAX) & 0xffffffffn);
            cpu.setReg(Reg.RBX, 0x5ca1ab1en);
            return skip();
          case 'in':
            if (t.value !== 0x510) return TrapAction.Native;
            cpu.setReg(Reg.RAX, 0x1f1f1f1fn);
            return skip();
          case 'out':
            if (t.value !== 0x511) return TrapAction.Native;
            cpu.setReg(Reg.RSI, 0x0c0cn);
            return skip();
          case 'hlt':
            if (t.rip !== m!.sym('trap_hlt')) return TrapAction.Native;
            cpu.setReg(Reg.RSI, 0x4a4an);
            return skip();
          case 'vmcall':
            cpu.setReg(Reg.RAX, 0x11n);
            return skip();
          case 'syscall':
            cpu.setReg(Reg.RAX, 0x5cn);
            return skip();
          case 'int':
            if (t.value !== 0x99) return TrapAction.Native;
            cpu.setReg(Reg.RAX, 0x99n);
            return skip();
          default:
            return TrapAction.Native;
        }
      };
      m = createMachine('traps', { hooks: { onTrap } });
      const kinds: TrapKind[] = ['cpuid', 'rdmsr', 'wrmsr', 'in', 'out', 'hlt', 'vmcall', 'int', 'syscall'];
      for (const k of kinds) m.cpu.setTrap(k, true);
      first = runMachine(m);
      ripAtStop = m.cpu.rip;
      if (first.stop.kind === 'trap') {
        m.cpu.setReg(Reg.RAX, 0x777n);
        m.cpu.rip = first.stop.trap.rip + BigInt(first.stop.trap.length);
        final = runMachine(m);
      }
    } catch (e) { failure = e; }
  });
  const got = (): { m: Machine; first: ImageRun } => {
    if (failure !== undefined) throw failure;
    return { m: m!, first: first! };
  };

  it('stops run() for a trap whose handler returns Stop, with RIP still at the instruction', function () {
    const { m: mm, first: f } = got();
    assert.equal(f.stop.kind, 'trap', `stop: ${show(f.stop)}; last lines: ${f.lines.slice(-2).join(' | ')}`);
    if (f.stop.kind !== 'trap') return;
    assert.equal(f.stop.trap.kind, 'cpuid');
    assert.equal(f.stop.trap.rip, mm.sym('trap_stop'));
    assert.equal(f.stop.trap.length, 2);
    assert.equal(f.stop.trap.cpl, 0);
    assert.equal(ripAtStop, mm.sym('trap_stop'), 'Cpu.rip at the stop');
  });
  it('reports port, size and MSR index in the trap info', function () {
    got();
    const find = (k: TrapKind, v: number): TrapInfo | undefined => seen.find((t) => t.kind === k && t.value === v);
    assert.equal(find('in', 0x510)?.size, 4);
    assert.equal(find('out', 0x511)?.size, 4);
    assert.ok(find('rdmsr', 0x4b564d00));
    assert.ok(find('wrmsr', 0x4b564d01));
    assert.ok(find('int', 0x99));
    assert.equal(seen.find((t) => t.kind === 'vmcall')?.length, 3);
  });
  it('gives the wrmsr handler the guest EDX:EAX', function () {
    got();
    assert.equal(wrmsrValue, 0x77600dcafen);
  });
  imageTests('traps', () => {
    got();
    if (!final) assert.fail('the run never stopped for the Stop trap, so it was not resumed');
    return final;
  });
});

describe('system image bp-watch (emulator breakpoints, watches, intercepts)', function () {
  it('stops at a breakpoint before the instruction, each time round the loop, without patching memory', function () {
    const m = createMachine('bp-watch');
    const bp = m.sym('bp_loop');
    const original = m.mem.readBytes(Number(bp), 8);
    m.cpu.addBreakpoint(bp);
    for (let i = 0; i < 3; i++) {
      const s = m.cpu.run({ maxInstructions: 1_000_000 });
      assert.deepEqual(s, { kind: 'breakpoint', address: bp }, `hit ${i}: ${show(s)}`);
      assert.equal(m.cpu.rip, bp);
      assert.equal(m.mem.read32(Number(m.sym('counter'))), i, 'the instruction at the breakpoint has not run yet');
      assert.deepEqual([...m.mem.readBytes(Number(bp), 8)], [...original], 'guest-physical bytes unchanged');
      assert.deepEqual([...m.cpu.readVirtual(bp, 8)], [...original], 'guest-virtual bytes unchanged');
    }
    m.cpu.removeBreakpoint(bp);
    const s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(s.kind, 'halt', show(s));
  });

  it('step() from a breakpoint executes exactly that instruction', function () {
    const m = createMachine('bp-watch');
    const bp = m.sym('bp_loop');
    m.cpu.addBreakpoint(bp);
    assert.equal(m.cpu.run({ maxInstructions: 1_000_000 }).kind, 'breakpoint');
    const before = m.cpu.instructionsRetired;
    assert.deepEqual(m.cpu.step(), { kind: 'step' });
    assert.equal(m.cpu.rip, bp + 6n, 'incl counter is 6 bytes');
    assert.equal(m.mem.read32(Number(m.sym('counter'))), 1);
    assert.equal(m.cpu.instructionsRetired, before + 1);
  });

  it('a physical write watch stops after the writing instruction, with the value stored', function () {
    const m = createMachine('bp-watch');
    const wvar = m.sym('wvar');
    const id = m.cpu.addWatch({ address: wvar, length: 4, space: 'physical', access: 'write' });
    const s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(s.kind, 'watch', show(s));
    if (s.kind !== 'watch') return;
    assert.equal(s.id, id);
    assert.equal(s.access, 'write');
    assert.equal(s.physical, true);
    assert.equal(s.address, wvar);
    assert.equal(m.cpu.rip, m.sym('after_wwrite'));
    assert.equal(m.mem.read32(Number(wvar)), 0x1234);
    m.cpu.removeWatch(id);
    assert.equal(m.cpu.run({ maxInstructions: 1_000_000 }).kind, 'halt');
  });

  it('a read watch fires on the read only', function () {
    const m = createMachine('bp-watch');
    m.cpu.addWatch({ address: m.sym('rvar'), length: 4, space: 'physical', access: 'read' });
    const s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(s.kind, 'watch', show(s));
    if (s.kind === 'watch') assert.equal(s.access, 'read');
    assert.equal(m.cpu.rip, m.sym('after_rread'));
  });

  it('a virtual watch fires for its own linear address only; a physical watch catches every alias', function () {
    const vvar = (m: Machine): bigint => m.sym('vvar');
    let m = createMachine('bp-watch');
    m.cpu.addWatch({ address: vvar(m), length: 4, space: 'virtual', access: 'write' });
    let s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(s.kind, 'watch', show(s));
    if (s.kind === 'watch') assert.equal(s.physical, false);
    assert.equal(m.cpu.rip, m.sym('after_vdirect'), 'the write through the alias must not fire');

    m = createMachine('bp-watch');
    m.cpu.addWatch({ address: ALIAS_VA + vvar(m), length: 4, space: 'virtual', access: 'write' });
    s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(s.kind, 'watch', show(s));
    assert.equal(m.cpu.rip, m.sym('after_valias'));

    m = createMachine('bp-watch');
    m.cpu.addWatch({ address: vvar(m), length: 4, space: 'physical', access: 'write' });
    s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(m.cpu.rip, m.sym('after_valias'), `first stop ${show(s)}`);
    s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(m.cpu.rip, m.sym('after_vdirect'), `second stop ${show(s)}`);
  });

  it('an intercepted #PF stops before delivery; clearing the intercept lets the guest handle it', function () {
    const m = createMachine('bp-watch');
    m.cpu.interceptExceptions = 1 << PF_VECTOR;
    const rsp = (): bigint => m.cpu.getReg(Reg.RSP);
    let s = m.cpu.run({ maxInstructions: 1_000_000 });
    while (s.kind === 'breakpoint') s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(s.kind, 'exception', show(s));
    if (s.kind !== 'exception') return;
    assert.equal(s.vector, PF_VECTOR);
    assert.equal(s.errorCode, 2);
    assert.equal(s.cr2, NP_PAGE + 0x40n);
    assert.equal(s.rip, m.sym('pf_site'));
    assert.equal(m.cpu.rip, m.sym('pf_site'));
    assert.equal(m.mem.read32(Number(m.sym('exc_count'))), 0, 'not delivered to the guest yet');
    const spBefore = rsp();
    m.cpu.interceptExceptions = 0;
    s = m.cpu.run({ maxInstructions: 1_000_000 });
    assert.equal(s.kind, 'halt', show(s));
    assert.equal(rsp(), spBefore);
    const r: ImageRun = { ...m, stop: s, lines: m.console().split('\n').filter((l) => l) };
    for (const c of ['intercepted-pf-then-delivered', 'intercepted-pf-err', 'intercepted-pf-delivered-once']) assertCheck(r, c);
  });

  describe('whole run with the debugger patching code at a breakpoint', function () {
    let result: ImageRun | undefined;
    let failure: unknown;
    before(function () {
      try {
        const m = createMachine('bp-watch');
        m.cpu.addBreakpoint(m.sym('ext_bp'));
        const s = m.cpu.run({ maxInstructions: 1_000_000 });
        if (s.kind !== 'breakpoint') throw new Error(`expected the ext_bp breakpoint, got ${show(s)}`);
        m.cpu.writeVirtual(m.sym('ext_fn') + 1n, new Uint8Array([2, 0, 0, 0]));
        result = runMachine(m);
      } catch (e) { failure = e; }
    });
    imageTests('bp-watch', () => {
      if (failure !== undefined) throw failure;
      return result!;
    });
  });
});

/**
 * The emulator's debugger hooks the debug adapter relies on: breakpoints that do not slow the hot loop or
 * miss an instruction, event stops for another vCPU or raised between slices, handing an intercepted
 * exception on to the guest, and marking an event-channel port pending from its remote end.
 */
import * as assert from 'assert';
import * as path from 'path';
import { Reg } from '../../emulator/cpu/api-types';
import { resolveMachineOptions } from '../../emulator/config/launch-options';
import { createMachine, Machine } from '../../emulator/machine';
import type { MachineStop } from '../../emulator/xen/hypervisor';
import { TraceBus } from '../../emulator/xen/trace';
import { REPO_ROOT } from '../bench/flat-elf-runner';

const guest = (rel: string, extra: Record<string, unknown> = {}): Machine =>
  createMachine(resolveMachineOptions({ kernel: path.join(REPO_ROOT, 'out/sample-guests', rel), ...extra }), { trace: new TraceBus() });

function runToEnd(m: Machine): MachineStop {
  let s: MachineStop;
  do s = m.hv.run(50_000); while (s.kind === 'limit');
  return s;
}

describe('emulator debugger hooks', () => {
  it('breakpoints sharing the filter with executed code neither stop nor change the run', () => {
    const plain = guest('hello/hello-pv64.elf');
    assert.strictEqual(runToEnd(plain).kind, 'shutdown');
    const m = guest('hello/hello-pv64.elf');
    const cpu = m.hv.allVcpus()[0].cpu;
    // 4096 unreachable breakpoints whose low 16 bits match one code address in 16: the filter often says "maybe".
    for (let i = 0; i < 4096; i++) cpu.addBreakpoint(0x7fff00000000n + BigInt(i * 16 + (i & 15)));
    assert.strictEqual(runToEnd(m).kind, 'shutdown');
    assert.strictEqual(m.hv.icount, plain.hv.icount);
  });

  it('a breakpoint among many stops exactly before its instruction, in the hot loop too', () => {
    const m = guest('hello/hello-pv64.elf');
    const v = m.hv.allVcpus()[0];
    for (let i = 0; i < 1000; i++) v.cpu.addBreakpoint(0x7fff00000000n + BigInt(i * 0x1d3));
    // Find a hot target: the instruction 5000 steps into the run.
    const probe = guest('hello/hello-pv64.elf');
    const pv = probe.hv.allVcpus()[0];
    for (let i = 0; i < 5000; i++) probe.hv.step(pv);
    const target = pv.cpu.rip;
    v.cpu.addBreakpoint(target);
    const stop = m.hv.run(1_000_000);
    assert.strictEqual(stop.kind, 'vcpu');
    assert.deepStrictEqual(stop.kind === 'vcpu' && stop.reason, { kind: 'breakpoint', address: target });
    assert.strictEqual(v.cpu.rip, target);
  });

  it('a breakpoint where a time slice ends is hit when the next slice starts; a resume passes it once', () => {
    const probe = guest('hello/hello-pv64.elf');
    const pv = probe.hv.allVcpus()[0];
    for (let i = 0; i < 3000; i++) probe.hv.step(pv);
    const target = pv.cpu.rip;
    // Where the breakpoint is first reached, in retired instructions.
    const first = guest('hello/hello-pv64.elf');
    first.hv.allVcpus()[0].cpu.addBreakpoint(target);
    assert.strictEqual(first.hv.run(1_000_000).kind, 'vcpu');
    const at = first.hv.icount;
    // A run whose budget ends right there: the next run must stop at once, not skip the breakpoint.
    const m = guest('hello/hello-pv64.elf');
    const v = m.hv.allVcpus()[0];
    v.cpu.addBreakpoint(target);
    assert.strictEqual(m.hv.run(at).kind, 'limit');
    assert.strictEqual(v.cpu.rip, target);
    const s = m.hv.run(1_000_000);
    assert.ok(s.kind === 'vcpu' && s.reason.kind === 'breakpoint', s.kind);
    assert.strictEqual(m.hv.icount, at);
    // Resuming from the stop executes the instruction (and reaches the next hit, if any, later).
    m.hv.run(1);
    assert.ok(m.hv.icount > at);
  });

  it('an event stop concerning another vCPU stops the running one (VCPUOP_up)', () => {
    const m = guest('smp/smp-pv64.elf', { vcpus: 2 });
    m.hv.eventStopFilter = (e) => e.kind === 'vcpu-up' && e.vcpu === 1;
    let s: MachineStop;
    do s = m.hv.run(50_000); while (s.kind === 'limit');
    assert.strictEqual(s.kind, 'event');
    assert.ok(s.kind === 'event' && s.event.kind === 'vcpu-up' && s.event.vcpu === 1 && s.vcpu.id === 0);
  });

  it('an event raised between slices (a PV exception bounced to the guest) stops before anything runs on', () => {
    const m = guest('events/events-pv64.elf');
    m.hv.eventStopFilter = (e) => e.kind === 'upcall';
    let s: MachineStop;
    do s = m.hv.run(50_000); while (s.kind === 'limit');
    assert.strictEqual(s.kind, 'event');
    const v = m.hv.allVcpus()[0];
    v.cpu.rip = 0x500000000000n; // unmapped: the next fetch faults, Xen bounces #PF to the guest's handler
    m.hv.eventStopFilter = (e) => e.kind === 'exception';
    do s = m.hv.run(50_000); while (s.kind === 'limit');
    assert.strictEqual(s.kind, 'event');
    assert.ok(s.kind === 'event' && s.event.name === '#PF', JSON.stringify(s.kind === 'event' && s.event));
  });

  it('hands an intercepted HVM exception on to the guest', () => {
    const m = guest('debuggee/debuggee-hvm64-O0.elf');
    const v = m.hv.allVcpus()[0];
    // Run until long mode with the guest's IDT loaded (the first hypercall), then fault.
    m.hv.hypercallEntryStop = () => true;
    let s: MachineStop;
    do s = m.hv.run(50_000); while (s.kind === 'limit');
    m.hv.hypercallEntryStop = undefined;
    m.hv.interceptForDebugger(v, 1 << 14);
    const sp = v.cpu.getReg(Reg.RSP);
    v.cpu.rip = 0x500000000000n;
    s = m.hv.run(50_000);
    assert.ok(s.kind === 'vcpu' && s.reason.kind === 'exception' && s.reason.vector === 14, JSON.stringify(s.kind));
    assert.strictEqual(v.cpu.rip, 0x500000000000n, 'stopped before delivery');
    if (s.kind === 'vcpu' && s.reason.kind === 'exception') m.hv.deliverInterceptedException(v, s.reason);
    assert.notStrictEqual(v.cpu.rip, 0x500000000000n, 'now in the guest handler');
    assert.ok(v.cpu.getReg(Reg.RSP) < sp, 'an exception frame was pushed');
  });

  it('marks a bound port pending as its remote end would, and refuses unbound ports', () => {
    const m = guest('hello/hello-pv64.elf');
    const ev = m.domain.evtchn;
    const port = ev.ports().find((p) => p.state === 'interdomain')!.port;
    assert.strictEqual(ev.isPending(port), false);
    assert.strictEqual(ev.notifyFromRemote(port), 0);
    assert.strictEqual(ev.isPending(port), true);
    assert.ok(ev.notifyFromRemote(900) < 0);
  });
});

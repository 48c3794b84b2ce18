/**
 * VCPUOP_initialise for PV vCPUs (pvInitialiseVcpu, arch_set_info_guest): a vcpu_guest_context in the
 * caller's ABI brings up vCPU 1, which then runs (a SCHEDOP_shutdown through the hypercall page); bad
 * contexts are -EINVAL.
 */
import * as assert from 'node:assert/strict';
import { Reg } from '../../../emulator/cpu/api-types';
import { StructView, layoutOf } from '../../../emulator/xen/abi/layout';
import { VGCF, vcpu_guest_context } from '../../../emulator/xen/abi/pv-structs';
import { XenErrno } from '../../../emulator/xen/errno';
import { pvInitialiseVcpu } from '../../../emulator/xen/pv/vcpu-context';
import { pvDomainStateOf } from '../../../emulator/xen/pv/state';
import { PvMachine, bootGuest, describeStop } from './harness';

function context(m: PvMachine, edit?: (c: StructView) => void): StructView {
  const bits = m.d.pvBits;
  const abi = bits === 64 ? 'x86_64' : 'x86_32';
  const layout = layoutOf(vcpu_guest_context, abi);
  const c = new StructView(layout, new DataView(new ArrayBuffer(layout.size)));
  const r = c.sub('user_regs');
  const hp = m.sym('hypercall_page');
  c.set('flags', VGCF.in_kernel | VGCF.online);
  const stack = m.sym('buf') + 0x3ff0n;
  if (bits === 64) {
    r.set('rip', hp + 29n * 32n); // sched_op stub
    r.set('rdi', 2); // SCHEDOP_shutdown
    r.set('rsi', m.sym('shutdown_reason'));
    r.set('rsp', stack);
    r.set('rflags', 0x3202);
    r.set('cs', 0xe033);
    r.set('ss', 0xe02b);
    c.set('ctrlreg', BigInt(m.v0.pv!.kernelBaseMfn) << 12n, 3);
  } else {
    r.set('eip', hp + 29n * 32n);
    r.set('ebx', 2);
    r.set('ecx', m.sym('shutdown_reason'));
    r.set('esp', stack);
    r.set('eflags', 0x202);
    r.set('cs', 0xe019);
    for (const s of ['ss', 'ds', 'es']) r.set(s, 0xe021);
    const pfn = m.v0.pv!.kernelBaseMfn;
    c.set('ctrlreg', ((pfn << 12) | (pfn >>> 20)) >>> 0, 3); // xen_pfn_to_cr3, 32-bit "extended" form
    c.set('event_callback_cs', 0xe019);
    c.set('event_callback_eip', m.sym('_start'));
  }
  c.set('kernel_ss', bits === 64 ? 0xe02b : 0xe021);
  c.set('kernel_sp', stack);
  const t6 = c.sub('trap_ctxt', 6);
  t6.set('vector', 6);
  t6.set('cs', bits === 64 ? 0xe030 : 0xe018);
  t6.set('address', m.sym('_start'));
  edit?.(c);
  return c;
}

/** Runs vCPU 1 alone (vCPU 0 parked) until the domain shuts down. */
function runVcpu1(m: PvMachine): void {
  m.d.vcpus[0].down = true;
  const stop = m.hv.run(1_000_000);
  assert.equal(stop.kind, 'shutdown', describeStop(stop));
  assert.equal(m.d.shutdown?.reason, 'poweroff', m.d.shutdown?.detail);
  assert.equal(m.events.find((e) => e.kind === 'shutdown')?.vcpu, 1);
}

describe('PV VCPUOP_initialise (pvInitialiseVcpu)', function () {
  it('brings up a 64-bit vCPU: registers, virtual IOPL, trap table, CR3 reference; it then runs', function () {
    const m = bootGuest('pv64-runner', { vcpus: 2 });
    m.hv.startDomain(m.d);
    const v1 = m.d.vcpus[1];
    const l4 = m.v0.pv!.kernelBaseMfn;
    const s = pvDomainStateOf(m.d);
    const before = s.typeCount[l4];
    assert.equal(pvInitialiseVcpu(m.hv, v1, context(m)), 0);
    assert.ok(v1.initialised && !v1.down);
    assert.equal(v1.cpu.rip, m.sym('hypercall_page') + 29n * 32n);
    assert.equal(v1.cpu.getControl('cr3'), BigInt(l4) * 4096n);
    assert.equal(s.typeCount[l4], before + 1, 'the new vCPU holds a reference on its page-table base');
    assert.equal(v1.pv!.iopl, 3, 'IOPL is virtualised');
    assert.equal(v1.cpu.rflags & 0x3200n, 0x200n, 'real IOPL 0, IF on');
    assert.equal(v1.pv!.traps.get(6)?.cs, 0xe033, 'trap selectors get the kernel RPL');
    assert.equal(v1.cpu.getSegment(1).selector, 0xe033);
    assert.equal(v1.cpu.cpl, 3);
    assert.equal(v1.cpu.getReg(Reg.RDI), 2n);
    runVcpu1(m);
  });

  it('refuses bad contexts with -EINVAL', function () {
    const m = bootGuest('pv64-runner', { vcpus: 2 });
    const v1 = m.d.vcpus[1];
    const L = pvDomainStateOf(m.d).layout;
    const bad: [string, (c: StructView) => void][] = [
      ['non-canonical rip', (c) => c.sub('user_regs').set('rip', 0x0000800000000000n)],
      ['CR3 in a Xen frame', (c) => c.set('ctrlreg', BigInt(L.zeroMfn) << 12n, 3)],
      ['CR3 on a writable page', (c) => c.set('ctrlreg', BigInt(m.ma(m.sym('buf'))), 3)],
      ['user mode without a user page table', (c) => c.set('flags', VGCF.online)],
      ['misaligned LDT', (c) => c.set('ldt_base', 0x123)],
      ['too many GDT entries', (c) => c.set('gdt_ents', 8000)],
    ];
    for (const [what, edit] of bad) assert.equal(pvInitialiseVcpu(m.hv, v1, context(m, edit)), -XenErrno.EINVAL, what);
    assert.equal(v1.initialised, false);
  });

  it('brings up a 32-bit vCPU from the compat context (rotated CR3, {cs, eip} callbacks)', function () {
    const m = bootGuest('pv32-runner', { vcpus: 2, memoryMiB: 16 });
    m.hv.startDomain(m.d);
    const v1 = m.d.vcpus[1];
    assert.equal(pvInitialiseVcpu(m.hv, v1, context(m)), 0);
    assert.equal(v1.pv!.kernelBaseMfn, m.v0.pv!.kernelBaseMfn);
    assert.equal(v1.cpu.cpl, 1);
    assert.equal(v1.cpu.pagingLevels, 3);
    assert.deepEqual(v1.pv!.callbacks.get(0), { cs: 0xe019, address: m.sym('_start'), maskEvents: false });
    assert.equal(v1.pv!.traps.get(6)?.cs, 0xe019);
    runVcpu1(m);
  });
});

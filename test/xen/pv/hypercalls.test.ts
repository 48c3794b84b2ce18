/**
 * The smaller PV hypercalls and their errnos, from running guests: callback_op / set_callbacks / nmi_op,
 * set_trap_table, stack_switch, fpu_taskswitch, set_segment_base, update_descriptor (check_descriptor) and
 * set_gdt, for 64-bit and 32-bit callers.
 */
import * as assert from 'node:assert/strict';
import { XenErrno } from '../../../emulator/xen/errno';
import { readDescriptorOf } from '../../../emulator/xen/pv/descriptors';
import { PgType, pvDomainStateOf } from '../../../emulator/xen/pv/state';
import { DOMID_SELF, Op, PvMachine, bootGuest, describeStop, l1eMa, results, u32s, u64s, writeScript } from './harness';

const HC = {
  set_trap_table: 0, mmu_update: 1, set_gdt: 2, stack_switch: 3, set_callbacks: 4, fpu_taskswitch: 5, update_descriptor: 10,
  set_segment_base: 25, nmi_op: 28, callback_op: 30,
} as const;
const E = (n: number): number => -n;

function run(m: PvMachine, ops: Op[]): number[] {
  writeScript(m, ops);
  m.hv.startDomain(m.d);
  const stop = m.hv.run(2_000_000);
  assert.equal(stop.kind, 'shutdown', describeStop(stop));
  assert.equal(m.d.shutdown?.reason, 'poweroff', m.d.shutdown?.detail);
  return results(m, ops.length);
}

describe('PV64 callbacks, trap table, stack, FPU and segment bases', function () {
  it('callback_op registers and refuses as Xen does; set_callbacks sets event/failsafe/syscall', function () {
    const m = bootGuest('pv64-runner');
    const buf = m.sym('buf');
    const cb = (type: number, flags: number, addr: bigint): Uint8Array => u64s(BigInt(type) | (BigInt(flags) << 16n), addr);
    m.poke(buf, cb(0, 0, m.sym('_start')));
    m.poke(buf + 0x10n, cb(99, 0, m.sym('_start')));
    m.poke(buf + 0x20n, cb(2, 0, 0x0000800000000000n));
    m.poke(buf + 0x30n, u32s(0)); // unregister event
    m.poke(buf + 0x40n, u32s(4)); // unregister nmi
    m.poke(buf + 0x50n, cb(4, 0, m.sym('spare')));
    m.poke(buf + 0x60n, cb(1, 1, m.sym('spare2')));
    const r = run(m, [
      [HC.callback_op, 0, buf], [HC.callback_op, 0, buf + 0x10n], [HC.callback_op, 0, buf + 0x20n],
      [HC.callback_op, 1, buf + 0x30n], [HC.callback_op, 1, buf + 0x40n], [HC.callback_op, 7, buf],
      [HC.callback_op, 0, buf + 0x50n], [HC.callback_op, 0, buf + 0x60n],
      [HC.set_callbacks, m.sym('spare'), m.sym('spare2'), m.sym('buf')],
      [HC.nmi_op, 1, 0],
    ]);
    assert.deepEqual(r, [0, E(XenErrno.ENOSYS), E(XenErrno.EINVAL), E(XenErrno.EINVAL), 0, E(XenErrno.ENOSYS), 0, 0, 0, 0]);
    const pv = m.v0.pv!;
    assert.equal(pv.callbacks.get(0)?.address, m.sym('spare'), 'set_callbacks replaced the event callback');
    assert.equal(pv.callbacks.get(2)?.address, m.sym('buf'));
    assert.equal(pv.failsafeDisablesEvents, false, 'set_callbacks registers without CALLBACKF_mask_events');
    assert.equal(pv.traps.get(2), undefined, 'nmi_op unregister cleared trap_ctxt[2]');
  });

  it('registers the NMI callback as trap_ctxt[2] with the interrupt flag', function () {
    const m = bootGuest('pv64-runner');
    const buf = m.sym('buf');
    m.poke(buf, u64s(4n, m.sym('spare')));
    assert.deepEqual(run(m, [[HC.callback_op, 0, buf]]), [0]);
    assert.deepEqual(m.v0.pv!.traps.get(2), { vector: 2, flags: 4, cs: 0xe033, address: m.sym('spare') });
  });

  it('set_trap_table: NULL clears, non-canonical handlers are -EINVAL, selectors get the kernel RPL', function () {
    const m = bootGuest('pv64-runner');
    const buf = m.sym('buf');
    m.poke(buf, u64s(14n | (0xe030n << 16n), m.sym('spare'), 0n, 0n));
    m.poke(buf + 0x100n, u64s(6n, 0x0000900000000000n, 0n, 0n));
    const r = run(m, [[HC.set_trap_table, buf], [HC.set_trap_table, buf + 0x100n]]);
    assert.deepEqual(r, [0, E(XenErrno.EINVAL)]);
    assert.equal(m.v0.pv!.traps.get(14)?.cs, 0xe033);
    const m2 = bootGuest('pv64-runner');
    m2.poke(m2.sym('buf'), u64s(14n, m2.sym('spare'), 0n, 0n));
    assert.deepEqual(run(m2, [[HC.set_trap_table, m2.sym('buf')], [HC.set_trap_table, 0]]), [0, 0]);
    assert.equal(m2.v0.pv!.traps.size, 0);
  });

  it('stack_switch fixes the RPL; fpu_taskswitch drives CR0.TS; set_segment_base sets FS/GS', function () {
    const m = bootGuest('pv64-runner');
    const r = run(m, [
      [HC.stack_switch, 0xe028, 0xffffffff80123000n],
      [HC.fpu_taskswitch, 1],
      [HC.set_segment_base, 0, 0x7000],
      [HC.set_segment_base, 2, 0x8000],
      [HC.set_segment_base, 1, 0x9000],
      [HC.set_segment_base, 0, 0x0000800000000000n],
      [HC.set_segment_base, 9, 0],
      [HC.set_segment_base, 3, 0],
    ]);
    assert.deepEqual(r, [0, 0, 0, 0, 0, E(XenErrno.EINVAL), E(XenErrno.EINVAL), 0]);
    const pv = m.v0.pv!;
    const cpu = m.v0.cpu;
    assert.equal(pv.kernelSs, 0xe02b);
    assert.equal(pv.kernelSp, 0xffffffff80123000n);
    assert.equal(cpu.getControl('cr0') & 8n, 8n, 'TS set for the guest');
    assert.equal(pv.cr0Ts, true);
    assert.equal(cpu.getSegment(4).base, 0x7000n);
    assert.equal(cpu.getSegment(5).base, 0x8000n, 'kernel GS base is the active one');
    assert.equal(cpu.msrKernelGsBase, 0n, 'GS_USER_SEL with a null selector reloads the user base from it');
    assert.equal(pv.gsBaseUser, 0n);
  });
});

describe('PV64 descriptors: update_descriptor and set_gdt', function () {
  it('validates descriptors with check_descriptor and writes them (DPL raised to 3)', function () {
    const m = bootGuest('pv64-runner');
    const buf = m.sym('buf');
    const ma = BigInt(m.ma(buf));
    const l1 = BigInt(l1eMa(m, buf)) & ~0xfffn;
    const data0 = 0x00cf93000000ffffn; // flat data, DPL 0
    const gateBad = 0x0000ec0000080000n | (0xe008n << 16n); // call gate to Xen's ring-0 CS
    const r = run(m, [
      [HC.update_descriptor, ma + 8n, data0],
      [HC.update_descriptor, ma + 12n, data0],
      [HC.update_descriptor, ma + 16n, gateBad],
      [HC.update_descriptor, l1 + 8n, data0],
      [HC.update_descriptor, BigInt(pvDomainStateOf(m.d).layout.zeroMfn * 4096), data0],
      [HC.update_descriptor, ma + 24n, 0x0000890000000067n], // a TSS descriptor: not allowed
    ]);
    assert.deepEqual(r, [0, E(XenErrno.EINVAL), E(XenErrno.EINVAL), E(XenErrno.EINVAL), E(XenErrno.EINVAL), E(XenErrno.EINVAL)]);
    assert.equal(m.d.mem.read64(Number(ma) + 8), 0x00cff3000000ffffn);
  });

  it('set_gdt needs descriptor pages (not writable-mapped) and maps them below Xen’s reserved entries', function () {
    const m = bootGuest('pv64-runner');
    const spare = m.sym('spare');
    const mfn = BigInt(m.ma(spare) / 4096);
    m.poke(spare + 8n, u64s(0x00cff3000000ffffn)); // descriptor 1: flat data, DPL 3
    const buf = m.sym('buf');
    m.poke(buf, u64s(mfn));
    m.poke(buf + 0x100n, u64s(BigInt(l1eMa(m, spare)), (mfn << 12n) | 0x21n)); // mmu_update: spare read-only
    const r = run(m, [
      [HC.set_gdt, buf, 512],
      [HC.mmu_update, buf + 0x100n, 1, 0, DOMID_SELF],
      [HC.set_gdt, buf, 7169],
      [HC.set_gdt, buf, 512],
    ]);
    assert.deepEqual(r, [E(XenErrno.EINVAL), 0, E(XenErrno.EINVAL), 0]);
    const s = pvDomainStateOf(m.d);
    assert.equal(s.type[Number(mfn)], PgType.SegDesc);
    assert.deepEqual(m.v0.pv!.gdtFrames, [Number(mfn)]);
    const d = readDescriptorOf(m.v0, 0x0b);
    assert.deepEqual(d, { lo: 0x0000ffff, hi: 0x00cff300 }, 'the core sees the guest GDT through Xen’s mapping');
    assert.deepEqual(readDescriptorOf(m.v0, 0xe02b), { lo: 0x0000ffff, hi: 0x00cff300 }, 'and Xen’s own entries');
  });
});

describe('PV32 callers of the same hypercalls', function () {
  it('compat callback_op / set_callbacks take {cs, eip}; syscall callbacks and set_segment_base do not exist', function () {
    const m = bootGuest('pv32-runner', { memoryMiB: 16 });
    const buf = m.sym('buf');
    m.poke(buf, u32s(0, 0xe018, Number(m.sym('spare')))); // event, cs RPL 0 → fixed to 1
    m.poke(buf + 0x10n, u32s(2, 0xe019, Number(m.sym('spare'))));
    const r = run(m, [
      [HC.callback_op, 0, buf], [HC.callback_op, 0, buf + 0x10n], [HC.callback_op, 9, buf],
      [HC.set_callbacks, 0xe019, m.sym('spare'), 0xe019, m.sym('spare2')],
      [HC.set_segment_base, 0, 0x1000],
      [HC.stack_switch, 0xe020, 0xc0100000],
    ]);
    assert.deepEqual(r, [0, E(XenErrno.ENOSYS), E(XenErrno.EINVAL), 0, E(XenErrno.ENOSYS), 0]);
    const pv = m.v0.pv!;
    assert.equal(pv.callbacks.get(1)?.cs, 0xe019);
    assert.equal(pv.callbacks.get(1)?.address, m.sym('spare2'));
    assert.equal(pv.kernelSs, 0xe021);
  });

  it('compat update_descriptor splits (pa_lo, pa_hi, desc_lo, desc_hi) and refuses 64-bit code segments', function () {
    const m = bootGuest('pv32-runner', { memoryMiB: 16 });
    const ma = m.ma(m.sym('buf'));
    const r = run(m, [
      [HC.update_descriptor, ma + 8, 0, 0x0000ffff, 0x00cf9a00], // ring-0 code → DPL 1
      [HC.update_descriptor, ma + 16, 0, 0x0000ffff, 0x00af9a00], // L bit: no 64-bit code for compat
    ]);
    assert.deepEqual(r, [0, E(XenErrno.EINVAL)]);
    assert.equal(m.d.mem.read32(ma + 12), 0x00cfba00);
  });
});

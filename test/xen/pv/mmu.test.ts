/**
 * The PV MMU hypercalls from a running guest (the pv64/pv32 runner guests execute a script of hypercalls):
 * mmu_update (normal, preserve-A/D, machphys) with Xen's validation and errnos, page pinning and the type
 * rules (no writable mapping of a page table), update_va_mapping, mmuext_op, and the MMU_UPDATE_PREEMPTED
 * continuation encoding with pdone accumulation under preemption "always" (fact sheet §3.2).
 */
import * as assert from 'node:assert/strict';
import { XenErrno } from '../../../emulator/xen/errno';
import { PgType, pvDomainStateOf } from '../../../emulator/xen/pv/state';
import { DOMID_SELF, Op, PvMachine, bootGuest, describeStop, l1eMa, results, topEntryMa, u32s, u64s, writeScript } from './harness';

const HC = { mmu_update: 1, update_va_mapping: 14, mmuext_op: 26, xen_version: 17, set_trap_table: 0 } as const;
const MMU_NORMAL = 0n, MMU_MACHPHYS = 1n, MMU_PRESERVE_AD = 2n;
const P = 0x1n, RW = 0x2n, A = 0x20n, D = 0x40n, PWT = 0x8n;
const E = (n: number): number => -n;

function run(m: PvMachine, ops: Op[], budget = 2_000_000): number[] {
  writeScript(m, ops);
  m.hv.startDomain(m.d);
  const stop = m.hv.run(budget);
  assert.equal(stop.kind, 'shutdown', `run ended with ${describeStop(stop)} at rip 0x${m.v0.cpu.rip.toString(16)}`);
  assert.equal(m.d.shutdown?.reason, 'poweroff', m.d.shutdown?.detail);
  return results(m, ops.length);
}

/** Writes mmu_update requests at `at` (16 bytes each in both ABIs). */
function reqs(m: PvMachine, at: bigint, list: [bigint, bigint][]): void {
  m.poke(at, u64s(...list.flat()));
}

describe('PV64 mmu_update', function () {
  it('runs a script and powers off (runner sanity: xen_version)', function () {
    const m = bootGuest('pv64-runner');
    assert.deepEqual(run(m, [[HC.xen_version, 0, 0]]), [0x40011]);
  });

  it('remaps a page to another frame, adding U and _PAGE_GUEST_KERNEL, and moves the writable type', function () {
    const m = bootGuest('pv64-runner');
    const s = pvDomainStateOf(m.d);
    const spare = m.sym('spare'), spare2 = m.sym('spare2'), buf = m.sym('buf');
    const old = m.ma(spare) / 4096, target = m.ma(spare2) / 4096;
    assert.equal(s.typeCount[old], 1);
    assert.equal(s.typeCount[target], 1);
    reqs(m, buf, [[BigInt(l1eMa(m, spare)) | MMU_NORMAL, BigInt(target * 4096) | P | RW | A | D]]);
    const pdone = buf + 0x3000n;
    assert.deepEqual(run(m, [[HC.mmu_update, buf, 1, pdone, DOMID_SELF]]), [0]);
    const e = m.d.mem.read64(l1eMa(m, spare));
    assert.equal(e, BigInt(target * 4096) | P | RW | A | D | 4n | (1n << 52n));
    assert.equal(m.ma(spare), target * 4096);
    assert.equal(s.typeCount[old], 0, 'the old frame lost its only writable mapping');
    assert.equal(s.typeCount[target], 2);
    assert.equal(m.u32(pdone), 1, '*pdone = requests done');
  });

  it('rejects frames the domain does not own, MMIO, cache attributes, Xen slots and writable page tables', function () {
    const m = bootGuest('pv64-runner');
    const s = pvDomainStateOf(m.d);
    const L = s.layout;
    const spare = m.sym('spare'), buf = m.sym('buf');
    const pte = BigInt(l1eMa(m, spare));
    const l1Frame = BigInt(l1eMa(m, spare)) & ~0xfffn;
    const cases: [bigint, bigint][] = [
      [pte, BigInt(L.m2pMfn * 4096) | P], // Xen's frame → could_not_pin
      [pte, BigInt((L.totalFrames + 5) * 4096) | P], // not RAM, no iomem permission
      [pte, l1Frame | P | RW], // a page-table page made writable
      [pte, BigInt(m.ma(spare)) | P | RW | PWT], // cache attributes (L1_DISALLOW_MASK)
      [BigInt(L.sharedInfoMfn * 4096 + 8), 0n], // ptr in shared_info: not a page table, writable → plain write ok
      [BigInt(L.zeroMfn * 4096), 0n], // ptr in a Xen frame
      [BigInt(topEntryMa(m, 256)), 0n], // L4 slot of Xen's
      [BigInt(topEntryMa(m, 300)) | MMU_NORMAL, BigInt(m.ma(spare)) | P | RW], // L4 entry → a frame mapped writable
    ];
    reqs(m, buf, cases);
    const ops: Op[] = cases.map((_, i) => [HC.mmu_update, buf + BigInt(i * 16), 1, 0, DOMID_SELF]);
    const r = run(m, ops);
    assert.deepEqual(r, [E(XenErrno.EBUSY), E(XenErrno.EPERM), E(XenErrno.EBUSY), E(XenErrno.EINVAL), 0,
      E(XenErrno.EINVAL), E(XenErrno.EINVAL), E(XenErrno.EINVAL)]);
    assert.equal(m.d.mem.read64(Number(pte)) & ~0xfffn, BigInt(m.ma(spare)) | (1n << 52n), 'failed updates leave the entry alone');
  });

  it('checks the foreign-domain argument (DOMID_SELF ok, own id -ESRCH, unknown -ESRCH, DOMID_IO -EPERM)', function () {
    const m = bootGuest('pv64-runner');
    const buf = m.sym('buf');
    reqs(m, buf, [[BigInt(l1eMa(m, m.sym('spare'))), BigInt(m.ma(m.sym('spare'))) | P | RW | A | D]]);
    const r = run(m, [1, 55, 0x7ff1, DOMID_SELF].map((dom): Op => [HC.mmu_update, buf, 1, 0, dom]));
    assert.deepEqual(r, [E(XenErrno.ESRCH), E(XenErrno.ESRCH), E(XenErrno.EPERM), 0]);
  });

  it('MMU_PT_UPDATE_PRESERVE_AD keeps the accessed/dirty bits; MMU_MACHPHYS_UPDATE writes the M2P', function () {
    const m = bootGuest('pv64-runner');
    const s = pvDomainStateOf(m.d);
    const spare = m.sym('spare'), buf = m.sym('buf');
    const pte = l1eMa(m, spare);
    const frame = BigInt(m.ma(spare));
    const mfn = Number(frame >> 12n);
    reqs(m, buf, [
      [BigInt(pte) | MMU_NORMAL, frame | P | RW | A | D],
      [BigInt(pte) | MMU_PRESERVE_AD, frame | P | RW],
      [frame | MMU_MACHPHYS, 0x1234n],
    ]);
    assert.deepEqual(run(m, [[HC.mmu_update, buf, 3, 0, DOMID_SELF]]), [0]);
    assert.equal(m.d.mem.read64(pte) & (A | D), A | D);
    assert.equal(m.d.mem.read64(s.layout.m2pMfn * 4096 + mfn * 8), 0x1234n);
    assert.equal(m.d.m2p[mfn], 0x1234);
    assert.equal(m.u64(0xffff800000000000n + BigInt(mfn * 8)), 0x1234n, 'visible through the RO M2P');
  });

  it('memory_op keeps the read-only M2P current: decrease writes INVALID_M2P_ENTRY, populate the new pfn', function () {
    const m = bootGuest('pv64-runner');
    const buf = m.sym('buf');
    const lastPfn = m.d.totPages - 1;
    const oldMfn = m.d.p2m[lastPfn];
    const roM2p = (mfn: number): bigint => m.u64(0xffff800000000000n + BigInt(mfn * 8));
    assert.equal(roM2p(oldMfn), BigInt(lastPfn));
    // Two struct xen_memory_reservation (64-bit: extent_start, nr_extents, extent_order + mem_flags, domid),
    // each with a one-entry extent list: give the last page back (by MFN, as a PV guest does), then refill its pfn.
    const give = buf, giveList = buf + 0x100n, fill = buf + 0x200n, fillList = buf + 0x300n;
    m.poke(give, u64s(giveList, 1, 0, DOMID_SELF));
    m.poke(giveList, u64s(oldMfn));
    m.poke(fill, u64s(fillList, 1, 0, DOMID_SELF));
    m.poke(fillList, u64s(lastPfn));
    const memory_op = 12, XENMEM_decrease_reservation = 1, XENMEM_populate_physmap = 6;
    let afterDecrease = 0n;
    m.hv.trace.subscribe((e) => {
      if (e.kind === 'hypercall-return' && e.subop === 'XENMEM_decrease_reservation') afterDecrease = m.d.mem.read64(pvDomainStateOf(m.d).layout.m2pMfn * 4096 + oldMfn * 8);
    });
    assert.deepEqual(run(m, [[memory_op, XENMEM_decrease_reservation, give], [memory_op, XENMEM_populate_physmap, fill]]), [1, 1]);
    assert.equal(afterDecrease, 0xffffffffffffffffn, 'INVALID_M2P_ENTRY once the frame is given back');
    const newMfn = Number(m.u64(fillList)); // populate writes the MFN back for a non-translated guest
    assert.equal(roM2p(newMfn), BigInt(lastPfn), 'the new frame maps to the refilled pfn');
  });

  it('pins an L1 only once it has no writable mapping, and then refuses writable mappings of it', function () {
    const m = bootGuest('pv64-runner');
    const s = pvDomainStateOf(m.d);
    const spare = m.sym('spare'), spare2 = m.sym('spare2'), buf = m.sym('buf');
    const mfn = m.ma(spare) / 4096;
    const mfn2 = m.ma(spare2) / 4096;
    reqs(m, buf, [
      [BigInt(l1eMa(m, spare)), BigInt(mfn * 4096) | P | A], // spare read-only
      [BigInt(l1eMa(m, spare2)), BigInt(mfn * 4096) | P | RW | A | D], // spare2 → spare's frame, writable
    ]);
    const ext = buf + 0x1000n;
    // mmuext_op entries: {cmd u32, pad, arg1, arg2} (24 bytes)
    const op = (cmd: number, arg1: number): bigint[] => [BigInt(cmd), BigInt(arg1), 0n];
    m.poke(ext, u64s(...op(0, mfn), ...op(0, mfn), ...op(4, mfn), ...op(4, mfn), ...op(1, mfn2)));
    const r = run(m, [
      [HC.mmuext_op, ext, 1, 0, DOMID_SELF], // PIN_L1 while writable-mapped
      [HC.mmu_update, buf, 1, 0, DOMID_SELF], // make it read-only
      [HC.mmuext_op, ext, 1, 0, DOMID_SELF], // PIN_L1 → ok
      [HC.mmu_update, buf + 16n, 1, 0, DOMID_SELF], // writable mapping of a pinned L1
      [HC.mmuext_op, ext + 24n, 1, 0, DOMID_SELF], // PIN_L1 again
      [HC.mmuext_op, ext + 48n, 1, 0, DOMID_SELF], // UNPIN
      [HC.mmuext_op, ext + 72n, 1, 0, DOMID_SELF], // UNPIN again
      [HC.mmuext_op, ext + 96n, 1, 0, DOMID_SELF], // PIN_L2 on a writable page
    ]);
    assert.deepEqual(r, [E(XenErrno.EINVAL), 0, 0, E(XenErrno.EBUSY), E(XenErrno.EINVAL), 0, E(XenErrno.EINVAL), E(XenErrno.EINVAL)]);
    assert.equal(s.pinned[mfn], 0);
    assert.equal(s.typeCount[mfn], 0);
  });

  it('update_va_mapping remaps with UVMF_INVLPG and fails for Xen addresses, missing L2s and foreign frames', function () {
    const m = bootGuest('pv64-runner');
    const spare = m.sym('spare'), spare2 = m.sym('spare2');
    const target = BigInt(m.ma(spare2));
    const r = run(m, [
      [HC.update_va_mapping, spare, target | P | RW | A | D, 2],
      [HC.update_va_mapping, 0xffff800000000000n, target | P, 0],
      [HC.update_va_mapping, 0x100000000000n, target | P, 0],
      [HC.update_va_mapping, spare, BigInt(pvDomainStateOf(m.d).layout.zeroMfn * 4096) | P, 0],
      [HC.update_va_mapping, spare2, 0n, 1],
    ]);
    assert.deepEqual(r, [0, E(XenErrno.EINVAL), E(XenErrno.EINVAL), E(XenErrno.EBUSY), 0]);
    assert.equal(m.ma(spare), Number(target));
    assert.equal(m.v0.cpu.translateVirtual(spare2), undefined, 'spare2 unmapped by the last call');
  });

  it('continues a preempted mmu_update with (count - i) | MMU_UPDATE_PREEMPTED and accumulates *pdone', function () {
    const m = bootGuest('pv64-runner', { preemption: { kind: 'always' } });
    const buf = m.sym('buf');
    const pages = [m.sym('buf') + 0x2000n, m.sym('spare'), m.sym('spare2')];
    reqs(m, buf, pages.map((va) => [BigInt(l1eMa(m, va)), BigInt(m.ma(va)) | P | RW | A | D]));
    const pdone = buf + 0x3000n;
    assert.deepEqual(run(m, [[HC.mmu_update, buf, 3, pdone, DOMID_SELF]]), [0]);
    assert.equal(m.u32(pdone), 3);
    const conts = m.events.filter((e) => e.kind === 'continuation' && e.name === 'mmu_update');
    assert.equal(conts.length, 2);
    assert.deepEqual(conts.map((e) => e.args?.count), ['0x80000002', '0x80000001']);
    assert.deepEqual(conts.map((e) => e.args?.ureqs), [`0x${(buf + 16n).toString(16)}`, `0x${(buf + 32n).toString(16)}`]);
    assert.deepEqual(conts.map((e) => e.args?.progress), [1, 2]);
    const calls = m.events.filter((e) => e.kind === 'hypercall' && e.name === 'mmu_update');
    assert.equal(calls.length, 3);
    assert.deepEqual(calls.map((e) => e.args?.resumed ?? false), [false, true, true]);
  });

  it('continues a preempted mmuext_op and set_trap_table the same way', function () {
    const m = bootGuest('pv64-runner', { preemption: { kind: 'always' } });
    const buf = m.sym('buf');
    m.poke(buf, u64s(6, 0, 0, 6, 0, 0)); // two TLB_FLUSH_LOCAL
    const traps = buf + 0x100n;
    const ti = (vec: number, addr: bigint): bigint[] => [BigInt(vec) | (0xe033n << 16n), addr];
    m.poke(traps, u64s(...ti(0, m.sym('_start')), ...ti(6, m.sym('_start')), 0n, 0n));
    const pdone = buf + 0x3000n;
    assert.deepEqual(run(m, [[HC.mmuext_op, buf, 2, pdone, DOMID_SELF], [HC.set_trap_table, traps]]), [0, 0]);
    assert.equal(m.u32(pdone), 2);
    const ext = m.events.filter((e) => e.kind === 'continuation' && e.name === 'mmuext_op');
    assert.deepEqual(ext.map((e) => e.args?.count), ['0x80000001']);
    const tt = m.events.filter((e) => e.kind === 'continuation' && e.name === 'set_trap_table');
    assert.deepEqual(tt.map((e) => e.args?.traps), [`0x${(traps + 16n).toString(16)}`, `0x${(traps + 32n).toString(16)}`]);
    assert.equal(m.v0.pv?.traps.get(6)?.address, m.sym('_start'));
  });
});

describe('PV32 MMU', function () {
  it('update_va_mapping takes (va, lo, hi, flags); the PAE L3 shadow follows the guest', function () {
    const m = bootGuest('pv32-runner', { memoryMiB: 16 });
    const spare = m.sym('spare'), spare2 = m.sym('spare2');
    const target = m.ma(spare2);
    const r = run(m, [
      [HC.update_va_mapping, spare, target | 0x63, 0, 2],
      [HC.update_va_mapping, spare, target | 0x63, 0x80000000, 2], // NX in the high word: allowed
    ]);
    assert.deepEqual(r, [0, 0]);
    assert.equal(m.ma(spare), target);
    assert.equal(m.d.mem.read64(l1eMa(m, spare)) >> 63n, 1n);
  });

  it("refuses updates of L3 slot 3 (-EINVAL) and of Xen's slots in the slot-3 L2 (-EPERM)", function () {
    const m = bootGuest('pv32-runner', { memoryMiB: 16 });
    const buf = m.sym('buf');
    const l3 = m.v0.pv!.kernelBaseMfn * 4096;
    const l2 = Number(m.d.mem.read64(l3 + 24) & 0xffffff000n);
    reqs(m, buf, [[BigInt(l3 + 24), 0n], [BigInt(l2 + 430 * 8), 0n], [BigInt(l3 + 16), 0n]]);
    const r = run(m, [0, 1, 2].map((i): Op => [HC.mmu_update, buf + BigInt(i * 16), 1, 0, DOMID_SELF]));
    assert.deepEqual(r, [E(XenErrno.EINVAL), E(XenErrno.EPERM), 0]);
    assert.equal(m.v0.cpu.pdpteLo[2], 0, 'clearing L3 slot 2 reached the PDPTE registers');
  });

  it('ignores MMUEXT_PIN_L4_TABLE and pins L3s (slot 3 needs a present, unshared L2)', function () {
    const m = bootGuest('pv32-runner', { memoryMiB: 16 });
    const s = pvDomainStateOf(m.d);
    const spare = m.sym('spare');
    const mfn = m.ma(spare) / 4096;
    const buf = m.sym('buf');
    const ext = buf + 0x1000n;
    m.poke(ext, u32s(3, mfn, 0, 2, mfn, 0));
    reqs(m, buf, [[BigInt(l1eMa(m, spare)), BigInt(mfn * 4096) | 0x21n]]);
    const r = run(m, [
      [HC.mmuext_op, ext, 1, 0, DOMID_SELF],
      [HC.mmu_update, buf, 1, 0, DOMID_SELF],
      [HC.mmuext_op, ext + 12n, 1, 0, DOMID_SELF],
    ]);
    assert.deepEqual(r, [0, 0, E(XenErrno.EINVAL)], 'an empty L3 has no slot 3');
    assert.equal(s.typeCount[mfn], 0);
    assert.equal(s.type[mfn] === PgType.L3 && s.pinned[mfn] === 1, false);
  });
});

/**
 * Privileged instructions of a 64-bit PV kernel (pv/emul-priv-op.c): port I/O and CLI/STI by virtual IOPL,
 * writable page tables (pv/ro-page-fault.c),
 * CR0 writes limited to TS, CR4 reads, WBINVD as a no-op, INVD and unknown MSRs as #GP, the shadow GS base
 * MSR; lazy FPU (#NM only with the virtual CR0.TS); and the iret hypercall to user mode without a user page
 * table, which crashes the domain.
 */
import * as assert from 'node:assert/strict';
import { pvDomainStateOf } from '../../../emulator/xen/pv/state';
import { bootGuest, describeStop, l1eMa, PvMachine, u64s } from './harness';

describe('PV64 privileged-op emulation, lazy FPU and a fatal iret', function () {
  let m: PvMachine;
  const r = (name: string): bigint => m.u64(m.sym(name));
  let spareMfn = 0, ptePa = 0;

  before(function () {
    m = bootGuest('pv64-privop');
    // The L1 entry mapping `spare`, as the guest sees it (the page tables are mapped read-only in its image).
    const L = pvDomainStateOf(m.d).layout;
    const pteMa = l1eMa(m, m.sym('spare'));
    const pteVa = 0xffffffff80000000n + BigInt(pteMa - L.xenFrames * 4096);
    const frame = BigInt(m.ma(m.sym('spare')));
    m.poke(m.sym('ptwr_target'), u64s(pteVa));
    m.poke(m.sym('ptwr_good'), u64s(frame | 0x21n)); // read-only now
    m.poke(m.sym('ptwr_bad'), u64s(BigInt(L.zeroMfn * 4096) | 0x1n)); // a Xen frame: refused
    spareMfn = Number(frame >> 12n);
    ptePa = pteMa;
    m.hv.startDomain(m.d);
    m.v0.cpu.addBreakpoint(m.sym('iopl_point'));
    const s1 = m.hv.run(1_000_000);
    assert.equal(s1.kind, 'vcpu', describeStop(s1));
    m.v0.pv!.iopl = 1; // what PHYSDEVOP_set_iopl(1) would do
    m.v0.cpu.removeBreakpoint(m.sym('iopl_point'));
    const s2 = m.hv.run(1_000_000);
    assert.equal(s2.kind, 'shutdown', describeStop(s2));
  });

  it('emulates a kernel store into an L1 (writable page tables) and validates it like mmu_update', function () {
    assert.equal(m.d.mem.read64(ptePa), (BigInt(spareMfn) << 12n) | 0x25n | (1n << 52n), 'RO entry, adjusted with U and _PAGE_GUEST_KERNEL');
    assert.equal(pvDomainStateOf(m.d).typeCount[spareMfn], 0, 'the writable reference went away with RW');
    assert.equal(r('count_pf'), 1n, 'the store of a Xen frame was refused and reflected as #PF');
    const pfs = m.events.filter((e) => e.kind === 'exception' && e.name === '#PF');
    assert.equal(pfs.length, 1);
  });

  it('reflects I/O and CLI at virtual IOPL 0, bad CR0 writes, INVD and unknown MSRs as #GP(0)', function () {
    assert.equal(r('not_faulted'), 0n);
    assert.equal(r('count_gp'), 6n);
    assert.equal(r('last_gp_ec'), 0n);
  });

  it('emulates port I/O with sufficient virtual IOPL: a domU reads all-ones', function () {
    assert.equal(r('r_in8'), 0x123456ffn, 'in %al only replaces AL');
    assert.equal(r('r_in32'), 0xffffffffn);
  });

  it('reads CR4 and writes the shadow GS base (the user one) through the MSR', function () {
    assert.equal(r('r_cr4') & 0x20n, 0x20n);
    assert.equal(r('r_shadow_gs'), 0x7777000n);
    assert.equal(m.v0.pv!.gsBaseUser, 0x7777000n);
  });

  it('delivers #NM once when the virtual CR0.TS is set, then clears it', function () {
    assert.equal(r('count_nm'), 1n);
    assert.equal(r('r_cr0_after') & 8n, 0n);
    assert.equal(m.v0.pv!.cr0Ts, false);
  });

  it('crashes the domain on iret to user mode without a user page table', function () {
    assert.equal(m.d.shutdown?.reason, 'crash');
    assert.match(m.d.shutdown?.detail ?? '', /no user page tables/);
  });
});

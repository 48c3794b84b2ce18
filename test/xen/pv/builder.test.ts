/**
 * The PV domain builder: start_info, the machine layout (mfn = pfn + Xen's frames), the bootstrap page
 * tables as Xen validated them, the M2P at its architectural address, the hypercall page and vCPU 0's
 * start-of-day registers (fact sheet §6.2), for a 64-bit and a 32-bit PAE guest.
 */
import * as assert from 'node:assert/strict';
import { Reg } from '../../../emulator/cpu/api-types';
import { parseElf } from '../../../emulator/boot/elf';
import { decideGuestKind } from '../../../emulator/boot/guest-kind';
import { buildPvDomain } from '../../../emulator/boot/pv-builder';
import { XenImageError } from '../../../emulator/boot/xen-notes';
import { StructView, layoutOf } from '../../../emulator/xen/abi/layout';
import { start_info } from '../../../emulator/xen/abi/structs';
import { Domain } from '../../../emulator/xen/domain';
import { fillHypercallPage } from '../../../emulator/xen/hypercall-page';
import { Hypervisor } from '../../../emulator/xen/hypervisor';
import { getProfile } from '../../../emulator/xen/profiles';
import { PgType, pvDomainStateOf } from '../../../emulator/xen/pv/state';
import { bootGuest, buildGuest, PvMachine } from './harness';

function startInfo(m: PvMachine): StructView {
  const va = m.v0.cpu.getReg(Reg.RSI);
  return new StructView(layoutOf(start_info, m.d.sharedInfoAbi), m.d.mem.view, m.ma(va));
}

/** Reads an 8-byte page-table entry at a machine address. */
const pte = (m: PvMachine, ma: number): bigint => m.d.mem.read64(ma);

describe('PV builder: 64-bit guest', function () {
  let m: PvMachine;
  before(function () { m = bootGuest('pv64-runner', { memoryMiB: 32, cmdline: 'console=hvc0 test=1' }); });

  it('writes start_info with the magic, memory size, machine addresses and ring ports', function () {
    const si = startInfo(m);
    assert.equal(si.getString('magic'), 'xen-3.0-x86_64');
    assert.equal(si.getBig('nr_pages'), 32n * 256n);
    assert.equal(si.getBig('shared_info'), BigInt(m.d.sharedInfoAddr));
    assert.equal(si.getNum('flags'), 0);
    assert.equal(si.getBig('store_mfn'), BigInt(m.d.storeFrame));
    assert.equal(si.getNum('store_evtchn'), m.d.storePort);
    assert.equal(si.getBig('console.domU.mfn'), BigInt(m.d.consoleFrame));
    assert.equal(si.getNum('console.domU.evtchn'), m.d.consolePort);
    assert.ok(m.d.storePort > 0 && m.d.consolePort > 0 && m.d.storePort !== m.d.consolePort);
    assert.equal(si.getString('cmd_line'), 'console=hvc0 test=1');
    assert.equal(si.getBig('mod_start'), 0n);
    assert.equal(si.getBig('first_p2m_pfn'), 0n);
  });

  it('lays out image, p2m list, start_info, rings, page tables and boot stack in order (xg_dom_x86.c)', function () {
    const si = startInfo(m);
    const base = 0xffffffff80000000n;
    const imageEnd = (m.sym('stack_top') + 0xfffn) & ~0xfffn;
    const mfnList = si.getBig('mfn_list');
    assert.ok(mfnList >= imageEnd, 'p2m after the image');
    const p2mPages = BigInt(Math.ceil(32 * 256 * 8 / 4096));
    const startInfoVa = m.v0.cpu.getReg(Reg.RSI);
    assert.equal(startInfoVa, mfnList + p2mPages * 4096n);
    const ptBase = si.getBig('pt_base');
    assert.equal(ptBase, startInfoVa + 3n * 4096n, 'start_info, XenStore, console, then the tables');
    const nrPt = si.getBig('nr_pt_frames');
    assert.equal(m.v0.cpu.getReg(Reg.RSP), ptBase + (nrPt + 1n) * 4096n, 'boot stack right after the tables');
    // XenStore and console rings sit between start_info and the tables.
    assert.equal(m.ma(startInfoVa + 4096n), m.d.storeFrame * 4096);
    assert.equal(m.ma(startInfoVa + 8192n), m.d.consoleFrame * 4096);
    assert.equal((ptBase - base) % 4096n, 0n);
  });

  it('uses machine frames that are not the pseudo-physical ones: mfn = pfn + Xen frames', function () {
    const s = pvDomainStateOf(m.d);
    const R = s.layout.xenFrames;
    assert.ok(R > 0);
    const si = startInfo(m);
    const mfnList = si.getBig('mfn_list');
    for (const pfn of [0, 1, 100, 32 * 256 - 1]) {
      assert.equal(m.u64(mfnList + BigInt(pfn * 8)), BigInt(pfn + R));
      assert.equal(m.d.p2m[pfn], pfn + R);
      assert.equal(m.d.m2p[pfn + R], pfn);
    }
    assert.equal(m.ma(0xffffffff80000000n), R * 4096, 'VIRT_BASE maps pfn 0 = mfn R');
    assert.equal(m.d.totPages, 32 * 256);
    assert.equal(m.d.m2p[0], -1, 'Xen frames have no pfn');
  });

  it('starts vCPU 0 as §6.2 says (selectors, rsi, rflags, CR0/CR3/CR4/EFER, kernel stack)', function () {
    const cpu = m.v0.cpu;
    const si = startInfo(m);
    assert.equal(cpu.rip, m.sym('_start'));
    assert.equal(cpu.getSegment(1).selector, 0xe033);
    assert.equal(cpu.getSegment(2).selector, 0xe02b);
    for (const s of [0, 3, 4, 5]) assert.equal(cpu.getSegment(s).selector, 0);
    assert.equal(cpu.rflags, 0x202n);
    assert.equal(cpu.mode, 'long64');
    assert.equal(cpu.cpl, 3, 'the 64-bit PV kernel runs in ring 3');
    const cr0 = cpu.getControl('cr0');
    assert.ok(cr0 & 0x80000000n && cr0 & 1n && cr0 & 0x10000n, 'PG, PE, WP');
    assert.ok(cpu.getControl('cr4') & 0x20n, 'PAE');
    assert.equal(cpu.getControl('efer') & 0xd01n, 0xd01n, 'LME LMA NXE SCE');
    const ptMa = m.ma(si.getBig('pt_base'));
    assert.equal(cpu.getControl('cr3'), BigInt(ptMa), 'CR3 = pt_base (machine address)');
    assert.equal(m.v0.pv?.kernelSs, 0xe02b);
    assert.equal(m.v0.pv?.kernelSp, cpu.getReg(Reg.RSP));
    assert.ok(m.v0.pv?.kernelMode);
    for (const r of [Reg.RAX, Reg.RBX, Reg.RCX, Reg.RDX, Reg.RDI, Reg.RBP, Reg.R8, Reg.R15]) assert.equal(cpu.getReg(r), 0n);
  });

  it('maps the image through 4-level tables with U set on every present entry (adjust_guest_l*e)', function () {
    const si = startInfo(m);
    const l4 = m.ma(si.getBig('pt_base'));
    const va = m.sym('_start');
    const l4e = pte(m, l4 + Number((va >> 39n) & 511n) * 8);
    const l3e = pte(m, Number(l4e & 0xffffffffff000n) + Number((va >> 30n) & 511n) * 8);
    const l2e = pte(m, Number(l3e & 0xffffffffff000n) + Number((va >> 21n) & 511n) * 8);
    const l1e = pte(m, Number(l2e & 0xffffffffff000n) + Number((va >> 12n) & 511n) * 8);
    for (const e of [l4e, l3e, l2e]) assert.equal(e & 0x7n, 0x7n, 'P|RW|U on upper levels');
    assert.equal(l1e & 0x27n, 0x27n, 'P|RW|U|A on the kernel page');
    assert.ok(l1e & (1n << 52n), '_PAGE_GUEST_KERNEL marks a kernel page given U');
    assert.equal(l1e & 0xffffffffff000n, BigInt(m.ma(va) & ~0xfff));
  });

  it('maps the page-table pages read-only and types them as pinned page tables', function () {
    const si = startInfo(m);
    const s = pvDomainStateOf(m.d);
    const ptBase = si.getBig('pt_base');
    const n = Number(si.getBig('nr_pt_frames'));
    const l4mfn = m.ma(ptBase) / 4096;
    assert.equal(s.type[l4mfn], PgType.L4);
    assert.equal(s.pinned[l4mfn], 1);
    assert.equal(s.typeCount[l4mfn], 2, 'pinned and in use as CR3');
    for (let i = 0; i < n; i++) {
      const va = ptBase + BigInt(i * 4096);
      assert.equal(m.v0.guest.write(va, new Uint8Array(1)), false, `page-table page ${i} is read-only`);
    }
    assert.equal(s.type[m.ma(m.sym('buf')) / 4096], PgType.Writable);
  });

  it("fills Xen's L4 slots: the read-only, user-visible M2P at 0xFFFF800000000000", function () {
    const si = startInfo(m);
    const l4 = m.ma(si.getBig('pt_base'));
    const slot256 = pte(m, l4 + 256 * 8);
    assert.equal(slot256 & 0x7n, 0x5n, 'present, user, not writable');
    const s = pvDomainStateOf(m.d);
    const R = s.layout.xenFrames;
    // machine_to_phys_mapping[mfn] through the guest's own page tables.
    for (const pfn of [0, 7, 1000]) assert.equal(m.u64(0xffff800000000000n + BigInt((pfn + R) * 8)), BigInt(pfn));
    assert.equal(m.u64(0xffff800000000000n), 0xffffffffffffffffn, 'Xen frames read INVALID_M2P_ENTRY');
    assert.equal(m.v0.guest.write(0xffff800000000000n, new Uint8Array(8)), false, 'read-only');
  });

  it('fills the hypercall page at the HYPERCALL_PAGE note with the PV64 stubs', function () {
    const page = m.peek(m.sym('hypercall_page'), 4096);
    assert.deepEqual(page, fillHypercallPage('pv64', 'intel'));
  });

  it('starts with shared_info zeroed except every vcpu_info masked', function () {
    const si = m.d.sharedInfo();
    for (let i = 0; i < 32; i++) assert.equal(si.sub('vcpu_info', i).getNum('evtchn_upcall_mask'), 1);
    assert.equal(si.sub('vcpu_info', 0).getNum('evtchn_upcall_pending'), 0);
    assert.equal(m.d.sharedInfoAbi, 'x86_64');
  });
});

describe('PV builder: 32-bit PAE guest', function () {
  let m: PvMachine;
  before(function () { m = bootGuest('pv32-runner', { memoryMiB: 16 }); });

  it('writes the 32-bit start_info', function () {
    const si = startInfo(m);
    assert.equal(si.getString('magic'), 'xen-3.0-x86_32p');
    assert.equal(si.getBig('nr_pages'), 16n * 256n);
    assert.equal(si.getBig('shared_info'), BigInt(m.d.sharedInfoAddr));
    const R = pvDomainStateOf(m.d).layout.xenFrames;
    assert.equal(m.u32(si.getBig('mfn_list') + 4n * 5n), 5 + R, '4-byte p2m entries');
    assert.equal(m.d.sharedInfoAbi, 'x86_32');
  });

  it('starts in ring 1 with flat selectors, PAE paging and the rotated CR3 in MMUEXT terms', function () {
    const cpu = m.v0.cpu;
    assert.equal(cpu.getSegment(1).selector, 0xe019);
    for (const s of [0, 2, 3, 4, 5]) assert.equal(cpu.getSegment(s).selector, 0xe021);
    assert.equal(cpu.cpl, 1);
    assert.equal(cpu.mode, 'protected32');
    assert.equal(cpu.pagingLevels, 3);
    assert.equal(cpu.getControl('efer') & 0x500n, 0n, 'no long mode');
    assert.equal((m.d.vmAssist >> 3n) & 1n, 1n, 'VMASST_TYPE_pae_extended_cr3 for PAE_MODE "yes"');
    const si = startInfo(m);
    assert.equal(m.v0.pv?.kernelBaseMfn, m.ma(si.getBig('pt_base')) / 4096);
  });

  it("puts Xen's hole in the slot-3 L2: compat M2P at 0xF5800000, guest entries validated", function () {
    const R = pvDomainStateOf(m.d).layout.xenFrames;
    for (const pfn of [0, 9]) assert.equal(m.u32(0xf5800000n + BigInt((pfn + R) * 4)), pfn);
    assert.equal(m.u32(0xf5800000n), 0xffffffff);
    const si = startInfo(m);
    const l3 = m.ma(si.getBig('pt_base'));
    const l3e3 = pte(m, l3 + 3 * 8);
    assert.equal(l3e3 & 0x7n, 0x7n, 'Xen adds RW|U to PV32 L3 entries');
    const l2 = Number(l3e3 & 0xffffff000n);
    const s = pvDomainStateOf(m.d);
    assert.equal(s.paeXenL2[l2 / 4096], 1);
    assert.equal(pte(m, l2 + 428 * 8) & 1n, 1n, 'first Xen slot (0xF5800000) present');
  });

  it('fills the PV32 hypercall page', function () {
    assert.deepEqual(m.peek(m.sym('hypercall_page'), 4096), fillHypercallPage('pv32', 'intel'));
  });
});

describe('PV builder: bad images and configurations', function () {
  const build = (name: string, memoryMiB: number, pvBits: 64 | 32 = 64): void => {
    const g = buildGuest(name);
    const elf = parseElf(g.bytes);
    const kind = decideGuestKind(elf);
    if (kind.kind !== 'pv') throw new Error('not PV');
    const d = new Domain(1, {
      name, kind: 'pv', pvBits, memoryMiB, vcpus: 1, profile: getProfile('4.17'), preemption: { kind: 'auto' },
      evtchnFifo: true, cmdline: '', maxEvtchnPort: 1023, handle: new Uint8Array(16),
    });
    buildPvDomain(new Hypervisor(), d, elf, kind);
  };

  it('rejects memory too small for the initial mapping', function () {
    assert.throws(() => build('pv64-runner', 2), (e: unknown) => e instanceof XenImageError && /not enough memory|too big for memory/.test(e.message));
  });

  it('rejects a 64-bit kernel in a domain configured as 32-bit', function () {
    assert.throws(() => build('pv64-runner', 16, 32), /configured as 32-bit PV but the kernel is 64-bit/);
  });

  it('rejects more memory than the 2 GiB machine memory holds', function () {
    assert.throws(() => build('pv32-runner', 2048, 32), /exceeds the emulator's 2 GiB machine memory/);
  });
});

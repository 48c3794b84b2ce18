/**
 * vcpu_op (24): HVM bring-up with vcpu_hvm_context (validated, loaded, and the AP really runs), up/down/is_up,
 * register_vcpu_info with every profile rule, runstate areas, timers and the smaller subops, from HVM callers in
 * 64-bit and 32-bit mode and from PV domains, across the 4.4 / 4.8 / 4.17 / 4.19 profiles.
 */
import * as assert from 'node:assert/strict';
import { StructView, layoutOf } from '../../../emulator/xen/abi/layout';
import { vcpu_hvm_context } from '../../../emulator/xen/abi/hypercall-structs';
import { vcpu_runstate_info } from '../../../emulator/xen/abi/structs';
import { XenErrno } from '../../../emulator/xen/errno';
import { updateRunstateArea, updateVcpuTimeArea } from '../../../emulator/xen/hypercalls/vcpu';
import { setPvInitialiseVcpu } from '../../../emulator/xen/hypercalls/vcpu-pv-context';
import { PvDomainState, setPvDomainState } from '../../../emulator/xen/pv/state';
import {
  ARGS, PT_BASE, PV_XEN_FRAMES, TestMachine, eventsOf, hcall, makeHvm, makePv, poke, pvcall, rd32, rd64, wr32, wr64,
} from './hvm-harness';

const VCPU_OP = 24;
const OP = {
  initialise: 0n, up: 1n, down: 2n, is_up: 3n, get_runstate_info: 4n, register_runstate_memory_area: 5n,
  set_periodic_timer: 6n, stop_periodic_timer: 7n, set_singleshot_timer: 8n, stop_singleshot_timer: 9n,
  register_vcpu_info: 10n, send_nmi: 11n, get_physid: 12n, register_vcpu_time_memory_area: 13n,
  register_runstate_phys_area: 14n,
};
const E = (n: number): bigint => BigInt(-n);
const AP_CODE = 0x3000;
const MARK = 0x3100;

/** A vcpu_hvm_context at ARGS (same layout for both ABIs). */
function hvmCtx(m: TestMachine): StructView {
  m.d.mem.fill(ARGS, 128, 0);
  return StructView.of(vcpu_hvm_context, 'x86_64', m.d.mem.view, ARGS);
}

/** 32-bit flat protected mode, paging off, at eip (the PVH/HVM AP start state, §6.3). */
function flat32(m: TestMachine, eip = AP_CODE): StructView {
  const c = hvmCtx(m);
  const r = c.sub('cpu_regs.x86_32');
  c.set('mode', 0);
  r.set('eip', eip); r.set('eflags', 2); r.set('cr0', 0x11); r.set('esp', 0x7000); r.set('ebx', 0x1234);
  for (const s of ['cs', 'ds', 'ss', 'es']) r.set(`${s}_limit`, 0xffffffff);
  r.set('cs_ar', 0xc9b); r.set('ds_ar', 0xc93); r.set('ss_ar', 0xc93); r.set('es_ar', 0xc93);
  r.set('tr_limit', 0x67); r.set('tr_ar', 0x8b);
  return c;
}

/** 64-bit context on vCPU 0's identity page tables (setupFlatMode long64: PML4 at PT_BASE + 0x3000). */
function flat64(m: TestMachine, rip = AP_CODE): StructView {
  const c = hvmCtx(m);
  const r = c.sub('cpu_regs.x86_64');
  c.set('mode', 1);
  r.set('rip', BigInt(rip)); r.set('rflags', 2n); r.set('cr0', 0x80000011n); r.set('cr3', BigInt(PT_BASE + 0x3000));
  r.set('cr4', 0x20n); r.set('efer', 0x100n); r.set('rsp', 0x7000n);
  return c;
}

const call = (m: TestMachine, cmd: bigint, vcpu: number, arg = BigInt(ARGS)): bigint => hcall(m, VCPU_OP, [cmd, BigInt(vcpu), arg]).ret;

/** Lets the rest of the machine (other vCPUs, idle time, timers) run with vCPU 0, the caller, held back. */
function runWithVcpu0Held(m: TestMachine, budget = 10_000): void {
  m.v.blocked = true;
  try { m.hv.run(budget); } finally { m.v.blocked = false; }
}

for (const mode of ['long64', 'protected32'] as const) {
  describe(`vcpu_op bring-up, HVM caller in ${mode}`, () => {
    it('initialise (32-bit context) + up: the AP runs its code in 32-bit flat mode', () => {
      const m = makeHvm({ mode });
      // mov dword [MARK], 0x12345678 ; jmp $ (a hlt with IF=0 would take the AP down again, as hvm_hlt does)
      poke(m, AP_CODE, [0xc7, 0x05, 0x00, 0x31, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12, 0xeb, 0xfe]);
      flat32(m);
      assert.equal(call(m, OP.is_up, 1), 0n);
      assert.equal(call(m, OP.up, 1), E(XenErrno.EINVAL), 'not initialised');
      assert.equal(call(m, OP.initialise, 1), 0n);
      const v1 = m.d.vcpus[1];
      assert.equal(v1.initialised, true);
      assert.equal(v1.down, true, 'stays down until VCPUOP_up');
      assert.equal(v1.cpu.mode, 'protected32');
      assert.equal(v1.cpu.rip, BigInt(AP_CODE));
      assert.equal(v1.cpu.getSegment(1).attributes, 0xc09b, 'CS _ar 0xc9b (+accessed) in the core format');
      assert.equal(v1.cpu.getSegment(7).attributes & 0xff, 0x8b);
      assert.equal(call(m, OP.initialise, 1), E(XenErrno.EEXIST));
      assert.equal(call(m, OP.up, 1), 0n);
      runWithVcpu0Held(m);
      assert.equal(rd32(m, MARK), 0x12345678, 'the AP ran');
      assert.equal(v1.cpu.getReg(3), 0x1234n, 'EBX from the context');
      const up = eventsOf(m, 'vcpu-up').filter((e) => e.vcpu === 1);
      assert.deepEqual(up.map((e) => e.name), ['vcpu1']);
      assert.equal(call(m, OP.is_up, 1), 1n);
      assert.equal(call(m, OP.up, 1), 0n, 'up again is fine');
      const r = eventsOf(m, 'hypercall-return', 'vcpu_op').at(-1)!;
      assert.equal(r.subop, 'VCPUOP_up');
    });

    it('initialise (64-bit context): long mode with the fixed flat segments', () => {
      const m = makeHvm({ mode });
      // mov dword [abs MARK], 0x87654321 ; jmp $
      poke(m, AP_CODE, [0xc7, 0x04, 0x25, 0x00, 0x31, 0x00, 0x00, 0x21, 0x43, 0x65, 0x87, 0xeb, 0xfe]);
      flat64(m);
      assert.equal(call(m, OP.initialise, 1), 0n);
      const v1 = m.d.vcpus[1];
      assert.equal(v1.cpu.mode, 'long64');
      assert.equal(v1.cpu.getControl('efer') & 0x500n, 0x500n, 'LME and LMA');
      assert.equal(v1.cpu.getSegment(1).attributes, 0xa09b);
      assert.equal(call(m, OP.up, 1), 0n);
      runWithVcpu0Held(m);
      assert.equal(rd32(m, MARK), 0x87654321);
    });

    it('initialise validation errors', () => {
      const m = makeHvm({ mode, vcpus: 3 });
      const bad = (edit: (c: StructView) => void, want: number, ctx: (m: TestMachine) => StructView = flat32): void => {
        edit(ctx(m));
        assert.equal(call(m, OP.initialise, 2), E(want));
      };
      bad((c) => c.set('mode', 2), XenErrno.EINVAL);
      bad((c) => c.set('pad', 1), XenErrno.EINVAL);
      bad((c) => c.set('cpu_regs.x86_32.pad1', 1), XenErrno.EINVAL);
      bad((c) => c.set('cpu_regs.x86_32.cs_ar', 0), XenErrno.EINVAL); // null CS
      bad((c) => c.set('cpu_regs.x86_32.cs_ar', 0xc93), XenErrno.EINVAL); // data in CS
      bad((c) => c.set('cpu_regs.x86_32.ss_ar', 0xc9b), XenErrno.EINVAL); // code in SS
      bad((c) => c.set('cpu_regs.x86_32.ss_ar', 0xcf3), XenErrno.EINVAL); // SS.DPL ≠ CS.DPL
      bad((c) => c.set('cpu_regs.x86_32.ds_ar', 0xcf3 & ~0x60 | 0x60), XenErrno.EINVAL); // DS.DPL 3 > 0 (present)
      bad((c) => c.set('cpu_regs.x86_32.tr_ar', 0x81), XenErrno.EINVAL); // 16-bit TSS (the busy bit is added: 0x89 would pass)
      bad((c) => c.set('cpu_regs.x86_32.cs_ar', 0x1c9b), XenErrno.EINVAL); // bits 12-15
      bad((c) => c.set('cpu_regs.x86_32.cs_ar', 0x1b), XenErrno.EINVAL); // not present
      bad((c) => { c.set('cpu_regs.x86_32.cs_ar', 0x49b); c.set('cpu_regs.x86_32.cs_limit', 0xfff); c.set('cpu_regs.x86_32.eip', 0x1000); }, XenErrno.EINVAL);
      bad((c) => c.set('cpu_regs.x86_32.efer', 0x400n), XenErrno.EINVAL); // LMA without LME
      bad((c) => c.set('cpu_regs.x86_32.cr4', 1 << 20), XenErrno.EINVAL); // CR4 bit we do not offer
      bad((c) => c.set('cpu_regs.x86_64.rip', 0x800000000000n), XenErrno.EINVAL, flat64);
      bad((c) => c.set('cpu_regs.x86_64.cr0', 0x11n), XenErrno.EINVAL, flat64);
      bad((c) => c.set('cpu_regs.x86_64.cr4', 0n), XenErrno.EINVAL, flat64);
      bad((c) => c.set('cpu_regs.x86_64.efer', 0n), XenErrno.EINVAL, flat64);
      // null DS/ES are fine
      flat32(m).set('cpu_regs.x86_32.ds_ar', 0);
      assert.equal(call(m, OP.initialise, 2), 0n);
      assert.equal(call(m, OP.initialise, 1, 0x7ff00000n), E(XenErrno.EFAULT));
      assert.equal(m.d.vcpus[1].initialised, false);
    });
  });
}

describe('vcpu_op vCPU ids, filters and profile rules', () => {
  it('unknown vCPU → -ENOENT; 4.4 rejects negative / huge ids with -EINVAL', () => {
    const m = makeHvm();
    assert.equal(call(m, OP.is_up, 2), E(XenErrno.ENOENT));
    assert.equal(call(m, OP.stop_periodic_timer, 0xffffffff), E(XenErrno.ENOENT));
    const old = makeHvm({ profile: '4.4' });
    assert.equal(call(old, OP.stop_periodic_timer, 0xffffffff), E(XenErrno.EINVAL));
    assert.equal(call(old, OP.stop_periodic_timer, 8192), E(XenErrno.EINVAL));
    assert.equal(call(old, OP.stop_periodic_timer, 2), E(XenErrno.ENOENT));
  });

  it('HVM before 4.7: initialise/up/down/is_up are -ENOSYS; PV has them', () => {
    for (const profile of ['4.4', '4.5']) {
      const m = makeHvm({ profile });
      for (const op of [OP.initialise, OP.up, OP.down, OP.is_up, OP.get_physid, OP.send_nmi]) {
        assert.equal(call(m, op, 0), E(XenErrno.ENOSYS), `${profile} op ${op}`);
      }
      assert.equal(call(m, OP.stop_periodic_timer, 0), 0n);
    }
    const pv = makePv(64, { profile: '4.4' });
    assert.equal(pvcall(pv, VCPU_OP, [OP.is_up, 0n, 0n]), 1n);
    // 4.8 (the 4.7 filter): get_physid is filtered for HVM; 4.17 (no filter) -EINVAL
    assert.equal(call(makeHvm({ profile: '4.8' }), OP.get_physid, 0), E(XenErrno.ENOSYS));
    assert.equal(call(makeHvm(), OP.get_physid, 0), E(XenErrno.EINVAL));
  });

  it('dummy vcpu_info: vCPU 32 cannot be initialised (all types <4.19, PV only from 4.19)', () => {
    for (const [profile, want] of [['4.17', E(XenErrno.EINVAL)], ['4.19', 0n]] as const) {
      const m = makeHvm({ profile, vcpus: 33 });
      assert.equal(m.d.vcpus[32].vcpuInfoAddr, undefined);
      flat32(m);
      assert.equal(call(m, OP.initialise, 32), want, profile);
    }
    const pv = makePv(64, { profile: '4.19', vcpus: 33 });
    assert.equal(pvcall(pv, VCPU_OP, [OP.initialise, 32n, BigInt(ARGS)]), E(XenErrno.EINVAL));
  });

  it('PV initialise: context copy, -EEXIST, then arch_set_info_guest (the PV code, stubbed here)', () => {
    for (const bits of [64, 32] as const) {
      const m = makePv(bits);
      assert.equal(pvcall(m, VCPU_OP, [OP.initialise, 1n, 0xfff00000n]), E(XenErrno.EFAULT));
      const seen: number[] = [];
      setPvInitialiseVcpu((_hv, v, ctxt) => { seen.push(v.id, ctxt.layout.size); return 0; });
      try {
        assert.equal(pvcall(m, VCPU_OP, [OP.initialise, 1n, BigInt(ARGS)]), 0n);
        assert.deepEqual(seen, [1, bits === 64 ? 5168 : 2800]);
        assert.equal(m.d.vcpus[1].initialised, true);
        assert.equal(pvcall(m, VCPU_OP, [OP.initialise, 1n, BigInt(ARGS)]), E(XenErrno.EEXIST));
      } finally {
        setPvInitialiseVcpu(undefined);
      }
    }
  });

  it('down: another vCPU goes down; the last one powers the domain off from 4.11', () => {
    const m = makeHvm();
    poke(m, AP_CODE, [0xeb, 0xfe]); // jmp $: the AP stays online
    flat32(m);
    call(m, OP.initialise, 1);
    call(m, OP.up, 1);
    assert.equal(call(m, OP.down, 1), 0n);
    assert.equal(m.d.vcpus[1].down, true);
    assert.equal(m.d.vcpus[1].runstate, 3);
    assert.deepEqual(eventsOf(m, 'vcpu-down').map((e) => e.name), ['vcpu1']);
    assert.equal(call(m, OP.is_up, 1), 0n);
    const { stop } = hcall(m, VCPU_OP, [OP.down, 0n, 0n]);
    assert.equal(stop.kind, 'shutdown');
    assert.equal(m.d.shutdown?.reason, 'poweroff');
    // 4.8: the last vCPU simply goes down
    const old = makeHvm({ profile: '4.8' });
    const r = hcall(old, VCPU_OP, [OP.down, 0n, 0n]);
    assert.equal(r.ret, 0n);
    assert.equal(old.d.shutdown, null);
    assert.equal(old.d.vcpus[0].down, true);
    assert.equal(r.stop.kind, 'deadlock');
  });

  it('faulting arguments give -EFAULT', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      for (const op of [OP.register_runstate_memory_area, OP.register_vcpu_info, OP.register_vcpu_time_memory_area, OP.set_periodic_timer]) {
        assert.equal(call(m, op, 0, 0x7ff00000n), E(XenErrno.EFAULT), `op ${op}`);
      }
    }
  });

  it('send_nmi: non-NULL arg -EINVAL, else not emulated (-ENOSYS); phys-area ops 4.18+ warn', () => {
    const pv = makePv(64);
    assert.equal(pvcall(pv, VCPU_OP, [OP.send_nmi, 0n, 8n]), E(XenErrno.EINVAL));
    assert.equal(pvcall(pv, VCPU_OP, [OP.send_nmi, 0n, 0n]), E(XenErrno.ENOSYS));
    assert.equal(pvcall(pv, VCPU_OP, [OP.get_physid, 0n, BigInt(ARGS)]), E(XenErrno.EINVAL));
    assert.equal(pvcall(pv, VCPU_OP, [99n, 0n, 0n]), E(XenErrno.ENOSYS));
    const m19 = makeHvm({ profile: '4.19' });
    assert.equal(call(m19, OP.register_runstate_phys_area, 0), E(XenErrno.ENOSYS));
    assert.ok(eventsOf(m19, 'warning').some((e) => /phys_area/.test(e.text ?? '')));
  });
});

/** vcpu_register_vcpu_info {u64 mfn; u32 offset; u32 rsvd} at ARGS. */
function vinfo(m: TestMachine, frame: number, offset: number): void {
  wr64(m, ARGS, BigInt(frame)); wr32(m, ARGS + 8, offset); wr32(m, ARGS + 12, 0);
}

describe('vcpu_op register_vcpu_info', () => {
  it('moves vcpu_info (HVM GFN): contents copied, pending_sel all ones, upcall pending, time refreshed', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      const v = m.v;
      const old = v.vcpuInfoAddr!;
      m.d.mem.write8(old + 1, 0); // unmask
      vinfo(m, 0x40, 0x80);
      assert.equal(call(m, OP.register_vcpu_info, 0), 0n);
      assert.equal(v.vcpuInfoAddr, 0x40080);
      assert.equal(v.vcpuInfoRegistered, true);
      assert.equal(m.d.mem.read8(0x40080), 1, 'evtchn_upcall_pending');
      assert.equal(m.d.mem.read8(0x40081), 0, 'mask copied');
      assert.equal(rd64(m, 0x40088), 0xffffffffffffffffn, 'evtchn_pending_sel (64-bit shared_info format)');
      assert.ok(rd32(m, 0x40080 + 32) % 2 === 0 && rd32(m, 0x40080 + 32) > 0, 'time version bumped and even');
      assert.equal(call(m, OP.register_vcpu_info, 0), E(XenErrno.EINVAL), '4.17: second registration');
    }
  });

  it('offset checks per profile: 4.17 -ENXIO (crossing, misaligned), 4.8 -EINVAL and no alignment rule', () => {
    const m = makeHvm();
    vinfo(m, 0x40, 4096 - 32);
    assert.equal(call(m, OP.register_vcpu_info, 0), E(XenErrno.ENXIO));
    vinfo(m, 0x40, 4);
    assert.equal(call(m, OP.register_vcpu_info, 0), E(XenErrno.ENXIO));
    vinfo(m, 0x7fffff, 0);
    assert.equal(call(m, OP.register_vcpu_info, 0), E(XenErrno.EINVAL), 'a frame that is not RAM');
    // 32-bit shared_info format: 4-byte alignment is enough
    m.d.sharedInfoAbi = 'x86_32';
    vinfo(m, 0x40, 4);
    assert.equal(call(m, OP.register_vcpu_info, 0), 0n);
    const old = makeHvm({ profile: '4.8' });
    vinfo(old, 0x40, 4096 - 32);
    assert.equal(call(old, OP.register_vcpu_info, 0), E(XenErrno.EINVAL));
    vinfo(old, 0x40, 4);
    assert.equal(call(old, OP.register_vcpu_info, 0), 0n);
  });

  it('4.17 needs the target to be the caller or offline; 4.19: -EBUSY, -EINVAL beyond the frame, -ENXIO crossing', () => {
    const m = makeHvm();
    poke(m, AP_CODE, [0xeb, 0xfe]); // jmp $: the AP stays online
    flat32(m);
    call(m, OP.initialise, 1);
    call(m, OP.up, 1);
    vinfo(m, 0x41, 0);
    assert.equal(call(m, OP.register_vcpu_info, 1), E(XenErrno.EINVAL));
    call(m, OP.down, 1);
    assert.equal(call(m, OP.register_vcpu_info, 1), 0n);
    const m19 = makeHvm({ profile: '4.19' });
    vinfo(m19, 0x40, 4096);
    assert.equal(call(m19, OP.register_vcpu_info, 0), E(XenErrno.EINVAL));
    vinfo(m19, 0x40, 4096 - 8);
    assert.equal(call(m19, OP.register_vcpu_info, 0), E(XenErrno.ENXIO));
    vinfo(m19, 0x40, 0);
    assert.equal(call(m19, OP.register_vcpu_info, 1), 0n, 'an online other vCPU is fine on 4.19');
    assert.equal(call(m19, OP.register_vcpu_info, 1), E(XenErrno.EBUSY));
  });

  it('a vCPU on the dummy area gets a zeroed, masked vcpu_info; PV frames are MFNs the domain owns', () => {
    const m = makeHvm({ vcpus: 33 });
    m.d.mem.fill(0x42000, 4096, 0xcc);
    vinfo(m, 0x42, 0x40);
    assert.equal(call(m, OP.register_vcpu_info, 32), 0n);
    assert.equal(m.d.vcpus[32].vcpuInfoAddr, 0x42040);
    assert.equal(m.d.mem.read8(0x42041), 1, 'masked');
    assert.equal(m.d.mem.read8(0x42040), 1, 'pending');
    assert.equal(rd32(m, 0x42040 + 16), 0, 'arch zeroed');
    for (const bits of [64, 32] as const) {
      const pv = makePv(bits);
      vinfo(pv, 3, 0); // a Xen frame
      assert.equal(pvcall(pv, VCPU_OP, [OP.register_vcpu_info, 0n, BigInt(ARGS)]), E(XenErrno.EINVAL));
      vinfo(pv, 20, 0x100);
      assert.equal(pvcall(pv, VCPU_OP, [OP.register_vcpu_info, 0n, BigInt(ARGS)]), 0n);
      assert.equal(pv.v.vcpuInfoAddr, 20 * 4096 + 0x100);
      if (bits === 32) assert.equal(pv.d.mem.read32(20 * 4096 + 0x104), 0xffffffff, '32-bit pending_sel');
    }
    // With the PV builder's bookkeeping: a frame in use as a page table is refused (get_page_type writable)
    const pv = makePv(64);
    const s = new PvDomainState({
      bits: 64, xenFrames: PV_XEN_FRAMES, totalFrames: 1024, sharedInfoMfn: 0, zeroMfn: 1, xenGdtMfn: 2, m2pMfn: 3,
      m2pFrames: 1, m2pL1Mfns: [], m2pL2Mfn: 4, m2pL3Mfn: 5, gdtL1Mfns: [], perdomL2Mfn: 6, perdomL3Mfn: 7, paeShadowMfns: [],
    });
    s.owner.fill(2, PV_XEN_FRAMES, PV_XEN_FRAMES + 512);
    s.type[30] = 2; s.typeCount[30] = 1;
    setPvDomainState(pv.d, s);
    vinfo(pv, 30, 0);
    assert.equal(pvcall(pv, VCPU_OP, [OP.register_vcpu_info, 1n, BigInt(ARGS)]), E(XenErrno.EINVAL));
    vinfo(pv, 31, 0);
    assert.equal(pvcall(pv, VCPU_OP, [OP.register_vcpu_info, 1n, BigInt(ARGS)]), 0n);
  });
});

describe('vcpu_op runstate, timers and the time area', () => {
  it('register_runstate_memory_area writes at once (caller layout); updateRunstateArea uses the domain format', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      const area = 0x50000;
      wr64(m, ARGS, BigInt(area));
      m.d.mem.fill(area, 64, 0xee);
      assert.equal(call(m, OP.register_runstate_memory_area, 0), 0n);
      assert.equal(m.v.runstateArea, BigInt(area));
      assert.equal(rd32(m, area), 0, 'RUNSTATE_running');
      const size = layoutOf(vcpu_runstate_info, mode === 'long64' ? 'x86_64' : 'x86_32').size;
      assert.equal(m.d.mem.read8(area + size), 0xee, 'nothing beyond the caller-layout struct');
      // the domain's (latched) format decides at context switches
      m.d.sharedInfoAbi = 'x86_32';
      m.d.mem.fill(area, 64, 0xee);
      m.v.setRunstate(1, 5000);
      assert.equal(updateRunstateArea(m.hv, m.v), true);
      assert.equal(rd32(m, area), 1);
      assert.equal(rd64(m, area + 4), 5000n, 'compat state_entry_time at 4');
      assert.equal(m.d.mem.read8(area + 44), 0xee);
    }
  });

  it('get_runstate_info includes the time in the current state; bad pointer → -EFAULT', () => {
    const m = makeHvm({ mode: 'protected32' });
    m.hv.clock.now += 1000;
    assert.equal(call(m, OP.get_runstate_info, 0), 0n);
    assert.equal(rd32(m, ARGS), 0);
    const running = rd64(m, ARGS + 12); // compat time[0]
    assert.ok(running > 0n);
    assert.equal(call(m, OP.get_runstate_info, 1), 0n);
    assert.equal(rd32(m, ARGS), 3, 'vCPU 1 offline');
    assert.equal(call(m, OP.get_runstate_info, 0, 0x7ff00000n), E(XenErrno.EFAULT));
  });

  it('periodic timer: < 1 ms → -EINVAL; set and stop', () => {
    const m = makeHvm();
    wr64(m, ARGS, 999_999n);
    assert.equal(call(m, OP.set_periodic_timer, 0), E(XenErrno.EINVAL));
    wr64(m, ARGS, 1n << 63n);
    assert.equal(call(m, OP.set_periodic_timer, 0), E(XenErrno.EINVAL));
    wr64(m, ARGS, 10_000_000n);
    assert.equal(call(m, OP.set_periodic_timer, 1), 0n);
    assert.equal(m.d.vcpus[1].periodic?.period, 10_000_000);
    assert.equal(call(m, OP.stop_periodic_timer, 1), 0n);
    assert.equal(m.d.vcpus[1].periodic, null);
    assert.equal(call(m, OP.set_periodic_timer, 0, 0x7ff00000n), E(XenErrno.EFAULT));
  });

  it('singleshot timer: own vCPU only, VCPU_SSHOTTMR_future in the past → -ETIME (≤4.17) / fires (4.19)', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      wr64(m, ARGS, 50_000_000n); wr32(m, ARGS + 8, 0);
      assert.equal(call(m, OP.set_singleshot_timer, 1), E(XenErrno.EINVAL));
      assert.equal(call(m, OP.stop_singleshot_timer, 1), E(XenErrno.EINVAL));
      assert.equal(call(m, OP.set_singleshot_timer, 0), 0n);
      // with the vCPU idle, the scheduler skips to the deadline and raises VIRQ_TIMER there
      runWithVcpu0Held(m, 60_000_000);
      assert.deepEqual(eventsOf(m, 'timer').map((e) => [e.vcpu, e.time]), [[0, 50_000_000]]);
      wr64(m, ARGS, 1n); wr32(m, ARGS + 8, 1);
      assert.equal(call(m, OP.set_singleshot_timer, 0), E(XenErrno.ETIME));
      assert.equal(call(m, OP.set_singleshot_timer, 0, 0x7ff00000n), E(XenErrno.EFAULT));
    }
    const pv = makePv(32);
    wr64(pv, ARGS, 70_000_000n); wr32(pv, ARGS + 8, 1);
    assert.equal(pvcall(pv, VCPU_OP, [OP.set_singleshot_timer, 0n, BigInt(ARGS)]), 0n);
    assert.equal(pv.v.singleshot, 70_000_000);
    assert.equal(pvcall(pv, VCPU_OP, [OP.stop_singleshot_timer, 0n, 0n]), 0n);
    assert.equal(pv.v.singleshot, null);
    const m19 = makeHvm({ profile: '4.19' });
    m19.hv.clock.now = 1000;
    wr64(m19, ARGS, 1n); wr32(m19, ARGS + 8, 1);
    assert.equal(call(m19, OP.set_singleshot_timer, 0), 0n);
    assert.equal(eventsOf(m19, 'timer').length, 1, 'VIRQ_TIMER raised at once');
  });

  it('register_vcpu_time_memory_area copies vcpu_time_info now and on updates', () => {
    for (const bits of [64, 32] as const) {
      const m = makePv(bits);
      const area = 0x60000;
      if (bits === 64) wr64(m, ARGS, BigInt(area)); else wr32(m, ARGS, area);
      assert.equal(pvcall(m, VCPU_OP, [OP.register_vcpu_time_memory_area, 0n, BigInt(ARGS)]), 0n);
      const info = m.d.vcpuInfo(0)!;
      assert.equal(rd32(m, area), info.sub('time').getNum('version'));
      m.hv.clock.now += 12345;
      m.hv.updateTimeInfo(m.v);
      updateVcpuTimeArea(m.hv, m.v);
      assert.equal(rd64(m, area + 16), BigInt(m.hv.clock.now), 'system_time');
    }
  });
});

/**
 * hvm_op (34): HVM params with the guest access rules and the shared_info format latch, the per-vCPU upcall
 * vector, get_time, flush_tlbs, pagetable_dying and the op-number decoding of each profile, from HVM callers in
 * 64-bit and 32-bit mode and from PV domains.
 */
import * as assert from 'node:assert/strict';
import { XenErrno } from '../../../emulator/xen/errno';
import { ARGS, TestMachine, eventsOf, hcall, makeHvm, makePv, pvcall, rd64, wr32, wr64 } from './hvm-harness';

const HVM_OP = 34;
const E = (n: number): bigint => BigInt(-n);
const DOMID_SELF = 0x7ff0;
const P = { CALLBACK_IRQ: 0, STORE_PFN: 1, STORE_EVTCHN: 2, PAE_ENABLED: 4, IOREQ_PFN: 5, CONSOLE_PFN: 17, CONSOLE_EVTCHN: 18, X87_FIP_WIDTH: 36, VM86_TSS_SIZED: 37, ALTP2M: 35 };

/** xen_hvm_param {u16 domid; u16 pad; u32 index; u64 value} (same layout for both ABIs). */
function param(m: TestMachine, index: number, value = 0n, domid = DOMID_SELF): void {
  m.d.mem.write16(ARGS, domid); m.d.mem.write16(ARGS + 2, 0); wr32(m, ARGS + 4, index); wr64(m, ARGS + 8, value);
}
const set = (m: TestMachine, index: number, value: bigint, domid = DOMID_SELF): bigint => {
  param(m, index, value, domid);
  return hcall(m, HVM_OP, [0n, BigInt(ARGS)]).ret;
};
const get = (m: TestMachine, index: number, domid = DOMID_SELF): bigint => {
  param(m, index, 0xdeadn, domid);
  return hcall(m, HVM_OP, [1n, BigInt(ARGS)]).ret;
};

describe('hvm_op set_param / get_param', () => {
  it('HVM_PARAM_CALLBACK_IRQ latches the shared_info format from the caller\'s mode', () => {
    const m32 = makeHvm({ mode: 'protected32' });
    assert.equal(m32.d.sharedInfoAbi, 'x86_64');
    const cb = (2n << 56n) | 0xf3n;
    assert.equal(set(m32, P.CALLBACK_IRQ, cb), 0n);
    assert.equal(m32.d.sharedInfoAbi, 'x86_32');
    assert.equal(m32.d.hvmParams.get(0), cb);
    assert.equal(get(m32, P.CALLBACK_IRQ), 0n);
    assert.equal(rd64(m32, ARGS + 8), cb);
    const r = eventsOf(m32, 'hypercall-return', 'hvm_op').at(-1)!;
    assert.equal(r.subop, 'HVMOP_get_param');
    assert.equal(r.args?.index, 'HVM_PARAM_CALLBACK_IRQ');
    const m64 = makeHvm({ mode: 'long64' });
    m64.d.sharedInfoAbi = 'x86_32';
    assert.equal(set(m64, P.CALLBACK_IRQ, cb), 0n);
    assert.equal(m64.d.sharedInfoAbi, 'x86_64');
  });

  it('setting a vector callback delivers an upcall that is already pending', () => {
    const m = makeHvm();
    m.d.vcpuInfo(0)!.set('evtchn_upcall_pending', 1);
    param(m, P.CALLBACK_IRQ, (2n << 56n) | 0xf3n);
    // Stop at the upcall: this vCPU runs with IF=0 and no IDT, so it could not take it anyway.
    m.hv.trace.subscribe((e) => { if (e.kind === 'upcall') m.hv.pause(); });
    assert.equal(hcall(m, HVM_OP, [0n, BigInt(ARGS)], m.v, 50).stop.kind, 'paused');
    const up = eventsOf(m, 'upcall');
    assert.ok(up.length >= 1);
    assert.equal(up[0].args?.vector, '0xf3');
  });

  it('guest-readable params come from the builder; the rest is -EPERM; bad index -EINVAL', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      m.d.hvmParams.set(P.STORE_PFN, 0xfeffcn);
      m.d.hvmParams.set(P.STORE_EVTCHN, 3n);
      m.d.hvmParams.set(P.CONSOLE_PFN, 0xfeffdn);
      m.d.hvmParams.set(P.CONSOLE_EVTCHN, 2n);
      for (const [i, want] of [[P.STORE_PFN, 0xfeffcn], [P.STORE_EVTCHN, 3n], [P.CONSOLE_PFN, 0xfeffdn], [P.CONSOLE_EVTCHN, 2n], [P.ALTP2M, 0n]] as const) {
        assert.equal(get(m, i), 0n);
        assert.equal(rd64(m, ARGS + 8), want);
      }
      assert.equal(get(m, P.IOREQ_PFN), E(XenErrno.EPERM));
      assert.equal(set(m, P.STORE_PFN, 5n), E(XenErrno.EPERM));
      assert.equal(set(m, P.PAE_ENABLED, 1n), E(XenErrno.EPERM));
      assert.equal(set(m, P.ALTP2M, 1n), E(XenErrno.EPERM));
      assert.equal(set(m, P.STORE_EVTCHN, 7n), 0n);
      assert.equal(m.d.hvmParams.get(P.STORE_EVTCHN), 7n);
      assert.equal(get(m, 39), E(XenErrno.EINVAL));
      assert.equal(set(m, 1000, 0n), E(XenErrno.EINVAL));
      assert.equal(set(m, P.X87_FIP_WIDTH, 3n), E(XenErrno.EINVAL));
      assert.equal(set(m, P.X87_FIP_WIDTH, 8n), 0n);
      assert.equal(get(m, P.X87_FIP_WIDTH), 0n);
      assert.equal(rd64(m, ARGS + 8), 8n);
      assert.equal(hcall(m, HVM_OP, [1n, 0x7ff00000n]).ret, E(XenErrno.EFAULT));
    }
  });

  it('domains: own id works, another one -EPERM (XSM_TARGET), a missing one -ESRCH; PV target -EINVAL', () => {
    const m = makeHvm();
    makeHvm({ hv: m.hv, domid: 2 }).d.paused = true;
    assert.equal(get(m, P.STORE_EVTCHN, 1), 0n);
    assert.equal(get(m, P.STORE_EVTCHN, 2), E(XenErrno.EPERM));
    assert.equal(get(m, P.STORE_EVTCHN, 5), E(XenErrno.ESRCH));
    const pv = makePv(64);
    param(pv, P.STORE_EVTCHN);
    assert.equal(pvcall(pv, HVM_OP, [1n, BigInt(ARGS)]), E(XenErrno.EINVAL));
  });

  it('an undersized HVM_PARAM_VM86_TSS_SIZED crashes the guest that set it', () => {
    const m = makeHvm();
    assert.equal(set(m, P.VM86_TSS_SIZED, (50n << 32n) | 0x1000n), E(XenErrno.EINVAL));
    assert.equal(m.d.shutdown?.reason, 'crash');
    assert.equal(m.d.hvmParams.has(P.VM86_TSS_SIZED), false);
    const ok = makeHvm();
    assert.equal(set(ok, P.VM86_TSS_SIZED, (104n << 32n) | 0x1000n), 0n);
  });
});

describe('hvm_op set_evtchn_upcall_vector, get_time, flush_tlbs, pagetable_dying, decoding', () => {
  it('set_evtchn_upcall_vector: vector ≥ 0x10, vCPU must exist; 4.5 has no such op; PV -EINVAL', () => {
    for (const mode of ['long64', 'protected32'] as const) {
      const m = makeHvm({ mode });
      wr32(m, ARGS, 1); m.d.mem.write8(ARGS + 4, 0x0f);
      assert.equal(hcall(m, HVM_OP, [23n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
      m.d.mem.write8(ARGS + 4, 0xe0);
      assert.equal(hcall(m, HVM_OP, [23n, BigInt(ARGS)]).ret, 0n);
      assert.equal(m.d.vcpus[1].upcallVector, 0xe0);
      wr32(m, ARGS, 7);
      assert.equal(hcall(m, HVM_OP, [23n, BigInt(ARGS)]).ret, E(XenErrno.ENOENT));
      assert.equal(hcall(m, HVM_OP, [23n, 0x7ff00000n]).ret, E(XenErrno.EFAULT));
    }
    const old = makeHvm({ profile: '4.5' });
    assert.equal(hcall(old, HVM_OP, [23n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    const pv = makePv(32);
    assert.equal(pvcall(pv, HVM_OP, [23n, BigInt(ARGS)]), E(XenErrno.EINVAL));
  });

  it('get_time returns the system time; flush_tlbs needs a NULL arg (-EINVAL 4.8+, -ENOSYS before)', () => {
    const m = makeHvm();
    m.hv.clock.now = 123_456_789;
    assert.equal(hcall(m, HVM_OP, [10n, BigInt(ARGS)]).ret, 0n);
    assert.equal(rd64(m, ARGS), 123_456_789n);
    assert.equal(hcall(m, HVM_OP, [5n, 0n]).ret, 0n);
    assert.equal(hcall(m, HVM_OP, [5n, BigInt(ARGS)]).ret, E(XenErrno.EINVAL));
    assert.equal(hcall(makeHvm({ profile: '4.5' }), HVM_OP, [5n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    const pv = makePv(64);
    assert.equal(pvcall(pv, HVM_OP, [5n, 0n]), E(XenErrno.EINVAL));
    assert.equal(pvcall(pv, HVM_OP, [10n, BigInt(ARGS)]), 0n);
  });

  it('pagetable_dying: -EINVAL under HAP, -EOPNOTSUPP for another domain, -ESRCH for a missing one', () => {
    const m = makeHvm();
    makeHvm({ hv: m.hv, domid: 2 }).d.paused = true;
    for (const [domid, want] of [[DOMID_SELF, XenErrno.EINVAL], [2, XenErrno.EOPNOTSUPP], [9, XenErrno.ESRCH]]) {
      m.d.mem.write16(ARGS, domid);
      assert.equal(hcall(m, HVM_OP, [9n, BigInt(ARGS)]).ret, E(want));
    }
    for (const op of [0n, 9n, 10n]) assert.equal(hcall(m, HVM_OP, [op, 0x7ff00000n]).ret, E(XenErrno.EFAULT), `op ${op}`);
    assert.equal(hcall(makeHvm({ profile: '4.8' }), HVM_OP, [7n, 0x7ff00000n]).ret, E(XenErrno.EFAULT));
  });

  it('op decoding: high bits → -ENOSYS; 4.8 masks modified_memory/set_mem_type (dm ops: -EPERM/-ESRCH)', () => {
    const m = makeHvm();
    param(m, P.STORE_EVTCHN);
    assert.equal(hcall(m, HVM_OP, [0x101n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.equal(hcall(m, HVM_OP, [0x107n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.equal(hcall(m, HVM_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS), 'moved to dm_op in 4.9');
    assert.equal(hcall(m, HVM_OP, [99n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.equal(hcall(m, HVM_OP, [11n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.ok(eventsOf(m, 'warning').some((e) => /HVMOP_xentrace/.test(e.text ?? '')));
    const m48 = makeHvm({ profile: '4.8' });
    m48.d.mem.write16(ARGS, DOMID_SELF);
    assert.equal(hcall(m48, HVM_OP, [0x107n, BigInt(ARGS)]).ret, E(XenErrno.EPERM));
    assert.equal(eventsOf(m48, 'hypercall-return', 'hvm_op').at(-1)?.subop, 'HVMOP_modified_memory');
    assert.equal(hcall(m48, HVM_OP, [0x101n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    m48.d.mem.write16(ARGS, 9);
    assert.equal(hcall(m48, HVM_OP, [8n, BigInt(ARGS)]).ret, E(XenErrno.ESRCH));
    // 4.4 uses the whole op: 0x107 is unknown
    const m44 = makeHvm({ profile: '4.4' });
    m44.d.mem.write16(ARGS, DOMID_SELF);
    assert.equal(hcall(m44, HVM_OP, [0x107n, BigInt(ARGS)]).ret, E(XenErrno.ENOSYS));
    assert.equal(hcall(m44, HVM_OP, [7n, BigInt(ARGS)]).ret, E(XenErrno.EPERM));
  });
});

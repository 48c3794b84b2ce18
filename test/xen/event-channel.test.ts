/**
 * Event channel core (2-level) against a fake guest memory buffer laid out by abi/layout.ts, for both ABIs.
 * Expected behaviour follows xen/common/event_channel.c and event_2l.c (fact sheet §5.3).
 */
import * as assert from 'node:assert/strict';
import { ABIS, Abi, StructView, layoutOf } from '../../emulator/xen/abi/layout';
import { evtchn_status, shared_info, vcpu_info } from '../../emulator/xen/abi/structs';
import { XenErrno } from '../../emulator/xen/errno';
import { getProfile } from '../../emulator/xen/profiles';
import {
  DOMID_SELF, DataViewEvtchnMemory, EVTCHNSTAT, EVTCHNS_PER_BUCKET, EventChannelSystem, EvtchnDomain,
  EvtchnDomainOptions, VIRQ, writeEvtchnStatus,
} from '../../emulator/xen/event-channel';

const PAGE = 4096;

interface Guest {
  d: EvtchnDomain;
  mem: DataViewEvtchnMemory;
  si: StructView;
  upcalls: number[];
}

function guest(sys: EventChannelSystem, abi: Abi, opts: Partial<EvtchnDomainOptions> = {}): Guest {
  // Page 0: shared_info; page 1: room for registered vcpu_info structs.
  const view = new DataView(new ArrayBuffer(2 * PAGE));
  const mem = new DataViewEvtchnMemory(view, abi, 0);
  const upcalls: number[] = [];
  const d = sys.createDomain({ domid: 1, nrVcpus: 4, memory: mem, upcall: (v) => upcalls.push(v), ...opts });
  return { d, mem, si: StructView.of(shared_info, abi, view, 0), upcalls };
}

const bpw = (abi: Abi): number => (abi === 'x86_64' ? 64 : 32);

/** Bit `bit` of the xen_ulong_t array field `path` of shared_info, read through the layout. */
function siBit(g: Guest, path: 'evtchn_pending' | 'evtchn_mask', bit: number): boolean {
  const w = bpw(g.mem.abi);
  return ((g.si.getBig(path, Math.floor(bit / w)) >> BigInt(bit % w)) & 1n) === 1n;
}

function setMask(g: Guest, port: number, on: boolean): void {
  const w = bpw(g.mem.abi);
  const idx = Math.floor(port / w);
  const bit = 1n << BigInt(port % w);
  const old = g.si.getBig('evtchn_mask', idx);
  g.si.set('evtchn_mask', on ? old | bit : old & ~bit, idx);
}

const vi = (g: Guest, vcpu: number): StructView => g.si.sub('vcpu_info', vcpu);
const sel = (g: Guest, vcpu: number): bigint => vi(g, vcpu).getBig('evtchn_pending_sel');
const upcallPending = (g: Guest, vcpu: number): number => vi(g, vcpu).getNum('evtchn_upcall_pending');

for (const abi of ABIS) {
  describe(`event channels, 2-level (${abi})`, () => {
    let sys: EventChannelSystem;
    let g: Guest;
    beforeEach(() => {
      sys = new EventChannelSystem();
      g = guest(sys, abi);
    });

    it('reserves port 0 and hands out the lowest free port', () => {
      assert.equal(g.d.portInfo(0)?.state, 'reserved');
      assert.equal(g.d.close(0), -XenErrno.EINVAL);
      assert.deepEqual(g.d.status(DOMID_SELF, 0), { rc: 0, info: { status: EVTCHNSTAT.closed, vcpu: 0 } });
      assert.equal(g.d.allocUnbound(DOMID_SELF, DOMID_SELF), 1);
      assert.equal(g.d.bindIpi(0), 2);
      assert.equal(g.d.allocUnbound(DOMID_SELF, 0), 3);
      assert.equal(g.d.close(2), 0);
      assert.equal(g.d.bindIpi(1), 2, 'freed port is reused first');
    });

    it('alloc_unbound: DOMID_SELF, own id, ESRCH, EPERM and privileged callers', () => {
      const p = g.d.allocUnbound(1, DOMID_SELF);
      assert.deepEqual(g.d.status(DOMID_SELF, p).info, { status: EVTCHNSTAT.unbound, vcpu: 0, unboundDom: 1 });
      assert.equal(g.d.allocUnbound(9, 0), -XenErrno.ESRCH);
      const other = guest(sys, abi, { domid: 2 });
      assert.equal(g.d.allocUnbound(2, 1), -XenErrno.EPERM);
      assert.deepEqual(other.d.ports().map((x) => x.state), ['reserved'], 'no port leaked on EPERM');
      const dom0 = guest(sys, abi, { domid: 0, privileged: true });
      assert.equal(dom0.d.allocUnbound(2, 1), 1);
      assert.equal(other.d.portInfo(1)?.remoteDom, 1);
      assert.equal(g.d.status(2, 1).rc, -XenErrno.EPERM);
      assert.equal(dom0.d.status(2, 1).info?.status, EVTCHNSTAT.unbound);
    });

    it('bind_interdomain loopback: both ends interdomain, new local port pending, upcall once', () => {
      const a = g.d.allocUnbound(DOMID_SELF, DOMID_SELF);
      const b = g.d.bindInterdomain(DOMID_SELF, a);
      assert.equal(b, 2);
      assert.deepEqual(g.d.status(DOMID_SELF, a).info, { status: EVTCHNSTAT.interdomain, vcpu: 0, interdomain: { dom: 1, port: b } });
      assert.deepEqual(g.d.status(DOMID_SELF, b).info, { status: EVTCHNSTAT.interdomain, vcpu: 0, interdomain: { dom: 1, port: a } });
      assert.ok(siBit(g, 'evtchn_pending', b));
      assert.ok(!siBit(g, 'evtchn_pending', a));
      assert.deepEqual(g.upcalls, [0]);
      assert.equal(g.d.send(b), 0);
      assert.ok(siBit(g, 'evtchn_pending', a), 'send on b raises a');
      assert.deepEqual(g.upcalls, [0], 'upcall_pending already set: no second kick');
    });

    it('bind_interdomain errors', () => {
      assert.equal(g.d.bindInterdomain(7, 1), -XenErrno.ESRCH);
      assert.equal(g.d.bindInterdomain(DOMID_SELF, 4000), -XenErrno.EINVAL, 'invalid remote port');
      assert.equal(g.d.bindInterdomain(DOMID_SELF, 5), -XenErrno.EINVAL, 'remote port free');
      const notForUs = g.d.allocUnbound(DOMID_SELF, 5);
      assert.equal(g.d.bindInterdomain(DOMID_SELF, notForUs), -XenErrno.EINVAL, 'unbound for another domain');
      const ipi = g.d.bindIpi(0);
      assert.equal(g.d.bindInterdomain(DOMID_SELF, ipi), -XenErrno.EINVAL);
      assert.equal(g.d.portInfo(3)?.state, 'free', 'failed binds leave the candidate port free');
    });

    it('interdomain between two domains: send marks the peer pending; close returns the peer to unbound', () => {
      const h = guest(sys, abi, { domid: 2 });
      const hp = h.d.allocUnbound(DOMID_SELF, 1);
      const gp = g.d.bindInterdomain(2, hp);
      assert.equal(gp, 1);
      g.upcalls.length = 0;
      assert.equal(g.d.send(gp), 0);
      assert.ok(siBit(h, 'evtchn_pending', hp));
      assert.deepEqual(h.upcalls, [0]);
      assert.equal(upcallPending(h, 0), 1);
      assert.equal(h.d.send(hp), 0);
      assert.ok(siBit(g, 'evtchn_pending', gp));

      assert.equal(g.d.close(gp), 0);
      assert.equal(g.d.portInfo(gp)?.state, 'free');
      assert.ok(!siBit(g, 'evtchn_pending', gp), 'close clears pending');
      assert.deepEqual(h.d.status(DOMID_SELF, hp).info, { status: EVTCHNSTAT.unbound, vcpu: 0, unboundDom: 1 });
      assert.ok(siBit(h, 'evtchn_pending', hp), 'peer keeps its pending bit');
      assert.equal(h.d.send(hp), 0, 'send on unbound is dropped silently');
      assert.equal(g.d.close(gp), -XenErrno.EINVAL, 'double close');
      assert.equal(g.d.bindInterdomain(2, hp), gp, 'peer can be bound again');
    });

    it('bind_virq: per-vCPU vs global, EEXIST, EINVAL, ENOENT, EBUSY, close and re-bind', () => {
      const t0 = g.d.bindVirq(VIRQ.TIMER, 0);
      const t1 = g.d.bindVirq(VIRQ.TIMER, 1);
      assert.deepEqual([t0, t1], [1, 2]);
      assert.deepEqual(g.d.status(DOMID_SELF, t1).info, { status: EVTCHNSTAT.virq, vcpu: 1, virq: VIRQ.TIMER });
      assert.equal(g.d.bindVirq(VIRQ.TIMER, 1), -XenErrno.EEXIST);
      assert.equal(g.d.bindVirq(VIRQ.CONSOLE, 1), -XenErrno.EINVAL, 'global VIRQ must use vCPU 0');
      assert.equal(g.d.bindVirq(24, 0), -XenErrno.EINVAL);
      assert.equal(g.d.bindVirq(-1, 0), -XenErrno.EINVAL);
      assert.equal(g.d.bindVirq(VIRQ.DEBUG, 4), -XenErrno.ENOENT);
      assert.equal(g.d.bindVirq(VIRQ.CONSOLE, 9), -XenErrno.EINVAL, 'global check precedes vCPU check');
      const c = g.d.bindVirq(VIRQ.CONSOLE, 0);
      assert.equal(g.d.bindVirq(VIRQ.CONSOLE, 0), -XenErrno.EEXIST);
      sys.globalVirqOwner = () => 0;
      assert.equal(g.d.bindVirq(VIRQ.DOM_EXC, 0), -XenErrno.EBUSY);
      assert.equal(g.d.bindVirq(VIRQ.XENOPROF, 3), 4, 'per-vCPU VIRQs are not owned');
      sys.globalVirqOwner = undefined;

      assert.equal(g.d.send(t0), -XenErrno.EINVAL, 'send on a VIRQ port');
      assert.ok(g.d.raiseVirq(VIRQ.TIMER, 1));
      assert.ok(siBit(g, 'evtchn_pending', t1));
      assert.deepEqual(g.upcalls, [1]);
      assert.ok(!g.d.raiseVirq(VIRQ.DEBUG, 2), 'unbound VIRQ');

      assert.equal(g.d.close(t1), 0);
      assert.equal(g.d.virqPort(VIRQ.TIMER, 1), 0);
      assert.equal(g.d.bindVirq(VIRQ.TIMER, 1), t1);
      assert.equal(g.d.close(c), 0);
      assert.equal(g.d.bindVirq(VIRQ.CONSOLE, 0), c);
    });

    it('bind_ipi and send: delivery to the bound vCPU, ENOENT, EINVAL paths', () => {
      assert.equal(g.d.bindIpi(4), -XenErrno.ENOENT);
      assert.equal(g.d.bindIpi(-1), -XenErrno.ENOENT);
      const p = g.d.bindIpi(2);
      assert.deepEqual(g.d.status(DOMID_SELF, p).info, { status: EVTCHNSTAT.ipi, vcpu: 2 });
      assert.equal(g.d.send(p), 0);
      assert.ok(siBit(g, 'evtchn_pending', p));
      assert.equal(sel(g, 2), 1n);
      assert.equal(upcallPending(g, 2), 1);
      assert.equal(sel(g, 0), 0n);
      assert.deepEqual(g.upcalls, [2]);
      assert.equal(g.d.send(p), 0, 'already pending: nothing more');
      assert.deepEqual(g.upcalls, [2]);

      assert.equal(g.d.send(0), -XenErrno.EINVAL, 'reserved port');
      assert.equal(g.d.send(5), -XenErrno.EINVAL, 'free port');
      assert.equal(g.d.send(100000), -XenErrno.EINVAL, 'beyond the table');
      assert.equal(g.d.send(-1), -XenErrno.EINVAL);
      const u = g.d.allocUnbound(DOMID_SELF, 0);
      assert.equal(g.d.send(u), 0);
      assert.ok(!siBit(g, 'evtchn_pending', u), 'unbound: dropped');
    });

    it('selector bit index follows the guest word size', () => {
      // Bind enough IPIs on vCPU 1 to reach port 70.
      let p = 0;
      while (p < 70) p = g.d.bindIpi(1);
      assert.equal(p, 70);
      g.d.send(70);
      const w = bpw(abi);
      assert.equal(sel(g, 1), 1n << BigInt(Math.floor(70 / w)), abi === 'x86_64' ? 'word 1' : 'word 2');
      assert.ok(siBit(g, 'evtchn_pending', 70));
      // Raw byte check: pending bit 70 is byte 8 bit 6 of the bitmap on both ABIs (little-endian words).
      const pendOff = layoutOf(shared_info, abi).fields.get('evtchn_pending')!.offset;
      assert.equal(g.mem.view.getUint8(pendOff + 8), 1 << 6);
      // A port in the same word does not kick again; a port in another word sets another selector bit.
      g.upcalls.length = 0;
      g.d.send(69);
      assert.deepEqual(g.upcalls, []);
      g.d.send(3);
      assert.equal(sel(g, 1), (1n << BigInt(Math.floor(70 / w))) | 1n);
      assert.deepEqual(g.upcalls, [], 'evtchn_upcall_pending still set');
    });

    it('masked port: pending recorded without notification; unmask notifies', () => {
      const p = g.d.bindIpi(1);
      setMask(g, p, true);
      assert.ok(g.d.isMasked(p));
      g.d.send(p);
      assert.ok(siBit(g, 'evtchn_pending', p));
      assert.equal(sel(g, 1), 0n);
      assert.equal(upcallPending(g, 1), 0);
      assert.deepEqual(g.upcalls, []);
      assert.equal(g.d.unmask(p), 0);
      assert.ok(!siBit(g, 'evtchn_mask', p));
      assert.equal(sel(g, 1), 1n);
      assert.equal(upcallPending(g, 1), 1);
      assert.deepEqual(g.upcalls, [1]);
      // Unmask of an unmasked port does nothing, even if pending and the guest cleared sel/upcall.
      vi(g, 1).set('evtchn_pending_sel', 0);
      vi(g, 1).set('evtchn_upcall_pending', 0);
      assert.equal(g.d.unmask(p), 0);
      assert.equal(sel(g, 1), 0n);
      assert.deepEqual(g.upcalls, [1]);
      // Masked and not pending: unmask just clears the mask.
      const q = g.d.bindIpi(1);
      setMask(g, q, true);
      assert.equal(g.d.unmask(q), 0);
      assert.ok(!siBit(g, 'evtchn_mask', q));
      assert.equal(sel(g, 1), 0n);
      assert.equal(g.d.unmask(99999), -XenErrno.EINVAL);
      assert.equal(g.d.unmask(-1), -XenErrno.EINVAL);
    });

    it('masked then unmasked at a high port uses the right selector word', () => {
      let p = 0;
      while (p < 40) p = g.d.allocUnbound(DOMID_SELF, DOMID_SELF);
      const local = g.d.bindInterdomain(DOMID_SELF, 40); // local port 41 pending immediately
      assert.equal(local, 41);
      setMask(g, 40, true);
      g.d.send(local); // raises 40, masked
      assert.ok(siBit(g, 'evtchn_pending', 40));
      vi(g, 0).set('evtchn_pending_sel', 0);
      vi(g, 0).set('evtchn_upcall_pending', 0);
      g.upcalls.length = 0;
      g.d.unmask(40);
      assert.equal(sel(g, 0), 1n << BigInt(Math.floor(40 / bpw(abi))));
      assert.deepEqual(g.upcalls, [0]);
    });

    it('port limits: BITS_PER_XEN_ULONG squared, max_evtchn_port, bucket validity', () => {
      const limit = abi === 'x86_64' ? 4096 : 1024;
      assert.equal(g.d.maxPorts, limit);
      assert.equal(g.d.status(DOMID_SELF, EVTCHNS_PER_BUCKET - 1).info?.status, EVTCHNSTAT.closed, 'free port in bucket');
      assert.equal(g.d.status(DOMID_SELF, EVTCHNS_PER_BUCKET).rc, -XenErrno.EINVAL, 'beyond allocated buckets');
      let last = 0;
      for (;;) {
        const p = g.d.allocUnbound(DOMID_SELF, 0);
        if (p < 0) {
          assert.equal(p, -XenErrno.ENOSPC);
          break;
        }
        assert.equal(p, last + 1);
        last = p;
      }
      assert.equal(last, limit - 1);
      assert.equal(g.d.bindIpi(0), -XenErrno.ENOSPC);
      assert.equal(g.d.bindVirq(VIRQ.TIMER, 0), -XenErrno.ENOSPC);
      assert.equal(g.d.bindInterdomain(DOMID_SELF, 1), -XenErrno.ENOSPC);
      g.d.close(limit - 1);
      g.d.send(limit - 1);
      assert.equal(g.d.bindIpi(3), limit - 1);
      assert.equal(g.d.send(limit - 1), 0);
      assert.ok(siBit(g, 'evtchn_pending', limit - 1));
      assert.equal(sel(g, 3), 1n << BigInt(bpw(abi) - 1), 'last port → top selector bit');

      const s2 = new EventChannelSystem();
      const small = guest(s2, abi, { maxEvtchnPort: 70 });
      let n = 0;
      while (small.d.bindIpi(0) > 0) n++;
      assert.equal(n, 70);
    });

    it('bind_vcpu moves delivery; non-rebindable types are EINVAL', () => {
      const a = g.d.allocUnbound(DOMID_SELF, DOMID_SELF);
      const b = g.d.bindInterdomain(DOMID_SELF, a);
      assert.equal(g.d.bindVcpu(a, 3), 0);
      assert.equal(g.d.status(DOMID_SELF, a).info?.vcpu, 3);
      g.upcalls.length = 0;
      g.d.send(b);
      assert.equal(sel(g, 3), 1n);
      assert.equal(upcallPending(g, 3), 1);
      assert.deepEqual(g.upcalls, [3]);

      const u = g.d.allocUnbound(DOMID_SELF, 0);
      assert.equal(g.d.bindVcpu(u, 2), 0);
      const ipi = g.d.bindIpi(0);
      assert.equal(g.d.bindVcpu(ipi, 1), -XenErrno.EINVAL);
      const timer = g.d.bindVirq(VIRQ.TIMER, 0);
      assert.equal(g.d.bindVcpu(timer, 1), -XenErrno.EINVAL);
      const con = g.d.bindVirq(VIRQ.CONSOLE, 0);
      assert.equal(g.d.bindVcpu(con, 2), 0);
      g.d.raiseVirq(VIRQ.CONSOLE);
      assert.equal(sel(g, 2), 1n, 'global VIRQ delivered to its rebound vCPU');
      assert.equal(g.d.close(con), 0);
      assert.equal(g.d.virqPort(VIRQ.CONSOLE, 0), 0, 'global VIRQ mapping lives on vCPU 0');
      assert.equal(g.d.bindVcpu(0, 1), -XenErrno.EINVAL, 'reserved');
      assert.equal(g.d.bindVcpu(30, 1), -XenErrno.EINVAL, 'free');
      assert.equal(g.d.bindVcpu(9999, 1), -XenErrno.EINVAL, 'invalid port');
      assert.equal(g.d.bindVcpu(9999, 4), -XenErrno.ENOENT, 'vCPU checked first');
    });

    it('status: ESRCH, EINVAL; writeEvtchnStatus fills struct evtchn_status', () => {
      assert.equal(g.d.status(42, 1).rc, -XenErrno.ESRCH);
      assert.equal(g.d.status(DOMID_SELF, -1).rc, -XenErrno.EINVAL);
      const a = g.d.allocUnbound(DOMID_SELF, DOMID_SELF);
      const b = g.d.bindInterdomain(DOMID_SELF, a);
      const v = StructView.of(evtchn_status, abi, new DataView(new ArrayBuffer(64)));
      writeEvtchnStatus(v, g.d.status(DOMID_SELF, b).info!);
      assert.equal(v.getNum('status'), EVTCHNSTAT.interdomain);
      assert.equal(v.getNum('u.interdomain.dom'), 1);
      assert.equal(v.getNum('u.interdomain.port'), a);
      const t = g.d.bindVirq(VIRQ.TIMER, 2);
      writeEvtchnStatus(v, g.d.status(DOMID_SELF, t).info!);
      assert.deepEqual([v.getNum('status'), v.getNum('vcpu'), v.getNum('u.virq')], [EVTCHNSTAT.virq, 2, VIRQ.TIMER]);
    });

    it('reset closes every port (peers become unbound); only the own domain', () => {
      const h = guest(sys, abi, { domid: 2 });
      const hp = h.d.allocUnbound(DOMID_SELF, 1);
      g.d.bindInterdomain(2, hp);
      g.d.bindVirq(VIRQ.TIMER, 0);
      g.d.bindIpi(1);
      assert.equal(h.d.reset(1), -XenErrno.EPERM);
      const dom0 = guest(sys, abi, { domid: 0, privileged: true });
      assert.equal(dom0.d.reset(1), -XenErrno.EINVAL);
      assert.equal(g.d.reset(99), -XenErrno.ESRCH);
      assert.equal(g.d.reset(DOMID_SELF), 0);
      assert.deepEqual(g.d.ports().map((x) => x.state), ['reserved']);
      assert.equal(h.d.portInfo(hp)?.state, 'unbound');
      assert.equal(g.d.bindVirq(VIRQ.TIMER, 0), 1);
    });

    it('vCPUs without vcpu_info use a dummy; registered vcpu_info receives the bits', () => {
      const s2 = new EventChannelSystem();
      const big = guest(s2, abi, { nrVcpus: 34 });
      const p = big.d.bindIpi(33);
      assert.equal(big.d.send(p), 0);
      assert.deepEqual(big.upcalls, [33]);
      big.mem.registerVcpuInfo(32, PAGE + 64);
      const q = big.d.bindIpi(32);
      big.d.send(q);
      const reg = StructView.of(vcpu_info, abi, big.mem.view, PAGE + 64);
      assert.equal(reg.getNum('evtchn_upcall_pending'), 1);
      assert.equal(reg.getBig('evtchn_pending_sel'), 1n);
    });
  });
}

describe('event channels: FIFO sub-ops availability', () => {
  const mk = (profile: string, opts: { fifoBuilt?: boolean; flag?: boolean } = {}): EvtchnDomain => {
    const sys = new EventChannelSystem();
    return guest(sys, 'x86_64', {
      profile: getProfile(profile, opts.fifoBuilt === undefined ? {} : { evtchnFifo: opts.fifoBuilt }),
      ...(opts.flag === undefined ? {} : { evtchnFifo: opts.flag }),
    }).d;
  };

  it('available (4.17): argument checks, then not yet emulated', () => {
    const d = mk('4.17');
    assert.equal(d.fifoSupport, 'available');
    assert.deepEqual(d.initControl(0, 0x1000n, 0), { rc: -XenErrno.ENOSYS, linkBits: 17, unimplemented: true });
    assert.equal(d.initControl(4, 0x1000n, 0).rc, -XenErrno.ENOENT);
    assert.equal(d.initControl(0, 0x1000n, 4096 - 64).rc, -XenErrno.EINVAL, 'crosses the page');
    assert.equal(d.initControl(0, 0x1000n, 4).rc, -XenErrno.EINVAL, 'unaligned');
    assert.equal(d.initControl(0, 0x1000n, 4096 - 72).unimplemented, true);
    assert.equal(d.expandArray(0x2000n), -XenErrno.EOPNOTSUPP);
    assert.equal(d.setPriority(1, 3), -XenErrno.ENOSYS, 'reserved port is valid; 2-level has no hook');
    assert.equal(d.setPriority(5000, 3), -XenErrno.EINVAL);
  });

  it('4.4: expand_array without init_control is -ENOSYS', () => {
    assert.equal(mk('4.4').expandArray(0n), -XenErrno.ENOSYS);
  });

  it('4.21 built without CONFIG_EVTCHN_FIFO: -EOPNOTSUPP, set_priority -ENOSYS', () => {
    const d = mk('4.21', { fifoBuilt: false });
    assert.equal(d.fifoSupport, 'compiled-out');
    assert.equal(d.initControl(0, 0n, 0).rc, -XenErrno.EOPNOTSUPP);
    assert.equal(d.expandArray(0n), -XenErrno.EOPNOTSUPP);
    assert.equal(d.setPriority(0, 0), -XenErrno.ENOSYS);
    assert.equal(d.setPriority(9999, 0), -XenErrno.EINVAL);
  });

  it('domain flag evtchnFifo off: -ENOSYS for all three', () => {
    const d = mk('4.17', { flag: false });
    assert.equal(d.fifoSupport, 'unknown-subop');
    assert.equal(d.initControl(0, 0n, 0).rc, -XenErrno.ENOSYS);
    assert.equal(d.expandArray(0n), -XenErrno.ENOSYS);
    assert.equal(d.setPriority(9999, 0), -XenErrno.ENOSYS);
  });
});

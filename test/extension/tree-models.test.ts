/** The Xen views' rows built from realistic custom-request responses (a balloon guest mid-run). */
import * as assert from 'node:assert/strict';
import { domainTree } from '../../extension/core/domain-tree';
import { eventChannelTree } from '../../extension/core/event-channel-tree';
import { hypercallTree } from '../../extension/core/hypercall-tree';
import { CHANNELS, DOMAINS, LOG } from './fixtures';

describe('extension: Xen view models', () => {
  it('Hypercalls: newest first, continuations as children, results and call sites', () => {
    const rows = hypercallTree(LOG);
    assert.deepEqual(rows.map((r) => r.label), [
      'memory_op · XENMEM_decrease_reservation', 'event_channel_op · EVTCHNOP_send', 'xen_version · XENVER_version', '… 3 older calls not kept',
    ]);
    const [balloon, send, version] = rows;
    assert.equal(balloon.description, 'd1v0 · preempted ×2');
    assert.equal(balloon.expanded, true);
    assert.equal(balloon.contextValue, 'xenGuest.hypercall.preempted');
    assert.deepEqual(balloon.children?.map((c) => [c.label, c.description]), [
      ['continuation 1', 'cmd=0x40001 · progress 1024'], ['continuation 2', 'cmd=0x80001 · progress 2048'],
    ]);
    assert.deepEqual(balloon.reveal, { kind: 'address', address: '0xffffffff80002000', threadId: 1 });
    assert.deepEqual(balloon.children?.[0].reveal, balloon.reveal);
    assert.match(balloon.tooltip!, /`nr_extents` = 0x1000/);
    assert.equal(send.description, 'd1v1 · → -22 EINVAL');
    assert.equal(send.icon, 'error');
    assert.equal(send.reveal, undefined);
    assert.equal(version.description, 'd1v0 · → 0x40011');
    assert.deepEqual(version.reveal, { kind: 'source', path: '/ws/sample-guests/hello/hello.c', line: 42 });
    assert.equal(version.children, undefined);
    assert.equal(new Set(rows.flatMap((r) => [r.id, ...(r.children ?? []).map((c) => c.id)])).size, 6, 'ids are unique');
  });

  it('Event Channels: ports per domain in port order, with state, binding, vCPU and flags', () => {
    const [dom] = eventChannelTree(CHANNELS);
    assert.equal(dom.label, 'd1 balloon');
    assert.equal(dom.description, '2-level · 3 ports · 1 pending');
    assert.deepEqual(dom.children?.map((p) => [p.label, p.description, p.contextValue]), [
      ['port 1', 'virq · VIRQ_TIMER · vCPU 0 · masked', 'xenGuest.port'],
      ['port 2', 'closed · vCPU 0', 'xenGuest.port.closed'],
      ['port 3', 'interdomain · remote d0:5 · vCPU 0 · pending', 'xenGuest.port'],
    ]);
    assert.deepEqual(dom.children?.[2].data, { domid: 1, port: 3 });
    assert.equal(dom.children?.[2].icon, 'bell-dot');
  });

  it('Xen Domains: domains with their vCPUs, mode, state and RIP', () => {
    const [d1, d2] = domainTree(DOMAINS);
    assert.equal(d1.description, 'PV64 · Xen 4.17');
    assert.deepEqual(d1.children?.map((v) => [v.label, v.description]), [
      ['d1v0 (PV64)', 'PV64 · stopped · rip 0xffffffff80002010'], ['d1v1 (PV64)', 'PV64 · down'],
    ]);
    assert.deepEqual(d1.children?.[0].data, { domid: 1, threadId: 1 });
    assert.equal(d2.description, 'HVM · Xen 4.8 · shut down: crash');
    assert.equal(d2.icon, 'debug-stop');
  });

  it('empty responses give no rows (the views show their welcome text)', () => {
    assert.deepEqual(hypercallTree({ entries: [], dropped: 0 }), []);
    assert.deepEqual(eventChannelTree({ domains: [] }), []);
    assert.deepEqual(domainTree({ domains: [] }), []);
  });
});

/** Realistic custom-request responses (a balloon guest mid-run) shared by the view-model and activation tests. */
import type { DomainsResponse, EventChannelsResponse, HypercallLogResponse } from '../../debug-adapter/protocol';

export const LOG: HypercallLogResponse = {
  dropped: 3,
  entries: [
    {
      id: 101, domain: 1, vcpu: 0, threadId: 1, nr: 17, name: 'xen_version', subop: 'XENVER_version', args: { cmd: 0, arg: '0x0' },
      site: '0xffffffff80001234', source: { path: '/ws/sample-guests/hello/hello.c', line: 42 }, state: 'returned', ret: 0x40011,
      continuations: [],
    },
    {
      id: 230, domain: 1, vcpu: 0, threadId: 1, nr: 12, name: 'memory_op', subop: 'XENMEM_decrease_reservation',
      args: { cmd: 1, extent_start: '0xffffffff80100000', nr_extents: 4096, extent_order: 0 },
      site: '0xffffffff80002000', state: 'preempted',
      continuations: [{ seq: 240, encoding: 'cmd=0x40001', progress: 1024 }, { seq: 251, encoding: 'cmd=0x80001', progress: 2048 }],
    },
    {
      id: 180, domain: 1, vcpu: 1, threadId: 2, nr: 32, name: 'event_channel_op', subop: 'EVTCHNOP_send', args: { port: 99 },
      state: 'returned', ret: -22, errno: 'EINVAL', continuations: [],
    },
  ],
};

export const CHANNELS: EventChannelsResponse = {
  domains: [{
    domid: 1, name: 'balloon', abi: '2-level', ports: [
      { port: 3, state: 'interdomain', binding: 'remote d0:5', vcpu: 0, pending: true, masked: false },
      { port: 1, state: 'virq', binding: 'VIRQ_TIMER', vcpu: 0, pending: false, masked: true },
      { port: 2, state: 'closed', binding: '', vcpu: 0, pending: false, masked: false },
    ],
  }],
};

export const DOMAINS: DomainsResponse = {
  domains: [{
    domid: 1, name: 'balloon', guestType: 'PV64', xenVersion: '4.17', vcpus: [
      { id: 0, threadId: 1, label: 'd1v0 (PV64)', mode: 'PV64', state: 'stopped', rip: '0xffffffff80002010' },
      { id: 1, threadId: 2, label: 'd1v1 (PV64)', mode: 'PV64', state: 'down', rip: '0x0' },
    ],
  }, { domid: 2, name: 'crashy', guestType: 'HVM', xenVersion: '4.8', shutdown: 'crash', vcpus: [] }],
};

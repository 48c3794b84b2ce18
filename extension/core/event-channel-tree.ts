/** Rows of the Event Channels view from `xen/eventChannels`: one node per domain, its ports as children. */
import type { EventChannelPort, EventChannelsResponse } from '../../debug-adapter/protocol';
import { XenTreeNode } from './tree-node';

function portIcon(p: EventChannelPort): { icon: string; color?: string } {
  if (p.pending && !p.masked) return { icon: 'bell-dot', color: 'debugIcon.pauseForeground' };
  if (p.masked) return { icon: 'bell-slash' };
  if (p.state === 'closed') return { icon: 'circle-slash' };
  return { icon: 'bell' };
}

export function portNode(domid: number, p: EventChannelPort): XenTreeNode {
  const flags = [p.pending ? 'pending' : undefined, p.masked ? 'masked' : undefined].filter(Boolean);
  const look = portIcon(p);
  return {
    id: `d${domid}-port-${p.port}`,
    label: `port ${p.port}`,
    description: [p.state, p.binding, `vCPU ${p.vcpu}`, ...flags].filter((s) => s !== '').join(' · '),
    tooltip: `Domain ${domid} port ${p.port}\n\n- state: ${p.state}\n- binding: ${p.binding || '—'}\n- notify vCPU: ${p.vcpu}`
      + `\n- pending: ${p.pending}\n- masked: ${p.masked}`,
    icon: look.icon,
    iconColor: look.color,
    contextValue: p.state === 'closed' ? 'xenGuest.port.closed' : 'xenGuest.port',
    data: { domid, port: p.port },
  };
}

export function eventChannelTree(resp: EventChannelsResponse): XenTreeNode[] {
  return resp.domains.map((d) => {
    const pending = d.ports.filter((p) => p.pending).length;
    return {
      id: `d${d.domid}`,
      label: `d${d.domid} ${d.name}`,
      description: [`${d.abi}`, `${d.ports.length} port${d.ports.length === 1 ? '' : 's'}`, pending ? `${pending} pending` : undefined]
        .filter(Boolean).join(' · '),
      icon: 'server-process',
      contextValue: 'xenGuest.domain',
      expanded: true,
      children: [...d.ports].sort((a, b) => a.port - b.port).map((p) => portNode(d.domid, p)),
      data: { domid: d.domid },
    };
  });
}

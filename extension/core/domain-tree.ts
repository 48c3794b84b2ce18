/** Rows of the Xen Domains view from `xen/domains`: domains, each with its vCPUs (mode, state, RIP). */
import type { DomainsResponse, VcpuSummary } from '../../debug-adapter/protocol';
import { XenTreeNode } from './tree-node';

const VCPU_ICONS: Record<VcpuSummary['state'], { icon: string; color?: string }> = {
  running: { icon: 'debug-start', color: 'debugIcon.startForeground' },
  runnable: { icon: 'debug-continue' },
  blocked: { icon: 'watch' },
  down: { icon: 'debug-disconnect' },
  stopped: { icon: 'debug-pause', color: 'debugIcon.pauseForeground' },
};

export function vcpuNode(domid: number, v: VcpuSummary): XenTreeNode {
  const look = VCPU_ICONS[v.state] ?? { icon: 'circle-outline' };
  return {
    id: `d${domid}v${v.id}`,
    label: v.label,
    description: [v.mode, v.state, v.state === 'down' ? undefined : `rip ${v.rip}`].filter(Boolean).join(' · '),
    tooltip: `vCPU ${v.id} of domain ${domid} (DAP thread ${v.threadId})\n\n- mode: ${v.mode}\n- state: ${v.state}\n- rip: ${v.rip}`,
    icon: look.icon,
    iconColor: look.color,
    contextValue: `xenGuest.vcpu.${v.state}`,
    data: { domid, threadId: v.threadId },
  };
}

export function domainTree(resp: DomainsResponse): XenTreeNode[] {
  return resp.domains.map((d) => ({
    id: `d${d.domid}`,
    label: `d${d.domid} ${d.name}`,
    description: [d.guestType, `Xen ${d.xenVersion}`, d.shutdown ? `shut down: ${d.shutdown}` : undefined].filter(Boolean).join(' · '),
    tooltip: `Domain ${d.domid} "${d.name}": ${d.guestType} guest, ${d.vcpus.length} vCPU(s), Xen ${d.xenVersion} profile`
      + (d.shutdown ? `, shut down (${d.shutdown})` : ''),
    icon: d.shutdown ? 'debug-stop' : 'server-process',
    contextValue: 'xenGuest.domain',
    expanded: true,
    children: d.vcpus.map((v) => vcpuNode(d.domid, v)),
    data: { domid: d.domid },
  }));
}

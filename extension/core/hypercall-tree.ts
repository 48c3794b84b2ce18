/**
 * Rows of the Hypercalls view from `xen/hypercallLog`: newest call first, each call's continuations as its
 * children, and a row that says how many older calls the adapter's log cap dropped.
 */
import type { HypercallLogEntry, HypercallLogResponse } from '../../debug-adapter/protocol';
import { RevealTarget, XenTreeNode, hex } from './tree-node';

const STATE_ICONS: Record<HypercallLogEntry['state'], { icon: string; color?: string }> = {
  'in-flight': { icon: 'debug-stackframe', color: 'debugIcon.pauseForeground' },
  preempted: { icon: 'debug-pause', color: 'debugIcon.pauseForeground' },
  returned: { icon: 'pass', color: 'testing.iconPassed' },
  'no-return': { icon: 'arrow-right' },
};

function callName(e: HypercallLogEntry): string {
  return e.subop ? `${e.name} · ${e.subop}` : e.name;
}

function result(e: HypercallLogEntry): string | undefined {
  if (e.ret === undefined) return undefined;
  return e.errno ? `→ ${e.ret} ${e.errno}` : `→ ${typeof e.ret === 'number' && Math.abs(e.ret) > 0xffff ? hex(e.ret) : e.ret}`;
}

function revealOf(e: HypercallLogEntry): RevealTarget | undefined {
  if (e.source) return { kind: 'source', path: e.source.path, line: e.source.line };
  if (e.site) return { kind: 'address', address: e.site, threadId: e.threadId };
  return undefined;
}

function tooltip(e: HypercallLogEntry): string {
  const lines = [`**${e.name}** (hypercall ${e.nr})${e.subop ? ` \`${e.subop}\`` : ''} from d${e.domain}v${e.vcpu}`, ''];
  for (const [k, v] of Object.entries(e.args)) lines.push(`- \`${k}\` = ${typeof v === 'number' ? hex(v) : String(v)}`);
  lines.push('', `State: ${e.state}${result(e) ? ` ${result(e)}` : ''}`);
  if (e.continuations.length) lines.push(`Preempted ${e.continuations.length} time(s)`);
  if (e.source) lines.push(`Called from ${e.source.path}:${e.source.line}`);
  else if (e.site) lines.push(`Called from ${e.site}`);
  return lines.join('\n');
}

export function hypercallNode(e: HypercallLogEntry): XenTreeNode {
  const failed = e.errno !== undefined || (typeof e.ret === 'number' && e.ret < 0);
  const look = failed ? { icon: 'error', color: 'errorForeground' } : STATE_ICONS[e.state];
  const parts = [`d${e.domain}v${e.vcpu}`];
  if (e.state === 'in-flight') parts.push('in flight');
  if (e.continuations.length) parts.push(`preempted ×${e.continuations.length}`);
  else if (e.state === 'preempted') parts.push('preempted');
  const r = result(e);
  if (r) parts.push(r);
  const children = e.continuations.map((c, i): XenTreeNode => ({
    id: `call-${e.id}-cont-${c.seq}`,
    label: `continuation ${i + 1}`,
    description: [c.encoding, c.progress !== undefined ? `progress ${c.progress}` : undefined].filter(Boolean).join(' · '),
    tooltip: `Re-execution #${i + 1} of ${e.name} (trace seq ${c.seq}): ${c.encoding}`,
    icon: 'debug-restart',
    contextValue: 'xenGuest.continuation',
    reveal: revealOf(e),
    data: { threadId: e.threadId },
  }));
  return {
    id: `call-${e.id}`,
    label: callName(e),
    description: parts.join(' · '),
    tooltip: tooltip(e),
    icon: look.icon,
    iconColor: look.color,
    contextValue: `xenGuest.hypercall.${e.state}`,
    children: children.length ? children : undefined,
    expanded: e.state === 'in-flight' || e.state === 'preempted',
    reveal: revealOf(e),
    data: { domid: e.domain, threadId: e.threadId },
  };
}

export function hypercallTree(resp: HypercallLogResponse): XenTreeNode[] {
  const rows = [...resp.entries].sort((a, b) => b.id - a.id).map(hypercallNode);
  if (resp.dropped > 0) {
    rows.push({ id: 'dropped', label: `… ${resp.dropped} older call${resp.dropped === 1 ? '' : 's'} not kept`, icon: 'ellipsis' });
  }
  return rows;
}

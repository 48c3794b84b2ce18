/**
 * The hypercall handler table: one module per hypercall family (as Xen lays out its sources), collected
 * here by hypercall name. Which guest types may reach each handler is decided by the dispatch table
 * (hypercall-table.ts, per profile), not here.
 */
import { hypercallByName } from '../hypercall-table';
import type { HypercallHandler } from '../hypercall/context';
import { consoleHypercalls } from './console';
import { eventChannelHypercalls } from './event-channel';
import { hvmHypercalls } from './hvm';
import { memoryHypercalls } from './memory';
import { schedHypercalls } from './sched';
import { vcpuHypercalls } from './vcpu';
import { versionHypercalls } from './version';
import { vmAssistHypercalls } from './vm-assist';
import { pvHypercalls } from '../pv/hypercalls';

export type HypercallFamily = Readonly<Record<string, HypercallHandler>>;

function buildTable(...families: HypercallFamily[]): ReadonlyMap<number, HypercallHandler> {
  const table = new Map<number, HypercallHandler>();
  for (const f of families) {
    for (const [name, h] of Object.entries(f)) {
      const info = hypercallByName(name);
      if (!info) throw new Error(`unknown hypercall ${name}`);
      if (table.has(info.nr)) throw new Error(`hypercall ${name} has two handlers`);
      table.set(info.nr, h);
    }
  }
  return table;
}

export const HYPERCALL_HANDLERS = buildTable(
  consoleHypercalls, versionHypercalls, schedHypercalls, eventChannelHypercalls, vmAssistHypercalls,
  memoryHypercalls, vcpuHypercalls, hvmHypercalls, pvHypercalls,
);

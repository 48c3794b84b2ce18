/**
 * Data breakpoints: emulator memory watches (Cpu.addWatch) on any guest range, read, write or both, guest-
 * virtual (through each vCPU's page tables), guest-physical or machine (memory.ts defines the spaces). A dataId
 * names the range: `v:0x1000:4`, `p:0x1000:4` or `m:0x1000:4`. The watch fires after the accessing instruction retired; the core's `curLo/curHi` still hold
 * that instruction's address, which the stop reports.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../../emulator/cpu/cpu';
import { toBig } from '../../emulator/cpu/state';
import type { Space } from '../memory';
import type { BreakpointCommon } from './hit';

export interface DataBreakpoint extends BreakpointCommon {
  space: Space;
  address: bigint;
  length: number;
  access: 'read' | 'write' | 'readWrite';
}

const ID_LETTER: Record<Space, string> = { virtual: 'v', physical: 'p', machine: 'm' };

export function makeDataId(space: Space, address: bigint, length: number): string {
  return `${ID_LETTER[space]}:0x${address.toString(16)}:${length}`;
}

export function parseDataId(id: string): { space: Space; address: bigint; length: number } | undefined {
  const m = /^([vpm]):0x([0-9a-f]+):(\d+)$/i.exec(id);
  if (!m || Number(m[3]) < 1) return undefined;
  const space: Space = m[1].toLowerCase() === 'p' ? 'physical' : m[1].toLowerCase() === 'm' ? 'machine' : 'virtual';
  return { space, address: BigInt(`0x${m[2]}`), length: Number(m[3]) };
}

/** A watched range in the core's terms: `physical` there means machine (memory.ts watchRanges). */
export interface WatchRange { space: 'virtual' | 'physical'; address: bigint; length: number }

export const DATA_ACCESS_TYPES: DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];

export class DataBreakpoints {
  private list: DataBreakpoint[] = [];
  /** Watch ids per core → breakpoint. */
  private watches = new Map<Cpu, Map<number, DataBreakpoint>>();

  /** `ranges` turns a breakpoint's range into the core's (a PV guest-physical range into machine pages). */
  constructor(private readonly cpus: () => Cpu[], private readonly ranges: (bp: DataBreakpoint) => WatchRange[]) {}

  replace(bps: DataBreakpoint[]): void {
    for (const [cpu, ids] of this.watches) for (const id of ids.keys()) cpu.removeWatch(id);
    this.watches = new Map();
    this.list = bps;
    for (const cpu of this.cpus()) {
      const ids = new Map<number, DataBreakpoint>();
      for (const bp of bps) {
        for (const r of this.ranges(bp)) {
          const id = cpu.addWatch({ ...r, access: bp.access === 'readWrite' ? 'readwrite' : bp.access });
          ids.set(id, bp);
        }
      }
      this.watches.set(cpu, ids);
    }
  }

  get all(): readonly DataBreakpoint[] { return this.list; }

  byWatch(cpu: Cpu, watchId: number): DataBreakpoint | undefined { return this.watches.get(cpu)?.get(watchId); }

  /** Address of the instruction that made the access (the one that just retired on this core). */
  static accessingInstruction(cpu: Cpu): bigint { return toBig(cpu.curLo, cpu.curHi); }
}

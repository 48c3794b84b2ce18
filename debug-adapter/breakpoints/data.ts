/**
 * Data breakpoints: emulator memory watches (Cpu.addWatch) on any guest range, read, write or both, guest-
 * virtual (through each vCPU's page tables) or guest-physical. A dataId names the range: `v:0x1000:4` or
 * `p:0x1000:4`. The watch fires after the accessing instruction retired; the core's `curLo/curHi` still hold
 * that instruction's address, which the stop reports.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Cpu } from '../../emulator/cpu/cpu';
import { toBig } from '../../emulator/cpu/state';
import type { BreakpointCommon } from './hit';

export interface DataBreakpoint extends BreakpointCommon {
  space: 'virtual' | 'physical';
  address: bigint;
  length: number;
  access: 'read' | 'write' | 'readWrite';
}

export function makeDataId(space: 'virtual' | 'physical', address: bigint, length: number): string {
  return `${space === 'physical' ? 'p' : 'v'}:0x${address.toString(16)}:${length}`;
}

export function parseDataId(id: string): { space: 'virtual' | 'physical'; address: bigint; length: number } | undefined {
  const m = /^([vp]):0x([0-9a-f]+):(\d+)$/i.exec(id);
  if (!m || Number(m[3]) < 1) return undefined;
  return { space: m[1] === 'p' ? 'physical' : 'virtual', address: BigInt(`0x${m[2]}`), length: Number(m[3]) };
}

export const DATA_ACCESS_TYPES: DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];

export class DataBreakpoints {
  private list: DataBreakpoint[] = [];
  /** Watch ids per core → breakpoint. */
  private watches = new Map<Cpu, Map<number, DataBreakpoint>>();

  constructor(private readonly cpus: () => Cpu[]) {}

  replace(bps: DataBreakpoint[]): void {
    for (const [cpu, ids] of this.watches) for (const id of ids.keys()) cpu.removeWatch(id);
    this.watches = new Map();
    this.list = bps;
    for (const cpu of this.cpus()) {
      const ids = new Map<number, DataBreakpoint>();
      for (const bp of bps) {
        const id = cpu.addWatch({
          address: bp.address, length: bp.length, space: bp.space,
          access: bp.access === 'readWrite' ? 'readwrite' : bp.access,
        });
        ids.set(id, bp);
      }
      this.watches.set(cpu, ids);
    }
  }

  get all(): readonly DataBreakpoint[] { return this.list; }

  byWatch(cpu: Cpu, watchId: number): DataBreakpoint | undefined { return this.watches.get(cpu)?.get(watchId); }

  /** Address of the instruction that made the access (the one that just retired on this core). */
  static accessingInstruction(cpu: Cpu): bigint { return toBig(cpu.curLo, cpu.curHi); }
}

/**
 * Code breakpoints (source lines, functions, instructions) and the step engine's temporary ones, installed
 * in the emulator's per-core breakpoint sets (Cpu.addBreakpoint), never by patching guest memory. Each
 * address may carry several breakpoints; the cores only need the union.
 */
import type { Cpu } from '../../emulator/cpu/cpu';
import type { BreakpointCommon } from './hit';

export type CodeKind = 'source' | 'function' | 'instruction';

export interface CodeBreakpoint extends BreakpointCommon {
  kind: CodeKind;
  addresses: bigint[];
}

const key = (a: bigint): string => BigInt.asUintN(64, a).toString(16);

export class CodeBreakpoints {
  /** Breakpoints by kind and group (the source path for source breakpoints, '' for the others). */
  private readonly groups = new Map<string, CodeBreakpoint[]>();
  private byAddress = new Map<string, CodeBreakpoint[]>();
  /** Temporary addresses per core (stepping). */
  private readonly temps = new Map<Cpu, Set<string>>();
  /** What each core has installed now. */
  private readonly installed = new Map<Cpu, Set<string>>();

  constructor(private readonly cpus: () => Cpu[]) {}

  /** Replaces one group (a setBreakpoints for one source, or all function / instruction breakpoints). */
  replace(kind: CodeKind, group: string, bps: CodeBreakpoint[]): void {
    this.groups.set(`${kind}:${group}`, bps);
    this.byAddress = new Map();
    for (const list of this.groups.values()) {
      for (const bp of list) {
        for (const a of bp.addresses) {
          const k = key(a);
          const at = this.byAddress.get(k);
          if (at) at.push(bp); else this.byAddress.set(k, [bp]);
        }
      }
    }
    this.sync();
  }

  at(address: bigint): CodeBreakpoint[] { return this.byAddress.get(key(address)) ?? []; }

  get count(): number { return this.byAddress.size; }

  addTemp(cpu: Cpu, address: bigint): void {
    let s = this.temps.get(cpu);
    if (!s) this.temps.set(cpu, s = new Set());
    s.add(key(address));
    this.syncCpu(cpu);
  }

  isTemp(cpu: Cpu, address: bigint): boolean { return this.temps.get(cpu)?.has(key(address)) ?? false; }

  clearTemps(): void {
    if (this.temps.size === 0) return;
    const cores = [...this.temps.keys()];
    this.temps.clear();
    for (const c of cores) this.syncCpu(c);
  }

  /** Re-installs every core's set (after a replace, or when cores appear). */
  sync(): void { for (const c of this.cpus()) this.syncCpu(c); }

  private syncCpu(cpu: Cpu): void {
    const want = new Set(this.byAddress.keys());
    for (const t of this.temps.get(cpu) ?? []) want.add(t);
    let have = this.installed.get(cpu);
    if (!have) this.installed.set(cpu, have = new Set());
    for (const k of have) if (!want.has(k)) { cpu.removeBreakpoint(BigInt(`0x${k}`)); have.delete(k); }
    for (const k of want) if (!have.has(k)) { cpu.addBreakpoint(BigInt(`0x${k}`)); have.add(k); }
  }
}

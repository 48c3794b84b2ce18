/**
 * CPUID-gated forms are generated only when both this host and the emulator report the feature
 * (an emulator without, say, LZCNT legitimately executes F3 0F BD as BSR, which the host would not).
 */
import * as fs from 'fs';
import { Cpu } from '../../../emulator/cpu/cpu';
import { setupFlatMode } from '../../../emulator/cpu/flat-setup';
import { PhysicalMemory } from '../../../emulator/memory/physical-memory';

/** Feature name → [leaf, register index (eax ebx ecx edx), bit]; names follow /proc/cpuinfo where possible. */
const BITS: Record<string, [number, number, number]> = {
  sse2: [1, 3, 26], cx16: [1, 2, 13], sse4_2: [1, 2, 20], movbe: [1, 2, 22], popcnt: [1, 2, 23],
  bmi1: [7, 1, 3], bmi2: [7, 1, 8], adx: [7, 1, 19],
  lahf_lm: [0x80000001, 2, 0], lzcnt: [0x80000001, 2, 5], prefetchw: [0x80000001, 2, 8],
};
const CPUINFO_NAMES: Record<string, string> = { lzcnt: 'abm', prefetchw: '3dnowprefetch' };

export function hostFeatures(): Set<string> {
  const flags = new Set((/^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
  const out = new Set<string>();
  for (const name of Object.keys(BITS)) if (flags.has(CPUINFO_NAMES[name] ?? name)) out.add(name);
  return out;
}

/** Runs CPUID on the emulator (at CPL 0, identity-mapped) for each leaf we need. */
export function emulatorFeatures(): Set<string> {
  const leaves = new Map<number, bigint[]>();
  for (const leaf of new Set(Object.values(BITS).map((b) => b[0]))) {
    const mem = new PhysicalMemory(0x400000);
    const cpu = new Cpu(mem);
    setupFlatMode(cpu, { mode: 'long64', cpl: 0 });
    mem.writeBytes(0x1000, Uint8Array.from([0x0f, 0xa2]));
    cpu.setReg(0, BigInt(leaf));
    cpu.setReg(1, 0n);
    cpu.rip = 0x1000n;
    cpu.addBreakpoint(0x1002n);
    const stop = cpu.run({ maxInstructions: 10 });
    if (stop.kind !== 'breakpoint') throw new Error(`emulator CPUID(${leaf.toString(16)}) stopped with ${stop.kind}`);
    leaves.set(leaf, [cpu.getReg(0), cpu.getReg(3), cpu.getReg(1), cpu.getReg(2)]);
  }
  const out = new Set<string>();
  for (const [name, [leaf, reg, bit]] of Object.entries(BITS)) {
    if ((leaves.get(leaf)![reg] >> BigInt(bit)) & 1n) out.add(name);
  }
  return out;
}

export function commonFeatures(): { host: Set<string>; emulator: Set<string>; both: Set<string> } {
  const host = hostFeatures();
  const emulator = emulatorFeatures();
  return { host, emulator, both: new Set([...host].filter((f) => emulator.has(f))) };
}

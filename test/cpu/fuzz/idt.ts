/**
 * IDTs for the "deliver" variant of the execution fuzzer: exceptions go through a randomly
 * shaped IDT (halting handlers, handlers that iret straight back into the fault, missing or
 * garbage gates, short limits) so nested faults, #DF and triple faults all get exercised.
 * The IDT is loaded with a real `lidt` executed at CPL 0 (the API has no IDTR setter).
 */
import { Cpu } from '../../../emulator/cpu/cpu';
import { setupFlatMode } from '../../../emulator/cpu/flat-setup';
import { PhysicalMemory } from '../../../emulator/memory/physical-memory';
import type { FuzzMode } from './exec-modes';
import { Rng } from './rng';

export const IDT_BASE = 0x1000;
const IDTR_ADDR = 0x2000;
const PRELUDE = 0x2100;
const STUB_HLT = 0x3000;
const STUB_IRET = 0x3010;
const STUB_IRET_EC = 0x3020;
const EC_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);

type GateKind = 'hlt' | 'iret' | 'absent' | 'garbage';

export class IdtPlan {
  constructor(readonly seed: number) {}

  describe(): string {
    return `seed:0x${this.seed.toString(16)}`;
  }

  /** Gate kind, DPL, trap-vs-interrupt type for every vector, plus the IDT limit. */
  layout(long: boolean): { gates: { kind: GateKind; dpl: number; trap: boolean }[]; limit: number } {
    const r = new Rng(this.seed);
    const gates = [];
    for (let v = 0; v < 256; v++) {
      const k = r.below(20);
      let kind: GateKind;
      if (v < 32) kind = k < 9 ? 'hlt' : k < 15 ? 'iret' : k < 18 ? 'absent' : 'garbage';
      else kind = k < 10 ? 'hlt' : k < 14 ? 'iret' : 'absent';
      if (v === 8 && r.chance(0.3)) kind = 'absent'; // no #DF handler: a triple fault waits
      gates.push({ kind, dpl: r.chance(0.5) ? 3 : 0, trap: r.chance(0.2) });
    }
    const entry = long ? 16 : 8;
    const p = r.below(10);
    const limit = p < 5 ? 256 * entry - 1 : p < 8 ? 32 * entry - 1 : r.below(32 * entry);
    return { gates, limit };
  }
}

export function planIdt(rng: Rng): IdtPlan {
  return new IdtPlan(rng.u32());
}

function gateBytes(long: boolean, sel: number, target: number, dpl: number, trap: boolean): number[] {
  const attr = 0x80 | (dpl << 5) | (trap ? 0xf : 0xe);
  const g = [target & 0xff, (target >> 8) & 0xff, sel & 0xff, sel >> 8, 0, attr, (target >> 16) & 0xff, (target >>> 24) & 0xff];
  return long ? [...g, 0, 0, 0, 0, 0, 0, 0, 0] : g;
}

/** Kernel code and stack segments of the flat setup (from a scratch CPU at CPL 0). */
function kernelSegments(m: FuzzMode): { cs: ReturnType<Cpu['getSegment']>; ss: ReturnType<Cpu['getSegment']> } {
  const scratch = new Cpu(new PhysicalMemory(0x400000));
  setupFlatMode(scratch, { mode: m.mode === 'compat32' ? 'long64' : m.mode, cpl: 0, paging: m.paging });
  return { cs: scratch.getSegment(1), ss: scratch.getSegment(2) };
}

const kernelSegCache = new Map<string, ReturnType<typeof kernelSegments>>();

/**
 * Writes the IDT and handler stubs into RAM and runs `lidt` at CPL 0 (switching CS/SS to the
 * kernel segments for the one instruction if the case runs at CPL 3). Leaves RIP alone.
 */
export function installIdt(cpu: Cpu, mem: PhysicalMemory, m: FuzzMode, plan: IdtPlan): void {
  const long = m.mode !== 'protected32';
  let k = kernelSegCache.get(m.name);
  if (!k) kernelSegCache.set(m.name, (k = kernelSegments(m)));
  const { gates, limit } = plan.layout(long);
  const r = new Rng(plan.seed ^ 0xa5a5a5a5);
  const idt: number[] = [];
  gates.forEach((g, v) => {
    if (g.kind === 'garbage') {
      for (let i = 0; i < (long ? 16 : 8); i++) idt.push(r.byte());
      return;
    }
    const target = g.kind === 'hlt' ? STUB_HLT : EC_VECTORS.has(v) ? STUB_IRET_EC : STUB_IRET;
    const bytes = gateBytes(long, k!.cs.selector, target, g.dpl, g.trap);
    if (g.kind === 'absent') bytes[5] &= 0x7f;
    idt.push(...bytes);
  });
  mem.writeBytes(IDT_BASE, Uint8Array.from(idt));
  mem.writeBytes(STUB_HLT, Uint8Array.from([0xf4, 0xeb, 0xfd]));
  mem.writeBytes(STUB_IRET, Uint8Array.from(long ? [0x48, 0xcf] : [0xcf]));
  mem.writeBytes(STUB_IRET_EC, Uint8Array.from(long ? [0x48, 0x83, 0xc4, 0x08, 0x48, 0xcf] : [0x83, 0xc4, 0x04, 0xcf]));
  const idtr = [limit & 0xff, limit >> 8, IDT_BASE & 0xff, (IDT_BASE >> 8) & 0xff, IDT_BASE >> 16, 0, 0, 0, 0, 0];
  mem.writeBytes(IDTR_ADDR, Uint8Array.from(idtr));
  // lidt [IDTR_ADDR] (SIB absolute form: the same bytes in 32- and 64-bit code).
  mem.writeBytes(PRELUDE, Uint8Array.from([0x0f, 0x01, 0x1c, 0x25, IDTR_ADDR & 0xff, IDTR_ADDR >> 8, 0, 0]));
  const userCs = cpu.getSegment(1);
  const userSs = cpu.getSegment(2);
  const rip = cpu.rip;
  const intercept = cpu.interceptExceptions;
  const rflags = cpu.rflags;
  if (m.cpl !== 0 || m.mode === 'compat32') {
    cpu.setSegment(1, k.cs);
    cpu.setSegment(2, k.ss);
  }
  cpu.rip = BigInt(PRELUDE);
  cpu.rflags = 2n;
  cpu.interceptExceptions = 0xffffffff;
  const s = cpu.step();
  if (s.kind !== 'step' || cpu.rip !== BigInt(PRELUDE + 8)) {
    throw new Error(`lidt prelude failed: ${JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v))}`);
  }
  cpu.setSegment(1, userCs);
  cpu.setSegment(2, userSs);
  cpu.rip = rip;
  cpu.rflags = rflags;
  cpu.interceptExceptions = intercept;
}

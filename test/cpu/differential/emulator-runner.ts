/**
 * Runs a test case on the emulator: flat CPL-3 environment from setupFlatMode, then our own page
 * tables that map exactly the harness's pages (code r-x, data rw- NX, read-only page r-- NX), so
 * every other address faults the way it does natively. Faults are intercepted before delivery.
 */
import type { StopReason } from '../../../emulator/cpu/api-types';
import { Cpu } from '../../../emulator/cpu/cpu';
import { setupFlatMode } from '../../../emulator/cpu/flat-setup';
import { PhysicalMemory } from '../../../emulator/memory/physical-memory';
import {
  CODE_BASE, CODE_SIZE, DATA_BASE, DATA_PAGES, DATA_SIZE, RO_BASE, fillData, roPattern,
} from './layout';
import type { TestCase } from './test-case';
import { trailerBytes } from './trailer';
import type { RunResult } from './wire';

export type EmuMode = 'long64' | 'compat32' | 'protected32';

const RAM_BYTES = 0x110000; // our pages below 1 MiB + setupFlatMode's 64 KiB at 1 MiB
const FLAT_BASE = 0x100000; // setupFlatMode's GDT/TSS/tables (mapped supervisor-only below)
const PT = { pml4: 0x1000, pdpt: 0x2000, pd: 0x3000, ptLow: 0x4000, ptCode: 0x5000 };
const CODE_PHYS = 0x10000;
const DATA_PHYS = 0x11000;
const RO_PHYS = DATA_PHYS + DATA_SIZE;
const NX = 1n << 63n;
const P = 1n, RW = 2n, US = 4n;
const EFER_NXE = 0x800n;
const CR0_AM = 1n << 18n;

/** Segment register numbers (api-types' Seg is a const enum; spelled out to stay independent). */
const FS = 4, GS = 5;

function w64(mem: PhysicalMemory, pa: number, v: bigint): void {
  mem.view.setBigUint64(pa, v, true);
}

/** Page tables mapping the harness layout; returns CR3. `pae`: 32-bit PAE instead of 4-level. */
function buildPageTables(mem: PhysicalMemory, pae: boolean): bigint {
  const ptLowIndex = (lin: bigint): number => Number((lin >> 12n) & 511n);
  // Linear 0..2 MiB (data + read-only page) → ptLow; linear CODE_BASE's 2 MiB region → ptCode.
  if (pae) {
    w64(mem, PT.pdpt, BigInt(PT.pd) | P);
  } else {
    w64(mem, PT.pml4, BigInt(PT.pdpt) | P | RW | US);
    w64(mem, PT.pdpt, BigInt(PT.pd) | P | RW | US);
  }
  w64(mem, PT.pd + 0 * 8, BigInt(PT.ptLow) | P | RW | US);
  w64(mem, PT.pd + Number(CODE_BASE >> 21n) * 8, BigInt(PT.ptCode) | P | RW | US);
  for (let i = 0; i < DATA_PAGES; i++) {
    w64(mem, PT.ptLow + ptLowIndex(DATA_BASE) * 8 + i * 8, BigInt(DATA_PHYS + i * 0x1000) | P | RW | US | NX);
  }
  w64(mem, PT.ptLow + ptLowIndex(RO_BASE) * 8, BigInt(RO_PHYS) | P | US | NX);
  w64(mem, PT.ptCode + ptLowIndex(CODE_BASE) * 8, BigInt(CODE_PHYS) | P | US);
  // setupFlatMode's GDT/TSS (read by the CPU itself, e.g. for the I/O bitmap): identity, supervisor-only,
  // like the kernel's descriptor tables natively. User accesses there fault with P=1 (compare.ts knows).
  for (let pa = FLAT_BASE; pa < FLAT_BASE + 0x10000; pa += 0x1000) {
    w64(mem, PT.ptLow + ptLowIndex(BigInt(pa)) * 8, BigInt(pa) | P | RW); // same 2 MiB region as the data
  }
  mem.noteWrite(0, 0x10000);
  return BigInt(pae ? PT.pdpt : PT.pml4);
}

export interface EmuRun {
  result: RunResult;
  stop: StopReason | { kind: 'crash'; message: string };
}

/** The emulator side of one case. `exitTarget` comes from the native harness (for identical code bytes). */
export function runEmulator(c: TestCase, mode: EmuMode, exitTarget: bigint, budget = 200_000): EmuRun {
  const mem = new PhysicalMemory(RAM_BYTES);
  const cpu = new Cpu(mem);
  setupFlatMode(cpu, { mode, cpl: 3, paging: mode === 'protected32' ? 'pae' : '4level', pageTableBase: FLAT_BASE });
  const cr3 = buildPageTables(mem, mode === 'protected32');
  cpu.setControl('efer', cpu.getControl('efer') | EFER_NXE);
  cpu.setControl('cr0', cpu.getControl('cr0') | CR0_AM); // Linux runs with CR0.AM set
  cpu.setControl('cr3', cr3);

  // Code page: int3 filler, the bytes, then the harness's trailer (never executed here).
  const page = new Uint8Array(CODE_SIZE).fill(0xcc);
  page.set(c.code, c.codeOffset);
  const tstart = c.codeOffset + c.code.length;
  const trailer = trailerBytes(c.bits, exitTarget, CODE_BASE + BigInt(tstart));
  if (tstart < CODE_SIZE) page.set(trailer.subarray(0, CODE_SIZE - tstart), tstart);
  mem.writeBytes(CODE_PHYS, page);
  const data = fillData(c.memSeed);
  for (const p of c.patches) data.set(p.data, p.offset);
  const initial = new Uint8Array(data);
  mem.writeBytes(DATA_PHYS, data);
  mem.writeBytes(RO_PHYS, roPattern());

  const nregs = c.bits === 64 ? 16 : 8;
  for (let r = 0; r < 16; r++) cpu.setReg(r, r < nregs ? BigInt.asUintN(c.bits, c.regs[r]) : 0n);
  cpu.rflags = c.rflags;
  if (c.bits === 64) {
    cpu.setSegment(FS, { ...cpu.getSegment(FS), base: c.fsBase });
    cpu.setSegment(GS, { ...cpu.getSegment(GS), base: c.gsBase });
  }
  const start = CODE_BASE + BigInt(c.codeOffset);
  const end = start + BigInt(c.code.length);
  cpu.rip = start;
  cpu.interceptExceptions = 0xffffffff;
  // Code that runs up to the end of the page has no trailer natively: it faults fetching the next page.
  if (c.codeOffset + c.code.length < CODE_SIZE) cpu.addBreakpoint(end);

  let stop: EmuRun['stop'];
  try {
    stop = cpu.run({ maxInstructions: budget });
  } catch (e) {
    stop = { kind: 'crash', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
  }

  const gpr: bigint[] = [];
  for (let r = 0; r < 16; r++) gpr.push(cpu.getReg(r));
  const after = mem.readBytes(DATA_PHYS, DATA_SIZE);
  const memChanges = new Map<number, number>();
  for (let i = 0; i < DATA_SIZE; i++) if (after[i] !== initial[i]) memChanges.set(i, after[i]);
  const result: RunResult = { outcome: 'ok', gpr, rip: cpu.rip, rflags: cpu.rflags, memChanges };
  if (stop.kind === 'breakpoint' && stop.address === end) {
    result.outcome = 'ok';
  } else if (stop.kind === 'exception') {
    result.outcome = 'signal';
    result.vector = stop.vector;
    result.errorCode = stop.errorCode;
    if (stop.vector === 14) result.cr2 = stop.cr2;
    result.note = stop.message;
  } else if (stop.kind === 'budget') {
    result.outcome = 'timeout';
  } else {
    result.outcome = 'other';
    result.note = `emulator stopped: ${JSON.stringify(stop, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`;
  }
  return { result, stop };
}

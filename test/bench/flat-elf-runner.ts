/**
 * Runs the bare-metal cpu-bench.elf on the emulator in a flat 64-bit environment, and the
 * native build of the same workload on the host, so callers can compare their output.
 * Shared by the benchmark (cpu-bench.ts) and its mocha smoke test.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cpu } from '../../emulator/cpu/cpu';
import { setupFlatMode } from '../../emulator/cpu/flat-setup';
import { PhysicalMemory } from '../../emulator/memory/physical-memory';
import type { StopReason } from '../../emulator/cpu/api-types';
import { ElfFile, STT_FUNC, parseElf } from '../../emulator/boot/elf';

/** Repository root: the nearest directory above this file with package.json (it runs from out/ or a dist/ bundle). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}
export const BENCH_ELF = path.join(REPO_ROOT, 'out', 'sample-guests', 'bench', 'cpu-bench.elf');
export const BENCH_NATIVE = path.join(REPO_ROOT, 'out', 'sample-guests', 'bench', 'workload-native');

const DEBUG_PORT = 0xe9;
const RAM_BYTES = 16 << 20;
/** Below the image at 1 MiB; the stub switches to its own .bss stack anyway. */
const INITIAL_RSP = 0x80000n;

/** Builds the sample guests if needed (make is incremental, so this is cheap when up to date). */
export function ensureBenchBuilt(): void {
  execFileSync('make', ['-s', '-C', path.join(REPO_ROOT, 'sample-guests')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The native CPU's output for the same workload: the reference the emulator must match. */
export function runNative(rounds: number): string {
  return execFileSync(BENCH_NATIVE, [String(rounds)], { encoding: 'utf8' });
}

export interface FlatRunResult {
  /** Text the guest wrote to port 0xE9. */
  output: string;
  /** Instructions retired by the run (not counting loading or setup). */
  instructions: number;
  /** Wall-clock seconds spent in Cpu.run(). */
  seconds: number;
  /** CPU seconds (user + system) this process spent in Cpu.run(): less sensitive to other load on the machine. */
  cpuSeconds: number;
  /** Why the run ended: 'halt' on success. */
  stop: StopReason;
  /** A readable description when the run did not end in hlt. */
  failure?: string;
}

/** Copies every PT_LOAD to its physical address and zero-fills the rest of p_memsz. */
export function loadSegments(mem: PhysicalMemory, elf: ElfFile): void {
  for (const ph of elf.loadSegments) {
    const pa = Number(ph.paddr);
    if (ph.paddr + ph.memsz > BigInt(mem.size)) {
      throw new Error(`segment ${ph.index} (0x${ph.paddr.toString(16)}+0x${ph.memsz.toString(16)}) does not fit in guest RAM`);
    }
    mem.writeBytes(pa, elf.segmentData(ph));
    const bss = Number(ph.memsz - ph.filesz);
    if (bss > 0) mem.writeBytes(pa + Number(ph.filesz), new Uint8Array(bss));
  }
}

/** Physical address of a symbol's storage (the image is linked with p_vaddr == p_paddr or an offset). */
function symbolPhysical(elf: ElfFile, name: string): number {
  const sym = elf.symbol(name);
  if (!sym) throw new Error(`cpu-bench.elf has no symbol ${name}`);
  const seg = elf.loadSegments.find((p) => sym.value >= p.vaddr && sym.value < p.vaddr + p.memsz);
  if (!seg) throw new Error(`symbol ${name} is not inside a PT_LOAD segment`);
  return Number(seg.paddr + (sym.value - seg.vaddr));
}

/** "func+0x12" for a code address, from the ELF symbol table, for failure reports. */
export function describeAddress(elf: ElfFile, addr: bigint): string {
  let best: { name: string; value: bigint } | undefined;
  for (const s of elf.symbols()) {
    if (s.type === STT_FUNC && s.value <= addr && (!best || s.value > best.value)) best = s;
  }
  return best ? `${best.name}+0x${(addr - best.value).toString(16)}` : `0x${addr.toString(16)}`;
}

function describeStop(stop: StopReason, elf: ElfFile, cpu: Cpu): string {
  const regs = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']
    .map((n, i) => `${n}=0x${cpu.getReg(i).toString(16)}`).join(' ');
  const where = `rip=0x${cpu.rip.toString(16)} (${describeAddress(elf, cpu.rip)}) rflags=0x${cpu.rflags.toString(16)}`;
  let what: string;
  switch (stop.kind) {
    case 'exception':
      what = `exception vector ${stop.vector}${stop.errorCode !== undefined ? ` error code 0x${stop.errorCode.toString(16)}` : ''}`
        + `${stop.cr2 !== undefined ? ` cr2=0x${stop.cr2.toString(16)}` : ''} at 0x${stop.rip.toString(16)} (${describeAddress(elf, stop.rip)})`
        + `${stop.bytes ? ` bytes ${stop.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}` : ''}`
        + `${stop.message ? `: ${stop.message}` : ''}`;
      break;
    case 'triple-fault':
      what = `triple fault (vector ${stop.vector}) at 0x${stop.rip.toString(16)} (${describeAddress(elf, stop.rip)})`;
      break;
    default:
      what = `stopped with ${JSON.stringify(stop, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`;
  }
  return `${what}\n  ${where}\n  ${regs}`;
}

export interface FlatRunOptions {
  /** Workload rounds (0 = the workload's default). */
  rounds: number;
  /** Instructions per Cpu.run() call. */
  chunk?: number;
  /** Give up after this many instructions. */
  maxInstructions?: number;
}

/** Loads cpu-bench.elf into fresh RAM, runs it to hlt in long mode at CPL 0, and times it. */
export function runBenchOnEmulator(elfBytes: Uint8Array, opts: FlatRunOptions): FlatRunResult {
  const elf = parseElf(elfBytes);
  const mem = new PhysicalMemory(RAM_BYTES);
  loadSegments(mem, elf);
  mem.write32(symbolPhysical(elf, 'bench_rounds'), opts.rounds >>> 0);

  let output = '';
  const cpu = new Cpu(mem, {
    portOut(port: number, _size: number, value: number): void {
      if (port === DEBUG_PORT) output += String.fromCharCode(value & 0xff);
    },
  });
  setupFlatMode(cpu, { mode: 'long64', cpl: 0 });
  cpu.rip = elf.header.entry;
  cpu.setReg(4, INITIAL_RSP);
  // No IDT in this environment: stop on any exception instead of letting it triple-fault,
  // so a failure report shows the faulting instruction.
  cpu.interceptExceptions = 0xffffffff;

  const chunk = opts.chunk ?? 10_000_000;
  const limit = opts.maxInstructions ?? 20_000_000_000;
  const start0 = cpu.instructionsRetired;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let stop: StopReason;
  for (;;) {
    stop = cpu.run({ maxInstructions: chunk });
    if (stop.kind !== 'budget' || cpu.instructionsRetired - start0 >= limit) break;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const used = process.cpuUsage(c0);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const instructions = cpu.instructionsRetired - start0;
  const result: FlatRunResult = { output, instructions, seconds, cpuSeconds, stop };
  if (stop.kind !== 'halt') result.failure = describeStop(stop, elf, cpu);
  return result;
}

/** Reads the built ELF (after ensureBenchBuilt). */
export function readBenchElf(): Uint8Array {
  return new Uint8Array(fs.readFileSync(BENCH_ELF));
}

/** Line-by-line comparison of emulator and native output, naming the phases that differ. */
export function compareOutputs(emulated: string, native: string): string | undefined {
  if (emulated === native) return undefined;
  const a = emulated.split('\n'), b = native.split('\n');
  const lines: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) lines.push(`  line ${i + 1}: emulator ${JSON.stringify(a[i] ?? '<missing>')}, native ${JSON.stringify(b[i] ?? '<missing>')}`);
  }
  return `emulator output differs from the native CPU's:\n${lines.join('\n')}`;
}

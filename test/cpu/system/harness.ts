/**
 * Runs a system-test image the way an HVM firmware-style Xen test kernel starts: 32-bit flat protected
 * mode, paging off, CPL 0, RIP at the ELF entry. The image reports "ok NAME" / "not ok NAME: ..." lines on
 * port 0xE9 and ends with `cli; hlt`; describeImage turns every check the image source declares into a
 * mocha test, so a check the image never reached fails as "not reported".
 */
import * as assert from 'assert';
import { Cpu } from '../../../emulator/cpu/cpu';
import { setupFlatMode } from '../../../emulator/cpu/flat-setup';
import { PhysicalMemory } from '../../../emulator/memory/physical-memory';
import type { CpuHooks, StopReason } from '../../../emulator/cpu/api-types';
import { BuiltImage, buildImage, checkNames } from './build-image';
import { loadElf } from './load-elf';

export const DEBUGCON_PORT = 0xe9;
/** Ports TEST_PORT..TEST_PORT+15 answer reads with a sequence (see testPortValue) and log writes. */
export const TEST_PORT = 0x700;
export const RAM_BYTES = 16 * 1024 * 1024;
export const DEFAULT_BUDGET = 5_000_000;

/** n-th read of a test port with the given size: distinct per size so the image can check the width. */
export function testPortValue(n: number, size: number): number {
  if (size === 1) return (0x40 + n) & 0xff;
  if (size === 2) return (0x4140 + n) & 0xffff;
  return (0x43424140 + n) >>> 0;
}

export interface PortWrite { port: number; size: number; value: number }

export interface Machine {
  cpu: Cpu;
  mem: PhysicalMemory;
  image: BuiltImage;
  /** Everything written to port 0xE9 so far. */
  console(): string;
  /** Writes to ports other than 0xE9. */
  portWrites: PortWrite[];
  sym(name: string): bigint;
}

export interface MachineOptions {
  /** Extra hooks; console and test-port handling wrap them. */
  hooks?: CpuHooks;
}

export function createMachine(name: string, opts: MachineOptions = {}): Machine {
  const image = buildImage(name);
  const mem = new PhysicalMemory(RAM_BYTES);
  let text = '';
  let reads = 0;
  const portWrites: PortWrite[] = [];
  const extra = opts.hooks ?? {};
  const hooks: CpuHooks = {
    ...extra,
    portOut(port, size, value) {
      if (port === DEBUGCON_PORT && size === 1) text += String.fromCharCode(value & 0xff);
      else portWrites.push({ port, size, value });
      extra.portOut?.(port, size, value);
    },
    portIn(port, size) {
      const mine = extra.portIn?.(port, size);
      if (mine !== undefined) return mine;
      if (port >= TEST_PORT && port < TEST_PORT + 16) return testPortValue(reads++, size);
      return undefined;
    },
  };
  const cpu = new Cpu(mem, hooks);
  setupFlatMode(cpu, { mode: 'protected32', cpl: 0, paging: 'none' });
  const { entry } = loadElf(image.elf, mem);
  cpu.rip = entry;
  const sym = (s: string): bigint => {
    const v = image.symbols.get(s);
    if (v === undefined) throw new Error(`image ${name} has no symbol ${s}`);
    return v;
  };
  return { cpu, mem, image, console: () => text, portWrites, sym };
}

export interface ImageRun extends Machine {
  stop: StopReason;
  lines: string[];
}

export function runMachine(m: Machine, budget = DEFAULT_BUDGET): ImageRun {
  const stop = m.cpu.run({ maxInstructions: budget });
  return { ...m, stop, lines: m.console().split('\n').filter((l) => l.length > 0) };
}

export function runImage(name: string, opts: MachineOptions & { budget?: number } = {}): ImageRun {
  return runMachine(createMachine(name, opts), opts.budget);
}

function describeStop(r: ImageRun): string {
  const s = r.stop;
  const extra = JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
  return `${extra} at rip=0x${r.cpu.rip.toString(16)} after ${r.cpu.instructionsRetired} instructions`;
}

/** Asserts that the image reported check `name` as ok. */
export function assertCheck(r: ImageRun, name: string): void {
  if (r.lines.includes(`ok ${name}`)) return;
  const bad = r.lines.find((l) => l.startsWith(`not ok ${name}:`) || l === `not ok ${name}`);
  if (bad) assert.fail(`${r.image.name}: ${bad}`);
  const unexpected = r.lines.find((l) => l.startsWith('not ok unexpected-exception'));
  const why = unexpected ?? `the run stopped with ${describeStop(r)}`;
  assert.fail(`${r.image.name}: check ${name} was never reached (${why}; see "runs to the final hlt")`);
}

/** Mocha tests for a finished run: a clean end (a 'halt' after "done"), then one test per declared check. */
export function imageTests(name: string, run: () => ImageRun): void {
  it('runs to the final hlt', function () {
    const r = run();
    const unexpected = r.lines.find((l) => l.startsWith('not ok unexpected-exception'));
    assert.ok(!unexpected, `${name}: ${unexpected}`);
    assert.equal(r.stop.kind, 'halt', `${name}: expected a halt stop, got ${describeStop(r)}; last lines: ${r.lines.slice(-3).join(' | ')}`);
    assert.ok(r.lines.includes('done'), `${name}: halted before printing "done"; last lines: ${r.lines.slice(-3).join(' | ')}`);
  });
  for (const check of checkNames(name)) {
    it(check, function () { assertCheck(run(), check); });
  }
}

/**
 * A mocha suite for one image: it runs once in `before`, then imageTests; `more` adds tests on the final
 * state (registers, memory) through the returned run.
 */
export function describeImage(name: string, opts: MachineOptions & { budget?: number } = {},
  more?: (run: () => ImageRun) => void): void {
  describe(`system image ${name}`, function () {
    let result: ImageRun | undefined;
    let failure: unknown;
    before(function () {
      try { result = runImage(name, opts); } catch (e) { failure = e; }
    });
    const run = (): ImageRun => {
      if (failure !== undefined) throw failure;
      return result!;
    };
    imageTests(name, run);
    more?.(run);
  });
}

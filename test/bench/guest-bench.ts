/**
 * `npm run bench:guest`: the whole machine (hypervisor, PVH boot, console, hypercalls) against QEMU TCG.
 *
 *  (a) out/sample-guests/bench-guest/bench-pvh.elf (the CPU workload of sample-guests/bench as a PVH kernel)
 *      runs in this process through createMachine + Hypervisor.run; we report wall time, instructions and
 *      MIPS. It prints to port 0xE9 and powers off with SCHEDOP_shutdown.
 *      It also runs under `xen-guest run` (dist/cli.js) as its own process, the fair peer of QEMU's process.
 *  (b) the same ELF under `qemu-system-x86_64 -accel tcg` (PVH boot through -kernel; without Xen CPUID leaves
 *      it leaves through isa-debug-exit): wall time, and the ratio ours / QEMU. Both must print the same
 *      `checksum` line (without QEMU the native build of the workload is the reference, when it exists).
 *  (c) out/sample-guests/bench-guest/hypercall-loop-pvh.elf: 1,000,000 xen_version(XENVER_version) calls
 *      through the hypercall page, then poweroff: hypercall round trips per second.
 *
 * Usage: node out/test/bench/guest-bench.js [--repeat N] [--rounds N] [--no-qemu] [--json]
 *   --repeat N   run every measurement N times and report the fastest (the machine is noisy); default 1
 *   --rounds N   workload rounds (patched into a copy of bench-pvh.elf; default: the image's own)
 *   --no-qemu    skip QEMU
 *   --json       print only the one-line JSON summary
 * Exit status: 0 on success (also when QEMU is missing), 1 when a guest misbehaves or the checksums differ,
 * 2 for usage errors and missing images.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseElf } from '../../emulator/boot/elf';
import { resolveMachineOptions } from '../../emulator/config/launch-options';
import { createMachine } from '../../emulator/machine';
import type { MachineStop } from '../../emulator/xen/hypervisor';
import { REPO_ROOT } from './flat-elf-runner';

const GUEST_DIR = path.join(REPO_ROOT, 'out', 'sample-guests', 'bench-guest');
export const BENCH_PVH = path.join(GUEST_DIR, 'bench-pvh.elf');
export const HYPERCALL_LOOP_PVH = path.join(GUEST_DIR, 'hypercall-loop-pvh.elf');
const NATIVE = path.join(REPO_ROOT, 'out', 'sample-guests', 'bench', 'workload-native');
const QEMU = 'qemu-system-x86_64';
/** Generous: the default workload takes seconds on the emulator and well under a second on QEMU. */
const MAX_INSTRUCTIONS = 50_000_000_000;
const QEMU_TIMEOUT_MS = 600_000;

interface Args { repeat: number; rounds: number; qemu: boolean; json: boolean }

function usage(message: string): never {
  process.stderr.write(`guest-bench: ${message}\nusage: guest-bench [--repeat N] [--rounds N] [--no-qemu] [--json]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { repeat: 1, rounds: 0, qemu: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const num = (flag: string, min: number): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min || v > 0xffffffff) usage(`${flag} needs an integer >= ${min}`);
      return v;
    };
    switch (argv[i]) {
      case '--repeat': a.repeat = num('--repeat', 1); break;
      case '--rounds': a.rounds = num('--rounds', 1); break;
      case '--no-qemu': a.qemu = false; break;
      case '--json': a.json = true; break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

export interface EmulatorRun {
  output: string;
  stop: MachineStop;
  instructions: number;
  /** Wall-clock seconds for the whole run: building the machine (ELF load) and Hypervisor.run. */
  seconds: number;
  /** Of which Hypervisor.run. */
  runSeconds: number;
  cpuSeconds: number;
}

/** Boots a PVH image in this process and runs it to the end; console output is collected, not printed. */
export function runOnEmulator(elf: string): EmulatorRun {
  let output = '';
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const m = createMachine(resolveMachineOptions({ kernel: elf, guestType: 'pvh', memoryMiB: 128 }), {
    onConsole: (_d, text) => { output += text; },
  });
  const t1 = process.hrtime.bigint();
  const stop = m.hv.run(MAX_INSTRUCTIONS);
  m.hv.flushConsole();
  const t2 = process.hrtime.bigint();
  const cpu = process.cpuUsage(c0);
  return {
    output, stop, instructions: m.hv.icount, seconds: Number(t2 - t0) / 1e9, runSeconds: Number(t2 - t1) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

export interface CliRun { output: string; status: number | null; seconds: number; error?: string }

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/** The image under `xen-guest run` as a separate process, like QEMU: node start-up, ELF load, run, exit. */
export function runOnCli(elf: string): CliRun {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, 'run', elf, '--type', 'pvh', '--memory', '128', '--max-instructions', String(MAX_INSTRUCTIONS)], {
    encoding: 'latin1', timeout: QEMU_TIMEOUT_MS, maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { output: r.stdout ?? '', status: r.status, seconds, error: r.error ? r.error.message : (r.stderr || undefined) };
}

export interface QemuRun { output: string; status: number | null; seconds: number; error?: string }

export function qemuAvailable(): boolean {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** The PVH image under QEMU TCG: port 0xE9 on stdout, isa-debug-exit for the exit status ((0 << 1) | 1 = 1). */
export function runOnQemu(elf: string): QemuRun {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(QEMU, [
    '-accel', 'tcg', '-M', 'pc', '-m', '128', '-nographic', '-no-reboot', '-kernel', elf, '-debugcon', 'stdio',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-serial', 'none', '-monitor', 'none',
  ], { encoding: 'latin1', timeout: QEMU_TIMEOUT_MS, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { output: r.stdout ?? '', status: r.status, seconds, error: r.error ? r.error.message : (r.stderr || undefined) };
}

/** The workload's `checksum 0x…` line. */
export const checksumLine = (out: string): string | undefined => /^checksum 0x[0-9a-f]+$/m.exec(out)?.[0];

/** A copy of the image with bench_rounds patched (in the file, so QEMU runs the same thing). */
function withRounds(elf: string, rounds: number, dir: string): string {
  const bytes = new Uint8Array(fs.readFileSync(elf));
  const e = parseElf(bytes);
  const sym = e.symbol('bench_rounds');
  if (!sym) throw new Error(`${elf} has no bench_rounds symbol`);
  const seg = e.loadSegments.find((p) => sym.value >= p.vaddr && sym.value + 4n <= p.vaddr + p.filesz);
  if (!seg) throw new Error(`bench_rounds is not in the file contents of a PT_LOAD segment of ${elf}`);
  new DataView(bytes.buffer).setUint32(Number(seg.offset + (sym.value - seg.vaddr)), rounds >>> 0, true);
  const out = path.join(dir, `bench-pvh-rounds${rounds}.elf`);
  fs.writeFileSync(out, bytes);
  return out;
}

function describeStop(s: MachineStop): string {
  if (s.kind === 'shutdown') return `shutdown (${s.shutdown.reason}${s.shutdown.detail ? `: ${s.shutdown.detail}` : ''})`;
  if (s.kind === 'deadlock') return `deadlock: ${s.detail}`;
  if (s.kind === 'vcpu') return `${s.vcpu.label} stopped: ${s.reason.kind}`;
  return s.kind;
}

const poweredOff = (s: MachineStop): boolean => s.kind === 'shutdown' && s.shutdown.reason === 'poweroff';

function best<T extends { seconds: number }>(runs: T[]): T {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const say = (s: string): void => { if (!args.json) process.stdout.write(`${s}\n`); };
  const missing = [BENCH_PVH, HYPERCALL_LOOP_PVH].filter((f) => !fs.existsSync(f));
  if (missing.length) {
    process.stderr.write(`guest-bench: missing ${missing.map((f) => path.relative(REPO_ROOT, f)).join(' and ')}; run \`npm run build\` first (it builds the sample guests)\n`);
    return 2;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'guest-bench-'));
  const problems: string[] = [];
  try {
    const image = args.rounds ? withRounds(BENCH_PVH, args.rounds, tmp) : BENCH_PVH;
    say(`guest-bench: ${path.relative(REPO_ROOT, BENCH_PVH)} (PVH)${args.rounds ? ` with bench_rounds=${args.rounds}` : ''}, node ${process.version}`);

    // (a) the CPU workload on the emulator.
    const ours: EmulatorRun[] = [];
    for (let i = 0; i < args.repeat; i++) {
      const r = runOnEmulator(image);
      ours.push(r);
      if (args.repeat > 1) say(`  emulator run ${i + 1}: ${r.seconds.toFixed(3)} s, ${(r.instructions / r.runSeconds / 1e6).toFixed(1)} MIPS`);
    }
    const e = best(ours);
    const eSum = checksumLine(e.output);
    if (!poweredOff(e.stop)) problems.push(`the emulator run did not power off: ${describeStop(e.stop)}`);
    if (!eSum) problems.push('the emulator run printed no checksum line');
    const mips = e.instructions / e.runSeconds / 1e6;
    say(`emulator: ${e.seconds.toFixed(3)} s wall (${e.runSeconds.toFixed(3)} s in Hypervisor.run), ${e.instructions} instructions, `
      + `${mips.toFixed(1)} MIPS, ${e.cpuSeconds.toFixed(3)} CPU s; ${eSum ?? 'no checksum'}`);

    // (a2) the same through `xen-guest run`, a whole process like QEMU's.
    const cliRuns: CliRun[] = [];
    for (let i = 0; i < args.repeat; i++) cliRuns.push(runOnCli(image));
    const c = best(cliRuns);
    const cSum = checksumLine(c.output);
    if (c.status !== 0) problems.push(`xen-guest run exited with status ${c.status}${c.error ? `: ${c.error.trim()}` : ''}`);
    else if (cSum !== eSum) problems.push(`checksums differ: in-process "${eSum}", xen-guest run "${cSum}"`);
    say(`xen-guest run: ${c.seconds.toFixed(3)} s wall (whole process); ${cSum ?? 'no checksum'}`);

    // (b) the same image on QEMU TCG.
    let q: QemuRun | undefined;
    let qWork: number | undefined;
    let qStart: number | undefined;
    let qemuNote: string | undefined;
    if (!args.qemu) qemuNote = 'skipped (--no-qemu)';
    else if (!qemuAvailable()) qemuNote = `${QEMU} not found: install QEMU (Debian: apt-get install qemu-system-x86) for the comparison`;
    else {
      const qs: QemuRun[] = [];
      for (let i = 0; i < args.repeat; i++) {
        const r = runOnQemu(image);
        qs.push(r);
        if (args.repeat > 1) say(`  qemu run ${i + 1}: ${r.seconds.toFixed(3)} s`);
      }
      q = best(qs);
      const qSum = checksumLine(q.output);
      if (q.status !== 1) problems.push(`QEMU exited with status ${q.status} (expected 1 from isa-debug-exit)${q.error ? `: ${q.error.trim()}` : ''}`);
      if (!qSum) problems.push('QEMU printed no checksum line');
      else if (eSum && qSum !== eSum) problems.push(`checksums differ: emulator "${eSum}", QEMU "${qSum}"`);
      // QEMU's process start-up is a large part of its wall time: estimate it from a 1-round run of the same image.
      const rounds = Number(/rounds=(\d+)/.exec(q.output)?.[1] ?? 0);
      if (rounds > 1) {
        const one = withRounds(BENCH_PVH, 1, tmp);
        const q1 = best(Array.from({ length: args.repeat }, () => runOnQemu(one)));
        const perRound = Math.max(0, (q.seconds - q1.seconds) / (rounds - 1));
        qWork = perRound * rounds;
        qStart = Math.max(0, q.seconds - qWork);
      }
      say(`qemu tcg: ${q.seconds.toFixed(3)} s wall (whole process${qWork !== undefined ? `: ~${qStart!.toFixed(3)} s start-up, ~${qWork.toFixed(3)} s workload, estimated from a 1-round run` : ''}); ${qSum ?? 'no checksum'}`);
      say(`ratio:    xen-guest run takes ${(c.seconds / q.seconds).toFixed(1)}x QEMU's wall time (process to process); in-process ${(e.seconds / q.seconds).toFixed(1)}x${qWork ? `, ~${(e.runSeconds / qWork).toFixed(0)}x its workload time` : ''}${qSum && qSum === eSum ? '; same checksum' : ''}`);
    }
    if (qemuNote) {
      say(`qemu tcg: ${qemuNote}`);
      // Still check correctness against the native build of the workload when it is there.
      if (eSum && fs.existsSync(NATIVE)) {
        const rounds = /rounds=(\d+)/.exec(e.output)?.[1] ?? '0';
        const native = checksumLine(execFileSync(NATIVE, [rounds], { encoding: 'utf8' }));
        if (native !== eSum) problems.push(`checksums differ: emulator "${eSum}", native "${native}"`);
        else say('          (checksum matches the native build of the workload)');
      }
    }

    // (c) hypercall round trips.
    const hs: EmulatorRun[] = [];
    for (let i = 0; i < args.repeat; i++) hs.push(runOnEmulator(HYPERCALL_LOOP_PVH));
    const h = best(hs);
    const calls = Number(/done (\d+) calls/.exec(h.output)?.[1] ?? NaN);
    const last = /last result (0x[0-9a-f]+)/.exec(h.output)?.[1];
    if (!poweredOff(h.stop)) problems.push(`the hypercall loop did not power off: ${describeStop(h.stop)}`);
    if (!Number.isFinite(calls)) problems.push('the hypercall loop printed no "done N calls" line');
    const perSec = calls / h.runSeconds;
    say(`hypercalls: ${calls} x xen_version(XENVER_version) -> ${last ?? '?'} in ${h.runSeconds.toFixed(3)} s = `
      + `${(perSec / 1e3).toFixed(0)} k calls/s (${(h.instructions / calls).toFixed(1)} guest instructions per call)`);

    for (const p of problems) process.stderr.write(`guest-bench: FAILED: ${p}\n`);
    process.stdout.write(`${JSON.stringify({
      benchmark: 'guest', ok: problems.length === 0, checksum: eSum?.split(' ')[1] ?? null,
      cli: { seconds: round(c.seconds), status: c.status },
      emulator: { seconds: round(e.seconds), runSeconds: round(e.runSeconds), instructions: e.instructions, mips: round(mips, 2), cpuSeconds: round(e.cpuSeconds) },
      qemu: q ? {
        seconds: round(q.seconds), status: q.status, ratio: round(c.seconds / q.seconds, 2), inProcessRatio: round(e.seconds / q.seconds, 2),
        ...(qWork !== undefined ? { startupSeconds: round(qStart!), workloadSeconds: round(qWork), workloadRatio: round(e.runSeconds / qWork, 1) } : {}),
      } : { skipped: qemuNote },
      hypercalls: { calls, seconds: round(h.runSeconds), perSecond: Math.round(perSec), instructionsPerCall: round(h.instructions / calls, 2) },
      node: process.version,
    })}\n`);
    return problems.length ? 1 : 0;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));

if (require.main === module) process.exitCode = main();

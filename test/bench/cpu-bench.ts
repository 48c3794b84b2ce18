/**
 * `npm run bench:cpu`: runs the gcc -O2 integer workload (sample-guests/bench) on the
 * emulator's CPU in flat 64-bit mode and reports instructions, seconds and MIPS. The
 * emulator's output must equal the native CPU's, or the run fails: a fast wrong emulator
 * is worthless.
 *
 * Usage: node out/test/bench/cpu-bench.js [--rounds N] [--repeat N] [--json]
 *   --rounds N   workload rounds (default: the workload's own default, ~100 M instructions)
 *   --repeat N   run N times and report the fastest (the VM is noisy)
 *   --json       print only the one-line JSON summary
 */
import {
  BENCH_ELF, compareOutputs, ensureBenchBuilt, readBenchElf, runBenchOnEmulator, runNative, type FlatRunResult,
} from './flat-elf-runner';

interface Args { rounds: number; repeat: number; json: boolean }

function usage(message: string): never {
  process.stderr.write(`cpu-bench: ${message}\nusage: cpu-bench [--rounds N] [--repeat N] [--json]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { rounds: 0, repeat: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (name: string, min: number): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min || v > 0xffffffff) usage(`${name} needs an integer >= ${min}`);
      return v;
    };
    if (a === '--rounds') args.rounds = num('--rounds', 1);
    else if (a === '--repeat') args.repeat = num('--repeat', 1);
    else if (a === '--json') args.json = true;
    else usage(`unknown argument ${a}`);
  }
  return args;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  ensureBenchBuilt();
  const native = runNative(args.rounds);
  const elf = readBenchElf();
  const say = (s: string): void => { if (!args.json) process.stdout.write(`${s}\n`); };
  say(`cpu-bench: ${BENCH_ELF}`);

  let best: FlatRunResult | undefined;
  for (let i = 0; i < args.repeat; i++) {
    const r = runBenchOnEmulator(elf, { rounds: args.rounds });
    const mismatch = r.failure ? `the guest did not halt cleanly: ${r.failure}` : compareOutputs(r.output, native);
    if (mismatch) {
      process.stderr.write(`cpu-bench: FAILED after ${r.instructions} instructions: ${mismatch}\n`);
      process.stderr.write(`emulator output so far:\n${r.output}\n`);
      process.stdout.write(`${JSON.stringify({ benchmark: 'cpu', ok: false, instructions: r.instructions, error: mismatch.split('\n')[0] })}\n`);
      return 1;
    }
    const mips = r.instructions / r.seconds / 1e6;
    if (args.repeat > 1) say(`run ${i + 1}: ${r.instructions} instructions in ${r.seconds.toFixed(3)} s = ${mips.toFixed(1)} MIPS`);
    if (!best || r.seconds < best.seconds) best = r;
  }
  const r = best!;
  const mips = r.instructions / r.seconds / 1e6;
  const checksum = /^checksum (0x[0-9a-f]+)$/m.exec(r.output)?.[1] ?? '?';
  say(r.output.trimEnd());
  say('output matches the native CPU');
  say(`instructions: ${r.instructions}`);
  say(`seconds:      ${r.seconds.toFixed(3)}`);
  say(`MIPS:         ${mips.toFixed(1)}`);
  say(`CPU seconds:  ${r.cpuSeconds.toFixed(3)} (${(r.instructions / r.cpuSeconds / 1e6).toFixed(1)} MIPS per CPU-second; less sensitive to other load)`);
  process.stdout.write(`${JSON.stringify({
    benchmark: 'cpu', ok: true, rounds: Number(/rounds=(\d+)/.exec(r.output)?.[1] ?? args.rounds), checksum,
    instructions: r.instructions, seconds: Number(r.seconds.toFixed(4)), mips: Number(mips.toFixed(2)),
    cpuSeconds: Number(r.cpuSeconds.toFixed(4)), cpuMips: Number((r.instructions / r.cpuSeconds / 1e6).toFixed(2)), node: process.version,
  })}\n`);
  return 0;
}

process.exitCode = main();

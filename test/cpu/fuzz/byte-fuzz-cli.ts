/**
 * Long random-byte-stream campaign for the CPU core:
 *   node out/test/cpu/fuzz/byte-fuzz-cli.js --seed S --count N --mode M|all [--workers W]
 *   node out/test/cpu/fuzz/byte-fuzz-cli.js --seed S --mode M --case I     (replay one case)
 * Prints a reproducer (mode, bytes, initial state) per failing case and ends with the line
 * "N passed, M failed"; exits 1 if anything failed.
 */
import * as os from 'node:os';
import { describeCase, disassembleCase, makeCase, runCase } from './exec-case';
import { modeOfCase, modesFor, runCampaign } from './exec-runner';

function parseArgs(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) m.set(a.slice(2, eq), a.slice(eq + 1));
    else m.set(a.slice(2), argv[++i] ?? '');
  }
  return m;
}

function num(args: Map<string, string>, key: string, def: number): number {
  const v = args.get(key);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} must be a non-negative integer (got ${v})`);
  return n;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const seed = num(args, 'seed', 1);
  const mode = args.get('mode') ?? 'all';
  const modes = modesFor(mode);
  if (args.has('case')) {
    const index = num(args, 'case', 0);
    const c = makeCase(seed, index, modeOfCase(modes, index));
    console.log(describeCase(c));
    console.log(disassembleCase(c, 16));
    const r = runCase(c);
    console.log(`outcome: ${r.outcome}`);
    for (const n of r.notes) console.log(`note: ${n}`);
    for (const f of r.failures) console.log(`FAIL: ${f}`);
    console.log(`${r.failures.length ? 0 : 1} passed, ${r.failures.length ? 1 : 0} failed`);
    return r.failures.length ? 1 : 0;
  }
  const count = num(args, 'count', 1000);
  const workers = num(args, 'workers', Math.max(1, os.cpus().length));
  const started = Date.now();
  let lastReport = started;
  const result = await runCampaign({
    seed, count, mode, workers, hangMs: num(args, 'hang-ms', 20000),
    onProgress: (done, failed) => {
      if (Date.now() - lastReport > 10000) {
        lastReport = Date.now();
        process.stderr.write(`  ${done}/${count} cases, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      }
    },
  });
  for (const f of result.failures) {
    console.log(`FAIL case ${f.index} (${f.mode}):`);
    for (const line of f.failures) console.log(`  ${line}`);
    console.log(`  reproducer: ${f.reproducer}`);
    console.log(`  replay: node out/test/cpu/fuzz/byte-fuzz-cli.js --seed ${seed} --mode ${mode} --case ${f.index}`);
  }
  console.log('outcomes per mode:');
  for (const [m, per] of [...result.outcomes.entries()].sort()) {
    const parts = [...per.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
    console.log(`  ${m}: ${parts.join(', ')}`);
  }
  if (result.notes.size) {
    console.log('notes (not failures): #UD raised on instructions iced decodes as valid core instructions:');
    for (const [n, v] of [...result.notes.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${n} x${v}`);
  }
  console.log(`time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${result.passed} passed, ${result.failed} failed`);
  return result.failed ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});

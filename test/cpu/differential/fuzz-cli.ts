/**
 * Long differential campaigns: `npm run fuzz:cpu -- --seed S --count N`.
 * Prints a reproducer per failure (deduplicated by form and differing fields) and ends with
 * "N passed, M failed". Exit status 0 when nothing failed, 1 otherwise, 2 for usage errors.
 *
 * Options: --seed S  --count N  --bits 64|32|both  --modes32 compat32,protected32  --case K
 *          --only SUBSTRING (template name or group)  --shrink N  --show N  --out FILE.md  --coverage
 */
import * as fs from 'fs';
import { runCampaign } from './campaign';
import type { EmuMode } from './emulator-runner';
import { failureKey, formatFailure, oneLine, type Failure } from './report';
import type { Bits } from './test-case';

interface Args {
  seed: number; count: number; bits: Bits[]; modes32?: EmuMode[]; caseIndex?: number; only?: string[];
  shrink: number; show: number; out?: string; coverage: boolean;
}

function usage(msg: string): never {
  process.stderr.write(`fuzz-cli: ${msg}\nusage: npm run fuzz:cpu -- [--seed S] [--count N] [--bits 64|32|both] ` +
    '[--modes32 compat32,protected32] [--case K] [--only NAME] [--shrink N] [--show N] [--out FILE] [--coverage]\n');
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seed: Date.now() % 1000000, count: 2000, bits: [64, 32], shrink: 30, show: 50, coverage: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => { const x = argv[++i]; if (x === undefined) usage(`${k} needs a value`); return x; };
    const int = (): number => { const s = v(); const x = Number(s); if (!Number.isInteger(x) || x < 0) usage(`${k}: bad number ${s}`); return x; };
    switch (k) {
      case '--seed': a.seed = int(); break;
      case '--count': a.count = int(); break;
      case '--bits': {
        const s = v();
        a.bits = s === 'both' ? [64, 32] : s === '64' ? [64] : s === '32' ? [32] : usage(`--bits: ${s}`);
        break;
      }
      case '--modes32': a.modes32 = v().split(',').map((m) => (m === 'compat32' || m === 'protected32' ? m : usage(`--modes32: ${m}`))); break;
      case '--case': a.caseIndex = int(); break;
      case '--only': (a.only ??= []).push(v().toLowerCase()); break;
      case '--shrink': a.shrink = int(); break;
      case '--show': a.show = int(); break;
      case '--out': a.out = v(); break;
      case '--coverage': a.coverage = true; break;
      case '-h': case '--help': usage('help');
      // falls through (usage exits)
      default: usage(`unknown option ${k}`);
    }
  }
  return a;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const only = args.only;
  const started = Date.now();
  process.stdout.write(`seed ${args.seed}, ${args.caseIndex !== undefined ? `case ${args.caseIndex}` : `${args.count} cases`}, ` +
    `${args.bits.map((b) => `${b}-bit`).join(' + ')}\n`);
  const res = runCampaign({
    seed: args.seed, count: args.count, bits: args.bits, modes32: args.modes32, caseIndex: args.caseIndex,
    shrink: args.shrink,
    filter: only ? (t) => only.some((o) => t.name.toLowerCase().includes(o) || t.group === o) : undefined,
    progress: (m) => process.stderr.write(`  ${m}\n`),
  });
  const missing = [...res.features.host].filter((f) => !res.features.emulator.has(f));
  if (missing.length) process.stdout.write(`(not generated: host features the emulator does not report: ${missing.join(' ')})\n`);

  // Deduplicate by form + differing fields; show the first reproducer of each kind.
  const groups = new Map<string, Failure[]>();
  for (const f of res.failures) {
    const key = failureKey(f);
    const g = groups.get(key);
    if (g) g.push(f); else groups.set(key, [f]);
  }
  let shown = 0;
  for (const [key, fs0] of groups) {
    if (shown++ >= args.show) break;
    const modes = [...new Set(fs0.map((f) => f.mode))].join('+');
    process.stdout.write(`\n=== ${key} [${modes}] (${fs0.length}×)\n${formatFailure(fs0[0])}\n`);
  }
  if (args.out) {
    const lines = [`# Differential CPU failures (seed ${args.seed}, ${args.count} cases)`, ''];
    for (const [key, fs0] of groups) {
      const modes = [...new Set(fs0.map((f) => f.mode))].join('+');
      lines.push(`- **${key}** [${modes}] (${fs0.length}×): ${oneLine(fs0[0])}`);
    }
    fs.writeFileSync(args.out, lines.join('\n') + '\n');
  }
  if (args.coverage) {
    process.stdout.write('\ncoverage (items per form):\n');
    for (const [name, n] of [...res.coverage].sort((x, y) => x[0].localeCompare(y[0]))) process.stdout.write(`  ${String(n).padStart(7)}  ${name}\n`);
  }
  process.stdout.write(`\n${groups.size} distinct failure kinds; ${((Date.now() - started) / 1000).toFixed(1)} s; seed ${args.seed}\n`);
  process.stdout.write(`${res.passed} passed, ${res.failed} failed\n`);
  process.exitCode = res.failed === 0 ? 0 : 1;
}

main();

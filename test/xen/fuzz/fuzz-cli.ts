/**
 * `npm run fuzz:hypercalls -- --seed S --count N [--type hvm64|hvm32|pv64|pv32|all]`
 *
 * Runs N seeded random hypercalls from each guest type (each type in its own worker thread, with a
 * wall-clock watchdog per case), prints `N passed, M failed` and a reproducer for every distinct failure,
 * and exits 1 when anything failed. Guest types that cannot boot yet (PV before the PV builder lands) are
 * reported as skipped.
 *
 * Options:
 *   --seed S          32-bit seed, decimal or 0x-hex (default 1)
 *   --count N         cases per guest type (default 2000)
 *   --type T          hvm64, hvm32, pv64, pv32 or all (default all); may repeat or be comma-separated
 *   --case K          replay case K of the seed (its epoch from the start, then case K with its trace)
 *   --fresh           with --case: run case K alone on a fresh machine (is it a standalone reproducer?)
 *   --budget N        instructions per case (default 200000)
 *   --timeout S       wall-clock seconds per case before it counts as a hang (default 15)
 *   --coverage        also print, per hypercall, how many calls succeeded and which errnos came back
 *   --json            print the summary as one JSON object instead of text
 */
import {
  ALL_TYPES, DEFAULT_CASE_BUDGET, DEFAULT_CASE_TIMEOUT_MS, FuzzFailure, TypeStats, runFuzzInline, runFuzzIsolated,
} from './hypercall-fuzz';
import type { FuzzGuestType } from './harness-guest';
import { parseSeed } from './rng';

interface Args {
  seed: number;
  count: number;
  types: FuzzGuestType[];
  replay?: number;
  fresh: boolean;
  budget: number;
  timeoutMs: number;
  coverage: boolean;
  json: boolean;
}

const USAGE = 'usage: fuzz:hypercalls -- [--seed S] [--count N] [--type hvm64|hvm32|pv64|pv32|all] [--case K [--fresh]] '
  + '[--budget N] [--timeout SEC] [--coverage] [--json]';

function usage(msg: string): never {
  process.stderr.write(`fuzz:hypercalls: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seed: 1, count: 2000, types: [], fresh: false, budget: DEFAULT_CASE_BUDGET, timeoutMs: DEFAULT_CASE_TIMEOUT_MS, coverage: false, json: false };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) usage(`${flag} needs an integer >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const val = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--seed': {
        const s = parseSeed(val() ?? '');
        if (s === undefined) usage('--seed needs a 32-bit integer (decimal or 0x-hex)');
        a.seed = s;
        break;
      }
      case '--count': a.count = int(flag, val(), 1); break;
      case '--type': {
        for (const t of (val() ?? '').split(',')) {
          if (t === 'all') a.types.push(...ALL_TYPES);
          else if ((ALL_TYPES as readonly string[]).includes(t)) a.types.push(t as FuzzGuestType);
          else usage(`unknown guest type "${t}" (hvm64, hvm32, pv64, pv32, all)`);
        }
        break;
      }
      case '--case': a.replay = int(flag, val(), 0); break;
      case '--fresh': a.fresh = true; break;
      case '--budget': a.budget = int(flag, val(), 10); break;
      case '--timeout': a.timeoutMs = int(flag, val(), 1) * 1000; break;
      case '--coverage': a.coverage = true; break;
      case '--json': a.json = true; break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (a.types.length === 0) a.types = [...ALL_TYPES];
  a.types = [...new Set(a.types)];
  return a;
}

/** Failures with the same check and message shape are one finding; keep a few reproducers of each. */
function groupFailures(failures: FuzzFailure[]): { key: string; items: FuzzFailure[] }[] {
  const groups = new Map<string, FuzzFailure[]>();
  for (const f of failures) {
    // Same check, same words: numbers, addresses and parenthesised details (vCPU states…) do not count.
    const shape = f.message.split('\n')[0].replace(/\([^()]*\)/g, '(…)').replace(/0x[0-9a-f]+/gi, 'X').replace(/\d[\d.]*(e\+\d+)?/g, 'N');
    const key = `${f.type} ${f.check}: ${shape}`;
    const g = groups.get(key) ?? [];
    g.push(f);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, items]) => ({ key, items }));
}

function replay(a: Args): number {
  const type = a.types[0];
  if (a.types.length !== 1) usage('--case needs exactly one --type');
  const k = a.replay!;
  const s = runFuzzInline({
    seed: a.seed, type, start: k, end: k + 1, fresh: a.fresh, verboseCase: k, caseBudget: a.budget,
    log: (l) => process.stdout.write(`${l}\n`),
  });
  if (!s.available) {
    process.stdout.write(`${type}: skipped: ${s.unavailable}\n`);
    return 0;
  }
  for (const f of s.failures) process.stdout.write(`FAILED [${f.check}] ${f.message}\n`);
  process.stdout.write(`${s.passed} passed, ${s.failed} failed\n`);
  return s.failed > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  if (a.replay !== undefined) return replay(a);
  const t0 = Date.now();
  const results: TypeStats[] = await Promise.all(a.types.map((type) =>
    runFuzzIsolated({ seed: a.seed, type, count: a.count, caseBudget: a.budget, caseTimeoutMs: a.timeoutMs })));
  const seconds = (Date.now() - t0) / 1000;
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (a.json) {
    process.stdout.write(`${JSON.stringify({ seed: a.seed, count: a.count, passed, failed, seconds, results })}\n`);
    return failed > 0 ? 1 : 0;
  }
  const out = (s: string): void => { process.stdout.write(`${s}\n`); };
  out(`hypercall fuzz: seed ${a.seed}, ${a.count} cases per guest type, ${seconds.toFixed(1)} s`);
  for (const r of results) {
    if (!r.available) { out(`  ${r.type}: skipped (${r.unavailable})`); continue; }
    const restarts = Object.values(r.restarts).reduce((x, y) => x + y, 0);
    out(`  ${r.type}: ${r.passed} passed, ${r.failed} failed (${restarts} machine restarts after shutdowns or self-inflicted damage, ${r.abandoned} long calls abandoned)`);
    if (a.coverage) {
      const names = Object.entries(r.byName).sort((x, y) => y[1].calls - x[1].calls);
      for (const [name, s] of names) {
        const errs = Object.entries(s.errnos).sort((x, y) => y[1] - x[1]).map(([e, n]) => `${e} ${n}`).join(', ');
        out(`      ${name.padEnd(30)} ${String(s.calls).padStart(6)} calls, ${String(s.ok).padStart(5)} >= 0${errs ? `; ${errs}` : ''}`);
      }
      for (const [why, n] of Object.entries(r.restarts)) out(`      restart: ${why} x${n}`);
    }
  }
  const groups = groupFailures(results.flatMap((r) => r.failures));
  if (groups.length) out(`\n${groups.length} distinct failure(s):`);
  for (const g of groups) {
    out(`\n* ${g.key}  (x${g.items.length})`);
    for (const f of g.items.slice(0, 3)) {
      out(`    case ${f.caseIndex} [${f.config}]`);
      out(`      ${f.message.split('\n').join('\n      ')}`);
      out(`      call: ${f.call}`);
      out(`      reproduce: ${f.reproduce}`);
    }
  }
  out(`\n${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`fuzz:hypercalls: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 2;
});

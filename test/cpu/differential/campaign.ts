/**
 * A differential campaign: generate seeded cases, run them natively (64-bit and -m32 harnesses)
 * and on the emulator (long64; compat32 and protected32 for the 32-bit cases), compare, shrink
 * the failures. Used by the mocha slice and by fuzz-cli.
 */
import { compareResults } from './compare';
import { runEmulator, type EmuMode } from './emulator-runner';
import { commonFeatures } from './features';
import { generateCase } from './gen/case-gen';
import type { Template } from './gen/template';
import { ALL_TEMPLATES } from './gen/templates/index';
import { buildHarness, harnessHello, runNative } from './native';
import type { Failure } from './report';
import { shrinkFailure } from './shrink';
import type { Bits, TestCase } from './test-case';

export interface CampaignOptions {
  seed: number;
  /** Total number of cases, split between the requested bitnesses. */
  count: number;
  bits?: Bits[];
  /** Emulator modes for 32-bit cases (default both). */
  modes32?: EmuMode[];
  /** Only templates whose name or group matches. */
  filter?: (t: Template) => boolean;
  /** Run just this case index (to reproduce). */
  caseIndex?: number;
  /** Shrink at most this many failures (default 20). */
  shrink?: number;
  progress?: (msg: string) => void;
}

export interface CampaignResult {
  passed: number;
  failed: number;
  failures: Failure[];
  features: { host: Set<string>; emulator: Set<string>; both: Set<string> };
  /** Cases per template name (first item), to see the coverage. */
  coverage: Map<string, number>;
}

const BATCH = 2000;

export function runCampaign(opts: CampaignOptions): CampaignResult {
  const bitsList = opts.bits ?? [64, 32];
  const features = commonFeatures();
  const templates = ALL_TEMPLATES.filter((t) => !opts.filter || opts.filter(t));
  if (templates.length === 0) throw new Error('no templates match the filter');
  const res: CampaignResult = { passed: 0, failed: 0, failures: [], features, coverage: new Map() };
  let shrinkBudget = opts.shrink ?? 20;
  bitsList.forEach((bits, bi) => {
    const n = Math.floor(opts.count / bitsList.length) + (bi < opts.count % bitsList.length ? 1 : 0);
    const indices = opts.caseIndex !== undefined ? [opts.caseIndex] : Array.from({ length: n }, (_, i) => i);
    if (indices.length === 0) return;
    const usable = templates.filter((t) => (!t.bits || t.bits.includes(bits)) && (!t.feature || features.both.has(t.feature)));
    if (usable.length === 0) return;
    const bin = buildHarness(bits);
    const modes: EmuMode[] = bits === 64 ? ['long64'] : (opts.modes32 ?? ['compat32', 'protected32']);
    const kernelSegmentBases = bits === 32 || harnessHello(bin).hasFsGsBase;
    for (let b = 0; b < indices.length; b += BATCH) {
      const cases: TestCase[] = indices.slice(b, b + BATCH)
        .map((i) => generateCase(opts.seed, i, bits, { templates: usable, features: features.both, kernelSegmentBases }));
      const { hello, results } = runNative(bin, cases);
      for (const c of cases) {
        const native = results.get(c.id);
        if (!native) throw new Error(`no native result for ${c.origin}`);
        for (const it of c.items) res.coverage.set(it.name, (res.coverage.get(it.name) ?? 0) + 1);
        let ok = true;
        for (const mode of modes) {
          const emu = runEmulator(c, mode, hello.exitTarget).result;
          const diffs = compareResults(c, native, emu);
          if (diffs.length === 0) continue;
          ok = false;
          const first = { c, native, emu, diffs };
          const minimal = shrinkBudget-- > 0 ? shrinkFailure(first, mode, bin, hello.exitTarget) : first;
          res.failures.push({ mode, first, minimal });
        }
        if (ok) res.passed++; else res.failed++;
      }
      opts.progress?.(`${bits}-bit: ${Math.min(b + BATCH, indices.length)}/${indices.length} cases, ${res.failed} failed so far`);
    }
  });
  return res;
}

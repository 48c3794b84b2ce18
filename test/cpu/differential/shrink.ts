/**
 * Shrinks a failing case while it keeps failing the same way: items are replaced by a jump over
 * their bytes (so every other byte keeps its address), memory patches are dropped, registers and
 * flags are simplified. Candidates of one round run natively in a single batch.
 */
import { compareResults, type Diff } from './compare';
import { runEmulator, type EmuMode } from './emulator-runner';
import { ARITH } from './gen/template';
import { runNative } from './native';
import { cloneCase, type TestCase } from './test-case';
import type { RunResult } from './wire';

export interface Verdict { c: TestCase; native: RunResult; emu: RunResult; diffs: Diff[]; }

/** What kind of failure this is: the differing field names (values excluded). */
export function signature(diffs: Diff[]): string {
  return diffs.map((d) => {
    const f = d.field.replace(/ \(.*$/, '').replace(/@0x[0-9a-f]+/, '');
    // For a different outcome, the outcomes themselves are the kind of failure.
    return f === 'outcome' ? `outcome ${d.native.replace(/\(.*/, '')}/${d.emulator.replace(/\(.*/, '')}` : f;
  }).sort().join(',');
}

/** Items still live (not replaced by a jump). */
export function liveItems(c: TestCase): number[] {
  return c.items.map((it, i) => (it.name === '(removed)' ? -1 : i)).filter((i) => i >= 0);
}

/** The case with item k's bytes replaced by a jump over them, or undefined if that changes flag validity. */
function withoutItem(c: TestCase, k: number): TestCase | undefined {
  const it = c.items[k];
  const len = it.end - it.start;
  if (len < 2 && len !== 1) return undefined;
  const d = cloneCase(c);
  const code = d.code;
  if (len === 1) code[it.start] = 0x90;
  else if (len - 2 <= 127) { code[it.start] = 0xeb; code[it.start + 1] = len - 2; }
  else { code[it.start] = 0xe9; new DataView(code.buffer).setInt32(it.start + 1, len - 5, true); }
  d.items[k] = { ...it, name: '(removed)', fr: 0, fw: 0, fu: 0, fixup: false };
  // Recompute which flags are undefined where; a later item must not read undefined flags.
  let undef = 0;
  for (const x of d.items) {
    let uin = undef;
    if (x.fixup) uin = 0;
    if (x.fr & uin) return undefined;
    x.undefIn = uin;
    undef = ((uin & ~x.fw) | x.fu) & ARITH;
    x.undefOut = undef;
  }
  return d;
}

function candidates(c: TestCase): TestCase[] {
  const out: TestCase[] = [];
  const live = liveItems(c);
  if (live.length > 1) for (const k of [...live].reverse()) { const d = withoutItem(c, k); if (d) out.push(d); }
  if ((c.rflags & 0xfffn) !== 0x202n) { const d = cloneCase(c); d.rflags = 0x202n; out.push(d); }
  for (let r = 0; r < (c.bits === 64 ? 16 : 8); r++) {
    if (r === 4 || c.regs[r] === 0n) continue;
    const d = cloneCase(c); d.regs[r] = 0n; out.push(d);
  }
  for (let p = 0; p < c.patches.length; p++) {
    const d = cloneCase(c); d.patches.splice(p, 1); out.push(d);
  }
  if (c.fsBase !== 0n || c.gsBase !== 0n) { const d = cloneCase(c); d.fsBase = 0n; d.gsBase = 0n; out.push(d); }
  return out;
}

export function shrinkFailure(start: Verdict, mode: EmuMode, bin: string, exitTarget: bigint, maxRounds = 40): Verdict {
  const sig = signature(start.diffs);
  let cur = start;
  for (let round = 0; round < maxRounds; round++) {
    const cands = candidates(cur.c).map((c, i) => ({ ...c, id: i }));
    if (cands.length === 0) break;
    const nat = runNative(bin, cands).results;
    let next: Verdict | undefined;
    for (const c of cands) {
      const n = nat.get(c.id);
      if (!n) continue;
      const e = runEmulator(c, mode, exitTarget).result;
      const diffs = compareResults(c, n, e);
      if (diffs.length > 0 && signature(diffs) === sig) { next = { c, native: n, emu: e, diffs }; break; }
    }
    if (!next) break;
    cur = next;
  }
  return cur;
}

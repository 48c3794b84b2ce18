/**
 * Builds native/harness.c with gcc (64-bit and -m32) into out/difftest-native/ and runs batches of
 * cases through it. The binary is rebuilt when the source changes (keyed by a hash of it).
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Bits, TestCase } from './test-case';
import { decodeOutput, encodeCases, type Hello, type RunResult } from './wire';

const SOURCE = path.resolve(__dirname, '../../../../test/cpu/differential/native/harness.c');

function repoRoot(): string {
  return path.resolve(__dirname, '../../../..');
}

/** Compiles the harness for `bits` (once per source version) and returns the binary's path. */
export function buildHarness(bits: Bits): string {
  const src = fs.readFileSync(SOURCE);
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 12);
  const dir = path.join(repoRoot(), 'out', 'difftest-native');
  const bin = path.join(dir, `harness${bits}-${hash}`);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const args = ['-O2', '-Wall', '-fno-stack-protector', '-fno-pie', '-no-pie', bits === 32 ? '-m32' : '-m64',
    SOURCE, '-o', tmp];
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`gcc not runnable: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`building the ${bits}-bit native harness failed (gcc ${args.join(' ')}):\n${r.stderr}` +
      (bits === 32 ? '\n(is gcc-multilib installed? the 32-bit differential tests need gcc -m32)' : ''));
  }
  fs.renameSync(tmp, bin);
  // Drop binaries built from older versions of the source.
  for (const f of fs.readdirSync(dir)) {
    if (f.startsWith(`harness${bits}-`) && path.join(dir, f) !== bin && !f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
  }
  return bin;
}

let host32: string | null | undefined;

/**
 * Why this host cannot execute 32-bit programs (a kernel built or booted without IA32 emulation), or null if it
 * can. Probed once with the 32-bit harness itself: a runnable harness always greets with its hello block.
 * (An exec the kernel refuses is retried by execvp through /bin/sh, so the status alone does not tell.)
 */
export function cannotRun32BitPrograms(): string | null {
  if (host32 !== undefined) return host32;
  const r = spawnSync(buildHarness(32), [], { input: Buffer.alloc(0) });
  let ok = false;
  try { ok = r.status === 0 && decodeOutput(r.stdout).hello !== undefined; } catch { ok = false; }
  host32 = ok ? null : `this host's kernel does not run 32-bit (i386) programs (no IA32 emulation): ${
    r.error?.message ?? r.stderr.toString().trim().split('\n')[0] ?? `exit ${r.status}`}`;
  return host32;
}

export interface NativeBatch { hello: Hello; results: Map<number, RunResult>; }

/** Runs the cases (all of the same bitness) natively. Re-runs the tail if the harness dies. */
export function runNative(bin: string, cases: TestCase[]): NativeBatch {
  const no32 = cases.some((c) => c.bits === 32) ? cannotRun32BitPrograms() : null;
  if (no32) throw new Error(no32);
  let hello: Hello | undefined;
  const results = new Map<number, RunResult>();
  let pending = cases;
  let guard = 0;
  while (pending.length > 0) {
    const r = spawnSync(bin, [], { input: encodeCases(pending), maxBuffer: 1 << 30, timeout: 600_000 });
    if (r.error) throw new Error(`native harness failed: ${r.error.message}`);
    const out = decodeOutput(r.stdout);
    hello = out.hello;
    for (const [id, res] of out.results) results.set(id, res);
    if (r.status === 0) break;
    // The harness died (it should not): record the culprit and continue after it.
    const done = pending.findIndex((c) => !results.has(c.id));
    if (done < 0) break;
    const culprit = pending[done];
    results.set(culprit.id, {
      outcome: 'timeout', gpr: new Array(16).fill(0n), rip: 0n, rflags: 0n, memChanges: new Map(),
      note: `native harness exited with ${r.status ?? r.signal}: ${r.stderr.toString().trim()}`,
    });
    pending = pending.slice(done + 1);
    if (++guard > 1000) throw new Error('native harness keeps dying');
  }
  if (!hello) {
    const r = spawnSync(bin, [], { input: Buffer.alloc(0) });
    hello = decodeOutput(r.stdout).hello;
  }
  return { hello, results };
}

/** The hello block alone (trailer bytes and features), used by the emulator side. */
export function harnessHello(bin: string): Hello {
  const r = spawnSync(bin, [], { input: Buffer.alloc(0) });
  if (r.status !== 0) throw new Error(`native harness did not start: ${r.stderr}`);
  return decodeOutput(r.stdout).hello;
}

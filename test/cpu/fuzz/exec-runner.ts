/**
 * Runs execution-fuzz cases in a worker thread so a case that hangs the (synchronous) CPU
 * can be detected and killed by a wall-clock watchdog; the campaign then resumes after it.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FUZZ_MODES, FuzzMode, findMode } from './exec-modes';
import { describeCase, makeCase } from './exec-case';

export interface CampaignOptions {
  seed: number;
  count: number;
  /** A mode name or 'all' (cases then rotate through the modes). */
  mode: string;
  /** Wall-clock limit for one case before it is declared hung (a failure detector, not a speed test). */
  hangMs?: number;
  workers?: number;
  /** Self-test of the watchdog: the worker spins forever on this case index. */
  selfTestHangCase?: number;
  onProgress?: (done: number, failed: number) => void;
}

export interface CaseFailure {
  index: number;
  mode: string;
  reproducer: string;
  failures: string[];
}

export interface CampaignResult {
  passed: number;
  failed: number;
  failures: CaseFailure[];
  /** outcome label → count, per mode. */
  outcomes: Map<string, Map<string, number>>;
  /** note → count (e.g. "#UD on long64 Xyz"). */
  notes: Map<string, number>;
}

/** Messages from the worker. */
export type WorkerMessage =
  | { t: 'start'; index: number }
  | { t: 'done'; index: number; mode: string; outcome: string; failures: string[]; notes: string[] }
  | { t: 'end' };

export interface WorkerJob { seed: number; modes: string[]; indices: number[]; selfTestHangCase?: number }

export function modesFor(mode: string): FuzzMode[] {
  return mode === 'all' ? [...FUZZ_MODES] : [findMode(mode)];
}

/** Case index → mode: with several modes, cases rotate through them. */
export function modeOfCase(modes: readonly FuzzMode[], index: number): FuzzMode {
  return modes[index % modes.length];
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Runs `indices` in one worker (restarting it after a hang); resolves when all are done. */
function runSlice(opts: CampaignOptions, modes: FuzzMode[], indices: number[], result: CampaignResult): Promise<void> {
  const hangMs = opts.hangMs ?? 20000;
  return new Promise((resolve) => {
    let pos = 0;
    const startWorker = (): void => {
      if (pos >= indices.length) { resolve(); return; }
      const job: WorkerJob = { seed: opts.seed, modes: modes.map((m) => m.name), indices: indices.slice(pos), selfTestHangCase: opts.selfTestHangCase };
      const worker = new Worker(path.join(__dirname, 'exec-worker.js'), { workerData: job });
      let current = -1;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      current = indices[pos];
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          // The worker is stuck inside one case: record it as hung and continue after it.
          finished = true;
          const c = makeCase(opts.seed, current, modeOfCase(modes, current));
          result.failed++;
          result.failures.push({ index: current, mode: c.mode.name, reproducer: describeCase(c), failures: [`hang: no result within ${hangMs} ms`] });
          pos = indices.indexOf(current) + 1;
          void worker.terminate().then(startWorker);
        }, hangMs);
      };
      arm();
      worker.on('message', (m: WorkerMessage) => {
        if (m.t === 'start') {
          current = m.index;
          arm();
        } else if (m.t === 'done') {
          pos = indices.indexOf(m.index, pos) + 1;
          let per = result.outcomes.get(m.mode);
          if (!per) result.outcomes.set(m.mode, (per = new Map()));
          bump(per, m.outcome);
          for (const n of m.notes) bump(result.notes, n);
          if (m.failures.length) {
            result.failed++;
            const c = makeCase(opts.seed, m.index, modeOfCase(modes, m.index));
            result.failures.push({ index: m.index, mode: m.mode, reproducer: describeCase(c), failures: m.failures });
          } else {
            result.passed++;
          }
          opts.onProgress?.(result.passed + result.failed, result.failed);
        } else if (m.t === 'end') {
          finished = true;
          if (timer) clearTimeout(timer);
          void worker.terminate().then(() => resolve());
        }
      });
      worker.on('error', (e) => {
        // A crash of the worker itself (not a guest exception): blame the current case.
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        const idx = current >= 0 ? current : indices[pos];
        const c = makeCase(opts.seed, idx, modeOfCase(modes, idx));
        result.failed++;
        result.failures.push({ index: idx, mode: c.mode.name, reproducer: describeCase(c), failures: [`worker crashed: ${e.stack ?? e.message}`] });
        pos = indices.indexOf(idx) + 1;
        startWorker();
      });
    };
    startWorker();
  });
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const modes = modesFor(opts.mode);
  const result: CampaignResult = { passed: 0, failed: 0, failures: [], outcomes: new Map(), notes: new Map() };
  const width = Math.max(1, Math.min(opts.workers ?? 1, opts.count));
  const slices: number[][] = Array.from({ length: width }, () => []);
  for (let i = 0; i < opts.count; i++) slices[i % width].push(i);
  await Promise.all(slices.map((s) => runSlice(opts, modes, s, result)));
  result.failures.sort((a, b) => a.index - b.index);
  return result;
}

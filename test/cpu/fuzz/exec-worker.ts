/** Worker-thread side of exec-runner: runs the cases it is given and reports each one. */
import { parentPort, workerData } from 'node:worker_threads';
import { makeCase, runCase } from './exec-case';
import { findMode } from './exec-modes';
import type { WorkerJob, WorkerMessage } from './exec-runner';

const job = workerData as WorkerJob;
const modes = job.modes.map(findMode);
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

for (const index of job.indices) {
  post({ t: 'start', index });
  if (index === job.selfTestHangCase) for (;;) { /* watchdog self-test: hang like a runaway run() */ }
  const c = makeCase(job.seed, index, modes[index % modes.length]);
  let r;
  try {
    r = runCase(c);
  } catch (e) {
    r = { failures: [`harness error: ${e instanceof Error ? e.stack : String(e)}`], outcome: 'harness-error', notes: [] };
  }
  post({ t: 'done', index, mode: c.mode.name, outcome: r.outcome, failures: r.failures, notes: r.notes });
}
post({ t: 'end' });

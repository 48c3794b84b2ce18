/**
 * Worker thread of the isolated hypercall fuzzer (runFuzzIsolated): runs a range of cases, beats the
 * heartbeat and publishes the call it is about to make before each one (so the watchdog can report a hang),
 * and posts statistics snapshots (after every failure) and the final result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CALL_TEXT_BYTES, FuzzOptions, TypeStats, runFuzzInline } from './hypercall-fuzz';

const { opts, heartbeat, callText } = workerData as { opts: FuzzOptions; heartbeat: Int32Array; callText: Uint8Array };
const encoder = new TextEncoder();
const post = (kind: 'snapshot' | 'done', stats: TypeStats, next: number): void => parentPort!.postMessage({ kind, stats, next });
const stats = runFuzzInline({
  ...opts,
  onCase: (i, call) => {
    if (call) {
      const r = encoder.encodeInto(call(), callText.subarray(0, CALL_TEXT_BYTES - 1));
      callText[r.written] = 0;
    }
    Atomics.store(heartbeat, 0, i);
  },
  onSnapshot: (s, next) => post('snapshot', s, next),
});
post('done', stats, opts.end);

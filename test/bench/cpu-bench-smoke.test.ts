/**
 * Correctness of the CPU on the benchmark workload: a couple of short runs must print
 * exactly what the native CPU prints (per-phase checksums, so a failure names the phase).
 * Speed is the benchmark's business (npm run bench:cpu), never asserted here.
 */
import * as assert from 'node:assert/strict';
import { compareOutputs, ensureBenchBuilt, readBenchElf, runBenchOnEmulator, runNative } from './flat-elf-runner';

describe('CPU benchmark workload (smoke)', function () {
  this.timeout(120_000);
  before(() => ensureBenchBuilt());

  for (const rounds of [1, 2]) {
    it(`computes the native checksum with ${rounds} round(s)`, () => {
      const native = runNative(rounds);
      const r = runBenchOnEmulator(readBenchElf(), { rounds, maxInstructions: 50_000_000 });
      assert.equal(r.failure, undefined, r.failure);
      assert.equal(r.stop.kind, 'halt');
      assert.equal(compareOutputs(r.output, native), undefined);
      assert.match(r.output, new RegExp(`rounds=${rounds}\\n`));
      assert.ok(r.instructions > 1_000_000, `ran ${r.instructions} instructions`);
    });
  }
});

/**
 * Differential tests of the CPU core against this machine's CPU: a C harness (built here with gcc,
 * 64-bit and -m32) runs generated instruction sequences natively in user mode; the emulator runs
 * the same bytes from the same state; registers, flags, memory and faults must agree.
 * Long campaigns: `npm run fuzz:cpu -- --seed S --count N`.
 */
import * as assert from 'assert';
import { runCampaign } from './differential/campaign';
import { decodeAll } from './differential/disasm';
import { hostFeatures } from './differential/features';
import { generateCase } from './differential/gen/case-gen';
import { EXPECTED_MNEMONICS } from './differential/gen/expected';
import { ALL_TEMPLATES } from './differential/gen/templates/index';
import { CODE_BASE, CODE_SIZE, DATA_BASE, RO_BASE } from './differential/layout';
import { buildHarness, cannotRun32BitPrograms, runNative } from './differential/native';
import { failureKey, formatFailure } from './differential/report';
import type { Bits, TestCase } from './differential/test-case';

const SLICE_SEED = 20240611;
const SLICE_COUNT = 3000;

/** A hand-written case: bytes and a few registers, everything else zero. */
function handCase(id: number, bits: Bits, code: number[], regs: Record<number, bigint> = {}, rflags = 0x202n): TestCase {
  const r: bigint[] = new Array(16).fill(0n);
  r[4] = DATA_BASE + 0x3800n;
  for (const [k, v] of Object.entries(regs)) r[Number(k)] = v;
  return {
    id, bits, code: Uint8Array.from(code), codeOffset: 0, regs: r, rflags, fsBase: 0n, gsBase: 0n, memSeed: 1,
    patches: [], items: [], undefRegs: [], origin: `hand case ${id}`,
  };
}

/**
 * Skips a 32-bit native test on a host whose kernel cannot execute i386 programs (the harness still has to
 * build: that part never skips). The reason is printed so the skip is visible in the run.
 */
function skipWithout32BitHost(ctx: Mocha.Context, bits: Bits): void {
  const why = bits === 32 ? cannotRun32BitPrograms() : null;
  if (!why) return;
  console.log(`      (skipped: ${why})`);
  ctx.skip();
}

describe('CPU differential tests (native CPU vs emulator)', function () {
  this.timeout(300_000);

  for (const bits of [64, 32] as const) {
    it(`builds the ${bits}-bit native harness with gcc${bits === 32 ? ' -m32' : ''}`, () => {
      // No skip: without gcc-multilib the 32-bit differential tests must fail, not vanish.
      buildHarness(bits);
    });

    it(`${bits}-bit harness reports results and faults the way the CPU does`, function () {
      skipWithout32BitHost(this, bits);
      const bin = buildHarness(bits);
      const cases = [
        handCase(0, bits, [0x01, 0xd8], { 0: 5n, 3: 7n }), // add eax,ebx
        handCase(1, bits, [0x31, 0xd2, 0xf7, 0xf1], { 0: 1n }), // xor edx,edx; div ecx → #DE
        handCase(2, bits, [0x0f, 0x0b]), // ud2 → #UD
        handCase(3, bits, [0x89, 0x18], { 0: RO_BASE + 4n }), // mov [eax],ebx on a read-only page → #PF(7)
        handCase(4, bits, [0x50, 0x5b], { 0: 0x1234n }), // push eax; pop ebx
        handCase(5, bits, [0xf4]), // hlt → #GP(0)
        handCase(6, bits, [0x8b, 0x00], { 0: 0x1000n }), // mov eax,[0x1000] → #PF(4), unmapped
        handCase(7, bits, [0xeb, 0xfe]), // jmp $ → stopped by the harness's CPU-time watchdog
      ];
      const res = runNative(bin, cases).results;
      const r = (id: number) => res.get(id)!;
      assert.strictEqual(r(0).outcome, 'ok');
      assert.strictEqual(r(0).gpr[0], 12n);
      assert.strictEqual(r(0).rip, CODE_BASE + 2n);
      assert.deepStrictEqual([r(1).outcome, r(1).vector, r(1).rip], ['signal', 0, CODE_BASE + 2n]);
      assert.deepStrictEqual([r(2).outcome, r(2).vector], ['signal', 6]);
      assert.deepStrictEqual([r(3).vector, r(3).errorCode, r(3).cr2], [14, 7, RO_BASE + 4n]);
      assert.strictEqual(r(4).gpr[3], 0x1234n);
      assert.strictEqual(r(4).memChanges.size > 0, true, 'the push is visible in the data page');
      assert.deepStrictEqual([r(5).vector, r(5).errorCode], [13, 0]);
      assert.deepStrictEqual([r(6).vector, r(6).errorCode, r(6).cr2], [14, 4, 0x1000n]);
      assert.strictEqual(r(7).outcome, 'timeout');
    });

    it(`${bits}-bit generator: every template emits the forms it claims (checked with iced-x86) and runs natively`, function () {
      skipWithout32BitHost(this, bits);
      const features = hostFeatures();
      const problems: string[] = [];
      const cases: TestCase[] = [];
      let id = 0;
      for (const t of ALL_TEMPLATES) {
        if (t.bits && !t.bits.includes(bits)) continue;
        if (t.feature && !features.has(t.feature)) continue;
        const expect = EXPECTED_MNEMONICS[t.name];
        if (expect === undefined) { problems.push(`${t.name}: no expected mnemonics listed`); continue; }
        for (let k = 0; k < 25; k++) {
          const c = generateCase(7, id, bits, { templates: [{ ...t, weight: 1 }], features, singleP: 1 });
          c.id = id++;
          cases.push(c);
          if (c.codeOffset + c.code.length >= CODE_SIZE || expect === null) continue;
          const it = c.items[0];
          const insns = decodeAll(c.code.subarray(it.body, it.end), bits, CODE_BASE + BigInt(c.codeOffset + it.body));
          const len = insns.reduce((s, i) => s + i.length, 0);
          if (len !== it.end - it.body) problems.push(`${t.name}: decoded length ${len} != ${it.end - it.body}`);
          for (const i of insns) {
            if (!expect.test(i.mnemonic.toLowerCase())) problems.push(`${t.name}: got ${i.mnemonic} (${i.text})`);
          }
        }
      }
      const res = runNative(buildHarness(bits), cases).results;
      for (const c of cases) {
        const r = res.get(c.id);
        if (!r || r.note) problems.push(`${c.items[0]?.name}: native run failed ${r?.note ?? ''}`);
      }
      assert.deepStrictEqual([...new Set(problems)].slice(0, 30), []);
    });
  }

  it(`seeded slice (seed ${SLICE_SEED}, ${SLICE_COUNT} cases, 64-bit and 32-bit): the emulator matches this CPU`, () => {
    // Without a 32-bit host the whole slice runs as 64-bit cases (the 32-bit emulator modes are still covered by
    // the 32-bit guest kernels).
    const bits: Bits[] = cannotRun32BitPrograms() ? [64] : [64, 32];
    const res = runCampaign({ seed: SLICE_SEED, count: SLICE_COUNT, shrink: 25, bits });
    if (res.failed === 0) return;
    const seen = new Set<string>();
    const shown: string[] = [];
    for (const f of res.failures) {
      const key = failureKey(f);
      if (seen.has(key)) continue;
      seen.add(key);
      if (shown.length < 12) shown.push(`=== ${key}\n${formatFailure(f)}`);
    }
    assert.fail(`${res.passed} passed, ${res.failed} failed (${seen.size} distinct kinds; first ${shown.length} below)\n\n${shown.join('\n\n')}`);
  });
});

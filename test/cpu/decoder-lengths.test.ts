/**
 * Our decoder's instruction lengths against two independent decoders: objdump (on gcc output
 * at -O0..-Os, 64-bit and 32-bit, plus libgcc's integer helpers) and iced-x86 (on the same
 * corpus and on biased random byte strings).
 */
import * as assert from 'node:assert/strict';
import { instructionLength } from '../../emulator/cpu/decoder';
import { icedDecode } from './fuzz/iced-oracle';
import { checkCorpusLengths, checkRandomLengths, CorpusReport, formatCounts, formatFailure } from './fuzz/length-check';
import { buildCorpusObjects, CorpusInsn, loadCorpus, parseObjdump } from './fuzz/objdump-corpus';

const RANDOM_SEED = 0x5eed1e57;
const RANDOM_CASES = Number(process.env.DECODER_FUZZ_CASES ?? 20000);

function failureMessage(what: string, list: string[], total: number): string {
  return `${total} ${what}:\n  ${list.slice(0, 60).join('\n  ')}${list.length > 60 ? `\n  ... ${list.length - 60} more buckets` : ''}`;
}

describe('decoder instruction lengths', function () {
  this.timeout(600000);

  it('parses objdump listings, gluing stray prefixes to their instruction', () => {
    const listing = [
      'Disassembly of section .text:',
      '',
      '0000000000000000 <f>:',
      '   0:\t66 90                \txchg   %ax,%ax',
      '   2:\tf0                   \tlock',
      '   3:\t01 07                \tadd    %eax,(%rdi)',
      '   5:\t(bad)',
      '   6:\tc3                   \tret',
    ].join('\n');
    const { sections } = parseObjdump(listing);
    assert.deepEqual(sections[0].map((l) => [l.addr, l.bytes.length, l.text]), [
      [0, 2, 'xchg   %ax,%ax'], [2, 3, 'lock add    %eax,(%rdi)'], [6, 1, 'ret'],
    ]);
  });

  describe('gcc corpus (objdump -d)', () => {
    let insns: CorpusInsn[] = [];
    let report: CorpusReport;

    before(async () => {
      const objects = await buildCorpusObjects();
      ({ insns } = await loadCorpus(objects));
      report = checkCorpusLengths(insns, instructionLength);
      console.log(`      corpus: ${objects.length} objects, ${report.total} instructions, ${report.unique} distinct, ` +
        `${report.checks} checks, ${report.passed} passed, ${report.failures.total} failed`);
      console.log(`      skipped FP/vector (our decoder: -1): ${report.skipped.size ? formatCounts(report.skipped) : 'none'}`);
    });

    it('is large and covers both code sizes', () => {
      assert.ok(insns.filter((i) => i.bits === 64).length > 5000, 'too few 64-bit instructions');
      assert.ok(insns.filter((i) => i.bits === 32).length > 5000, 'too few 32-bit instructions');
      for (const text of ['cpuid', 'rdtsc', 'lock cmpxchg', 'lgdt', 'ltr', 'iretq', 'swapgs', 'sysret', 'rep movs', 'rep stos', 'int    $0x80', 'ud2', 'mov    %cr']) {
        assert.ok(insns.some((i) => i.text.includes(text)), `corpus has no ${text}`);
      }
    });

    it('objdump and iced-x86 agree with each other (oracle sanity)', () => {
      assert.equal(report.oracleDisagreements.length, 0, failureMessage('oracle disagreements', report.oracleDisagreements, report.oracleDisagreements.length));
    });

    it('every integer and system instruction has objdump\'s length in our decoder', () => {
      const list = report.failures.list.map(formatFailure);
      assert.equal(report.failures.total, 0, failureMessage('length mismatches (mode bytes: why ours/expected [objdump text])', list, report.failures.total));
    });

    it('skips only a few FP/vector instructions', () => {
      let skipped = 0;
      for (const n of report.skipped.values()) skipped += n;
      // Kernels build with -mno-sse; the only FP here is the small x87 file.
      assert.ok(skipped <= report.checks * 0.02, `${skipped} skipped of ${report.checks}: ${formatCounts(report.skipped)}`);
    });
  });

  describe('random byte strings vs iced-x86', () => {
    it(`agrees on ${RANDOM_CASES} biased random strings in 64-, 32-bit and compat modes`, () => {
      const r = checkRandomLengths(RANDOM_SEED, RANDOM_CASES, instructionLength);
      console.log(`      ${r.checks} checks: ${r.agreed} agreed, ${r.icedInvalid} invalid per iced ` +
        `(${r.oursLenientOnInvalid} of them given a length by us), ${r.failures.total} failed`);
      if (r.unimplemented.size) console.log(`      outside the core set, -1 from us: ${formatCounts(r.unimplemented, 25)}`);
      assert.ok(r.agreed > r.checks / 3, 'too few valid instructions: the generator lost its bias');
      const list = r.failures.list.map(formatFailure);
      assert.equal(r.failures.total, 0, failureMessage('disagreements with iced-x86', list, r.failures.total));
    });

    it('the oracle classifies a few known encodings as expected', () => {
      const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
      assert.equal(icedDecode(bytes('0fa2'), 'long64').cls, 'core'); // cpuid
      assert.equal(icedDecode(bytes('f3480fbcc0'), 'long64').cls, 'core'); // tzcnt = rep bsf
      assert.equal(icedDecode(bytes('d9c0'), 'protected32').cls, 'fpvec'); // fld st0
      assert.equal(icedDecode(bytes('660fefc0'), 'long64').cls, 'fpvec'); // pxor
      assert.equal(icedDecode(bytes('0f01ca'), 'long64').cls, 'ext'); // clac (SMAP)
      assert.equal(icedDecode(bytes('f00 1ce'.replace(' ', '')), 'long64').status, 'invalid'); // lock add reg,reg
    });
  });
});

/**
 * DWARF 4: the debuggee rebuilt with `gcc -gdwarf-4` (same Makefile, output in a temporary directory), so
 * .debug_loc, .debug_ranges, DWARF 4 line tables, DW_FORM_strp/data-member locations and DWARF 4 CFI are
 * read; the same oracles and the same live recursion check as for DWARF 5.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareWithAddr2line } from './oracles';
import { checkRecursion } from './recursion-check';
import { hasTool, load, REPO_ROOT, run } from './helpers';

describe('symbols: DWARF 4 images', function () {
  let dir = '';
  const image = (v: string) => path.join(dir, 'debuggee', `debuggee-${v}.elf`);

  before(function () {
    if (!hasTool('gcc') || !hasTool('make') || !hasTool('addr2line')) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'symbols-dwarf4-'));
    execFileSync('make', ['-s', '-C', path.join(REPO_ROOT, 'sample-guests'), `OUT=${dir}`, 'CC=gcc -gdwarf-4', '-j4', 'debuggee'],
      { stdio: 'ignore' });
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  for (const v of ['pv64-O0', 'pv64-Og', 'hvm32-Og']) {
    it(`debuggee-${v} (DWARF 4): lines, functions and inlining agree with addr2line`, () => {
      assert.match(run('readelf', ['--debug-dump=info', image(v)]).slice(0, 2000), /Version:\s+4/);
      compareWithAddr2line(image(v));
    });
    it(`debuggee-${v} (DWARF 4): unwinding and values at the bottom of the recursion`, () => {
      checkRecursion(image(v), v);
      const sym = load(image(v));
      const node = sym.typeByName('struct node')!;
      assert.ok(node.kind === 'struct' && node.size === (v.startsWith('hvm32') ? 44 : 48));
      const delta = node.members.find((m) => m.name === 'delta')!;
      assert.strictEqual(delta.offset * 8 + delta.bitOffset!, 8 * 25, 'DW_AT_bit_offset converted');
      assert.deepStrictEqual(sym.warnings, []);
    });
  }
});

/**
 * Line tables and functions against binutils: every instruction address of an image through addr2line -f -i
 * (source line, outermost function, inlined chain with call sites), and every row of readelf's decoded
 * line table through sourceAt. Also resolveLine / breakpointLines / lineRangeAt on the debuggee markers.
 */
import * as assert from 'assert';
import * as path from 'path';
import { compareWithAddr2line } from './oracles';
import {
  DEBUGGEE_IMAGES, DEBUGGEE_SRC, debuggeePath, GUESTS, hasTool, load, markerLine, run,
} from './helpers';

const OTHER_IMAGES = ['hello/hello-pv32.elf', 'hello/hello-hvm32.elf', 'events/events-pv64.elf', 'smp/smp-hvm64.elf'];
const IMAGES = [...DEBUGGEE_IMAGES.map(debuggeePath), ...OTHER_IMAGES.map((p) => path.join(GUESTS, p))];
const base = (f: string) => f.split('/').pop();

describe('symbols: lines and functions against addr2line', function () {
  before(function () { if (!hasTool('addr2line') || !hasTool('objdump')) this.skip(); });

  for (const image of IMAGES) {
    it(`${path.basename(image)}: sourceAt, functionAt and inlinedAt agree with addr2line -f -i at every instruction`, () => {
      compareWithAddr2line(image);
    });
  }

  for (const image of [debuggeePath('pv64-Og'), debuggeePath('hvm32-O0'), path.join(GUESTS, 'hello/hello-pv32.elf')]) {
    it(`${path.basename(image)}: every row of readelf --debug-dump=decodedline is found by sourceAt`, () => {
      const sym = load(image);
      const out = run('readelf', ['--debug-dump=decodedline', '-W', image]);
      // Rows: "file  line  address  [view]  [x]"; the last row at an address is the one in effect.
      const last = new Map<bigint, { file: string; line: number }>();
      for (const l of out.split('\n')) {
        const m = /^(\S+)\s+(\d+)\s+(0x[0-9a-f]+)(\s|$)/.exec(l);
        if (m) last.set(BigInt(m[3]), { file: m[1], line: Number(m[2]) });
      }
      assert.ok(last.size > 100);
      const bad: string[] = [];
      for (const [a, r] of last) {
        const s = sym.sourceAt(a);
        if (r.line === 0) continue;
        // readelf lists end-of-sequence addresses as rows too; those belong to no row.
        if (!s) { if (!sym.lineRangeAt(a - 1n)) bad.push(`0x${a.toString(16)} none`); continue; }
        if (s.line !== r.line || base(s.file) !== base(r.file)) bad.push(`0x${a.toString(16)} ${s.line} vs ${r.line}`);
      }
      assert.ok(bad.length <= 2, bad.join('; ')); // at most the sequence ends
    });
  }
});

describe('symbols: source breakpoints on the debuggee', () => {
  for (const variant of DEBUGGEE_IMAGES) {
    it(`debuggee-${variant}: markers resolve to their lines; breakpointLines, lineRangeAt and bodyStart are consistent`, () => {
      const sym = load(debuggeePath(variant));
      for (const mk of ['recurse-bottom', 'recurse-call', 'counter-write', 'loop-body', 'decrease-reservation', 'evtchn-send', 'poweroff', 'main-start']) {
        const line = markerLine(mk);
        const r = sym.resolveLine(DEBUGGEE_SRC, line);
        assert.ok(r, mk);
        assert.strictEqual(r.line, line, mk);
        assert.ok(r.addresses.length >= 1);
        for (const a of r.addresses) {
          // The address is on the line, or (at -Og) on the first line of a function inlined there.
          const onLine = sym.sourceAt(a)?.line === line || sym.inlinedAt(a).some((f) => f.callSite?.line === line);
          assert.ok(onLine, `${mk} address 0x${a.toString(16)} is on its line`);
          const range = sym.lineRangeAt(a)!;
          assert.ok(range.start <= a && a < range.end && range.location.line === sym.sourceAt(a)?.line);
        }
      }
      // Path-suffix matching and the next-line rule.
      const bottom = markerLine('recurse-bottom');
      assert.deepStrictEqual(sym.resolveLine('debuggee/debuggee.c', bottom), sym.resolveLine(DEBUGGEE_SRC, bottom));
      const blank = markerLine('recurse-entry') - 1; // the `{` line before the first statement
      const afterBrace = sym.resolveLine('debuggee.c', blank);
      assert.ok(afterBrace && afterBrace.line >= blank);
      const lines = sym.breakpointLines(DEBUGGEE_SRC, 1, 400).map((l) => l.line);
      assert.ok(lines.includes(bottom) && lines.includes(markerLine('counter-write')));
      assert.ok(!lines.includes(1), 'the header comment has no code');
      assert.strictEqual(sym.resolveLine(DEBUGGEE_SRC, 100000), undefined);
      // The inline function's body line resolves (inlined at -Og: one address per call site).
      const inl = sym.resolveLine(DEBUGGEE_SRC, markerLine('inline-body'));
      assert.ok(inl && inl.addresses.length >= 1);
      const f = sym.functionByName('recurse')!;
      assert.ok(f.bodyStart !== undefined && f.bodyStart > f.low && f.bodyStart < f.high);
      assert.strictEqual(f.decl?.line, markerLine('recurse-entry') - 2);
      assert.ok(sym.sourceFiles().includes(DEBUGGEE_SRC));
      assert.strictEqual(sym.symbolByName('recurse'), f.low);
      assert.deepStrictEqual(sym.symbolAt(f.low + 3n), { name: 'recurse', offset: 3n });
      assert.strictEqual(sym.symbolAt(sym.symbolByName('hit_counter')!)?.name, 'hit_counter');
    });
  }
});

/**
 * Robustness: seeded mutations of real images' debug sections (byte changes, truncated sections, a
 * truncated file) must never make the public API throw; every lookup must come back (the mocha timeout
 * bounds the whole run, so an endless loop fails the test). Problems show up as warnings.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { loadGuestSymbols } from '../../../debug-adapter/symbols';
import { FrameContext, GuestSymbols, TypeInfo } from '../../../debug-adapter/symbols/model';
import { parseElf } from '../../../debug-adapter/symbols/elf';
import { debuggeePath } from './helpers';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walkType(t: TypeInfo, seen = new Set<TypeInfo>(), depth = 0): number {
  if (seen.has(t) || depth > 50) return 0;
  seen.add(t);
  switch (t.kind) {
    case 'pointer': case 'typedef': case 'qualified': return 1 + walkType(t.target, seen, depth + 1);
    case 'array': return 1 + walkType(t.element, seen, depth + 1);
    case 'struct': case 'union': return 1 + t.members.reduce((n, m) => n + walkType(m.type, seen, depth + 1), 0);
    case 'function': return 1 + walkType(t.returnType, seen, depth + 1) + t.params.reduce((n, p) => n + walkType(p, seen, depth + 1), 0);
    default: return 1;
  }
}

/** Exercises every query of the API. */
function exercise(sym: GuestSymbols, pcs: bigint[]): void {
  const frame = (pc: bigint): FrameContext => ({
    arch: sym.arch, pc, isReturnAddress: false,
    readRegister: (r) => (r < 17 ? 0x1000n + BigInt(r) * 0x100n : undefined),
    readMemory: (_a, n) => (n <= 64 ? new Uint8Array(n).fill(0x11) : undefined),
  });
  for (const pc of pcs) {
    sym.sourceAt(pc); sym.functionAt(pc); sym.inlinedAt(pc); sym.lineRangeAt(pc); sym.symbolAt(pc);
    for (const v of sym.variablesAt(pc)) { walkType(v.type); v.locate(frame(pc)); }
    const up = sym.unwind(frame(pc));
    if (up) sym.unwind({ ...frame(up.pc), isReturnAddress: true, readRegister: (r) => up.registers.get(r) });
  }
  for (const g of sym.globals().slice(0, 50)) { walkType(g.type); g.locate(frame(pcs[0])); }
  for (const n of ['struct node', 'node_t', 'int', 'enum shape_kind', 'struct blob']) { const t = sym.typeByName(n); if (t) walkType(t); }
  sym.functionByName('recurse'); sym.functionByName('kernel_main');
  const files = sym.sourceFiles();
  for (const f of files.slice(0, 3)) { sym.resolveLine(f, 100); sym.breakpointLines(f, 1, 300); }
  sym.resolveLine('debuggee.c', 120);
  sym.symbolByName('hit_counter');
}

describe('symbols: fuzzed images never throw', function () {
  this.timeout(60000);

  for (const variant of ['pv64-Og', 'hvm32-O0']) {
    it(`debuggee-${variant}: 120 seeded mutations of the debug sections`, () => {
      const orig = new Uint8Array(fs.readFileSync(debuggeePath(variant)));
      const elf = parseElf(orig, []);
      const debugSecs = elf.sections.filter((s) => /^\.(debug_|eh_frame)/.test(s.name) && s.size > 0);
      assert.ok(debugSecs.length >= 6);
      const good = loadGuestSymbols(orig, 'x');
      const f = good.functionByName('recurse')!;
      const pcs = [f.low, f.bodyStart!, f.high - 1n, good.functionByName('kernel_main')!.low + 20n, 0n, 0xffffffffn];
      const rnd = prng(variant === 'pv64-Og' ? 0x5eed : 0xbeef);
      let warned = 0;
      const internal: string[] = [];
      for (let iter = 0; iter < 120; iter++) {
        const bytes = orig.slice();
        const sec = debugSecs[Math.floor(rnd() * debugSecs.length)];
        const mode = iter % 4;
        if (mode === 0 || mode === 1) {
          // A few random bytes changed (mode 1: concentrated near the section start, where headers are).
          const n = 1 + Math.floor(rnd() * 8);
          const span = mode === 1 ? Math.min(64, sec.size) : sec.size;
          for (let k = 0; k < n; k++) bytes[sec.offset + Math.floor(rnd() * span)] = Math.floor(rnd() * 256);
        } else if (mode === 2) {
          // A section truncated: zeros from a random point (what a truncated copy looks like to a reader).
          const cut = Math.floor(rnd() * sec.size);
          bytes.fill(0xff * (iter & 1), sec.offset + cut, sec.offset + sec.size);
        } else {
          // The file itself truncated inside a debug section.
          const cut = sec.offset + Math.floor(rnd() * sec.size);
          const img = bytes.subarray(0, cut);
          const sym = loadGuestSymbols(img, `fuzz-${iter}`);
          exercise(sym, pcs);
          if (sym.warnings.length) warned++;
          internal.push(...sym.warnings.filter((w) => w.startsWith('internal:')));
          continue;
        }
        const sym = loadGuestSymbols(bytes, `fuzz-${iter}`);
        exercise(sym, pcs);
        if (sym.warnings.length) warned++;
        internal.push(...sym.warnings.filter((w) => w.startsWith('internal:')));
      }
      assert.deepStrictEqual(internal.slice(0, 5), [], 'malformed input is handled where it is read, not by the last-resort guard');
      assert.ok(warned > 20, `malformed input is reported (${warned} images with warnings)`);
    });
  }

  it('non-ELF and empty inputs give an empty symbol table with a warning', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(100), new TextEncoder().encode('\x7fELF garbage')]) {
      const sym = loadGuestSymbols(bytes, 'junk');
      assert.ok(sym.warnings.length > 0);
      assert.strictEqual(sym.hasDebugInfo, false);
      exercise(sym, [0n, 0x1000n]);
    }
  });
});

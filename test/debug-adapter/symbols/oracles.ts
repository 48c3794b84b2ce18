/** The addr2line/gdb comparison over a whole image, shared by the DWARF 5 and DWARF 4 tests. */
import * as assert from 'assert';
import { addr2line, hasTool, load, run } from './helpers';

const base = (f: string) => f.split('/').pop();

export function allInstructions(image: string): bigint[] {
  const out = run('objdump', ['-d', '-j', '.text', image]);
  const addrs: bigint[] = [];
  for (const l of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t/.exec(l);
    if (m) addrs.push(BigInt(`0x${m[1]}`));
  }
  return addrs;
}


/** sourceAt, functionAt and inlinedAt at every instruction of .text against addr2line -f -i (gdb breaks file ties). */
export function compareWithAddr2line(image: string): void {
  const sym = load(image);
  assert.deepStrictEqual(sym.warnings, []);
  const addrs = allInstructions(image);
  assert.ok(addrs.length > 200);
  const oracle = addr2line(image, addrs);
  assert.strictEqual(oracle.length, addrs.length);
  let inlined = 0;
  const mism: string[] = [];
  const fileDisagreements: bigint[] = [];
  addrs.forEach((a, i) => {
    const fr = oracle[i].frames;
    const where = `0x${a.toString(16)}`;
    const src = sym.sourceAt(a);
    if (fr[0].line > 0) {
      if (src?.line !== fr[0].line) mism.push(`${where} line ${src?.file}:${src?.line} vs ${fr[0].file}:${fr[0].line}`);
      else if (base(src.file) !== base(fr[0].file)) fileDisagreements.push(a);
    }
    const outer = fr[fr.length - 1].func;
    const fn = sym.functionAt(a);
    if (outer === '??') { if (fn) mism.push(`${where} function ${fn.name} vs none`); }
    else if (fn?.name !== outer) {
      // addr2line falls back to ELF symbols where DWARF has no function (assembly, alignment padding
      // after a function): there functionAt is undefined and the DWARF function (if any) does not cover it.
      const d = sym.functionByName(outer);
      const covered = d && a >= d.low && a < d.high && sym.sourceFiles().length > 0 && fn === undefined;
      if (fn || covered) mism.push(`${where} function ${fn?.name} vs ${outer}`);
    }
    const inl = sym.inlinedAt(a);
    const want = fr.slice(0, -1);
    if (inl.length !== want.length || inl.some((f, k) => f.name !== want[k].func || f.callSite?.line !== fr[k + 1].line)) {
      mism.push(`${where} inlined ${JSON.stringify(inl.map((f) => `${f.name}@${f.callSite?.line}`))} vs ${JSON.stringify(want.map((f, k) => `${f.func}@${fr[k + 1].line}`))}`);
    }
    if (inl.length > 0) inlined++;
  });
  // binutils 2.40 addr2line names the unit's primary file for out-of-line header functions of a DWARF 5
  // unit (same line, wrong file); gdb gets them right, so it decides those.
  if (fileDisagreements.length > 0 && hasTool('gdb')) {
    const sample = fileDisagreements.filter((_, i) => i % Math.ceil(fileDisagreements.length / 40) === 0);
    const out = run('gdb', ['-batch', '-nx', ...sample.flatMap((a) => ['-ex', `info line *0x${a.toString(16)}`]), image]);
    const gdbFiles = [...out.matchAll(/Line \d+ of "([^"]+)"/g)].map((m) => base(m[1]));
    assert.strictEqual(gdbFiles.length, sample.length, out);
    sample.forEach((a, i) => { if (base(sym.sourceAt(a)!.file) !== gdbFiles[i]) mism.push(`0x${a.toString(16)} file vs gdb ${gdbFiles[i]}`); });
  }
  assert.deepStrictEqual(mism.slice(0, 10), []);
  if (/-Og\.elf$/.test(image)) assert.ok(inlined > 0, 'the -Og debuggee has inlined code');
}

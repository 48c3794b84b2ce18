/**
 * gcc as the oracle for the values tests: layouts measured at compile time (inline-asm markers read from
 * `gcc -S` output, the technique of test/xen/c-layout.ts, so nothing runs), and a native 64-bit program
 * whose printf output gives C's own answer for each test expression.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MARK = '@@values';

/** Compiles (never runs) `prelude` plus one marker per probe; returns key -> [a, b] for constant exprs a, b. */
export function measure(prelude: string, probes: [key: string, a: string, b: string][], flags: string[] = ['-m64']): Map<string, [number, number]> {
  const body = probes.map(([k, a, b]) =>
    `  __asm__ volatile("# ${MARK} ${k}|%c0|%c1" :: "i"((unsigned long)(${a})), "i"((unsigned long)(${b})));`).join('\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-layout-'));
  try {
    const src = path.join(dir, 'probe.c');
    fs.writeFileSync(src, `#include <stddef.h>\n${prelude}\nvoid probe(void) {\n${body}\n}\n`);
    const asm = execFileSync('gcc', [...flags, '-std=gnu11', '-S', '-o', '-', src], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    const out = new Map<string, [number, number]>();
    for (const m of asm.matchAll(new RegExp(`${MARK} (\\S+)\\|(\\d+)\\|(\\d+)`, 'g'))) out.set(m[1], [Number(m[2]), Number(m[3])]);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles `source` as a 64-bit program (plus `flags`), runs it, returns stdout and the executable's bytes. */
export function runNative(source: string, flags: string[] = []): { stdout: string; exe: Uint8Array } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'values-native-'));
  try {
    const src = path.join(dir, 'prog.c');
    const exe = path.join(dir, 'prog');
    fs.writeFileSync(src, source);
    execFileSync('gcc', ['-m64', '-std=gnu11', '-O0', '-w', ...flags, '-o', exe, src], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout: execFileSync(exe, [], { encoding: 'utf8', maxBuffer: 64 << 20 }), exe: fs.readFileSync(exe) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Measures struct layouts as gcc sees them in the Xen public headers, for the layout tests of every ABI table.
 *
 * The values are read at compile time, never by running a program: each measurement is an inline-asm comment
 * whose operands are the constant sizeof/_Alignof/offsetof, and `gcc -S` prints them into the assembly. So
 * the i386 (compat) layouts are measured with `gcc -m32` even on a host kernel that cannot execute 32-bit
 * programs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Abi, StructDef, layoutOf } from '../../emulator/xen/abi/layout';

/** A guest's view: an explicit interface version, no __XEN__/__XEN_TOOLS__ (they change some typedefs). */
export const XEN_GUEST_CFLAGS = ['-std=gnu11', '-Wall', '-Werror', '-D__XEN_INTERFACE_VERSION__=0x00040e00'];
export const GCC_ARCH: Record<Abi, string> = { x86_64: '-m64', x86_32: '-m32' };

/** [offset, size] per `struct|field`; for the struct itself (field '') the pair is [alignment, size]. */
export type MeasuredLayouts = Map<string, [number, number]>;

const MARK = '@@layout';

/** The C expression pair measured for one field path of `def`. */
function fieldExprs(def: StructDef, p: string): [string, string] {
  const t = def.cType;
  // A char-array typedef is modelled as one field covering the whole object.
  if (def.cArrayTypedef) return ['0', `sizeof(${t})`];
  return [`offsetof(${t}, ${p})`, `sizeof(((${t} *)0)->${p})`];
}

/**
 * Compiles (never runs) a probe for `defs` on `abi` against `prelude` (the #includes and any extra C) and
 * returns gcc's measurements of every struct and every field path our layout declares.
 */
export function measureLayouts(defs: readonly StructDef[], abi: Abi, prelude: string): MeasuredLayouts {
  const lines: string[] = [];
  const probe = (s: string, f: string, a: string, b: string): void => {
    lines.push(`  __asm__ volatile("# ${MARK} ${s}|${f}|%c0|%c1" :: "i"((unsigned long)(${a})), "i"((unsigned long)(${b})));`);
  };
  for (const def of defs) {
    if (def.abis && !def.abis.includes(abi)) continue;
    probe(def.name, '', `_Alignof(${def.cType})`, `sizeof(${def.cType})`);
    for (const p of layoutOf(def, abi).fields.keys()) probe(def.name, p, ...fieldExprs(def, p));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-layout-'));
  try {
    const src = path.join(dir, `probe-${abi}.c`);
    fs.writeFileSync(src, `#include <stddef.h>\n${prelude}\nvoid layout_probe(void) {\n${lines.join('\n')}\n}\n`);
    const asm = execFileSync('gcc', [GCC_ARCH[abi], ...XEN_GUEST_CFLAGS, '-S', '-o', '-', src], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20,
    });
    const out: MeasuredLayouts = new Map();
    const re = new RegExp(`${MARK} ([^|\\s]+)\\|([^|\\s]*)\\|(\\d+)\\|(\\d+)`, 'g');
    for (const m of asm.matchAll(re)) out.set(`${m[1]}|${m[2]}`, [Number(m[3]), Number(m[4])]);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

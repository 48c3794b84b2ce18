/**
 * The PV struct declarations (emulator/xen/abi/pv-structs.ts) against the Xen 4.17 public headers in
 * /usr/include/xen, compiled with gcc -m64 and -m32: size, alignment, and offset/size of every field path.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Abi, layoutOf } from '../../../emulator/xen/abi/layout';
import { PV_STRUCTS, cpu_user_regs, iret_context, vcpu_guest_context } from '../../../emulator/xen/abi/pv-structs';

const PRELUDE = `
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/nmi.h>
#define P(s, f, o, z) printf("%s|%s|%lu|%lu\\n", s, f, (unsigned long)(o), (unsigned long)(z))
int main(void) {
`;

function measure(abi: Abi): Map<string, [number, number]> {
  const lines: string[] = [];
  for (const def of PV_STRUCTS) {
    if (def.abis && !def.abis.includes(abi)) continue;
    lines.push(`  P("${def.name}", "", _Alignof(${def.cType}), sizeof(${def.cType}));`);
    for (const p of layoutOf(def, abi).fields.keys()) {
      lines.push(`  P("${def.name}", "${p}", offsetof(${def.cType}, ${p}), sizeof(((${def.cType} *)0)->${p}));`);
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-structs-'));
  try {
    const src = path.join(dir, 'm.c');
    const exe = path.join(dir, 'm');
    fs.writeFileSync(src, `${PRELUDE}${lines.join('\n')}\n  return 0;\n}\n`);
    execFileSync('gcc', [abi === 'x86_64' ? '-m64' : '-m32', '-std=gnu11', '-Wall', '-Werror',
      '-D__XEN_INTERFACE_VERSION__=0x00040e00', '-o', exe, src], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new Map<string, [number, number]>();
    for (const l of execFileSync(exe).toString().trim().split('\n')) {
      const [s, f, o, z] = l.split('|');
      out.set(`${s}|${f}`, [Number(o), Number(z)]);
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('PV struct layouts vs. the Xen 4.17 headers (gcc)', function () {
  for (const abi of ['x86_64', 'x86_32'] as const) {
    it(`matches every field on ${abi}`, function () {
      const m = measure(abi);
      for (const def of PV_STRUCTS) {
        if (def.abis && !def.abis.includes(abi)) continue;
        const l = layoutOf(def, abi);
        assert.deepEqual(m.get(`${def.name}|`), [l.align, l.size], `${def.name} align/size on ${abi}`);
        for (const [p, f] of l.fields) assert.deepEqual(m.get(`${def.name}|${p}`), [f.offset, f.size], `${def.name}.${p} on ${abi}`);
      }
    });
  }

  it('gives the §4.1 sizes: vcpu_guest_context 5168 / 2800, cpu_user_regs 200 / 68, iret_context 72', function () {
    assert.equal(layoutOf(vcpu_guest_context, 'x86_64').size, 5168);
    assert.equal(layoutOf(vcpu_guest_context, 'x86_32').size, 2800);
    assert.equal(layoutOf(cpu_user_regs, 'x86_64').size, 200);
    assert.equal(layoutOf(cpu_user_regs, 'x86_32').size, 68);
    assert.equal(layoutOf(iret_context, 'x86_64').size, 72);
  });
});

/**
 * The memory_op / vcpu_op / hvm_op argument structs of abi/hypercall-structs.ts against the real Xen 4.17 public
 * headers (/usr/include/xen): a generated C program prints sizeof/_Alignof of each struct and offsetof/sizeof of
 * each field path, built with gcc -m64 (64-bit callers) and gcc -m32 (i386 = the compat ABI), and the computed
 * layouts must match exactly.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ABIS, Abi, layoutOf } from '../../../emulator/xen/abi/layout';
import { HYPERCALL_STRUCTS } from '../../../emulator/xen/abi/hypercall-structs';

const CFLAGS = ['-std=gnu11', '-Wall', '-Werror', '-D__XEN_INTERFACE_VERSION__=0x00040e00'];
const ARCH: Record<Abi, string> = { x86_64: '-m64', x86_32: '-m32' };
const PRELUDE = `
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include <xen/memory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/hvm_vcpu.h>
`;

function measure(dir: string, abi: Abi): Map<string, [number, number]> {
  const lines: string[] = [];
  for (const def of HYPERCALL_STRUCTS) {
    const t = def.cType;
    lines.push(`  P("${def.name}", "", _Alignof(${t}), sizeof(${t}));`);
    for (const p of layoutOf(def, abi).fields.keys()) {
      lines.push(`  P("${def.name}", "${p}", offsetof(${t}, ${p}), sizeof(((${t} *)0)->${p}));`);
    }
  }
  const src = path.join(dir, `l-${abi}.c`), exe = path.join(dir, `l-${abi}`);
  fs.writeFileSync(src, `${PRELUDE}
#define P(s, f, o, z) printf("%s|%s|%zu|%zu\\n", s, f, (size_t)(o), (size_t)(z))
int main(void) {
${lines.join('\n')}
  return 0;
}
`);
  execFileSync('gcc', [ARCH[abi], ...CFLAGS, '-o', exe, src], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = new Map<string, [number, number]>();
  for (const l of execFileSync(exe, { encoding: 'utf8' }).trim().split('\n')) {
    const [s, f, o, z] = l.split('|');
    out.set(`${s}|${f}`, [Number(o), Number(z)]);
  }
  return out;
}

describe('memory/vcpu/hvm hypercall structs vs. Xen 4.17 public headers (gcc -m64 / -m32)', function () {
  this.timeout(60000);
  let dir = '';
  before(function () {
    assert.ok(fs.existsSync('/usr/include/xen/hvm/hvm_vcpu.h'), 'Xen public headers missing: install libxen-dev');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-hcstructs-'));
  });
  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const abi of ABIS) {
    it(`every struct and field matches on ${abi}`, function () {
      const got = measure(dir, abi);
      const errors: string[] = [];
      for (const def of HYPERCALL_STRUCTS) {
        const l = layoutOf(def, abi);
        const whole = got.get(`${def.name}|`);
        if (!whole || whole[0] !== l.align || whole[1] !== l.size) errors.push(`${def.name}: align/size ${l.align}/${l.size} vs ${whole}`);
        for (const [p, f] of l.fields) {
          const g = got.get(`${def.name}|${p}`);
          if (!g || g[0] !== f.offset || g[1] !== f.size) errors.push(`${def.name}.${p}: ${f.offset}(${f.size}) vs ${g}`);
        }
      }
      assert.deepEqual(errors, []);
    });
  }

  it('has the sizes of the fact sheet (§4.1, §4.2)', function () {
    const size = (name: string, abi: Abi): number => layoutOf(HYPERCALL_STRUCTS.find((s) => s.name === name)!, abi).size;
    assert.equal(size('vcpu_hvm_context', 'x86_64'), 128);
    assert.equal(size('vcpu_hvm_context', 'x86_32'), 128);
    assert.equal(size('vcpu_hvm_x86_32', 'x86_32'), 120);
    assert.equal(size('xen_machphys_mapping', 'x86_64'), 24);
    assert.equal(size('xen_machphys_mapping', 'x86_32'), 12);
    assert.equal(size('xen_add_to_physmap_batch', 'x86_64'), 32);
    assert.equal(size('xen_add_to_physmap_batch', 'x86_32'), 20);
    assert.equal(size('xen_hvm_evtchn_upcall_vector', 'x86_32'), 8);
  });
});

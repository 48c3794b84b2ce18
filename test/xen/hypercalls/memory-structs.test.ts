/**
 * The memory_op / vcpu_op / hvm_op argument structs of abi/hypercall-structs.ts against the real Xen 4.17 public
 * headers (/usr/include/xen): gcc measures sizeof/_Alignof of each struct and offsetof/sizeof of each field path
 * (c-layout.ts), compiled with gcc -m64 (64-bit callers) and gcc -m32 (i386 = the compat ABI), and the computed
 * layouts must match exactly.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ABIS, Abi, layoutOf } from '../../../emulator/xen/abi/layout';
import { measureLayouts } from '../c-layout';
import { HYPERCALL_STRUCTS } from '../../../emulator/xen/abi/hypercall-structs';

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

describe('memory/vcpu/hvm hypercall structs vs. Xen 4.17 public headers (gcc -m64 / -m32)', function () {
  this.timeout(60000);
  before(function () {
    assert.ok(fs.existsSync('/usr/include/xen/hvm/hvm_vcpu.h'), 'Xen public headers missing: install libxen-dev');
  });

  for (const abi of ABIS) {
    it(`every struct and field matches on ${abi}`, function () {
      const got = measureLayouts(HYPERCALL_STRUCTS, abi, PRELUDE);
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

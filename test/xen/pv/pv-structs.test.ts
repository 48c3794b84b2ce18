/**
 * The PV struct declarations (emulator/xen/abi/pv-structs.ts) against the Xen 4.17 public headers in
 * /usr/include/xen, compiled with gcc -m64 and -m32: size, alignment, and offset/size of every field path.
 */
import * as assert from 'node:assert/strict';
import { layoutOf } from '../../../emulator/xen/abi/layout';
import { measureLayouts } from '../c-layout';
import { PV_STRUCTS, cpu_user_regs, iret_context, vcpu_guest_context } from '../../../emulator/xen/abi/pv-structs';

const PRELUDE = `
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/callback.h>
#include <xen/nmi.h>
`;

describe('PV struct layouts vs. the Xen 4.17 headers (gcc)', function () {
  for (const abi of ['x86_64', 'x86_32'] as const) {
    it(`matches every field on ${abi}`, function () {
      const m = measureLayouts(PV_STRUCTS, abi, PRELUDE);
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

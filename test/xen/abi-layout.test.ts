/**
 * Proves the declarative Xen ABI layouts against the real Xen 4.17 public headers (/usr/include/xen, libxen-dev):
 * gcc measures sizeof/_Alignof of every declared struct and offsetof/sizeof of every field path (c-layout.ts),
 * compiled with gcc -m64 (64-bit guests) and gcc -m32 (i386 = Xen's compat ABI for 32-bit guests), and the
 * computed layouts must match exactly. Fields or structs declared for one ABI only must fail to compile on
 * the other, so an ABI restriction can never hide a missing field.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ABIS, Abi, Layout, StructDef, StructView, field, layoutOf, u32, u64Aligned, struct,
} from '../../emulator/xen/abi/layout';
import { GCC_ARCH, MeasuredLayouts, XEN_GUEST_CFLAGS, measureLayouts } from './c-layout';
import * as S from '../../emulator/xen/abi/structs';

const PRELUDE = `
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <xen/xen.h>
#include <xen/vcpu.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/callback.h>
#include <xen/version.h>
#include <xen/memory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/io/xs_wire.h>
#include <xen/io/console.h>
#include <xen/arch-x86/hvm/start_info.h>
`;

/**
 * Types the public headers do not provide, defined here explicitly (each is also documented in structs.ts):
 * - e820entry: the XENMEM_memory_map buffer entry; Xen declares it in its private
 *   xen/arch/x86/include/asm/e820.h as a packed {u64 addr; u64 size; u32 type}.
 * - u64_aligned_probe: a test-only struct exercising the `u64_aligned` type (uint64_aligned_t as seen by Xen
 *   and toolstacks, aligned(8) on i386 too, per arch-x86/xen-x86_32.h), which no guest-view struct uses.
 */
const EXTRA_C = `
struct __attribute__((packed)) e820entry { uint64_t addr; uint64_t size; uint32_t type; };
struct u64_aligned_probe { uint32_t a; uint64_t __attribute__((aligned(8))) b; uint32_t c; };
`;
const u64_aligned_probe = struct('u64_aligned_probe', '(test only)', [
  field('a', u32), field('b', u64Aligned), field('c', u32),
]);

const DEFS: readonly StructDef[] = [...S.ALL_STRUCTS, u64_aligned_probe];

const exists = (def: StructDef, abi: Abi): boolean => !def.abis || def.abis.includes(abi);

/** Compiles `body` inside main() for `abi`; returns gcc's stderr, or null if it compiled. */
function compileError(dir: string, abi: Abi, body: string): string | null {
  const src = path.join(dir, `absent-${abi}.c`);
  fs.writeFileSync(src, `${PRELUDE}${EXTRA_C}\nint main(void) { ${body} return 0; }\n`);
  // LC_ALL=C: plain ASCII quotes in diagnostics, so the expected-error patterns below are stable.
  const r = spawnSync('gcc', [GCC_ARCH[abi], ...XEN_GUEST_CFLAGS, '-fsyntax-only', src], {
    encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' },
  });
  return r.status === 0 ? null : r.stderr;
}

describe('xen ABI layouts vs. Xen 4.17 public headers (gcc -m64 / -m32)', function () {
  let dir = '';
  const measured = new Map<Abi, MeasuredLayouts>();

  before(function () {
    assert.ok(fs.existsSync('/usr/include/xen/xen.h'), 'Xen public headers missing: install libxen-dev');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-abi-'));
    for (const abi of ABIS) measured.set(abi, measureLayouts(DEFS, abi, PRELUDE + EXTRA_C));
  });

  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const abi of ABIS) {
    it(`every declared struct and field matches on ${abi}`, function () {
      const got = measured.get(abi)!;
      const errors: string[] = [];
      let checked = 0;
      const cmp = (def: StructDef, p: string, what: string, ours: number, theirs: number | undefined): void => {
        checked++;
        if (ours !== theirs) {
          errors.push(`${def.name}${p ? '.' + p : ''} [${abi}] ${what}: expected (gcc) ${theirs}, got (ours) ${ours}`);
        }
      };
      for (const def of DEFS) {
        if (!exists(def, abi)) continue;
        const l: Layout = layoutOf(def, abi);
        const whole = got.get(`${def.name}|`);
        cmp(def, '', 'size', l.size, whole?.[1]);
        cmp(def, '', 'align', l.align, whole?.[0]);
        for (const [p, f] of l.fields) {
          const g = got.get(`${def.name}|${p}`);
          cmp(def, p, 'offset', f.offset, g?.[0]);
          cmp(def, p, 'size', f.size, g?.[1]);
        }
      }
      assert.deepEqual(errors, [], `${errors.length} layout mismatch(es):\n${errors.join('\n')}`);
      assert.ok(checked > 400, `only ${checked} checks ran`);
    });
  }

  it('ABI-specific fields and structs really are absent from the other ABI', function () {
    let checked = 0;
    for (const def of DEFS) {
      for (const abi of ABIS) {
        const other: Abi = abi === 'x86_64' ? 'x86_32' : 'x86_64';
        if (!exists(def, abi)) {
          const err = compileError(dir, abi, `(void)sizeof(${def.cType});`);
          assert.ok(err !== null, `${def.name} is declared ${other}-only but compiles on ${abi}`);
          assert.match(err, /invalid application of .sizeof. to incomplete type/, err);
          checked++;
          continue;
        }
        if (!exists(def, other)) continue;
        const here = layoutOf(def, abi).fields;
        for (const p of layoutOf(def, other).fields.keys()) {
          if (here.has(p)) continue;
          const err = compileError(dir, abi, `(void)offsetof(${def.cType}, ${p});`);
          assert.ok(err !== null, `${def.name}.${p} is declared absent on ${abi} but compiles there`);
          assert.match(err, /has no member named|request for member .* in something not a structure/, err);
          checked++;
        }
      }
    }
    // shared_info.wc_sec_hi vs shared_info.arch.wc_sec_hi, arch_shared_info.wc_sec_hi,
    // callback_register.address.{cs,eip}, and struct xen_callback itself.
    assert.equal(checked, 6);
  });
});

describe('xen ABI layout helpers', function () {
  it('computes the well-known sizes and the i386 u64 packing', function () {
    assert.equal(layoutOf(S.shared_info, 'x86_64').size, 3136);
    assert.equal(layoutOf(S.shared_info, 'x86_32').size, 2344);
    assert.equal(layoutOf(S.shared_info, 'x86_64').fields.get('wc_sec_hi')?.offset, 3084);
    assert.equal(layoutOf(S.shared_info, 'x86_32').fields.get('arch.wc_sec_hi')?.offset, 2340);
    assert.equal(layoutOf(S.vcpu_runstate_info, 'x86_32').fields.get('state_entry_time')?.offset, 4);
    assert.equal(layoutOf(S.vcpu_runstate_info, 'x86_64').fields.get('state_entry_time')?.offset, 8);
    assert.equal(layoutOf(u64_aligned_probe, 'x86_32').size, 24);
    assert.throws(() => layoutOf(S.xen_callback, 'x86_64'), /does not exist on x86_64/);
  });

  it('reads and writes fields through StructView on both ABIs', function () {
    for (const abi of ABIS) {
      const buf = new DataView(new ArrayBuffer(4096));
      const si = StructView.of(S.shared_info, abi, buf);
      const v3 = si.sub('vcpu_info', 3);
      v3.set('evtchn_upcall_mask', 1);
      v3.sub('time').set('system_time', 0x1_2345_6789n);
      v3.set('evtchn_pending_sel', 0xffff_ffff_ffff_ffffn); // truncated to the ABI's word
      si.set('evtchn_pending', 5, 1);
      assert.equal(si.sub('vcpu_info', 3).getNum('evtchn_upcall_mask'), 1);
      assert.equal(v3.getBig('time.system_time'), 0x1_2345_6789n);
      assert.equal(v3.getBig('evtchn_pending_sel'), abi === 'x86_64' ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn);
      assert.equal(si.getBig('evtchn_pending', 1), 5n);
      assert.throws(() => si.get('evtchn_pending', abi === 'x86_64' ? 64 : 32), RangeError);

      const st = StructView.of(S.start_info, abi, new DataView(new ArrayBuffer(4096)));
      st.setString('magic', abi === 'x86_64' ? 'xen-3.0-x86_64' : 'xen-3.0-x86_32p');
      st.set('console.domU.evtchn', 7);
      assert.equal(st.getString('magic'), abi === 'x86_64' ? 'xen-3.0-x86_64' : 'xen-3.0-x86_32p');
      assert.equal(st.getNum('console.dom0.info_size'), abi === 'x86_64' ? 0 : 7);
      assert.throws(() => st.setString('magic', 'x'.repeat(32)), RangeError);
    }
    const cb = StructView.of(S.callback_register, 'x86_32', new DataView(new ArrayBuffer(16)));
    cb.set('address.cs', 0x61);
    cb.set('address.eip', 0xc010_0000);
    assert.deepEqual([cb.getNum('address.cs'), cb.getNum('address.eip')], [0x61, 0xc010_0000]);
    assert.throws(() => StructView.of(S.vcpu_time_info, 'x86_64', new DataView(new ArrayBuffer(16))), RangeError);
    assert.throws(() => StructView.of(S.vcpu_time_info, 'x86_64', new DataView(new ArrayBuffer(32))).getNum('tsc_timestamp'), TypeError);
  });
});

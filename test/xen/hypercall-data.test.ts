/**
 * Checks the Xen data modules against ground truth:
 * (a) hypercall numbers and errno values vs. the Xen 4.17 public headers (/usr/include/xen), via C programs
 *     built with gcc at test time (names discovered with `gcc -dM -E`, so a header name we lack fails too);
 * (b) hypercall-page bytes, by disassembling the generated page with objdump and checking every 32-byte slot;
 * (c) version profiles; (d) Xen CPUID leaves.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GUEST_TYPES, GuestType, HYPERCALLS, hypercallByName, hypercallByNr, hypercallHandler,
} from '../../emulator/xen/hypercall-table';
import { XEN_ERRNOS, XenErrno, errnoName, errnoValue } from '../../emulator/xen/errno';
import {
  CpuVendor, HYPERCALL_IRET, PAGE_SIZE, fillHypercallPage,
} from '../../emulator/xen/hypercall-page';
import { DEFAULT_PROFILE, PROFILE_NAMES, getProfile } from '../../emulator/xen/profiles';
import {
  XEN_CPUID_SIGNATURE, signatureString, xenCpuidLeaf, xenCpuidLeaves, xenCpuidMaxLeaf,
} from '../../emulator/xen/cpuid-leaves';

const CFLAGS = ['-m64', '-std=gnu11', '-Wall', '-Werror', '-D__XEN_INTERFACE_VERSION__=0x00040e00'];
let tmp = '';

function runC(name: string, src: string, extra: string[] = []): string {
  const c = path.join(tmp, `${name}.c`);
  const exe = path.join(tmp, name);
  fs.writeFileSync(c, src);
  execFileSync('gcc', [...CFLAGS, ...extra, '-o', exe, c], { stdio: ['ignore', 'pipe', 'pipe'] });
  return execFileSync(exe, { encoding: 'utf8' });
}

const parsePairs = (out: string): Map<string, number> =>
  new Map(out.trim().split('\n').map((l) => {
    const [n, v] = l.split(' ');
    return [n, Number(v)] as [string, number];
  }));

before(function () {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-hcdata-'));
});
after(function () {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('xen hypercall numbers vs. public/xen.h (gcc)', function () {
  this.timeout(30000);
  it('every __HYPERVISOR_* number matches the table, names and values', function () {
    const includes = '#include <stdio.h>\n#include <stdint.h>\n#include <xen/xen.h>\n#include <xen/arch-x86/xen-mca.h>\n';
    const hdr = path.join(tmp, 'names.c');
    fs.writeFileSync(hdr, includes);
    const defines = execFileSync('gcc', [...CFLAGS, '-dM', '-E', hdr], { encoding: 'utf8' });
    // Hypercall numbers only: __HYPERVISOR_VIRT_START/END are addresses (arch-x86/xen-x86_64.h).
    const names = [...defines.matchAll(/^#define __HYPERVISOR_(\w+) /gm)].map((m) => m[1])
      .filter((n) => !n.startsWith('VIRT_')).sort();
    assert.ok(names.length > 50, `found only ${names.length} names`);
    const body = names.map((n) => `  printf("%s %ld\\n", "${n}", (long)(__HYPERVISOR_${n}));`).join('\n');
    const theirs = parsePairs(runC('hcnums', `${includes}int main(void) {\n${body}\n  return 0;\n}\n`));

    const ours = new Map<string, number>();
    for (const h of HYPERCALLS) for (const n of [h.name, ...h.aliases]) ours.set(n, h.nr);
    assert.deepEqual([...ours.entries()].sort(), [...theirs.entries()].sort());
    for (const [n, v] of theirs) {
      assert.equal(hypercallByName(n)?.nr, v, n);
      assert.equal(hypercallByName(`__HYPERVISOR_${n}`)?.nr, v, n);
      assert.ok(hypercallByNr(v), `nr ${v}`);
    }
    assert.equal(hypercallByNr(11), undefined);
    assert.equal(hypercallByName('paging_domctl_cont')?.nr, 49);
  });

  it('availability follows §1 for the default profile and history for old ones', function () {
    const p417 = getProfile('4.17');
    const p44 = getProfile('4.4');
    const p421 = getProfile('4.21');
    const h = (n: string): number => hypercallByName(n)!.nr;
    assert.equal(hypercallHandler(h('mmu_update'), 'hvm64', p417), null);
    assert.equal(hypercallHandler(h('memory_op'), 'hvm32', p417), 'hvm-filter');
    assert.equal(hypercallHandler(h('set_trap_table'), 'pv32', p417), 'compat');
    assert.equal(hypercallHandler(h('multicall'), 'hvm64', p417), 'native');
    assert.equal(hypercallHandler(h('multicall'), 'hvm64', p44), null);
    assert.equal(hypercallHandler(h('vm_assist'), 'hvm32', p44), null);
    assert.equal(hypercallHandler(h('tmem_op'), 'hvm64', p44), 'native');
    assert.equal(hypercallHandler(h('tmem_op'), 'pv64', p417), null);
    assert.equal(hypercallHandler(h('xenoprof_op'), 'pv64', p421), 'native');
    assert.equal(hypercallHandler(h('xenoprof_op'), 'hvm64', p421), null);
    assert.equal(hypercallHandler(h('iret'), 'hvm64', p417), null);
    assert.equal(hypercallHandler(h('dm_op'), 'pv64', p44), null);
    assert.equal(hypercallHandler(999, 'pv64', p417), null);
    assert.equal(hypercallHandler(-1, 'pv64', p417), null);
    for (const name of PROFILE_NAMES) {
      const p = getProfile(name);
      assert.equal(hypercallHandler(h('multicall'), 'hvm64', p) !== null, p.hvmMulticall, `${name} multicall`);
      assert.equal(hypercallHandler(h('vm_assist'), 'hvm64', p) !== null, p.hvmVmAssist, `${name} vm_assist`);
      assert.equal(hypercallHandler(h('xenoprof_op'), 'pv64', p) !== null, p.xenoprofOp, `${name} xenoprof`);
    }
  });
});

describe('xen errno vs. public/errno.h (gcc)', function () {
  this.timeout(30000);
  const src = '#include <stdio.h>\n#define XEN_ERRNO(name, value) printf("%s %d\\n", #name, value);\n' +
    'int main(void) {\n#include <xen/errno.h>\n  return 0;\n}\n';

  it('guest-visible and __XEN__-internal errnos match exactly, both directions', function () {
    const guest = parsePairs(runC('errno_guest', src));
    const all = parsePairs(runC('errno_xen', src, ['-D__XEN__']));
    assert.deepEqual(
      XEN_ERRNOS.filter((e) => !e.internal).map((e) => [e.name, e.value]).sort(), [...guest.entries()].sort());
    assert.deepEqual(XEN_ERRNOS.map((e) => [e.name, e.value]).sort(), [...all.entries()].sort());
    for (const [n, v] of all) {
      assert.equal(errnoValue(n), v, n);
      assert.equal(errnoValue(`XEN_${n}`), v, n);
      assert.equal(XenErrno[n as keyof typeof XenErrno], v, n);
      assert.equal(errnoValue(errnoName(v)!), v);
      assert.equal(errnoName(-v), errnoName(v));
    }
    assert.equal(Object.keys(XenErrno).length, all.size);
    assert.equal(errnoName(11), 'EAGAIN');
    assert.equal(errnoName(35), 'EDEADLK');
    assert.equal(errnoName(15), undefined);
  });
});

// --- (b) hypercall page ---------------------------------------------------------------------------------

interface Insn { off: number; bytes: string; text: string }

function disassemble(page: Uint8Array, arch: 'i386' | 'i386:x86-64', tag: string): Insn[] {
  const f = path.join(tmp, `${tag}.bin`);
  fs.writeFileSync(f, page);
  // -z: do not collapse runs of zero bytes.
  const out = execFileSync('objdump', ['-D', '-z', '-b', 'binary', '-m', arch, f], { encoding: 'utf8' });
  const insns: Insn[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(line);
    if (m) insns.push({ off: parseInt(m[1], 16), bytes: m[2].trim(), text: m[3].trim().replace(/\s+/g, ' ') });
  }
  return insns;
}

/** Expected instruction text for slot `i` (objdump AT&T syntax), without the int3 filler. */
function expectedSlot(guest: GuestType, vendor: CpuVendor, i: number): string[] {
  const mov = `mov $0x${i.toString(16)},%eax`;
  if (guest === 'pv64') {
    return i === HYPERCALL_IRET
      ? ['push %rcx', 'push %r11', 'push %rax', mov, 'syscall']
      : ['push %rcx', 'push %r11', mov, 'syscall', 'pop %r11', 'pop %rcx', 'ret'];
  }
  if (guest === 'pv32') return i === HYPERCALL_IRET ? ['push %eax', mov, 'int $0x82'] : [mov, 'int $0x82', 'ret'];
  // HVM: the same bytes decode identically in 32- and 64-bit mode.
  return i === HYPERCALL_IRET ? ['ud2'] : [mov, vendor === 'intel' ? 'vmcall' : 'vmmcall', 'ret'];
}

const PAGE_CASES: { guest: GuestType; vendor: CpuVendor; archs: ('i386' | 'i386:x86-64')[] }[] = [
  { guest: 'pv64', vendor: 'intel', archs: ['i386:x86-64'] },
  { guest: 'pv32', vendor: 'intel', archs: ['i386'] },
  { guest: 'hvm64', vendor: 'intel', archs: ['i386:x86-64', 'i386'] },
  { guest: 'hvm32', vendor: 'intel', archs: ['i386', 'i386:x86-64'] },
  { guest: 'hvm64', vendor: 'amd', archs: ['i386:x86-64', 'i386'] },
  { guest: 'hvm32', vendor: 'amd', archs: ['i386', 'i386:x86-64'] },
];

describe('xen hypercall page (objdump)', function () {
  this.timeout(30000);
  for (const { guest, vendor, archs } of PAGE_CASES) {
    for (const arch of archs) {
      it(`${guest}/${vendor} disassembles per §2.2 as ${arch}`, function () {
        const page = fillHypercallPage(guest, vendor);
        assert.equal(page.length, PAGE_SIZE);
        const insns = disassemble(page, arch, `${guest}-${vendor}-${arch.replace(':', '_')}`);
        const slots: string[][] = Array.from({ length: 128 }, () => []);
        let end = 0;
        for (const ins of insns) {
          assert.equal(ins.off, end, `gap or overlap at 0x${ins.off.toString(16)}`);
          const len = ins.bytes.split(' ').length;
          end = ins.off + len;
          const slot = ins.off >> 5;
          assert.equal((end - 1) >> 5, slot, `instruction straddles slot ${slot}: ${ins.text}`);
          slots[slot].push(ins.text);
        }
        assert.equal(end, PAGE_SIZE);
        for (let i = 0; i < 128; i++) {
          const want = expectedSlot(guest, vendor, i);
          const stub = slots[i].slice(0, want.length);
          const filler = slots[i].slice(want.length);
          // objdump ≤2.3x prints retq in 64-bit mode.
          assert.deepEqual(stub.map((t) => t.replace(/^retq$/, 'ret')), want, `slot ${i}`);
          assert.ok(filler.length > 0 && filler.every((t) => t === 'int3'), `slot ${i} filler: ${filler.join('; ')}`);
        }
      });
    }
  }

  const hex = (p: Uint8Array, off: number, n: number): string =>
    Buffer.from(p.subarray(off, off + n)).toString('hex');

  it('exact bytes from the fact sheet', function () {
    const pv64 = fillHypercallPage('pv64', 'intel');
    assert.equal(hex(pv64, 29 * 32, 14), '514153b81d0000000f05415b59c3'); // sched_op
    assert.equal(hex(pv64, 0x2e0, 11), '51415350b8170000000f05');
    assert.equal(pv64[0x2e0 + 11], 0xcc);
    const pv32 = fillHypercallPage('pv32', 'amd');
    assert.equal(hex(pv32, 17 * 32, 8), 'b811000000cd82c3');
    assert.equal(hex(pv32, 0x2e0, 8), '50b817000000cd82');
    const vmx = fillHypercallPage('hvm64', 'intel');
    assert.equal(hex(vmx, 0, 9), 'b8000000000f01c1c3');
    assert.equal(hex(vmx, 0x2e0, 3), '0f0bcc');
    const svm = fillHypercallPage('hvm32', 'amd');
    assert.equal(hex(svm, 127 * 32, 9), 'b87f0000000f01d9c3');
    assert.equal(hex(svm, 127 * 32 + 9, 23), 'cc'.repeat(23));
    // hvm32 and hvm64 share one page; an existing buffer is overwritten completely.
    assert.deepEqual(fillHypercallPage('hvm32', 'intel'), vmx);
    const buf = new Uint8Array(PAGE_SIZE).fill(0x90);
    assert.deepEqual(fillHypercallPage('pv64', 'amd', buf), pv64);
  });
});

// --- (c) profiles ----------------------------------------------------------------------------------------

describe('xen version profiles', function () {
  it('every profile loads in release and debug builds', function () {
    for (const name of PROFILE_NAMES) {
      for (const debug of [false, true]) {
        const p = getProfile(name, { debug });
        assert.equal(p.name, name);
        assert.equal(p.debug, debug);
        assert.equal(p.versionWord, (Number(name.split('.')[0]) << 16) | Number(name.split('.')[1]));
        assert.equal(p.poisonHypercallArgs, debug);
        assert.equal(p.domUConsoleIo, debug);
      }
      assert.equal(getProfile(`xen-${name}`).name, name);
    }
    assert.equal(getProfile().name, DEFAULT_PROFILE);
    assert.equal(DEFAULT_PROFILE, '4.17');
    assert.equal(getProfile('4.17').versionWord, 0x00040011);
  });

  it('unknown names fail with a message listing the valid ones', function () {
    assert.throws(() => getProfile('4.18'),
      { message: 'unknown Xen profile "4.18"; valid profiles: 4.4, 4.5, 4.8, 4.17, 4.19, 4.21' });
    assert.throws(() => getProfile(''), /valid profiles: 4\.4, 4\.5/);
    assert.throws(() => getProfile('4.17', { evtchnFifo: false }), /CONFIG_EVTCHN_FIFO/);
    assert.equal(getProfile('4.21', { evtchnFifo: false }).evtchnFifoBuilt, false);
  });

  it('carries the §9 differences', function () {
    const P = Object.fromEntries(PROFILE_NAMES.map((n) => [n, getProfile(n)]));
    const col = <K extends keyof (typeof P)['4.4']>(k: K): unknown[] => PROFILE_NAMES.map((n) => P[n][k]);
    //                                     4.4        4.5          4.8          4.17         4.19         4.21
    assert.deepEqual(col('hypercallArgs'), [6, 6, 6, 5, 5, 5]);
    assert.deepEqual(col('multicallArgs'), [6, 6, 6, 6, 6, 5]);
    assert.deepEqual(col('highBitPolicy'), ['ignored', XenErrno.ENOSYS, XenErrno.EINVAL, 22, 22, 22]);
    assert.deepEqual(col('hvmOpEncoding').map((e) => JSON.stringify(e)), [
      '{"kind":"whole-op","progress":"guest-struct"}', '{"kind":"op-mask","mask":255,"progressShift":8}',
      '{"kind":"op-mask","mask":255,"progressShift":8}', '{"kind":"whole-op","progress":"dm_op"}',
      '{"kind":"whole-op","progress":"dm_op"}', '{"kind":"whole-op","progress":"dm_op"}']);
    assert.deepEqual(col('cpuidMaxLeafOffset'), [2, 4, 4, 5, 5, 5]);
    assert.deepEqual(col('fifoExpandWithoutInitErrno'), [38, 38, 95, 95, 95, 95]);
    assert.deepEqual(col('evtchnFifo'), [true, true, true, true, true, true]);
    assert.deepEqual(col('evtchnFifoOptional'), [false, false, false, false, false, true]);
    assert.deepEqual(col('xenVersionMaxCmd'), [9, 9, 10, 10, 10, 14]);
    assert.deepEqual(col('xenFeaturesPv'), [0xe0, 0xe0, 0x20e0, 0x220e0, 0x1e20e0, 0x1e20e0]);
    assert.deepEqual(col('xenFeaturesHvm'), [0x705, 0x705, 0x2705, 0x12305, 0x1d2305, 0x1d2305]);
    assert.deepEqual(col('hvmPirqsConditional'), [false, false, false, true, true, true]);
    assert.deepEqual(col('hvmVcpuBringUp'), [false, false, true, true, true, true]);
    assert.deepEqual(col('pvh'), [false, false, true, true, true, true]);
    assert.deepEqual(col('hvmSetEvtchnUpcallVector'), [false, false, true, true, true, true]);
    assert.deepEqual(col('hvmMemoryMap'), [false, false, true, true, true, true]);
    assert.deepEqual(col('translatedGetsMfns'), [true, true, true, false, false, false]);
    assert.deepEqual(col('gnttabMaxFramesDefault'), [32, 32, 32, 64, 64, 64]);
    assert.deepEqual(col('vcpuDownLastPowersOff'), [false, false, false, true, true, true]);
    assert.deepEqual(col('hvmVmAssist'), [false, false, false, true, true, true]);
    assert.deepEqual(col('pv32Optional'), [false, false, false, true, true, true]);
    assert.deepEqual(col('hvmMulticall'), [false, false, false, true, true, true]);
    assert.deepEqual(col('dummyVcpuInfoCheck'), ['all', 'all', 'all', 'all', 'pv', 'pv']);
    assert.deepEqual(col('vcpuInfoReregisterErrno'), [22, 22, 22, 22, 16, 16]);
    assert.deepEqual(col('vcpuPhysAreaOps'), [false, false, false, false, true, true]);
    assert.deepEqual(col('elfnotePhys32Reloc'), [false, false, false, false, true, true]);
    assert.deepEqual(col('xenoprofOp'), [true, true, true, true, true, true]);
    assert.deepEqual(col('memopExtentShift'), [6, 6, 6, 6, 6, 6]);
    // platform_parameters (§5.1): old values ≤4.17; 4.18+ HVM 0 and PV64 0 only in debug builds.
    assert.deepEqual(getProfile('4.17', { debug: true }).platformParameters,
      { pv64: 0xffff800000000000n, pv32: 0xf5800000n, hvm64: 0xffff800000000000n, hvm32: 0xffffffffn });
    assert.deepEqual(getProfile('4.19').platformParameters,
      { pv64: 0xffff800000000000n, pv32: 0xf5800000n, hvm64: 0n, hvm32: 0n });
    assert.deepEqual(getProfile('4.21', { debug: true }).platformParameters,
      { pv64: 0n, pv32: 0xf5800000n, hvm64: 0n, hvm32: 0n });
  });
});

// --- (d) CPUID -------------------------------------------------------------------------------------------

describe('xen CPUID leaves', function () {
  it('signature, version, max leaf and MSR index', function () {
    for (const name of PROFILE_NAMES) {
      const p = getProfile(name);
      for (const guest of GUEST_TYPES) {
        const l0 = xenCpuidLeaf(p, guest, 0x40000000)!;
        assert.equal(signatureString(l0), 'XenVMMXenVMM');
        assert.equal(l0.ebx, XEN_CPUID_SIGNATURE.ebx);
        assert.equal(l0.eax, 0x40000000 + p.cpuidMaxLeafOffset);
        assert.equal(xenCpuidLeaf(p, guest, 0x40000001)!.eax, p.versionWord);
        assert.equal(xenCpuidLeaf(p, guest, 0x40000002)!.ebx, 0x40000000);
        assert.equal(xenCpuidLeaf(p, guest, l0.eax + 1), null);
        assert.equal(xenCpuidLeaves(p, guest).size, p.cpuidMaxLeafOffset + 1);
      }
    }
    const p = getProfile('4.17');
    assert.equal(xenCpuidLeaf(p, 'hvm64', 0x40000000)!.eax, 0x40000005);
    assert.equal(xenCpuidLeaf(p, 'hvm64', 0x40000001)!.eax, 0x00040011);
    assert.equal(xenCpuidLeaf(getProfile('4.4'), 'pv64', 0x40000000)!.eax, 0x40000002);
    assert.equal(xenCpuidMaxLeaf(getProfile('4.4'), 'pv64', { tscMode: 3 }), 0x40000003);
    assert.equal(xenCpuidLeaf(getProfile('4.8'), 'hvm32', 0x40000000)!.eax, 0x40000004);
    // Viridian: base 0x40000100, MSR 0x40000200; HVM only.
    const v = xenCpuidLeaf(p, 'hvm64', 0x40000100, 0, { baseOffset: 0x100 })!;
    assert.equal(v.eax, 0x40000105);
    assert.equal(signatureString(v), 'XenVMMXenVMM');
    assert.equal(xenCpuidLeaf(p, 'hvm64', 0x40000102, 0, { baseOffset: 0x100 })!.ebx, 0x40000200);
    assert.throws(() => xenCpuidLeaf(p, 'pv64', 0x40000100, 0, { baseOffset: 0x100 }), /HVM-only/);
    // PV-only PRESERVE_AD bit; HVM leaf 4 ids.
    assert.equal(xenCpuidLeaf(p, 'pv32', 0x40000002)!.ecx, 1);
    assert.equal(xenCpuidLeaf(p, 'hvm64', 0x40000002)!.ecx, 0);
    assert.deepEqual(xenCpuidLeaf(p, 'hvm64', 0x40000004, 0, { vcpuId: 3, domid: 7 }),
      { eax: 0x18, ebx: 3, ecx: 7, edx: 0 });
    assert.deepEqual(xenCpuidLeaf(p, 'pv64', 0x40000004), { eax: 0, ebx: 0, ecx: 0, edx: 0 });
  });
});

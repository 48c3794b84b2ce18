/**
 * Xen ABI types from the emulator's declarations: sizes, every offset against layoutOf() and against gcc
 * with the real public headers (/usr/include/xen) on both ABIs, and the Xen path roots over machine
 * memory written with the emulator's own StructView.
 */
import * as assert from 'node:assert/strict';
import { ABIS, Abi, StructView, layoutOf } from '../../../emulator/xen/abi/layout';
import { HYPERCALL_STRUCTS } from '../../../emulator/xen/abi/hypercall-structs';
import { PV_STRUCTS } from '../../../emulator/xen/abi/pv-structs';
import * as S from '../../../emulator/xen/abi/structs';
import { TypeInfo } from '../../../debug-adapter/symbols/model';
import {
  EvalError, VariableStore, assign, evaluate, evaluateForDap, formatValue, sizeOf, stripTypedefs, typeName, valueToBigInt,
  xenRoots, xenTypeInfo, xenValue,
} from '../../../debug-adapter/values';
import { GCC_ARCH, XEN_GUEST_CFLAGS } from '../../xen/c-layout';
import { FakeEnv } from './fixtures';
import { measure } from './gcc';

interface Leaf { path: string; offset: number; size: number; signed?: boolean }

/** Every member path of a type, array elements of structs included (`vcpu_info[1].time.version`). */
function leaves(t: TypeInfo, prefix = '', base = 0, maxElements = 2): Leaf[] {
  const s = stripTypedefs(t);
  const out: Leaf[] = [];
  if (s.kind === 'struct' || s.kind === 'union') {
    for (const m of s.members) {
      const p = prefix ? `${prefix}.${m.name}` : m.name!;
      const ms = stripTypedefs(m.type);
      const leaf: Leaf = { path: p, offset: base + m.offset, size: sizeOf(m.type) };
      if (ms.kind === 'base') leaf.signed = ms.encoding === 'signed' || ms.encoding === 'signed-char';
      out.push(leaf, ...leaves(m.type, p, base + m.offset, maxElements));
    }
  } else if (s.kind === 'array' && stripTypedefs(s.element).kind === 'struct') {
    const n = Math.min(s.count ?? 0, maxElements);
    for (let i = 0; i < n; i++) out.push(...leaves(s.element, `${prefix}[${i}]`, base + i * sizeOf(s.element), maxElements));
  }
  return out;
}

const PRELUDE = '#include <stdint.h>\n#include <xen/xen.h>\n#include <xen/vcpu.h>\n';
const VIEWED = [S.vcpu_time_info, S.arch_vcpu_info, S.vcpu_info, S.arch_shared_info, S.shared_info, S.start_info, S.vcpu_runstate_info];

const SHARED = 0x5000n;
const REGISTERED = 0x9040n;

function xenWorld(abi: Abi, opts: { mapped?: boolean } = {}): { env: FakeEnv; shared: StructView; vcpu1: StructView } {
  const env = new FakeEnv(undefined, abi === 'x86_64' ? 'x86_64' : 'i386');
  const sharedBytes = new Uint8Array(4096);
  const regPage = new Uint8Array(4096);
  env.memory.map(SHARED, sharedBytes, 'machine');
  env.memory.map(REGISTERED & ~0xfffn, regPage, 'machine');
  const shared = StructView.of(S.shared_info, abi, new DataView(sharedBytes.buffer));
  const vcpu1 = StructView.of(S.vcpu_info, abi, new DataView(regPage.buffer), Number(REGISTERED & 0xfffn));
  env.roots = xenRoots({
    abi, vcpus: 2,
    sharedInfo: () => (opts.mapped === false ? undefined : SHARED),
    vcpuInfo: (n) => (n === 1 ? REGISTERED : undefined),
  });
  return { env, shared, vcpu1 };
}

const num = (env: FakeEnv, text: string): bigint => valueToBigInt(evaluate(text, env), env);

describe('values: Xen ABI types', () => {
  it('has the sizes of the public headers on both ABIs', () => {
    const size = (d: typeof S.vcpu_info, abi: Abi): number => sizeOf(xenTypeInfo(d, abi));
    assert.equal(size(S.vcpu_info, 'x86_64'), 64);
    assert.equal(size(S.vcpu_info, 'x86_32'), 64);
    assert.equal(size(S.shared_info, 'x86_64'), 3136);
    assert.equal(size(S.shared_info, 'x86_32'), 2344);
    assert.equal(size(S.vcpu_time_info, 'x86_64'), 32);
    assert.equal(size(S.vcpu_runstate_info, 'x86_64'), 48);
    assert.equal(size(S.vcpu_runstate_info, 'x86_32'), 44);
  });

  it('agrees with layoutOf() for every declared struct and field on both ABIs', () => {
    let checked = 0;
    for (const abi of ABIS) {
      for (const def of [...S.ALL_STRUCTS, ...PV_STRUCTS, ...HYPERCALL_STRUCTS]) {
        if (def.abis && !def.abis.includes(abi)) continue;
        const layout = layoutOf(def, abi);
        const t = xenTypeInfo(def, abi);
        assert.equal(sizeOf(t), layout.size, `${def.name} ${abi}`);
        if (def.cArrayTypedef) continue;
        for (const leaf of leaves(t, '', 0, 0)) {
          const f = layout.fields.get(leaf.path);
          const parent = layout.fields.get(leaf.path.replace(/\.p$/, ''))?.type;
          if (!f && parent?.kind === 'scalar' && parent.name === 'handle') continue; // XEN_GUEST_HANDLE's own `p`
          assert.ok(f, `${def.name}.${leaf.path} (${abi}) not in layout`);
          assert.deepEqual([leaf.offset, leaf.size], [f.offset, f.size], `${def.name}.${leaf.path} (${abi})`);
          if (f.type.kind === 'scalar' && leaf.signed !== undefined && f.type.name !== 'char') assert.equal(leaf.signed, f.type.signed, `${def.name}.${leaf.path} signedness`);
          checked++;
        }
      }
    }
    assert.ok(checked > 500, `checked ${checked}`);
  });

  for (const abi of ABIS) {
    it(`agrees with gcc and the Xen headers (${abi}): offsets, sizes, signedness`, () => {
      const probes: [string, string, string][] = [];
      const expect = new Map<string, [number, number]>();
      for (const def of VIEWED) {
        const t = xenTypeInfo(def, abi);
        probes.push([`${def.name}|`, '0', `sizeof(${def.cType})`]);
        expect.set(`${def.name}|`, [0, sizeOf(t)]);
        for (const leaf of leaves(t)) {
          const key = `${def.name}|${leaf.path}`;
          probes.push([`${key}|off`, `offsetof(${def.cType}, ${leaf.path})`, `sizeof(((${def.cType} *)0)->${leaf.path})`]);
          expect.set(`${key}|off`, [leaf.offset, leaf.size]);
          if (leaf.signed !== undefined) {
            // 1 when the member's type is signed: a constant expression gcc folds.
            probes.push([`${key}|sign`, `(__typeof__(((${def.cType} *)0)->${leaf.path}))-1 < 0`, '0']);
            expect.set(`${key}|sign`, [leaf.signed ? 1 : 0, 0]);
          }
        }
      }
      const measured = measure(PRELUDE, probes, [GCC_ARCH[abi], ...XEN_GUEST_CFLAGS]);
      assert.equal(measured.size, probes.length);
      for (const [key, want] of expect) assert.deepEqual(measured.get(key), want, `${key} (${abi})`);
    });
  }

  it('names the C types as the headers do', () => {
    const vi = stripTypedefs(xenTypeInfo(S.vcpu_info, 'x86_64'));
    assert.equal(typeName(vi), 'struct vcpu_info');
    assert.ok(vi.kind === 'struct');
    assert.deepEqual(vi.members.map((m) => `${typeName(m.type)} ${m.name}`), [
      'uint8_t evtchn_upcall_pending', 'uint8_t evtchn_upcall_mask', 'xen_ulong_t evtchn_pending_sel',
      'struct arch_vcpu_info arch', 'struct vcpu_time_info time',
    ]);
    const si = stripTypedefs(xenTypeInfo(S.shared_info, 'x86_32'));
    assert.ok(si.kind === 'struct');
    assert.equal(typeName(si.members[0].type), 'struct vcpu_info [32]');
    assert.equal(typeName(si.members[1].type), 'xen_ulong_t [32]');
    const st = stripTypedefs(xenTypeInfo(S.start_info, 'x86_64'));
    assert.ok(st.kind === 'struct');
    assert.equal(typeName(st.members.find((m) => m.name === 'console')!.type), 'union {...}');
  });
});

describe('values: Xen path roots', () => {
  it('evaluates vcpu_info[N] (registered elsewhere or the legacy slot) and shared_info paths', () => {
    const { env, shared, vcpu1 } = xenWorld('x86_64');
    shared.set('wc_sec', 1234);
    shared.set('evtchn_pending', 0x8000000000000001n, 0);
    shared.set('evtchn_pending', 5n, 63);
    shared.sub('vcpu_info', 0).set('evtchn_upcall_pending', 1);
    shared.sub('vcpu_info', 0).set('time.version', 6);
    shared.sub('vcpu_info', 0).set('time.tsc_shift', -2);
    vcpu1.set('evtchn_upcall_pending', 1);
    vcpu1.set('evtchn_pending_sel', 0x81n);
    vcpu1.set('time.version', 8);
    assert.equal(num(env, 'vcpu_info[0].evtchn_upcall_pending'), 1n);
    assert.equal(num(env, 'vcpu_info[1].evtchn_upcall_pending'), 1n);
    assert.equal(num(env, 'shared_info.vcpu_info[1].evtchn_upcall_pending'), 0n, 'the legacy slot of a moved vcpu_info is unused');
    assert.equal(num(env, 'vcpu_info[1].evtchn_pending_sel & 0x80'), 0x80n);
    assert.equal(num(env, 'vcpu_info[0].time.version + vcpu_info[1].time.version'), 14n);
    assert.equal(num(env, 'vcpu_info[0].time.tsc_shift'), -2n);
    assert.equal(num(env, 'shared_info.evtchn_pending[0]'), 0x8000000000000001n);
    assert.equal(num(env, 'shared_info.evtchn_pending[63]'), 5n);
    assert.equal(num(env, 'shared_info.evtchn_pending[0] >> 63'), 1n);
    assert.equal(num(env, 'shared_info.wc_sec'), 1234n);
    assert.equal(num(env, '$shared_info.wc_sec'), 1234n);
    assert.equal(num(env, 'sizeof shared_info'), 3136n);
    assert.equal(num(env, 'sizeof vcpu_info[0]'), 64n);
    assert.equal(formatValue(evaluate('shared_info.evtchn_pending[0]', env), env, { hex: true }), '0x8000000000000001');
  });

  it('lets guest variables shadow the roots, keeping $name for the root', () => {
    const { env, shared } = xenWorld('x86_64');
    shared.set('wc_sec', 99);
    env.memory.map(0x7000n, new Uint8Array(8));
    env.at('shared_info', { kind: 'pointer', size: 8, target: { kind: 'void' } }, 0x7000n);
    assert.equal(typeName(evaluate('shared_info', env).type), 'void *');
    assert.equal(num(env, '$shared_info.wc_sec'), 99n);
  });

  it('writes through machine memory and refuses what has no virtual address', () => {
    const { env, shared, vcpu1 } = xenWorld('x86_64');
    assign('vcpu_info[1].evtchn_upcall_mask', '1', env);
    assert.equal(vcpu1.get('evtchn_upcall_mask'), 1);
    assign('shared_info.evtchn_mask[2]', '~0ul', env);
    assert.equal(shared.get('evtchn_mask', 2), 0xffffffffffffffffn);
    assign('vcpu_info[0].time.tsc_shift', '-5', env);
    assert.equal(shared.sub('vcpu_info', 0).get('time.tsc_shift'), -5);
    const refuse = (text: string, re: RegExp): void => assert.throws(() => valueToBigInt(evaluate(text, env), env), (e: unknown) => e instanceof EvalError && re.test(e.message), text);
    refuse('&shared_info', /machine memory at 0x5000; it has no guest-virtual address/);
    refuse('shared_info.evtchn_pending + 1', /machine memory .* index it instead/);
    refuse('vcpu_info[2]', /vcpu_info\[2\] is out of range \(0\.\.1\)/);
    refuse('vcpu_info + 1', /per vCPU: index it/);
    refuse('vcpu_info.time', /not a struct or union/);
  });

  it('shows roots as variables with machine memory references, expansion and paging', () => {
    const { env, shared } = xenWorld('x86_64');
    shared.set('wc_nsec', 5);
    const store = new VariableStore();
    const scope = store.addScope(env, () => ['vcpu_info', 'shared_info'].map((n) => ({ name: n, value: evaluate(n, env), evaluateName: n })));
    const [vi, si] = store.variables(scope);
    assert.equal(vi.value, '[2 vCPUs]');
    assert.equal(vi.type, 'struct vcpu_info [2]');
    assert.equal(vi.indexedVariables, 2);
    const vcpus = store.variables(vi.variablesReference);
    assert.deepEqual(vcpus.map((v) => [v.name, v.evaluateName, v.memoryReference]), [
      ['[0]', 'vcpu_info[0]', 'mach:0x5000'], ['[1]', 'vcpu_info[1]', 'mach:0x9040'],
    ]);
    const v1 = store.variables(vcpus[1].variablesReference);
    assert.deepEqual(v1.map((v) => v.name), ['evtchn_upcall_pending', 'evtchn_upcall_mask', 'evtchn_pending_sel', 'arch', 'time']);
    assert.equal(v1[2].evaluateName, 'vcpu_info[1].evtchn_pending_sel');
    assert.equal(v1[2].memoryReference, 'mach:0x9048');
    assert.equal(si.memoryReference, 'mach:0x5000');
    const siKids = store.variables(si.variablesReference);
    const pending = siKids.find((v) => v.name === 'evtchn_pending')!;
    assert.equal(pending.indexedVariables, 64);
    assert.equal(store.variables(pending.variablesReference, { start: 60, count: 10 }).length, 4);
    assert.equal(siKids.find((v) => v.name === 'vcpu_info')!.indexedVariables, 32);
    assert.equal(siKids.find((v) => v.name === 'wc_nsec')!.value, '5');
    assert.equal(store.setVariable(vcpus[1].variablesReference, 'evtchn_upcall_pending', '1').value, '1');
    const e = evaluateForDap('vcpu_info[1].time', env, store);
    assert.equal(e.memoryReference, 'mach:0x9060');
    assert.equal(e.type, 'struct vcpu_time_info');
    assert.ok(e.result.startsWith('{version = 0, pad0 = 0, tsc_timestamp = 0,'), e.result);
  });

  it('works for 32-bit guests (compat layouts)', () => {
    const { env, shared, vcpu1 } = xenWorld('x86_32');
    shared.set('evtchn_pending', 0x80000001, 1);
    shared.set('arch.wc_sec_hi', 3);
    vcpu1.set('evtchn_pending_sel', 0xffffffff);
    assert.equal(num(env, 'sizeof shared_info'), 2344n);
    assert.equal(num(env, 'sizeof shared_info.evtchn_pending[0]'), 4n);
    assert.equal(num(env, 'shared_info.evtchn_pending[1]'), 0x80000001n);
    assert.equal(num(env, 'shared_info.arch.wc_sec_hi'), 3n);
    assert.equal(num(env, 'vcpu_info[1].evtchn_pending_sel + 1'), 0n, 'xen_ulong_t is 32-bit unsigned long');
    assert.throws(() => evaluate('shared_info.wc_sec_hi', env), /has no member named 'wc_sec_hi'/);
  });

  it('reports roots that have no home yet', () => {
    const { env } = xenWorld('x86_64', { mapped: false });
    assert.equal(formatValue(evaluate('shared_info', env), env), '<unavailable: the domain has no shared_info page mapped>');
    assert.equal(formatValue(evaluate('vcpu_info[0]', env), env), '<unavailable: vCPU 0 has no vcpu_info: none registered and no shared_info page>');
    assert.equal(num(env, 'vcpu_info[1].evtchn_upcall_pending'), 0n, 'the registered one still works');
  });

  it('shows start_info strings and a Xen struct at any address (xenValue)', () => {
    const env = new FakeEnv();
    const bytes = new Uint8Array(4096);
    env.memory.map(0x2000n, bytes, 'machine');
    const view = StructView.of(S.start_info, 'x86_64', new DataView(bytes.buffer));
    view.setString('magic', 'xen-3.0-x86_64');
    view.setString('cmd_line', 'console=hvc0 debug');
    view.set('nr_pages', 0x4000n);
    env.roots = xenRoots({ abi: 'x86_64', vcpus: 1, startInfo: () => 0x2000n });
    assert.equal(formatValue(evaluate('start_info.magic', env), env), '"xen-3.0-x86_64"');
    assert.equal(formatValue(evaluate('start_info.cmd_line', env), env), '"console=hvc0 debug"');
    assert.equal(num(env, 'start_info.nr_pages'), 0x4000n);
    const v = xenValue(S.start_info, 'x86_64', 0x2000n);
    assert.ok(formatValue(v, env).startsWith('{magic = "xen-3.0-x86_64", nr_pages = 16384,'));
  });
});

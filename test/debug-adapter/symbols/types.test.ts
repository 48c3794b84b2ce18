/**
 * Types and variables against gdb: every member path of a set of structs (offset and sizeof through
 * `print &((T *)0)->path`), bit fields through `ptype /o`, enumerators, arrays and typedefs; and per function
 * the variables (names and sizes) against `info scope`.
 */
import * as assert from 'assert';
import * as path from 'path';
import { GuestSymbols, MemberInfo, TypeInfo } from '../../../debug-adapter/symbols/model';
import { sizeOf, strip } from '../../../debug-adapter/symbols/types';
import { DEBUGGEE_IMAGES, debuggeePath, GUESTS, hasTool, instructionAddresses, load, run } from './helpers';

function gdb(image: string, cmds: string[]): string {
  return run('gdb', ['-batch', '-nx', ...cmds.flatMap((c) => ['-ex', c]), image]);
}

/** Member paths (with offset and size) of a struct/union, through nested aggregates. */
function memberPaths(t: TypeInfo, prefix: string, base: number, out: { path: string; offset: number; size: number | undefined }[], depth = 0): void {
  const s = strip(t);
  if ((s.kind !== 'struct' && s.kind !== 'union') || depth > 4) return;
  for (const m of s.members) {
    if (m.bitSize !== undefined) continue;
    const p = m.name === undefined ? prefix : `${prefix}${prefix ? '.' : ''}${m.name}`;
    if (m.name !== undefined) out.push({ path: p, offset: base + m.offset, size: sizeOf(m.type) });
    memberPaths(m.type, p, base + m.offset, out, depth + 1);
  }
}

function checkStructs(sym: GuestSymbols, image: string, names: string[]): void {
  const cmds: string[] = [];
  const want: string[] = [];
  for (const n of names) {
    const t = sym.typeByName(n);
    assert.ok(t, `${n} known`);
    cmds.push(`print/d sizeof(${n})`);
    want.push(`${n} size ${sizeOf(t)}`);
    const paths: { path: string; offset: number; size: number | undefined }[] = [];
    memberPaths(t, '', 0, paths);
    for (const p of paths) {
      cmds.push(`print/d (unsigned long)&((${n} *)0)->${p.path}`);
      want.push(`${n}.${p.path} offset ${p.offset}`);
      if (p.size !== undefined) {
        cmds.push(`print/d sizeof(((${n} *)0)->${p.path})`);
        want.push(`${n}.${p.path} size ${p.size}`);
      }
    }
  }
  const out = gdb(image, cmds);
  const values = [...out.matchAll(/^\$(\d+) = (-?\d+)$/gm)].map((m) => Number(m[2]));
  assert.strictEqual(values.length, cmds.length, out.slice(0, 2000));
  const got = want.map((w, i) => w.replace(/-?\d+$/, String(values[i])));
  assert.deepStrictEqual(want, got);
}

/** Bit fields: gdb's ptype /o prints `byte: bit` for them. */
function checkBitFields(sym: GuestSymbols, image: string, name: string): number {
  const out = gdb(image, [`ptype /o ${name}`]);
  const t = strip(sym.typeByName(name)!);
  assert.ok(t.kind === 'struct');
  let n = 0;
  for (const m of out.matchAll(/\/\*\s+(\d+):\s*(\d+)\s*\|\s*(\d+) \*\/\s+[^;]*?(\w+) : (\d+);/g)) {
    const mine: MemberInfo | undefined = t.members.find((x) => x.name === m[4]);
    assert.ok(mine && mine.bitSize !== undefined, m[4]);
    assert.strictEqual(mine.offset * 8 + mine.bitOffset!, Number(m[1]) * 8 + Number(m[2]), `${m[4]} bit position`);
    assert.strictEqual(mine.bitSize, Number(m[5]));
    n++;
  }
  return n;
}

describe('symbols: types against gdb', function () {
  before(function () { if (!hasTool('gdb')) this.skip(); });

  for (const variant of ['pv64-O0', 'hvm32-Og']) {
    it(`debuggee-${variant}: struct layouts, bit fields, enum, arrays, typedefs`, () => {
      const image = debuggeePath(variant);
      const sym = load(image);
      checkStructs(sym, image, ['struct node', 'struct point', 'struct blob', 'node_t', 'struct xen_memory_reservation',
        'struct evtchn_alloc_unbound', ...(variant.startsWith('hvm') ? ['struct xen_memory_map', 'struct e820entry'] : [])]);
      assert.strictEqual(checkBitFields(sym, image, 'struct node'), 3);

      const node = strip(sym.typeByName('struct node')!);
      assert.ok(node.kind === 'struct');
      // The self pointer closes a cycle.
      const next = node.members.find((m) => m.name === 'next')!.type;
      assert.ok(next.kind === 'pointer' && next.target === node);
      const u = strip(node.members.find((m) => m.name === 'u')!.type);
      assert.ok(u.kind === 'union' && u.members.length === 3);
      const nameArr = node.members.find((m) => m.name === 'name')!.type;
      assert.ok(nameArr.kind === 'array' && nameArr.count === 12);
      const kind = node.members.find((m) => m.name === 'kind')!.type;
      assert.ok(kind.kind === 'typedef' && kind.name === 'shape_kind_t');

      const e = sym.typeByName('enum shape_kind')!;
      assert.ok(e.kind === 'enum');
      const vals = gdb(image, e.enumerators.map((x) => `print/d ${x.name}`));
      assert.deepStrictEqual([...vals.matchAll(/= (-?\d+)/g)].map((m) => BigInt(m[1])), e.enumerators.map((x) => x.value));
      assert.deepStrictEqual(e.enumerators.map((x) => x.name), ['SHAPE_NONE', 'SHAPE_CIRCLE', 'SHAPE_RECT', 'SHAPE_HUGE']);

      const blob = strip(sym.typeByName('struct blob')!);
      assert.ok(blob.kind === 'struct');
      const data = blob.members[1].type;
      assert.ok(data.kind === 'array' && data.count === undefined, 'flexible array member');

      const grid = sym.globals().find((g) => g.name === 'grid')!;
      assert.ok(grid.type.kind === 'array' && grid.type.count === 3);
      assert.ok(grid.type.element.kind === 'array' && grid.type.element.count === 4);
      assert.strictEqual(sizeOf(grid.type), 48);

      const visitor = sym.globals().find((g) => g.name === 'visitor')!;
      assert.ok(visitor.type.kind === 'typedef' && visitor.type.name === 'node_visitor_t');
      const fp = visitor.type.target;
      assert.ok(fp.kind === 'pointer' && fp.target.kind === 'function');
      assert.strictEqual(fp.target.params.length, 2);
      const p0 = fp.target.params[0];
      assert.ok(p0.kind === 'pointer' && p0.target.kind === 'qualified' && p0.target.qualifier === 'const');

      const nameConst = sym.globals().find((g) => g.name === 'debuggee_name')!;
      assert.ok(nameConst.type.kind === 'qualified' && nameConst.type.qualifier === 'const');
      const hc = sym.globals().find((g) => g.name === 'hit_counter')!;
      assert.ok(hc.type.kind === 'qualified' && hc.type.qualifier === 'volatile');
      assert.ok(sym.globals().some((g) => g.name === 'file_static_calls'), 'file-scope static');

      const base = sym.typeByName('unsigned int');
      assert.deepStrictEqual(base, { kind: 'base', name: 'unsigned int', size: 4, encoding: 'unsigned' });
      assert.strictEqual(sym.typeByName('struct no_such_thing'), undefined);
    });
  }

  it('the 32-bit and 64-bit PV start_info layouts match gdb', () => {
    for (const img of ['hello/hello-pv64.elf', 'hello/hello-pv32.elf']) {
      const image = path.join(GUESTS, img);
      checkStructs(load(image), image, ['struct start_info', 'struct shared_info']);
    }
  });
});

interface Scope { name: string; length: number }

// gdb's info scope lists the function's outermost block only; these live in nested blocks (loops).
const NESTED: Record<string, string[]> = { sum_nodes: ['n', 'w'], build_nodes: ['i', 'n', 'c', 'r', 'b'] };

/** info scope of several functions in one gdb run. */
function gdbScopes(image: string, fns: string[]): Map<string, Scope[]> {
  const out = gdb(image, fns.map((f) => `info scope ${f}`));
  const res = new Map<string, Scope[]>();
  for (const part of out.split(/^Scope for /m).slice(1)) {
    const fn = part.slice(0, part.indexOf(':'));
    const list: Scope[] = [];
    for (const m of part.matchAll(/^Symbol (\S+) is [\s\S]*?, length (\d+)\.$/gm)) list.push({ name: m[1], length: Number(m[2]) });
    res.set(fn, list);
  }
  return res;
}

describe('symbols: variables against gdb info scope', function () {
  before(function () { if (!hasTool('gdb') || !hasTool('objdump')) this.skip(); });

  for (const variant of DEBUGGEE_IMAGES) {
    it(`debuggee-${variant}: parameters and locals of each function`, () => {
      const image = debuggeePath(variant);
      const sym = load(image);
      const fns = ['recurse', 'sum_nodes', 'build_nodes', 'balloon_out', 'event_channel_roundtrip', 'kernel_main', 'bump_counter'];
      const scopes = gdbScopes(image, fns);
      for (const fn of fns) {
        const expected = scopes.get(fn) ?? [];
        assert.ok(expected.length > 0 || NESTED[fn], `${fn}: gdb lists variables`);
        const mine = new Map<string, { size: number | undefined; kind: string }>();
        for (const a of instructionAddresses(image, fn)) {
          for (const v of sym.variablesAt(a)) {
            // gdb's info scope covers the function's own blocks, not the inlined callees' scopes.
            if (sym.inlinedAt(a).length > 0 && !expected.some((e) => e.name === v.name)) continue;
            mine.set(v.name, { size: sizeOf(v.type), kind: v.kind });
          }
        }
        for (const e of expected) {
          const m = mine.get(e.name);
          assert.ok(m, `${fn}: ${e.name} is visible somewhere in the function`);
          assert.strictEqual(m.size, e.length, `${fn}: sizeof ${e.name}`);
        }
        const extra = [...mine.keys()].filter((k) => !expected.some((e) => e.name === k));
        assert.deepStrictEqual(extra.filter((k) => !(NESTED[fn] ?? []).includes(k)), [], `${fn}: no extra variables`);
        if (NESTED[fn]) assert.ok(extra.length >= NESTED[fn].length - 1, `${fn}: nested-block variables found (${extra})`);
      }
      const rec = sym.functionByName('recurse')!;
      const vs = sym.variablesAt(rec.bodyStart!);
      assert.deepStrictEqual(vs.map((v) => `${v.kind} ${v.name}`), ['parameter depth', 'parameter acc', 'local local']);
      assert.ok(vs.every((v) => v.decl?.file.endsWith('debuggee.c')));
    });
  }
});

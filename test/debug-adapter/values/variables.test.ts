/** DAP variable trees: handles, children, paging, evaluateName, memoryReference, stale handles, writes. */
import * as assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  EvalError, VariableStore, builtinType, evaluate, evaluateForDap, formatValue, registerValue, setExpressionForDap,
} from '../../../debug-adapter/values';
import { FakeEnv } from './fixtures';
import { makeWorld } from './world';

function scopeOf(store: VariableStore, env: FakeEnv, names: string[]): number {
  return store.addScope(env, () => names.map((n) => ({ name: n, value: () => evaluate(n, env), evaluateName: n })));
}

const byName = (vars: DebugProtocol.Variable[], name: string): DebugProtocol.Variable => {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `no child ${name} in ${vars.map((x) => x.name).join(', ')}`);
  return v;
};

describe('values: variable store', () => {
  it('builds a scope and expands structs, unions, anonymous members, arrays and pointers', () => {
    const env = makeWorld();
    const store = new VariableStore();
    const scope = store.variables(scopeOf(store, env, ['r', 'rp', 'big', 'text']));
    assert.deepEqual(scope.map((v) => [v.name, v.type]), [['r', 'struct rec'], ['rp', 'struct rec *'], ['big', 'int [1000]'], ['text', 'char [16]']]);
    const r = byName(scope, 'r');
    assert.equal(r.namedVariables, 25);
    assert.equal(r.memoryReference, '0x1000');
    const members = store.variables(r.variablesReference);
    assert.equal(members.length, 25);
    const anon = members[22];
    assert.equal(anon.name, '<anonymous union>');
    assert.equal(anon.evaluateName, undefined);
    const anonKids = store.variables(anon.variablesReference);
    assert.deepEqual(anonKids.map((v) => [v.name, v.evaluateName, v.type]), [['anon_i', 'r.anon_i', 'int'], ['anon_f', 'r.anon_f', 'float']]);
    const bf = store.variables(byName(members, 'bf').variablesReference);
    assert.deepEqual(bf.map((v) => `${v.name}=${v.value}`), ['a=5', 'b=-9', 'c=0', 'd=737894404660', 'e=false', 'f=0']);
    assert.equal(byName(bf, 'b').evaluateName, 'r.bf.b');
    const head = byName(members, 'head');
    assert.equal(head.value, '0x2000 <nodes>');
    assert.equal(head.memoryReference, '0x2000');
    const pointee = store.variables(head.variablesReference);
    assert.equal(pointee.length, 1);
    assert.equal(pointee[0].name, '*head');
    assert.equal(pointee[0].evaluateName, '*r.head');
    const node = store.variables(pointee[0].variablesReference);
    assert.deepEqual(node.map((v) => [v.name, v.evaluateName]), [['val', '(*r.head).val'], ['next', '(*r.head).next']]);
    assert.equal(byName(members, 'vp').variablesReference, 0, 'void * has no children');
    assert.ok(byName(members, 'vp').memoryReference === '0x1000');
    const matrix = store.variables(byName(members, 'matrix').variablesReference);
    assert.equal(matrix[1].evaluateName, 'r.matrix[1]');
    assert.equal(store.variables(matrix[1].variablesReference)[2].evaluateName, 'r.matrix[1][2]');
    assert.equal(byName(members, 'i').presentationHint, undefined);
  });

  it('gives every child an evaluateName that evaluates to the same value', () => {
    const env = makeWorld();
    const store = new VariableStore();
    let checked = 0;
    const walk = (ref: number, depth: number): void => {
      for (const v of store.variables(ref, { start: 0, count: 20 })) {
        if (v.evaluateName !== undefined) {
          assert.equal(formatValue(evaluate(v.evaluateName, env), env), v.value, v.evaluateName);
          checked++;
        }
        if (v.variablesReference && depth < 4) walk(v.variablesReference, depth + 1);
      }
    };
    walk(scopeOf(store, env, ['r', 'rp', 'nodes', 'big']), 0);
    assert.ok(checked > 100, `checked ${checked}`);
  });

  it('pages big arrays with start and count, and filters', () => {
    const env = makeWorld();
    const store = new VariableStore({ maxChildren: 50 });
    const big = byName(store.variables(scopeOf(store, env, ['big'])), 'big');
    assert.equal(big.indexedVariables, 1000);
    assert.equal(big.namedVariables, undefined);
    const page = store.variables(big.variablesReference, { filter: 'indexed', start: 990, count: 20 });
    assert.deepEqual(page.map((v) => v.name), ['[990]', '[991]', '[992]', '[993]', '[994]', '[995]', '[996]', '[997]', '[998]', '[999]']);
    assert.equal(page[5].value, '995');
    assert.equal(page[5].evaluateName, 'big[995]');
    assert.equal(page[5].memoryReference, '0x' + (0x3000 + 4 * 995).toString(16));
    assert.equal(store.variables(big.variablesReference).length, 50, 'capped without start/count');
    assert.deepEqual(store.variables(big.variablesReference, { filter: 'named' }), []);
    const hex = store.variables(big.variablesReference, { start: 255, count: 1, format: { hex: true } });
    assert.equal(hex[0].value, '0xff');
  });

  it('makes handles stale when the guest resumes', () => {
    const env = makeWorld();
    const store = new VariableStore();
    const scope = scopeOf(store, env, ['r']);
    const r = store.variables(scope)[0];
    store.invalidate();
    assert.throws(() => store.variables(r.variablesReference), (e: unknown) => e instanceof EvalError && /stale: the guest has run/.test(e.message));
    assert.throws(() => store.variables(scope), /stale/);
    assert.throws(() => store.setVariable(scope, 'r', '1'), /stale/);
    assert.throws(() => store.variables(123456), /unknown variable reference 123456/);
    const fresh = scopeOf(store, env, ['r']);
    assert.ok(fresh > r.variablesReference, 'handles are never reused');
    assert.equal(store.variables(fresh)[0].name, 'r');
  });

  it('sets variables through memory, bit fields and registers', () => {
    const env = makeWorld();
    const store = new VariableStore();
    const r = store.variables(scopeOf(store, env, ['r']))[0];
    const members = store.variables(r.variablesReference);
    const res = store.setVariable(r.variablesReference, 'i', 'r.i * 2 + 1');
    assert.equal(res.value, '85');
    assert.equal(formatValue(evaluate('r.i', env), env), '85');
    const bf = byName(members, 'bf').variablesReference;
    assert.equal(store.setVariable(bf, 'c', '0xfff').value, '4095');
    assert.equal(store.setVariable(bf, 'c', '0x1000').value, '0', '12-bit field truncates');
    assert.equal(formatValue(evaluate('r.bf.a', env), env), '5');
    const arr = byName(members, 'arr').variablesReference;
    assert.equal(store.setVariable(arr, '[7]', '-3').value, '-3');
    assert.equal(formatValue(evaluate('r.arr[7]', env), env), '-3');
    assert.equal(store.setVariable(r.variablesReference, 'color', '6').value, 'BLUE');
    const regs = store.addScope(env, () => ['rax', 'eax'].map((n) => ({ name: n, value: registerValue(env, n), evaluateName: `$${n}` })));
    assert.equal(store.setVariable(regs, 'rax', '0x10', { hex: true }).value, '0x10');
    assert.equal(env.regs.get('rax')!.value, 0x10n);
    assert.throws(() => store.setVariable(r.variablesReference, 'nosuch', '1'), /no variable named 'nosuch'/);
    assert.throws(() => store.setVariable(r.variablesReference, 'i', '1 +'), /syntax error at column 4/);
  });

  it('refuses to set optimized-out and computed values', () => {
    const env = makeWorld();
    const int = builtinType('x86_64', 'int');
    const store = new VariableStore();
    const scope = store.addScope(env, () => [
      { name: 'gone', value: { type: int, location: { kind: 'optimized-out' } } },
      { name: 'implicit', value: { type: int, location: { kind: 'value', value: 3n } } },
      { name: 'broken', value: () => { throw new EvalError('DW_OP_foo not understood'); } },
    ]);
    const vars = store.variables(scope);
    assert.deepEqual(vars.map((v) => v.value), ['<optimized out>', '3', '<error: DW_OP_foo not understood>']);
    assert.deepEqual(vars[1].presentationHint, { attributes: ['readOnly'] });
    assert.throws(() => store.setVariable(scope, 'gone', '1'), /cannot set gone: it is optimized out/);
    assert.throws(() => store.setVariable(scope, 'implicit', '1'), /cannot set implicit: its value is computed/);
    assert.throws(() => store.setVariable(scope, 'broken', '1'), /DW_OP_foo/);
  });

  it('answers evaluate and setExpression requests', () => {
    const env = makeWorld();
    const store = new VariableStore();
    const e = evaluateForDap('rp->head', env, store);
    assert.equal(e.result, '0x2000 <nodes>');
    assert.equal(e.type, 'struct node *');
    assert.equal(e.memoryReference, '0x2000');
    const child = store.variables(e.variablesReference)[0];
    assert.equal(child.evaluateName, '*rp->head');
    assert.equal(store.variables(child.variablesReference)[0].evaluateName, '(*rp->head).val');
    const arr = evaluateForDap('r.arr', env, store);
    assert.equal(arr.indexedVariables, 8);
    assert.equal(evaluateForDap('r.i + 1', env, store, { hex: true }).result, '0x2b');
    assert.throws(() => evaluateForDap('*(int *)0', env, store), /cannot access memory at guest-virtual address 0x0/);
    assert.throws(() => evaluateForDap('r.i +', env, store), /column 6/);
    const set = setExpressionForDap('nodes[1].val', '41 + 1', env, store);
    assert.equal(set.value, '42');
    assert.equal(set.type, 'int');
    assert.throws(() => setExpressionForDap('r.i + 1', '3', env, store), /cannot set r.i \+ 1: its value is computed/);
  });
});

/** Evaluation beyond the native comparison: errors, locations (registers, pieces, implicit values), writes. */
import * as assert from 'node:assert/strict';
import {
  EvalError, Value, assign, builtinType, evaluate, evaluateCondition, formatValue, readValueBytes, typeName, valueToBigInt,
} from '../../../debug-adapter/values';
import { TypeInfo } from '../../../debug-adapter/symbols/model';
import { FakeEnv } from './fixtures';
import { R_ADDR, makeWorld } from './world';

const int = builtinType('x86_64', 'int');
const long = builtinType('x86_64', 'long');

function fails(env: FakeEnv, text: string, re: RegExp): void {
  assert.throws(() => {
    const v = evaluate(text, env);
    valueToBigInt(v, env);
  }, (e: unknown) => e instanceof EvalError && re.test(e.message), text);
}

const num = (env: FakeEnv, text: string): bigint => valueToBigInt(evaluate(text, env), env);

describe('values: evaluator', () => {
  it('reports errors clearly instead of crashing', () => {
    const env = makeWorld();
    fails(env, '1 / 0', /division by zero/);
    fails(env, 'r.i % (r.u - 7)', /division by zero/);
    fails(env, '1 << 32', /shift count 32 is out of range for int/);
    fails(env, '1 << -1', /shift count -1/);
    fails(env, 'nosuch + 1', /no symbol "nosuch" in the current context/);
    fails(env, '$nosuch', /unknown register \$nosuch/);
    fails(env, 'r.nosuch', /struct rec has no member named 'nosuch'/);
    fails(env, 'rp.i', /pointer .*use '->i'/);
    fails(env, 'r->i', /not a pointer \(use '\.'\)/);
    fails(env, 'r.i.x', /not a struct or union \(int\)/);
    fails(env, '*r.i', /cannot dereference a value of type int/);
    fails(env, '*r.vp', /void \* pointer/);
    fails(env, '&r.bf.a', /address of a bit field/);
    fails(env, '&1', /not in memory/);
    fails(env, '&$rax', /register/);
    fails(env, '*(int *)0x10', /cannot access memory at guest-virtual address 0x10 \(4 bytes\)/);
    fails(env, 'nodes[1].next->val', /cannot access memory at guest-virtual address 0x0/);
    fails(env, '(struct nosuch *)0', /no struct nosuch/);
    fails(env, 'sizeof(struct nosuch)', /no struct nosuch/);
    fails(env, '(frob)1', /column 7: .*'frob' is not a known type/);
    fails(env, '(frob *)0', /unknown type name 'frob'/);
    fails(env, 'r + 1', /invalid operands to '\+'/);
    fails(env, 'r.arr * 2', /invalid operands/);
    fails(env, 'r.i[2]', /cannot subscript/);
    fails(env, 'rp - r.head', /different types/);
    fails(env, '(struct rec)r', /cannot cast to struct rec/);
    fails(env, 'r ? 1 : 2', /cannot be used as a condition/);
  });

  it('refuses assignments that C refuses, with reasons', () => {
    const env = makeWorld();
    const refuse = (t: string, v: string, re: RegExp): void => assert.throws(() => assign(t, v, env), (e: unknown) => e instanceof EvalError && re.test(e.message), t);
    refuse('5', '3', /not stored anywhere.*not an lvalue/);
    refuse('r.i + 1', '3', /not an lvalue/);
    refuse('r.arr', '1', /cannot assign to an array/);
    refuse('r', 'nodes[0]', /cannot assign node_t to struct rec/);
    refuse('r.i', 'r', /cannot assign struct rec to int/);
    env.vars.set('gone', { type: int, location: { kind: 'optimized-out' } });
    env.vars.set('implicit', { type: int, location: { kind: 'value', value: 5n } });
    env.vars.set('lost', { type: int, location: { kind: 'unavailable', why: 'rbx not saved' } });
    refuse('gone', '1', /optimized out/);
    refuse('implicit', '1', /not stored anywhere/);
    refuse('lost', '1', /unavailable \(rbx not saved\)/);
    env.memory.map(0x9000n, new Uint8Array(4), 'virtual', true);
    env.at('rom', int, 0x9000n);
    refuse('rom', '1', /not writable or not mapped/);
  });

  it('reads DWARF register, implicit and piece locations', () => {
    const env = makeWorld();
    env.dwarf.set(0, 0xffffffff_fffffff6n); // rax = -10 as a 64-bit register
    env.dwarf.set(3, 0x1234n);
    env.vars.set('inrax', { type: int, location: { kind: 'register', reg: 0 } });
    env.vars.set('stackval', { type: long, location: { kind: 'value', value: -2n } });
    env.vars.set('bytes', { type: int, location: { kind: 'bytes', bytes: Uint8Array.from([1, 2, 0, 0]) } });
    // A 16-byte struct node split: val in rbx (reg 3), next in memory.
    env.memory.map(0xa000n, Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x20, 0, 0, 0, 0, 0, 0]));
    env.vars.set('split', { type: env.types.get('struct node')!, location: { kind: 'pieces', pieces: [
      { location: { kind: 'register', reg: 3 }, sizeBytes: 4 }, { location: { kind: 'optimized-out' }, sizeBytes: 4 },
      { location: { kind: 'memory', address: 0xa008n }, sizeBytes: 8 },
    ] } });
    env.vars.set('regless', { type: int, location: { kind: 'register', reg: 12 } });
    assert.equal(num(env, 'inrax'), -10n);
    assert.equal(num(env, 'inrax * 2'), -20n);
    assert.equal(num(env, 'stackval'), -2n);
    assert.equal(num(env, 'bytes'), 0x201n);
    assert.equal(num(env, 'split.val'), 0x1234n);
    assert.equal(num(env, 'split.next'), 0x2000n);
    assert.equal(num(env, 'split.next->next->val'), 2n);
    assert.equal(formatValue(evaluate('regless', env), env), '<unavailable: r12 is not recovered in this frame>');
    assert.equal(formatValue({ type: int, location: { kind: 'optimized-out' } }, env), '<optimized out>');
  });

  it('writes through registers and pieces, keeping the rest of the register', () => {
    const env = makeWorld();
    env.dwarf.set(0, 0xaaaaaaaa_bbbbbbbbn);
    env.vars.set('inrax', { type: int, location: { kind: 'register', reg: 0 } });
    assign('inrax', '-1', env);
    assert.equal(env.dwarf.get(0), 0xaaaaaaaa_ffffffffn);
    assign('$eax', '0x10', env);
    assert.equal(env.regs.get('eax')!.value, 0x10n);
    assign('$rax', '$rax + 1', env);
    assert.equal(env.regs.get('rax')!.value, 0x1122334455667789n);
    assign('$rax', '-1', env);
    assert.equal(env.regs.get('rax')!.value, 0xffffffffffffffffn);
    env.dwarf.set(3, 0n);
    env.memory.map(0xa000n, new Uint8Array(8));
    env.vars.set('pair', { type: long, location: { kind: 'pieces', pieces: [
      { location: { kind: 'register', reg: 3 }, sizeBytes: 4 }, { location: { kind: 'memory', address: 0xa000n }, sizeBytes: 4 },
    ] } });
    assign('pair', '0x1122334455667788', env);
    assert.equal(env.dwarf.get(3), 0x55667788n);
    assert.deepEqual([...env.memory.read(0xa000n, 4, 'virtual')!], [0x44, 0x33, 0x22, 0x11]);
    assert.equal(num(env, 'pair'), 0x1122334455667788n);
  });

  it('writes bit fields without touching their neighbours', () => {
    const env = makeWorld();
    const before = num(env, 'r.bf.d');
    assign('r.bf.b', '15', env);
    assert.equal(num(env, 'r.bf.b'), 15n);
    assign('r.bf.b', '16', env); // 5-bit signed: 16 wraps to -16
    assert.equal(num(env, 'r.bf.b'), -16n);
    assert.equal(num(env, 'r.bf.a'), 5n);
    assert.equal(num(env, 'r.bf.d'), before);
    assign('r.bf.e', '1', env);
    assert.equal(num(env, 'r.bf.e'), 1n);
    assert.equal(num(env, 'r.bf.d'), before);
    const storage = readValueBytes({ type: env.types.get('struct bits')!, location: { kind: 'memory', address: R_ADDR + 144n } }, env);
    assert.equal(storage[7] >> 4 & 1, 1); // e is bit 60 of the first 8 bytes
  });

  it('evaluates conditions, pointer comparisons and decay', () => {
    const env = makeWorld();
    assert.equal(evaluateCondition('r.i == 42 && rp->head->next->val == 2', env), true);
    assert.equal(evaluateCondition('rp->head->next->next', env), false);
    assert.equal(evaluateCondition('r.head < r.head + 1', env), true);
    assert.equal(evaluateCondition('rp == 0', env), false);
    assert.equal(num(env, 'big + 10'), 0x3000n + 40n);
    assert.equal(num(env, '&big[10] - &big[2]'), 8n);
    assert.equal(typeName(evaluate('&big[10] - &big[2]', env).type), 'long');
    assert.equal(typeName(evaluate('&big', env).type), 'int (*)[1000]');
    assert.equal(typeName(evaluate('big + 1', env).type), 'int *');
    assert.equal(typeName(evaluate('&r.str', env).type), 'const char **');
    assert.equal(num(env, '(long)(&big + 1) - (long)&big'), 4000n);
    assert.equal(num(env, 'sizeof big'), 4000n);
    assert.equal(num(env, '*&*&r.i'), 42n);
  });

  it('evaluates registers by name with their widths and types', () => {
    const env = makeWorld();
    assert.equal(typeName(evaluate('$rax', env).type), 'unsigned long');
    assert.equal(typeName(evaluate('$eax', env).type), 'unsigned int');
    assert.equal(num(env, '$eax >> 16'), 0x5566n);
    assert.equal(num(env, '(int)$rax'), 0x55667788n);
    assert.equal(num(env, '$rip'), 0xffffffff81000000n);
    assert.equal(formatValue(evaluate('$rax', env), env, { hex: true }), '0x1122334455667788');
  });

  it('uses an expression result again as an lvalue (assignment returns the target)', () => {
    const env = makeWorld();
    const v: Value = assign('nodes[2].val', 'nodes[0].val + nodes[1].val', env);
    assert.equal(valueToBigInt(v, env), 3n);
    assert.equal(num(env, '(nodes[2].val = 9) + 1'), 10n);
    assert.equal(num(env, 'nodes[2].val'), 9n);
    assert.equal(num(env, 'r.arr[1] = 300, r.arr[1] += 1, r.arr[1]'), 301n);
  });

  it('supports casts to typedefs, function pointers and arrays of pointers', () => {
    const env = makeWorld();
    const fp: TypeInfo = evaluate('(void (*)(int))0x401000', env).type;
    assert.equal(typeName(fp), 'void (*)(int)');
    assert.equal(typeName(evaluate('(node_t *)0', env).type), 'node_t *');
    assert.equal(num(env, 'sizeof(int *[3])'), 24n);
    assert.equal(num(env, 'sizeof(int (*)[3])'), 8n);
    assert.equal(num(env, '((node_t *)r.head)->next->val'), 2n);
    assert.equal(num(env, '(uint8_t)0x1ff'), 0xffn);
  });
});

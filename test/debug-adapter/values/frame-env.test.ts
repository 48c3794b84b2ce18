/** createFrameEnv over the symbols model: scopes, shadowing, DWARF locations, registers, roots. */
import * as assert from 'node:assert/strict';
import { FrameContext, GuestSymbols, TypeInfo, VariableInfo } from '../../../debug-adapter/symbols/model';
import {
  RegisterValue, VariableStore, builtinType, createFrameEnv, evaluate, evaluateForDap, formatValue, frameGlobals,
  frameLocals, registerValue, valueToBigInt, xenRoots,
} from '../../../debug-adapter/values';
import { FakeMemory, structNode } from './fixtures';

const int = builtinType('x86_64', 'int');
const v = (name: string, type: TypeInfo, kind: VariableInfo['kind'], locate: VariableInfo['locate']): VariableInfo => ({ name, type, kind, locate });

function fakeSymbols(): GuestSymbols {
  const locals = [
    v('i', int, 'local', () => ({ kind: 'register', reg: 3 })),
    v('n', { kind: 'pointer', size: 8, target: structNode }, 'parameter', (f) => ({ kind: 'memory', address: f.readRegister(6)! - 16n })),
    v('gone', int, 'local', () => ({ kind: 'optimized-out' })),
    v('i', int, 'local', () => ({ kind: 'memory', address: 0x7fe0n })), // an outer `i`, shadowed
    v('bad', int, 'local', () => { throw new Error('DW_OP_entry_value not supported'); }),
  ];
  const runstate: TypeInfo = { kind: 'enum', name: 'runstate', size: 4, signed: false, enumerators: [
    { name: 'RUNSTATE_running', value: 0n }, { name: 'RUNSTATE_runnable', value: 1n }, { name: 'RUNSTATE_blocked', value: 2n }] };
  const globals = [
    v('counter', int, 'global', () => ({ kind: 'memory', address: 0x600000n })),
    v('state', { kind: 'pointer', size: 8, target: runstate }, 'global', () => ({ kind: 'memory', address: 0x600008n })),
    v('i', int, 'global', () => ({ kind: 'memory', address: 0x600004n })),
  ];
  const stub = (): never => { throw new Error('not used'); };
  return {
    path: '/fake', arch: 'x86_64', hasDebugInfo: true, warnings: [],
    sourceAt: () => undefined, resolveLine: () => undefined, breakpointLines: () => [], lineRangeAt: () => undefined,
    sourceFiles: () => [], functionAt: () => undefined, inlinedAt: () => [],
    functionByName: (name) => (name === 'main' ? { name: 'main', low: 0x401000n, high: 0x401100n } : undefined),
    symbolAt: (a) => (a >= 0x600000n && a < 0x600008n ? { name: a === 0x600000n ? 'counter' : 'i', offset: 0n } : undefined),
    symbolByName: (name) => (name === 'nodebug' ? 0x600100n : undefined),
    variablesAt: (pc) => (pc === 0x401010n ? locals : []),
    globals: () => globals,
    typeByName: (name) => (name === 'struct node' ? structNode : undefined),
    unwind: stub,
  };
}

describe('values: frame environment', () => {
  const memory = new FakeMemory();
  memory.map(0x7000n, new Uint8Array(0x1000));
  memory.map(0x600000n, new Uint8Array(0x200));
  memory.map(0x100000n, new Uint8Array(0x1000), 'machine');
  memory.write(0x600000n, Uint8Array.from([7, 0, 0, 0, 9, 0, 0, 0]), 'virtual');
  memory.write(0x7ff0n, Uint8Array.from([0x20, 0x70, 0, 0, 0, 0, 0, 0]), 'virtual'); // n = 0x7020
  memory.write(0x7020n, Uint8Array.from([5, 0, 0, 0]), 'virtual'); // n->val = 5
  const regs = new Map<number, bigint>([[3, 11n], [6, 0x8000n]]);
  const named = new Map<string, RegisterValue>([['rbx', { value: 11n, size: 8 }], ['rip', { value: 0x401010n, size: 8 }]]);
  const frame: FrameContext = {
    arch: 'x86_64', pc: 0x401011n, isReturnAddress: true,
    readRegister: (r) => regs.get(r), readMemory: (a, n) => memory.read(a, n, 'virtual'),
  };
  const symbols = fakeSymbols();
  const env = createFrameEnv({
    frame, symbols,
    memory: { read: (a, n, s) => memory.read(a, n, s), write: (a, b, s) => memory.write(a, b, s) },
    registers: { read: (n) => named.get(n), write: (n, x) => named.set(n, { ...named.get(n)!, value: x }), writeDwarf: (r, x) => regs.set(r, x) },
    roots: xenRoots({ abi: 'x86_64', vcpus: 1, sharedInfo: () => 0x100000n }),
  });
  const num = (t: string): bigint => valueToBigInt(evaluate(t, env), env);

  it('looks up locals (innermost first, at pc - 1 for caller frames), then globals, then roots', () => {
    assert.equal(num('i'), 11n, 'the innermost i, in rbx');
    assert.equal(num('n->val'), 5n);
    assert.equal(num('counter'), 7n);
    assert.equal(num('counter + i'), 18n);
    assert.equal(num('&counter'), 0x600000n);
    assert.equal(num('shared_info.wc_sec'), 0n);
    assert.equal(num('sizeof(struct node)'), 16n);
    assert.equal(num('&main'), 0x401000n);
    assert.equal(num('(long)&nodebug'), 0x600100n);
    assert.equal(num('*(int *)&nodebug'), 0n);
    assert.equal(formatValue(evaluate('gone', env), env), '<optimized out>');
    assert.equal(formatValue(evaluate('bad', env), env), '<unavailable: DW_OP_entry_value not supported>');
    assert.equal(formatValue(evaluate('&counter', env), env), '0x600000 <counter>');
    assert.equal(num('RUNSTATE_blocked * 10 + i'), 31n, 'enumerators reachable from the globals\' types');
  });

  it('writes DWARF registers, named registers and memory', () => {
    evaluate('i = 12', env);
    assert.equal(regs.get(3), 12n);
    evaluate('$rbx = 0x99', env);
    assert.equal(named.get('rbx')!.value, 0x99n);
    evaluate('counter += 1', env);
    assert.equal(num('counter'), 8n);
    evaluate('shared_info.wc_sec = 77', env);
    assert.equal(memory.read(0x100000n + 0xc04n, 1, 'machine')![0], 77, 'shared_info.wc_sec is at offset 0xc04 on x86_64');
  });

  it('builds Locals and Globals scopes; shadowed locals have no evaluateName', () => {
    const store = new VariableStore();
    const locals = store.variables(store.addScope(env, () => frameLocals(symbols, frame)));
    assert.deepEqual(locals.map((x) => [x.name, x.evaluateName ?? null]), [['i', 'i'], ['n', 'n'], ['gone', 'gone'], ['i', null], ['bad', 'bad']]);
    assert.equal(locals[3].value, '0');
    const globals = store.variables(store.addScope(env, () => frameGlobals(symbols, frame)));
    assert.deepEqual(globals.map((x) => x.name), ['counter', 'i', 'state']);
    const regScope = store.variables(store.addScope(env, () => ['rbx', 'rip'].map((r) => ({ name: r, value: registerValue(env, r), evaluateName: `$${r}` }))));
    assert.equal(regScope[1].value, '4198416');
    assert.equal(evaluateForDap('$rip', env, store, { hex: true }).result, '0x401010');
    assert.throws(() => registerValue(env, 'xmm99'), /unknown register \$xmm99/);
  });

  it('works without symbols: registers, casts of addresses, built-in types', () => {
    const bare = createFrameEnv({ frame, memory: { read: (a, n, s) => memory.read(a, n, s) } });
    assert.equal(valueToBigInt(evaluate('sizeof(unsigned long)', bare), bare), 8n);
    assert.equal(formatValue(evaluate('*(int *)0x600000', bare), bare), '8');
    assert.throws(() => evaluate('counter', bare), /no symbol "counter"/);
  });
});

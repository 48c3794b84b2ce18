/**
 * The same oracle with real DWARF: the native program is built with -g -no-pie (so its link addresses are its
 * run addresses), its symbols are read by debug-adapter/symbols, and createFrameEnv evaluates every case
 * over the dumped bytes. This checks values/ against the TypeInfo gcc's DWARF 5 actually produces (base type
 * spellings, bit-field offsets, typedef chains, enumerators).
 */
import * as assert from 'node:assert/strict';
import { FrameContext, GuestSymbols } from '../../../debug-adapter/symbols/model';
import { loadGuestSymbols } from '../../../debug-adapter/symbols';
import { EvalEnv, VariableStore, createFrameEnv, evaluate, formatValue, frameGlobals, typeName } from '../../../debug-adapter/values';
import { ASSIGNMENTS, EXPRS } from './cases';
import { applyAssignments, compareExpressions } from './compare';
import { FakeMemory } from './fixtures';
import { GLOBALS, NativeResult, runProgram } from './native-program';

describe('values: evaluation agrees with gcc (types from DWARF)', function () {
  let native: NativeResult;
  let symbols: GuestSymbols;
  let memory: FakeMemory;
  let env: EvalEnv;
  before(function () {
    native = runProgram(EXPRS, ASSIGNMENTS, ['-g', '-fno-pie', '-no-pie']);
    symbols = loadGuestSymbols(native.exe, 'prog'); // promises never to throw: a throw fails this suite
    memory = new FakeMemory();
    for (const [name] of GLOBALS) {
      const [addr, bytes] = native.before.get(name)!;
      memory.map(addr, Uint8Array.from(bytes));
    }
    const main = symbols.functionByName('main');
    assert.ok(main, `no main in DWARF (warnings: ${symbols.warnings.join('; ')})`);
    const frame: FrameContext = {
      arch: 'x86_64', pc: main.bodyStart ?? main.low, isReturnAddress: false,
      readRegister: () => undefined, readMemory: (a, n) => memory.read(a, n, 'virtual'),
    };
    env = createFrameEnv({ frame, symbols, memory: { read: (a, n, s) => memory.read(a, n, s), write: (a, b, s) => memory.write(a, b, s) } });
  });

  it('finds every global where the program put it', () => {
    for (const [name] of GLOBALS) {
      const v = evaluate(name, env);
      assert.ok(v.location.kind === 'memory', name);
      assert.equal(v.location.address, native.before.get(name)![0], name);
    }
    assert.equal(typeName(evaluate('r', env).type), 'struct rec');
    assert.equal(typeName(evaluate('nodes', env).type), 'node_t [3]');
  });

  it(`evaluates ${EXPRS.length} expressions to C's values and types`, () => {
    assert.deepEqual(compareExpressions(EXPRS, native, env), []);
  });

  it(`${ASSIGNMENTS.length} assignments write the same bytes as C`, () => {
    applyAssignments(ASSIGNMENTS, env);
    for (const [name] of GLOBALS) {
      const [addr, want] = native.after.get(name)!;
      assert.equal(Buffer.from(memory.read(addr, want.length, 'virtual')!).toString('hex'), Buffer.from(want).toString('hex'), `bytes of ${name}`);
    }
  });

  it('formats and expands DWARF-typed globals', () => {
    const store = new VariableStore();
    const globals = store.variables(store.addScope(env, () => frameGlobals(symbols, { arch: 'x86_64', pc: 0n, isReturnAddress: false, readRegister: () => undefined, readMemory: () => undefined })));
    const r = globals.find((g) => g.name === 'r')!;
    const members = store.variables(r.variablesReference);
    const bf = store.variables(members.find((m) => m.name === 'bf')!.variablesReference);
    assert.deepEqual(bf.map((m) => m.name), ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.equal(formatValue(evaluate('r.color', env), env), 'BLUE');
    assert.equal(formatValue(evaluate('(enum flags)(F_A | F_HI)', env), env), '(F_A | F_HI)');
  });
});

/**
 * The evaluator against C itself: gcc compiles a program that prints each expression's value and type, and
 * the evaluator evaluates the same expressions over the same bytes at the same addresses (fake memory), with
 * the hand-made TypeInfo of fixtures.ts. The assignments run natively and through assign(), and every
 * global's bytes must then agree.
 */
import * as assert from 'node:assert/strict';
import { ASSIGNMENTS, EXPRS } from './cases';
import { applyAssignments, compareExpressions } from './compare';
import { FakeEnv } from './fixtures';
import { GLOBALS, NativeResult, runProgram } from './native-program';

function worldEnv(native: NativeResult): FakeEnv {
  const env = new FakeEnv();
  for (const [name, type] of GLOBALS) {
    const [addr, bytes] = native.before.get(name)!;
    env.memory.map(addr, Uint8Array.from(bytes));
    env.at(name, type, addr);
  }
  return env;
}

describe('values: evaluation agrees with gcc (hand-made types)', function () {
  let native: NativeResult;
  before(function () {
    native = runProgram(EXPRS, ASSIGNMENTS);
  });

  it('the native program printed every expression and global', () => {
    assert.equal(native.exprs.filter(Boolean).length, EXPRS.length);
    assert.equal(native.before.size, GLOBALS.length);
    assert.equal(native.after.size, GLOBALS.length);
  });

  it(`evaluates ${EXPRS.length} expressions to C's values and types`, () => {
    assert.deepEqual(compareExpressions(EXPRS, native, worldEnv(native)), []);
  });

  it(`${ASSIGNMENTS.length} assignments write the same bytes as C`, () => {
    const env = worldEnv(native);
    applyAssignments(ASSIGNMENTS, env);
    for (const [name] of GLOBALS) {
      const [addr, want] = native.after.get(name)!;
      const got = env.memory.read(addr, want.length, 'virtual')!;
      assert.equal(Buffer.from(got).toString('hex'), Buffer.from(want).toString('hex'), `bytes of ${name}`);
    }
  });
});

/** Shared by the native-oracle tests: evaluate every case and report disagreements with C. */
import { TypeInfo } from '../../../debug-adapter/symbols/model';
import {
  EvalEnv, Value, assign, evaluate, lookupBuiltinType, stripTypedefs, typeName, valueToBigInt, valueToNumber,
} from '../../../debug-adapter/values';
import { NativeResult } from './native-program';

/** C's name for a type as _Generic reports it: typedefs stripped, enums as their compatible integer type. */
export function canon(t: TypeInfo): string {
  const s = stripTypedefs(t);
  if (s.kind === 'enum') return s.signed ? 'int' : 'unsigned int';
  if (s.kind === 'base') return typeName(stripTypedefs(lookupBuiltinType('x86_64', s.name) ?? s));
  if (s.kind === 'pointer') {
    // `node_t *` is `struct node *` to _Generic; qualifiers on the pointee stay (`const char *`).
    const target = s.target.kind === 'typedef' ? stripTypedefs(s.target) : s.target;
    return typeName({ ...s, target });
  }
  return typeName(s);
}

/** Each expression's value and type against the native program's; returns the disagreements. */
export function compareExpressions(exprs: readonly string[], native: NativeResult, env: EvalEnv): string[] {
  const failures: string[] = [];
  exprs.forEach((text, i) => {
    const want = native.exprs[i];
    let v: Value;
    try {
      v = evaluate(text, env);
    } catch (e) {
      failures.push(`${text}: threw ${(e as Error).message}`);
      return;
    }
    const s = stripTypedefs(v.type);
    let got: string;
    let expected: string;
    if (s.kind === 'base' && s.encoding === 'float') {
      got = String(valueToNumber(evaluate(`(double)(${text})`, env), env));
      expected = String(want.float);
    } else {
      got = s.kind === 'array' ? 'array' : BigInt.asUintN(64, valueToBigInt(v, env)).toString();
      expected = want.int.toString();
    }
    if (got !== expected) failures.push(`${text}: value ${got}, C says ${expected}`);
    if (want.type !== 'other' && canon(v.type) !== want.type) failures.push(`${text}: type ${canon(v.type)} (${typeName(v.type)}), C says ${want.type}`);
  });
  return failures;
}

/** Runs the assignments in order: plain `=` through assign(), compound ones through evaluate(). */
export function applyAssignments(assignments: readonly string[], env: EvalEnv): void {
  for (const a of assignments) {
    const m = /^(.*?)\s*([-+*/|&^]|<<|>>)?=\s*(?!=)(.*)$/.exec(a)!;
    if (m[2]) evaluate(a, env);
    else assign(m[1], m[3], env);
  }
}

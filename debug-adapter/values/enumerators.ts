/**
 * Enumerator constants by name. C11 6.4.4.3p2: an enumeration constant has type int (GNU C: the enum's own
 * type when the value does not fit in int). The symbols model has no name index for them, so they are gathered from the types
 * reachable from variables.
 */
import { Arch, TypeInfo } from '../symbols/model';
import { builtinType } from './types';
import { Value } from './value';

/** Adds every enumerator reachable from `roots` (through pointers, members, arrays, typedefs) to `into`. */
export function collectEnumerators(arch: Arch, roots: Iterable<TypeInfo>, into = new Map<string, Value>()): Map<string, Value> {
  const int = builtinType(arch, 'int');
  const fitsInt = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;
  const seen = new Set<TypeInfo>();
  const stack = [...roots];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    switch (t.kind) {
      case 'enum':
        for (const e of t.enumerators) {
          if (!into.has(e.name)) into.set(e.name, { type: fitsInt(e.value) ? int : t, location: { kind: 'value', value: e.value } });
        }
        break;
      case 'pointer': case 'typedef': case 'qualified': stack.push(t.target); break;
      case 'array': stack.push(t.element); break;
      case 'struct': case 'union': for (const m of t.members) stack.push(m.type); break;
      case 'function': stack.push(t.returnType, ...t.params); break;
      default:
    }
  }
  return into;
}

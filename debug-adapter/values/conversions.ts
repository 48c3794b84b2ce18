/**
 * C's implicit conversions over integer values: integer promotions (C11 6.3.1.1p2), the usual arithmetic
 * conversions (C11 6.3.1.8) and conversion of a value to an integer or pointer type (C11 6.3.1.3, 6.3.2.3).
 */
import { Arch, TypeInfo } from '../symbols/model';
import { builtinType, integerInfo, isFloat, isPointer, rank, stripTypedefs, typeName, withSignedness } from './types';
import { EvalError } from './value';

/** The promoted type of an integer operand; `bitSize` for bit fields (C11 6.3.1.1p2). */
export function promote(arch: Arch, t: TypeInfo, bitSize?: number): TypeInfo {
  const info = integerInfo(t);
  if (!info) return t;
  const int = builtinType(arch, 'int');
  if (bitSize !== undefined) {
    if (bitSize < 32 || (bitSize === 32 && info.signed)) return int;
    if (bitSize === 32) return builtinType(arch, 'unsigned int');
  }
  if (rank(t) < rank(int)) return int; // every narrower type fits in int on x86
  const s = stripTypedefs(t);
  if (s.kind === 'enum') return withSignedness(arch, integerOfSize(arch, s.size), s.signed);
  return t;
}

function integerOfSize(arch: Arch, size: number): TypeInfo {
  return builtinType(arch, size === 8 ? (arch === 'x86_64' ? 'long' : 'long long') : 'int');
}

/** The common real type of two arithmetic operands (C11 6.3.1.8p1). Operands must already be promoted. */
export function commonType(arch: Arch, a: TypeInfo, b: TypeInfo): TypeInfo {
  if (isFloat(a) || isFloat(b)) return builtinType(arch, 'double');
  const ia = integerInfo(a)!; const ib = integerInfo(b)!;
  const ra = rank(a); const rb = rank(b);
  if (ia.signed === ib.signed) return ra >= rb ? a : b;
  const [u, s, ru, rs] = ia.signed ? [b, a, rb, ra] : [a, b, ra, rb];
  if (ru >= rs) return u;
  if (integerInfo(s)!.size > integerInfo(u)!.size) return s;
  return withSignedness(arch, s, false);
}

/** The value `v` converted to integer/pointer type `t` (modular for unsigned, two's complement for signed). */
export function convertInteger(arch: Arch, v: bigint, t: TypeInfo): bigint {
  const info = integerInfo(t);
  if (info) {
    if (info.bool) return v !== 0n ? 1n : 0n;
    return info.signed ? BigInt.asIntN(info.size * 8, v) : BigInt.asUintN(info.size * 8, v);
  }
  if (isPointer(t)) return BigInt.asUintN(arch === 'x86_64' ? 64 : 32, v);
  throw new EvalError(`cannot convert to ${typeName(t)}`);
}

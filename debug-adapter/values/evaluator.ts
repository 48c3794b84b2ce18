/**
 * Evaluates parsed C expressions against an EvalEnv with C semantics (section numbers are C11). Values stay
 * lvalues (a location) until an operator needs their contents, so `&x`, `x = 1`, `sizeof arr` and member
 * access on guest-physical Xen structs work without reading memory that is not needed.
 */
import { TypeInfo } from '../symbols/model';
import { Expr, TypeName, AbstractDeclarator, BinaryOp } from './ast';
import {
  floatValue, hex, isLvalue, readValueBytes, scalarValue, spaceOf, storageSize, subLocation,
  valueToBigInt, valueToNumber, writeLocation, writeScalar,
} from './access';
import { commonType, convertInteger, promote } from './conversions';
import { EvalEnv, pointerSize } from './env';
import { parseExpression } from './parser';
import {
  builtinType, integerInfo, isArithmetic, isFloat, isInteger, isPointer, isScalar, lookupBuiltinType, ptrdiffType,
  sizeOf, sizeType, stripTypedefs, typeName, unsignedOfSize,
} from './types';
import { EvalError, SPACE_NAMES, Value } from './value';

export { readValueBytes, valueToBigInt, valueToNumber } from './access';

/** Parses (if given text) and evaluates an expression. The result may be an lvalue (has a location). */
export function evaluate(expr: string | Expr, env: EvalEnv): Value {
  const e = typeof expr === 'string' ? parseExpression(expr, typeNamePredicate(env)) : expr;
  return new Evaluator(env).eval(e);
}

/** A breakpoint condition: evaluates `text` and tests it against 0 (C11 6.8.4.1p2). */
export function evaluateCondition(text: string, env: EvalEnv): boolean {
  const ev = new Evaluator(env);
  const v = ev.rvalue(ev.eval(parseExpression(text, typeNamePredicate(env))));
  return ev.truth(v);
}

/** `target = value` (setVariable / setExpression): writes through target's location; returns the target. */
export function assign(target: string | Expr, value: string | Expr, env: EvalEnv): Value {
  const pred = typeNamePredicate(env);
  const t = typeof target === 'string' ? parseExpression(target, pred) : target;
  const v = typeof value === 'string' ? parseExpression(value, pred) : value;
  const ev = new Evaluator(env);
  return ev.store(ev.eval(t), ev.eval(v), exprText(target));
}

/** Stores an already evaluated `value` into `target` (both from evaluate()); `what` names the target in errors. */
export function assignValue(target: Value, value: Value, env: EvalEnv, what: string): Value {
  return new Evaluator(env).store(target, value, what);
}

const exprText = (e: string | Expr): string => (typeof e === 'string' ? e : 'the target');

/** An identifier names a type when it is not a variable and the env (or C) knows it as a type. */
export function typeNamePredicate(env: EvalEnv): (name: string) => boolean {
  return (name) => env.lookupVariable(name) === undefined &&
    (env.lookupType(name) !== undefined || lookupBuiltinType(env.arch, name) !== undefined);
}

class Evaluator {
  private readonly ptrSize: number;
  constructor(private readonly env: EvalEnv) { this.ptrSize = pointerSize(env); }

  private int(): TypeInfo { return builtinType(this.env.arch, 'int'); }
  private sizeT(): TypeInfo { return sizeType(this.env.arch); }

  eval(e: Expr): Value {
    switch (e.kind) {
      case 'ident': return this.identifier(e.name);
      case 'register': return this.register(e.name);
      case 'int': return scalarValue(this.literalType(e), e.value);
      case 'char': return scalarValue(this.int(), e.value);
      case 'float': return floatValue(builtinType(this.env.arch, 'double'), e.value);
      case 'member': return this.member(e.object, e.name, e.arrow);
      case 'index': return this.index(this.eval(e.object), this.eval(e.index));
      case 'unary': return this.unary(e.op, e.operand);
      case 'cast': return this.cast(this.resolveType(e.type), this.eval(e.operand));
      case 'sizeof-type': return this.sizeofType(this.resolveType(e.type), e.type.text);
      case 'sizeof-expr': return this.sizeofType(this.eval(e.operand).type, 'the expression');
      case 'binary': return this.binary(e.op, e.left, e.right);
      case 'ternary': return this.ternary(e.cond, e.then, e.otherwise);
      case 'assign': {
        const target = this.eval(e.target);
        const value = e.op === '=' ? this.eval(e.value) : this.arith(e.op.slice(0, -1) as BinaryOp, target, this.eval(e.value));
        return this.store(target, value, 'the left operand');
      }
      case 'comma': this.eval(e.left); return this.eval(e.right);
    }
  }

  // ---------------------------------------------------------------- primaries

  private identifier(name: string): Value {
    const v = this.env.lookupVariable(name) ?? this.env.lookupConstant?.(name) ?? this.env.lookupRoot?.(name);
    if (!v) throw new EvalError(`no symbol "${name}" in the current context`);
    return v;
  }

  private register(name: string): Value {
    const r = this.env.readRegister(name);
    if (r) return { type: r.type ?? unsignedOfSize(this.env.arch, r.size), location: { kind: 'named-register', name } };
    const root = this.env.lookupRoot?.(name);
    if (root) return root;
    throw new EvalError(`unknown register $${name}`);
  }

  /** C11 6.4.4.1p5: the first type of the suffix's list that can represent the value. */
  private literalType(e: Extract<Expr, { kind: 'int' }>): TypeInfo {
    const any = !e.decimal;
    const order: [string, boolean][] = []; // [type, allowed]
    const add = (names: string[]): void => { for (const n of names) order.push([n, true]); };
    if (e.longs === 0 && !e.unsigned) add(any ? ['int', 'unsigned int', 'long', 'unsigned long', 'long long', 'unsigned long long'] : ['int', 'long', 'long long']);
    else if (e.longs === 0) add(['unsigned int', 'unsigned long', 'unsigned long long']);
    else if (e.longs === 1 && !e.unsigned) add(any ? ['long', 'unsigned long', 'long long', 'unsigned long long'] : ['long', 'long long']);
    else if (e.longs === 1) add(['unsigned long', 'unsigned long long']);
    else if (!e.unsigned) add(any ? ['long long', 'unsigned long long'] : ['long long']);
    else add(['unsigned long long']);
    for (const [n] of order) {
      const t = builtinType(this.env.arch, n);
      const info = integerInfo(t)!;
      const bits = BigInt(info.size * 8 - (info.signed ? 1 : 0));
      if (e.value < 1n << bits) return t;
    }
    return builtinType(this.env.arch, 'unsigned long long'); // gcc: "integer constant is so large that it is unsigned"
  }

  // ---------------------------------------------------------------- postfix

  private member(objectExpr: Expr, name: string, arrow: boolean): Value {
    let obj = this.eval(objectExpr);
    if (arrow) {
      const p = this.rvalue(obj);
      if (!isPointer(p.type)) throw new EvalError(`the left side of '->${name}' has type ${typeName(obj.type)}, not a pointer (use '.')`);
      obj = this.deref(p);
    }
    const s = stripTypedefs(obj.type);
    if (s.kind === 'pointer' && !arrow) throw new EvalError(`the left side of '.${name}' is a pointer (${typeName(obj.type)}): use '->${name}'`);
    if (s.kind !== 'struct' && s.kind !== 'union') throw new EvalError(`request for member '${name}' in something that is not a struct or union (${typeName(obj.type)})`);
    if (s.declarationOnly) throw new EvalError(`${typeName(obj.type)} is incomplete (only declared in this image)`);
    const found = findMember(s, name);
    if (!found) throw new EvalError(`${typeName(obj.type)} has no member named '${name}'`);
    return memberValue(this.env, obj, found.offset, found.member);
  }

  index(a: Value, i: Value): Value {
    // C11 6.5.2.1: E1[E2] is *((E1)+(E2)); either operand may be the pointer.
    if (isInteger(a.type) && !isInteger(i.type)) [a, i] = [i, a];
    const s = stripTypedefs(a.type);
    const idx = this.toInt(i, 'array subscript');
    if (a.location.kind === 'indexed-root') {
      const root = a.location.root;
      if (idx < 0n || idx >= BigInt(root.count)) throw new EvalError(`${root.name}[${idx}] is out of range (0..${root.count - 1})`);
      return { type: root.elementType, location: root.locate(Number(idx)) };
    }
    if (s.kind === 'array') {
      const elSize = sizeOf(s.element);
      if (a.location.kind !== 'memory' && s.count !== undefined && (idx < 0n || idx >= BigInt(s.count))) {
        throw new EvalError(`index ${idx} is out of bounds for ${typeName(a.type)} held outside memory`);
      }
      return { type: s.element, location: subLocation(this.env, a.location, Number(idx) * elSize, elSize) };
    }
    if (s.kind === 'pointer') return this.deref(this.pointerAdd(this.rvalue(a), idx));
    throw new EvalError(`cannot subscript a value of type ${typeName(a.type)} (not an array or pointer)`);
  }

  // ---------------------------------------------------------------- unary

  private unary(op: string, operandExpr: Expr): Value {
    const v = this.eval(operandExpr);
    switch (op) {
      case '*': {
        const s = stripTypedefs(v.type);
        if (s.kind === 'array') return this.index(v, scalarValue(this.int(), 0n));
        if (s.kind === 'function') return v;
        const p = this.rvalue(v);
        if (!isPointer(p.type)) throw new EvalError(`cannot dereference a value of type ${typeName(v.type)} (not a pointer)`);
        return this.deref(p);
      }
      case '&': return this.addressOf(v);
      case '!': return scalarValue(this.int(), this.truth(this.rvalue(v)) ? 0n : 1n);
      case '-': case '+': {
        const r = this.rvalue(v);
        if (isFloat(r.type)) return floatValue(builtinType(this.env.arch, 'double'), op === '-' ? -valueToNumber(r, this.env) : valueToNumber(r, this.env));
        if (!isInteger(r.type)) throw new EvalError(`invalid operand to unary '${op}' (${typeName(v.type)})`);
        const t = promote(this.env.arch, r.type, r.bitField?.bitSize);
        const x = valueToBigInt(r, this.env);
        return scalarValue(t, convertInteger(this.env.arch, op === '-' ? -x : x, t));
      }
      case '~': {
        const r = this.rvalue(v);
        if (!isInteger(r.type)) throw new EvalError(`invalid operand to '~' (${typeName(v.type)})`);
        const t = promote(this.env.arch, r.type, r.bitField?.bitSize);
        return scalarValue(t, convertInteger(this.env.arch, ~valueToBigInt(r, this.env), t));
      }
    }
    throw new EvalError(`unknown operator ${op}`);
  }

  private addressOf(v: Value): Value {
    if (v.bitField) throw new EvalError('cannot take the address of a bit field');
    const l = v.location;
    if (l.kind === 'memory') {
      if (spaceOf(l) !== 'virtual') {
        throw new EvalError(`the object is in ${SPACE_NAMES[spaceOf(l)]} memory at ${hex(l.address)}; it has no guest-virtual address to point to`);
      }
      return scalarValue({ kind: 'pointer', size: this.ptrSize, target: v.type }, l.address);
    }
    if (l.kind === 'register' || l.kind === 'named-register') throw new EvalError('cannot take the address of a value held in a register');
    if (l.kind === 'optimized-out') throw new EvalError('cannot take the address of an optimized-out value');
    throw new EvalError('cannot take the address of a value that is not in memory (not an lvalue)');
  }

  private deref(p: Value): Value {
    const target = (stripTypedefs(p.type) as Extract<TypeInfo, { kind: 'pointer' }>).target;
    const t = stripTypedefs(target);
    if (t.kind === 'void') throw new EvalError('cannot dereference a void * pointer (cast it first)');
    const address = valueToBigInt(p, this.env);
    return { type: target, location: { kind: 'memory', address } };
  }

  // ---------------------------------------------------------------- casts and sizeof

  private cast(t: TypeInfo, operand: Value): Value {
    const s = stripTypedefs(t);
    if (s.kind === 'void') return { type: t, location: { kind: 'bytes', bytes: new Uint8Array(0) } };
    const v = this.rvalue(operand);
    if (isFloat(s)) {
      if (!isArithmetic(v.type)) throw new EvalError(`cannot cast ${typeName(v.type)} to ${typeName(t)}`);
      return floatValue(t, valueToNumber(v, this.env));
    }
    if (isInteger(s) || s.kind === 'pointer') {
      if (!isScalar(v.type)) throw new EvalError(`cannot cast ${typeName(operand.type)} to ${typeName(t)} (not a scalar)`);
      return scalarValue(t, convertInteger(this.env.arch, valueToBigInt(v, this.env), s));
    }
    throw new EvalError(`cannot cast to ${typeName(t)} (only scalar casts; for other types cast a pointer: *(${typeName(t)} *)&x)`);
  }

  private sizeofType(t: TypeInfo, what: string): Value {
    const s = stripTypedefs(t);
    if ((s.kind === 'struct' || s.kind === 'union') && s.declarationOnly) throw new EvalError(`sizeof applied to an incomplete type (${what})`);
    if (s.kind === 'array' && s.count === undefined) throw new EvalError(`sizeof applied to an array of unknown size (${what})`);
    return scalarValue(this.sizeT(), BigInt(sizeOf(t)));
  }

  resolveType(tn: TypeName): TypeInfo {
    let base: TypeInfo | undefined;
    const b = tn.base;
    if (b.kind === 'builtin') {
      base = lookupBuiltinType(this.env.arch, b.spelling) ?? this.env.lookupType(b.spelling);
      if (!base) throw new EvalError(`invalid type specifiers '${b.spelling}'`);
    } else if (b.kind === 'tagged') {
      base = this.env.lookupType(`${b.tag} ${b.name}`);
      if (!base) throw new EvalError(`no ${b.tag} ${b.name} in the image's debug info`);
    } else {
      base = this.env.lookupType(b.name) ?? lookupBuiltinType(this.env.arch, b.name);
      if (!base) throw new EvalError(`unknown type name '${b.name}'`);
    }
    return this.applyDeclarator(base, tn.declarator);
  }

  private applyDeclarator(base: TypeInfo, d: AbstractDeclarator): TypeInfo {
    let t = base;
    for (let i = 0; i < d.pointers; i++) t = { kind: 'pointer', size: this.ptrSize, target: t };
    for (let i = d.suffixes.length - 1; i >= 0; i--) {
      const s = d.suffixes[i];
      t = s.kind === 'array'
        ? { kind: 'array', element: t, count: s.count }
        : { kind: 'function', returnType: t, params: s.params.map((p) => this.resolveType(p)), variadic: s.variadic };
    }
    return d.inner ? this.applyDeclarator(t, d.inner) : t;
  }

  // ---------------------------------------------------------------- binary

  private binary(op: BinaryOp, le: Expr, re: Expr): Value {
    if (op === '&&' || op === '||') {
      // C11 6.5.13/6.5.14: short-circuit; the result is int 0 or 1.
      const l = this.truth(this.rvalue(this.eval(le)));
      if (op === '&&' ? !l : l) return scalarValue(this.int(), l ? 1n : 0n);
      return scalarValue(this.int(), this.truth(this.rvalue(this.eval(re))) ? 1n : 0n);
    }
    return this.arith(op, this.eval(le), this.eval(re));
  }

  arith(op: BinaryOp, lv: Value, rv: Value): Value {
    const a = this.rvalue(lv);
    const b = this.rvalue(rv);
    const arch = this.env.arch;
    const pa = isPointer(a.type); const pb = isPointer(b.type);
    if (pa || pb) return this.pointerArith(op, a, b);
    if (!isArithmetic(a.type) || !isArithmetic(b.type)) {
      throw new EvalError(`invalid operands to '${op}' (${typeName(lv.type)} and ${typeName(rv.type)})`);
    }
    if (op === '<<' || op === '>>') return this.shift(op, a, b);
    const ta = promote(arch, a.type, a.bitField?.bitSize);
    const tb = promote(arch, b.type, b.bitField?.bitSize);
    const t = commonType(arch, ta, tb);
    if (isFloat(t)) return this.floatArith(op, valueToNumber(a, this.env), valueToNumber(b, this.env), t);
    const x = convertInteger(arch, valueToBigInt(a, this.env), t);
    const y = convertInteger(arch, valueToBigInt(b, this.env), t);
    const bool = (c: boolean): Value => scalarValue(this.int(), c ? 1n : 0n);
    switch (op) {
      case '+': return scalarValue(t, convertInteger(arch, x + y, t));
      case '-': return scalarValue(t, convertInteger(arch, x - y, t));
      case '*': return scalarValue(t, convertInteger(arch, x * y, t));
      case '/': case '%':
        if (y === 0n) throw new EvalError(`division by zero in '${op}'`);
        // BigInt division truncates toward zero, as C11 6.5.5p6 requires.
        return scalarValue(t, convertInteger(arch, op === '/' ? x / y : x % y, t));
      case '&': return scalarValue(t, convertInteger(arch, x & y, t));
      case '|': return scalarValue(t, convertInteger(arch, x | y, t));
      case '^': return scalarValue(t, convertInteger(arch, x ^ y, t));
      case '<': return bool(x < y);
      case '>': return bool(x > y);
      case '<=': return bool(x <= y);
      case '>=': return bool(x >= y);
      case '==': return bool(x === y);
      case '!=': return bool(x !== y);
      default: throw new EvalError(`unknown operator ${op}`);
    }
  }

  private shift(op: '<<' | '>>', a: Value, b: Value): Value {
    if (!isInteger(a.type) || !isInteger(b.type)) throw new EvalError(`invalid operands to '${op}' (integers required)`);
    const arch = this.env.arch;
    // C11 6.5.7p3: the result has the promoted left type; the count must be in [0, width).
    const t = promote(arch, a.type, a.bitField?.bitSize);
    const width = integerInfo(t)!.size * 8;
    const n = valueToBigInt(b, this.env);
    if (n < 0n || n >= BigInt(width)) throw new EvalError(`shift count ${n} is out of range for ${typeName(t)} (0..${width - 1})`);
    const x = convertInteger(arch, valueToBigInt(a, this.env), t);
    return scalarValue(t, convertInteger(arch, op === '<<' ? x << n : x >> n, t));
  }

  private floatArith(op: BinaryOp, x: number, y: number, t: TypeInfo): Value {
    const bool = (c: boolean): Value => scalarValue(this.int(), c ? 1n : 0n);
    switch (op) {
      case '+': return floatValue(t, x + y);
      case '-': return floatValue(t, x - y);
      case '*': return floatValue(t, x * y);
      case '/': return floatValue(t, x / y);
      case '<': return bool(x < y);
      case '>': return bool(x > y);
      case '<=': return bool(x <= y);
      case '>=': return bool(x >= y);
      case '==': return bool(x === y);
      case '!=': return bool(x !== y);
      default: throw new EvalError(`invalid operands to '${op}' (floating point)`);
    }
  }

  private pointerArith(op: BinaryOp, a: Value, b: Value): Value {
    const pa = isPointer(a.type); const pb = isPointer(b.type);
    const bool = (c: boolean): Value => scalarValue(this.int(), c ? 1n : 0n);
    if (['<', '>', '<=', '>=', '==', '!='].includes(op)) {
      // C11 6.5.8/6.5.9; comparing with an integer (p == 0) is allowed as a debugger convenience.
      if ((!pa && !isInteger(a.type)) || (!pb && !isInteger(b.type))) throw new EvalError(`invalid operands to '${op}'`);
      const x = BigInt.asUintN(this.ptrSize * 8, valueToBigInt(a, this.env));
      const y = BigInt.asUintN(this.ptrSize * 8, valueToBigInt(b, this.env));
      switch (op) {
        case '<': return bool(x < y);
        case '>': return bool(x > y);
        case '<=': return bool(x <= y);
        case '>=': return bool(x >= y);
        case '==': return bool(x === y);
        default: return bool(x !== y);
      }
    }
    if (op === '+' && pa !== pb) {
      const [p, i] = pa ? [a, b] : [b, a];
      return this.pointerAdd(p, this.toInt(i, 'pointer offset'));
    }
    if (op === '-' && pa && !pb) return this.pointerAdd(a, -this.toInt(b, 'pointer offset'));
    if (op === '-' && pa && pb) {
      // C11 6.5.6p9: the difference in elements, as ptrdiff_t.
      const size = BigInt(elementSize(a.type));
      if (BigInt(elementSize(b.type)) !== size) throw new EvalError(`cannot subtract pointers to different types (${typeName(a.type)} and ${typeName(b.type)})`);
      const diff = BigInt.asIntN(this.ptrSize * 8, valueToBigInt(a, this.env) - valueToBigInt(b, this.env));
      return scalarValue(ptrdiffType(this.env.arch), diff / size);
    }
    throw new EvalError(`invalid operands to '${op}' (${typeName(a.type)} and ${typeName(b.type)})`);
  }

  /** C11 6.5.6p8: p + n points n elements further (void * and function pointers step by 1, as GNU C). */
  private pointerAdd(p: Value, n: bigint): Value {
    const address = valueToBigInt(p, this.env) + n * BigInt(elementSize(p.type));
    return scalarValue(p.type, BigInt.asUintN(this.ptrSize * 8, address));
  }

  private ternary(ce: Expr, te: Expr, oe: Expr): Value {
    const c = this.truth(this.rvalue(this.eval(ce)));
    const chosen = this.rvalue(this.eval(c ? te : oe));
    // C11 6.5.15p5: arithmetic operands meet at their common type. The other branch is evaluated for its type
    // only when it cannot change anything.
    const other = c ? oe : te;
    if (!isArithmetic(chosen.type) || hasAssignment(other)) return chosen;
    let ot: TypeInfo;
    try { ot = this.rvalue(this.eval(other)).type; } catch { return chosen; }
    if (!isArithmetic(ot)) return chosen;
    const arch = this.env.arch;
    const t = commonType(arch, promote(arch, chosen.type, chosen.bitField?.bitSize), promote(arch, ot));
    if (isFloat(t)) return floatValue(t, valueToNumber(chosen, this.env));
    return scalarValue(t, convertInteger(arch, valueToBigInt(chosen, this.env), t));
  }

  // ---------------------------------------------------------------- assignment

  /** C11 6.5.16.1: convert `value` to the target's type and store it through the target's location. */
  store(target: Value, value: Value, what: string): Value {
    const s = stripTypedefs(target.type);
    if (!isLvalue(target)) {
      // Let writeLocation explain (optimized out, implicit value, ...).
      writeLocation(this.env, target.location, new Uint8Array(0), what);
      throw new EvalError(`cannot assign to ${what}: not an lvalue`);
    }
    if (s.kind === 'array') throw new EvalError(`cannot assign to an array (${typeName(target.type)}); assign its elements`);
    if (s.kind === 'struct' || s.kind === 'union') {
      const v = stripTypedefs(value.type);
      if (v.kind !== s.kind || sizeOf(v) !== sizeOf(s) || v.name !== s.name) {
        throw new EvalError(`cannot assign ${typeName(value.type)} to ${typeName(target.type)}`);
      }
      writeLocation(this.env, target.location, readValueBytes(value, this.env), what);
      return target;
    }
    const v = this.rvalue(value);
    if (isFloat(s)) {
      if (!isArithmetic(v.type)) throw new EvalError(`cannot assign ${typeName(value.type)} to ${typeName(target.type)}`);
      const f = floatValue(target.type, valueToNumber(v, this.env));
      writeLocation(this.env, target.location, readValueBytes(f, this.env), what);
      return target;
    }
    if (!isInteger(s) && s.kind !== 'pointer') throw new EvalError(`cannot assign to a value of type ${typeName(target.type)}`);
    if (!isScalar(v.type)) throw new EvalError(`cannot assign ${typeName(value.type)} to ${typeName(target.type)}`);
    const x = isFloat(v.type) ? BigInt(Math.trunc(valueToNumber(v, this.env))) : valueToBigInt(v, this.env);
    writeScalar(target, convertInteger(this.env.arch, x, s), this.env, what);
    return target;
  }

  // ---------------------------------------------------------------- helpers

  /** Lvalue conversion with array and function decay (C11 6.3.2.1p2–4). */
  rvalue(v: Value): Value {
    const s = stripTypedefs(v.type);
    if (s.kind !== 'array' && s.kind !== 'function') return v;
    const l = v.location;
    if (l.kind === 'memory' && spaceOf(l) === 'virtual') {
      const target = s.kind === 'array' ? s.element : v.type;
      return scalarValue({ kind: 'pointer', size: this.ptrSize, target }, l.address);
    }
    if (l.kind === 'memory') throw new EvalError(`the array is in ${SPACE_NAMES[spaceOf(l)]} memory at ${hex(l.address)} and has no guest-virtual address; index it instead`);
    if (l.kind === 'indexed-root') throw new EvalError(`${l.root.name} is per vCPU: index it, e.g. ${l.root.name}[0]`);
    throw new EvalError(`${typeName(v.type)} is not in memory, so it cannot be used as a pointer; index it instead`);
  }

  truth(v: Value): boolean {
    if (isFloat(v.type)) return valueToNumber(v, this.env) !== 0;
    if (!isScalar(v.type)) throw new EvalError(`a ${typeName(v.type)} cannot be used as a condition (not a scalar)`);
    return valueToBigInt(v, this.env) !== 0n;
  }

  private toInt(v: Value, what: string): bigint {
    const r = this.rvalue(v);
    if (!isInteger(r.type)) throw new EvalError(`${what} must be an integer, not ${typeName(v.type)}`);
    return valueToBigInt(r, this.env);
  }
}

function elementSize(pointerType: TypeInfo): number {
  const t = stripTypedefs((stripTypedefs(pointerType) as Extract<TypeInfo, { kind: 'pointer' }>).target);
  if (t.kind === 'void' || t.kind === 'function') return 1;
  if ((t.kind === 'struct' || t.kind === 'union') && t.declarationOnly) throw new EvalError(`arithmetic on a pointer to an incomplete type (${typeName(t)})`);
  return sizeOf(t);
}

function hasAssignment(e: Expr): boolean {
  switch (e.kind) {
    case 'assign': return true;
    case 'member': return hasAssignment(e.object);
    case 'index': return hasAssignment(e.object) || hasAssignment(e.index);
    case 'unary': case 'sizeof-expr': return hasAssignment(e.operand);
    case 'cast': return hasAssignment(e.operand);
    case 'binary': case 'comma': return hasAssignment(e.left) || hasAssignment(e.right);
    case 'ternary': return hasAssignment(e.cond) || hasAssignment(e.then) || hasAssignment(e.otherwise);
    default: return false;
  }
}

type StructType = Extract<TypeInfo, { kind: 'struct' | 'union' }>;
type Member = StructType['members'][number];

/** A member by name, looking through anonymous struct/union members (C11 6.7.2.1p13). */
export function findMember(s: StructType, name: string): { member: Member; offset: number } | undefined {
  for (const m of s.members) {
    if (m.name === name) return { member: m, offset: m.offset };
    if (m.name === undefined) {
      const inner = stripTypedefs(m.type);
      if (inner.kind === 'struct' || inner.kind === 'union') {
        const f = findMember(inner, name);
        if (f) return { member: f.member, offset: m.offset + f.offset };
      }
    }
  }
  return undefined;
}

/** The value of member `m` (at byte `offset` from the object's start) of `obj`. */
export function memberValue(env: EvalEnv, obj: Value, offset: number, m: Member): Value {
  if (m.bitSize !== undefined) {
    const bitOffset = m.bitOffset ?? 0;
    // Normalise so the storage starts at the byte holding the first bit.
    const byte = offset + Math.floor(bitOffset / 8);
    const bitField = { bitOffset: bitOffset % 8, bitSize: m.bitSize };
    const size = storageSize({ type: m.type, location: obj.location, bitField });
    return { type: m.type, location: subLocation(env, obj.location, byte, size), bitField };
  }
  const size = sizeOf(m.type);
  return { type: m.type, location: subLocation(env, obj.location, offset, size) };
}


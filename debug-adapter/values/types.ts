/**
 * Type helpers over the symbols model's TypeInfo: C spelling, sizes, classification, and the built-in C base
 * types the evaluator needs when the image has no DWARF for them (literals, results, casts to `unsigned long`).
 */
import { Arch, TypeInfo } from '../symbols/model';
import { EvalError } from './value';

/** Strip typedefs and qualifiers: the type C's semantics act on. */
export function stripTypedefs(t: TypeInfo): TypeInfo {
  let cur = t;
  // Bounded: TypeInfo may be cyclic through pointers, never through typedef chains, but be safe.
  for (let i = 0; i < 64 && (cur.kind === 'typedef' || cur.kind === 'qualified'); i++) cur = cur.target;
  return cur;
}

/** sizeof (C11 6.5.3.4); GNU rules for void and functions (1). Flexible arrays count 0 elements. */
export function sizeOf(t: TypeInfo): number {
  const s = stripTypedefs(t);
  switch (s.kind) {
    case 'void': case 'function': return 1;
    case 'base': case 'pointer': case 'enum': case 'struct': case 'union': return s.size;
    case 'array': return (s.count ?? 0) * sizeOf(s.element);
    default: throw new EvalError(`cannot take the size of ${typeName(t)}`);
  }
}

// ---------------------------------------------------------------- classification

export interface IntegerInfo { size: number; signed: boolean; bool: boolean }

/** Integer types (C11 6.2.5p17 minus char distinctions): base non-float types and enums. */
export function integerInfo(t: TypeInfo): IntegerInfo | undefined {
  const s = stripTypedefs(t);
  if (s.kind === 'enum') return { size: s.size, signed: s.signed, bool: false };
  if (s.kind !== 'base' || s.encoding === 'float') return undefined;
  return { size: s.size, signed: s.encoding === 'signed' || s.encoding === 'signed-char', bool: s.encoding === 'boolean' };
}

export const isInteger = (t: TypeInfo): boolean => integerInfo(t) !== undefined;
export const isFloat = (t: TypeInfo): boolean => { const s = stripTypedefs(t); return s.kind === 'base' && s.encoding === 'float'; };
export const isArithmetic = (t: TypeInfo): boolean => isInteger(t) || isFloat(t);
export const isPointer = (t: TypeInfo): boolean => stripTypedefs(t).kind === 'pointer';
export const isScalar = (t: TypeInfo): boolean => isArithmetic(t) || isPointer(t);
export const isCharType = (t: TypeInfo): boolean => {
  const s = stripTypedefs(t);
  return s.kind === 'base' && (s.encoding === 'signed-char' || s.encoding === 'unsigned-char') && s.size === 1;
};

/**
 * Integer conversion rank (C11 6.3.1.1p1): _Bool < char < short < int < long < long long, by the base type's
 * spelling (DWARF spells them as C does), so `long` outranks `int` on i386 where both are 4 bytes. Names
 * that say nothing (enums, odd base types) rank by size as the standard type of that size.
 */
export function rank(t: TypeInfo): number {
  return RANKS.indexOf(rankName(t));
}

const RANKS = ['', '_Bool', 'char', 'short', 'int', 'long', 'long long'] as const;

/** The standard integer type (without signedness) whose rank `t` has. */
function rankName(t: TypeInfo): typeof RANKS[number] {
  const s = stripTypedefs(t);
  const info = integerInfo(s);
  if (!info) return '';
  if (info.bool) return '_Bool';
  const name = s.kind === 'base' ? s.name : '';
  if (/long long/.test(name)) return 'long long';
  if (/long/.test(name)) return 'long';
  if (/short/.test(name)) return 'short';
  if (/char/.test(name)) return 'char';
  if (/\bint\b|^(un)?signed$/.test(name)) return 'int';
  return info.size === 1 ? 'char' : info.size === 2 ? 'short' : info.size === 4 ? 'int' : 'long long';
}

// ---------------------------------------------------------------- built-in types

const BUILTIN: Record<Arch, Map<string, TypeInfo>> = { x86_64: makeBuiltins('x86_64'), i386: makeBuiltins('i386') };

function makeBuiltins(arch: Arch): Map<string, TypeInfo> {
  const long = arch === 'x86_64' ? 8 : 4;
  const m = new Map<string, TypeInfo>();
  const base = (name: string, size: number, encoding: 'signed' | 'unsigned' | 'signed-char' | 'unsigned-char' | 'boolean' | 'float'): TypeInfo => {
    const t: TypeInfo = { kind: 'base', name, size, encoding };
    m.set(name, t);
    return t;
  };
  const td = (name: string, target: TypeInfo): void => { m.set(name, { kind: 'typedef', name, target }); };
  m.set('void', { kind: 'void' });
  const char = base('char', 1, 'signed-char');
  const schar = base('signed char', 1, 'signed-char');
  const uchar = base('unsigned char', 1, 'unsigned-char');
  const short = base('short', 2, 'signed');
  const ushort = base('unsigned short', 2, 'unsigned');
  const int = base('int', 4, 'signed');
  const uint = base('unsigned int', 4, 'unsigned');
  const lng = base('long', long, 'signed');
  const ulng = base('unsigned long', long, 'unsigned');
  const llong = base('long long', 8, 'signed');
  const ullong = base('unsigned long long', 8, 'unsigned');
  base('_Bool', 1, 'boolean');
  base('float', 4, 'float');
  base('double', 8, 'float');
  void char;
  const i64 = arch === 'x86_64' ? lng : llong;
  const u64 = arch === 'x86_64' ? ulng : ullong;
  // i386 SysV: size_t is unsigned int, ptrdiff_t int; intptr_t is long on both (glibc).
  const sizeT = arch === 'x86_64' ? ulng : uint;
  const ssizeT = arch === 'x86_64' ? lng : int;
  for (const [n, t] of [['int8_t', schar], ['uint8_t', uchar], ['int16_t', short], ['uint16_t', ushort],
    ['int32_t', int], ['uint32_t', uint], ['int64_t', i64], ['uint64_t', u64], ['size_t', sizeT], ['ssize_t', ssizeT],
    ['uintptr_t', ulng], ['intptr_t', lng], ['ptrdiff_t', ssizeT], ['bool', m.get('_Bool')!]] as const) td(n, t);
  return m;
}

/** A built-in type by its canonical name (`int`, `unsigned long`, `uint32_t`, ...). Throws if unknown. */
export function builtinType(arch: Arch, name: string): TypeInfo {
  const t = BUILTIN[arch].get(name);
  if (!t) throw new Error(`no built-in type ${name}`);
  return t;
}

/**
 * A C base type from its specifier words in any order and spelling (`long unsigned int`, `unsigned`,
 * `signed char`, `long long int`, C11 6.7.2p2), or a built-in typedef (`uint32_t`). Undefined if not one.
 */
export function lookupBuiltinType(arch: Arch, spelling: string): TypeInfo | undefined {
  const direct = BUILTIN[arch].get(spelling);
  if (direct) return direct;
  const words = spelling.trim().split(/\s+/);
  let longs = 0; let signed: boolean | undefined; let base: string | undefined;
  for (const w of words) {
    if (w === 'long') longs++;
    else if (w === 'signed' || w === '__signed__') signed = true;
    else if (w === 'unsigned') signed = false;
    else if (w === 'int' || w === 'char' || w === 'short' || w === '_Bool' || w === 'double' || w === 'float') {
      if (base && !(base === 'short' && w === 'int')) return undefined;
      if (base !== 'short') base = w;
    } else return undefined;
  }
  if (base === 'char') return BUILTIN[arch].get(signed === undefined ? 'char' : signed ? 'signed char' : 'unsigned char');
  if (base === 'double' || base === 'float' || base === '_Bool') return longs === 0 && signed === undefined ? BUILTIN[arch].get(base) : undefined;
  const u = signed === false ? 'unsigned ' : '';
  if (base === 'short') return longs === 0 ? BUILTIN[arch].get(`${u}short`) : undefined;
  if (longs > 2) return undefined;
  return BUILTIN[arch].get(`${u}${['int', 'long', 'long long'][longs]}`);
}

/** The unsigned integer type of `size` bytes (for registers and results). */
export function unsignedOfSize(arch: Arch, size: number): TypeInfo {
  switch (size) {
    case 1: return builtinType(arch, 'unsigned char');
    case 2: return builtinType(arch, 'unsigned short');
    case 4: return builtinType(arch, 'unsigned int');
    case 8: return builtinType(arch, arch === 'x86_64' ? 'unsigned long' : 'unsigned long long');
    default: return { kind: 'base', name: `uint${size * 8}`, size, encoding: 'unsigned' };
  }
}

/** The signed or unsigned counterpart of an integer type, of the same rank (C11 6.3.1.8p1, last case). */
export function withSignedness(arch: Arch, t: TypeInfo, signed: boolean): TypeInfo {
  const info = integerInfo(t)!;
  if (info.signed === signed) return t;
  const name = rankName(t);
  return builtinType(arch, signed ? (name === 'char' ? 'signed char' : name) : `unsigned ${name}`);
}

/** size_t and ptrdiff_t of the architecture (C11 7.19). */
export const sizeType = (arch: Arch): TypeInfo => builtinType(arch, arch === 'x86_64' ? 'unsigned long' : 'unsigned int');
export const ptrdiffType = (arch: Arch): TypeInfo => builtinType(arch, arch === 'x86_64' ? 'long' : 'int');

// ---------------------------------------------------------------- C spelling

/** A type as C writes it: `struct foo *`, `int [8]`, `char (*)[4]`, `void (*)(int)`, `const char *`. */
export function typeName(t: TypeInfo): string {
  return declare(t, '').trim();
}

function specifier(t: TypeInfo): string {
  switch (t.kind) {
    case 'void': return 'void';
    case 'base': return t.name;
    case 'typedef': return t.name;
    case 'struct': case 'union': return `${t.kind} ${t.name ?? '{...}'}`;
    case 'enum': return `enum ${t.name ?? '{...}'}`;
    default: return '?';
  }
}

function declare(t: TypeInfo, inner: string, depth = 0): string {
  if (depth > 32) return `... ${inner}`;
  const wrap = (s: string): string => (s.startsWith('*') ? `(${s})` : s);
  switch (t.kind) {
    case 'pointer': return declare(t.target, `*${inner}`, depth + 1);
    case 'array': return declare(t.element, `${wrap(inner)}[${t.count ?? ''}]`, depth + 1);
    case 'function': {
      const params = t.params.map(typeName);
      if (t.variadic) params.push('...');
      return declare(t.returnType, `${wrap(inner)}(${params.length ? params.join(', ') : 'void'})`, depth + 1);
    }
    case 'qualified': {
      if (t.target.kind === 'pointer') return declare(t.target.target, `* ${t.qualifier}${inner ? ' ' + inner : ''}`, depth + 1);
      const base = declare(t.target, inner, depth + 1);
      return `${t.qualifier} ${base}`;
    }
    default: {
      const spec = specifier(t);
      return inner ? `${spec} ${inner}` : spec;
    }
  }
}

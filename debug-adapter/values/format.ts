/**
 * A value as one display line, the way a C programmer reads it: decimal integers (hex on request), pointers
 * in hex with a symbol, `65 'A'` for chars, enum names (flag enums as `(A | B)`), strings for char arrays
 * and char pointers, `{a = 1, b = {...}}` summaries for aggregates, and `<optimized out>`,
 * `<unavailable: why>`, `<error: ...>` when the value cannot be read.
 */
import { TypeInfo } from '../symbols/model';
import { UnavailableError, hex, readLocation, readValueBytes, storageSize, valueToBigInt, valueToNumber } from './access';
import { EvalEnv } from './env';
import { memberValue } from './evaluator';
import { isCharType, sizeOf, stripTypedefs, typeName } from './types';
import { EvalError, Value } from './value';

export interface FormatOptions {
  /** Integers in hex (DAP ValueFormat.hex). */
  hex?: boolean;
  /** Longest aggregate summary before it is cut with `...` (default 160 characters). */
  maxSummary?: number;
  /** Longest string shown for char arrays and char pointers (default 200 characters). */
  maxString?: number;
}

/** Formats a value; never throws (failures become `<error: ...>`). */
export function formatValue(value: Value, env: EvalEnv, opts: FormatOptions = {}): string {
  return guard(() => new Formatter(env, opts).format(snapshot(value, env), 0));
}

/** Runs `f`, turning failures into the markers the Variables view shows. */
export function guard(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof UnavailableError) return e.reason === 'optimized-out' ? '<optimized out>' : `<unavailable: ${e.why}>`;
    if (e instanceof EvalError) return `<error: ${e.message}>`;
    return `<error: ${e instanceof Error ? e.message : String(e)}>`;
  }
}

const SNAPSHOT_LIMIT = 1 << 16;

/** Reads an aggregate in memory once, so its summary does not read every member separately. */
function snapshot(v: Value, env: EvalEnv): Value {
  const s = stripTypedefs(v.type);
  if ((s.kind !== 'struct' && s.kind !== 'union' && s.kind !== 'array') || v.location.kind !== 'memory') return v;
  const size = storageSize(v);
  if (size === 0 || size > SNAPSHOT_LIMIT) return v;
  try {
    return { ...v, location: { kind: 'bytes', bytes: readLocation(env, v.location, size) } };
  } catch {
    return v; // partly unmapped: members report their own errors
  }
}

class Formatter {
  private readonly maxSummary: number;
  private readonly maxString: number;
  constructor(private readonly env: EvalEnv, private readonly opts: FormatOptions) {
    this.maxSummary = opts.maxSummary ?? 160;
    this.maxString = opts.maxString ?? 200;
  }

  format(v: Value, depth: number): string {
    const s = stripTypedefs(v.type);
    if (v.location.kind === 'indexed-root') return `[${v.location.root.count} vCPU${v.location.root.count === 1 ? '' : 's'}]`;
    if (v.location.kind === 'optimized-out') return '<optimized out>';
    if (v.location.kind === 'unavailable') return `<unavailable: ${v.location.why}>`;
    switch (s.kind) {
      case 'void': return v.location.kind === 'memory' ? `<no debug info> at ${hex(v.location.address)}` : 'void';
      case 'base': return this.base(v, s);
      case 'enum': return this.enumeration(valueToBigInt(v, this.env), s);
      case 'pointer': return this.pointer(v, s.target);
      case 'struct': case 'union': return this.aggregate(v, s, depth);
      case 'array': return this.array(v, s, depth);
      case 'function': {
        const at = v.location.kind === 'memory' ? v.location.address : undefined;
        return `{${typeName(v.type)}} ${at === undefined ? '?' : this.address(at)}`;
      }
      default: return '?';
    }
  }

  integer(x: bigint, size: number): string {
    return this.opts.hex ? hex(BigInt.asUintN(size * 8, x)) : x.toString();
  }

  private base(v: Value, s: Extract<TypeInfo, { kind: 'base' }>): string {
    if (s.encoding === 'float') return formatFloat(valueToNumber(v, this.env));
    const x = valueToBigInt(v, this.env);
    if (s.encoding === 'boolean') return x === 0n ? 'false' : x === 1n ? 'true' : x.toString();
    const width = v.bitField ? v.bitField.bitSize / 8 : s.size;
    if (isCharType(s) && isSpelledChar(v.type)) return `${this.integer(x, 1)} ${charLiteral(Number(BigInt.asUintN(8, x)))}`;
    return this.integer(x, width);
  }

  enumeration(x: bigint, s: Extract<TypeInfo, { kind: 'enum' }>): string {
    const exact = s.enumerators.find((e) => e.value === x);
    if (exact) return exact.name;
    if (x > 0n && isFlagEnum(s)) {
      const names: string[] = [];
      let rest = x;
      for (const e of s.enumerators) {
        if (e.value !== 0n && (x & e.value) === e.value) { names.push(e.name); rest &= ~e.value; }
      }
      if (names.length) return `(${names.join(' | ')}${rest ? ` | unknown: ${hex(rest)}` : ''})`;
    }
    return this.integer(x, s.size);
  }

  private address(a: bigint): string {
    const sym = a !== 0n ? this.env.describeAddress?.(a) : undefined;
    return sym ? `${hex(a)} <${sym}>` : hex(a);
  }

  private pointer(v: Value, target: TypeInfo): string {
    const a = valueToBigInt(v, this.env);
    const base = this.address(a);
    if (a === 0n || !isCharType(stripTypedefs(target)) || !isSpelledChar(target)) return base;
    return `${base} ${guard(() => this.cString(a))}`;
  }

  /** A NUL-terminated string at a guest-virtual address, read in small chunks so it stops at unmapped memory. */
  private cString(address: bigint): string {
    const bytes: number[] = [];
    let truncated = false;
    outer: while (bytes.length < this.maxString) {
      const at = address + BigInt(bytes.length);
      const chunk = this.env.readMemory(at, 16 - Number(at & 15n), 'virtual') ?? this.env.readMemory(at, 1, 'virtual');
      if (!chunk) {
        if (!bytes.length) throw new EvalError(`cannot access memory at ${hex(at)}`);
        truncated = true;
        break;
      }
      for (const b of chunk) {
        if (b === 0) break outer;
        bytes.push(b);
        if (bytes.length >= this.maxString) { truncated = true; break outer; }
      }
    }
    return quote(bytes) + (truncated ? '...' : '');
  }

  private aggregate(v: Value, s: Extract<TypeInfo, { kind: 'struct' | 'union' }>, depth: number): string {
    if (s.declarationOnly) return '<incomplete type>';
    if (depth >= 2) return '{...}';
    const parts: string[] = [];
    let len = 0;
    for (const m of s.members) {
      const mv = memberValue(this.env, v, m.offset, m);
      const text = guard(() => this.format(mv, depth + 1));
      const part = m.name === undefined ? text : `${m.name} = ${text}`;
      len += part.length + 2;
      if (len > this.maxSummary) { parts.push('...'); break; }
      parts.push(part);
    }
    return `{${parts.join(', ')}}`;
  }

  private array(v: Value, s: Extract<TypeInfo, { kind: 'array' }>, depth: number): string {
    if (s.count === undefined) return '[]';
    const elSize = sizeOf(s.element);
    const bytes = isCharType(stripTypedefs(s.element)) ? readValueBytes(v, this.env) : undefined;
    if (bytes && (isSpelledChar(s.element) || looksLikeText(bytes))) {
      const nul = bytes.indexOf(0);
      const used = Array.from(bytes.subarray(0, Math.min(nul < 0 ? bytes.length : nul, this.maxString)));
      return quote(used) + (used.length < (nul < 0 ? bytes.length : nul) ? '...' : '');
    }
    if (depth >= 2) return '{...}';
    const parts: string[] = [];
    let len = 0;
    for (let i = 0; i < s.count; i++) {
      const ev = memberValue(this.env, v, i * elSize, { offset: i * elSize, type: s.element });
      const text = guard(() => this.format(ev, depth + 1));
      len += text.length + 2;
      if (len > this.maxSummary) { parts.push('...'); break; }
      parts.push(text);
    }
    return `{${parts.join(', ')}}`;
  }
}

/**
 * A character type spelled as one: `char`, `signed char` or `unsigned char` itself (qualifiers allowed), not
 * reached through a typedef. uint8_t, int8_t, u8, Xen's u8 fields...: typedefs of a char type, shown as numbers.
 */
function isSpelledChar(t: TypeInfo): boolean {
  let cur = t;
  while (cur.kind === 'qualified') cur = cur.target;
  return cur.kind === 'base' && isCharType(cur);
}

/** Byte-integer arrays that hold a NUL-terminated printable string (Xen's `int8_t cmd_line[]`) still read as text. */
function looksLikeText(bytes: Uint8Array): boolean {
  const nul = bytes.indexOf(0);
  if (nul <= 0) return false;
  for (let i = 0; i < nul; i++) if ((bytes[i] < 0x20 || bytes[i] >= 0x7f) && bytes[i] !== 9 && bytes[i] !== 10) return false;
  return true;
}

/** Every non-zero enumerator has bits no other enumerator has (C bit-flag enums such as VGCF_*). */
function isFlagEnum(s: Extract<TypeInfo, { kind: 'enum' }>): boolean {
  let seen = 0n;
  let count = 0;
  for (const e of s.enumerators) {
    if (e.value === 0n) continue;
    if (e.value < 0n || (seen & e.value) !== 0n) return false;
    seen |= e.value;
    count++;
  }
  return count > 1;
}

function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

const ESCAPES: Record<number, string> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 92: '\\\\' };

function escapeByte(b: number, quoteChar: string): string {
  if (b === quoteChar.charCodeAt(0)) return `\\${quoteChar}`;
  if (ESCAPES[b] !== undefined && !(b === 0 && quoteChar === '"')) return ESCAPES[b];
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\${b.toString(8).padStart(3, '0')}`;
}

function charLiteral(b: number): string {
  return `'${escapeByte(b, "'")}'`;
}

function quote(bytes: number[]): string {
  return `"${bytes.map((b) => escapeByte(b, '"')).join('')}"`;
}


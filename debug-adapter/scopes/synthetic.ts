/**
 * Values that exist only in the debugger (the Event channels list, the Hypercall record, shared_info's
 * pending ports as port numbers): built as C structs over their own bytes, so the shared variable store,
 * formatter and evaluator show and expand them like any guest value.
 */
import type { MemberInfo, TypeInfo } from '../symbols/model';
import type { Value } from '../values';

export type Field =
  | string
  | number
  | boolean
  | bigint
  /** Shown in hex (an address-like `void *`, so it also offers the Memory view when it points somewhere). */
  | { hex: bigint }
  | { array: number[] }
  | { record: [string, Field][]; name?: string };

const LONG: TypeInfo = { kind: 'base', name: 'long', size: 8, encoding: 'signed' };
const ULONG: TypeInfo = { kind: 'base', name: 'unsigned long', size: 8, encoding: 'unsigned' };
const UINT: TypeInfo = { kind: 'base', name: 'unsigned int', size: 4, encoding: 'unsigned' };
const BOOL: TypeInfo = { kind: 'base', name: '_Bool', size: 1, encoding: 'boolean' };
const CHAR: TypeInfo = { kind: 'base', name: 'char', size: 1, encoding: 'signed-char' };
const HEX: TypeInfo = { kind: 'typedef', name: 'xen_ulong_t', target: { kind: 'pointer', size: 8, target: { kind: 'void' } } };

interface Built { type: TypeInfo; bytes: Uint8Array }

function le(value: bigint, size: number): Uint8Array {
  const b = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return b;
}

function build(f: Field, name?: string): Built {
  if (typeof f === 'string') {
    const text = Buffer.from(f, 'utf8');
    const bytes = new Uint8Array(text.length + 1);
    bytes.set(text);
    return { type: { kind: 'array', element: CHAR, count: bytes.length }, bytes };
  }
  if (typeof f === 'boolean') return { type: BOOL, bytes: new Uint8Array([f ? 1 : 0]) };
  if (typeof f === 'number') return { type: f < 0 ? LONG : ULONG, bytes: le(BigInt(Math.trunc(f)), 8) };
  if (typeof f === 'bigint') return { type: f < 0n ? LONG : ULONG, bytes: le(f, 8) };
  if ('hex' in f) return { type: HEX, bytes: le(f.hex, 8) };
  if ('array' in f) {
    const bytes = new Uint8Array(f.array.length * 4);
    f.array.forEach((x, i) => bytes.set(le(BigInt(x), 4), i * 4));
    return { type: { kind: 'array', element: UINT, count: f.array.length }, bytes };
  }
  const members: MemberInfo[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [n, sub] of f.record) {
    const b = build(sub, n);
    const align = b.type.kind === 'array' || b.type === BOOL ? 1 : 8;
    const pad = (align - (offset % align)) % align;
    if (pad) { parts.push(new Uint8Array(pad)); offset += pad; }
    members.push({ name: n, offset, type: b.type });
    parts.push(b.bytes);
    offset += b.bytes.length;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) { bytes.set(p, at); at += p.length; }
  return { type: { kind: 'struct', name: f.name ?? name, size: offset, members }, bytes };
}

/** A debugger-made value: `record('hypercall', [['nr', 12], ['name', 'memory_op']])`. */
export function synthetic(f: Field, name?: string): Value {
  const b = build(f, name);
  return { type: b.type, location: { kind: 'bytes', bytes: b.bytes } };
}

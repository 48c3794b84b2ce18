/**
 * Reading and writing a Value's bytes through its location (memory, registers, DWARF pieces, implicit
 * values), sub-objects (members, elements) and bit fields. Little-endian throughout: x86 only.
 */
import { TypeInfo } from '../symbols/model';
import { EvalEnv } from './env';
import { dwarfRegisterName } from './registers';
import { integerInfo, isFloat, isPointer, sizeOf, stripTypedefs, typeName } from './types';
import { AddressSpace, EvalError, Location, SPACE_NAMES, Value } from './value';

/** Why a value cannot be read: the formatter shows these specially. */
export class UnavailableError extends EvalError {
  constructor(readonly reason: 'optimized-out' | 'unavailable', readonly why?: string) {
    super(reason === 'optimized-out' ? 'value is optimized out' : `value is unavailable: ${why ?? 'unknown reason'}`);
  }
}

export const hex = (v: bigint): string => `0x${v.toString(16)}`;

export function toBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) { out[i] = Number(x & 0xffn); x >>= 8n; }
  return out;
}

export function fromBytes(b: Uint8Array, signed: boolean): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]);
  return signed ? BigInt.asIntN(b.length * 8, x) : x;
}

/** Bytes the value occupies in its location (bit fields: the bytes covering their bits). */
export function storageSize(v: Value): number {
  if (v.bitField) return Math.ceil((v.bitField.bitOffset + v.bitField.bitSize) / 8);
  return sizeOf(v.type);
}

/** A computed (non-lvalue) value of `type` holding the integer `v` (stored two's complement). */
export function scalarValue(type: TypeInfo, v: bigint): Value {
  return { type, location: { kind: 'bytes', bytes: toBytes(v, sizeOf(type)) } };
}

export function isLvalue(v: Value): boolean {
  return isLvalueLocation(v.location);
}

function isLvalueLocation(l: Location): boolean {
  switch (l.kind) {
    case 'memory': case 'register': case 'named-register': return true;
    case 'pieces': return l.pieces.every((p) => isLvalueLocation(p.location));
    default: return false;
  }
}

export function spaceOf(l: Location): AddressSpace {
  return l.kind === 'memory' ? l.space ?? 'virtual' : 'virtual';
}

function unmapped(address: bigint, length: number, space: AddressSpace): EvalError {
  const where = SPACE_NAMES[space];
  return new EvalError(`cannot access memory at ${where} address ${hex(address)} (${length} byte${length === 1 ? '' : 's'})`);
}

/** The raw bytes at a location. Throws EvalError (UnavailableError for optimized-out/unavailable). */
export function readLocation(env: EvalEnv, l: Location, size: number): Uint8Array {
  switch (l.kind) {
    case 'memory': {
      const space = l.space ?? 'virtual';
      if (size === 0) return new Uint8Array(0);
      const b = env.readMemory(l.address, size, space);
      if (!b) throw unmapped(l.address, size, space);
      return b;
    }
    case 'register': {
      const v = env.readDwarfRegister(l.reg);
      if (v === undefined) throw new UnavailableError('unavailable', `${dwarfRegisterName(env.arch, l.reg)} is not recovered in this frame`);
      return widen(toBytes(v, 8), size);
    }
    case 'named-register': {
      const r = env.readRegister(l.name);
      if (!r) throw new EvalError(`unknown register $${l.name}`);
      return widen(toBytes(r.value, r.size), size);
    }
    case 'value': return toBytes(l.value, size);
    case 'bytes': return widen(l.bytes, size);
    case 'pieces': {
      const out = new Uint8Array(size);
      let at = 0;
      for (const p of l.pieces) {
        if (at >= size) break;
        const n = Math.min(p.sizeBytes, size - at);
        out.set(readLocation(env, p.location, p.sizeBytes).subarray(0, n), at);
        at += p.sizeBytes;
      }
      return out;
    }
    case 'optimized-out': throw new UnavailableError('optimized-out');
    case 'unavailable': throw new UnavailableError('unavailable', l.why);
    case 'indexed-root': throw new EvalError(`${l.root.name} is per vCPU: index it, e.g. ${l.root.name}[0]`);
  }
}

function widen(b: Uint8Array, size: number): Uint8Array {
  if (b.length === size) return b;
  const out = new Uint8Array(size);
  out.set(b.subarray(0, Math.min(size, b.length)));
  return out;
}

/** Writes raw bytes to a location, or explains why it cannot. */
export function writeLocation(env: EvalEnv, l: Location, bytes: Uint8Array, what: string): void {
  switch (l.kind) {
    case 'memory': {
      const space = l.space ?? 'virtual';
      if (!env.writeMemory) throw new EvalError(`cannot write ${what}: memory is read-only here`);
      if (!env.writeMemory(l.address, bytes, space)) {
        throw new EvalError(`cannot write ${what}: ${SPACE_NAMES[space]} address ${hex(l.address)} is not writable or not mapped`);
      }
      return;
    }
    case 'register': {
      if (!env.writeDwarfRegister) throw new EvalError(`cannot write ${what}: registers of this frame are read-only`);
      const old = env.readDwarfRegister(l.reg) ?? 0n;
      env.writeDwarfRegister(l.reg, merge(old, bytes));
      return;
    }
    case 'named-register': {
      if (!env.writeRegister) throw new EvalError(`cannot write ${what}: registers are read-only here`);
      const old = env.readRegister(l.name);
      if (!old) throw new EvalError(`unknown register $${l.name}`);
      env.writeRegister(l.name, BigInt.asUintN(old.size * 8, merge(old.value, bytes)));
      return;
    }
    case 'pieces': {
      let at = 0;
      for (const p of l.pieces) {
        if (at >= bytes.length) break;
        writeLocation(env, p.location, bytes.subarray(at, at + p.sizeBytes), what);
        at += p.sizeBytes;
      }
      return;
    }
    case 'optimized-out': throw new EvalError(`cannot assign to ${what}: it is optimized out`);
    case 'unavailable': throw new EvalError(`cannot assign to ${what}: it is unavailable (${l.why})`);
    case 'value': case 'bytes':
      throw new EvalError(`cannot assign to ${what}: it is not stored anywhere (a computed or implicit value, not an lvalue)`);
    case 'indexed-root': throw new EvalError(`cannot assign to ${what}: index it first`);
  }
}

/** Replaces the low bytes of a register value (writing an int-sized local held in rax keeps rax's top). */
function merge(old: bigint, bytes: Uint8Array): bigint {
  const bits = BigInt(bytes.length * 8);
  const mask = (1n << bits) - 1n;
  return (BigInt.asUintN(64, old) & ~mask) | fromBytes(bytes, false);
}

/** The bytes of a whole value (the storage unit for bit fields). */
export function readValueBytes(value: Value, env: EvalEnv): Uint8Array {
  return readLocation(env, value.location, storageSize(value));
}

/** A scalar value as a bigint (signed types sign-extended; bit fields extracted). Throws for non-scalars. */
export function valueToBigInt(value: Value, env: EvalEnv): bigint {
  const t = stripTypedefs(value.type);
  const info = integerInfo(t);
  if (!info && !isPointer(t)) {
    if (isFloat(t)) return BigInt(Math.trunc(valueToNumber(value, env)));
    throw new EvalError(`${typeName(value.type)} is not a scalar`);
  }
  const signed = info?.signed ?? false;
  const bytes = readValueBytes(value, env);
  if (value.bitField) {
    const raw = fromBytes(bytes, false) >> BigInt(value.bitField.bitOffset);
    const bits = BigInt.asUintN(value.bitField.bitSize, raw);
    return signed ? BigInt.asIntN(value.bitField.bitSize, bits) : bits;
  }
  const v = fromBytes(bytes, signed);
  return info?.bool ? (v !== 0n ? 1n : 0n) : v;
}

export function valueToNumber(value: Value, env: EvalEnv): number {
  const t = stripTypedefs(value.type);
  if (!isFloat(t)) return Number(valueToBigInt(value, env));
  const b = readValueBytes(value, env);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length === 4) return dv.getFloat32(0, true);
  if (b.length === 8) return dv.getFloat64(0, true);
  if (b.length === 10 || b.length === 12 || b.length === 16) return x87Extended(b);
  throw new EvalError(`${typeName(value.type)}: ${b.length}-byte floating point is not supported`);
}

/** An x87 80-bit extended value (long double; padded to 12 or 16 bytes), as the nearest double. */
function x87Extended(b: Uint8Array): number {
  const mantissa = fromBytes(b.subarray(0, 8), false);
  const se = b[8] | (b[9] << 8);
  const sign = se & 0x8000 ? -1 : 1;
  const exp = se & 0x7fff;
  if (exp === 0x7fff) return BigInt.asUintN(63, mantissa) === 0n ? sign * Infinity : NaN;
  // Explicit integer bit: value = mantissa * 2^(exp - 16383 - 63); split the scaling so it cannot overflow early.
  const e = (exp === 0 ? 1 : exp) - 16383 - 63;
  return sign * Number(mantissa) * 2 ** Math.trunc(e / 2) * 2 ** (e - Math.trunc(e / 2));
}

export function floatValue(type: TypeInfo, n: number): Value {
  const size = sizeOf(type);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (size === 4) dv.setFloat32(0, n, true); else dv.setFloat64(0, n, true);
  return { type, location: { kind: 'bytes', bytes: b } };
}

/** Stores a scalar into `target` (bit fields: read-modify-write of the storage bytes). */
export function writeScalar(target: Value, v: bigint, env: EvalEnv, what: string): void {
  if (target.bitField) {
    const { bitOffset, bitSize } = target.bitField;
    const n = storageSize(target);
    const old = fromBytes(readLocation(env, target.location, n), false);
    const mask = ((1n << BigInt(bitSize)) - 1n) << BigInt(bitOffset);
    const merged = (old & ~mask) | ((BigInt.asUintN(bitSize, v) << BigInt(bitOffset)) & mask);
    writeLocation(env, target.location, toBytes(merged, n), what);
    return;
  }
  writeLocation(env, target.location, toBytes(v, sizeOf(target.type)), what);
}

/** The location of a sub-object `size` bytes at `offset` inside `l`. */
export function subLocation(env: EvalEnv, l: Location, offset: number, size: number): Location {
  switch (l.kind) {
    case 'memory': return { kind: 'memory', address: BigInt.asUintN(64, l.address + BigInt(offset)), ...(l.space ? { space: l.space } : {}) };
    case 'register': case 'named-register':
      // The low part of a register is still the register (an int in rax); other parts are read out.
      return offset === 0 ? l : readOut(env, l, offset, size);
    case 'value': return { kind: 'bytes', bytes: toBytes(l.value, offset + size).slice(offset) };
    case 'bytes': return { kind: 'bytes', bytes: widen(l.bytes.slice(offset, offset + size), size) };
    case 'pieces': {
      let at = 0;
      for (const p of l.pieces) {
        if (offset >= at && offset + size <= at + p.sizeBytes) return subLocation(env, p.location, offset - at, size);
        at += p.sizeBytes;
      }
      return readOut(env, l, offset, size);
    }
    case 'optimized-out': case 'unavailable': return l;
    case 'indexed-root': throw new EvalError(`${l.root.name} is per vCPU: index it, e.g. ${l.root.name}[0]`);
  }
}

function readOut(env: EvalEnv, l: Location, offset: number, size: number): Location {
  try {
    return { kind: 'bytes', bytes: readLocation(env, l, offset + size).slice(offset) };
  } catch (e) {
    if (e instanceof UnavailableError) return e.reason === 'optimized-out' ? { kind: 'optimized-out' } : { kind: 'unavailable', why: e.why ?? '' };
    throw e;
  }
}

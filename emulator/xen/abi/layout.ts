/**
 * Declarative C struct layouts for the two x86 Xen guest ABIs.
 *
 * A struct is declared once as a list of typed fields; offsets, sizes and alignments are computed per ABI
 * with the rules gcc applies on x86_64 (SysV AMD64) and i386 (SysV i386, which is also Xen's compat ABI for
 * 32-bit PV guests and HVM guests calling from a non-64-bit mode). The i386 quirk that matters: a 64-bit
 * integer inside a struct is only 4-byte aligned, unless the header forces 8 (`uint64_aligned_t`).
 *
 * Accessors (StructView) are for hypercall argument marshalling and the debugger's views, not for hot paths,
 * so they favour clarity: 8-byte fields are bigint, narrower ones number.
 */

export type Abi = 'x86_64' | 'x86_32';
export const ABIS: readonly Abi[] = ['x86_64', 'x86_32'];

/** A value that is either the same on both ABIs or given per ABI. */
export type PerAbi<T> = T | { readonly x86_64: T; readonly x86_32: T };

/**
 * Scalar C types. `ulong` covers `unsigned long`, `xen_ulong_t`, `xen_pfn_t` and `xen_callback_t` on x86_64:
 * the x86 headers typedef all of these to `unsigned long` (xen/include/public/arch-x86/xen.h), so they are
 * 8 bytes for 64-bit guests and 4 bytes for 32-bit guests. `handle` is `XEN_GUEST_HANDLE(x)`, a struct
 * wrapping one pointer. `u64_aligned` is `uint64_aligned_t` as Xen itself and toolstacks see it (8-aligned
 * on i386 too); guest kernels compiled without __XEN__/__XEN_TOOLS__ see a plain uint64_t.
 */
export type ScalarName =
  | 'u8' | 'i8' | 'char' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'u64_aligned'
  | 'ulong' | 'xen_ulong' | 'xen_pfn' | 'pointer' | 'handle';

export type FieldType =
  | { readonly kind: 'scalar'; readonly name: ScalarName }
  | { readonly kind: 'array'; readonly of: FieldType; readonly count: PerAbi<number> }
  | { readonly kind: 'struct'; readonly def: StructDef }
  | { readonly kind: 'perAbi'; readonly x86_64: FieldType; readonly x86_32: FieldType };

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** Only present on these ABIs (e.g. `shared_info.wc_sec_hi` is x86_64-only, guarded by `#if !defined(__i386__)`). */
  readonly abis?: readonly Abi[];
}

export interface StructDef {
  /** Our name, normally the C tag without `struct`. */
  readonly name: string;
  readonly kind: 'struct' | 'union';
  readonly fields: readonly FieldDef[];
  /** `__attribute__((packed))`: alignment 1, no padding. */
  readonly packed?: boolean;
  /** C type expression for sizeof/offsetof, e.g. `struct shared_info` or `xen_extraversion_t`. */
  readonly cType: string;
  /** Header declaring it, relative to the Xen source tree, e.g. `xen/include/public/xen.h`. */
  readonly header: string;
  /**
   * The C type is itself a `char[N]` typedef rather than a struct (xen_extraversion_t and friends). We model
   * it as a struct with a single field so it has a name to address; that field is the whole C object.
   */
  readonly cArrayTypedef?: boolean;
  /** Only exists on these ABIs (e.g. `struct xen_callback` is i386-only: xen-x86_32.h). */
  readonly abis?: readonly Abi[];
}

// ---- Constructors, so declarations read like the C headers. ----

const scalar = (name: ScalarName): FieldType => ({ kind: 'scalar', name });
export const u8 = scalar('u8');
export const i8 = scalar('i8');
export const char = scalar('char');
export const u16 = scalar('u16');
export const i16 = scalar('i16');
export const u32 = scalar('u32');
export const i32 = scalar('i32');
export const u64 = scalar('u64');
export const i64 = scalar('i64');
export const u64Aligned = scalar('u64_aligned');
export const ulong = scalar('ulong');
export const xenUlong = scalar('xen_ulong');
export const xenPfn = scalar('xen_pfn');
export const pointer = scalar('pointer');
export const handle = scalar('handle');
/** domid_t (xen.h), evtchn_port_t (event_channel.h): named for readability. */
export const domid = u16;
export const evtchnPort = u32;

export function array(of: FieldType, count: PerAbi<number>): FieldType {
  return { kind: 'array', of, count };
}

export function perAbi(types: { x86_64: FieldType; x86_32: FieldType }): FieldType {
  return { kind: 'perAbi', ...types };
}

export function nested(def: StructDef): FieldType {
  return { kind: 'struct', def };
}

export function field(name: string, type: FieldType, abis?: readonly Abi[]): FieldDef {
  return abis ? { name, type, abis } : { name, type };
}

interface DefOptions { packed?: boolean; cType?: string; cArrayTypedef?: boolean; abis?: readonly Abi[] }

export function struct(name: string, header: string, fields: readonly FieldDef[], opts: DefOptions = {}): StructDef {
  return { name, kind: 'struct', fields, header, cType: opts.cType ?? `struct ${name}`, ...flags(opts) };
}

export function union(name: string, header: string, fields: readonly FieldDef[], opts: DefOptions = {}): StructDef {
  return { name, kind: 'union', fields, header, cType: opts.cType ?? `union ${name}`, ...flags(opts) };
}

type Flags = { packed?: boolean; cArrayTypedef?: boolean; abis?: readonly Abi[] };

function flags(opts: DefOptions): Flags {
  const out: Flags = {};
  if (opts.packed) out.packed = true;
  if (opts.cArrayTypedef) out.cArrayTypedef = true;
  if (opts.abis) out.abis = opts.abis;
  return out;
}

// ---- Layout computation. ----

/** A field type with everything ABI-dependent resolved. */
export type ResolvedType =
  | { readonly kind: 'scalar'; readonly name: ScalarName; readonly signed: boolean }
  | { readonly kind: 'array'; readonly of: ResolvedType; readonly count: number; readonly elemSize: number }
  | { readonly kind: 'struct'; readonly layout: Layout };

export interface FieldLayout {
  readonly offset: number;
  readonly size: number;
  readonly type: ResolvedType;
}

export interface Layout {
  readonly name: string;
  readonly abi: Abi;
  readonly size: number;
  readonly align: number;
  /**
   * Every field by path: top-level names plus dotted paths into nested structs/unions (`arch.cr2`,
   * `console.domU.mfn`). Arrays are one entry; reach elements with StructView.at / elementOffset.
   */
  readonly fields: ReadonlyMap<string, FieldLayout>;
  /** Top-level field names in declaration order (those present on this ABI). */
  readonly order: readonly string[];
}

function pick<T>(v: PerAbi<T>, abi: Abi): T {
  if (typeof v === 'object' && v !== null && 'x86_64' in v && 'x86_32' in v) return v[abi];
  return v as T;
}

/** Size and in-struct alignment of a scalar on one ABI. */
function scalarInfo(name: ScalarName, abi: Abi): { size: number; align: number } {
  const word = abi === 'x86_64' ? 8 : 4;
  switch (name) {
    case 'u8': case 'i8': case 'char': return { size: 1, align: 1 };
    case 'u16': case 'i16': return { size: 2, align: 2 };
    case 'u32': case 'i32': return { size: 4, align: 4 };
    // i386 SysV: long long is 4-byte aligned as a struct member.
    case 'u64': case 'i64': return { size: 8, align: word === 8 ? 8 : 4 };
    case 'u64_aligned': return { size: 8, align: 8 };
    case 'ulong': case 'xen_ulong': case 'xen_pfn': case 'pointer': case 'handle': return { size: word, align: word };
  }
}

const SIGNED: ReadonlySet<ScalarName> = new Set<ScalarName>(['i8', 'i16', 'i32', 'i64']);

interface Sized { type: ResolvedType; size: number; align: number }

function resolve(t: FieldType, abi: Abi, cache: Map<StructDef, Layout>): Sized {
  switch (t.kind) {
    case 'scalar': {
      const { size, align } = scalarInfo(t.name, abi);
      return { type: { kind: 'scalar', name: t.name, signed: SIGNED.has(t.name) }, size, align };
    }
    case 'array': {
      const el = resolve(t.of, abi, cache);
      const count = pick(t.count, abi);
      return { type: { kind: 'array', of: el.type, count, elemSize: el.size }, size: el.size * count, align: el.align };
    }
    case 'struct': {
      const l = compute(t.def, abi, cache);
      return { type: { kind: 'struct', layout: l }, size: l.size, align: l.align };
    }
    case 'perAbi':
      return resolve(t[abi], abi, cache);
  }
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function compute(def: StructDef, abi: Abi, cache: Map<StructDef, Layout>): Layout {
  const hit = cache.get(def);
  if (hit) return hit;
  if (def.abis && !def.abis.includes(abi)) throw new Error(`${def.name} does not exist on ${abi}`);
  const fields = new Map<string, FieldLayout>();
  const order: string[] = [];
  let cursor = 0;
  let size = 0;
  let align = 1;
  for (const f of def.fields) {
    if (f.abis && !f.abis.includes(abi)) continue;
    const r = resolve(f.type, abi, cache);
    const a = def.packed ? 1 : r.align;
    const offset = def.kind === 'union' ? 0 : alignUp(cursor, a);
    if (fields.has(f.name)) throw new Error(`${def.name}: duplicate field ${f.name}`);
    fields.set(f.name, { offset, size: r.size, type: r.type });
    order.push(f.name);
    if (r.type.kind === 'struct') {
      for (const [sub, fl] of r.type.layout.fields) {
        fields.set(`${f.name}.${sub}`, { offset: offset + fl.offset, size: fl.size, type: fl.type });
      }
    }
    cursor = offset + r.size;
    size = Math.max(size, cursor);
    align = Math.max(align, a);
  }
  const layout: Layout = { name: def.name, abi, size: alignUp(size, align), align, fields, order };
  cache.set(def, layout);
  return layout;
}

const caches: Record<Abi, Map<StructDef, Layout>> = { x86_64: new Map(), x86_32: new Map() };

/** The layout of `def` for one ABI (memoised; declarations are immutable). */
export function layoutOf(def: StructDef, abi: Abi): Layout {
  return compute(def, abi, caches[abi]);
}

/** Absolute offset of element `index` of the array field at `path`. */
export function elementOffset(layout: Layout, path: string, index: number): number {
  const f = fieldOf(layout, path);
  if (f.type.kind !== 'array') throw new Error(`${layout.name}.${path} is not an array`);
  if (!Number.isInteger(index) || index < 0 || index >= f.type.count) {
    throw new RangeError(`${layout.name}.${path}[${index}] out of range (count ${f.type.count})`);
  }
  return f.offset + index * f.type.elemSize;
}

export function fieldOf(layout: Layout, path: string): FieldLayout {
  const f = layout.fields.get(path);
  if (!f) throw new Error(`${layout.name} (${layout.abi}) has no field ${path}`);
  return f;
}

// ---- Typed access over a DataView (little-endian, as on x86). ----

function readScalar(view: DataView, off: number, size: number, signed: boolean): number | bigint {
  switch (size) {
    case 1: return signed ? view.getInt8(off) : view.getUint8(off);
    case 2: return signed ? view.getInt16(off, true) : view.getUint16(off, true);
    case 4: return signed ? view.getInt32(off, true) : view.getUint32(off, true);
    case 8: return signed ? view.getBigInt64(off, true) : view.getBigUint64(off, true);
    default: throw new Error(`unsupported scalar size ${size}`);
  }
}

function writeScalar(view: DataView, off: number, size: number, value: number | bigint): void {
  // Two's-complement truncation to the field width, like a C assignment.
  const big = BigInt.asUintN(size * 8, typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
  switch (size) {
    case 1: view.setUint8(off, Number(big)); return;
    case 2: view.setUint16(off, Number(big), true); return;
    case 4: view.setUint32(off, Number(big), true); return;
    case 8: view.setBigUint64(off, big, true); return;
    default: throw new Error(`unsupported scalar size ${size}`);
  }
}

/** A struct instance at `base` inside `view`. */
export class StructView {
  constructor(readonly layout: Layout, readonly view: DataView, readonly base = 0) {
    if (base < 0 || base + layout.size > view.byteLength) {
      throw new RangeError(`${layout.name} (${layout.size} bytes) at ${base} exceeds view of ${view.byteLength}`);
    }
  }

  static of(def: StructDef, abi: Abi, view: DataView, base = 0): StructView {
    return new StructView(layoutOf(def, abi), view, base);
  }

  private scalarAt(path: string, index?: number): { off: number; size: number; signed: boolean } {
    const f = fieldOf(this.layout, path);
    let t = f.type;
    let off = this.base + f.offset;
    if (index !== undefined) {
      off = this.base + elementOffset(this.layout, path, index);
      if (t.kind !== 'array') throw new Error('unreachable');
      t = t.of;
    }
    if (t.kind !== 'scalar') throw new Error(`${this.layout.name}.${path} is not a scalar`);
    return { off, size: index === undefined ? f.size : scalarInfo(t.name, this.layout.abi).size, signed: t.signed };
  }

  /** Raw value: bigint for 8-byte fields, number otherwise. `index` selects an element of a scalar array. */
  get(path: string, index?: number): number | bigint {
    const s = this.scalarAt(path, index);
    return readScalar(this.view, s.off, s.size, s.signed);
  }

  /** Any integer field widened to bigint: convenient for fields that are 4 or 8 bytes depending on ABI. */
  getBig(path: string, index?: number): bigint {
    const v = this.get(path, index);
    return typeof v === 'bigint' ? v : BigInt(v);
  }

  /** A field of at most 4 bytes, as a number (throws for 8-byte fields to avoid silent precision loss). */
  getNum(path: string, index?: number): number {
    const v = this.get(path, index);
    if (typeof v === 'bigint') throw new TypeError(`${this.layout.name}.${path} is 8 bytes; use getBig`);
    return v;
  }

  /** Store, truncating to the field width (so a 64-bit value into a 32-bit-ABI ulong keeps the low half). */
  set(path: string, value: number | bigint, index?: number): void {
    const s = this.scalarAt(path, index);
    writeScalar(this.view, s.off, s.size, value);
  }

  /** Nested struct field, or element `index` of an array of structs. */
  sub(path: string, index?: number): StructView {
    const f = fieldOf(this.layout, path);
    if (index === undefined) {
      if (f.type.kind !== 'struct') throw new Error(`${this.layout.name}.${path} is not a struct`);
      return new StructView(f.type.layout, this.view, this.base + f.offset);
    }
    if (f.type.kind !== 'array' || f.type.of.kind !== 'struct') {
      throw new Error(`${this.layout.name}.${path} is not an array of structs`);
    }
    return new StructView(f.type.of.layout, this.view, this.base + elementOffset(this.layout, path, index));
  }

  /** The bytes of any field (a copy). */
  bytes(path: string): Uint8Array {
    const f = fieldOf(this.layout, path);
    const start = this.view.byteOffset + this.base + f.offset;
    return new Uint8Array(this.view.buffer.slice(start, start + f.size));
  }

  /** A char array as a string up to the first NUL (latin1, as the ABI strings are ASCII). */
  getString(path: string): string {
    const b = this.bytes(path);
    const end = b.indexOf(0);
    return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('latin1');
  }

  /** Store a NUL-padded string into a char array; throws if it does not fit with its terminator. */
  setString(path: string, s: string): void {
    const f = fieldOf(this.layout, path);
    const src = Buffer.from(s, 'latin1');
    if (src.length >= f.size) throw new RangeError(`${this.layout.name}.${path}: ${src.length}+1 bytes > ${f.size}`);
    const dst = new Uint8Array(this.view.buffer, this.view.byteOffset + this.base + f.offset, f.size);
    dst.fill(0);
    dst.set(src);
  }
}

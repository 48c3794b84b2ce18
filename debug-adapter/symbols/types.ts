/**
 * DWARF type DIEs (DWARF 5 §5) to `TypeInfo`, built on demand and cached by DIE offset. A type's object is
 * cached before its parts are filled in, so self-referential types (a struct with a pointer to itself)
 * come out as cyclic object graphs instead of recursing forever.
 */
import { DW_AT, DW_ATE, DW_TAG } from './constants';
import { attrOf, Block, DebugInfo, Die, Exprloc, intValue, isConstantForm, numValue, Ref } from './info';
import { BaseEncoding, MemberInfo, TypeInfo } from './model';

const VOID: TypeInfo = { kind: 'void' };

export class TypeBuilder {
  private readonly cache = new Map<number, TypeInfo>();
  /** Resolves a declaration-only struct/union/enum to a definition elsewhere (by kind and name). */
  definitionOf?: (kind: string, name: string) => TypeInfo | undefined;

  constructor(private readonly info: DebugInfo, private readonly warnings: string[]) {}

  /** The type a DIE's DW_AT_type names (void when it has none). */
  typeOf(die: Die): TypeInfo {
    const a = this.info.inherited(die, DW_AT.type);
    if (!a || !(a.attr.value instanceof Ref)) return VOID;
    return this.build(a.attr.value.offset);
  }

  build(offset: number): TypeInfo {
    const cached = this.cache.get(offset);
    if (cached) return cached;
    const die = this.info.dieAt(offset);
    if (!die) {
      this.warn(`.debug_info +0x${offset.toString(16)}: type reference to no DIE`);
      const t: TypeInfo = VOID;
      this.cache.set(offset, t);
      return t;
    }
    return this.fromDie(die);
  }

  private warn(m: string): void { if (this.warnings.length < 500) this.warnings.push(m); }

  private fromDie(die: Die): TypeInfo {
    const info = this.info;
    const name = info.name(die);
    const size = numValue(attrOf(die, DW_AT.byte_size));
    const T = DW_TAG;
    const put = <X extends TypeInfo>(t: X): X => { this.cache.set(die.offset, t); return t; };
    switch (die.tag) {
      case T.base_type: {
        const enc = numValue(attrOf(die, DW_AT.encoding)) ?? DW_ATE.signed;
        const encoding: BaseEncoding =
          enc === DW_ATE.boolean ? 'boolean' : enc === DW_ATE.float || enc === DW_ATE.complex_float ? 'float' :
          enc === DW_ATE.signed ? 'signed' : enc === DW_ATE.signed_char ? 'signed-char' :
          enc === DW_ATE.unsigned_char ? 'unsigned-char' : 'unsigned';
        return put({ kind: 'base', name: name ?? '?', size: size ?? 0, encoding });
      }
      case T.unspecified_type: return put({ kind: 'void' });
      case T.pointer_type: case T.reference_type: case T.rvalue_reference_type: case T.ptr_to_member_type: {
        const t = put({ kind: 'pointer', size: size ?? die.unit.addrSize, target: VOID as TypeInfo });
        t.target = this.typeOf(die);
        return t;
      }
      case T.const_type: case T.volatile_type: case T.restrict_type: case T.atomic_type: {
        const qualifier = die.tag === T.const_type ? 'const' : die.tag === T.volatile_type ? 'volatile' :
          die.tag === T.restrict_type ? 'restrict' : 'atomic';
        const t = put({ kind: 'qualified', qualifier, target: VOID as TypeInfo });
        t.target = this.typeOf(die);
        return t;
      }
      case T.typedef: {
        const t = put({ kind: 'typedef', name: name ?? '?', target: VOID as TypeInfo });
        t.target = this.typeOf(die);
        return t;
      }
      case T.structure_type: case T.union_type: {
        const kind = die.tag === T.structure_type ? 'struct' : 'union';
        if (attrOf(die, DW_AT.declaration)?.value === true && name && this.definitionOf) {
          const def = this.definitionOf(kind, name);
          if (def) { this.cache.set(die.offset, def); return def; }
        }
        const t = put({ kind, name, size: size ?? 0, members: [] as MemberInfo[] } as Extract<TypeInfo, { kind: 'struct' | 'union' }>);
        if (attrOf(die, DW_AT.declaration)?.value === true) t.declarationOnly = true;
        // Members are built on first access: a deep web of structs (a kernel's) is never walked eagerly,
        // and building one type never recurses through every type it can reach.
        let members: MemberInfo[] | undefined;
        Object.defineProperty(t, 'members', {
          enumerable: true,
          get: (): MemberInfo[] => {
            if (members) return members;
            members = [];
            try {
              for (const c of die.children) if (c.tag === T.member) members.push(this.member(c, kind === 'union'));
            } catch (e) {
              this.warn(`.debug_info +0x${die.offset.toString(16)}: members of ${kind} ${name ?? '<anonymous>'}: ${(e as Error).message}`);
            }
            return members;
          },
        });
        return t;
      }
      case T.enumeration_type: {
        if (attrOf(die, DW_AT.declaration)?.value === true && name && this.definitionOf) {
          const def = this.definitionOf('enum', name);
          if (def) { this.cache.set(die.offset, def); return def; }
        }
        const t = put({ kind: 'enum', name, size: size ?? 4, signed: false as boolean, enumerators: [] as { name: string; value: bigint }[] });
        const under = attrOf(die, DW_AT.type) ? this.typeOf(die) : undefined;
        const ub = under ? strip(under) : undefined;
        let signed = ub?.kind === 'base' ? ub.encoding === 'signed' || ub.encoding === 'signed-char' : false;
        if (!ub) {
          // No underlying type (DWARF 4 producers): signed if any enumerator is given with a signed form.
          for (const c of die.children) {
            const a = attrOf(c, DW_AT.const_value);
            if (a && typeof a.value === 'bigint' && a.value < 0n) signed = true;
          }
        }
        t.signed = signed;
        for (const c of die.children) {
          if (c.tag !== T.enumerator) continue;
          const v = intValue(attrOf(c, DW_AT.const_value), signed) ?? 0n;
          t.enumerators.push({ name: info.name(c) ?? '?', value: v });
        }
        return t;
      }
      case T.array_type: {
        // Multi-dimensional arrays: one subrange per dimension, outermost first (§5.5).
        const subs = die.children.filter((c) => c.tag === T.subrange_type || c.tag === T.enumeration_type);
        const placeholder = put({ kind: 'array', element: VOID as TypeInfo, count: undefined as number | undefined });
        let element = this.typeOf(die);
        if (subs.length === 0) { placeholder.element = element; return placeholder; }
        for (let i = subs.length - 1; i >= 1; i--) element = { kind: 'array', element, count: this.count(subs[i]) };
        placeholder.element = element;
        placeholder.count = this.count(subs[0]);
        return placeholder;
      }
      case T.subroutine_type: case T.subprogram: {
        const t = put({ kind: 'function', returnType: VOID as TypeInfo, params: [] as TypeInfo[], variadic: false as boolean });
        t.returnType = this.typeOf(die);
        for (const c of die.children) {
          if (c.tag === T.formal_parameter) t.params.push(this.typeOf(c));
          else if (c.tag === T.unspecified_parameters) t.variadic = true;
        }
        return t;
      }
      default:
        this.warn(`.debug_info +0x${die.offset.toString(16)}: tag 0x${die.tag.toString(16)} is not a type; treated as void`);
        return put({ kind: 'void' });
    }
  }

  private count(sub: Die): number | undefined {
    const c = attrOf(sub, DW_AT.count);
    if (c && isConstantForm(c.form)) return numValue(c);
    const ub = attrOf(sub, DW_AT.upper_bound);
    if (!ub || !isConstantForm(ub.form)) return undefined; // flexible, or a VLA bound (an expression or reference)
    const lb = numValue(attrOf(sub, DW_AT.lower_bound), true) ?? 0;
    const u = numValue(ub, true)!;
    // gcc encodes a zero-length array's upper bound as -1 (all ones in an unsigned form).
    const hi = u >= 0xffffffff ? -1 : u;
    return Math.max(0, hi - lb + 1);
  }

  private member(m: Die, inUnion: boolean): MemberInfo {
    const type = this.typeOf(m);
    const out: MemberInfo = { name: this.info.name(m), offset: 0, type };
    const loc = attrOf(m, DW_AT.data_member_location);
    let byteOff = 0;
    if (loc) {
      if (isConstantForm(loc.form)) byteOff = numValue(loc) ?? 0;
      else if (loc.value instanceof Exprloc || loc.value instanceof Block) {
        // DWARF 2 style: a location expression DW_OP_plus_uconst N (§5.7.6 of DWARF 4).
        const b = loc.value.bytes;
        if (b[0] === 0x23) {
          let v = 0, mul = 1;
          for (let i = 1; i < b.length; i++) { v += (b[i] & 0x7f) * mul; mul *= 128; if (!(b[i] & 0x80)) break; }
          byteOff = v;
        }
      }
    } else if (inUnion) byteOff = 0;
    const bitSize = numValue(attrOf(m, DW_AT.bit_size));
    if (bitSize !== undefined) {
      const unitSize = numValue(attrOf(m, DW_AT.byte_size)) ?? sizeOf(type) ?? 4;
      let dataBitOffset: number;
      const dbo = numValue(attrOf(m, DW_AT.data_bit_offset));
      if (dbo !== undefined) dataBitOffset = dbo;
      else {
        // DWARF 2–4 DW_AT_bit_offset counts from the storage unit's most significant bit (§5.7.6 of DWARF 4).
        const bo = numValue(attrOf(m, DW_AT.bit_offset), true) ?? 0;
        dataBitOffset = byteOff * 8 + unitSize * 8 - bo - bitSize;
      }
      const unitBits = Math.max(1, unitSize) * 8;
      let start = Math.floor(dataBitOffset / unitBits) * unitSize;
      // A field straddling its natural unit (packed structs) is described from the byte it starts in.
      if (dataBitOffset - start * 8 + bitSize > unitBits) start = Math.floor(dataBitOffset / 8);
      out.offset = start;
      out.bitSize = bitSize;
      out.bitOffset = dataBitOffset - start * 8;
    } else out.offset = byteOff;
    return out;
  }
}

/** The type without typedefs and qualifiers. */
export function strip(t: TypeInfo): TypeInfo {
  for (let i = 0; i < 64 && (t.kind === 'typedef' || t.kind === 'qualified'); i++) t = t.target;
  return t;
}

/** sizeof(t) in bytes, or undefined for incomplete types (void, flexible arrays, functions). */
export function sizeOf(t: TypeInfo, depth = 0): number | undefined {
  if (depth > 64) return undefined;
  switch (t.kind) {
    case 'void': case 'function': return undefined;
    case 'base': case 'pointer': case 'struct': case 'union': case 'enum': return t.size;
    case 'typedef': case 'qualified': return sizeOf(t.target, depth + 1);
    case 'array': {
      if (t.count === undefined) return undefined;
      const e = sizeOf(t.element, depth + 1);
      return e === undefined ? undefined : e * t.count;
    }
  }
}

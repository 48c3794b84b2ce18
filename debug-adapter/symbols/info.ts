/**
 * .debug_info / .debug_abbrev: unit headers (DWARF 2–5, 32- and 64-bit), abbreviation tables, attribute
 * forms (DWARF 5 §7.5.6) and the DIE tree. Units are indexed eagerly from their headers and root DIEs;
 * the full DIE tree of a unit is parsed on first use. Also the string, address, range and location-list
 * section accessors that attribute values need (§7.26–7.29 for the DWARF 5 `*_base` offset tables).
 */
import { DW_AT, DW_FORM, DW_TAG, DW_UT } from './constants';
import { DwarfFormatError, Reader, readInitialLength, stringAt } from './reader';

export interface DebugSections {
  info?: Uint8Array; abbrev?: Uint8Array; str?: Uint8Array; lineStr?: Uint8Array; strOffsets?: Uint8Array;
  addr?: Uint8Array; rnglists?: Uint8Array; loclists?: Uint8Array; ranges?: Uint8Array; loc?: Uint8Array;
  line?: Uint8Array; frame?: Uint8Array; ehFrame?: Uint8Array; ehFrameAddr?: bigint;
}

/** An attribute value that needs the unit's `*_base` attributes to resolve (DW_FORM_strx*, addrx*, …). */
export class Indexed {
  constructor(readonly kind: 'strx' | 'addrx' | 'rnglistx' | 'loclistx', readonly index: number) {}
}
/** A reference to another DIE, as an absolute .debug_info offset. */
export class Ref { constructor(readonly offset: number) {} }
/** DW_FORM_sec_offset: an offset into the section the attribute implies (line, ranges, loclists …). */
export class SecOffset { constructor(readonly offset: number) {} }
/** DW_FORM_exprloc: a DWARF expression. */
export class Exprloc { constructor(readonly bytes: Uint8Array) {} }
/** DW_FORM_block*: uninterpreted bytes (a DWARF 2/3 location expression, or a constant's bytes). */
export class Block { constructor(readonly bytes: Uint8Array) {} }

export type AttrValue = number | bigint | string | boolean | Uint8Array | Indexed | Ref | SecOffset | Exprloc | Block | undefined;

export interface Attr { at: number; form: number; value: AttrValue }

export interface Die {
  offset: number;
  tag: number;
  attrs: Attr[];
  children: Die[];
  parent: Die | undefined;
  unit: Unit;
}

interface AbbrevSpec { at: number; form: number; implicit?: bigint }
interface Abbrev { tag: number; hasChildren: boolean; specs: AbbrevSpec[] }

export interface Unit {
  offset: number;
  end: number;
  version: number;
  unitType: number;
  offsetSize: number;
  addrSize: number;
  abbrevs: Map<number, Abbrev>;
  firstDie: number;
  root: Die | undefined;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  loclistsBase: number;
  /** The unit's base address for ranges and location lists (DW_AT_low_pc of the unit DIE, §3.1.1). */
  baseAddress: bigint;
  compDir: string;
  name: string;
  /** Parsed on demand; `treeParsed` once attempted. */
  treeParsed: boolean;
}

export function attrOf(die: Die, at: number): Attr | undefined {
  for (const a of die.attrs) if (a.at === at) return a;
  return undefined;
}

/** Constant forms whose value is an integer. */
export function isConstantForm(form: number): boolean {
  return form === DW_FORM.data1 || form === DW_FORM.data2 || form === DW_FORM.data4 || form === DW_FORM.data8 ||
    form === DW_FORM.sdata || form === DW_FORM.udata || form === DW_FORM.implicit_const;
}

/** An integer attribute value; `signed` sign-extends fixed-size data forms (§7.5.5: their signedness is the consumer's). */
export function intValue(a: Attr | undefined, signed = false): bigint | undefined {
  if (!a) return undefined;
  const v = a.value;
  if (typeof v === 'number' || typeof v === 'bigint') {
    const b = BigInt(v);
    if (!signed) return b;
    switch (a.form) {
      case DW_FORM.data1: return BigInt.asIntN(8, b);
      case DW_FORM.data2: return BigInt.asIntN(16, b);
      case DW_FORM.data4: return BigInt.asIntN(32, b);
      case DW_FORM.data8: return BigInt.asIntN(64, b);
      default: return b;
    }
  }
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return undefined;
}

export function numValue(a: Attr | undefined, signed = false): number | undefined {
  const b = intValue(a, signed);
  return b === undefined ? undefined : Number(b);
}

export class DebugInfo {
  readonly units: Unit[] = [];
  private readonly abbrevCache = new Map<number, Map<number, Abbrev>>();
  private readonly dieByOffset = new Map<number, Die>();

  constructor(readonly sec: DebugSections, readonly warnings: string[], readonly defaultAddrSize: number) {
    this.indexUnits();
  }

  private warn(msg: string): void { if (this.warnings.length < 500) this.warnings.push(msg); }

  private indexUnits(): void {
    const info = this.sec.info;
    if (!info) return;
    let off = 0;
    while (off + 11 <= info.length) {
      const r = new Reader(info, off, info.length, '.debug_info');
      let unit: Unit;
      try {
        const { length, offsetSize } = readInitialLength(r);
        const end = r.pos + length;
        if (length === 0 || end > info.length) {
          this.warn(`.debug_info +0x${off.toString(16)}: unit length 0x${length.toString(16)} runs past the section (0x${info.length.toString(16)})`);
          if (length === 0) break;
        }
        const version = r.u16();
        let unitType: number = DW_UT.compile, addrSize: number, abbrevOff: number;
        if (version >= 5) {
          unitType = r.u8(); addrSize = r.u8(); abbrevOff = r.offset(offsetSize);
          if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) r.u64();
          else if (unitType === DW_UT.type || unitType === DW_UT.split_type) { r.u64(); r.offset(offsetSize); }
        } else if (version >= 2) {
          abbrevOff = r.offset(offsetSize); addrSize = r.u8();
        } else {
          this.warn(`.debug_info +0x${off.toString(16)}: unsupported DWARF version ${version}; unit skipped`);
          off = end; continue;
        }
        if (addrSize !== 4 && addrSize !== 8) {
          this.warn(`.debug_info +0x${off.toString(16)}: address size ${addrSize} not supported; unit skipped`);
          off = end; continue;
        }
        unit = {
          offset: off, end: Math.min(end, info.length), version, unitType, offsetSize, addrSize,
          abbrevs: this.abbrevTable(abbrevOff), firstDie: r.pos, root: undefined,
          strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0, loclistsBase: 0, baseAddress: 0n, compDir: '', name: '',
          treeParsed: false,
        };
        off = end;
      } catch (e) {
        this.warn(`.debug_info +0x${off.toString(16)}: ${(e as Error).message}`);
        break;
      }
      this.units.push(unit);
      try {
        const rr = new Reader(info, unit.firstDie, unit.end, '.debug_info');
        const root = this.readDie(rr, unit, undefined);
        if (root) {
          unit.root = root;
          // The *_base attributes must be known before strx/addrx values of the unit resolve (§3.1.1).
          unit.strOffsetsBase = numValue(attrOf(root, DW_AT.str_offsets_base)) ?? secOff(root, DW_AT.str_offsets_base) ?? (unit.version >= 5 ? 8 : 0);
          unit.addrBase = secOff(root, DW_AT.addr_base) ?? (unit.version >= 5 ? 8 : 0);
          unit.rnglistsBase = secOff(root, DW_AT.rnglists_base) ?? 0;
          unit.loclistsBase = secOff(root, DW_AT.loclists_base) ?? 0;
          const low = attrOf(root, DW_AT.low_pc);
          unit.baseAddress = low ? (this.address(unit, low.value) ?? 0n) : 0n;
          unit.compDir = this.str(unit, attrOf(root, DW_AT.comp_dir)?.value) ?? '';
          unit.name = this.str(unit, attrOf(root, DW_AT.name)?.value) ?? '';
        }
      } catch (e) {
        this.warn(`.debug_info unit +0x${unit.offset.toString(16)}: ${(e as Error).message}; no DIEs for this unit`);
        unit.treeParsed = true;
      }
    }
  }

  private abbrevTable(offset: number): Map<number, Abbrev> {
    const cached = this.abbrevCache.get(offset);
    if (cached) return cached;
    const table = new Map<number, Abbrev>();
    this.abbrevCache.set(offset, table);
    const sec = this.sec.abbrev;
    if (!sec || offset >= sec.length) {
      this.warn(`.debug_abbrev +0x${offset.toString(16)}: offset out of range`);
      return table;
    }
    const r = new Reader(sec, offset, sec.length, '.debug_abbrev');
    try {
      for (;;) {
        const code = r.uleb();
        if (code === 0) break;
        const tag = r.uleb();
        const hasChildren = r.u8() !== 0;
        const specs: AbbrevSpec[] = [];
        for (;;) {
          const at = r.uleb(), form = r.uleb();
          if (at === 0 && form === 0) break;
          const spec: AbbrevSpec = { at, form };
          if (form === DW_FORM.implicit_const) spec.implicit = r.slebBig();
          specs.push(spec);
        }
        table.set(code, { tag, hasChildren, specs });
      }
    } catch (e) {
      this.warn(`${(e as Error).message} (abbrev table at 0x${offset.toString(16)})`);
    }
    return table;
  }

  /** Reads one DIE (attributes only, not children). Returns undefined for a null entry. */
  private readDie(r: Reader, unit: Unit, parent: Die | undefined): (Die & { hasChildren: boolean }) | undefined {
    const offset = r.pos;
    const code = r.uleb();
    if (code === 0) return undefined;
    const ab = unit.abbrevs.get(code);
    if (!ab) r.fail(offset, `abbrev code ${code} not in the unit's table`);
    const attrs: Attr[] = new Array(ab.specs.length);
    for (let i = 0; i < ab.specs.length; i++) {
      const s = ab.specs[i];
      attrs[i] = { at: s.at, form: s.form, value: this.readForm(r, unit, s.form, s.implicit) };
    }
    const die = { offset, tag: ab.tag, attrs, children: [] as Die[], parent, unit, hasChildren: ab.hasChildren };
    this.dieByOffset.set(offset, die);
    return die;
  }

  private readForm(r: Reader, unit: Unit, form: number, implicit?: bigint, depth = 0): AttrValue {
    const F = DW_FORM;
    switch (form) {
      case F.addr: return r.uN(unit.addrSize);
      case F.block1: return new Block(r.bytes(r.u8()));
      case F.block2: return new Block(r.bytes(r.u16()));
      case F.block4: return new Block(r.bytes(r.u32()));
      case F.block: return new Block(r.bytes(r.uleb()));
      case F.exprloc: return new Exprloc(r.bytes(r.uleb()));
      case F.data1: return r.u8();
      case F.data2: return r.u16();
      case F.data4: return r.u32();
      case F.data8: return r.u64();
      case F.data16: return r.bytes(16);
      case F.sdata: return r.slebBig();
      case F.udata: return r.ulebBig();
      case F.implicit_const: return implicit ?? 0n;
      case F.string: return r.cstr();
      case F.strp: return stringAt(this.sec.str, r.offset(unit.offsetSize));
      case F.line_strp: return stringAt(this.sec.lineStr, r.offset(unit.offsetSize));
      case F.strp_sup: case F.GNU_strp_alt: r.offset(unit.offsetSize); return undefined;
      case F.strx: case F.GNU_str_index: return new Indexed('strx', r.uleb());
      case F.strx1: return new Indexed('strx', r.u8());
      case F.strx2: return new Indexed('strx', r.u16());
      case F.strx3: { const lo = r.u16(); return new Indexed('strx', lo | (r.u8() << 16)); }
      case F.strx4: return new Indexed('strx', r.u32());
      case F.addrx: case F.GNU_addr_index: return new Indexed('addrx', r.uleb());
      case F.addrx1: return new Indexed('addrx', r.u8());
      case F.addrx2: return new Indexed('addrx', r.u16());
      case F.addrx3: { const lo = r.u16(); return new Indexed('addrx', lo | (r.u8() << 16)); }
      case F.addrx4: return new Indexed('addrx', r.u32());
      case F.loclistx: return new Indexed('loclistx', r.uleb());
      case F.rnglistx: return new Indexed('rnglistx', r.uleb());
      case F.flag: return r.u8() !== 0;
      case F.flag_present: return true;
      case F.ref1: return new Ref(unit.offset + r.u8());
      case F.ref2: return new Ref(unit.offset + r.u16());
      case F.ref4: return new Ref(unit.offset + r.u32());
      case F.ref8: return new Ref(unit.offset + r.u64n());
      case F.ref_udata: return new Ref(unit.offset + r.uleb());
      // DWARF 2 ref_addr is address-sized, later versions offset-sized (§7.5.4).
      case F.ref_addr: return new Ref(unit.version <= 2 ? Number(r.uN(unit.addrSize)) : r.offset(unit.offsetSize));
      case F.ref_sig8: return r.u64();
      case F.ref_sup4: r.u32(); return undefined;
      case F.ref_sup8: r.u64(); return undefined;
      case F.GNU_ref_alt: r.offset(unit.offsetSize); return undefined;
      case F.sec_offset: return new SecOffset(r.offset(unit.offsetSize));
      case F.indirect: {
        if (depth > 4) r.fail(r.pos, 'DW_FORM_indirect loop');
        return this.readForm(r, unit, r.uleb(), implicit, depth + 1);
      }
      default:
        return r.fail(r.pos, `unknown attribute form 0x${form.toString(16)}`);
    }
  }

  /** The unit's DIE tree (parsed once). On malformed input the tree is cut where the problem is. */
  tree(unit: Unit): Die | undefined {
    if (unit.treeParsed || !unit.root) return unit.root;
    unit.treeParsed = true;
    const info = this.sec.info!;
    const root = unit.root as Die & { hasChildren?: boolean };
    if (!root.hasChildren) return root;
    const r = new Reader(info, unit.firstDie, unit.end, '.debug_info');
    try {
      // Re-read the root to position after it, then iterate children with an explicit stack.
      const again = this.readDie(r, unit, undefined);
      if (!again) return root;
      this.dieByOffset.set(root.offset, root);
      const stack: Die[] = [root];
      while (stack.length > 0 && !r.atEnd) {
        const parent = stack[stack.length - 1];
        const d = this.readDie(r, unit, parent);
        if (!d) { stack.pop(); continue; }
        parent.children.push(d);
        if (d.hasChildren) stack.push(d);
      }
    } catch (e) {
      this.warn(`.debug_info unit +0x${unit.offset.toString(16)}: ${(e as Error).message}; DIE tree cut there`);
    }
    return root;
  }

  /** The DIE at an absolute .debug_info offset (parsing its unit if needed). */
  dieAt(offset: number): Die | undefined {
    const d = this.dieByOffset.get(offset);
    if (d) return d;
    const unit = this.unitContaining(offset);
    if (!unit || unit.treeParsed) return undefined;
    this.tree(unit);
    return this.dieByOffset.get(offset);
  }

  unitContaining(offset: number): Unit | undefined {
    let lo = 0, hi = this.units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.units[mid];
      if (offset < u.offset) hi = mid - 1;
      else if (offset >= u.end) lo = mid + 1;
      else return u;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- value resolution

  str(unit: Unit, v: AttrValue): string | undefined {
    if (typeof v === 'string') return v;
    if (v instanceof Indexed && v.kind === 'strx') {
      const so = this.sec.strOffsets;
      const at = unit.strOffsetsBase + v.index * unit.offsetSize;
      if (!so || at + unit.offsetSize > so.length) return undefined;
      const r = new Reader(so, at, so.length, '.debug_str_offsets');
      return stringAt(this.sec.str, r.offset(unit.offsetSize));
    }
    return undefined;
  }

  address(unit: Unit, v: AttrValue): bigint | undefined {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') return BigInt(v);
    if (v instanceof Indexed && v.kind === 'addrx') return this.addrIndex(unit, v.index);
    return undefined;
  }

  /** Entry `index` of the unit's .debug_addr table (§7.27). */
  addrIndex(unit: Unit, index: number): bigint | undefined {
    const sec = this.sec.addr;
    const at = unit.addrBase + index * unit.addrSize;
    if (!sec || at + unit.addrSize > sec.length) {
      this.warn(`.debug_addr +0x${at.toString(16)}: index ${index} out of range`);
      return undefined;
    }
    return new Reader(sec, at, sec.length, '.debug_addr').uN(unit.addrSize);
  }

  name(die: Die): string | undefined {
    return this.str(die.unit, attrOf(die, DW_AT.name)?.value);
  }

  /** An attribute of the DIE or, failing that, of its DW_AT_abstract_origin / DW_AT_specification chain. */
  inherited(die: Die, at: number): { attr: Attr; die: Die } | undefined {
    let d: Die | undefined = die;
    for (let i = 0; d && i < 8; i++) {
      const a = attrOf(d, at);
      if (a) return { attr: a, die: d };
      const o: Attr | undefined = attrOf(d, DW_AT.abstract_origin) ?? attrOf(d, DW_AT.specification);
      d = o && o.value instanceof Ref ? this.dieAt(o.value.offset) : undefined;
    }
    return undefined;
  }

  inheritedName(die: Die): string | undefined {
    const a = this.inherited(die, DW_AT.name);
    return a ? this.str(a.die.unit, a.attr.value) : undefined;
  }

  refTarget(die: Die, at: number): Die | undefined {
    const a = attrOf(die, at);
    return a && a.value instanceof Ref ? this.dieAt(a.value.offset) : undefined;
  }

  /** The address ranges of a DIE: low_pc/high_pc (§2.17.2) or DW_AT_ranges (§2.17.3). */
  ranges(die: Die): [bigint, bigint][] {
    const unit = die.unit;
    const low = attrOf(die, DW_AT.low_pc);
    const high = attrOf(die, DW_AT.high_pc);
    if (low && high) {
      const lo = this.address(unit, low.value);
      if (lo === undefined) return [];
      // A constant-class high_pc is the length (§2.17.2).
      const hi = isConstantForm(high.form) ? lo + (intValue(high) ?? 0n) : this.address(unit, high.value);
      return hi !== undefined && hi > lo ? [[lo, hi]] : [];
    }
    const rg = attrOf(die, DW_AT.ranges);
    if (rg) return this.rangeList(unit, rg.value, die.tag === DW_TAG.compile_unit);
    if (low && die.tag !== DW_TAG.compile_unit) {
      const lo = this.address(unit, low.value);
      return lo !== undefined ? [[lo, lo + 1n]] : [];
    }
    return [];
  }

  private rangeList(unit: Unit, v: AttrValue, isUnit: boolean): [bigint, bigint][] {
    const out: [bigint, bigint][] = [];
    try {
      if (unit.version >= 5) {
        const sec = this.sec.rnglists;
        if (!sec) return out;
        let off: number;
        if (v instanceof Indexed) {
          off = unit.rnglistsBase + this.offsetEntry(sec, unit.rnglistsBase + v.index * unit.offsetSize, unit.offsetSize, '.debug_rnglists');
        } else if (v instanceof SecOffset) off = v.offset;
        else if (typeof v === 'number' || typeof v === 'bigint') off = Number(v);
        else return out;
        // A unit's own ranges use base 0 until a base_address entry (§2.17.3: no base for the unit DIE itself).
        let base = isUnit ? 0n : unit.baseAddress;
        const r = new Reader(sec, off, sec.length, '.debug_rnglists');
        for (let n = 0; n < 100000; n++) {
          const kind = r.u8();
          switch (kind) {
            case 0: return out; // DW_RLE_end_of_list
            case 1: base = this.addrIndex(unit, r.uleb()) ?? 0n; break; // base_addressx
            case 2: { const s = this.addrIndex(unit, r.uleb()), e = this.addrIndex(unit, r.uleb()); if (s !== undefined && e !== undefined) out.push([s, e]); break; }
            case 3: { const s = this.addrIndex(unit, r.uleb()), l = r.ulebBig(); if (s !== undefined) out.push([s, s + l]); break; }
            case 4: { const s = r.ulebBig(), e = r.ulebBig(); out.push([base + s, base + e]); break; }
            case 5: base = r.uN(unit.addrSize); break;
            case 6: { const s = r.uN(unit.addrSize), e = r.uN(unit.addrSize); out.push([s, e]); break; }
            case 7: { const s = r.uN(unit.addrSize), l = r.ulebBig(); out.push([s, s + l]); break; }
            default: r.fail(r.pos - 1, `unknown range list entry kind ${kind}`);
          }
        }
        return out;
      }
      // DWARF 2–4 .debug_ranges: address pairs, (0, 0) ends, (max, base) selects a base (§2.17.3 of DWARF 4).
      const sec = this.sec.ranges;
      if (!sec || !(v instanceof SecOffset || typeof v === 'number' || typeof v === 'bigint')) return out;
      const off = v instanceof SecOffset ? v.offset : Number(v);
      const r = new Reader(sec, off, sec.length, '.debug_ranges');
      const max = (1n << BigInt(unit.addrSize * 8)) - 1n;
      let base = isUnit ? 0n : unit.baseAddress;
      for (let n = 0; n < 100000; n++) {
        const s = r.uN(unit.addrSize), e = r.uN(unit.addrSize);
        if (s === 0n && e === 0n) break;
        if (s === max) { base = e; continue; }
        out.push([base + s, base + e]);
      }
    } catch (e) {
      this.warn(`${(e as Error).message} (range list of unit +0x${unit.offset.toString(16)})`);
    }
    return out.filter(([s, e]) => e > s);
  }

  private offsetEntry(sec: Uint8Array, at: number, size: number, what: string): number {
    return new Reader(sec, at, sec.length, what).offset(size);
  }

  /**
   * A location attribute as a list of (range, expression) entries; `undefined` range = valid everywhere
   * (a single expression, or a default location entry). Handles exprloc/block, .debug_loclists and .debug_loc.
   */
  locationList(unit: Unit, a: Attr): { range?: [bigint, bigint]; expr: Uint8Array }[] {
    const v = a.value;
    if (v instanceof Exprloc || v instanceof Block) return [{ expr: v.bytes }];
    if (v instanceof Uint8Array) return [{ expr: v }];
    const out: { range?: [bigint, bigint]; expr: Uint8Array }[] = [];
    try {
      if (unit.version >= 5) {
        const sec = this.sec.loclists;
        if (!sec) return out;
        let off: number;
        if (v instanceof Indexed) off = unit.loclistsBase + this.offsetEntry(sec, unit.loclistsBase + v.index * unit.offsetSize, unit.offsetSize, '.debug_loclists');
        else if (v instanceof SecOffset) off = v.offset;
        else if (typeof v === 'number' || typeof v === 'bigint') off = Number(v);
        else return out;
        let base = unit.baseAddress;
        const r = new Reader(sec, off, sec.length, '.debug_loclists');
        const expr = () => r.bytes(r.uleb());
        for (let n = 0; n < 100000; n++) {
          const kind = r.u8();
          switch (kind) {
            case 0: return out; // DW_LLE_end_of_list
            case 1: base = this.addrIndex(unit, r.uleb()) ?? 0n; break; // base_addressx
            case 2: { const s = this.addrIndex(unit, r.uleb()) ?? 0n, e = this.addrIndex(unit, r.uleb()) ?? 0n; out.push({ range: [s, e], expr: expr() }); break; }
            case 3: { const s = this.addrIndex(unit, r.uleb()) ?? 0n, l = r.ulebBig(); out.push({ range: [s, s + l], expr: expr() }); break; }
            case 4: { const s = r.ulebBig(), e = r.ulebBig(); out.push({ range: [base + s, base + e], expr: expr() }); break; }
            case 5: out.push({ expr: expr() }); break; // default_location
            case 6: base = r.uN(unit.addrSize); break;
            case 7: { const s = r.uN(unit.addrSize), e = r.uN(unit.addrSize); out.push({ range: [s, e], expr: expr() }); break; }
            case 8: { const s = r.uN(unit.addrSize), l = r.ulebBig(); out.push({ range: [s, s + l], expr: expr() }); break; }
            default: r.fail(r.pos - 1, `unknown location list entry kind ${kind}`);
          }
        }
        return out;
      }
      const sec = this.sec.loc;
      if (!sec || !(v instanceof SecOffset || typeof v === 'number' || typeof v === 'bigint')) return out;
      const off = v instanceof SecOffset ? v.offset : Number(v);
      const r = new Reader(sec, off, sec.length, '.debug_loc');
      const max = (1n << BigInt(unit.addrSize * 8)) - 1n;
      let base = unit.baseAddress;
      for (let n = 0; n < 100000; n++) {
        const s = r.uN(unit.addrSize), e = r.uN(unit.addrSize);
        if (s === 0n && e === 0n) break;
        if (s === max) { base = e; continue; }
        out.push({ range: [base + s, base + e], expr: r.bytes(r.u16()) });
      }
    } catch (e) {
      this.warn(`${(e as Error).message} (location list of unit +0x${unit.offset.toString(16)})`);
    }
    return out;
  }
}

function secOff(die: Die, at: number): number | undefined {
  const a = attrOf(die, at);
  if (!a) return undefined;
  if (a.value instanceof SecOffset) return a.value.offset;
  if (typeof a.value === 'number') return a.value;
  if (typeof a.value === 'bigint') return Number(a.value);
  return undefined;
}

export { DwarfFormatError };

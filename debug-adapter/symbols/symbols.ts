/**
 * `GuestSymbols` over one ELF image: ties the ELF reader, the DWARF unit/DIE reader, line tables, types, the
 * expression evaluator and CFI together. Line tables and unit headers are read at load; a unit's DIE tree,
 * its function index and types are built when first needed. Nothing here throws on malformed input: lookups
 * degrade and problems are in `warnings`.
 */
import { CallFrameInfo, computeCfa, RegRule } from './cfi';
import { DW_AT, DW_TAG } from './constants';
import { parseElf, ElfImage, ElfSection, ElfSymbolEntry } from './elf';
import { evaluateLocation, evaluateValue, ExprContext } from './expr';
import { attrOf, Block, DebugInfo, DebugSections, Die, Exprloc, intValue, numValue, SecOffset, Unit } from './info';
import { LineProgram, parseLineProgram } from './line';
import { LineIndex } from './line-index';
import {
  Arch, FrameContext, FunctionInfo, GuestSymbols, InlinedFrame, SourceLocation, TypeInfo, UnwoundFrame, ValueLocation,
  VariableInfo,
} from './model';
import { archRegisters, calleeSaved } from './registers';
import { strip, TypeBuilder } from './types';

interface FuncEntry { die: Die; ranges: [bigint, bigint][]; info: FunctionInfo | undefined }
interface UnitIndex { functions: FuncEntry[]; line?: LineProgram }

const SCOPE_TAGS = new Set<number>([DW_TAG.lexical_block, DW_TAG.inlined_subroutine]);
const VAR_TAGS = new Set<number>([DW_TAG.variable, DW_TAG.formal_parameter]);
const STT_FUNC = 2, STT_OBJECT = 1, STT_NOTYPE = 0;
const SHF_ALLOC = 0x2n;

export class ElfDwarfSymbols implements GuestSymbols {
  arch: Arch;
  readonly hasDebugInfo: boolean;
  readonly warnings: string[] = [];

  private readonly elf: ElfImage | undefined;
  private readonly info: DebugInfo;
  private readonly lines: LineIndex;
  private readonly linePrograms = new Map<Unit, LineProgram>();
  private readonly cfi: CallFrameInfo;
  private readonly types: TypeBuilder;
  private readonly unitIndex = new Map<Unit, UnitIndex>();
  private readonly unitRanges: { unit: Unit; ranges: [bigint, bigint][] }[] = [];
  private addrSize: number;
  private regs: ReturnType<typeof archRegisters>;
  private sortedSymbols: ElfSymbolEntry[] | undefined;
  private symbolsByName: Map<string, ElfSymbolEntry> | undefined;
  private namedTypes: Map<string, Die[]> | undefined;
  private globalVars: VariableInfo[] | undefined;
  private functionsByName: Map<string, FuncEntry> | undefined;
  private allIndexed = false;

  constructor(bytes: Uint8Array, readonly path: string) {
    let elf: ElfImage | undefined;
    try {
      elf = parseElf(bytes, this.warnings);
    } catch (e) {
      this.warnings.push(`${path}: ${(e as Error).message}`);
    }
    this.elf = elf;
    this.arch = elf?.arch ?? 'x86_64';
    this.regs = archRegisters(this.arch);
    this.addrSize = this.regs.addrSize;
    const d = (n: string) => { const s = elf?.section(n); return s && s.data.length > 0 ? s.data : undefined; };
    const eh = elf?.section('.eh_frame');
    const sec: DebugSections = {
      info: d('.debug_info'), abbrev: d('.debug_abbrev'), str: d('.debug_str'), lineStr: d('.debug_line_str'),
      strOffsets: d('.debug_str_offsets'), addr: d('.debug_addr'), rnglists: d('.debug_rnglists'),
      loclists: d('.debug_loclists'), ranges: d('.debug_ranges'), loc: d('.debug_loc'), line: d('.debug_line'),
      frame: d('.debug_frame'), ehFrame: d('.eh_frame'), ehFrameAddr: eh?.addr,
    };
    this.hasDebugInfo = !!(sec.info && sec.line);
    this.info = new DebugInfo(sec, this.warnings, this.addrSize);
    // An ELF32 container of 64-bit code (objcopy -O elf32-i386 of an hvm64 image) keeps 8-byte DWARF addresses.
    const dwarfAddrSize = this.info.units[0]?.addrSize;
    if (dwarfAddrSize && dwarfAddrSize !== this.addrSize) {
      this.arch = dwarfAddrSize === 8 ? 'x86_64' : 'i386';
      this.regs = archRegisters(this.arch);
      this.addrSize = this.regs.addrSize;
    }
    this.types = new TypeBuilder(this.info, this.warnings);
    this.types.definitionOf = (kind, name) => this.completeType(kind, name);

    const programs: LineProgram[] = [];
    const byOffset = new Map<number, LineProgram | undefined>();
    for (const u of this.info.units) {
      if (!u.root) continue;
      this.unitRanges.push({ unit: u, ranges: this.info.ranges(u.root) });
      const sl = attrOf(u.root, DW_AT.stmt_list);
      if (!sl || !sec.line) continue;
      const off = sl.value instanceof SecOffset ? sl.value.offset : numValue(sl);
      if (off === undefined) continue;
      if (!byOffset.has(off)) {
        const p = off < sec.line.length
          ? parseLineProgram(sec.line, off, u.addrSize, u.compDir, { str: sec.str, lineStr: sec.lineStr }, this.warnings)
          : (this.warnings.push(`.debug_line +0x${off.toString(16)}: DW_AT_stmt_list out of range`), undefined);
        byOffset.set(off, p);
        if (p) programs.push(p);
      }
      const p = byOffset.get(off);
      if (p) this.linePrograms.set(u, p);
    }
    this.lines = new LineIndex(programs);

    this.cfi = new CallFrameInfo(this.addrSize, this.warnings);
    if (sec.frame) this.cfi.add(sec.frame, false, 0n);
    if (sec.ehFrame) this.cfi.add(sec.ehFrame, true, sec.ehFrameAddr ?? 0n);
  }

  // ------------------------------------------------------------------ lines

  sourceAt(address: bigint): SourceLocation | undefined {
    return this.guard(() => this.lines.sourceAt(address), undefined);
  }

  resolveLine(file: string, line: number): { line: number; addresses: bigint[] } | undefined {
    return this.guard(() => {
      const rows = this.lines.stmtRows(this.lines.matchFiles(file));
      let best: number | undefined;
      for (const l of rows.keys()) if (l >= line && (best === undefined || l < best)) best = l;
      if (best === undefined) return undefined;
      // One address per function (or inlined instance): the lowest statement row of the line in it.
      const byFunc = new Map<string, bigint>();
      for (const { address } of rows.get(best)!) {
        const f = this.functionAt(address);
        const inl = this.inlinedAt(address)[0];
        const key = `${f?.low ?? address}:${inl ? `${inl.name}@${inl.callSite?.line}` : ''}`;
        const prev = byFunc.get(key);
        if (prev === undefined || address < prev) byFunc.set(key, address);
      }
      return { line: best, addresses: [...new Set(byFunc.values())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
    }, undefined);
  }

  breakpointLines(file: string, startLine: number, endLine: number): { line: number; column: number }[] {
    return this.guard(() => {
      const rows = this.lines.stmtRows(this.lines.matchFiles(file));
      const out: { line: number; column: number }[] = [];
      for (const [l, rs] of rows) {
        if (l < startLine || l > endLine) continue;
        out.push({ line: l, column: Math.min(...rs.map((r) => r.column || Infinity)) === Infinity ? 0 : Math.min(...rs.map((r) => r.column || Infinity)) });
      }
      return out.sort((a, b) => a.line - b.line);
    }, []);
  }

  lineRangeAt(address: bigint): { start: bigint; end: bigint; location: SourceLocation } | undefined {
    return this.guard(() => this.lines.lineRangeAt(address), undefined);
  }

  sourceFiles(): string[] { return this.guard(() => this.lines.sourceFiles(), []); }

  // ------------------------------------------------------------------ functions

  private indexOf(unit: Unit): UnitIndex {
    let idx = this.unitIndex.get(unit);
    if (idx) return idx;
    idx = { functions: [], line: this.linePrograms.get(unit) };
    this.unitIndex.set(unit, idx);
    const root = this.info.tree(unit);
    if (!root) return idx;
    const walk = (d: Die, depth: number) => {
      if (depth > 64) return;
      for (const c of d.children) {
        if (c.tag === DW_TAG.subprogram) {
          const ranges = this.info.ranges(c);
          if (ranges.length > 0) idx!.functions.push({ die: c, ranges, info: undefined });
        }
        if (c.tag === DW_TAG.subprogram || c.tag === DW_TAG.namespace || c.tag === DW_TAG.lexical_block) walk(c, depth + 1);
      }
    };
    walk(root, 0);
    return idx;
  }

  private unitsAt(address: bigint): Unit[] {
    const out: Unit[] = [];
    for (const { unit, ranges } of this.unitRanges) if (ranges.some(([s, e]) => address >= s && address < e)) out.push(unit);
    return out;
  }

  private indexAll(): void {
    if (this.allIndexed) return;
    this.allIndexed = true;
    for (const u of this.info.units) this.indexOf(u);
  }

  private funcEntryAt(address: bigint): FuncEntry | undefined {
    let best: FuncEntry | undefined, bestSize = 0n;
    const consider = (units: Iterable<Unit>) => {
      for (const u of units) {
        for (const f of this.indexOf(u).functions) {
          for (const [s, e] of f.ranges) {
            if (address >= s && address < e && (!best || e - s < bestSize)) { best = f; bestSize = e - s; }
          }
        }
      }
    };
    consider(this.unitsAt(address));
    if (!best) {
      // Units without (correct) ranges: fall back to all of them.
      this.indexAll();
      consider(this.unitIndex.keys());
    }
    return best;
  }

  private funcInfo(f: FuncEntry): FunctionInfo {
    if (f.info) return f.info;
    const die = f.die;
    const name = this.info.inheritedName(die) ?? `<function at 0x${f.ranges[0][0].toString(16)}>`;
    const lowAttr = attrOf(die, DW_AT.low_pc) ?? attrOf(die, DW_AT.entry_pc);
    const entry = lowAttr ? this.info.address(die.unit, lowAttr.value) : undefined;
    const r = f.ranges.find(([s, e]) => entry !== undefined && entry >= s && entry < e) ??
      [...f.ranges].sort((a, b) => (a[0] < b[0] ? -1 : 1))[0];
    const info: FunctionInfo = { name, low: r[0], high: r[1] };
    const decl = this.declOf(die);
    if (decl) info.decl = decl;
    const body = this.bodyStart(r[0], r[1]);
    if (body !== undefined) info.bodyStart = body;
    f.info = info;
    return info;
  }

  private bodyStart(low: bigint, high: bigint): bigint | undefined {
    const first = this.lines.rowAt(low);
    if (!first) return undefined;
    const { seq } = first;
    const entryLine = seq.line[first.index];
    for (let i = first.index + 1; i < seq.off.length; i++) {
      const a = seq.start + BigInt(seq.off[i]);
      if (a >= high) break;
      if (a > low && seq.line[i] !== entryLine && seq.line[i] !== 0) return a;
    }
    return undefined;
  }

  private fileName(unit: Unit, index: number | undefined): string | undefined {
    if (index === undefined) return undefined;
    return this.linePrograms.get(unit)?.files[index];
  }

  private declOf(die: Die): SourceLocation | undefined {
    const f = this.info.inherited(die, DW_AT.decl_file);
    const l = this.info.inherited(die, DW_AT.decl_line);
    if (!f || !l) return undefined;
    const file = this.fileName(f.die.unit, numValue(f.attr));
    const line = numValue(l.attr);
    if (!file || !line) return undefined;
    const c = this.info.inherited(die, DW_AT.decl_column);
    return { file, line, column: c ? numValue(c.attr) ?? 0 : 0 };
  }

  functionAt(address: bigint): FunctionInfo | undefined {
    return this.guard(() => { const f = this.funcEntryAt(address); return f ? this.funcInfo(f) : undefined; }, undefined);
  }

  /** The concrete function DIE and the nested scopes (lexical blocks, inlined subroutines) covering `pc`, outermost first. */
  private scopesAt(pc: bigint): Die[] {
    const f = this.funcEntryAt(pc);
    if (!f) return [];
    const chain: Die[] = [f.die];
    const covers = (d: Die) => this.info.ranges(d).some(([s, e]) => pc >= s && pc < e);
    // A lexical block without a range (gcc's DWARF 4 sometimes emits an empty one around inlined code)
    // is looked through: the scope covering pc may be below it.
    const find = (d: Die, depth: number): Die[] | undefined => {
      for (const c of d.children) {
        if (!SCOPE_TAGS.has(c.tag)) continue;
        if (covers(c)) return [c];
        if (depth < 4 && c.tag === DW_TAG.lexical_block && this.info.ranges(c).length === 0) {
          const below = find(c, depth + 1);
          if (below) return [c, ...below];
        }
      }
      return undefined;
    };
    let cur = f.die;
    for (let depth = 0; depth < 64; depth++) {
      const next = find(cur, 0);
      if (!next) break;
      chain.push(...next);
      cur = next[next.length - 1];
    }
    return chain;
  }

  inlinedAt(address: bigint): InlinedFrame[] {
    return this.guard(() => {
      const out: InlinedFrame[] = [];
      for (const d of this.scopesAt(address)) {
        if (d.tag !== DW_TAG.inlined_subroutine) continue;
        const fr: InlinedFrame = { name: this.info.inheritedName(d) ?? '<inlined>' };
        const file = this.fileName(d.unit, numValue(attrOf(d, DW_AT.call_file)));
        const line = numValue(attrOf(d, DW_AT.call_line));
        if (file && line) fr.callSite = { file, line, column: numValue(attrOf(d, DW_AT.call_column)) ?? 0 };
        out.push(fr);
      }
      return out.reverse();
    }, []);
  }

  functionByName(name: string): FunctionInfo | undefined {
    return this.guard(() => {
      // Fast path: the ELF symbol's address finds the unit, so only that unit's DIEs are read.
      const sym = this.symbolEntry(name);
      if (sym && sym.type === STT_FUNC && !this.functionsByName) {
        const f = this.funcEntryAt(sym.value);
        if (f && this.info.inheritedName(f.die) === name) return this.funcInfo(f);
      }
      if (!this.functionsByName) {
        this.indexAll();
        const m = new Map<string, FuncEntry>();
        for (const idx of this.unitIndex.values()) {
          for (const f of idx.functions) {
            const n = this.info.inheritedName(f.die);
            if (!n) continue;
            const prev = m.get(n);
            // Prefer an external definition over a file-scope static of the same name.
            if (!prev || (attrOf(f.die, DW_AT.external)?.value === true && attrOf(prev.die, DW_AT.external)?.value !== true)) m.set(n, f);
          }
        }
        this.functionsByName = m;
      }
      const f = this.functionsByName.get(name);
      if (f) return this.funcInfo(f);
      // No DWARF for it: an ELF function symbol.
      const s = this.symbolEntry(name);
      if (s && s.type === STT_FUNC) return { name, low: s.value, high: s.value + (s.size > 0n ? s.size : 1n) };
      return undefined;
    }, undefined);
  }

  // ------------------------------------------------------------------ ELF symbols

  private symbolTable(): ElfSymbolEntry[] {
    if (!this.sortedSymbols) {
      const syms = (this.elf?.symbols ?? []).filter((s) =>
        s.name && s.shndx !== 0 && (s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_NOTYPE));
      syms.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      this.sortedSymbols = syms;
    }
    return this.sortedSymbols;
  }

  private symbolEntry(name: string): ElfSymbolEntry | undefined {
    if (!this.symbolsByName) {
      const m = new Map<string, ElfSymbolEntry>();
      for (const s of this.symbolTable()) {
        const prev = m.get(s.name);
        if (!prev || (prev.bind === 0 && s.bind !== 0)) m.set(s.name, s);
      }
      this.symbolsByName = m;
    }
    return this.symbolsByName.get(name);
  }

  /**
   * The ELF symbol an address belongs to, as name + offset. A sized symbol (st_size > 0) covers
   * [value, value + size); an unsized one (an assembly label) reaches to the next symbol or the end of its
   * section, whichever is first. An address outside every allocated section (the stack, the heap, past
   * `_end`) belongs to no symbol.
   */
  symbolAt(address: bigint): { name: string; offset: bigint } | undefined {
    return this.guard(() => {
      const sec = this.allocatedSectionAt(address);
      if (sec === null) return undefined;
      const s = this.symbolTable();
      let lo = 0, hi = s.length - 1, best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (s[mid].value <= address) { best = mid; lo = mid + 1; } else hi = mid - 1;
      }
      if (best < 0) return undefined;
      // A sized symbol that covers the address wins.
      for (let i = best; i >= 0 && i > best - 32; i--) {
        const e = s[i];
        if (e.size > 0n && address < e.value + e.size) return { name: e.name, offset: address - e.value };
      }
      // Else the unsized label that starts last at or before it (so no other symbol starts in between), if
      // it lies in the address's section.
      const inSection = (v: bigint): boolean => sec === undefined || (v >= sec.addr && v < sec.addr + BigInt(sec.size));
      for (let i = best; i >= 0 && s[i].value === s[best].value; i--) {
        if (s[i].size === 0n && inSection(s[i].value)) return { name: s[i].name, offset: address - s[i].value };
      }
      return undefined;
    }, undefined);
  }

  /** The SHF_ALLOC section holding `address`; null when none does; undefined when the image has no section headers. */
  private allocatedSectionAt(address: bigint): ElfSection | null | undefined {
    const secs = (this.elf?.sections ?? []).filter((x) => (x.flags & SHF_ALLOC) !== 0n && x.size > 0);
    if (secs.length === 0) return undefined;
    return secs.find((x) => address >= x.addr && address < x.addr + BigInt(x.size)) ?? null;
  }

  symbolByName(name: string): bigint | undefined {
    return this.guard(() => this.symbolEntry(name)?.value, undefined);
  }

  // ------------------------------------------------------------------ variables

  variablesAt(pc: bigint): VariableInfo[] {
    return this.guard(() => {
      const scopes = this.scopesAt(pc);
      if (scopes.length === 0) return [];
      const fn = scopes[0];
      const out: VariableInfo[] = [];
      const seen = new Set<string>();
      for (let i = scopes.length - 1; i >= 0; i--) {
        for (const c of scopes[i].children) {
          if (!VAR_TAGS.has(c.tag)) continue;
          if (attrOf(c, DW_AT.declaration)?.value === true) continue;
          const v = this.variable(c, c.tag === DW_TAG.formal_parameter ? 'parameter' : 'local', fn);
          if (!v || seen.has(v.name)) continue; // an inner declaration hides an outer one
          seen.add(v.name);
          out.push(v);
        }
      }
      return out;
    }, []);
  }

  globals(): VariableInfo[] {
    return this.guard(() => {
      if (this.globalVars) return this.globalVars;
      const byName = new Map<string, { v: VariableInfo; hasLoc: boolean }>();
      const list: VariableInfo[] = [];
      for (const u of this.info.units) {
        const root = this.info.tree(u);
        if (!root) continue;
        for (const c of root.children) {
          if (c.tag !== DW_TAG.variable) continue;
          const hasLoc = !!(attrOf(c, DW_AT.location) ?? attrOf(c, DW_AT.const_value));
          const v = this.variable(c, 'global', undefined);
          if (!v) continue;
          const external = this.info.inherited(c, DW_AT.external)?.attr.value === true;
          const key = external ? v.name : `${u.offset}:${v.name}`;
          const prev = byName.get(key);
          if (prev && (prev.hasLoc || !hasLoc)) continue;
          if (prev) list.splice(list.indexOf(prev.v), 1);
          byName.set(key, { v, hasLoc });
          list.push(v);
        }
      }
      // Keep extern declarations only when no unit defines the variable.
      this.globalVars = list;
      return list;
    }, []);
  }

  private variable(die: Die, kind: VariableInfo['kind'], fn: Die | undefined): VariableInfo | undefined {
    const name = this.info.inheritedName(die);
    if (!name) return undefined;
    const decl = this.declOf(die);
    let type: TypeInfo | undefined;
    const typeOf = (): TypeInfo => (type ??= this.guard(() => this.types.typeOf(die), { kind: 'void' } as TypeInfo));
    const locAttr = attrOf(die, DW_AT.location);
    const constAttr = this.info.inherited(die, DW_AT.const_value)?.attr;
    const unit = die.unit;
    const v: VariableInfo = {
      name,
      kind,
      get type(): TypeInfo { return typeOf(); },
      locate: (frame: FrameContext): ValueLocation => this.guard((): ValueLocation => {
        if (!locAttr) {
          if (constAttr) return this.constLocation(constAttr, v.type);
          // An extern declaration (defined in assembly or another image part): the ELF symbol has the address.
          const addr = kind === 'global' ? this.symbolEntry(name)?.value : undefined;
          if (addr !== undefined) return { kind: 'memory', address: addr };
          return { kind: 'optimized-out' };
        }
        const pc = frame.isReturnAddress ? frame.pc - 1n : frame.pc;
        const list = this.info.locationList(unit, locAttr);
        const entry = list.find((e) => !e.range || (pc >= e.range[0] && pc < e.range[1]));
        if (!entry) return { kind: 'optimized-out' };
        return evaluateLocation(entry.expr, this.exprContext(frame, unit, fn));
      }, { kind: 'unavailable', why: 'internal error evaluating the location' }),
    };
    if (decl) v.decl = decl;
    return v;
  }

  private constLocation(a: { form: number; value: unknown }, type: TypeInfo): ValueLocation {
    const val = a.value;
    if (val instanceof Block || val instanceof Exprloc) return { kind: 'bytes', bytes: val.bytes.slice() };
    if (val instanceof Uint8Array) return { kind: 'bytes', bytes: val.slice() };
    if (typeof val === 'string') return { kind: 'bytes', bytes: new TextEncoder().encode(`${val}\0`) };
    const t = strip(type);
    const signed = (t.kind === 'base' && (t.encoding === 'signed' || t.encoding === 'signed-char')) || (t.kind === 'enum' && t.signed);
    const n = intValue(a as never, signed);
    return n === undefined ? { kind: 'optimized-out' } : { kind: 'value', value: BigInt.asUintN(64, n) };
  }

  private exprContext(frame: FrameContext, unit: Unit, fn: Die | undefined): ExprContext {
    const ctx: ExprContext = {
      frame,
      addrSize: unit.addrSize,
      addrIndex: (i) => this.info.addrIndex(unit, i),
      cfa: () => this.cfaOf(frame),
    };
    const fb = fn ? attrOf(fn, DW_AT.frame_base) : undefined;
    if (fb) {
      ctx.frameBase = () => {
        const pc = frame.isReturnAddress ? frame.pc - 1n : frame.pc;
        const e = this.info.locationList(unit, fb).find((x) => !x.range || (pc >= x.range[0] && pc < x.range[1]));
        // A frame base given as a register location means that register's contents (§3.3.5).
        return e ? evaluateValue(e.expr, { ...ctx, frameBase: undefined }) : undefined;
      };
    }
    return ctx;
  }

  private cfaOf(frame: FrameContext): bigint | undefined {
    const c = this.cfi.cfaOf(frame, this.addrSize);
    if (c !== undefined) return c;
    return this.framePointerUnwind(frame)?.cfa;
  }

  // ------------------------------------------------------------------ types

  typeByName(name: string): TypeInfo | undefined {
    return this.guard(() => {
      const key = name.trim().replace(/\s+/g, ' ');
      const dies = this.typeIndex().get(key) ?? this.typeIndex().get(canonicalBaseName(key) ?? '');
      if (!dies || dies.length === 0) return undefined;
      const def = dies.find((d) => attrOf(d, DW_AT.declaration)?.value !== true) ?? dies[0];
      return this.types.build(def.offset);
    }, undefined);
  }

  private completeType(kind: string, name: string): TypeInfo | undefined {
    const dies = this.typeIndex().get(`${kind} ${name}`);
    const def = dies?.find((d) => attrOf(d, DW_AT.declaration)?.value !== true);
    return def ? this.types.build(def.offset) : undefined;
  }

  private typeIndex(): Map<string, Die[]> {
    if (this.namedTypes) return this.namedTypes;
    const m = new Map<string, Die[]>();
    this.namedTypes = m;
    const add = (k: string, d: Die) => { const l = m.get(k); if (l) l.push(d); else m.set(k, [d]); };
    for (const u of this.info.units) {
      const root = this.info.tree(u);
      if (!root) continue;
      const walk = (d: Die, depth: number) => {
        for (const c of d.children) {
          const n = this.info.name(c);
          if (n) {
            switch (c.tag) {
              case DW_TAG.structure_type: add(`struct ${n}`, c); break;
              case DW_TAG.union_type: add(`union ${n}`, c); break;
              case DW_TAG.enumeration_type: add(`enum ${n}`, c); break;
              case DW_TAG.base_type: {
                add(n, c);
                const canon = canonicalBaseName(n);
                if (canon && canon !== n) add(canon, c);
                break;
              }
              case DW_TAG.typedef: case DW_TAG.unspecified_type: add(n, c); break;
            }
          }
          // Types declared inside functions and blocks are found too (after the file-scope ones).
          if (depth < 16 && (c.tag === DW_TAG.subprogram || c.tag === DW_TAG.lexical_block || c.tag === DW_TAG.namespace)) walk(c, depth + 1);
        }
      };
      walk(root, 0);
    }
    return m;
  }

  // ------------------------------------------------------------------ unwinding

  unwind(frame: FrameContext): UnwoundFrame | undefined {
    return this.guard(() => {
      const pc = frame.isReturnAddress ? frame.pc - 1n : frame.pc;
      const row = this.cfi.rowAt(pc);
      if (!row) return this.framePointerUnwind(frame);
      const cfa = computeCfa(row, frame, this.addrSize);
      if (cfa === undefined) return undefined;
      const mask = (1n << BigInt(this.addrSize * 8)) - 1n;
      const readWord = (addr: bigint): bigint | undefined => {
        const b = frame.readMemory(addr & mask, this.addrSize);
        if (!b || b.length < this.addrSize) return undefined;
        let v = 0n;
        for (let i = this.addrSize - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        return v;
      };
      const apply = (rule: RegRule): bigint | undefined => {
        switch (rule.k) {
          case 'undefined': return undefined;
          case 'offset': return readWord(cfa + rule.n);
          case 'val_offset': return (cfa + rule.n) & mask;
          case 'register': return frame.readRegister(rule.reg);
          case 'expr': {
            const a = evaluateValue(rule.e, { frame, addrSize: this.addrSize, initialStack: [cfa] });
            return a === undefined ? undefined : readWord(a);
          }
          case 'val_expr': return evaluateValue(rule.e, { frame, addrSize: this.addrSize, initialStack: [cfa] });
        }
      };
      const registers = new Map<number, bigint>();
      // Callee-saved registers the CFI does not mention keep their values (psABI); others are unknown.
      for (const r of calleeSaved(this.arch)) {
        const v = frame.readRegister(r);
        if (v !== undefined) registers.set(r, v);
      }
      for (const [reg, rule] of row.rules) {
        const v = rule.k === 'same' ? frame.readRegister(reg) : apply(rule);
        if (v === undefined) registers.delete(reg); else registers.set(reg, v & mask);
      }
      const raRule = row.rules.get(row.raReg);
      if (!raRule || raRule.k === 'undefined') return undefined; // the outermost frame
      const ra = registers.get(row.raReg);
      if (ra === undefined || ra === 0n) return undefined;
      registers.delete(row.raReg);
      registers.set(this.regs.sp, cfa);
      registers.set(this.regs.pc, ra);
      return { pc: ra, registers, cfa, method: 'cfi' as const };
    }, undefined);
  }

  /**
   * Without CFI: a function's first instruction or code without DWARF (assembly stubs, the hypercall page)
   * is taken as frameless (return address at [sp]); elsewhere the psABI frame-pointer chain
   * (saved fp at [fp], return address at [fp + word]).
   */
  private framePointerUnwind(frame: FrameContext): UnwoundFrame | undefined {
    const w = BigInt(this.addrSize);
    const mask = (1n << BigInt(this.addrSize * 8)) - 1n;
    const readWord = (addr: bigint): bigint | undefined => {
      const b = frame.readMemory(addr & mask, this.addrSize);
      if (!b || b.length < this.addrSize) return undefined;
      let v = 0n;
      for (let i = this.addrSize - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
      return v;
    };
    const registers = new Map<number, bigint>();
    for (const r of calleeSaved(this.arch)) {
      const v = frame.readRegister(r);
      if (v !== undefined) registers.set(r, v);
    }
    const pc = frame.isReturnAddress ? frame.pc - 1n : frame.pc;
    const fn = this.funcEntryAt(pc);
    const atEntry = !frame.isReturnAddress && fn !== undefined && this.funcInfo(fn).low === frame.pc;
    let cfa: bigint, ra: bigint | undefined;
    if (!fn || atEntry) {
      const sp = frame.readRegister(this.regs.sp);
      if (sp === undefined) return undefined;
      ra = readWord(sp);
      cfa = (sp + w) & mask;
    } else {
      const fp = frame.readRegister(this.regs.fp);
      if (fp === undefined || fp === 0n) return undefined;
      ra = readWord(fp + w);
      const savedFp = readWord(fp);
      if (savedFp === undefined) return undefined;
      registers.set(this.regs.fp, savedFp);
      cfa = (fp + 2n * w) & mask;
    }
    if (ra === undefined || ra === 0n) return undefined;
    registers.set(this.regs.sp, cfa);
    registers.set(this.regs.pc, ra);
    return { pc: ra, registers, cfa, method: 'frame-pointer' };
  }

  // ------------------------------------------------------------------ helpers

  /** Runs a lookup; an unexpected exception (a reader bug on odd input) becomes a warning and `fallback`. */
  private guard<T>(f: () => T, fallback: T): T {
    try {
      return f();
    } catch (e) {
      if (this.warnings.length < 1000) this.warnings.push(`internal: ${(e as Error).message}`);
      return fallback;
    }
  }
}

/**
 * One spelling for C's integer type names, so `unsigned long` finds gcc's `long unsigned int` (C11 §6.7.2:
 * the specifiers may come in any order; `int` and `signed` are implied except on `char`).
 */
export function canonicalBaseName(name: string): string | undefined {
  const words = name.split(' ');
  if (!words.every((w) => ['unsigned', 'signed', 'short', 'long', 'int', 'char'].includes(w))) return undefined;
  const count = (w: string) => words.filter((x) => x === w).length;
  const unsigned = count('unsigned') > 0, signed = count('signed') > 0;
  if (count('char') > 0) return unsigned ? 'unsigned char' : signed ? 'signed char' : 'char';
  const size = count('short') > 0 ? 'short' : count('long') >= 2 ? 'long long' : count('long') === 1 ? 'long' : '';
  return `${unsigned ? 'unsigned ' : ''}${size ? `${size} ` : ''}int`;
}

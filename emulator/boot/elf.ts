/**
 * ELF reader for x86 guest images (ELF32 and ELF64, little-endian): file header, program
 * headers, section headers with names, symbol tables and notes.
 *
 * Guest kernels come from users, so every offset, size and count in the file is checked
 * before use; a malformed image gives an ElfError naming the problem, never a host
 * RangeError/TypeError. This is a cold path, so 64-bit fields are plain bigint.
 *
 * The ELF class says how the *file* is laid out, not what code it holds: XTF's hvm64
 * images are ELFCLASS32 files with e_machine EM_X86_64 and 64-bit code. Callers decide the
 * execution mode from their own configuration and notes, not from `elfClass`.
 */

export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export const EM_386 = 3;
export const EM_X86_64 = 62;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
export const PN_XNUM = 0xffff;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export interface ElfFileHeader {
  /** 32 or 64: the file layout (ELFCLASS), not the code's bitness. */
  elfClass: 32 | 64;
  osAbi: number;
  abiVersion: number;
  type: number;
  machine: number;
  version: number;
  entry: bigint;
  phoff: bigint;
  shoff: bigint;
  flags: number;
  ehsize: number;
  phentsize: number;
  /** Real program header count (after PN_XNUM extended numbering). */
  phnum: number;
  shentsize: number;
  /** Real section header count (after extended numbering). */
  shnum: number;
  /** Real section name string table index (after SHN_XINDEX extended numbering). */
  shstrndx: number;
}

export interface ElfProgramHeader {
  index: number;
  type: number;
  /** PF_R | PF_W | PF_X bits. */
  flags: number;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export interface ElfSectionHeader {
  index: number;
  name: string;
  nameOffset: number;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  addralign: bigint;
  entsize: bigint;
}

export interface ElfSymbol {
  /** Index within its symbol table. */
  index: number;
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  /** STV_* (low two bits of st_other). */
  visibility: number;
  /** Raw st_shndx (SHN_UNDEF, SHN_ABS, a section index, ...). */
  shndx: number;
}

export interface ElfNote {
  /** Owner name without its terminating NUL, e.g. "Xen" or "GNU". */
  name: string;
  type: number;
  /** Descriptor bytes (a view into the image, not a copy). */
  desc: Uint8Array;
  /** File offset of the note header. */
  offset: number;
  /** Where the note was found. */
  origin: { kind: 'segment' | 'section'; index: number };
}

export interface ElfParseOptions {
  /**
   * Check what a loader relies on for ET_EXEC/ET_DYN images (default true): at least one
   * PT_LOAD, no overlapping PT_LOADs (virtually or physically), and an entry point inside
   * a PT_LOAD. Off only for tools that inspect broken images.
   */
  checkLoadable?: boolean;
}

export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Bounds-checked little-endian field reader over the whole image. */
class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number { return this.bytes.length; }
  private need(off: number, size: number, what: string): void {
    if (off < 0 || off + size > this.bytes.length) {
      throw new ElfError(`truncated ELF: ${what} at offset ${hex(off)} needs ${size} bytes but the file is ${this.bytes.length} bytes`);
    }
  }
  u8(off: number, what: string): number { this.need(off, 1, what); return this.bytes[off]; }
  u16(off: number, what: string): number { this.need(off, 2, what); return this.view.getUint16(off, true); }
  u32(off: number, what: string): number { this.need(off, 4, what); return this.view.getUint32(off, true); }
  u64(off: number, what: string): bigint { this.need(off, 8, what); return this.view.getBigUint64(off, true); }
}

/** Checks that [offset, offset+size) lies in the file and returns the offset as a number. */
function fileRange(r: Reader, offset: bigint, size: bigint, what: string): number {
  if (offset + size > BigInt(r.length)) {
    throw new ElfError(`${what} (offset ${hex(offset)}, size ${hex(size)}) extends past the end of the file (${r.length} bytes)`);
  }
  return Number(offset);
}

/** Reads a NUL-terminated string from a string table's bytes. */
function tableString(table: Uint8Array, off: number, what: string): string {
  if (off >= table.length) {
    if (off === 0 && table.length === 0) return '';
    throw new ElfError(`${what}: string offset ${hex(off)} is outside its string table (${table.length} bytes)`);
  }
  const end = table.indexOf(0, off);
  if (end < 0) throw new ElfError(`${what}: string at offset ${hex(off)} is not NUL-terminated within its string table`);
  return utf8.decode(table.subarray(off, end));
}

export class ElfFile {
  readonly header: ElfFileHeader;
  readonly programHeaders: readonly ElfProgramHeader[];
  readonly sections: readonly ElfSectionHeader[];
  private readonly reader: Reader;
  private symbolCache?: ElfSymbol[];

  private constructor(readonly bytes: Uint8Array, options: ElfParseOptions) {
    this.reader = new Reader(bytes);
    const { header, firstSection } = parseFileHeader(this.reader);
    this.header = header;
    this.sections = parseSections(this.reader, header, firstSection);
    this.programHeaders = parseProgramHeaders(this.reader, header);
    if ((options.checkLoadable ?? true) && (header.type === ET_EXEC || header.type === ET_DYN)) {
      checkLoadable(header, this.programHeaders);
    }
  }

  /** Parses and validates an image; throws ElfError if it is malformed. */
  static parse(bytes: Uint8Array, options: ElfParseOptions = {}): ElfFile {
    return new ElfFile(bytes, options);
  }

  get is64(): boolean { return this.header.elfClass === 64; }

  /** The PT_LOAD segments in file order. */
  get loadSegments(): ElfProgramHeader[] {
    return this.programHeaders.filter((p) => p.type === PT_LOAD);
  }

  /** The file-backed bytes of a segment (p_filesz of them; a view, not a copy). */
  segmentData(ph: ElfProgramHeader): Uint8Array {
    const off = Number(ph.offset); // validated in parseProgramHeaders
    return this.bytes.subarray(off, off + Number(ph.filesz));
  }

  /** The first section with this name. */
  section(name: string): ElfSectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** A section's bytes (a view); empty for SHT_NOBITS and SHT_NULL. */
  sectionData(sec: ElfSectionHeader): Uint8Array {
    if (sec.type === SHT_NOBITS || sec.type === SHT_NULL) return new Uint8Array(0);
    const off = Number(sec.offset); // validated in parseSections
    return this.bytes.subarray(off, off + Number(sec.size));
  }

  /**
   * Symbols of .symtab (or .dynsym when the image has no .symtab), excluding the null
   * symbol at index 0. Throws ElfError if the table or its string table is malformed.
   */
  symbols(): ElfSymbol[] {
    if (!this.symbolCache) {
      const table = this.sections.find((s) => s.type === SHT_SYMTAB) ?? this.sections.find((s) => s.type === SHT_DYNSYM);
      this.symbolCache = table ? this.readSymbolTable(table) : [];
    }
    return this.symbolCache;
  }

  /** The first symbol with this name, preferring global/weak over local definitions. */
  symbol(name: string): ElfSymbol | undefined {
    const all = this.symbols().filter((s) => s.name === name && s.shndx !== SHN_UNDEF);
    return all.find((s) => s.bind !== STB_LOCAL) ?? all[0];
  }

  /** Reads one SHT_SYMTAB/SHT_DYNSYM section. */
  readSymbolTable(table: ElfSectionHeader): ElfSymbol[] {
    const what = `symbol table section ${table.index} (${table.name || 'unnamed'})`;
    if (table.type !== SHT_SYMTAB && table.type !== SHT_DYNSYM) throw new ElfError(`${what} is not a symbol table`);
    const minEnt = this.is64 ? 24 : 16;
    const entsize = table.entsize === 0n ? BigInt(minEnt) : table.entsize;
    if (entsize < BigInt(minEnt)) throw new ElfError(`${what} has entry size ${entsize}, smaller than ${minEnt}`);
    if (table.link >= this.sections.length) {
      throw new ElfError(`${what} links to string table section ${table.link}, but there are only ${this.sections.length} sections`);
    }
    const strSec = this.sections[table.link];
    if (strSec.type !== SHT_STRTAB) throw new ElfError(`${what} links to section ${table.link}, which is not a string table`);
    const strtab = this.sectionData(strSec);
    const count = Number(table.size / entsize);
    const step = Number(entsize);
    const out: ElfSymbol[] = [];
    const r = this.reader;
    const base = Number(table.offset);
    for (let i = 1; i < count; i++) {
      const o = base + i * step;
      const symWhat = `symbol ${i} of ${what}`;
      let nameOff: number, info: number, other: number, shndx: number, value: bigint, size: bigint;
      if (this.is64) {
        nameOff = r.u32(o, symWhat); info = r.u8(o + 4, symWhat); other = r.u8(o + 5, symWhat);
        shndx = r.u16(o + 6, symWhat); value = r.u64(o + 8, symWhat); size = r.u64(o + 16, symWhat);
      } else {
        nameOff = r.u32(o, symWhat); value = BigInt(r.u32(o + 4, symWhat)); size = BigInt(r.u32(o + 8, symWhat));
        info = r.u8(o + 12, symWhat); other = r.u8(o + 13, symWhat); shndx = r.u16(o + 14, symWhat);
      }
      out.push({
        index: i, name: tableString(strtab, nameOff, symWhat), value, size,
        type: info & 0xf, bind: info >> 4, visibility: other & 3, shndx,
      });
    }
    return out;
  }

  /**
   * Notes the way a loader looks for them (Xen's libelf does the same): from PT_NOTE
   * segments if the image has any, otherwise from SHT_NOTE sections.
   */
  notes(): ElfNote[] {
    return this.programHeaders.some((p) => p.type === PT_NOTE) ? this.segmentNotes() : this.sectionNotes();
  }

  /** Notes in every PT_NOTE segment, in order. */
  segmentNotes(): ElfNote[] {
    const out: ElfNote[] = [];
    for (const ph of this.programHeaders) {
      if (ph.type !== PT_NOTE) continue;
      readNotes(this.reader, Number(ph.offset), Number(ph.filesz), ph.align, { kind: 'segment', index: ph.index },
        `PT_NOTE segment ${ph.index}`, out);
    }
    return out;
  }

  /** Notes in every SHT_NOTE section, in order. */
  sectionNotes(): ElfNote[] {
    const out: ElfNote[] = [];
    for (const sec of this.sections) {
      if (sec.type !== SHT_NOTE) continue;
      readNotes(this.reader, Number(sec.offset), Number(sec.size), sec.addralign, { kind: 'section', index: sec.index },
        `note section ${sec.index} (${sec.name || 'unnamed'})`, out);
    }
    return out;
  }
}

/** Convenience wrapper for ElfFile.parse. */
export function parseElf(bytes: Uint8Array, options?: ElfParseOptions): ElfFile {
  return ElfFile.parse(bytes, options);
}

/** What section 0 says about extended numbering (all 0 when there is no section table). */
interface FirstSection { size: bigint; link: number; info: number }

function parseFileHeader(r: Reader): { header: ElfFileHeader; firstSection: FirstSection } {
  if (r.length < 16) throw new ElfError(`truncated ELF: the file is ${r.length} bytes, too short for the 16-byte e_ident`);
  const b = r.bytes;
  if (b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
    throw new ElfError('bad ELF magic: the file does not start with \\x7fELF');
  }
  const cls = b[4];
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) throw new ElfError(`unsupported ELF class ${cls} (expected 1 for ELF32 or 2 for ELF64)`);
  if (b[5] !== ELFDATA2LSB) {
    throw new ElfError(b[5] === 2 ? 'big-endian ELF (ELFDATA2MSB) is not supported: x86 images are little-endian'
      : `invalid ELF data encoding ${b[5]} (expected 1, little-endian)`);
  }
  if (b[6] !== 1) throw new ElfError(`unsupported ELF identification version ${b[6]} (expected 1)`);
  const is64 = cls === ELFCLASS64;
  const ehsize = is64 ? 64 : 52;
  if (r.length < ehsize) {
    throw new ElfError(`truncated ELF: the file is ${r.length} bytes, too short for the ${ehsize}-byte ELF${is64 ? 64 : 32} file header`);
  }
  const w = 'ELF file header';
  const type = r.u16(16, w);
  const machine = r.u16(18, w);
  const version = r.u32(20, w);
  if (machine !== EM_386 && machine !== EM_X86_64) {
    throw new ElfError(`unsupported machine ${machine} in e_machine (expected EM_386 (3) or EM_X86_64 (62))`);
  }
  if (type !== ET_REL && type !== ET_EXEC && type !== ET_DYN) {
    throw new ElfError(`unsupported ELF type ${type} in e_type (expected ET_REL, ET_EXEC or ET_DYN)`);
  }
  if (version !== 1) throw new ElfError(`unsupported ELF version ${version} in e_version (expected 1)`);
  let entry: bigint, phoff: bigint, shoff: bigint;
  let p: number;
  if (is64) {
    entry = r.u64(24, w); phoff = r.u64(32, w); shoff = r.u64(40, w); p = 48;
  } else {
    entry = BigInt(r.u32(24, w)); phoff = BigInt(r.u32(28, w)); shoff = BigInt(r.u32(32, w)); p = 36;
  }
  const flags = r.u32(p, w);
  const hdrSize = r.u16(p + 4, w);
  const phentsize = r.u16(p + 6, w);
  const rawPhnum = r.u16(p + 8, w);
  const shentsize = r.u16(p + 10, w);
  const rawShnum = r.u16(p + 12, w);
  const rawShstrndx = r.u16(p + 14, w);

  // Section 0 carries the real counts when they do not fit in 16 bits.
  let firstSection: FirstSection = { size: 0n, link: 0, info: 0 };
  if (shoff !== 0n) {
    const minShent = is64 ? 64 : 40;
    if (shentsize < minShent) throw new ElfError(`section header entry size e_shentsize ${shentsize} is smaller than ${minShent}`);
    const off = fileRange(r, shoff, BigInt(shentsize), 'section header 0 (e_shoff)');
    firstSection = readSectionHeaderRaw(r, off, is64, 'section header 0');
  }
  const phnum = rawPhnum === PN_XNUM ? firstSection.info : rawPhnum;
  const shnum = rawShnum === 0 && shoff !== 0n ? Number(firstSection.size) : rawShnum;
  const shstrndx = rawShstrndx === SHN_XINDEX ? firstSection.link : rawShstrndx;
  if (rawShnum === 0 && shoff !== 0n && firstSection.size > 0xffffffffn) {
    throw new ElfError(`extended section count ${firstSection.size} in section 0 is implausibly large`);
  }

  const header: ElfFileHeader = {
    elfClass: is64 ? 64 : 32, osAbi: b[7], abiVersion: b[8], type, machine, version, entry, phoff, shoff, flags,
    ehsize: hdrSize, phentsize, phnum, shentsize, shnum, shstrndx,
  };
  return { header, firstSection };
}

interface RawSection { type: number; flags: bigint; addr: bigint; offset: bigint; size: bigint; link: number; info: number; addralign: bigint; entsize: bigint; nameOffset: number }

function readSectionHeaderRaw(r: Reader, o: number, is64: boolean, what: string): RawSection {
  if (is64) {
    return {
      nameOffset: r.u32(o, what), type: r.u32(o + 4, what), flags: r.u64(o + 8, what), addr: r.u64(o + 16, what),
      offset: r.u64(o + 24, what), size: r.u64(o + 32, what), link: r.u32(o + 40, what), info: r.u32(o + 44, what),
      addralign: r.u64(o + 48, what), entsize: r.u64(o + 56, what),
    };
  }
  return {
    nameOffset: r.u32(o, what), type: r.u32(o + 4, what), flags: BigInt(r.u32(o + 8, what)), addr: BigInt(r.u32(o + 12, what)),
    offset: BigInt(r.u32(o + 16, what)), size: BigInt(r.u32(o + 20, what)), link: r.u32(o + 24, what), info: r.u32(o + 28, what),
    addralign: BigInt(r.u32(o + 32, what)), entsize: BigInt(r.u32(o + 36, what)),
  };
}

function parseSections(r: Reader, h: ElfFileHeader, _first: FirstSection): ElfSectionHeader[] {
  if (h.shnum === 0) return [];
  const is64 = h.elfClass === 64;
  if (h.shoff === 0n) throw new ElfError(`e_shnum is ${h.shnum} but e_shoff is 0`);
  const base = fileRange(r, h.shoff, BigInt(h.shnum) * BigInt(h.shentsize),
    `section header table (${h.shnum} entries of ${h.shentsize} bytes at e_shoff)`);
  const raw: RawSection[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const s = readSectionHeaderRaw(r, base + i * h.shentsize, is64, `section header ${i}`);
    if (s.type !== SHT_NOBITS && s.type !== SHT_NULL && s.size > 0n) {
      fileRange(r, s.offset, s.size, `section ${i} data`);
    }
    raw.push(s);
  }
  let names: Uint8Array | undefined;
  if (h.shstrndx !== SHN_UNDEF) {
    if (h.shstrndx >= h.shnum) {
      throw new ElfError(`section name string table index e_shstrndx ${h.shstrndx} is out of range (${h.shnum} sections)`);
    }
    const st = raw[h.shstrndx];
    if (st.type === SHT_NOBITS) throw new ElfError(`section name string table (section ${h.shstrndx}) has no file data`);
    const off = Number(st.offset);
    names = r.bytes.subarray(off, off + Number(st.size));
  }
  return raw.map((s, index) => ({
    index,
    name: names ? tableString(names, s.nameOffset, `name of section ${index}`) : '',
    ...s,
  }));
}

function parseProgramHeaders(r: Reader, h: ElfFileHeader): ElfProgramHeader[] {
  if (h.phnum === 0) return [];
  const is64 = h.elfClass === 64;
  const minEnt = is64 ? 56 : 32;
  if (h.phentsize < minEnt) throw new ElfError(`program header entry size e_phentsize ${h.phentsize} is smaller than ${minEnt}`);
  const base = fileRange(r, h.phoff, BigInt(h.phnum) * BigInt(h.phentsize),
    `program header table (${h.phnum} entries of ${h.phentsize} bytes at e_phoff)`);
  const addrLimit = is64 ? 1n << 64n : 1n << 32n;
  const out: ElfProgramHeader[] = [];
  for (let index = 0; index < h.phnum; index++) {
    const o = base + index * h.phentsize;
    const w = `program header ${index}`;
    let ph: ElfProgramHeader;
    if (is64) {
      ph = {
        index, type: r.u32(o, w), flags: r.u32(o + 4, w), offset: r.u64(o + 8, w), vaddr: r.u64(o + 16, w),
        paddr: r.u64(o + 24, w), filesz: r.u64(o + 32, w), memsz: r.u64(o + 40, w), align: r.u64(o + 48, w),
      };
    } else {
      ph = {
        index, type: r.u32(o, w), offset: BigInt(r.u32(o + 4, w)), vaddr: BigInt(r.u32(o + 8, w)), paddr: BigInt(r.u32(o + 12, w)),
        filesz: BigInt(r.u32(o + 16, w)), memsz: BigInt(r.u32(o + 20, w)), flags: r.u32(o + 24, w), align: BigInt(r.u32(o + 28, w)),
      };
    }
    if (ph.filesz > 0n) fileRange(r, ph.offset, ph.filesz, `segment ${index} data`);
    if (ph.type === PT_LOAD) {
      if (ph.filesz > ph.memsz) {
        throw new ElfError(`PT_LOAD segment ${index} has p_filesz ${hex(ph.filesz)} larger than p_memsz ${hex(ph.memsz)}`);
      }
      if (ph.vaddr + ph.memsz > addrLimit || ph.paddr + ph.memsz > addrLimit) {
        throw new ElfError(`PT_LOAD segment ${index} (address ${hex(ph.vaddr)}, size ${hex(ph.memsz)}) wraps around the end of the address space`);
      }
    }
    out.push(ph);
  }
  return out;
}

/** Loader preconditions for executables: something to load, no overlaps, a reachable entry. */
function checkLoadable(h: ElfFileHeader, phs: readonly ElfProgramHeader[]): void {
  const loads = phs.filter((p) => p.type === PT_LOAD && p.memsz > 0n);
  if (loads.length === 0) throw new ElfError('the image has no non-empty PT_LOAD segments to load');
  for (const space of ['vaddr', 'paddr'] as const) {
    const sorted = [...loads].sort((a, b) => (a[space] < b[space] ? -1 : a[space] > b[space] ? 1 : a.index - b.index));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1], cur = sorted[i];
      if (prev[space] + prev.memsz > cur[space]) {
        const kind = space === 'vaddr' ? 'virtual' : 'physical';
        const [a, b] = prev.index < cur.index ? [prev.index, cur.index] : [cur.index, prev.index];
        throw new ElfError(`PT_LOAD segments ${a} and ${b} overlap at ${kind} address ${hex(cur[space])}`);
      }
    }
  }
  // Linux vmlinux gives a physical e_entry with virtual p_vaddr, so either space counts.
  const inside = loads.some((p) => (h.entry >= p.vaddr && h.entry < p.vaddr + p.memsz)
    || (h.entry >= p.paddr && h.entry < p.paddr + p.memsz));
  if (!inside) throw new ElfError(`entry point ${hex(h.entry)} is outside every PT_LOAD segment`);
}

function readNotes(r: Reader, start: number, size: number, align: bigint, origin: ElfNote['origin'],
  what: string, out: ElfNote[]): void {
  // Notes are 4-byte aligned in both classes; only 8-aligned containers (GNU property
  // notes in ELF64) pad to 8.
  const a = align === 8n ? 8 : 4;
  const pad = (n: number): number => Math.ceil(n / a) * a; // n may exceed 2^31: no bit ops
  const end = start + size;
  let o = start;
  while (o < end) {
    if (end - o < 12) throw new ElfError(`${what}: truncated note header at offset ${hex(o)} (${end - o} bytes left, need 12)`);
    const namesz = r.u32(o, what), descsz = r.u32(o + 4, what), type = r.u32(o + 8, what);
    const nameStart = o + 12;
    const descStart = nameStart + pad(namesz);
    const next = descStart + pad(descsz);
    if (nameStart + namesz > end || descStart + descsz > end) {
      throw new ElfError(`${what}: note at offset ${hex(o)} (namesz ${namesz}, descsz ${descsz}) runs past the end of its container`);
    }
    let nameBytes = r.bytes.subarray(nameStart, nameStart + namesz);
    const nul = nameBytes.indexOf(0);
    if (nul >= 0) nameBytes = nameBytes.subarray(0, nul);
    out.push({ name: utf8.decode(nameBytes), type, desc: r.bytes.subarray(descStart, descStart + descsz), offset: o, origin });
    o = Math.min(next, end);
  }
}

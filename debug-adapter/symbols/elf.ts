/**
 * The parts of an ELF file the symbol reader needs: the header, section headers by name and the symbol
 * table, for ELF32 and ELF64 little-endian (x86). Problems are thrown as `DwarfFormatError` by the header
 * reader and reported as warnings for individual sections.
 */
import { Arch } from './model';
import { DwarfFormatError, Reader } from './reader';

export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  /** The section's bytes (empty for SHT_NOBITS or when out of the file). */
  data: Uint8Array;
}

export interface ElfSymbolEntry {
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  shndx: number;
}

export interface ElfImage {
  arch: Arch;
  is64: boolean;
  entry: bigint;
  sections: ElfSection[];
  symbols: ElfSymbolEntry[];
  section(name: string): ElfSection | undefined;
}

const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SHT_DYNSYM = 11;
const EM_386 = 3;
const EM_X86_64 = 62;

export function parseElf(bytes: Uint8Array, warnings: string[]): ElfImage {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new DwarfFormatError('not an ELF file');
  }
  const is64 = bytes[4] === 2;
  if (bytes[5] !== 1) throw new DwarfFormatError('ELF: only little-endian images are supported');
  const r = new Reader(bytes, 16, bytes.length, 'ELF header');
  r.u16(); // e_type
  const machine = r.u16();
  r.u32(); // e_version
  const entry = is64 ? r.u64() : BigInt(r.u32());
  if (is64) r.u64(); else r.u32(); // e_phoff
  const shoff = is64 ? r.u64n() : r.u32();
  r.u32(); // e_flags
  r.u16(); // e_ehsize
  r.u16(); r.u16(); // e_phentsize, e_phnum
  const shentsize = r.u16();
  let shnum = r.u16();
  let shstrndx = r.u16();
  // EM_X86_64 in an ELF32 container (objcopy -O elf32-i386 of a 64-bit image keeps x86-64 code): trust the machine.
  const arch: Arch = machine === EM_X86_64 ? 'x86_64' : machine === EM_386 ? 'i386' : is64 ? 'x86_64' : 'i386';
  if (machine !== EM_386 && machine !== EM_X86_64) warnings.push(`ELF: unexpected e_machine ${machine}, assuming ${arch}`);

  const sections: ElfSection[] = [];
  const raw: { nameOff: number; type: number; flags: bigint; addr: bigint; offset: number; size: number; link: number; entsize: number }[] = [];
  if (shoff > 0 && shoff < bytes.length) {
    const readHeader = (i: number) => {
      const h = new Reader(bytes, shoff + i * shentsize, bytes.length, 'section headers');
      const nameOff = h.u32();
      const type = h.u32();
      const flags = is64 ? h.u64() : BigInt(h.u32());
      const addr = is64 ? h.u64() : BigInt(h.u32());
      const offset = is64 ? h.u64n() : h.u32();
      const size = is64 ? h.u64n() : h.u32();
      const link = h.u32();
      h.u32(); // info
      if (is64) h.u64(); else h.u32(); // addralign
      const entsize = is64 ? h.u64n() : h.u32();
      return { nameOff, type, flags, addr, offset, size, link, entsize };
    };
    try {
      if (shnum === 0) { const h0 = readHeader(0); shnum = h0.size; if (shstrndx === 0xffff) shstrndx = h0.link; }
      for (let i = 0; i < shnum && i < 65536; i++) raw.push(readHeader(i));
    } catch (e) {
      warnings.push(`ELF section headers at 0x${shoff.toString(16)}: ${(e as Error).message}`);
    }
  } else if (shoff !== 0) {
    warnings.push(`ELF: section header offset 0x${shoff.toString(16)} out of the file`);
  }
  const dataOf = (h: { type: number; offset: number; size: number }, name: string): Uint8Array => {
    if (h.type === SHT_NOBITS) return new Uint8Array(0);
    if (h.offset + h.size > bytes.length) {
      warnings.push(`ELF: section ${name} [0x${h.offset.toString(16)}, +0x${h.size.toString(16)}) extends past the end of the file; truncated`);
      return bytes.subarray(Math.min(h.offset, bytes.length));
    }
    return bytes.subarray(h.offset, h.offset + h.size);
  };
  const shstr = raw[shstrndx] ? dataOf(raw[shstrndx], '.shstrtab') : new Uint8Array(0);
  for (const h of raw) {
    let name = '';
    for (let p = h.nameOff; p < shstr.length && shstr[p] !== 0; p++) name += String.fromCharCode(shstr[p]);
    sections.push({ name, type: h.type, flags: h.flags, addr: h.addr, offset: h.offset, size: h.size, data: dataOf(h, name) });
  }

  const symbols: ElfSymbolEntry[] = [];
  for (let i = 0; i < raw.length; i++) {
    const h = raw[i];
    if (h.type !== SHT_SYMTAB && h.type !== SHT_DYNSYM) continue;
    if (h.type === SHT_DYNSYM && raw.some((o) => o.type === SHT_SYMTAB)) continue;
    const strtab = raw[h.link] ? dataOf(raw[h.link], 'strtab') : new Uint8Array(0);
    const data = sections[i].data;
    const entsize = h.entsize || (is64 ? 24 : 16);
    const r2 = new Reader(data, 0, data.length, sections[i].name);
    try {
      for (let off = entsize; off + entsize <= data.length; off += entsize) {
        r2.pos = off;
        let nameOff: number, value: bigint, size: bigint, info: number, shndx: number;
        if (is64) {
          nameOff = r2.u32(); info = r2.u8(); r2.u8(); shndx = r2.u16(); value = r2.u64(); size = r2.u64();
        } else {
          nameOff = r2.u32(); value = BigInt(r2.u32()); size = BigInt(r2.u32()); info = r2.u8(); r2.u8(); shndx = r2.u16();
        }
        let name = '';
        for (let p = nameOff; p < strtab.length && strtab[p] !== 0; p++) name += String.fromCharCode(strtab[p]);
        symbols.push({ name, value, size, type: info & 0xf, bind: info >> 4, shndx });
      }
    } catch (e) {
      warnings.push(`ELF ${sections[i].name}: ${(e as Error).message}`);
    }
  }
  const byName = new Map(sections.map((s) => [s.name, s] as const));
  return { arch, is64, entry, sections, symbols, section: (n) => byName.get(n) };
}

/**
 * Xen ELF notes (public/elfnote.h) and the legacy `__xen_guest` string, read and checked the
 * way Xen's libelf does it (xen/common/libelf/libelf-dominfo.c, `elf_xen_parse`), giving
 * one typed XenGuestInfo per image and guest mode.
 *
 * Two steps: `readXenNotes` collects what the image says (mode independent), and
 * `deriveXenGuestInfo` applies libelf's defaults and acceptance checks for a PV or an HVM
 * (PVH) container. `parseXenGuestInfo` does both. Rejections throw XenImageError (an
 * ElfError) naming the problem; malformed containers come from elf.ts as ElfError.
 */
import {
  ElfError, ElfFile, ElfNote, EM_386, EM_X86_64, PF_R, PF_W, PF_X, PT_LOAD, PT_NOTE, SHT_NOTE, hex,
} from './elf';

export class XenImageError extends ElfError {
  constructor(message: string) {
    super(message);
    this.name = 'XenImageError';
  }
}

// XEN_ELFNOTE_* (public/elfnote.h, Xen 4.17; PHYS32_RELOC is 4.19+).
export const XEN_ELFNOTE_INFO = 0;
export const XEN_ELFNOTE_ENTRY = 1;
export const XEN_ELFNOTE_HYPERCALL_PAGE = 2;
export const XEN_ELFNOTE_VIRT_BASE = 3;
export const XEN_ELFNOTE_PADDR_OFFSET = 4;
export const XEN_ELFNOTE_XEN_VERSION = 5;
export const XEN_ELFNOTE_GUEST_OS = 6;
export const XEN_ELFNOTE_GUEST_VERSION = 7;
export const XEN_ELFNOTE_LOADER = 8;
export const XEN_ELFNOTE_PAE_MODE = 9;
export const XEN_ELFNOTE_FEATURES = 10;
export const XEN_ELFNOTE_BSD_SYMTAB = 11;
export const XEN_ELFNOTE_HV_START_LOW = 12;
export const XEN_ELFNOTE_L1_MFN_VALID = 13;
export const XEN_ELFNOTE_SUSPEND_CANCEL = 14;
export const XEN_ELFNOTE_INIT_P2M = 15;
export const XEN_ELFNOTE_MOD_START_PFN = 16;
export const XEN_ELFNOTE_SUPPORTED_FEATURES = 17;
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
export const XEN_ELFNOTE_PHYS32_RELOC = 19;
export const XEN_ELFNOTE_CRASH_INFO = 0x1000001;
export const XEN_ELFNOTE_CRASH_REGS = 0x1000002;
export const XEN_ELFNOTE_DUMPCORE_NONE = 0x2000000;
export const XEN_ELFNOTE_DUMPCORE_HEADER = 0x2000001;
export const XEN_ELFNOTE_DUMPCORE_XEN_VERSION = 0x2000002;
export const XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION = 0x2000003;

// XENFEAT_* bit numbers (public/features.h) for the names libelf knows.
export const XENFEAT_writable_page_tables = 0;
export const XENFEAT_writable_descriptor_tables = 1;
export const XENFEAT_auto_translated_physmap = 2;
export const XENFEAT_supervisor_mode_kernel = 3;
export const XENFEAT_pae_pgdir_above_4gb = 4;
export const XENFEAT_hvm_callback_vector = 8;
export const XENFEAT_dom0 = 11;

/** FEATURES names libelf accepts (libelf-dominfo.c `elf_xen_feature_names`); others are ignored unless required. */
export const XEN_FEATURE_NAMES: ReadonlyMap<string, number> = new Map([
  ['writable_page_tables', XENFEAT_writable_page_tables],
  ['writable_descriptor_tables', XENFEAT_writable_descriptor_tables],
  ['auto_translated_physmap', XENFEAT_auto_translated_physmap],
  ['supervisor_mode_kernel', XENFEAT_supervisor_mode_kernel],
  ['pae_pgdir_above_4gb', XENFEAT_pae_pgdir_above_4gb],
  ['hvm_callback_vector', XENFEAT_hvm_callback_vector],
  ['dom0', XENFEAT_dom0],
]);

type NoteKind = 'string' | 'number' | 'u32-array' | 'word-array' | 'reloc';

/** The notes libelf interprets (elf_xen_parse_note's table), plus PHYS32_RELOC; others are kept raw. */
const NOTE_TABLE: ReadonlyMap<number, { name: string; kind: NoteKind }> = new Map([
  [XEN_ELFNOTE_INFO, { name: 'INFO', kind: 'string' }],
  [XEN_ELFNOTE_ENTRY, { name: 'ENTRY', kind: 'number' }],
  [XEN_ELFNOTE_HYPERCALL_PAGE, { name: 'HYPERCALL_PAGE', kind: 'number' }],
  [XEN_ELFNOTE_VIRT_BASE, { name: 'VIRT_BASE', kind: 'number' }],
  [XEN_ELFNOTE_PADDR_OFFSET, { name: 'PADDR_OFFSET', kind: 'number' }],
  [XEN_ELFNOTE_XEN_VERSION, { name: 'XEN_VERSION', kind: 'string' }],
  [XEN_ELFNOTE_GUEST_OS, { name: 'GUEST_OS', kind: 'string' }],
  [XEN_ELFNOTE_GUEST_VERSION, { name: 'GUEST_VERSION', kind: 'string' }],
  [XEN_ELFNOTE_LOADER, { name: 'LOADER', kind: 'string' }],
  [XEN_ELFNOTE_PAE_MODE, { name: 'PAE_MODE', kind: 'string' }],
  [XEN_ELFNOTE_FEATURES, { name: 'FEATURES', kind: 'string' }],
  [XEN_ELFNOTE_BSD_SYMTAB, { name: 'BSD_SYMTAB', kind: 'string' }],
  [XEN_ELFNOTE_HV_START_LOW, { name: 'HV_START_LOW', kind: 'number' }],
  [XEN_ELFNOTE_L1_MFN_VALID, { name: 'L1_MFN_VALID', kind: 'word-array' }],
  [XEN_ELFNOTE_SUSPEND_CANCEL, { name: 'SUSPEND_CANCEL', kind: 'number' }],
  [XEN_ELFNOTE_INIT_P2M, { name: 'INIT_P2M', kind: 'number' }],
  [XEN_ELFNOTE_MOD_START_PFN, { name: 'MOD_START_PFN', kind: 'number' }],
  [XEN_ELFNOTE_SUPPORTED_FEATURES, { name: 'SUPPORTED_FEATURES', kind: 'u32-array' }],
  [XEN_ELFNOTE_PHYS32_ENTRY, { name: 'PHYS32_ENTRY', kind: 'number' }],
  [XEN_ELFNOTE_PHYS32_RELOC, { name: 'PHYS32_RELOC', kind: 'reloc' }],
]);

/** One Xen-owned note, decoded. */
export interface XenNote {
  type: number;
  /** XEN_ELFNOTE_ suffix, or `UNKNOWN_0x..` for types libelf ignores. */
  name: string;
  /** string for string notes, bigint for numbers, bigint[] for arrays, raw bytes for unknown types. */
  value: string | bigint | bigint[] | Uint8Array;
  /** Descriptor size in bytes. */
  descSize: number;
  note: ElfNote;
}

/** PAE_MODE: 'yes' is only reachable via legacy `PAE=yes...`; the note's "yes" means extended-cr3. */
export type XenPaeMode = 'no' | 'yes' | 'extended-cr3' | 'bimodal';

export interface XenFeatures {
  /** XENFEAT bitmap (XENFEAT_NR_SUBMAPS = 1 → one u32). Required features are also in here. */
  supported: number;
  required: number;
}

/** What the image says, before any mode-dependent defaults (libelf's `elf_dom_parms` after parsing). */
export interface XenNoteSet {
  /** Where the information came from: Xen notes, the legacy section, or nothing. */
  source: 'notes' | 'legacy' | 'none';
  /** For source 'notes': PT_NOTE segments, or SHT_NOTE sections as libelf's fallback. */
  noteOrigin?: 'segment' | 'section';
  notes: XenNote[];
  /** KEY=VALUE pairs of `__xen_guest`, in order (source 'legacy'). */
  legacy?: Array<[string, string]>;
  guestOs?: string;
  guestVersion?: string;
  xenVersion?: string;
  loader?: string;
  pae: XenPaeMode;
  bsdSymtab: boolean;
  virtBase?: bigint;
  paddrOffset?: bigint;
  entry?: bigint;
  hypercallPage?: bigint;
  hvStartLow?: bigint;
  p2mBase?: bigint;
  modStartPfn: boolean;
  suspendCancel: boolean;
  /** (mask, value) pairs. */
  l1MfnValid: Array<{ mask: bigint; value: bigint }>;
  features: XenFeatures;
  phys32Entry?: number;
  phys32Reloc?: { align?: number; min?: number; max?: number };
  /** Things Xen silently tolerates but a user should hear about. */
  warnings: string[];
}

/** The resolved boot parameters for one mode (libelf's `elf_dom_parms` after `elf_xen_parse`). */
export interface XenGuestInfo extends Omit<XenNoteSet, 'virtBase' | 'paddrOffset' | 'entry'> {
  /** The container the image was checked for: PV, or HVM (PVH direct boot). */
  mode: 'pv' | 'hvm';
  virtBase: bigint;
  paddrOffset: bigint;
  /** virtBase − paddrOffset (mod 2^64): added to p_paddr to get the virtual address. */
  virtOffset: bigint;
  /** Lowest and end physical address over loadable PT_LOADs (libelf pstart/pend). */
  physStart: bigint;
  physEnd: bigint;
  /** [virtKernelStart, virtKernelEnd) = [physStart, physEnd) + virtOffset. */
  virtKernelStart: bigint;
  virtKernelEnd: bigint;
  /** Resolved entry: virtual for PV; for HVM the PHYS32_ENTRY (or e_entry) physical address. */
  entry: bigint;
}

const MASK64 = (1n << 64n) - 1n;
const latin1 = new TextDecoder('latin1');
/** libelf ELF_MAX_TOTAL_NOTE_COUNT: stops pathological images. */
const MAX_TOTAL_NOTES = 2048;

function noteName(type: number): string {
  return NOTE_TABLE.get(type)?.name ?? `UNKNOWN_${hex(type)}`;
}

function readUnsigned(bytes: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i]);
  return v;
}

function decodeNote(note: ElfNote, wordSize: number): XenNote {
  const d = note.desc;
  const entry = NOTE_TABLE.get(note.type);
  const name = noteName(note.type);
  const base = { type: note.type, name, descSize: d.length, note };
  const what = `Xen note ${name} (type ${note.type}) at file offset ${hex(note.offset)}`;
  if (!entry) return { ...base, value: d };
  switch (entry.kind) {
    case 'string': {
      // libelf's elf_strval rejects strings that are not NUL-terminated.
      const nul = d.indexOf(0);
      if (nul < 0) throw new XenImageError(`${what}: string descriptor (${d.length} bytes) is not NUL-terminated`);
      return { ...base, value: latin1.decode(d.subarray(0, nul)) };
    }
    case 'number':
      // libelf-tools.c elf_note_numeric reads 1/2/4/8-byte little-endian values (and
      // silently yields 0 otherwise; we reject that instead).
      if (d.length !== 1 && d.length !== 2 && d.length !== 4 && d.length !== 8) {
        throw new XenImageError(`${what}: numeric descriptor is ${d.length} bytes; expected 4 or 8 (or 1/2)`);
      }
      return { ...base, value: readUnsigned(d, 0, d.length) };
    case 'u32-array':
    case 'word-array':
    case 'reloc': {
      // SUPPORTED_FEATURES/PHYS32_RELOC are u32 arrays; L1_MFN_VALID pairs are longs (Linux xen-head.S).
      const size = entry.kind === 'word-array' ? wordSize : 4;
      if (d.length % size !== 0 || (entry.kind === 'reloc' && d.length > 12)) {
        throw new XenImageError(`${what}: descriptor is ${d.length} bytes; expected a multiple of ${size}`
          + (entry.kind === 'reloc' ? ' and at most 12' : ''));
      }
      if (entry.kind === 'word-array' && (d.length / size) % 2 !== 0) {
        throw new XenImageError(`${what}: descriptor holds ${d.length / size} values; expected mask/value pairs`);
      }
      const out: bigint[] = [];
      for (let o = 0; o < d.length; o += size) out.push(readUnsigned(d, o, size));
      return { ...base, value: out };
    }
  }
}

/** FEATURES string (`a|b|!c`): libelf-dominfo.c elf_xen_parse_features. Returns false on an unknown required name. */
function parseFeatures(s: string, f: XenFeatures, warnings: string[], where: string): string | undefined {
  for (const item of s.split('|')) {
    if (item === '') continue;
    const required = item.startsWith('!');
    const name = required ? item.slice(1) : item;
    const bit = XEN_FEATURE_NAMES.get(name);
    if (bit === undefined) {
      if (required) return name;
      warnings.push(`${where}: unknown feature "${name}" ignored`);
      continue;
    }
    f.supported = (f.supported | (1 << bit)) >>> 0;
    if (required) f.required = (f.required | (1 << bit)) >>> 0;
  }
  return undefined;
}

function emptySet(): XenNoteSet {
  return {
    source: 'none', notes: [], pae: 'no', bsdSymtab: false, modStartPfn: false, suspendCancel: false,
    l1MfnValid: [], features: { supported: 0, required: 0 }, warnings: [],
  };
}

/** Applies one decoded note to the set (elf_xen_parse_note's switch; later notes win). */
function applyNote(set: XenNoteSet, n: XenNote): void {
  const str = typeof n.value === 'string' ? n.value : '';
  const num = typeof n.value === 'bigint' ? n.value : 0n;
  switch (n.type) {
    case XEN_ELFNOTE_LOADER: set.loader = str; break;
    case XEN_ELFNOTE_GUEST_OS: set.guestOs = str; break;
    case XEN_ELFNOTE_GUEST_VERSION: set.guestVersion = str; break;
    case XEN_ELFNOTE_XEN_VERSION: set.xenVersion = str; break;
    case XEN_ELFNOTE_PAE_MODE:
      // libelf: exactly "yes" → EXTCR3; anything containing "bimodal" → BIMODAL; else unchanged.
      if (str === 'yes') set.pae = 'extended-cr3';
      if (str.includes('bimodal')) set.pae = 'bimodal';
      break;
    case XEN_ELFNOTE_BSD_SYMTAB: if (str === 'yes') set.bsdSymtab = true; break;
    case XEN_ELFNOTE_VIRT_BASE: set.virtBase = num; break;
    case XEN_ELFNOTE_ENTRY: set.entry = num; break;
    case XEN_ELFNOTE_INIT_P2M: set.p2mBase = num; break;
    case XEN_ELFNOTE_MOD_START_PFN: set.modStartPfn = num !== 0n; break;
    case XEN_ELFNOTE_PADDR_OFFSET: set.paddrOffset = num; break;
    case XEN_ELFNOTE_HYPERCALL_PAGE: set.hypercallPage = num; break;
    case XEN_ELFNOTE_HV_START_LOW: set.hvStartLow = num; break;
    case XEN_ELFNOTE_SUSPEND_CANCEL: set.suspendCancel = num !== 0n; break;
    case XEN_ELFNOTE_FEATURES: {
      // libelf fails the whole parse on an unknown required ("!name") feature.
      const bad = parseFeatures(str, set.features, set.warnings, 'FEATURES note');
      if (bad !== undefined) throw new XenImageError(`FEATURES note requires unknown feature "!${bad}"`);
      break;
    }
    case XEN_ELFNOTE_SUPPORTED_FEATURES: {
      // Only the first u32 matters: XENFEAT_NR_SUBMAPS is 1.
      const arr = Array.isArray(n.value) ? n.value : [];
      if (arr.length > 0) set.features.supported = (set.features.supported | Number(arr[0])) >>> 0;
      break;
    }
    case XEN_ELFNOTE_L1_MFN_VALID: {
      const arr = Array.isArray(n.value) ? n.value : [];
      set.l1MfnValid = [];
      for (let i = 0; i + 1 < arr.length; i += 2) set.l1MfnValid.push({ mask: arr[i], value: arr[i + 1] });
      break;
    }
    case XEN_ELFNOTE_PHYS32_ENTRY: set.phys32Entry = Number(num & 0xffffffffn); break; // phys_entry is a uint32_t
    case XEN_ELFNOTE_PHYS32_RELOC: {
      const arr = Array.isArray(n.value) ? n.value.map(Number) : [];
      set.phys32Reloc = { align: arr[0], min: arr[1], max: arr[2] };
      break;
    }
    default: break;
  }
}

/** strtoull(value, NULL, 0), but an empty or non-numeric value is an error rather than 0. */
function parseCNumber(key: string, value: string): bigint {
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(value);
  if (!m) throw new XenImageError(`__xen_guest: ${key}=${JSON.stringify(value)} is not a number`);
  const t = m[1];
  const v = /^0[xX]/.test(t) ? BigInt(t) : t.length > 1 && t.startsWith('0') ? BigInt(`0o${t.slice(1)}`) : BigInt(t);
  return v & MASK64;
}

/** Legacy `__xen_guest` string: libelf-dominfo.c elf_xen_parse_guest_info. */
function parseLegacy(set: XenNoteSet, text: string): void {
  set.legacy = [];
  for (const item of text.split(',')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    set.legacy.push([key, value]);
    switch (key) {
      case 'LOADER': set.loader = value; break;
      case 'GUEST_OS': set.guestOs = value; break;
      case 'GUEST_VER': set.guestVersion = value; break;
      case 'XEN_VER': set.xenVersion = value; break;
      case 'PAE':
        if (value === 'yes[extended-cr3]') set.pae = 'extended-cr3';
        else if (value.startsWith('yes')) set.pae = 'yes';
        break;
      case 'BSD_SYMTAB': set.bsdSymtab = true; break; // any value counts
      case 'VIRT_BASE': set.virtBase = parseCNumber(key, value); break;
      case 'VIRT_ENTRY': set.entry = parseCNumber(key, value); break;
      case 'ELF_PADDR_OFFSET': set.paddrOffset = parseCNumber(key, value); break;
      // A page number; made absolute (+ VIRT_BASE) after the loop, as libelf does.
      case 'HYPERCALL_PAGE': set.hypercallPage = (parseCNumber(key, value) << 12n) & MASK64; break;
      case 'FEATURES': {
        const bad = parseFeatures(value, set.features, set.warnings, '__xen_guest FEATURES');
        if (bad !== undefined) {
          // libelf stops parsing here and elf_xen_parse ignores the error: later keys are lost.
          set.warnings.push(`__xen_guest: unknown required feature "!${bad}"; the keys after it are ignored, as Xen does`);
          finishLegacy(set);
          return;
        }
        break;
      }
      default: break;
    }
  }
  finishLegacy(set);
}

function finishLegacy(set: XenNoteSet): void {
  // libelf adds VIRT_BASE only when it was given; otherwise the page number stays relative to 0.
  if (set.virtBase !== undefined && set.hypercallPage !== undefined) set.hypercallPage = (set.hypercallPage + set.virtBase) & MASK64;
}

/**
 * Collects the Xen notes of an image, libelf-style (elf_xen_parse): Xen notes from PT_NOTE
 * segments (skipping p_offset 0, a binutils bug libelf works around); if none of those are
 * Xen notes, from SHT_NOTE sections; if still none, the `__xen_guest` section.
 * `legacyFallback` false skips the last step (libelf does so for HVM containers).
 */
export function readXenNotes(elf: ElfFile, legacyFallback = true): XenNoteSet {
  const set = emptySet();
  const wordSize = elf.is64 ? 8 : 4;
  let total = 0;
  const collect = (notes: ElfNote[]): XenNote[] => {
    const out: XenNote[] = [];
    for (const n of notes) {
      if (++total > MAX_TOTAL_NOTES) throw new XenImageError(`too many ELF notes (more than ${MAX_TOTAL_NOTES})`);
      if (n.name === 'Xen') out.push(decodeNote(n, wordSize));
    }
    return out;
  };
  const badSegs = new Set(elf.programHeaders.filter((p) => p.type === PT_NOTE && p.offset === 0n).map((p) => p.index));
  let xen = collect(elf.segmentNotes().filter((n) => !badSegs.has(n.origin.index)));
  let origin: 'segment' | 'section' = 'segment';
  if (xen.length === 0 && elf.sections.some((s) => s.type === SHT_NOTE)) {
    xen = collect(elf.sectionNotes());
    origin = 'section';
  }
  if (xen.length > 0) {
    set.source = 'notes';
    set.noteOrigin = origin;
    set.notes = xen;
    for (const n of xen) applyNote(set, n);
    return set;
  }
  const legacy = legacyFallback ? elf.section('__xen_guest') : undefined;
  if (legacy) {
    set.source = 'legacy';
    const data = elf.sectionData(legacy);
    const nul = data.indexOf(0);
    parseLegacy(set, latin1.decode(nul < 0 ? data : data.subarray(0, nul)));
  }
  return set;
}

/** True when the image carries something a Xen loader recognises (any Xen note or `__xen_guest`). */
export function hasXenInfo(set: XenNoteSet): boolean {
  return set.source !== 'none';
}

/** pstart/pend over loadable segments (libelf-loader.c elf_parse_binary: PT_LOAD with any of R/W/X). */
export function physicalBounds(elf: ElfFile): { start: bigint; end: bigint } {
  let start = MASK64, end = 0n;
  for (const p of elf.programHeaders) {
    if (p.type !== PT_LOAD || (p.flags & (PF_R | PF_W | PF_X)) === 0) continue;
    if (p.paddr < start) start = p.paddr;
    if (p.paddr + p.memsz > end) end = p.paddr + p.memsz;
  }
  if (start > end) throw new XenImageError('the image has no loadable PT_LOAD segments');
  return { start, end };
}

/**
 * Applies libelf's acceptance and address rules for one container type
 * (elf_xen_note_check + elf_xen_addr_calc_check), plus a few emulator checks marked as such.
 */
export function deriveXenGuestInfo(elf: ElfFile, set: XenNoteSet, mode: 'pv' | 'hvm'): XenGuestInfo {
  const hvm = mode === 'hvm';
  noteCheck(elf, set, hvm);

  // elf_xen_addr_calc_check: PADDR_OFFSET without VIRT_BASE is an error for PV.
  if (!hvm && set.paddrOffset !== undefined && set.virtBase === undefined) {
    throw new XenImageError('PADDR_OFFSET (ELF_PADDR_OFFSET) is set but VIRT_BASE is not');
  }
  // VIRT_BASE defaults to 0; PVH forces 0 (paging is off).
  const virtBase = hvm ? 0n : set.virtBase ?? 0n;
  // PADDR_OFFSET defaults to 0 with notes but to VIRT_BASE for __xen_guest (old kernels set
  // p_paddr = virtual address); PVH forces 0.
  const paddrOffset = hvm ? 0n : set.paddrOffset ?? (set.source === 'legacy' ? virtBase : 0n);
  const virtOffset = (virtBase - paddrOffset) & MASK64;
  const { start, end } = physicalBounds(elf);
  const virtKernelStart = (start + virtOffset) & MASK64;
  const virtKernelEnd = (end + virtOffset) & MASK64;
  // ENTRY defaults to e_entry; for PVH it is PHYS32_ENTRY.
  const entry = hvm ? (set.phys32Entry !== undefined ? BigInt(set.phys32Entry) : elf.header.entry)
    : set.entry ?? elf.header.entry;

  // libelf's bounds check (note: entry == kend passes, as in Xen). BSD_SYMTAB extension of
  // kend (elf_parse_bsdsyms) is not modelled.
  const range = `[${hex(virtKernelStart)}, ${hex(virtKernelEnd)})`;
  if (virtKernelStart > virtKernelEnd) throw new XenImageError(`kernel start ${hex(virtKernelStart)} is above its end ${hex(virtKernelEnd)}`);
  if (entry < virtKernelStart || entry > virtKernelEnd) {
    throw new XenImageError(`entry point ${hex(entry)} is outside the kernel image ${range} (ELF start or entries are out of bounds)`);
  }
  if (virtBase > virtKernelStart) {
    throw new XenImageError(`VIRT_BASE ${hex(virtBase)} is above the kernel start ${hex(virtKernelStart)} (ELF start or entries are out of bounds)`);
  }
  if (set.p2mBase !== undefined && set.p2mBase >= virtKernelStart && set.p2mBase < virtKernelEnd) {
    throw new XenImageError(`INIT_P2M ${hex(set.p2mBase)} lies inside the kernel image ${range} (P->M table base is out of bounds)`);
  }

  if (!hvm) {
    // Emulator check: the builder fills the hypercall page inside the loaded image
    // (xg_dom_x86.c setup_hypercall_page works from its pfn relative to VIRT_BASE).
    if (set.hypercallPage !== undefined && (set.hypercallPage < virtKernelStart || set.hypercallPage >= virtKernelEnd)) {
      throw new XenImageError(`HYPERCALL_PAGE ${hex(set.hypercallPage)} is outside the kernel image ${range}`);
    }
    // Emulator check: a 32-bit PV kernel's addresses must fit in 32 bits.
    if (elf.header.machine === EM_386 && virtKernelEnd > 0x100000000n) {
      throw new XenImageError(`32-bit PV kernel image ${range} does not fit below 4 GiB`);
    }
  }

  const { virtBase: _vb, paddrOffset: _po, entry: _e, ...rest } = set;
  return {
    ...rest, mode, virtBase, paddrOffset, virtOffset, physStart: start, physEnd: end,
    virtKernelStart, virtKernelEnd, entry,
  };
}

/** elf_xen_note_check: which notes a loader insists on. */
function noteCheck(elf: ElfFile, set: XenNoteSet, hvm: boolean): void {
  const m = elf.header.machine;
  if (set.source === 'none') {
    if (m === EM_386 || m === EM_X86_64) {
      throw new XenImageError(hvm
        ? 'not a PVH image: no Xen ELF notes found (a PHYS32_ENTRY note is required)'
        : "not a Xen-ELF image: no Xen ELF notes or '__xen_guest' section found");
    }
    return;
  }
  // PVH needs only PHYS32_ENTRY.
  if (hvm && set.phys32Entry !== undefined) return;
  if (hvm) {
    // xg_dom_elfloader.c (xc_dom_guest_type): a HVM container needs PHYS32_ENTRY.
    throw new XenImageError('image is not capable of booting inside a HVM container: no PHYS32_ENTRY note');
  }
  const loaderOk = (set.loader ?? '').startsWith('generic');
  const osOk = (set.guestOs ?? '').startsWith('linux');
  if (!loaderOk && !osOk) {
    const what = set.source === 'legacy' ? '__xen_guest LOADER/GUEST_OS' : 'LOADER/GUEST_OS notes';
    throw new XenImageError(`${what}: Xen only loads images built for the generic loader or Linux images `
      + `(LOADER ${describe(set.loader)}, GUEST_OS ${describe(set.guestOs)}) or, as PVH, with PHYS32_ENTRY`);
  }
  if (!(set.xenVersion ?? '').startsWith('xen-3.0')) {
    throw new XenImageError(`XEN_VERSION ${describe(set.xenVersion)}: Xen only loads images built for Xen v3.0 ("xen-3.0")`);
  }
}

function describe(s: string | undefined): string {
  return s === undefined ? 'missing' : JSON.stringify(s);
}

/** readXenNotes + deriveXenGuestInfo. HVM mode skips `__xen_guest`, as libelf does. */
export function parseXenGuestInfo(elf: ElfFile, mode: 'pv' | 'hvm'): XenGuestInfo {
  return deriveXenGuestInfo(elf, readXenNotes(elf, mode === 'pv'), mode);
}

/** The PV ABI an image asks for (xg_dom_elfloader.c xc_dom_guest_type: by e_machine, then PAE). */
export function pvGuestType(elf: ElfFile, pae: XenPaeMode): 'xen-3.0-x86_64' | 'xen-3.0-x86_32p' | 'xen-3.0-x86_32' {
  if (elf.header.machine === EM_X86_64) return 'xen-3.0-x86_64';
  return pae === 'no' ? 'xen-3.0-x86_32' : 'xen-3.0-x86_32p';
}

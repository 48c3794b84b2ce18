/**
 * Reads just enough of a file to tell whether it is a Xen guest kernel: the ELF header, the program
 * headers, the Xen notes and the section names. Reads are bounded, so probing a large vmlinux or a
 * non-ELF file costs a few small reads, never the whole file.
 */
import { promises as fs } from 'node:fs';

const EM_386 = 3;
const EM_X86_64 = 62;
const PT_INTERP = 3;
const PT_NOTE = 4;
const SHT_NOTE = 7;
/** XEN_ELFNOTE_PHYS32_ENTRY: the PVH entry point. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
const XEN_ELFNOTE_PHYS32_RELOC = 19;
/** Notes only a PV domain builder reads (ENTRY, HYPERCALL_PAGE, VIRT_BASE, PADDR_OFFSET, PAE_MODE, HV_START_LOW, INIT_P2M, L1_MFN_VALID). */
const PV_NOTES = new Set([1, 2, 3, 4, 9, 11, 12, 13]);
const MAX_TABLE_BYTES = 1 << 20;
const MAX_NOTE_BYTES = 64 << 10;

export interface ElfProbe {
  elfClass: 32 | 64;
  machine: 'x86_64' | 'i386' | 'other';
  fileType: 'rel' | 'exec' | 'dyn' | 'other';
  /** A PT_INTERP segment: a host program run by a dynamic loader, not a kernel. */
  hasInterpreter: boolean;
  /** Types of the notes owned by "Xen" (PT_NOTE segments, else .note* sections). */
  xenNotes: number[];
  /** The pre-notes `__xen_guest` section of old PV kernels. */
  legacyXenGuest: boolean;
  hasDebugInfo: boolean;
}

export type GuestKind = 'PV64' | 'PV32' | 'PVH' | 'HVM';

type Reader = (offset: number, length: number) => Promise<Buffer>;

function parseNotes(buf: Buffer, little: boolean, out: number[]): void {
  const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const align4 = (n: number): number => (n + 3) & ~3;
  for (let o = 0; o + 12 <= buf.length;) {
    const namesz = u32(o); const descsz = u32(o + 4); const type = u32(o + 8);
    const name = buf.subarray(o + 12, o + 12 + namesz).toString('latin1').replace(/\0+$/, '');
    if (name === 'Xen') out.push(type);
    const next = o + 12 + align4(namesz) + align4(descsz);
    if (next <= o) break;
    o = next;
  }
}

async function probeWith(read: Reader, size: number): Promise<ElfProbe | undefined> {
  const id = await read(0, 64);
  if (id.length < 52 || id.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const cls = id[4]; const data = id[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const is64 = cls === 2; const little = data === 1;
  if (is64 && id.length < 64) return undefined;
  const u16 = (b: Buffer, o: number): number => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number): number => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
  // Offsets and sizes above 2^53 cannot be in a file we could read anyway.
  const addr = (b: Buffer, o: number): number => (is64 ? Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
  const etype = u16(id, 16); const emachine = u16(id, 18);
  const phoff = addr(id, is64 ? 32 : 28); const shoff = addr(id, is64 ? 40 : 32);
  const o = is64 ? 54 : 42;
  const phentsize = u16(id, o); const phnum = u16(id, o + 2); const shentsize = u16(id, o + 4); const shnum = u16(id, o + 6);
  const shstrndx = u16(id, o + 8);

  const probe: ElfProbe = {
    elfClass: is64 ? 64 : 32,
    machine: emachine === EM_X86_64 ? 'x86_64' : emachine === EM_386 ? 'i386' : 'other',
    fileType: etype === 1 ? 'rel' : etype === 2 ? 'exec' : etype === 3 ? 'dyn' : 'other',
    hasInterpreter: false, xenNotes: [], legacyXenGuest: false, hasDebugInfo: false,
  };
  const table = async (off: number, entsize: number, num: number): Promise<Buffer | undefined> => {
    const bytes = entsize * num;
    if (!off || !num || entsize < (is64 ? 56 : 32) || bytes > MAX_TABLE_BYTES || off + bytes > size) return undefined;
    return read(off, bytes);
  };

  const ph = await table(phoff, phentsize, phnum);
  for (let i = 0; ph && i < phnum; i++) {
    const e = i * phentsize;
    const ptype = u32(ph, e);
    if (ptype === PT_INTERP) probe.hasInterpreter = true;
    if (ptype !== PT_NOTE) continue;
    const off = addr(ph, e + (is64 ? 8 : 4)); const filesz = addr(ph, e + (is64 ? 32 : 16));
    if (filesz <= MAX_NOTE_BYTES && off + filesz <= size) parseNotes(await read(off, filesz), little, probe.xenNotes);
  }

  const sh = await table(shoff, shentsize, shnum);
  if (sh && shstrndx < shnum) {
    const sect = (i: number): { name: number; type: number; off: number; size: number } => {
      const e = i * shentsize;
      return { name: u32(sh, e), type: u32(sh, e + 4), off: addr(sh, e + (is64 ? 24 : 16)), size: addr(sh, e + (is64 ? 32 : 20)) };
    };
    const strtab = sect(shstrndx);
    const names = strtab.size <= MAX_TABLE_BYTES && strtab.off + strtab.size <= size ? await read(strtab.off, strtab.size) : Buffer.alloc(0);
    const nameAt = (n: number): string => {
      const end = names.indexOf(0, n);
      return n < names.length ? names.toString('latin1', n, end < 0 ? names.length : end) : '';
    };
    const fromSegments = probe.xenNotes.length > 0;
    for (let i = 1; i < shnum; i++) {
      const s = sect(i); const name = nameAt(s.name);
      if (name === '.debug_info') probe.hasDebugInfo = true;
      if (name === '__xen_guest') probe.legacyXenGuest = true;
      if (!fromSegments && s.type === SHT_NOTE && s.size <= MAX_NOTE_BYTES && s.off + s.size <= size) {
        parseNotes(await read(s.off, s.size), little, probe.xenNotes);
      }
    }
  }
  return probe;
}

/** Probes `file`; undefined when it is not a readable ELF file. */
export async function probeElf(file: string): Promise<ElfProbe | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    const h = handle;
    const read: Reader = async (offset, length) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      const { bytesRead } = await h.read(buf, 0, buf.length, offset);
      return buf.subarray(0, bytesRead);
    };
    return await probeWith(read, size);
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/**
 * How the adapter would boot the image, or undefined when it is not a guest kernel we can run (not x86,
 * an object file, a host program, a shared library).
 */
export function guestKind(p: ElfProbe): GuestKind | undefined {
  if (p.machine === 'other' || p.fileType === 'rel' || p.fileType === 'other' || p.hasInterpreter) return undefined;
  // As the emulator decides (boot/guest-kind.ts): PV-only notes, or Xen notes with no PVH entry point.
  const pv = p.legacyXenGuest || p.xenNotes.some((t) => PV_NOTES.has(t))
    || (!p.xenNotes.includes(XEN_ELFNOTE_PHYS32_ENTRY) && p.xenNotes.some((t) => t !== XEN_ELFNOTE_PHYS32_RELOC));
  if (pv) return p.machine === 'x86_64' ? 'PV64' : 'PV32';
  if (p.xenNotes.includes(XEN_ELFNOTE_PHYS32_ENTRY)) return 'PVH';
  // No Xen notes: an HVM firmware-style image, unless it is position-independent (a host library).
  return p.fileType === 'exec' ? 'HVM' : undefined;
}

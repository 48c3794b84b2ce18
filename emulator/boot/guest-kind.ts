/**
 * Which way to boot an image (DESIGN.md CLI contract for `--type`): PV when it carries Xen
 * PV notes or `__xen_guest`, PVH when its only Xen entry point is PHYS32_ENTRY (or when asked
 * for), else HVM firmware-style (loaded by physical address, 32-bit flat entry at e_entry,
 * the way hvmloader and XTF HVM images are started).
 */
import { ElfFile, EM_386, EM_X86_64, PF_R, PF_W, PF_X, PT_LOAD } from './elf';
import {
  XEN_ELFNOTE_ENTRY, XEN_ELFNOTE_HV_START_LOW, XEN_ELFNOTE_HYPERCALL_PAGE, XEN_ELFNOTE_INIT_P2M, XEN_ELFNOTE_L1_MFN_VALID,
  XEN_ELFNOTE_PADDR_OFFSET, XEN_ELFNOTE_PAE_MODE, XEN_ELFNOTE_PHYS32_RELOC, XEN_ELFNOTE_VIRT_BASE,
  XENFEAT_dom0, XenGuestInfo, XenImageError, XenNoteSet, deriveXenGuestInfo, pvGuestType, readXenNotes,
} from './xen-notes';

/** `--type` values of the CLI. */
export type RequestedGuestType = 'pv' | 'pv64' | 'pv32' | 'pvh' | 'hvm';

export type GuestKind =
  | { kind: 'pv'; bitness: 64 | 32; guestType: 'xen-3.0-x86_64' | 'xen-3.0-x86_32p'; info: XenGuestInfo; notes: XenNoteSet }
  | { kind: 'pvh'; entry: number; info: XenGuestInfo; notes: XenNoteSet }
  | { kind: 'hvm'; entry: number; notes: XenNoteSet };

/** Notes only a PV builder consumes; with PHYS32_ENTRY alone an image is PVH-only. */
const PV_ONLY_NOTES = new Set([
  XEN_ELFNOTE_ENTRY, XEN_ELFNOTE_HYPERCALL_PAGE, XEN_ELFNOTE_VIRT_BASE, XEN_ELFNOTE_PADDR_OFFSET, XEN_ELFNOTE_PAE_MODE,
  XEN_ELFNOTE_HV_START_LOW, XEN_ELFNOTE_INIT_P2M, XEN_ELFNOTE_L1_MFN_VALID,
]);

/**
 * Does the image look like a PV kernel? `__xen_guest`, or Xen notes without PHYS32_ENTRY, or
 * PHYS32_ENTRY together with PV-only notes (a Linux kernel built for both PV and PVH).
 * Our heuristic: Xen itself never guesses, xl.cfg's `type` decides.
 */
export function hasPvNotes(set: XenNoteSet): boolean {
  if (set.source === 'legacy') return true;
  if (set.source !== 'notes') return false;
  if (set.phys32Entry === undefined) return set.notes.some((n) => n.type !== XEN_ELFNOTE_PHYS32_RELOC);
  return set.notes.some((n) => PV_ONLY_NOTES.has(n.type));
}

/** PV bitness from the header: e_machine decides (xc_dom_guest_type); the class must agree. */
export function pvBitness(elf: ElfFile): 64 | 32 {
  const { machine, elfClass } = elf.header;
  if (machine === EM_X86_64 && elfClass === 64) return 64;
  if (machine === EM_386 && elfClass === 32) return 32;
  // Xen's builder would go by e_machine alone, but an ELFCLASS32 EM_X86_64 file (XTF hvm64
  // layout) is not a PV64 kernel anyone builds; refuse rather than guess.
  throw new XenImageError(`PV kernels must be ELFCLASS64 with EM_X86_64 or ELFCLASS32 with EM_386, `
    + `not ELF${elfClass} with e_machine ${machine}`);
}

function decidePv(elf: ElfFile, want: 64 | 32 | undefined): GuestKind {
  const notes = readXenNotes(elf, true);
  const info = deriveXenGuestInfo(elf, notes, 'pv');
  const bitness = pvBitness(elf);
  if (want !== undefined && want !== bitness) {
    throw new XenImageError(`asked for a ${want}-bit PV guest, but the kernel is ${bitness}-bit (e_machine ${elf.header.machine})`);
  }
  const guestType = pvGuestType(elf, info.pae);
  // 64-bit Xen offers only xen-3.0-x86_64 and xen-3.0-x86_32p (xc_dom_compat_check against xen_caps).
  if (guestType === 'xen-3.0-x86_32') {
    throw new XenImageError('32-bit PV kernel without PAE (PAE_MODE missing or "no"): guest type xen-3.0-x86_32 is not '
      + 'supported by 64-bit Xen; it needs PAE_MODE "yes" (or legacy PAE=yes[extended-cr3])');
  }
  // xg_dom_elfloader.c: a kernel requiring XENFEAT_dom0 cannot run as a domU.
  if ((info.features.required >>> XENFEAT_dom0) & 1) {
    throw new XenImageError('kernel requires the "dom0" feature: it does not support unprivileged (DomU) operation');
  }
  return { kind: 'pv', bitness, guestType, info, notes };
}

function decidePvh(elf: ElfFile): GuestKind {
  const notes = readXenNotes(elf, false);
  const info = deriveXenGuestInfo(elf, notes, 'hvm');
  return { kind: 'pvh', entry: Number(info.entry), info, notes };
}

/** HVM firmware-style: e_entry is a physical address reached in 32-bit flat mode, paging off. */
function decideHvm(elf: ElfFile): GuestKind {
  const notes = readXenNotes(elf, false);
  const entry = elf.header.entry;
  // Emulator checks: everything is loaded by p_paddr below 4 GiB and entered in 32-bit mode.
  if (entry >= 0x100000000n) throw new XenImageError(`HVM entry point 0x${entry.toString(16)} is not a 32-bit physical address`);
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0n && (p.flags & (PF_R | PF_W | PF_X)) !== 0);
  for (const p of loads) {
    if (p.paddr + p.memsz > 0x100000000n) {
      throw new XenImageError(`HVM image segment ${p.index} (physical 0x${p.paddr.toString(16)}, size 0x${p.memsz.toString(16)}) extends above 4 GiB`);
    }
  }
  if (!loads.some((p) => entry >= p.paddr && entry < p.paddr + p.memsz)) {
    throw new XenImageError(`HVM entry point 0x${entry.toString(16)} is not inside any PT_LOAD segment's physical range`);
  }
  return { kind: 'hvm', entry: Number(entry), notes };
}

/**
 * Decides how to boot `elf`. Without `requested`, defaults per the CLI contract; with it,
 * checks that the image supports that type. Throws XenImageError/ElfError on a bad image.
 */
export function decideGuestKind(elf: ElfFile, requested?: RequestedGuestType): GuestKind {
  switch (requested) {
    case 'pv': return decidePv(elf, undefined);
    case 'pv64': return decidePv(elf, 64);
    case 'pv32': return decidePv(elf, 32);
    case 'pvh': return decidePvh(elf);
    case 'hvm': return decideHvm(elf);
    case undefined: break;
  }
  const legacyAware = readXenNotes(elf, true);
  if (hasPvNotes(legacyAware)) return decidePv(elf, undefined);
  if (legacyAware.phys32Entry !== undefined) return decidePvh(elf);
  return decideHvm(elf);
}

/** The `--type`-style name of a decision, e.g. for thread names (`PV64`, `PVH`, `HVM`). */
export function guestKindLabel(k: GuestKind): string {
  return k.kind === 'pv' ? `PV${k.bitness}` : k.kind.toUpperCase();
}

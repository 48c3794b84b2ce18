/**
 * HVM and PVH start of day (fact sheet §6.3, docs/misc/pvh.pandoc, tools/libs/guest/xg_dom_x86.c):
 * the ELF is loaded by physical address into guest RAM and vCPU 0 starts in 32-bit flat protected mode with
 * paging off: at XEN_ELFNOTE_PHYS32_ENTRY with EBX = &hvm_start_info for PVH, or at e_entry for an HVM
 * "firmware" image (what xl's firmware_override loads, as XTF HVM tests expect). Console, XenStore and the
 * (not yet mapped) shared_info page live in special pages above RAM, reserved in the memory map; the guest
 * finds them through HVM params, hvm_start_info and XENMEM_add_to_physmap.
 */
import { Reg, Seg } from '../cpu/api-types';
import { PhysicalMemory } from '../memory/physical-memory';
import { StructView, fieldOf, layoutOf } from '../xen/abi/layout';
import { hvm_memmap_table_entry, hvm_start_info, vcpu_info, XEN_LEGACY_MAX_VCPUS } from '../xen/abi/structs';
import type { Domain } from '../xen/domain';
import type { Hypervisor } from '../xen/hypervisor';
import { ElfFile, hex } from './elf';
import type { GuestKind } from './guest-kind';
import { XenImageError } from './xen-notes';

/** HVM_PARAM_* indexes the builder sets (public/hvm/params.h). */
export const HVM_PARAM = { CALLBACK_IRQ: 0, STORE_PFN: 1, STORE_EVTCHN: 2, CONSOLE_PFN: 17, CONSOLE_EVTCHN: 18 } as const;
/** hvm_start_info.magic "xEn3" with bit 7 of 'E' set (public/arch-x86/hvm/start_info.h). */
export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
/** E820 types (hvm_memmap_table_entry.type). */
export const E820_RAM = 1;
export const E820_RESERVED = 2;

/** Special pages after RAM, in this order. */
const SPECIAL = { store: 0, console: 1, sharedInfo: 2, startInfo: 3 } as const;
const SPECIAL_PAGES = 4;
const MiB = 1024 * 1024;
/** Our guest-physical space is one array (≤ 2 GiB); keep room for the special pages. */
const MAX_HVM_MEMORY_MIB = 2047;

/** Attribute word in our core's format (descriptor bits 40-47 | bits 52-55 << 12) from Xen's `_ar` format. */
const coreAttr = (ar: number): number => (ar & 0xff) | ((ar & 0xf00) << 4);

export function buildHvmDomain(hv: Hypervisor, d: Domain, elf: ElfFile, kind: Extract<GuestKind, { kind: 'pvh' | 'hvm' }>): void {
  const memMiB = d.options.memoryMiB;
  if (memMiB > MAX_HVM_MEMORY_MIB) throw new XenImageError(`memory = ${memMiB} MiB: HVM/PVH guests are limited to ${MAX_HVM_MEMORY_MIB} MiB in this emulator`);
  const ramBytes = memMiB * MiB;
  const ramPages = ramBytes / 4096;
  d.mem = new PhysicalMemory(ramBytes + SPECIAL_PAGES * 4096);
  d.populated = new Uint8Array(d.mem.pageCount).fill(1);
  d.totPages = ramPages;
  d.maxPages = (d.options.maxMemoryMiB ?? memMiB) * MiB / 4096;
  d.memoryMap = [
    { addr: 0n, size: BigInt(ramBytes), type: E820_RAM },
    { addr: BigInt(ramBytes), size: BigInt(SPECIAL_PAGES * 4096), type: E820_RESERVED },
  ];
  const specialFrame = (k: number): number => ramPages + k;

  loadByPhysicalAddress(d, elf, ramBytes);

  // shared_info: a Xen page the guest maps with XENMEM_add_to_physmap; every vcpu_info starts masked.
  d.sharedInfoAddr = specialFrame(SPECIAL.sharedInfo) * 4096;
  d.sharedInfoAbi = 'x86_64';
  maskAllVcpuInfo(d);
  hv.addDomain(d);
  hv.attachEventChannels(d);
  d.storeFrame = specialFrame(SPECIAL.store);
  d.consoleFrame = specialFrame(SPECIAL.console);
  hv.console.attach(d);
  hv.xenstore.attach(d);
  d.hvmParams.set(HVM_PARAM.STORE_PFN, BigInt(d.storeFrame));
  d.hvmParams.set(HVM_PARAM.STORE_EVTCHN, BigInt(d.storePort));
  d.hvmParams.set(HVM_PARAM.CONSOLE_PFN, BigInt(d.consoleFrame));
  d.hvmParams.set(HVM_PARAM.CONSOLE_EVTCHN, BigInt(d.consolePort));

  const v0 = d.vcpus[0];
  const cpu = v0.cpu;
  setFlat32(v0.cpu);
  cpu.rip = kind.entry >= 0 ? BigInt(kind.entry) : 0n;
  if (kind.kind === 'pvh') {
    const startInfo = specialFrame(SPECIAL.startInfo) * 4096;
    writeHvmStartInfo(d, startInfo);
    cpu.setReg(Reg.RBX, BigInt(startInfo));
  }
  if (Number(cpu.rip) >= ramBytes) throw new XenImageError(`entry point ${hex(cpu.rip)} is outside guest RAM (${memMiB} MiB)`);
}

/** Loads PT_LOAD segments at p_paddr (zero-filling p_memsz beyond p_filesz). */
function loadByPhysicalAddress(d: Domain, elf: ElfFile, ramBytes: number): void {
  const segs = elf.loadSegments.filter((p) => p.memsz > 0n);
  if (segs.length === 0) throw new XenImageError('the image has no loadable segments');
  for (const p of segs) {
    const start = p.paddr, end = p.paddr + p.memsz;
    if (end > BigInt(ramBytes)) {
      throw new XenImageError(`segment ${p.index} [${hex(start)}, ${hex(end)}) does not fit in ${ramBytes / MiB} MiB of guest RAM`);
    }
    d.mem.writeBytes(Number(start), elf.segmentData(p));
  }
}

/** 32-bit flat protected mode, paging off: CR0 = PE|ET, CS 0xc9b, data 0xc93, TR 0x8b (§6.3). */
function setFlat32(cpu: Domain['vcpus'][number]['cpu']): void {
  cpu.setControl('cr0', 0x11n);
  cpu.setControl('cr4', 0n);
  cpu.setControl('efer', 0n);
  const flat = (selector: number, ar: number) => ({ selector, base: 0n, limit: 0xffffffff, attributes: coreAttr(ar) });
  // The selector values are unspecified by the PVH ABI; 0x10/0x18 are conventional.
  cpu.setSegment(Seg.CS, flat(0x10, 0xc9b));
  for (const s of [Seg.DS, Seg.ES, Seg.SS, Seg.FS, Seg.GS]) cpu.setSegment(s, flat(0x18, 0xc93));
  cpu.rflags = 0x2n;
  for (let r = 0; r < 16; r++) cpu.setReg(r, 0n);
}

/** Domain creation leaves every legacy vcpu_info with evtchn_upcall_mask = 1 (events masked, §6.2). */
export function maskAllVcpuInfo(d: Domain): void {
  const vi = layoutOf(vcpu_info, d.sharedInfoAbi);
  const mask = fieldOf(vi, 'evtchn_upcall_mask').offset;
  for (let i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) d.mem.write8(d.sharedInfoAddr + i * vi.size + mask, 1);
}

/** hvm_start_info version 1 followed by the command line and the memory map, all in one special page. */
function writeHvmStartInfo(d: Domain, at: number): void {
  const si = new StructView(layoutOf(hvm_start_info, 'x86_64'), d.mem.view, at);
  const entry = layoutOf(hvm_memmap_table_entry, 'x86_64');
  let off = at + si.layout.size;
  const cmd = new TextEncoder().encode(d.options.cmdline);
  let cmdlinePaddr = 0;
  if (cmd.length > 0) {
    cmdlinePaddr = off;
    d.mem.writeBytes(off, cmd.subarray(0, 1023));
    off += Math.min(cmd.length, 1023) + 1;
  }
  off = (off + 7) & ~7;
  const memmapPaddr = off;
  for (const m of d.memoryMap) {
    const e = new StructView(entry, d.mem.view, off);
    e.set('addr', m.addr);
    e.set('size', m.size);
    e.set('type', m.type);
    off += entry.size;
  }
  si.set('magic', XEN_HVM_START_MAGIC_VALUE);
  si.set('version', 1);
  si.set('flags', 0);
  si.set('nr_modules', 0);
  si.set('cmdline_paddr', BigInt(cmdlinePaddr));
  si.set('memmap_paddr', BigInt(memmapPaddr));
  si.set('memmap_entries', d.memoryMap.length);
}

/**
 * Segment descriptors of PV guests: the per-vCPU GDT/LDT area Xen maps (guest GDT frames in pages 0..13,
 * Xen's reserved page with the flat selectors in page 14, the LDT above), check_descriptor() for
 * set_gdt/update_descriptor/LDT pages, and loading a selector into the core the way Xen's return-to-guest
 * path (hardware iret) would.
 *
 * Sources: xen/arch/x86/pv/descriptor-tables.c (pv_set_gdt, do_update_descriptor), x86_64/mm.c
 * (check_descriptor), mm.c (validate_segdesc_page), asm/desc.h (__fixup_guest_selector,
 * guest_gate_selector_okay) — Xen 4.17.
 */
import { CS, SS } from '../../cpu/constants';
import { decodeDescriptor } from '../../cpu/segments';
import { XenErrno } from '../errno';
import type { Domain } from '../domain';
import type { Vcpu } from '../vcpu';
import {
  FIRST_RESERVED_GDT_ENTRY, FIRST_RESERVED_GDT_PAGE, GDT_AREA_32, GDT_LDT_PAGES_PER_VCPU, GDT_LIMIT,
  HYPERVISOR_VIRT_START_32, LDT_PAGE_OFFSET, LDT_SELECTOR, PERDOMAIN_VIRT_START_64, XEN_GDT_32, XEN_GDT_64,
  _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW,
} from './layout';
import { getPageAndType, guestAddrOk, makePte, ownedByDomain, putPageType, setSegdescValidator, writePte } from './mmu';
import { PgType, pvDomainStateOf, pvOf } from './state';

const ATTR_UNUSABLE = 1 << 16;
const LDTR = 6;
const TR = 7;

/** GUEST_KERNEL_RPL: 3 for 64-bit guests (kernel in ring 3), 1 for 32-bit ones. */
const guestKernelRpl = (d: Domain): number => (d.pvBits === 64 ? 3 : 1);

/** __fixup_guest_selector(): a selector below the kernel's RPL gets the kernel RPL. */
export function fixupGuestSelector(d: Domain, sel: number): number {
  const rpl = guestKernelRpl(d);
  return (sel & 3) >= rpl ? sel & 0xffff : ((sel & ~3) | rpl) & 0xffff;
}

/** Linear address of vCPU `id`'s GDT (GDT_VIRT_START(v)); the LDT follows 64 KiB above. */
function gdtVirt(d: Domain, id: number): bigint {
  const base = d.pvBits === 64 ? PERDOMAIN_VIRT_START_64 : BigInt(GDT_AREA_32);
  return base + BigInt(id) * BigInt(GDT_LDT_PAGES_PER_VCPU * 4096);
}

/** Maps page `page` (0..31) of vCPU `id`'s GDT/LDT area onto `mfn` (0 = not present). */
function mapAreaPage(d: Domain, id: number, page: number, mfn: number, writable: boolean): void {
  const L = pvDomainStateOf(d).layout;
  const slot = (id % 16) * GDT_LDT_PAGES_PER_VCPU + page;
  const l1 = L.gdtL1Mfns[Math.floor(id / 16)];
  writePte(d, l1, slot, mfn ? makePte(mfn, _PAGE_PRESENT | _PAGE_ACCESSED | (writable ? _PAGE_RW | _PAGE_DIRTY : 0)) : { lo: 0, hi: 0 });
}

/** Writes Xen's reserved GDT page (entries 7168.. = page offset 0) for this guest type. */
export function writeXenGdtPage(d: Domain): void {
  const L = pvDomainStateOf(d).layout;
  const table = d.pvBits === 64 ? XEN_GDT_64 : XEN_GDT_32;
  for (const [sel, desc] of table) d.mem.write64(L.xenGdtMfn * 4096 + (sel & 0xfff8) - FIRST_RESERVED_GDT_ENTRY * 8, desc);
}

/** Start-of-day GDT of a vCPU: no guest frames (zero page, read-only), Xen's page, GDTR loaded. */
export function initVcpuGdt(v: Vcpu): void {
  const d = v.domain;
  const L = pvDomainStateOf(d).layout;
  for (let p = 0; p < FIRST_RESERVED_GDT_PAGE; p++) mapAreaPage(d, v.id, p, L.zeroMfn, false);
  mapAreaPage(d, v.id, FIRST_RESERVED_GDT_PAGE, L.xenGdtMfn, true);
  for (let p = FIRST_RESERVED_GDT_PAGE + 1; p < GDT_LDT_PAGES_PER_VCPU; p++) mapAreaPage(d, v.id, p, 0, false);
  const base = gdtVirt(d, v.id);
  v.cpu.gdtBaseLo = Number(base & 0xffffffffn) | 0;
  v.cpu.gdtBaseHi = Number(base >> 32n) | 0;
  v.cpu.gdtLimit = GDT_LIMIT;
  v.cpu.idtBaseLo = 0; v.cpu.idtBaseHi = 0; v.cpu.idtLimit = 0;
  v.cpu.setSegment(LDTR, { selector: 0, base: 0n, limit: 0, attributes: ATTR_UNUSABLE });
  // No TSS the guest can see: I/O above the (real, zero) IOPL always raises #GP for the emulator.
  v.cpu.setSegment(TR, { selector: 0, base: 0n, limit: 0, attributes: ATTR_UNUSABLE });
  v.cpu.flushTlb();
}

// ------------------------------------------------------------------ check_descriptor

/** guest_gate_selector_okay(): a guest GDT/LDT selector, or Xen's flat kernel code selector. */
function gateSelectorOk(d: Domain, sel: number): boolean {
  if (sel & 4) return true;
  if ((sel >> 3) < FIRST_RESERVED_GDT_ENTRY) return true;
  const flat = d.pvBits === 64 ? 0xe033 : 0xe019;
  return (sel & ~3) === (flat & ~3);
}

/**
 * check_descriptor(): validates and fixes up one descriptor (words a = bits 0..31, b = bits 32..63).
 * Returns the descriptor as the guest's table will hold it, or null if Xen rejects it.
 */
function checkDescriptor(d: Domain, a: number, b: number): { a: number; b: number } | null {
  a >>>= 0; b >>>= 0;
  const orig = { a, b };
  if (!(b & (1 << 15))) return orig; // not present: always faults, always safe
  let dpl = (b >>> 13) & 3;
  if (dpl < guestKernelRpl(d)) dpl = guestKernelRpl(d);
  b = ((b & ~(3 << 13)) | (dpl << 13)) >>> 0;
  if (b & (1 << 12)) {
    // Code and data segments: no base/limit checks, except that 32-bit guests get no 64-bit code.
    if (d.pvBits === 32) {
      if (b & (1 << 21)) return null;
      // Older PAE Linux limits segments to the hole; Xen widens flat ones to cover the larger compat M2P.
      const base = ((b & 0xff000000) | ((b & 0xff) << 16) | (a >>> 16)) >>> 0;
      let limit = ((b & 0xf0000) | (a & 0xffff)) + 1;
      if (b & (1 << 23)) limit *= 4096;
      if (base === 0 && limit > HYPERVISOR_VIRT_START_32) { a = (a | 0xffff) >>> 0; b = (b | 0xf0000) >>> 0; }
    }
    return { a, b };
  }
  // Type 0 (the second half of a call gate) is harmless; Xen leaves it untouched.
  if ((b & 0xf00) === 0) return orig;
  if ((b & 0xf00) !== 0xc00) return null; // only call gates
  let cs = a >>> 16;
  if (!gateSelectorOk(d, cs)) return null;
  // DPL 0 makes every use fault so Xen can emulate the gate; the guest's DPL moves into the selector's RPL.
  b = (b & ~(3 << 13)) >>> 0;
  cs = (cs & ~3) | dpl;
  a = ((a & 0xffff) | (cs << 16)) >>> 0;
  if (b & (d.pvBits === 32 ? 0xe0 : 0xff)) return null;
  return { a, b };
}

/** validate_segdesc_page(): every descriptor must pass (fix-ups written back); -EINVAL otherwise. */
function validateSegdescPage(d: Domain, mfn: number): number {
  const base = mfn * 4096;
  const view = d.mem.view;
  for (let i = 0; i < 512; i++) {
    const a = view.getUint32(base + i * 8, true), b = view.getUint32(base + i * 8 + 4, true);
    const c = checkDescriptor(d, a, b);
    if (!c) return -XenErrno.EINVAL;
    if (c.a !== a || c.b !== b) { d.mem.write32(base + i * 8, c.a); d.mem.write32(base + i * 8 + 4, c.b); }
  }
  return 0;
}
setSegdescValidator(validateSegdescPage);

// ------------------------------------------------------------------ set_gdt / update_descriptor / LDT

/** pv_destroy_gdt(): drops the guest frames and maps the zero page in their place. */
export function destroyGdt(v: Vcpu): void {
  const d = v.domain;
  const pv = pvOf(v);
  const L = pvDomainStateOf(d).layout;
  for (const mfn of pv.gdtFrames) putPageType(d, mfn);
  for (let p = 0; p < FIRST_RESERVED_GDT_PAGE; p++) mapAreaPage(d, v.id, p, L.zeroMfn, false);
  pv.gdtFrames = [];
  pv.gdtEnts = 0;
}

/** pv_set_gdt(): `frames` are MFNs; every one becomes a descriptor page. */
export function setGdt(v: Vcpu, frames: readonly number[], entries: number): number {
  const d = v.domain;
  if (entries > FIRST_RESERVED_GDT_ENTRY) return -XenErrno.EINVAL;
  const n = Math.ceil(entries / 512);
  const taken: number[] = [];
  for (let i = 0; i < n; i++) {
    if (getPageAndType(d, frames[i], PgType.SegDesc) < 0) {
      for (const m of taken) putPageType(d, m);
      return -XenErrno.EINVAL;
    }
    taken.push(frames[i]);
  }
  destroyGdt(v);
  const pv = pvOf(v);
  pv.gdtEnts = entries;
  pv.gdtFrames = taken;
  taken.forEach((mfn, i) => mapAreaPage(d, v.id, i, mfn, true));
  v.cpu.flushTlb();
  return 0;
}

/** do_update_descriptor(): `pa` is a machine address (8-aligned) in a frame the domain owns. */
export function updateDescriptor(d: Domain, pa: bigint, desc: bigint): number {
  const s = pvDomainStateOf(d);
  const mfn = Number(pa >> 12n);
  const c = checkDescriptor(d, Number(desc & 0xffffffffn), Number((desc >> 32n) & 0xffffffffn));
  if (pa % 8n !== 0n || !Number.isSafeInteger(mfn) || !ownedByDomain(s, mfn) || !c) return -XenErrno.EINVAL;
  const type = s.typeCount[mfn] > 0 && s.type[mfn] === PgType.SegDesc ? PgType.SegDesc : PgType.Writable;
  if (getPageAndType(d, mfn, type) < 0) return -XenErrno.EINVAL;
  const at = Number(pa);
  d.mem.write32(at, c.a);
  d.mem.write32(at + 4, c.b);
  putPageType(d, mfn);
  return 0;
}

/**
 * MMUEXT_SET_LDT. Xen maps LDT pages lazily on the first fault; this emulator maps the frames the guest's
 * page tables give for [base, base + ents*8) at once (typed as descriptor pages) and loads LDTR.
 */
export function setLdt(v: Vcpu, base: bigint, ents: number): number {
  const d = v.domain;
  const s = pvDomainStateOf(d);
  const pv = pvOf(v);
  if (ents > 8192 || (ents && ((base & 0xfffn) !== 0n || !guestAddrOk(s, base)))) return -XenErrno.EINVAL;
  if (pv.ldtEnts === ents && pv.ldtBase === base) return 0;
  for (const mfn of pv.ldtFrames) putPageType(d, mfn);
  pv.ldtFrames = [];
  for (let p = 0; p < 16; p++) mapAreaPage(d, v.id, LDT_PAGE_OFFSET + p, 0, false);
  pv.ldtBase = ents ? base : 0n;
  pv.ldtEnts = ents;
  const pages = Math.ceil(ents * 8 / 4096);
  for (let p = 0; p < pages; p++) {
    const pa = v.cpu.translateVirtual(base + BigInt(p * 4096));
    const mfn = pa === undefined ? -1 : Number(pa >> 12n);
    if (mfn >= 0 && getPageAndType(d, mfn, PgType.SegDesc) === 0) {
      pv.ldtFrames.push(mfn);
      mapAreaPage(d, v.id, LDT_PAGE_OFFSET + p, mfn, true);
    }
  }
  const ldtVirt = gdtVirt(d, v.id) + BigInt(LDT_PAGE_OFFSET * 4096);
  if (ents) v.cpu.setSegment(LDTR, { selector: LDT_SELECTOR, base: ldtVirt, limit: ents * 8 - 1, attributes: 0x82 });
  else v.cpu.setSegment(LDTR, { selector: 0, base: 0n, limit: 0, attributes: ATTR_UNUSABLE });
  v.cpu.flushTlb();
  return 0;
}

// ------------------------------------------------------------------ loading selectors into the core

/** Reads the 8-byte descriptor of `sel` through the GDT/LDT mappings; undefined if out of bounds or unmapped. */
export function readDescriptorOf(v: Vcpu, sel: number): { lo: number; hi: number } | undefined {
  const cpu = v.cpu;
  let base: bigint, limit: number;
  if (sel & 4) {
    const l = cpu.getSegment(LDTR);
    if (l.attributes & ATTR_UNUSABLE) return undefined;
    base = l.base; limit = l.limit;
  } else {
    base = (BigInt(cpu.gdtBaseHi >>> 0) << 32n) | BigInt(cpu.gdtBaseLo >>> 0);
    limit = cpu.gdtLimit;
  }
  const off = sel & 0xfff8;
  if (off + 7 > limit) return undefined;
  try {
    const b = cpu.readVirtual(base + BigInt(off), 8);
    const dv = new DataView(b.buffer, b.byteOffset, 8);
    return { lo: dv.getInt32(0, true), hi: dv.getInt32(4, true) };
  } catch {
    return undefined;
  }
}

/**
 * Loads segment register `seg` with `sel` as a return to guest context would (with the checks a hardware
 * iret/segment load makes). Returns an error message when the selector cannot be loaded.
 */
export function loadSelector(v: Vcpu, seg: number, sel: number): string | undefined {
  const cpu = v.cpu;
  sel &= 0xffff;
  const rpl = sel & 3;
  if ((sel & 0xfffc) === 0) {
    if (seg === CS) return `null code selector ${hex16(sel)}`;
    if (seg === SS && !(cpu.mode === 'long64' && rpl !== 3)) return `null stack selector ${hex16(sel)}`;
    cpu.setSegment(seg, { selector: sel, base: 0n, limit: 0, attributes: ATTR_UNUSABLE | (seg === SS ? rpl << 5 : 0) });
    return undefined;
  }
  const raw = readDescriptorOf(v, sel);
  if (!raw) return `selector ${hex16(sel)} is outside the descriptor table`;
  const desc = decodeDescriptor(raw.lo, raw.hi);
  const attr = desc.attr;
  if (!(attr & 0x80)) return `selector ${hex16(sel)}: segment not present`;
  if (!(attr & 0x10)) return `selector ${hex16(sel)}: system descriptor`;
  const code = (attr & 8) !== 0;
  if (seg === CS) {
    if (!code) return `selector ${hex16(sel)} is not a code segment`;
    const conforming = (attr & 4) !== 0;
    if (conforming ? desc.dpl > rpl : desc.dpl !== rpl) return `code selector ${hex16(sel)}: DPL ${desc.dpl} does not match RPL ${rpl}`;
  } else if (seg === SS) {
    if (code || !(attr & 2) || desc.dpl !== rpl) return `selector ${hex16(sel)} is not a writable data segment of DPL ${rpl}`;
  } else if (code && !(attr & 2)) return `selector ${hex16(sel)} is an execute-only code segment`;
  cpu.setSegment(seg, { selector: sel, base: BigInt(desc.baseLo >>> 0), limit: desc.limit, attributes: attr | 1 });
  return undefined;
}

/** After a return to ring 3, data segments the new privilege cannot use become null (as iret does). */
export function nullInaccessibleDataSegments(v: Vcpu): void {
  const cpu = v.cpu;
  for (const s of [0, 3, 4, 5]) {
    const g = cpu.getSegment(s);
    if (g.attributes & ATTR_UNUSABLE) continue;
    const conformingCode = (g.attributes & 8) && (g.attributes & 4);
    if (!conformingCode && ((g.attributes >> 5) & 3) < cpu.cpl) {
      cpu.setSegment(s, { selector: 0, base: cpu.mode === 'long64' && s >= 4 ? g.base : 0n, limit: 0, attributes: ATTR_UNUSABLE });
    }
  }
}

const hex16 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

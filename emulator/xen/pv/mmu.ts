/**
 * The PV memory model: guest page tables hold machine frame numbers and every change to them is validated
 * by "Xen" (xen/arch/x86/mm.c, pv/mm.h, pv/mm.c — Xen 4.17). A per-frame type tracker stands in for
 * struct page_info: a frame is of one type at a time (writable, L1..L4, segment descriptors) with a count
 * of references of that type; a page-table frame is validated (promote_lN_table) when its type count goes
 * 0 → 1 and devalidated (demote_lN_table) when it drops back to 0. Writable mappings hold writable type
 * references, so a page-table frame can never be mapped writable and vice versa.
 *
 * Simplified against Xen (documented in the report): no general reference counts (ownership is checked
 * instead), no linear page tables (an Ln entry pointing at an Ln frame is -EINVAL), no preemptible
 * validation (validation runs to completion; the old_guest_table deferral and its "(NULL,
 * MMU_UPDATE_PREEMPTED, NULL, rc)" continuation tail are never produced), no superpages, no grant mappings,
 * no L1TF checks on non-present entries.
 */
import { XenErrno } from '../errno';
import type { Domain } from '../domain';
import type { Vcpu } from '../vcpu';
import {
  BASE_DISALLOW_LO, FASTPATH_HI, FASTPATH_LO, HI_ADDR, HI_GUEST_KERNEL, L1_DISALLOW_HI, L1_DISALLOW_LO,
  L3_DISALLOW_HI_32, L4_FIRST_XEN_SLOT, L4_LAST_XEN_SLOT, L4_SLOT_PERDOMAIN, L4_SLOT_RO_MPT, PAE_L2_FIRST_XEN_SLOT,
  _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_GLOBAL, _PAGE_PCD, _PAGE_PRESENT, _PAGE_PSE, _PAGE_PWT, _PAGE_RW, _PAGE_USER,
} from './layout';
import { Owner, PgType, PvDomainState, pvDomainStateOf, pvOf } from './state';

/** VMASST_TYPE_m2p_strict (public/xen.h). */
const VMASST_M2P_STRICT = 32n;

/** A page-table entry as two 32-bit halves (bits 0..31, 32..63). */
export interface Pte { lo: number; hi: number }

export const pteMfn = (lo: number, hi: number): number => (hi & HI_ADDR) * 0x100000 + (lo >>> 12);
const ptePresent = (lo: number): boolean => (lo & _PAGE_PRESENT) !== 0;
/** Entry value for a frame and flags (flags in the low word only). */
export const makePte = (mfn: number, flags: number): Pte => ({
  lo: ((mfn % 0x100000) * 4096 + (flags & 0xfff)) | 0,
  hi: Math.floor(mfn / 0x100000) & HI_ADDR,
});
export const bigToPte = (v: bigint): Pte => ({ lo: Number(v & 0xffffffffn) | 0, hi: Number((v >> 32n) & 0xffffffffn) | 0 });

export function readPte(d: Domain, mfn: number, idx: number): Pte {
  const a = mfn * 4096 + idx * 8;
  return { lo: d.mem.view.getInt32(a, true), hi: d.mem.view.getInt32(a + 4, true) };
}

export function writePte(d: Domain, mfn: number, idx: number, p: Pte): void {
  const a = mfn * 4096 + idx * 8;
  d.mem.view.setInt32(a, p.lo, true);
  d.mem.view.setInt32(a + 4, p.hi, true);
  d.mem.noteWrite(a, 8);
}

export function ownedByDomain(s: PvDomainState, mfn: number): boolean {
  return Number.isInteger(mfn) && mfn >= 0 && mfn < s.layout.totalFrames && s.owner[mfn] === Owner.Domain;
}

const isPageTable = (t: PgType): boolean => t >= PgType.L1 && t <= PgType.L4;

/** Every vCPU of the domain drops its TLB (flush_tlb_mask(d->dirty_cpumask)). */
export function flushDomainTlbs(d: Domain): void {
  for (const v of d.vcpus) v.cpu.flushTlb();
}

// ------------------------------------------------------------------ type references

/**
 * _get_page_type(): take a type reference on `mfn`, validating it on a 0 → 1 transition to a page-table or
 * descriptor type. Returns 0 or a negative errno (-EINVAL on a type conflict or a failed validation).
 */
function getPageType(d: Domain, mfn: number, type: PgType, paeXenL2 = false): number {
  const s = pvDomainStateOf(d);
  if (s.typeCount[mfn] === 0) {
    const old = s.type[mfn] as PgType;
    s.type[mfn] = type;
    s.typeCount[mfn] = 1;
    s.paeXenL2[mfn] = paeXenL2 ? 1 : 0;
    if (type === PgType.Writable) return 0;
    // A frame turning into a page table or descriptor page: no vCPU may keep a stale writable mapping.
    if (old === PgType.Writable) flushDomainTlbs(d);
    s.validating[mfn] = 1;
    const rc = validate(d, s, mfn, type);
    s.validating[mfn] = 0;
    if (rc < 0) {
      s.typeCount[mfn] = 0;
      s.type[mfn] = PgType.None;
      s.paeXenL2[mfn] = 0;
    }
    return rc;
  }
  if (s.type[mfn] !== type || (s.paeXenL2[mfn] === 1) !== paeXenL2) return -XenErrno.EINVAL;
  // A reference back to a frame still being validated is a cycle Xen would spin on; refuse it.
  if (s.validating[mfn]) return -XenErrno.EINVAL;
  s.typeCount[mfn]++;
  return 0;
}

/** put_page_type(): drop one type reference; the last one devalidates a page table. */
export function putPageType(d: Domain, mfn: number): void {
  const s = pvDomainStateOf(d);
  if (s.typeCount[mfn] <= 0) return;
  if (--s.typeCount[mfn] === 0) {
    const t = s.type[mfn] as PgType;
    if (isPageTable(t)) devalidate(d, s, mfn, t);
    s.paeXenL2[mfn] = 0;
  }
}

/** get_page_and_type_from_mfn(): ownership, then a type reference (-EINVAL if not the domain's). */
export function getPageAndType(d: Domain, mfn: number, type: PgType, paeXenL2 = false): number {
  const s = pvDomainStateOf(d);
  if (!ownedByDomain(s, mfn)) return -XenErrno.EINVAL;
  return getPageType(d, mfn, type, paeXenL2);
}

// ------------------------------------------------------------------ per-level entry references

/** get_page_from_l1e(): 0 or -errno (-EINVAL bad flags, -EPERM MMIO, -EBUSY foreign/Xen/type conflict). */
function getPageFromL1e(d: Domain, s: PvDomainState, p: Pte): number {
  if ((p.lo & L1_DISALLOW_LO) || (p.hi & L1_DISALLOW_HI)) return -XenErrno.EINVAL;
  const mfn = pteMfn(p.lo, p.hi);
  if (mfn >= s.layout.totalFrames) {
    // Not RAM: the iomem path; a domU has no iomem permissions. (PADDR_MASK >> PAGE_SHIFT is INVALID_MFN.)
    return mfn === 0xffffffffff ? -XenErrno.EINVAL : -XenErrno.EPERM;
  }
  // Free, Xen-owned or another domain's frame: "could_not_pin".
  if (s.owner[mfn] !== Owner.Domain) return -XenErrno.EBUSY;
  if ((p.lo & _PAGE_RW) && getPageType(d, mfn, PgType.Writable) < 0) return -XenErrno.EBUSY;
  return 0;
}

function putPageFromL1e(d: Domain, s: PvDomainState, p: Pte): void {
  if (!ptePresent(p.lo) || !(p.lo & _PAGE_RW)) return;
  const mfn = pteMfn(p.lo, p.hi);
  if (mfn < s.layout.totalFrames && s.owner[mfn] === Owner.Domain) putPageType(d, mfn);
}

function l2Disallowed(p: Pte): boolean {
  return (p.lo & BASE_DISALLOW_LO) !== 0;
}

function l3Disallowed(s: PvDomainState, p: Pte): boolean {
  if (p.lo & BASE_DISALLOW_LO) return true;
  return s.bits === 32 && (p.hi & L3_DISALLOW_HI_32) !== 0;
}

/** get_page_from_l{2,3,4}e(): flags, then an L(n-1) type reference on the target. */
function getPageFromUpper(d: Domain, s: PvDomainState, level: 2 | 3 | 4, p: Pte): number {
  const bad = level === 3 ? l3Disallowed(s, p) : l2Disallowed(p);
  if (bad) return -XenErrno.EINVAL;
  const child = level === 2 ? PgType.L1 : level === 3 ? PgType.L2 : PgType.L3;
  return getPageAndType(d, pteMfn(p.lo, p.hi), child);
}

function putPageFromUpper(d: Domain, s: PvDomainState, self: number, p: Pte): void {
  if (!ptePresent(p.lo)) return;
  const mfn = pteMfn(p.lo, p.hi);
  if (mfn === self || !ownedByDomain(s, mfn)) return;
  putPageType(d, mfn);
}

// ------------------------------------------------------------------ adjustments (pv/mm.h)

/** adjust_guest_l1e(): 64-bit guests' kernel pages get U + _PAGE_GUEST_KERNEL, user pages G. */
function adjustL1(s: PvDomainState, p: Pte): Pte {
  if (!ptePresent(p.lo) || s.bits === 32) return p;
  let { lo, hi } = p;
  if (!(lo & _PAGE_USER)) { lo |= _PAGE_USER; hi |= HI_GUEST_KERNEL; }
  if (!(hi & HI_GUEST_KERNEL)) lo |= _PAGE_GLOBAL | _PAGE_USER;
  return { lo, hi };
}

function adjustUpper(s: PvDomainState, level: 2 | 3 | 4, p: Pte): Pte {
  if (!ptePresent(p.lo)) return p;
  if (level === 2) return s.bits === 64 ? { lo: p.lo | _PAGE_USER, hi: p.hi } : p;
  if (level === 3) return { lo: p.lo | _PAGE_USER | (s.bits === 32 ? _PAGE_RW : 0), hi: p.hi };
  return { lo: p.lo | _PAGE_ACCESSED | (s.bits === 64 ? _PAGE_USER : 0), hi: p.hi };
}

/** unadjust_guest_l3e(): what demote_l3_table writes back for a 32-bit guest. */
function unadjustL3(s: PvDomainState, p: Pte): Pte {
  if (s.bits !== 32 || !ptePresent(p.lo)) return p;
  return { lo: p.lo & ~(_PAGE_USER | _PAGE_RW | _PAGE_ACCESSED), hi: p.hi };
}

const sameEntry = (a: Pte, b: Pte): boolean => a.lo === b.lo && a.hi === b.hi;

// ------------------------------------------------------------------ Xen's slots

/** is_guest_l4_slot(): slots 256..271 belong to Xen. */
const isGuestL4Slot = (i: number): boolean => i < L4_FIRST_XEN_SLOT || i > L4_LAST_XEN_SLOT;

const m2pStrict = (d: Domain): boolean => ((d.vmAssist >> VMASST_M2P_STRICT) & 1n) === 1n;

/**
 * init_xen_l4_slots(): writes every Xen slot of a 64-bit guest's L4 — the read-only M2P at slot 256 (unless
 * VMASST m2p_strict), the per-domain area (GDT/LDT) at 260 — and clears the rest.
 */
function writeXenL4Slots(d: Domain, l4mfn: number, roMpt = !m2pStrict(d)): void {
  const s = pvDomainStateOf(d);
  for (let i = L4_FIRST_XEN_SLOT; i <= L4_LAST_XEN_SLOT; i++) writePte(d, l4mfn, i, { lo: 0, hi: 0 });
  // The RO M2P is user-accessible and read-only (idle_pg_table slot 256); the per-domain area is Xen's.
  if (roMpt) writePte(d, l4mfn, L4_SLOT_RO_MPT, makePte(s.layout.m2pL3Mfn, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED));
  writePte(d, l4mfn, L4_SLOT_PERDOMAIN, makePte(s.layout.perdomL3Mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY));
}

/** fill_ro_mpt() / zap_ro_mpt(). */
export function setRoMpt(d: Domain, l4mfn: number, present: boolean): void {
  const s = pvDomainStateOf(d);
  const cur = readPte(d, l4mfn, L4_SLOT_RO_MPT);
  if (present && !ptePresent(cur.lo)) writePte(d, l4mfn, L4_SLOT_RO_MPT, makePte(s.layout.m2pL3Mfn, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED));
  if (!present) writePte(d, l4mfn, L4_SLOT_RO_MPT, { lo: 0, hi: 0 });
}

/**
 * init_xen_pae_l2_slots(): the hole of a 32-bit guest (L3 slot 3, 0xF5800000 up) — the read-only compat
 * M2P, then (this emulator) the per-vCPU GDT/LDT area; everything else empty.
 */
function writeXenPaeL2Slots(d: Domain, l2mfn: number): void {
  const s = pvDomainStateOf(d);
  const L = s.layout;
  for (let i = PAE_L2_FIRST_XEN_SLOT; i < 512; i++) writePte(d, l2mfn, i, { lo: 0, hi: 0 });
  L.m2pL1Mfns.forEach((mfn, k) => writePte(d, l2mfn, PAE_L2_FIRST_XEN_SLOT + k, makePte(mfn, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)));
  const gdtSlot = PAE_L2_FIRST_XEN_SLOT + 8; // 0xF6800000: after the 16 MiB M2P window
  L.gdtL1Mfns.forEach((mfn, k) => writePte(d, l2mfn, gdtSlot + k, makePte(mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)));
}

const isGuestL2Slot = (s: PvDomainState, l2mfn: number, i: number): boolean =>
  !s.paeXenL2[l2mfn] || i < PAE_L2_FIRST_XEN_SLOT;

// ------------------------------------------------------------------ promote / demote

function validate(d: Domain, s: PvDomainState, mfn: number, type: PgType): number {
  switch (type) {
    case PgType.L1: return promoteL1(d, s, mfn);
    case PgType.L2: return promoteL2(d, s, mfn);
    case PgType.L3: return promoteL3(d, s, mfn);
    case PgType.L4: return promoteL4(d, s, mfn);
    case PgType.SegDesc: return validateSegdescPage(d, mfn);
    default: return 0;
  }
}

/** Set by descriptors.ts (avoids an import cycle): validate_segdesc_page. */
let validateSegdescPage: (d: Domain, mfn: number) => number = () => 0;
export function setSegdescValidator(f: (d: Domain, mfn: number) => number): void { validateSegdescPage = f; }

function promoteL1(d: Domain, s: PvDomainState, mfn: number): number {
  for (let i = 0; i < 512; i++) {
    const p = readPte(d, mfn, i);
    if (!ptePresent(p.lo)) continue;
    const rc = getPageFromL1e(d, s, p);
    if (rc < 0) {
      while (i-- > 0) putPageFromL1e(d, s, readPte(d, mfn, i));
      return rc;
    }
    const a = adjustL1(s, p);
    if (!sameEntry(a, p)) writePte(d, mfn, i, a);
  }
  return 0;
}

function promoteL2(d: Domain, s: PvDomainState, mfn: number): number {
  for (let i = 0; i < 512; i++) {
    if (!isGuestL2Slot(s, mfn, i)) continue;
    const p = readPte(d, mfn, i);
    if (!ptePresent(p.lo)) continue;
    const rc = getPageFromUpper(d, s, 2, p);
    if (rc < 0) {
      while (i-- > 0) if (isGuestL2Slot(s, mfn, i)) putPageFromUpper(d, s, mfn, readPte(d, mfn, i));
      return rc;
    }
    const a = adjustUpper(s, 2, p);
    if (!sameEntry(a, p)) writePte(d, mfn, i, a);
  }
  if (s.paeXenL2[mfn]) writeXenPaeL2Slots(d, mfn);
  return 0;
}

function promoteL3(d: Domain, s: PvDomainState, mfn: number): number {
  const pv32 = s.bits === 32;
  // A PAE guest only defines four entries; Xen clears the rest of the page.
  if (pv32) for (let i = 4; i < 512; i++) writePte(d, mfn, i, { lo: 0, hi: 0 });
  const rollback = (upTo: number): void => {
    for (let j = upTo - 1; j >= 0; j--) {
      const p = readPte(d, mfn, j);
      putPageFromUpper(d, s, mfn, p);
      if (ptePresent(p.lo)) writePte(d, mfn, j, unadjustL3(s, p));
    }
  };
  const n = pv32 ? 4 : 512;
  for (let i = 0; i < n; i++) {
    const p = readPte(d, mfn, i);
    let rc: number;
    if (pv32 && i === 3) {
      // Slot 3 holds Xen's hole: it must exist, be an L2 used nowhere else, and gets Xen's entries.
      if (!ptePresent(p.lo) || l3Disallowed(s, p)) rc = -XenErrno.EINVAL;
      else {
        const l2 = pteMfn(p.lo, p.hi);
        rc = getPageAndType(d, l2, PgType.L2, true);
        if (rc === 0 && s.typeCount[l2] !== 1) { putPageType(d, l2); rc = -XenErrno.EINVAL; }
      }
    } else if (!ptePresent(p.lo)) continue;
    else rc = getPageFromUpper(d, s, 3, p);
    if (rc < 0) { rollback(i); return rc; }
    const a = adjustUpper(s, 3, p);
    if (!sameEntry(a, p)) writePte(d, mfn, i, a);
  }
  return 0;
}

function promoteL4(d: Domain, s: PvDomainState, mfn: number): number {
  for (let i = 0; i < 512; i++) {
    if (!isGuestL4Slot(i)) continue;
    const p = readPte(d, mfn, i);
    if (!ptePresent(p.lo)) continue;
    const rc = getPageFromUpper(d, s, 4, p);
    if (rc < 0) {
      while (i-- > 0) if (isGuestL4Slot(i)) putPageFromUpper(d, s, mfn, readPte(d, mfn, i));
      return rc;
    }
    const a = adjustUpper(s, 4, p);
    if (!sameEntry(a, p)) writePte(d, mfn, i, a);
  }
  writeXenL4Slots(d, mfn);
  return 0;
}

function devalidate(d: Domain, s: PvDomainState, mfn: number, type: PgType): void {
  switch (type) {
    case PgType.L1:
      for (let i = 0; i < 512; i++) putPageFromL1e(d, s, readPte(d, mfn, i));
      return;
    case PgType.L2:
      for (let i = 0; i < 512; i++) if (isGuestL2Slot(s, mfn, i)) putPageFromUpper(d, s, mfn, readPte(d, mfn, i));
      return;
    case PgType.L3:
      for (let i = 0; i < (s.bits === 32 ? 4 : 512); i++) {
        const p = readPte(d, mfn, i);
        putPageFromUpper(d, s, mfn, p);
        if (ptePresent(p.lo) && s.bits === 32) writePte(d, mfn, i, unadjustL3(s, p));
      }
      return;
    case PgType.L4:
      for (let i = 0; i < 512; i++) if (isGuestL4Slot(i)) putPageFromUpper(d, s, mfn, readPte(d, mfn, i));
      return;
    default:
  }
}

// ------------------------------------------------------------------ entry updates (mod_lN_entry)

function updateEntry(d: Domain, mfn: number, idx: number, old: Pte, nw: Pte, preserveAd: boolean): void {
  const v = preserveAd ? { lo: nw.lo | (old.lo & (_PAGE_ACCESSED | _PAGE_DIRTY)), hi: nw.hi } : nw;
  writePte(d, mfn, idx, v);
}

const unchangedExcept = (a: Pte, b: Pte, lo: number, hi: number): boolean =>
  ((a.lo ^ b.lo) & ~lo) === 0 && ((a.hi ^ b.hi) & ~hi) === 0;

/** mod_l1_entry(). */
export function modL1Entry(d: Domain, l1mfn: number, idx: number, nw: Pte, preserveAd: boolean): number {
  const s = pvDomainStateOf(d);
  const old = readPte(d, l1mfn, idx);
  if (ptePresent(nw.lo)) {
    if ((nw.lo & L1_DISALLOW_LO) || (nw.hi & L1_DISALLOW_HI)) return -XenErrno.EINVAL;
    nw = adjustL1(s, nw);
    // Fast path: same frame and permissions, only bits a guest may flip freely.
    if (ptePresent(old.lo) && unchangedExcept(old, nw, FASTPATH_LO, FASTPATH_HI)) {
      updateEntry(d, l1mfn, idx, old, nw, preserveAd);
      return 0;
    }
    const rc = getPageFromL1e(d, s, nw);
    if (rc < 0) return rc;
  }
  updateEntry(d, l1mfn, idx, old, nw, preserveAd);
  putPageFromL1e(d, s, old);
  return 0;
}

/** mod_l2_entry() / mod_l3_entry() / mod_l4_entry(). */
function modUpperEntry(d: Domain, level: 2 | 3 | 4, mfn: number, idx: number, nw: Pte, preserveAd: boolean): number {
  const s = pvDomainStateOf(d);
  if (level === 2 && !isGuestL2Slot(s, mfn, idx)) return -XenErrno.EPERM;
  if (level === 3 && s.bits === 32 && idx >= 3) return -XenErrno.EINVAL;
  if (level === 4 && !isGuestL4Slot(idx)) return -XenErrno.EINVAL;
  const old = readPte(d, mfn, idx);
  if (ptePresent(nw.lo)) {
    if (level === 3 ? l3Disallowed(s, nw) : l2Disallowed(nw)) return -XenErrno.EINVAL;
    nw = adjustUpper(s, level, nw);
    if (ptePresent(old.lo) && unchangedExcept(old, nw, FASTPATH_LO | _PAGE_RW, FASTPATH_HI)) {
      updateEntry(d, mfn, idx, old, nw, preserveAd);
      afterUpperUpdate(d, level, mfn);
      return 0;
    }
    const rc = getPageFromUpper(d, s, level, nw);
    if (rc < 0) return rc;
  }
  updateEntry(d, mfn, idx, old, nw, preserveAd);
  putPageFromUpper(d, s, mfn, old);
  afterUpperUpdate(d, level, mfn);
  return 0;
}

/** flush_linear_pt: a changed directory entry flushes every vCPU; a 32-bit L3 in use also resyncs the PDPTEs. */
function afterUpperUpdate(d: Domain, level: number, mfn: number): void {
  if (level === 3 && pvDomainStateOf(d).bits === 32) {
    for (const v of d.vcpus) if (v.pv?.kernelBaseMfn === mfn) syncPaeShadow(v);
  }
  flushDomainTlbs(d);
}

/**
 * One MMU_NORMAL_PT_UPDATE / PT_UPDATE_PRESERVE_AD request: `ptr` is the machine address of the entry.
 * Dispatches on the frame's current type as do_mmu_update does; a frame that is not an in-use page table
 * is written as plain memory if it can be typed writable.
 */
export function mmuNormalUpdate(d: Domain, ptr: bigint, val: bigint, preserveAd: boolean): number {
  const s = pvDomainStateOf(d);
  const mfn = Number(ptr >> 12n);
  if (!Number.isSafeInteger(mfn) || !ownedByDomain(s, mfn)) return -XenErrno.EINVAL;
  const idx = Number(ptr & 0xfffn) >> 3;
  const nw = bigToPte(val);
  if (s.typeCount[mfn] > 0 && !s.validating[mfn]) {
    switch (s.type[mfn] as PgType) {
      case PgType.L1: return modL1Entry(d, mfn, idx, nw, preserveAd);
      case PgType.L2: return modUpperEntry(d, 2, mfn, idx, nw, preserveAd);
      case PgType.L3: return modUpperEntry(d, 3, mfn, idx, nw, preserveAd);
      case PgType.L4: return modUpperEntry(d, 4, mfn, idx, nw, preserveAd);
      case PgType.Writable: writePte(d, mfn, idx, nw); return 0;
      default: return -XenErrno.EINVAL;
    }
  }
  if (getPageType(d, mfn, PgType.Writable) < 0) return -XenErrno.EINVAL;
  writePte(d, mfn, idx, nw);
  putPageType(d, mfn);
  return 0;
}

// ------------------------------------------------------------------ pinning and base pointers

/** MMUEXT_PIN_Ln_TABLE. */
export function pinTable(d: Domain, mfn: number, type: PgType): number {
  const s = pvDomainStateOf(d);
  if (!ownedByDomain(s, mfn)) return -XenErrno.EINVAL;
  const rc = getPageType(d, mfn, type);
  if (rc < 0) return rc;
  if (s.pinned[mfn]) { putPageType(d, mfn); return -XenErrno.EINVAL; }
  s.pinned[mfn] = 1;
  return 0;
}

/** MMUEXT_UNPIN_TABLE. */
export function unpinTable(d: Domain, mfn: number): number {
  const s = pvDomainStateOf(d);
  if (!ownedByDomain(s, mfn) || !s.pinned[mfn]) return -XenErrno.EINVAL;
  s.pinned[mfn] = 0;
  putPageType(d, mfn);
  return 0;
}

/** The top-level type of this guest's page-table base (PGT_root_page_table; PV32: the L3 in compat L4 slot 0). */
export const rootType = (s: PvDomainState): PgType => (s.bits === 64 ? PgType.L4 : PgType.L3);

/** new_guest_cr3() (MMUEXT_NEW_BASEPTR, mov to CR3): installs the kernel base of the calling vCPU. */
export function newGuestCr3(v: Vcpu, mfn: number): number {
  const d = v.domain;
  const s = pvDomainStateOf(d);
  const pv = pvOf(v);
  if (pv.kernelBaseMfn === mfn && mfn !== 0) { loadGuestCr3(v); return 0; }
  const rc = getPageAndType(d, mfn, rootType(s));
  if (rc < 0) return rc;
  if (s.bits === 64 && !m2pStrict(d)) setRoMpt(d, mfn, true);
  const old = pv.kernelBaseMfn;
  pv.kernelBaseMfn = mfn;
  loadGuestCr3(v);
  if (old) putPageType(d, old);
  return 0;
}

/** MMUEXT_NEW_USER_BASEPTR (64-bit guests; 0 drops the user table). */
export function newUserBaseptr(v: Vcpu, mfn: number): number {
  const d = v.domain;
  const pv = pvOf(v);
  if (pv.userBaseMfn === mfn) return 0;
  if (mfn !== 0) {
    const rc = getPageAndType(d, mfn, PgType.L4);
    if (rc < 0) return rc;
    if (m2pStrict(d)) setRoMpt(d, mfn, false);
  }
  const old = pv.userBaseMfn;
  pv.userBaseMfn = mfn;
  if (old) putPageType(d, old);
  return 0;
}

/** Points the core's CR3 at what the vCPU's mode uses (write_ptbase). */
export function loadGuestCr3(v: Vcpu): void {
  const pv = pvOf(v);
  const s = pvDomainStateOf(v.domain);
  if (s.bits === 32) {
    syncPaeShadow(v);
    v.cpu.setControl('cr3', BigInt(pv.paeShadowMfn) * 4096n);
    return;
  }
  const mfn = pv.kernelMode ? pv.kernelBaseMfn : pv.userBaseMfn;
  v.cpu.setControl('cr3', BigInt(mfn) * 4096n);
}

/**
 * A 32-bit guest's L3 may carry bits that are reserved in a PAE PDPTE (Xen adds RW|U to present entries,
 * and the hardware walks it as a long-mode L3). Our core walks real PAE, so it gets a sanitised copy.
 */
function syncPaeShadow(v: Vcpu): void {
  const pv = pvOf(v);
  const d = v.domain;
  if (!pv.paeShadowMfn) return;
  for (let i = 0; i < 4; i++) {
    const p = pv.kernelBaseMfn ? readPte(d, pv.kernelBaseMfn, i) : { lo: 0, hi: 0 };
    const keep = ptePresent(p.lo) ? { lo: p.lo & (~0xfff | _PAGE_PRESENT | _PAGE_PWT | _PAGE_PCD), hi: p.hi & HI_ADDR } : { lo: 0, hi: 0 };
    writePte(d, pv.paeShadowMfn, i, keep);
  }
  const cr3 = v.cpu.getControl('cr3');
  if (cr3 === BigInt(pv.paeShadowMfn) * 4096n && v.cpu.pagingLevels === 3) v.cpu.loadPdptes();
}

// ------------------------------------------------------------------ guest walks

/**
 * map_guest_l1e(): the L1 frame and slot mapping `va` in the vCPU's current page tables, or undefined when
 * an upper level is not present (or is a superpage). `va` must already be a valid guest address.
 */
export function guestL1Slot(v: Vcpu, va: bigint): { mfn: number; idx: number } | undefined {
  const d = v.domain;
  const s = pvDomainStateOf(d);
  const pv = pvOf(v);
  let table: number;
  if (s.bits === 64) {
    table = pv.kernelMode ? pv.kernelBaseMfn : pv.userBaseMfn;
    for (const shift of [39n, 30n]) {
      if (!table) return undefined;
      const p = readPte(d, table, Number((va >> shift) & 511n));
      if (!ptePresent(p.lo) || (shift === 30n && (p.lo & _PAGE_PSE))) return undefined;
      table = pteMfn(p.lo, p.hi);
      if (table >= s.layout.totalFrames) return undefined;
    }
  } else {
    if (!pv.kernelBaseMfn) return undefined;
    const p = readPte(d, pv.kernelBaseMfn, Number((va >> 30n) & 3n));
    if (!ptePresent(p.lo)) return undefined;
    table = pteMfn(p.lo, p.hi);
    if (table >= s.layout.totalFrames) return undefined;
  }
  const l2e = readPte(d, table, Number((va >> 21n) & 511n));
  if ((l2e.lo & (_PAGE_PRESENT | _PAGE_PSE)) !== _PAGE_PRESENT) return undefined;
  const l1 = pteMfn(l2e.lo, l2e.hi);
  if (l1 >= s.layout.totalFrames) return undefined;
  return { mfn: l1, idx: Number((va >> 12n) & 511n) };
}

/** __addr_ok(): a guest may name this linear address (not in Xen's 64-bit range, canonical). */
export function guestAddrOk(s: PvDomainState, va: bigint): boolean {
  if (s.bits === 32) return va < 0x100000000n;
  return va < (1n << 47n) || va >= 0xffff880000000000n;
}

// ------------------------------------------------------------------ helpers for other hypercalls

/**
 * set_gpfn_from_mfn(): M2P[mfn] = pfn in the table the guest reads (0xFFFF800000000000 / 0xF5800000) and in
 * d.m2p, and the d.p2m mirror. `pfn` < 0 stores INVALID_M2P_ENTRY. For memory_op and MMU_MACHPHYS_UPDATE.
 */
export function setMachphys(d: Domain, mfn: number, pfn: bigint | number): void {
  const s = pvDomainStateOf(d);
  const L = s.layout;
  const p = BigInt(pfn);
  if (mfn < 0 || mfn >= L.totalFrames) return;
  if (L.bits === 64) d.mem.write64(L.m2pMfn * 4096 + mfn * 8, p < 0n ? 0xffffffffffffffffn : p);
  else d.mem.write32(L.m2pMfn * 4096 + mfn * 4, p < 0n ? 0xffffffff : Number(p & 0xffffffffn));
  const n = p < 0n || p >= 0x80000000n || (L.bits === 32 && p === 0xffffffffn) ? -1 : Number(p);
  if (mfn < d.m2p.length) d.m2p[mfn] = n;
  if (n >= 0 && n < d.p2m.length) d.p2m[n] = mfn;
}

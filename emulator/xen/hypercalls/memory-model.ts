/**
 * The memory model behind memory_op: who owns which frame and what each guest frame number maps to.
 *
 * PV (non-translated) domains: d.mem is machine memory. Every machine frame is free, owned by the domain, or
 * Xen's own. The PV builder's PvDomainState (pv/state.ts: owner, page types, pins) is the record when it exists;
 * otherwise ownership is derived lazily on first use: frames with an M2P entry are the domain's, shared_info
 * (and frames reserved with reserveXenFrames) is Xen's, the rest is free host memory. d.m2p (mfn → pfn, -1
 * invalid) is Xen's M2P; d.p2m (pfn → mfn) mirrors the guest's own physical-to-machine list for the debugger.
 * Freed frames are scrubbed to zero (Xen scrubs freed pages) and reused by later allocations. A frame still in
 * use as a typed page (page table, descriptor table) when the guest gives it back loses its M2P entry and its
 * pin but stays the domain's (Xen frees it when its last reference goes; that later release is not modelled).
 *
 * Translated (HVM/PVH) domains: guest memory is one flat array indexed by GFN, so there are no machine frames.
 * d.populated[gfn] (1/0) is the physmap: a ballooned-out page is zeroed and marked unpopulated, but accesses to
 * it are NOT trapped (the guest would read zeroes where Xen gives it an unmapped hole). Xen pages that the guest
 * maps into its physmap (shared_info, grant frames) are "special" GFNs: while mapped, that page of d.mem holds
 * the live contents; when unmapped, shared_info moves back to its home address (where the domain builder put it,
 * treated as Xen-private) and grant frames back to grant-frames.ts.
 *
 * Facts (xen/common/memory.c guest_remove_page, populate_physmap; xen/arch/x86/mm/p2m.c
 * xenmem_add_to_physmap_one; 4.17): removing a RAM page from the physmap frees it (tot_pages drops); special
 * (Xen heap) pages are only unhooked; a page mapped over existing RAM frees that RAM; allocations fail when
 * tot_pages + 2^order would exceed max_pages (assign_pages).
 */
import type { Domain } from '../domain';
import { grantFrames, GrantFrameKind } from '../grant-frames';
import { setMachphys } from '../pv/mmu';
import { Owner, pvDomainState } from '../pv/state';

export const PAGE = 4096;

/** A Xen page that a translated guest has mapped into its physmap. */
export type SpecialPage = { kind: 'shared_info' } | { kind: 'grant'; frame: GrantFrameKind; idx: number };


export class DomainMemory {
  // ---- translated domains
  /** GFN → special page mapped there. */
  readonly special = new Map<number, SpecialPage>();
  /** GFN where the guest mapped shared_info, if it did. */
  sharedInfoGfn: number | undefined;
  /** shared_info's address before the guest first mapped it (Xen-private home). */
  sharedInfoHome: number | undefined;
  /** p2m max_mapped_pfn: highest GFN ever mapped (never decreases, like Xen's). */
  maxMappedGfn = -1;
  /** Fake "MFNs" handed to translated guests by profiles that still write MFNs back (≤4.8), see nextFakeMfn(). */
  private fakeMfn: number;

  // ---- PV domains
  private owner: Uint8Array | undefined;
  private freeHint = 0;

  constructor(private readonly d: Domain) {
    this.fakeMfn = d.mem.pageCount;
    if (d.isHvm) {
      ensurePopulated(d);
      // Until the guest maps it, shared_info is a Xen page outside the physmap (the builder keeps it in a
      // reserved page of d.mem): not populated, so it can be neither ballooned out nor counted.
      this.sharedInfoHome = d.sharedInfoAddr;
      const home = d.sharedInfoAddr >>> 12;
      if (home < d.populated.length) d.populated[home] = 0;
      for (let g = d.populated.length - 1; g >= 0; g--) if (d.populated[g]) { this.maxMappedGfn = g; break; }
    }
  }

  get pageCount(): number { return this.d.mem.pageCount; }

  // ------------------------------------------------------------------ PV machine frames

  /** Owner per machine frame (Owner.Free / Xen / Domain): the PV builder's record, else our own. */
  private owners(): Uint8Array {
    const pv = pvDomainState(this.d);
    if (pv) return pv.owner;
    if (this.owner) return this.owner;
    const d = this.d;
    const o = new Uint8Array(d.mem.pageCount);
    for (let m = 0; m < o.length; m++) if (m < d.m2p.length && d.m2p[m] >= 0) o[m] = Owner.Domain;
    const si = d.sharedInfoAddr >>> 12;
    if (si < o.length) o[si] = Owner.Xen;
    for (const m of pendingXenFrames.get(d) ?? []) if (m >= 0 && m < o.length) o[m] = Owner.Xen;
    pendingXenFrames.delete(d);
    this.owner = o;
    return o;
  }

  /** Marks machine frames as Xen's (never handed out, never freed by the guest). */
  reserveXen(mfns: Iterable<number>): void {
    const o = this.owners();
    for (const m of mfns) if (m >= 0 && m < o.length) o[m] = Owner.Xen;
  }

  ownsMachineFrame(mfn: number): boolean {
    const o = this.owners();
    return Number.isInteger(mfn) && mfn >= 0 && mfn < o.length && o[mfn] === Owner.Domain;
  }

  /**
   * alloc_domheap_pages(d, order): 2^order contiguous, naturally aligned free frames below `limitMfn`, now owned by
   * the domain (tot_pages += 2^order). -1 when none fit or max_pages would be exceeded.
   */
  allocMachine(order: number, limitMfn = Infinity): number {
    const n = 2 ** order;
    if (!withinMaxPages(this.d, n)) return -1;
    const o = this.owners();
    const end = Math.min(o.length, this.pageCount, limitMfn);
    const scan = (from: number, to: number): number => {
      for (let base = Math.ceil(from / n) * n; base + n <= to; base += n) {
        let j = 0;
        while (j < n && o[base + j] === Owner.Free) j++;
        if (j === n) return base;
      }
      return -1;
    };
    let base = scan(this.freeHint, end);
    if (base < 0) base = scan(0, end);
    if (base < 0) return -1;
    const pv = pvDomainState(this.d);
    for (let j = 0; j < n; j++) {
      o[base + j] = Owner.Domain;
      if (pv) { pv.type[base + j] = 0; pv.typeCount[base + j] = 0; pv.pinned[base + j] = 0; }
    }
    this.d.totPages += n;
    this.freeHint = base + n;
    return base;
  }

  /**
   * guest_remove_page on a frame the domain owns: M2P and the p2m mirror invalidated, a pin dropped; then, unless
   * the frame still has a page type in use, it is scrubbed, freed and tot_pages -= 1.
   */
  freeMachine(mfn: number): void {
    const d = this.d;
    const o = this.owners();
    const pfn = mfn < d.m2p.length ? d.m2p[mfn] : -1;
    if (pfn >= 0 && pfn < d.p2m.length && d.p2m[pfn] === mfn) d.p2m[pfn] = -1;
    if (mfn < d.m2p.length) d.m2p[mfn] = -1;
    const pv = pvDomainState(d);
    if (pv) setMachphys(d, mfn, -1); // the guest-visible read-only M2P says INVALID_M2P_ENTRY too
    if (pv) {
      if (pv.pinned[mfn]) { pv.pinned[mfn] = 0; pv.typeCount[mfn] = Math.max(0, pv.typeCount[mfn] - 1); }
      if (pv.typeCount[mfn] > 0) return;
      pv.type[mfn] = 0;
    }
    d.mem.fill(mfn * PAGE, PAGE, 0);
    o[mfn] = Owner.Free;
    if (mfn < this.freeHint) this.freeHint = mfn;
    d.totPages -= 1;
  }

  /** set_gpfn_from_mfn (and, for PV, the guest-visible M2P table), plus the p2m mirror (grown up to 2^24 entries). */
  setM2p(mfn: number, pfn: number): void {
    const d = this.d;
    if (mfn >= d.m2p.length) d.m2p = grow(d.m2p, Math.max(mfn + 1, d.mem.pageCount));
    d.m2p[mfn] = pfn;
    // A PV guest reads M2P from the read-only table Xen maps at the architectural address: keep it current.
    if (pvDomainState(d)) setMachphys(d, mfn, pfn);
    if (pfn >= d.p2m.length && pfn < P2M_MIRROR_LIMIT) d.p2m = grow(d.p2m, Math.min(Math.max(pfn + 1, d.p2m.length * 2), P2M_MIRROR_LIMIT));
    if (pfn < d.p2m.length) d.p2m[pfn] = mfn;
  }

  /** The highest machine frame number + 1 ("max_page"). */
  get maxPage(): number { return this.pageCount; }

  // ------------------------------------------------------------------ translated physmap

  isPopulated(gfn: number): boolean {
    return Number.isInteger(gfn) && gfn >= 0 && gfn < this.d.populated.length && this.d.populated[gfn] === 1;
  }

  /** A GFN our flat memory can back. */
  inRange(gfn: number): boolean {
    return Number.isInteger(gfn) && gfn >= 0 && gfn < this.pageCount;
  }

  private noteMapped(gfn: number): void {
    if (gfn > this.maxMappedGfn) this.maxMappedGfn = gfn;
  }

  /** A fresh (zeroed) RAM page at gfn. Does not account tot_pages (the caller does). Unhooks a special page there. */
  mapRam(gfn: number): void {
    if (this.special.has(gfn)) this.unhookSpecial(gfn);
    this.d.mem.fill(gfn * PAGE, PAGE, 0);
    this.d.populated[gfn] = 1;
    this.noteMapped(gfn);
  }

  /**
   * guest_remove_page: a RAM page is freed (scrubbed, unpopulated, tot_pages -= 1); a special page is unhooked
   * (its contents go home, the GFN becomes a hole). false when nothing is mapped there.
   */
  removeTranslated(gfn: number): boolean {
    if (this.special.has(gfn)) {
      this.unhookSpecial(gfn);
      return true;
    }
    if (!this.isPopulated(gfn)) return false;
    this.makeHole(gfn);
    this.d.totPages -= 1;
    return true;
  }

  /** The GFN becomes unmapped: zeroed, unpopulated (accesses are not trapped in our flat memory). */
  makeHole(gfn: number): void {
    this.d.mem.fill(gfn * PAGE, PAGE, 0);
    if (gfn < this.d.populated.length) this.d.populated[gfn] = 0;
  }

  /** GFN where a special page currently is. */
  gfnOfSpecial(p: SpecialPage): number | undefined {
    if (p.kind === 'shared_info') return this.sharedInfoGfn;
    return grantFrames(this.d).gfnOf(p.frame, p.idx);
  }

  /** Takes a special page out of the physmap: contents go home, its GFN becomes a hole. */
  unhookSpecial(gfn: number): void {
    const p = this.special.get(gfn);
    if (!p) return;
    this.special.delete(gfn);
    if (p.kind === 'shared_info') {
      const home = this.sharedInfoHome ?? this.d.sharedInfoAddr;
      this.moveSharedInfo(home);
      this.sharedInfoGfn = undefined;
    } else {
      grantFrames(this.d).detach(p.frame, p.idx);
    }
    this.makeHole(gfn);
  }

  /** Maps a special page at gfn (the caller has already dealt with whatever was mapped there). */
  mapSpecial(gfn: number, p: SpecialPage): void {
    const old = this.gfnOfSpecial(p);
    if (old === gfn) return;
    if (old !== undefined) this.special.delete(old);
    if (p.kind === 'shared_info') {
      if (this.sharedInfoHome === undefined) this.sharedInfoHome = this.d.sharedInfoAddr;
      this.moveSharedInfo(gfn * PAGE);
      this.sharedInfoGfn = gfn;
    } else {
      grantFrames(this.d).attach(p.frame, p.idx, gfn);
    }
    if (old !== undefined) this.makeHole(old);
    this.special.set(gfn, p);
    this.d.populated[gfn] = 1;
    this.noteMapped(gfn);
  }

  /**
   * Moves the live shared_info page to `addr`: copies the page, repoints d.sharedInfoAddr, and moves every vCPU
   * whose vcpu_info is still the one embedded in shared_info (never registered elsewhere) along with it. The
   * HVM shared_info format latch is not touched (it is latched by the hypercall MSR / HVM_PARAM_CALLBACK_IRQ).
   */
  private moveSharedInfo(addr: number): void {
    const d = this.d;
    const from = d.sharedInfoAddr;
    if (from === addr) return;
    d.mem.writeBytes(addr, d.mem.bytes.slice(from, from + PAGE));
    d.sharedInfoAddr = addr;
    for (const v of d.vcpus) {
      const a = v.vcpuInfoAddr;
      if (a !== undefined && !v.vcpuInfoRegistered && a >= from && a < from + PAGE) v.vcpuInfoAddr = addr + (a - from);
    }
  }

  /** A fake MFN for ≤4.8 profiles that write MFNs back to translated guests (no machine memory here). */
  nextFakeMfn(n: number): number {
    const m = this.fakeMfn;
    this.fakeMfn += n;
    return m;
  }
}

/** Above this the PV p2m mirror is not grown (64 MiB of Int32Array); M2P and ownership are still kept. */
const P2M_MIRROR_LIMIT = 1 << 24;

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n).fill(-1);
  b.set(a);
  return b;
}

/** assign_pages(): tot_pages + n must not exceed max_pages. A domain whose builder left max_pages 0 is unlimited. */
export function withinMaxPages(d: Domain, n: number): boolean {
  return d.maxPages <= 0 || d.totPages + n <= d.maxPages;
}

/**
 * Makes d.populated cover every page of d.mem. A builder that never filled it is taken to have populated all of
 * RAM; entries beyond a shorter array are unpopulated.
 */
export function ensurePopulated(d: Domain): void {
  const n = d.mem.pageCount;
  if (d.populated.length >= n) return;
  const p = new Uint8Array(n);
  if (d.populated.length === 0) p.fill(1);
  else p.set(d.populated);
  d.populated = p;
}

const states = new WeakMap<Domain, DomainMemory>();
const pendingXenFrames = new WeakMap<Domain, number[]>();

export function domainMemory(d: Domain): DomainMemory {
  let s = states.get(d);
  if (!s) {
    s = new DomainMemory(d);
    states.set(d, s);
  }
  return s;
}

/**
 * For PV domain builders: machine frames in d.mem that belong to Xen (other than shared_info, which is known),
 * so memory_op never hands them out or lets the guest free them.
 */
export function reserveXenFrames(d: Domain, mfns: Iterable<number>): void {
  const s = states.get(d);
  if (s) { s.reserveXen(mfns); return; }
  pendingXenFrames.set(d, [...(pendingXenFrames.get(d) ?? []), ...mfns]);
}

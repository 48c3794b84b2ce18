/**
 * Linear-to-physical translation: the page walker for 2-level (with PSE), PAE and 4-level
 * paging, with U/S, R/W, NX, CR0.WP, reserved bits and accessed/dirty updates (SDM vol. 3
 * ch. 4), and a direct-mapped software TLB per access class so hits need no checks.
 */
import {
  AC as AC_FLAG, CR0_AM, CR0_PG, CR0_WP, CR4_PAE, CR4_PSE, EFER_NXE, MAXPHYADDR, PF_VEC, PFEC_I, PFEC_P, PFEC_RSVD, PFEC_U, PFEC_W,
} from './constants';
import { CpuFault } from './fault';
import { CpuFlags } from './flags';

const TLB_BITS = 10;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
export { TLB_BITS, TLB_MASK, TLB_SIZE };

/** Access classes; each has its own TLB so a hit is already permission-checked. */
export const C_READ = 0;
export const C_WRITE = 1;
export const C_READ_USER = 2;
export const C_WRITE_USER = 3;
export const C_EXEC = 4;
export const C_EXEC_USER = 5;
const CLASSES = 6;

/** Physical-address bits 32..MAXPHYADDR-1 of a 64-bit entry's high word; bits above are reserved. */
const ENTRY_HI_ADDR = (1 << (MAXPHYADDR - 32)) - 1;
const ENTRY_HI_RSVD = 0x000fffff & ~ENTRY_HI_ADDR;
/** The value a tag never has (tags are page aligned). */
const TAG_INVALID = 1;

/** Reads of page-table entries outside RAM see all-ones (no device answers). */
const ALL_ONES = -1;

export class CpuPaging extends CpuFlags {
  readonly tlbTagLo = new Int32Array(TLB_SIZE * CLASSES).fill(TAG_INVALID);
  readonly tlbTagHi = new Int32Array(TLB_SIZE * CLASSES);
  readonly tlbPhys = new Int32Array(TLB_SIZE * CLASSES);
  /** Offsets of the data-read and data-write TLBs for the current CPL. */
  tlbRead = 0;
  tlbWrite = TLB_SIZE;
  tlbExec = C_EXEC * TLB_SIZE;
  /** Bumped on every flush so cached translations elsewhere (the fetch page) can be revalidated. */
  tlbGeneration = 0;
  /** Set by translate(): the page is not plain RAM or is watched, so it must not be cached. */
  lastUncacheable = false;
  /** Linear pages ("hi:pageLo") and physical pages that the debugger watches; never cached. */
  readonly watchedLinearPages = new Set<string>();
  readonly watchedPhysPages = new Set<number>();
  /** 0: paging off, 2: 2-level, 3: PAE, 4: 4-level. */
  pagingLevels = 0;
  /** PAE PDPTE registers, loaded from memory when CR3 is written or PAE paging is enabled. */
  readonly pdpteLo = new Int32Array(4);
  readonly pdpteHi = new Int32Array(4);

  /** Loads the PDPTE registers from the table at CR3 (PAE paging). */
  loadPdptes(): void {
    const base = (this.cr3Lo & 0xffffffe0) >>> 0;
    for (let k = 0; k < 4; k++) {
      [this.pdpteLo[k], this.pdpteHi[k]] = this.readEntry(base + k * 8);
    }
    this.flushTlb();
  }

  flushTlb(): void {
    this.tlbTagLo.fill(TAG_INVALID);
    this.tlbGeneration++;
  }

  /**
   * invlpg. A large page may cover the address through entries at other indexes, so this flushes
   * everything, which is always architecturally allowed (the TLB may drop entries at any time).
   */
  flushTlbPage(): void {
    this.flushTlb();
  }

  /** Alignment checking bypasses the TLB so every data access reaches the checks in the slow path. */
  protected override flagsWritten(): void {
    const ac = (this.cr0 & CR0_AM) !== 0 && (this.flags & AC_FLAG) !== 0 && this.cpl === 3;
    if (ac !== this.alignCheck) { this.alignCheck = ac; this.flushTlb(); }
  }

  /** Recomputes paging mode and CPL-dependent TLB selection after CR0/CR4/EFER/CPL changes. */
  updatePagingMode(): void {
    this.flagsWritten();
    if (!(this.cr0 & CR0_PG)) this.pagingLevels = 0;
    else if (this.longMode) this.pagingLevels = 4;
    else if (this.cr4 & CR4_PAE) this.pagingLevels = 3;
    else this.pagingLevels = 2;
    const user = this.cpl === 3;
    this.tlbRead = (user ? C_READ_USER : C_READ) * TLB_SIZE;
    this.tlbWrite = (user ? C_WRITE_USER : C_WRITE) * TLB_SIZE;
    this.tlbExec = (user ? C_EXEC_USER : C_EXEC) * TLB_SIZE;
    this.flushTlb();
  }

  /**
   * Translates a linear page for an access class. Returns the physical address of the page
   * (a number; it may be beyond RAM). Throws #PF. Installs a TLB entry when the page is
   * plain, unwatched RAM.
   */
  translate(lo: number, hi: number, cls: number): number {
    const page = this.walk(lo, hi, cls);
    const ramPage = page >= 0 && page < this.mem.size;
    let cacheable = ramPage && !this.alignCheck;
    if (cacheable && (this.watchedPhysPages.size !== 0 || this.watchedLinearPages.size !== 0)) {
      cacheable = !this.watchedPhysPages.has(page / 4096) && !this.watchedLinearPages.has(`${hi}:${lo >>> 12}`);
    }
    this.lastUncacheable = !cacheable;
    if (cacheable) {
      const idx = cls * TLB_SIZE + ((lo >>> 12) & TLB_MASK);
      this.tlbTagLo[idx] = lo & ~0xfff;
      this.tlbTagHi[idx] = hi;
      this.tlbPhys[idx] = page;
    }
    return page;
  }

  /** Like translate() but without faults or side effects: for the debugger. Returns -1 if unmapped. */
  probe(lo: number, hi: number): number {
    try {
      return this.walk(lo, hi, C_READ, true);
    } catch (e) {
      if (e instanceof CpuFault) return -1;
      throw e;
    }
  }

  /**
   * Translation for the hypervisor's own accesses to guest memory (copy_from_guest / copy_to_guest):
   * a supervisor access with CR0.WP honoured, setting A/D bits as the hardware walk Xen relies on would.
   * Returns the physical page address, or -1 where the guest would take a #PF.
   */
  translateSupervisor(lo: number, hi: number, write: boolean): number {
    try {
      return this.walk(lo, hi, write ? C_WRITE : C_READ);
    } catch (e) {
      if (e instanceof CpuFault) return -1;
      throw e;
    }
  }

  private pte32(pa: number): number {
    return pa + 4 <= this.mem.size ? this.mem.view.getInt32(pa, true) : ALL_ONES;
  }

  private setBits32(pa: number, bits: number): void {
    if (pa + 4 > this.mem.size) return;
    const v = this.mem.view.getInt32(pa, true);
    if ((v & bits) !== bits) {
      this.mem.view.setInt32(pa, v | bits, true);
      if (this.mem.pageFlags[pa >>> 12] !== 0) this.mem.noteWrite(pa, 4);
    }
  }

  private pageFault(lo: number, hi: number, cls: number, present: boolean, rsvd: boolean): CpuFault {
    const write = cls === C_WRITE || cls === C_WRITE_USER;
    const user = cls === C_READ_USER || cls === C_WRITE_USER || cls === C_EXEC_USER;
    const exec = cls >= C_EXEC;
    let ec = (present ? PFEC_P : 0) | (write ? PFEC_W : 0) | (user ? PFEC_U : 0) | (rsvd ? PFEC_RSVD : 0);
    if (exec && this.pagingLevels >= 3 && (this.efer & EFER_NXE)) ec |= PFEC_I;
    return new CpuFault(PF_VEC, ec, lo, hi);
  }

  /**
   * The page walk. `probeOnly` skips A/D updates. Returns the physical page address.
   */
  walk(lo: number, hi: number, cls: number, probeOnly = false): number {
    const levels = this.pagingLevels;
    if (levels === 0) return (lo & ~0xfff) >>> 0;
    const write = cls === C_WRITE || cls === C_WRITE_USER;
    const user = cls === C_READ_USER || cls === C_WRITE_USER || cls === C_EXEC_USER;
    const exec = cls >= C_EXEC;
    const nxe = (this.efer & EFER_NXE) !== 0;

    if (levels === 2) {
      const pdeAddr = (this.cr3Lo & 0xfffff000) + ((lo >>> 22) << 2);
      const pde = this.pte32(pdeAddr);
      if (!(pde & 1)) throw this.pageFault(lo, hi, cls, false, false);
      if ((pde & 0x80) && (this.cr4 & CR4_PSE)) {
        // 4 MiB page; PSE-36 bits 13..20 give physical bits 32..39 (bit 21 reserved).
        if (pde & 0x200000) throw this.pageFault(lo, hi, cls, true, true);
        this.checkAccess(lo, hi, cls, pde, write, user);
        if (!probeOnly) this.setBits32(pdeAddr, write ? 0x60 : 0x20);
        const high = (pde >>> 13) & 0xff;
        return high * 0x100000000 + ((pde & 0xffc00000) >>> 0) + (lo & 0x3ff000);
      }
      const pteAddr = (pde & 0xfffff000) + (((lo >>> 12) & 0x3ff) << 2);
      const pte = this.pte32(pteAddr);
      if (!(pte & 1)) throw this.pageFault(lo, hi, cls, false, false);
      this.checkAccess(lo, hi, cls, pde & pte, write, user);
      if (!probeOnly) {
        this.setBits32(pdeAddr, 0x20);
        this.setBits32(pteAddr, write ? 0x60 : 0x20);
      }
      return (pte & 0xfffff000) >>> 0;
    }

    // PAE and 4-level: 8-byte entries. perm accumulates R/W and U/S (AND) and NX (OR in bit 31 of nx).
    let perm = 0x6;
    let nx = false;
    let tableAddr: number;
    let entLo = 0, entHi = 0, entAddr = 0;
    const addrs: number[] = [];
    if (levels === 4) {
      const pml4Index = (hi >>> 7) & 0x1ff; // linear bits 47:39
      entAddr = this.cr3Hi * 0x100000000 + ((this.cr3Lo & 0xfffff000) >>> 0) + pml4Index * 8;
      [entLo, entHi] = this.readEntry(entAddr);
      if (!(entLo & 1)) throw this.pageFault(lo, hi, cls, false, false);
      if ((entHi & ENTRY_HI_RSVD) || (entLo & 0x80) || (!nxe && entHi < 0)) throw this.pageFault(lo, hi, cls, true, true);
      perm &= entLo; nx ||= entHi < 0; addrs.push(entAddr);
      tableAddr = (entHi & ENTRY_HI_ADDR) * 0x100000000 + ((entLo & 0xfffff000) >>> 0);
      const pdptIndex = (((hi & 0x7f) << 2) | (lo >>> 30)) & 0x1ff;
      entAddr = tableAddr + pdptIndex * 8;
      [entLo, entHi] = this.readEntry(entAddr);
      if (!(entLo & 1)) throw this.pageFault(lo, hi, cls, false, false);
      if ((entHi & ENTRY_HI_RSVD) || (!nxe && entHi < 0)) throw this.pageFault(lo, hi, cls, true, true);
      perm &= entLo; nx ||= entHi < 0; addrs.push(entAddr);
      if (entLo & 0x80) {
        // 1 GiB page: bits 13..29 of the entry are reserved.
        if (entLo & 0x3fffe000) throw this.pageFault(lo, hi, cls, true, true);
        return this.finishLarge(lo, hi, cls, perm & entLo, nx, write, user, exec, addrs, probeOnly,
          (entHi & ENTRY_HI_ADDR) * 0x100000000 + ((entLo & 0xc0000000) >>> 0) + (lo & 0x3ffff000));
      }
    } else {
      // PAE: the PDPTE has no permission bits; bits 1, 2 and 5..8 are reserved.
      entLo = this.pdpteLo[lo >>> 30]; entHi = this.pdpteHi[lo >>> 30];
      if (!(entLo & 1)) throw this.pageFault(lo, hi, cls, false, false);
      if ((entLo & 0x1e6) || (entHi & (ENTRY_HI_RSVD | 0x80000000))) throw this.pageFault(lo, hi, cls, true, true);
    }
    tableAddr = (entHi & ENTRY_HI_ADDR) * 0x100000000 + ((entLo & 0xfffff000) >>> 0);
    entAddr = tableAddr + ((lo >>> 21) & 0x1ff) * 8;
    [entLo, entHi] = this.readEntry(entAddr);
    if (!(entLo & 1)) throw this.pageFault(lo, hi, cls, false, false);
    if ((entHi & ENTRY_HI_RSVD) || (!nxe && entHi < 0)) throw this.pageFault(lo, hi, cls, true, true);
    perm &= entLo; nx ||= entHi < 0; addrs.push(entAddr);
    if (entLo & 0x80) {
      // 2 MiB page: bits 13..20 are reserved.
      if (entLo & 0x1fe000) throw this.pageFault(lo, hi, cls, true, true);
      return this.finishLarge(lo, hi, cls, perm, nx, write, user, exec, addrs, probeOnly,
        (entHi & ENTRY_HI_ADDR) * 0x100000000 + ((entLo & 0xffe00000) >>> 0) + (lo & 0x1ff000));
    }
    tableAddr = (entHi & ENTRY_HI_ADDR) * 0x100000000 + ((entLo & 0xfffff000) >>> 0);
    entAddr = tableAddr + ((lo >>> 12) & 0x1ff) * 8;
    [entLo, entHi] = this.readEntry(entAddr);
    if (!(entLo & 1)) throw this.pageFault(lo, hi, cls, false, false);
    if ((entHi & ENTRY_HI_RSVD) || (!nxe && entHi < 0)) throw this.pageFault(lo, hi, cls, true, true);
    perm &= entLo; nx ||= entHi < 0;
    return this.finishLarge(lo, hi, cls, perm, nx, write, user, exec, addrs, probeOnly,
      (entHi & ENTRY_HI_ADDR) * 0x100000000 + ((entLo & 0xfffff000) >>> 0), entAddr);
  }

  protected readEntry(pa: number): [number, number] {
    if (pa + 8 > this.mem.size) return [ALL_ONES, ALL_ONES];
    return [this.mem.view.getInt32(pa, true), this.mem.view.getInt32(pa + 4, true)];
  }

  /** Permission checks, then accessed bits on the upper levels and accessed/dirty on the leaf. */
  private finishLarge(lo: number, hi: number, cls: number, perm: number, nx: boolean, write: boolean, user: boolean,
    exec: boolean, upper: number[], probeOnly: boolean, phys: number, leafAddr?: number): number {
    if (exec && nx) throw this.pageFault(lo, hi, cls, true, false);
    this.checkAccess(lo, hi, cls, perm, write, user);
    if (!probeOnly) {
      if (leafAddr === undefined) leafAddr = upper.pop()!;
      for (const a of upper) this.setBits32(a, 0x20);
      this.setBits32(leafAddr, write ? 0x60 : 0x20);
    }
    return phys;
  }

  private checkAccess(lo: number, hi: number, cls: number, perm: number, write: boolean, user: boolean): void {
    if (user && !(perm & 4)) throw this.pageFault(lo, hi, cls, true, false);
    if (write && !(perm & 2) && (user || (this.cr0 & CR0_WP))) throw this.pageFault(lo, hi, cls, true, false);
  }
}

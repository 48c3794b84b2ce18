/**
 * Guest memory accesses by linear address (lo/hi int32 pair). The fast path is a TLB hit on
 * RAM within one page; everything else (page crossing, MMIO, watched pages, misses) takes
 * the slow path, which translates every page touched before it reads or writes anything so
 * a fault leaves memory untouched.
 */
import type { CpuHooks } from './api-types';
import { AC_VEC, GP, SS_VEC } from './constants';
import { CpuFault } from './fault';
import { C_READ, C_READ_USER, C_WRITE, C_WRITE_USER, CpuPaging, TLB_MASK as TLB_MASK_IMPORTED, TLB_SIZE as TLB_SIZE_IMPORTED } from './paging';

// Local copies fold to literals in optimized code (imported bindings are property loads).
const TLB_MASK = TLB_MASK_IMPORTED;
const TLB_SIZE = TLB_SIZE_IMPORTED;
import { toBig } from './state';

export interface WatchHit {
  id: number;
  address: bigint;
  size: number;
  access: 'read' | 'write';
  physical: boolean;
}

export interface WatchEntry {
  id: number;
  start: bigint;
  end: bigint; // exclusive
  physical: boolean;
  read: boolean;
  write: boolean;
  /** Guest DR0..DR3 breakpoints are watches too, reported through DR6 instead of a stop. */
  guestDr: number;
}

export class CpuMemory extends CpuPaging {
  hooks: CpuHooks = {};
  /** Debugger watches and guest data breakpoints. */
  watches: WatchEntry[] = [];
  /** First debugger watch hit by the current instruction. */
  pendingWatch: WatchHit | null = null;
  /** DR6 B0..B3 bits hit by the current instruction (guest data breakpoints). */
  pendingDrHits = 0;

  private canonical(lo: number, hi: number): void {
    if (this.in64 && ((hi << 16) >> 16) !== hi) {
      throw new CpuFault(this.eaSeg === 2 ? SS_VEC : GP, 0, 0, 0, `non-canonical address ${toBig(lo, hi).toString(16)}`);
    }
  }

  rd8(lo: number, hi: number): number {
    const idx = this.tlbRead + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi) {
      return this.ram[this.tlbPhys[idx] + (lo & 0xfff)];
    }
    return this.readSlow(lo, hi, 1, this.tlbRead);
  }
  rd16(lo: number, hi: number): number {
    const idx = this.tlbRead + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && (lo & 0xfff) !== 0xfff) {
      return this.view.getUint16(this.tlbPhys[idx] + (lo & 0xfff), true);
    }
    return this.readSlow(lo, hi, 2, this.tlbRead);
  }
  rd32(lo: number, hi: number): number {
    const idx = this.tlbRead + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && (lo & 0xfff) <= 0xffc) {
      return this.view.getInt32(this.tlbPhys[idx] + (lo & 0xfff), true);
    }
    return this.readSlow(lo, hi, 4, this.tlbRead);
  }
  /** 64-bit read: returns the low half, the high half is left in tmpHi. */
  rd64(lo: number, hi: number): number {
    const idx = this.tlbRead + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && (lo & 0xfff) <= 0xff8) {
      const pa = this.tlbPhys[idx] + (lo & 0xfff);
      this.tmpHi = this.view.getInt32(pa + 4, true);
      return this.view.getInt32(pa, true);
    }
    return this.readSlow(lo, hi, 8, this.tlbRead);
  }
  /** Reads by operand size 1, 2 or 4. */
  rdN(size: number, lo: number, hi: number): number {
    return size === 4 ? this.rd32(lo, hi) : size === 1 ? this.rd8(lo, hi) : this.rd16(lo, hi);
  }

  /** Reads for read-modify-write instructions: checked for write permission, as hardware does. */
  rdwN(size: number, lo: number, hi: number): number {
    const idx = this.tlbWrite + ((lo >>> 12) & TLB_MASK);
    const off = lo & 0xfff;
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && off <= 4096 - size) {
      const pa = this.tlbPhys[idx] + off;
      return size === 4 ? this.view.getInt32(pa, true) : size === 1 ? this.ram[pa] : this.view.getUint16(pa, true);
    }
    return this.readSlow(lo, hi, size, this.tlbWrite);
  }
  rdw64(lo: number, hi: number): number {
    const idx = this.tlbWrite + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && (lo & 0xfff) <= 0xff8) {
      const pa = this.tlbPhys[idx] + (lo & 0xfff);
      this.tmpHi = this.view.getInt32(pa + 4, true);
      return this.view.getInt32(pa, true);
    }
    return this.readSlow(lo, hi, 8, this.tlbWrite);
  }

  wr8(lo: number, hi: number, v: number): void {
    const idx = this.tlbWrite + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi) {
      const pa = this.tlbPhys[idx] + (lo & 0xfff);
      this.ram[pa] = v;
      if (this.pageFlags[pa >>> 12] !== 0) this.mem.noteWrite(pa, 1);
      return;
    }
    this.writeSlow(lo, hi, 1, v, 0, this.tlbWrite);
  }
  wr16(lo: number, hi: number, v: number): void {
    const idx = this.tlbWrite + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && (lo & 0xfff) !== 0xfff) {
      const pa = this.tlbPhys[idx] + (lo & 0xfff);
      this.view.setUint16(pa, v, true);
      if (this.pageFlags[pa >>> 12] !== 0) this.mem.noteWrite(pa, 2);
      return;
    }
    this.writeSlow(lo, hi, 2, v, 0, this.tlbWrite);
  }
  wr32(lo: number, hi: number, v: number): void {
    const idx = this.tlbWrite + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && (lo & 0xfff) <= 0xffc) {
      const pa = this.tlbPhys[idx] + (lo & 0xfff);
      this.view.setInt32(pa, v, true);
      if (this.pageFlags[pa >>> 12] !== 0) this.mem.noteWrite(pa, 4);
      return;
    }
    this.writeSlow(lo, hi, 4, v, 0, this.tlbWrite);
  }
  wr64(lo: number, hi: number, vLo: number, vHi: number): void {
    const idx = this.tlbWrite + ((lo >>> 12) & TLB_MASK);
    if (this.tlbTagLo[idx] === (lo & ~0xfff) && this.tlbTagHi[idx] === hi && (lo & 0xfff) <= 0xff8) {
      const pa = this.tlbPhys[idx] + (lo & 0xfff);
      this.view.setInt32(pa, vLo, true);
      this.view.setInt32(pa + 4, vHi, true);
      if (this.pageFlags[pa >>> 12] !== 0) this.mem.noteWrite(pa, 8);
      return;
    }
    this.writeSlow(lo, hi, 8, vLo, vHi, this.tlbWrite);
  }
  wrN(size: number, lo: number, hi: number, v: number): void {
    if (size === 4) this.wr32(lo, hi, v);
    else if (size === 1) this.wr8(lo, hi, v);
    else this.wr16(lo, hi, v);
  }

  /** Implicit supervisor-mode accesses (descriptor tables, IDT, TSS) regardless of CPL. */
  sysRead(lo: number, hi: number, size: number): number {
    return this.readSlow(lo, hi, size, C_READ * TLB_SIZE);
  }
  sysWrite(lo: number, hi: number, size: number, v: number, vHi = 0): void {
    this.writeSlow(lo, hi, size, v, vHi, C_WRITE * TLB_SIZE);
  }

  /** Adds n to a linear address, wrapping at 4 GiB outside 64-bit mode. Result lo; hi in eaHi. */
  addLinear(lo: number, hi: number, n: number): number {
    const sum = (lo >>> 0) + n;
    if (this.in64) this.eaHi = (hi + Math.floor(sum / 0x100000000)) | 0;
    else this.eaHi = 0;
    return sum | 0;
  }

  private physRead(pa: number, size: number): number {
    if (pa + size <= this.mem.size) {
      const v = this.view;
      switch (size) {
        case 1: return this.ram[pa];
        case 2: return v.getUint16(pa, true);
        case 4: return v.getInt32(pa, true);
        default: this.tmpHi = v.getInt32(pa + 4, true); return v.getInt32(pa, true);
      }
    }
    if (size === 8) {
      const lo = this.mmioRead(pa, 4);
      this.tmpHi = this.mmioRead(pa + 4, 4);
      return lo;
    }
    return this.mmioRead(pa, size);
  }

  private mmioRead(pa: number, size: number): number {
    const v = this.hooks.mmioRead?.(pa, size);
    const ones = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    return v === undefined ? ones : size === 4 ? v | 0 : v & ones;
  }

  private physWrite(pa: number, size: number, v: number, vHi: number): void {
    if (pa + size <= this.mem.size) {
      const view = this.view;
      switch (size) {
        case 1: this.ram[pa] = v; break;
        case 2: view.setUint16(pa, v, true); break;
        case 4: view.setInt32(pa, v, true); break;
        default: view.setInt32(pa, v, true); view.setInt32(pa + 4, vHi, true); break;
      }
      if (this.pageFlags[pa >>> 12] !== 0 || this.pageFlags[(pa + size - 1) >>> 12] !== 0) this.mem.noteWrite(pa, size);
      return;
    }
    if (size === 8) {
      this.hooks.mmioWrite?.(pa, 4, v >>> 0);
      this.hooks.mmioWrite?.(pa + 4, 4, vHi >>> 0);
    } else {
      this.hooks.mmioWrite?.(pa, size, size === 4 ? v >>> 0 : v & (size === 2 ? 0xffff : 0xff));
    }
  }

  readSlow(lo: number, hi: number, size: number, tlbOffset: number): number {
    this.canonical(lo, hi);
    const cls = tlbOffset / TLB_SIZE;
    if (this.alignCheck && (lo & (size - 1)) !== 0 && (cls === C_READ_USER || cls === C_WRITE_USER)) {
      throw new CpuFault(AC_VEC, 0, 0, 0, 'misaligned access with alignment checking on');
    }
    const off = lo & 0xfff;
    if (off + size <= 4096) {
      const pa = this.translate(lo, hi, cls) + off;
      const v = this.physRead(pa, size);
      if (this.watches.length !== 0) this.checkWatches(lo, hi, pa, size, false);
      return v;
    }
    // Crosses a page: translate both pages before touching either.
    const first = 4096 - off;
    const pa1 = this.translate(lo, hi, cls) + off;
    const lo2 = this.addLinear(lo, hi, first);
    const hi2 = this.eaHi;
    this.canonical(lo2, hi2);
    const pa2 = this.translate(lo2, hi2, cls);
    let vLo = 0, vHi = 0;
    for (let k = 0; k < size; k++) {
      const b = k < first ? this.physRead(pa1 + k, 1) : this.physRead(pa2 + k - first, 1);
      if (k < 4) vLo |= b << (8 * k); else vHi |= b << (8 * (k - 4));
    }
    if (this.watches.length !== 0) {
      this.checkWatches(lo, hi, pa1, first, false);
      this.checkWatches(lo2, hi2, pa2, size - first, false);
    }
    this.tmpHi = vHi;
    return vLo;
  }

  writeSlow(lo: number, hi: number, size: number, v: number, vHi: number, tlbOffset: number): void {
    this.canonical(lo, hi);
    const cls = tlbOffset / TLB_SIZE;
    if (this.alignCheck && (lo & (size - 1)) !== 0 && (cls === C_READ_USER || cls === C_WRITE_USER)) {
      throw new CpuFault(AC_VEC, 0, 0, 0, 'misaligned access with alignment checking on');
    }
    const off = lo & 0xfff;
    if (off + size <= 4096) {
      const pa = this.translate(lo, hi, cls) + off;
      this.physWrite(pa, size, v, vHi);
      if (this.watches.length !== 0) this.checkWatches(lo, hi, pa, size, true);
      return;
    }
    const first = 4096 - off;
    const pa1 = this.translate(lo, hi, cls) + off;
    const lo2 = this.addLinear(lo, hi, first);
    const hi2 = this.eaHi;
    this.canonical(lo2, hi2);
    const pa2 = this.translate(lo2, hi2, cls);
    for (let k = 0; k < size; k++) {
      const b = (k < 4 ? v >>> (8 * k) : vHi >>> (8 * (k - 4))) & 0xff;
      if (k < first) this.physWrite(pa1 + k, 1, b, 0); else this.physWrite(pa2 + k - first, 1, b, 0);
    }
    if (this.watches.length !== 0) {
      this.checkWatches(lo, hi, pa1, first, true);
      this.checkWatches(lo2, hi2, pa2, size - first, true);
    }
  }

  private checkWatches(lo: number, hi: number, pa: number, size: number, write: boolean): void {
    const lin = toBig(lo, hi);
    const phys = BigInt(pa);
    for (const w of this.watches) {
      if (write ? !w.write : !w.read) continue;
      const a = w.physical ? phys : lin;
      if (a + BigInt(size) <= w.start || a >= w.end) continue;
      if (w.guestDr >= 0) {
        this.pendingDrHits |= 1 << w.guestDr;
        this.attention = 1;
      } else if (this.pendingWatch === null) {
        this.pendingWatch = { id: w.id, address: a, size, access: write ? 'write' : 'read', physical: w.physical };
        this.attention = 1;
      }
    }
  }
}

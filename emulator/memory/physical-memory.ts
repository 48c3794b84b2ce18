/**
 * Guest-physical RAM: one ArrayBuffer (so at most 2 GiB, keeping every RAM address a
 * non-negative int32), plus per-page flags the CPU uses to keep its decoded-instruction
 * cache coherent with writes from any source (the CPU itself, the hypervisor, the debugger).
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** pageFlags bit: the page holds instructions the CPU has decoded and cached. */
export const PAGE_HAS_CODE = 1;

export type CodeWriteListener = (page: number) => void;

export class PhysicalMemory {
  readonly size: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly pageCount: number;
  /** Per-page flag bits (PAGE_HAS_CODE). */
  readonly pageFlags: Uint8Array;
  private codeWriteListeners: CodeWriteListener[] = [];

  constructor(bytes: number) {
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0) {
      throw new RangeError(`guest RAM size must be a positive multiple of ${PAGE_SIZE} bytes (got ${bytes})`);
    }
    if (bytes > 0x80000000) throw new RangeError('guest RAM is limited to 2 GiB');
    this.size = bytes;
    const buffer = new ArrayBuffer(bytes);
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.pageCount = bytes >>> PAGE_SHIFT;
    this.pageFlags = new Uint8Array(this.pageCount);
  }

  /** Registers a callback run when a page holding decoded code is written. */
  onCodeWrite(listener: CodeWriteListener): void {
    this.codeWriteListeners.push(listener);
  }

  /** Must be called by every writer that bypasses the write* methods below. */
  noteWrite(pa: number, length: number): void {
    const first = pa >>> PAGE_SHIFT;
    const last = Math.min((pa + Math.max(length, 1) - 1) >>> PAGE_SHIFT, this.pageCount - 1);
    for (let p = first; p <= last; p++) {
      if (this.pageFlags[p] & PAGE_HAS_CODE) {
        this.pageFlags[p] &= ~PAGE_HAS_CODE;
        for (const l of this.codeWriteListeners) l(p);
      }
    }
  }

  contains(pa: number, length = 1): boolean {
    return pa >= 0 && length >= 0 && pa + length <= this.size;
  }

  private check(pa: number, length: number): void {
    if (!this.contains(pa, length)) {
      throw new RangeError(`guest-physical access 0x${pa.toString(16)}+${length} is outside RAM (0x${this.size.toString(16)} bytes)`);
    }
  }

  read8(pa: number): number { this.check(pa, 1); return this.bytes[pa]; }
  read16(pa: number): number { this.check(pa, 2); return this.view.getUint16(pa, true); }
  read32(pa: number): number { this.check(pa, 4); return this.view.getUint32(pa, true); }
  read64(pa: number): bigint { this.check(pa, 8); return this.view.getBigUint64(pa, true); }

  write8(pa: number, v: number): void { this.check(pa, 1); this.bytes[pa] = v; this.noteWrite(pa, 1); }
  write16(pa: number, v: number): void { this.check(pa, 2); this.view.setUint16(pa, v, true); this.noteWrite(pa, 2); }
  write32(pa: number, v: number): void { this.check(pa, 4); this.view.setUint32(pa, v >>> 0, true); this.noteWrite(pa, 4); }
  write64(pa: number, v: bigint): void { this.check(pa, 8); this.view.setBigUint64(pa, BigInt.asUintN(64, v), true); this.noteWrite(pa, 8); }

  readBytes(pa: number, length: number): Uint8Array {
    this.check(pa, length);
    return this.bytes.slice(pa, pa + length);
  }

  writeBytes(pa: number, data: Uint8Array): void {
    this.check(pa, data.length);
    this.bytes.set(data, pa);
    this.noteWrite(pa, data.length);
  }

  fill(pa: number, length: number, value = 0): void {
    this.check(pa, length);
    this.bytes.fill(value, pa, pa + length);
    this.noteWrite(pa, length);
  }
}

/**
 * The hypervisor's copy_from_guest / copy_to_guest: guest-virtual addresses resolved through the calling
 * vCPU's current page tables as a supervisor access (Xen runs with CR0.WP set, so read-only guest pages
 * fault). A failed copy returns null / false and the caller decides what the guest sees (usually -EFAULT,
 * but memory_op's reservation subops return the extents done: xen/common/memory.c).
 */
import type { Cpu } from '../cpu/cpu';
import { Abi, StructDef, StructView, layoutOf } from './abi/layout';

export class GuestAccess {
  constructor(private readonly cpu: Cpu, private readonly abi: () => Abi) {}

  private get mem() { return this.cpu.mem; }

  /** Physical address of each page piece covering [addr, addr+len), or null if any page faults. */
  private pieces(addr: bigint, len: number, write: boolean): { pa: number; n: number }[] | null {
    const out: { pa: number; n: number }[] = [];
    const wrap = this.abi() === 'x86_32' ? 32 : 64;
    for (let k = 0; k < len;) {
      const a = BigInt.asUintN(wrap, addr + BigInt(k));
      const lo = Number(a & 0xffffffffn) | 0, hi = Number(a >> 32n) | 0;
      if (wrap === 64 && !isCanonical(a)) return null;
      const page = this.cpu.translateSupervisor(lo, hi, write);
      if (page < 0) return null;
      const off = Number(a & 0xfffn);
      const n = Math.min(len - k, 4096 - off);
      if (page + off + n > this.mem.size) return null; // MMIO or beyond RAM: not copyable
      out.push({ pa: page + off, n });
      k += n;
    }
    return out;
  }

  read(addr: bigint, len: number): Uint8Array | null {
    const p = this.pieces(addr, len, false);
    if (!p) return null;
    const out = new Uint8Array(len);
    let k = 0;
    for (const { pa, n } of p) { out.set(this.mem.bytes.subarray(pa, pa + n), k); k += n; }
    return out;
  }

  write(addr: bigint, data: Uint8Array): boolean {
    const p = this.pieces(addr, data.length, true);
    if (!p) return false;
    let k = 0;
    for (const { pa, n } of p) { this.mem.writeBytes(pa, data.subarray(k, k + n)); k += n; }
    return true;
  }

  /** Copies a whole struct in (layout for this caller's ABI); null on a fault. */
  readStruct(def: StructDef, addr: bigint): StructView | null {
    const layout = layoutOf(def, this.abi());
    const bytes = this.read(addr, layout.size);
    if (!bytes) return null;
    return new StructView(layout, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /** Writes a whole struct view back. */
  writeStruct(view: StructView, addr: bigint): boolean {
    const b = new Uint8Array(view.view.buffer, view.view.byteOffset + view.base, view.layout.size);
    return this.write(addr, b);
  }

  /** __copy_field_to_guest: writes only one field of a struct view back. */
  writeField(view: StructView, path: string, addr: bigint): boolean {
    const f = view.layout.fields.get(path);
    if (!f) throw new Error(`${view.layout.name} has no field ${path}`);
    const b = new Uint8Array(view.view.buffer, view.view.byteOffset + view.base + f.offset, f.size);
    return this.write(addr + BigInt(f.offset), b);
  }

  readU32(addr: bigint): number | null {
    const b = this.read(addr, 4);
    return b ? new DataView(b.buffer).getUint32(0, true) : null;
  }

  readU64(addr: bigint): bigint | null {
    const b = this.read(addr, 8);
    return b ? new DataView(b.buffer).getBigUint64(0, true) : null;
  }

  /** A xen_ulong_t / unsigned long / xen_pfn_t element: 8 bytes native, 4 bytes compat. */
  readUlong(addr: bigint): bigint | null {
    return this.abi() === 'x86_64' ? this.readU64(addr) : (v => v === null ? null : BigInt(v))(this.readU32(addr));
  }

  writeUlong(addr: bigint, v: bigint): boolean {
    const size = this.abi() === 'x86_64' ? 8 : 4;
    const b = new Uint8Array(size);
    const dv = new DataView(b.buffer);
    if (size === 8) dv.setBigUint64(0, BigInt.asUintN(64, v), true); else dv.setUint32(0, Number(BigInt.asUintN(32, v)), true);
    return this.write(addr, b);
  }

  get ulongSize(): number { return this.abi() === 'x86_64' ? 8 : 4; }
}

export function isCanonical(a: bigint): boolean {
  const top = a >> 47n;
  return top === 0n || top === 0x1ffffn;
}

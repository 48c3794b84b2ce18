/**
 * Guest memory for readMemory/writeMemory and memoryReferences: `0x…` (or bare hex) is guest-virtual through
 * the vCPU's current page tables, `phys:0x…` is guest-physical (machine memory for PV). Reads stop at the
 * first unmapped byte; DAP reports the rest as `unreadableBytes`.
 */
import type { Vcpu } from '../emulator/xen/vcpu';

export type Space = 'virtual' | 'physical';

export interface MemoryAddress { space: Space; address: bigint }

/** Parses a memoryReference: `0x1000`, `1000` (hex), `phys:0x1000`; undefined when it is not one. */
export function parseMemoryReference(ref: string): MemoryAddress | undefined {
  const m = /^\s*(?:(phys|virt)\s*:\s*)?(0x)?([0-9a-f]+)\s*$/i.exec(ref);
  if (!m) return undefined;
  return { space: m[1]?.toLowerCase() === 'phys' ? 'physical' : 'virtual', address: BigInt(`0x${m[3]}`) };
}

export function formatMemoryReference(a: MemoryAddress): string {
  return `${a.space === 'physical' ? 'phys:' : ''}0x${a.address.toString(16)}`;
}

/** Reads up to `count` bytes; the result is shorter when an unmapped byte is met. */
export function readGuest(v: Vcpu, a: MemoryAddress, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let done = 0;
  while (done < count) {
    const addr = BigInt.asUintN(64, a.address + BigInt(done));
    const phys = a.space === 'physical' ? addr : v.cpu.translateVirtual(addr);
    if (phys === undefined || phys >= BigInt(v.domain.mem.size)) break;
    const p = Number(phys);
    const n = Math.min(count - done, 4096 - (p & 0xfff), v.domain.mem.size - p);
    out.set(v.domain.mem.bytes.subarray(p, p + n), done);
    done += n;
  }
  return out.subarray(0, done);
}

/** Writes bytes; throws with the first unmapped address. Goes through PhysicalMemory so decode caches see it. */
export function writeGuest(v: Vcpu, a: MemoryAddress, data: Uint8Array): void {
  // Check everything first so a failed write changes nothing.
  const spans: { phys: number; from: number; n: number }[] = [];
  for (let done = 0; done < data.length;) {
    const addr = BigInt.asUintN(64, a.address + BigInt(done));
    const phys = a.space === 'physical' ? addr : v.cpu.translateVirtual(addr);
    if (phys === undefined || phys >= BigInt(v.domain.mem.size)) {
      throw new Error(`${a.space === 'physical' ? 'guest-physical' : 'guest-virtual'} address 0x${addr.toString(16)} is not mapped`);
    }
    const p = Number(phys);
    const n = Math.min(data.length - done, 4096 - (p & 0xfff), v.domain.mem.size - p);
    spans.push({ phys: p, from: done, n });
    done += n;
  }
  for (const s of spans) v.domain.mem.writeBytes(s.phys, data.subarray(s.from, s.from + s.n));
}

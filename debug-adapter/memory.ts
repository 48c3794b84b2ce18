/**
 * Guest memory for readMemory/writeMemory, memoryReferences and data breakpoints. This is where the
 * debugger's address spaces are defined:
 *  - `virtual` (`0x…`, or bare hex): guest-virtual, through the vCPU's current page tables;
 *  - `physical` (`phys:0x…`): guest-physical. For a PV guest that is pseudo-physical: page by page, pfn → mfn
 *    through the domain's p2m (d.p2m), and an unpopulated pfn is unmapped. For HVM/PVH it is the guest's
 *    physical address;
 *  - `machine` (`mach:0x…`): the domain's memory as the emulator holds it (d.mem), which is what PV page
 *    tables and Xen's shared pages (shared_info, vcpu_info, start_info) are addressed by. For HVM/PVH,
 *    machine = physical in this emulator.
 * Reads stop at the first unmapped byte; DAP reports the rest as `unreadableBytes`.
 */
import type { Domain } from '../emulator/xen/domain';
import type { Vcpu } from '../emulator/xen/vcpu';

export type Space = 'virtual' | 'physical' | 'machine';

export interface MemoryAddress { space: Space; address: bigint }

const PREFIX: Record<Space, string> = { virtual: '', physical: 'phys:', machine: 'mach:' };
const SPACE_NAME: Record<Space, string> = { virtual: 'guest-virtual', physical: 'guest-physical', machine: 'machine' };

/** Parses a memoryReference: `0x1000`, `1000` (hex), `phys:0x1000`, `mach:0x1000`; undefined when it is not one. */
export function parseMemoryReference(ref: string): MemoryAddress | undefined {
  const m = /^\s*(?:(phys|mach|virt)\s*:\s*)?(0x)?([0-9a-f]+)\s*$/i.exec(ref);
  if (!m) return undefined;
  const p = m[1]?.toLowerCase();
  return { space: p === 'phys' ? 'physical' : p === 'mach' ? 'machine' : 'virtual', address: BigInt(`0x${m[3]}`) };
}

export function formatMemoryReference(a: MemoryAddress): string {
  return `${PREFIX[a.space]}0x${a.address.toString(16)}`;
}

/** `guest-physical address 0x…` and the like, for messages. */
export function describeAddress(a: MemoryAddress): string {
  return `${SPACE_NAME[a.space]} address 0x${a.address.toString(16)}`;
}

/** The machine address (an offset in d.mem) of a guest-physical one, or undefined when it is not populated. */
export function physicalToMachine(d: Domain, phys: bigint): bigint | undefined {
  if (!d.isPv) return phys;
  const pfn = phys >> 12n;
  if (pfn >= BigInt(d.p2m.length)) return undefined;
  const mfn = d.p2m[Number(pfn)];
  return mfn < 0 ? undefined : (BigInt(mfn) << 12n) | (phys & 0xfffn);
}

/** The machine address of one byte, or undefined when it is unmapped. */
function machineOf(v: Vcpu, space: Space, addr: bigint): number | undefined {
  const m = space === 'machine' ? addr : space === 'physical' ? physicalToMachine(v.domain, addr) : v.cpu.translateVirtual(addr);
  return m === undefined || m >= BigInt(v.domain.mem.size) ? undefined : Number(m);
}

/** Reads up to `count` bytes; the result is shorter when an unmapped byte is met. */
export function readGuest(v: Vcpu, a: MemoryAddress, count: number): Uint8Array {
  const out = new Uint8Array(count);
  return out.subarray(0, readGuestInto(v, a, out));
}

/** Reads into `out` up to the first unmapped byte; returns how many bytes were read (no allocation). */
export function readGuestInto(v: Vcpu, a: MemoryAddress, out: Uint8Array): number {
  const count = out.length;
  let done = 0;
  while (done < count) {
    const p = machineOf(v, a.space, BigInt.asUintN(64, a.address + BigInt(done)));
    if (p === undefined) break;
    const n = Math.min(count - done, 4096 - (p & 0xfff), v.domain.mem.size - p);
    out.set(v.domain.mem.bytes.subarray(p, p + n), done);
    done += n;
  }
  return done;
}

/** Writes bytes; throws with the first unmapped address. Goes through PhysicalMemory so decode caches see it. */
export function writeGuest(v: Vcpu, a: MemoryAddress, data: Uint8Array): void {
  // Check everything first so a failed write changes nothing.
  const spans: { phys: number; from: number; n: number }[] = [];
  for (let done = 0; done < data.length;) {
    const addr = BigInt.asUintN(64, a.address + BigInt(done));
    const p = machineOf(v, a.space, addr);
    if (p === undefined) throw new Error(`${describeAddress({ space: a.space, address: addr })} is not mapped`);
    const n = Math.min(data.length - done, 4096 - (p & 0xfff), v.domain.mem.size - p);
    spans.push({ phys: p, from: done, n });
    done += n;
  }
  for (const s of spans) v.domain.mem.writeBytes(s.phys, data.subarray(s.from, s.from + s.n));
}

/**
 * The ranges a data breakpoint on [address, address + length) watches, in the core's terms (`virtual`, or
 * `physical` meaning machine): guest-physical ranges of a PV guest become machine ranges page by page.
 * Throws when a page is not populated.
 */
export function watchRanges(d: Domain, a: MemoryAddress, length: number): { space: 'virtual' | 'physical'; address: bigint; length: number }[] {
  if (a.space === 'virtual') return [{ space: 'virtual', address: a.address, length }];
  if (a.space === 'machine' || !d.isPv) return [{ space: 'physical', address: a.address, length }];
  const out: { space: 'physical'; address: bigint; length: number }[] = [];
  for (let done = 0; done < length;) {
    const at = a.address + BigInt(done);
    const m = physicalToMachine(d, at);
    if (m === undefined) throw new Error(`${describeAddress({ space: 'physical', address: at })} is not populated (no p2m entry)`);
    const n = Math.min(length - done, 4096 - Number(at & 0xfffn));
    const last = out[out.length - 1];
    if (last && last.address + BigInt(last.length) === m) last.length += n;
    else out.push({ space: 'physical', address: m, length: n });
    done += n;
  }
  return out;
}

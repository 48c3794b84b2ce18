/**
 * The guest-memory side of event delivery: the shared_info bitmaps and each vCPU's vcpu_info, addressed with
 * the declared layouts (abi/structs.ts), never with hard-coded offsets. The caller implements ByteAccess over
 * guest RAM (wherever shared_info is mapped and wherever each vcpu_info is registered).
 *
 * Bitmaps are arrays of little-endian xen_ulong_t, so bit n of the bitmap is bit (n & 7) of byte (n >> 3)
 * whatever the word size; only the selector index (port / BITS_PER_EVTCHN_WORD) and the port limit depend on it.
 */
import { Abi, elementOffset, fieldOf, layoutOf } from '../abi/layout';
import { XEN_LEGACY_MAX_VCPUS, shared_info, vcpu_info } from '../abi/structs';

/** Byte access relative to the start of a struct; DataView satisfies it structurally. */
export interface ByteAccess {
  getUint8(byteOffset: number): number;
  setUint8(byteOffset: number, value: number): void;
}

/** What the event channel core needs from a domain's memory. */
export interface EvtchnGuestMemory {
  /** The latched shared_info format (PV32 and HVM latched 32-bit use 32-bit words, §5.3/§5.4). */
  readonly abi: Abi;
  /** The domain's shared_info page, offset 0 = start of struct shared_info. */
  readonly sharedInfo: ByteAccess;
  /**
   * vCPU `vcpu`'s vcpu_info, offset 0 = start of struct vcpu_info; undefined when it has none (vCPU ≥ 32 that
   * never registered one: Xen then writes to dummy_vcpu_info, xen/common/domain.c).
   */
  vcpuInfo(vcpu: number): ByteAccess | undefined;
}

/** Event words: BITS_PER_EVTCHN_WORD (xen/include/xen/event.h) = bits in the guest's xen_ulong_t. */
export const bitsPerEvtchnWord = (abi: Abi): number => (abi === 'x86_64' ? 64 : 32);
/** 2-level port capacity (event_2l.c: BITS_PER_EVTCHN_WORD squared): 4096 or 1024. */
export const twoLevelMaxPorts = (abi: Abi): number => bitsPerEvtchnWord(abi) ** 2;

/** Byte offsets of the fields the 2-level ABI touches, from the declared layouts. */
export interface EvtchnOffsets {
  readonly pending: number;
  readonly mask: number;
  readonly pendingSel: number;
  readonly upcallPending: number;
  readonly upcallMask: number;
}

const offsetsCache = new Map<Abi, EvtchnOffsets>();
export function evtchnOffsets(abi: Abi): EvtchnOffsets {
  let o = offsetsCache.get(abi);
  if (!o) {
    const si = layoutOf(shared_info, abi);
    const vi = layoutOf(vcpu_info, abi);
    o = {
      pending: elementOffset(si, 'evtchn_pending', 0),
      mask: elementOffset(si, 'evtchn_mask', 0),
      pendingSel: fieldOf(vi, 'evtchn_pending_sel').offset,
      upcallPending: fieldOf(vi, 'evtchn_upcall_pending').offset,
      upcallMask: fieldOf(vi, 'evtchn_upcall_mask').offset,
    };
    offsetsCache.set(abi, o);
  }
  return o;
}

export function testBit(m: ByteAccess, base: number, bit: number): boolean {
  return (m.getUint8(base + (bit >>> 3)) & (1 << (bit & 7))) !== 0;
}

/** Returns the old value, like Xen's test_and_set_bit. */
export function testAndSetBit(m: ByteAccess, base: number, bit: number): boolean {
  const off = base + (bit >>> 3);
  const b = m.getUint8(off);
  const mask = 1 << (bit & 7);
  m.setUint8(off, b | mask);
  return (b & mask) !== 0;
}

export function testAndClearBit(m: ByteAccess, base: number, bit: number): boolean {
  const off = base + (bit >>> 3);
  const b = m.getUint8(off);
  const mask = 1 << (bit & 7);
  m.setUint8(off, b & ~mask);
  return (b & mask) !== 0;
}

/** A ByteAccess window `base` bytes into a DataView. */
export function byteWindow(view: DataView, base: number): ByteAccess {
  return {
    getUint8: (o) => view.getUint8(base + o),
    setUint8: (o, v) => view.setUint8(base + o, v),
  };
}

/**
 * EvtchnGuestMemory over one DataView holding shared_info at `sharedInfoBase`. vcpu_info defaults to the
 * legacy shared_info.vcpu_info[v] slots; registerVcpuInfo() moves one elsewhere (VCPUOP_register_vcpu_info).
 */
export class DataViewEvtchnMemory implements EvtchnGuestMemory {
  readonly sharedInfo: ByteAccess;
  private readonly registered = new Map<number, ByteAccess>();

  constructor(readonly view: DataView, public abi: Abi, readonly sharedInfoBase = 0) {
    this.sharedInfo = byteWindow(view, sharedInfoBase);
  }

  registerVcpuInfo(vcpu: number, byteOffset: number): void {
    this.registered.set(vcpu, byteWindow(this.view, byteOffset));
  }

  vcpuInfo(vcpu: number): ByteAccess | undefined {
    const r = this.registered.get(vcpu);
    if (r) return r;
    if (vcpu < 0 || vcpu >= XEN_LEGACY_MAX_VCPUS) return undefined;
    return byteWindow(this.view, this.sharedInfoBase + elementOffset(layoutOf(shared_info, this.abi), 'vcpu_info', vcpu));
  }
}

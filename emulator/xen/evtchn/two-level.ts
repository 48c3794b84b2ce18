/**
 * The 2-level event ABI's port operations (xen/common/event_2l.c), over EvtchnGuestMemory.
 * Each function returns true when vcpu_mark_events_pending found evtchn_upcall_pending clear, i.e. when the
 * vCPU must be kicked (PV: upcall on return to guest; HVM: assert the callback, §5.4).
 */
import { ByteAccess, EvtchnGuestMemory, bitsPerEvtchnWord, evtchnOffsets, testAndClearBit, testAndSetBit, testBit } from './memory';

/** A vCPU without a vcpu_info gets Xen's dummy (xen/common/domain.c dummy_vcpu_info); one per domain here. */
export type VcpuInfoResolver = (vcpu: number) => ByteAccess;

/** vcpu_mark_events_pending (xen/arch/x86/domain.c): test-and-set bit 0 of evtchn_upcall_pending. */
function markEventsPending(mem: EvtchnGuestMemory, vi: ByteAccess): boolean {
  return !testAndSetBit(vi, evtchnOffsets(mem.abi).upcallPending, 0);
}

/** evtchn_2l_set_pending: pending bit; if it was clear and the port is unmasked, selector bit, then upcall flag. */
export function setPending2l(mem: EvtchnGuestMemory, vcpuInfo: VcpuInfoResolver, vcpu: number, port: number): boolean {
  const o = evtchnOffsets(mem.abi);
  if (testAndSetBit(mem.sharedInfo, o.pending, port)) return false;
  if (testBit(mem.sharedInfo, o.mask, port)) return false;
  const vi = vcpuInfo(vcpu);
  if (testAndSetBit(vi, o.pendingSel, Math.floor(port / bitsPerEvtchnWord(mem.abi)))) return false;
  return markEventsPending(mem, vi);
}

/** evtchn_2l_unmask: clear mask; if it was set, the port is pending and the selector bit was clear, notify. */
export function unmask2l(mem: EvtchnGuestMemory, vcpuInfo: VcpuInfoResolver, vcpu: number, port: number): boolean {
  const o = evtchnOffsets(mem.abi);
  if (!testAndClearBit(mem.sharedInfo, o.mask, port)) return false;
  if (!testBit(mem.sharedInfo, o.pending, port)) return false;
  const vi = vcpuInfo(vcpu);
  if (testAndSetBit(vi, o.pendingSel, Math.floor(port / bitsPerEvtchnWord(mem.abi)))) return false;
  return markEventsPending(mem, vi);
}

/** evtchn_2l_clear_pending: only the pending bit (used when a port is freed). */
export function clearPending2l(mem: EvtchnGuestMemory, port: number): void {
  testAndClearBit(mem.sharedInfo, evtchnOffsets(mem.abi).pending, port);
}

export function isPending2l(mem: EvtchnGuestMemory, port: number): boolean {
  return testBit(mem.sharedInfo, evtchnOffsets(mem.abi).pending, port);
}

export function isMasked2l(mem: EvtchnGuestMemory, port: number): boolean {
  return testBit(mem.sharedInfo, evtchnOffsets(mem.abi).mask, port);
}

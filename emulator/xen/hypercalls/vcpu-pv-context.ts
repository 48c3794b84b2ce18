/**
 * VCPUOP_initialise for PV vCPUs (xen/common/domain.c default_initialise_vcpu, compat_vcpu_op, Xen 4.17): copy
 * the vcpu_guest_context in the caller's layout (5168 bytes native, 2800 compat) → -EFAULT on a fault; an
 * initialised vCPU → -EEXIST; then arch_set_info_guest, which the PV code implements (pvInitialiseVcpu in
 * emulator/xen/pv/vcpu-context.ts: 0 or -errno; it marks the vCPU initialised and handles VGCF_online).
 */
import type { StructView } from '../abi/layout';
import { vcpu_guest_context } from '../abi/pv-structs';
import { XenErrno } from '../errno';
import type { HypercallContext } from '../hypercall/context';
import type { Hypervisor } from '../hypervisor';
import { pvInitialiseVcpu } from '../pv/vcpu-context';
import type { Vcpu } from '../vcpu';

export type PvInitialiseVcpu = (hv: Hypervisor, target: Vcpu, ctxt: StructView) => number;

let pvInitialise: PvInitialiseVcpu = pvInitialiseVcpu;

/** Replaces arch_set_info_guest for PV vCPUs (tests); undefined restores pvInitialiseVcpu. */
export function setPvInitialiseVcpu(fn: PvInitialiseVcpu | undefined): void {
  pvInitialise = fn ?? pvInitialiseVcpu;
}

export function pvVcpuInitialise(ctx: HypercallContext, v: Vcpu, arg: bigint): number {
  const c = ctx.guest.readStruct(vcpu_guest_context, arg);
  if (!c) return -XenErrno.EFAULT;
  if (v.initialised) return -XenErrno.EEXIST;
  const rc = pvInitialise(ctx.hv, v, c);
  if (rc === 0) v.initialised = true;
  return rc;
}

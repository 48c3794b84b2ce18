/**
 * Guest areas Xen keeps up to date for a vCPU, registered through vcpu_op: the runstate area
 * (VCPUOP_register_runstate_memory_area, a guest VIRTUAL address) and the secondary vcpu_time_info copy
 * (VCPUOP_register_vcpu_time_memory_area, also virtual).
 *
 * Facts (xen/common/domain.c vcpu_runstate_get / update_runstate_area, xen/arch/x86/time.c
 * update_secondary_system_time, Xen 4.17): the runstate area is rewritten on every context switch of the vCPU,
 * in the domain's shared_info format (has_32bit_shinfo: compat vcpu_runstate_info is 44 bytes with
 * state_entry_time at 4); write faults are ignored. With VMASST_TYPE_runstate_update_flag Xen sets
 * XEN_RUNSTATE_UPDATE (bit 63 of state_entry_time) around its update; our update is atomic with respect to the
 * guest, so only the final value is written.
 */
import { Abi, StructView, layoutOf } from '../abi/layout';
import { vcpu_runstate_info } from '../abi/structs';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';

/**
 * struct vcpu_runstate_info for `v` in the given layout. `withCurrent` is vcpu_runstate_get(): the time spent
 * in the current state so far is added to its bucket; without it the raw accounting is copied (what Xen writes
 * at a context switch, when the state has just been entered).
 */
export function runstateInfo(hv: Hypervisor, v: Vcpu, abi: Abi, withCurrent: boolean): StructView {
  const l = layoutOf(vcpu_runstate_info, abi);
  const view = new StructView(l, new DataView(new ArrayBuffer(l.size)));
  view.set('state', v.runstate);
  view.set('state_entry_time', BigInt(v.runstateEntry));
  for (let s = 0; s < 4; s++) {
    let t = v.runstateTime[s];
    if (withCurrent && s === v.runstate) t += Math.max(0, hv.clock.now - v.runstateEntry);
    view.set('time', BigInt(t), s);
  }
  return view;
}

const bytesOf = (view: StructView): Uint8Array =>
  new Uint8Array(view.view.buffer, view.view.byteOffset + view.base, view.layout.size);

/**
 * update_runstate_area(v): writes v's vcpu_runstate_info to its registered guest-virtual area (if any), in the
 * domain's shared_info format, through v's current page tables. The hypervisor calls this whenever v's runstate
 * changes (context switch in / out). Returns false if the area is registered but not writable.
 */
export function updateRunstateArea(hv: Hypervisor, v: Vcpu): boolean {
  if (v.runstateArea === null) return true;
  return v.guest.write(v.runstateArea, bytesOf(runstateInfo(hv, v, v.domain.sharedInfoAbi, false)));
}

/** VCPUOP_register_vcpu_time_memory_area addresses (struct vcpu's arch.time_info_guest). */
const timeAreas = new WeakMap<Vcpu, bigint>();

export function setVcpuTimeArea(v: Vcpu, addr: bigint | null): void {
  if (addr === null || addr === 0n) timeAreas.delete(v);
  else timeAreas.set(v, addr);
}

export function vcpuTimeArea(v: Vcpu): bigint | undefined {
  return timeAreas.get(v);
}

/**
 * update_secondary_system_time(v): copies v's vcpu_time_info (vcpu_info.time, 32 bytes in both ABIs) to the
 * registered guest-virtual area. The hypervisor calls this after updateTimeInfo(v). Faults are ignored.
 */
export function updateVcpuTimeArea(_hv: Hypervisor, v: Vcpu): boolean {
  const addr = timeAreas.get(v);
  if (addr === undefined) return true;
  const info = v.domain.vcpuInfo(v.id);
  if (!info) return true;
  const t = info.sub('time');
  const bytes = new Uint8Array(t.view.buffer, t.view.byteOffset + t.base, t.layout.size).slice();
  return v.guest.write(addr, bytes);
}

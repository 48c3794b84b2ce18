/**
 * vcpu_op (hypercall 24): vCPU bring-up (initialise/up/down/is_up), runstate, timers, vcpu_info and time-area
 * registration.
 *
 * Sources (facts only): xen/common/domain.c common_vcpu_op / map_vcpu_info / vcpu_runstate_get,
 * xen/arch/x86/domain.c do_vcpu_op / arch_initialise_vcpu, xen/common/compat/domain.c compat_vcpu_op,
 * xen/arch/x86/hvm/hypercall.c hvm_vcpu_op (the HVM filter of older releases), Xen 4.4–4.19 as recorded in the
 * version profile; fact sheet §5.2, §9.
 *
 * Simplified / not modelled:
 *  - VCPUOP_send_nmi: validated (non-NULL arg → -EINVAL) but NMI delivery is not emulated: -ENOSYS + warning.
 *  - VCPUOP_register_{runstate,vcpu_time}_phys_area (4.18+): -ENOSYS + warning.
 *  - guest_handle_okay() range checks on registered areas are not modelled (only the copies can fault).
 *  - A singleshot deadline set in the future is noticed when the running slice ends (the scheduler's quantum);
 *    a deadline already passed ends the slice at once so VIRQ_TIMER is raised before the guest continues.
 */
import { StructView, layoutOf } from '../abi/layout';
import {
  vcpu_info, vcpu_register_runstate_memory_area, vcpu_register_vcpu_info, vcpu_set_periodic_timer,
  vcpu_set_singleshot_timer,
} from '../abi/structs';
import { vcpu_hvm_context, vcpu_register_time_memory_area } from '../abi/hypercall-structs';
import { XenErrno } from '../errno';
import type { HandlerResult, HypercallContext } from '../hypercall/context';
import type { Vcpu } from '../vcpu';
import type { HypercallFamily } from './index';
import { PgType, pvDomainState } from '../pv/state';
import { domainMemory } from './memory-model';
import { runstateInfo, setVcpuTimeArea, updateVcpuTimeArea } from './vcpu-areas';
import { hvmInitialiseVcpu } from './vcpu-hvm-context';
import { pvVcpuInitialise } from './vcpu-pv-context';

export { updateRunstateArea, updateVcpuTimeArea } from './vcpu-areas';

/** VCPUOP_* (public/vcpu.h). */
export const VCPUOP = {
  initialise: 0, up: 1, down: 2, is_up: 3, get_runstate_info: 4, register_runstate_memory_area: 5,
  set_periodic_timer: 6, stop_periodic_timer: 7, set_singleshot_timer: 8, stop_singleshot_timer: 9,
  register_vcpu_info: 10, send_nmi: 11, get_physid: 12, register_vcpu_time_memory_area: 13,
  register_runstate_phys_area: 14, register_vcpu_time_phys_area: 15,
} as const;
const VCPUOP_NAMES = new Map<number, string>(Object.entries(VCPUOP).map(([k, v]) => [v, `VCPUOP_${k}`]));

/** VCPU_SSHOTTMR_future (public/vcpu.h). */
const VCPU_SSHOTTMR_FUTURE = 1;
/** MILLISECS(1) and STIME_DELTA_MAX (xen/include/xen/time.h: s_time_t max). */
const MIN_PERIOD_NS = 1_000_000n;
const STIME_DELTA_MAX = (1n << 63n) - 1n;
/** [U] MAX_VIRT_CPUS on x86 (asm-x86/config.h): the 4.4 -EINVAL bound on vcpuid (§5.2). */
const MAX_VIRT_CPUS = 8192;

/** The 4.4–4.6 HVM filter (hvm_vcpu_op, RELEASE-4.4.0 hvm.c): runstate, timers, vcpu_info, time area. */
const HVM_FILTER_4_4: ReadonlySet<number> = new Set([
  VCPUOP.register_runstate_memory_area, VCPUOP.get_runstate_info, VCPUOP.set_periodic_timer,
  VCPUOP.stop_periodic_timer, VCPUOP.set_singleshot_timer, VCPUOP.stop_singleshot_timer,
  VCPUOP.register_vcpu_info, VCPUOP.register_vcpu_time_memory_area,
]);
/** 4.7 (192df6f912) added the bring-up ops to the same filter. */
const HVM_FILTER_4_7: ReadonlySet<number> = new Set([
  ...HVM_FILTER_4_4, VCPUOP.initialise, VCPUOP.up, VCPUOP.down, VCPUOP.is_up,
]);

export const vcpuHypercalls: HypercallFamily = { vcpu_op: vcpuOp };

function vcpuOp(ctx: HypercallContext): HandlerResult {
  const p = ctx.profile;
  const d = ctx.domain;
  const cmd = ctx.i32(0);
  const vcpuid = ctx.u32(1);
  const arg = ctx.ulong(2);
  ctx.subop = VCPUOP_NAMES.get(cmd) ?? `VCPUOP_${cmd}`;
  ctx.traceArgs.vcpu = vcpuid;

  if (d.isHvm) {
    // HVM callers went through hvm_vcpu_op in releases with the old per-type tables (§1, §5.2, §9): 4.4–4.6
    // without the bring-up ops (profile.hvmVcpuBringUp), 4.7–4.8 with them. The modern table has no filter.
    const filter = !p.hvmVcpuBringUp ? HVM_FILTER_4_4 : p.hvmHypercallAllowList !== undefined ? HVM_FILTER_4_7 : undefined;
    if (filter && !filter.has(cmd)) return -XenErrno.ENOSYS;
  }
  // 4.4 took vcpuid as int and rejected negative / ≥ MAX_VIRT_CPUS with -EINVAL before looking it up.
  if (p.vcpuOpBadIdEinval && ((vcpuid | 0) < 0 || vcpuid >= MAX_VIRT_CPUS)) return -XenErrno.EINVAL;
  const v = d.vcpus[vcpuid];
  if (!v) return -XenErrno.ENOENT;

  switch (cmd) {
    case VCPUOP.initialise: return initialise(ctx, v, arg);
    case VCPUOP.up: return up(ctx, v);
    case VCPUOP.down: return down(ctx, v);
    case VCPUOP.is_up: return v.down ? 0 : 1;
    case VCPUOP.get_runstate_info: {
      const r = runstateInfo(ctx.hv, v, ctx.abi, true);
      return ctx.guest.writeStruct(r, arg) ? 0 : -XenErrno.EFAULT;
    }
    case VCPUOP.register_runstate_memory_area: return registerRunstate(ctx, v, arg);
    case VCPUOP.set_periodic_timer: return setPeriodic(ctx, v, arg);
    case VCPUOP.stop_periodic_timer:
      v.periodic = null;
      return 0;
    case VCPUOP.set_singleshot_timer: return setSingleshot(ctx, v, arg);
    case VCPUOP.stop_singleshot_timer:
      if (v !== ctx.vcpu) return -XenErrno.EINVAL;
      v.singleshot = null;
      return 0;
    case VCPUOP.register_vcpu_info: return registerVcpuInfo(ctx, v, arg);
    case VCPUOP.send_nmi:
      if (arg !== 0n) return -XenErrno.EINVAL;
      ctx.hv.warn(ctx.vcpu, 'VCPUOP_send_nmi: NMI delivery is not emulated; returned -ENOSYS');
      return -XenErrno.ENOSYS;
    case VCPUOP.get_physid:
      // Only for the hardware domain's pinned vCPUs.
      return -XenErrno.EINVAL;
    case VCPUOP.register_vcpu_time_memory_area: return registerTimeArea(ctx, v, arg);
    case VCPUOP.register_runstate_phys_area:
    case VCPUOP.register_vcpu_time_phys_area:
      if (p.vcpuPhysAreaOps) ctx.hv.warn(ctx.vcpu, `${ctx.subop} is not emulated; returned -ENOSYS`);
      return -XenErrno.ENOSYS;
    default:
      return -XenErrno.ENOSYS;
  }
}

// ------------------------------------------------------------------ bring-up

function initialise(ctx: HypercallContext, v: Vcpu, arg: bigint): number {
  const d = ctx.domain;
  // A vCPU still on dummy_vcpu_info (id ≥ 32, nothing registered) cannot be initialised: all guest types
  // before 4.19, PV only from 4.19 (03e484a4f6).
  if ((ctx.profile.dummyVcpuInfoCheck === 'all' || d.isPv) && v.vcpuInfoAddr === undefined) return -XenErrno.EINVAL;
  if (d.isPv) return pvVcpuInitialise(ctx, v, arg);
  const c = ctx.guest.readStruct(vcpu_hvm_context, arg);
  if (!c) return -XenErrno.EFAULT;
  ctx.traceArgs.mode = c.getNum('mode') === 1 ? '64b' : c.getNum('mode') === 0 ? '32b' : c.getNum('mode');
  if (v.initialised) return -XenErrno.EEXIST;
  const rc = hvmInitialiseVcpu(v, c);
  if (rc === 0) {
    v.initialised = true;
    v.down = true;
  }
  return rc;
}

/** VCPUOP_up: not initialised → -EINVAL; otherwise clear "down" and wake (0 also when already up). */
function up(ctx: HypercallContext, v: Vcpu): number {
  if (!v.initialised) return -XenErrno.EINVAL;
  if (v.down) {
    v.down = false;
    // vcpu_wake: runnable, unless it is still blocked (in SCHEDOP_block/poll when it was taken down).
    v.setRunstate(v.blocked ? 2 : 1, ctx.hv.clock.now);
    ctx.hv.updateTimeInfo(v);
    ctx.hv.emit('vcpu-up', v.domain, v, `vcpu${v.id}`);
  }
  return 0;
}

/** VCPUOP_down: 4.11+ powers the domain off when every other vCPU is already down (d3b230fc46). */
function down(ctx: HypercallContext, v: Vcpu): number {
  const d = ctx.domain;
  if (ctx.profile.vcpuDownLastPowersOff && d.vcpus.every((x) => x === v || x.down)) {
    ctx.hv.shutdownDomain(d, 'poweroff', 0, ctx.vcpu, `VCPUOP_down of the last running vCPU (${v.label})`);
    return 0;
  }
  if (!v.down) {
    v.down = true;
    v.setRunstate(3, ctx.hv.clock.now);
    ctx.hv.emit('vcpu-down', d, v, `vcpu${v.id}`);
    // Down on oneself takes effect on return from the hypercall.
    if (v === ctx.vcpu) ctx.hv.yieldCurrent(v);
  }
  return 0;
}

// ------------------------------------------------------------------ runstate and timers

function registerRunstate(ctx: HypercallContext, v: Vcpu, arg: bigint): number {
  // compat_vcpu_op copies only the 32-bit compat handle.
  const a = ctx.compat ? ctx.guest.readU32(arg) : ctx.guest.readStruct(vcpu_register_runstate_memory_area, arg)?.getBig('addr.p');
  if (a === null || a === undefined) return -XenErrno.EFAULT;
  const addr = BigInt(a);
  ctx.traceArgs.addr = `0x${addr.toString(16)}`;
  v.runstateArea = addr === 0n ? null : addr;
  if (v.runstateArea !== null) {
    // The calling vCPU gets its raw accounting, another one vcpu_runstate_get(); in the caller's layout.
    const r = runstateInfo(ctx.hv, v, ctx.abi, v !== ctx.vcpu);
    ctx.guest.writeStruct(r, addr); // a fault here is ignored
  }
  return 0;
}

function setPeriodic(ctx: HypercallContext, v: Vcpu, arg: bigint): number {
  const s = ctx.guest.readStruct(vcpu_set_periodic_timer, arg);
  if (!s) return -XenErrno.EFAULT;
  const period = s.getBig('period_ns');
  ctx.traceArgs.period_ns = period.toString();
  if (period < MIN_PERIOD_NS || period > STIME_DELTA_MAX) return -XenErrno.EINVAL;
  const ns = Number(period);
  // vcpu_set_periodic_timer: same period → nothing changes; else restart from now.
  if (v.periodic?.period !== ns) v.periodic = { period: ns, next: ctx.hv.clock.now + ns };
  return 0;
}

function setSingleshot(ctx: HypercallContext, v: Vcpu, arg: bigint): number {
  if (v !== ctx.vcpu) return -XenErrno.EINVAL;
  const s = ctx.guest.readStruct(vcpu_set_singleshot_timer, arg);
  if (!s) return -XenErrno.EFAULT;
  const t = s.getBig('timeout_abs_ns');
  const flags = s.getNum('flags');
  Object.assign(ctx.traceArgs, { timeout_abs_ns: t.toString(), flags });
  const now = ctx.hv.clock.now;
  if ((flags & VCPU_SSHOTTMR_FUTURE) && ctx.profile.singleshotFutureEtime && t < BigInt(now)) return -XenErrno.ETIME;
  v.singleshot = Number(BigInt.asIntN(64, t));
  if (v.singleshot <= now) ctx.hv.yieldCurrent(v);
  return 0;
}

// ------------------------------------------------------------------ vcpu_info and the time area

/**
 * VCPUOP_register_vcpu_info {mfn, offset}: move v's vcpu_info to (frame << 12) + offset of d.mem (the frame is
 * an MFN for PV, a GFN for translated guests).
 *
 * ≤4.17 (map_vcpu_info): offset checks per profile.vcpuInfoOffsetCheck, then a second registration → -EINVAL,
 * then the target must be the caller or offline (-EINVAL), then the page must be the domain's (-EINVAL).
 * 4.18+ (map_guest_area, §5.2): an address overflow or an offset that leaves the frame → -EINVAL, a second
 * registration → -EBUSY, crossing a page or misalignment → -ENXIO, a bad page → -EINVAL.
 * Then: copy the old contents (or zero the area and set evtchn_upcall_mask if the vCPU had the dummy area),
 * set evtchn_pending_sel to all-ones and mark events pending, and refresh the time info.
 */
function registerVcpuInfo(ctx: HypercallContext, v: Vcpu, arg: bigint): number {
  const p = ctx.profile;
  const d = ctx.domain;
  const r = ctx.guest.readStruct(vcpu_register_vcpu_info, arg);
  if (!r) return -XenErrno.EFAULT;
  const frameBig = r.getBig('mfn');
  const offset = r.getNum('offset');
  Object.assign(ctx.traceArgs, { mfn: `0x${frameBig.toString(16)}`, offset: `0x${offset.toString(16)}` });
  const size = layoutOf(vcpu_info, d.sharedInfoAbi).size;
  const align = d.sharedInfoAbi === 'x86_64' ? 8 : 4; // alignof(xen_ulong_t) in the latched format
  const rc = (() => {
    if (p.vcpuInfoReregisterErrno === XenErrno.EBUSY) {
      const gaddr = (frameBig << 12n) + BigInt(offset);
      if (gaddr >= 1n << 64n || (gaddr >> 12n) !== frameBig) return -XenErrno.EINVAL;
      if (v.vcpuInfoRegistered) return -XenErrno.EBUSY;
      if (offset + size > 4096 || offset % align !== 0) return -XenErrno.ENXIO;
      return undefined;
    }
    const check = p.vcpuInfoOffsetCheck;
    if (offset > 4096 - size) return check === 'einval' ? -XenErrno.EINVAL : -XenErrno.ENXIO;
    if (check === 'enxio-aligned' && offset % align !== 0) return -XenErrno.ENXIO;
    if (v.vcpuInfoRegistered) return -XenErrno.EINVAL;
    // "Run this command on yourself or on other offline VCPUS."
    if (v !== ctx.vcpu && !v.down) return -XenErrno.EINVAL;
    return undefined;
  })();
  if (rc !== undefined) return rc;

  // get_page_from_gfn + get_page_type(PGT_writable_page): the frame must be the domain's RAM.
  const mm = domainMemory(d);
  const frame = frameBig <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(frameBig) : -1;
  // PV: an MFN of the domain's that is not in use as a typed page (page table, descriptor table). Translated: a
  // RAM GFN (not a Xen page the guest mapped into its physmap).
  const pvs = d.isPv ? pvDomainState(d) : undefined;
  const typed = pvs !== undefined && pvs.type[frame] > PgType.Writable && pvs.typeCount[frame] > 0;
  const valid = d.isPv ? mm.ownsMachineFrame(frame) && !typed : (mm.isPopulated(frame) && !mm.special.has(frame));
  if (!valid) return -XenErrno.EINVAL;

  const addr = frame * 4096 + offset;
  const old = v.vcpuInfoAddr;
  if (old === undefined) {
    d.mem.fill(addr, size, 0);
    d.mem.write8(addr + layoutOf(vcpu_info, d.sharedInfoAbi).fields.get('evtchn_upcall_mask')!.offset, 1);
  } else if (old !== addr) {
    d.mem.writeBytes(addr, d.mem.bytes.slice(old, old + size));
  }
  v.vcpuInfoAddr = addr;
  v.vcpuInfoRegistered = true;
  // Mark everything pending so nothing raised meanwhile is lost (vcpu_mark_events_pending).
  const info = new StructView(layoutOf(vcpu_info, d.sharedInfoAbi), d.mem.view, addr);
  info.set('evtchn_pending_sel', -1n);
  info.set('evtchn_upcall_pending', 1);
  d.mem.noteWrite(addr, size);
  ctx.hv.updateTimeInfo(v);
  if (v !== ctx.vcpu) ctx.hv.deliverEvents(v);
  return 0;
}

function registerTimeArea(ctx: HypercallContext, v: Vcpu, arg: bigint): number {
  const a = ctx.compat ? ctx.guest.readU32(arg) : ctx.guest.readStruct(vcpu_register_time_memory_area, arg)?.getBig('addr.p');
  if (a === null || a === undefined) return -XenErrno.EFAULT;
  const addr = BigInt(a);
  ctx.traceArgs.addr = `0x${addr.toString(16)}`;
  setVcpuTimeArea(v, addr);
  // force_update_secondary_system_time: the copy is written at once (faults ignored).
  updateVcpuTimeArea(ctx.hv, v);
  return 0;
}

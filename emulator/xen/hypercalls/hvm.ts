/**
 * hvm_op (hypercall 34): HVM params (get/set with the guest access rules), the per-vCPU event upcall vector,
 * get_time, flush_tlbs and pagetable_dying.
 *
 * Sources (facts only): xen/arch/x86/hvm/hvm.c do_hvm_op, hvmop_set_param/hvmop_get_param,
 * hvm_allow_set_param/hvm_allow_get_param, hvm_set_param, hvmop_set_evtchn_upcall_vector,
 * hvm_latch_shinfo_size (Xen 4.8–4.17), public/hvm/params.h and hvm_op.h (4.17 headers), xen/include/xsm/dummy.h
 * (XSM_TARGET); fact sheet §1 (HVMOP_/HVM_PARAM_ numbers, guest-accessible lists), §3.4 (op decoding), §5.4, §9.
 *
 * Simplified / not modelled:
 *  - The guest access lists are the 4.17 ones for every profile, and HVM_NR_PARAMS is 4.17's 39 ([U] older
 *    releases had fewer params and, before the per-param restrictions, looser rules).
 *  - HVMOP_xentrace, set/get_mem_access, get_mem_type, guest_request_vm_event and altp2m: -ENOSYS + warning.
 *  - The device-model ops still in hvm_op before 4.9 (set_pci_intx_level, set_isa_irq_level,
 *    set_pci_link_route, track_dirty_vram, modified_memory, set_mem_type) only run their permission checks:
 *    an unprivileged domain gets -ESRCH for a missing domain, else -EPERM ([U] exact order).
 */
import { xen_hvm_param } from '../abi/structs';
import { xen_hvm_evtchn_upcall_vector, xen_hvm_get_time, xen_hvm_pagetable_dying } from '../abi/hypercall-structs';
import { XenErrno } from '../errno';
import { DOMID_SELF } from '../evtchn/constants';
import { latchSharedInfoFormat } from '../hvm/hypercall-msr';
import type { Domain } from '../domain';
import type { HandlerResult, HypercallContext } from '../hypercall/context';
import type { HypercallFamily } from './index';

/** HVMOP_* (public/hvm/hvm_op.h; 6–8 as they were before 4.9). */
export const HVMOP = {
  set_param: 0, get_param: 1, set_pci_intx_level: 2, set_isa_irq_level: 3, set_pci_link_route: 4, flush_tlbs: 5,
  track_dirty_vram: 6, modified_memory: 7, set_mem_type: 8, pagetable_dying: 9, get_time: 10, xentrace: 11,
  set_mem_access: 12, get_mem_access: 13, get_mem_type: 15, set_evtchn_upcall_vector: 23,
  guest_request_vm_event: 24, altp2m: 25,
} as const;
const HVMOP_NAMES = new Map<number, string>(Object.entries(HVMOP).map(([k, v]) => [v, `HVMOP_${k}`]));

/** HVM_PARAM_* (public/hvm/params.h, 4.17). */
export const HVM_PARAM = {
  CALLBACK_IRQ: 0, STORE_PFN: 1, STORE_EVTCHN: 2, PAE_ENABLED: 4, IOREQ_PFN: 5, BUFIOREQ_PFN: 6, VIRIDIAN: 9,
  TIMER_MODE: 10, HPET_ENABLED: 11, IDENT_PT: 12, DM_DOMAIN: 13, ACPI_S_STATE: 14, VM86_TSS: 15, VPT_ALIGN: 16,
  CONSOLE_PFN: 17, CONSOLE_EVTCHN: 18, ACPI_IOPORTS_LOCATION: 19, MEMORY_EVENT_CR0: 20, MEMORY_EVENT_CR3: 21,
  MEMORY_EVENT_CR4: 22, MEMORY_EVENT_INT3: 23, NESTEDHVM: 24, MEMORY_EVENT_SINGLE_STEP: 25, BUFIOREQ_EVTCHN: 26,
  PAGING_RING_PFN: 27, MONITOR_RING_PFN: 28, SHARING_RING_PFN: 29, MEMORY_EVENT_MSR: 30, TRIPLE_FAULT_REASON: 31,
  IOREQ_SERVER_PFN: 32, NR_IOREQ_SERVER_PAGES: 33, VM_GENERATION_ID_ADDR: 34, ALTP2M: 35, X87_FIP_WIDTH: 36,
  VM86_TSS_SIZED: 37, MCA_CAP: 38,
} as const;
const HVM_PARAM_NAMES = new Map<number, string>(Object.entries(HVM_PARAM).map(([k, v]) => [v, `HVM_PARAM_${k}`]));
/** HVM_NR_PARAMS (4.17). */
export const HVM_NR_PARAMS = 39;

/** hvm_allow_set_param: what a domain may set on itself. */
const GUEST_SETTABLE: ReadonlySet<number> = new Set([
  HVM_PARAM.CALLBACK_IRQ, HVM_PARAM.VM86_TSS, HVM_PARAM.VM86_TSS_SIZED, HVM_PARAM.ACPI_IOPORTS_LOCATION,
  HVM_PARAM.VM_GENERATION_ID_ADDR, HVM_PARAM.STORE_EVTCHN, HVM_PARAM.CONSOLE_EVTCHN, HVM_PARAM.X87_FIP_WIDTH,
]);
/** hvm_allow_get_param: what a domain may read of itself. */
const GUEST_READABLE: ReadonlySet<number> = new Set([
  ...GUEST_SETTABLE, HVM_PARAM.STORE_PFN, HVM_PARAM.CONSOLE_PFN, HVM_PARAM.ALTP2M,
]);

/** sizeof(struct tss32): the minimum HVM_PARAM_VM86_TSS_SIZED size (hvm.c). */
const TSS32_SIZE = 104n;

export const hvmHypercalls: HypercallFamily = { hvm_op: hvmOp };

/** The op number as the profile's do_hvm_op decodes it (§3.4): -1 when it cannot be any op. */
function decodeOp(ctx: HypercallContext, raw: bigint): number {
  const enc = ctx.profile.hvmOpEncoding;
  if (enc.kind === 'op-mask') {
    // 4.5–4.8: only modified_memory and set_mem_type carry progress in bits ≥ 8 (HVMOP_op_mask 0xff).
    const m = Number(raw & BigInt(enc.mask));
    if (m === HVMOP.modified_memory || m === HVMOP.set_mem_type) return m;
  }
  return raw < 0x10000n ? Number(raw) : -1;
}

function hvmOp(ctx: HypercallContext): HandlerResult {
  const p = ctx.profile;
  const raw = ctx.ulong(0);
  const arg = ctx.ulong(1);
  const op = decodeOp(ctx, raw);
  ctx.subop = HVMOP_NAMES.get(op) ?? `HVMOP_${raw}`;
  switch (op) {
    case HVMOP.set_param:
    case HVMOP.get_param:
      return param(ctx, op === HVMOP.set_param, arg);
    case HVMOP.set_evtchn_upcall_vector:
      if (!p.hvmSetEvtchnUpcallVector) return -XenErrno.ENOSYS;
      return setUpcallVector(ctx, arg);
    case HVMOP.flush_tlbs:
      // Non-NULL arg: -EINVAL since a66765eb06 (4.8), which replaced the older "bogus -ENOSYS" (§3.4).
      if (arg !== 0n) return p.hvmFlushTlbsArgEinval ? -XenErrno.EINVAL : -XenErrno.ENOSYS;
      if (!ctx.domain.isHvm) return -XenErrno.EINVAL;
      for (const v of ctx.domain.vcpus) v.cpu.flushTlb();
      return 0;
    case HVMOP.get_time: {
      const t = ctx.guest.readStruct(xen_hvm_get_time, arg);
      if (!t) return -XenErrno.EFAULT;
      t.set('now', BigInt(ctx.hv.clock.now));
      return ctx.guest.writeStruct(t, arg) ? 0 : -XenErrno.EFAULT;
    }
    case HVMOP.pagetable_dying: {
      const a = ctx.guest.readStruct(xen_hvm_pagetable_dying, arg);
      if (!a) return -XenErrno.EFAULT;
      const d = lookupDomain(ctx, a.getNum('domid'));
      if (!d) return -XenErrno.ESRCH;
      // Only meaningful for shadow paging; with HAP (our model) the op fails with -EINVAL.
      return d !== ctx.domain ? -XenErrno.EOPNOTSUPP : -XenErrno.EINVAL;
    }
    case HVMOP.set_pci_intx_level:
    case HVMOP.set_isa_irq_level:
    case HVMOP.set_pci_link_route:
    case HVMOP.track_dirty_vram:
    case HVMOP.modified_memory:
    case HVMOP.set_mem_type: {
      if (p.hvmOpEncoding.kind === 'whole-op' && p.hvmOpEncoding.progress === 'dm_op') return -XenErrno.ENOSYS;
      // Device-model ops: rcu_lock_remote_domain_by_id refuses the caller's own domain, XSM_DM_PRIV the rest.
      const dom = ctx.guest.read(arg, 2);
      if (!dom) return -XenErrno.EFAULT;
      return lookupDomain(ctx, dom[0] | (dom[1] << 8)) ? -XenErrno.EPERM : -XenErrno.ESRCH;
    }
    case HVMOP.xentrace:
    case HVMOP.set_mem_access:
    case HVMOP.get_mem_access:
    case HVMOP.get_mem_type:
    case HVMOP.guest_request_vm_event:
    case HVMOP.altp2m:
      ctx.hv.warn(ctx.vcpu, `hvm_op ${ctx.subop} is not emulated; returned -ENOSYS`);
      return -XenErrno.ENOSYS;
    default:
      return -XenErrno.ENOSYS;
  }
}

/** rcu_lock_domain_by_any_id. */
function lookupDomain(ctx: HypercallContext, domid: number): Domain | undefined {
  return domid === DOMID_SELF ? ctx.domain : ctx.hv.domains.find((x) => x.domid === domid);
}

/**
 * HVMOP_set_param / HVMOP_get_param: copy → -EFAULT; index ≥ HVM_NR_PARAMS → -EINVAL; unknown domain → -ESRCH;
 * non-HVM target → -EINVAL; another domain (XSM_TARGET) → -EPERM; a param the guest may not touch → -EPERM
 * (the deprecated ones always -EPERM); value checks → -EINVAL.
 */
function param(ctx: HypercallContext, set: boolean, arg: bigint): number {
  const a = ctx.guest.readStruct(xen_hvm_param, arg);
  if (!a) return -XenErrno.EFAULT;
  const index = a.getNum('index');
  const domid = a.getNum('domid');
  Object.assign(ctx.traceArgs, {
    domid: `0x${domid.toString(16)}`, index: HVM_PARAM_NAMES.get(index) ?? index,
    ...(set ? { value: `0x${a.getBig('value').toString(16)}` } : {}),
  });
  if (index >= HVM_NR_PARAMS) return -XenErrno.EINVAL;
  const d = lookupDomain(ctx, domid);
  if (!d) return -XenErrno.ESRCH;
  if (!d.isHvm) return -XenErrno.EINVAL;
  if (d !== ctx.domain) return -XenErrno.EPERM; // xsm_hvm_param(XSM_TARGET): no privileged domains here

  if (!set) {
    if (!GUEST_READABLE.has(index)) return -XenErrno.EPERM;
    a.set('value', d.hvmParams.get(index) ?? 0n);
    ctx.traceArgs.value = `0x${a.getBig('value').toString(16)}`;
    return ctx.guest.writeStruct(a, arg) ? 0 : -XenErrno.EFAULT;
  }

  if (!GUEST_SETTABLE.has(index)) return -XenErrno.EPERM;
  const value = a.getBig('value');
  switch (index) {
    case HVM_PARAM.X87_FIP_WIDTH:
      if (value !== 0n && value !== 4n && value !== 8n) return -XenErrno.EINVAL;
      break;
    case HVM_PARAM.VM86_TSS:
      // "Hardware would silently truncate high bits": a guest doing this to itself is crashed. [U]
      if (value !== BigInt.asUintN(32, value)) {
        ctx.hv.crashDomain(d, 'crash', `HVM_PARAM_VM86_TSS value 0x${value.toString(16)} does not fit 32 bits`, ctx.vcpu);
        return -XenErrno.EINVAL;
      }
      break;
    case HVM_PARAM.VM86_TSS_SIZED:
      if ((value >> 32n) < TSS32_SIZE) {
        ctx.hv.crashDomain(d, 'crash', `HVM_PARAM_VM86_TSS_SIZED size ${value >> 32n} is below sizeof(struct tss32)`, ctx.vcpu);
        return -XenErrno.EINVAL;
      }
      break;
    default:
      break;
  }
  d.hvmParams.set(index, value);
  if (index === HVM_PARAM.CALLBACK_IRQ) {
    // hvm_set_callback_via + hvm_latch_shinfo_size (only when the caller is the domain itself, §5.4).
    latchSharedInfoFormat(ctx.hv, ctx.vcpu);
    for (const v of d.vcpus) if (v !== ctx.vcpu) ctx.hv.deliverEvents(v);
  }
  return 0;
}

/** HVMOP_set_evtchn_upcall_vector {vcpu, vector} (4.6+, 04447f4453). */
function setUpcallVector(ctx: HypercallContext, arg: bigint): number {
  const d = ctx.domain;
  if (!d.isHvm) return -XenErrno.EINVAL;
  const a = ctx.guest.readStruct(xen_hvm_evtchn_upcall_vector, arg);
  if (!a) return -XenErrno.EFAULT;
  const vector = a.getNum('vector');
  const vcpu = a.getNum('vcpu');
  Object.assign(ctx.traceArgs, { vcpu, vector: `0x${vector.toString(16)}` });
  if (vector < 0x10) return -XenErrno.EINVAL;
  const v = d.vcpus[vcpu];
  if (!v) return -XenErrno.ENOENT;
  v.upcallVector = vector;
  // hvm_assert_evtchn_irq: an upcall already pending is delivered through the new vector.
  if (v !== ctx.vcpu) ctx.hv.deliverEvents(v);
  return 0;
}

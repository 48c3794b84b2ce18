/**
 * memory_op (hypercall 12): reservations (increase/decrease/populate) with continuations, reservation queries,
 * the physmap (add_to_physmap, add_to_physmap_batch, remove_from_physmap), the guest E820 and the M2P window.
 *
 * Sources (facts only): xen/common/memory.c do_memory_op and helpers, xen/common/compat/memory.c,
 * xen/arch/x86/mm.c arch_memory_op, xen/arch/x86/x86_64/compat/mm.c, xen/arch/x86/hvm/hypercall.c hvm_memory_op,
 * xen/include/xsm/dummy.h (XSM_TARGET), Xen 4.8–4.17; fact sheet §3.2, §3.4, §5.7, §5.8, §9. The memory model
 * (frames, physmap, special pages) is in memory-model.ts.
 *
 * Simplified / not modelled (see also memory-model.ts):
 *  - There is no privileged domain: XSM_TARGET lets a domain act on itself only (another existing domain → -EPERM).
 *  - guest_handle_okay()/access_ok range checks are not modelled; only faults during the copies are.
 *  - The compat layer's own chunking of extent lists (≈1020 extents per translation-area batch, with an extra
 *    preemption point between batches) is not modelled: 32-bit callers preempt exactly like 64-bit ones.
 *  - XENMEM_exchange, machphys_mfn_list, set_memory_map, PoD/paging/sharing/access ops, claim_pages,
 *    get_vnumainfo, reserved_device_memory_map and acquire_resource return -ENOSYS (with a trace warning).
 */
import { StructView } from '../abi/layout';
import { e820entry, xen_add_to_physmap, xen_memory_map, xen_memory_reservation } from '../abi/structs';
import {
  xen_add_to_physmap_batch, xen_machphys_mapping, xen_memory_domain, xen_remove_from_physmap,
} from '../abi/hypercall-structs';
import { XenErrno } from '../errno';
import { DOMID_SELF } from '../evtchn/constants';
import { grantFrames, XENMAPIDX_GRANT_TABLE_STATUS } from '../grant-frames';
import type { Domain } from '../domain';
import type { HandlerResult, HypercallContext } from '../hypercall/context';
import type { HypercallFamily } from './index';
import { domainMemory, DomainMemory, SpecialPage, withinMaxPages } from './memory-model';

/** XENMEM_* (public/memory.h). */
export const XENMEM = {
  increase_reservation: 0, decrease_reservation: 1, maximum_ram_page: 2, current_reservation: 3,
  maximum_reservation: 4, machphys_mfn_list: 5, populate_physmap: 6, add_to_physmap: 7, memory_map: 9,
  machine_memory_map: 10, exchange: 11, machphys_mapping: 12, set_memory_map: 13, maximum_gpfn: 14,
  remove_from_physmap: 15, set_pod_target: 16, get_pod_target: 17, get_sharing_freed_pages: 18,
  get_sharing_shared_pages: 19, paging_op: 20, access_op: 21, sharing_op: 22, add_to_physmap_batch: 23,
  claim_pages: 24, machphys_compat_mfn_list: 25, get_vnumainfo: 26, reserved_device_memory_map: 27,
  acquire_resource: 28,
} as const;

const XENMEM_NAMES = new Map<number, string>(Object.entries(XENMEM).map(([k, v]) => [v, `XENMEM_${k}`]));

/** XENMAPSPACE_* (public/memory.h). */
export const XENMAPSPACE = { shared_info: 0, grant_table: 1, gmfn: 2, gmfn_range: 3, gmfn_foreign: 4, dev_mmio: 5 } as const;
const MAPSPACE_NAMES = ['shared_info', 'grant_table', 'gmfn', 'gmfn_range', 'gmfn_foreign', 'dev_mmio'];

/** XENMEMF_populate_on_demand (public/memory.h). */
const XENMEMF_POPULATE_ON_DEMAND = 1 << 16;

/**
 * max_order() for an ordinary domU: CONFIG_DOMU_MAX_ORDER = PAGETABLE_ORDER = 9 on x86 (xen/common/memory.c,
 * asm-x86/config.h). Larger extent orders make the reservation ops do nothing (they return start_extent).
 */
export const DOMU_MAX_ORDER = 9;

/** MACH2PHYS_VIRT_START/END (public/arch-x86/xen-x86_64.h) and MACH2PHYS_COMPAT_VIRT_END (x86 asm/config.h). */
const MACH2PHYS_VIRT_START = 0xffff800000000000n;
const MACH2PHYS_VIRT_END = 0xffff804000000000n;
const MACH2PHYS_COMPAT_VIRT_END = 0xffe00000n;

/** Subops Xen has but this emulator does not (-ENOSYS with a warning). */
const NOT_EMULATED: ReadonlySet<number> = new Set([
  XENMEM.machphys_mfn_list, XENMEM.exchange, XENMEM.set_memory_map, XENMEM.set_pod_target, XENMEM.get_pod_target,
  XENMEM.get_sharing_freed_pages, XENMEM.get_sharing_shared_pages, XENMEM.paging_op, XENMEM.access_op,
  XENMEM.sharing_op, XENMEM.claim_pages, XENMEM.machphys_compat_mfn_list, XENMEM.get_vnumainfo,
  XENMEM.reserved_device_memory_map, XENMEM.acquire_resource,
]);

/**
 * Common-code subops without continuations that reject stray cmd bits themselves (4ef6b5f16c, §3.4): -ENOSYS in
 * 4.5–4.7, -EINVAL from 4.8 (a66765eb06). Everything else (the x86 arch_memory_op subops, which since 4.5 switch
 * on the whole cmd, and unknown subops) falls to a default: -ENOSYS.
 */
const COMMON_NO_CONTINUATION: ReadonlySet<number> = new Set([
  XENMEM.maximum_ram_page, XENMEM.current_reservation, XENMEM.maximum_reservation, XENMEM.exchange,
  XENMEM.maximum_gpfn, XENMEM.remove_from_physmap, XENMEM.claim_pages, XENMEM.get_vnumainfo,
  XENMEM.reserved_device_memory_map,
]);

const hex = (v: bigint | number): string => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

export const memoryHypercalls: HypercallFamily = { memory_op: memoryOp };

function memoryOp(ctx: HypercallContext): HandlerResult {
  const p = ctx.profile;
  const cmd = ctx.ulong(0);
  const op = Number(cmd & BigInt(p.memopCmdMask));
  const start = cmd >> BigInt(p.memopExtentShift);
  const arg = ctx.ulong(1);
  ctx.subop = XENMEM_NAMES.get(op) ?? `XENMEM_${op}`;
  if (start !== 0n) ctx.traceArgs.start_extent = Number(start);

  // hvm_memory_op (xen/arch/x86/hvm/hypercall.c): these are PV-only; memory_map is HVM-visible from 4.6.
  if (ctx.domain.isHvm && (op === XENMEM.machphys_mapping || op === XENMEM.machine_memory_map
    || (op === XENMEM.memory_map && !p.hvmMemoryMap))) return -XenErrno.ENOSYS;

  const r = dispatch(ctx, op, start, arg);
  // compat_memory_op returns int, clamped to INT_MAX/INT_MIN since 4.3 (7ffc9779aa, §5.8).
  if (ctx.compat && p.compatMemopReturnClamped && (typeof r === 'number' || typeof r === 'bigint')) {
    const v = BigInt(r);
    if (v > 0x7fffffffn) return 0x7fffffff;
    if (v < -0x80000000n) return -0x80000000;
  }
  return r;
}

/** Stray continuation bits on a subop that has none (§3.4): undefined = carry on, else the errno to return. */
function highBits(ctx: HypercallContext, op: number, start: bigint): number | undefined {
  if (start === 0n) return undefined;
  const pol = ctx.profile.highBitPolicy;
  if (pol === 'ignored') return undefined;
  // arch_memory_op switches on the whole cmd since 4.5, so stray bits fall to its default: -ENOSYS even after
  // a66765eb06 turned the common-code rejections into -EINVAL.
  return COMMON_NO_CONTINUATION.has(op) ? -pol : -XenErrno.ENOSYS;
}

function dispatch(ctx: HypercallContext, op: number, start: bigint, arg: bigint): HandlerResult {
  switch (op) {
    case XENMEM.increase_reservation:
    case XENMEM.decrease_reservation:
    case XENMEM.populate_physmap:
      return reservation(ctx, op, start, arg);
    case XENMEM.add_to_physmap:
      return addToPhysmap(ctx, op, start, arg);
    case XENMEM.add_to_physmap_batch:
      if (ctx.profile.addToPhysmapRangeProgress === 'guest-struct') return notEmulated(ctx, op, false);
      return addToPhysmapBatch(ctx, op, start, arg);
    default:
      break;
  }
  const hb = highBits(ctx, op, start);
  if (hb !== undefined) return hb;
  switch (op) {
    case XENMEM.maximum_ram_page:
      return domainMemory(ctx.domain).maxPage;
    case XENMEM.current_reservation:
    case XENMEM.maximum_reservation:
    case XENMEM.maximum_gpfn:
      return reservationQuery(ctx, op, arg);
    case XENMEM.remove_from_physmap:
      return removeFromPhysmap(ctx, arg);
    case XENMEM.memory_map:
      return memoryMap(ctx, arg);
    case XENMEM.machine_memory_map:
      // xsm_machine_memory_map(XSM_PRIV): only the hardware/control domain.
      return -XenErrno.EPERM;
    case XENMEM.machphys_mapping:
      return machphysMapping(ctx, arg);
    default:
      return notEmulated(ctx, op, NOT_EMULATED.has(op));
  }
}

function notEmulated(ctx: HypercallContext, op: number, known: boolean): number {
  if (known) ctx.hv.warn(ctx.vcpu, `memory_op ${XENMEM_NAMES.get(op)} is not emulated; returned -ENOSYS`);
  return -XenErrno.ENOSYS;
}

/** rcu_lock_domain_by_any_id + an XSM_TARGET check for an unprivileged caller: a Domain or a -errno. */
function targetDomain(ctx: HypercallContext, domid: number): Domain | number {
  const d = domid === DOMID_SELF ? ctx.domain : ctx.hv.domains.find((x) => x.domid === domid);
  if (!d) return -XenErrno.ESRCH;
  if (d !== ctx.domain) return -XenErrno.EPERM;
  return d;
}

// ------------------------------------------------------------------ reservations (0, 1, 6)

function reservation(ctx: HypercallContext, op: number, start: bigint, arg: bigint): HandlerResult {
  const p = ctx.profile;
  const r = ctx.guest.readStruct(xen_memory_reservation, arg);
  // Never an errno: every early exit returns the extents done so far (start_extent), §3.2.
  if (!r) return start;
  const nr = r.getBig('nr_extents');
  const order = r.getNum('extent_order');
  const memFlags = r.getNum('mem_flags');
  const domid = r.getNum('domid');
  const list = r.getBig('extent_start');
  Object.assign(ctx.traceArgs, {
    extent_start: hex(list), nr_extents: Number(nr), extent_order: order, mem_flags: hex(memFlags), domid: hex(domid),
  });
  if (nr > BigInt(0xffffffff >>> p.memopExtentShift)) return start;
  if (start >= nr) return start;
  const d = targetDomain(ctx, domid);
  if (typeof d === 'number') return start;
  const mm = domainMemory(d);
  // construct_memop_from_reservation: XENMEMF_address_bits restricts allocations; ≤ PAGE_SHIFT is invalid.
  const bits = memFlags & 0xff;
  let limitMfn = Infinity;
  if (bits !== 0 && bits < Math.ceil(Math.log2(mm.maxPage)) + 12) {
    if (bits <= 12) return start;
    limitMfn = 2 ** (bits - 12);
  }
  if (order > DOMU_MAX_ORDER) return start;

  const first = Number(start);
  const total = Number(nr);
  const esz = ctx.guest.ulongSize;
  const elem = (i: number): bigint => list + BigInt(i * esz);
  const pod = op === XENMEM.populate_physmap && (memFlags & XENMEMF_POPULATE_ON_DEMAND) !== 0;
  let i = first;
  let preempted = false;
  for (; i < total; i++) {
    if (i !== first && ctx.preemptCheck(i - first)) { preempted = true; break; }
    let ok: boolean;
    if (op === XENMEM.increase_reservation) ok = increaseOne(ctx, d, mm, order, limitMfn, list, elem(i));
    else if (op === XENMEM.decrease_reservation) ok = decreaseOne(ctx, d, mm, order, elem(i));
    else ok = !pod && populateOne(ctx, d, mm, order, limitMfn, elem(i));
    if (!ok) break;
  }
  if (preempted) {
    const newCmd = BigInt(op) | (BigInt(i) << BigInt(p.memopExtentShift));
    return ctx.continuation([newCmd, ctx.args[1] ?? 0n], i,
      `cmd=${hex(newCmd)} (${XENMEM_NAMES.get(op)} | ${i} << ${p.memopExtentShift})`);
  }
  return i;
}

/** Whether MFNs are written back to this (translated or not) domain (§5.7; d18627583d in 4.9). */
const getsMfns = (ctx: HypercallContext, d: Domain): boolean => d.isPv || ctx.profile.translatedGetsMfns;

function increaseOne(ctx: HypercallContext, d: Domain, mm: DomainMemory, order: number, limitMfn: number,
  list: bigint, at: bigint): boolean {
  const n = 2 ** order;
  let mfn: number;
  if (d.isPv) {
    mfn = mm.allocMachine(order, limitMfn);
    if (mfn < 0) return false;
  } else {
    // Translated: the pages belong to the domain but are not in its physmap (there is nothing to map them to in
    // flat guest memory), so only tot_pages changes; ≤4.8 hands back a made-up MFN.
    if (!withinMaxPages(d, n)) return false;
    d.totPages += n;
    mfn = mm.nextFakeMfn(n);
  }
  // A failed copy stops the loop with this extent not counted (the pages stay allocated, as in Xen).
  if (list !== 0n && getsMfns(ctx, d)) return ctx.guest.writeUlong(at, BigInt(mfn));
  return true;
}

function decreaseOne(ctx: HypercallContext, d: Domain, mm: DomainMemory, order: number, at: bigint): boolean {
  const g = ctx.guest.readUlong(at);
  if (g === null) return false;
  for (let j = 0; j < 2 ** order; j++) {
    const f = g + BigInt(j);
    if (f > BigInt(Number.MAX_SAFE_INTEGER)) return false;
    const frame = Number(f);
    if (d.isPv) {
      // guest_remove_page on a PV domain: the GMFN is an MFN, which must be the domain's.
      if (!mm.ownsMachineFrame(frame)) return false;
      mm.freeMachine(frame);
    } else if (!mm.removeTranslated(frame)) {
      return false;
    }
  }
  return true;
}

function populateOne(ctx: HypercallContext, d: Domain, mm: DomainMemory, order: number, limitMfn: number,
  at: bigint): boolean {
  const g = ctx.guest.readUlong(at);
  if (g === null) return false;
  const n = 2 ** order;
  if (g + BigInt(n) > BigInt(Number.MAX_SAFE_INTEGER)) return false;
  const gpfn = Number(g);
  if (d.isPv) {
    const mfn = mm.allocMachine(order, limitMfn);
    if (mfn < 0) return false;
    for (let j = 0; j < n; j++) mm.setM2p(mfn + j, gpfn + j);
    return ctx.guest.writeUlong(at, BigInt(mfn));
  }
  // Translated: a fresh page at each GFN. Flat guest memory cannot grow, so GFNs beyond it fail the extent.
  for (let j = 0; j < n; j++) {
    if (!mm.inRange(gpfn + j)) {
      ctx.hv.warn(ctx.vcpu, `populate_physmap: gfn 0x${(gpfn + j).toString(16)} is beyond the emulated RAM`);
      return false;
    }
  }
  if (!withinMaxPages(d, n)) return false;
  // A RAM page already there is replaced but stays allocated to the domain (guest_physmap_add_page).
  for (let j = 0; j < n; j++) mm.mapRam(gpfn + j);
  d.totPages += n;
  // Identity "MFN" for ≤4.8 profiles: flat guest memory has no separate machine frames.
  if (ctx.profile.translatedGetsMfns) return ctx.guest.writeUlong(at, BigInt(gpfn));
  return true;
}

// ------------------------------------------------------------------ queries (2, 3, 4, 14)

function reservationQuery(ctx: HypercallContext, op: number, arg: bigint): number | bigint {
  const v = ctx.guest.readStruct(xen_memory_domain, arg);
  if (!v) return -XenErrno.EFAULT;
  const domid = v.getNum('domid');
  ctx.traceArgs.domid = hex(domid);
  const d = targetDomain(ctx, domid);
  if (typeof d === 'number') return d;
  if (op === XENMEM.current_reservation) return d.totPages;
  if (op === XENMEM.maximum_reservation) return d.maxPages;
  return maximumGpfn(d);
}

/**
 * domain_get_maximum_gpfn (xen/arch/x86/mm.c): HVM → the p2m's max_mapped_pfn; PV → (shared_info.arch.max_pfn
 * ?: 1) - 1, the value the guest itself stores there (so 0 when it never did, 7ffc9779aa).
 */
function maximumGpfn(d: Domain): number | bigint {
  if (d.isHvm) return Math.max(domainMemory(d).maxMappedGfn, 0);
  const maxPfn = d.sharedInfo().getBig('arch.max_pfn');
  return (maxPfn === 0n ? 1n : maxPfn) - 1n;
}

// ------------------------------------------------------------------ E820 and the M2P window (9, 12)

function memoryMap(ctx: HypercallContext, arg: bigint): number {
  const d = ctx.domain;
  const m = ctx.guest.readStruct(xen_memory_map, arg);
  if (!m) return -XenErrno.EFAULT;
  // "Backwards compatibility": no E820 set by the toolstack → -ENOSYS (arch/x86/mm.c). [U] check order.
  if (d.memoryMap.length === 0) return -XenErrno.ENOSYS;
  const count = Math.min(m.getNum('nr_entries'), d.memoryMap.length);
  const buffer = m.getBig('buffer');
  ctx.traceArgs.nr_entries = m.getNum('nr_entries');
  const el = StructView.of(e820entry, ctx.abi, new DataView(new ArrayBuffer(20)));
  const esz = el.layout.size;
  for (let i = 0; i < count; i++) {
    const e = d.memoryMap[i];
    el.set('addr', e.addr);
    el.set('size', e.size);
    el.set('type', e.type);
    if (!ctx.guest.writeStruct(el, buffer + BigInt(i * esz))) return -XenErrno.EFAULT;
  }
  m.set('nr_entries', count);
  return ctx.guest.writeStruct(m, arg) ? 0 : -XenErrno.EFAULT;
}

/**
 * XENMEM_machphys_mapping (PV only): the read-only M2P window. Native: MACH2PHYS_VIRT_START/END with
 * max_mfn = MACH2PHYS_NR_ENTRIES - 1 (what a domU gets; only the hardware domain sees max_page - 1);
 * compat: HYPERVISOR_COMPAT_VIRT_START(d) .. MACH2PHYS_COMPAT_VIRT_END, 4-byte entries.
 */
function machphysMapping(ctx: HypercallContext, arg: bigint): number {
  const v = StructView.of(xen_machphys_mapping, ctx.abi, new DataView(new ArrayBuffer(24)));
  if (ctx.compat) {
    const startVa = ctx.profile.platformParameters.pv32; // hv_compat_vstart, 0xF5800000 by default (§5.1)
    v.set('v_start', startVa);
    v.set('v_end', MACH2PHYS_COMPAT_VIRT_END);
    v.set('max_mfn', ((MACH2PHYS_COMPAT_VIRT_END - startVa) >> 2n) - 1n);
  } else {
    v.set('v_start', MACH2PHYS_VIRT_START);
    v.set('v_end', MACH2PHYS_VIRT_END);
    v.set('max_mfn', ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3n) - 1n);
  }
  return ctx.guest.writeStruct(v, arg) ? 0 : -XenErrno.EFAULT;
}

// ------------------------------------------------------------------ the physmap (7, 15, 23)

/** add_to_physmap's start_extent must fit xen_add_to_physmap.size (16 bits): -EDOM 4.8+, -ENOSYS before. */
function startFitsSize(ctx: HypercallContext, start: bigint): number | undefined {
  if (start === (start & 0xffffn)) return undefined;
  if (ctx.profile.addToPhysmapEdom) return -XenErrno.EDOM;
  return -XenErrno.ENOSYS; // [U] 4.5–4.7: the check existed with the "bogus -ENOSYS" a66765eb06 replaced
}

function addToPhysmap(ctx: HypercallContext, op: number, startIn: bigint, arg: bigint): HandlerResult {
  const structProgress = ctx.profile.addToPhysmapRangeProgress === 'guest-struct';
  // ≤4.4 dispatched on cmd & MEMOP_CMD_MASK only: the high bits mean nothing.
  const start = structProgress ? 0n : startIn;
  if (!structProgress) {
    const e = startFitsSize(ctx, start);
    if (e !== undefined) return e;
  }
  const x = ctx.guest.readStruct(xen_add_to_physmap, arg);
  if (!x) return -XenErrno.EFAULT;
  const space = x.getNum('space');
  let size = x.getNum('size');
  let idx = x.getBig('idx');
  let gpfn = x.getBig('gpfn');
  Object.assign(ctx.traceArgs, {
    domid: hex(x.getNum('domid')), space: MAPSPACE_NAMES[space] ?? space, idx: hex(idx), gpfn: hex(gpfn),
    ...(space === XENMAPSPACE.gmfn_range ? { size } : {}),
  });
  // Foreign mappings only through add_to_physmap_batch.
  if (space === XENMAPSPACE.gmfn_foreign) return -XenErrno.ENOSYS;
  const d = targetDomain(ctx, x.getNum('domid'));
  if (typeof d === 'number') return d;
  // xatp_permission_check: dev_mmio is for the hardware domain mapping into itself. [U] before 4.7.
  if (space === XENMAPSPACE.dev_mmio) return -XenErrno.EACCES;
  if (space !== XENMAPSPACE.gmfn_range) return addOne(ctx, d, space, idx, gpfn);

  if (structProgress) {
    // [U] 4.4: progress lives in the guest's own struct; the op is re-issued without high bits.
    while (size > 0) {
      const rc = addOne(ctx, d, space, idx, gpfn);
      if (rc < 0) return rc;
      idx++; gpfn++; size--;
      if (size > 0 && ctx.preemptCheck(x.getNum('size') - size)) {
        x.set('idx', idx); x.set('gpfn', gpfn); x.set('size', size);
        if (!ctx.guest.writeStruct(x, arg)) return -XenErrno.EFAULT;
        return ctx.continuation([BigInt(op), ctx.args[1] ?? 0n], x.getNum('size'),
          `cmd=${hex(op)} (${XENMEM_NAMES.get(op)}; idx/gpfn/size advanced in the guest's xen_add_to_physmap, ${size} left)`);
      }
    }
    return 0;
  }

  // xenmem_add_to_physmap (xen/common/memory.c): done count in cmd bits ≥6.
  const first = Number(start);
  if (size < first) return -XenErrno.EILSEQ;
  idx += start; gpfn += start; size -= first;
  let done = 0;
  let rc = 0;
  while (size > done) {
    rc = addOne(ctx, d, space, idx, gpfn);
    if (rc < 0) break;
    idx++; gpfn++;
    if (size > ++done && ctx.preemptCheck(done)) { rc = first + done; break; }
  }
  if (rc > 0) {
    const newCmd = BigInt(op) | (BigInt(rc) << BigInt(ctx.profile.memopExtentShift));
    return ctx.continuation([newCmd, ctx.args[1] ?? 0n], rc,
      `cmd=${hex(newCmd)} (${XENMEM_NAMES.get(op)} | ${rc} << ${ctx.profile.memopExtentShift})`);
  }
  return rc;
}

function addToPhysmapBatch(ctx: HypercallContext, op: number, start: bigint, arg: bigint): HandlerResult {
  const e = startFitsSize(ctx, start);
  if (e !== undefined) return e;
  const b = ctx.guest.readStruct(xen_add_to_physmap_batch, arg);
  if (!b) return -XenErrno.EFAULT;
  const space = b.getNum('space');
  const size = b.getNum('size');
  Object.assign(ctx.traceArgs, { domid: hex(b.getNum('domid')), space: MAPSPACE_NAMES[space] ?? space, size });
  if (space === XENMAPSPACE.gmfn_range) return -XenErrno.EOPNOTSUPP;
  const d = targetDomain(ctx, b.getNum('domid'));
  if (typeof d === 'number') return d;
  if (space === XENMAPSPACE.dev_mmio) return -XenErrno.EACCES;
  const first = Number(start);
  if (size < first) return -XenErrno.EILSEQ;
  const esz = BigInt(ctx.guest.ulongSize);
  const idxs = b.getBig('idxs'), gpfns = b.getBig('gpfns'), errs = b.getBig('errs');
  const errBuf = new DataView(new ArrayBuffer(4));
  let done = 0;
  for (let k = first; k < size;) {
    const idx = ctx.guest.readUlong(idxs + BigInt(k) * esz);
    const gpfn = ctx.guest.readUlong(gpfns + BigInt(k) * esz);
    if (idx === null || gpfn === null) return -XenErrno.EFAULT;
    // p2m_add_foreign needs XSM_TARGET over the foreign domain: [U] -EPERM for an unprivileged caller.
    const rc = space === XENMAPSPACE.gmfn_foreign ? -XenErrno.EPERM : addOne(ctx, d, space, idx, gpfn);
    errBuf.setInt32(0, rc, true);
    if (!ctx.guest.write(errs + BigInt(k) * 4n, new Uint8Array(errBuf.buffer))) return -XenErrno.EFAULT;
    k++;
    if (size - first > ++done && ctx.preemptCheck(done)) {
      const newCmd = BigInt(op) | (BigInt(first + done) << BigInt(ctx.profile.memopExtentShift));
      return ctx.continuation([newCmd, ctx.args[1] ?? 0n], first + done,
        `cmd=${hex(newCmd)} (${XENMEM_NAMES.get(op)} | ${first + done} << ${ctx.profile.memopExtentShift})`);
    }
  }
  return 0;
}

/**
 * xenmem_add_to_physmap_one (xen/arch/x86/mm/p2m.c, 4.17) for one page: find the page for (space, idx), drop
 * whatever is mapped at gpfn (RAM is freed, Xen pages are unhooked), unmap the page from its old GFN, map it.
 */
function addOne(ctx: HypercallContext, d: Domain, space: number, idx: bigint, gpfnBig: bigint): number {
  if (d.isPv) return -XenErrno.EACCES; // !paging_mode_translate(d)
  const mm = domainMemory(d);
  let page: SpecialPage | { kind: 'ram'; gfn: number };
  switch (space) {
    case XENMAPSPACE.shared_info:
      if (idx !== 0n) return -XenErrno.EINVAL;
      page = { kind: 'shared_info' };
      break;
    case XENMAPSPACE.grant_table: {
      // gnttab_map_frame: status frames only under v2; idx beyond max_grant_frames → -EINVAL; grows on demand.
      const gt = grantFrames(d);
      const status = gt.version === 2 && (idx & BigInt(XENMAPIDX_GRANT_TABLE_STATUS)) !== 0n;
      const i = status ? idx & ~BigInt(XENMAPIDX_GRANT_TABLE_STATUS) : idx;
      if (i >= BigInt(gt.maxFrames)) return -XenErrno.EINVAL;
      const n = Number(i);
      if (!status && n >= gt.nrFrames) gt.grow(n + 1);
      if (status && n >= gt.nrStatusFrames) return -XenErrno.EINVAL;
      page = { kind: 'grant', frame: status ? 'status' : 'shared', idx: n };
      break;
    }
    case XENMAPSPACE.gmfn:
    case XENMAPSPACE.gmfn_range: {
      if (idx > BigInt(Number.MAX_SAFE_INTEGER)) return -XenErrno.EINVAL;
      const g = Number(idx);
      const sp = mm.special.get(g);
      if (sp) page = sp;
      else if (mm.isPopulated(g)) page = { kind: 'ram', gfn: g };
      else return -XenErrno.EINVAL;
      break;
    }
    default:
      return -XenErrno.EINVAL;
  }
  if (gpfnBig > BigInt(Number.MAX_SAFE_INTEGER) || !mm.inRange(Number(gpfnBig))) {
    ctx.hv.warn(ctx.vcpu, `add_to_physmap: gpfn ${hex(gpfnBig)} is beyond the emulated RAM`);
    return -XenErrno.EINVAL;
  }
  const gpfn = Number(gpfnBig);
  const oldGfn = page.kind === 'ram' ? page.gfn : mm.gfnOfSpecial(page);
  if (oldGfn === gpfn) return 0;
  // Remove what was mapped at gpfn: Xen pages are unhooked, RAM is freed.
  if (mm.special.has(gpfn)) mm.unhookSpecial(gpfn);
  else if (mm.isPopulated(gpfn)) mm.removeTranslated(gpfn);
  if (page.kind === 'ram') {
    // XENMAPSPACE_gmfn moves the page: contents to gpfn, the old GFN becomes a hole.
    d.mem.writeBytes(gpfn * 4096, d.mem.bytes.slice(page.gfn * 4096, (page.gfn + 1) * 4096));
    d.populated[gpfn] = 1;
    if (gpfn > mm.maxMappedGfn) mm.maxMappedGfn = gpfn;
    mm.makeHole(page.gfn);
  } else {
    mm.mapSpecial(gpfn, page);
  }
  return 0;
}

function removeFromPhysmap(ctx: HypercallContext, arg: bigint): number {
  const x = ctx.guest.readStruct(xen_remove_from_physmap, arg);
  if (!x) return -XenErrno.EFAULT;
  const gpfn = x.getBig('gpfn');
  Object.assign(ctx.traceArgs, { domid: hex(x.getNum('domid')), gpfn: hex(gpfn) });
  const d = targetDomain(ctx, x.getNum('domid'));
  if (typeof d === 'number') return d;
  const mm = domainMemory(d);
  if (gpfn > BigInt(Number.MAX_SAFE_INTEGER)) return -XenErrno.ENOENT;
  const g = Number(gpfn);
  if (d.isPv) return mm.ownsMachineFrame(g) ? 0 : -XenErrno.ENOENT;
  if (mm.special.has(g)) { mm.unhookSpecial(g); return 0; }
  if (!mm.isPopulated(g)) return -XenErrno.ENOENT;
  // guest_physmap_remove_page: unmapped but still allocated to the domain (tot_pages unchanged).
  mm.makeHole(g);
  return 0;
}

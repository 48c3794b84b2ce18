/**
 * The PV-only hypercalls: virtual IDT and callbacks, kernel stack, FPU/segment state, descriptor tables,
 * the MMU (mmu_update, update_va_mapping, mmuext_op) and iret. Native and compat (PV32) callers share each
 * handler; `ctx.compat` picks the 32-bit argument layouts and register splits (§2.1).
 *
 * Sources (Xen 4.17): pv/callback.c (set_trap_table with its "h" continuation, set_callbacks, callback_op,
 * nmi_op), x86_64/mm.c (stack_switch, set_segment_base), pv/misc-hypercalls.c (fpu_taskswitch),
 * pv/descriptor-tables.c (set_gdt, update_descriptor), mm.c (do_mmu_update, do_mmuext_op,
 * __do_update_va_mapping, get_pg_owner), pv/iret.c (do_iret, compat_iret).
 */
import { Reg } from '../../cpu/api-types';
import { CS, FS, GS, IF, IOPL_MASK, NT, RF, SS, TF, VM } from '../../cpu/constants';
import { layoutOf } from '../abi/layout';
import { mmu_update as mmu_update_t, mmuext_op as mmuext_op_t, trap_info } from '../abi/structs';
import { VGCF } from '../abi/pv-structs';
import { XenErrno } from '../errno';
import { HypercallContext, NO_RETURN, type HandlerResult } from '../hypercall/context';
import type { HypercallFamily } from '../hypercalls/index';
import type { Vcpu } from '../vcpu';
import { fpuTaskswitch, toggleGuestMode, trapBounceFor } from './bounce';
import { fixupGuestSelector, loadSelector, nullInaccessibleDataSegments, setGdt, setLdt, updateDescriptor } from './descriptors';
import { MMU_UPDATE_PREEMPTED } from './layout';
import {
  flushDomainTlbs, getPageAndType, guestAddrOk, guestL1Slot, mmuNormalUpdate, modL1Entry, bigToPte, newGuestCr3,
  newUserBaseptr, ownedByDomain, pinTable, putPageType, setMachphys, unpinTable,
} from './mmu';
import { CALLBACKTYPE, PgType, pvDomainStateOf, pvOf, type PvDomainState } from './state';

const DOMID_SELF = 0x7ff0;
const DOMID_IO = 0x7ff1;
const DOMID_XEN = 0x7ff2;
const VMASST_ARCH_IOPL = 4n;

const hex = (v: bigint | number): string => `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;

/** is_canonical_address(). */
const canonical = (a: bigint): boolean => { const t = BigInt.asIntN(64, a) >> 47n; return t === 0n || t === -1n; };

/** guest_handle_okay(): the array lies in guest-accessible space. */
function rangeOk(ctx: HypercallContext, addr: bigint, len: number): boolean {
  if (len === 0) return true;
  const end = addr + BigInt(len);
  // compat_access_ok: below HYPERVISOR_COMPAT_VIRT_START; native: __addr_ok at both ends.
  if (ctx.compat) return end <= 0xf5800000n;
  if (end > 1n << 64n) return false;
  return end <= 1n << 47n || addr >= 0xffff880000000000n;
}

function read(ctx: HypercallContext, addr: bigint, len: number): DataView | null {
  const b = ctx.guest.read(addr, len);
  return b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : null;
}

/** A trace-friendly result for ops that fail a foreign-domain check (get_pg_owner + XSM for an unprivileged domU). */
function pgOwnerCheck(ctx: HypercallContext, domid: number): number {
  if (domid === DOMID_SELF) return 0;
  if (domid === ctx.domain.domid) return -XenErrno.ESRCH; // "cannot specify itself as foreign domain"
  if (domid === DOMID_IO || domid === DOMID_XEN) return -XenErrno.EPERM;
  return ctx.hv.domains.some((x) => x.domid === domid) ? -XenErrno.EPERM : -XenErrno.ESRCH;
}

function pvState(ctx: HypercallContext): PvDomainState {
  return pvDomainStateOf(ctx.domain);
}

// ------------------------------------------------------------------ set_trap_table

function setTrapTable(ctx: HypercallContext): HandlerResult {
  const pv = pvOf(ctx.vcpu);
  let addr = ctx.ulong(0);
  const size = layoutOf(trap_info, ctx.abi).size;
  if (addr === 0n) { pv.traps.clear(); return 0; }
  let n = 0;
  for (;;) {
    const e = read(ctx, addr, size);
    if (!e) return -XenErrno.EFAULT;
    const vector = e.getUint8(0), flags = e.getUint8(1), cs = e.getUint16(2, true);
    const address = ctx.compat ? BigInt(e.getUint32(4, true)) : e.getBigUint64(8, true);
    if (address === 0n) break;
    if (!ctx.compat && !canonical(address)) return -XenErrno.EINVAL;
    pv.traps.set(vector, { vector, flags, cs: fixupGuestSelector(ctx.domain, cs), address });
    addr += BigInt(size);
    n++;
    if (ctx.preemptCheck(n)) {
      return ctx.continuation([addr], n, `traps = ${hex(addr)} (advanced by ${n} entr${n === 1 ? 'y' : 'ies'})`);
    }
  }
  ctx.traceArgs.entries = n;
  return 0;
}

// ------------------------------------------------------------------ callbacks

/** register_guest_callback / compat_register_guest_callback. */
function registerCallback(ctx: HypercallContext, type: number, flags: number, cs: number, address: bigint): number {
  const pv = pvOf(ctx.vcpu);
  const mask = (flags & 1) !== 0; // CALLBACKF_mask_events
  if (!ctx.compat && !canonical(address)) return -XenErrno.EINVAL;
  if (ctx.compat) cs = fixupGuestSelector(ctx.domain, cs);
  const set = (t: number): number => { pv.callbacks.set(t, { cs, address, maskEvents: mask }); return 0; };
  switch (type) {
    case CALLBACKTYPE.event: return set(type);
    case CALLBACKTYPE.failsafe: pv.failsafeDisablesEvents = mask; return set(type);
    case CALLBACKTYPE.syscall:
      if (ctx.compat) return -XenErrno.ENOSYS;
      pv.syscallDisablesEvents = mask;
      return set(type);
    case CALLBACKTYPE.syscall32:
    case CALLBACKTYPE.sysenter:
      return set(type);
    case CALLBACKTYPE.nmi: return registerNmi(ctx, address);
    default: return -XenErrno.ENOSYS;
  }
}

/** register_guest_nmi_callback(): the NMI "callback" is trap_ctxt[2] with events masked. */
function registerNmi(ctx: HypercallContext, address: bigint): number {
  if (!ctx.compat && !canonical(address)) return -XenErrno.EINVAL;
  pvOf(ctx.vcpu).traps.set(2, { vector: 2, flags: 4, cs: ctx.compat ? 0xe019 : 0xe033, address });
  return 0;
}

function setCallbacks(ctx: HypercallContext): number {
  if (ctx.compat) {
    registerCallback(ctx, CALLBACKTYPE.event, 0, ctx.u32(0), BigInt(ctx.u32(1)));
    registerCallback(ctx, CALLBACKTYPE.failsafe, 0, ctx.u32(2), BigInt(ctx.u32(3)));
  } else {
    registerCallback(ctx, CALLBACKTYPE.event, 0, 0, ctx.ulong(0));
    registerCallback(ctx, CALLBACKTYPE.failsafe, 0, 0, ctx.ulong(1));
    registerCallback(ctx, CALLBACKTYPE.syscall, 0, 0, ctx.ulong(2));
  }
  return 0;
}

const CALLBACK_NAMES: Record<number, string> = {
  0: 'event', 1: 'failsafe', 2: 'syscall', 3: 'sysenter_deprecated', 4: 'nmi', 5: 'sysenter', 7: 'syscall32',
};

function callbackOp(ctx: HypercallContext): number {
  const cmd = ctx.i32(0);
  const arg = ctx.ulong(1);
  switch (cmd) {
    case 0: {
      ctx.subop = 'CALLBACKOP_register';
      const e = read(ctx, arg, ctx.compat ? 12 : 16);
      if (!e) return -XenErrno.EFAULT;
      const type = e.getUint16(0, true), flags = e.getUint16(2, true);
      ctx.traceArgs.type = `CALLBACKTYPE_${CALLBACK_NAMES[type] ?? type}`;
      const cs = ctx.compat ? e.getUint32(4, true) & 0xffff : 0;
      const address = ctx.compat ? BigInt(e.getUint32(8, true)) : e.getBigUint64(8, true);
      ctx.traceArgs.address = hex(address);
      return registerCallback(ctx, type, flags, cs, address);
    }
    case 1: {
      ctx.subop = 'CALLBACKOP_unregister';
      const e = read(ctx, arg, 4);
      if (!e) return -XenErrno.EFAULT;
      const type = e.getUint16(0, true);
      ctx.traceArgs.type = `CALLBACKTYPE_${CALLBACK_NAMES[type] ?? type}`;
      switch (type) {
        case CALLBACKTYPE.event: case CALLBACKTYPE.failsafe: case CALLBACKTYPE.syscall32: case CALLBACKTYPE.sysenter:
          return -XenErrno.EINVAL;
        case CALLBACKTYPE.syscall:
          return ctx.compat ? -XenErrno.ENOSYS : -XenErrno.EINVAL;
        case CALLBACKTYPE.nmi:
          pvOf(ctx.vcpu).traps.delete(2);
          return 0;
        default:
          return -XenErrno.ENOSYS;
      }
    }
    default:
      // compat_callback_op's default is -EINVAL, do_callback_op's -ENOSYS.
      return ctx.compat ? -XenErrno.EINVAL : -XenErrno.ENOSYS;
  }
}

function nmiOp(ctx: HypercallContext): number {
  switch (ctx.u32(0)) {
    case 0: {
      ctx.subop = 'XENNMI_register_callback';
      const e = read(ctx, ctx.ulong(1), ctx.compat ? 8 : 16);
      if (!e) return -XenErrno.EFAULT;
      return registerNmi(ctx, ctx.compat ? BigInt(e.getUint32(0, true)) : e.getBigUint64(0, true));
    }
    case 1:
      ctx.subop = 'XENNMI_unregister_callback';
      pvOf(ctx.vcpu).traps.delete(2);
      return 0;
    default:
      return -XenErrno.ENOSYS;
  }
}

// ------------------------------------------------------------------ stack, FPU, segments, descriptors

function stackSwitch(ctx: HypercallContext): number {
  const pv = pvOf(ctx.vcpu);
  pv.kernelSs = fixupGuestSelector(ctx.domain, ctx.u32(0) & 0xffff);
  pv.kernelSp = ctx.ulong(1);
  return 0;
}

function fpuTaskswitchOp(ctx: HypercallContext): number {
  fpuTaskswitch(ctx.vcpu, ctx.i32(0) !== 0);
  return 0;
}

const SEGBASE_NAMES = ['SEGBASE_FS', 'SEGBASE_GS_USER', 'SEGBASE_GS_KERNEL', 'SEGBASE_GS_USER_SEL'];

function setSegmentBase(ctx: HypercallContext): number {
  if (ctx.compat) return -XenErrno.ENOSYS; // x86/64 only
  const v = ctx.vcpu;
  const pv = pvOf(v);
  const cpu = v.cpu;
  const which = ctx.u32(0);
  const base = ctx.ulong(1);
  ctx.subop = SEGBASE_NAMES[which];
  switch (which) {
    case 0:
      if (!canonical(base)) return -XenErrno.EINVAL;
      cpu.setSegment(FS, { ...cpu.getSegment(FS), base });
      pv.fsBase = base;
      return 0;
    case 1:
      if (!canonical(base)) return -XenErrno.EINVAL;
      // The user GS base is the inactive one while the guest kernel runs (wrgsshadow).
      cpu.msrKernelGsBase = base;
      pv.gsBaseUser = base;
      return 0;
    case 2:
      if (!canonical(base)) return -XenErrno.EINVAL;
      cpu.setSegment(GS, { ...cpu.getSegment(GS), base });
      pv.gsBaseKernel = base;
      return 0;
    case 3: {
      // swapgs; mov sel,%gs; swapgs: loads the user GS selector (a faulting one loads null instead); the
      // load also sets the user GS base from the descriptor.
      const kernelGs = cpu.getSegment(GS);
      if (loadSelector(v, GS, Number(base & 0xffffn))) loadSelector(v, GS, 0);
      const user = cpu.getSegment(GS);
      cpu.msrKernelGsBase = user.base;
      pv.gsBaseUser = user.base;
      cpu.setSegment(GS, { ...user, base: kernelGs.base });
      return 0;
    }
    default:
      return -XenErrno.EINVAL;
  }
}

function setGdtOp(ctx: HypercallContext): number {
  const list = ctx.ulong(0);
  const entries = ctx.u32(1);
  ctx.traceArgs.entries = entries;
  if (entries > 7168) return -XenErrno.EINVAL;
  const n = Math.ceil(entries / 512);
  const w = ctx.guest.ulongSize;
  const frames: number[] = [];
  if (n > 0) {
    const e = read(ctx, list, n * w);
    if (!e) return -XenErrno.EFAULT;
    for (let i = 0; i < n; i++) frames.push(w === 8 ? Number(e.getBigUint64(i * 8, true)) : e.getUint32(i * 4, true));
  }
  return setGdt(ctx.vcpu, frames, entries);
}

function updateDescriptorOp(ctx: HypercallContext): number {
  const pa = ctx.compat ? (BigInt(ctx.u32(1)) << 32n) | BigInt(ctx.u32(0)) : ctx.args[0] ?? 0n;
  const desc = ctx.compat ? (BigInt(ctx.u32(3)) << 32n) | BigInt(ctx.u32(2)) : ctx.args[1] ?? 0n;
  ctx.traceArgs.pa = hex(pa);
  ctx.traceArgs.desc = hex(desc);
  return updateDescriptor(ctx.domain, BigInt.asUintN(64, pa), BigInt.asUintN(64, desc));
}

// ------------------------------------------------------------------ MMU

const MMU_CMD_NAMES = ['MMU_NORMAL_PT_UPDATE', 'MMU_MACHPHYS_UPDATE', 'MMU_PT_UPDATE_PRESERVE_AD', 'MMU_PT_UPDATE_NO_TRANSLATE'];

/** MMU_MACHPHYS_UPDATE: M2P[mfn] = gpfn, in the table the guest reads and in the emulator's copy. */
function machphysUpdate(ctx: HypercallContext, ptr: bigint, gpfn: bigint): number {
  const mfn = Number(ptr >> 12n);
  if (!Number.isSafeInteger(mfn) || !ownedByDomain(pvState(ctx), mfn)) return -XenErrno.EINVAL;
  setMachphys(ctx.domain, mfn, gpfn);
  return 0;
}

/** Accounting shared by mmu_update and mmuext_op: `done` across continuations via *pdone (§3.2). */
interface BatchState { count: number; done: number; resumed: boolean }

function batchStart(ctx: HypercallContext, count: number, pdone: bigint): BatchState {
  let done = 0;
  const resumed = (count & MMU_UPDATE_PREEMPTED) !== 0;
  if (resumed) {
    count = (count & ~MMU_UPDATE_PREEMPTED) >>> 0;
    if (pdone !== 0n) done = ctx.guest.readU32(pdone) ?? 0;
  }
  return { count, done, resumed };
}

function batchEnd(ctx: HypercallContext, b: BatchState, i: number, pdone: bigint): void {
  if (pdone !== 0n) {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, (b.done + i) >>> 0, true);
    ctx.guest.write(pdone, out);
  }
}

function mmuUpdate(ctx: HypercallContext): HandlerResult {
  const ureqs = ctx.ulong(0);
  const rawCount = ctx.u32(1);
  const pdone = ctx.ulong(2);
  const foreigndom = ctx.u32(3);
  // The tail of a deferred page-table release: return the saved rc (never produced here, honoured anyway).
  if (rawCount === MMU_UPDATE_PREEMPTED && ureqs === 0n) return ctx.i32(3);
  const b = batchStart(ctx, rawCount, pdone);
  const size = layoutOf(mmu_update_t, ctx.abi).size;
  ctx.traceArgs.count = b.count;
  if (!rangeOk(ctx, ureqs, b.count * size)) return -XenErrno.EFAULT;
  const ptDom = foreigndom >>> 16;
  if (ptDom !== 0 && ptDom - 1 !== ctx.domain.domid) {
    const rc = ctx.hv.domains.some((x) => x.domid === ptDom - 1) ? -XenErrno.EPERM : -XenErrno.ESRCH;
    batchEnd(ctx, b, 0, pdone);
    return rc;
  }
  let rc = 0, i = 0, preempted = false;
  for (; i < b.count; i++) {
    if (ctx.preemptCheck(i)) { preempted = true; break; }
    const e = read(ctx, ureqs + BigInt(i * size), size);
    if (!e) { rc = -XenErrno.EFAULT; break; }
    const ptr = e.getBigUint64(0, true), val = e.getBigUint64(8, true);
    const cmd = Number(ptr & 3n);
    if (i === 0) {
      ctx.subop = MMU_CMD_NAMES[cmd];
      ctx.traceArgs.ptr = hex(ptr);
      ctx.traceArgs.val = hex(val);
    }
    rc = pgOwnerCheck(ctx, foreigndom & 0xffff);
    if (rc) break;
    rc = cmd === 1 ? machphysUpdate(ctx, ptr & ~3n, val) : mmuNormalUpdate(ctx.domain, ptr & ~3n, val, cmd === 2);
    if (rc) break;
  }
  batchEnd(ctx, b, i, pdone);
  ctx.traceArgs.done = b.done + i;
  if (preempted) {
    const left = b.count - i;
    return ctx.continuation([ureqs + BigInt(i * size), BigInt((left | MMU_UPDATE_PREEMPTED) >>> 0), pdone, BigInt(foreigndom)],
      b.done + i, `count = ${hex((left | MMU_UPDATE_PREEMPTED) >>> 0)} ((${b.count} - ${i}) | MMU_UPDATE_PREEMPTED), ureqs advanced by ${i}`);
  }
  return rc;
}

const MMUEXT_NAMES: Record<number, string> = {
  0: 'MMUEXT_PIN_L1_TABLE', 1: 'MMUEXT_PIN_L2_TABLE', 2: 'MMUEXT_PIN_L3_TABLE', 3: 'MMUEXT_PIN_L4_TABLE',
  4: 'MMUEXT_UNPIN_TABLE', 5: 'MMUEXT_NEW_BASEPTR', 6: 'MMUEXT_TLB_FLUSH_LOCAL', 7: 'MMUEXT_INVLPG_LOCAL',
  8: 'MMUEXT_TLB_FLUSH_MULTI', 9: 'MMUEXT_INVLPG_MULTI', 10: 'MMUEXT_TLB_FLUSH_ALL', 11: 'MMUEXT_INVLPG_ALL',
  12: 'MMUEXT_FLUSH_CACHE', 13: 'MMUEXT_SET_LDT', 15: 'MMUEXT_NEW_USER_BASEPTR', 16: 'MMUEXT_CLEAR_PAGE',
  17: 'MMUEXT_COPY_PAGE', 18: 'MMUEXT_FLUSH_CACHE_GLOBAL', 19: 'MMUEXT_MARK_SUPER', 20: 'MMUEXT_UNMARK_SUPER',
};

/** vcpumask_to_pcpumask(): the guest's bitmap of vCPUs (xen_ulong_t words); null on a fault. */
function readVcpuMask(ctx: HypercallContext, addr: bigint): Vcpu[] | null {
  const d = ctx.domain;
  const bitsPer = ctx.compat ? 32 : 64;
  const out: Vcpu[] = [];
  for (let w = 0; w * bitsPer < d.vcpus.length; w++) {
    const word = ctx.guest.readUlong(addr + BigInt(w * (bitsPer / 8)));
    if (word === null) return null;
    for (let b = 0; b < bitsPer && w * bitsPer + b < d.vcpus.length; b++) {
      if ((word >> BigInt(b)) & 1n) out.push(d.vcpus[w * bitsPer + b]);
    }
  }
  return out;
}

function mmuextOne(ctx: HypercallContext, cmd: number, arg1: bigint, arg2: bigint): number {
  const d = ctx.domain;
  const v = ctx.vcpu;
  const s = pvState(ctx);
  const mfn = Number(arg1);
  switch (cmd) {
    case 0: case 1: case 2: case 3: {
      if (cmd === 3 && d.pvBits === 32) return 0; // PIN_L4 from a 32-bit guest is ignored
      return pinTable(d, mfn, (PgType.L1 + cmd) as PgType);
    }
    case 4: return unpinTable(d, mfn);
    case 5: return newGuestCr3(v, mfn);
    case 15:
      if (d.pvBits === 32) return -XenErrno.EINVAL;
      return newUserBaseptr(v, mfn);
    case 6: v.cpu.flushTlb(); return 0;
    case 7: v.cpu.flushTlbPage(); return 0;
    case 8: case 9: {
      const mask = readVcpuMask(ctx, arg2);
      if (!mask) return -XenErrno.EINVAL;
      for (const x of mask) x.cpu.flushTlb();
      return 0;
    }
    case 10: case 11: flushDomainTlbs(d); return 0;
    case 12: return -XenErrno.EACCES; // no cache-flush permission for a domU
    case 18: return -XenErrno.EINVAL;
    case 13: return setLdt(v, arg1, Number(arg2 & 0xffffffffn));
    case 16: {
      if (getPageAndType(d, mfn, PgType.Writable) < 0) return -XenErrno.EINVAL;
      d.mem.fill(mfn * 4096, 4096, 0);
      putPageType(d, mfn);
      return 0;
    }
    case 17: {
      const src = Number(arg2);
      if (!ownedByDomain(s, src)) return -XenErrno.EINVAL;
      if (getPageAndType(d, mfn, PgType.Writable) < 0) return -XenErrno.EINVAL;
      d.mem.writeBytes(mfn * 4096, d.mem.readBytes(src * 4096, 4096));
      putPageType(d, mfn);
      return 0;
    }
    case 19: case 20: return -XenErrno.EOPNOTSUPP;
    default: return -XenErrno.ENOSYS;
  }
}

function mmuextOp(ctx: HypercallContext): HandlerResult {
  const uops = ctx.ulong(0);
  const rawCount = ctx.u32(1);
  const pdone = ctx.ulong(2);
  const foreigndom = ctx.u32(3);
  if (rawCount === MMU_UPDATE_PREEMPTED && uops === 0n) return ctx.i32(3);
  const b = batchStart(ctx, rawCount, pdone);
  const size = layoutOf(mmuext_op_t, ctx.abi).size;
  ctx.traceArgs.count = b.count;
  if (!rangeOk(ctx, uops, b.count * size)) return -XenErrno.EFAULT;
  const dom = foreigndom & 0xffff;
  // get_pg_owner, then "pg_owner must be PV" and XSM: an HVM caller has no PV self to operate on.
  let rc = pgOwnerCheck(ctx, dom);
  if (rc === 0 && !ctx.domain.isPv) rc = -XenErrno.EINVAL;
  if (rc) return rc; // early returns in do_mmuext_op leave *pdone alone
  let i = 0, preempted = false;
  for (; i < b.count; i++) {
    if (ctx.preemptCheck(i)) { preempted = true; break; }
    const e = read(ctx, uops + BigInt(i * size), size);
    if (!e) { rc = -XenErrno.EFAULT; break; }
    const cmd = e.getUint32(0, true);
    const arg1 = ctx.compat ? BigInt(e.getUint32(4, true)) : e.getBigUint64(8, true);
    const arg2 = ctx.compat ? BigInt(e.getUint32(8, true)) : e.getBigUint64(16, true);
    if (i === 0) {
      ctx.subop = MMUEXT_NAMES[cmd] ?? `MMUEXT_${cmd}`;
      ctx.traceArgs.arg1 = hex(arg1);
    }
    rc = mmuextOne(ctx, cmd, arg1, arg2);
    if (rc) break;
  }
  batchEnd(ctx, b, i, pdone);
  ctx.traceArgs.done = b.done + i;
  if (preempted) {
    const left = b.count - i;
    return ctx.continuation([uops + BigInt(i * size), BigInt((left | MMU_UPDATE_PREEMPTED) >>> 0), pdone, BigInt(foreigndom)],
      b.done + i, `count = ${hex((left | MMU_UPDATE_PREEMPTED) >>> 0)} ((${b.count} - ${i}) | MMU_UPDATE_PREEMPTED), uops advanced by ${i}`);
  }
  return rc;
}

/** __do_update_va_mapping(). */
function doUpdateVaMapping(ctx: HypercallContext, va: bigint, val: bigint, flags: bigint): number {
  const d = ctx.domain;
  const v = ctx.vcpu;
  const s = pvState(ctx);
  ctx.traceArgs.va = hex(va);
  ctx.traceArgs.val = hex(val);
  const ft = Number(flags & 3n);
  ctx.subop = ['UVMF_NONE', 'UVMF_TLB_FLUSH', 'UVMF_INVLPG', 'UVMF_FLUSHTYPE_3'][ft];
  if (!guestAddrOk(s, va)) return -XenErrno.EINVAL;
  const slot = guestL1Slot(v, va);
  if (!slot || !ownedByDomain(s, slot.mfn) || s.typeCount[slot.mfn] === 0 || s.type[slot.mfn] !== PgType.L1) return -XenErrno.EINVAL;
  const rc = modL1Entry(d, slot.mfn, slot.idx, bigToPte(val), false);
  if (rc) return rc;
  if (ft === 1 || ft === 2) {
    const bmap = flags & ~3n;
    let targets: Vcpu[];
    if (bmap === 0n) targets = [v];
    else if (bmap === 4n) targets = d.vcpus;
    else {
      const m = readVcpuMask(ctx, bmap);
      if (!m) return -XenErrno.EFAULT;
      targets = m;
    }
    for (const x of targets) if (ft === 1) x.cpu.flushTlb(); else x.cpu.flushTlbPage();
  }
  return 0;
}

function updateVaMapping(ctx: HypercallContext): number {
  if (ctx.compat) {
    return doUpdateVaMapping(ctx, BigInt(ctx.u32(0)), (BigInt(ctx.u32(2)) << 32n) | BigInt(ctx.u32(1)), BigInt(ctx.u32(3)));
  }
  return doUpdateVaMapping(ctx, ctx.ulong(0), BigInt.asUintN(64, ctx.args[1] ?? 0n), ctx.ulong(2));
}

function updateVaMappingOtherdomain(ctx: HypercallContext): number {
  const domid = ctx.u32(ctx.compat ? 4 : 3) & 0xffff;
  const rc = pgOwnerCheck(ctx, domid);
  if (rc) return rc;
  return updateVaMapping(ctx);
}

// ------------------------------------------------------------------ iret

function crashNoReturn(ctx: HypercallContext, why: string): typeof NO_RETURN {
  ctx.hv.crashDomain(ctx.domain, 'crash', `domain_crash: ${why} (${ctx.vcpu.label})`, ctx.vcpu);
  return NO_RETURN;
}

/** do_iret(): the 64-bit iret_context {rax, r11, rcx, flags, rip, cs, rflags, rsp, ss} at RSP. */
function iret64(ctx: HypercallContext): HandlerResult {
  const v = ctx.vcpu;
  const cpu = v.cpu;
  const pv = pvOf(v);
  const e = read(ctx, cpu.getReg(Reg.RSP), 72);
  if (!e) return crashNoReturn(ctx, 'fault while reading IRET context from guest stack');
  const q = (i: number): bigint => e.getBigUint64(i * 8, true);
  const [rax, r11, rcx, flags, rip, cs, rflags, rsp, ss] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(q);
  ctx.traceArgs.rip = hex(rip);
  ctx.traceArgs.cs = hex(cs);
  ctx.traceArgs.rflags = hex(rflags);
  if ((cs & 3n) === 3n) {
    if (!pv.userBaseMfn) return crashNoReturn(ctx, 'guest switching to user mode with no user page tables');
    if (pv.kernelMode) toggleGuestMode(v);
  }
  if ((ctx.domain.vmAssist >> VMASST_ARCH_IOPL) & 1n) pv.iopl = Number((rflags >> 12n) & 3n);
  const newFlags = (Number(rflags & 0xffffffffn) & ~(IOPL_MASK | VM)) | IF;
  const err = loadSelector(v, SS, Number(ss & 0xffffn) | 3) ?? loadSelector(v, CS, Number(cs & 0xffffn) | 3);
  if (err) return crashNoReturn(ctx, `iret: ${err}`);
  cpu.rip = rip;
  cpu.rflags = BigInt(newFlags >>> 0);
  cpu.setReg(Reg.RSP, rsp);
  if (!(flags & BigInt(VGCF.in_syscall))) {
    cpu.setReg(Reg.R11, r11);
    cpu.setReg(Reg.RCX, rcx);
  } else {
    // Returned through SYSRET: RCX/R11 are the new RIP/RFLAGS.
    cpu.setReg(Reg.RCX, rip);
    cpu.setReg(Reg.R11, BigInt(newFlags >>> 0));
  }
  ctx.domain.vcpuInfo(v.id)?.set('evtchn_upcall_mask', (rflags & BigInt(IF)) ? 0 : 1);
  cpu.setReg(Reg.RAX, rax);
  return NO_RETURN;
}

/** compat_iret(): [EAX, EIP, CS, EFLAGS, (ESP, SS)] at ESP. */
function iret32(ctx: HypercallContext): HandlerResult {
  const v = ctx.vcpu;
  const cpu = v.cpu;
  const pv = pvOf(v);
  const esp = cpu.getReg(Reg.RSP) & 0xffffffffn;
  const w = (i: number): number | null => ctx.guest.readU32((esp + BigInt(i * 4)) & 0xffffffffn);
  const eax = w(0), eip = w(1), cs = w(2), eflags = w(3);
  if (eax === null || eip === null || cs === null || eflags === null) return crashNoReturn(ctx, 'fault while reading the IRET frame from the guest stack');
  ctx.traceArgs.eip = hex(eip);
  ctx.traceArgs.cs = hex(cs);
  ctx.traceArgs.eflags = hex(eflags);
  if ((ctx.domain.vmAssist >> VMASST_ARCH_IOPL) & 1n) pv.iopl = (eflags >> 12) & 3;
  let newFlags = ((eflags & ~IOPL_MASK) | IF) >>> 0;
  if (eflags & VM) {
    // No VM86: #GP at the first VM86 instruction, delivered on the kernel stack with the frame copied there.
    const ksp = Number((pv.kernelSp - 40n) & 0xffffffffn);
    const frame = ctx.guest.read(esp + 4n, 36);
    if (!frame || !ctx.guest.write(BigInt(ksp + 4), frame) || !ctx.guest.write(BigInt(ksp), new Uint8Array(4))) {
      return crashNoReturn(ctx, 'fault copying the VM86 IRET frame');
    }
    const tb = trapBounceFor(v, 13, undefined, 'iret to VM86 mode');
    cpu.setReg(Reg.RSP, BigInt(ksp));
    if (loadSelector(v, SS, pv.kernelSs)) return crashNoReturn(ctx, 'iret to VM86 mode: bad kernel stack segment');
    newFlags &= ~(VM | RF | NT | TF);
    cpu.rflags = BigInt(newFlags >>> 0);
    const e2 = loadSelector(v, CS, tb.cs);
    if (e2 || tb.eip === 0n) return crashNoReturn(ctx, `iret to VM86 mode: no usable #GP handler${e2 ? ` (${e2})` : ''}`);
    cpu.rip = tb.eip;
  } else if ((cs & 3) === 0) {
    return crashNoReturn(ctx, `iret to ring 0 (cs 0x${cs.toString(16)})`);
  } else if ((cs & 3) === 1) {
    const e = loadSelector(v, CS, cs & 0xffff);
    if (e) return crashNoReturn(ctx, `iret: ${e}`);
    cpu.setReg(Reg.RSP, (esp + 16n) & 0xffffffffn);
    cpu.rflags = BigInt(newFlags);
    cpu.rip = BigInt(eip);
  } else {
    const nesp = w(4), nss = w(5);
    if (nesp === null || nss === null) return crashNoReturn(ctx, 'fault while reading the outer ESP/SS of the IRET frame');
    const e = loadSelector(v, SS, nss & 0xffff) ?? loadSelector(v, CS, cs & 0xffff);
    if (e) return crashNoReturn(ctx, `iret: ${e}`);
    nullInaccessibleDataSegments(v);
    cpu.setReg(Reg.RSP, BigInt(nesp));
    cpu.rflags = BigInt(newFlags);
    cpu.rip = BigInt(eip);
  }
  ctx.domain.vcpuInfo(v.id)?.set('evtchn_upcall_mask', eflags & IF ? 0 : 1);
  cpu.setReg(Reg.RAX, (cpu.getReg(Reg.RAX) & ~0xffffffffn) | BigInt(eax));
  return NO_RETURN;
}

function iret(ctx: HypercallContext): HandlerResult {
  return ctx.compat ? iret32(ctx) : iret64(ctx);
}

export const pvHypercalls: HypercallFamily = {
  set_trap_table: setTrapTable,
  mmu_update: mmuUpdate,
  set_gdt: setGdtOp,
  stack_switch: stackSwitch,
  set_callbacks: setCallbacks,
  fpu_taskswitch: fpuTaskswitchOp,
  update_descriptor: updateDescriptorOp,
  update_va_mapping: updateVaMapping,
  update_va_mapping_otherdomain: updateVaMappingOtherdomain,
  iret,
  set_segment_base: setSegmentBase,
  mmuext_op: mmuextOp,
  nmi_op: nmiOp,
  callback_op: callbackOp,
};

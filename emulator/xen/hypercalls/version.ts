/**
 * xen_version (17), xen/common/kernel.c do_xen_version with the dummy XSM policy (xsm/dummy.h): fact sheet
 * §5.1. The handler itself picks the 4-byte platform_parameters layout for compat callers (`hcall_compat`).
 * Which subops exist is profile data (xenVersionMaxCmd); unknown ones return -ENOSYS.
 */
import { layoutOf } from '../abi/layout';
import { xen_platform_parameters } from '../abi/structs';
import { XenErrno } from '../errno';
import type { HypercallContext } from '../hypercall/context';
import type { HypercallFamily } from './index';

const XENVER = [
  'version', 'extraversion', 'compile_info', 'capabilities', 'changeset', 'platform_parameters', 'get_features',
  'pagesize', 'guest_handle', 'commandline', 'build_id', 'extraversion2', 'capabilities2', 'changeset2', 'commandline2',
] as const;

/** x86 capabilities with PV32 enabled and HVM available, trailing space included (§5.1). */
const CAPABILITIES = 'xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 ';
/** What this emulator reports as its build (deterministic; not a real Xen build). */
const COMPILE_INFO = { compiler: 'xen-guest-debugger emulator', compile_by: 'emulator', compile_domain: 'localdomain', compile_date: 'Thu Jan  1 00:00:00 UTC 2026' };
const CHANGESET = 'emulated';
/** The fixed-size string subops copy this for an unprivileged caller (xsm/dummy.h, kernel.c). */
const DENIED = '<denied>';

function cString(s: string, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const enc = new TextEncoder().encode(s);
  b.set(enc.subarray(0, size - 1));
  return b;
}

function xenVersion(ctx: HypercallContext): number | bigint {
  const cmd = ctx.i32(0);
  const arg = ctx.ulong(1);
  const p = ctx.profile;
  if (cmd < 0 || cmd > p.xenVersionMaxCmd) return -XenErrno.ENOSYS;
  ctx.subop = `XENVER_${XENVER[cmd]}`;
  const put = (bytes: Uint8Array): number => (ctx.guest.write(arg, bytes) ? 0 : -XenErrno.EFAULT);
  switch (cmd) {
    case 0: return p.versionWord;
    case 1: return put(cString(p.extraVersion, 16));
    case 2: {
      const b = new Uint8Array(144);
      b.set(cString(COMPILE_INFO.compiler, 64), 0);
      b.set(cString(COMPILE_INFO.compile_by, 16), 64);
      b.set(cString(COMPILE_INFO.compile_domain, 32), 80);
      b.set(cString(COMPILE_INFO.compile_date, 32), 112);
      return put(b);
    }
    case 3: return put(cString(CAPABILITIES, 1024));
    case 4: return put(cString(CHANGESET, 64));
    case 5: {
      const pp = p.platformParameters[ctx.guestType];
      const size = layoutOf(xen_platform_parameters, ctx.abi).size;
      const b = new Uint8Array(size);
      const dv = new DataView(b.buffer);
      if (size === 8) dv.setBigUint64(0, BigInt.asUintN(64, pp), true); else dv.setUint32(0, Number(BigInt.asUintN(32, pp)), true);
      ctx.traceArgs.virt_start = `0x${pp.toString(16)}`;
      return put(b);
    }
    case 6: {
      const inb = ctx.guest.read(arg, 8);
      if (!inb) return -XenErrno.EFAULT;
      const idx = new DataView(inb.buffer).getUint32(0, true);
      ctx.traceArgs.submap_idx = idx;
      if (idx !== 0) return -XenErrno.EINVAL; // XENFEAT_NR_SUBMAPS = 1
      const submap = featureSubmap(ctx);
      ctx.traceArgs.submap = `0x${submap.toString(16)}`;
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, submap >>> 0, true);
      return ctx.guest.write(arg + 4n, out) ? 0 : -XenErrno.EFAULT;
    }
    case 7: return arg === 0n ? 4096 : -XenErrno.EINVAL;
    case 8: return put(ctx.domain.options.handle.slice(0, 16));
    case 9: return put(cString(DENIED, 1024));
    case 10: return -XenErrno.EPERM; // build_id: XSM_PRIV
    case 11: return varbuf(ctx, arg, p.extraVersion);
    case 12: return varbuf(ctx, arg, CAPABILITIES);
    case 13: return varbuf(ctx, arg, CHANGESET);
    default: return -XenErrno.EPERM; // commandline2: XSM_PRIV
  }
}

/** XENFEAT submap 0 for this domain (§5.1 table, per profile). */
export function featureSubmap(ctx: HypercallContext): number {
  const p = ctx.profile;
  if (ctx.domain.isPv) {
    // PV32 with VMASST pae_extended_cr3 also gets XENFEAT_pae_pgdir_above_4gb (bit 4).
    const paeExt = ctx.domain.pvBits === 32 && (ctx.domain.vmAssist & (1n << 3n)) !== 0n;
    return p.xenFeaturesPv | (paeExt ? 0x10 : 0);
  }
  // The profile includes hvm_pirqs (bit 10) where it is unconditional (<4.9); after that it needs PIRQ
  // emulation, which these domains do not have.
  return p.xenFeaturesHvm;
}

/** The 4.20+ varbuf subops: `{u32 len; u8 buf[]}`; NULL → needed size; else copy min(len, size), no NUL. */
function varbuf(ctx: HypercallContext, arg: bigint, s: string): number {
  const bytes = new TextEncoder().encode(s);
  if (arg === 0n) return bytes.length;
  const len = ctx.guest.readU32(arg);
  if (len === null) return -XenErrno.EFAULT;
  const n = Math.min(len, bytes.length);
  return ctx.guest.write(arg + 4n, bytes.subarray(0, n)) ? n : -XenErrno.EFAULT;
}

export const versionHypercalls: HypercallFamily = { xen_version: xenVersion };

/**
 * Xen's CPUID leaves 0x40000000+ (fact sheet §2.3, from HEAD xen/arch/x86/cpuid.c and
 * public/arch-x86/cpuid.h), as a pure function of profile, guest type and base offset.
 *
 * PV guests reach these leaves only via the forced-emulation prefix (ud2; .ascii "xen"; cpuid); HVM guests
 * with plain cpuid. With Viridian on, Hyper-V owns 0x40000000 and Xen moves to base 0x40000100, and the
 * hypercall-page MSR moves to 0x40000200 (§2.2, §2.3).
 */
import { GuestType, isHvm, isPv } from './hypercall-table';
import { XenProfile } from './profiles';

export const XEN_CPUID_FIRST_LEAF = 0x40000000;
/** "XenVMMXenVMM" as EBX, ECX, EDX (public/arch-x86/cpuid.h XEN_CPUID_SIGNATURE_*). */
export const XEN_CPUID_SIGNATURE = { ebx: 0x566e6558, ecx: 0x65584d4d, edx: 0x4d4d566e } as const;
/** Hypercall-page MSR index without / with Viridian (§2.2, msr.c). */
export const XEN_HYPERCALL_MSR = 0x40000000;
export const XEN_HYPERCALL_MSR_VIRIDIAN = 0x40000200;

/** Leaf base+2 ECX bit 0: XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (PV only). */
export const XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD = 1 << 0;
/** Leaf base+4 EAX flags (HVM only). */
export const XEN_HVM_CPUID = {
  APIC_ACCESS_VIRT: 1 << 0, X2APIC_VIRT: 1 << 1, IOMMU_MAPPINGS: 1 << 2, VCPU_ID_PRESENT: 1 << 3,
  DOMID_PRESENT: 1 << 4, EXT_DEST_ID: 1 << 5, UPCALL_VECTOR: 1 << 6,
} as const;

export type XenCpuidBaseOffset = 0 | 0x100;

export interface CpuidRegs { eax: number; ebx: number; ecx: number; edx: number }

/** Run-time inputs that are not part of the profile; all have deterministic defaults. */
export interface XenCpuidContext {
  /** 0 (default) or 0x100 (Viridian on; HVM only). */
  readonly baseOffset?: XenCpuidBaseOffset;
  readonly vcpuId?: number;
  readonly domid?: number;
  /** tsc_mode (leaf base+3 sub0 EBX): 0 default, 1 always emulate, 2 never, 3 pvrdtscp. */
  readonly tscMode?: 0 | 1 | 2 | 3;
  /** Leaf base+3 sub0 EAX (bit0 emulated, bit1 host reliable, bit2 rdtscp). */
  readonly tscFlags?: number;
  readonly guestTscKhz?: number;
  readonly incarnation?: number;
  /** Leaf base+3 sub1: TSC offset (lo/hi) and tsc→ns scale. */
  readonly tscOffsetLo?: number;
  readonly tscOffsetHi?: number;
  readonly tscToNsMulFrac?: number;
  readonly tscToNsShift?: number;
  readonly hostCpuKhz?: number;
  /** Leaf base+4 EAX flags. Default VCPU_ID_PRESENT | DOMID_PRESENT [U: hardware-dependent bits left off]. */
  readonly hvmFlags?: number;
  /** Leaf base+5 EBX bits 7:0 [U: default 36; Xen derives it from the top of host RAM]. */
  readonly machineAddressWidth?: number;
}

const ZERO: CpuidRegs = { eax: 0, ebx: 0, ecx: 0, edx: 0 };

/** Base leaf for the given offset; Viridian (offset 0x100) exists only for HVM guests. */
export function xenCpuidBase(guest: GuestType, baseOffset: XenCpuidBaseOffset = 0): number {
  if (baseOffset !== 0 && !isHvm(guest)) throw new Error('Xen CPUID base 0x40000100 (Viridian) is HVM-only');
  return XEN_CPUID_FIRST_LEAF + baseOffset;
}

/** Largest Xen leaf (base+0 EAX, §2.3): base + limit, limit by version (and pvrdtscp ≤4.4). */
export function xenCpuidMaxLeaf(profile: XenProfile, guest: GuestType, ctx: XenCpuidContext = {}): number {
  const extra = profile.cpuidPvrdtscpExtraLeaf && ctx.tscMode === 3 ? 1 : 0;
  return xenCpuidBase(guest, ctx.baseOffset) + profile.cpuidMaxLeafOffset + extra;
}

/** Hypercall-page MSR index reported in base+2 EBX. */
export const hypercallMsrIndex = (baseOffset: XenCpuidBaseOffset = 0): number =>
  baseOffset === 0x100 ? XEN_HYPERCALL_MSR_VIRIDIAN : XEN_HYPERCALL_MSR;

/**
 * cpuid(leaf, subleaf) for a Xen leaf. Returns null when `leaf` is outside [base, maxLeaf], so the caller
 * can fall back to its normal out-of-range behaviour.
 */
export function xenCpuidLeaf(
  profile: XenProfile, guest: GuestType, leaf: number, subleaf = 0, ctx: XenCpuidContext = {},
): CpuidRegs | null {
  const base = xenCpuidBase(guest, ctx.baseOffset);
  const max = xenCpuidMaxLeaf(profile, guest, ctx);
  if (leaf < base || leaf > max) return null;
  switch (leaf - base) {
    case 0:
      return { eax: max, ...XEN_CPUID_SIGNATURE };
    case 1:
      return { eax: profile.versionWord, ebx: 0, ecx: 0, edx: 0 };
    case 2:
      return {
        eax: 1, // number of hypercall pages
        ebx: hypercallMsrIndex(ctx.baseOffset ?? 0),
        ecx: isPv(guest) ? XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD : 0,
        edx: 0,
      };
    case 3:
      if (subleaf === 0) {
        return {
          eax: ctx.tscFlags ?? 0, ebx: ctx.tscMode ?? 0, ecx: ctx.guestTscKhz ?? 0, edx: ctx.incarnation ?? 0,
        };
      }
      if (subleaf === 1) {
        return {
          eax: (ctx.tscOffsetLo ?? 0) >>> 0, ebx: (ctx.tscOffsetHi ?? 0) >>> 0,
          ecx: (ctx.tscToNsMulFrac ?? 0) >>> 0, edx: ctx.tscToNsShift ?? 0,
        };
      }
      if (subleaf === 2) return { eax: ctx.hostCpuKhz ?? 0, ebx: 0, ecx: 0, edx: 0 };
      return { ...ZERO };
    case 4:
      // HVM-only leaf (§2.3); PV sees zeros.
      if (!isHvm(guest) || subleaf !== 0) return { ...ZERO };
      return {
        eax: ctx.hvmFlags ?? (XEN_HVM_CPUID.VCPU_ID_PRESENT | XEN_HVM_CPUID.DOMID_PRESENT),
        ebx: ctx.vcpuId ?? 0, ecx: ctx.domid ?? 0, edx: 0,
      };
    case 5:
      // PV-only leaf (§2.3); EAX = max subleaf (0).
      if (!isPv(guest) || subleaf !== 0) return { ...ZERO };
      return { eax: 0, ebx: (ctx.machineAddressWidth ?? 36) & 0xff, ecx: 0, edx: 0 };
    default:
      return { ...ZERO };
  }
}

/** All Xen leaves (subleaf 0) from base to max, for dumps and tests. */
export function xenCpuidLeaves(
  profile: XenProfile, guest: GuestType, ctx: XenCpuidContext = {},
): Map<number, CpuidRegs> {
  const out = new Map<number, CpuidRegs>();
  const base = xenCpuidBase(guest, ctx.baseOffset);
  for (let l = base; l <= xenCpuidMaxLeaf(profile, guest, ctx); l++) out.set(l, xenCpuidLeaf(profile, guest, l, 0, ctx)!);
  return out;
}

/** The 12-byte vendor signature as the guest reads it (EBX, ECX, EDX little-endian). */
export function signatureString(r: CpuidRegs): string {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(r.ebx >>> 0, 0);
  b.writeUInt32LE(r.ecx >>> 0, 4);
  b.writeUInt32LE(r.edx >>> 0, 8);
  return b.toString('latin1');
}

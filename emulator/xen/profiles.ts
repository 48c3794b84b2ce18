/**
 * Xen version profiles: every guest-visible difference between the modelled releases as data (DESIGN.md,
 * xen/: "Differences between Xen versions are profiles … not version checks spread through the code").
 *
 * Each release is a delta on the previous one; every field carries its source in the fact sheet
 * /work/shared/reference/xen-abi.md (§n) and the Xen commit where the sheet gives one. [U] marks values the
 * fact sheet does not verify. Build-type differences (debug vs release) are resolved by getProfile().
 */
import { HypercallRelease, XenRelease, GuestType, HandlerKind, hypercallHandler } from './hypercall-table';
import { XenErrno } from './errno';

export const PROFILE_NAMES = ['4.4', '4.5', '4.8', '4.17', '4.19', '4.21'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
export const DEFAULT_PROFILE: ProfileName = '4.17';

/** A value that differs between release and debug (CONFIG_DEBUG) builds of the same version. */
interface ByBuild<T> { readonly release: T; readonly debug: T }

/** XENVER_platform_parameters virt_start per caller (§5.1 table). */
export interface PlatformParameters {
  readonly pv64: bigint;
  readonly pv32: bigint;
  readonly hvm64: bigint;
  readonly hvm32: bigint;
}

/** How hvm_op encodes continuation progress for modified_memory/set_mem_type (§3.2, §3.4). */
export type HvmOpEncoding =
  | { readonly kind: 'whole-op'; readonly progress: 'guest-struct' } // ≤4.4: switch(op), progress written back
  | { readonly kind: 'op-mask'; readonly mask: 0xff; readonly progressShift: 8 } // 4.5–4.8 (e8b87b57b4)
  | { readonly kind: 'whole-op'; readonly progress: 'dm_op' }; // 4.9+: those ops moved to dm_op (ae20ccf070)

/** What a non-continuable subop does with stray high (continuation) bits in cmd (§3.4 "lock down"). */
export type HighBitPolicy = 'ignored' | typeof XenErrno.ENOSYS | typeof XenErrno.EINVAL;

interface VersionData extends HypercallRelease {
  readonly release: XenRelease;

  // --- hypercall ABI (§2.1, §9) ---
  /** Arguments consumed / rewritten by continuations: 6 (r9/ebp) before 4.17, 5 after (2f531c122e). */
  readonly hypercallArgs: 5 | 6;
  /** Multicall entry / continuation arguments handled internally: 6 until 4.21 (e81baffaff). */
  readonly multicallArgs: 5 | 6;
  /** HVM multicall: -ENOSYS before 4.16 (198a2bc6f1). Mirrors the hypercall table. */
  readonly hvmMulticall: boolean;
  /** HVM vm_assist (runstate_update_flag only): 4.14+ (§9). Mirrors the hypercall table. */
  readonly hvmVmAssist: boolean;
  /** xenoprof_op (31) present for PV: removed in 4.22 (§1, §9). */
  readonly xenoprofOp: boolean;

  // --- continuations (§3.2–3.4) ---
  /** MEMOP_EXTENT_SHIFT 6 / MEMOP_CMD_MASK 0x3f since 3.4 (36e3044132): all modelled versions. */
  readonly memopExtentShift: 6;
  readonly memopCmdMask: 0x3f;
  /** Compat memory_op return clamped to INT_MAX/INT_MIN since 4.3 (7ffc9779aa). */
  readonly compatMemopReturnClamped: boolean;
  /** Continuation-mask lock-down: ignored ≤4.4; -ENOSYS 4.5 (4ef6b5f16c); -EINVAL 4.8+ (a66765eb06). */
  readonly highBitPolicy: HighBitPolicy;
  /** hvm_op op encoding (§3.4): whole op ≤4.4, HVMOP_op_mask 0xff 4.5–4.8, whole op again 4.9+. */
  readonly hvmOpEncoding: HvmOpEncoding;
  /** HVMOP_flush_tlbs with non-NULL arg → -EINVAL from 4.8 (a66765eb06); before: accepted [U]. */
  readonly hvmFlushTlbsArgEinval: boolean;
  /** add_to_physmap(_batch) start_extent not fitting 16-bit size → -EDOM from 4.8 (a66765eb06). */
  readonly addToPhysmapEdom: boolean;
  /**
   * Where XENMEM_add_to_physmap(XENMAPSPACE_gmfn_range) keeps its progress across a continuation: [U] ≤4.4 the
   * x86 handler wrote idx/gpfn/size back into the guest's struct and re-issued the plain op (RELEASE-4.4.0
   * arch/x86/mm.c, op masked so cmd high bits are ignored); from 4.5 (4ef6b5f16c, §3.2/§3.4) the done count is
   * in cmd bits ≥6, which is also when XENMEM_add_to_physmap_batch exists on x86.
   */
  readonly addToPhysmapRangeProgress: 'guest-struct' | 'cmd';

  // --- event channels (§5.3, §9) ---
  /** FIFO ABI (EVTCHNOP 11–13) implemented: 4.4+ (d2d50c2f30, 88910061ec). */
  readonly evtchnFifo: boolean;
  /** FIFO can be compiled out (CONFIG_EVTCHN_FIFO): 4.21+ (cfe15a473d). */
  readonly evtchnFifoOptional: boolean;
  /** expand_array before init_control: -ENOSYS 4.4–4.7, -EOPNOTSUPP 4.8+ (a66765eb06). */
  readonly fifoExpandWithoutInitErrno: typeof XenErrno.ENOSYS | typeof XenErrno.EOPNOTSUPP;

  // --- xen_version (§5.1) ---
  /** Highest XENVER_ cmd: commandline 9 (≤4.6), build_id 10 (4.7+, c5360bdfe0), *2 varbufs 14 (4.20+, e3bb1b6525). */
  readonly xenVersionMaxCmd: 9 | 10 | 14;
  /** XENVER_extraversion string [U: any plausible value; ".0" for a .0 release]. */
  readonly extraVersion: string;
  /** XENVER_get_features submap 0 for an unprivileged PV domU (§5.1 table; PV32 +0x10 with pae_extended_cr3). */
  readonly xenFeaturesPv: number;
  /** Same for HVM/PVH, without XENFEAT_hvm_pirqs when that is conditional. */
  readonly xenFeaturesHvm: number;
  /** XENFEAT_hvm_pirqs (bit 10) only with PIRQ emulation: 4.9+ (b30c5979e0); before: always set. */
  readonly hvmPirqsConditional: boolean;
  /** XENVER_platform_parameters (§5.1; 273bde319f in 4.18 changed HVM to 0 and PV64 to 0 in debug builds). */
  readonly platformParameters: ByBuild<PlatformParameters>;

  // --- vcpu_op (§5.2, §9) ---
  /** HVM VCPUOP_initialise/up/down/is_up: -ENOSYS 4.4–4.6, available 4.7+ (192df6f912). */
  readonly hvmVcpuBringUp: boolean;
  /** vcpuid ≥ MAX_VIRT_CPUS or negative → -EINVAL rather than -ENOENT: 4.4 (§5.2); 4.5 [U]. */
  readonly vcpuOpBadIdEinval: boolean;
  /** VCPUOP_initialise -EINVAL when target has dummy_vcpu_info: all types <4.19, PV only 4.19+ (03e484a4f6). */
  readonly dummyVcpuInfoCheck: 'all' | 'pv';
  /** Second VCPUOP_register_vcpu_info: -EINVAL ≤4.17, -EBUSY 4.18+ (295514ff75). */
  readonly vcpuInfoReregisterErrno: typeof XenErrno.EINVAL | typeof XenErrno.EBUSY;
  /**
   * VCPUOP_register_vcpu_info offset checks (xen/common/domain.c map_vcpu_info): 'einval' = only
   * offset > PAGE_SIZE - sizeof(vcpu_info) → -EINVAL (≤4.13); 'enxio-aligned' = that or a misaligned offset
   * (xen_ulong_t alignment of the latched shared_info format, XSA-327, 4.14) → -ENXIO ("common: map_vcpu_info()
   * cosmetics", Jan Beulich, 2020-07, first in 4.15). 4.18+ keeps -ENXIO (map_guest_area, §5.2).
   */
  readonly vcpuInfoOffsetCheck: 'einval' | 'enxio-aligned';
  /**
   * VCPUOP_set_singleshot_timer with VCPU_SSHOTTMR_future and a deadline in the past → -ETIME (xen/common/domain.c
   * 4.17, §1). Newer Xen ignores the flag and fires at once (§1 "HEAD simply fires immediately"; the 4.17.7
   * public/vcpu.h comment says the flag "can be ignored by the hypervisor"). [U] first release without -ETIME:
   * taken as 4.19 here.
   */
  readonly singleshotFutureEtime: boolean;
  /** VCPUOP_register_{runstate,vcpu_time}_phys_area (14/15) + XENFEAT 18/19: 4.18+ (d5df44275e, 48a3fd1432). */
  readonly vcpuPhysAreaOps: boolean;
  /** VCPUOP_down of the last running vCPU → SHUTDOWN_poweroff: 4.11+ (d3b230fc46). */
  readonly vcpuDownLastPowersOff: boolean;
  /** vcpu_time_info.flags: 4.7+ (9e55a33cc8). */
  readonly vcpuTimeInfoFlags: boolean;

  // --- HVM / boot (§9) ---
  /** HVMOP_set_evtchn_upcall_vector (23): 4.6+ (04447f4453). */
  readonly hvmSetEvtchnUpcallVector: boolean;
  /** XENMEM_memory_map from HVM: -ENOSYS 4.4–4.5, allowed 4.6+. */
  readonly hvmMemoryMap: boolean;
  /** PVH boot (XEN_ELFNOTE_PHYS32_ENTRY, hvm_start_info): 4.7+ (a1b2d39f07). */
  readonly pvh: boolean;
  /** XEN_ELFNOTE_PHYS32_RELOC: 4.19+ (dfc9fab003). */
  readonly elfnotePhys32Reloc: boolean;
  /** populate_physmap/increase_reservation write MFNs back for translated guests: ≤4.8 (d18627583d). */
  readonly translatedGetsMfns: boolean;
  /** Default gnttab_max_frames: 32 ≤4.9, 64 4.10+ (§9, §5.7). */
  readonly gnttabMaxFramesDefault: 32 | 64;
  /** 32-bit PV can be compiled out / disabled (CONFIG_PV32, `pv=`): 4.14+ (68d757df8d). */
  readonly pv32Optional: boolean;

  // --- CPUID (§2.3) ---
  /** Largest Xen leaf offset: 2 (≤4.4; 3 with tsc_mode pvrdtscp), 4 (4.5–4.9), 5 (4.10+). */
  readonly cpuidMaxLeafOffset: 2 | 4 | 5;
  /** ≤4.4 only: tsc_mode pvrdtscp raises the max leaf offset by one (§2.3). */
  readonly cpuidPvrdtscpExtraLeaf: boolean;
}

/** A resolved profile: version data plus build-type switches. */
export interface XenProfile extends Omit<VersionData, 'platformParameters'> {
  readonly name: ProfileName;
  readonly debug: boolean;
  /** Value returned by XENVER_version and CPUID base+1 EAX: (major << 16) | minor (§5.1, §2.3). */
  readonly versionWord: number;
  readonly platformParameters: PlatformParameters;
  /** FIFO compiled in (only switchable where evtchnFifoOptional). Off → init_control/expand_array -EOPNOTSUPP, set_priority -ENOSYS (§5.3). */
  readonly evtchnFifoBuilt: boolean;
  /** Debug builds poison used argument registers after a completed call (§2.1 clobber_regs64/32) [U before 4.17]. */
  readonly poisonHypercallArgs: boolean;
  /** Debug builds overwrite consumed multicall entries (except result) with 0xAA (§3.3) [U before 4.17]. */
  readonly multicallPoison: boolean;
  /** console_io write allowed for ordinary domUs: CONFIG_VERBOSE_DEBUG, default in debug builds (§5.6; same in 4.4). */
  readonly domUConsoleIo: boolean;
}

const ADDR_PV64 = 0xffff800000000000n; // HYPERVISOR_VIRT_START (public/arch-x86/xen-x86_64.h)
const ADDR_PV32 = 0xf5800000n; // HYPERVISOR_COMPAT_VIRT_START default (§5.1)
const OLD_PLATFORM_PARAMS: PlatformParameters = { pv64: ADDR_PV64, pv32: ADDR_PV32, hvm64: ADDR_PV64, hvm32: 0xffffffffn };
const samePerBuild = <T>(v: T): ByBuild<T> => ({ release: v, debug: v });

/** §9 "xen-4.4" suggested profile: the HVM hypercall set of 4.4 (hvm.c hvm_hypercall64_table at RELEASE-4.4.0). */
const HVM_HYPERCALLS_4_4: readonly string[] = [
  'memory_op', 'grant_table_op', 'vcpu_op', 'physdev_op', 'xen_version', 'console_io', 'event_channel_op',
  'sched_op', 'set_timer_op', 'xsm_op', 'hvm_op', 'sysctl', 'domctl', 'tmem_op',
];

const V4_4: VersionData = {
  release: [4, 4],
  hvmHypercallAllowList: HVM_HYPERCALLS_4_4,
  hypercallArgs: 6,
  multicallArgs: 6,
  hvmMulticall: false,
  hvmVmAssist: false,
  xenoprofOp: true,
  memopExtentShift: 6,
  memopCmdMask: 0x3f,
  compatMemopReturnClamped: true,
  highBitPolicy: 'ignored',
  hvmOpEncoding: { kind: 'whole-op', progress: 'guest-struct' },
  hvmFlushTlbsArgEinval: false,
  addToPhysmapEdom: false,
  addToPhysmapRangeProgress: 'guest-struct',
  evtchnFifo: true,
  evtchnFifoOptional: false,
  fifoExpandWithoutInitErrno: XenErrno.ENOSYS,
  xenVersionMaxCmd: 9,
  extraVersion: '.0',
  xenFeaturesPv: 0xe0, // bits 5,6,7 (§5.1)
  xenFeaturesHvm: 0x705, // bits 0,2,8,9,10 (§5.1)
  hvmPirqsConditional: false,
  platformParameters: samePerBuild(OLD_PLATFORM_PARAMS),
  hvmVcpuBringUp: false,
  vcpuOpBadIdEinval: true,
  dummyVcpuInfoCheck: 'all',
  vcpuInfoReregisterErrno: XenErrno.EINVAL,
  vcpuInfoOffsetCheck: 'einval',
  singleshotFutureEtime: true,
  vcpuPhysAreaOps: false,
  vcpuDownLastPowersOff: false,
  vcpuTimeInfoFlags: false,
  hvmSetEvtchnUpcallVector: false,
  hvmMemoryMap: false,
  pvh: false,
  elfnotePhys32Reloc: false,
  translatedGetsMfns: true,
  gnttabMaxFramesDefault: 32,
  pv32Optional: false,
  cpuidMaxLeafOffset: 2,
  cpuidPvrdtscpExtraLeaf: true,
};

const V4_5: VersionData = {
  ...V4_4,
  release: [4, 5],
  highBitPolicy: XenErrno.ENOSYS, // 4ef6b5f16c "lock down hypercall continuation encoding masks" (§3.4)
  hvmOpEncoding: { kind: 'op-mask', mask: 0xff, progressShift: 8 }, // e8b87b57b4 (§3.4)
  addToPhysmapRangeProgress: 'cmd', // [U] 4ef6b5f16c (§3.2, §3.4)
  cpuidMaxLeafOffset: 4, // XEN_CPUID_MAX_NUM_LEAVES 4 in 4.5–4.9 (§2.3)
  cpuidPvrdtscpExtraLeaf: false,
  vcpuOpBadIdEinval: true, // [U] §5.2 only states 4.4
};

const V4_8: VersionData = {
  ...V4_5,
  release: [4, 8],
  // [U] The fact sheet gives the HVM hypercall set only for 4.4; 4.8 is assumed unchanged apart from per-entry
  // history (hvm multicall 4.16, vm_assist 4.14 — both still absent here).
  hvmHypercallAllowList: HVM_HYPERCALLS_4_4,
  highBitPolicy: XenErrno.EINVAL, // a66765eb06 "replace bogus -ENOSYS uses" (§3.4)
  hvmFlushTlbsArgEinval: true, // a66765eb06
  addToPhysmapEdom: true, // a66765eb06
  fifoExpandWithoutInitErrno: XenErrno.EOPNOTSUPP, // a66765eb06 (§5.3)
  xenVersionMaxCmd: 10, // XENVER_build_id 4.7+ (c5360bdfe0)
  xenFeaturesPv: 0x20e0, // +13 memory_op_vnode_supported, 4.6 (319442762f)
  xenFeaturesHvm: 0x2705,
  hvmVcpuBringUp: true, // 192df6f912, 4.7
  vcpuOpBadIdEinval: false, // [U] only 4.4 is documented as returning -EINVAL
  vcpuTimeInfoFlags: true, // 9e55a33cc8, 4.7
  hvmSetEvtchnUpcallVector: true, // 04447f4453, 4.6
  hvmMemoryMap: true, // §5.7: allowed since 4.6
  pvh: true, // a1b2d39f07, 4.7
};

const V4_17: VersionData = {
  ...V4_8,
  release: [4, 17],
  hvmHypercallAllowList: undefined, // modern dispatch table of §1
  hypercallArgs: 5, // 2f531c122e, 4.17
  hvmMulticall: true, // 198a2bc6f1, 4.16
  hvmVmAssist: true, // 4.14 (§9)
  hvmOpEncoding: { kind: 'whole-op', progress: 'dm_op' }, // ae20ccf070, 4.9
  xenFeaturesPv: 0x220e0, // +17 direct_mapped, 4.16 (d66bf122c0)
  xenFeaturesHvm: 0x12305, // +16 not_direct_mapped; hvm_pirqs now conditional (§5.1)
  hvmPirqsConditional: true, // b30c5979e0, 4.9
  vcpuDownLastPowersOff: true, // d3b230fc46, 4.11
  translatedGetsMfns: false, // d18627583d, 4.9
  vcpuInfoOffsetCheck: 'enxio-aligned', // XSA-327 (4.14) + "common: map_vcpu_info() cosmetics" (4.15)
  gnttabMaxFramesDefault: 64, // 4.10 (§9)
  pv32Optional: true, // 68d757df8d, 4.14
  cpuidMaxLeafOffset: 5, // XEN_CPUID_MAX_NUM_LEAVES 5 from 4.10 (§2.3)
};

const V4_19: VersionData = {
  ...V4_17,
  release: [4, 19],
  xenFeaturesPv: 0x1e20e0, // +18,19 (4.18) +20 dm_msix_all_writes (4.19, 64b21662b1)
  xenFeaturesHvm: 0x1d2305,
  // 273bde319f (4.18): HVM/ARM 0; PV64 0 only in debug builds; PV32 unchanged (§5.1).
  platformParameters: {
    release: { pv64: ADDR_PV64, pv32: ADDR_PV32, hvm64: 0n, hvm32: 0n },
    debug: { pv64: 0n, pv32: ADDR_PV32, hvm64: 0n, hvm32: 0n },
  },
  dummyVcpuInfoCheck: 'pv', // 03e484a4f6, 4.19
  vcpuInfoReregisterErrno: XenErrno.EBUSY, // 295514ff75, 4.18
  singleshotFutureEtime: false, // [U] §1: HEAD fires a past deadline at once
  vcpuPhysAreaOps: true, // d5df44275e / 48a3fd1432, 4.18
  elfnotePhys32Reloc: true, // dfc9fab003, 4.19
};

const V4_21: VersionData = {
  ...V4_19,
  release: [4, 21],
  multicallArgs: 5, // e81baffaff, 4.21
  evtchnFifoOptional: true, // CONFIG_EVTCHN_FIFO, cfe15a473d, 4.21
  xenVersionMaxCmd: 14, // XENVER_*2 varbuf ops, e3bb1b6525, 4.20
};

const VERSIONS: Readonly<Record<ProfileName, VersionData>> = {
  '4.4': V4_4, '4.5': V4_5, '4.8': V4_8, '4.17': V4_17, '4.19': V4_19, '4.21': V4_21,
};

export interface ProfileOptions {
  /** CONFIG_DEBUG hypervisor build (default: release). */
  readonly debug?: boolean;
  /** CONFIG_EVTCHN_FIFO (default on); turning it off is only possible where the version allows it (4.21+). */
  readonly evtchnFifo?: boolean;
}

export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** Resolves a profile ("4.17" or "xen-4.17", as §9 spells them); unknown names throw an Error listing the valid ones. */
export function getProfile(name: string = DEFAULT_PROFILE, opts: ProfileOptions = {}): XenProfile {
  const key = name.startsWith('xen-') ? name.slice(4) : name;
  if (!isProfileName(key)) {
    throw new Error(`unknown Xen profile "${name}"; valid profiles: ${PROFILE_NAMES.join(', ')}`);
  }
  const v = VERSIONS[key];
  const debug = opts.debug ?? false;
  const fifoBuilt = opts.evtchnFifo ?? true;
  if (!fifoBuilt && !v.evtchnFifoOptional) {
    throw new Error(`Xen ${key} cannot be built without FIFO event channels (CONFIG_EVTCHN_FIFO is 4.21+)`);
  }
  const { platformParameters, ...rest } = v;
  return {
    ...rest,
    name: key,
    debug,
    versionWord: (v.release[0] << 16) | v.release[1],
    platformParameters: debug ? platformParameters.debug : platformParameters.release,
    evtchnFifoBuilt: v.evtchnFifo && fifoBuilt,
    poisonHypercallArgs: debug,
    multicallPoison: debug,
    domUConsoleIo: debug,
  };
}

/** Handler kind for hypercall `nr` from `guest` under `profile`; null → -ENOSYS. */
export function profileHypercallHandler(profile: XenProfile, nr: number, guest: GuestType): HandlerKind | null {
  return hypercallHandler(nr, guest, profile);
}

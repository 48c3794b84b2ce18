/**
 * Per-vCPU and per-domain state Xen keeps for PV guests: struct pv_vcpu (xen/arch/x86/include/asm/domain.h:
 * virtual IDT, callbacks, guest kernel/user mode, kernel stack, page-table bases, segment bases, virtual
 * CR0.TS/CR2/CR4, IOPL, GDT/LDT) and, per domain, the machine-frame bookkeeping of the PV memory model
 * (frame ownership and the page-type/pin counts of struct page_info, xen/arch/x86/include/asm/mm.h).
 */
import type { Domain } from '../domain';
import type { Vcpu } from '../vcpu';

/** One trap_info entry (public/arch-x86/xen.h): flags bits 0-1 = DPL, bit 2 = clear events on delivery. */
export interface PvTrapEntry {
  vector: number;
  flags: number;
  cs: number;
  address: bigint;
}

/** A registered callback: {cs, eip} for 32-bit guests, address only (cs ignored) for 64-bit ones. */
export interface PvCallback {
  cs: number;
  address: bigint;
  /** CALLBACKF_mask_events (public/callback.h). */
  maskEvents: boolean;
}

/** CALLBACKTYPE_* (public/callback.h). */
export const CALLBACKTYPE = {
  event: 0, failsafe: 1, syscall: 2, sysenter_deprecated: 3, nmi: 4, sysenter: 5, syscall32: 7,
} as const;

export class PvVcpuState {
  /** Guest kernel mode (PV64 runs kernel and user both in ring 3; Xen tracks this itself). PV32: CPL 1. */
  kernelMode = true;
  /** set_trap_table: the virtual IDT, by vector. */
  readonly traps = new Map<number, PvTrapEntry>();
  /** CALLBACKTYPE_* → callback (event 0, failsafe 1, syscall 2, sysenter 5, syscall32 7; NMI is traps[2]). */
  readonly callbacks = new Map<number, PvCallback>();
  /** stack_switch / initial state: the kernel stack used when a bounce leaves user mode. */
  kernelSs = 0;
  kernelSp = 0n;
  /**
   * MMUEXT_NEW_BASEPTR / NEW_USER_BASEPTR: machine frame numbers of the top-level tables (0 = none).
   * PV32: kernelBaseMfn is the guest's PAE L3 (Xen's compat L4 slot 0); userBaseMfn is unused.
   */
  kernelBaseMfn = 0;
  userBaseMfn = 0;
  /** PV32: the Xen-owned page holding the four PDPTEs the core walks (a sanitised copy of the guest L3). */
  paeShadowMfn = 0;
  /** set_segment_base / MSR writes: FS base and the two GS bases (the inactive one sits in the core's KERNEL_GS_BASE). */
  fsBase = 0n;
  gsBaseKernel = 0n;
  gsBaseUser = 0n;
  /** fpu_taskswitch / CR0 writes: the guest's virtual CR0.TS. */
  cr0Ts = false;
  /** Virtual CR2 (also mirrored into vcpu_info.arch.cr2) and CR4. */
  cr2 = 0n;
  cr4 = 0n;
  /** Virtual IOPL as 0..3 (physdev_op set_iopl / VMASST architectural_iopl). */
  iopl = 0;
  /** Virtual debug registers (set_debugreg). */
  readonly debugreg: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, 0xffff0ff0n, 0x400n];
  /** VGCF_failsafe_disables_events / VGCF_syscall_disables_events, and the 32-bit entry points' equivalents. */
  failsafeDisablesEvents = false;
  syscallDisablesEvents = false;
  /** set_gdt: the guest's GDT frames (MFNs, typed seg_desc) and entry count. */
  gdtFrames: number[] = [];
  gdtEnts = 0;
  /** MMUEXT_SET_LDT: linear base and entry count, and the frames mapped for it (typed seg_desc). */
  ldtBase = 0n;
  ldtEnts = 0;
  ldtFrames: number[] = [];
}

/** The PV view of a vCPU; throws if the vCPU is not a PV one (a bug in the caller). */
export function pvOf(v: Vcpu): PvVcpuState {
  if (!v.pv) throw new Error(`${v.label} has no PV state`);
  return v.pv;
}

/** Page types (PGT_* of asm/mm.h, as small numbers). */
export const enum PgType { None = 0, Writable = 1, L1 = 2, L2 = 3, L3 = 4, L4 = 5, SegDesc = 6 }

/** Who owns a machine frame. */
export const enum Owner { Free = 0, Xen = 1, Domain = 2 }

/** Where Xen's own frames live in machine memory, and the M2P. */
export interface PvMachineLayout {
  bits: 64 | 32;
  /** Machine frames reserved for Xen below the guest's ([0, xenFrames)). */
  xenFrames: number;
  /** All machine frames (xenFrames + the domain's max pages). */
  totalFrames: number;
  sharedInfoMfn: number;
  zeroMfn: number;
  xenGdtMfn: number;
  /** First M2P frame and how many (entries are 8 bytes for PV64, 4 for PV32). */
  m2pMfn: number;
  m2pFrames: number;
  /** Xen L1 tables mapping the M2P read-only (and for PV64 the L3/L2 above them). */
  m2pL1Mfns: number[];
  m2pL2Mfn: number;
  m2pL3Mfn: number;
  /** Xen L1 tables of the GDT/LDT area (16 vCPUs per table), and for PV64 the L3/L2 above them. */
  gdtL1Mfns: number[];
  perdomL2Mfn: number;
  perdomL3Mfn: number;
  /** PV32: one page per vCPU for the PDPTE shadow. */
  paeShadowMfns: number[];
}

/** Per-domain PV memory bookkeeping: ownership and the type/pin counts of every machine frame. */
export class PvDomainState {
  readonly owner: Uint8Array;
  readonly type: Uint8Array;
  readonly typeCount: Int32Array;
  readonly pinned: Uint8Array;
  /** A PV32 L2 validated for L3 slot 3: it carries Xen's hole mappings (PGT_pae_xen_l2). */
  readonly paeXenL2: Uint8Array;
  /** Validation of this frame is in progress (Xen's "validate locked" state). */
  readonly validating: Uint8Array;
  /** Type counts Xen holds itself and never drops (the shared_info page's PGT_writable_page ref). */
  readonly permanent: Uint8Array;

  constructor(readonly layout: PvMachineLayout) {
    const n = layout.totalFrames;
    this.owner = new Uint8Array(n);
    this.type = new Uint8Array(n);
    this.typeCount = new Int32Array(n);
    this.pinned = new Uint8Array(n);
    this.paeXenL2 = new Uint8Array(n);
    this.validating = new Uint8Array(n);
    this.permanent = new Uint8Array(n);
  }

  get bits(): 64 | 32 { return this.layout.bits; }
}

const domainStates = new WeakMap<Domain, PvDomainState>();

export function setPvDomainState(d: Domain, s: PvDomainState): void {
  domainStates.set(d, s);
}

/** The PV memory state of `d`, or undefined before the builder ran. */
export function pvDomainState(d: Domain): PvDomainState | undefined {
  return domainStates.get(d);
}

export function pvDomainStateOf(d: Domain): PvDomainState {
  const s = domainStates.get(d);
  if (!s) throw new Error(`domain ${d.domid} has no PV memory state (not built by the PV builder)`);
  return s;
}

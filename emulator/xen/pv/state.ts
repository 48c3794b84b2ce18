/**
 * Per-vCPU state Xen keeps for a PV guest (struct pv_vcpu, xen/arch/x86/include/asm/domain.h): the virtual
 * IDT from set_trap_table, the callbacks, guest kernel/user mode, the kernel stack for bounces, the two
 * page-table bases of a 64-bit guest, and the segment bases.
 */

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

export class PvVcpuState {
  /** Guest kernel mode (PV64 runs kernel and user both in ring 3; Xen tracks this itself). */
  kernelMode = true;
  /** set_trap_table: the virtual IDT, by vector. */
  readonly traps = new Map<number, PvTrapEntry>();
  /** CALLBACKTYPE_* → callback (event 0, failsafe 1, syscall 2, nmi 4, sysenter 5, syscall32 7). */
  readonly callbacks = new Map<number, PvCallback>();
  /** stack_switch / initial state: the kernel stack used when a bounce leaves user mode. */
  kernelSs = 0;
  kernelSp = 0n;
  /** MMUEXT_NEW_BASEPTR / NEW_USER_BASEPTR: machine frame numbers of the top-level tables (0 = none). */
  kernelBaseMfn = 0;
  userBaseMfn = 0;
  /** set_segment_base. */
  fsBase = 0n;
  gsBaseKernel = 0n;
  gsBaseUser = 0n;
  /** fpu_taskswitch: the guest's virtual CR0.TS. */
  cr0Ts = false;
  /** Virtual IOPL (physdev_op set_iopl / VMASST architectural_iopl). */
  iopl = 0;
  /** Virtual debug registers (set_debugreg). */
  readonly debugreg: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, 0xffff0ff0n, 0x400n];
}

/**
 * A domain (struct domain, xen/include/xen/sched.h): its memory, vCPUs, event channels, shared_info,
 * HVM params, memory accounting and shutdown state. Guest-type specifics (the PV p2m, HVM params) live here
 * as plain data; the builders in emulator/boot fill them in.
 */
import { PhysicalMemory } from '../memory/physical-memory';
import { Abi, StructView, layoutOf } from './abi/layout';
import { shared_info, vcpu_info, vcpu_time_info, XEN_LEGACY_MAX_VCPUS } from './abi/structs';
import type { EvtchnDomain } from './event-channel';
import type { XenProfile } from './profiles';
import type { Vcpu } from './vcpu';
import type { PreemptionPolicy } from './hypercall/preemption';

export type DomainKind = 'pv' | 'pvh' | 'hvm';

/** SHUTDOWN_* (public/sched.h). */
export const SHUTDOWN_REASONS = ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'] as const;
export type ShutdownReason = (typeof SHUTDOWN_REASONS)[number] | 'triple-fault' | 'unknown';

export interface DomainShutdown {
  reason: ShutdownReason;
  /** Raw SHUTDOWN_* code (reason & 0xff), -1 for a triple fault. */
  code: number;
  /** Why, in words (a crash's cause, the faulting RIP…). */
  detail?: string;
}

/** Per-domain options from the launch configuration (DESIGN.md launch contract, xl.cfg). */
export interface DomainOptions {
  name: string;
  kind: DomainKind;
  /** PV only. */
  pvBits?: 64 | 32;
  memoryMiB: number;
  maxMemoryMiB?: number;
  vcpus: number;
  profile: XenProfile;
  preemption: PreemptionPolicy;
  /** Per-domain FIFO event-channel opt-in (the proposed XEN_DOMCTL_CDF_evtchn_fifo, §5.3). */
  evtchnFifo: boolean;
  cmdline: string;
  /** XEN_DOMCTL_createdomain.max_evtchn_port; libxl default 1023. */
  maxEvtchnPort: number;
  /** The domain handle (UUID) returned by XENVER_guest_handle. */
  handle: Uint8Array;
}

export class Domain {
  readonly vcpus: Vcpu[] = [];
  /** Guest memory. PV: machine memory (frames the domain owns plus Xen's own); HVM/PVH: guest-physical. */
  mem!: PhysicalMemory;
  evtchn!: EvtchnDomain;
  /** Physical (machine for PV) address of the shared_info page. */
  sharedInfoAddr = 0;
  /** shared_info / vcpu_info format: fixed for PV, latched for HVM (hvm_latch_shinfo_size, §5.4). */
  sharedInfoAbi: Abi = 'x86_64';
  shutdown: DomainShutdown | null = null;
  /** Paused by the toolstack/debugger (does not change guest state). */
  paused = false;
  /** HVM_PARAM_* values (public/hvm/params.h). */
  readonly hvmParams = new Map<number, bigint>();
  /** VMASST_TYPE_* bits enabled (vm_assist). */
  vmAssist = 0n;
  /** Pages the domain owns (tot_pages) and may own (max_pages). */
  totPages = 0;
  maxPages = 0;
  /** PV: pseudo-physical → machine frame (INVALID_MFN = -1) and back; HVM: unused. */
  p2m: Int32Array = new Int32Array(0);
  m2p: Int32Array = new Int32Array(0);
  /** HVM/PVH: which guest frames are populated (1) or ballooned out (0). */
  populated: Uint8Array = new Uint8Array(0);
  /** Guest E820 (XENMEM_memory_map), as the toolstack set it. */
  memoryMap: { addr: bigint; size: bigint; type: number }[] = [];
  /** Frames of the console and XenStore rings (PV: MFN; HVM: GFN), and their guest-side ports. */
  consoleFrame = 0;
  consolePort = 0;
  storeFrame = 0;
  storePort = 0;
  /** SCHEDOP_shutdown_code: the code recorded for a later shutdown, or undefined. */
  shutdownCode: number | undefined = undefined;
  /** Grant-table frames' addresses once mapped by the guest (HVM add_to_physmap). */
  readonly grantFrames = new Map<number, number>();

  constructor(readonly domid: number, readonly options: DomainOptions) {}

  get profile(): XenProfile { return this.options.profile; }
  get isPv(): boolean { return this.options.kind === 'pv'; }
  get isHvm(): boolean { return !this.isPv; }
  get pvBits(): 64 | 32 { return this.options.pvBits ?? 64; }
  get name(): string { return this.options.name; }

  /** A view of struct shared_info in the domain's memory, in the latched format. */
  sharedInfo(): StructView {
    return new StructView(layoutOf(shared_info, this.sharedInfoAbi), this.mem.view, this.sharedInfoAddr);
  }

  /** vCPU `id`'s vcpu_info, or undefined when it only has the dummy area. */
  vcpuInfo(id: number): StructView | undefined {
    const a = this.vcpus[id]?.vcpuInfoAddr;
    if (a === undefined) return undefined;
    return new StructView(layoutOf(vcpu_info, this.sharedInfoAbi), this.mem.view, a);
  }

  /** Default vcpu_info location: shared_info.vcpu_info[id] for id < XEN_LEGACY_MAX_VCPUS (§5.2). */
  defaultVcpuInfoAddr(id: number): number | undefined {
    if (id >= XEN_LEGACY_MAX_VCPUS) return undefined;
    return this.sharedInfoAddr + id * layoutOf(vcpu_info, this.sharedInfoAbi).size;
  }

  /** Size in bytes of vcpu_time_info (same in both ABIs). */
  static readonly TIME_INFO_SIZE = layoutOf(vcpu_time_info, 'x86_64').size;
}

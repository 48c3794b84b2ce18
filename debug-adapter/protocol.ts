/**
 * The adapter's DAP extensions: the launch arguments and the custom requests and events the VS Code
 * extension's views and commands use. Plain data only: shared by debug-adapter/ and extension/, and usable by
 * any other DAP client (`xen-guest dap`).
 */

/** `launch` arguments (DESIGN.md launch contract); the emulator's resolveMachineOptions validates the machine part. */
export interface XenLaunchArguments {
  kernel?: string;
  xlConfig?: string;
  guestType?: 'pv' | 'pv64' | 'pv32' | 'pvh' | 'hvm';
  vcpus?: number;
  memoryMiB?: number;
  xenVersion?: string;
  preemption?: 'never' | 'always' | 'auto' | number;
  cmdline?: string;
  domainFlags?: { evtchnFifo?: boolean };
  /** Stop at the guest's first instruction (default false: run until a breakpoint). */
  stopOnEntry?: boolean;
  /** Send every hypervisor trace event to the Debug Console as an `output` event (category `console`). */
  trace?: boolean;
  /** Disassembly syntax (default intel). */
  disassemblyFlavor?: 'intel' | 'att';
  /** Extra ELF files with symbols (e.g. a kernel with DWARF when `kernel` is stripped). */
  symbolFiles?: string[];
}

// ------------------------------------------------------------------ custom requests (DebugSession.customRequest)

export const XEN_REQUESTS = {
  /** () → HypercallLogResponse: the hypercall log, continuations grouped under their call. */
  hypercallLog: 'xen/hypercallLog',
  /** () → EventChannelsResponse */
  eventChannels: 'xen/eventChannels',
  /** () → DomainsResponse */
  domains: 'xen/domains',
  /** SendEventArguments → {}: EVTCHNOP_send as if from the remote end (dom0's side of the port). */
  sendEvent: 'xen/sendEvent',
  /** SetPreemptionArguments → {} */
  setPreemption: 'xen/setPreemption',
  /** { threadId } → {}: resume, stop at the next re-execution of the hypercall this vCPU is in (or just left). */
  stepIntoContinuation: 'xen/stepIntoContinuation',
} as const;

export interface HypercallLogEntry {
  /** Stable id of the call (the trace seq of its first entry). */
  id: number;
  domain: number;
  vcpu: number;
  /** DAP thread id of the vCPU. */
  threadId: number;
  nr: number;
  name: string;
  subop?: string;
  args: Record<string, string | number | boolean>;
  /** Guest-virtual address of the instruction that made the call (the vmcall/syscall/int 0x82 site). */
  site?: string;
  /** Source of the caller (the frame above the hypercall page, when symbols know it). */
  source?: { path: string; line: number };
  state: 'in-flight' | 'returned' | 'preempted' | 'no-return';
  ret?: number | string;
  errno?: string;
  continuations: { seq: number; encoding: string; progress?: number }[];
}
export interface HypercallLogResponse { entries: HypercallLogEntry[]; /** Entries dropped from the front (log cap). */ dropped: number }

export interface EventChannelPort {
  port: number;
  /** EVTCHNSTAT_* as text: closed, unbound, interdomain, pirq, virq, ipi. */
  state: string;
  /** e.g. "VIRQ_TIMER", "remote d0:5", "IPI". */
  binding: string;
  vcpu: number;
  pending: boolean;
  masked: boolean;
}
export interface EventChannelsResponse { domains: { domid: number; name: string; abi: '2-level' | 'fifo'; ports: EventChannelPort[] }[] }

export interface VcpuSummary {
  id: number;
  threadId: number;
  /** e.g. "d1v0 (PV64)". */
  label: string;
  mode: string;
  state: 'running' | 'runnable' | 'blocked' | 'down' | 'stopped';
  rip: string;
}
export interface DomainsResponse {
  domains: { domid: number; name: string; guestType: string; xenVersion: string; shutdown?: string; vcpus: VcpuSummary[] }[];
}

export interface SendEventArguments { domid?: number; port: number }
export interface SetPreemptionArguments { policy: 'never' | 'always' | 'auto' | number }

/** Custom event sent after every stop and after a custom request changed state, so views can refresh. */
export const XEN_STATE_CHANGED_EVENT = 'xen/stateChanged';

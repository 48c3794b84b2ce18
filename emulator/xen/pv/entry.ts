/**
 * PV guest entry points from the CPU: hypercall instructions, software interrupts and system calls, the
 * exceptions a PV guest raises (every one is intercepted: Xen owns the real IDT), and event upcalls.
 * (Being written, issue 3: bounce frames through the virtual trap table and privileged-op emulation.)
 */
import { StopReason, TrapAction, TrapInfo } from '../../cpu/api-types';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';

/** 'hypercall' when the instruction is a hypercall for this vCPU (syscall from guest kernel mode, int $0x82 from ring 1). */
export function pvHandleTrap(hv: Hypervisor, v: Vcpu, t: TrapInfo): TrapAction | 'hypercall' {
  if (t.kind === 'syscall' && v.domain.pvBits === 64 && v.pv?.kernelMode) return 'hypercall';
  if (t.kind === 'int' && t.value === 0x82 && v.domain.pvBits === 32 && t.cpl === 1) return 'hypercall';
  hv.crashDomain(v.domain, 'crash', `${t.kind} ${t.value ?? ''} from a PV guest is not emulated yet`, v);
  return TrapAction.Stop;
}

export function pvHandleException(hv: Hypervisor, v: Vcpu, r: Extract<StopReason, { kind: 'exception' }>): void {
  hv.crashDomain(v.domain, 'crash', `exception ${r.vector} at 0x${r.rip.toString(16)} in a PV guest: bounces are not emulated yet`, v);
}

export function pvDeliverUpcall(_hv: Hypervisor, _v: Vcpu): void {
  // Bounce to the event callback: being written.
}

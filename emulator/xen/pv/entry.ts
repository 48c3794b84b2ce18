/**
 * PV guest entry points from the CPU: hypercall instructions, software interrupts and system calls, the
 * exceptions a PV guest raises (every one is intercepted: Xen owns the real IDT), and event upcalls.
 *
 * Xen 4.17 behaviour followed: x86_64/entry.S (lstar_enter: SYSCALL is a hypercall in guest kernel mode,
 * else a system call bounced to the guest kernel), x86_64/compat/entry.S (int $0x82 hypercalls from ring 1
 * through a DPL-1 gate), traps.c (do_general_protection: INT n through the virtual IDT if its DPL permits,
 * else #GP(n*8+2); INT3/INTO are not DPL-checked; #GP(0) is offered to the privileged-op emulator first;
 * do_device_not_available: #NM reaches the guest only with its virtual CR0.TS set; fixup_page_fault:
 * writable page tables, see ptwr.ts), pv/traps.c
 * (pv_inject_event) and entry.S test_guest_events (event upcall bounce).
 */
import { StopReason, TrapAction, TrapInfo } from '../../cpu/api-types';
import { CR0_TS } from '../../cpu/constants';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';
import {
  eventCallbackBounce, guestKernelMode, injectException, injectSoftInterrupt, permitSoftint, syscallBounce,
} from './bounce';
import { emulatePrivOp } from './priv-op';
import { ptwrFault } from './ptwr';
import { CALLBACKTYPE } from './state';

/** 'hypercall' when the instruction is a hypercall for this vCPU (syscall from guest kernel mode, int $0x82 from ring 1). */
export function pvHandleTrap(hv: Hypervisor, v: Vcpu, t: TrapInfo): TrapAction | 'hypercall' {
  const d = v.domain;
  if (!v.pv) {
    hv.crashDomain(d, 'crash', `${t.kind} on ${v.label}, which has no PV state`, v);
    return TrapAction.Handled;
  }
  const cpu = v.cpu;
  if (t.kind === 'syscall') {
    if (d.pvBits === 64 && cpu.mode === 'long64') {
      if (v.pv.kernelMode) return 'hypercall';
      syscallBounce(hv, v, t.length);
      return TrapAction.Handled;
    }
    // SYSCALL outside 64-bit mode: #UD on our (Intel) core; Xen has no 32-bit SYSCALL entry on Intel.
    injectException(hv, v, 6);
    return TrapAction.Handled;
  }
  if (t.kind !== 'int') return TrapAction.Native;
  const vector = (t.value ?? 0) & 0xff;
  if (d.pvBits === 32 && vector === 0x82 && t.cpl === 1) return 'hypercall';
  if (t.length === 1 && (vector === 3 || vector === 1)) {
    // int3 (#BP) and icebp (#DB): trap-type exceptions, return address after the instruction.
    cpu.rip = t.rip + 1n;
    injectException(hv, v, vector);
    return TrapAction.Handled;
  }
  if (vector === 3 || vector === 4) {
    // INT $3 / INT $4 / INTO go through Xen's DPL-3 gates: the guest's DPL is not checked.
    cpu.rip = t.rip + BigInt(t.length);
    injectException(hv, v, vector);
    return TrapAction.Handled;
  }
  if (permitSoftint(v, vector)) {
    cpu.rip = t.rip + BigInt(t.length);
    injectSoftInterrupt(hv, v, vector);
    return TrapAction.Handled;
  }
  // Xen's IDT gates are DPL 0: the INT faults with an IDT-vectored #GP on the instruction itself.
  injectException(hv, v, 13, (vector << 3) | 2);
  return TrapAction.Handled;
}

export function pvHandleException(hv: Hypervisor, v: Vcpu, r: Extract<StopReason, { kind: 'exception' }>): void {
  const d = v.domain;
  if (!v.pv) {
    hv.crashDomain(d, 'crash', `exception ${r.vector} on ${v.label}, which has no PV state`, v);
    return;
  }
  const cpu = v.cpu;
  switch (r.vector) {
    case 13:
      if ((r.errorCode ?? 0) === 0 && emulatePrivOp(hv, v)) return;
      break;
    case 14:
      // Writable page tables: a kernel store into one of its L1s, emulated and validated.
      if (r.cr2 !== undefined && ptwrFault(hv, v, r.cr2, r.errorCode ?? 0)) return;
      break;
    case 7: {
      // Lazy FPU: the hardware TS is Xen's; the guest sees #NM only when its virtual TS is set.
      const cr0 = cpu.getControl('cr0');
      if (cr0 & BigInt(CR0_TS)) cpu.setControl('cr0', cr0 & ~BigInt(CR0_TS));
      if (!v.pv.cr0Ts) return;
      v.pv.cr0Ts = false;
      break;
    }
    default:
      break;
  }
  injectException(hv, v, r.vector, r.errorCode, r.cr2);
}

/**
 * Delivers a pending event: bounce to the event callback with events masked. Never from inside a
 * hypercall being dispatched (the dispatcher still has to write its result); it delivers on the way out.
 */
export function pvDeliverUpcall(hv: Hypervisor, v: Vcpu): void {
  if (!v.pv || v.hypercall?.state === 'running') return;
  const cb = v.pv.callbacks.get(CALLBACKTYPE.event);
  const info = v.domain.vcpuInfo(v.id);
  if (!info || info.getNum('evtchn_upcall_mask') !== 0) return;
  const from = { rip: `0x${v.cpu.rip.toString(16)}`, kernel: guestKernelMode(v) };
  if (eventCallbackBounce(hv, v)) {
    hv.emit('upcall', v.domain, v, 'event-callback', { args: { rip: `0x${(cb?.address ?? 0n).toString(16)}`, from: from.rip, fromKernel: from.kernel } });
  }
}

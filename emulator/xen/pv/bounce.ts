/**
 * Bounce frames: how Xen enters a PV guest's exception handlers and callbacks (fact sheet §7).
 *
 * 64-bit (x86_64/entry.S create_bounce_frame): switch to guest kernel mode if needed (toggle_guest_mode:
 * swapgs + kernel page tables), take the kernel stack (current RSP in kernel mode, else kernel_sp), align
 * it to 16 bytes and push RCX, R11, [error code], RIP, CS | saved_upcall_mask << 32, RFLAGS (IF = !mask,
 * IOPL only with VMASST architectural_iopl), RSP, SS. The CS RPL reads 0 when the interrupted context was
 * guest kernel mode. Then RIP = handler, CS = 0xe033, SS = 0xe02b, RFLAGS loses TF/NT/RF/VM/AC.
 *
 * 32-bit (x86_64/compat/entry.S compat_create_bounce_frame): from ring 2/3 switch to kernel_ss:kernel_sp
 * and push ESP, SS; then EIP, CS | mask << 16, EFLAGS, [error code]. CS:EIP from the trap table / callback
 * ({cs, eip}; a null CS crashes the domain).
 *
 * Exceptions follow pv/traps.c pv_inject_event (trap_info flag bit 2 → events masked like an interrupt
 * gate; #PF writes CR2 into vcpu_info.arch.cr2 and fixes the error code's U bit), software interrupts
 * traps.c do_general_protection (permit_softint), SYSCALL x86_64/entry.S lstar_enter/switch_to_kernel
 * (#UD when no callback is registered, Xen 4.15+ ca6fcf4321b3). Xen 4.17 throughout.
 */
import { Reg } from '../../cpu/api-types';
import { AC, CR0_TS, CS, DF, GS, IF, IOPL_MASK, NT, RF, SS, TF, VM } from '../../cpu/constants';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';
import { loadSelector } from './descriptors';
import { FLAT_KERNEL_CS64, FLAT_KERNEL_SS64, HYPERVISOR_VIRT_END_64, HYPERVISOR_VIRT_START_64 } from './layout';
import { loadGuestCr3 } from './mmu';
import { CALLBACKTYPE, pvOf } from './state';

/** VMASST_TYPE_architectural_iopl (public/xen.h). */
const VMASST_ARCH_IOPL = 4n;
/** X86_EXC_HAVE_EC: vectors that push an error code (#DF #TS #NP #SS #GP #PF #AC #CP). */
const HAVE_EC = (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21);

const EXC_NAMES = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', '#CSO', '#TS', '#NP', '#SS', '#GP', '#PF',
  '#15', '#MF', '#AC', '#MC', '#XM', '#VE', '#CP'];
const excName = (v: number): string => EXC_NAMES[v] ?? `vector ${v}`;

/** Where a bounce goes and how (struct trap_bounce). */
export interface TrapBounce {
  /** Target: 64-bit address, or EIP for 32-bit guests. */
  eip: bigint;
  /** 32-bit guests: target code selector. */
  cs: number;
  errorCode?: number;
  /** TBF_INTERRUPT: set evtchn_upcall_mask on delivery. */
  interrupt: boolean;
  /** For messages: what is being delivered. */
  what: string;
}

/** guest_kernel_mode(): 64-bit guests by Xen's flag, 32-bit ones by ring 1. */
export function guestKernelMode(v: Vcpu): boolean {
  return v.domain.pvBits === 64 ? pvOf(v).kernelMode : v.cpu.cpl === 1;
}

/** toggle_guest_mode(): swapgs and switch page tables between the guest's kernel and user bases. */
export function toggleGuestMode(v: Vcpu): void {
  const pv = pvOf(v);
  const cpu = v.cpu;
  const gs = cpu.getSegment(GS);
  if (pv.kernelMode) pv.gsBaseKernel = gs.base; else pv.gsBaseUser = gs.base;
  const other = cpu.msrKernelGsBase;
  cpu.msrKernelGsBase = gs.base;
  cpu.setSegment(GS, { ...gs, base: other });
  pv.kernelMode = !pv.kernelMode;
  loadGuestCr3(v);
}

const upcallMaskOf = (v: Vcpu): number => v.domain.vcpuInfo(v.id)?.getNum('evtchn_upcall_mask') ?? 1;

function setUpcallMask(v: Vcpu, m: number): void {
  v.domain.vcpuInfo(v.id)?.set('evtchn_upcall_mask', m);
}

/** RFLAGS as the frame shows it: IF = !saved mask, IOPL virtual (architectural_iopl) or 0. */
function frameFlags(v: Vcpu, rflags: number, savedMask: number): number {
  let f = rflags & ~(IF | IOPL_MASK);
  if (!savedMask) f |= IF;
  if ((v.domain.vmAssist >> VMASST_ARCH_IOPL) & 1n) f |= (pvOf(v).iopl & 3) << 12;
  return f >>> 0;
}

/**
 * create_bounce_frame / compat_create_bounce_frame. Returns false after crashing the domain (null target,
 * bad or unwritable guest stack, unloadable selector).
 */
function createBounceFrame(hv: Hypervisor, v: Vcpu, tb: TrapBounce): boolean {
  return v.domain.pvBits === 64 ? bounce64(hv, v, tb) : bounce32(hv, v, tb);
}

function crash(hv: Hypervisor, v: Vcpu, why: string): false {
  hv.crashDomain(v.domain, 'crash', `domain_crash: ${why} (${v.label} at rip 0x${v.cpu.rip.toString(16)})`, v);
  return false;
}

function bounce64(hv: Hypervisor, v: Vcpu, tb: TrapBounce): boolean {
  const cpu = v.cpu;
  const pv = pvOf(v);
  if (tb.eip === 0n) return crash(hv, v, `${tb.what}: no guest handler registered (create_bounce_frame_bad_bounce_ip)`);
  let cs = cpu.getSegment(CS).selector;
  const ss = cpu.getSegment(SS).selector;
  const rsp = cpu.getReg(Reg.RSP);
  const rip = cpu.rip;
  const rflags = Number(cpu.rflags);
  let sp: bigint;
  if (!pv.kernelMode) {
    toggleGuestMode(v);
    sp = pv.kernelSp;
  } else {
    sp = rsp;
    cs &= 0xfffc; // tells the guest it interrupted its kernel
  }
  sp = BigInt.asUintN(64, sp) & ~15n;
  // The frame must sit in guest space: at or below Xen's range, or above it with room (entry.S range check).
  if (!(sp <= HYPERVISOR_VIRT_START_64 || sp >= HYPERVISOR_VIRT_END_64 + 64n)) {
    return crash(hv, v, `${tb.what}: kernel stack 0x${sp.toString(16)} lies in Xen's address range (create_bounce_frame_bad_sp)`);
  }
  const savedMask = upcallMaskOf(v);
  const words: bigint[] = [cpu.getReg(Reg.RCX), cpu.getReg(Reg.R11)];
  if (tb.errorCode !== undefined) words.push(BigInt(tb.errorCode >>> 0));
  words.push(rip, BigInt(cs) | (BigInt(savedMask & 0xff) << 32n), BigInt(frameFlags(v, rflags, savedMask)), rsp, BigInt(ss));
  const frame = new Uint8Array(words.length * 8);
  const dv = new DataView(frame.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, w), true));
  const base = sp - BigInt(frame.length);
  if (!v.guest.write(base, frame)) {
    return crash(hv, v, `${tb.what}: fault writing the bounce frame to the guest kernel stack at 0x${base.toString(16)}`);
  }
  if (tb.interrupt) setUpcallMask(v, 1);
  const e1 = loadSelector(v, SS, FLAT_KERNEL_SS64);
  const e2 = loadSelector(v, CS, FLAT_KERNEL_CS64);
  if (e1 || e2) return crash(hv, v, `${tb.what}: ${e1 ?? e2}`);
  cpu.setReg(Reg.RSP, base);
  cpu.rflags = BigInt((rflags & ~(AC | VM | RF | NT | TF)) >>> 0);
  cpu.rip = tb.eip;
  return true;
}

function bounce32(hv: Hypervisor, v: Vcpu, tb: TrapBounce): boolean {
  const cpu = v.cpu;
  const pv = pvOf(v);
  if ((tb.cs & ~3) === 0) return crash(hv, v, `${tb.what}: null code selector 0x${tb.cs.toString(16)} (compat_bounce_null_selector)`);
  const cs = cpu.getSegment(CS).selector;
  const oldSs = cpu.getSegment(SS).selector;
  const esp = Number(cpu.getReg(Reg.RSP) & 0xffffffffn);
  const eflags = Number(cpu.rflags) >>> 0;
  const words: number[] = [];
  let sp: number, newSs: number;
  const fromOuter = (cs & 2) !== 0;
  if (fromOuter) {
    sp = Number(pv.kernelSp & 0xffffffffn);
    newSs = pv.kernelSs;
  } else {
    sp = esp;
    newSs = oldSs;
  }
  const savedMask = upcallMaskOf(v);
  if (tb.errorCode !== undefined) words.push(tb.errorCode >>> 0);
  words.push(Number(cpu.rip & 0xffffffffn), (cs | ((savedMask & 0xff) << 16)) >>> 0, frameFlags(v, eflags, savedMask));
  if (fromOuter) words.push(esp, oldSs);
  const frame = new Uint8Array(words.length * 4);
  const dv = new DataView(frame.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const base = (sp - frame.length) >>> 0;
  if (!v.guest.write(BigInt(base), frame)) {
    return crash(hv, v, `${tb.what}: fault writing the bounce frame to the guest kernel stack at 0x${base.toString(16)}`);
  }
  if (tb.interrupt) setUpcallMask(v, 1);
  if (fromOuter) {
    const e = loadSelector(v, SS, newSs);
    if (e) return crash(hv, v, `${tb.what}: kernel stack segment: ${e}`);
  }
  const e = loadSelector(v, CS, tb.cs);
  if (e) return crash(hv, v, `${tb.what}: ${e}`);
  cpu.setReg(Reg.RSP, BigInt(base));
  cpu.rflags = BigInt((eflags & ~(VM | RF | NT | TF)) >>> 0);
  cpu.rip = tb.eip & 0xffffffffn;
  return true;
}

/** The bounce for vector `vector` through the virtual IDT (pv_inject_event). */
export function trapBounceFor(v: Vcpu, vector: number, errorCode: number | undefined, what: string): TrapBounce {
  const ti = pvOf(v).traps.get(vector);
  return { eip: ti?.address ?? 0n, cs: ti?.cs ?? 0, errorCode, interrupt: ((ti?.flags ?? 0) & 4) !== 0, what };
}

/**
 * pv_inject_hw_exception(): delivers exception `vector` at the current RIP. `cr2` for #PF. Emits an
 * `exception` trace event. Returns false if the domain was crashed instead.
 */
export function injectException(hv: Hypervisor, v: Vcpu, vector: number, errorCode?: number, cr2?: bigint): boolean {
  const d = v.domain;
  let ec = (HAVE_EC >>> vector) & 1 ? (errorCode ?? 0) : undefined;
  if (vector === 14) {
    const addr = cr2 ?? 0n;
    const pv = pvOf(v);
    pv.cr2 = addr;
    v.cpu.setControl('cr2', addr);
    d.vcpuInfo(v.id)?.set('arch.cr2', addr);
    // The U bit says whether the guest was in its user mode, not what the (ring-3) hardware saw.
    ec = ((ec ?? 0) & ~4) | (guestKernelMode(v) ? 0 : 4);
  }
  const args: Record<string, string | number> = { vector, rip: `0x${v.cpu.rip.toString(16)}` };
  if (ec !== undefined) args.errorCode = `0x${ec.toString(16)}`;
  if (vector === 14) args.cr2 = `0x${(cr2 ?? 0n).toString(16)}`;
  const tb = trapBounceFor(v, vector, ec, `unhandled ${excName(vector)} fault/trap [vector ${vector}${ec !== undefined ? `, ec=0x${ec.toString(16)}` : ''}]`);
  hv.emit('exception', d, v, excName(vector), { args, text: tb.eip === 0n ? 'no handler in the virtual IDT' : undefined });
  return createBounceFrame(hv, v, tb);
}

/** pv_inject_sw_interrupt(): `int $n` permitted by the trap table's DPL; RIP already past the instruction. */
export function injectSoftInterrupt(hv: Hypervisor, v: Vcpu, vector: number): boolean {
  hv.emit('exception', v.domain, v, `int 0x${vector.toString(16)}`, { args: { vector, rip: `0x${v.cpu.rip.toString(16)}` } });
  return createBounceFrame(hv, v, trapBounceFor(v, vector, undefined, `software interrupt 0x${vector.toString(16)}`));
}

/** permit_softint(): DPL ≥ 1 from guest kernel mode, DPL 3 from user mode. */
export function permitSoftint(v: Vcpu, vector: number): boolean {
  const dpl = (pvOf(v).traps.get(vector)?.flags ?? 0) & 3;
  return dpl >= (guestKernelMode(v) ? 1 : 3);
}

/** SYSCALL from 64-bit guest user mode: bounce to the syscall callback in kernel mode (lstar_enter). */
export function syscallBounce(hv: Hypervisor, v: Vcpu, length: number): boolean {
  const cpu = v.cpu;
  const pv = pvOf(v);
  const cb = pv.callbacks.get(CALLBACKTYPE.syscall);
  if (!cb || cb.address === 0n) {
    // No callback: #UD on the SYSCALL instruction (Xen 4.15+).
    return injectException(hv, v, 6);
  }
  const next = cpu.rip + BigInt(length);
  // What the SYSCALL instruction itself does: RCX = return RIP, R11 = RFLAGS.
  cpu.setReg(Reg.RCX, next);
  cpu.setReg(Reg.R11, cpu.rflags);
  cpu.rip = next;
  const ok = createBounceFrame(hv, v, { eip: cb.address, cs: 0, interrupt: pv.syscallDisablesEvents, what: 'syscall callback' });
  if (ok) cpu.rflags = cpu.rflags & ~BigInt(DF);
  return ok;
}

/** The event callback with events masked (test_guest_events → TBF_INTERRUPT bounce). */
export function eventCallbackBounce(hv: Hypervisor, v: Vcpu): boolean {
  const cb = pvOf(v).callbacks.get(CALLBACKTYPE.event);
  return createBounceFrame(hv, v, { eip: cb?.address ?? 0n, cs: cb?.cs ?? 0, interrupt: true, what: 'event callback' });
}

/** do_fpu_taskswitch(): the guest's virtual CR0.TS, mirrored into the core so FPU use raises #NM. */
export function fpuTaskswitch(v: Vcpu, set: boolean): void {
  const pv = pvOf(v);
  pv.cr0Ts = set;
  const cr0 = v.cpu.getControl('cr0');
  v.cpu.setControl('cr0', set ? cr0 | BigInt(CR0_TS) : cr0 & ~BigInt(CR0_TS));
}

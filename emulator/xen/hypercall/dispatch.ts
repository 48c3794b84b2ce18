/**
 * Hypercall entry and exit for every guest type (fact sheet §2.1): read the number and arguments from the
 * registers of the caller's ABI, pick the handler the per-type dispatch table allows (§1, per profile),
 * run it, and write the result back, or apply a continuation (§3.1). Also the debug-build register
 * poisoning and the trace events.
 */
import { Reg } from '../../cpu/api-types';
import { errnoName, isErrorReturn, XenErrno } from '../errno';
import { hypercallByNr } from '../hypercall-table';
import { profileHypercallHandler } from '../profiles';
import type { Vcpu } from '../vcpu';
import type { Hypervisor } from '../hypervisor';
import { Continuation, HypercallContext, HypercallHandler, NO_RETURN } from './context';
import { hypercallParams } from './signatures';
import { subopName } from './subops';

/** Argument registers: native rdi, rsi, rdx, r10, r8 (r9); compat ebx, ecx, edx, esi, edi (ebp) (§2.1). */
export const NATIVE_ARG_REGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9] as const;
export const COMPAT_ARG_REGS = [Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.RBP] as const;

/** clobber_regs64/32 poison values (xen/arch/x86/include/asm/hypercall.h), debug builds only. */
const POISON64 = 0xdeadbeefdeadf00dn;
const POISON32 = 0xdeadf00dn;

export type HandlerTable = ReadonlyMap<number, HypercallHandler>;

/**
 * Executes the hypercall instruction at vcpu's RIP (`length` bytes: syscall/int 0x82 = 2, vmcall = 3).
 * On return RIP is past it; after a continuation RIP stays on it (PV: Xen's rip -= 2; HVM: not advanced).
 */
export function dispatchHypercall(hv: Hypervisor, vcpu: Vcpu, handlers: HandlerTable, length: number): void {
  const cpu = vcpu.cpu;
  const guestType = vcpu.guestType();
  const compat = guestType === 'pv32' || guestType === 'hvm32';
  const rip = cpu.rip;
  const regs = compat ? COMPAT_ARG_REGS : NATIVE_ARG_REGS;
  const width = compat ? 32 : 64;
  // The number is the whole register (HEAD pv/hypercall.c, hvm/hypercall.c): high bits → -ENOSYS.
  const rawNr = BigInt.asUintN(width, cpu.getReg(Reg.RAX));
  const nr = rawNr < 0x10000n ? Number(rawNr) : -1;
  const info = nr >= 0 ? hypercallByNr(nr) : undefined;
  const name = info?.name ?? `hypercall_${rawNr}`;
  const nargs = vcpu.domain.profile.hypercallArgs;
  const args = regs.slice(0, nargs).map((r) => BigInt.asUintN(width, cpu.getReg(r)));
  const ctx = new HypercallContext(hv, vcpu, nr, name, args, guestType);
  ctx.subop = args.length > 0 ? subopName(name, args[0]) : undefined;

  const prev = vcpu.hypercall;
  ctx.resumed = prev !== undefined && prev.state === 'preempted' && prev.nr === nr && prev.rip === rip;
  if (!ctx.resumed) vcpu.preemptions = 0;

  const finish = (ret: bigint, traceOnly = false): void => {
    const value = BigInt.asIntN(width, ret);
    if (!traceOnly) {
      if (compat) cpu.setReg(Reg.RAX, (cpu.getReg(Reg.RAX) & ~0xffffffffn) | BigInt.asUintN(32, value));
      else cpu.setReg(Reg.RAX, BigInt.asUintN(64, value));
    }
    const n = Number(value);
    const errno = isErrorReturn(n) ? errnoName(-n) : undefined;
    vcpu.hypercall = {
      nr, name, subop: ctx.subop, args, abi: ctx.abi, rip, state: 'returned', ret: value, errno,
      continuation: ctx.resumed && prev?.continuation ? { ...prev.continuation } : undefined,
    };
    hv.traceHypercall(vcpu, 'hypercall-return', ctx, { ret: n, errno });
  };

  // HVM: hypercalls from CPL != 0 get -EPERM without dispatch (§2.1).
  if (vcpu.domain.isHvm && cpu.cpl !== 0) {
    hv.traceHypercall(vcpu, 'hypercall', ctx);
    finish(BigInt(-XenErrno.EPERM));
    cpu.rip = rip + BigInt(length);
    return;
  }

  const kind = nr >= 0 ? profileHypercallHandler(vcpu.domain.profile, nr, guestType) : null;
  const handler = kind ? handlers.get(nr) : undefined;
  hv.traceHypercall(vcpu, 'hypercall', ctx);
  if (!handler) {
    if (kind) hv.warn(vcpu, `${name} is a valid ${guestType} hypercall in Xen ${vcpu.domain.profile.name} but is not emulated yet; returned -ENOSYS`);
    finish(BigInt(-XenErrno.ENOSYS));
    cpu.rip = rip + BigInt(length);
    return;
  }

  vcpu.hypercall = { nr, name, args, abi: ctx.abi, rip, state: 'running' };
  const result = handler(ctx);
  if (vcpu.hypercall) vcpu.hypercall.subop = ctx.subop;

  if (result === NO_RETURN) {
    if (vcpu.hypercall?.state === 'running') vcpu.hypercall.state = 'returned';
    hv.traceHypercall(vcpu, 'hypercall-return', ctx, { noReturn: true });
    return;
  }
  if (typeof result === 'object') {
    applyContinuation(hv, vcpu, ctx, result, regs, width, rip);
    return;
  }
  const ret = BigInt(result);
  finish(ret);
  cpu.rip = rip + BigInt(length);
  // PV64 returns like sysret: rcx = next RIP, r11 = RFLAGS, which the hypercall-page stub saves (§2.2).
  if (guestType === 'pv64') {
    cpu.setReg(Reg.RCX, cpu.rip);
    cpu.setReg(Reg.R11, cpu.rflags);
  }
  if (vcpu.domain.profile.poisonHypercallArgs && ret !== BigInt(-XenErrno.ENOSYS)) {
    const used = hypercallParams(name, compat).length;
    for (let i = 0; i < Math.min(used, nargs); i++) cpu.setReg(regs[i], compat ? (cpu.getReg(regs[i]) & ~0xffffffffn) | POISON32 : POISON64);
  }
}

function applyContinuation(hv: Hypervisor, vcpu: Vcpu, ctx: HypercallContext, c: Continuation,
  regs: readonly Reg[], width: number, rip: bigint): void {
  const cpu = vcpu.cpu;
  for (let i = 0; i < c.args.length && i < regs.length; i++) {
    const v = BigInt.asUintN(width, c.args[i]);
    cpu.setReg(regs[i], width === 32 ? (cpu.getReg(regs[i]) & ~0xffffffffn) | v : v);
  }
  const nr = BigInt(ctx.nr);
  cpu.setReg(Reg.RAX, width === 32 ? (cpu.getReg(Reg.RAX) & ~0xffffffffn) | nr : nr);
  cpu.rip = rip;
  vcpu.preemptions++;
  vcpu.hypercall = {
    nr: ctx.nr, name: ctx.name, subop: ctx.subop, args: [...ctx.args], abi: ctx.abi, rip, state: 'preempted',
    continuation: { encoded: c.encoding, progress: c.progress, preemptions: vcpu.preemptions },
  };
  hv.traceContinuation(vcpu, ctx, c);
}

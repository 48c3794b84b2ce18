/**
 * A PV vCPU's processor state: the fixed part Xen imposes (paging on with WP, PAE, long mode for 64-bit
 * guests, Xen's GDT and flat selectors), and VCPUOP_initialise's vcpu_guest_context (arch_set_info_guest in
 * xen/arch/x86/domain.c, Xen 4.17): registers, flags, virtual IDT, callbacks, kernel stack, control
 * registers (CR3 in xen_pfn_to_cr3 format, rotated for 32-bit guests), the user page table in ctrlreg[1]
 * for 64-bit guests, GDT frames and segment bases.
 *
 * Not modelled: the FPU context, debug registers (kept, not applied), vm_assist from the context, LDT
 * frames (ldt_base/ents are recorded and checked; the LDT is mapped on MMUEXT_SET_LDT only). The checks
 * VCPUOP_initialise does before arch_set_info_guest (-EEXIST for an initialised vCPU, the dummy vcpu_info
 * check, -EFAULT on the copy) belong to the vcpu_op caller.
 */
import { Reg } from '../../cpu/api-types';
import {
  CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR0_AM, CR4_PAE, CR4_PGE, CS, DS, EFER_LMA, EFER_LME, EFER_NXE,
  EFER_SCE, ES, FS, GS, IF, IOPL_MASK, SS, VM,
} from '../../cpu/constants';
import type { StructView } from '../abi/layout';
import { VGCF } from '../abi/pv-structs';
import { XenErrno } from '../errno';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';
import { destroyGdt, fixupGuestSelector, initVcpuGdt, loadSelector, setGdt } from './descriptors';
import { getPageAndType, loadGuestCr3, ownedByDomain, putPageType, rootType, setRoMpt } from './mmu';
import { CALLBACKTYPE, PgType, PvVcpuState, pvDomainStateOf } from './state';

const VMASST_M2P_STRICT = 32n;

/** Xen's CR0 for PV guests (read_cr0(): PE MP ET NE WP AM PG; TS is the guest's virtual one). */
const PV_CR0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;

/**
 * The processor state Xen runs every PV vCPU with: paging (4-level for PV64, PAE for PV32), CR0.WP so read-
 * only page tables hold against the kernel, EFER.NX (and long mode + SYSCALL for PV64), Xen's GDT, no IDT.
 */
export function setupPvCpu(v: Vcpu): void {
  const cpu = v.cpu;
  const pv = v.pv ?? (v.pv = new PvVcpuState());
  const bits = v.domain.pvBits;
  const L = pvDomainStateOf(v.domain).layout;
  if (bits === 32) pv.paeShadowMfn = L.paeShadowMfns[v.id];
  cpu.setControl('cr4', BigInt(CR4_PAE | CR4_PGE));
  cpu.setControl('efer', BigInt(bits === 64 ? EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE : EFER_NXE));
  cpu.setControl('cr0', BigInt(PV_CR0 | (pv.cr0Ts ? CR0_TS : 0)));
  pv.cr4 = BigInt(CR4_PAE | CR4_PGE);
  initVcpuGdt(v);
  loadGuestCr3(v);
}

const canonical = (a: bigint): boolean => { const t = BigInt.asIntN(64, a) >> 47n; return t === 0n || t === -1n; };

/** The page-frame number in a CR3 value: plain for 64-bit, "extended CR3" rotation for 32-bit (§4). */
function cr3ToPfn(bits: 64 | 32, cr3: bigint): number {
  if (bits === 64) return Number(cr3 >> 12n);
  const c = Number(cr3 & 0xffffffffn);
  return ((c >>> 12) | (c << 20)) >>> 0;
}

/**
 * VCPUOP_initialise for a PV vCPU: loads `c` (a vcpu_guest_context in the caller's ABI) into `target`.
 * Returns 0, or -EINVAL for a context Xen rejects (non-canonical addresses, bad LDT, bad GDT frames, a CR3
 * or user page table the domain cannot use, unloadable CS/SS).
 */
export function pvInitialiseVcpu(hv: Hypervisor, target: Vcpu, c: StructView): number {
  const d = target.domain;
  const s = pvDomainStateOf(d);
  const compat = c.layout.abi === 'x86_32';
  const bits = d.pvBits;
  const flags = Number(c.getBig('flags') & 0xffffffffn);
  const r = c.sub('user_regs');
  const reg = (n64: string, n32: string): bigint => compat ? r.getBig(n32) : r.getBig(n64);

  // ---- validation (no state changes yet) ----
  if (!compat) {
    const addrs = [r.getBig('rip'), r.getBig('rsp'), c.getBig('ldt_base'), c.getBig('kernel_sp'),
      c.getBig('event_callback_eip'), c.getBig('failsafe_callback_eip'), c.getBig('syscall_callback_eip'),
      c.getBig('fs_base'), c.getBig('gs_base_kernel'), c.getBig('gs_base_user')];
    for (let i = 0; i < 256; i++) addrs.push(c.sub('trap_ctxt', i).getBig('address'));
    if (!addrs.every(canonical)) return -XenErrno.EINVAL;
  }
  const ldtBase = c.getBig('ldt_base'), ldtEnts = Number(c.getBig('ldt_ents'));
  if ((ldtBase & 0xfffn) !== 0n || ldtEnts > 8192) return -XenErrno.EINVAL;
  const gdtEnts = Number(c.getBig('gdt_ents'));
  if (gdtEnts > 7168) return -XenErrno.EINVAL;
  const cr3Mfn = cr3ToPfn(bits, c.getBig('ctrlreg', 3));
  if (!ownedByDomain(s, cr3Mfn)) return -XenErrno.EINVAL;
  const userMfn = bits === 64 ? cr3ToPfn(64, c.getBig('ctrlreg', 1)) : 0;
  if (userMfn === 0 && bits === 64 && !(flags & VGCF.in_kernel)) return -XenErrno.EINVAL;

  const pv = target.pv ?? (target.pv = new PvVcpuState());
  // ---- GDT and page tables (references taken; undone on failure) ----
  setupPvCpu(target);
  const frames: number[] = [];
  for (let i = 0; i < Math.ceil(gdtEnts / 512); i++) frames.push(Number(c.getBig('gdt_frames', i)));
  if (setGdt(target, frames, gdtEnts) < 0) return -XenErrno.EINVAL;
  if (getPageAndType(d, cr3Mfn, rootType(s)) < 0) { destroyGdt(target); return -XenErrno.EINVAL; }
  const m2pStrict = ((d.vmAssist >> VMASST_M2P_STRICT) & 1n) === 1n;
  if (bits === 64 && !m2pStrict) setRoMpt(d, cr3Mfn, true);
  if (userMfn !== 0) {
    if (!ownedByDomain(s, userMfn) || getPageAndType(d, userMfn, PgType.L4) < 0) {
      putPageType(d, cr3Mfn);
      destroyGdt(target);
      return -XenErrno.EINVAL;
    }
    if (m2pStrict) setRoMpt(d, userMfn, false);
  }
  if (pv.kernelBaseMfn) putPageType(d, pv.kernelBaseMfn);
  if (pv.userBaseMfn) putPageType(d, pv.userBaseMfn);
  pv.kernelBaseMfn = cr3Mfn;
  pv.userBaseMfn = userMfn;

  // ---- Xen's per-vCPU state ----
  pv.kernelMode = bits === 64 ? (flags & VGCF.in_kernel) !== 0 : true;
  pv.failsafeDisablesEvents = (flags & VGCF.failsafe_disables_events) !== 0;
  pv.syscallDisablesEvents = (flags & VGCF.syscall_disables_events) !== 0;
  pv.traps.clear();
  for (let i = 0; i < 256; i++) {
    const t = c.sub('trap_ctxt', i);
    const address = t.getBig('address');
    if (address === 0n && t.getNum('flags') === 0) continue;
    pv.traps.set(i, { vector: i, flags: t.getNum('flags'), cs: fixupGuestSelector(d, t.getNum('cs')), address });
  }
  pv.kernelSs = fixupGuestSelector(d, Number(c.getBig('kernel_ss') & 0xffffn));
  pv.kernelSp = c.getBig('kernel_sp');
  pv.callbacks.clear();
  const cbCs = (name: string): number => compat ? fixupGuestSelector(d, Number(c.getBig(name) & 0xffffn)) : 0;
  pv.callbacks.set(CALLBACKTYPE.event, { cs: cbCs('event_callback_cs'), address: c.getBig('event_callback_eip'), maskEvents: false });
  pv.callbacks.set(CALLBACKTYPE.failsafe, { cs: cbCs('failsafe_callback_cs'), address: c.getBig('failsafe_callback_eip'), maskEvents: pv.failsafeDisablesEvents });
  if (!compat) pv.callbacks.set(CALLBACKTYPE.syscall, { cs: 0, address: c.getBig('syscall_callback_eip'), maskEvents: pv.syscallDisablesEvents });
  pv.cr0Ts = (c.getBig('ctrlreg', 0) & BigInt(CR0_TS)) !== 0n;
  pv.cr2 = c.getBig('ctrlreg', 2);
  pv.ldtBase = ldtBase;
  pv.ldtEnts = ldtEnts;
  for (let i = 0; i < 8; i++) pv.debugreg[i] = c.getBig('debugreg', i);
  target.cpu.setControl('cr0', BigInt(PV_CR0 | (pv.cr0Ts ? CR0_TS : 0)));
  loadGuestCr3(target);
  d.vcpuInfo(target.id)?.set('arch.cr2', pv.cr2);

  // ---- registers ----
  const cpu = target.cpu;
  const gprs: [Reg, string, string][] = [
    [Reg.RAX, 'rax', 'eax'], [Reg.RBX, 'rbx', 'ebx'], [Reg.RCX, 'rcx', 'ecx'], [Reg.RDX, 'rdx', 'edx'],
    [Reg.RSI, 'rsi', 'esi'], [Reg.RDI, 'rdi', 'edi'], [Reg.RBP, 'rbp', 'ebp'], [Reg.RSP, 'rsp', 'esp'],
  ];
  for (const [rg, n64, n32] of gprs) cpu.setReg(rg, reg(n64, n32));
  if (!compat) {
    const hi: [Reg, string][] = [[Reg.R8, 'r8'], [Reg.R9, 'r9'], [Reg.R10, 'r10'], [Reg.R11, 'r11'],
      [Reg.R12, 'r12'], [Reg.R13, 'r13'], [Reg.R14, 'r14'], [Reg.R15, 'r15']];
    for (const [rg, n] of hi) cpu.setReg(rg, r.getBig(n));
  }
  cpu.rip = reg('rip', 'eip');
  const rflags = Number(reg('rflags', 'eflags') & 0xffffffffn);
  // IOPL is virtualised; real interrupts stay enabled.
  pv.iopl = (rflags >> 12) & 3;
  cpu.rflags = BigInt(((rflags & ~(IOPL_MASK | VM)) | IF | 2) >>> 0);
  const sel = (name: string): number => fixupGuestSelector(d, r.getNum(name));
  const err = loadSelector(target, SS, sel('ss')) ?? loadSelector(target, CS, sel('cs'));
  if (err) {
    hv.warn(target, `VCPUOP_initialise: ${err}`);
    return -XenErrno.EINVAL;
  }
  for (const [seg, name] of [[DS, 'ds'], [ES, 'es'], [FS, 'fs'], [GS, 'gs']] as const) {
    if (loadSelector(target, seg, r.getNum(name))) loadSelector(target, seg, 0);
  }
  if (!compat) {
    pv.fsBase = c.getBig('fs_base');
    pv.gsBaseKernel = c.getBig('gs_base_kernel');
    pv.gsBaseUser = c.getBig('gs_base_user');
    cpu.setSegment(FS, { ...cpu.getSegment(FS), base: pv.fsBase });
    const active = pv.kernelMode ? pv.gsBaseKernel : pv.gsBaseUser;
    cpu.setSegment(GS, { ...cpu.getSegment(GS), base: active });
    cpu.msrKernelGsBase = pv.kernelMode ? pv.gsBaseUser : pv.gsBaseKernel;
  }
  cpu.halted = false;
  target.initialised = true;
  if (flags & VGCF.online) target.down = false;
  return 0;
}

/**
 * VCPUOP_initialise for HVM/PVH vCPUs: validate a struct vcpu_hvm_context and load it into the vCPU's core
 * (xen/arch/x86/hvm/domain.c arch_set_info_hvm_guest / check_segment, Xen 4.17; fact sheet §4.1, §4.2, §5.2).
 *
 * Facts used: mode 0 = 32-bit fields (vcpu_hvm_x86_32), 1 = 64-bit fields; pad and pad1/pad2 must be zero.
 * 32-bit: each segment comes as base/limit/_ar; present segments get the accessed bit (TR: busy); a null (_ar 0)
 * segment is allowed only for DS/ES; TR must be a system busy 32-bit TSS; CS must be code, SS writable data,
 * DS/ES readable; EIP within the CS limit (scaled by G); SS.DPL = CS.DPL; DS/ES DPL ≤ CS.DPL; EFER.LMA needs
 * EFER.LME. 64-bit: RIP canonical, CR0.PG, CR4.PAE, EFER.LME required; segments are fixed: CS _ar 0xa9b,
 * DS/SS/ES 0xc93 (limit ~0), TR 0x8b (limit 0x67), all bases 0. Both: EFER.LME implies LMA; bad CR4 or EFER bits
 * → -EINVAL. Selectors are 0. The vCPU is initialised but stays down until VCPUOP_up.
 *
 * Our core's limits: "valid CR4/EFER bits" are the ones the core implements (cpu/constants.ts CR4_SUPPORTED,
 * EFER SCE/LME/LMA/NXE) instead of Xen's CPUID-policy-derived masks.
 */
import { Reg, Seg } from '../../cpu/api-types';
import {
  ATTR_UNUSABLE, CR0_PG, CR4_PAE, CR4_SUPPORTED, EFER_LMA, EFER_LME, EFER_WRITABLE,
} from '../../cpu/constants';
import type { StructView } from '../abi/layout';
import { XenErrno } from '../errno';
import { isCanonical } from '../guest-access';
import type { Vcpu } from '../vcpu';
import { VCPU_HVM_MODE_32B, VCPU_HVM_MODE_64B } from '../abi/hypercall-structs';

/** TR is index 7 in our core (ES CS SS DS FS GS LDTR TR). */
const TR = 7;
const SYS_DESC_TSS_BUSY = 0xb;

interface SegReg { base: bigint; limit: number; ar: number }

/** Our core's attribute word (descriptor bits 40-47, and 52-55 at 12-15) from Xen's 12-bit `_ar`; null → unusable. */
export const coreAttr = (ar: number): number => (ar === 0 ? ATTR_UNUSABLE : (ar & 0xff) | ((ar & 0xf00) << 4));

const p = (s: SegReg): boolean => (s.ar & 0x80) !== 0;
const dpl = (s: SegReg): number => (s.ar >> 5) & 3;
const type = (s: SegReg): number => s.ar & 0xf;

/** check_segment (hvm/domain.c). */
function checkSegment(s: SegReg, seg: 'cs' | 'ds' | 'ss' | 'es' | 'tr'): boolean {
  if (s.ar & 0xf000) return false; // attribute bits 12-15 must be zero
  if (s.ar === 0) return seg === 'ds' || seg === 'es';
  const isSystem = (s.ar & 0x10) === 0;
  if (seg === 'tr') {
    if (!isSystem || type(s) !== SYS_DESC_TSS_BUSY) return false;
  } else if (isSystem) {
    return false;
  }
  if (!p(s)) return false;
  switch (seg) {
    case 'cs': return (type(s) & 8) !== 0;
    case 'ss': return (type(s) & 8) === 0 && (type(s) & 2) !== 0;
    case 'ds': case 'es': return !((type(s) & 8) && !(type(s) & 2));
    default: return true;
  }
}

/**
 * Loads a vcpu_hvm_context (already copied in) into `v`. Returns 0 or a negative errno; on error the vCPU is
 * left untouched. Does not check "already initialised" (the caller does, after the copy, as Xen does).
 */
export function hvmInitialiseVcpu(v: Vcpu, ctx: StructView): number {
  if (ctx.getNum('pad') !== 0) return -XenErrno.EINVAL;
  const mode = ctx.getNum('mode');
  let gprs: bigint[]; // rax rcx rdx rbx rsp rbp rsi rdi
  let rip: bigint, rflags: bigint, cr0: bigint, cr3: bigint, cr4: bigint, efer: bigint;
  let segs: Record<'cs' | 'ds' | 'ss' | 'es' | 'tr', SegReg>;

  if (mode === VCPU_HVM_MODE_32B) {
    const r = ctx.sub('cpu_regs.x86_32');
    if (r.getNum('pad1') !== 0 || [0, 1, 2].some((i) => r.getNum('pad2', i) !== 0)) return -XenErrno.EINVAL;
    const seg = (n: 'cs' | 'ds' | 'ss' | 'es' | 'tr'): SegReg => {
      let ar = r.getNum(`${n}_ar`);
      // Set the accessed (TR: busy) bit of present segments.
      if (ar & 0x80) ar |= n === 'tr' ? 2 : 1;
      return { base: BigInt(r.getNum(`${n}_base`)), limit: r.getNum(`${n}_limit`), ar };
    };
    segs = { cs: seg('cs'), ds: seg('ds'), ss: seg('ss'), es: seg('es'), tr: seg('tr') };
    for (const n of ['cs', 'ds', 'ss', 'es', 'tr'] as const) if (!checkSegment(segs[n], n)) return -XenErrno.EINVAL;
    const cs = segs.cs;
    // The limit check scales by G (xen computes (limit << 12) | 0xfff in 32 bits).
    const limit = cs.ar & 0x800 ? ((cs.limit << 12) | 0xfff) >>> 0 : cs.limit >>> 0;
    if (r.getNum('eip') > limit) return -XenErrno.EINVAL;
    if (dpl(segs.ss) !== dpl(cs)) return -XenErrno.EINVAL;
    if (p(segs.ds) && dpl(segs.ds) > dpl(cs)) return -XenErrno.EINVAL;
    if (p(segs.es) && dpl(segs.es) > dpl(cs)) return -XenErrno.EINVAL;
    efer = r.getBig('efer');
    if ((efer & BigInt(EFER_LMA)) && !(efer & BigInt(EFER_LME))) return -XenErrno.EINVAL;
    gprs = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'].map((n) => BigInt(r.getNum(n)));
    rip = BigInt(r.getNum('eip'));
    rflags = BigInt(r.getNum('eflags'));
    cr0 = BigInt(r.getNum('cr0'));
    cr3 = BigInt(r.getNum('cr3'));
    cr4 = BigInt(r.getNum('cr4'));
  } else if (mode === VCPU_HVM_MODE_64B) {
    const r = ctx.sub('cpu_regs.x86_64');
    rip = r.getBig('rip');
    cr0 = r.getBig('cr0');
    cr4 = r.getBig('cr4');
    efer = r.getBig('efer');
    if (!isCanonical(rip)) return -XenErrno.EINVAL;
    if (!(cr0 & BigInt(CR0_PG >>> 0))) return -XenErrno.EINVAL;
    if (!(cr4 & BigInt(CR4_PAE))) return -XenErrno.EINVAL;
    if (!(efer & BigInt(EFER_LME))) return -XenErrno.EINVAL;
    gprs = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'].map((n) => r.getBig(n));
    rflags = r.getBig('rflags');
    cr3 = r.getBig('cr3');
    const flat = (ar: number): SegReg => ({ base: 0n, limit: 0xffffffff, ar });
    segs = { cs: flat(0xa9b), ds: flat(0xc93), ss: flat(0xc93), es: flat(0xc93), tr: { base: 0n, limit: 0x67, ar: 0x8b } };
  } else {
    return -XenErrno.EINVAL;
  }

  if (efer & BigInt(EFER_LME)) efer |= BigInt(EFER_LMA);
  if (cr4 & ~BigInt(CR4_SUPPORTED >>> 0)) return -XenErrno.EINVAL;
  if (efer & ~BigInt((EFER_WRITABLE | EFER_LMA) >>> 0)) return -XenErrno.EINVAL;

  const cpu = v.cpu;
  const order: Reg[] = [Reg.RAX, Reg.RCX, Reg.RDX, Reg.RBX, Reg.RSP, Reg.RBP, Reg.RSI, Reg.RDI];
  order.forEach((reg, i) => cpu.setReg(reg, gprs[i]));
  cpu.setControl('cr4', cr4);
  cpu.setControl('efer', efer);
  cpu.setControl('cr3', cr3);
  cpu.setControl('cr0', cr0);
  const load = (s: number, r: SegReg): void =>
    cpu.setSegment(s, { selector: 0, base: r.base, limit: r.limit, attributes: coreAttr(r.ar) });
  load(Seg.CS, segs.cs);
  load(Seg.DS, segs.ds);
  load(Seg.SS, segs.ss);
  load(Seg.ES, segs.es);
  load(TR, segs.tr);
  // Under VMX the CPL is SS.DPL; selectors are all 0 here.
  cpu.cpl = dpl(segs.ss);
  cpu.rflags = rflags | 2n;
  cpu.rip = rip;
  cpu.halted = false;
  return 0;
}

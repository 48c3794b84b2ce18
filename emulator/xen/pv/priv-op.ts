/**
 * Privileged-instruction emulation for PV guests (xen/arch/x86/pv/emul-priv-op.c, Xen 4.17): a #GP(0)
 * raised by the guest is first offered to the emulator, which accepts only what its `validate` hook lets
 * through — I/O instructions (per the virtual IOPL), CLTS, WBINVD, MOV to/from CR (and DR, not modelled
 * here), RDMSR/WRMSR, RDTSC, CPUID, and CLI/STI when the virtual IOPL allows them (then treated as no-ops).
 * Everything else (HLT, INVD, LGDT, SWAPGS…) is reported back as #GP to the guest. Register and control
 * instructions need guest kernel mode (x86_emulate's ring-0 checks see a faked DPL 0 there).
 *
 * Simplified: string I/O (INS/OUTS), MOV DR, XSETBV/RDTSCP and emulated CPUID faulting are not emulated
 * (they reach the guest as #GP); a domU has no I/O ports, so permitted IN reads all-ones and OUT is dropped.
 */
import { Reg } from '../../cpu/api-types';
import {
  CR0_TS, CR4_DE, CR4_FSGSBASE, CR4_TSD, FS, GS, MSR_EFER, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC,
} from '../../cpu/constants';
import type { Hypervisor } from '../hypervisor';
import type { Vcpu } from '../vcpu';
import { fpuTaskswitch, guestKernelMode } from './bounce';
import { newGuestCr3, ownedByDomain } from './mmu';
import { pvDomainStateOf, pvOf } from './state';

const MSR_MISC_ENABLE = 0x1a0;
/** CR4 bits a PV guest controls (pv/domain.c PV_CR4_GUEST_MASK, minus OSXSAVE: no XSAVE here). */
const CR4_GUEST_MASK = CR4_TSD | CR4_DE | CR4_FSGSBASE;

const VMASST_ARCH_IOPL = 4n;

/** What the decoder found. */
interface Decoded {
  len: number;
  opsize16: boolean;
  rexW: boolean;
  rexR: number;
  rexB: number;
  op: number;
  /** Second opcode byte for 0F xx. */
  op2: number;
  modrm: number;
  imm8: number;
}

function decode(bytes: Uint8Array, long64: boolean): Decoded | undefined {
  let i = 0;
  let opsize16 = false, rex = 0;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x66) opsize16 = true;
    else if (b === 0x67 || b === 0xf2 || b === 0xf3 || b === 0xf0 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26 || b === 0x64 || b === 0x65) continue;
    else break;
  }
  if (long64 && i < bytes.length && (bytes[i] & 0xf0) === 0x40) rex = bytes[i++];
  if (i >= bytes.length) return undefined;
  const op = bytes[i++];
  const out: Decoded = { len: 0, opsize16, rexW: (rex & 8) !== 0, rexR: (rex >> 2) & 1, rexB: rex & 1, op, op2: -1, modrm: -1, imm8: 0 };
  if (op === 0x0f) {
    if (i >= bytes.length) return undefined;
    out.op2 = bytes[i++];
    if (out.op2 === 0x20 || out.op2 === 0x22) {
      if (i >= bytes.length) return undefined;
      out.modrm = bytes[i++];
    }
  } else if (op === 0xe4 || op === 0xe5 || op === 0xe6 || op === 0xe7) {
    if (i >= bytes.length) return undefined;
    out.imm8 = bytes[i++];
  }
  out.len = i;
  return out;
}

/** iopl_ok(): the virtual IOPL against the guest's notional CPL (1 for its kernel, 0 with architectural_iopl). */
function ioplOk(v: Vcpu): boolean {
  const archIopl = ((v.domain.vmAssist >> VMASST_ARCH_IOPL) & 1n) === 1n;
  const cpl = guestKernelMode(v) ? (archIopl ? 0 : 1) : 3;
  return cpl <= (pvOf(v).iopl & 3);
}

/** read_cr0(): Xen's real CR0 with the guest's virtual TS. */
function guestCr0(v: Vcpu): bigint {
  return (v.cpu.getControl('cr0') & ~BigInt(CR0_TS)) | (pvOf(v).cr0Ts ? BigInt(CR0_TS) : 0n);
}

/** guest_efer(): the host's EFER; 32-bit guests see no LME/LMA and (Intel) no SCE. */
function guestEfer(v: Vcpu): bigint {
  const efer = v.cpu.getControl('efer');
  return v.domain.pvBits === 64 ? efer : efer & ~((1n << 8n) | (1n << 10n) | 1n);
}

function readMsr(v: Vcpu, msr: number): bigint | undefined {
  const cpu = v.cpu;
  const lm = v.domain.pvBits === 64;
  switch (msr) {
    case MSR_FS_BASE: return lm ? cpu.getSegment(FS).base : undefined;
    case MSR_GS_BASE: return lm ? cpu.getSegment(GS).base : undefined;
    case MSR_KERNEL_GS_BASE: return lm ? pvOf(v).gsBaseUser : undefined;
    case MSR_EFER: return guestEfer(v);
    case MSR_TSC: return BigInt.asUintN(64, BigInt(cpu.instructionsRetired) + cpu.tscOffset);
    // guest_misc_enable(): fast strings; BTS/PEBS unavailable, xTPR disabled (host bits vary).
    case MSR_MISC_ENABLE: return 1n | (1n << 11n) | (1n << 12n) | (1n << 23n);
    default: return undefined;
  }
}

const canonical = (a: bigint): boolean => { const t = BigInt.asIntN(64, a) >> 47n; return t === 0n || t === -1n; };

function writeMsr(v: Vcpu, msr: number, val: bigint): boolean {
  const cpu = v.cpu;
  const pv = pvOf(v);
  const lm = v.domain.pvBits === 64;
  switch (msr) {
    case MSR_FS_BASE:
      if (!lm || !canonical(val)) return false;
      cpu.setSegment(FS, { ...cpu.getSegment(FS), base: val });
      pv.fsBase = val;
      return true;
    case MSR_GS_BASE:
      if (!lm || !canonical(val)) return false;
      cpu.setSegment(GS, { ...cpu.getSegment(GS), base: val });
      pv.gsBaseKernel = val;
      return true;
    case MSR_KERNEL_GS_BASE:
      if (!lm || !canonical(val)) return false;
      cpu.msrKernelGsBase = val;
      pv.gsBaseUser = val;
      return true;
    case MSR_EFER:
      return val === guestEfer(v);
    default:
      return false;
  }
}

function crBits(v: Vcpu): 32 | 64 {
  return v.cpu.mode === 'long64' ? 64 : 32;
}

/** read_cr(): 0, 2, 3, 4. */
function readCr(v: Vcpu, n: number): bigint | undefined {
  const pv = pvOf(v);
  switch (n) {
    case 0: return guestCr0(v);
    case 2: return pv.cr2;
    case 4: return pv.cr4;
    case 3: {
      const mfn = BigInt(pv.kernelBaseMfn);
      // xen_pfn_to_cr3 (64-bit) / compat_pfn_to_cr3 (rotated "extended CR3", §4).
      return v.domain.pvBits === 64 ? mfn << 12n : ((mfn << 12n) | (mfn >> 20n)) & 0xffffffffn;
    }
    default: return undefined;
  }
}

/** write_cr(). */
function writeCr(v: Vcpu, n: number, val: bigint): boolean {
  const pv = pvOf(v);
  const d = v.domain;
  switch (n) {
    case 0:
      // Only TS may change (do_fpu_taskswitch); anything else is "unmodifiable CR0 flags".
      if (((val ^ guestCr0(v)) & ~BigInt(CR0_TS)) !== 0n) return false;
      fpuTaskswitch(v, (val & BigInt(CR0_TS)) !== 0n);
      return true;
    case 2:
      pv.cr2 = val;
      d.vcpuInfo(v.id)?.set('arch.cr2', val);
      return true;
    case 3: {
      const pfn = d.pvBits === 64 ? val >> 12n : ((val >> 12n) | (val << 20n)) & 0xffffffffn;
      const mfn = Number(pfn);
      if (!ownedByDomain(pvDomainStateOf(d), mfn)) return false;
      return newGuestCr3(v, mfn) === 0;
    }
    case 4: {
      const cpu = v.cpu;
      const visible = cpu.getControl('cr4') & ~BigInt(CR4_GUEST_MASK);
      pv.cr4 = (val & BigInt(CR4_GUEST_MASK)) | visible;
      cpu.setControl('cr4', pv.cr4);
      return true;
    }
    default:
      return false;
  }
}

const REG_BY_NUM: readonly Reg[] = [
  Reg.RAX, Reg.RCX, Reg.RDX, Reg.RBX, Reg.RSP, Reg.RBP, Reg.RSI, Reg.RDI,
  Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15,
];

/**
 * pv_emulate_privileged_op(): emulates the instruction at RIP if Xen would; true when done (RIP advanced).
 * `hv` is used only for trace warnings.
 */
export function emulatePrivOp(hv: Hypervisor, v: Vcpu): boolean {
  const cpu = v.cpu;
  let bytes: Uint8Array;
  try { bytes = cpu.readVirtual(cpu.rip, 15); } catch {
    try { bytes = cpu.readVirtual(cpu.rip, 4); } catch { return false; }
  }
  const long64 = cpu.mode === 'long64';
  const insn = decode(bytes, long64);
  if (!insn) return false;
  const kernel = guestKernelMode(v);
  const done = (): true => { cpu.rip = cpu.rip + BigInt(insn.len); return true; };
  const opSize = insn.opsize16 ? 2 : 4;
  switch (insn.op) {
    case 0xfa: case 0xfb:
      // cli/sti: accepted only with sufficient virtual IOPL, then ignored (emul-priv-op.c validate()).
      return ioplOk(v) ? done() : false;
    case 0xe4: case 0xe5: case 0xec: case 0xed: {
      if (!ioplOk(v)) return false;
      const size = insn.op & 1 ? opSize : 1;
      // A domU owns no I/O ports: guest_io_read() returns all-ones.
      const cur = cpu.getReg(Reg.RAX);
      const ones = size === 1 ? 0xffn : size === 2 ? 0xffffn : 0xffffffffn;
      cpu.setReg(Reg.RAX, size === 4 ? ones : (cur & ~ones) | ones);
      return done();
    }
    case 0xe6: case 0xe7: case 0xee: case 0xef:
      // guest_io_write(): dropped for ports the domain does not own.
      return ioplOk(v) ? done() : false;
    case 0x0f:
      break;
    default:
      return false;
  }
  if (!kernel) return false;
  switch (insn.op2) {
    case 0x06: fpuTaskswitch(v, false); return done(); // clts
    case 0x09: return done(); // wbinvd: no cache-flush permission, so a no-op
    case 0x20: case 0x22: {
      const crn = ((insn.modrm >> 3) & 7) | (insn.rexR << 3);
      const reg = REG_BY_NUM[(insn.modrm & 7) | (insn.rexB << 3)];
      const width = crBits(v);
      if (insn.op2 === 0x20) {
        const val = readCr(v, crn);
        if (val === undefined) return false;
        cpu.setReg(reg, width === 64 ? val : val & 0xffffffffn);
        return done();
      }
      const val = width === 64 ? cpu.getReg(reg) : cpu.getReg(reg) & 0xffffffffn;
      if (!writeCr(v, crn, val)) {
        hv.warn(v, `mov to CR${crn} of 0x${val.toString(16)} rejected (#GP)`);
        return false;
      }
      return done();
    }
    case 0x32: { // rdmsr
      const msr = Number(cpu.getReg(Reg.RCX) & 0xffffffffn);
      const val = readMsr(v, msr);
      if (val === undefined) return false;
      cpu.setReg(Reg.RAX, val & 0xffffffffn);
      cpu.setReg(Reg.RDX, (val >> 32n) & 0xffffffffn);
      return done();
    }
    case 0x30: { // wrmsr
      const msr = Number(cpu.getReg(Reg.RCX) & 0xffffffffn);
      const val = ((cpu.getReg(Reg.RDX) & 0xffffffffn) << 32n) | (cpu.getReg(Reg.RAX) & 0xffffffffn);
      return writeMsr(v, msr, val) ? done() : false;
    }
    default:
      return false;
  }
}

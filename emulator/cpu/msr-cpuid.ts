/**
 * The core's own model-specific registers and CPUID table. The hypervisor overrides both
 * through CpuHooks; these defaults describe exactly what this core implements.
 */
import type { Cpu } from './cpu';
import {
  CR0_PG, EFER_LMA, EFER_LME, EFER_WRITABLE, FS, GS, MAXPHYADDR, MSR_APIC_BASE, MSR_CSTAR, MSR_EFER, MSR_FS_BASE,
  MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_PAT, MSR_SFMASK, MSR_STAR, MSR_SYSENTER_CS, MSR_SYSENTER_EIP,
  MSR_SYSENTER_ESP, MSR_TSC, MSR_TSC_AUX,
} from './constants';
import { gp } from './fault';
import { bigHi, bigLo, toBig } from './state';

function canonical(v: bigint): boolean {
  const top = BigInt.asIntN(64, v) >> 47n;
  return top === 0n || top === -1n;
}

export function readTsc(cpu: Cpu): bigint {
  return BigInt.asUintN(64, BigInt(cpu.icount) + cpu.tscOffset);
}

export function readMsr(cpu: Cpu, msr: number): bigint {
  const hooked = cpu.hooks.readMsr?.(msr);
  if (hooked !== undefined) return BigInt.asUintN(64, hooked);
  switch (msr) {
    case MSR_EFER: return BigInt(cpu.efer >>> 0);
    case MSR_STAR: return cpu.msrStar;
    case MSR_LSTAR: return cpu.msrLstar;
    case MSR_CSTAR: return cpu.msrCstar;
    case MSR_SFMASK: return cpu.msrSfmask;
    case MSR_FS_BASE: return toBig(cpu.segBaseLo[FS], cpu.segBaseHi[FS]);
    case MSR_GS_BASE: return toBig(cpu.segBaseLo[GS], cpu.segBaseHi[GS]);
    case MSR_KERNEL_GS_BASE: return cpu.msrKernelGsBase;
    case MSR_TSC_AUX: return cpu.msrTscAux;
    case MSR_SYSENTER_CS: return cpu.msrSysenterCs;
    case MSR_SYSENTER_ESP: return cpu.msrSysenterEsp;
    case MSR_SYSENTER_EIP: return cpu.msrSysenterEip;
    case MSR_TSC: return readTsc(cpu);
    case MSR_PAT: return cpu.msrPat;
    default: throw gp(0, `rdmsr of unknown MSR 0x${(msr >>> 0).toString(16)}`);
  }
}

export function writeMsr(cpu: Cpu, msr: number, v: bigint): void {
  v = BigInt.asUintN(64, v);
  if (cpu.hooks.writeMsr?.(msr, v)) return;
  const needCanonical = (): void => { if (!canonical(v)) throw gp(0, `non-canonical value for MSR 0x${(msr >>> 0).toString(16)}`); };
  switch (msr) {
    case MSR_EFER: {
      const n = Number(v & 0xffffffffn);
      if ((v >> 32n) !== 0n || (n & ~(EFER_WRITABLE | EFER_LMA))) throw gp(0, 'reserved EFER bits');
      // LME may not change while paging is on.
      if ((cpu.cr0 & CR0_PG) && ((n ^ cpu.efer) & EFER_LME)) throw gp(0, 'EFER.LME changed with paging enabled');
      cpu.efer = (n & EFER_WRITABLE) | (cpu.efer & EFER_LMA);
      cpu.updateMode();
      return;
    }
    case MSR_STAR: cpu.msrStar = v; return;
    case MSR_LSTAR: needCanonical(); cpu.msrLstar = v; return;
    case MSR_CSTAR: needCanonical(); cpu.msrCstar = v; return;
    case MSR_SFMASK: cpu.msrSfmask = v & 0xffffffffn; return;
    case MSR_FS_BASE: needCanonical(); cpu.segBaseLo[FS] = bigLo(v); cpu.segBaseHi[FS] = bigHi(v); cpu.updateMode(); return;
    case MSR_GS_BASE: needCanonical(); cpu.segBaseLo[GS] = bigLo(v); cpu.segBaseHi[GS] = bigHi(v); cpu.updateMode(); return;
    case MSR_KERNEL_GS_BASE: needCanonical(); cpu.msrKernelGsBase = v; return;
    case MSR_TSC_AUX: if (v >> 32n) throw gp(0, 'reserved TSC_AUX bits'); cpu.msrTscAux = v; return;
    case MSR_SYSENTER_CS: cpu.msrSysenterCs = v & 0xffffn; return;
    case MSR_SYSENTER_ESP: needCanonical(); cpu.msrSysenterEsp = v; return;
    case MSR_SYSENTER_EIP: needCanonical(); cpu.msrSysenterEip = v; return;
    case MSR_TSC: cpu.tscOffset = v - BigInt(cpu.icount); return;
    case MSR_PAT: cpu.msrPat = v; return;
    case MSR_APIC_BASE: throw gp(0, 'no local APIC is modelled');
    default: throw gp(0, `wrmsr of unknown MSR 0x${(msr >>> 0).toString(16)}`);
  }
}

/** Packs 4 ASCII characters little-endian, as CPUID returns strings. */
function str4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}

const BRAND = 'Xen Guest Debugger virtual CPU'.padEnd(48, '\0');

/**
 * Default CPUID: only features this core implements. No x87/SSE yet (they raise #NM/#UD);
 * BMI1 is reported for TZCNT, but its VEX-encoded instructions are not implemented yet.
 */
export function cpuidDefault(leaf: number, subleaf: number): [number, number, number, number] {
  switch (leaf >>> 0) {
    case 0: return [7, str4('Genu'), str4('ntel'), str4('ineI')];
    case 1: {
      const eax = (6 << 8) | (0x5 << 4) | (0x5 << 16) | 3; // family 6, model 0x55, stepping 3
      // EDX: DE PSE TSC MSR PAE CX8 SEP PGE CMOV PAT PSE36 CLFSH
      const edx = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 11) | (1 << 13) | (1 << 15) |
        (1 << 16) | (1 << 17) | (1 << 19);
      // ECX: CX16 POPCNT
      const ecx = (1 << 13) | (1 << 23);
      return [eax, (8 << 8), ecx >>> 0, edx >>> 0];
    }
    case 7: return subleaf === 0 ? [0, (1 << 0) | (1 << 3), 0, 0] : [0, 0, 0, 0]; // FSGSBASE, BMI1
    case 0x80000000: return [0x80000008, 0, 0, 0];
    // ECX: LAHF/SAHF in 64-bit mode, LZCNT. EDX: SYSCALL, NX, 1 GiB pages, RDTSCP, LM.
    case 0x80000001: return [0, 0, (1 << 0) | (1 << 5), ((1 << 11) | (1 << 20) | (1 << 26) | (1 << 27) | (1 << 29)) >>> 0];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const base = (leaf - 0x80000002) * 16;
      return [0, 1, 2, 3].map((k) => str4(BRAND.slice(base + k * 4, base + k * 4 + 4))) as [number, number, number, number];
    }
    case 0x80000008: return [MAXPHYADDR | (48 << 8), 0, 0, 0];
    default: return [0, 0, 0, 0];
  }
}

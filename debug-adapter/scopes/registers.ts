/**
 * The vCPU's registers by name, for the Registers scope, `$rax` expressions and setVariable: general registers
 * (and their 32/16/8-bit parts), RIP, RFLAGS, segment selectors and bases, CR0/2/3/4/8, EFER, the syscall,
 * sysenter, PAT, TSC_AUX and kernel GS base MSRs, and DR0–DR7. Writes go to the emulator core directly.
 */
import { Reg } from '../../emulator/cpu/api-types';
import { CS, DS, ES, FS, GS, SS } from '../../emulator/cpu/constants';
import type { Cpu } from '../../emulator/cpu/cpu';
import { bigHi, bigLo, toBig } from '../../emulator/cpu/state';

export interface RegisterRead { value: bigint; size: number }

const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const GPR16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const GPR8 = ['al', 'cl', 'dl', 'bl'];
const GPR8H = ['ah', 'ch', 'dh', 'bh'];
export const SEGMENTS: Record<string, number> = { es: ES, cs: CS, ss: SS, ds: DS, fs: FS, gs: GS };
const CONTROL = ['cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer'] as const;
type ControlName = (typeof CONTROL)[number];

/** MSRs kept as plain fields of the core, by the name shown. */
const MSRS: Record<string, keyof Cpu> = {
  star: 'msrStar', lstar: 'msrLstar', cstar: 'msrCstar', sfmask: 'msrSfmask', kernel_gs_base: 'msrKernelGsBase',
  sysenter_cs: 'msrSysenterCs', sysenter_esp: 'msrSysenterEsp', sysenter_eip: 'msrSysenterEip', pat: 'msrPat',
  tsc_aux: 'msrTscAux', apic_base: 'msrApicBase',
};

/** RFLAGS bits by name (Intel SDM vol. 1, 3.4.3). */
export const RFLAGS_BITS: [string, number, number][] = [
  ['CF', 0, 1], ['PF', 2, 1], ['AF', 4, 1], ['ZF', 6, 1], ['SF', 7, 1], ['TF', 8, 1], ['IF', 9, 1], ['DF', 10, 1],
  ['OF', 11, 1], ['IOPL', 12, 2], ['NT', 14, 1], ['RF', 16, 1], ['VM', 17, 1], ['AC', 18, 1], ['VIF', 19, 1], ['VIP', 20, 1], ['ID', 21, 1],
];

export function readRegister(cpu: Cpu, name: string): RegisterRead | undefined {
  const n = name.toLowerCase();
  let i = GPR64.indexOf(n);
  if (i >= 0) return { value: cpu.getReg(i), size: 8 };
  i = GPR32.indexOf(n);
  if (i >= 0) return { value: cpu.getReg(i) & 0xffffffffn, size: 4 };
  let m = /^r(\d+)d$/.exec(n);
  if (m && Number(m[1]) >= 8 && Number(m[1]) < 16) return { value: cpu.getReg(Number(m[1])) & 0xffffffffn, size: 4 };
  i = GPR16.indexOf(n);
  if (i >= 0) return { value: cpu.getReg(i) & 0xffffn, size: 2 };
  i = GPR8.indexOf(n);
  if (i >= 0) return { value: cpu.getReg(i) & 0xffn, size: 1 };
  i = GPR8H.indexOf(n);
  if (i >= 0) return { value: (cpu.getReg(i) >> 8n) & 0xffn, size: 1 };
  if (n === 'rip' || n === 'pc') return { value: cpu.rip, size: 8 };
  if (n === 'eip') return { value: cpu.rip & 0xffffffffn, size: 4 };
  if (n === 'rflags' || n === 'eflags') return { value: cpu.rflags, size: n === 'rflags' ? 8 : 4 };
  if (n in SEGMENTS) return { value: BigInt(cpu.getSegment(SEGMENTS[n]).selector), size: 2 };
  m = /^([cdefgs]s)_base$/.exec(n);
  if (m && m[1] in SEGMENTS) return { value: cpu.getSegment(SEGMENTS[m[1]]).base, size: 8 };
  if ((CONTROL as readonly string[]).includes(n)) return { value: cpu.getControl(n as ControlName), size: 8 };
  m = /^dr([0-7])$/.exec(n);
  if (m) return { value: toBig(cpu.drLo[Number(m[1])], cpu.drHi[Number(m[1])]), size: 8 };
  if (n in MSRS) return { value: cpu[MSRS[n]] as bigint, size: 8 };
  return undefined;
}

/** Writes a register; throws with a message for read-only or unknown names. */
export function writeRegister(cpu: Cpu, name: string, value: bigint): void {
  const n = name.toLowerCase();
  const v = BigInt.asUintN(64, value);
  let i = GPR64.indexOf(n);
  if (i >= 0) { cpu.setReg(i, v); return; }
  i = GPR32.indexOf(n);
  if (i >= 0) { cpu.setReg(i, v & 0xffffffffn); return; } // a 32-bit write zero-extends, as in 64-bit mode
  i = GPR16.indexOf(n);
  if (i >= 0) { cpu.setReg(i, (cpu.getReg(i) & ~0xffffn) | (v & 0xffffn)); return; }
  i = GPR8.indexOf(n);
  if (i >= 0) { cpu.setReg(i, (cpu.getReg(i) & ~0xffn) | (v & 0xffn)); return; }
  i = GPR8H.indexOf(n);
  if (i >= 0) { cpu.setReg(i, (cpu.getReg(i) & ~0xff00n) | ((v & 0xffn) << 8n)); return; }
  if (n === 'rip' || n === 'eip' || n === 'pc') { cpu.rip = n === 'eip' ? v & 0xffffffffn : v; return; }
  if (n === 'rflags' || n === 'eflags') { cpu.rflags = v | 2n; return; }
  if ((CONTROL as readonly string[]).includes(n)) { cpu.setControl(n as ControlName, v); return; }
  const m = /^dr([0-7])$/.exec(n);
  if (m) { cpu.drLo[Number(m[1])] = bigLo(v); cpu.drHi[Number(m[1])] = bigHi(v); return; }
  if (n in MSRS) { (cpu as unknown as Record<string, bigint>)[MSRS[n] as string] = v; return; }
  if (n in SEGMENTS || /_base$/.test(n)) throw new Error(`${name} is read-only here: loading a segment needs a descriptor (write the GDT and let the guest reload it)`);
  throw new Error(`unknown register ${name}`);
}

/** The registers the Registers scope lists, in order, for the core's current mode. */
export function registerNames(cpu: Cpu): { gprs: string[]; ip: string; flags: string; segments: string[]; control: string[]; msrs: string[]; debug: string[] } {
  const long = cpu.mode === 'long64' || cpu.mode.startsWith('compat');
  return {
    gprs: long ? GPR64 : GPR32,
    ip: long ? 'rip' : 'eip',
    flags: long ? 'rflags' : 'eflags',
    segments: ['cs', 'ds', 'es', 'fs', 'gs', 'ss'],
    control: [...CONTROL],
    msrs: Object.keys(MSRS),
    debug: ['dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'],
  };
}


export { Reg };

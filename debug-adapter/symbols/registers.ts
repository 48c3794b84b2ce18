/**
 * DWARF register numbers (System V psABIs: x86-64 §3.6.2 "DWARF Register Number Mapping", i386 Table 2.14)
 * and their mapping to the emulator's general-purpose register numbering (rax, rcx, rdx, rbx, rsp, rbp, rsi,
 * rdi, r8–r15, i.e. the x86 ModRM encoding order).
 */
import { Arch } from './model';

/** The stack pointer, frame pointer and return-address column of an architecture. */
export function archRegisters(arch: Arch): { sp: number; fp: number; ra: number; addrSize: number; pc: number } {
  return arch === 'x86_64' ? { sp: 7, fp: 6, ra: 16, addrSize: 8, pc: 16 } : { sp: 4, fp: 5, ra: 8, addrSize: 4, pc: 8 };
}

// x86-64 DWARF 0..15: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 → emulator (ModRM) numbers.
const X64_TO_EMU = [0, 2, 1, 3, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15];
// i386 DWARF 0..7: eax ecx edx ebx esp ebp esi edi: already the ModRM order.
const I386_TO_EMU = [0, 1, 2, 3, 4, 5, 6, 7];

/** Names of the DWARF general-purpose registers and the pc column, by DWARF number. */
export const DWARF_REGISTER_NAMES: Record<Arch, readonly string[]> = {
  x86_64: ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'],
  i386: ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip'],
};

/**
 * The emulator's GPR index (`cpu.getReg(i)`) for a DWARF register, or undefined for registers that are not
 * general-purpose (the pc column: use the vCPU's rip/eip; SSE, x87, segment registers: not modelled here).
 */
export function dwarfToEmulatorRegister(arch: Arch, dwarfReg: number): number | undefined {
  return (arch === 'x86_64' ? X64_TO_EMU : I386_TO_EMU)[dwarfReg];
}

/** The DWARF number of an emulator GPR index (the inverse of `dwarfToEmulatorRegister`). */
export function emulatorToDwarfRegister(arch: Arch, emuReg: number): number | undefined {
  const t = arch === 'x86_64' ? X64_TO_EMU : I386_TO_EMU;
  const i = t.indexOf(emuReg);
  return i < 0 ? undefined : i;
}

/** The DWARF register's name (`rbx`, `esp`, `rip`…), or `register N` for others. */
export function dwarfRegisterName(arch: Arch, dwarfReg: number): string {
  return DWARF_REGISTER_NAMES[arch][dwarfReg] ?? `register ${dwarfReg}`;
}

/** The DWARF number of a general-purpose register name (or the pc), or undefined. */
export function dwarfRegisterNumber(arch: Arch, name: string): number | undefined {
  const i = DWARF_REGISTER_NAMES[arch].indexOf(name.toLowerCase());
  return i < 0 ? undefined : i;
}

/** Callee-saved registers (psABI), which an unwinder may assume unchanged when CFI does not mention them. */
export function calleeSaved(arch: Arch): number[] {
  return arch === 'x86_64' ? [3, 6, 12, 13, 14, 15] : [3, 5, 6, 7];
}

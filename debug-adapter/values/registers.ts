/** DWARF register numbers of the x86 psABIs, for messages and for sessions mapping names to numbers. */
import { Arch } from '../symbols/model';

const X86_64 = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'];
const I386 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip'];

/** The register's name (`rbx`), or `register N` for numbers outside the general-purpose set. */
export function dwarfRegisterName(arch: Arch, reg: number): string {
  const names = arch === 'x86_64' ? X86_64 : I386;
  return names[reg] ?? `register ${reg}`;
}

/** The DWARF number of a general-purpose register name, or undefined. */
export function dwarfRegisterNumber(arch: Arch, name: string): number | undefined {
  const i = (arch === 'x86_64' ? X86_64 : I386).indexOf(name.toLowerCase());
  return i < 0 ? undefined : i;
}

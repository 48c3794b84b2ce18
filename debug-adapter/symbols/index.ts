/**
 * Entry point of the symbol reader: `loadGuestSymbols(bytes, path)` gives the `GuestSymbols` (model.ts) of
 * an ELF image (ELF32/ELF64, x86-64 or i386, DWARF 2–5). It never throws: what cannot be read is reported in
 * `warnings` and the lookups that depend on it return nothing.
 */
import { GuestSymbols } from './model';
import { ElfDwarfSymbols } from './symbols';

export function loadGuestSymbols(bytes: Uint8Array, path: string): GuestSymbols {
  return new ElfDwarfSymbols(bytes, path);
}

export * from './model';
export {
  DWARF_REGISTER_NAMES, dwarfToEmulatorRegister, emulatorToDwarfRegister, dwarfRegisterName, dwarfRegisterNumber, archRegisters, calleeSaved,
} from './registers';
export { sizeOf, strip } from './types';
export { evaluateLocation } from './expr';
export { vcpuFrame, callerFrame, unwindStack } from './frames';
export type { VcpuRegisterSource, StackFrame } from './frames';

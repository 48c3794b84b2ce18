/**
 * What the evaluator needs from the session: names, types, registers and memory of one frame. Build one with
 * createFrameEnv() from a FrameContext + GuestSymbols, or implement it directly (tests use a fake).
 */
import { Arch, TypeInfo } from '../symbols/model';
import { AddressSpace, Value } from './value';

export interface RegisterValue {
  value: bigint;
  /** Width in bytes (8 for rax, 4 for eax, 2 for cs...). */
  size: number;
  /** Optional C type to show it as (default: an unsigned integer of `size`). */
  type?: TypeInfo;
}

export interface EvalEnv {
  readonly arch: Arch;
  /**
   * A C identifier in scope: the frame's parameters and locals (innermost block first), then globals.
   * Undefined when unknown (the evaluator then tries lookupRoot).
   */
  lookupVariable(name: string): Value | undefined;
  /** A named constant: an enumerator (`RUNSTATE_running`), tried after lookupVariable. Optional. */
  lookupConstant?(name: string): Value | undefined;
  /**
   * A special root by name: Xen's `shared_info`, `vcpu_info` (an indexed root), `start_info`... Tried after
   * lookupVariable for plain identifiers, and after readRegister for `$name`. Optional.
   */
  lookupRoot?(name: string): Value | undefined;
  /** A named type: `struct foo`, `union u`, `enum e`, a typedef, or a base type name (`unsigned long`). */
  lookupType(name: string): TypeInfo | undefined;
  /** A register by name without `$` (`rax`, `eax`, `rip`, `rflags`, `cr3`, ...); undefined if unknown. */
  readRegister(name: string): RegisterValue | undefined;
  /** Writes a register by name. Absent or throwing: the register is read-only (the message is shown). */
  writeRegister?(name: string, value: bigint): void;
  /** A DWARF-numbered register of this frame (DWARF `register` locations); undefined when not recovered. */
  readDwarfRegister(reg: number): bigint | undefined;
  /** Writes a DWARF-numbered register of this frame (normally only possible for the innermost frame). */
  writeDwarfRegister?(reg: number, value: bigint): void;
  /** Reads guest memory; undefined when (any byte of) the range is unmapped. */
  readMemory(address: bigint, length: number, space: AddressSpace): Uint8Array | undefined;
  /** Writes guest memory; false when unmapped or read-only. */
  writeMemory?(address: bigint, bytes: Uint8Array, space: AddressSpace): boolean;
  /** A symbolic name for a code or data address (`start_kernel+16`), shown after pointer values. Optional. */
  describeAddress?(address: bigint): string | undefined;
}

/** Pointer size of the env's architecture. */
export function pointerSize(env: { readonly arch: Arch }): number {
  return env.arch === 'x86_64' ? 8 : 4;
}

/**
 * The evaluator's value: a C type plus where the object lives. A value with a memory, register or
 * named-register location is an lvalue (C11 6.3.2.1p1); computed results carry their bytes.
 */
import { TypeInfo, ValueLocation } from '../symbols/model';

/**
 * Guest-virtual (what pointers hold), guest-physical (PV: pseudo-physical), or machine (Xen's shared pages as
 * the hypervisor addresses them). The adapter's debug-adapter/memory.ts defines how each is reached.
 */
export type AddressSpace = 'virtual' | 'physical' | 'machine';

/** `guest-physical memory`, ... for messages. */
export const SPACE_NAMES: Record<AddressSpace, string> = { virtual: 'guest-virtual', physical: 'guest-physical', machine: 'machine' };

/**
 * A special root that is an array whose elements live at unrelated addresses (`vcpu_info[N]`: each vCPU's
 * vcpu_info, possibly moved by VCPUOP_register_vcpu_info). Indexing it asks `locate`.
 */
export interface IndexedRoot {
  readonly name: string;
  readonly elementType: TypeInfo;
  readonly count: number;
  /** Where element `index` (0 <= index < count) lives; `unavailable` with a reason when it has no home. */
  locate(index: number): ValueLocation;
}

/**
 * Where a value lives: DWARF's ValueLocation (register = DWARF number of the frame), plus a register named by
 * the user (`$rax`, resolved by the env) and an indexed root.
 */
export type Location =
  | ValueLocation
  | { kind: 'named-register'; name: string }
  | { kind: 'indexed-root'; root: IndexedRoot };

export interface BitField {
  /** Bits from the start of the location (little-endian numbering, as DW_AT_data_bit_offset). */
  readonly bitOffset: number;
  readonly bitSize: number;
}

export interface Value {
  readonly type: TypeInfo;
  readonly location: Location;
  /** Set when the value is a bit field inside `location`. */
  readonly bitField?: BitField;
}

/** Every evaluation, formatting and store failure: a message fit to show the user as is. */
export class EvalError extends Error {
  override readonly name = 'EvalError';
}

/** Instruction-form templates: the generator's explicit, independent list of what it covers. */
import type { Bits } from '../test-case';
import type { Fx, ItemGen } from './item-gen';

export interface Template {
  /** Unique form name, e.g. "alu r/m,r". */
  name: string;
  group: string;
  /** Modes where the form exists (default: both). */
  bits?: Bits[];
  /** Relative frequency (default 1). */
  weight?: number;
  /** Only as a whole case of its own (e.g. forms that leave undefined results or long loops). */
  solo?: boolean;
  /** A CPUID feature both this host and the emulator must report (see features.ts). */
  feature?: string;
  /** Emits the item; throws EncodeError to ask for another attempt. */
  gen(g: ItemGen): Fx;
}

/** RFLAGS bits. */
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;
/** Flags a condition code reads. */
export function ccFlags(cc: number): number {
  switch (cc >> 1) {
    case 0: return OF;
    case 1: return CF;
    case 2: return ZF;
    case 3: return CF | ZF;
    case 4: return SF;
    case 5: return PF;
    case 6: return SF | OF;
    default: return SF | OF | ZF;
  }
}

/** Shared operand helpers for templates. */
import type { Mem } from './asm';
import type { Access, ItemGen, MemOpts } from './item-gen';

export interface RmOperand {
  rm: number | Mem;
  mem?: Mem;
  /** For byte operands: registers come from the AH..BH set (no REX allowed). */
  legacy: boolean;
}

/** A register-or-memory operand with an edge value. */
export function rmOperand(g: ItemGen, size: number, access: Access, o: MemOpts & { memP?: number; sp?: boolean } = {}): RmOperand {
  if (g.rng.bool(o.memP ?? 0.5)) {
    const mem = g.mem(size, access, o);
    if (access !== 'w') g.memValue(mem, size);
    return { rm: mem, mem, legacy: size === 8 ? g.byteSet(mem) : false };
  }
  const legacy = size === 8 ? g.byteSet() : false;
  const r = size === 8 ? g.pickByte(legacy) : g.pick({ sp: o.sp });
  g.need(r, size, true);
  return { rm: r, legacy };
}

/** A register operand (value edge-biased, optional in later items). */
export function regOperand(g: ItemGen, size: number, legacy: boolean, exclude: number[] = []): number {
  const r = size === 8 ? g.pickByte(legacy, exclude) : g.pick({ exclude });
  g.need(r, size, true);
  return r;
}

/** Little-endian immediate bytes. */
export function imm(v: bigint | number, n: number): number[] {
  let x = BigInt.asUintN(n * 8, BigInt(v));
  const out: number[] = [];
  for (let i = 0; i < n; i++) { out.push(Number(x & 0xffn)); x >>= 8n; }
  return out;
}

export const SIZES = [8, 16, 32, 64];
export function sizes(g: ItemGen): number[] {
  return g.bits === 64 ? SIZES : [8, 16, 32];
}

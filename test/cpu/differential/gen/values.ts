/** Operand values biased to the edges the issue asks for: 0, 1, -1, sign boundaries, bit patterns. */
import type { Rng } from './rng';

export function mask(bits: number): bigint { return (1n << BigInt(bits)) - 1n; }

/** A value of `bits` width (unsigned representation), edge-biased. */
export function edge(rng: Rng, bits: number): bigint {
  const m = mask(bits);
  const sign = 1n << BigInt(bits - 1);
  switch (rng.int(16)) {
    case 0: return 0n;
    case 1: return 1n;
    case 2: return m; // -1
    case 3: return sign - 1n; // max signed
    case 4: return sign; // min signed
    case 5: return rng.pick([sign + 1n, sign - 2n, m - 1n, 2n]);
    case 6: return (1n << BigInt(rng.int(bits))) & m;
    case 7: return ((1n << BigInt(rng.int(bits))) - 1n) & m;
    case 8: return BigInt(rng.int(16));
    case 9: return (m - BigInt(rng.int(16))) & m;
    case 10: return rng.pick([0x5555555555555555n, 0xaaaaaaaaaaaaaaaan, 0x0f0f0f0f0f0f0f0fn, 0x8000000080000000n]) & m;
    case 11: return (sign + BigInt(rng.int(16)) - 8n) & m;
    default: return rng.bits(bits);
  }
}

/** A full register value whose low `bits` are an edge value and whose upper bits are junk, 0 or ones. */
export function regValue(rng: Rng, bits: number, regBits: number): bigint {
  const low = edge(rng, bits);
  if (bits >= regBits) return low & mask(regBits);
  const hiKind = rng.int(4);
  const hi = hiKind === 0 ? 0n : hiKind === 1 ? mask(regBits) : rng.bits(regBits);
  return ((hi & ~mask(bits)) | low) & mask(regBits);
}

/** Shift/rotate counts: 0, 1, size-1, size, 31/32/63/64+ and random. */
export function shiftCount(rng: Rng, size: number): number {
  return rng.pick([0, 1, 2, size - 1, size, size + 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255,
    rng.int(256), rng.int(64), rng.int(size + 2)]);
}

export function toSigned(v: bigint, bits: number): bigint { return BigInt.asIntN(bits, v); }
export function leBytes(v: bigint, n: number): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) { out.push(Number(x & 0xffn)); x >>= 8n; }
  return out;
}

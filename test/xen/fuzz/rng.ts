/**
 * The hypercall fuzzer's PRNG: xoshiro128** seeded through SplitMix32, 32-bit integer arithmetic only (no
 * Math.random, no BigInt on the hot path). Every case gets its own generator derived from (seed, guest type,
 * case index), so one case can be regenerated without running the ones before it.
 */
export class FuzzRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next(); this.b = next(); this.c = next(); this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A generator for one (seed, stream, index) triple: the same triple always gives the same numbers. */
  static derive(seed: number, stream: string, index: number): FuzzRng {
    let h = (seed ^ 0x2545f491) >>> 0;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ (index >>> 0), 0x9e3779b1) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca77) >>> 0;
    return new FuzzRng((h ^ Math.imul(index + 1, 0x27d4eb2f)) >>> 0);
  }

  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Integer in [0, n) for n ≤ 2^32. */
  below(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of items) total += w;
    let x = this.u32() / 0x100000000 * total;
    for (const [w, v] of items) {
      if (x < w) return v;
      x -= w;
    }
    return items[items.length - 1][1];
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  fill(out: Uint8Array): void {
    let i = 0;
    if ((out.byteOffset & 3) === 0) {
      const words = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
      for (let k = 0; k < words.length; k++) words[k] = this.u32();
      i = words.length * 4;
    }
    for (; i + 4 <= out.length; i += 4) { // unaligned views only
      const v = this.u32();
      out[i] = v; out[i + 1] = v >>> 8; out[i + 2] = v >>> 16; out[i + 3] = v >>> 24;
    }
    for (; i < out.length; i++) out[i] = this.u32();
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Parses a seed given on the command line: decimal or 0x-hex, 32 bits. */
export function parseSeed(s: string): number | undefined {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= 0 && n <= 0xffffffff ? n : undefined;
}

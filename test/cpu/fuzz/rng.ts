/**
 * Small seeded PRNG (SplitMix32-style) for the fuzzers: every case is reproducible from
 * (seed, case index), so a failure report only needs those two numbers plus the bytes.
 */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Derives an independent generator for one case, so cases can be replayed one at a time. */
  static forCase(seed: number, index: number, salt = 0): Rng {
    const r = new Rng((seed ^ Math.imul(index + 1, 0x9e3779b9) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0);
    r.u32();
    r.u32();
    return r;
  }

  u32(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  byte(): number {
    return this.u32() & 0xff;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
}

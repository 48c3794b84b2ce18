/** Small seeded PRNG (sfc32) with cloning, so generation is reproducible from (seed, case index). */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9; this.b = seed >>> 0; this.c = stream >>> 0; this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  clone(): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    r.a = this.a; r.b = this.b; r.c = this.c; r.d = this.d;
    return r;
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.floor((this.u32() / 0x100000000) * n); }
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  bool(p = 0.5): boolean { return this.u32() / 0x100000000 < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  bits(n: number): bigint { return BigInt.asUintN(n, this.u64()); }

  /** Weighted choice; weights need not sum to 1. */
  weighted<T>(xs: readonly { w: number; v: T }[]): T {
    let total = 0;
    for (const x of xs) total += x.w;
    let r = (this.u32() / 0x100000000) * total;
    for (const x of xs) { r -= x.w; if (r < 0) return x.v; }
    return xs[xs.length - 1].v;
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}

/**
 * A tiny seeded PRNG for the invariant fuzzer (mulberry32), with the draws the handler needs. Same seed,
 * same sequence of draws: a failing run is replayed with FUZZ_SEED (and FUZZ_SEQ for one sequence).
 */

/** mulberry32: 32-bit state, period 2^32, good enough for choosing actions and amounts. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derive the seed of sequence `index` from the run's base seed (splitmix-style mixing). */
export function sequenceSeed(base: number, index: number): number {
  let z = (base + Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Pick a key by weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }

  /** Uniform bigint in [0, n) (n > 0), by rejection over 32-bit chunks. */
  below(n: bigint): bigint {
    if (n <= 0n) throw new Error("below(n) needs n > 0");
    const bits = n.toString(2).length;
    const chunks = Math.ceil(bits / 32);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      let x = 0n;
      for (let i = 0; i < chunks; i++) x = (x << 32n) | BigInt(Math.floor(this.next() * 4294967296));
      x &= mask;
      if (x < n) return x;
    }
  }

  /** Uniform bigint in [lo, hi] (inclusive). */
  between(lo: bigint, hi: bigint): bigint {
    if (hi < lo) return lo;
    return lo + this.below(hi - lo + 1n);
  }

  /** `x * f` for a uniform fraction f in [loBps, hiBps] / 10_000, floored. */
  fraction(x: bigint, loBps: number, hiBps: number): bigint {
    return (x * BigInt(this.int(loBps, hiBps))) / 10_000n;
  }

  /** Log-uniform bigint in [lo, hi] (lo >= 1): amounts that span orders of magnitude. */
  logUniform(lo: bigint, hi: bigint): bigint {
    if (hi <= lo) return lo;
    const a = Math.log(Number(lo));
    const b = Math.log(Number(hi));
    const x = BigInt(Math.floor(Math.exp(a + (b - a) * this.next())));
    return x < lo ? lo : x > hi ? hi : x;
  }
}

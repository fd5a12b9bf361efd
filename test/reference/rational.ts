// Exact rational numbers over bigint, for the reference risk model.
//
// A Fraction is always normalised: gcd(num, den) == 1 and den > 0. Nothing here rounds except
// floor() and ceil(), which are exact. Speed is not a goal; being obviously correct is.

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

export function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** floor(n / d) for any sign of n and d != 0 (bigint `/` truncates toward zero). */
export function floorDiv(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("division by zero");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d;
  return n < 0n && q * d !== n ? q - 1n : q;
}

/** ceil(n / d) for any sign of n and d != 0. */
export function ceilDiv(n: bigint, d: bigint): bigint {
  return -floorDiv(-n, d);
}

export type FractionLike = Fraction | bigint | number;

export class Fraction {
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint = 1n) {
    if (den === 0n) throw new RangeError("zero denominator");
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num, den);
    // gcd(0, den) == den, which normalises 0 to 0/1.
    this.num = g > 1n ? num / g : num;
    this.den = g > 1n ? den / g : den;
  }

  static from(x: FractionLike): Fraction {
    if (x instanceof Fraction) return x;
    if (typeof x === "number") {
      if (!Number.isSafeInteger(x)) throw new RangeError(`not a safe integer: ${x}`);
      return new Fraction(BigInt(x));
    }
    return new Fraction(x);
  }

  add(o: FractionLike): Fraction {
    const y = Fraction.from(o);
    return new Fraction(this.num * y.den + y.num * this.den, this.den * y.den);
  }

  sub(o: FractionLike): Fraction {
    const y = Fraction.from(o);
    return new Fraction(this.num * y.den - y.num * this.den, this.den * y.den);
  }

  mul(o: FractionLike): Fraction {
    const y = Fraction.from(o);
    return new Fraction(this.num * y.num, this.den * y.den);
  }

  div(o: FractionLike): Fraction {
    const y = Fraction.from(o);
    if (y.num === 0n) throw new RangeError("division by zero");
    return new Fraction(this.num * y.den, this.den * y.num);
  }

  neg(): Fraction {
    return new Fraction(-this.num, this.den);
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than o. */
  compare(o: FractionLike): -1 | 0 | 1 {
    const y = Fraction.from(o);
    const l = this.num * y.den;
    const r = y.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  eq(o: FractionLike): boolean {
    return this.compare(o) === 0;
  }
  lt(o: FractionLike): boolean {
    return this.compare(o) < 0;
  }
  lte(o: FractionLike): boolean {
    return this.compare(o) <= 0;
  }
  gt(o: FractionLike): boolean {
    return this.compare(o) > 0;
  }
  gte(o: FractionLike): boolean {
    return this.compare(o) >= 0;
  }

  isInteger(): boolean {
    return this.den === 1n;
  }

  /** Greatest integer <= this. */
  floor(): bigint {
    return floorDiv(this.num, this.den);
  }

  /** Least integer >= this. */
  ceil(): bigint {
    return ceilDiv(this.num, this.den);
  }

  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
}

/** Shorthand: frac(n, d) = n / d exactly. */
export function frac(n: FractionLike, d: FractionLike = 1n): Fraction {
  return Fraction.from(n).div(d);
}

/** Exact product of several factors. */
export function product(...xs: FractionLike[]): Fraction {
  let r = new Fraction(1n);
  for (const x of xs) r = r.mul(x);
  return r;
}

export function fmin(a: Fraction, b: Fraction): Fraction {
  return a.lte(b) ? a : b;
}

export function fmax(a: Fraction, b: Fraction): Fraction {
  return a.gte(b) ? a : b;
}

// Writes test/vectors/liquidation.json: shared liquidation test vectors computed by the exact
// rational reference (test/reference/exact-reference.ts), which is written from
// shared/risk-model.md only. Deterministic: fixed-seed bigint PRNG, stable order, no Math.random.
// Format: docs/vector-format.md.   Run: npm run gen:vectors

import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import {
  BPS,
  MAX_L_MAX,
  MAX_UINT128,
  MAX_UINT256,
  WAD,
  health,
  liquidate,
  lMax,
  maxLiquidation,
  repayForSeize,
  seizeFor,
  validateAccount,
  valueDown,
  valueUp,
} from "../test/reference/exact-reference.ts";
import type { Account, AssetConfig, Globals, LiquidationOutcome, MaxLiquidation } from "../test/reference/exact-reference.ts";

// ---------------------------------------------------------------------------------------------
// JSON shape (docs/vector-format.md)

export interface JsonAsset {
  symbol: string;
  decimals: number;
  price: string;
  ltv: number;
  liquidationThreshold: number;
  maxBonus: string;
  sizeThreshold: string;
  sizeFactor: number;
  protocolFee: number;
}
export interface JsonLiquidation {
  repayAmount: string;
  error: null | "NotLiquidatable" | "ZeroRepay" | "MustNotLeaveDust";
  repaid: string;
  seized: string;
  fee: string;
  toLiquidator: string;
  healthAfter: string;
  badDebt: { asset: number; amount: string }[];
}
export interface JsonPair {
  debtAsset: number;
  collateralAsset: number;
  bonus: string;
  maxRepay: string;
  maxSeize: string;
  liquidations: JsonLiquidation[];
}
export interface JsonVector {
  name: string;
  tags: string[];
  global: { minBonus: string; targetHealth: string; minLeftover: string };
  assets: JsonAsset[];
  collateral: { asset: number; balance: string }[];
  debt: { asset: number; amount: string }[];
  expected: {
    collateralValue: string;
    weightedCollateral: string;
    initialMarginValue: string;
    debtValue: string;
    healthFactor: string;
    liquidatable: boolean;
    pairs: JsonPair[];
  };
}
export interface VectorFile {
  generator: string;
  vectors: JsonVector[];
}

// ---------------------------------------------------------------------------------------------
// Deterministic PRNG: splitmix64 over bigint.

const MASK64 = (1n << 64n) - 1n;

export class Rng {
  private state: bigint;
  constructor(seed: bigint) {
    this.state = seed & MASK64;
  }
  static fromString(s: string): Rng {
    // FNV-1a 64 of the string.
    let h = 0xcbf29ce484222325n;
    for (const ch of Buffer.from(s, "utf8")) {
      h ^= BigInt(ch);
      h = (h * 0x100000001b3n) & MASK64;
    }
    return new Rng(h);
  }
  u64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }
  /** Uniform in [0, n), n > 0 (rejection sampling). */
  below(n: bigint): bigint {
    if (n <= 0n) throw new RangeError("below(n <= 0)");
    let bits = 0n;
    while (1n << bits < n) bits += 1n;
    const words = (bits + 63n) / 64n;
    for (;;) {
      let x = 0n;
      for (let i = 0n; i < words; i++) x = (x << 64n) | this.u64();
      x &= (1n << bits) - 1n;
      if (x < n) return x;
    }
  }
  /** Uniform bigint in [lo, hi]. */
  range(lo: bigint, hi: bigint): bigint {
    return lo + this.below(hi - lo + 1n);
  }
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return Number(this.range(BigInt(lo), BigInt(hi)));
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(0, xs.length - 1)];
    if (x === undefined) throw new RangeError("pick from empty");
    return x;
  }
  /** True with probability num/den. */
  chance(num: number, den: number): boolean {
    return this.int(0, den - 1) < num;
  }
  /** Log-uniform-ish bigint in [10^loExp, 10^hiExp): uniform decade, then uniform inside it. */
  logUniform(loExp: number, hiExp: number): bigint {
    const e = BigInt(this.int(loExp, hiExp - 1));
    return this.range(10n ** e, 10n ** (e + 1n) - 1n);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** "1.5" with 18 decimals -> 1500000000000000000n (exact; throws on too many digits). */
export function units(s: string, decimals: number): bigint {
  const [i = "0", f = ""] = s.split(".");
  if (f.length > decimals) throw new RangeError(`${s} has more than ${decimals} decimals`);
  return BigInt(i) * 10n ** BigInt(decimals) + BigInt(f.padEnd(decimals, "0") || "0");
}
const wad = (s: string): bigint => units(s, 18);

export const NO_TIER = 2n ** 96n - 1n;
const REPAY_MAX = MAX_UINT256;

function mkAsset(symbol: string, decimals: number, price: bigint, o: Partial<AssetConfig> = {}): AssetConfig {
  return {
    symbol,
    decimals,
    price,
    ltv: 8000,
    liquidationThreshold: 8250,
    maxBonus: wad("0.075"),
    sizeThreshold: NO_TIER,
    sizeFactor: 8000,
    protocolFee: 1000,
    ...o,
  };
}

const WETH = (o: Partial<AssetConfig> = {}) => mkAsset("WETH", 18, wad("2000"), o);
const WBTC = (o: Partial<AssetConfig> = {}) =>
  mkAsset("WBTC", 8, wad("60000"), { ltv: 7300, liquidationThreshold: 7800, maxBonus: wad("0.1"), ...o });
const USDC = (o: Partial<AssetConfig> = {}) =>
  mkAsset("USDC", 6, wad("1"), { ltv: 8500, liquidationThreshold: 8800, maxBonus: wad("0.04"), ...o });
const DAI = (o: Partial<AssetConfig> = {}) =>
  mkAsset("DAI", 18, wad("1"), { ltv: 8400, liquidationThreshold: 8700, maxBonus: wad("0.045"), protocolFee: 500, ...o });
const LINK = (o: Partial<AssetConfig> = {}) =>
  mkAsset("LINK", 18, wad("14.37"), { ltv: 6500, liquidationThreshold: 7000, maxBonus: wad("0.1"), protocolFee: 2000, ...o });

const G0: Globals = { minBonus: wad("0.02"), targetHealth: wad("1.05"), minLeftover: wad("100") };

function account(assets: AssetConfig[], collateral: [number, bigint][], debt: [number, bigint][], global: Globals = G0): Account {
  return {
    global,
    assets,
    collateral: collateral.map(([asset, balance]) => ({ asset, balance })),
    debt: debt.map(([asset, amount]) => ({ asset, amount })),
  };
}

function withDebt(acc: Account, i: number, amount: bigint): Account {
  return { ...acc, debt: acc.debt.map((p, j) => (j === i ? { asset: p.asset, amount } : { ...p })) };
}
function withCollateral(acc: Account, i: number, balance: bigint): Account {
  return { ...acc, collateral: acc.collateral.map((p, j) => (j === i ? { asset: p.asset, balance } : { ...p })) };
}
function withPrice(acc: Account, assetIdx: number, price: bigint): Account {
  return { ...acc, assets: acc.assets.map((a, j) => (j === assetIdx ? { ...a, price } : a)) };
}

/** Smallest x in [lo, hi] with pred(x), pred monotone false..true; null if pred(hi) is false. */
export function searchMin(lo: bigint, hi: bigint, pred: (x: bigint) => boolean): bigint | null {
  if (!pred(hi)) return null;
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if (pred(mid)) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/** Debt amount of debt entry i giving exactly healthFactor == target (HF falls as debt grows). */
function debtForExactHF(acc: Account, i: number, target: bigint): Account {
  const hi = MAX_UINT128;
  const x = searchMin(1n, hi, (amt) => health(withDebt(acc, i, amt)).healthFactor <= target);
  if (x === null) throw new Error("debtForExactHF: unreachable");
  const out = withDebt(acc, i, x);
  const hf = health(out).healthFactor;
  if (hf !== target) throw new Error(`debtForExactHF: HF jumps over ${target} (got ${hf})`);
  return out;
}

/** Debt amount of debt entry i giving approximately healthFactor == target (largest debt with HF >= target). */
function debtForHF(acc: Account, i: number, target: bigint): Account {
  const x = searchMin(1n, MAX_UINT128, (amt) => health(withDebt(acc, i, amt)).healthFactor < target);
  if (x === null) throw new Error("debtForHF: unreachable");
  return withDebt(acc, i, x > 1n ? x - 1n : 1n);
}

/** Token units worth about usdValue (WAD) at the asset's price. */
function unitsFor(a: AssetConfig, usdValue: bigint): bigint {
  const u = (usdValue * 10n ** BigInt(a.decimals)) / a.price;
  return u > 0n ? u : 1n;
}

// ---------------------------------------------------------------------------------------------
// Vector construction

interface PairOptions {
  /** Add a repayAmount of 0 on liquidatable pairs: on every pair, or the first pair only. */
  zero: "all" | "first" | "none";
  /** Liquidation attempts on a healthy account: on every pair, or the first pair only. */
  healthy: "all" | "first";
  /** Add a random repayAmount in [1, maxRepay - 1]. */
  random: boolean;
}

interface VectorDef {
  name: string;
  tags: string[];
  account: Account;
  /** Extra repayAmounts per pair, keyed "d:c" (asset indices). */
  extra?: Record<string, bigint[]>;
  options?: Partial<PairOptions>;
  /** Tags that the vector must earn from its computed outcome (checked, so a def can't silently miss its case). */
  mustHave?: string[];
}

const s = (x: bigint): string => x.toString();

function jsonLiquidation(o: LiquidationOutcome): JsonLiquidation {
  return {
    repayAmount: s(o.repayAmount),
    error: o.error,
    repaid: s(o.repaid),
    seized: s(o.seized),
    fee: s(o.fee),
    toLiquidator: s(o.toLiquidator),
    healthAfter: s(o.healthAfter),
    badDebt: o.badDebt.map((b) => ({ asset: b.asset, amount: s(b.amount) })),
  };
}

function buildVector(def: VectorDef): JsonVector {
  const acc = def.account;
  const errs = validateAccount(acc);
  if (errs.length > 0) throw new Error(`vector ${def.name}: ${errs.join("; ")}`);
  if (acc.debt.length === 0 && !def.tags.includes("no-debt")) throw new Error(`vector ${def.name}: no debt`);
  const opt: PairOptions = { zero: "all", healthy: "all", random: true, ...def.options };
  const rng = Rng.fromString(def.name);
  const h = health(acc);
  const auto = new Set<string>();
  auto.add(h.liquidatable ? "liquidatable" : "healthy");
  if (acc.debt.length === 0) auto.add("no-debt");
  for (const p of acc.collateral) {
    const a = acc.assets[p.asset]!;
    auto.add(`coll-dec${a.decimals}`);
    if (valueDown(p.balance, a.price, a.decimals) > a.sizeThreshold) auto.add("size-tier");
  }
  for (const p of acc.debt) auto.add(`debt-dec${acc.assets[p.asset]!.decimals}`);
  if (acc.collateral.length >= 2 && acc.debt.length >= 2) auto.add("multi-pair");

  const pairs: JsonPair[] = [];
  let first = true;
  for (const dp of acc.debt) {
    for (const cp of acc.collateral) {
      const d = dp.asset;
      const c = cp.asset;
      const m: MaxLiquidation = maxLiquidation(acc, d, c);
      const amounts: bigint[] = [];
      if (h.liquidatable) {
        amounts.push(REPAY_MAX, m.maxRepay);
        if (opt.random && m.maxRepay > 1n) amounts.push(rng.range(1n, m.maxRepay - 1n));
        if (opt.zero === "all" || (opt.zero === "first" && first)) amounts.push(0n);
        switch (m.trace.zone) {
          case "all-of-d":
            auto.add("counterproductive");
            break;
          case "target":
            auto.add("target-repay");
            break;
        }
        if (m.trace.dustFullRepay) auto.add("dust-full-repay");
        if (m.trace.cappedByCollateral) auto.add("capped-by-collateral");
        if (m.trace.cDust === "seize-all-c") auto.add("c-dust-seize-all");
        if (m.trace.cDust === "repay-all-d") auto.add("c-dust-repay-all-d");
      } else if (opt.healthy === "all" || first) {
        amounts.push(REPAY_MAX, dp.amount);
      }
      for (const x of def.extra?.[`${d}:${c}`] ?? []) amounts.push(x);
      const seen = new Set<bigint>();
      const liqs: JsonLiquidation[] = [];
      for (const x of amounts) {
        if (seen.has(x)) continue;
        seen.add(x);
        const o = liquidate(acc, d, c, x);
        if (o.error === "NotLiquidatable") auto.add("not-liquidatable");
        if (o.error === "ZeroRepay") auto.add("zero-repay");
        if (o.error === "MustNotLeaveDust") auto.add("must-not-leave-dust");
        if (o.badDebt.length > 0) auto.add(o.badDebt.length > 1 ? "bad-debt-multi" : "bad-debt");
        liqs.push(jsonLiquidation(o));
      }
      pairs.push({ debtAsset: d, collateralAsset: c, bonus: s(m.bonus), maxRepay: s(m.maxRepay), maxSeize: s(m.maxSeize), liquidations: liqs });
      first = false;
    }
  }
  if (auto.has("bad-debt-multi")) auto.add("bad-debt");
  for (const t of def.mustHave ?? []) {
    if (!auto.has(t)) throw new Error(`vector ${def.name}: expected tag ${t}, got ${[...auto].join(",")}`);
  }
  const tags = [...def.tags];
  for (const t of [...auto].sort()) if (!tags.includes(t)) tags.push(t);
  return {
    name: def.name,
    tags,
    global: { minBonus: s(acc.global.minBonus), targetHealth: s(acc.global.targetHealth), minLeftover: s(acc.global.minLeftover) },
    assets: acc.assets.map((a) => ({
      symbol: a.symbol,
      decimals: a.decimals,
      price: s(a.price),
      ltv: a.ltv,
      liquidationThreshold: a.liquidationThreshold,
      maxBonus: s(a.maxBonus),
      sizeThreshold: s(a.sizeThreshold),
      sizeFactor: a.sizeFactor,
      protocolFee: a.protocolFee,
    })),
    collateral: acc.collateral.map((p) => ({ asset: p.asset, balance: s(p.balance) })),
    debt: acc.debt.map((p) => ({ asset: p.asset, amount: s(p.amount) })),
    expected: {
      collateralValue: s(h.collateralValue),
      weightedCollateral: s(h.weightedCollateral),
      initialMarginValue: s(h.initialMarginValue),
      debtValue: s(h.debtValue),
      healthFactor: s(h.healthFactor),
      liquidatable: h.liquidatable,
      pairs,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Hand-built vectors

function handBuilt(): VectorDef[] {
  const out: VectorDef[] = [];

  // The worked example: 1 ETH @ 2000, USDC debt.
  out.push({
    name: "eth-usdc-healthy-1500",
    tags: ["worked-example", "not-liquidatable"],
    account: account([WETH(), USDC()], [[0, wad("1")]], [[1, units("1500", 6)]]),
    mustHave: ["not-liquidatable"],
  });
  out.push({
    name: "eth-usdc-target-repay-1700",
    tags: ["worked-example", "target-repay"],
    account: account([WETH(), USDC()], [[0, wad("1")]], [[1, units("1700", 6)]]),
    mustHave: ["target-repay"],
  });

  // 6/8/18 decimals on both sides, odd prices (non-integer values), HF about 0.95 (target zone).
  for (const cd of [6, 8, 18]) {
    for (const dd of [6, 8, 18]) {
      const coll = mkAsset(`COL${cd}`, cd, 37_123_456_789_012_345_679n, { maxBonus: wad("0.08"), protocolFee: 1500 });
      const debtA = mkAsset(`DEB${dd}`, dd, 1_000_123_456_789_012_345n, { ltv: 8500, liquidationThreshold: 8800, maxBonus: wad("0.04") });
      const base = account([coll, debtA], [[0, unitsFor(coll, wad("25000.5"))]], [[1, 1n]]);
      out.push({
        name: `decimals-coll${cd}-debt${dd}`,
        tags: ["decimals", "rounding"],
        account: debtForHF(base, 0, wad("0.95")),
        mustHave: ["target-repay"],
      });
    }
  }

  // Rounding edges.
  out.push({
    name: "rounding-1wei-debt-1wei-collateral",
    tags: ["rounding", "1-wei"],
    account: account([mkAsset("TKA", 18, wad("1")), mkAsset("TKB", 18, wad("1"), { ltv: 8500, liquidationThreshold: 9000, maxBonus: wad("0.05") })], [[0, 1n]], [[1, 1n]]),
  });
  out.push({
    name: "rounding-1unit-wbtc-vs-usdc",
    tags: ["rounding", "1-wei"],
    account: account([WBTC(), USDC()], [[0, 1n]], [[1, 600n]]),
  });
  out.push({
    name: "rounding-1wei-repay-of-large-account",
    tags: ["rounding", "1-wei"],
    account: account([WETH(), DAI()], [[0, wad("100")]], [[1, wad("172000")]]),
    extra: { "1:0": [1n, 2n, 3n] },
  });
  {
    // Prices that are not round: 1/3 USD and 2000 - 1 wei; balances with odd low digits.
    const third = mkAsset("THIRD", 18, 333_333_333_333_333_333n, { ltv: 7000, liquidationThreshold: 7500, maxBonus: wad("0.1") });
    const eth = WETH({ price: wad("2000") - 1n });
    const usdt = mkAsset("USDT", 6, 999_800_000_000_000_001n, { ltv: 8500, liquidationThreshold: 8800, maxBonus: wad("0.04") });
    const base = account([third, eth, usdt], [[0, 3_000_000_000_000_000_000_001n], [1, 123_456_789_012_345_677n]], [[2, 1n]]);
    out.push({ name: "rounding-odd-prices-third-usd", tags: ["rounding", "odd-prices"], account: debtForHF(base, 0, wad("0.93")) });
  }

  // Health factor exactly at L_max and one wei either side; HF exactly 1 and one wei below.
  {
    const base = account([WETH(), DAI()], [[0, wad("10")]], [[1, 1n]]);
    const lm = lMax(base.assets[0]!);
    out.push({ name: "hf-at-lmax-exactly", tags: ["lmax-edge", "counterproductive"], account: debtForExactHF(base, 0, lm), mustHave: ["counterproductive"] });
    out.push({ name: "hf-at-lmax-minus-1wei", tags: ["lmax-edge", "counterproductive"], account: debtForExactHF(base, 0, lm - 1n), mustHave: ["counterproductive"] });
    out.push({ name: "hf-at-lmax-plus-1wei", tags: ["lmax-edge", "target-repay"], account: debtForExactHF(base, 0, lm + 1n), mustHave: ["target-repay"] });
    out.push({ name: "hf-exactly-1e18", tags: ["hf-one", "not-liquidatable"], account: debtForExactHF(base, 0, WAD), mustHave: ["not-liquidatable"] });
    out.push({ name: "hf-1e18-minus-1wei", tags: ["hf-one", "target-repay"], account: debtForExactHF(base, 0, WAD - 1n), mustHave: ["target-repay"] });
    // The same edges with 2 collaterals so that the counterproductive zone is not forced to seize all.
    const base2 = account([WETH(), LINK(), USDC()], [[0, wad("10")], [1, wad("4000")]], [[2, 1n]]);
    const lm2 = lMax(base2.assets[0]!);
    out.push({ name: "two-coll-hf-at-weth-lmax", tags: ["lmax-edge"], account: debtForHF(base2, 0, lm2) });
    out.push({ name: "two-coll-hf-at-link-lmax", tags: ["lmax-edge"], account: debtForHF(base2, 0, lMax(base2.assets[1]!)) });
  }

  // Target repay at several target health factors.
  for (const thf of ["1.01", "1.05", "1.25"]) {
    const g = { ...G0, targetHealth: wad(thf) };
    const base = account([WETH(), USDC()], [[0, wad("3.5")]], [[1, 1n]], g);
    out.push({ name: `target-repay-thf-${thf}`, tags: ["target-repay"], account: debtForHF(base, 0, wad("0.96")), mustHave: ["target-repay"] });
  }
  {
    const g = { ...G0, minBonus: 0n };
    const base = account([WBTC(), DAI()], [[0, units("2.5", 8)]], [[1, 1n]], g);
    out.push({ name: "target-repay-min-bonus-zero", tags: ["target-repay"], account: debtForHF(base, 0, wad("0.99")), mustHave: ["target-repay"] });
  }

  // Counterproductive zone: HF <= L_max -> all of d.
  out.push({
    name: "counterproductive-single-collateral-bad-debt",
    tags: ["counterproductive", "bad-debt"],
    account: debtForHF(account([WETH(), USDC()], [[0, wad("2")]], [[1, 1n]]), 0, wad("0.8")),
    mustHave: ["counterproductive", "capped-by-collateral", "bad-debt"],
  });
  out.push({
    name: "counterproductive-two-collaterals",
    tags: ["counterproductive"],
    account: debtForHF(account([WETH(), WBTC(), USDC()], [[0, wad("5")], [1, units("0.3", 8)]], [[2, 1n]]), 0, wad("0.7")),
    mustHave: ["counterproductive"],
  });
  out.push({
    // Size tier: the collateral is worth far more than its weight, so all of d is paid without a cap.
    name: "counterproductive-size-tier-no-cap",
    tags: ["counterproductive", "size-tier"],
    account: debtForHF(account([WETH({ sizeThreshold: wad("100000"), sizeFactor: 2000 }), USDC()], [[0, wad("500")]], [[1, 1n]]), 0, wad("0.85")),
    mustHave: ["counterproductive", "size-tier"],
  });

  // Seize capped by the collateral balance (no bad debt: another collateral remains).
  out.push({
    name: "capped-by-small-collateral",
    tags: ["capped-by-collateral"],
    account: debtForHF(account([WETH(), LINK(), DAI()], [[0, wad("10")], [1, wad("3")]], [[2, 1n]]), 0, wad("0.95")),
    mustHave: ["capped-by-collateral", "target-repay"],
  });

  // Dust forcing a full repay: the target would leave less than minLeftover of debt.
  {
    const base = account([WETH(), USDC()], [[0, wad("0.07")]], [[1, 1n]]);
    const acc = debtForHF(base, 0, wad("0.99"));
    const m = maxLiquidation(acc, 1, 0);
    out.push({
      name: "dust-forces-full-repay",
      tags: ["dust-full-repay", "must-not-leave-dust"],
      account: acc,
      // The undusted target, and one unit short of all of d: both leave debt dust -> revert.
      extra: { "1:0": [m.trace.repayStep3, m.maxRepay - 1n] },
      mustHave: ["dust-full-repay", "must-not-leave-dust"],
    });
  }

  // c-dust: the target would leave 0 < value(bal_c - seized) < minLeftover: seize all of c.
  {
    const base = account([WETH(), WBTC(), USDC()], [[0, wad("20")], [1, 1n]], [[2, 1n]]);
    const found = findCDust(base, 1, (acc) => maxLiquidation(acc, 2, 1).trace.cDust === "seize-all-c");
    const m = maxLiquidation(found, 2, 1);
    out.push({
      name: "c-dust-seize-all-collateral",
      tags: ["c-dust-seize-all", "must-not-leave-dust"],
      account: found,
      // The target before the c-dust rule leaves collateral dust -> revert.
      extra: { "2:1": [m.trace.repayStep3, m.maxRepay - 1n] },
      mustHave: ["c-dust-seize-all", "must-not-leave-dust"],
    });
  }
  out.push(cDustRepayAllD());

  // MustNotLeaveDust on one side only: a repayAmount below a max that the dust rules raised.
  {
    // Debt side: all of d is the max (HF <= L_max; a size tier lets c pay for it); repaying all but
    // 50 USD leaves debt dust while plenty of collateral remains.
    const acc = debtForHF(account([WETH({ sizeThreshold: wad("100000"), sizeFactor: 2000 }), USDC()], [[0, wad("400")]], [[1, 1n]]), 0, wad("0.8"));
    const debt = acc.debt[0]!.amount;
    out.push({
      name: "must-not-leave-dust-debt-side",
      tags: ["must-not-leave-dust", "counterproductive", "size-tier"],
      account: acc,
      extra: { "1:0": [debt - units("50", 6), debt - units("100", 6)] },
      mustHave: ["must-not-leave-dust", "counterproductive"],
    });
  }
  {
    // Collateral side: the target needs more LINK than the account holds (seize all of it); a repay
    // that leaves 50 USD of LINK reverts, while the debt left is large.
    const acc = debtForHF(account([WETH(), LINK(), DAI()], [[0, wad("10")], [1, wad("40")]], [[2, 1n]]), 0, wad("0.95"));
    const link = acc.assets[1]!;
    const bal = acc.collateral[1]!.balance;
    const left50 = unitsFor(link, wad("50"));
    const m = maxLiquidation(acc, 2, 1);
    const r = searchMin(1n, m.maxRepay, (x) => liquidate(acc, 2, 1, x).seized >= bal - left50);
    if (r === null) throw new Error("must-not-leave-dust-collateral-side: no repay");
    out.push({
      name: "must-not-leave-dust-collateral-side",
      tags: ["must-not-leave-dust", "capped-by-collateral"],
      account: acc,
      extra: { "2:1": [r, m.maxRepay - 1n] },
      mustHave: ["must-not-leave-dust", "capped-by-collateral"],
    });
  }

  // Not liquidatable.
  out.push({
    name: "healthy-two-debts",
    tags: ["not-liquidatable"],
    account: account([WETH(), USDC(), DAI()], [[0, wad("5")]], [[1, units("3000", 6)], [2, wad("2000")]]),
    mustHave: ["not-liquidatable"],
  });
  out.push({ name: "no-debt", tags: ["no-debt"], account: account([WETH(), USDC()], [[0, wad("1")]], []) });

  // Size tiers.
  out.push({
    name: "size-tier-target-repay",
    tags: ["size-tier", "target-repay"],
    account: debtForHF(account([WETH({ sizeThreshold: wad("1000000"), sizeFactor: 8000 }), USDC()], [[0, wad("1500")]], [[1, 1n]]), 0, wad("0.97")),
    mustHave: ["size-tier", "target-repay"],
  });
  {
    // Healthy without the tier, liquidatable with it.
    const tiered = WETH({ sizeThreshold: wad("2000000"), sizeFactor: 5000 });
    out.push({
      name: "size-tier-makes-liquidatable",
      tags: ["size-tier"],
      account: account([tiered, DAI()], [[0, wad("2000")]], [[1, wad("2900000")]]),
      mustHave: ["size-tier", "liquidatable"],
    });
  }

  // Bad debt.
  out.push({
    name: "bad-debt-one-debt",
    tags: ["bad-debt"],
    account: account([LINK(), USDC()], [[0, wad("100")]], [[1, units("1400", 6)]]),
    mustHave: ["bad-debt"],
  });
  out.push({
    name: "bad-debt-two-debts",
    tags: ["bad-debt", "bad-debt-multi"],
    account: account([WETH(), USDC(), DAI()], [[0, wad("1")]], [[1, units("1900", 6)], [2, wad("1100")]]),
    mustHave: ["bad-debt-multi"],
  });

  // 2 collaterals x 2 debts.
  {
    const assets = [WETH(), WBTC(), USDC(), DAI()];
    const base = account(assets, [[0, wad("12.5")], [1, units("0.75", 8)]], [[2, units("30000", 6)], [3, 1n]]);
    for (const hf of ["0.97", "0.90", "0.80"]) {
      out.push({ name: `two-by-two-hf-${hf}`, tags: ["two-by-two"], account: debtForHF(base, 1, wad(hf)), mustHave: ["multi-pair"] });
    }
  }

  // Large values: full-precision mulDiv (products of the formulas exceed 2^256).
  {
    const bigA = mkAsset("BIGA", 18, wad("1000000"), { sizeFactor: 10_000 }); // price 1e24
    const bigB = mkAsset("BIGB", 18, 1_234_567_890_123_456_789_012_345n, { ltv: 8500, liquidationThreshold: 8800, maxBonus: wad("0.04"), sizeFactor: 10_000 });
    const base = account([bigA, bigB], [[0, 10n ** 30n + 12_345n]], [[1, 1n]]);
    out.push({ name: "large-1e30-units-target", tags: ["large-values"], account: debtForHF(base, 0, wad("0.96")) });
    out.push({ name: "large-1e30-units-counterproductive", tags: ["large-values"], account: debtForHF(base, 0, wad("0.6")) });
    const hugeA = mkAsset("HUGEA", 18, 10n ** 36n, { sizeFactor: 10_000 });
    const hugeB = mkAsset("HUGEB", 18, 999_999_999_999_999_999_999_999_999_999_999_999n, { ltv: 8500, liquidationThreshold: 8800, maxBonus: wad("0.04"), sizeFactor: 10_000 });
    const huge = account([hugeA, hugeB], [[0, 3n * 10n ** 38n]], [[1, 1n]]);
    out.push({ name: "huge-uint128-balance-price-1e36", tags: ["large-values"], account: debtForHF(huge, 0, wad("0.93")) });
  }
  return out;
}

/** Search collateral entry i's balance so that ok(acc) holds (c-dust cases). */
function findCDust(base: Account, i: number, ok: (acc: Account) => boolean): Account {
  const a = base.assets[base.collateral[i]!.asset]!;
  // Scan from 1 USD to 100k USD of the collateral, with a debt that puts HF at 0.95.
  for (let usd = 1n; usd <= 100_000n; usd += 7n) {
    const acc = debtForHF(withCollateral(base, i, unitsFor(a, usd * WAD)), 0, wad("0.95"));
    if (ok(acc)) return acc;
  }
  throw new Error("findCDust: not found");
}

/**
 * The c-dust rule's second branch ("or repays all of d if that is less"): d remains, the collateral
 * left is dust, and seizing all of c would cost more than all of d. With leftovers valued
 * valueUp(debt left) >= minLeftover > valueDown(collateral left), seizing all of c costs
 * (collateral left)/(1 + b) more than the target, so this needs b = 0 exactly (minBonus = 0 and HF
 * within a wei or two of 1) and both leftovers within one wei of minLeftover:
 * minLeftover - 1 < debtLeft < collateralLeft < minLeftover (exact values in USD wei). It is
 * constructed on integer values: tiny-priced 18-decimal tokens (1 unit = about 1e-4 wei of USD) let
 * every exact value be placed inside its wei; a second collateral sets W.
 */
function cDustRepayAllD(): VectorDef {
  const g: Globals = { minBonus: 0n, targetHealth: wad("1.05"), minLeftover: wad("100") };
  const other = mkAsset("PEPE", 18, 123_456_789_012_345n, { ltv: 6000, liquidationThreshold: 6500, maxBonus: wad("0.1") });
  const coll = mkAsset("SHIB", 18, 111_111_111_111_111n, { ltv: 7500, liquidationThreshold: 8250, maxBonus: wad("0.05") });
  const debtA = mkAsset("FLOKI", 18, 98_765_432_109_876n, { ltv: 7000, liquidationThreshold: 7500, maxBonus: wad("0.05") });
  const assets = [other, coll, debtA];
  const m = g.minLeftover;
  const lt = BigInt(coll.liquidationThreshold);
  /** Smallest units u with loS < u * price < hiS (both bounds exclusive, values scaled by 1e18), or null. */
  const unitsIn = (a: AssetConfig, loS: bigint, hiS: bigint): bigint | null => {
    const u = loS / a.price + 1n;
    return u * a.price < hiS ? u : null;
  };
  /** Largest units u with loS < u * price < hiS, or null. */
  const unitsInTop = (a: AssetConfig, loS: bigint, hiS: bigint): bigint | null => {
    const u = (hiS - 1n) / a.price;
    return u * a.price > loS ? u : null;
  };
  const l1 = BigInt(other.liquidationThreshold);
  // Where the debt left after the target is about m: d_left ~ W * (1 - (THF - 1) / (THF - LT_c)) with D ~ W.
  const wStar = (m * (g.targetHealth * BPS - lt * WAD)) / (g.targetHealth * BPS - lt * WAD - (g.targetHealth - WAD) * BPS);
  for (let dw = 0n; dw < 4000n; dw++) {
    const W = wStar - 2000n + dw;
    for (let k = 1n; k <= 400n; k++) {
      const D = W + k;
      const hf = (W * WAD) / D;
      if (hf >= WAD) continue;
      const b = hf <= lMax(coll) ? coll.maxBonus : g.minBonus + ((coll.maxBonus - g.minBonus) * (WAD - hf)) / (WAD - lMax(coll));
      if (b !== 0n) break; // HF only falls as k grows
      const thfD = (g.targetHealth * D + WAD - 1n) / WAD;
      const num = (thfD - W) * WAD * BPS;
      const den = g.targetHealth * BPS - lt * (WAD + b);
      const rTarget = (num + den - 1n) / den;
      const T = (rTarget * WAD + debtA.price - 1n) / debtA.price; // units of d
      // Exact values below are scaled by 1e18 (value * 1e18 = units * price).
      // Debt: D_exact in (D - 1, D] and D_exact - Tv in (m - 1, m).
      const tvS = T * debtA.price;
      const loS = (D - 1n) * WAD > (m - 1n) * WAD + tvS ? (D - 1n) * WAD : (m - 1n) * WAD + tvS;
      const hiS = D * WAD + 1n < m * WAD + tvS ? D * WAD + 1n : m * WAD + tvS;
      const debtUnits = unitsIn(debtA, loS, hiS);
      if (debtUnits === null || debtUnits <= T) continue;
      const dLeftS = (debtUnits - T) * debtA.price;
      // Collateral c: c left in (d left, m), i.e. bal_c * p_c in (dLeft + s, m + s), as near m as
      // can be so that seizing all of c costs more than all of d; its integer value vc.
      const seizedUnits = (T * debtA.price) / coll.price; // b = 0, both 18 decimals
      const sS = seizedUnits * coll.price;
      const balC = unitsInTop(coll, dLeftS + sS, m * WAD + sS);
      if (balC === null) continue;
      const vc = (balC * coll.price) / WAD;
      // The other collateral makes up the rest of W.
      const w1 = W - (vc * lt) / BPS;
      const v1 = (w1 * BPS + l1 - 1n) / l1;
      if ((v1 * l1) / BPS !== w1) continue;
      const bal1 = (v1 * WAD + other.price - 1n) / other.price;
      const acc = account(assets, [[0, bal1], [1, balC]], [[2, debtUnits]], g);
      if (maxLiquidation(acc, 2, 1).trace.cDust === "repay-all-d") {
        return {
          name: "c-dust-repay-all-d-rounding-edge",
          tags: ["c-dust-repay-all-d", "rounding"],
          account: acc,
          // The target before the c-dust rule leaves collateral dust -> revert.
          extra: { "2:1": [maxLiquidation(acc, 2, 1).trace.repayStep3] },
          mustHave: ["c-dust-repay-all-d", "must-not-leave-dust"],
        };
      }
    }
  }
  throw new Error("cDustRepayAllD: not found");
}

// ---------------------------------------------------------------------------------------------
// Edges found by mutation testing of the keeper twin (keeper/src/math/healthMath.ts): each vector
// below makes one comparison or rounding step of maxLiquidation / liquidationFor observable, so a
// slip in it (< for <=, a wrong operand, a dropped cap) changes an expected field.

/** Smallest balance of collateral entry i in [lo, hi] with pred (pred monotone false..true in the balance). */
function collateralFor(acc: Account, i: number, lo: bigint, hi: bigint, pred: (a: Account) => boolean): Account | null {
  const x = searchMin(lo, hi, (b) => pred(withCollateral(acc, i, b)));
  return x === null ? null : withCollateral(acc, i, x);
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`twin-edge construction: ${what}`);
}

/** The pair's repay after step 3 and its uncapped seize (the inputs of the dust rules). */
function step3(acc: Account, d: number, c: number): { m: MaxLiquidation; repay: bigint; seize: bigint } {
  const m = maxLiquidation(acc, d, c);
  return { m, repay: m.trace.repayStep3, seize: m.trace.zone === "healthy" ? 0n : seizeFor(acc, d, c, m.trace.repayStep3, m.bonus) };
}

/** Step 3's target repay in units of d at bonus b (as if HF were above L_max), uncapped by the debt. */
function targetUnitsAt(acc: Account, d: number, c: number, b: bigint): bigint {
  const h = health(acc);
  const g = acc.global;
  const den = g.targetHealth * BPS - BigInt(acc.assets[c]!.liquidationThreshold) * (WAD + b);
  const r = (((g.targetHealth * h.debtValue + WAD - 1n) / WAD - h.weightedCollateral) * WAD * BPS + den - 1n) / den;
  const ad = acc.assets[d]!;
  return (r * 10n ** BigInt(ad.decimals) + ad.price - 1n) / ad.price;
}

function twinEdges(): VectorDef[] {
  const out: VectorDef[] = [];
  const MEME = (o: Partial<AssetConfig> = {}) =>
    mkAsset("MEME", 18, wad("0.001"), { ltv: 5000, liquidationThreshold: 6000, maxBonus: wad("0.15"), protocolFee: 1200, ...o });

  // HF exactly at L_max of the seized collateral (and one wei either side), 2 collaterals, one debt
  // whose unit is worth 1 wei of USD. At HF == L_max all of d is the max; the target formula there
  // gives D - D * (W * WAD / D - L_max) / (THF - L_max) wei, a little less than all of d, so taking the
  // target branch at HF == L_max (`>=` for `>`) would repay less. That is only visible if c can pay
  // for all of d uncapped, which at HF <= L_max needs a size tier on c (without one, c is worth at
  // most D * (1 + maxBonus) there and the seize is capped either way). With minLeftover = 0 no dust
  // rule hides the difference; the "huge" variant keeps minLeftover = 100 USD with D about 1e21 USD.
  {
    const g = { ...G0, minLeftover: 0n };
    const tiered = WETH({ sizeThreshold: wad("1000000"), sizeFactor: 5000 });
    const base = account([tiered, LINK(), DAI()], [[0, wad("3000")], [1, wad("60000")]], [[2, 1n]], g);
    const lm = lMax(tiered);
    for (const [sfx, hf, zone] of [["", lm, "counterproductive"], ["-minus-1wei", lm - 1n, "counterproductive"], ["-plus-1wei", lm + 1n, "target-repay"]] as const) {
      const acc = debtForExactHF(base, 0, hf);
      const m = maxLiquidation(acc, 2, 0);
      expect(!m.trace.cappedByCollateral && m.trace.cDust === null, `two-coll-hf-exactly-weth-lmax${sfx}: capped`);
      if (sfx === "") expect(targetUnitsAt(acc, 2, 0, tiered.maxBonus) < acc.debt[0]!.amount, "two-coll-hf-exactly-weth-lmax: target not below all of d");
      out.push({ name: `two-coll-hf-exactly-weth-lmax${sfx}`, tags: ["lmax-edge", "size-tier", "twin-edge"], account: acc, mustHave: [zone, "size-tier"] });
    }
    const hugeColl = mkAsset("HUGEC", 18, 10n ** 30n, { ltv: 8000, liquidationThreshold: 8250, maxBonus: wad("0.075"), sizeThreshold: wad("10000000000"), sizeFactor: 6000 });
    const hugeOther = mkAsset("HUGEO", 18, 10n ** 29n + 12_345n, { ltv: 6500, liquidationThreshold: 7000, maxBonus: wad("0.1") });
    const hugeDebt = mkAsset("HUGED", 18, 10n ** 30n + 7n, { ltv: 8400, liquidationThreshold: 8700, maxBonus: wad("0.045") });
    const huge = debtForExactHF(account([hugeColl, hugeOther, hugeDebt], [[0, 10n ** 27n], [1, 3n * 10n ** 27n]], [[2, 1n]]), 0, lMax(hugeColl));
    const t = targetUnitsAt(huge, 2, 0, hugeColl.maxBonus);
    expect(t < huge.debt[0]!.amount && valueUp(huge.debt[0]!.amount - t, hugeDebt.price, 18) >= huge.global.minLeftover, "two-coll-hf-exactly-lmax-huge: target leaves dust");
    expect(!maxLiquidation(huge, 2, 0).trace.cappedByCollateral, "two-coll-hf-exactly-lmax-huge: capped");
    out.push({ name: "two-coll-hf-exactly-lmax-huge-min-leftover", tags: ["lmax-edge", "large-values", "size-tier", "twin-edge"], account: huge, mustHave: ["counterproductive", "size-tier"] });
  }

  // The debt left after the target is worth exactly minLeftover (not dust: no full repay). 2x2.
  {
    const base = account([WETH(), WBTC(), USDC(), DAI()], [[0, 1n], [1, units("0.2", 8)]], [[2, units("60000", 6)], [3, wad("20000")]]);
    const acc = collateralFor(base, 0, 1n, wad("1000"), (a) => {
      const t = step3(a, 2, 0);
      return units("60000", 6) - t.repay >= units("100", 6);
    });
    expect(acc !== null, "debt-left-exactly-min-leftover: not found");
    const t = step3(acc!, 2, 0);
    expect(t.m.trace.zone === "target" && units("60000", 6) - t.repay === units("100", 6) && t.m.maxRepay === t.repay, "debt-left-exactly-min-leftover: missed");
    out.push({ name: "two-by-two-debt-left-exactly-min-leftover", tags: ["two-by-two", "dust-edge", "twin-edge"], account: acc!, mustHave: ["target-repay", "multi-pair"] });
  }

  // Dust forces a full repay of a debt whose repay in units exceeds every USD-WAD figure of the
  // account (cheap 18-decimal token): the leftover test must compare repay with the debt, nothing else.
  {
    const base = account([WETH(), LINK(), MEME(), USDC()], [[0, wad("0.1")], [1, wad("10")]], [[2, 1n], [3, units("100", 6)]]);
    const acc = debtForHF(base, 0, wad("0.98"));
    const m = maxLiquidation(acc, 2, 0);
    expect(m.trace.dustFullRepay && m.trace.repayStep3 > health(acc).debtValue * 100n && m.trace.repayStep3 > acc.global.minLeftover, "dust-full-repay-cheap-debt: missed");
    out.push({
      name: "two-by-two-dust-full-repay-cheap-debt-units",
      tags: ["two-by-two", "dust-full-repay", "twin-edge"],
      account: acc,
      extra: { "2:0": [m.trace.repayStep3], "2:1": [maxLiquidation(acc, 2, 1).trace.repayStep3] },
      mustHave: ["dust-full-repay", "multi-pair"],
    });
  }

  // c-dust (seize all of c) where the seize in units of a cheap 18-decimal collateral exceeds the
  // debt in units of a 6-decimal one: the c-dust test must compare repay with the debt and seize
  // with the balance, not across.
  {
    const base = account([WETH(), MEME(), USDC(), DAI()], [[0, wad("20")], [1, 1n]], [[2, 1n], [3, wad("3000")]]);
    const found = findCDust(base, 1, (a) => {
      const m = maxLiquidation(a, 2, 1);
      return m.trace.cDust === "seize-all-c" && seizeFor(a, 2, 1, m.trace.repayStep3, m.bonus) > a.debt[0]!.amount;
    });
    const m = maxLiquidation(found, 2, 1);
    out.push({
      name: "two-by-two-c-dust-seize-all-cheap-collateral-units",
      tags: ["two-by-two", "c-dust-seize-all", "twin-edge"],
      account: found,
      extra: { "2:1": [m.trace.repayStep3] },
      mustHave: ["c-dust-seize-all", "must-not-leave-dust", "multi-pair"],
    });
  }

  // The target seize is exactly all of c (uncapped, so the target repay stays, although a smaller
  // repay would seize as much), and the target seize leaves exactly minLeftover of c. A USDC
  // collateral against an 18-decimal debt: one USDC unit costs about 1e12 debt units. 2x2.
  {
    const base = account([WETH(), USDC(), DAI(), WBTC()], [[0, 1n], [1, units("15000", 6)]], [[2, wad("20000")], [3, units("0.1", 8)]]);
    const bal = units("15000", 6);
    const tuneSeize = (target: bigint): Account => {
      const x1 = searchMin(1n, wad("1000"), (x) => step3(withCollateral(base, 0, x), 2, 1).seize <= target);
      const x2 = searchMin(1n, wad("1000"), (x) => step3(withCollateral(base, 0, x), 2, 1).seize <= target - 1n);
      expect(x1 !== null && x2 !== null && x1 < x2, "tuneSeize: not found");
      const acc = withCollateral(base, 0, (x1! + x2!) / 2n);
      const t = step3(acc, 2, 1);
      expect(t.m.trace.zone === "target" && t.seize === target && !t.m.trace.dustFullRepay, "tuneSeize: missed");
      return acc;
    };
    const all = tuneSeize(bal);
    const ta = step3(all, 2, 1);
    expect(ta.m.maxRepay === ta.repay && ta.m.maxSeize === bal && repayForSeize(all, 2, 1, bal, ta.m.bonus) < ta.repay, "seize-exactly-all-of-c: missed");
    out.push({
      name: "two-by-two-target-seizes-exactly-all-of-c",
      tags: ["two-by-two", "dust-edge", "twin-edge"],
      account: all,
      extra: { "2:1": [repayForSeize(all, 2, 1, bal, ta.m.bonus), ta.repay - 1n] },
      mustHave: ["target-repay", "multi-pair"],
    });
    const left = tuneSeize(bal - units("100", 6));
    const tl = step3(left, 2, 1);
    expect(tl.m.trace.cDust === null && tl.m.maxSeize === bal - units("100", 6), "c-left-exactly-min-leftover: missed");
    out.push({
      name: "two-by-two-c-left-exactly-min-leftover",
      tags: ["two-by-two", "dust-edge", "twin-edge"],
      account: left,
      extra: { "2:1": [tl.repay + 1n] },
      mustHave: ["target-repay", "multi-pair"],
    });
  }

  // c-dust where seizing all of c costs exactly all of d (repayForSeize(bal_c) == debt_d) and
  // seizing for all of d would take more than bal_c: the seize must be capped at bal_c. Needs a debt
  // unit worth minLeftover (a 6-decimal token at 1e8 USD) so that the debt left after the target
  // (one unit) is not dust while the collateral left is. The bonus is above minBonus. 2x2.
  {
    const BIGU = mkAsset("BIGU", 6, wad("100000000"), { ltv: 7000, liquidationThreshold: 7500, maxBonus: wad("0.05") });
    const coll = mkAsset("STBL", 18, wad("1"), { ltv: 7500, liquidationThreshold: 8250, maxBonus: wad("0.06"), protocolFee: 700 });
    const N = 1000n;
    let acc = account([coll, WETH(), BIGU, USDC()], [[0, 1n], [1, 1n]], [[2, N], [3, units("20000", 6)]]);
    let b = coll.maxBonus;
    let found: Account | null = null;
    for (let iter = 0; iter < 8 && found === null; iter++) {
      // bal_c with ceil(bal_c / rate) == N, about half a unit of d below N * rate.
      const perUnit = seizeFor(acc, 2, 0, 1_000_000n, b); // 1e6 units of d, for precision
      acc = withCollateral(acc, 0, ((2n * N - 1n) * perUnit) / 2_000_000n);
      const tuned = collateralFor(acc, 1, 1n, wad("100000"), (a) => step3(a, 2, 0).repay <= N - 1n);
      if (tuned === null) break;
      acc = tuned;
      const m = maxLiquidation(acc, 2, 0);
      b = m.bonus;
      const bal = acc.collateral[0]!.balance;
      if (m.trace.cDust === "seize-all-c" && m.maxRepay === N && repayForSeize(acc, 2, 0, bal, b) === N && seizeFor(acc, 2, 0, N, b) > bal && b > acc.global.minBonus) found = acc;
    }
    expect(found !== null, "c-dust-seize-all-costs-exactly-all-of-d: not found");
    const m = maxLiquidation(found!, 2, 0);
    out.push({
      name: "two-by-two-c-dust-seize-all-costs-exactly-all-of-d",
      tags: ["two-by-two", "c-dust-seize-all", "dust-edge", "twin-edge"],
      account: found!,
      extra: { "2:0": [m.trace.repayStep3] },
      mustHave: ["c-dust-seize-all", "multi-pair"],
    });
  }

  // The c-dust rule's second branch (repay all of d, seize for it, no cap) with a bonus above zero
  // and a seize in units far above the debt in units. With minLeftover = 1 wei this branch needs no
  // rounding coincidence: one wei of USD is the dust line, the debt token's unit is worth 0.01 wei
  // and the collateral's 0.001 wei; the other collateral's unit is worth 1e-4 wei so that W can be
  // set to the wei. The collateral's size tier (factor 0) keeps W independent of its balance, so the
  // balance can be set after the target is tuned. 2x2.
  {
    const g: Globals = { ...G0, minLeftover: 1n };
    const crumb = mkAsset("CRUMB", 18, wad("0.001"), { ltv: 7000, liquidationThreshold: 8000, maxBonus: wad("0.05"), sizeThreshold: wad("1000"), sizeFactor: 0 });
    const dust = mkAsset("DUST", 18, wad("0.01"), { ltv: 7000, liquidationThreshold: 7500, maxBonus: wad("0.06") });
    // A collateral worth 1e-4 wei of USD per unit sets W to the wei.
    const grain = mkAsset("GRAIN", 18, wad("0.0001"), { ltv: 7500, liquidationThreshold: 8000, maxBonus: wad("0.08") });
    let found: Account | null = null;
    for (let k = 0n; k < 200n && found === null; k++) {
      const N = wad("3000000") + k * 37n; // about 30k USD of DUST
      const base = account([grain, crumb, dust, USDC()], [[0, 1n], [1, wad("40000000")]], [[2, N], [3, units("20000", 6)]], g);
      const tuned = collateralFor(base, 0, 1n, 10n ** 30n, (a) => step3(a, 2, 1).repay <= N - 1n);
      if (tuned === null) continue;
      const t = step3(tuned, 2, 1);
      const j = N - t.repay;
      if (t.m.trace.zone !== "target" || j < 1n || j > 90n) continue;
      const acc = withCollateral(tuned, 1, seizeFor(tuned, 2, 1, t.repay, t.m.bonus) + 999n);
      const m = maxLiquidation(acc, 2, 1);
      const bal = acc.collateral[1]!.balance;
      if (m.trace.cDust === "repay-all-d" && m.maxRepay === N && m.maxSeize < bal && m.maxSeize > N && m.bonus > g.minBonus) found = acc;
    }
    expect(found !== null, "c-dust-repay-all-d-bonus: not found");
    const m = maxLiquidation(found!, 2, 1);
    out.push({
      name: "two-by-two-c-dust-repay-all-d-min-leftover-1wei",
      tags: ["two-by-two", "c-dust-repay-all-d", "size-tier", "dust-edge", "twin-edge"],
      account: found!,
      extra: { "2:1": [m.trace.repayStep3] },
      mustHave: ["c-dust-repay-all-d", "must-not-leave-dust", "multi-pair"],
    });
  }

  // A collateral with maxBonus = 0 (minBonus = 0): bonus 0 everywhere, liquidatable. 2x2.
  {
    const g = { ...G0, minBonus: 0n };
    const base = account([WETH({ maxBonus: 0n }), WBTC(), USDC(), DAI()], [[0, wad("5")], [1, units("0.2", 8)]], [[2, units("12000", 6)], [3, 1n]], g);
    out.push({ name: "two-by-two-zero-max-bonus", tags: ["two-by-two", "twin-edge"], account: debtForHF(base, 1, wad("0.95")), mustHave: ["target-repay", "multi-pair"] });
  }
  // A ZeroRepay case on the first pair only (covered everywhere else; keeps the on-chain test short).
  return out.map((d) => ({ ...d, options: { zero: "first", ...d.options } }));
}

// More 2 collaterals x 2 debts: 6/8/18 decimals mixed on both sides, odd prices, size tiers active
// on one or both collaterals, across the zones (target, counterproductive, capped, dust).
function twoByTwoMixed(): VectorDef[] {
  const out: VectorDef[] = [];
  const c18 = (o: Partial<AssetConfig> = {}) => mkAsset("XETH", 18, 2_345_678_901_234_567_891_234n, { ltv: 7800, liquidationThreshold: 8300, maxBonus: wad("0.07"), sizeFactor: 7000, ...o });
  const c8 = (o: Partial<AssetConfig> = {}) => mkAsset("XBTC", 8, 61_234_567_890_123_456_789_012n, { ltv: 7000, liquidationThreshold: 7700, maxBonus: wad("0.09"), sizeFactor: 6000, protocolFee: 1500, ...o });
  const c6 = (o: Partial<AssetConfig> = {}) => mkAsset("XUSD", 6, 999_870_000_000_000_001n, { ltv: 8600, liquidationThreshold: 9000, maxBonus: wad("0.03"), sizeFactor: 9000, protocolFee: 500, ...o });
  const d6 = (o: Partial<AssetConfig> = {}) => mkAsset("YUSD", 6, 1_000_130_000_000_000_007n, { ltv: 8500, liquidationThreshold: 8800, maxBonus: wad("0.04"), ...o });
  const d8 = (o: Partial<AssetConfig> = {}) => mkAsset("YBTC", 8, 60_987_654_321_098_765_432_109n, { ltv: 7300, liquidationThreshold: 7800, maxBonus: wad("0.1"), ...o });
  const d18 = (o: Partial<AssetConfig> = {}) => mkAsset("YLNK", 18, 14_371_234_567_890_123_457n, { ltv: 6500, liquidationThreshold: 7000, maxBonus: wad("0.1"), ...o });
  type Case = {
    name: string;
    /** Collateral makers, their USD values and size thresholds (USD, null: no tier). */
    coll: [(o?: Partial<AssetConfig>) => AssetConfig, string, string | null][];
    /** Debt makers; the second debt is worth debt2Usd, the first is set for the health factor. */
    debt: [(o?: Partial<AssetConfig>) => AssetConfig, (o?: Partial<AssetConfig>) => AssetConfig];
    debt2Usd: string;
    hf: string;
    g?: Partial<Globals>;
    mustHave: string[];
  };
  const cases: Case[] = [
    { name: "c18-c8-d6-d18-tier-target", coll: [[c18, "900000", "400000"], [c8, "250000", null]], debt: [d6, d18], debt2Usd: "100000", hf: "0.97", mustHave: ["size-tier", "target-repay"] },
    { name: "c6-c18-d8-d6-tiers-both-target", coll: [[c6, "2500000", "1000000"], [c18, "1200000", "700000"]], debt: [d8, d6], debt2Usd: "300000", hf: "0.93", mustHave: ["size-tier", "target-repay"] },
    { name: "c8-c6-d18-d8-tier-counterproductive", coll: [[c8, "3000000", "1500000"], [c6, "40000", null]], debt: [d18, d8], debt2Usd: "166666", hf: "0.82", mustHave: ["size-tier", "counterproductive"] },
    { name: "c18-c6-d6-d8-capped", coll: [[c18, "60000", null], [c6, "3000", null]], debt: [d6, d8], debt2Usd: "6666", hf: "0.91", mustHave: ["capped-by-collateral"] },
    { name: "c8-c18-d6-d18-tier-dust-min-leftover-1000", coll: [[c8, "2400", "1500"], [c18, "900", null]], debt: [d6, d18], debt2Usd: "466", hf: "0.985", g: { minLeftover: wad("1000"), targetHealth: wad("1.1") }, mustHave: ["size-tier", "dust-full-repay"] },
    { name: "c6-c8-d18-d6-tiers-both-hf-0.6-bad-debt", coll: [[c6, "80000", "30000"], [c8, "50000", "20000"]], debt: [d18, d6], debt2Usd: "30000", hf: "0.6", mustHave: ["size-tier", "counterproductive", "capped-by-collateral"] },
  ];
  for (const k of cases) {
    const coll = k.coll.map(([mk, , tier]) => (tier === null ? mk() : mk({ sizeThreshold: wad(tier) })));
    const debt = k.debt.map((mk) => mk());
    const base = account(
      [...coll, ...debt],
      coll.map((a, i) => [i, unitsFor(a, wad(k.coll[i]![1]))] as [number, bigint]),
      [[2, 1n], [3, unitsFor(debt[1]!, wad(k.debt2Usd))]],
      { ...G0, ...k.g },
    );
    out.push({
      name: `two-by-two-mixed-${k.name}`,
      tags: ["two-by-two", "decimals-mixed"],
      account: debtForHF(base, 0, wad(k.hf)),
      mustHave: ["multi-pair", ...k.mustHave],
      options: { zero: "first" },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Random vectors

const RANDOM_COUNT = 200;
const SYMBOLS = ["ALFA", "BRAV", "CHAR", "DELT"];

function randomAsset(rng: Rng, i: number): AssetConfig {
  const decimals = rng.pick([6, 8, 18]);
  const price = rng.logUniform(14, 23); // 0.0001 .. 1e5 USD
  const liquidationThreshold = rng.int(5000, 9500);
  const ltv = Math.max(0, liquidationThreshold - rng.int(1, 2000));
  // Largest maxBonus with floor(LT * (WAD + maxBonus) / BPS) <= 0.975e18, capped at 0.5e18.
  let mbMax = ((MAX_L_MAX + 1n) * BPS - 1n) / BigInt(liquidationThreshold) - WAD;
  if (mbMax > WAD / 2n) mbMax = WAD / 2n;
  const maxBonus = rng.chance(1, 10) ? mbMax : rng.range(wad("0.01") < mbMax ? wad("0.01") : 0n, wad("0.2") < mbMax ? wad("0.2") : mbMax);
  return {
    symbol: SYMBOLS[i]!,
    decimals,
    price,
    ltv,
    liquidationThreshold,
    maxBonus,
    sizeThreshold: NO_TIER,
    sizeFactor: rng.int(5000, 10_000),
    protocolFee: rng.chance(1, 8) ? 0 : rng.int(1, 3000),
  };
}

function randomVector(rng: Rng, n: number): VectorDef {
  for (;;) {
    const nAssets = rng.int(2, 4);
    const nColl = rng.int(1, nAssets - 1);
    const assets = Array.from({ length: nAssets }, (_, i) => randomAsset(rng, i));
    let minMb = assets[0]!.maxBonus;
    for (const a of assets) if (a.maxBonus < minMb) minMb = a.maxBonus;
    const global: Globals = {
      minBonus: rng.chance(1, 10) ? 0n : rng.range(0n, minMb),
      targetHealth: WAD + rng.range(1n, wad("0.25")),
      minLeftover: rng.pick([0n, wad("1"), wad("10"), wad("100"), wad("100"), wad("100"), wad("1000")]),
    };
    const collateral: [number, bigint][] = [];
    for (let i = 0; i < nColl; i++) {
      const a = assets[i]!;
      const usd = rng.logUniform(19, 26); // 10 USD .. 1e8 USD
      const bal = unitsFor(a, usd);
      collateral.push([i, bal]);
      if (rng.chance(1, 6)) {
        const v = valueDown(bal, a.price, a.decimals);
        assets[i] = { ...a, sizeThreshold: (v * BigInt(rng.int(10, 95))) / 100n };
      }
    }
    const debt: [number, bigint][] = [];
    for (let i = nColl; i < nAssets; i++) debt.push([i, 1n]);
    let acc = account(assets, collateral, debt, global);
    // Spread the debt over the debt assets with random weights, then scale debt 0 to a target HF.
    const W = health(acc).weightedCollateral;
    if (W === 0n) continue;
    const hfTarget = rng.chance(1, 12) ? rng.range(wad("1"), wad("1.3")) : rng.range(wad("0.5"), wad("1.05"));
    const D = (W * WAD) / hfTarget;
    for (let j = 1; j < debt.length; j++) {
      const a = assets[nColl + j]!;
      const share = (D * BigInt(rng.int(5, 60))) / 100n;
      acc = withDebt(acc, j, (share * 10n ** BigInt(a.decimals)) / a.price + 1n);
    }
    try {
      acc = debtForHF(acc, 0, hfTarget);
    } catch {
      continue;
    }
    if (validateAccount(acc).length > 0) continue;
    return {
      name: `random-${String(n).padStart(3, "0")}`,
      tags: ["random"],
      account: acc,
      options: { zero: "first", healthy: "first", random: true },
    };
  }
}

// ---------------------------------------------------------------------------------------------

export function buildVectors(): VectorFile {
  const defs = [...handBuilt(), ...twinEdges(), ...twoByTwoMixed()];
  const rng = new Rng(0x5eed_1a55_0000_0001n);
  for (let n = 0; n < RANDOM_COUNT; n++) defs.push(randomVector(rng, n));
  const names = new Set<string>();
  for (const d of defs) {
    if (names.has(d.name)) throw new Error(`duplicate vector name ${d.name}`);
    names.add(d.name);
  }
  return { generator: "scripts/gen-vectors.ts", vectors: defs.map(buildVector) };
}

export function serializeVectors(f: VectorFile): string {
  return JSON.stringify(f, null, 2) + "\n";
}

export const VECTORS_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "test", "vectors", "liquidation.json");

function main(): void {
  const f = buildVectors();
  const text = serializeVectors(f);
  writeFileSync(VECTORS_PATH, text);
  const byTag = new Map<string, number>();
  for (const v of f.vectors) for (const t of v.tags) byTag.set(t, (byTag.get(t) ?? 0) + 1);
  console.log(`wrote ${f.vectors.length} vectors (${(text.length / 1e6).toFixed(2)} MB) to ${path.relative(process.cwd(), VECTORS_PATH)}`);
  for (const [t, k] of [...byTag].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`  ${t}: ${k}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

/**
 * Test and bench helper: a real AccountBook filled directly (no logs) with four assets (USDC, WBTC, WETH,
 * stETH), a correlated group (WETH + stETH), interest clocks with a rate model, a threshold ramp in progress
 * on WBTC, size tiers, and accounts built to a chosen health factor. Pure: no chain.
 */
import type { Address } from "viem";
import { AccountBook, type BookAccount, type BookAsset } from "../../keeper/src/book/accountBook.ts";
import { healthContext, type AccountPosition } from "../../keeper/src/math/accountHealth.ts";

export const WAD = 10n ** 18n;
export const T0 = 1_800_000_000n;
export const ETH_GROUP = 1;

export interface SynthAssetSpec {
  id: number;
  decimals: number;
  priceUsd: number;
  ltv: number;
  lt: number;
  /** USD (not WAD) */
  sizeThresholdUsd: number;
  sizeFactor: number;
  /** ramp in progress: lt moves from `rampFrom` to `lt` until T0 + rampLeft */
  rampFrom?: number;
  rampLeft?: number;
}

export const ASSETS: SynthAssetSpec[] = [
  { id: 0, decimals: 6, priceUsd: 1, ltv: 8500, lt: 8800, sizeThresholdUsd: 50_000_000, sizeFactor: 9000 },
  { id: 1, decimals: 8, priceUsd: 60_000, ltv: 7000, lt: 7500, sizeThresholdUsd: 2_000_000, sizeFactor: 8000, rampFrom: 7800, rampLeft: 3_000 },
  { id: 2, decimals: 18, priceUsd: 2_000, ltv: 8000, lt: 8250, sizeThresholdUsd: 300_000, sizeFactor: 8000 },
  { id: 3, decimals: 18, priceUsd: 1_900, ltv: 7000, lt: 7600, sizeThresholdUsd: 200_000, sizeFactor: 7000 },
];

const Y = 31_536_000; // seconds per year
const perSecond = (apr: number): bigint => BigInt(Math.round((apr / Y) * 1e18));

export function priceWad(usd: number): bigint {
  return BigInt(Math.round(usd * 1e6)) * 10n ** 12n;
}

function bookAsset(s: SynthAssetSpec): BookAsset {
  return {
    id: s.id,
    token: `0x${(s.id + 1).toString(16).padStart(40, "0")}` as Address,
    decimals: s.decimals,
    feed: `0x${(s.id + 0x100).toString(16).padStart(40, "0")}` as Address,
    feedDecimals: 8,
    params: {
      ltv: s.ltv,
      liquidationThreshold: s.lt,
      sizeFactor: s.sizeFactor,
      protocolFee: 1000,
      reserveFactor: 1000,
      maxOracleAge: 3600,
      maxBonus: 75_000_000_000_000_000n,
      sizeThreshold: BigInt(s.sizeThresholdUsd) * WAD,
      supplyCap: 0n,
      collateralCap: 0n,
      borrowCap: 0n,
    },
    rateModel: { baseRate: perSecond(0.01), slope1: perSecond(0.05), slope2: perSecond(3), kink: 800_000_000_000_000_000n },
    ltRampFrom: BigInt(s.rampFrom ?? s.lt),
    rampEnd: s.rampLeft === undefined ? 0n : T0 + BigInt(s.rampLeft),
    rampDuration: s.rampLeft === undefined ? 0n : 10_000n,
    stewardUpdatedAt: 0n,
    borrowIndex: WAD + BigInt(s.id) * 12_345_678_901_234_567n,
    ratePerSecond: perSecond(0.03 + 0.02 * s.id),
    lastAccrual: T0 - 100n,
    supplyIndex: WAD,
    totalSupplyShares: 0n,
    totalBorrowShares: 0n,
    cash: 0n,
    reserves: 0n,
    totalCollateral: 0n,
  };
}

/** An empty book with the four assets, the ETH group and global parameters. */
export function emptyBook(): AccountBook {
  const book = new AccountBook();
  for (const s of ASSETS) book.assets.set(s.id, bookAsset(s));
  book.groups.set(ETH_GROUP, {
    ltv: 9000n,
    liquidationThreshold: 9300n,
    ltRampFrom: 9300n,
    rampEnd: 0n,
    rampDuration: 0n,
    maxBonus: 40_000_000_000_000_000n,
    assets: (1n << 2n) | (1n << 3n),
  });
  book.globalParams = {
    minBonus: 10_000_000_000_000_000n,
    targetHealth: 1_050_000_000_000_000_000n,
    minLeftover: 10n * WAD,
    gracePeriod: 0,
    flashFee: 0,
    rampDuration: 0,
  } as AccountBook["globalParams"];
  return book;
}

export function basePrices(): Map<number, bigint> {
  return new Map(ASSETS.map((a) => [a.id, priceWad(a.priceUsd)]));
}

/** An account to build: collateral in USD per asset, debts as weights of the total debt, a target health. */
export interface AccountSpec {
  collateral: Array<{ asset: number; usd: number }>;
  debts: Array<{ asset: number; weight: number }>;
  /** target health factor at T0 and base prices (up to rounding and interest) */
  health: number;
  group: number;
}

/** `tokens` whole tokens in the token's smallest unit (at least 1). */
function tokenAmount(tokens: number, decimals: number): bigint {
  const raw = tokens * 10 ** decimals;
  if (raw < 2 ** 52) return BigInt(Math.max(1, Math.round(raw)));
  return BigInt(Math.round(tokens * 10 ** Math.min(decimals, 12))) * 10n ** BigInt(Math.max(0, decimals - 12));
}

export function ownerOf(i: number): Address {
  return `0x${(0xa000000 + i).toString(16).padStart(40, "0")}` as Address;
}

/**
 * Add an account built from a spec; collateral and debt assets must not overlap (a debt on an asset the
 * account already holds as collateral is dropped). Returns the key.
 */
export function addAccount(book: AccountBook, i: number, spec: AccountSpec, subId = 0): string {
  const owner = ownerOf(i);
  const positions = new Map<number, AccountPosition>();
  for (const c of spec.collateral) {
    const a = ASSETS[c.asset]!;
    const tokens = c.usd / a.priceUsd;
    const amount = tokenAmount(tokens, a.decimals);
    const prev = positions.get(c.asset);
    positions.set(c.asset, { isDebt: false, amount: (prev?.amount ?? 0n) + amount });
  }
  // the twin's weighted collateral at T0 (thresholds ramped, group, size tiers) sets the debt for the health
  const group = { group: spec.group, groups: book.groups };
  const weighted = Number(healthContext(positions, book.riskBook(), basePrices(), T0, group).health.weightedCollateral) / 1e18;
  const debts = spec.debts.filter((d) => !positions.has(d.asset) || positions.get(d.asset)!.isDebt);
  const total = debts.reduce((s, d) => s + d.weight, 0);
  if (total > 0) {
    const debtUsd = weighted / spec.health;
    for (const d of debts) {
      const a = ASSETS[d.asset]!;
      const info = book.assets.get(d.asset)!;
      const tokens = (debtUsd * d.weight) / total / a.priceUsd;
      const amount = tokenAmount(tokens, a.decimals);
      const shares = (amount * WAD) / info.borrowIndex + 1n;
      const prev = positions.get(d.asset);
      positions.set(d.asset, { isDebt: true, amount: (prev?.amount ?? 0n) + shares });
    }
  }
  const acc: BookAccount = { owner, subId, positions, group: spec.group, checkedAt: 0n, checkedAtKnown: true };
  const key = `${owner.toLowerCase()}/${subId}`;
  book.accounts.set(key, acc);
  return key;
}

/** mulberry32: a small seeded PRNG for the bench's books. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random "2x2-ish" account: one or two collaterals, one or two debts on other assets, health drawn in
 * [minHealth, minHealth + spread] (skewed towards minHealth), about a third in the ETH group.
 */
export function randomSpec(r: () => number, minHealth = 1.02, spread = 2): AccountSpec {
  const ids = [0, 1, 2, 3].sort(() => r() - 0.5);
  const nc = r() < 0.5 ? 1 : 2;
  const nd = r() < 0.5 ? 1 : 2;
  const coll = ids.slice(0, nc);
  const debt = ids.slice(nc, nc + nd);
  const size = 10 ** (2 + r() * 4.5); // 100 USD .. 3M USD
  return {
    collateral: coll.map((asset) => ({ asset, usd: size * (0.2 + r()) })),
    debts: debt.map((asset) => ({ asset, weight: 0.2 + r() })),
    health: minHealth + spread * r() * r(),
    group: r() < 0.33 ? ETH_GROUP : 0,
  };
}

/** A book of `n` random accounts (seeded). */
export function randomBook(n: number, seed: number, minHealth = 1.02, spread = 2): { book: AccountBook; keys: string[] } {
  const r = rng(seed);
  const book = emptyBook();
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(addAccount(book, i, randomSpec(r, minHealth, spread)));
  return { book, keys };
}

/**
 * Price-shock stress test on the twin (no chain reads): shock some prices, then for every open account the
 * health before and after, and for each account the shock makes liquidatable, the liquidation a keeper
 * would do first and the cascade of liquidations that follows, down to the bad debt the vault would write
 * off. Pure bigint on top of the twin's `healthContext`, `liquidationInput`, `planAmounts` and
 * `healthAfter`, so every amount is the vault's to the wei at `timestamp` (interest, ramps, groups, size
 * tiers, the dust rule and the write-off included).
 *
 * The cascade (`liquidationCascade`) plays what keepers would do at one timestamp, on a copy of the
 * account's positions:
 * 1. among every (debt, collateral) pair take the one whose maximal liquidation (the vault's
 *    `maxLiquidation`) repays the most in USD (ties: lowest debt id, then lowest collateral id);
 * 2. apply it as `Vault._applyLiquidation` does: burn the debt shares of `_plan` (all of them for a full
 *    repay, else the repay's shares rounded up, so the debt falls by `paid`, at most one unit above the
 *    repay), take the seized collateral (fee included) off the account;
 * 3. if the account has no collateral left, write off every remaining debt (the vault's `_writeOffDebts`):
 *    that is the bad debt; if it is healthy again, stop; else repeat.
 * If no pair can repay anything while the account is still liquidatable, `settleBadDebt` is what is left:
 * the vault takes it only when the collateral is worth less than 1 USD (then the debts are bad debt too);
 * otherwise the account is reported `stuck`.
 *
 * Prices are held fixed through the cascade (no market impact of the seized collateral being sold) and
 * every liquidation happens in the same second (interest indices do not move between them: the vault's
 * accrual in a later liquidation of the same block changes nothing, so the cascade is exact for one block).
 */
import { MAX_UINT256, WAD } from "../math/fullMath.ts";
import { maxLiquidation, valueDown, valueUp } from "../math/healthMath.ts";
import {
  NO_GROUP,
  debtAfterLiquidation,
  debtAt,
  healthAfter,
  healthContext,
  liquidationInput,
  planAmounts,
  unitOf,
  type AccountHealth,
  type AccountPosition,
  type AccountPositions,
  type AssetRiskBook,
  type GroupContext,
  type LiquidationGlobals,
  type Prices,
} from "../math/accountHealth.ts";

/** The vault's BAD_DEBT_COLLATERAL_VALUE: settleBadDebt takes an account whose collateral is worth less (1 USD). */
export const BAD_DEBT_COLLATERAL_VALUE = WAD;
/** Parts per million: the unit of relative shocks (700_000 = 0.7x = -30%). */
export const SHOCK_PPM = 1_000_000n;
/** Safety stop of the cascade; a real cascade takes a handful of steps. */
export const MAX_CASCADE_STEPS = 256;

// ================================================================================= shocks

/** A price shock of one asset: a multiple of its current price (in ppm), or a new absolute price. */
export type PriceShock =
  | { asset: number; kind: "relative"; /** new price = floor(price * ppm / 1e6) */ ppm: bigint }
  | { asset: number; kind: "absolute"; /** the new USD WAD price */ price: bigint };

/**
 * The shocked prices: every shocked asset's new price, rounded down to its price grid (`steps`: asset id ->
 * WAD step, e.g. 1e10 for an 8-decimal feed, so the price is one the feed can print); other prices
 * unchanged. Throws a RangeError when an asset has no current price or a shocked price is not positive.
 */
export function shockPrices(
  prices: Prices,
  shocks: readonly PriceShock[],
  steps: ReadonlyMap<number, bigint> = new Map(),
): Map<number, bigint> {
  const out = new Map(prices);
  for (const s of shocks) {
    const step = steps.get(s.asset) ?? 1n;
    if (step <= 0n) throw new RangeError(`shockPrices: the price step of asset ${s.asset} must be positive`);
    let p: bigint;
    if (s.kind === "relative") {
      const now = prices.get(s.asset);
      if (now === undefined) throw new RangeError(`shockPrices: asset ${s.asset} has no current price`);
      p = (now * s.ppm) / SHOCK_PPM;
    } else p = s.price;
    p = (p / step) * step;
    if (p <= 0n) throw new RangeError(`shockPrices: the shocked price of asset ${s.asset} is ${p}, not positive`);
    out.set(s.asset, p);
  }
  return out;
}

// ================================================================================= one liquidation

/** One liquidation of the cascade, as the vault's `Liquidated` event would report it. */
export interface LiquidationStep {
  debtAsset: number;
  collateralAsset: number;
  /** the repay the seize is computed from (the vault's `maxLiquidation` repay), debt token units */
  repaid: bigint;
  /** what the liquidator pays: the debt's fall (>= repaid, at most one unit more) */
  paid: bigint;
  /** debt shares burnt */
  sharesBurnt: bigint;
  /** collateral taken off the account, fee included, collateral token units */
  seized: bigint;
  /** the part of `seized` that goes to reserves */
  fee: bigint;
  /** `seized - fee`: what the liquidator receives */
  toLiquidator: bigint;
  /** the bonus, WAD */
  bonus: bigint;
  /** USD WAD of the repay (rounded down) and of the seized collateral (rounded down) at the shocked prices */
  repaidUsd: bigint;
  seizedUsd: bigint;
  healthBefore: bigint;
  /** the vault's healthAfter: before any write-off */
  healthAfter: bigint;
}

/** Debt written off an account left without collateral (the vault's `BadDebt` event). */
export interface WriteOff {
  asset: number;
  /** debt owed at the timestamp, token units (the event's `amount`) */
  amount: bigint;
  shares: bigint;
  /** USD WAD of `amount` (rounded up, as debt values are) */
  usd: bigint;
}

export interface AccountState {
  positions: AccountPositions;
  assets: AssetRiskBook;
  prices: Prices;
  timestamp: bigint;
  group?: GroupContext;
  globals: LiquidationGlobals;
}

function health(s: AccountState, positions: AccountPositions = s.positions) {
  return healthContext(positions, s.assets, s.prices, s.timestamp, s.group ?? NO_GROUP);
}

function need<V>(m: ReadonlyMap<number, V>, k: number, what: string): V {
  const v = m.get(k);
  if (v === undefined) throw new RangeError(`stress: no ${what} for asset ${k}`);
  return v;
}

/**
 * The liquidation a keeper would do first on this account: the (debt, collateral) pair whose maximal
 * liquidation repays the most USD (see the module comment). Undefined when the account is not liquidatable
 * or no pair can repay anything.
 */
export function bestLiquidation(s: AccountState): LiquidationStep | undefined {
  const h = health(s);
  if (h.health.debtValue === 0n || h.health.healthFactor >= WAD) return undefined;
  const ids = [...s.positions.keys()].sort((a, b) => a - b);
  const debts = ids.filter((a) => s.positions.get(a)!.isDebt);
  const colls = ids.filter((a) => !s.positions.get(a)!.isDebt);
  let best: LiquidationStep | undefined;
  for (const d of debts) {
    for (const c of colls) {
      const li = liquidationInput(h, d, c, s.assets, s.globals);
      const debtInfo = need(s.assets, d, "asset config");
      const collInfo = need(s.assets, c, "asset config");
      const plan = planAmounts(li, MAX_UINT256, collInfo.config.protocolFee);
      if (!plan.ok) continue;
      const repaidUsd = valueDown(plan.repaid, li.debtPrice, li.debtUnit);
      if (best !== undefined && repaidUsd <= best.repaidUsd) continue;
      const shares = need(s.positions, d, "debt position").amount;
      const debtSide = debtAfterLiquidation(li, shares, debtInfo.clock, plan.repaid, s.timestamp);
      best = {
        debtAsset: d,
        collateralAsset: c,
        repaid: plan.repaid,
        paid: debtSide.paid,
        sharesBurnt: debtSide.sharesBurnt,
        seized: plan.seized,
        fee: plan.fee,
        toLiquidator: plan.toLiquidator,
        bonus: plan.bonus,
        repaidUsd,
        seizedUsd: valueDown(plan.seized, li.collateralPrice, li.collateralUnit),
        healthBefore: h.health.healthFactor,
        healthAfter: healthAfter(h, li, collInfo.config, debtSide.debtAfter, plan.seized),
      };
    }
  }
  return best;
}

/** The positions after a liquidation step (zero positions removed, as from the vault's list). */
export function applyStep(positions: AccountPositions, step: LiquidationStep): Map<number, AccountPosition> {
  const out = new Map<number, AccountPosition>();
  for (const [a, p] of positions) out.set(a, { ...p });
  const d = need(out, step.debtAsset, "debt position");
  const c = need(out, step.collateralAsset, "collateral position");
  if (step.sharesBurnt > d.amount || step.seized > c.amount) throw new RangeError("applyStep: the step takes more than the account has");
  d.amount -= step.sharesBurnt;
  c.amount -= step.seized;
  if (d.amount === 0n) out.delete(step.debtAsset);
  if (c.amount === 0n) out.delete(step.collateralAsset);
  return out;
}

/** Every remaining debt written off (`_writeOffDebts`), in asset id order. */
function writeOffs(s: AccountState, positions: AccountPositions): WriteOff[] {
  const out: WriteOff[] = [];
  for (const [asset, p] of [...positions].sort(([a], [b]) => a - b)) {
    if (!p.isDebt) continue;
    const info = need(s.assets, asset, "asset config");
    const amount = debtAt(p.amount, info.clock, s.timestamp);
    out.push({ asset, amount, shares: p.amount, usd: valueUp(amount, need(s.prices, asset, "price"), unitOf(info.config)) });
  }
  return out;
}

/** How a cascade ended. */
export type CascadeEnd =
  /** health back at or above 1 (or no debt left) with collateral left */
  | "healthy"
  /** the last collateral was seized: the remaining debt was written off */
  | "badDebt"
  /** no pair could repay anything and the collateral was worth < 1 USD: settleBadDebt wrote the debt off */
  | "settled"
  /** still liquidatable, no pair can repay anything, and the collateral is worth 1 USD or more */
  | "stuck"
  /** the account was not liquidatable to begin with */
  | "notLiquidatable";

export interface CascadeResult {
  steps: LiquidationStep[];
  writeOffs: WriteOff[];
  /** sum of the write-offs' USD */
  badDebtUsd: bigint;
  end: CascadeEnd;
  /** positions at the end (after any write-off) */
  positions: Map<number, AccountPosition>;
  /** health at the end */
  health: AccountHealth;
}

/** Liquidate the account as far as keepers would (see the module comment). */
export function liquidationCascade(s: AccountState): CascadeResult {
  let positions = new Map<number, AccountPosition>();
  for (const [a, p] of s.positions) positions.set(a, { ...p });
  const steps: LiquidationStep[] = [];
  const done = (end: CascadeEnd, offs: WriteOff[] = []): CascadeResult => {
    for (const w of offs) positions.delete(w.asset);
    return {
      steps,
      writeOffs: offs,
      badDebtUsd: offs.reduce((t, w) => t + w.usd, 0n),
      end,
      positions,
      health: health(s, positions).health,
    };
  };
  const first = health(s, positions).health;
  if (first.debtValue === 0n || first.healthFactor >= WAD) return done("notLiquidatable");
  for (let i = 0; i < MAX_CASCADE_STEPS; i++) {
    const step = bestLiquidation({ ...s, positions });
    if (step === undefined) {
      const h = health(s, positions).health;
      if (h.debtValue === 0n || h.healthFactor >= WAD) return done("healthy");
      if (h.collateralValue < BAD_DEBT_COLLATERAL_VALUE) {
        for (const [a, p] of [...positions]) if (!p.isDebt) positions.delete(a); // swept to reserves
        return done("settled", writeOffs(s, positions));
      }
      return done("stuck");
    }
    steps.push(step);
    positions = applyStep(positions, step);
    if (![...positions.values()].some((p) => !p.isDebt)) return done("badDebt", writeOffs(s, positions));
    const h = health(s, positions).health;
    if (h.debtValue === 0n || h.healthFactor >= WAD) return done("healthy");
  }
  return done("stuck");
}

// ================================================================================= the book

/** The account fields the stress test reads. */
export interface StressAccount {
  owner: `0x${string}`;
  subId: number;
  group: number;
  positions: AccountPositions;
}

/** What the account book offers (structurally). */
export interface StressBookSource<A extends StressAccount> {
  openAccounts(): Iterable<A>;
  riskBook(): AssetRiskBook;
  groupContext(acc: A | undefined): GroupContext;
  liquidationGlobals(): LiquidationGlobals;
}

export interface StressRow {
  owner: `0x${string}`;
  subId: number;
  group: number;
  before: AccountHealth;
  after: AccountHealth;
  liquidatableBefore: boolean;
  liquidatableAfter: boolean;
  /** the first liquidation after the shock (undefined: not liquidatable, or nothing can be repaid) */
  first: LiquidationStep | undefined;
  /** the cascade after the shock (undefined when not liquidatable after it) */
  cascade: CascadeResult | undefined;
  /** USD WAD of debt written off by the cascade (0 when none) */
  badDebtUsd: bigint;
}

export interface StressTotals {
  accounts: number;
  liquidatableBefore: number;
  liquidatableAfter: number;
  /** healthy before the shock, liquidatable after */
  newlyLiquidatable: number;
  withBadDebt: number;
  stuck: number;
  /** sums over the liquidatable accounts' first liquidations, USD WAD */
  firstRepaidUsd: bigint;
  firstSeizedUsd: bigint;
  /** sums over every step of every cascade, USD WAD */
  cascadeRepaidUsd: bigint;
  cascadeSeizedUsd: bigint;
  cascadeSteps: number;
  badDebtUsd: bigint;
  /** asset id -> written off: amount (token units) and USD */
  badDebtByAsset: Map<number, { amount: bigint; usd: bigint }>;
  /** debt value after the shock of every account, and of the liquidatable ones, USD WAD */
  debtAfterUsd: bigint;
  liquidatableDebtUsd: bigint;
}

export interface StressResult {
  timestamp: bigint;
  prices: Map<number, bigint>;
  shockedPrices: Map<number, bigint>;
  /** every open account, sorted by bad debt, then debt after the shock (both descending) */
  rows: StressRow[];
  totals: StressTotals;
}

const isLiquidatable = (h: AccountHealth) => h.debtValue > 0n && h.healthFactor < WAD;

/** The stress test of one account. */
export function stressAccount<A extends StressAccount>(
  book: StressBookSource<A>,
  acc: A,
  prices: Prices,
  shocked: Prices,
  timestamp: bigint,
  assets: AssetRiskBook = book.riskBook(),
  globals: LiquidationGlobals = book.liquidationGlobals(),
): StressRow {
  const group = book.groupContext(acc);
  const base = { positions: acc.positions, assets, timestamp, group, globals };
  const before = healthContext(acc.positions, assets, prices, timestamp, group).health;
  const after = healthContext(acc.positions, assets, shocked, timestamp, group).health;
  const liquidatableAfter = isLiquidatable(after);
  const cascade = liquidatableAfter ? liquidationCascade({ ...base, prices: shocked }) : undefined;
  return {
    owner: acc.owner,
    subId: acc.subId,
    group: acc.group,
    before,
    after,
    liquidatableBefore: isLiquidatable(before),
    liquidatableAfter,
    first: cascade?.steps[0],
    cascade,
    badDebtUsd: cascade?.badDebtUsd ?? 0n,
  };
}

const desc = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);

/** The stress test of every open account of the book: rows (sorted) and totals. */
export function stressBook<A extends StressAccount>(
  book: StressBookSource<A>,
  prices: Prices,
  shocked: Prices,
  timestamp: bigint,
): StressResult {
  const assets = book.riskBook();
  const globals = book.liquidationGlobals();
  const rows = [...book.openAccounts()].map((acc) => stressAccount(book, acc, prices, shocked, timestamp, assets, globals));
  rows.sort(
    (a, b) =>
      desc(a.badDebtUsd, b.badDebtUsd) ||
      desc(a.after.debtValue, b.after.debtValue) ||
      a.owner.toLowerCase().localeCompare(b.owner.toLowerCase()) ||
      a.subId - b.subId,
  );
  const totals: StressTotals = {
    accounts: rows.length,
    liquidatableBefore: 0,
    liquidatableAfter: 0,
    newlyLiquidatable: 0,
    withBadDebt: 0,
    stuck: 0,
    firstRepaidUsd: 0n,
    firstSeizedUsd: 0n,
    cascadeRepaidUsd: 0n,
    cascadeSeizedUsd: 0n,
    cascadeSteps: 0,
    badDebtUsd: 0n,
    badDebtByAsset: new Map(),
    debtAfterUsd: 0n,
    liquidatableDebtUsd: 0n,
  };
  for (const r of rows) {
    totals.debtAfterUsd += r.after.debtValue;
    if (r.liquidatableBefore) totals.liquidatableBefore++;
    if (!r.liquidatableAfter) continue;
    totals.liquidatableAfter++;
    totals.liquidatableDebtUsd += r.after.debtValue;
    if (!r.liquidatableBefore) totals.newlyLiquidatable++;
    if (r.first) {
      totals.firstRepaidUsd += r.first.repaidUsd;
      totals.firstSeizedUsd += r.first.seizedUsd;
    }
    const c = r.cascade!;
    for (const s of c.steps) {
      totals.cascadeRepaidUsd += s.repaidUsd;
      totals.cascadeSeizedUsd += s.seizedUsd;
    }
    totals.cascadeSteps += c.steps.length;
    if (c.end === "stuck") totals.stuck++;
    if (c.writeOffs.length > 0) totals.withBadDebt++;
    totals.badDebtUsd += c.badDebtUsd;
    for (const w of c.writeOffs) {
      const t = totals.badDebtByAsset.get(w.asset) ?? { amount: 0n, usd: 0n };
      totals.badDebtByAsset.set(w.asset, { amount: t.amount + w.amount, usd: t.usd + w.usd });
    }
  }
  return { timestamp, prices: new Map(prices), shockedPrices: new Map(shocked), rows, totals };
}

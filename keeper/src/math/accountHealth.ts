/**
 * An account's health and a liquidation's outcome, computed exactly as the vault does from its
 * positions, the assets' risk configuration and interest clocks, and prices: the keeper's twin of
 * VaultBase._healthContext, _liquidationInput, _plan, _planAmounts and _healthAfter (and of the badDebt
 * flag of VaultExtension.previewLiquidation). Pure bigint, no I/O; names follow the Solidity side.
 *
 * What is left out on purpose: the checks of `_plan` that need vault-wide state rather than the account
 * (paused, grace period, self-liquidation, cool-off) live in the account book, and price validation
 * (staleness, non-positive answers) is the caller's: a missing price throws.
 */
import { WAD, mulDivUp } from "./fullMath.ts";
import {
  healthFactorDown,
  liquidationFor,
  maxLiquidation,
  protocolFeeUp,
  valueDown,
  valueUp,
  weightedDown,
  type LiquidationInput,
} from "./healthMath.ts";
import { borrowIndexAt, debtUp } from "./interestMath.ts";
import { thresholdAt } from "./rampMath.ts";

/** The part of an asset's configuration that health and liquidation read (bps fields in bps, bonus in WAD). */
export interface AssetRiskConfig {
  decimals: number;
  ltv: bigint;
  /** the target of a ramp in progress (see rampMath.thresholdAt) */
  liquidationThreshold: bigint;
  ltRampFrom: bigint;
  rampEnd: bigint;
  rampDuration: bigint;
  sizeFactor: bigint;
  sizeThreshold: bigint;
  maxBonus: bigint;
  protocolFee: bigint;
}

/** A correlated group as the vault stores it (RiskGroup): weights, threshold ramp, member bitmap. */
export interface GroupRisk {
  ltv: bigint;
  liquidationThreshold: bigint;
  ltRampFrom: bigint;
  rampEnd: bigint;
  rampDuration: bigint;
  maxBonus: bigint;
  /** bit i set: asset i is a member */
  assets: bigint;
}

/** group id -> group. */
export type RiskGroups = ReadonlyMap<number, GroupRisk>;

/** The account's correlated group (0: none) and the groups it may refer to. */
export interface GroupContext {
  group: number;
  groups: RiskGroups;
}

export const NO_GROUP: GroupContext = { group: 0, groups: new Map() };

/** The weights health uses for one asset: ltv, the liquidation threshold in force, the bonus cap. */
export interface EffectiveWeights {
  ltv: bigint;
  lt: bigint;
  maxBonus: bigint;
}

/** An asset's debt clock, as published by `InterestAccrued` (lastAccrual = its `timestamp`). */
export interface InterestClock {
  borrowIndex: bigint;
  ratePerSecond: bigint;
  lastAccrual: bigint;
}

export interface AssetRiskInfo {
  config: AssetRiskConfig;
  clock: InterestClock;
}

/** One position: `amount` is the collateral balance, or the debt's shares when `isDebt`. */
export interface AccountPosition {
  isDebt: boolean;
  amount: bigint;
}

/** asset id -> position (an asset is never both a collateral and a debt of one account). */
export type AccountPositions = ReadonlyMap<number, AccountPosition>;
/** asset id -> risk config and interest clock. */
export type AssetRiskBook = ReadonlyMap<number, AssetRiskInfo>;
/** asset id -> USD WAD price of one whole token. */
export type Prices = ReadonlyMap<number, bigint>;

/** The vault's AccountHealth struct. */
export interface AccountHealth {
  collateralValue: bigint;
  weightedCollateral: bigint;
  initialMarginValue: bigint;
  debtValue: bigint;
  healthFactor: bigint;
}

/** Health with every price and amount it used (amounts: collateral balance, or debt owed), by asset id. */
export interface HealthContext {
  health: AccountHealth;
  prices: Map<number, bigint>;
  amounts: Map<number, bigint>;
  /** the effective weights of each collateral */
  weights: Map<number, EffectiveWeights>;
}

/** The liquidation parameters of GlobalParams. */
export interface LiquidationGlobals {
  minBonus: bigint;
  targetHealth: bigint;
  minLeftover: bigint;
}

/** The vault's LiquidationPreview struct. */
export interface LiquidationPreview {
  /** the repay the seize is computed from */
  repaid: bigint;
  /** what the liquidator pays: the debt's fall (>= repaid, at most one unit more) */
  paid: bigint;
  seized: bigint;
  toLiquidator: bigint;
  fee: bigint;
  bonus: bigint;
  healthBefore: bigint;
  healthAfter: bigint;
  badDebt: boolean;
}

/** The reverts of the account-level part of `_plan`, named after the vault's errors without `Vault_`. */
export type LiquidationError =
  | { error: "NoSuchPosition"; asset: number }
  | { error: "NotLiquidatable"; healthFactor: bigint }
  | { error: "ZeroRepay" }
  | { error: "MustNotLeaveDust"; debtLeftValue: bigint; collateralLeftValue: bigint; minLeftover: bigint };

export type LiquidationErrorName = LiquidationError["error"];

export type PreviewResult = { ok: true; preview: LiquidationPreview } | ({ ok: false } & LiquidationError);

function need<V>(map: ReadonlyMap<number, V>, asset: number, what: string): V {
  const v = map.get(asset);
  if (v === undefined) throw new Error(`accountHealth: no ${what} for asset ${asset}`);
  return v;
}

/** 10^0 .. 10^77 (a token's decimals fit in uint8 but the vault lists at most 77): a table, since a
 *  bigint power costs a quarter of a health evaluation. */
const POWERS_OF_TEN: readonly bigint[] = Array.from({ length: 78 }, (_, d) => 10n ** BigInt(d));

/** 10^decimals. */
export function unitOf(config: AssetRiskConfig): bigint {
  return POWERS_OF_TEN[config.decimals] ?? 10n ** BigInt(config.decimals);
}

/** `_borrowIndexNow` at `timestamp`: borrowIndexAt(index, rate, timestamp - lastAccrual). */
export function borrowIndexNow(clock: InterestClock, timestamp: bigint): bigint {
  return borrowIndexAt(clock.borrowIndex, clock.ratePerSecond, timestamp - clock.lastAccrual);
}

/** What a debt of `shares` owes at `timestamp`, rounded up (the `amount` of the vault's `positions`). */
export function debtAt(shares: bigint, clock: InterestClock, timestamp: bigint): bigint {
  return debtUp(shares, borrowIndexNow(clock, timestamp));
}

/**
 * `_effectiveWeights`: the group's weights when the account is in a group that has the asset, else the
 * asset's own; thresholds ramped to `timestamp`.
 */
export function effectiveWeights(
  asset: number,
  config: AssetRiskConfig,
  account: GroupContext,
  timestamp: bigint,
): EffectiveWeights {
  if (account.group !== 0) {
    const g = account.groups.get(account.group);
    if (g !== undefined && ((g.assets >> BigInt(asset)) & 1n) === 1n) {
      const lt = thresholdAt(g.liquidationThreshold, g.ltRampFrom, g.rampEnd, g.rampDuration, timestamp);
      return { ltv: g.ltv, lt, maxBonus: g.maxBonus };
    }
  }
  const lt = thresholdAt(config.liquidationThreshold, config.ltRampFrom, config.rampEnd, config.rampDuration, timestamp);
  return { ltv: config.ltv, lt, maxBonus: config.maxBonus };
}

/** `_healthContext`: health of an account with interest accrued and thresholds ramped to `timestamp`. */
export function healthContext(
  positions: AccountPositions,
  assets: AssetRiskBook,
  prices: Prices,
  timestamp: bigint,
  account: GroupContext = NO_GROUP,
): HealthContext {
  const health: AccountHealth = {
    collateralValue: 0n,
    weightedCollateral: 0n,
    initialMarginValue: 0n,
    debtValue: 0n,
    healthFactor: 0n,
  };
  const usedPrices = new Map<number, bigint>();
  const amounts = new Map<number, bigint>();
  const weights = new Map<number, EffectiveWeights>();
  for (const [asset, pos] of positions) {
    const { config, clock } = need(assets, asset, "asset config");
    const p = need(prices, asset, "price");
    usedPrices.set(asset, p);
    const unit = unitOf(config);
    let amount = pos.amount;
    if (pos.isDebt) {
      amount = debtAt(amount, clock, timestamp);
      health.debtValue += valueUp(amount, p, unit);
    } else {
      const v = valueDown(amount, p, unit);
      const w = effectiveWeights(asset, config, account, timestamp);
      weights.set(asset, w);
      health.collateralValue += v;
      health.weightedCollateral += weightedDown(v, w.lt, config.sizeThreshold, config.sizeFactor);
      health.initialMarginValue += weightedDown(v, w.ltv, config.sizeThreshold, config.sizeFactor);
    }
    amounts.set(asset, amount);
  }
  health.healthFactor = healthFactorDown(health.weightedCollateral, health.debtValue);
  return { health, prices: usedPrices, amounts, weights };
}

/** The vault's `accountHealth` view at `timestamp`. */
export function accountHealth(
  positions: AccountPositions,
  assets: AssetRiskBook,
  prices: Prices,
  timestamp: bigint,
  account: GroupContext = NO_GROUP,
): AccountHealth {
  return healthContext(positions, assets, prices, timestamp, account).health;
}

/** `_pairIndices`: the first missing (or wrong-kind) position of the pair, or undefined. */
export function missingPairPosition(
  positions: AccountPositions,
  debtAsset: number,
  collateralAsset: number,
): number | undefined {
  if (positions.get(debtAsset)?.isDebt !== true) return debtAsset;
  if (positions.get(collateralAsset)?.isDebt !== false) return collateralAsset;
  return undefined;
}

/** `_liquidationInput`: the HealthMath input for liquidating `debtAsset` against `collateralAsset`. */
export function liquidationInput(
  h: HealthContext,
  debtAsset: number,
  collateralAsset: number,
  assets: AssetRiskBook,
  globals: LiquidationGlobals,
): LiquidationInput {
  const d = need(assets, debtAsset, "asset config").config;
  const c = need(assets, collateralAsset, "asset config").config;
  const w = need(h.weights, collateralAsset, "collateral position");
  return {
    weighted: h.health.weightedCollateral,
    debtValue: h.health.debtValue,
    debtBalance: need(h.amounts, debtAsset, "debt position"),
    debtPrice: need(h.prices, debtAsset, "price"),
    debtUnit: unitOf(d),
    collateralBalance: need(h.amounts, collateralAsset, "collateral position"),
    collateralPrice: need(h.prices, collateralAsset, "price"),
    collateralUnit: unitOf(c),
    lt: w.lt,
    maxBonus: w.maxBonus,
    minBonus: globals.minBonus,
    targetHealth: globals.targetHealth,
    minLeftover: globals.minLeftover,
  };
}

/**
 * `_liquidationSharesBurnt`: a partial liquidation burns its repay's shares rounded up (capped at the
 * shares), so the debt falls by at least the repay.
 */
export function liquidationSharesBurnt(repaid: bigint, shares: bigint, index: bigint): bigint {
  const burnt = mulDivUp(repaid, WAD, index);
  return burnt < shares ? burnt : shares;
}

/** What `_planAmounts` settles: the amounts, or its revert. */
export type PlanAmounts =
  | { ok: true; repaid: bigint; seized: bigint; fee: bigint; toLiquidator: bigint; bonus: bigint }
  | ({ ok: false } & Extract<LiquidationError, { error: "ZeroRepay" | "MustNotLeaveDust" }>);

/** `_planAmounts`: the repay and seize for `repayAmount` (capped at the maximum), and the protocol fee. */
export function planAmounts(li: LiquidationInput, repayAmount: bigint, feeBps: bigint): PlanAmounts {
  const m = maxLiquidation(li);
  const { repay: repaid, seized, ok } = liquidationFor(li, m, repayAmount);
  if (repaid === 0n) return { ok: false, error: "ZeroRepay" };
  if (!ok) {
    return {
      ok: false,
      error: "MustNotLeaveDust",
      debtLeftValue: valueUp(li.debtBalance - repaid, li.debtPrice, li.debtUnit),
      collateralLeftValue: valueDown(li.collateralBalance - seized, li.collateralPrice, li.collateralUnit),
      minLeftover: li.minLeftover,
    };
  }
  const fee = protocolFeeUp(seized, m.bonus, feeBps);
  return { ok: true, repaid, seized, fee, toLiquidator: seized - fee, bonus: m.bonus };
}

/**
 * `_healthAfter`: health after the liquidation and before any bad-debt write-off, replacing the two
 * positions' contributions. The debt left uses the shares actually left, `shares - floor(repaid * WAD /
 * index)` (0 when all of the debt is repaid).
 */
export function healthAfter(
  h: HealthContext,
  li: LiquidationInput,
  collateralConfig: AssetRiskConfig,
  debtAfter: bigint,
  seized: bigint,
): bigint {
  const c = collateralConfig;
  const vBefore = valueDown(li.collateralBalance, li.collateralPrice, li.collateralUnit);
  const vAfter = valueDown(li.collateralBalance - seized, li.collateralPrice, li.collateralUnit);
  const w =
    h.health.weightedCollateral -
    weightedDown(vBefore, li.lt, c.sizeThreshold, c.sizeFactor) +
    weightedDown(vAfter, li.lt, c.sizeThreshold, c.sizeFactor);
  const d =
    h.health.debtValue -
    valueUp(li.debtBalance, li.debtPrice, li.debtUnit) +
    valueUp(debtAfter, li.debtPrice, li.debtUnit);
  return healthFactorDown(w, d);
}

/**
 * The debt side of `_plan`: shares burnt (all of them for a full repay, else the repay's shares rounded
 * up), the debt left, and what the liquidator pays (the debt's fall, in [repaid, repaid + 1 unit]).
 */
export function debtAfterLiquidation(
  li: LiquidationInput,
  debtShares: bigint,
  debtClock: InterestClock,
  repaid: bigint,
  timestamp: bigint,
): { sharesBurnt: bigint; debtAfter: bigint; paid: bigint } {
  if (repaid === li.debtBalance) return { sharesBurnt: debtShares, debtAfter: 0n, paid: li.debtBalance };
  const index = borrowIndexNow(debtClock, timestamp);
  const sharesBurnt = liquidationSharesBurnt(repaid, debtShares, index);
  const debtAfter = debtUp(debtShares - sharesBurnt, index);
  return { sharesBurnt, debtAfter, paid: li.debtBalance - debtAfter };
}

export interface PreviewLiquidationArgs {
  positions: AccountPositions;
  assets: AssetRiskBook;
  prices: Prices;
  globals: LiquidationGlobals;
  timestamp: bigint;
  debtAsset: number;
  collateralAsset: number;
  repayAmount: bigint;
  /** the account's group (default: none) */
  account?: GroupContext;
}

/**
 * The vault's `previewLiquidation` for the account-level checks of `_plan` (pair, health, amounts,
 * health after) and the preview's badDebt flag: seizing all of the account's only collateral while
 * some debt remains.
 */
export function previewLiquidation(a: PreviewLiquidationArgs): PreviewResult {
  const missing = missingPairPosition(a.positions, a.debtAsset, a.collateralAsset);
  if (missing !== undefined) return { ok: false, error: "NoSuchPosition", asset: missing };
  const h = healthContext(a.positions, a.assets, a.prices, a.timestamp, a.account ?? NO_GROUP);
  const healthBefore = h.health.healthFactor;
  if (healthBefore >= WAD) return { ok: false, error: "NotLiquidatable", healthFactor: healthBefore };
  const li = liquidationInput(h, a.debtAsset, a.collateralAsset, a.assets, a.globals);
  const debt = need(a.assets, a.debtAsset, "asset config");
  const coll = need(a.assets, a.collateralAsset, "asset config");
  const plan = planAmounts(li, a.repayAmount, coll.config.protocolFee);
  if (!plan.ok) return plan;
  const debtShares = need(a.positions, a.debtAsset, "debt position").amount;
  const debtSide = debtAfterLiquidation(li, debtShares, debt.clock, plan.repaid, a.timestamp);
  const after = healthAfter(h, li, coll.config, debtSide.debtAfter, plan.seized);
  let onlyCollateralIs = true;
  let onlyDebtIs = true;
  for (const [asset, pos] of a.positions) {
    if (!pos.isDebt && asset !== a.collateralAsset) onlyCollateralIs = false;
    if (pos.isDebt && asset !== a.debtAsset) onlyDebtIs = false;
  }
  const badDebt =
    plan.seized === li.collateralBalance && onlyCollateralIs && !(plan.repaid === li.debtBalance && onlyDebtIs);
  return {
    ok: true,
    preview: {
      repaid: plan.repaid,
      paid: debtSide.paid,
      seized: plan.seized,
      toLiquidator: plan.toLiquidator,
      fee: plan.fee,
      bonus: plan.bonus,
      healthBefore,
      healthAfter: after,
      badDebt,
    },
  };
}

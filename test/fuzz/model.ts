/**
 * The risk model of /work/shared/risk-model.md ("Units and rounding", "Health", "Liquidation") in bigint,
 * written from the model text, used by the invariant fuzzer as an independent oracle for the vault's
 * views and liquidations. Every function names its rounding; floor is bigint division of non-negatives.
 */

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
export const MAX_UINT256 = (1n << 256n) - 1n;

export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n || a < 0n) throw new Error(`ceilDiv(${a}, ${b})`);
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}

/** floor(amount * price / unit) */
export function valueDown(amount: bigint, price: bigint, unit: bigint): bigint {
  return (amount * price) / unit;
}

/** ceil(amount * price / unit) */
export function valueUp(amount: bigint, price: bigint, unit: bigint): bigint {
  return ceilDiv(amount * price, unit);
}

/** floor(min(v, S) * w / BPS) + floor(max(0, v - S) * w * sf / BPS^2) */
export function weightedDown(value: bigint, weightBps: bigint, sizeThreshold: bigint, sizeFactorBps: bigint): bigint {
  if (value <= sizeThreshold) return (value * weightBps) / BPS;
  return (sizeThreshold * weightBps) / BPS + ((value - sizeThreshold) * weightBps * sizeFactorBps) / (BPS * BPS);
}

/** D == 0 ? max : floor(W * WAD / D) */
export function healthFactorDown(weighted: bigint, debtValue: bigint): bigint {
  return debtValue === 0n ? MAX_UINT256 : (weighted * WAD) / debtValue;
}

/** L_max = floor(LT * (WAD + maxBonus) / BPS) */
export function capPoint(lt: bigint, maxBonus: bigint): bigint {
  return (lt * (WAD + maxBonus)) / BPS;
}

/** Step 2: the bonus at health `hf` (< WAD). */
export function bonusDown(hf: bigint, lt: bigint, maxBonus: bigint, minBonus: bigint): bigint {
  const lmax = capPoint(lt, maxBonus);
  if (hf <= lmax) return maxBonus;
  return minBonus + ((maxBonus - minBonus) * (WAD - hf)) / (WAD - lmax);
}

/** seized = floor(repay * p_d * (WAD + b) * 10^dec_c / (10^dec_d * WAD * p_c)) */
export function seizeDown(repay: bigint, bonus: bigint, pd: bigint, unitD: bigint, pc: bigint, unitC: bigint): bigint {
  return (repay * pd * (WAD + bonus) * unitC) / (unitD * WAD * pc);
}

/** repay = ceil(seized * 10^dec_d * WAD * p_c / (p_d * (WAD + b) * 10^dec_c)) */
export function repayForSeizeUp(seized: bigint, bonus: bigint, pd: bigint, unitD: bigint, pc: bigint, unitC: bigint): bigint {
  return ceilDiv(seized * unitD * WAD * pc, pd * (WAD + bonus) * unitC);
}

/** fee = ceil(seized * b * protocolFee / ((WAD + b) * BPS)) */
export function protocolFeeUp(seized: bigint, bonus: bigint, feeBps: bigint): bigint {
  return ceilDiv(seized * bonus * feeBps, (WAD + bonus) * BPS);
}

export interface AssetRisk {
  decimals: number;
  unit: bigint;
  ltv: bigint;
  lt: bigint;
  maxBonus: bigint;
  sizeThreshold: bigint;
  sizeFactor: bigint;
  protocolFee: bigint;
}

export interface Globals {
  minBonus: bigint;
  targetHealth: bigint;
  minLeftover: bigint;
}

/** A position as the `positions` view returns it (debt `amount` accrued to the block, rounded up). */
export interface Pos {
  asset: number;
  isDebt: boolean;
  amount: bigint;
  shares: bigint;
}

export interface Health {
  collateralValue: bigint;
  weightedCollateral: bigint;
  initialMarginValue: bigint;
  debtValue: bigint;
  healthFactor: bigint;
}

/** "Health": W, D, the initial-margin sum and the health factor of a list of positions. */
export function health(positions: readonly Pos[], risk: readonly AssetRisk[], prices: readonly bigint[]): Health {
  let collateralValue = 0n;
  let weightedCollateral = 0n;
  let initialMarginValue = 0n;
  let debtValue = 0n;
  for (const p of positions) {
    const r = risk[p.asset]!;
    const price = prices[p.asset]!;
    if (p.isDebt) {
      debtValue += valueUp(p.amount, price, r.unit);
    } else {
      const v = valueDown(p.amount, price, r.unit);
      collateralValue += v;
      weightedCollateral += weightedDown(v, r.lt, r.sizeThreshold, r.sizeFactor);
      initialMarginValue += weightedDown(v, r.ltv, r.sizeThreshold, r.sizeFactor);
    }
  }
  return {
    collateralValue,
    weightedCollateral,
    initialMarginValue,
    debtValue,
    healthFactor: healthFactorDown(weightedCollateral, debtValue),
  };
}

export interface MaxLiquidation {
  repay: bigint;
  seized: bigint;
  bonus: bigint;
}

/**
 * "Liquidation" steps 2-5: the largest liquidation of debt `d` against collateral `c` of an account with
 * weighted collateral W and debt value D (all zeros when healthy).
 */
export function maxLiquidation(
  W: bigint,
  D: bigint,
  debtBalance: bigint,
  collateralBalance: bigint,
  pd: bigint,
  rd: AssetRisk,
  pc: bigint,
  rc: AssetRisk,
  g: Globals,
): MaxLiquidation {
  const zero = { repay: 0n, seized: 0n, bonus: 0n };
  const hf = healthFactorDown(W, D);
  if (hf >= WAD || debtBalance === 0n || collateralBalance === 0n) return zero;
  const bonus = bonusDown(hf, rc.lt, rc.maxBonus, g.minBonus);
  const seize = (r: bigint) => seizeDown(r, bonus, pd, rd.unit, pc, rc.unit);
  const repayFor = (s: bigint) => repayForSeizeUp(s, bonus, pd, rd.unit, pc, rc.unit);
  // step 3
  let repay = debtBalance;
  if (hf > capPoint(rc.lt, rc.maxBonus)) {
    const targetWeighted = ceilDiv(g.targetHealth * D, WAD);
    const target = ceilDiv((targetWeighted - W) * WAD * BPS, g.targetHealth * BPS - rc.lt * (WAD + bonus));
    const units = ceilDiv(target * rd.unit, pd);
    if (units < repay) repay = units;
  }
  // step 4, debt side
  if (repay < debtBalance && valueUp(debtBalance - repay, pd, rd.unit) < g.minLeftover) repay = debtBalance;
  // step 5, cap by c
  let seized = seize(repay);
  if (seized > collateralBalance) {
    seized = collateralBalance;
    repay = repayFor(seized);
  }
  // step 4, collateral side
  if (
    repay < debtBalance &&
    seized < collateralBalance &&
    valueDown(collateralBalance - seized, pc, rc.unit) < g.minLeftover
  ) {
    const repayAll = repayFor(collateralBalance);
    if (repayAll < debtBalance) {
      repay = repayAll;
      seized = collateralBalance;
    } else {
      repay = debtBalance;
      seized = seize(repay);
      if (seized > collateralBalance) seized = collateralBalance;
    }
  }
  return { repay, seized, bonus };
}

/**
 * The keeper's twin of contracts/libraries/HealthMath.sol: same functions, same names, same rounding,
 * pure bigint with no I/O. Tested against the shared vectors and the contract's views to the wei.
 */
import { BPS, MAX_UINT256, WAD, mulDivDown, mulDivUp } from "./fullMath.ts";

/** Everything a liquidation of debt asset d against collateral asset c depends on (see the Solidity struct). */
export interface LiquidationInput {
  weighted: bigint;
  debtValue: bigint;
  debtBalance: bigint;
  debtPrice: bigint;
  debtUnit: bigint;
  collateralBalance: bigint;
  collateralPrice: bigint;
  collateralUnit: bigint;
  lt: bigint;
  maxBonus: bigint;
  minBonus: bigint;
  targetHealth: bigint;
  minLeftover: bigint;
}

export interface LiquidationAmounts {
  repay: bigint;
  seized: bigint;
  bonus: bigint;
}

export function valueDown(amount: bigint, price: bigint, unit: bigint): bigint {
  return mulDivDown(amount, price, unit);
}

export function valueUp(amount: bigint, price: bigint, unit: bigint): bigint {
  return mulDivUp(amount, price, unit);
}

export function weightedDown(value: bigint, weightBps: bigint, sizeThreshold: bigint, sizeFactorBps: bigint): bigint {
  if (value <= sizeThreshold) return mulDivDown(value, weightBps, BPS);
  return (
    mulDivDown(sizeThreshold, weightBps, BPS) + mulDivDown(value - sizeThreshold, weightBps * sizeFactorBps, BPS * BPS)
  );
}

export function healthFactorDown(weighted: bigint, debtValue: bigint): bigint {
  if (debtValue === 0n) return MAX_UINT256;
  return mulDivDown(weighted, WAD, debtValue);
}

export function capPointDown(lt: bigint, maxBonus: bigint): bigint {
  return (lt * (WAD + maxBonus)) / BPS;
}

export function bonusDown(hf: bigint, lt: bigint, maxBonus: bigint, minBonus: bigint): bigint {
  const capPoint = capPointDown(lt, maxBonus);
  if (hf <= capPoint) return maxBonus;
  return minBonus + mulDivDown(maxBonus - minBonus, WAD - hf, WAD - capPoint);
}

export function targetRepayValueUp(
  weighted: bigint,
  debtValue: bigint,
  targetHealth: bigint,
  lt: bigint,
  bonus: bigint,
): bigint {
  const targetWeighted = mulDivUp(targetHealth, debtValue, WAD);
  return mulDivUp(targetWeighted - weighted, WAD * BPS, targetHealth * BPS - lt * (WAD + bonus));
}

export function seizeDown(i: LiquidationInput, repay: bigint, bonus: bigint): bigint {
  return mulDivDown(repay, i.debtPrice * (WAD + bonus) * i.collateralUnit, i.debtUnit * WAD * i.collateralPrice);
}

export function repayForSeizeUp(i: LiquidationInput, seized: bigint, bonus: bigint): bigint {
  return mulDivUp(seized, i.debtUnit * WAD * i.collateralPrice, i.debtPrice * (WAD + bonus) * i.collateralUnit);
}

export function protocolFeeUp(seized: bigint, bonus: bigint, feeBps: bigint): bigint {
  return mulDivUp(seized, bonus * feeBps, (WAD + bonus) * BPS);
}

/** The largest liquidation the model allows (all zeros when healthy); mirrors HealthMath.maxLiquidation. */
export function maxLiquidation(i: LiquidationInput): LiquidationAmounts {
  const zero: LiquidationAmounts = { repay: 0n, seized: 0n, bonus: 0n };
  const hf = healthFactorDown(i.weighted, i.debtValue);
  if (hf >= WAD || i.debtBalance === 0n || i.collateralBalance === 0n) return zero;
  const bonus = bonusDown(hf, i.lt, i.maxBonus, i.minBonus);

  let repay = i.debtBalance;
  if (hf > capPointDown(i.lt, i.maxBonus)) {
    const target = targetRepayValueUp(i.weighted, i.debtValue, i.targetHealth, i.lt, bonus);
    const targetUnits = mulDivUp(target, i.debtUnit, i.debtPrice);
    if (targetUnits < repay) repay = targetUnits;
  }
  if (repay < i.debtBalance && valueUp(i.debtBalance - repay, i.debtPrice, i.debtUnit) < i.minLeftover) {
    repay = i.debtBalance;
  }
  let seized = seizeDown(i, repay, bonus);
  if (seized > i.collateralBalance) {
    seized = i.collateralBalance;
    repay = repayForSeizeUp(i, seized, bonus);
  }
  if (
    repay < i.debtBalance &&
    seized < i.collateralBalance &&
    valueDown(i.collateralBalance - seized, i.collateralPrice, i.collateralUnit) < i.minLeftover
  ) {
    const repayAll = repayForSeizeUp(i, i.collateralBalance, bonus);
    if (repayAll < i.debtBalance) {
      repay = repayAll;
      seized = i.collateralBalance;
    } else {
      repay = i.debtBalance;
      seized = seizeDown(i, repay, bonus);
      if (seized > i.collateralBalance) seized = i.collateralBalance;
    }
  }
  return { repay, seized, bonus };
}

/** Repay and seize for a requested amount given the maximum; ok=false means the vault reverts MustNotLeaveDust. */
export function liquidationFor(
  i: LiquidationInput,
  max: LiquidationAmounts,
  repayAmount: bigint,
): { repay: bigint; seized: bigint; ok: boolean } {
  let repay = repayAmount < max.repay ? repayAmount : max.repay;
  let seized = seizeDown(i, repay, max.bonus);
  if (seized > i.collateralBalance) {
    seized = i.collateralBalance;
    repay = repayForSeizeUp(i, seized, max.bonus);
  }
  const ok =
    repay === i.debtBalance ||
    seized === i.collateralBalance ||
    (valueUp(i.debtBalance - repay, i.debtPrice, i.debtUnit) >= i.minLeftover &&
      valueDown(i.collateralBalance - seized, i.collateralPrice, i.collateralUnit) >= i.minLeftover);
  return { repay, seized, ok };
}

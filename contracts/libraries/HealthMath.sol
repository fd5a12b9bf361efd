// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title HealthMath
/// @notice The risk model's formulas (../shared/risk-model.md), pure, with prices passed in, so that
/// borrow checks, liquidation and the previews share one rule. Every function name says which way it
/// rounds; every rounding favours the protocol. The keeper's twin (keeper/src/math/healthMath.ts)
/// has the same functions with the same names and rounding.
library HealthMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;

    /// @notice Everything a liquidation of debt asset `d` against collateral asset `c` depends on.
    /// @dev `lt` and `maxBonus` are the effective values health uses for `c` (group or ramped).
    struct LiquidationInput {
        uint256 weighted; // W: the account's weighted collateral, USD WAD
        uint256 debtValue; // D: the account's debt value, USD WAD
        uint256 debtBalance; // debt_d in units of d
        uint256 debtPrice; // p_d, USD WAD per whole token
        uint256 debtUnit; // 10^dec_d
        uint256 collateralBalance; // bal_c in units of c
        uint256 collateralPrice; // p_c
        uint256 collateralUnit; // 10^dec_c
        uint256 lt; // LT_c in bps
        uint256 maxBonus; // maxBonus_c, WAD
        uint256 minBonus; // global, WAD
        uint256 targetHealth; // THF, WAD
        uint256 minLeftover; // USD WAD
    }

    /// @notice What a liquidation takes and pays.
    struct LiquidationAmounts {
        uint256 repay; // units of d
        uint256 seized; // units of c, fee included
        uint256 bonus; // WAD
    }

    /// @notice floor(amount * price / unit): the value of a collateral balance.
    function valueDown(uint256 amount, uint256 price, uint256 unit) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, unit);
    }

    /// @notice ceil(amount * price / unit): the value of a debt.
    function valueUp(uint256 amount, uint256 price, uint256 unit) internal pure returns (uint256) {
        return Math.mulDiv(amount, price, unit, Math.Rounding.Ceil);
    }

    /// @notice The weighted value of a collateral: value up to the size threshold at `weightBps`, the
    /// rest at `weightBps * sizeFactorBps / BPS` (each part floored).
    function weightedDown(uint256 value, uint256 weightBps, uint256 sizeThreshold, uint256 sizeFactorBps)
        internal
        pure
        returns (uint256)
    {
        if (value <= sizeThreshold) return Math.mulDiv(value, weightBps, BPS);
        return Math.mulDiv(sizeThreshold, weightBps, BPS)
            + Math.mulDiv(value - sizeThreshold, weightBps * sizeFactorBps, BPS * BPS);
    }

    /// @notice floor(weighted * WAD / debtValue), or type(uint256).max with no debt.
    function healthFactorDown(uint256 weighted, uint256 debtValue) internal pure returns (uint256) {
        if (debtValue == 0) return type(uint256).max;
        return Math.mulDiv(weighted, WAD, debtValue);
    }

    /// @notice The health factor at and below which the bonus is at its cap: floor(LT * (WAD + maxBonus) / BPS).
    function capPointDown(uint256 lt, uint256 maxBonus) internal pure returns (uint256) {
        return lt * (WAD + maxBonus) / BPS;
    }

    /// @notice The liquidation bonus for an account at health `hf` (< WAD), rounded down: the cap below
    /// the cap point, linear from `minBonus` at health 1 up to the cap at the cap point.
    function bonusDown(uint256 hf, uint256 lt, uint256 maxBonus, uint256 minBonus) internal pure returns (uint256) {
        uint256 capPoint = capPointDown(lt, maxBonus);
        if (hf <= capPoint) return maxBonus;
        return minBonus + Math.mulDiv(maxBonus - minBonus, WAD - hf, WAD - capPoint);
    }

    /// @notice The repay value (USD WAD) that brings health back to the target, rounded up:
    /// ceil((ceil(THF * D / WAD) - W) * WAD * BPS / (THF * BPS - LT * (WAD + b))).
    /// @dev Requires W < ceil(THF * D / WAD) (the account is liquidatable) and a positive denominator
    /// (parameter validation guarantees it).
    function targetRepayValueUp(uint256 weighted, uint256 debtValue, uint256 targetHealth, uint256 lt, uint256 bonus)
        internal
        pure
        returns (uint256)
    {
        uint256 targetWeighted = Math.mulDiv(targetHealth, debtValue, WAD, Math.Rounding.Ceil);
        return Math.mulDiv(
            targetWeighted - weighted, WAD * BPS, targetHealth * BPS - lt * (WAD + bonus), Math.Rounding.Ceil
        );
    }

    /// @notice Collateral seized for a repay, fee included, rounded down:
    /// floor(repay * p_d * (WAD + b) * unit_c / (unit_d * WAD * p_c)).
    function seizeDown(LiquidationInput memory i, uint256 repay, uint256 bonus) internal pure returns (uint256) {
        return Math.mulDiv(
            repay, i.debtPrice * (WAD + bonus) * i.collateralUnit, i.debtUnit * WAD * i.collateralPrice
        );
    }

    /// @notice The repay that pays for seizing `seized`, rounded up (the inverse of `seizeDown`).
    function repayForSeizeUp(LiquidationInput memory i, uint256 seized, uint256 bonus)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(
            seized, i.debtUnit * WAD * i.collateralPrice, i.debtPrice * (WAD + bonus) * i.collateralUnit, Math.Rounding.Ceil
        );
    }

    /// @notice The reserves' share of a seize: ceil(seized * b * feeBps / ((WAD + b) * BPS)).
    function protocolFeeUp(uint256 seized, uint256 bonus, uint256 feeBps) internal pure returns (uint256) {
        return Math.mulDiv(seized, bonus * feeBps, (WAD + bonus) * BPS, Math.Rounding.Ceil);
    }

    /// @notice The largest liquidation of `d` against `c` that the model allows (all zeros when the
    /// account is healthy). Applying `liquidationFor` to the returned repay never reverts.
    function maxLiquidation(LiquidationInput memory i) internal pure returns (LiquidationAmounts memory m) {
        uint256 hf = healthFactorDown(i.weighted, i.debtValue);
        if (hf >= WAD || i.debtBalance == 0 || i.collateralBalance == 0) return m;
        m.bonus = bonusDown(hf, i.lt, i.maxBonus, i.minBonus);

        // Step 3: the repay that restores the target, or all of d past the cap point.
        uint256 repay = i.debtBalance;
        if (hf > capPointDown(i.lt, i.maxBonus)) {
            uint256 target = targetRepayValueUp(i.weighted, i.debtValue, i.targetHealth, i.lt, m.bonus);
            uint256 targetUnits = Math.mulDiv(target, i.debtUnit, i.debtPrice, Math.Rounding.Ceil);
            if (targetUnits < repay) repay = targetUnits;
        }
        // Step 4: never leave a debt too small to liquidate profitably.
        if (repay < i.debtBalance && valueUp(i.debtBalance - repay, i.debtPrice, i.debtUnit) < i.minLeftover) {
            repay = i.debtBalance;
        }
        // Step 5: what c can pay for.
        uint256 seized = seizeDown(i, repay, m.bonus);
        if (seized > i.collateralBalance) {
            seized = i.collateralBalance;
            repay = repayForSeizeUp(i, seized, m.bonus);
        }
        // Step 4, collateral side: never leave a collateral too small to liquidate.
        if (
            repay < i.debtBalance && seized < i.collateralBalance
                && valueDown(i.collateralBalance - seized, i.collateralPrice, i.collateralUnit) < i.minLeftover
        ) {
            uint256 repayAll = repayForSeizeUp(i, i.collateralBalance, m.bonus);
            if (repayAll < i.debtBalance) {
                repay = repayAll;
                seized = i.collateralBalance;
            } else {
                repay = i.debtBalance;
                seized = seizeDown(i, repay, m.bonus);
                if (seized > i.collateralBalance) seized = i.collateralBalance;
            }
        }
        m.repay = repay;
        m.seized = seized;
    }

    /// @notice The repay and seize of a liquidation asked for `repayAmount`, given the maximum;
    /// `ok` is false when it would leave dust (the vault reverts `MustNotLeaveDust`).
    function liquidationFor(LiquidationInput memory i, LiquidationAmounts memory max, uint256 repayAmount)
        internal
        pure
        returns (uint256 repay, uint256 seized, bool ok)
    {
        repay = repayAmount < max.repay ? repayAmount : max.repay;
        seized = seizeDown(i, repay, max.bonus);
        if (seized > i.collateralBalance) {
            seized = i.collateralBalance;
            repay = repayForSeizeUp(i, seized, max.bonus);
        }
        ok = repay == i.debtBalance || seized == i.collateralBalance
            || (
                valueUp(i.debtBalance - repay, i.debtPrice, i.debtUnit) >= i.minLeftover
                    && valueDown(i.collateralBalance - seized, i.collateralPrice, i.collateralUnit) >= i.minLeftover
            );
    }
}

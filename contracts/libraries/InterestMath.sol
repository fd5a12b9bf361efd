// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title InterestMath
/// @notice Interest accrual and the kinked rate model, pure. Simple interest between accruals at the rate
/// fixed at the previous one (compounding at each accrual), mirrored exactly by the keeper's twin
/// (keeper/src/math/interestMath.ts), so the keeper computes any debt at any timestamp from events.
library InterestMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;

    /// @notice borrowIndex + floor(borrowIndex * ratePerSecond * dt / WAD).
    function borrowIndexAt(uint256 borrowIndex, uint256 ratePerSecond, uint256 dt) internal pure returns (uint256) {
        return borrowIndex + Math.mulDiv(borrowIndex, ratePerSecond * dt, WAD);
    }

    /// @notice ceil(shares * index / WAD): what a debt of `shares` owes at `index`.
    function debtUp(uint256 shares, uint256 index) internal pure returns (uint256) {
        return Math.mulDiv(shares, index, WAD, Math.Rounding.Ceil);
    }

    /// @notice floor(shares * index / WAD): what a supply of `shares` is worth at `index`.
    function supplyDown(uint256 shares, uint256 index) internal pure returns (uint256) {
        return Math.mulDiv(shares, index, WAD);
    }

    /// @notice An asset's interest state: what accrual reads and writes.
    struct Accrual {
        uint256 borrowIndex;
        uint256 supplyIndex;
        uint256 reserves;
        uint256 ratePerSecond;
        uint256 totalBorrowShares;
        uint256 totalSupplyShares;
        uint256 reserveFactor;
    }

    /// @notice Indices and reserves after `dt` seconds at the stored rate, in place: the interest on all
    /// borrows goes `reserveFactor` to reserves and the rest to suppliers (their index rounds down; the
    /// remainder stays unassigned in the vault). With no suppliers all interest goes to reserves.
    function accrue(Accrual memory a, uint256 dt) internal pure {
        uint256 oldIndex = a.borrowIndex;
        a.borrowIndex = borrowIndexAt(oldIndex, a.ratePerSecond, dt);
        if (a.borrowIndex == oldIndex || a.totalBorrowShares == 0) return;
        uint256 interest = debtUp(a.totalBorrowShares, a.borrowIndex) - debtUp(a.totalBorrowShares, oldIndex);
        uint256 toReserves = interest * a.reserveFactor / BPS;
        if (a.totalSupplyShares == 0) {
            toReserves = interest;
        } else {
            a.supplyIndex += Math.mulDiv(interest - toReserves, WAD, a.totalSupplyShares);
        }
        a.reserves += toReserves;
    }

    /// @notice The kinked utilisation rate per second (WAD): base + slope1 * U / kink below the kink, plus
    /// slope2 * (U - kink) / (WAD - kink) above it, with U = borrows / (borrows + cash).
    function ratePerSecond(
        uint256 borrows,
        uint256 cash,
        uint256 baseRate,
        uint256 slope1,
        uint256 slope2,
        uint256 kink
    ) internal pure returns (uint256) {
        if (borrows == 0) return baseRate;
        uint256 u = Math.mulDiv(borrows, WAD, borrows + cash);
        if (u <= kink) return baseRate + Math.mulDiv(slope1, u, kink);
        return baseRate + slope1 + Math.mulDiv(slope2, u - kink, WAD - kink);
    }
}

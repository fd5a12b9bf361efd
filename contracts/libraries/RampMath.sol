// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title RampMath
/// @notice A lowered liquidation threshold moves linearly from its old value to the new one, so that a
/// lower threshold never liquidates accounts at once; a raised one applies at once. Twin:
/// keeper/src/math/rampMath.ts.
library RampMath {
    /// @notice The threshold in force at `t`: `target + floor((from - target) * (rampEnd - t) / duration)`
    /// before `rampEnd`, `target` from then on. Non-increasing in `t` (`from >= target` by construction).
    function thresholdAt(uint256 target, uint256 from, uint256 rampEnd, uint256 duration, uint256 t)
        internal
        pure
        returns (uint256)
    {
        if (t >= rampEnd || duration == 0) return target;
        return target + (from - target) * (rampEnd - t) / duration;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PriceMath
/// @notice Feed answers to USD WAD prices: `answer * 10^(18-d)`, or `answer / 10^(d-18)` floored.
library PriceMath {
    /// @notice The WAD price of a positive feed answer with `feedDecimals` decimals.
    function toWad(uint256 answer, uint8 feedDecimals) internal pure returns (uint256) {
        if (feedDecimals <= 18) return answer * 10 ** (18 - feedDecimals);
        return answer / 10 ** (feedDecimals - 18);
    }
}

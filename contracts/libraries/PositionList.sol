// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PositionList
/// @notice A sub-account's list of assets packed in one word, so a health check reads one slot for the
/// list: bits 0-7 count, 8-15 risk group, 16-55 the second the owner last passed a check (cool-off),
/// 56-71 one "is debt" bit per list slot, 72-199 up to 16 asset ids of 8 bits.
library PositionList {
    uint256 internal constant MAX_ASSETS = 16;
    uint256 internal constant NOT_FOUND = type(uint256).max;

    uint256 private constant COUNT_MASK = 0xff;
    uint256 private constant CHECKED_SHIFT = 16;
    uint256 private constant CHECKED_MASK = uint256(type(uint40).max) << CHECKED_SHIFT;
    uint256 private constant DEBT_SHIFT = 56;
    uint256 private constant IDS_SHIFT = 72;

    function count(uint256 list) internal pure returns (uint256) {
        return list & COUNT_MASK;
    }

    function assetAt(uint256 list, uint256 i) internal pure returns (uint8) {
        return uint8(list >> (IDS_SHIFT + 8 * i));
    }

    function isDebtAt(uint256 list, uint256 i) internal pure returns (bool) {
        return (list >> (DEBT_SHIFT + i)) & 1 == 1;
    }

    function group(uint256 list) internal pure returns (uint8) {
        return uint8(list >> 8);
    }

    function withGroup(uint256 list, uint8 g) internal pure returns (uint256) {
        return (list & ~(uint256(0xff) << 8)) | (uint256(g) << 8);
    }

    function checkedAt(uint256 list) internal pure returns (uint256) {
        return uint40(list >> CHECKED_SHIFT);
    }

    function withCheckedAt(uint256 list, uint256 timestamp) internal pure returns (uint256) {
        return (list & ~CHECKED_MASK) | (uint256(uint40(timestamp)) << CHECKED_SHIFT);
    }

    /// @notice Index of `asset` in the list, or NOT_FOUND.
    function find(uint256 list, uint8 asset) internal pure returns (uint256) {
        uint256 n = list & COUNT_MASK;
        for (uint256 i; i < n; ++i) {
            if (uint8(list >> (IDS_SHIFT + 8 * i)) == asset) return i;
        }
        return NOT_FOUND;
    }

    /// @notice Whether every position is a debt (no collateral left) and there is at least one.
    function onlyDebts(uint256 list) internal pure returns (bool) {
        uint256 n = list & COUNT_MASK;
        if (n == 0) return false;
        uint256 allBits = (uint256(1) << n) - 1;
        return (list >> DEBT_SHIFT) & allBits == allBits;
    }

    /// @notice Append an asset; the caller checks `count < MAX_ASSETS` and that it is absent.
    function add(uint256 list, uint8 asset, bool isDebt) internal pure returns (uint256) {
        uint256 n = list & COUNT_MASK;
        list = (list & ~COUNT_MASK) | (n + 1);
        list |= uint256(asset) << (IDS_SHIFT + 8 * n);
        if (isDebt) list |= uint256(1) << (DEBT_SHIFT + n);
        return list;
    }

    /// @notice Remove the entry at `i`, moving the last entry into its place.
    function removeAt(uint256 list, uint256 i) internal pure returns (uint256) {
        uint256 last = (list & COUNT_MASK) - 1;
        uint8 lastAsset = uint8(list >> (IDS_SHIFT + 8 * last));
        bool lastDebt = (list >> (DEBT_SHIFT + last)) & 1 == 1;
        // clear slot i and the last slot, then write the last entry into slot i
        list &= ~(uint256(0xff) << (IDS_SHIFT + 8 * i));
        list &= ~(uint256(1) << (DEBT_SHIFT + i));
        list &= ~(uint256(0xff) << (IDS_SHIFT + 8 * last));
        list &= ~(uint256(1) << (DEBT_SHIFT + last));
        if (i != last) {
            list |= uint256(lastAsset) << (IDS_SHIFT + 8 * i);
            if (lastDebt) list |= uint256(1) << (DEBT_SHIFT + i);
        }
        return (list & ~COUNT_MASK) | last;
    }
}

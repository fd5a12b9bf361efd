// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVaultTypes} from "./IVaultTypes.sol";

/// @title IVaultAdmin
/// @notice Risk administration and pause (implemented by VaultExtension, reached through Vault).
interface IVaultAdmin is IVaultTypes {
    /// @notice List a token with its feed, risk parameters and rate model (risk admin). Reads the token's
    /// decimals (at most 18) and the feed's (at most 36) once.
    /// @return asset the new asset id
    function listAsset(address token, address feed, AssetParams calldata params, RateModel calldata model)
        external
        returns (uint8 asset);

    /// @notice Replace an asset's risk parameters (risk admin); emits every value. Validates
    /// `ltv < LT <= 10000`, `floor(LT * (1e18 + maxBonus) / 10000) <= 0.975e18`, `minBonus <= maxBonus <= 0.5e18`.
    function setAssetParams(uint8 asset, AssetParams calldata params) external;

    /// @notice Replace an asset's rate model (risk admin); interest accrues at the old rate up to now.
    function setRateModel(uint8 asset, RateModel calldata model) external;

    /// @notice Replace an asset's price feed (risk admin).
    function setFeed(uint8 asset, address feed) external;

    /// @notice Replace the vault-wide parameters (risk admin); emits every value.
    function setGlobalParams(GlobalParams calldata params) external;

    /// @notice Send `amount` of an asset's reserves to `to` (risk admin).
    function withdrawReserves(uint8 asset, uint256 amount, address to) external;

    /// @notice Define or replace a correlated group (risk admin): weights, bonus cap and member assets. A
    /// lowered group threshold ramps like an asset's. Group ids are 1..255.
    function setRiskGroup(uint8 group, GroupParams calldata params, uint8[] calldata assets) external;

    /// @notice Set the risk steward's bounds: largest threshold step per update and cooldown (risk admin).
    function setStewardParams(StewardParams calldata params) external;

    /// @notice Move an asset's liquidation threshold by at most the steward's step, once per cooldown
    /// (risk steward). A lowered threshold ramps down over `rampDuration`.
    function stewardSetLiquidationThreshold(uint8 asset, uint16 newThreshold) external;

    /// @notice Stop borrows, withdrawals, transfers, redemptions, flash loans and liquidations (pause guardian).
    /// Deposits, supplies and repays stay open: they only make accounts safer.
    function pause() external;

    /// @notice Resume; liquidations wait `gracePeriod` more so owners can restore health first (pause guardian).
    function unpause() external;
}

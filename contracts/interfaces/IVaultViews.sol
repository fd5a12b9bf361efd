// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVaultTypes} from "./IVaultTypes.sol";

/// @title IVaultViews
/// @notice Read-only views (implemented by VaultExtension, reached through Vault).
interface IVaultViews is IVaultTypes {
    /// @notice A correlated group as stored (threshold target, ramp, members bitmap).
    function riskGroup(uint8 group) external view returns (RiskGroup memory);

    /// @notice The risk steward's bounds.
    function stewardParams() external view returns (StewardParams memory);

    /// @notice The correlated group a sub-account is in (0: none).
    function groupOf(address owner, uint8 subId) external view returns (uint8);

    /// @notice The weights health uses now for `asset` in an account of `group` (0: none): ltv, the
    /// liquidation threshold ramped to this block, and the bonus cap.
    function weightsOf(uint8 asset, uint8 group) external view returns (uint256 ltv, uint256 lt, uint256 maxBonus);

    /// @notice Vault-wide parameters.
    function globalParams() external view returns (GlobalParams memory);

    /// @notice Whether the vault is paused.
    function paused() external view returns (bool);

    /// @notice Liquidations are refused before this timestamp (set by unpause).
    function graceEnd() external view returns (uint256);

    /// @notice Whether `operator` may act for `owner`.
    function isOperator(address owner, address operator) external view returns (bool);

    /// @notice A lender's supply shares of an asset.
    function supplyShares(uint8 asset, address lender) external view returns (uint256);

    /// @notice What `lender`'s supply of `asset` is worth now (rounded down).
    function supplyBalance(uint8 asset, address lender) external view returns (uint256);

    /// @notice An asset's configuration.
    function assetConfig(uint8 asset) external view returns (AssetConfig memory);

    /// @notice An asset's interest and liquidity state, accrued to this block.
    function assetState(uint8 asset) external view returns (AssetState memory);

    /// @notice The second in which the owner's last action passed a health check (liquidation cool-off).
    function checkedAt(address owner, uint8 subId) external view returns (uint256);


    /// @notice Number of listed assets; ids are 0..assetCount-1.
    function assetCount() external view returns (uint256);

    /// @notice The asset id of a listed token.
    function assetOf(address token) external view returns (uint8);

    /// @notice `who`'s balance of every listed token and its allowance to the vault, by asset id: what a
    /// liquidator can repay with, in one call. A token whose `balanceOf` or `allowance` reverts shows 0.
    function walletOf(address who) external view returns (uint256[] memory balances, uint256[] memory allowances);

    /// @notice The positions of an account, debts accrued to this block.
    function positions(address owner, uint8 subId) external view returns (Position[] memory);

    /// @notice Health of one account at current prices (reverts if a price it needs is invalid).
    function accountHealth(address owner, uint8 subId) external view returns (AccountHealth memory);

    /// @notice Health of many accounts (`owners[i]`, `subIds[i]`).
    function accountsHealth(address[] calldata owners, uint8[] calldata subIds)
        external
        view
        returns (AccountHealth[] memory);

    /// @notice The largest liquidation of `debtAsset` against `collateralAsset` now: the repay, the
    /// collateral seized (fee included) and the bonus; all zero for a healthy account. `liquidate` with
    /// this repay never reverts for a dust or cap reason.
    function maxLiquidation(address owner, uint8 subId, uint8 debtAsset, uint8 collateralAsset)
        external
        view
        returns (uint256 maxRepay, uint256 maxSeized, uint256 bonus);

    /// @notice What `liquidate` with `repayAmount` would do now; reverts with the error it would revert with.
    /// @param liquidator the would-be caller (for the self-liquidation rule)
    function previewLiquidation(
        address owner,
        uint8 subId,
        uint8 debtAsset,
        uint8 collateralAsset,
        uint256 repayAmount,
        address liquidator
    ) external view returns (LiquidationPreview memory);

    /// @notice The asset's price (USD WAD per whole token), its update time and age; reverts if invalid.
    function price(uint8 asset) external view returns (uint256 priceWad, uint256 updatedAt, uint256 age);
}

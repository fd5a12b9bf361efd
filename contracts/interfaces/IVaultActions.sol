// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVaultTypes} from "./IVaultTypes.sol";

/// @title IVaultActions
/// @notice The vault's entry points for owners, lenders and liquidators (implemented by Vault).
interface IVaultActions is IVaultTypes {
    // ---------------------------------------------------------------- accounts

    /// @notice Let `operator` deposit, withdraw, transfer, borrow and repay for the caller's sub-accounts
    /// (or revoke it). An operator also counts as the owner for the no-self-liquidation rule.
    function setOperator(address operator, bool approved) external;

    /// @notice Add `amount` of `asset` as collateral to `(owner, subId)`, paid by the caller (owner or
    /// operator). Needs no price. Reverts if the asset is a debt of the sub-account, or a new position would
    /// exceed the per-account asset limit, or the collateral cap.
    function deposit(address owner, uint8 subId, uint8 asset, uint256 amount) external;

    /// @notice Remove collateral and send it to `to`; the account must pass the initial-margin check after.
    function withdraw(address owner, uint8 subId, uint8 asset, uint256 amount, address to) external;

    /// @notice Move collateral between two sub-accounts of `owner`; the source must pass the
    /// initial-margin check after.
    function transferCollateral(address owner, uint8 fromSubId, uint8 toSubId, uint8 asset, uint256 amount) external;

    /// @notice Borrow `amount` of `asset` from the lenders' liquidity and send it to `to`; the account must
    /// pass the initial-margin check after.
    /// @return shares debt shares added (rounded up)
    function borrow(address owner, uint8 subId, uint8 asset, uint256 amount, address to) external returns (uint256 shares);

    /// @notice Repay up to `amount` of the account's debt in `asset` (type(uint256).max: all of it), paid
    /// by the caller. Anyone may repay. Needs no price.
    /// @return repaid the amount taken from the caller
    function repay(address owner, uint8 subId, uint8 asset, uint256 amount) external returns (uint256 repaid);

    /// @notice Put a sub-account in correlated group `group`: every asset it holds or owes must be a member,
    /// its health factor must not drop and it must pass the initial margin under the group's weights. While
    /// in the group it cannot add an asset outside it.
    function enterGroup(address owner, uint8 subId, uint8 group) external;

    /// @notice Take a sub-account out of its group; it must pass the initial margin under plain weights.
    function leaveGroup(address owner, uint8 subId) external;

    // ---------------------------------------------------------------- lenders

    /// @notice Supply lender liquidity for `onBehalf`, paid by the caller.
    /// @return shares supply shares minted (rounded down)
    function supply(uint8 asset, uint256 amount, address onBehalf) external returns (uint256 shares);

    /// @notice Burn `shares` of the caller's supply and send what they are worth (rounded down) to `to`.
    /// @return amount tokens sent
    function redeem(uint8 asset, uint256 shares, address to) external returns (uint256 amount);

    // ---------------------------------------------------------------- liquidation

    /// @notice Liquidate `(owner, subId)`: repay up to `repayAmount` of its `debtAsset` debt (capped at
    /// `maxLiquidation`) and receive the `collateralAsset` it pays for, bonus included, less the protocol
    /// fee. The caller pays the repay (approve first) and receives the collateral. Writes off the account's
    /// remaining debt as bad debt if no collateral remains.
    /// @param minSeized least collateral (after fee) the caller accepts
    /// @return repaid what the caller paid: the debt's fall, at most one unit above the capped repay (the
    /// burnt debt shares round up so a liquidation never takes collateral for debt it did not clear)
    /// @return toLiquidator collateral received
    function liquidate(
        address owner,
        uint8 subId,
        uint8 debtAsset,
        uint8 collateralAsset,
        uint256 repayAmount,
        uint256 minSeized
    ) external returns (uint256 repaid, uint256 toLiquidator);

    /// @notice Write off the debts of a liquidatable account whose collateral is worth less than 1 USD (too
    /// little to be worth liquidating); its remaining collateral goes to reserves. Permissionless.
    function settleBadDebt(address owner, uint8 subId) external;

    /// @notice Accrue an asset's interest to now (anyone; views accrue virtually anyway).
    function accrueInterest(uint8 asset) external;

}

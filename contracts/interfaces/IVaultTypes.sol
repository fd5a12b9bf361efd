// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IVaultTypes
/// @notice The vault's structs, events and errors (see IVault for the manual).
interface IVaultTypes {
    // ---------------------------------------------------------------- types

    /// @notice Risk parameters of one asset (risk admin).
    /// @param ltv initial-margin weight in bps (opening or growing debt, removing collateral)
    /// @param liquidationThreshold maintenance weight in bps, `ltv < liquidationThreshold <= 10_000`
    /// @param sizeFactor bps applied to the weights on the collateral value above `sizeThreshold`
    /// @param protocolFee share of the liquidation bonus that goes to reserves, bps
    /// @param reserveFactor share of the borrow interest that goes to reserves, bps
    /// @param maxOracleAge seconds after which the feed's answer is stale
    /// @param maxBonus cap of the liquidation bonus when seizing this asset, WAD
    /// @param sizeThreshold collateral value (USD WAD) above which `sizeFactor` applies
    /// @param supplyCap lender supply cap in units (0: none)
    /// @param collateralCap total collateral cap in units (0: none)
    /// @param borrowCap total borrow cap in units (0: none)
    struct AssetParams {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 sizeFactor;
        uint16 protocolFee;
        uint16 reserveFactor;
        uint32 maxOracleAge;
        uint64 maxBonus;
        uint96 sizeThreshold;
        uint128 supplyCap;
        uint128 collateralCap;
        uint128 borrowCap;
    }

    /// @notice Kinked utilisation rate model; rates are per second, WAD; `0 < kink <= WAD`.
    struct RateModel {
        uint64 baseRate;
        uint64 slope1;
        uint64 slope2;
        uint64 kink;
    }

    /// @notice Vault-wide parameters (risk admin).
    /// @param minBonus liquidation bonus at health 1, WAD; at most every asset's `maxBonus`
    /// @param targetHealth health factor a partial liquidation restores, `WAD < targetHealth <= 1.25e18`
    /// @param minLeftover smallest debt or collateral value (USD WAD) a partial liquidation may leave
    /// @param gracePeriod seconds after unpause during which nobody can be liquidated
    /// @param flashFee flash-loan fee in bps, to reserves
    /// @param rampDuration seconds over which a lowered liquidation threshold ramps down (0: at once)
    struct GlobalParams {
        uint64 minBonus;
        uint64 targetHealth;
        uint128 minLeftover;
        uint32 gracePeriod;
        uint16 flashFee;
        uint32 rampDuration;
    }

    /// @notice A correlated group's weights (risk admin). While a sub-account is in the group, every asset of
    /// the group counts with these instead of its own (size tiers still apply).
    struct GroupParams {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint64 maxBonus;
    }

    /// @notice A correlated group as stored: its weights, the ramp of its threshold, and its members as a
    /// bitmap of asset ids.
    struct RiskGroup {
        uint16 ltv;
        uint16 liquidationThreshold;
        uint64 maxBonus;
        uint16 ltRampFrom;
        uint40 rampEnd;
        uint32 rampDuration;
        uint256 assets;
    }

    /// @notice Bounds of the risk steward: at most `maxThresholdStep` bps of change per update, and one
    /// update per asset per `cooldown` seconds.
    struct StewardParams {
        uint16 maxThresholdStep;
        uint32 cooldown;
    }

    /// @notice One position of an account. `amount` is the collateral balance, or the debt owed now
    /// (interest accrued to this block, rounded up); `shares` is the debt's shares (0 for collateral).
    struct Position {
        uint8 asset;
        bool isDebt;
        uint256 amount;
        uint256 shares;
    }

    /// @notice An account's health at current prices and indices, USD WAD.
    /// @param collateralValue sum of collateral values (rounded down)
    /// @param weightedCollateral W: collateral weighted by the liquidation thresholds and size tiers
    /// @param initialMarginValue the same weighted by ltv
    /// @param debtValue D: sum of debt values (rounded up)
    /// @param healthFactor floor(W * WAD / D), type(uint256).max with no debt
    struct AccountHealth {
        uint256 collateralValue;
        uint256 weightedCollateral;
        uint256 initialMarginValue;
        uint256 debtValue;
        uint256 healthFactor;
    }

    /// @notice What a liquidation would do (see `previewLiquidation`).
    struct LiquidationPreview {
        uint256 repaid;
        uint256 paid;
        uint256 seized;
        uint256 toLiquidator;
        uint256 fee;
        uint256 bonus;
        uint256 healthBefore;
        uint256 healthAfter;
        bool badDebt;
    }


    /// @notice An asset's configuration as stored. Slot 0 is all a debt needs for a health check (feed,
    /// decimals, staleness); slot 1 adds what a collateral needs (bonus cap, size tier, threshold ramp).
    /// `liquidationThreshold` is the target of a ramp in progress: the value in force at time t is
    /// `liquidationThreshold + floor((ltRampFrom - liquidationThreshold) * (rampEnd - t) / rampDuration)`
    /// while t < rampEnd.
    struct AssetConfig {
        address feed;
        uint8 decimals;
        uint8 feedDecimals;
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 sizeFactor;
        uint32 maxOracleAge;
        uint64 maxBonus;
        uint96 sizeThreshold;
        uint16 ltRampFrom;
        uint40 rampEnd;
        uint32 rampDuration;
        address token;
        uint16 protocolFee;
        uint16 reserveFactor;
        uint128 supplyCap;
        uint128 collateralCap;
        uint128 borrowCap;
        uint40 stewardUpdatedAt;
        RateModel rateModel;
    }

    /// @notice An asset's interest and liquidity state. `cash` is idle lender liquidity plus reserves held
    /// in tokens; collateral is counted apart in `totalCollateral` and never lent.
    struct AssetState {
        uint128 borrowIndex;
        uint64 ratePerSecond;
        uint40 lastAccrual;
        uint128 supplyIndex;
        uint128 totalSupplyShares;
        uint128 totalBorrowShares;
        uint128 cash;
        uint128 reserves;
        uint128 totalCollateral;
    }

    // ---------------------------------------------------------------- events

    /// @notice A new asset; its parameters follow in AssetParamsSet and RateModelSet.
    event AssetListed(uint8 indexed asset, address indexed token, uint8 decimals, address feed, uint8 feedDecimals);
    /// @notice Every value of an asset's risk parameters after a change.
    event AssetParamsSet(uint8 indexed asset, AssetParams params);
    /// @notice Every value of an asset's rate model after a change.
    event RateModelSet(uint8 indexed asset, RateModel model);
    /// @notice The asset's price feed changed.
    event FeedSet(uint8 indexed asset, address feed, uint8 feedDecimals);
    /// @notice Every vault-wide parameter after a change.
    event GlobalParamsSet(GlobalParams params);
    /// @notice An asset's liquidation threshold changes from `oldThreshold` (in force now) to `newThreshold`,
    /// linearly until `rampEnd` when lowered (`rampEnd` = now when raised or with no ramp).
    event LiquidationThresholdChanged(
        uint8 indexed asset, uint256 oldThreshold, uint256 newThreshold, uint256 rampEnd, uint256 rampDuration
    );
    /// @notice A correlated group's weights and members (bitmap of asset ids) after a change.
    event RiskGroupSet(uint8 indexed group, GroupParams params, uint256 assets);
    /// @notice A group's liquidation threshold changes, as LiquidationThresholdChanged.
    event GroupThresholdChanged(
        uint8 indexed group, uint256 oldThreshold, uint256 newThreshold, uint256 rampEnd, uint256 rampDuration
    );
    /// @notice The risk steward moved an asset's threshold (its cooldown runs from `timestamp`); the change
    /// itself is in the LiquidationThresholdChanged emitted with it.
    event StewardThresholdUpdated(uint8 indexed asset, uint256 newThreshold, uint256 timestamp);
    /// @notice The risk steward's bounds after a change.
    event StewardParamsSet(StewardParams params);
    /// @notice A sub-account entered a correlated group.
    event GroupEntered(address indexed owner, uint8 indexed subId, uint8 indexed group);
    /// @notice A sub-account left its correlated group.
    event GroupLeft(address indexed owner, uint8 indexed subId, uint8 indexed group);
    /// @notice The vault paused: no borrow, withdraw, transfer, redeem, flash loan or liquidation.
    event Paused(address indexed guardian);
    /// @notice The vault unpaused; liquidations resume at `graceEnd`.
    event Unpaused(address indexed guardian, uint256 graceEnd);
    /// @notice `operator` may (or may no longer) act for `owner` on every sub-account.
    event OperatorSet(address indexed owner, address indexed operator, bool approved);
    /// @notice Interest state of an asset after an action that touched it: the keeper's debt clock.
    /// Debt of `shares` at time t >= timestamp is ceil(shares * (borrowIndex + floor(borrowIndex *
    /// ratePerSecond * (t - timestamp) / WAD)) / WAD).
    event InterestAccrued(
        uint8 indexed asset,
        uint256 borrowIndex,
        uint256 supplyIndex,
        uint256 ratePerSecond,
        uint256 reserves,
        uint256 timestamp
    );
    /// @notice Collateral added to an account by `from`.
    event Deposited(address indexed owner, uint8 indexed subId, uint8 indexed asset, uint256 amount, address from);
    /// @notice Collateral removed from an account and sent to `to`.
    event Withdrawn(address indexed owner, uint8 indexed subId, uint8 indexed asset, uint256 amount, address to);
    /// @notice Collateral moved between two sub-accounts of one owner.
    event CollateralTransferred(address indexed owner, uint8 fromSubId, uint8 toSubId, uint8 indexed asset, uint256 amount);
    /// @notice Debt opened: `shares` added at `borrowIndex`, `amount` sent to `to`.
    event Borrowed(
        address indexed owner, uint8 indexed subId, uint8 indexed asset, uint256 amount, uint256 shares, address to
    );
    /// @notice Debt repaid by `from`: `shares` burnt for `amount`.
    event Repaid(
        address indexed owner, uint8 indexed subId, uint8 indexed asset, uint256 amount, uint256 shares, address from
    );
    /// @notice Lender liquidity added.
    event Supplied(address indexed lender, uint8 indexed asset, uint256 amount, uint256 shares);
    /// @notice Lender liquidity withdrawn.
    event Redeemed(address indexed lender, uint8 indexed asset, uint256 amount, uint256 shares, address to);
    /// @notice A liquidation: `repaid` of `debtAsset` (the repay the seize is computed from) for `seized` of
    /// `collateralAsset`, of which `fee` went to reserves. The debt fell by `paid` (>= repaid, at most one
    /// unit more: the burnt shares round up), which is what the liquidator paid; `sharesBurnt` left the account.
    event Liquidated(
        address indexed owner,
        uint8 indexed subId,
        address indexed liquidator,
        uint8 debtAsset,
        uint8 collateralAsset,
        uint256 repaid,
        uint256 paid,
        uint256 sharesBurnt,
        uint256 seized,
        uint256 fee,
        uint256 bonus,
        uint256 healthBefore,
        uint256 healthAfter
    );
    /// @notice Debt written off an account with no collateral left: `fromReserves` from the asset's
    /// reserves, `socialised` by lowering its supply index; `shares` removed.
    event BadDebt(
        address indexed owner,
        uint8 indexed subId,
        uint8 indexed asset,
        uint256 amount,
        uint256 shares,
        uint256 fromReserves,
        uint256 socialised
    );
    /// @notice Collateral worth less than 1 USD moved to reserves by `settleBadDebt`.
    event DustSwept(address indexed owner, uint8 indexed subId, uint8 indexed asset, uint256 amount);
    /// @notice An ERC-3156 flash loan.
    event FlashLoan(address indexed receiver, uint8 indexed asset, uint256 amount, uint256 fee);
    /// @notice Reserves withdrawn by the risk admin.
    event ReservesWithdrawn(uint8 indexed asset, uint256 amount, address to);

    // ---------------------------------------------------------------- errors

    /// @notice `caller` is neither `owner` nor an operator it approved.
    error Vault_NotOwnerOrOperator(address owner, address caller);
    /// @notice No listed asset has this id.
    error Vault_UnknownAsset(uint256 asset);
    /// @notice No listed asset has this token.
    error Vault_UnknownToken(address token);
    /// @notice The token is listed already.
    error Vault_AlreadyListed(address token);
    /// @notice 255 assets are listed already.
    error Vault_TooManyListedAssets();
    /// @notice Tokens with more than 18 decimals (or feeds with more than 36) are not supported.
    error Vault_UnsupportedDecimals(address token, uint8 decimals);
    /// @notice A parameter is out of range; `reason` names it.
    error Vault_InvalidParams(string reason);
    /// @notice An amount of 0 was passed where a positive one is needed.
    error Vault_ZeroAmount();
    /// @notice The feed's answer is zero or negative.
    error Vault_OracleNonPositive(uint8 asset, int256 answer);
    /// @notice The feed's round has no update time.
    error Vault_OracleNoUpdate(uint8 asset);
    /// @notice The feed's answer is older than the asset's maxOracleAge.
    error Vault_OracleStale(uint8 asset, uint256 updatedAt, uint256 maxOracleAge);
    /// @notice The sub-account already holds `maxAssets` distinct assets.
    error Vault_TooManyPositions(address owner, uint8 subId, uint256 maxAssets);
    /// @notice The asset is a debt of this sub-account, so it cannot also be its collateral (or the reverse).
    error Vault_CollateralDebtConflict(address owner, uint8 subId, uint8 asset);
    /// @notice The account holds less of the asset than asked for.
    error Vault_InsufficientBalance(uint8 asset, uint256 balance, uint256 requested);
    /// @notice The action would leave the account below its initial margin.
    error Vault_InsufficientMargin(address owner, uint8 subId, uint256 initialMarginValue, uint256 debtValue);
    /// @notice Not enough idle liquidity of the asset.
    error Vault_InsufficientLiquidity(uint8 asset, uint256 available, uint256 requested);
    /// @notice The action would exceed a cap (`which`: "supply", "collateral", "borrow").
    error Vault_CapExceeded(uint8 asset, string which, uint256 cap);
    /// @notice The token delivered less than the amount transferred (fee-on-transfer).
    error Vault_TransferShortfall(address token, uint256 expected, uint256 received);
    /// @notice The vault is paused.
    error Vault_Paused();
    /// @notice The vault is not paused.
    error Vault_NotPaused();
    /// @notice Liquidations resume at `graceEnd` after an unpause.
    error Vault_GracePeriod(uint256 graceEnd);
    /// @notice The account's health factor is not below 1.
    error Vault_NotLiquidatable(address owner, uint8 subId, uint256 healthFactor);
    /// @notice The owner, or one of its operators, may not liquidate the owner's accounts.
    error Vault_SelfLiquidation(address owner, address liquidator);
    /// @notice The owner's action checked the account healthy in this same second.
    error Vault_CoolOff(address owner, uint8 subId);
    /// @notice The account has no debt of `debtAsset` or no collateral of `collateralAsset`.
    error Vault_NoSuchPosition(address owner, uint8 subId, uint8 asset);
    /// @notice The liquidation would repay nothing.
    error Vault_ZeroRepay();
    /// @notice The liquidation would leave a debt or collateral worth less than minLeftover.
    error Vault_MustNotLeaveDust(uint256 debtLeftValue, uint256 collateralLeftValue, uint256 minLeftover);
    /// @notice The liquidator would receive less than `minSeized`.
    error Vault_SeizedBelowMinimum(uint256 toLiquidator, uint256 minSeized);
    /// @notice settleBadDebt needs a liquidatable account (health factor below 1) whose collateral is worth
    /// less than 1 USD.
    error Vault_NotBadDebt(address owner, uint8 subId, uint256 collateralValue, uint256 debtValue);
    /// @notice Group ids are 1..255 and a group needs at least one asset.
    error Vault_UnknownGroup(uint8 group);
    /// @notice The sub-account is in `group` and `asset` is not one of its members.
    error Vault_AssetNotInGroup(uint8 group, uint8 asset);
    /// @notice The sub-account is already in a group (leave it first).
    error Vault_AlreadyInGroup(address owner, uint8 subId, uint8 group);
    /// @notice The sub-account is in no group.
    error Vault_NotInGroup(address owner, uint8 subId);
    /// @notice Entering the group would lower the account's health factor.
    error Vault_GroupLowersHealth(uint256 healthBefore, uint256 healthAfter);
    /// @notice The steward may move a threshold by at most `maxStep` bps per update.
    error Vault_StewardStepTooLarge(uint256 current, uint256 requested, uint256 maxStep);
    /// @notice The steward may update this asset again at `nextUpdateAt`.
    error Vault_StewardCooldown(uint8 asset, uint256 nextUpdateAt);
    /// @notice The flash-loan receiver did not return the ERC-3156 magic value.
    error Vault_FlashLoanRejected(address receiver);

}

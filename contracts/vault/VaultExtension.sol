// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {VaultBase} from "./VaultBase.sol";
import {IVaultAdmin} from "../interfaces/IVaultAdmin.sol";
import {AggregatorV3Interface} from "../oracle/AggregatorV3Interface.sol";
import {HealthMath} from "../libraries/HealthMath.sol";
import {InterestMath} from "../libraries/InterestMath.sol";
import {PositionList} from "../libraries/PositionList.sol";
import {RampMath} from "../libraries/RampMath.sol";

/// @title VaultExtension
/// @notice Administration of the vault (assets, groups, steward, pause). Deployed once and run only by
/// delegatecall from `Vault`'s fallback, in the vault's storage; calling it directly touches its own empty
/// storage and is useless. Selectors it does not implement go on to `VaultLens` (the views) the same way.
/// Split out so each contract stays under the 24 KB code limit.
contract VaultExtension is VaultBase, IVaultAdmin {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using PositionList for uint256;

    /// @notice The module holding the views (same storage layout, run by delegatecall).
    address public immutable lens;

    /// @param lens_ a deployed VaultLens
    constructor(address lens_) {
        lens = lens_;
    }

    /// @dev Every selector not implemented here is the lens's.
    fallback() external {
        address target = lens;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    // ================================================================ admin

    /// @notice List a token with its feed, risk parameters and rate model (risk admin). The token's and the
    /// feed's decimals are read once here.
    /// @return asset the new asset id
    function listAsset(address token, address feed, AssetParams calldata params, RateModel calldata model)
        external
        onlyRole(RISK_ADMIN_ROLE)
        returns (uint8 asset)
    {
        if (_assetIdOf[token] != 0) revert Vault_AlreadyListed(token);
        if (_assetCount >= 255) revert Vault_TooManyListedAssets();
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > 18) revert Vault_UnsupportedDecimals(token, decimals);
        asset = _assetCount;
        _assetCount = asset + 1;
        AssetConfig storage c = _configs[asset];
        c.token = token;
        c.decimals = decimals;
        _assetIdOf[token] = uint256(asset) + 1;
        _states[asset] = AssetState({
            borrowIndex: uint128(WAD),
            ratePerSecond: 0,
            lastAccrual: uint40(block.timestamp),
            supplyIndex: uint128(WAD),
            totalSupplyShares: 0,
            totalBorrowShares: 0,
            cash: 0,
            reserves: 0,
            totalCollateral: 0
        });
        uint8 feedDecimals = _feedDecimals(feed);
        c.feed = feed;
        c.feedDecimals = feedDecimals;
        emit AssetListed(asset, token, decimals, feed, feedDecimals);
        _setAssetParams(asset, params);
        _setRateModel(asset, model);
    }

    /// @notice Replace an asset's risk parameters (risk admin). Emits every value.
    function setAssetParams(uint8 asset, AssetParams calldata params) external onlyRole(RISK_ADMIN_ROLE) {
        _config(asset);
        // interest up to now is split at the old reserve factor
        _accrue(asset);
        _setAssetParams(asset, params);
        _syncRate(asset);
    }

    /// @notice Replace an asset's rate model (risk admin); interest accrues at the old rate up to now.
    function setRateModel(uint8 asset, RateModel calldata model) external onlyRole(RISK_ADMIN_ROLE) {
        _config(asset);
        _accrue(asset);
        _setRateModel(asset, model);
        _syncRate(asset);
    }

    /// @notice Replace an asset's price feed (risk admin).
    function setFeed(uint8 asset, address feed) external onlyRole(RISK_ADMIN_ROLE) {
        AssetConfig storage c = _config(asset);
        uint8 feedDecimals = _feedDecimals(feed);
        c.feed = feed;
        c.feedDecimals = feedDecimals;
        emit FeedSet(asset, feed, feedDecimals);
    }

    /// @notice Replace the vault-wide parameters (risk admin). Emits every value.
    function setGlobalParams(GlobalParams calldata params) external onlyRole(RISK_ADMIN_ROLE) {
        _setGlobalParams(params);
    }

    /// @notice Send `amount` of an asset's reserves to `to` (risk admin).
    function withdrawReserves(uint8 asset, uint256 amount, address to) external onlyRole(RISK_ADMIN_ROLE) nonReentrant {
        AssetConfig storage c = _config(asset);
        AssetState storage s = _accrue(asset);
        if (amount > s.reserves) revert Vault_InsufficientBalance(asset, s.reserves, amount);
        if (amount > s.cash) revert Vault_InsufficientLiquidity(asset, s.cash, amount);
        s.reserves -= uint128(amount);
        s.cash -= uint128(amount);
        _syncRate(asset);
        IERC20(c.token).safeTransfer(to, amount);
        emit ReservesWithdrawn(asset, amount, to);
    }

    /// @notice Stop borrows, withdrawals, transfers, redemptions, flash loans and liquidations (guardian).
    function pause() external onlyRole(PAUSE_GUARDIAN_ROLE) {
        if (_paused) revert Vault_Paused();
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Resume; liquidations wait `gracePeriod` more so owners can restore health first (guardian).
    function unpause() external onlyRole(PAUSE_GUARDIAN_ROLE) {
        if (!_paused) revert Vault_NotPaused();
        _paused = false;
        uint256 end = block.timestamp + _globalParams.gracePeriod;
        _graceEnd = uint40(end);
        emit Unpaused(msg.sender, end);
    }

    function _feedDecimals(address feed) internal view returns (uint8 d) {
        d = AggregatorV3Interface(feed).decimals();
        if (d > 36) revert Vault_UnsupportedDecimals(feed, d);
    }

    function _setAssetParams(uint8 asset, AssetParams memory p) internal {
        if (p.sizeFactor > BPS) revert Vault_InvalidParams("sizeFactor > 10000");
        if (p.protocolFee > BPS) revert Vault_InvalidParams("protocolFee > 10000");
        if (p.reserveFactor > BPS) revert Vault_InvalidParams("reserveFactor > 10000");
        if (p.maxOracleAge == 0) revert Vault_InvalidParams("maxOracleAge == 0");
        AssetConfig storage c = _configs[asset];
        uint256 ltNow = c.liquidationThreshold == 0
            ? p.liquidationThreshold
            : RampMath.thresholdAt(c.liquidationThreshold, c.ltRampFrom, c.rampEnd, c.rampDuration, block.timestamp);
        _validateWeights(p.ltv, p.liquidationThreshold, ltNow, p.maxBonus);
        c.ltv = p.ltv;
        c.sizeFactor = p.sizeFactor;
        c.protocolFee = p.protocolFee;
        c.reserveFactor = p.reserveFactor;
        c.maxOracleAge = p.maxOracleAge;
        c.maxBonus = p.maxBonus;
        c.sizeThreshold = p.sizeThreshold;
        c.supplyCap = p.supplyCap;
        c.collateralCap = p.collateralCap;
        c.borrowCap = p.borrowCap;
        emit AssetParamsSet(asset, p);
        // A call that keeps the threshold's target (changing a cap, a fee...) leaves a ramp in progress alone.
        if (p.liquidationThreshold != c.liquidationThreshold || c.ltRampFrom == 0) {
            _setAssetThreshold(asset, c, ltNow, p.liquidationThreshold);
        }
    }

    /// @dev ltv < LT <= BPS, minBonus <= maxBonus <= 0.5, and the cap point below 0.975 for every threshold
    /// in force from now on: the target, and the one in force now when a lowering will ramp from it.
    function _validateWeights(uint256 ltv, uint256 lt, uint256 ltNow, uint256 maxBonus) internal view {
        if (lt > BPS) revert Vault_InvalidParams("liquidationThreshold > 10000");
        if (ltv >= lt) revert Vault_InvalidParams("ltv >= liquidationThreshold");
        if (maxBonus > WAD / 2) revert Vault_InvalidParams("maxBonus > 0.5e18");
        if (maxBonus < _globalParams.minBonus) revert Vault_InvalidParams("maxBonus < minBonus");
        uint256 highest = lt < ltNow && _globalParams.rampDuration != 0 ? ltNow : lt;
        if (HealthMath.capPointDown(highest, maxBonus) > 0.975e18) {
            revert Vault_InvalidParams("LT * (1 + maxBonus) > 0.975");
        }
    }

    /// @dev A lower threshold ramps down from the one in force now over `rampDuration`; a higher one (or
    /// a zero duration) applies at once.
    function _setAssetThreshold(uint8 asset, AssetConfig storage c, uint256 ltNow, uint256 lt) internal {
        uint256 duration = _globalParams.rampDuration;
        uint256 end = block.timestamp;
        if (lt < ltNow && duration != 0) {
            end += duration;
            c.ltRampFrom = uint16(ltNow);
            c.rampEnd = uint40(end);
            c.rampDuration = uint32(duration);
        } else {
            c.ltRampFrom = uint16(lt);
            c.rampEnd = 0;
            c.rampDuration = 0;
            duration = 0;
        }
        c.liquidationThreshold = uint16(lt);
        emit LiquidationThresholdChanged(asset, ltNow, lt, end, duration);
    }

    /// @notice Define or replace a correlated group (risk admin): its weights and its member assets. A
    /// lowered group threshold ramps like an asset's. An asset removed from a group counts with its own
    /// weights in the accounts of that group from then on.
    function setRiskGroup(uint8 group, GroupParams calldata params, uint8[] calldata assets)
        external
        onlyRole(RISK_ADMIN_ROLE)
    {
        if (group == 0 || assets.length == 0) revert Vault_UnknownGroup(group);
        RiskGroup storage g = _groups[group];
        uint256 ltNow = g.assets == 0
            ? params.liquidationThreshold
            : RampMath.thresholdAt(g.liquidationThreshold, g.ltRampFrom, g.rampEnd, g.rampDuration, block.timestamp);
        _validateWeights(params.ltv, params.liquidationThreshold, ltNow, params.maxBonus);
        uint256 members;
        for (uint256 i; i < assets.length; ++i) {
            _config(assets[i]);
            members |= uint256(1) << assets[i];
        }
        g.ltv = params.ltv;
        g.maxBonus = params.maxBonus;
        g.assets = members;
        _definedGroups |= uint256(1) << group;
        emit RiskGroupSet(group, params, members);

        uint256 lt = params.liquidationThreshold;
        // a group whose threshold target is unchanged keeps its ramp in progress
        if (lt == g.liquidationThreshold && g.ltRampFrom != 0) return;
        uint256 duration = _globalParams.rampDuration;
        uint256 end = block.timestamp;
        if (lt < ltNow && duration != 0) {
            end += duration;
            g.ltRampFrom = uint16(ltNow);
            g.rampEnd = uint40(end);
            g.rampDuration = uint32(duration);
        } else {
            g.ltRampFrom = uint16(lt);
            g.rampEnd = 0;
            g.rampDuration = 0;
            duration = 0;
        }
        g.liquidationThreshold = uint16(lt);
        emit GroupThresholdChanged(group, ltNow, lt, end, duration);
    }

    /// @notice Set the risk steward's bounds (risk admin).
    function setStewardParams(StewardParams calldata params) external onlyRole(RISK_ADMIN_ROLE) {
        _stewardParams = params;
        emit StewardParamsSet(params);
    }

    /// @notice Move an asset's liquidation threshold within the steward's bounds (risk steward): at most
    /// `maxThresholdStep` bps from the current target, once per `cooldown`. A lower value ramps.
    function stewardSetLiquidationThreshold(uint8 asset, uint16 newThreshold) external onlyRole(RISK_STEWARD_ROLE) {
        AssetConfig storage c = _config(asset);
        StewardParams memory sp = _stewardParams;
        uint256 next = uint256(c.stewardUpdatedAt) + sp.cooldown;
        if (c.stewardUpdatedAt != 0 && block.timestamp < next) revert Vault_StewardCooldown(asset, next);
        uint256 current = c.liquidationThreshold;
        uint256 step = newThreshold > current ? newThreshold - current : current - newThreshold;
        if (step > sp.maxThresholdStep) revert Vault_StewardStepTooLarge(current, newThreshold, sp.maxThresholdStep);
        uint256 ltNow =
            RampMath.thresholdAt(current, c.ltRampFrom, c.rampEnd, c.rampDuration, block.timestamp);
        _validateWeights(c.ltv, newThreshold, ltNow, c.maxBonus);
        c.stewardUpdatedAt = uint40(block.timestamp);
        _setAssetThreshold(asset, c, ltNow, newThreshold);
        emit StewardThresholdUpdated(asset, newThreshold, block.timestamp);
    }

    function _setRateModel(uint8 asset, RateModel memory m) internal {
        if (m.kink == 0 || m.kink > WAD) revert Vault_InvalidParams("kink not in (0, 1e18]");
        _configs[asset].rateModel = m;
        emit RateModelSet(asset, m);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {VaultBase} from "./VaultBase.sol";
import {IVaultAdmin} from "../interfaces/IVaultAdmin.sol";
import {IVaultViews} from "../interfaces/IVaultViews.sol";
import {AggregatorV3Interface} from "../oracle/AggregatorV3Interface.sol";
import {HealthMath} from "../libraries/HealthMath.sol";
import {InterestMath} from "../libraries/InterestMath.sol";
import {PositionList} from "../libraries/PositionList.sol";

/// @title VaultExtension
/// @notice Administration and views of the vault. Deployed once and run only by delegatecall from
/// `Vault`'s fallback, in the vault's storage; calling it directly touches its own empty storage and is
/// useless. Split out so each contract stays under the 24 KB code limit.
contract VaultExtension is VaultBase, IVaultAdmin, IVaultViews {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using PositionList for uint256;

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
        if (_configs.length >= 255) revert Vault_TooManyListedAssets();
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > 18) revert Vault_UnsupportedDecimals(token, decimals);
        asset = uint8(_configs.length);
        _configs.push();
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
        _setAssetParams(asset, params);
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
        if (p.liquidationThreshold > BPS) revert Vault_InvalidParams("liquidationThreshold > 10000");
        if (p.ltv >= p.liquidationThreshold) revert Vault_InvalidParams("ltv >= liquidationThreshold");
        if (p.sizeFactor > BPS) revert Vault_InvalidParams("sizeFactor > 10000");
        if (p.protocolFee > BPS) revert Vault_InvalidParams("protocolFee > 10000");
        if (p.reserveFactor > BPS) revert Vault_InvalidParams("reserveFactor > 10000");
        if (p.maxOracleAge == 0) revert Vault_InvalidParams("maxOracleAge == 0");
        if (p.maxBonus > WAD / 2) revert Vault_InvalidParams("maxBonus > 0.5e18");
        if (p.maxBonus < _globalParams.minBonus) revert Vault_InvalidParams("maxBonus < minBonus");
        if (HealthMath.capPointDown(p.liquidationThreshold, p.maxBonus) > 0.975e18) {
            revert Vault_InvalidParams("LT * (1 + maxBonus) > 0.975");
        }
        AssetConfig storage c = _configs[asset];
        c.ltv = p.ltv;
        c.liquidationThreshold = p.liquidationThreshold;
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
    }

    function _setRateModel(uint8 asset, RateModel memory m) internal {
        if (m.kink == 0 || m.kink > WAD) revert Vault_InvalidParams("kink not in (0, 1e18]");
        _configs[asset].rateModel = m;
        emit RateModelSet(asset, m);
    }

    // ================================================================ views

    /// @inheritdoc IVaultViews
    function globalParams() external view returns (GlobalParams memory) {
        return _globalParams;
    }

    /// @inheritdoc IVaultViews
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc IVaultViews
    function graceEnd() external view returns (uint256) {
        return _graceEnd;
    }

    /// @inheritdoc IVaultViews
    function isOperator(address owner, address operator) external view returns (bool) {
        return _isOperator[owner][operator];
    }

    /// @inheritdoc IVaultViews
    function supplyShares(uint8 asset, address lender) external view returns (uint256) {
        return _supplyShares[asset][lender];
    }


    /// @inheritdoc IVaultViews
    function assetCount() external view returns (uint256) {
        return _configs.length;
    }

    /// @inheritdoc IVaultViews
    function assetOf(address token) external view returns (uint8) {
        uint256 id = _assetIdOf[token];
        if (id == 0) revert Vault_UnknownToken(token);
        return uint8(id - 1);
    }

    /// @inheritdoc IVaultViews
    function assetConfig(uint8 asset) external view returns (AssetConfig memory) {
        return _config(asset);
    }

    /// @inheritdoc IVaultViews
    function assetState(uint8 asset) external view returns (AssetState memory s) {
        _config(asset);
        s = _states[asset];
        (s.borrowIndex, s.supplyIndex, s.reserves) = _accruedIndices(asset, s);
    }

    /// @inheritdoc IVaultViews
    function supplyBalance(uint8 asset, address lender) external view returns (uint256) {
        AssetState memory s = _states[asset];
        (, uint256 supplyIndex,) = _accruedIndices(asset, s);
        return InterestMath.supplyDown(_supplyShares[asset][lender], supplyIndex);
    }

    /// @inheritdoc IVaultViews
    function positions(address owner, uint8 subId) external view returns (Position[] memory out) {
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        uint256 n = list.count();
        out = new Position[](n);
        for (uint256 i; i < n; ++i) {
            uint8 asset = list.assetAt(i);
            uint256 amount = _amounts[key][asset];
            if (list.isDebtAt(i)) {
                out[i] = Position(asset, true, InterestMath.debtUp(amount, _borrowIndexNow(asset)), amount);
            } else {
                out[i] = Position(asset, false, amount, 0);
            }
        }
    }

    /// @inheritdoc IVaultViews
    function checkedAt(address owner, uint8 subId) external view returns (uint256) {
        return _lists[_key(owner, subId)].checkedAt();
    }

    /// @inheritdoc IVaultViews
    function accountHealth(address owner, uint8 subId) external view returns (AccountHealth memory) {
        bytes32 key = _key(owner, subId);
        return _healthContext(_lists[key], key).health;
    }

    /// @inheritdoc IVaultViews
    function accountsHealth(address[] calldata owners, uint8[] calldata subIds)
        external
        view
        returns (AccountHealth[] memory out)
    {
        if (owners.length != subIds.length) revert Vault_InvalidParams("owners.length != subIds.length");
        out = new AccountHealth[](owners.length);
        for (uint256 i; i < owners.length; ++i) {
            bytes32 key = _key(owners[i], subIds[i]);
            out[i] = _healthContext(_lists[key], key).health;
        }
    }

    /// @inheritdoc IVaultViews
    function maxLiquidation(address owner, uint8 subId, uint8 debtAsset, uint8 collateralAsset)
        external
        view
        returns (uint256 maxRepay, uint256 maxSeized, uint256 bonus)
    {
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        HealthContext memory h = _healthContext(list, key);
        (uint256 di, uint256 ci) = _pairIndices(owner, subId, list, debtAsset, collateralAsset);
        HealthMath.LiquidationAmounts memory m =
            HealthMath.maxLiquidation(_liquidationInput(h, di, ci, debtAsset, collateralAsset));
        return (m.repay, m.seized, m.bonus);
    }

    /// @inheritdoc IVaultViews
    function previewLiquidation(
        address owner,
        uint8 subId,
        uint8 debtAsset,
        uint8 collateralAsset,
        uint256 repayAmount,
        address liquidator
    ) external view returns (LiquidationPreview memory preview) {
        (Plan memory p,, uint256 list) = _plan(owner, subId, debtAsset, collateralAsset, repayAmount, liquidator);
        preview = LiquidationPreview({
            repaid: p.repaid,
            seized: p.seized,
            toLiquidator: p.toLiquidator,
            fee: p.fee,
            bonus: p.bonus,
            healthBefore: p.healthBefore,
            healthAfter: p.healthAfter,
            badDebt: p.seized == p.collateralBalance && _onlyCollateralIs(list, collateralAsset)
                && !(p.repaid == p.debtBalance && _onlyDebtIs(list, debtAsset))
        });
    }

    /// @inheritdoc IVaultViews
    function price(uint8 asset) external view returns (uint256 priceWad, uint256 updatedAt, uint256 age) {
        (priceWad, updatedAt) = _price(asset);
        age = block.timestamp - updatedAt;
    }

}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IVaultTypes} from "../interfaces/IVaultTypes.sol";
import {AggregatorV3Interface} from "../oracle/AggregatorV3Interface.sol";
import {HealthMath} from "../libraries/HealthMath.sol";
import {InterestMath} from "../libraries/InterestMath.sol";
import {PositionList} from "../libraries/PositionList.sol";
import {PriceMath} from "../libraries/PriceMath.sol";
import {RampMath} from "../libraries/RampMath.sol";

/// @title VaultBase
/// @notice The vault's storage and the internal rules every entry point shares (health, liquidation plan,
/// accrual, positions, token moves). `Vault` (user entry points, liquidation, flash loans) and
/// `VaultExtension` (administration and views, reached through Vault's fallback by delegatecall) both
/// inherit it, so they share one storage layout and one implementation of every rule.
abstract contract VaultBase is IVaultTypes, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using PositionList for uint256;

    bytes32 public constant RISK_ADMIN_ROLE = keccak256("RISK_ADMIN_ROLE");
    bytes32 public constant PAUSE_GUARDIAN_ROLE = keccak256("PAUSE_GUARDIAN_ROLE");
    bytes32 public constant RISK_STEWARD_ROLE = keccak256("RISK_STEWARD_ROLE");

    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    /// @notice Collateral worth less than this (USD WAD) lets anyone settle the account's bad debt.
    uint256 public constant BAD_DEBT_COLLATERAL_VALUE = 1e18;
    uint256 public constant MAX_ASSETS = PositionList.MAX_ASSETS;
    bytes32 internal constant FLASH_CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    /// @dev Prices and balances of a health check, kept for the liquidation that follows it.
    struct HealthContext {
        AccountHealth health;
        uint256[] prices; // by list index
        uint256[] amounts; // collateral balance, or debt owed, by list index
    }

    mapping(uint256 asset => AssetConfig) internal _configs;
    mapping(uint256 asset => AssetState) internal _states;
    mapping(address token => uint256 idPlusOne) internal _assetIdOf;

    GlobalParams internal _globalParams;
    bool internal _paused;
    uint40 internal _graceEnd;
    uint8 internal _assetCount;
    mapping(uint256 group => RiskGroup) internal _groups;
    /// @dev bitmap of the group ids that have members
    uint256 internal _definedGroups;
    StewardParams internal _stewardParams;

    mapping(address owner => mapping(address operator => bool)) internal _isOperator;
    /// @dev account key => packed PositionList
    mapping(bytes32 account => uint256) internal _lists;
    /// @dev account key => asset => collateral balance or debt shares
    mapping(bytes32 account => mapping(uint256 asset => uint256)) internal _amounts;
    mapping(uint256 asset => mapping(address lender => uint256)) internal _supplyShares;

    // ================================================================ modifiers and small helpers

    modifier whenNotPaused() {
        if (_paused) revert Vault_Paused();
        _;
    }

    modifier onlyOwnerOrOperator(address owner) {
        if (msg.sender != owner && !_isOperator[owner][msg.sender]) revert Vault_NotOwnerOrOperator(owner, msg.sender);
        _;
    }

    function _key(address owner, uint8 subId) internal pure returns (bytes32) {
        return bytes32((uint256(uint160(owner)) << 8) | subId);
    }

    function _config(uint8 asset) internal view returns (AssetConfig storage c) {
        if (asset >= _assetCount) revert Vault_UnknownAsset(asset);
        c = _configs[asset];
    }

    function _setGlobalParams(GlobalParams memory p) internal {
        if (p.targetHealth <= WAD || p.targetHealth > 1.25e18) revert Vault_InvalidParams("targetHealth not in (1, 1.25]");
        uint256 n = _assetCount;
        for (uint256 i; i < n; ++i) {
            if (_configs[i].maxBonus < p.minBonus) revert Vault_InvalidParams("minBonus > an asset's maxBonus");
        }
        for (uint256 groups = _definedGroups; groups != 0; groups &= groups - 1) {
            uint256 g = _lowestBit(groups);
            if (_groups[g].maxBonus < p.minBonus) revert Vault_InvalidParams("minBonus > a group's maxBonus");
        }
        if (p.flashFee > BPS) revert Vault_InvalidParams("flashFee > 10000");
        _globalParams = p;
        emit GlobalParamsSet(p);
    }

    // ================================================================ internals: liquidation plan

    struct Plan {
        uint256 repaid; // the model's repay: what the seize is computed from
        uint256 paid; // what the liquidator pays: the debt's actual fall, in [repaid, repaid + 1 unit]
        uint256 sharesBurnt;
        uint256 seized;
        uint256 fee;
        uint256 toLiquidator;
        uint256 bonus;
        uint256 healthBefore;
        uint256 healthAfter;
        uint256 debtBalance;
        uint256 collateralBalance;
    }

    /// @dev Every check and amount of a liquidation, shared by `liquidate` and `previewLiquidation`.
    function _plan(
        address owner,
        uint8 subId,
        uint8 debtAsset,
        uint8 collateralAsset,
        uint256 repayAmount,
        address liquidator
    ) internal view returns (Plan memory p, bytes32 key, uint256 list) {
        if (_paused) revert Vault_Paused();
        if (block.timestamp < _graceEnd) revert Vault_GracePeriod(_graceEnd);
        if (liquidator == owner || _isOperator[owner][liquidator]) revert Vault_SelfLiquidation(owner, liquidator);
        key = _key(owner, subId);
        list = _lists[key];
        if (list.checkedAt() == block.timestamp) revert Vault_CoolOff(owner, subId);
        HealthMath.LiquidationInput memory li;
        HealthContext memory h;
        {
            (uint256 di, uint256 ci) = _pairIndices(owner, subId, list, debtAsset, collateralAsset);
            h = _healthContext(list, key);
            p.healthBefore = h.health.healthFactor;
            if (p.healthBefore >= WAD) revert Vault_NotLiquidatable(owner, subId, p.healthBefore);
            li = _liquidationInput(h, di, ci, debtAsset, collateralAsset, list.group());
        }
        _planAmounts(p, li, repayAmount, _configs[collateralAsset].protocolFee);
        uint256 debtAfter;
        {
            uint256 shares = _amounts[key][debtAsset];
            if (p.repaid == li.debtBalance) {
                p.sharesBurnt = shares;
            } else {
                uint256 index = _borrowIndexNow(debtAsset);
                p.sharesBurnt = _liquidationSharesBurnt(p.repaid, shares, index);
                debtAfter = InterestMath.debtUp(shares - p.sharesBurnt, index);
            }
        }
        p.paid = li.debtBalance - debtAfter;
        p.healthAfter = _healthAfter(h, li, collateralAsset, debtAfter, p.seized);
    }

    function _planAmounts(Plan memory p, HealthMath.LiquidationInput memory li, uint256 repayAmount, uint256 feeBps)
        internal
        pure
    {
        HealthMath.LiquidationAmounts memory m = HealthMath.maxLiquidation(li);
        (uint256 repaid, uint256 seized, bool ok) = HealthMath.liquidationFor(li, m, repayAmount);
        if (repaid == 0) revert Vault_ZeroRepay();
        if (!ok) {
            revert Vault_MustNotLeaveDust(
                HealthMath.valueUp(li.debtBalance - repaid, li.debtPrice, li.debtUnit),
                HealthMath.valueDown(li.collateralBalance - seized, li.collateralPrice, li.collateralUnit),
                li.minLeftover
            );
        }
        p.repaid = repaid;
        p.seized = seized;
        p.bonus = m.bonus;
        p.fee = HealthMath.protocolFeeUp(seized, m.bonus, feeBps);
        p.toLiquidator = seized - p.fee;
        p.debtBalance = li.debtBalance;
        p.collateralBalance = li.collateralBalance;
    }

    /// @dev Health after the liquidation and before any bad-debt write-off, from replacing the two positions'
    /// contributions (sums of per-asset roundings, so this equals a fresh health check of the new balances).
    /// Debt after uses the shares actually left. An account left with no collateral shows 0.
    function _healthAfter(
        HealthContext memory h,
        HealthMath.LiquidationInput memory li,
        uint8 collateralAsset,
        uint256 debtAfter,
        uint256 seized
    ) internal view returns (uint256) {
        uint256 w = h.health.weightedCollateral;
        {
            AssetConfig storage c = _configs[collateralAsset];
            uint256 vBefore = HealthMath.valueDown(li.collateralBalance, li.collateralPrice, li.collateralUnit);
            uint256 vAfter = HealthMath.valueDown(li.collateralBalance - seized, li.collateralPrice, li.collateralUnit);
            w = w - HealthMath.weightedDown(vBefore, li.lt, c.sizeThreshold, c.sizeFactor)
                + HealthMath.weightedDown(vAfter, li.lt, c.sizeThreshold, c.sizeFactor);
        }
        uint256 d = h.health.debtValue - HealthMath.valueUp(li.debtBalance, li.debtPrice, li.debtUnit);
        d += HealthMath.valueUp(debtAfter, li.debtPrice, li.debtUnit);
        return HealthMath.healthFactorDown(w, d);
    }

    /// @dev Debt shares a partial liquidation burns: rounded UP, so the debt always falls by at least the repay
    /// the seize is computed from. (Rounding down, as a voluntary repay does, would let a 1-unit repay burn no
    /// share yet seize collateral: health would fall and the next call's bonus rise, so splitting could pay
    /// more.) The liquidator pays the debt's actual fall (`paid`, at most one unit above the repay), so the
    /// rounding costs neither the protocol nor the lenders.
    function _liquidationSharesBurnt(uint256 repaid, uint256 shares, uint256 index) internal pure returns (uint256) {
        uint256 burnt = Math.mulDiv(repaid, WAD, index, Math.Rounding.Ceil);
        return burnt < shares ? burnt : shares;
    }

    function _liquidationInput(
        HealthContext memory h,
        uint256 di,
        uint256 ci,
        uint8 debtAsset,
        uint8 collateralAsset,
        uint8 group
    ) internal view returns (HealthMath.LiquidationInput memory li) {
        GlobalParams memory g = _globalParams;
        (, uint256 lt, uint256 maxBonus) = _effectiveWeights(collateralAsset, group);
        li = HealthMath.LiquidationInput({
            weighted: h.health.weightedCollateral,
            debtValue: h.health.debtValue,
            debtBalance: h.amounts[di],
            debtPrice: h.prices[di],
            debtUnit: 10 ** _configs[debtAsset].decimals,
            collateralBalance: h.amounts[ci],
            collateralPrice: h.prices[ci],
            collateralUnit: 10 ** _configs[collateralAsset].decimals,
            lt: lt,
            maxBonus: maxBonus,
            minBonus: g.minBonus,
            targetHealth: g.targetHealth,
            minLeftover: g.minLeftover
        });
    }

    function _pairIndices(address owner, uint8 subId, uint256 list, uint8 debtAsset, uint8 collateralAsset)
        internal
        pure
        returns (uint256 di, uint256 ci)
    {
        di = list.find(debtAsset);
        if (di == PositionList.NOT_FOUND || !list.isDebtAt(di)) revert Vault_NoSuchPosition(owner, subId, debtAsset);
        ci = list.find(collateralAsset);
        if (ci == PositionList.NOT_FOUND || list.isDebtAt(ci)) {
            revert Vault_NoSuchPosition(owner, subId, collateralAsset);
        }
    }

    function _onlyCollateralIs(uint256 list, uint8 asset) internal pure returns (bool) {
        uint256 n = list.count();
        for (uint256 i; i < n; ++i) {
            if (!list.isDebtAt(i) && list.assetAt(i) != asset) return false;
        }
        return true;
    }

    function _onlyDebtIs(uint256 list, uint8 asset) internal pure returns (bool) {
        uint256 n = list.count();
        for (uint256 i; i < n; ++i) {
            if (list.isDebtAt(i) && list.assetAt(i) != asset) return false;
        }
        return true;
    }

    /// @dev The weights and bonus cap health uses for `asset` in an account of `group` (0: none): the
    /// group's when the asset is one of its members, else the asset's own; thresholds ramped to now.
    function _effectiveWeights(uint8 asset, uint8 group)
        internal
        view
        returns (uint256 ltv, uint256 lt, uint256 maxBonus)
    {
        if (group != 0) {
            RiskGroup storage g = _groups[group];
            if ((g.assets >> asset) & 1 == 1) {
                lt = RampMath.thresholdAt(g.liquidationThreshold, g.ltRampFrom, g.rampEnd, g.rampDuration, block.timestamp);
                return (g.ltv, lt, g.maxBonus);
            }
        }
        AssetConfig storage c = _configs[asset];
        lt = RampMath.thresholdAt(c.liquidationThreshold, c.ltRampFrom, c.rampEnd, c.rampDuration, block.timestamp);
        return (c.ltv, lt, c.maxBonus);
    }

    function _lowestBit(uint256 x) internal pure returns (uint256 i) {
        while ((x >> i) & 1 == 0) ++i;
    }

    /// @dev Appends a new position, enforcing the per-account limit and the account's group membership.
    function _addPosition(address owner, uint8 subId, uint256 list, uint8 asset, bool isDebt)
        internal
        view
        returns (uint256)
    {
        if (list.count() >= MAX_ASSETS) revert Vault_TooManyPositions(owner, subId, MAX_ASSETS);
        uint8 group = list.group();
        if (group != 0 && (_groups[group].assets >> asset) & 1 == 0) revert Vault_AssetNotInGroup(group, asset);
        return list.add(asset, isDebt);
    }

    // ================================================================ internals: health

    /// @dev Health of an account with every price and amount it used, interest accrued to this block.
    function _healthContext(uint256 list, bytes32 key) internal view returns (HealthContext memory h) {
        uint256 n = list.count();
        uint8 group = list.group();
        h.prices = new uint256[](n);
        h.amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint8 asset = list.assetAt(i);
            AssetConfig storage c = _configs[asset];
            (uint256 p,) = _price(asset);
            h.prices[i] = p;
            uint256 unit = 10 ** c.decimals;
            uint256 amount = _amounts[key][asset];
            if (list.isDebtAt(i)) {
                amount = InterestMath.debtUp(amount, _borrowIndexNow(asset));
                h.health.debtValue += HealthMath.valueUp(amount, p, unit);
            } else {
                uint256 v = HealthMath.valueDown(amount, p, unit);
                (uint256 ltv, uint256 lt,) = _effectiveWeights(asset, group);
                h.health.collateralValue += v;
                h.health.weightedCollateral += HealthMath.weightedDown(v, lt, c.sizeThreshold, c.sizeFactor);
                h.health.initialMarginValue += HealthMath.weightedDown(v, ltv, c.sizeThreshold, c.sizeFactor);
            }
            h.amounts[i] = amount;
        }
        h.health.healthFactor = HealthMath.healthFactorDown(h.health.weightedCollateral, h.health.debtValue);
    }

    /// @dev Reverts unless the account's initial-margin value covers its debt; records the check (cool-off).
    function _requireInitialMargin(address owner, uint8 subId) internal {
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        HealthContext memory h = _healthContext(list, key);
        if (h.health.initialMarginValue < h.health.debtValue) {
            revert Vault_InsufficientMargin(owner, subId, h.health.initialMarginValue, h.health.debtValue);
        }
        _lists[key] = list.withCheckedAt(block.timestamp);
    }

    /// @dev A validated feed answer as a WAD price.
    function _price(uint8 asset) internal view returns (uint256 priceWad, uint256 updatedAt) {
        AssetConfig storage c = _config(asset);
        int256 answer;
        (, answer,, updatedAt,) = AggregatorV3Interface(c.feed).latestRoundData();
        if (answer <= 0) revert Vault_OracleNonPositive(asset, answer);
        if (updatedAt == 0) revert Vault_OracleNoUpdate(asset);
        if (updatedAt < block.timestamp && block.timestamp - updatedAt > c.maxOracleAge) {
            revert Vault_OracleStale(asset, updatedAt, c.maxOracleAge);
        }
        priceWad = PriceMath.toWad(uint256(answer), c.feedDecimals);
        if (priceWad == 0) revert Vault_OracleNonPositive(asset, answer);
    }

    // ================================================================ internals: positions

    function _credit(address owner, uint8 subId, uint8 asset, uint256 amount) internal {
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        uint256 i = list.find(asset);
        if (i == PositionList.NOT_FOUND) {
            _lists[key] = _addPosition(owner, subId, list, asset, false);
        } else if (list.isDebtAt(i)) {
            revert Vault_CollateralDebtConflict(owner, subId, asset);
        }
        _amounts[key][asset] += amount;
    }

    function _debit(address owner, uint8 subId, uint8 asset, uint256 amount) internal {
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        uint256 i = list.find(asset);
        if (i == PositionList.NOT_FOUND || list.isDebtAt(i)) revert Vault_InsufficientBalance(asset, 0, amount);
        uint256 bal = _amounts[key][asset];
        if (amount > bal) revert Vault_InsufficientBalance(asset, bal, amount);
        _amounts[key][asset] = bal - amount;
        if (bal == amount) _lists[key] = list.removeAt(i);
    }

    function _burnDebt(bytes32 key, uint256 list, uint256 i, uint8 asset, uint256 shares, uint256 burnt) internal {
        _amounts[key][asset] = shares - burnt;
        if (shares == burnt) _lists[key] = list.removeAt(i);
    }

    function _burnDebtAt(bytes32 key, uint256 list, uint8 asset, uint256 shares, uint256 burnt)
        internal
        returns (uint256)
    {
        _amounts[key][asset] = shares - burnt;
        if (shares == burnt) list = list.removeAt(list.find(asset));
        return list;
    }

    function _reduceCollateralAt(bytes32 key, uint256 list, uint8 asset, uint256 bal, uint256 seized)
        internal
        returns (uint256)
    {
        _amounts[key][asset] = bal - seized;
        if (bal == seized) list = list.removeAt(list.find(asset));
        return list;
    }

    /// @dev Write off every debt of an account that holds no collateral: reserves first, then suppliers.
    function _writeOffDebts(address owner, uint8 subId, bytes32 key, uint256 list) internal {
        for (uint256 i = list.count(); i > 0; --i) {
            uint8 asset = list.assetAt(i - 1);
            AssetState storage s = _accrue(asset);
            uint256 shares = _amounts[key][asset];
            uint256 amount = InterestMath.debtUp(shares, s.borrowIndex);
            uint256 fromReserves = amount < s.reserves ? amount : s.reserves;
            uint256 socialised = amount - fromReserves;
            s.reserves -= uint128(fromReserves);
            if (socialised != 0 && s.totalSupplyShares != 0) {
                uint256 cut = Math.mulDiv(socialised, WAD, s.totalSupplyShares, Math.Rounding.Ceil);
                s.supplyIndex = cut >= s.supplyIndex ? 0 : s.supplyIndex - uint128(cut);
            }
            s.totalBorrowShares -= uint128(shares);
            _amounts[key][asset] = 0;
            list = list.removeAt(i - 1);
            _syncRate(asset);
            emit BadDebt(owner, subId, asset, amount, shares, fromReserves, socialised);
        }
        _lists[key] = list;
    }

    // ================================================================ internals: interest

    function _accruedIndices(uint8 asset, AssetState memory s)
        internal
        view
        returns (uint128 borrowIndex, uint128 supplyIndex, uint128 reserves)
    {
        InterestMath.Accrual memory a = InterestMath.Accrual({
            borrowIndex: s.borrowIndex,
            supplyIndex: s.supplyIndex,
            reserves: s.reserves,
            ratePerSecond: s.ratePerSecond,
            totalBorrowShares: s.totalBorrowShares,
            totalSupplyShares: s.totalSupplyShares,
            reserveFactor: _configs[asset].reserveFactor
        });
        InterestMath.accrue(a, block.timestamp - s.lastAccrual);
        return (a.borrowIndex.toUint128(), a.supplyIndex.toUint128(), a.reserves.toUint128());
    }

    function _borrowIndexNow(uint8 asset) internal view returns (uint256) {
        AssetState storage s = _states[asset];
        return InterestMath.borrowIndexAt(s.borrowIndex, s.ratePerSecond, block.timestamp - s.lastAccrual);
    }

    function _accrue(uint8 asset) internal returns (AssetState storage s) {
        s = _states[asset];
        if (s.lastAccrual == block.timestamp) return s;
        (s.borrowIndex, s.supplyIndex, s.reserves) = _accruedIndices(asset, s);
        s.lastAccrual = uint40(block.timestamp);
    }

    /// @dev Fix the rate for the next period from the utilisation after the action, and publish the
    /// asset's interest clock.
    function _syncRate(uint8 asset) internal {
        AssetState storage s = _states[asset];
        RateModel memory m = _configs[asset].rateModel;
        uint256 rate = InterestMath.ratePerSecond(
            InterestMath.debtUp(s.totalBorrowShares, s.borrowIndex), s.cash, m.baseRate, m.slope1, m.slope2, m.kink
        );
        s.ratePerSecond = rate.toUint64();
        emit InterestAccrued(asset, s.borrowIndex, s.supplyIndex, rate, s.reserves, block.timestamp);
    }

    // ================================================================ internals: tokens

    /// @dev Pull `amount` from the caller; returns what arrived (the caller rejects a shortfall if it must).
    function _pull(address token, uint256 amount) internal returns (uint256) {
        return _pullExactFrom(token, msg.sender, amount);
    }

    function _pullExact(address token, uint256 amount) internal {
        _pullExactFrom(token, msg.sender, amount);
    }

    /// @dev Fee-on-transfer tokens are rejected: what arrives must equal what was sent.
    function _pullExactFrom(address token, address from, uint256 amount) internal returns (uint256) {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert Vault_TransferShortfall(token, amount, received);
        return received;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";

import {VaultBase} from "./vault/VaultBase.sol";
import {IVaultActions} from "./interfaces/IVaultActions.sol";
import {InterestMath} from "./libraries/InterestMath.sol";
import {PositionList} from "./libraries/PositionList.sol";

/// @title Vault
/// @notice Cross-margin sub-accounts over several assets with one health factor each, lender liquidity,
/// liquidation with a health-anchored bonus and a target-health cap, immediate bad-debt write-off and
/// ERC-3156 flash loans. This contract holds the state and the entry points that move funds; the
/// administration and the views live in `VaultExtension`, run here by delegatecall from the fallback
/// (one address, one storage). `IVault` is the manual and the full ABI.
contract Vault is VaultBase, IVaultActions, IERC3156FlashLender {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using PositionList for uint256;

    /// @notice The module holding administration and views (same storage layout, run by delegatecall).
    address public immutable extension;

    /// @param admin receives the default admin, risk admin and pause guardian roles
    /// @param params initial vault-wide parameters
    /// @param extension_ a deployed VaultExtension
    constructor(address admin, GlobalParams memory params, address extension_) {
        extension = extension_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(RISK_ADMIN_ROLE, admin);
        _grantRole(PAUSE_GUARDIAN_ROLE, admin);
        _setGlobalParams(params);
    }

    /// @dev Every selector not implemented here is the extension's.
    fallback() external {
        address target = extension;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    // ================================================================ accounts

    /// @inheritdoc IVaultActions
    function setOperator(address operator, bool approved) external {
        _isOperator[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
    }

    /// @inheritdoc IVaultActions
    function deposit(address owner, uint8 subId, uint8 asset, uint256 amount)
        external
        nonReentrant
        onlyOwnerOrOperator(owner)
    {
        if (amount == 0) revert Vault_ZeroAmount();
        AssetConfig storage c = _config(asset);
        uint256 received = _pull(c.token, amount);
        AssetState storage s = _states[asset];
        uint256 total = s.totalCollateral + received;
        if (c.collateralCap != 0 && total > c.collateralCap) revert Vault_CapExceeded(asset, "collateral", c.collateralCap);
        s.totalCollateral = total.toUint128();
        _credit(owner, subId, asset, received);
        emit Deposited(owner, subId, asset, received, msg.sender);
    }

    /// @inheritdoc IVaultActions
    function withdraw(address owner, uint8 subId, uint8 asset, uint256 amount, address to)
        external
        nonReentrant
        whenNotPaused
        onlyOwnerOrOperator(owner)
    {
        if (amount == 0) revert Vault_ZeroAmount();
        AssetConfig storage c = _config(asset);
        _debit(owner, subId, asset, amount);
        _states[asset].totalCollateral -= uint128(amount);
        _requireInitialMargin(owner, subId);
        IERC20(c.token).safeTransfer(to, amount);
        emit Withdrawn(owner, subId, asset, amount, to);
    }

    /// @inheritdoc IVaultActions
    function transferCollateral(address owner, uint8 fromSubId, uint8 toSubId, uint8 asset, uint256 amount)
        external
        nonReentrant
        whenNotPaused
        onlyOwnerOrOperator(owner)
    {
        if (amount == 0) revert Vault_ZeroAmount();
        _config(asset);
        _debit(owner, fromSubId, asset, amount);
        _credit(owner, toSubId, asset, amount);
        _requireInitialMargin(owner, fromSubId);
        emit CollateralTransferred(owner, fromSubId, toSubId, asset, amount);
    }

    /// @inheritdoc IVaultActions
    function borrow(address owner, uint8 subId, uint8 asset, uint256 amount, address to)
        external
        nonReentrant
        whenNotPaused
        onlyOwnerOrOperator(owner)
        returns (uint256 shares)
    {
        if (amount == 0) revert Vault_ZeroAmount();
        AssetConfig storage c = _config(asset);
        AssetState storage s = _accrue(asset);
        if (amount > s.cash) revert Vault_InsufficientLiquidity(asset, s.cash, amount);
        shares = Math.mulDiv(amount, WAD, s.borrowIndex, Math.Rounding.Ceil);
        uint256 totalShares = s.totalBorrowShares + shares;
        if (c.borrowCap != 0 && InterestMath.debtUp(totalShares, s.borrowIndex) > c.borrowCap) {
            revert Vault_CapExceeded(asset, "borrow", c.borrowCap);
        }
        s.totalBorrowShares = totalShares.toUint128();
        s.cash -= uint128(amount);

        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        uint256 i = list.find(asset);
        if (i == PositionList.NOT_FOUND) {
            _lists[key] = _addPosition(owner, subId, list, asset, true);
        } else if (!list.isDebtAt(i)) {
            revert Vault_CollateralDebtConflict(owner, subId, asset);
        }
        _amounts[key][asset] += shares;
        _requireInitialMargin(owner, subId);
        _syncRate(asset);
        IERC20(c.token).safeTransfer(to, amount);
        emit Borrowed(owner, subId, asset, amount, shares, to);
    }

    /// @inheritdoc IVaultActions
    function repay(address owner, uint8 subId, uint8 asset, uint256 amount) external nonReentrant returns (uint256 repaid) {
        if (amount == 0) revert Vault_ZeroAmount();
        AssetConfig storage c = _config(asset);
        AssetState storage s = _accrue(asset);
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        uint256 i = list.find(asset);
        if (i == PositionList.NOT_FOUND || !list.isDebtAt(i)) revert Vault_NoSuchPosition(owner, subId, asset);
        uint256 shares = _amounts[key][asset];
        uint256 owed = InterestMath.debtUp(shares, s.borrowIndex);
        repaid = amount < owed ? amount : owed;
        uint256 burnt = repaid == owed ? shares : Math.mulDiv(repaid, WAD, s.borrowIndex);
        _burnDebt(key, list, i, asset, shares, burnt);
        s.totalBorrowShares -= uint128(burnt);
        _pullExact(c.token, repaid);
        s.cash += uint128(repaid);
        _syncRate(asset);
        emit Repaid(owner, subId, asset, repaid, burnt, msg.sender);
    }

    /// @inheritdoc IVaultActions
    function enterGroup(address owner, uint8 subId, uint8 group)
        external
        nonReentrant
        whenNotPaused
        onlyOwnerOrOperator(owner)
    {
        if (group == 0 || (_definedGroups >> group) & 1 == 0) revert Vault_UnknownGroup(group);
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        if (list.group() != 0) revert Vault_AlreadyInGroup(owner, subId, list.group());
        uint256 members = _groups[group].assets;
        uint256 n = list.count();
        for (uint256 i; i < n; ++i) {
            uint8 asset = list.assetAt(i);
            if ((members >> asset) & 1 == 0) revert Vault_AssetNotInGroup(group, asset);
        }
        uint256 inGroup = list.withGroup(group);
        AccountHealth memory before = _healthContext(list, key).health;
        AccountHealth memory afterEntry = _healthContext(inGroup, key).health;
        if (afterEntry.healthFactor < before.healthFactor) {
            revert Vault_GroupLowersHealth(before.healthFactor, afterEntry.healthFactor);
        }
        if (afterEntry.initialMarginValue < afterEntry.debtValue) {
            revert Vault_InsufficientMargin(owner, subId, afterEntry.initialMarginValue, afterEntry.debtValue);
        }
        _lists[key] = inGroup.withCheckedAt(block.timestamp);
        emit GroupEntered(owner, subId, group);
    }

    /// @inheritdoc IVaultActions
    function leaveGroup(address owner, uint8 subId) external nonReentrant whenNotPaused onlyOwnerOrOperator(owner) {
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        uint8 group = list.group();
        if (group == 0) revert Vault_NotInGroup(owner, subId);
        _lists[key] = list.withGroup(0);
        _requireInitialMargin(owner, subId);
        emit GroupLeft(owner, subId, group);
    }

    // ================================================================ lenders

    /// @inheritdoc IVaultActions
    function supply(uint8 asset, uint256 amount, address onBehalf) external nonReentrant returns (uint256 shares) {
        if (amount == 0) revert Vault_ZeroAmount();
        AssetConfig storage c = _config(asset);
        AssetState storage s = _accrue(asset);
        uint256 received = _pull(c.token, amount);
        shares = Math.mulDiv(received, WAD, s.supplyIndex);
        if (shares == 0) revert Vault_ZeroAmount();
        uint256 totalShares = s.totalSupplyShares + shares;
        if (c.supplyCap != 0 && InterestMath.supplyDown(totalShares, s.supplyIndex) > c.supplyCap) {
            revert Vault_CapExceeded(asset, "supply", c.supplyCap);
        }
        s.totalSupplyShares = totalShares.toUint128();
        s.cash += received.toUint128();
        _supplyShares[asset][onBehalf] += shares;
        _syncRate(asset);
        emit Supplied(onBehalf, asset, received, shares);
    }

    /// @inheritdoc IVaultActions
    function redeem(uint8 asset, uint256 shares, address to) external nonReentrant whenNotPaused returns (uint256 amount) {
        if (shares == 0) revert Vault_ZeroAmount();
        AssetConfig storage c = _config(asset);
        AssetState storage s = _accrue(asset);
        uint256 own = _supplyShares[asset][msg.sender];
        if (shares > own) revert Vault_InsufficientBalance(asset, own, shares);
        amount = InterestMath.supplyDown(shares, s.supplyIndex);
        if (amount > s.cash) revert Vault_InsufficientLiquidity(asset, s.cash, amount);
        _supplyShares[asset][msg.sender] = own - shares;
        s.totalSupplyShares -= uint128(shares);
        s.cash -= uint128(amount);
        _syncRate(asset);
        IERC20(c.token).safeTransfer(to, amount);
        emit Redeemed(msg.sender, asset, amount, shares, to);
    }

    // ================================================================ liquidation

    /// @inheritdoc IVaultActions
    function liquidate(
        address owner,
        uint8 subId,
        uint8 debtAsset,
        uint8 collateralAsset,
        uint256 repayAmount,
        uint256 minSeized
    ) external nonReentrant returns (uint256 repaid, uint256 toLiquidator) {
        _accrue(debtAsset);
        _accrue(collateralAsset);
        (Plan memory p, bytes32 key, uint256 list) =
            _plan(owner, subId, debtAsset, collateralAsset, repayAmount, msg.sender);
        if (p.toLiquidator < minSeized) revert Vault_SeizedBelowMinimum(p.toLiquidator, minSeized);
        _applyLiquidation(owner, subId, debtAsset, collateralAsset, p, key, list);
        _pullExact(_configs[debtAsset].token, p.paid);
        IERC20(_configs[collateralAsset].token).safeTransfer(msg.sender, p.toLiquidator);
        return (p.paid, p.toLiquidator);
    }

    /// @dev The liquidation's state changes: burn debt shares, move the seized collateral (the fee stays as
    /// reserves), write off the debt of an account left with no collateral, fix the new rates.
    function _applyLiquidation(
        address owner,
        uint8 subId,
        uint8 debtAsset,
        uint8 collateralAsset,
        Plan memory p,
        bytes32 key,
        uint256 list
    ) internal {
        AssetState storage sd = _states[debtAsset];
        uint256 shares = _amounts[key][debtAsset];
        list = _burnDebtAt(key, list, debtAsset, shares, p.sharesBurnt);
        sd.totalBorrowShares -= uint128(p.sharesBurnt);
        sd.cash += p.paid.toUint128();
        AssetState storage sc = _states[collateralAsset];
        list = _reduceCollateralAt(key, list, collateralAsset, p.collateralBalance, p.seized);
        sc.totalCollateral -= uint128(p.seized);
        sc.reserves += uint128(p.fee);
        sc.cash += uint128(p.fee);
        _lists[key] = list;
        // Liquidated before any BadDebt, so an indexer sees the burn, then the write-off of what is left.
        _emitLiquidated(owner, subId, debtAsset, collateralAsset, p);
        if (list.onlyDebts()) _writeOffDebts(owner, subId, key, list);
        _syncRate(debtAsset);
        _syncRate(collateralAsset);
    }

    function _emitLiquidated(
        address owner,
        uint8 subId,
        uint8 debtAsset,
        uint8 collateralAsset,
        Plan memory p
    ) internal {
        emit Liquidated(
            owner,
            subId,
            msg.sender,
            debtAsset,
            collateralAsset,
            p.repaid,
            p.paid,
            p.sharesBurnt,
            p.seized,
            p.fee,
            p.bonus,
            p.healthBefore,
            p.healthAfter
        );
    }

    /// @inheritdoc IVaultActions
    function settleBadDebt(address owner, uint8 subId) external nonReentrant whenNotPaused {
        bytes32 key = _key(owner, subId);
        uint256 list = _lists[key];
        HealthContext memory h = _healthContext(list, key);
        // Only an account that is liquidatable and whose collateral is too small to be worth liquidating:
        // a healthy account with dust collateral keeps its collateral and its debt.
        if (
            h.health.debtValue == 0 || h.health.healthFactor >= WAD
                || h.health.collateralValue >= BAD_DEBT_COLLATERAL_VALUE
        ) {
            revert Vault_NotBadDebt(owner, subId, h.health.collateralValue, h.health.debtValue);
        }
        // sweep the remaining collateral (worth < 1 USD) to reserves, then write off every debt
        uint256 n = list.count();
        for (uint256 i = n; i > 0; --i) {
            if (list.isDebtAt(i - 1)) continue;
            uint8 asset = list.assetAt(i - 1);
            uint256 bal = _amounts[key][asset];
            AssetState storage s = _states[asset];
            s.totalCollateral -= uint128(bal);
            s.reserves += uint128(bal);
            s.cash += uint128(bal);
            _amounts[key][asset] = 0;
            list = list.removeAt(i - 1);
            emit DustSwept(owner, subId, asset, bal);
        }
        _lists[key] = list;
        _writeOffDebts(owner, subId, key, list);
    }

    /// @inheritdoc IVaultActions
    function accrueInterest(uint8 asset) external {
        _config(asset);
        _accrue(asset);
        _syncRate(asset);
    }

    // ================================================================ flash loans

    /// @notice ERC-3156: the idle liquidity of `token` (0 if not listed).
    function maxFlashLoan(address token) external view returns (uint256) {
        uint256 id = _assetIdOf[token];
        if (id == 0 || _paused) return 0;
        return _states[id - 1].cash;
    }

    /// @notice ERC-3156: the fee for borrowing `amount` of `token`, rounded up.
    function flashFee(address token, uint256 amount) public view returns (uint256) {
        if (_assetIdOf[token] == 0) revert Vault_UnknownToken(token);
        return Math.mulDiv(amount, _globalParams.flashFee, BPS, Math.Rounding.Ceil);
    }

    /// @notice ERC-3156 flash loan of idle liquidity; the fee goes to reserves. Not guarded against
    /// re-entry on purpose: the receiver may liquidate (or borrow) inside the callback; the loaned amount
    /// is out of `cash` for the duration, so nobody can redeem or borrow it twice.
    function flashLoan(IERC3156FlashBorrower receiver, address token, uint256 amount, bytes calldata data)
        external
        whenNotPaused
        returns (bool)
    {
        uint256 id = _assetIdOf[token];
        if (id == 0) revert Vault_UnknownToken(token);
        uint8 asset = uint8(id - 1);
        AssetState storage s = _states[asset];
        if (amount > s.cash) revert Vault_InsufficientLiquidity(asset, s.cash, amount);
        uint256 fee = flashFee(token, amount);
        s.cash -= uint128(amount);
        IERC20(token).safeTransfer(address(receiver), amount);
        if (receiver.onFlashLoan(msg.sender, token, amount, fee, data) != FLASH_CALLBACK_SUCCESS) {
            revert Vault_FlashLoanRejected(address(receiver));
        }
        _pullExactFrom(token, address(receiver), amount + fee);
        s.cash += uint128(amount + fee);
        s.reserves += uint128(fee);
        // Anything the callback did fixed this asset's rate with the loan out of `cash`: fix it again now that
        // the loan is back, or one flash loan could leave the rate at its maximum until the next touch.
        _accrue(asset);
        _syncRate(asset);
        emit FlashLoan(address(receiver), asset, amount, fee);
        return true;
    }

}

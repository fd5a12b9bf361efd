// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VaultBase} from "./VaultBase.sol";
import {IVaultViews} from "../interfaces/IVaultViews.sol";
import {HealthMath} from "../libraries/HealthMath.sol";
import {InterestMath} from "../libraries/InterestMath.sol";
import {PositionList} from "../libraries/PositionList.sol";

/// @title VaultLens
/// @notice The vault's views, run by delegatecall (Vault -> VaultExtension -> VaultLens) in the vault's
/// storage, so they use the very rules (`VaultBase`) the entry points use. Calling it directly reads its
/// own empty storage and is useless.
contract VaultLens is VaultBase, IVaultViews {
    using PositionList for uint256;

    // ================================================================ views

    /// @inheritdoc IVaultViews
    function riskGroup(uint8 group) external view returns (RiskGroup memory) {
        return _groups[group];
    }

    /// @inheritdoc IVaultViews
    function stewardParams() external view returns (StewardParams memory) {
        return _stewardParams;
    }

    /// @inheritdoc IVaultViews
    function groupOf(address owner, uint8 subId) external view returns (uint8) {
        return _lists[_key(owner, subId)].group();
    }

    /// @inheritdoc IVaultViews
    function weightsOf(uint8 asset, uint8 group) external view returns (uint256 ltv, uint256 lt, uint256 maxBonus) {
        _config(asset);
        return _effectiveWeights(asset, group);
    }

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
        return _assetCount;
    }

    /// @inheritdoc IVaultViews
    function assetOf(address token) external view returns (uint8) {
        uint256 id = _assetIdOf[token];
        if (id == 0) revert Vault_UnknownToken(token);
        return uint8(id - 1);
    }

    /// @inheritdoc IVaultViews
    function walletOf(address who) external view returns (uint256[] memory balances, uint256[] memory allowances) {
        uint256 n = _assetCount;
        balances = new uint256[](n);
        allowances = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            IERC20 token = IERC20(_configs[i].token);
            // a hostile or broken token must not hide the others' balances
            try token.balanceOf(who) returns (uint256 b) {
                balances[i] = b;
            } catch {}
            try token.allowance(who, address(this)) returns (uint256 a) {
                allowances[i] = a;
            } catch {}
        }
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
            HealthMath.maxLiquidation(_liquidationInput(h, di, ci, debtAsset, collateralAsset, list.group()));
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
            paid: p.paid,
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
        // a round dated ahead of the block (clock skew) is accepted as fresh: age 0
        age = updatedAt >= block.timestamp ? 0 : block.timestamp - updatedAt;
    }

}

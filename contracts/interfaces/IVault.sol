// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IVaultActions} from "./IVaultActions.sol";
import {IVaultAdmin} from "./IVaultAdmin.sol";
import {IVaultViews} from "./IVaultViews.sol";

/// @title IVault: the manual of the cross-margin vault
/// @notice One vault holds every listed asset. An account is `(owner, subId)` with `subId` in 0..255; each
/// sub-account is an isolated margin compartment whose collaterals and debts share one health factor.
/// Collateral is not lent out: lenders supply liquidity separately (`supply`/`redeem`) and earn the
/// borrow interest less the reserve factor. The risk model is ../shared/risk-model.md; the choices it
/// leaves open are in docs/risk-model.md.
///
/// Assumptions about tokens:
/// - SAFETY: a token must not change balances outside transfers (rebasing, fee-on-transfer). Inbound
///   transfers are measured and a shortfall reverts `Vault_TransferShortfall`, so a fee-on-transfer token
///   cannot be deposited, supplied or repaid; a rebasing token would still break accounting: don't list one.
/// - SAFETY: at most 18 decimals (`Vault_UnsupportedDecimals` otherwise), amounts below 2^128.
/// - LIVENESS: tokens that return nothing or revert are handled with SafeERC20; a token that blocks
///   transfers (pause, blocklist) blocks the actions that move it, liquidation included.
/// Assumptions about oracles (Chainlink AggregatorV3):
/// - SAFETY: the answer is the USD price of one whole token. Answers <= 0, a round with `updatedAt == 0`,
///   or older than the asset's `maxOracleAge` make every action that needs that price revert
///   (`Vault_OracleNonPositive`, `Vault_OracleNoUpdate`, `Vault_OracleStale`); deposits, supplies and
///   repays need no price. A stale feed therefore blocks liquidations of accounts holding that asset
///   (LIVENESS), never makes them use a wrong price.
///
/// Indexing: every state change the keeper needs emits an event carrying enough to rebuild every account,
/// every lender position and every interest index from logs alone with no reads (proved by
/// test/keeper/indexer.test.ts): collateral balances from Deposited/Withdrawn/CollateralTransferred/
/// Liquidated/BadDebt/DustSwept, debt shares from Borrowed/Repaid/Liquidated/BadDebt, indices and rates
/// from InterestAccrued, parameters from AssetListed/AssetParamsSet/RateModelSet/FeedSet/GlobalParamsSet.
/// Layout: `Vault` implements IVaultActions and IERC3156FlashLender; `VaultExtension` implements
/// IVaultAdmin and IVaultViews and runs in the vault's storage through its fallback. Call everything on
/// the vault's address with this interface's ABI.
interface IVault is IVaultActions, IVaultAdmin, IVaultViews, IERC3156FlashLender, IAccessControl {}

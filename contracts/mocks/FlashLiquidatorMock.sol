// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IVaultActions} from "../interfaces/IVaultActions.sol";

/// @title FlashLiquidatorMock
/// @notice TEST-ONLY ERC-3156 borrower that liquidates a vault account inside the flash-loan callback: it
///         flash-borrows the debt asset from the vault, calls `liquidate` on the same vault (which pulls the
///         repay from this contract), and repays the loan plus fee from its own balance (tests mint the
///         repay and the fee to it beforehand). It keeps the seized collateral.
contract FlashLiquidatorMock is IERC3156FlashBorrower {
    using SafeERC20 for IERC20;

    bytes32 public constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    struct Target {
        address owner;
        uint8 subId;
        uint8 debtAsset;
        uint8 collateralAsset;
        uint256 repayAmount;
    }

    /// @notice What the liquidation inside the last callback returned.
    uint256 public lastRepaid;
    uint256 public lastToLiquidator;
    /// @notice Token balance of this contract observed inside the last callback, before liquidating.
    uint256 public balanceDuringLoan;

    /// @notice Flash-borrow `amount` of `token` from `vault` and liquidate `target` inside the callback.
    function flashLiquidate(IERC3156FlashLender vault, address token, uint256 amount, Target calldata target)
        external
        returns (bool)
    {
        return vault.flashLoan(this, token, amount, abi.encode(target));
    }

    /// @inheritdoc IERC3156FlashBorrower
    function onFlashLoan(address, address token, uint256 amount, uint256 fee, bytes calldata data)
        external
        returns (bytes32)
    {
        Target memory t = abi.decode(data, (Target));
        balanceDuringLoan = IERC20(token).balanceOf(address(this));
        // the vault pulls the repay for `liquidate`, then the loan plus fee
        IERC20(token).forceApprove(msg.sender, type(uint256).max);
        (lastRepaid, lastToLiquidator) =
            IVaultActions(msg.sender).liquidate(t.owner, t.subId, t.debtAsset, t.collateralAsset, t.repayAmount, 0);
        IERC20(token).forceApprove(msg.sender, amount + fee);
        return CALLBACK_SUCCESS;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title FlashLenderMock
/// @notice TEST-ONLY minimal ERC-3156 lender of its own token balances, used to exercise {FlashBorrowerMock}.
///         Fee = `amount * feeBps / 10_000` (rounded down). Repayment is pulled with `transferFrom`.
///         A transient-storage reentrancy guard can be switched off by ANYONE (test only) via {setGuarded}.
contract FlashLenderMock is IERC3156FlashLender {
    using SafeERC20 for IERC20;

    /// @notice The ERC-3156 callback magic value.
    bytes32 public constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    /// @notice Fee in basis points.
    uint256 public immutable feeBps;
    /// @notice Whether {flashLoan} rejects reentrant calls.
    bool public guarded = true;

    bool private transient _locked;

    /// @notice {flashLoan} was re-entered while guarded.
    error ReentrantFlashLoan();
    /// @notice The borrower's callback returned `returned` instead of the magic value.
    /// @param returned The value returned.
    error InvalidFlashLoanReturn(bytes32 returned);
    /// @notice More than the lender's balance was requested.
    /// @param token The token.
    /// @param requested Amount requested.
    /// @param available The lender's balance.
    error FlashLoanTooLarge(address token, uint256 requested, uint256 available);

    /// @param feeBps_ Fee in basis points.
    constructor(uint256 feeBps_) {
        feeBps = feeBps_;
    }

    /// @notice Turns the reentrancy guard on or off. Callable by ANYONE (test only).
    /// @param guarded_ New value.
    function setGuarded(bool guarded_) external {
        guarded = guarded_;
    }

    /// @notice Maximum loan: the lender's balance of `token`.
    /// @param token The token.
    /// @return The lender's balance.
    function maxFlashLoan(address token) public view returns (uint256) {
        return IERC20(token).balanceOf(address(this));
    }

    /// @notice Fee for borrowing `amount`.
    /// @param amount The amount.
    /// @return `amount * feeBps / 10_000`.
    function flashFee(address, uint256 amount) public view returns (uint256) {
        return amount * feeBps / 10_000;
    }

    /// @notice Lends `amount` of `token` to `receiver`, calls its `onFlashLoan` and pulls back `amount + fee`.
    /// @param receiver The borrower.
    /// @param token The token.
    /// @param amount The amount.
    /// @param data Passed through to the borrower.
    /// @return Always true when it does not revert.
    function flashLoan(IERC3156FlashBorrower receiver, address token, uint256 amount, bytes calldata data)
        external
        returns (bool)
    {
        bool wasLocked = _locked;
        if (guarded && wasLocked) revert ReentrantFlashLoan();
        _locked = true;

        uint256 available = maxFlashLoan(token);
        if (amount > available) revert FlashLoanTooLarge(token, amount, available);
        uint256 fee = flashFee(token, amount);
        IERC20(token).safeTransfer(address(receiver), amount);
        bytes32 returned = receiver.onFlashLoan(msg.sender, token, amount, fee, data);
        if (returned != CALLBACK_SUCCESS) revert InvalidFlashLoanReturn(returned);
        IERC20(token).safeTransferFrom(address(receiver), address(this), amount + fee);

        _locked = wasLocked;
        return true;
    }
}

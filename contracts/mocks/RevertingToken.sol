// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockTokenBase} from "./MockTokenBase.sol";

/// @title RevertingToken
/// @notice TEST-ONLY standard token (bool returns) whose `transfer`/`transferFrom` revert with
///         {TransfersBlocked} while `blocked` is set (a paused or blacklisting token). `approve` and `mint` are
///         never blocked. Anyone may toggle the flag and mint.
contract RevertingToken is MockTokenBase {
    /// @notice While true, every transfer reverts with {TransfersBlocked}.
    bool public blocked;

    /// @notice The blocking flag was changed.
    /// @param blocked New value.
    event BlockedSet(bool blocked);

    /// @notice A transfer was attempted while {blocked}.
    /// @param from Account to debit.
    /// @param to Recipient.
    /// @param amount Amount.
    error TransfersBlocked(address from, address to, uint256 amount);

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        MockTokenBase(name_, symbol_, decimals_)
    {}

    /// @notice Sets {blocked}. Callable by ANYONE (test only).
    /// @param blocked_ New value.
    function setBlocked(bool blocked_) external {
        blocked = blocked_;
        emit BlockedSet(blocked_);
    }

    /// @notice Moves `amount` from the caller to `to`; reverts with {TransfersBlocked} if {blocked}.
    /// @param to Recipient.
    /// @param amount Amount.
    /// @return Always true when it does not revert.
    function transfer(address to, uint256 amount) external returns (bool) {
        if (blocked) revert TransfersBlocked(msg.sender, to, amount);
        _move(msg.sender, to, amount, 0);
        return true;
    }

    /// @notice Moves `amount` from `from` to `to` using the caller's allowance; reverts with {TransfersBlocked}
    ///         if {blocked}.
    /// @param from Owner of the tokens.
    /// @param to Recipient.
    /// @param amount Amount.
    /// @return Always true when it does not revert.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (blocked) revert TransfersBlocked(from, to, amount);
        _spendAllowance(from, msg.sender, amount);
        _move(from, to, amount, 0);
        return true;
    }

    /// @notice Sets the caller's allowance for `spender` to `amount`.
    /// @param spender Spender.
    /// @param amount New allowance.
    /// @return Always true.
    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockTokenBase} from "./MockTokenBase.sol";

/// @title FalseReturnToken
/// @notice TEST-ONLY token whose `transfer`/`transferFrom` return `false` WITHOUT reverting and WITHOUT moving
///         funds (nor spending allowance) while `failTransfers` is set; they behave normally and return `true`
///         otherwise. Anyone may toggle the flag and mint.
contract FalseReturnToken is MockTokenBase {
    /// @notice While true, `transfer`/`transferFrom` silently fail by returning false.
    bool public failTransfers;

    /// @notice The failure flag was changed.
    /// @param failTransfers New value.
    event FailTransfersSet(bool failTransfers);

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        MockTokenBase(name_, symbol_, decimals_)
    {}

    /// @notice Sets {failTransfers}. Callable by ANYONE (test only).
    /// @param fail New value.
    function setFailTransfers(bool fail) external {
        failTransfers = fail;
        emit FailTransfersSet(fail);
    }

    /// @notice Moves `amount` from the caller to `to`, or does nothing and returns false if {failTransfers}.
    /// @param to Recipient.
    /// @param amount Amount.
    /// @return success False iff {failTransfers} is set.
    function transfer(address to, uint256 amount) external returns (bool success) {
        if (failTransfers) return false;
        _move(msg.sender, to, amount, 0);
        return true;
    }

    /// @notice Moves `amount` from `from` to `to` using the caller's allowance, or does nothing and returns false
    ///         if {failTransfers}.
    /// @param from Owner of the tokens.
    /// @param to Recipient.
    /// @param amount Amount.
    /// @return success False iff {failTransfers} is set.
    function transferFrom(address from, address to, uint256 amount) external returns (bool success) {
        if (failTransfers) return false;
        _spendAllowance(from, msg.sender, amount);
        _move(from, to, amount, 0);
        return true;
    }

    /// @notice Sets the caller's allowance for `spender` to `amount` (never fails).
    /// @param spender Spender.
    /// @param amount New allowance.
    /// @return Always true.
    function approve(address spender, uint256 amount) external returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }
}

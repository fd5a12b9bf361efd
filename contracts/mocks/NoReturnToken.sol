// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockTokenBase} from "./MockTokenBase.sol";

/// @title NoReturnToken
/// @notice TEST-ONLY USDT-like token: `transfer`, `transferFrom` and `approve` return NOTHING (empty returndata)
///         but otherwise behave correctly (move funds, revert on insufficient balance/allowance). A caller that
///         decodes a `bool` (plain `IERC20.transfer`) reverts; `SafeERC20` works. Mint is permissionless.
contract NoReturnToken is MockTokenBase {
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        MockTokenBase(name_, symbol_, decimals_)
    {}

    /// @notice Moves `amount` from the caller to `to`. Returns nothing.
    /// @param to Recipient.
    /// @param amount Amount.
    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount, 0);
    }

    /// @notice Moves `amount` from `from` to `to` using the caller's allowance. Returns nothing.
    /// @param from Owner of the tokens.
    /// @param to Recipient.
    /// @param amount Amount.
    function transferFrom(address from, address to, uint256 amount) external {
        _spendAllowance(from, msg.sender, amount);
        _move(from, to, amount, 0);
    }

    /// @notice Sets the caller's allowance for `spender` to `amount`. Returns nothing.
    /// @param spender Spender.
    /// @param amount New allowance.
    function approve(address spender, uint256 amount) external {
        _approve(msg.sender, spender, amount);
    }
}

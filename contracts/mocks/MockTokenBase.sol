// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MockTokenBase
/// @notice TEST-ONLY minimal ERC-20 storage and logic (balances, allowances, events, permissionless mint) shared
///         by the hand-written hostile tokens. It declares no `transfer`/`transferFrom`/`approve`: each token
///         exposes its own, with the (non-standard) return type it needs.
/// @dev An allowance of `type(uint256).max` is treated as infinite and never decreases.
abstract contract MockTokenBase {
    /// @notice ERC-20 Transfer event.
    /// @param from Sender (zero for a mint).
    /// @param to Recipient (zero for a burn).
    /// @param value Amount moved.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval event.
    /// @param owner Token owner.
    /// @param spender Approved spender.
    /// @param value New allowance.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice `from` holds less than `needed`.
    /// @param from Account debited.
    /// @param balance Its balance.
    /// @param needed Amount requested.
    error InsufficientBalance(address from, uint256 balance, uint256 needed);
    /// @notice `spender` may spend less than `needed` of the owner's tokens.
    /// @param spender Spender.
    /// @param allowance Its allowance.
    /// @param needed Amount requested.
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    /// @notice Transfers and mints to the zero address are rejected.
    /// @param receiver The rejected receiver.
    error InvalidReceiver(address receiver);

    /// @notice Token name.
    string public name;
    /// @notice Token symbol.
    string public symbol;
    /// @notice Token decimals.
    uint8 public immutable decimals;
    /// @notice Total supply.
    uint256 public totalSupply;
    /// @notice Balance of each account.
    mapping(address account => uint256) public balanceOf;
    /// @notice Allowance of each (owner, spender) pair.
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    /// @notice Mints `amount` tokens to `to` (no fee, never blocked). Callable by ANYONE (test only).
    /// @param to Recipient.
    /// @param amount Amount to mint.
    function mint(address to, uint256 amount) external {
        if (to == address(0)) revert InvalidReceiver(to);
        totalSupply += amount;
        unchecked {
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    function _approve(address owner, address spender, uint256 amount) internal {
        allowance[owner][spender] = amount;
        emit Approval(owner, spender, amount);
    }

    function _spendAllowance(address owner, address spender, uint256 amount) internal {
        uint256 current = allowance[owner][spender];
        if (current != type(uint256).max) {
            if (current < amount) revert InsufficientAllowance(spender, current, amount);
            unchecked {
                allowance[owner][spender] = current - amount;
            }
        }
    }

    /// @dev Moves `amount` from `from`; `to` receives `amount - burned`, `burned` is destroyed.
    function _move(address from, address to, uint256 amount, uint256 burned) internal {
        if (to == address(0)) revert InvalidReceiver(to);
        uint256 bal = balanceOf[from];
        if (bal < amount) revert InsufficientBalance(from, bal, amount);
        unchecked {
            balanceOf[from] = bal - amount;
            balanceOf[to] += amount - burned;
            totalSupply -= burned;
        }
        emit Transfer(from, to, amount - burned);
        if (burned != 0) emit Transfer(from, address(0), burned);
    }
}

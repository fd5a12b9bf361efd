// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MockTokenBase} from "./MockTokenBase.sol";

/// @title FeeOnTransferToken
/// @notice TEST-ONLY token that burns a fee of `feeBps` basis points of every `transfer`/`transferFrom`: the
///         sender is debited `amount`, the recipient receives `amount - fee` with
///         `fee = amount * feeBps / 10_000` (rounded down), and `fee` is burned (total supply drops).
///         The full `amount` of allowance is spent. Mint takes no fee. Anyone may change the fee and mint.
contract FeeOnTransferToken is MockTokenBase {
    /// @notice 100% in basis points.
    uint256 public constant BPS = 10_000;

    /// @notice Fee in basis points burned on each transfer.
    uint256 public feeBps;

    /// @notice The fee was changed.
    /// @param feeBps New fee in basis points.
    event FeeBpsSet(uint256 feeBps);

    /// @notice The fee exceeds 100%.
    /// @param feeBps The rejected fee.
    error InvalidFeeBps(uint256 feeBps);

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    /// @param feeBps_ Fee in basis points (<= 10_000).
    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 feeBps_)
        MockTokenBase(name_, symbol_, decimals_)
    {
        _setFeeBps(feeBps_);
    }

    /// @notice Changes {feeBps}. Callable by ANYONE (test only).
    /// @param feeBps_ New fee in basis points (<= 10_000).
    function setFeeBps(uint256 feeBps_) external {
        _setFeeBps(feeBps_);
    }

    /// @notice Fee that a transfer of `amount` would burn.
    /// @param amount Transfer amount.
    /// @return The fee, `amount * feeBps / 10_000` rounded down.
    function feeOf(uint256 amount) public view returns (uint256) {
        return amount * feeBps / BPS;
    }

    /// @notice Debits `amount` from the caller, credits `amount - fee` to `to`, burns the fee.
    /// @param to Recipient.
    /// @param amount Amount debited.
    /// @return Always true when it does not revert.
    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount, feeOf(amount));
        return true;
    }

    /// @notice Debits `amount` from `from` (spending `amount` of allowance), credits `amount - fee` to `to`,
    ///         burns the fee.
    /// @param from Owner of the tokens.
    /// @param to Recipient.
    /// @param amount Amount debited.
    /// @return Always true when it does not revert.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spendAllowance(from, msg.sender, amount);
        _move(from, to, amount, feeOf(amount));
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

    function _setFeeBps(uint256 feeBps_) private {
        if (feeBps_ > BPS) revert InvalidFeeBps(feeBps_);
        feeBps = feeBps_;
        emit FeeBpsSet(feeBps_);
    }
}

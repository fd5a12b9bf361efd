// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockERC20
/// @notice TEST-ONLY well-behaved ERC-20 (OpenZeppelin) with configurable decimals and PERMISSIONLESS mint/burn:
///         anyone may mint or burn anyone's tokens.
contract MockERC20 is ERC20 {
    uint8 private immutable _decimals;

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @notice Mints `amount` tokens to `to`. Callable by ANYONE (test only).
    /// @param to Recipient.
    /// @param amount Amount to mint.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` tokens from `from` without any allowance. Callable by ANYONE (test only).
    /// @param from Account whose tokens are burned.
    /// @param amount Amount to burn.
    function burn(address from, uint256 amount) external {
        _burn(from, amount);
    }

    /// @notice Number of decimals set at construction.
    /// @return The token decimals.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title FlashBorrowerMock
/// @notice TEST-ONLY ERC-3156 flash borrower with selectable (mis)behaviour. Anyone may change the mode and start
///         a loan. To pay the fee the borrower must already hold tokens: tests mint them to it.
/// @dev Repayment is approved with `SafeERC20.forceApprove`, so tokens that return nothing work too.
contract FlashBorrowerMock is IERC3156FlashBorrower {
    using SafeERC20 for IERC20;

    /// @notice Behaviour of {onFlashLoan}.
    enum Mode {
        Honest, // 0: approves amount + fee to the lender and returns the ERC-3156 magic value
        WrongReturn, // 1: approves amount + fee but returns a wrong value
        NoApprove, // 2: sets the lender's allowance to 0 and returns the magic value
        Reenter // 3: calls lender.flashLoan again from inside the callback (then behaves honestly)
    }

    /// @notice The value ERC-3156 requires `onFlashLoan` to return.
    bytes32 public constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");
    /// @notice The value returned in {Mode.WrongReturn}.
    bytes32 public constant WRONG_RETURN = keccak256("FlashBorrowerMock.wrongReturn");

    /// @notice Current behaviour.
    Mode public mode;
    /// @notice `initiator` argument of the last `onFlashLoan` call.
    address public lastInitiator;
    /// @notice `token` argument of the last `onFlashLoan` call.
    address public lastToken;
    /// @notice `amount` argument of the last `onFlashLoan` call.
    uint256 public lastAmount;
    /// @notice `fee` argument of the last `onFlashLoan` call.
    uint256 public lastFee;
    /// @notice `msg.sender` (the lender) of the last `onFlashLoan` call.
    address public lastLender;
    /// @notice Token balance of this contract observed inside the last `onFlashLoan` call.
    uint256 public lastBalanceDuringLoan;
    /// @notice `data` argument of the last `onFlashLoan` call.
    bytes public lastData;
    /// @notice Number of `onFlashLoan` calls received.
    uint256 public callbackCount;
    /// @notice True if, in {Mode.Reenter}, the nested `flashLoan` call SUCCEEDED (the lender is not guarded).
    bool public reentered;

    bool private _inCallback;

    /// @notice The mode was changed.
    /// @param mode New mode.
    event ModeSet(Mode mode);
    /// @notice `onFlashLoan` was called.
    /// @param lender The caller (lender).
    /// @param initiator Initiator reported by the lender.
    /// @param token Borrowed token.
    /// @param amount Borrowed amount.
    /// @param fee Fee requested.
    event FlashLoanReceived(
        address indexed lender, address indexed initiator, address indexed token, uint256 amount, uint256 fee
    );

    /// @notice Sets {mode}. Callable by ANYONE (test only).
    /// @param mode_ New mode.
    function setMode(Mode mode_) external {
        mode = mode_;
        emit ModeSet(mode_);
    }

    /// @notice Borrows `amount` of `token` from `lender` with empty `data`.
    /// @param lender The ERC-3156 lender.
    /// @param token Token to borrow.
    /// @param amount Amount to borrow.
    /// @return The value returned by `lender.flashLoan`.
    function flashBorrow(IERC3156FlashLender lender, address token, uint256 amount) external returns (bool) {
        return lender.flashLoan(this, token, amount, "");
    }

    /// @notice Borrows `amount` of `token` from `lender`, forwarding `data`.
    /// @param lender The ERC-3156 lender.
    /// @param token Token to borrow.
    /// @param amount Amount to borrow.
    /// @param data Opaque data passed through to `onFlashLoan`.
    /// @return The value returned by `lender.flashLoan`.
    function flashBorrowWithData(IERC3156FlashLender lender, address token, uint256 amount, bytes calldata data)
        external
        returns (bool)
    {
        return lender.flashLoan(this, token, amount, data);
    }

    /// @notice ERC-3156 callback; records its arguments and acts according to {mode}.
    /// @dev In {Mode.Reenter}, the nested `flashLoan` (same token, amount and data) is made once: the nested
    ///      callback behaves honestly, so an unguarded lender does not recurse forever. A revert of the nested
    ///      call (e.g. a reentrancy guard) bubbles up unchanged.
    /// @param initiator The account that started the loan.
    /// @param token Borrowed token.
    /// @param amount Borrowed amount.
    /// @param fee Fee to pay on top of `amount`.
    /// @param data Opaque data from the initiator.
    /// @return The ERC-3156 magic value, or {WRONG_RETURN} in {Mode.WrongReturn}.
    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data)
        external
        returns (bytes32)
    {
        lastInitiator = initiator;
        lastToken = token;
        lastAmount = amount;
        lastFee = fee;
        lastLender = msg.sender;
        lastData = data;
        lastBalanceDuringLoan = IERC20(token).balanceOf(address(this));
        ++callbackCount;
        emit FlashLoanReceived(msg.sender, initiator, token, amount, fee);

        Mode m = _inCallback ? Mode.Honest : mode;

        if (m == Mode.Reenter) {
            _inCallback = true;
            IERC3156FlashLender(msg.sender).flashLoan(this, token, amount, data);
            _inCallback = false;
            reentered = true;
        }

        if (m == Mode.NoApprove) {
            IERC20(token).forceApprove(msg.sender, 0);
        } else {
            IERC20(token).forceApprove(msg.sender, amount + fee);
        }

        return m == Mode.WrongReturn ? WRONG_RETURN : CALLBACK_SUCCESS;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "../oracle/AggregatorV3Interface.sol";
import {IAggregatorEvents} from "../oracle/AggregatorEvents.sol";

/// @title MockAggregator
/// @notice TEST-ONLY Chainlink-compatible price feed. Every setter is permissionless: anyone may move the price,
///         which is exactly what tests need and exactly why this contract must never be deployed for real use.
/// @dev The latest round lives in ONE storage slot (`uint80 roundId | int128 answer | uint40 updatedAt | bool
///      custom`), so `latestRoundData` costs a single SLOAD in the common case. For rounds written by
///      {setAnswer}/{setAnswerAt}, `startedAt == updatedAt` and `answeredInRound == roundId`, as on Chainlink OCR
///      feeds. Rounds written by {setRoundData} with a different `startedAt` or `answeredInRound` set the `custom`
///      flag and are served from the round history instead (one more SLOAD, two if `answeredInRound` differs).
///      Events follow Chainlink's `MockV3Aggregator`: `AnswerUpdated` then `NewRound(roundId, msg.sender, ...)`.
contract MockAggregator is AggregatorV3Interface, IAggregatorEvents {
    /// @notice The answer does not fit the int128 storage of the mock.
    /// @param answer The rejected answer.
    error AnswerOutOfRange(int256 answer);
    /// @notice A timestamp does not fit the uint40 storage of the mock.
    /// @param timestamp The rejected timestamp.
    error TimestampOutOfRange(uint256 timestamp);
    /// @notice Round id 0 is not a valid Chainlink round.
    /// @param roundId The rejected round id.
    error InvalidRoundId(uint80 roundId);
    /// @notice {getRoundData} was asked for a round that was never written (Chainlink reverts "No data present").
    /// @param roundId The unknown round id.
    error RoundNotFound(uint80 roundId);

    /// @dev Latest round, packed in one slot: 80 + 128 + 40 + 8 = 256 bits.
    struct Latest {
        uint80 roundId;
        int128 answer;
        uint40 updatedAt;
        bool custom; // startedAt != updatedAt or answeredInRound != roundId: read the history instead
    }

    /// @dev A historical round, packed in one slot: 128 + 40 + 40 + 8 + 8 = 224 bits.
    struct Round {
        int128 answer;
        uint40 startedAt;
        uint40 updatedAt;
        bool exists;
        bool customAnsweredIn; // answeredInRound != roundId, stored in `_answeredInRound`
    }

    uint256 private constant VERSION = 4;

    uint8 private immutable _decimals;
    string private _description;
    Latest private _latest;
    mapping(uint80 roundId => Round) private _rounds;
    mapping(uint80 roundId => uint80) private _answeredInRound;

    /// @notice Deploys the feed and writes `initialAnswer` as round 1 at the current block timestamp.
    /// @param decimals_ Decimals of the answer (returned by {decimals}).
    /// @param initialAnswer Answer of round 1.
    /// @param description_ Feed description (returned by {description}).
    constructor(uint8 decimals_, int256 initialAnswer, string memory description_) {
        _decimals = decimals_;
        _description = description_;
        _write(1, initialAnswer, block.timestamp, block.timestamp, 1);
    }

    // ------------------------------------------------------------------------------------------------
    // Test setters (permissionless)
    // ------------------------------------------------------------------------------------------------

    /// @notice Starts a new round (latest id + 1) with `answer`, updated now. Callable by ANYONE (test only).
    /// @dev Emits `AnswerUpdated(answer, roundId, block.timestamp)` and `NewRound(roundId, msg.sender, block.timestamp)`.
    /// @param answer The new answer; must fit in int128 (zero and negative values are allowed, to test validation).
    function setAnswer(int256 answer) external {
        uint80 roundId = _latest.roundId + 1;
        _write(roundId, answer, block.timestamp, block.timestamp, roundId);
    }

    /// @notice Starts a new round (latest id + 1) with `answer` and an arbitrary `updatedAt` (also used as
    ///         `startedAt`). Use a past timestamp to make the feed stale, 0 to mimic an incomplete round, or a
    ///         future one to test clock-skew checks. Callable by ANYONE (test only).
    /// @param answer The new answer; must fit in int128.
    /// @param updatedAt The update timestamp to report; must fit in uint40.
    function setAnswerAt(int256 answer, uint256 updatedAt) external {
        uint80 roundId = _latest.roundId + 1;
        _write(roundId, answer, updatedAt, updatedAt, roundId);
    }

    /// @notice Writes an arbitrary round. If `roundId` is >= the latest round id it becomes the latest round;
    ///         otherwise only the history (read by {getRoundData}) changes. Lets tests build Chainlink edge cases
    ///         such as `answeredInRound < roundId` or `startedAt != updatedAt`. Callable by ANYONE (test only).
    /// @param roundId The round id to write; must be non-zero. Ids may jump (e.g. to mimic a phase change).
    /// @param answer The answer; must fit in int128.
    /// @param startedAt The round start timestamp; must fit in uint40.
    /// @param updatedAt The update timestamp; must fit in uint40.
    /// @param answeredInRound The round in which the answer was computed.
    function setRoundData(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
        external
    {
        if (roundId == 0) revert InvalidRoundId(roundId);
        _write(roundId, answer, startedAt, updatedAt, answeredInRound);
    }

    // ------------------------------------------------------------------------------------------------
    // AggregatorV3Interface
    // ------------------------------------------------------------------------------------------------

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    /// @dev Always 4 (the version reported by Chainlink OCR aggregators).
    function version() external pure returns (uint256) {
        return VERSION;
    }

    /// @inheritdoc AggregatorV3Interface
    /// @dev Reverts with {RoundNotFound} for a round that was never written.
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return _roundData(_roundId);
    }

    /// @inheritdoc AggregatorV3Interface
    /// @dev One SLOAD unless the latest round was written by {setRoundData} with custom fields.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Latest memory l = _latest;
        if (l.custom) return _roundData(l.roundId);
        return (l.roundId, l.answer, l.updatedAt, l.updatedAt, l.roundId);
    }

    // ------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------

    function _roundData(uint80 id) private view returns (uint80, int256, uint256, uint256, uint80) {
        Round memory r = _rounds[id];
        if (!r.exists) revert RoundNotFound(id);
        uint80 answeredIn = r.customAnsweredIn ? _answeredInRound[id] : id;
        return (id, r.answer, r.startedAt, r.updatedAt, answeredIn);
    }

    function _write(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
        private
    {
        if (answer > type(int128).max || answer < type(int128).min) revert AnswerOutOfRange(answer);
        if (startedAt > type(uint40).max) revert TimestampOutOfRange(startedAt);
        if (updatedAt > type(uint40).max) revert TimestampOutOfRange(updatedAt);

        bool customAnsweredIn = answeredInRound != roundId;
        _rounds[roundId] = Round({
            answer: int128(answer),
            startedAt: uint40(startedAt),
            updatedAt: uint40(updatedAt),
            exists: true,
            customAnsweredIn: customAnsweredIn
        });
        if (customAnsweredIn) _answeredInRound[roundId] = answeredInRound;

        if (roundId >= _latest.roundId) {
            _latest = Latest({
                roundId: roundId,
                answer: int128(answer),
                updatedAt: uint40(updatedAt),
                custom: customAnsweredIn || startedAt != updatedAt
            });
        }

        emit AnswerUpdated(answer, roundId, updatedAt);
        emit NewRound(roundId, msg.sender, startedAt);
    }
}

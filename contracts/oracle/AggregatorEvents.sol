// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IAggregatorEvents
/// @notice The two events Chainlink aggregators emit (declared in Chainlink's `AggregatorInterface`), with the
///         exact same signatures and indexed fields, so logs of a mock and of a real aggregator decode alike.
///         Topic hashes: `AnswerUpdated(int256,uint256,uint256)` and `NewRound(uint256,address,uint256)`.
interface IAggregatorEvents {
    /// @notice A new answer was written.
    /// @param current The new answer (indexed).
    /// @param roundId The round the answer belongs to (indexed).
    /// @param updatedAt Timestamp of the update.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @notice A new round was started.
    /// @param roundId The new round id (indexed).
    /// @param startedBy The account that started the round (indexed).
    /// @param startedAt Timestamp at which the round started.
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
}

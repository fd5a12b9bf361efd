// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title AggregatorV3Interface
/// @notice Chainlink's price-feed read interface, re-declared here because `@chainlink/contracts` cannot be
///         installed. ABI-identical to Chainlink's `AggregatorV3Interface` (function names, argument and return
///         types, order), so a real Chainlink feed or proxy can be used wherever this interface is expected.
/// @dev Round ids returned by a Chainlink proxy are `(phaseId << 64) | aggregatorRoundId`; they increase but are
///      not contiguous across phases. Consumers must validate `answer > 0` and the freshness of `updatedAt`
///      themselves: the feed never reverts because its value is stale.
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer` (e.g. 8 for USD pairs, 18 for ETH pairs).
    /// @return The number of decimals the answer is expressed in.
    function decimals() external view returns (uint8);

    /// @notice Human-readable description of the feed, e.g. "ETH / USD".
    /// @return The description string.
    function description() external view returns (string memory);

    /// @notice Version of the aggregator implementation behind the feed.
    /// @return The version number.
    function version() external view returns (uint256);

    /// @notice Data of a specific round.
    /// @dev Chainlink reverts (with "No data present") when the round is unknown.
    /// @param _roundId The round to read.
    /// @return roundId The round id (equal to `_roundId`).
    /// @return answer The answer of the round, scaled by `10 ** decimals()`.
    /// @return startedAt Timestamp (seconds) at which the round started.
    /// @return updatedAt Timestamp (seconds) at which the answer was last updated; 0 if the round is incomplete.
    /// @return answeredInRound Deprecated by Chainlink; the round in which the answer was computed.
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Data of the latest round.
    /// @return roundId The latest round id.
    /// @return answer The latest answer, scaled by `10 ** decimals()`.
    /// @return startedAt Timestamp (seconds) at which the latest round started.
    /// @return updatedAt Timestamp (seconds) at which the latest answer was written.
    /// @return answeredInRound Deprecated by Chainlink; the round in which the answer was computed.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

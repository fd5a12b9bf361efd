/**
 * Latest answers of Chainlink-style feeds rebuilt from their `AnswerUpdated` logs (decoded with
 * `aggregatorEventsAbi`), keyed by feed address. Like an aggregator's `latestRoundData`, the latest round is
 * the highest round id written (a lower one only rewrites history). Pure: no I/O. The account book turns
 * answers into USD WAD prices with each asset's current feed and feed decimals (`pricesFromAnswers`).
 */
import type { Address, Log } from "viem";
import type { AggregatorEventsAbi } from "../chain/abi.ts";

export type AggregatorLog = Log<bigint, number, false, undefined, true, AggregatorEventsAbi, undefined>;

export interface FeedRound {
  roundId: bigint;
  answer: bigint;
  updatedAt: bigint;
}

export class FeedBook {
  /** feed address (lower-case) -> latest round */
  readonly latest = new Map<string, FeedRound>();

  apply(log: AggregatorLog): void {
    if (log.eventName !== "AnswerUpdated") return;
    const feed = log.address.toLowerCase();
    const { current, roundId, updatedAt } = log.args;
    const prev = this.latest.get(feed);
    if (prev === undefined || roundId >= prev.roundId) this.latest.set(feed, { roundId, answer: current, updatedAt });
  }

  /** Start a feed from a read of its latest round (its last update may predate the logs scanned). */
  seed(feed: Address, round: FeedRound): void {
    const key = feed.toLowerCase();
    const prev = this.latest.get(key);
    if (prev === undefined || round.roundId >= prev.roundId) this.latest.set(key, round);
  }

  applyAll(logs: Iterable<AggregatorLog>): this {
    for (const log of logs) this.apply(log);
    return this;
  }

  round(feed: Address): FeedRound | undefined {
    return this.latest.get(feed.toLowerCase());
  }

  /** feed address -> latest answer, for AccountBook.pricesFromAnswers. */
  answers(): Map<string, bigint> {
    return new Map([...this.latest].map(([feed, r]) => [feed, r.answer]));
  }
}

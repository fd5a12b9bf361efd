/**
 * Feeds the account book and the feed book from the chain's logs: a backfill in bounded block ranges,
 * then the same call for each new head. The vault's logs come first in each range (they can list assets
 * or change feeds), then the logs of every feed known. A feed seen for the first time is seeded once with
 * its `latestRoundData` at the range's last block, because its last round may predate the vault.
 */
import { parseEventLogs, type Address, type Log } from "viem";
import { aggregatorEventsAbi, vaultAbi } from "../chain/abi.ts";
import type { AccountBook, VaultLog } from "./accountBook.ts";
import type { AggregatorLog, FeedBook } from "./feedBook.ts";

const latestRoundDataAbi = [
  {
    type: "function",
    name: "latestRoundData",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
] as const;

/** The RPC calls the sync needs (a viem PublicClient has them). */
export interface LogSource {
  getLogs(args: { address: Address | Address[]; fromBlock: bigint; toBlock: bigint }): Promise<Log[]>;
  readContract(args: {
    address: Address;
    abi: typeof latestRoundDataAbi;
    functionName: "latestRoundData";
    blockNumber: bigint;
  }): Promise<readonly [bigint, bigint, bigint, bigint, bigint]>;
}

export interface SyncResult {
  vaultLogs: VaultLog[];
  feedLogs: AggregatorLog[];
  rpcCalls: number;
}

export class LogSync {
  /** last block whose logs are all applied */
  syncedTo: bigint;
  readonly book: AccountBook;
  readonly feeds: FeedBook;
  private readonly source: LogSource;
  private readonly vault: Address;
  private readonly logRange: bigint;
  private readonly seeded = new Set<string>();

  constructor(source: LogSource, vault: Address, book: AccountBook, feeds: FeedBook, logRange: bigint, startBlock: bigint) {
    this.source = source;
    this.vault = vault;
    this.book = book;
    this.feeds = feeds;
    this.logRange = logRange;
    this.syncedTo = startBlock - 1n;
  }

  /** Feeds the books are following (every asset's current feed). */
  feedAddresses(): Address[] {
    return [...new Set([...this.book.assets.values()].map((a) => a.feed.toLowerCase() as Address))];
  }

  /** Apply every log up to `toBlock`, in ranges of `logRange` blocks; returns what was applied. */
  async syncTo(toBlock: bigint): Promise<SyncResult> {
    const out: SyncResult = { vaultLogs: [], feedLogs: [], rpcCalls: 0 };
    while (this.syncedTo < toBlock) {
      const from = this.syncedTo + 1n;
      const to = from + this.logRange - 1n < toBlock ? from + this.logRange - 1n : toBlock;
      const raw = await this.source.getLogs({ address: this.vault, fromBlock: from, toBlock: to });
      out.rpcCalls++;
      const vaultLogs = (parseEventLogs({ abi: vaultAbi, logs: raw, strict: true }) as VaultLog[]).filter((l) => this.isNew(l));
      for (const log of vaultLogs) this.book.apply(log);
      out.vaultLogs.push(...vaultLogs);

      const feeds = this.feedAddresses();
      for (const feed of feeds) {
        if (this.seeded.has(feed)) continue;
        const [roundId, answer, , updatedAt] = await this.source.readContract({
          address: feed,
          abi: latestRoundDataAbi,
          functionName: "latestRoundData",
          blockNumber: to,
        });
        out.rpcCalls++;
        this.feeds.seed(feed, { roundId, answer, updatedAt });
        this.seeded.add(feed);
      }
      if (feeds.length > 0) {
        const feedRaw = await this.source.getLogs({ address: feeds, fromBlock: from, toBlock: to });
        out.rpcCalls++;
        const feedLogs = parseEventLogs({ abi: aggregatorEventsAbi, logs: feedRaw, strict: true }) as AggregatorLog[];
        for (const log of feedLogs) this.feeds.apply(log);
        out.feedLogs.push(...feedLogs);
      }
      this.syncedTo = to;
    }
    return out;
  }

  /**
   * Apply logs that arrived live (a WebSocket subscription) ahead of the next `syncTo`: vault logs the book
   * has not seen (in order), feed rounds newer than the feed book's. Returns those that were new. The next
   * `syncTo` fetches the same blocks again and skips what was applied here, so a dropped subscription
   * message is recovered at the next head.
   */
  applyLive(raw: Log[]): { vaultLogs: VaultLog[]; feedLogs: AggregatorLog[] } {
    const vault = this.vault.toLowerCase();
    const fromVault = raw.filter((l) => l.address.toLowerCase() === vault);
    const fromFeeds = raw.filter((l) => l.address.toLowerCase() !== vault);
    const vaultLogs = (parseEventLogs({ abi: vaultAbi, logs: fromVault, strict: true }) as VaultLog[]).filter((l) => this.isNew(l));
    for (const log of vaultLogs) this.book.apply(log);
    const feedLogs = parseEventLogs({ abi: aggregatorEventsAbi, logs: fromFeeds, strict: true }) as AggregatorLog[];
    for (const log of feedLogs) this.feeds.apply(log);
    return { vaultLogs, feedLogs };
  }

  /** Whether a vault log comes after the last one the book applied. */
  private isNew(log: VaultLog): boolean {
    const c = this.book.cursor;
    return c === undefined || log.blockNumber > c.blockNumber || (log.blockNumber === c.blockNumber && log.logIndex > c.logIndex);
  }

  /** Restore the feeds already seeded (from a checkpoint). */
  markSeeded(feeds: Iterable<string>): void {
    for (const f of feeds) this.seeded.add(f.toLowerCase());
  }

  seededFeeds(): string[] {
    return [...this.seeded];
  }
}

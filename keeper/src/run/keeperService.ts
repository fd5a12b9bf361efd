/**
 * `keeper run`: the live loop. The books are opened (checkpoint + backfill), then kept current from each
 * new head's logs (vault and feeds), with a WebSocket subscription to every feed's logs for the fastest
 * trigger (without a WebSocket, HTTP polling of the head). An oracle log is
 * the trigger: the reaction engine finds the accounts whose liquidation price was crossed, checks them
 * exactly with the twin at the next block's timestamp, the planner prices each liquidation in bigint, and
 * the executor simulates and sends. Every new head reconciles the logs (a dropped WebSocket message is
 * recovered), sweeps the whole book (interest drift, stale levels), lets the executor replace stuck
 * transactions, and checkpoints.
 */
import type { Address, Hex, Log } from "viem";
import type { Logger } from "pino";
import type { KeeperConfig } from "../config/schema.ts";
import type { OpenBook } from "../book/openBook.ts";
import type { AccountBook, VaultLog } from "../book/accountBook.ts";
import type { AggregatorLog } from "../book/feedBook.ts";
import type { Prices } from "../math/accountHealth.ts";

export interface LiquidatableAccount {
  key: string;
  owner: Address;
  subId: number;
  healthFactor: bigint;
}

export interface ReactionResult {
  liquidatable: LiquidatableAccount[];
  evaluated: number;
}

/** Finds liquidatable accounts: after a price update (range query + exact check) or over the whole book. */
export interface ReactionEngine {
  rebuild(book: AccountBook, prices: Prices, timestamp: bigint): void;
  accountsChanged(keys: string[], book: AccountBook, prices: Prices, timestamp: bigint): void;
  priceUpdate(asset: number, oldPrice: bigint | undefined, newPrice: bigint, book: AccountBook, prices: Prices, timestamp: bigint): ReactionResult;
  sweep(book: AccountBook, prices: Prices, timestamp: bigint): ReactionResult;
}

/** Turns liquidatable accounts into sent liquidations (planning and execution). */
export interface LiquidationSink {
  /** `receivedAt`: performance.now() when the trigger arrived, for reaction times. */
  handle(accounts: LiquidatableAccount[], prices: Prices, timestamp: bigint, receivedAt: number): void;
  onBlock(blockNumber: bigint, timestamp: bigint, baseFeePerGas: bigint | undefined): Promise<void>;
  idle(): Promise<void>;
  /** resolves once the liquidations handed over are broadcast (or given up), or after `maxWaitMs` */
  broadcastsSettled?(maxWaitMs: number): Promise<void>;
}

const CHECKPOINT_EVERY_BLOCKS = 20n;
/** Shortest interval of the HTTP head poll that backs the WebSocket head subscription (ms). */
const HEAD_FALLBACK_MIN_MS = 250;
/** Longest a head's sweep waits for the broadcasts of a reaction in progress (ms). */
const SWEEP_YIELD_MAX_MS = 500;
/** Heads whose hashes are kept to notice a reorganisation (deeper ones are caught at the checkpoint's load). */
const REMEMBERED_HEADS = 256n;

export interface KeeperStats {
  oracleUpdates: number;
  evaluatedOnUpdates: number;
  sweeps: number;
  liquidatableSeen: number;
  /** chain reorganisations below the synced block, each followed by a reopened book */
  reorgs: number;
}

export class KeeperService {
  readonly stats: KeeperStats = { oracleUpdates: 0, evaluatedOnUpdates: 0, sweeps: 0, liquidatableSeen: 0, reorgs: 0 };
  private readonly cfg: KeeperConfig;
  private readonly log: Logger;
  private readonly ob: OpenBook;
  private readonly engine: ReactionEngine;
  private readonly sink: LiquidationSink;
  private prices: Map<number, bigint>;
  private headTimestamp: bigint;
  private lastCheckpoint: bigint;
  private stopped = false;
  private unwatch: Array<() => void> = [];
  private headQueue: Promise<void> = Promise.resolve();
  /** block number -> hash of the heads the books have synced (the last REMEMBERED_HEADS) */
  private readonly heads = new Map<bigint, Hex>();
  private feedsKey = "";
  private liveBatch: { logs: Log[]; receivedAt: number } | undefined;

  constructor(cfg: KeeperConfig, log: Logger, ob: OpenBook, engine: ReactionEngine, sink: LiquidationSink) {
    this.cfg = cfg;
    this.log = log;
    this.ob = ob;
    this.engine = engine;
    this.sink = sink;
    this.prices = ob.sync.book.pricesFromAnswers(ob.sync.feeds.answers());
    this.headTimestamp = ob.headTimestamp;
    this.lastCheckpoint = ob.sync.syncedTo;
    if (ob.headHash !== undefined) this.heads.set(ob.sync.syncedTo, ob.headHash);
  }

  private get book(): AccountBook {
    return this.ob.sync.book;
  }

  /** The earliest timestamp the next block can have: what a liquidation sent now will see at least. */
  private nextTimestamp(): bigint {
    return this.headTimestamp + 1n;
  }

  async start(): Promise<void> {
    const ts = this.nextTimestamp();
    this.engine.rebuild(this.book, this.prices, ts);
    const first = this.engine.sweep(this.book, this.prices, ts);
    this.stats.sweeps++;
    this.dispatch(first.liquidatable, performance.now());
    this.subscribe();
    this.log.info(
      { block: this.ob.sync.syncedTo, accounts: this.book.accounts.size, liquidatable: first.liquidatable.length, ws: this.cfg.wsUrl !== undefined },
      "ready",
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unwatch) u();
    this.unwatch = [];
    await this.headQueue.catch(() => undefined);
    await this.sink.idle();
    await this.ob.saveCheckpoint().catch((e: unknown) => this.log.warn({ err: String(e) }, "checkpoint on stop failed"));
  }

  // ---------------------------------------------------------------- subscriptions

  private subscribe(): void {
    const ws = this.ob.clients.wsClient;
    const feeds = this.ob.sync.feedAddresses();
    this.feedsKey = feeds.join(",");
    if (ws !== undefined) {
      // Only the feeds' logs are taken live (they are the trigger). The vault's logs come from each head's
      // sync: the book skips any vault log before the last one it applied (LogSync.isNew), so a vault log
      // applied live ahead of one the subscription missed (e.g. a block mined before the subscription was
      // live) would make the book skip the missed one for good. A feed answer has no such hole: the newest
      // round wins.
      if (feeds.length > 0) {
        this.unwatch.push(
          ws.watchEvent({
            address: feeds,
            poll: false,
            onLogs: (logs) => this.onLiveLogs(logs as Log[], performance.now()),
            onError: (e) => this.log.warn({ err: String(e) }, "log subscription error (the next head reconciles)"),
          }),
        );
      }
      this.unwatch.push(
        // a skipped head is harmless: onHead syncs every block up to the one it is given
        // over a WebSocket transport viem subscribes to newHeads (eth_subscribe) by default
        ws.watchBlockNumber({
          onBlockNumber: (n) => this.enqueueHead(n),
          onError: (e) => this.log.warn({ err: String(e) }, "head subscription error"),
        }),
      );
      // The subscriptions go live only once their eth_subscribe round trips are answered, after "ready"
      // is logged, and a WebSocket can stall without an error: a block mined in that window (or missed
      // by a stalled subscription) would wait for the next notified head. The head is also polled over
      // HTTP, and a head past the synced block is processed like a notified one (onHead is idempotent).
      const timer = setInterval(() => void this.pollHead(), Math.max(this.cfg.pollMs, HEAD_FALLBACK_MIN_MS));
      timer.unref();
      this.unwatch.push(() => clearInterval(timer));
    } else {
      this.unwatch.push(
        this.ob.clients.publicClient.watchBlockNumber({
          poll: true,
          pollingInterval: this.cfg.pollMs,
          emitMissed: true,
          onBlockNumber: (n) => this.enqueueHead(n),
          onError: (e) => this.log.warn({ err: String(e) }, "polling error"),
        }),
      );
    }
  }

  private resubscribeIfFeedsChanged(): void {
    const key = this.ob.sync.feedAddresses().join(",");
    if (key === this.feedsKey || this.stopped) return;
    this.log.info({ feeds: key }, "feeds changed: resubscribing");
    for (const u of this.unwatch) u();
    this.unwatch = [];
    this.subscribe();
  }

  // ---------------------------------------------------------------- triggers

  /**
   * Live logs arrive one notification per log: those that arrive together (the same WebSocket read) are
   * applied as one batch on the next turn of the event loop, so several feeds updated in one block are
   * evaluated at their new prices together rather than through a mix of new and old prices that never
   * held on chain. The reaction time still counts from the first log's arrival.
   */
  private onLiveLogs(raw: Log[], receivedAt: number): void {
    if (this.stopped) return;
    if (this.liveBatch === undefined) {
      this.liveBatch = { logs: [], receivedAt };
      setImmediate(() => this.flushLiveLogs());
    }
    this.liveBatch.logs.push(...raw);
  }

  private flushLiveLogs(): void {
    const batch = this.liveBatch;
    this.liveBatch = undefined;
    if (batch === undefined || this.stopped) return;
    const raw = batch.logs;
    if (raw.some((l) => l.removed)) {
      this.log.warn("a subscribed log was removed (reorg): the next head reconciles from the logs");
      return;
    }
    try {
      const applied = this.ob.sync.applyLive(raw);
      this.process(applied.vaultLogs, applied.feedLogs, batch.receivedAt);
    } catch (e) {
      this.log.error({ err: String(e) }, "applying live logs failed (the next head reconciles)");
    }
  }

  private async pollHead(): Promise<void> {
    if (this.stopped) return;
    try {
      const n = await this.ob.clients.publicClient.getBlockNumber({ cacheTime: 0 });
      if (n > this.ob.sync.syncedTo) this.enqueueHead(n);
    } catch (e) {
      this.log.debug({ err: String(e) }, "head poll failed (the subscription still runs)");
    }
  }

  private enqueueHead(n: bigint): void {
    this.headQueue = this.headQueue.then(() => this.onHead(n)).catch((e: unknown) => this.log.error({ err: String(e) }, "head processing failed"));
  }

  private async onHead(n: bigint): Promise<void> {
    if (this.stopped) return;
    const { publicClient } = this.ob.clients;
    const block = await publicClient.getBlock({ blockNumber: n });
    if (await this.reorganised(block)) {
      await this.recoverFromReorg(block);
      return;
    }
    if (n <= this.ob.sync.syncedTo) return;
    const r = await this.ob.sync.syncTo(n);
    this.rememberHead(n, block.hash);
    this.headTimestamp = block.timestamp;
    this.process(r.vaultLogs, r.feedLogs, performance.now());
    this.resubscribeIfFeedsChanged();
    // the oracle's log and its block arrive together: the reaction's broadcasts go first
    await this.sink.broadcastsSettled?.(SWEEP_YIELD_MAX_MS);
    if (this.stopped) return;
    const sweep = this.engine.sweep(this.book, this.prices, this.nextTimestamp());
    this.stats.sweeps++;
    if (sweep.liquidatable.length > 0) this.dispatch(sweep.liquidatable, performance.now());
    await this.sink.onBlock(n, block.timestamp, block.baseFeePerGas ?? undefined);
    if (n - this.lastCheckpoint >= CHECKPOINT_EVERY_BLOCKS) {
      await this.ob.saveCheckpoint();
      this.lastCheckpoint = n;
    }
  }

  // ---------------------------------------------------------------- reorganisations

  private rememberHead(n: bigint, hash: Hex | null): void {
    if (hash === null) return;
    this.heads.set(n, hash);
    for (const k of this.heads.keys()) if (k + REMEMBERED_HEADS <= n) this.heads.delete(k);
  }

  /**
   * Whether the chain no longer holds a block the books have applied: the new block's parent, the block
   * at its own height, or (after skipped heads) the last synced block has another hash than the one seen.
   */
  private async reorganised(block: { number: bigint | null; hash: Hex | null; parentHash: Hex }): Promise<boolean> {
    const n = block.number;
    if (n === null) return false;
    const parent = this.heads.get(n - 1n);
    if (parent !== undefined) return parent !== block.parentHash;
    const same = this.heads.get(n);
    if (same !== undefined) return same !== block.hash;
    const synced = this.ob.sync.syncedTo;
    const seen = this.heads.get(synced);
    if (seen === undefined || synced >= n) return false;
    const now = await this.ob.clients.publicClient.getBlock({ blockNumber: synced });
    return now.hash !== seen;
  }

  /**
   * The book cannot take logs back: it is reopened from the checkpoint (when its block is still on the
   * chain) or from the start block, and synced to the new head; the index is rebuilt on it.
   */
  private async recoverFromReorg(block: { number: bigint | null; hash: Hex | null; timestamp: bigint }): Promise<void> {
    const n = block.number!;
    const t0 = performance.now();
    this.log.warn({ block: n, syncedTo: this.ob.sync.syncedTo }, "chain reorganisation below the synced block: reopening the book");
    await this.ob.reopen(n);
    this.heads.clear();
    this.rememberHead(n, block.hash);
    this.stats.reorgs++;
    this.headTimestamp = block.timestamp;
    this.lastCheckpoint = this.ob.sync.syncedTo;
    this.prices = this.book.pricesFromAnswers(this.ob.sync.feeds.answers());
    const ts = this.nextTimestamp();
    this.engine.rebuild(this.book, this.prices, ts);
    const sweep = this.engine.sweep(this.book, this.prices, ts);
    this.stats.sweeps++;
    this.log.info({ block: n, accounts: this.book.accounts.size, liquidatable: sweep.liquidatable.length, ms: Math.round(performance.now() - t0) }, "book reopened after the reorganisation");
    if (sweep.liquidatable.length > 0) this.dispatch(sweep.liquidatable, performance.now());
  }

  /** Vault logs update the index for the accounts they touch; feed logs are price updates. */
  private process(vaultLogs: VaultLog[], feedLogs: AggregatorLog[], receivedAt: number): void {
    const ts = this.nextTimestamp();
    if (vaultLogs.length > 0) {
      if (vaultLogs.some((l) => CONFIG_EVENTS.has(l.eventName))) {
        this.prices = this.book.pricesFromAnswers(this.ob.sync.feeds.answers());
        this.engine.rebuild(this.book, this.prices, ts);
      } else {
        this.engine.accountsChanged(touchedAccounts(vaultLogs), this.book, this.prices, ts);
      }
    }
    if (feedLogs.length === 0) return;
    const fresh = this.book.pricesFromAnswers(this.ob.sync.feeds.answers());
    for (const [asset, price] of fresh) {
      const old = this.prices.get(asset);
      if (old === price) continue;
      this.prices.set(asset, price);
      this.stats.oracleUpdates++;
      const r = this.engine.priceUpdate(asset, old, price, this.book, this.prices, ts);
      this.stats.evaluatedOnUpdates += r.evaluated;
      this.log.debug({ asset, price, evaluated: r.evaluated, liquidatable: r.liquidatable.length }, "oracle update");
      if (r.liquidatable.length > 0) this.dispatch(r.liquidatable, receivedAt);
    }
  }

  private dispatch(accounts: LiquidatableAccount[], receivedAt: number): void {
    this.stats.liquidatableSeen += accounts.length;
    this.sink.handle(accounts, this.prices, this.nextTimestamp(), receivedAt);
  }
}

/** Events that change parameters every account's health depends on. */
const CONFIG_EVENTS = new Set<string>([
  "AssetListed",
  "AssetParamsSet",
  "FeedSet",
  "GlobalParamsSet",
  "LiquidationThresholdChanged",
  "RiskGroupSet",
  "GroupThresholdChanged",
  "RateModelSet",
]);

/** Keys (`owner lower/subId`) of the accounts a batch of vault logs touched. */
export function touchedAccounts(logs: VaultLog[]): string[] {
  const keys = new Set<string>();
  for (const l of logs) {
    const a = l.args as { owner?: Address; subId?: number; fromSubId?: number; toSubId?: number };
    if (a.owner === undefined) continue;
    const owner = a.owner.toLowerCase();
    if (a.subId !== undefined) keys.add(`${owner}/${a.subId}`);
    if (a.fromSubId !== undefined) keys.add(`${owner}/${a.fromSubId}`);
    if (a.toSubId !== undefined) keys.add(`${owner}/${a.toSubId}`);
  }
  return [...keys];
}

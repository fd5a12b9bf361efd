/**
 * Where liquidatable accounts go: each is planned in bigint (best pair, repay within the keeper's funds,
 * profit after gas) and, in liquidate mode, handed to the executor (simulate, send, replace). In watch
 * mode the plans are only logged. Every skip is logged with its reason once per account and reason, and
 * every broadcast with its reaction time: from the trigger's arrival to the transaction's broadcast.
 */
import type { Address } from "viem";
import type { Logger } from "pino";
import type { KeeperConfig } from "../config/schema.ts";
import type { AccountBook } from "../book/accountBook.ts";
import type { Prices } from "../math/accountHealth.ts";
import { planLiquidation, skipMessage, type Plan, type PlanContext } from "../plan/planner.ts";
import { nativeUsdPriceFrom, type NativePriceSource } from "../plan/gasCost.ts";
import type { Executor, ExecutorEvent } from "../send/executor.ts";
import type { LiquidatableAccount, LiquidationSink } from "./keeperService.ts";

/** Gas estimate of one liquidation before the executor's own estimate (a 2x2 account measures ~235k). */
export const PLANNING_GAS_UNITS = 300_000n;

export interface SinkOptions {
  cfg: KeeperConfig;
  log: Logger;
  book: () => AccountBook;
  liquidator: Address | undefined;
  executor: Executor | undefined;
  /** each head's base fee, for the executor's fee quotes without an RPC on the hot path */
  onHead?: (baseFeePerGas: bigint, blockNumber: bigint) => void;
  /**
   * The last block the book has applied. An account the keeper liquidated in block B is not planned
   * again until the book has synced B: before that the book still shows it underwater, and the plan
   * could only be dropped by the simulation (an eth_call wasted, on a node busy with real work).
   */
  syncedTo?: () => bigint;
  /** the keeper's spendable funds per asset, refreshed each block */
  readFunds: () => Promise<{ balances: Map<number, bigint>; allowances: Map<number, bigint> }>;
}

export interface SinkStats {
  planned: number;
  skipped: number;
  broadcast: number;
  mined: number;
  reverted: number;
  dropped: number;
  reactionMs: number[];
}

export class PlanningSink implements LiquidationSink {
  readonly stats: SinkStats = { planned: 0, skipped: 0, broadcast: 0, mined: 0, reverted: 0, dropped: 0, reactionMs: [] };
  private readonly o: SinkOptions;
  private readonly nativePrice: NativePriceSource;
  private balances = new Map<number, bigint>();
  private allowances = new Map<number, bigint>();
  private baseFee = 0n;
  /** plan key -> when its trigger arrived */
  private readonly triggeredAt = new Map<string, number>();
  /** account -> last skip reason logged, so a skip is logged once until it changes */
  private readonly lastSkip = new Map<string, string>();
  /** plans handed to the executor and not yet broadcast (or given up) */
  private readonly beforeBroadcast = new Set<string>();
  /** each waiter's plans still before their broadcast, and how to wake it */
  private settledWaiters: Array<{ keys: Set<string>; wake: () => void }> = [];
  /** account -> block of the keeper's liquidation of it that the book has not synced yet */
  private readonly awaitingSync = new Map<string, bigint>();

  constructor(o: SinkOptions) {
    this.o = o;
    this.nativePrice =
      o.cfg.gasTokenAsset !== undefined
        ? { kind: "asset", asset: o.cfg.gasTokenAsset }
        : { kind: "fixed", usdWad: o.cfg.gasTokenUsd ?? 0n };
  }

  async init(): Promise<void> {
    await this.refreshFunds();
  }

  private async refreshFunds(): Promise<void> {
    if (this.o.liquidator === undefined) return;
    const f = await this.o.readFunds();
    this.balances = f.balances;
    this.allowances = f.allowances;
  }

  handle(accounts: LiquidatableAccount[], prices: Prices, timestamp: bigint, receivedAt: number): void {
    const { cfg, log } = this.o;
    const liquidator = this.o.liquidator ?? "0x0000000000000000000000000000000000000000";
    let nativeUsdPrice: bigint;
    try {
      nativeUsdPrice = nativeUsdPriceFrom(this.nativePrice, prices);
    } catch (e) {
      log.warn({ err: String(e) }, "cannot price gas: liquidations skipped");
      return;
    }
    const maxFeePerGas = minOf(cfg.maxFeeGwei, 2n * this.baseFee + cfg.priorityFeeGwei);
    const ctx: PlanContext = {
      book: this.o.book(),
      prices,
      timestamp,
      liquidator,
      balances: this.balances,
      allowances: this.allowances,
      gas: { gasUnits: PLANNING_GAS_UNITS, maxFeePerGas, nativeUsdPrice },
      minProfitUsd: cfg.minProfitUsd,
      // the profit gate is applied at minSeized, so a tolerance never lets an unprofitable plan through
      minSeizedToleranceBps: cfg.minSeizedToleranceBps,
    };
    const syncedTo = this.o.syncedTo?.();
    for (const a of accounts) {
      if (this.o.executor?.isInFlight(a.owner, a.subId)) continue;
      const liquidatedAt = this.awaitingSync.get(a.key);
      if (liquidatedAt !== undefined) {
        if (syncedTo !== undefined && syncedTo < liquidatedAt) continue;
        this.awaitingSync.delete(a.key);
      }
      const r = planLiquidation(ctx, a.owner, a.subId);
      if (r.kind !== "plan") {
        this.stats.skipped++;
        const why = skipMessage(r);
        if (this.lastSkip.get(a.key) !== why) {
          this.lastSkip.set(a.key, why);
          log.info({ account: `${a.owner}/${a.subId}`, healthFactor: a.healthFactor, reason: r.reason, why }, "liquidation skipped");
        }
        continue;
      }
      this.lastSkip.delete(a.key);
      this.stats.planned++;
      if (cfg.mode !== "liquidate" || this.o.executor === undefined) {
        log.info(planFields(r), "liquidatable (watch mode: not sent)");
        continue;
      }
      this.triggeredAt.set(a.key, receivedAt);
      this.beforeBroadcast.add(a.key);
      void this.o.executor.submit(r);
    }
  }

  /** The executor's events, as log lines (the simulation and the operators read these). */
  onExecutorEvent(e: ExecutorEvent): void {
    const { log } = this.o;
    const account = `${e.plan.owner}/${e.plan.subId}`;
    // a duplicate's "skipped" leaves the plan it duplicated in flight
    if (e.kind === "sent" || e.kind === "mined" || e.kind === "reverted" || e.kind === "dropped" || (e.kind === "skipped" && e.reason === "stopped")) {
      this.broadcastDone(e.key);
    }
    switch (e.kind) {
      case "sent": {
        this.stats.broadcast++;
        const trigger = this.triggeredAt.get(e.key);
        const reactionMs = trigger !== undefined && e.timing.broadcastAt !== undefined ? e.timing.broadcastAt - trigger : undefined;
        if (reactionMs !== undefined) this.stats.reactionMs.push(reactionMs);
        log.info({ account, txHash: e.hash, reactionMs, expectedProfitUsd: e.plan.expectedProfitUsd.toString() }, "liquidation broadcast");
        return;
      }
      case "mined":
      case "reverted":
        this.stats[e.kind]++;
        if (e.kind === "mined") this.awaitingSync.set(e.key, e.receipt.blockNumber);
        this.triggeredAt.delete(e.key);
        log.info({ account, kind: e.kind, txHash: e.receipt.hash, gasUsed: e.receipt.gasUsed }, "liquidation outcome");
        return;
      case "dropped":
        this.stats.dropped++;
        this.triggeredAt.delete(e.key);
        log.info({ account, kind: "dropped", reason: e.reason, normal: e.normal, errorName: e.errorName }, "liquidation outcome");
        return;
      case "skipped":
        return;
      default:
        log.debug({ account, kind: e.kind }, "executor");
    }
  }

  async onBlock(blockNumber: bigint, _timestamp: bigint, baseFeePerGas: bigint | undefined): Promise<void> {
    this.baseFee = baseFeePerGas ?? 0n;
    this.o.onHead?.(this.baseFee, blockNumber);
    await this.refreshFunds();
  }

  private broadcastDone(key: string): void {
    if (!this.beforeBroadcast.delete(key)) return;
    const waiting = this.settledWaiters;
    this.settledWaiters = [];
    for (const w of waiting) {
      w.keys.delete(key);
      if (w.keys.size === 0) w.wake();
      else this.settledWaiters.push(w);
    }
  }

  /**
   * Resolves once every plan handed to the executor so far has been broadcast or given up (plans handed
   * over later do not extend the wait), or after `maxWaitMs`. The head's full sweep waits on it: tens of
   * milliseconds of CPU on a large book, it would otherwise run between a reaction's simulations and
   * their broadcasts and delay them.
   */
  broadcastsSettled(maxWaitMs: number): Promise<void> {
    if (this.beforeBroadcast.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { keys: new Set(this.beforeBroadcast), wake: () => {} };
      const timer = setTimeout(() => {
        this.settledWaiters = this.settledWaiters.filter((w) => w !== waiter);
        resolve();
      }, maxWaitMs);
      waiter.wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.settledWaiters.push(waiter);
    });
  }

  async idle(): Promise<void> {
    await this.o.executor?.onIdle();
  }
}

function minOf(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function planFields(p: Plan) {
  return {
    account: `${p.owner}/${p.subId}`,
    debtAsset: p.debtAsset,
    collateralAsset: p.collateralAsset,
    repayAmount: p.repayAmount,
    minSeized: p.minSeized,
    expectedProfitUsd: p.expectedProfitUsd,
  };
}

/**
 * The executor: takes plans, and for each one simulates, sends, watches and (if stuck) replaces one
 * transaction, with bounded concurrency and the most profitable first.
 *
 * - Queue: p-queue with `concurrency` slots; a slot is held from the simulation until the transaction is
 *   mined or dropped, so `concurrency` is the number of liquidations in flight. No p-queue `timeout` (it
 *   would free the slot but not stop the task).
 * - Priority: p-queue wants a number; `priorityOf` maps the plan's expected profit (USD WAD) to whole units
 *   of 1e-4 USD, clamped to [0, Number.MAX_SAFE_INTEGER]: order-preserving to 0.0001 USD up to 9e11 USD,
 *   exact integer arithmetic (bigint division, then a safe integer). Equal priorities run first-in first-out.
 * - One transaction per liquidation: plans are keyed by account (`owner/subId`, owner lower-case). A plan
 *   for an account already in flight is not queued again: if the first one has not started yet, it is
 *   replaced by the newer plan (fresher numbers, new priority); either way the second submit resolves
 *   "skipped"/"duplicate". Every transaction of one liquidation (retries, replacements) carries the same
 *   nonce, so at most one of them can ever be mined; the nonce only changes when the node refused it.
 * - Before sending: `simulate` (eth_call of the exact arguments at `simulateAt`, default "pending"). A
 *   revert with Vault_NotLiquidatable / Vault_NoSuchPosition / Vault_ZeroRepay ("already-liquidated"),
 *   Vault_SeizedBelowMinimum ("front-run") or Vault_MustNotLeaveDust / Vault_CoolOff / Vault_Paused /
 *   Vault_GracePeriod ("changed") is a normal outcome: logged at info, dropped. Any other revert is
 *   dropped with a warning. Nothing is sent, nothing spent.
 * - Send: explicit nonce (NonceManager), gas limit = estimate + 20 % capped at `maxGasPerTx` (an estimate
 *   above it is dropped), EIP-1559 fees from fees.ts bounded by the plan's gas budget. The hash is known
 *   before the broadcast; a broadcast without an answer is retried as the same bytes, then watched as
 *   possibly sent. A nonce error resyncs the counter and signs again with a new nonce (only once the old
 *   one is known not to be ours), up to `maxSendAttempts`; any other refusal gives the nonce back, frees the
 *   account and resolves "dropped"/"send-failed".
 * - Replacement: if no receipt `replaceAfterBlocks` blocks (default 3) after the last broadcast (latest
 *   block >= broadcast block + N), the call is simulated again at "latest" (if it would now revert, no
 *   more is spent on it: no bump, keep watching), then sent again with the same nonce and both fees raised
 *   by at least 12.5 % (rounded up), never above the fee cap nor above the plan's gas budget (estimate *
 *   maxFeePerGas <= plan.gasBudgetWei, the profit before gas at minSeized): a bump past either is refused
 *   and the transaction is left as it is. Three blocks: a transaction priced at 2 * baseFee + tip stays
 *   includable for six full blocks, so three blocks without it means the tip lost the race.
 * - Outcomes: every step is an event (`onEvent`) and `submit` resolves with the final one: "mined",
 *   "reverted" (mined but failed), "dropped" (not sent, or its nonce was taken by another transaction),
 *   "skipped" (duplicate or stopped). Intermediate events: "sent", "replaced", "bump-refused". Each carries
 *   timings in ms from `now` (submitted, started, broadcast, finished) for reaction times.
 */
import PQueue from "p-queue";
import type { Hex } from "viem";
import type { Logger } from "../log.ts";
import type { Plan } from "../plan/planner.ts";
import { BPS, mulDivUp } from "../math/fullMath.ts";
import type { BlockTag, ExecutorChain, LiquidationCall, LiquidationTx, SimulationResult, TxReceiptInfo } from "./chain.ts";
import { ExecutorError, classifySendError } from "./errors.ts";
import { bumpFees, initialFees, type Eip1559Fees, type FeeLimits } from "./fees.ts";
import { NonceManager } from "./nonceManager.ts";

/** What the executor needs of a plan. */

/** Blocks to wait for the receipt of a transaction whose nonce the node already shows as used. */
const NONCE_CONSUMED_GRACE_BLOCKS = 2n;
export type ExecutablePlan = Pick<
  Plan,
  "owner" | "subId" | "debtAsset" | "collateralAsset" | "repayAmount" | "minSeized" | "expectedProfitUsd" | "gasBudgetWei"
> & { /** the planner's gas estimate (used for the fee budget when the limit is fixed in advance) */ gasUnits?: bigint };

/** Replace a transaction not mined this many blocks after its broadcast. */
export const DEFAULT_REPLACE_AFTER_BLOCKS = 3n;
/** Gas limit = estimate * (1 + 20 %). */
export const DEFAULT_GAS_LIMIT_MARGIN_BPS = 2_000n;
export const DEFAULT_MAX_SEND_ATTEMPTS = 3;

/** 1e-4 USD in USD WAD: the resolution of the queue priority. */
const PRIORITY_UNIT = 10n ** 14n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The p-queue priority of a profit (USD WAD): floor(profit / 1e14) clamped to [0, MAX_SAFE_INTEGER]. */
export function priorityOf(profitUsd: bigint): number {
  if (profitUsd <= 0n) return 0;
  const units = profitUsd / PRIORITY_UNIT;
  return Number(units > MAX_SAFE ? MAX_SAFE : units);
}

/** The dedupe key of an account. */
export function liquidationKey(owner: string, subId: number): string {
  return `${owner.toLowerCase()}/${subId}`;
}

export interface Timing {
  /** when `submit` was called (ms, options.now) */
  submittedAt: number;
  /** when the queue started it */
  startedAt?: number;
  /** when the first transaction was broadcast */
  broadcastAt?: number;
  /** when the outcome was known */
  finishedAt?: number;
}

export type DropReason =
  /** simulation: the account is no longer liquidatable or the position is gone */
  | "already-liquidated"
  /** simulation: the liquidation would pay less than minSeized */
  | "front-run"
  /** simulation: another normal revert (dust, cool-off, paused, grace) */
  | "changed"
  /** simulation: an unexpected revert */
  | "simulation-failed"
  | "gas-above-max"
  /** the fees needed now exceed the cap or the plan's gas budget */
  | "unprofitable-at-send"
  | "send-failed"
  /** our nonce was mined by a transaction that is not ours */
  | "nonce-consumed"
  /** the executor stopped while the transaction was pending */
  | "abandoned"
  /** an RPC failure before anything was sent */
  | "error";

interface EventBase {
  key: string;
  plan: ExecutablePlan;
  timing: Timing;
}

export type ExecutorEvent = EventBase &
  (
    | { kind: "skipped"; reason: "duplicate" | "stopped"; updatedQueuedPlan: boolean }
    | { kind: "dropped"; reason: DropReason; normal: boolean; errorName?: string | undefined; detail?: string | undefined }
    | {
        kind: "sent";
        hash: Hex;
        nonce: number;
        gasLimit: bigint;
        fees: Eip1559Fees;
        simulated: { repaid: bigint; toLiquidator: bigint; gas: bigint };
        /** false when the node did not answer: the transaction may not have arrived (watched and replaced as usual) */
        confirmed: boolean;
      }
    | { kind: "replaced"; hash: Hex; replacedHash: Hex; nonce: number; fees: Eip1559Fees; previousFees: Eip1559Fees; blockNumber: bigint }
    | {
        kind: "bump-refused";
        hash: Hex;
        nonce: number;
        reason: "cap" | "budget" | "would-revert";
        fees: Eip1559Fees;
        detail: string;
      }
    | { kind: "mined" | "reverted"; receipt: TxReceiptInfo; nonce: number; replacements: number }
  );

export type ExecutionOutcome = Extract<ExecutorEvent, { kind: "skipped" | "dropped" | "mined" | "reverted" }>;

export interface ExecutorOptions {
  chain: ExecutorChain;
  log: Logger;
  /** liquidations in flight at once (config `concurrency`) */
  concurrency: number;
  /** gas limit ceiling (config `maxGasPerTx`) */
  maxGasPerTx: bigint;
  /** maxFeePerGas ceiling, wei (config `maxFeeGwei`) */
  maxFeePerGas: bigint;
  /** maxPriorityFeePerGas, wei (config `priorityFeeGwei`) */
  priorityFeePerGas: bigint;
  /** receipt polling interval (ms; config `pollMs`) */
  pollMs: number;
  replaceAfterBlocks?: bigint;
  gasLimitMarginBps?: bigint;
  maxSendAttempts?: number;
  simulateAt?: BlockTag;
  /** shared with anything else sending from the same key; default: a new one on `chain` */
  nonces?: NonceManager;
  onEvent?: (e: ExecutorEvent) => void;
  /**
   * A gas limit for a plan, known before sending: the simulation then runs under it (proving it suffices)
   * and no eth_estimateGas is made. Undefined (the default): estimate, then add `gasLimitMarginBps`.
   */
  gasLimitOf?: (plan: ExecutablePlan) => bigint;
  /** clock for timings (ms) */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The executor settings that come from the keeper's config. */
export function executorSettings(cfg: {
  concurrency: number;
  maxGasPerTx: bigint;
  maxFeeGwei: bigint;
  priorityFeeGwei: bigint;
  pollMs: number;
}): Pick<ExecutorOptions, "concurrency" | "maxGasPerTx" | "maxFeePerGas" | "priorityFeePerGas" | "pollMs"> {
  // the schema turns the gwei settings into wei
  return {
    concurrency: cfg.concurrency,
    maxGasPerTx: cfg.maxGasPerTx,
    maxFeePerGas: cfg.maxFeeGwei,
    priorityFeePerGas: cfg.priorityFeeGwei,
    pollMs: cfg.pollMs,
  };
}

const ALREADY_LIQUIDATED = new Set(["Vault_NotLiquidatable", "Vault_NoSuchPosition", "Vault_ZeroRepay"]);
const FRONT_RUN = new Set(["Vault_SeizedBelowMinimum"]);
const CHANGED = new Set(["Vault_MustNotLeaveDust", "Vault_CoolOff", "Vault_Paused", "Vault_GracePeriod"]);

/** How a simulated revert is reported: the drop reason, and whether it is a normal outcome. */
export function classifyRevert(errorName: string | undefined): { reason: DropReason; normal: boolean } {
  if (errorName !== undefined && ALREADY_LIQUIDATED.has(errorName)) return { reason: "already-liquidated", normal: true };
  if (errorName !== undefined && FRONT_RUN.has(errorName)) return { reason: "front-run", normal: true };
  if (errorName !== undefined && CHANGED.has(errorName)) return { reason: "changed", normal: true };
  return { reason: "simulation-failed", normal: false };
}

interface Entry {
  key: string;
  id: string;
  plan: ExecutablePlan;
  state: "queued" | "running";
  timing: Timing;
}

/** One broadcast of the liquidation's nonce. */
interface SentTx {
  hash: Hex;
  fees: Eip1559Fees;
}

const bigintJson = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));

export class Executor {
  readonly #o: Required<Omit<ExecutorOptions, "onEvent" | "nonces" | "gasLimitOf">> & Pick<ExecutorOptions, "onEvent" | "gasLimitOf">;
  readonly #nonces: NonceManager;
  readonly #queue: PQueue;
  readonly #entries = new Map<string, Entry>();
  #seq = 0;
  #stopped = false;

  constructor(options: ExecutorOptions) {
    if (!(options.concurrency >= 1)) throw new ExecutorError(`concurrency must be at least 1, got ${options.concurrency}`);
    this.#o = {
      replaceAfterBlocks: DEFAULT_REPLACE_AFTER_BLOCKS,
      gasLimitMarginBps: DEFAULT_GAS_LIMIT_MARGIN_BPS,
      maxSendAttempts: DEFAULT_MAX_SEND_ATTEMPTS,
      simulateAt: "pending",
      now: () => Date.now(),
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      ...options,
    };
    if (this.#o.replaceAfterBlocks < 1n) throw new ExecutorError("replaceAfterBlocks must be at least 1");
    this.#nonces = options.nonces ?? new NonceManager(options.chain);
    this.#queue = new PQueue({ concurrency: options.concurrency });
  }

  /** Liquidations queued or running. */
  get inFlight(): number {
    return this.#entries.size;
  }

  isInFlight(owner: string, subId: number): boolean {
    return this.#entries.has(liquidationKey(owner, subId));
  }

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    return this.#queue.onIdle();
  }

  /** Queue a plan; resolves with its final outcome (never rejects). */
  submit(plan: ExecutablePlan): Promise<ExecutionOutcome> {
    const key = liquidationKey(plan.owner, plan.subId);
    const submittedAt = this.#o.now();
    if (this.#stopped) {
      return Promise.resolve(this.#finish({ key, id: "", plan, state: "queued", timing: { submittedAt } }, {
        kind: "skipped",
        reason: "stopped",
        updatedQueuedPlan: false,
      }));
    }
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      const update = existing.state === "queued";
      if (update) {
        existing.plan = plan;
        this.#queue.setPriority(existing.id, priorityOf(plan.expectedProfitUsd));
      }
      const e: ExecutionOutcome = {
        kind: "skipped",
        reason: "duplicate",
        updatedQueuedPlan: update,
        key,
        plan,
        timing: { submittedAt, finishedAt: submittedAt },
      };
      this.#emit(e);
      return Promise.resolve(e);
    }
    const entry: Entry = { key, id: `liq-${++this.#seq}`, plan, state: "queued", timing: { submittedAt } };
    this.#entries.set(key, entry);
    return this.#queue
      .add(() => this.#run(entry), { priority: priorityOf(plan.expectedProfitUsd), id: entry.id })
      .catch((err: unknown) => {
        // cleared by stop() before it started, or a bug in #run (which catches everything it expects)
        if (this.#stopped) return this.#finish(entry, { kind: "skipped", reason: "stopped", updatedQueuedPlan: false });
        return this.#finish(entry, { kind: "dropped", reason: "error", normal: false, detail: String(err) });
      });
  }

  /** Stop: queued plans resolve "skipped"/"stopped", pending transactions stop being watched ("abandoned"). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#queue.clear();
    await this.#queue.onIdle();
  }

  // ================================================================ one liquidation

  async #run(entry: Entry): Promise<ExecutionOutcome> {
    entry.state = "running";
    entry.timing.startedAt = this.#o.now();
    if (this.#stopped) return this.#finish(entry, { kind: "skipped", reason: "stopped", updatedQueuedPlan: false });
    const plan = entry.plan;
    const call: LiquidationCall = {
      owner: plan.owner,
      subId: plan.subId,
      debtAsset: plan.debtAsset,
      collateralAsset: plan.collateralAsset,
      repayAmount: plan.repayAmount,
      minSeized: plan.minSeized,
    };

    let sim: SimulationResult;
    let baseFeePerGas: bigint;
    let sentAtBlock: bigint;
    // Hot path: one eth_call under the gas limit (no eth_estimateGas) while the fees come from the head.
    const fixedLimit = this.#o.gasLimitOf?.(plan);
    try {
      const [simulated, fees] = await Promise.all([
        this.#o.chain.simulate(call, this.#o.simulateAt, fixedLimit),
        this.#o.chain.fees(),
      ]);
      sim = simulated;
      if (!sim.ok) {
        const c = classifyRevert(sim.errorName);
        return this.#finish(entry, { kind: "dropped", ...c, errorName: sim.errorName, detail: sim.message });
      }
      ({ baseFeePerGas, blockNumber: sentAtBlock } = fees);
    } catch (err) {
      return this.#finish(entry, { kind: "dropped", reason: "error", normal: false, detail: String(err) });
    }
    if (sim.gas > this.#o.maxGasPerTx) {
      return this.#finish(entry, {
        kind: "dropped",
        reason: "gas-above-max",
        normal: false,
        detail: `estimate ${sim.gas} > maxGasPerTx ${this.#o.maxGasPerTx}`,
      });
    }
    const gasLimit =
      fixedLimit !== undefined ? min(fixedLimit, this.#o.maxGasPerTx) : min(mulDivUp(sim.gas, BPS + this.#o.gasLimitMarginBps, BPS), this.#o.maxGasPerTx);
    // the fee budget is checked on the gas the liquidation is expected to use, not on the limit
    const gasUnits = fixedLimit !== undefined ? (plan.gasUnits ?? sim.gas) : sim.gas;
    const limits: FeeLimits = { maxFeeCap: this.#o.maxFeePerGas, gasUnits, budgetWei: plan.gasBudgetWei };
    const quote = initialFees(baseFeePerGas, this.#o.priorityFeePerGas, limits);
    if (!quote.ok) {
      return this.#finish(entry, {
        kind: "dropped",
        reason: "unprofitable-at-send",
        normal: true,
        detail: `needs maxFeePerGas >= ${quote.needed} (base ${baseFeePerGas} + tip); the ${quote.reason} allows ${quote.limit}`,
      });
    }

    // ---- first broadcast
    const sent: SentTx[] = [];
    let nonce = -1;
    let confirmed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        nonce = await this.#nonces.next();
      } catch (err) {
        return this.#finish(entry, { kind: "dropped", reason: "error", normal: false, detail: `nonce: ${String(err)}` });
      }
      const r = await this.#broadcastNew({ call, nonce, gas: gasLimit, ...quote.fees }, sent);
      if (r.kind === "sent") {
        confirmed = r.confirmed;
        break;
      }
      if (r.kind === "retry-new-nonce" && attempt < this.#o.maxSendAttempts) {
        this.#o.log.warn({ key: entry.key, nonce, attempt, error: r.detail }, "nonce refused; resyncing and signing again");
        continue;
      }
      if (r.kind === "refused") this.#nonces.release(nonce);
      return this.#finish(entry, { kind: "dropped", reason: "send-failed", normal: false, detail: r.detail });
    }
    entry.timing.broadcastAt = this.#o.now();
    const first = sent[sent.length - 1]!;
    this.#emit({
      kind: "sent",
      key: entry.key,
      plan,
      timing: entry.timing,
      hash: first.hash,
      nonce,
      gasLimit,
      fees: first.fees,
      simulated: { repaid: sim.repaid, toLiquidator: sim.toLiquidator, gas: sim.gas },
      confirmed,
    });

    return this.#watch(entry, call, nonce, gasLimit, limits, sent, sentAtBlock);
  }

  /**
   * Sign and broadcast a transaction with a new nonce. The hash goes into `sent` once the node may have it,
   * so a broadcast with no answer is watched (and replaced with the same nonce) rather than forgotten.
   * "retry-new-nonce" and "refused" are only returned when the node certainly does not hold these bytes.
   */
  async #broadcastNew(
    tx: LiquidationTx,
    sent: SentTx[],
  ): Promise<{ kind: "sent"; confirmed: boolean } | { kind: "retry-new-nonce"; detail: string } | { kind: "refused"; detail: string }> {
    let signed;
    try {
      signed = await this.#o.chain.sign(tx);
    } catch (err) {
      return { kind: "refused", detail: `signing failed: ${String(err)}` };
    }
    const fees = { maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas };
    const possiblySent = () => {
      sent.push({ hash: signed.hash, fees });
      return { kind: "sent" as const, confirmed: false };
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#o.chain.broadcast(signed.raw);
        sent.push({ hash: signed.hash, fees });
        return { kind: "sent", confirmed: true };
      } catch (err) {
        const kind = classifySendError(err);
        const detail = `${kind}: ${err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)}`;
        if (kind === "already-known") {
          sent.push({ hash: signed.hash, fees });
          return { kind: "sent", confirmed: true };
        }
        if (kind === "unreachable") {
          // maybe it arrived: send the same bytes again (harmless), at worst watch it as possibly sent
          if (attempt < this.#o.maxSendAttempts) continue;
          return possiblySent();
        }
        // an earlier attempt of these bytes got no answer and may be pending or mined: the watch loop
        // finds out (receipt, nonce taken, or a replacement with this nonce)
        if (attempt > 1) return possiblySent();
        if (kind === "nonce-too-low" || kind === "nonce-too-high" || kind === "underpriced") {
          this.#nonces.resync();
          return { kind: "retry-new-nonce", detail };
        }
        return { kind: "refused", detail };
      }
    }
  }

  /** Wait for a receipt of any of `sent` (same nonce), replacing the transaction while it is stuck. */
  async #watch(
    entry: Entry,
    call: LiquidationCall,
    nonce: number,
    gasLimit: bigint,
    limits: FeeLimits,
    sent: SentTx[],
    sentAtBlock: bigint,
  ): Promise<ExecutionOutcome> {
    const { chain, log } = this.#o;
    let lastBroadcastBlock = sentAtBlock;
    let lastSeenBlock = -1n;
    let bumping = true;
    let nonceConsumedAt: bigint | undefined;
    let current = sent[sent.length - 1]!;
    for (;;) {
      if (this.#stopped) {
        return this.#finish(entry, {
          kind: "dropped",
          reason: "abandoned",
          normal: false,
          detail: `executor stopped with nonce ${nonce} pending (${sent.map((s) => s.hash).join(", ")})`,
        });
      }
      try {
        const receipt = await this.#findReceipt(sent);
        if (receipt !== undefined) return this.#mined(entry, receipt, nonce, sent.length - 1);
        const block = await chain.blockNumber();
        if (block > lastSeenBlock) {
          lastSeenBlock = block;
          if ((await chain.nonce("latest")) > nonce) {
            const late = await this.#findReceipt(sent);
            if (late !== undefined) return this.#mined(entry, late, nonce, sent.length - 1);
            // A node can show the nonce used before it serves the receipt (anvil, measured: 9 of 101 of
            // ours in one bench run): only once the receipt is still missing NONCE_CONSUMED_GRACE_BLOCKS
            // later is the nonce taken to be someone else's.
            nonceConsumedAt ??= block;
            if (block < nonceConsumedAt + NONCE_CONSUMED_GRACE_BLOCKS) {
              await this.#o.sleep(this.#o.pollMs);
              continue;
            }
            return this.#finish(entry, {
              kind: "dropped",
              reason: "nonce-consumed",
              normal: false,
              detail: `nonce ${nonce} was mined by a transaction that is not ours`,
            });
          }
          if (bumping && block >= lastBroadcastBlock + this.#o.replaceAfterBlocks) {
            const r = await this.#replace(entry, call, nonce, gasLimit, limits, current, block);
            if (r.kind === "replaced") {
              sent.push(r.tx);
              current = r.tx;
              lastBroadcastBlock = block;
            } else if (r.kind === "stop-bumping") {
              bumping = false;
            } else if (r.kind === "lost") {
              return this.#finish(entry, { kind: "dropped", reason: "send-failed", normal: false, detail: r.detail });
            } else if (r.kind === "escalate") {
              // refused as underpriced, or no answer: try again after another N blocks from these fees
              if (r.tx !== undefined) sent.push(r.tx);
              current = r.escalated;
              lastBroadcastBlock = block;
            }
          }
        }
      } catch (err) {
        log.warn({ key: entry.key, nonce, err: String(err) }, "watching a liquidation: RPC error, retrying");
      }
      await this.#o.sleep(this.#o.pollMs);
    }
  }

  async #replace(
    entry: Entry,
    call: LiquidationCall,
    nonce: number,
    gasLimit: bigint,
    limits: FeeLimits,
    current: SentTx,
    block: bigint,
  ): Promise<
    | { kind: "replaced"; tx: SentTx }
    | { kind: "stop-bumping" }
    | { kind: "escalate"; escalated: SentTx; tx: SentTx | undefined }
    | { kind: "lost"; detail: string }
    | { kind: "wait" }
  > {
    const { chain, log } = this.#o;
    const refused = (reason: "cap" | "budget" | "would-revert", detail: string) => {
      this.#emit({ kind: "bump-refused", key: entry.key, plan: entry.plan, timing: entry.timing, hash: current.hash, nonce, reason, fees: current.fees, detail });
      return { kind: "stop-bumping" as const };
    };
    // without our pending transaction, would it still succeed? If not, spend nothing more on it.
    const sim = await chain.simulate(call, "latest");
    if (!sim.ok) return refused("would-revert", `${sim.errorName ?? "revert"}: ${sim.message}`);
    const { baseFeePerGas } = await chain.fees();
    const q = bumpFees(current.fees, baseFeePerGas, limits);
    if (!q.ok) return refused(q.reason, `a 12.5% bump needs maxFeePerGas ${q.needed}; the ${q.reason} allows ${q.limit}`);
    const tx: LiquidationTx = { call, nonce, gas: gasLimit, ...q.fees };
    const signed = await chain.sign(tx);
    const next: SentTx = { hash: signed.hash, fees: q.fees };
    try {
      await chain.broadcast(signed.raw);
    } catch (err) {
      const kind = classifySendError(err);
      if (kind === "already-known") {
        /* fall through: it is there */
      } else if (kind === "underpriced" || kind === "unreachable") {
        log.warn({ key: entry.key, nonce, kind, err: String(err) }, "replacement not accepted; trying higher after more blocks");
        return { kind: "escalate", escalated: next, tx: kind === "unreachable" ? next : undefined };
      } else if (kind === "nonce-too-high") {
        // the node holds nothing at this nonce and sees a gap below it: none of ours is pending
        this.#nonces.resync();
        return { kind: "lost", detail: `replacement refused (${kind}): nonce ${nonce} is not pending; ${String(err)}` };
      } else {
        // nonce too low: one of ours (or another) was mined, the watch loop sees which
        log.info({ key: entry.key, nonce, kind, err: String(err) }, "replacement refused");
        return { kind: "wait" };
      }
    }
    this.#emit({
      kind: "replaced",
      key: entry.key,
      plan: entry.plan,
      timing: entry.timing,
      hash: next.hash,
      replacedHash: current.hash,
      nonce,
      fees: next.fees,
      previousFees: current.fees,
      blockNumber: block,
    });
    return { kind: "replaced", tx: next };
  }

  async #findReceipt(sent: SentTx[]): Promise<TxReceiptInfo | undefined> {
    for (let i = sent.length - 1; i >= 0; i--) {
      const r = await this.#o.chain.receipt(sent[i]!.hash);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  #mined(entry: Entry, receipt: TxReceiptInfo, nonce: number, replacements: number): ExecutionOutcome {
    return this.#finish(entry, { kind: receipt.status === "success" ? "mined" : "reverted", receipt, nonce, replacements });
  }

  // ================================================================ outcomes

  #finish(entry: Entry, o: DistributiveOmit<ExecutionOutcome, "key" | "plan" | "timing">): ExecutionOutcome {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    entry.timing.finishedAt = this.#o.now();
    const outcome = { ...o, key: entry.key, plan: entry.plan, timing: entry.timing } as ExecutionOutcome;
    this.#emit(outcome);
    return outcome;
  }

  #emit(event: ExecutorEvent): void {
    const { log } = this.#o;
    const e = { ...event, timing: { ...event.timing } }; // a snapshot: the entry's timing keeps changing
    const fields = bigintJson({ ...e, plan: undefined, owner: e.plan.owner, subId: e.plan.subId, debtAsset: e.plan.debtAsset, collateralAsset: e.plan.collateralAsset, expectedProfitUsd: e.plan.expectedProfitUsd }) as object;
    switch (e.kind) {
      case "skipped":
        log.debug(fields, `liquidation skipped: ${e.reason}`);
        break;
      case "dropped":
        if (e.normal) log.info(fields, `liquidation dropped: ${e.reason}`);
        else log.warn(fields, `liquidation dropped: ${e.reason}`);
        break;
      case "reverted":
        log.warn(fields, "liquidation mined but reverted");
        break;
      default:
        log.info(fields, `liquidation ${e.kind}`);
    }
    try {
      this.#o.onEvent?.(e);
    } catch (err) {
      log.error({ err: String(err) }, "executor onEvent listener threw");
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

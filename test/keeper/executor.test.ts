/**
 * The executor (keeper/src/send/): fees and nonces as units, then the executor against a fake chain (a
 * mempool keyed by nonce with a 10 % replacement rule, blocks mined on demand): dedupe, priority order,
 * replacement after N blocks with +12.5 % fees (exact numbers), no bump past the cap or the plan's gas
 * budget, "already liquidated" as a normal outcome, nonce sequencing and resync, a failed send freeing the
 * account. Last, one liquidation planned from the event-built book and executed through the viem chain on
 * Hardhat's in-process chain, checked against the vault's Liquidated event and the liquidator's balances.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { pino } from "pino";
import {
  createWalletClient,
  custom,
  parseEventLogs,
  parseUnits,
  type Address,
  type Hex,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import type { BlockTag, ExecutorChain, LiquidationCall, LiquidationTx, SignedTx, SimulationResult, TxReceiptInfo } from "../../keeper/src/send/chain.ts";
import { SendRejected, classifySendError } from "../../keeper/src/send/errors.ts";
import { MIN_BUMP_BPS, bumpFees, bumped, initialFees } from "../../keeper/src/send/fees.ts";
import { NonceManager } from "../../keeper/src/send/nonceManager.ts";
import {
  Executor,
  classifyRevert,
  executorSettings,
  priorityOf,
  type ExecutablePlan,
  type ExecutionOutcome,
  type ExecutorEvent,
  type ExecutorOptions,
} from "../../keeper/src/send/executor.ts";
import { ViemChain } from "../../keeper/src/send/viemChain.ts";
import { readLiquidatorFunds } from "../../keeper/src/send/funds.ts";
import { ensureVaultAllowances } from "../../keeper/src/send/allowances.ts";
import { planLiquidation } from "../../keeper/src/plan/planner.ts";
import { nativeUsdPriceFrom } from "../../keeper/src/plan/gasCost.ts";
import { vaultAbi } from "../../keeper/src/chain/abi.ts";
import { valueDown, valueUp } from "../../keeper/src/math/healthMath.ts";
import { deployVaultNoInterest, USDC, WETH } from "../fixtures/vaultTestKit.ts";
import { bookFromChain } from "./bookFromChain.ts";

const GWEI = 10n ** 9n;
const WAD = 10n ** 18n;
const silent = pino({ level: "silent" });
const LQ = "0x000000000000000000000000000000000000F00D" as Address;
const owner = (i: number) => `0x${(0xa000 + i).toString(16).padStart(40, "0")}` as Address;

// ------------------------------------------------------------------ units

describe("fees (EIP-1559)", () => {
  const limits = { maxFeeCap: 500n * GWEI, gasUnits: 200_000n, budgetWei: 10n ** 18n };

  it("first send: min(cap, 2 * base + tip, budget / gas); refused below base + tip", () => {
    assert.deepEqual(initialFees(10n * GWEI, GWEI, limits), { ok: true, fees: { maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: GWEI } });
    assert.deepEqual(initialFees(10n * GWEI, GWEI, { ...limits, maxFeeCap: 15n * GWEI }), { ok: true, fees: { maxFeePerGas: 15n * GWEI, maxPriorityFeePerGas: GWEI } });
    // budget 3e15 wei over 200k gas: 15 gwei per gas at most
    assert.deepEqual(initialFees(10n * GWEI, GWEI, { ...limits, budgetWei: 3n * 10n ** 15n }), { ok: true, fees: { maxFeePerGas: 15n * GWEI, maxPriorityFeePerGas: GWEI } });
    assert.deepEqual(initialFees(10n * GWEI, GWEI, { ...limits, maxFeeCap: 10n * GWEI }), { ok: false, reason: "cap", limit: 10n * GWEI, needed: 11n * GWEI });
    assert.deepEqual(initialFees(10n * GWEI, GWEI, { ...limits, budgetWei: 2n * 10n ** 15n }), { ok: false, reason: "budget", limit: 10n * GWEI, needed: 11n * GWEI });
  });

  it("a bump raises both fees by 12.5 % rounded up, follows a risen base fee, and stops at the cap or the budget", () => {
    assert.equal(MIN_BUMP_BPS, 1_250n);
    assert.equal(bumped(21n * GWEI), 23_625_000_000n);
    assert.equal(bumped(21_000_000_002n), 23_625_000_003n, "rounded up");
    assert.equal(bumped(1n), 2n);
    const prev = { maxFeePerGas: 21n * GWEI, maxPriorityFeePerGas: GWEI };
    assert.deepEqual(bumpFees(prev, 10n * GWEI, limits), { ok: true, fees: { maxFeePerGas: 23_625_000_000n, maxPriorityFeePerGas: 1_125_000_000n } });
    // base fee rose to 20 gwei: 2 * 20 + 1.125
    assert.deepEqual(bumpFees(prev, 20n * GWEI, limits), { ok: true, fees: { maxFeePerGas: 41_125_000_000n, maxPriorityFeePerGas: 1_125_000_000n } });
    // ... but the budget allows 30 gwei: 30 (still >= +12.5 %)
    assert.deepEqual(bumpFees(prev, 20n * GWEI, { ...limits, budgetWei: 30n * GWEI * 200_000n }), { ok: true, fees: { maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 1_125_000_000n } });
    assert.deepEqual(bumpFees(prev, 10n * GWEI, { ...limits, maxFeeCap: 23n * GWEI }), { ok: false, reason: "cap", limit: 23n * GWEI, needed: 23_625_000_000n });
    assert.deepEqual(bumpFees(prev, 10n * GWEI, { ...limits, budgetWei: 23n * GWEI * 200_000n }), { ok: false, reason: "budget", limit: 23n * GWEI, needed: 23_625_000_000n });
    assert.throws(() => bumpFees(prev, 10n * GWEI, limits, 1_000n), RangeError);
  });
});

describe("nonce manager", () => {
  it("seeds from the pending count, hands out consecutive nonces to concurrent callers, reuses a released last nonce, resyncs", async () => {
    let pending = 7;
    let reads = 0;
    const nm = new NonceManager({ nonce: async (tag: BlockTag) => (assert.equal(tag, "pending"), reads++, pending) });
    assert.deepEqual(await Promise.all([nm.next(), nm.next(), nm.next()]), [7, 8, 9]);
    assert.equal(reads, 1);
    nm.release(9);
    assert.equal(await nm.next(), 9, "the last one handed out is reused");
    nm.release(8); // not the last: a gap, filled by a resync
    pending = 8;
    assert.equal(await nm.next(), 8);
    assert.equal(reads, 2);
    pending = 20;
    nm.resync();
    assert.equal(nm.peek(), undefined);
    assert.equal(await nm.next(), 20);
    assert.equal(nm.peek(), 21);
  });
});

describe("executor: pure parts", () => {
  it("priority: profit in units of 1e-4 USD, order-preserving, clamped to [0, MAX_SAFE_INTEGER]", () => {
    assert.equal(priorityOf(-5n * WAD), 0);
    assert.equal(priorityOf(0n), 0);
    assert.equal(priorityOf(10n ** 14n - 1n), 0);
    assert.equal(priorityOf(WAD), 10_000);
    assert.equal(priorityOf(123_456_789n * WAD), 1_234_567_890_000);
    assert.equal(priorityOf(10n ** 40n), Number.MAX_SAFE_INTEGER);
    const profits = [0n, 1n, 10n ** 14n, 5n * WAD, 5n * WAD + 10n ** 14n, 10n ** 6n * WAD, 10n ** 30n];
    for (let i = 1; i < profits.length; i++) assert.ok(priorityOf(profits[i]!) >= priorityOf(profits[i - 1]!));
  });

  it("simulation reverts: already liquidated / front-run / changed are normal, others are not", () => {
    assert.deepEqual(classifyRevert("Vault_NotLiquidatable"), { reason: "already-liquidated", normal: true });
    assert.deepEqual(classifyRevert("Vault_NoSuchPosition"), { reason: "already-liquidated", normal: true });
    assert.deepEqual(classifyRevert("Vault_ZeroRepay"), { reason: "already-liquidated", normal: true });
    assert.deepEqual(classifyRevert("Vault_SeizedBelowMinimum"), { reason: "front-run", normal: true });
    assert.deepEqual(classifyRevert("Vault_MustNotLeaveDust"), { reason: "changed", normal: true });
    assert.deepEqual(classifyRevert("Vault_TransferShortfall"), { reason: "simulation-failed", normal: false });
    assert.deepEqual(classifyRevert(undefined), { reason: "simulation-failed", normal: false });
  });

  it("send errors are classified from SendRejected or the node's message", () => {
    assert.equal(classifySendError(new SendRejected("underpriced", "x")), "underpriced");
    assert.equal(classifySendError(new Error("Nonce too low. Expected nonce to be 5 but got 3.")), "nonce-too-low");
    assert.equal(classifySendError(new Error("outer", { cause: new Error("nonce too high") })), "nonce-too-high");
    assert.equal(classifySendError(new Error("replacement transaction underpriced")), "underpriced");
    assert.equal(classifySendError(new Error("already known")), "already-known");
    assert.equal(classifySendError(new Error("insufficient funds for gas * price + value")), "insufficient-funds");
    assert.equal(classifySendError(new Error("The request took too long to respond. (TimeoutError)")), "unreachable");
    assert.equal(classifySendError(new Error("execution reverted")), "other");
  });

  it("settings from the config: the gwei settings are already wei", () => {
    assert.deepEqual(executorSettings({ concurrency: 3, maxGasPerTx: 1_500_000n, maxFeeGwei: 500n * GWEI, priorityFeeGwei: GWEI, pollMs: 250 }), {
      concurrency: 3,
      maxGasPerTx: 1_500_000n,
      maxFeePerGas: 500n * GWEI,
      priorityFeePerGas: GWEI,
      pollMs: 250,
    });
  });
});

// ------------------------------------------------------------------ the fake chain

interface PoolTx {
  hash: Hex;
  tx: LiquidationTx;
}

/**
 * A chain for the executor: `sign` hands out unique hashes; `broadcast` puts a transaction in a mempool
 * keyed by nonce (nonce below the mined count: "nonce too low"; same nonce: a replacement needs both fees
 * +10 %, else "underpriced"; the same bytes again: "already known"); `mine()` mines the pool's
 * consecutive nonces into one block (`autoMine` does it on every broadcast).
 */
class FakeChain implements ExecutorChain {
  readonly address = LQ;
  block = 100n;
  baseFee = 10n * GWEI;
  mined = 0; // the sender's mined transaction count
  autoMine = false;
  revertOnMine = false;
  pool = new Map<number, PoolTx>();
  signed = new Map<Hex, LiquidationTx>();
  broadcasts: PoolTx[] = [];
  receipts = new Map<Hex, TxReceiptInfo>();
  simulations: { call: LiquidationCall; tag: BlockTag }[] = [];
  simulateWith: (call: LiquidationCall, tag: BlockTag) => Promise<SimulationResult> | SimulationResult = () => ({
    ok: true,
    repaid: 1n,
    toLiquidator: 1n,
    gas: 200_000n,
  });
  /** throw from a broadcast before the mempool sees it (return undefined to let it through) */
  failBroadcast: ((tx: LiquidationTx, attempt: number) => Error | undefined) | undefined;
  #hashSeq = 0;

  async simulate(call: LiquidationCall, tag: BlockTag): Promise<SimulationResult> {
    this.simulations.push({ call, tag });
    return this.simulateWith(call, tag);
  }

  async sign(tx: LiquidationTx): Promise<SignedTx> {
    const hash = `0x${(++this.#hashSeq).toString(16).padStart(64, "0")}` as Hex;
    this.signed.set(hash, tx);
    return { hash, raw: hash };
  }

  #attempts = new Map<Hex, number>();
  async broadcast(raw: Hex): Promise<void> {
    const tx = this.signed.get(raw)!;
    const attempt = (this.#attempts.get(raw) ?? 0) + 1;
    this.#attempts.set(raw, attempt);
    const fail = this.failBroadcast?.(tx, attempt);
    if (fail !== undefined) throw fail;
    if (tx.nonce < this.mined) throw new SendRejected("nonce-too-low", `nonce too low: ${tx.nonce} < ${this.mined}`);
    const prev = this.pool.get(tx.nonce);
    if (prev?.hash === raw) throw new SendRejected("already-known", "already known");
    if (prev !== undefined) {
      const enough = (a: bigint, b: bigint) => a * 100n >= b * 110n;
      if (!enough(tx.maxFeePerGas, prev.tx.maxFeePerGas) || !enough(tx.maxPriorityFeePerGas, prev.tx.maxPriorityFeePerGas)) {
        throw new SendRejected("underpriced", "replacement transaction underpriced");
      }
    }
    const entry = { hash: raw, tx };
    this.pool.set(tx.nonce, entry);
    this.broadcasts.push(entry);
    if (this.autoMine) this.mine();
  }

  /** Mine one block with the pool's consecutive nonces. */
  mine(): void {
    this.block++;
    for (let p = this.pool.get(this.mined); p !== undefined; p = this.pool.get(this.mined)) {
      this.pool.delete(this.mined);
      this.receipts.set(p.hash, {
        hash: p.hash,
        status: this.revertOnMine ? "reverted" : "success",
        blockNumber: this.block,
        gasUsed: 150_000n,
        effectiveGasPrice: this.baseFee + p.tx.maxPriorityFeePerGas,
      });
      this.mined++;
    }
  }

  /** Another transaction from the same key takes the next nonce. */
  external(): void {
    this.pool.delete(this.mined);
    this.mined++;
    this.block++;
  }

  /** receipts the node does not serve yet (a node that shows the nonce used before the receipt) */
  hiddenReceipts = new Set<Hex>();

  async receipt(hash: Hex): Promise<TxReceiptInfo | undefined> {
    return this.hiddenReceipts.has(hash) ? undefined : this.receipts.get(hash);
  }

  /** An empty block. */
  emptyBlock(): void {
    this.block++;
  }

  async fees() {
    return { baseFeePerGas: this.baseFee, blockNumber: this.block };
  }

  /** how many times the executor polled the block number */
  polls = 0;
  async blockNumber() {
    this.polls++;
    return this.block;
  }

  async nonce(tag: BlockTag) {
    if (tag === "latest") return this.mined;
    let n = this.mined;
    while (this.pool.has(n)) n++;
    return n;
  }
}

function planFor(i: number, profitUsd: bigint, over: Partial<ExecutablePlan> = {}): ExecutablePlan {
  return {
    owner: owner(i),
    subId: 0,
    debtAsset: 0,
    collateralAsset: 2,
    repayAmount: 1_000n + BigInt(i),
    minSeized: 900n,
    expectedProfitUsd: profitUsd * WAD,
    gasBudgetWei: 10n ** 17n,
    ...over,
  };
}

function setup(chain: FakeChain, over: Partial<ExecutorOptions> = {}) {
  const events: ExecutorEvent[] = [];
  const executor = new Executor({
    chain,
    log: silent,
    concurrency: 2,
    maxGasPerTx: 1_000_000n,
    maxFeePerGas: 500n * GWEI,
    priorityFeePerGas: GWEI,
    pollMs: 0,
    replaceAfterBlocks: 3n,
    sleep: () => new Promise((r) => setImmediate(r)),
    onEvent: (e) => events.push(e),
    ...over,
  });
  return { executor, events };
}

/** Poll until `cond` holds (the executor runs on its own between polls). */
async function until(cond: () => boolean, what: string, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Let the executor's watch loop poll the chain a few more times (to see that nothing happens). */
async function settle(chain: FakeChain, polls = 5): Promise<void> {
  const start = chain.polls;
  await until(() => chain.polls >= start + polls, `${polls} more polls`);
}

// ------------------------------------------------------------------ executor on the fake chain

describe("executor on a fake chain", () => {
  it("simulates, sends with explicit nonce, gas limit = estimate + 20 %, EIP-1559 fees; mined outcome with timings", async () => {
    const chain = new FakeChain();
    chain.mined = 4;
    let clock = 1_000;
    const { executor, events } = setup(chain, { now: () => clock++ });
    const p = planFor(1, 50n);
    const done = executor.submit(p);
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    assert.ok(executor.isInFlight(p.owner.toUpperCase().replace("0X", "0x"), 0), "keyed case-insensitively");
    chain.mine();
    const o = await done;
    assert.equal(o.kind, "mined");
    const sent = chain.broadcasts[0]!.tx;
    assert.deepEqual(sent, {
      call: { owner: p.owner, subId: 0, debtAsset: 0, collateralAsset: 2, repayAmount: p.repayAmount, minSeized: p.minSeized },
      nonce: 4,
      gas: 240_000n,
      maxFeePerGas: 21n * GWEI,
      maxPriorityFeePerGas: GWEI,
    });
    assert.deepEqual(chain.simulations.map((s) => s.tag), ["pending"]);
    assert.ok(o.kind === "mined" && o.receipt.hash === chain.broadcasts[0]!.hash && o.nonce === 4 && o.replacements === 0);
    assert.deepEqual(events.map((e) => e.kind), ["sent", "mined"]);
    const t = o.timing;
    assert.ok(t.submittedAt < t.startedAt! && t.startedAt! < t.broadcastAt! && t.broadcastAt! < t.finishedAt!);
    assert.equal(executor.inFlight, 0);
  });

  it("gas limit capped at maxGasPerTx; an estimate above it is dropped", async () => {
    const chain = new FakeChain();
    chain.autoMine = true;
    const { executor } = setup(chain, { maxGasPerTx: 230_000n });
    assert.equal((await executor.submit(planFor(1, 50n))).kind, "mined");
    assert.equal(chain.broadcasts[0]!.tx.gas, 230_000n);
    chain.simulateWith = () => ({ ok: true, repaid: 1n, toLiquidator: 1n, gas: 230_001n });
    const o = await executor.submit(planFor(2, 50n));
    assert.ok(o.kind === "dropped" && o.reason === "gas-above-max");
    assert.equal(chain.broadcasts.length, 1);
  });

  it("dedupe: two submits for one account send one transaction; a queued plan is replaced by the newer one", async () => {
    const chain = new FakeChain();
    const { executor } = setup(chain, { concurrency: 1 });
    const first = executor.submit(planFor(1, 50n));
    const second = await executor.submit(planFor(1, 60n));
    assert.ok(second.kind === "skipped" && second.reason === "duplicate" && !second.updatedQueuedPlan);
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    // account 2 waits behind account 1 (one slot); a newer plan for it replaces the queued one
    const queued = executor.submit(planFor(2, 10n, { repayAmount: 111n }));
    const dup = await executor.submit(planFor(2, 20n, { repayAmount: 222n }));
    assert.ok(dup.kind === "skipped" && dup.updatedQueuedPlan);
    assert.equal(executor.inFlight, 2);
    chain.mine();
    assert.equal((await first).kind, "mined");
    await until(() => chain.broadcasts.length === 2, "the second broadcast");
    chain.mine();
    const o = await queued;
    assert.equal(o.kind, "mined");
    assert.equal(o.plan.repayAmount, 222n);
    assert.equal(chain.broadcasts[1]!.tx.call.repayAmount, 222n);
    assert.equal(chain.broadcasts.length, 2, "one transaction per account");
  });

  it("priority: with the slot busy, waiting plans start by profit, highest first", async () => {
    const chain = new FakeChain();
    chain.autoMine = true;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    chain.simulateWith = async (call) => {
      if (call.owner === owner(0)) await gate;
      return { ok: true, repaid: 1n, toLiquidator: 1n, gas: 200_000n };
    };
    const { executor } = setup(chain, { concurrency: 1 });
    const all = [executor.submit(planFor(0, 1n))];
    await until(() => chain.simulations.length === 1, "the blocker to start");
    for (const [i, profit] of [[1, 5n], [2, 50n], [3, 20n], [4, 20n], [5, 7_000n]] as const) all.push(executor.submit(planFor(i, profit)));
    release();
    const outcomes = await Promise.all(all);
    assert.ok(outcomes.every((o) => o.kind === "mined"));
    assert.deepEqual(
      chain.simulations.map((s) => s.call.owner),
      [owner(0), owner(5), owner(2), owner(3), owner(4), owner(1)],
    );
    assert.deepEqual(chain.broadcasts.map((b) => b.tx.nonce), [0, 1, 2, 3, 4, 5]);
  });

  it("replacement: not mined 3 blocks after the broadcast, same nonce, both fees +12.5 % rounded up; the replacement is mined", async () => {
    const chain = new FakeChain();
    chain.baseFee = 10_000_000_001n;
    const { executor, events } = setup(chain);
    const done = executor.submit(planFor(1, 50n));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    const first = chain.broadcasts[0]!;
    assert.equal(first.tx.maxFeePerGas, 21_000_000_002n); // 2 * base + 1 gwei
    assert.equal(first.tx.maxPriorityFeePerGas, GWEI);
    chain.block += 2n; // two blocks: not yet
    await settle(chain);
    assert.equal(chain.broadcasts.length, 1);
    chain.block += 1n; // three blocks after the broadcast
    await until(() => chain.broadcasts.length === 2, "the replacement");
    const second = chain.broadcasts[1]!;
    assert.equal(second.tx.nonce, first.tx.nonce);
    assert.equal(second.tx.maxFeePerGas, 23_625_000_003n); // ceil(21_000_000_002 * 1.125)
    assert.equal(second.tx.maxPriorityFeePerGas, 1_125_000_000n);
    assert.equal(second.tx.gas, first.tx.gas);
    assert.deepEqual(second.tx.call, first.tx.call);
    assert.deepEqual(chain.simulations.map((s) => s.tag), ["pending", "latest"], "simulated again before bumping");
    const replaced = events.find((e) => e.kind === "replaced");
    assert.ok(replaced?.kind === "replaced" && replaced.replacedHash === first.hash && replaced.hash === second.hash);
    // a second bump three blocks later, from the replacement's fees
    chain.block += 3n;
    await until(() => chain.broadcasts.length === 3, "the second replacement");
    assert.equal(chain.broadcasts[2]!.tx.maxFeePerGas, 26_578_125_004n); // ceil(23_625_000_003 * 1.125)
    assert.equal(chain.broadcasts[2]!.tx.maxPriorityFeePerGas, 1_265_625_000n);
    chain.mine();
    const o = await done;
    assert.ok(o.kind === "mined" && o.receipt.hash === chain.broadcasts[2]!.hash && o.replacements === 2);
  });

  it("no bump past the plan's gas budget: the transaction is left as it is", async () => {
    const chain = new FakeChain();
    // 200k gas at 21 gwei = 4.2e15 wei fits a 4.5e15 budget; +12.5 % (23.625 gwei) does not
    const { executor, events } = setup(chain);
    const done = executor.submit(planFor(1, 50n, { gasBudgetWei: 4_500_000_000_000_000n }));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    chain.block += 3n;
    await until(() => events.some((e) => e.kind === "bump-refused"), "the refusal");
    const refused = events.find((e) => e.kind === "bump-refused");
    assert.ok(refused?.kind === "bump-refused" && refused.reason === "budget");
    chain.block += 10n;
    await settle(chain);
    assert.equal(chain.broadcasts.length, 1);
    assert.equal(events.filter((e) => e.kind === "bump-refused").length, 1, "refused once, then left alone");
    chain.mine();
    const o = await done;
    assert.ok(o.kind === "mined" && o.replacements === 0);
  });

  it("a bump is clipped to the budget when that still beats the old fees by 12.5 %", async () => {
    const chain = new FakeChain();
    const budget = 30n * GWEI * 200_000n;
    const { executor } = setup(chain);
    const done = executor.submit(planFor(1, 50n, { gasBudgetWei: budget }));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    chain.baseFee = 20n * GWEI; // wants 41.125 gwei, the budget allows 30
    chain.block += 3n;
    await until(() => chain.broadcasts.length === 2, "the replacement");
    assert.equal(chain.broadcasts[1]!.tx.maxFeePerGas, 30n * GWEI);
    assert.ok(chain.broadcasts[1]!.tx.maxFeePerGas * 200_000n <= budget, "never past the budget");
    chain.mine();
    assert.equal((await done).kind, "mined");
  });

  it("no bump past the fee cap", async () => {
    const chain = new FakeChain();
    const { executor, events } = setup(chain, { maxFeePerGas: 23n * GWEI });
    const done = executor.submit(planFor(1, 50n));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    chain.block += 3n;
    await until(() => events.some((e) => e.kind === "bump-refused"), "the refusal");
    const r = events.find((e) => e.kind === "bump-refused");
    assert.ok(r?.kind === "bump-refused" && r.reason === "cap");
    chain.mine();
    assert.equal((await done).kind, "mined");
    assert.equal(chain.broadcasts.length, 1);
  });

  it("a stuck liquidation that would now revert is not bumped", async () => {
    const chain = new FakeChain();
    const { executor, events } = setup(chain);
    const done = executor.submit(planFor(1, 50n));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    chain.simulateWith = () => ({ ok: false, errorName: "Vault_NotLiquidatable", args: [], message: "not liquidatable" });
    chain.block += 3n;
    await until(() => events.some((e) => e.kind === "bump-refused"), "the refusal");
    assert.ok(events.some((e) => e.kind === "bump-refused" && e.reason === "would-revert"));
    chain.revertOnMine = true;
    chain.mine();
    const o = await done;
    assert.equal(o.kind, "reverted");
    assert.equal(chain.broadcasts.length, 1);
  });

  it("already liquidated by someone else (simulation reverts Vault_NotLiquidatable): a normal outcome, nothing sent", async () => {
    const chain = new FakeChain();
    chain.autoMine = true;
    chain.simulateWith = () => ({ ok: false, errorName: "Vault_NotLiquidatable", args: [owner(1), 0, 10n ** 18n], message: "reverted" });
    const { executor, events } = setup(chain);
    const o = await executor.submit(planFor(1, 50n));
    assert.ok(o.kind === "dropped" && o.reason === "already-liquidated" && o.normal && o.errorName === "Vault_NotLiquidatable");
    assert.equal(chain.broadcasts.length, 0);
    assert.equal(executor.isInFlight(owner(1), 0), false);
    chain.simulateWith = () => ({ ok: false, errorName: "Vault_SeizedBelowMinimum", args: [899n, 900n], message: "reverted" });
    const f = await executor.submit(planFor(1, 50n));
    assert.ok(f.kind === "dropped" && f.reason === "front-run" && f.normal);
    chain.simulateWith = () => ({ ok: false, errorName: "Vault_TransferShortfall", args: [], message: "reverted" });
    const g = await executor.submit(planFor(1, 50n));
    assert.ok(g.kind === "dropped" && g.reason === "simulation-failed" && !g.normal);
    // no nonce was taken: the next send uses nonce 0
    chain.simulateWith = () => ({ ok: true, repaid: 1n, toLiquidator: 1n, gas: 200_000n });
    assert.equal((await executor.submit(planFor(1, 50n))).kind, "mined");
    assert.equal(chain.broadcasts[0]!.tx.nonce, 0);
    assert.deepEqual(events.map((e) => e.kind), ["dropped", "dropped", "dropped", "sent", "mined"]);
  });

  it("fees the budget cannot pay at send time: dropped, nothing sent", async () => {
    const chain = new FakeChain();
    chain.baseFee = 100n * GWEI;
    const { executor } = setup(chain);
    const o = await executor.submit(planFor(1, 50n, { gasBudgetWei: 100n * GWEI * 200_000n }));
    assert.ok(o.kind === "dropped" && o.reason === "unprofitable-at-send");
    assert.equal(chain.broadcasts.length, 0);
  });

  it("nonces: consecutive across concurrent sends; a nonce taken by another transaction resyncs and signs again", async () => {
    const chain = new FakeChain();
    chain.mined = 7;
    const { executor } = setup(chain, { concurrency: 3 });
    const three = [1, 2, 3].map((i) => executor.submit(planFor(i, 10n)));
    await until(() => chain.broadcasts.length === 3, "three broadcasts");
    assert.deepEqual(chain.broadcasts.map((b) => b.tx.nonce).sort(), [7, 8, 9]);
    chain.mine();
    assert.ok((await Promise.all(three)).every((o) => o.kind === "mined"));
    // something else sends from the key: nonce 10 is taken behind the executor's back
    chain.external();
    chain.autoMine = true;
    const o = await executor.submit(planFor(4, 10n));
    assert.equal(o.kind, "mined");
    assert.deepEqual(chain.broadcasts.slice(3).map((b) => b.tx.nonce), [11]);
    assert.equal([...chain.signed.values()].filter((t) => t.call.owner === owner(4)).length, 2, "signed with 10, refused, signed with 11");
    // and the counter follows: the next one gets 12 without asking
    assert.equal((await executor.submit(planFor(5, 10n))).kind, "mined");
    assert.equal(chain.broadcasts.at(-1)!.tx.nonce, 12);
  });

  it("a failed send frees the account and gives the nonce back", async () => {
    const chain = new FakeChain();
    chain.autoMine = true;
    chain.failBroadcast = () => new SendRejected("insufficient-funds", "insufficient funds for gas * price + value");
    const { executor } = setup(chain);
    const o = await executor.submit(planFor(1, 50n));
    assert.ok(o.kind === "dropped" && o.reason === "send-failed" && !o.normal);
    assert.equal(executor.isInFlight(owner(1), 0), false);
    chain.failBroadcast = undefined;
    const again = await executor.submit(planFor(1, 50n));
    assert.equal(again.kind, "mined");
    assert.equal(chain.broadcasts[0]!.tx.nonce, 0, "the released nonce is reused");
  });

  it("a broadcast with no answer is sent again as the same bytes, never with a new nonce", async () => {
    const chain = new FakeChain();
    // the first attempt reaches the pool but the answer is lost; the retry says "already known"
    chain.failBroadcast = (tx, attempt) => {
      if (attempt === 1) {
        const hash = [...chain.signed].find(([, t]) => t === tx)![0];
        chain.pool.set(tx.nonce, { hash, tx });
        chain.broadcasts.push({ hash, tx });
        return new Error("The request took too long to respond. (TimeoutError)");
      }
      return undefined;
    };
    const { executor } = setup(chain);
    const done = executor.submit(planFor(1, 50n));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    chain.mine();
    const o = await done;
    assert.equal(o.kind, "mined");
    assert.equal(chain.signed.size, 1, "one signed transaction");
  });

  it("our nonce mined by a transaction that is not ours: dropped as nonce-consumed", async () => {
    const chain = new FakeChain();
    const { executor } = setup(chain);
    const done = executor.submit(planFor(1, 50n));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    chain.external(); // replaces ours in the pool and is mined
    const seen = async () => {
      const p = chain.polls;
      await until(() => chain.polls > p + 2, "the executor's polls of this block");
    };
    await seen();
    chain.emptyBlock();
    await seen();
    chain.emptyBlock(); // no receipt of ours two blocks later: the nonce went to someone else
    const o = await done;
    assert.ok(o.kind === "dropped" && o.reason === "nonce-consumed");
  });

  it("a node that shows our nonce used before it serves the receipt: still mined, not nonce-consumed", async () => {
    const chain = new FakeChain();
    const { executor } = setup(chain);
    const done = executor.submit(planFor(1, 50n));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    chain.hiddenReceipts.add(chain.broadcasts[0]!.hash);
    chain.mine();
    const polls = chain.polls;
    await until(() => chain.polls > polls + 2, "polls with the nonce used and no receipt");
    chain.emptyBlock();
    await until(() => chain.polls > polls + 4, "polls one block later");
    chain.hiddenReceipts.clear();
    const o = await done;
    assert.equal(o.kind, "mined");
  });

  it("stop: queued plans are skipped, pending transactions abandoned; later submits are skipped", async () => {
    const chain = new FakeChain();
    const { executor } = setup(chain, { concurrency: 1 });
    const running = executor.submit(planFor(1, 50n));
    const queued = executor.submit(planFor(2, 50n));
    await until(() => chain.broadcasts.length === 1, "the broadcast");
    await executor.stop();
    const [a, b] = await Promise.all([running, queued]);
    assert.ok(a.kind === "dropped" && a.reason === "abandoned");
    assert.ok(b.kind === "skipped" && b.reason === "stopped");
    const c = await executor.submit(planFor(3, 50n));
    assert.ok(c.kind === "skipped" && c.reason === "stopped");
    assert.equal(executor.inFlight, 0);
  });
});

// ------------------------------------------------------------------ a real chain

const connection = await network.create();
const { networkHelpers } = connection;
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

describe("planner + executor on Hardhat's chain (viem)", () => {
  it("plans a liquidation from the event-built book and executes it: the Liquidated event and the liquidator's balances match the plan", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, publicClient, tokens } = f;
    const A = f.address(alice.account.address);
    await f.vault.write.deposit([A, 0, WETH, parseUnits("10", 18)], { account: alice.account });
    await f.vault.write.borrow([A, 0, USDC, parseUnits("15000", 6), A], { account: alice.account });
    await f.setPrice(WETH, "1700");

    // the liquidator signs locally: Hardhat's account 4, from its default mnemonic
    const account = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 4 });
    assert.equal(account.address, f.address(f.liquidator.account.address));
    const walletClient = createWalletClient({ account, chain: publicClient.chain, transport: custom(connection.provider) });
    const log = silent;
    const allowances = await ensureVaultAllowances({
      publicClient,
      walletClient,
      vault: vault.address,
      tokens: [{ asset: USDC, token: tokens[USDC]!.address }],
      log,
    });
    assert.equal(allowances[0]!.action, "kept", "the fixture approved the vault already");

    const { book, prices, timestamp } = await bookFromChain(publicClient, vault.address);
    const funds = await readLiquidatorFunds(publicClient, account.address, vault.address);
    const nativeUsdPrice = nativeUsdPriceFrom({ kind: "asset", asset: WETH }, prices);
    const r = planLiquidation(
      {
        book,
        prices,
        timestamp: timestamp + 1n,
        liquidator: account.address,
        balances: funds.balances,
        allowances: funds.allowances,
        gas: { gasUnits: 300_000n, maxFeePerGas: 100n * GWEI, nativeUsdPrice },
        minProfitUsd: WAD,
      },
      A,
      0,
    );
    assert.equal(r.kind, "plan");
    if (r.kind !== "plan") return;
    assert.deepEqual([r.debtAsset, r.collateralAsset], [USDC, WETH]);

    const usdc0 = await tokens[USDC]!.read.balanceOf([account.address]);
    const weth0 = await tokens[WETH]!.read.balanceOf([account.address]);
    const events: ExecutorEvent[] = [];
    const executor = new Executor({
      chain: new ViemChain({ publicClient, walletClient, vault: vault.address }),
      log,
      concurrency: 2,
      maxGasPerTx: 1_500_000n,
      maxFeePerGas: 100n * GWEI,
      priorityFeePerGas: GWEI,
      pollMs: 10,
      onEvent: (e) => events.push(e),
    });
    const o: ExecutionOutcome = await executor.submit(r);
    assert.equal(o.kind, "mined", JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    if (o.kind !== "mined") return;
    assert.deepEqual(events.map((e) => e.kind), ["sent", "mined"]);

    const receipt = await publicClient.getTransactionReceipt({ hash: o.receipt.hash });
    const liquidated = parseEventLogs({ abi: vaultAbi, logs: receipt.logs, eventName: "Liquidated" });
    assert.equal(liquidated.length, 1);
    const ev = liquidated[0]!.args;
    assert.equal(ev.owner, A);
    assert.equal(ev.liquidator, account.address);
    assert.equal(ev.repaid, r.expectedRepaid);
    assert.equal(ev.seized, r.expectedSeized);
    assert.equal(ev.seized - ev.fee, r.expectedToLiquidator);

    // the liquidator paid exactly the planned repay and received exactly the planned collateral
    const usdc1 = await tokens[USDC]!.read.balanceOf([account.address]);
    const weth1 = await tokens[WETH]!.read.balanceOf([account.address]);
    assert.equal(usdc0 - usdc1, r.expectedRepaid);
    assert.equal(weth1 - weth0, r.minSeized);
    const grossUsd = valueDown(weth1 - weth0, prices.get(WETH)!, WAD) - valueUp(usdc0 - usdc1, prices.get(USDC)!, 10n ** 6n);
    assert.equal(grossUsd - r.gasCostUsd, r.expectedProfitUsd);
    // and the gas paid stayed within the plan's budget
    assert.ok(o.receipt.gasUsed * o.receipt.effectiveGasPrice <= r.gasBudgetWei);

    // a stale resubmit (the account is healthy now) is an ordinary drop
    const again = await executor.submit(r);
    assert.ok(again.kind === "dropped" && again.normal, again.kind === "dropped" ? again.reason : again.kind);
  });

  it("start-up approvals: max approve once (zeroing a partial allowance first), then kept", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { publicClient, tokens, vault } = f;
    // account 9 is not one the fixture approved with
    const account = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 9 });
    const walletClient = createWalletClient({ account, chain: publicClient.chain, transport: custom(connection.provider) });
    await tokens[WETH]!.write.approve([vault.address, 5n], { account: account.address });
    const list = [USDC, WETH].map((asset) => ({ asset, token: tokens[asset]!.address }));
    const first = await ensureVaultAllowances({ publicClient, walletClient, vault: vault.address, tokens: list, log: silent });
    assert.deepEqual(first.map((r) => [r.asset, r.before, r.action, r.hashes.length]), [
      [USDC, 0n, "approved", 1],
      [WETH, 5n, "reset-and-approved", 2],
    ]);
    for (const asset of [USDC, WETH]) {
      assert.equal(await tokens[asset]!.read.allowance([account.address, vault.address]), 2n ** 256n - 1n);
    }
    const second = await ensureVaultAllowances({ publicClient, walletClient, vault: vault.address, tokens: list, log: silent });
    assert.deepEqual(second.map((r) => r.action), ["kept", "kept"]);
    // the vault's walletOf: every listed token's balance and allowance to the vault, in one call
    const funds = await readLiquidatorFunds(publicClient, account.address, vault.address);
    assert.equal(funds.allowances.get(USDC), 2n ** 256n - 1n);
    assert.equal(funds.balances.get(USDC), 0n);
    assert.equal(funds.balances.size, tokens.length);
    for (const [asset, token] of tokens.entries()) {
      assert.equal(funds.balances.get(asset), await token.read.balanceOf([account.address]), `balance of asset ${asset}`);
      assert.equal(funds.allowances.get(asset), await token.read.allowance([account.address, vault.address]), `allowance of asset ${asset}`);
    }
  });
});

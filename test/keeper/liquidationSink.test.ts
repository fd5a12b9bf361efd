/**
 * The planning sink (keeper/src/run/liquidationSink.ts) with a recording executor: an account the keeper
 * liquidated is not planned again before the book has synced the block of that liquidation, and a
 * head's sweep waits only for the broadcasts of plans handed over before it (never for later ones, never
 * longer than its cap).
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { pino } from "pino";
import type { Address, Hex } from "viem";
import { loadConfig } from "../../keeper/src/config/load.ts";
import type { LiquidatableAccount } from "../../keeper/src/run/keeperService.ts";
import { PlanningSink } from "../../keeper/src/run/liquidationSink.ts";
import type { Executor, ExecutorEvent } from "../../keeper/src/send/executor.ts";
import type { Plan } from "../../keeper/src/plan/planner.ts";
import { sweep } from "../../keeper/src/watch/reaction.ts";
import { T0, basePrices, randomBook } from "./syntheticBook.ts";

const WETH = 2;
const KEEPER = "0x000000000000000000000000000000000000F00D" as Address;

/** Records submits; the test emits the executor's events itself. */
class RecordingExecutor {
  readonly submitted: Plan[] = [];
  readonly inFlight = new Set<string>();
  submit(plan: Plan): Promise<unknown> {
    this.submitted.push(plan);
    return new Promise(() => {});
  }
  isInFlight(owner: Address, subId: number): boolean {
    return this.inFlight.has(`${owner.toLowerCase()}/${subId}`);
  }
  onIdle(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const { book } = randomBook(300, 7);
  const prices = basePrices();
  const fallen = new Map(prices).set(WETH, (prices.get(WETH)! * 60n) / 100n);
  const t = T0 + 1n;
  const under = sweep(book, fallen, t).liquidatable as LiquidatableAccount[];
  assert.ok(under.length >= 3, `the fall makes accounts liquidatable (${under.length})`);
  const cfg = loadConfig(
    { rpcUrl: "http://127.0.0.1:9", vault: "0x00000000000000000000000000000000000000aa", mode: "liquidate", privateKey: `0x${"11".repeat(32)}`, gasTokenAsset: String(WETH), minProfitUsd: "0", checkpoint: "", logLevel: "silent" },
    {},
  );
  const executor = new RecordingExecutor();
  let synced = 100n;
  const sink = new PlanningSink({
    cfg,
    log: pino({ level: "silent" }),
    book: () => book,
    liquidator: KEEPER,
    executor: executor as unknown as Executor,
    readFunds: async () => ({ balances: new Map([0, 1, 2, 3].map((a) => [a, 10n ** 40n])), allowances: new Map([0, 1, 2, 3].map((a) => [a, 10n ** 40n])) }),
    syncedTo: () => synced,
  });
  const event = (plan: Plan, e: Record<string, unknown>) =>
    sink.onExecutorEvent({ key: `${plan.owner.toLowerCase()}/${plan.subId}`, plan, timing: { submittedAt: 0 }, ...e } as unknown as ExecutorEvent);
  return { sink, executor, under, fallen, t, event, setSynced: (b: bigint) => (synced = b) };
}

describe("planning sink", () => {
  it("an account the keeper liquidated in block B is not planned again until the book has synced B", async () => {
    const { sink, executor, under, fallen, t, event, setSynced } = setup();
    await sink.init();
    sink.handle(under, fallen, t, 0);
    const first = executor.submitted.length;
    assert.equal(first, under.length, "every liquidatable account planned once");
    const plan = executor.submitted[0]!;
    event(plan, { kind: "sent", hash: "0x01" as Hex, nonce: 0 });
    event(plan, { kind: "mined", receipt: { hash: "0x01", status: "success", blockNumber: 105n, gasUsed: 1n, effectiveGasPrice: 1n }, nonce: 0, replacements: 0 });

    // the book (synced to 100) still shows it underwater: not planned again
    sink.handle(under, fallen, t, 0);
    const again = executor.submitted.slice(first);
    assert.ok(!again.some((p) => p.owner === plan.owner && p.subId === plan.subId), "not re-planned before the sync");
    assert.equal(again.length, under.length - 1, "the others are planned again (nothing of theirs was mined)");

    // once the book has synced block 105, whatever it says goes
    setSynced(105n);
    sink.handle(under, fallen, t, 0);
    const later = executor.submitted.slice(first + again.length);
    assert.ok(later.some((p) => p.owner === plan.owner && p.subId === plan.subId), "planned again after the sync");
  });

  it("a reverted liquidation changes nothing on chain: the account may be planned again at once", async () => {
    const { sink, executor, under, fallen, t, event } = setup();
    await sink.init();
    sink.handle(under.slice(0, 1), fallen, t, 0);
    const plan = executor.submitted[0]!;
    event(plan, { kind: "reverted", receipt: { hash: "0x01", status: "reverted", blockNumber: 105n, gasUsed: 1n, effectiveGasPrice: 1n }, nonce: 0, replacements: 0 });
    sink.handle(under.slice(0, 1), fallen, t, 0);
    assert.equal(executor.submitted.length, 2);
  });

  it("broadcastsSettled waits for the plans handed over before it, not for later ones, and at most its cap", async () => {
    const { sink, executor, under, fallen, t, event } = setup();
    await sink.init();
    await sink.broadcastsSettled(10_000); // nothing pending: at once
    sink.handle(under.slice(0, 2), fallen, t, 0);
    const [a, b] = executor.submitted;
    let settled = false;
    const wait = sink.broadcastsSettled(10_000).then(() => (settled = true));
    sink.handle(under.slice(2, 3), fallen, t, 0); // handed over after the wait began
    event(a!, { kind: "sent", hash: "0x01" as Hex, nonce: 0 });
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, "one of the two is not broadcast yet");
    event(b!, { kind: "dropped", reason: "already-liquidated", normal: true });
    await wait;
    assert.equal(settled, true, "both given up or broadcast; the later plan does not hold the wait");
    const started = performance.now();
    await sink.broadcastsSettled(30); // the later plan is still pending: the cap ends the wait
    assert.ok(performance.now() - started >= 25, "waited for the cap");
  });
});

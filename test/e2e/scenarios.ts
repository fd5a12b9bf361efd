/**
 * The keeper end to end, written once and run against each local node kind (keeper.hardhat.test.ts,
 * keeper.anvil.test.ts): a real JSON-RPC node on 127.0.0.1, a vault deployed per scenario, accounts
 * opened with deposit/borrow, and the real keeper (`node keeper/src/cli.ts run`) as a separate process
 * reading the chain over HTTP and WebSocket and sending its own transactions.
 *
 * 1. price move: ten accounts (1x1 and 2x2, some near 1, some safe, some that get healthier), both
 *    volatile prices moved in one block; exactly the accounts below 1 at that block (the vault's view,
 *    and independently the plan's arithmetic) are liquidated, by the keeper, back to health >= 1 (or
 *    fully); no healthy account is touched; no reverted transaction.
 * 2. interest only: a steep rate model on one debt asset, no price change, chain time jumped in steps
 *    (feeds rewritten at the same price so none goes stale): the keeper's per-block sweep liquidates the
 *    account interest pushed under, and nothing else.
 * 3. competing liquidator: two accounts go under in the block where a competitor liquidates one of them;
 *    the keeper sends no transaction that reverts and liquidates the other.
 * 4. kill and restart: the keeper liquidates, checkpoints, is SIGKILLed; accounts are opened, topped up and
 *    pushed under while it is down; restarted on the same checkpoint it resumes from it, catches up and
 *    leaves nothing liquidatable; SIGTERM then stops it cleanly (exit 0, checkpoint written).
 * 5. (anvil only: Hardhat refuses equal timestamps) blocks sharing the head's timestamp and an account whose
 *    best pair takes all of one collateral: see sameTimestamp.
 * 6. (anvil only: anvil_reorg) a top-up the keeper has synced is reorganised away; the price then falls so
 *    that the account is under without it: the keeper reopens its book and liquidates it.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "mocha";
import { maxUint256, parseGwei, parseUnits, type Address, type Hex, type TransactionReceipt } from "viem";
import { STACK_RATE_MODEL } from "../../scripts/lib/deployStack.ts";
import { KeeperProcess, normaliseAccount, stopAllKeepers, type KeeperRecord } from "./keeperProcess.ts";
import { startNode, type NodeKind, type TestNode } from "./nodes.ts";
import {
  ASSET,
  ROLE,
  WAD,
  World,
  abiOf,
  fmtHealth,
  plannedHealth,
  type AccountSpec,
  type OpenedAccount,
  type Prices,
  type Symbol,
  type Wallet,
} from "./harness.ts";

export type ScenarioName = "price-move" | "interest-only" | "competitor" | "kill-restart" | "same-timestamp" | "reorg";
export const ALL_SCENARIOS: ScenarioName[] = ["price-move", "interest-only", "competitor", "kill-restart"];

const READY_MS = 60_000;
const ACT_MS = 45_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------ helpers

interface Ctx {
  node: TestNode;
  world: World;
  dir: string;
  keepers: KeeperProcess[];
  notes: string[];
}

function startKeeper(ctx: Ctx, checkpoint = ""): KeeperProcess {
  const k = new KeeperProcess({
    rpcUrl: ctx.node.httpUrl,
    wsUrl: ctx.node.wsUrl,
    vault: ctx.world.vault,
    startBlock: ctx.world.stack.startBlock,
    privateKey: ctx.world.keeperKey,
    checkpoint,
    gasTokenAsset: ASSET.WETH,
    logLevel: process.env.E2E_KEEPER_LOG_LEVEL ?? "info",
  });
  ctx.keepers.push(k);
  return k;
}

/** Accounts whose last broadcast has no outcome yet. */
function inFlight(k: KeeperProcess): string[] {
  const open = new Set<string>();
  for (const r of k.records) {
    const acc = normaliseAccount(r.raw.account);
    if (r.msg === "liquidation broadcast") open.add(acc);
    else if (r.msg === "liquidation outcome") open.delete(acc);
  }
  return [...open];
}

/** Index of the keeper's records where settle() started mining its extra blocks. */
const settledFrom = new WeakMap<KeeperProcess, number>();

/** Nothing in flight, then three more blocks (a wrong late liquidation would show), then nothing in flight. */
async function settle(ctx: Ctx, k: KeeperProcess): Promise<void> {
  await k.until("no liquidation is in flight", () => inFlight(k).length === 0, ACT_MS);
  await sleep(300);
  settledFrom.set(k, k.records.length);
  for (let i = 0; i < 3; i++) {
    await ctx.node.control.mine();
    await sleep(200);
  }
  await k.until("no liquidation is in flight", () => inFlight(k).length === 0, ACT_MS);
}

/**
 * Until every one of `accounts` is no longer liquidatable in the vault's view (health >= 1, or no debt
 * left) or the keeper logged a skip with a reason for it.
 */
async function untilResolved(ctx: Ctx, k: KeeperProcess, accounts: OpenedAccount[], timeoutMs = ACT_MS, heartbeat = true): Promise<void> {
  let left: OpenedAccount[] = accounts;
  let lastBlockAt = performance.now();
  await k.until(
    () => `every underwater account is liquidated or skipped (left: ${ctx.world.describe(left.map((a) => a.key))})`,
    async () => {
      const skipped = new Set(k.skips.map((r) => normaliseAccount(r.raw.account)));
      left = (await ctx.world.underwater(accounts)).filter((a) => !skipped.has(a.key));
      if (left.length === 0) return true;
      // a chain makes blocks whether or not anybody sends: one a second while the test waits (on anvil a
      // block in the same wall-clock second keeps the head's timestamp, see sameTimestamp)
      if (heartbeat && performance.now() - lastBlockAt >= 1_000) {
        await ctx.node.control.mine();
        lastBlockAt = performance.now();
      }
      return false;
    },
    timeoutMs,
  );
}

function reverted(k: KeeperProcess): KeeperRecord[] {
  return k.outcomes.filter((r) => r.raw.kind === "reverted");
}

function errors(k: KeeperProcess): KeeperRecord[] {
  return k.records.filter((r) => r.level >= 50);
}

function reactionTimes(k: KeeperProcess): number[] {
  return k.broadcasts.map((r) => Number(r.raw.reactionMs)).filter((n) => Number.isFinite(n));
}

/** The keeper's outcomes that were not mined, counted by account name, kind and reason (for the notes). */
function notMined(ctx: Ctx, k: KeeperProcess): string {
  const counts = new Map<string, number>();
  for (const r of k.outcomes) {
    if (r.raw.kind === "mined") continue;
    const key = `${ctx.world.describe([normaliseAccount(r.raw.account)])} ${String(r.raw.kind)}/${String(r.raw.reason ?? "")}${r.raw.errorName ? ` (${String(r.raw.errorName)})` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts.size === 0 ? "none" : [...counts].map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join(", ");
}

function fmtMs(ms: number[]): string {
  if (ms.length === 0) return "none";
  const s = [...ms].sort((a, b) => a - b);
  return `${s.length} broadcast(s), reaction ms min ${s[0]!.toFixed(1)} median ${s[Math.floor(s.length / 2)]!.toFixed(1)} max ${s[s.length - 1]!.toFixed(1)}`;
}

function setEq(actual: Iterable<string>, expected: Iterable<string>, what: string, ctx: Ctx): void {
  const a = [...new Set(actual)].sort();
  const e = [...new Set(expected)].sort();
  assert.deepEqual(a, e, `${what}: got {${ctx.world.describe(a)}}, expected {${ctx.world.describe(e)}}`);
}

/** Keeper checks common to every scenario: no reverted transaction, no error logged. */
function assertCleanKeeper(k: KeeperProcess, label: string): void {
  assert.deepEqual(
    reverted(k).map((r) => r.raw),
    [],
    `${label}: the keeper had liquidation transactions that were mined but reverted; last lines:\n${k.lastLines()}`,
  );
  assert.deepEqual(
    errors(k).map((r) => `${r.msg} ${JSON.stringify(r.raw.err ?? "")}`),
    [],
    `${label}: the keeper logged errors; last lines:\n${k.lastLines()}`,
  );
  // once the book has synced the blocks of the liquidations it stops planning them: an "already liquidated"
  // drop during settle()'s extra blocks means the keeper's book missed a Liquidated event (a stale book
  // plans the account again at every block)
  const stale = new Map<string, number>();
  for (const r of k.records.slice(settledFrom.get(k) ?? k.records.length)) {
    if (r.msg !== "liquidation outcome" || r.raw.kind !== "dropped" || r.raw.reason !== "already-liquidated") continue;
    const acc = normaliseAccount(r.raw.account);
    stale.set(acc, (stale.get(acc) ?? 0) + 1);
  }
  const repeated = [...stale];
  assert.deepEqual(repeated, [], `${label}: liquidations planned again and again for accounts already liquidated (a stale book); last lines:\n${k.lastLines()}`);
}

interface RawTx {
  wallet: Wallet;
  address: Address;
  abiName: string;
  functionName: string;
  args: readonly unknown[];
  tipGwei: string;
  gas?: bigint;
}

/**
 * Sends `txs` with automine off (explicit nonce, gas and fees: nothing is estimated against a state
 * that is about to change) and mines them in one block; their order in the block follows the tips.
 */
async function inOneBlock(ctx: Ctx, txs: RawTx[]): Promise<TransactionReceipt[]> {
  const { world, node } = ctx;
  const hashes: Hex[] = [];
  await node.control.setAutomine(false);
  try {
    for (const tx of txs) {
      const nonce = await world.pub.getTransactionCount({ address: tx.wallet.account.address, blockTag: "pending" });
      hashes.push(
        await tx.wallet.writeContract({
          address: tx.address,
          abi: abiOf(tx.abiName),
          functionName: tx.functionName,
          args: tx.args,
          chain: world.chain,
          account: tx.wallet.account,
          nonce,
          gas: tx.gas ?? 1_000_000n,
          maxFeePerGas: parseGwei("100"),
          maxPriorityFeePerGas: parseGwei(tx.tipGwei),
        }),
      );
    }
    // one second on: the block is strictly later than every block before it, on anvil too (whose automined
    // blocks within one wall-clock second share a timestamp), so no account opened just before is in its
    // margin check's cool-off (the vault refuses a liquidation at the check's timestamp). Mined before
    // automine is back on (anvil would mine the pool at once when it is switched on).
    await node.control.increaseTime(1);
    await node.control.mine();
  } finally {
    await node.control.setAutomine(true);
  }
  const receipts = await Promise.all(hashes.map((hash) => world.pub.waitForTransactionReceipt({ hash, pollingInterval: 50 })));
  const blocks = new Set(receipts.map((r) => r.blockNumber));
  assert.equal(blocks.size, 1, `the transactions were meant for one block, got blocks ${[...blocks].join(", ")}`);
  return receipts;
}

/** Moves several prices in one block; returns that block. */
async function movePrices(ctx: Ctx, moves: Partial<Prices>): Promise<bigint> {
  const { world } = ctx;
  const receipts = await inOneBlock(
    ctx,
    (Object.entries(moves) as [Symbol, number][]).map(([s, p]) => ({
      wallet: world.admin,
      address: world.feed(s),
      abiName: "MockAggregator",
      functionName: "setAnswer",
      args: [parseUnits(String(p), 8)],
      tipGwei: "2",
      gas: 200_000n,
    })),
  );
  for (const r of receipts) assert.equal(r.status, "success", "price update reverted");
  for (const [s, p] of Object.entries(moves) as [Symbol, number][]) world.prices[s] = p;
  return receipts[0]!.blockNumber;
}

async function underwaterAt(ctx: Ctx, block: bigint, accounts: OpenedAccount[] = ctx.world.accounts): Promise<{ keys: string[]; table: string }> {
  const rows = (await ctx.world.pub.readContract({
    address: ctx.world.vault,
    abi: abiOf("IVault"),
    functionName: "accountsHealth",
    args: [accounts.map((a) => a.address), accounts.map((a) => a.subId)],
    blockNumber: block,
  })) as { healthFactor: bigint; debtValue: bigint }[];
  const keys = accounts.filter((_, i) => rows[i]!.debtValue > 0n && rows[i]!.healthFactor < WAD).map((a) => a.key);
  const table = accounts.map((a, i) => `${a.name}=${fmtHealth(rows[i]!.healthFactor)}`).join(" ");
  return { keys, table };
}

/** Final state of liquidated accounts: health >= 1, or fully liquidated (no debt or no collateral left). */
async function assertRestored(ctx: Ctx, keys: Iterable<string>): Promise<void> {
  const accounts = [...keys].map((k) => ctx.world.byKey(k)!).filter((a) => a !== undefined);
  const rows = await ctx.world.health(accounts);
  for (const [i, a] of accounts.entries()) {
    const h = rows[i]!;
    const ok = h.healthFactor >= WAD || h.debtValue === 0n || h.collateralValue === 0n;
    assert.ok(ok, `${a.name} ends at health ${fmtHealth(h.healthFactor)} with debt ${h.debtValue} and collateral ${h.collateralValue}`);
  }
}

async function checkpointBlock(path: string): Promise<bigint | undefined> {
  try {
    const raw = JSON.parse(readFileSync(path, "utf8")) as { meta?: { blockNumber?: { $big?: string } | string | number } };
    const b = raw.meta?.blockNumber;
    if (b === undefined) return undefined;
    if (typeof b === "object") return b.$big === undefined ? undefined : BigInt(b.$big);
    return BigInt(b);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------------ scenarios

const O = ROLE.firstOwner;

/** Scenario 1's population: health at the start, and after WETH 3000 -> 2400, WBTC 60000 -> 51000. */
const PRICE_MOVE_POPULATION: (AccountSpec & { under: boolean })[] = [
  // 1x1 WETH -> USDC: 1.125 -> 0.900
  { name: "A", owner: O, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "22000" }, under: true },
  // 1x1 WETH -> USDC: 1.650 -> 1.320
  { name: "B", owner: O, subId: 1, collateral: { WETH: "10" }, debt: { USDC: "15000" }, under: false },
  // 1x1 WBTC -> DAI: 1.125 -> 0.956
  { name: "C", owner: O + 1, subId: 0, collateral: { WBTC: "1" }, debt: { DAI: "40000" }, under: true },
  // 1x1 WBTC -> DAI: 1.500 -> 1.275
  { name: "D", owner: O + 1, subId: 7, collateral: { WBTC: "1" }, debt: { DAI: "30000" }, under: false },
  // 2x2, near 1 after the move but healthy: 1.2026 -> 1.0009
  { name: "E", owner: O + 2, subId: 0, collateral: { WETH: "5", WBTC: "0.5" }, debt: { USDC: "15000", DAI: "14000" }, under: false },
  // 2x2: 1.167 -> 0.950 (its best pair, USDC against WETH, has collateral to spare: see sameTimestamp)
  { name: "F", owner: O + 2, subId: 1, collateral: { WETH: "9", WBTC: "0.2" }, debt: { USDC: "16000", DAI: "10800" }, under: true },
  // deep: 1.053 -> 0.843 (collateral worth 1.02x the debt: too little to restore 1.05)
  { name: "G", owner: O + 3, subId: 2, collateral: { WETH: "10" }, debt: { USDC: "23500" }, under: true },
  // 2x2 safe: 1.744 -> 1.452
  { name: "I", owner: O + 3, subId: 0, collateral: { WETH: "10", WBTC: "1" }, debt: { USDC: "10000", DAI: "10000" }, under: false },
  // owes WETH: the drop makes it healthier, 1.173 -> 1.467
  { name: "J", owner: O + 4, subId: 0, collateral: { DAI: "100000" }, debt: { WETH: "25" }, under: false },
  // WBTC -> WETH, both fall: 1.111 -> 1.181
  { name: "K", owner: O + 4, subId: 255, collateral: { WBTC: "2" }, debt: { WETH: "27" }, under: false },
];

async function priceMove(ctx: Ctx): Promise<void> {
  const { world } = ctx;
  await world.deploy();
  await world.fundKeeper();
  for (const spec of PRICE_MOVE_POPULATION) await world.open(spec);
  const initial = await world.health();
  for (const [i, a] of world.accounts.entries()) {
    const planned = plannedHealth(a, world.prices);
    const actual = Number(initial[i]!.healthFactor) / 1e18;
    assert.ok(Math.abs(actual - planned) / planned < 1e-6, `${a.name}: vault health ${actual}, plan ${planned}`);
    assert.ok(actual > 1.03, `${a.name} opens healthy`);
  }

  const k = startKeeper(ctx);
  const ready = await k.waitForMsg("ready", READY_MS);
  assert.equal(ready.raw.liquidatable, 0, "nothing is liquidatable before the move");
  assert.equal(ready.raw.accounts, PRICE_MOVE_POPULATION.length, "the keeper indexed every account");

  const moveBlock = await movePrices(ctx, { WETH: 2400, WBTC: 51_000 });
  const atMove = await underwaterAt(ctx, moveBlock);
  const byPlan = world.accounts.filter((a) => plannedHealth(a, world.prices) < 1).map((a) => a.key);
  const designed = world.accounts.filter((a) => PRICE_MOVE_POPULATION.find((p) => p.name === a.name)!.under).map((a) => a.key);
  setEq(atMove.keys, byPlan, `underwater at the move block (vault ${atMove.table}) vs the plan's arithmetic`, ctx);
  setEq(atMove.keys, designed, "underwater at the move block vs the designed set", ctx);
  const underwater = world.accounts.filter((a) => atMove.keys.includes(a.key));
  const healthy = world.accounts.filter((a) => !atMove.keys.includes(a.key));

  await untilResolved(ctx, k, underwater);
  await settle(ctx, k);

  const events = await world.liquidations();
  const skipped = k.skips.map((r) => `${ctx.world.describe([normaliseAccount(r.raw.account)])}: ${String(r.raw.reason)} (${String(r.raw.why)})`);
  assert.deepEqual(skipped, [], "the keeper skipped accounts it should have liquidated");
  setEq(events.map((e) => e.key), atMove.keys, "accounts liquidated", ctx);
  for (const e of events) assert.equal(e.liquidator.toLowerCase(), world.keeperAddress.toLowerCase(), "only the keeper liquidates here");
  for (const h of healthy) assert.ok(!k.broadcasts.some((r) => normaliseAccount(r.raw.account) === h.key), `the keeper sent a transaction for healthy ${h.name}`);
  await assertRestored(ctx, atMove.keys);
  assert.deepEqual((await world.underwater()).map((a) => a.name), [], "nothing is left liquidatable");
  assertCleanKeeper(k, "price move");
  ctx.notes.push(
    `price move: under at the move {${world.describe(atMove.keys)}}, ${events.length} Liquidated event(s) ` +
      `[${events.map((e) => `${world.byKey(e.key)?.name}:${fmtHealth(e.healthBefore)}->${e.healthAfter === undefined ? "?" : fmtHealth(e.healthAfter)}`).join(" ")}], ${fmtMs(reactionTimes(k))}; not mined: ${notMined(ctx, k)}`,
  );
  await k.stop();
}

async function interestOnly(ctx: Ctx): Promise<void> {
  const { world, node } = ctx;
  await world.deploy();
  await world.fundKeeper();
  // T: 10 WETH ($24750 weighted) owing 23900 DAI (the most its initial margin allows is 24000): health
  // 1.0356; S owes USDC (its rate unchanged); S2 owes DAI at health 2.06
  const T = await world.open({ name: "T", owner: O, subId: 0, collateral: { WETH: "10" }, debt: { DAI: "23900" } });
  const S = await world.open({ name: "S", owner: O, subId: 1, collateral: { WETH: "10" }, debt: { USDC: "10000" } });
  const S2 = await world.open({ name: "S2", owner: O + 1, subId: 0, collateral: { WETH: "10" }, debt: { DAI: "12000" } });

  const k = startKeeper(ctx);
  const ready = await k.waitForMsg("ready", READY_MS);
  assert.equal(ready.raw.liquidatable, 0);

  // a steep DAI rate set while the keeper runs: 2e-5 per second, ~1.2 % of the debt per 10-minute jump
  await world.send(world.admin, world.vault, "IVault", "setRateModel", [ASSET.DAI, { ...STACK_RATE_MODEL, baseRate: 20_000_000_000_000n }]);
  const pricesBefore = { ...world.prices };

  let steps = 0;
  let crossed = false;
  for (; steps < 15 && !crossed; steps++) {
    await node.control.increaseTime(600);
    await node.control.mine();
    await world.refreshFeeds();
    const [h] = await world.health([T]);
    const liquidated = (await world.liquidations()).some((e) => e.key === T.key);
    crossed = h!.healthFactor < WAD || liquidated;
  }
  assert.ok(crossed, `interest did not push T under in ${steps} steps of 10 minutes`);
  assert.deepEqual(world.prices, pricesBefore, "no price changed");

  await k.until(
    "T is liquidated back to health >= 1",
    async () => (await world.liquidations()).some((e) => e.key === T.key) && (await world.underwater([T])).length === 0,
    ACT_MS,
  );
  await settle(ctx, k);
  const events = await world.liquidations();
  setEq(events.map((e) => e.key), [T.key], "accounts liquidated", ctx);
  for (const e of events) assert.equal(e.liquidator.toLowerCase(), world.keeperAddress.toLowerCase());
  await assertRestored(ctx, [T.key]);
  const [hs, hs2] = await world.health([S, S2]);
  assert.ok(hs!.healthFactor > WAD && hs2!.healthFactor > WAD, "S and S2 stay healthy");
  assert.deepEqual(k.skips.map((r) => r.raw), [], "nothing skipped");
  assertCleanKeeper(k, "interest only");
  ctx.notes.push(
    `interest only: T crossed after ${steps} jump(s) of 600 s; Liquidated ${events.map((e) => `${fmtHealth(e.healthBefore)}->${e.healthAfter === undefined ? "?" : fmtHealth(e.healthAfter)}`).join(" ")}, ${fmtMs(reactionTimes(k))}; not mined: ${notMined(ctx, k)}`,
  );
  await k.stop();
}

async function competitor(ctx: Ctx): Promise<void> {
  const { world } = ctx;
  await world.deploy();
  await world.fundKeeper();
  const rival = world.wallet(ROLE.competitor);
  await world.mint("USDC", rival.account.address, "1000000");
  await world.approveVault(ROLE.competitor, "USDC");
  // P and Q: 1.125 -> 0.9375 at WETH 2500; R: 1.72 -> 1.43
  const P = await world.open({ name: "P", owner: O, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "22000" } });
  const Q = await world.open({ name: "Q", owner: O + 1, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "22000" } });
  const R = await world.open({ name: "R", owner: O + 2, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "12000" } });

  const k = startKeeper(ctx);
  await k.waitForMsg("ready", READY_MS);

  // the price drop and the competitor's liquidation of P in one block, the drop first (higher tip)
  const [drop, rivalTx] = await inOneBlock(ctx, [
    { wallet: world.admin, address: world.feed("WETH"), abiName: "MockAggregator", functionName: "setAnswer", args: [parseUnits("2500", 8)], tipGwei: "3", gas: 200_000n },
    {
      wallet: rival,
      address: world.vault,
      abiName: "IVault",
      functionName: "liquidate",
      args: [P.address, P.subId, ASSET.USDC, ASSET.WETH, maxUint256, 0n],
      tipGwei: "1",
      gas: 1_500_000n,
    },
  ]);
  world.prices.WETH = 2500;
  assert.equal(drop!.status, "success");
  assert.equal(rivalTx!.status, "success", "the competitor's liquidation succeeds");
  assert.ok(drop!.transactionIndex < rivalTx!.transactionIndex, "the drop comes first in the block");
  const atMove = await underwaterAt(ctx, drop!.blockNumber - 1n);
  assert.deepEqual(atMove.keys, [], "healthy before the block");

  await untilResolved(ctx, k, [Q]);
  await settle(ctx, k);

  const events = await world.liquidations();
  const ofP = events.filter((e) => e.key === P.key);
  const ofQ = events.filter((e) => e.key === Q.key);
  assert.equal(ofP.length, 1, "P was liquidated once, by the competitor");
  assert.equal(ofP[0]!.liquidator.toLowerCase(), rival.account.address.toLowerCase());
  assert.ok(ofQ.length >= 1 && ofQ.every((e) => e.liquidator.toLowerCase() === world.keeperAddress.toLowerCase()), "the keeper liquidated Q");
  assert.ok(!events.some((e) => e.key === R.key), "R is untouched");
  const forP = k.records.filter((r) => normaliseAccount(r.raw.account) === P.key && (r.msg === "liquidation broadcast" || r.msg === "liquidation outcome"));
  for (const r of forP) {
    if (r.msg === "liquidation outcome") {
      assert.notEqual(r.raw.kind, "reverted", "no reverted transaction for P");
      assert.notEqual(r.raw.kind, "mined", "no liquidation of P by the keeper");
    }
  }
  await assertRestored(ctx, [P.key, Q.key]);
  assertCleanKeeper(k, "competitor");
  const pSummary = forP.length === 0 ? "nothing for P" : forP.map((r) => `${r.msg}${r.raw.kind ? ` ${String(r.raw.kind)}` : ""}${r.raw.reason ? `/${String(r.raw.reason)}` : ""}`).join("; ");
  ctx.notes.push(`competitor: keeper logged ${pSummary}; Q liquidated by the keeper; ${fmtMs(reactionTimes(k))}; not mined: ${notMined(ctx, k)}`);
  await k.stop();
}

async function killRestart(ctx: Ctx): Promise<void> {
  const { world, node } = ctx;
  await world.deploy();
  await world.fundKeeper();
  // A1 1.125 -> 0.9375 at WETH 2500; A2 safe throughout; A3 WBTC 1.184 -> 0.987 at 50000; A4 2x2 safe
  const A1 = await world.open({ name: "A1", owner: O, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "22000" } });
  const A2 = await world.open({ name: "A2", owner: O, subId: 1, collateral: { WETH: "10" }, debt: { USDC: "12000" } });
  const A3 = await world.open({ name: "A3", owner: O + 1, subId: 0, collateral: { WBTC: "1" }, debt: { DAI: "38000" } });
  const A4 = await world.open({ name: "A4", owner: O + 1, subId: 1, collateral: { WETH: "5", WBTC: "0.5" }, debt: { USDC: "10000", DAI: "10000" } });
  const checkpoint = join(ctx.dir, "checkpoint.json");

  // ---- first run: liquidates A1, checkpoints, then dies without a chance to checkpoint again
  const k1 = startKeeper(ctx, checkpoint);
  await k1.waitForMsg("ready", READY_MS);
  await movePrices(ctx, { WETH: 2500 });
  await untilResolved(ctx, k1, [A1]);
  await settle(ctx, k1);
  const firstEvents = await world.liquidations();
  setEq(firstEvents.map((e) => e.key), [A1.key], "liquidated before the kill", ctx);
  const lastLiqBlock = firstEvents[firstEvents.length - 1]!.blockNumber;
  // the keeper checkpoints every 20 blocks: mine until its checkpoint covers the liquidation
  let cp: bigint | undefined;
  for (let i = 0; i < 60; i++) {
    cp = await checkpointBlock(checkpoint);
    if (cp !== undefined && cp >= lastLiqBlock) break;
    await node.control.mine();
    await sleep(60);
  }
  await k1.until("the checkpoint covers the first liquidation", async () => {
    cp = await checkpointBlock(checkpoint);
    return cp !== undefined && cp >= lastLiqBlock;
  }, 20_000);
  // more activity the first run sees but its checkpoint does not cover (a restart must replay it)
  await world.deposit(A4.owner, A4.subId, "WBTC", "0.1");
  for (let i = 0; i < 3; i++) await node.control.mine();
  await sleep(300);
  await k1.kill();
  assert.equal(k1.exitSignal, "SIGKILL");
  assert.ok(!k1.records.some((r) => r.msg === "stopped"), "a killed keeper does not stop cleanly");
  assertCleanKeeper(k1, "kill-restart, first run");
  const killedAt = await node.control.blockNumber();
  // the checkpoint the first run left (it may have written a newer one in the blocks mined since)
  cp = await checkpointBlock(checkpoint);
  assert.ok(cp !== undefined && cp >= lastLiqBlock, `a checkpoint covering the liquidation is on disk (${cp})`);

  // ---- while it is down: new accounts, a top-up, two price moves, blocks
  const N1 = await world.open({ name: "N1", owner: O + 2, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "19500" } });
  const N2 = await world.open({ name: "N2", owner: O + 2, subId: 3, collateral: { WBTC: "2" }, debt: { USDC: "30000" } });
  await world.deposit(A2.owner, A2.subId, "WETH", "1");
  await movePrices(ctx, { WBTC: 50_000 });
  await movePrices(ctx, { WETH: 2300 });
  for (let i = 0; i < 3; i++) await node.control.mine();
  const down = (await world.underwater()).map((a) => a.key);
  // A1 (restored to 1.05 at 2500) is under again at 2300; A3 through WBTC; N1 opened at 1.058, under at 2300
  setEq(down, [A1.key, A3.key, N1.key], `underwater while the keeper is down (${(await underwaterAt(ctx, await node.control.blockNumber())).table})`, ctx);

  // ---- second run, same checkpoint
  const k2 = startKeeper(ctx, checkpoint);
  const resumed = await k2.waitForMsg("resuming from checkpoint", READY_MS);
  const resumedFrom = BigInt(String(resumed.raw.block));
  assert.equal(resumedFrom, cp, "resumes from the block of the checkpoint the first run left");
  assert.ok(resumedFrom >= lastLiqBlock && resumedFrom > world.stack.startBlock, `checkpoint block ${resumedFrom}`);
  assert.ok(resumedFrom < killedAt, "the checkpoint lags the kill: the restart replays blocks the first run had seen");
  const ready = await k2.waitForMsg("ready", READY_MS);
  assert.equal(ready.raw.accounts, world.accounts.length, "the resumed book has every account, the new ones too");
  await untilResolved(ctx, k2, world.accounts);
  await settle(ctx, k2);

  const events = await world.liquidations();
  const after = events.filter((e) => e.blockNumber > killedAt);
  setEq(after.map((e) => e.key), down, "liquidated after the restart", ctx);
  setEq(events.map((e) => e.key), [A1.key, A3.key, N1.key], "liquidated overall", ctx);
  for (const e of events) assert.equal(e.liquidator.toLowerCase(), world.keeperAddress.toLowerCase());
  for (const h of [A2, A4, N2]) assert.ok(!events.some((e) => e.key === h.key), `${h.name} is untouched`);
  assert.deepEqual((await world.underwater()).map((a) => a.name), [], "nothing is left liquidatable");
  await assertRestored(ctx, down);
  assert.deepEqual(k2.skips.map((r) => r.raw), [], "nothing skipped");
  assertCleanKeeper(k2, "kill-restart, second run");

  // ---- SIGTERM: a clean stop, with a checkpoint at the head
  const head = await node.control.blockNumber();
  await k2.stop();
  assert.equal(k2.exitCode, 0, `the keeper exits 0 on SIGTERM; last lines:\n${k2.lastLines()}`);
  assert.ok(k2.records.some((r) => r.msg === "stopped"), "logs stopped");
  const finalCp = await checkpointBlock(checkpoint);
  assert.ok(finalCp !== undefined && finalCp >= after[after.length - 1]!.blockNumber && finalCp <= head, `checkpoint at ${finalCp} after the stop (head ${head})`);
  ctx.notes.push(
    `kill-restart: first run ${fmtMs(reactionTimes(k1))}; killed at block ${killedAt} with checkpoint ${cp}; ` +
      `resumed with ${String(ready.raw.liquidatable)} liquidatable at ready; ${fmtMs(reactionTimes(k2))}; final checkpoint ${finalCp}; ` +
      `not mined: first run ${notMined(ctx, k1)}, second run ${notMined(ctx, k2)}`,
  );
}

/**
 * Mines a block every `everyMs` with automine off, each `stepSeconds` after the previous one (0: the same
 * timestamp, as anvil's automine within one wall-clock second, or an L2 like Arbitrum). Returns stop().
 */
function startTicker(ctx: Ctx, stepSeconds: number, everyMs = 250): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    await ctx.node.control.setAutomine(false);
    while (running) {
      const b = await ctx.world.pub.getBlock({ blockTag: "latest" });
      await ctx.node.control.call("evm_setNextBlockTimestamp", [Number(b.timestamp) + stepSeconds]);
      await ctx.node.control.mine();
      await sleep(everyMs);
    }
  })();
  return async () => {
    running = false;
    await loop.catch(() => undefined);
    await ctx.node.control.setAutomine(true);
  };
}

/**
 * The keeper plans at head.timestamp + 1 (KeeperService.nextTimestamp). When the next block has the head's
 * timestamp (anvil within one second, Arbitrum), the bonus at execution differs a little from the planned
 * one. A plan whose best pair takes ALL of one collateral then needs a slightly different repay to seize
 * it all: sent the exact planned repay, the vault would seize a few wei less and refuse the dust left
 * (Vault_MustNotLeaveDust), block after block (this was a keeper bug found by this scenario). The planner
 * now asks a little headroom on such a repay, which the vault caps at its own maximum.
 */
async function sameTimestamp(ctx: Ctx): Promise<void> {
  const { world } = ctx;
  await world.deploy();
  await world.fundKeeper();
  // 2x2, 1.143 -> 0.952 after the move; its best pair (DAI against WETH) takes all 5 WETH
  const X = await world.open({ name: "X", owner: O, subId: 0, collateral: { WETH: "5", WBTC: "0.5" }, debt: { USDC: "16000", DAI: "14500" } });
  // one second of DAI interest moves the bonus (1e-6 per second)
  await world.send(world.admin, world.vault, "IVault", "setRateModel", [ASSET.DAI, { ...STACK_RATE_MODEL, baseRate: 1_000_000_000_000n }]);
  const k = startKeeper(ctx);
  await k.waitForMsg("ready", READY_MS);
  // the ticker freezes the timestamp: it must be past X's last margin check (the vault refuses a
  // liquidation at that timestamp, Vault_CoolOff), which anvil may have stamped in this very second
  await ctx.node.control.increaseTime(1);
  await ctx.node.control.mine();
  const stop = startTicker(ctx, 0);
  try {
    await sleep(300);
    const hashes: Hex[] = [];
    for (const [s, p] of [["WETH", 2400], ["WBTC", 51_000]] as const) {
      const nonce = await world.pub.getTransactionCount({ address: world.admin.account.address, blockTag: "pending" });
      const hash = await world.admin.writeContract({
        address: world.feed(s),
        abi: abiOf("MockAggregator"),
        functionName: "setAnswer",
        args: [parseUnits(String(p), 8)],
        chain: world.chain,
        account: world.admin.account,
        nonce,
        gas: 200_000n,
      });
      hashes.push(hash);
      world.prices[s] = p;
    }
    for (const hash of hashes) await world.pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    assert.equal((await world.underwater([X])).length, 1, "X is under after the move");
    await untilResolved(ctx, k, [X], 10_000, false);
  } finally {
    await stop();
  }
  await settle(ctx, k);
  assert.ok((await world.liquidations()).some((e) => e.key === X.key), "X liquidated");
  assertCleanKeeper(k, "same timestamp");
  ctx.notes.push(`same timestamp: ${fmtMs(reactionTimes(k))}; not mined: ${notMined(ctx, k)}; events ${(await world.liquidations()).map((e) => `${e.debtAsset}/${e.collateralAsset} ${fmtHealth(e.healthBefore)}->${fmtHealth(e.healthAfter ?? 0n)} block ${e.blockNumber}`).join(", ")}`);
  await k.stop();
}

/**
 * A chain reorganisation below the keeper's synced block. X is topped up (safe at WETH 2500 with the
 * top-up, under without it); the keeper syncs the top-up; anvil_reorg replaces the blocks that held it
 * with empty ones; WETH falls to 2500. A keeper that kept the orphaned top-up in its book would see X as
 * healthy and never liquidate it.
 */
async function reorg(ctx: Ctx): Promise<void> {
  const { world, node } = ctx;
  await world.deploy();
  await world.fundKeeper();
  // X: 1.125 -> 0.9375 at WETH 2500 (1.406 with the top-up of 5 WETH); Y: safe throughout
  const X = await world.open({ name: "X", owner: O, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "22000" } });
  const Y = await world.open({ name: "Y", owner: O + 1, subId: 0, collateral: { WETH: "10" }, debt: { USDC: "12000" } });
  // the top-up's tokens and approval before the blocks that will be reorganised away
  await world.mint("WETH", X.address, "5");
  await world.approveVault(X.owner, "WETH");
  const k = startKeeper(ctx);
  await k.waitForMsg("ready", READY_MS);

  const before = await node.control.blockNumber();
  await world.send(world.wallet(X.owner), world.vault, "IVault", "deposit", [X.address, X.subId, ASSET.WETH, world.amount("WETH", "5")]);
  await node.control.mine();
  const [topped] = await world.health([X]);
  const depth = Number((await node.control.blockNumber()) - before);
  await sleep(1_000); // the keeper syncs the top-up's blocks

  await node.control.call("anvil_reorg", [depth, []]);
  const [reverted] = await world.health([X]);
  assert.ok(reverted!.collateralValue < topped!.collateralValue, "the reorganisation took the top-up away");
  await node.control.mine();

  await movePrices(ctx, { WETH: 2500 });
  setEq((await world.underwater()).map((a) => a.key), [X.key], "underwater after the move (the chain's view)", ctx);
  await untilResolved(ctx, k, [X]);
  await settle(ctx, k);

  assert.ok(k.records.some((r) => r.msg === "chain reorganisation below the synced block: reopening the book"), "the keeper noticed the reorganisation");
  const events = await world.liquidations();
  setEq(events.map((e) => e.key), [X.key], "accounts liquidated", ctx);
  for (const e of events) assert.equal(e.liquidator.toLowerCase(), world.keeperAddress.toLowerCase());
  assert.ok(!events.some((e) => e.key === Y.key), "Y is untouched");
  await assertRestored(ctx, [X.key]);
  assertCleanKeeper(k, "reorg");
  const reopened = k.records.find((r) => r.msg === "book reopened after the reorganisation");
  ctx.notes.push(`reorg: depth ${depth}; book reopened in ${String(reopened?.raw.ms)} ms; ${fmtMs(reactionTimes(k))}; not mined: ${notMined(ctx, k)}`);
  await k.stop();
}

const RUNNERS: Record<ScenarioName, { title: string; run: (ctx: Ctx) => Promise<void> }> = {
  "price-move": { title: "price move: exactly the accounts under 1 are liquidated, no healthy one is touched", run: priceMove },
  "interest-only": { title: "interest only: time travel pushes an account under and the per-block sweep liquidates it", run: interestOnly },
  competitor: { title: "competing liquidator: no failing transaction for the account taken first, the other one liquidated", run: competitor },
  "kill-restart": { title: "kill and restart: resumes from its checkpoint and misses nothing", run: killRestart },
  "same-timestamp": {
    title: "blocks sharing the head's timestamp: an account whose best pair takes all of one collateral is liquidated",
    run: sameTimestamp,
  },
  reorg: { title: "chain reorganisation: a synced top-up is reorganised away; the keeper reopens its book and liquidates the account", run: reorg },
};

/** One describe per node kind; `scenarios` may be a subset (E2E_SCENARIOS=price-move,competitor overrides). */
export function keeperEndToEnd(kind: NodeKind, scenarios: ScenarioName[] = ALL_SCENARIOS): void {
  const only = process.env.E2E_SCENARIOS?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const selected = only && only.length > 0 ? scenarios.filter((s) => only.includes(s)) : scenarios;

  describe(`keeper end to end on ${kind} (127.0.0.1)`, function () {
    this.timeout(120_000);
    let node: TestNode | undefined;
    let dir = "";
    const timings: string[] = [];
    let suiteStart = 0;
    let current: Ctx | undefined;

    before(async function () {
      this.timeout(60_000);
      suiteStart = performance.now();
      node = await startNode(kind);
      dir = mkdtempSync(join(tmpdir(), `keeper-e2e-${kind}-`));
    });

    afterEach(async function () {
      // a failed scenario must not leave its keeper running
      if (current !== undefined) {
        await Promise.all(current.keepers.map((k) => k.stop(5_000)));
        const logDir = process.env.E2E_KEEPER_LOG_DIR;
        if (logDir) {
          mkdirSync(logDir, { recursive: true });
          const title = (this.currentTest?.title ?? "test").replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
          for (const [i, k] of current.keepers.entries()) writeFileSync(join(logDir, `${kind}-${title}-${i + 1}.log`), `${k.lines.join("\n")}\n`);
        }
        for (const n of current.notes) timings.push(`  [${kind}] ${n}`);
        current = undefined;
      }
      await stopAllKeepers();
      // a failure inside inOneBlock may leave automine off
      await node?.control.setAutomine(true).catch(() => undefined);
    });

    after(async function () {
      this.timeout(30_000);
      await stopAllKeepers();
      await node?.stop();
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
      timings.push(`  [${kind}] suite ${((performance.now() - suiteStart) / 1000).toFixed(1)} s`);
      console.log(timings.join("\n"));
    });

    for (const name of selected) {
      const r = RUNNERS[name];
      it(r.title, async function () {
        assert.ok(node, "node started");
        const started = performance.now();
        const sub = mkdtempSync(join(dir, `${name}-`));
        current = { node, world: new World(node), dir: sub, keepers: [], notes: [] };
        await r.run(current);
        current.notes.push(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      });
    }
  });
}

/**
 * The stress test (keeper/src/risk/stress.ts) against the vault, on a seeded population of 36 accounts
 * with varied leverage and shapes (one or two collaterals, one or two debts, stable and volatile debts):
 * (1) shock WETH -30% and WBTC -20% in the twin, then set the shocked prices on the feeds at the
 *     timestamp the twin used: every account's accountHealth is the twin's (so "liquidatable after the
 *     shock" is the vault's), and for each liquidatable account the vault's maxLiquidation of every pair
 *     is the twin's, the first liquidation being the pair that repays the most USD (to the wei);
 * (2) the cascade: every predicted liquidation is sent by a funded liquidator with an unlimited repay, all
 *     in one block at the timestamp of a fresh prediction; the Liquidated events are the predicted steps
 *     and the BadDebt events the predicted write-offs, to the wei, and the book after it holds the
 *     predicted positions;
 * (3) pure: shock parsing and rounding to the feed grid, and an account whose cascade ends in bad debt.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { maxUint256, parseEventLogs, type Hex } from "viem";
import { vaultAbi } from "../../keeper/src/chain/abi.ts";
import { readAssetSymbols, AssetSymbols } from "../../keeper/src/chain/assetSymbols.ts";
import { parseShocks, feedSteps } from "../../keeper/src/cli/stressCommand.ts";
import { shockPrices, stressBook, liquidationCascade, type StressResult } from "../../keeper/src/risk/stress.ts";
import { valueUp } from "../../keeper/src/math/healthMath.ts";
import { bookFromChain } from "./bookFromChain.ts";
import { DAI, USDC, WBTC, WETH, feedAbi, fund, hardhatAccount, refreshFeeds, seedAccounts, startRiskChain, type RiskChain } from "./riskStack.ts";

const WAD = 10n ** 18n;
const FEED_STEP = 10n ** 10n;
const DAY = 86_400;
const LIQUIDATOR = 9;

describe("stress test on a seeded population, checked against the vault", function () {
  this.timeout(300_000);
  let c: RiskChain;
  let result: StressResult;
  let T: bigint;

  before(async () => {
    c = await startRiskChain();
    await seedAccounts(c, 36, [2, 3, 4, 5, 6, 7, 8, 10]);
    await fund(c, c.wallet(LIQUIDATOR));
    // ten days of interest, then fresh rounds on every feed
    await c.testClient.increaseTime({ seconds: 10 * DAY });
    await refreshFeeds(c);
  });
  after(async () => c?.close());

  it("(1) after the shock the vault's health and maxLiquidation are the twin's for every account and pair", async () => {
    const { book, prices, timestamp } = await bookFromChain(c.publicClient as never, c.stack.vault);
    const symbols = await readAssetSymbols(c.publicClient, book.assets.values());
    assert.deepEqual([...symbols.byId.values()], ["USDC", "WBTC", "WETH", "DAI"]);
    const shocks = parseShocks("WETH=-30%,WBTC=-20%", symbols);
    const shocked = shockPrices(prices, shocks, feedSteps(book));
    T = timestamp + 5n;
    result = stressBook(book, prices, shocked, T);
    const t = result.totals;
    assert.equal(t.accounts, 36);
    assert.equal(t.liquidatableBefore, 0);
    assert.ok(t.liquidatableAfter >= 8, `liquidatable after: ${t.liquidatableAfter}`);
    assert.ok(t.withBadDebt >= 2, `accounts with bad debt: ${t.withBadDebt}`);
    assert.ok(t.liquidatableAfter < t.accounts, "some accounts survive the shock");

    // the shocked prices on the feeds, all in one block at T
    await c.testClient.setAutomine(false);
    for (const [i, feed] of c.stack.feeds.entries()) {
      await c.admin.writeContract({ address: feed, abi: feedAbi, functionName: "setAnswer", args: [shocked.get(i)! / FEED_STEP], gas: 200_000n });
    }
    await c.testClient.setNextBlockTimestamp({ timestamp: T });
    await c.testClient.mine({ blocks: 1 });
    await c.testClient.setAutomine(true);
    assert.equal((await c.publicClient.getBlock()).timestamp, T);

    let pairs = 0;
    for (const r of result.rows) {
      const h = await c.publicClient.readContract({ address: c.stack.vault, abi: vaultAbi, functionName: "accountHealth", args: [r.owner, r.subId] });
      assert.deepEqual(h, r.after, `${r.owner}/${r.subId}: accountHealth after the shock`);
      assert.equal(h.healthFactor < WAD, r.liquidatableAfter);
      if (!r.liquidatableAfter) continue;
      const acc = book.account(r.owner, r.subId)!;
      const ids = [...acc.positions.keys()];
      let bestUsd = -1n;
      for (const d of ids.filter((a) => acc.positions.get(a)!.isDebt)) {
        for (const col of ids.filter((a) => !acc.positions.get(a)!.isDebt)) {
          const [repay, seized, bonus] = await c.publicClient.readContract({
            address: c.stack.vault,
            abi: vaultAbi,
            functionName: "maxLiquidation",
            args: [r.owner, r.subId, d, col],
          });
          const usd = (repay * shocked.get(d)!) / 10n ** BigInt(book.asset(d).decimals);
          if (usd > bestUsd) bestUsd = usd;
          if (d === r.first!.debtAsset && col === r.first!.collateralAsset) {
            assert.deepEqual([repay, seized, bonus], [r.first!.repaid, r.first!.seized, r.first!.bonus], `${r.owner}/${r.subId} first pair`);
            const p = await c.publicClient.readContract({
              address: c.stack.vault,
              abi: vaultAbi,
              functionName: "previewLiquidation",
              args: [r.owner, r.subId, d, col, maxUint256, hardhatAccount(LIQUIDATOR).address],
            });
            assert.equal(p.fee, r.first!.fee);
            assert.equal(p.paid, r.first!.paid);
            assert.equal(p.healthAfter, r.first!.healthAfter);
          }
          pairs++;
        }
      }
      assert.equal(bestUsd, r.first!.repaidUsd, `${r.owner}/${r.subId}: the first liquidation repays the most USD`);
    }
    console.log(
      `      ${t.accounts} accounts, ${t.liquidatableAfter} liquidatable after WETH -30% / WBTC -20%, ${pairs} pairs checked; ` +
        `bad debt predicted ${Number(t.badDebtUsd / 10n ** 16n) / 100} USD in ${t.withBadDebt} accounts`,
    );
  });

  it("(2) the cascade executed on the vault in one block matches the twin's steps and write-offs to the wei", async () => {
    // a fresh prediction at the cascade's timestamp (interest moved on by a second)
    const { book, prices, timestamp } = await bookFromChain(c.publicClient as never, c.stack.vault);
    const T2 = timestamp + 1n;
    const predicted = stressBook(book, prices, prices, T2);
    assert.equal(predicted.totals.liquidatableAfter, result.totals.liquidatableAfter);
    const liquidator = c.wallet(LIQUIDATOR);
    await c.testClient.setAutomine(false);
    const hashes: Hex[] = [];
    for (const r of predicted.rows) {
      for (const s of r.cascade?.steps ?? []) {
        hashes.push(
          await liquidator.writeContract({
            address: c.stack.vault,
            abi: vaultAbi,
            functionName: "liquidate",
            args: [r.owner, r.subId, s.debtAsset, s.collateralAsset, maxUint256, 0n],
            gas: 1_500_000n,
          }),
        );
      }
    }
    await c.testClient.setNextBlockTimestamp({ timestamp: T2 });
    await c.testClient.mine({ blocks: 1 });
    await c.testClient.setAutomine(true);
    const receipts = await Promise.all(hashes.map((hash) => c.publicClient.getTransactionReceipt({ hash })));
    const blocks = new Set(receipts.map((r) => r.blockNumber));
    assert.equal(blocks.size, 1, "every liquidation in one block");
    for (const r of receipts) assert.equal(r.status, "success");
    const events = parseEventLogs({ abi: vaultAbi, logs: receipts.flatMap((r) => r.logs), strict: true });
    const key = (o: string, s: number) => `${o.toLowerCase()}/${s}`;
    const liqs = new Map<string, (typeof events)[number][]>();
    for (const e of events) {
      if (e.eventName !== "Liquidated" && e.eventName !== "BadDebt") continue;
      const k = key(e.args.owner, e.args.subId);
      liqs.set(k, [...(liqs.get(k) ?? []), e]);
    }
    let steps = 0;
    let badDebtUsd = 0n;
    for (const r of predicted.rows) {
      const got = liqs.get(key(r.owner, r.subId)) ?? [];
      const gotLiqs = got.filter((e) => e.eventName === "Liquidated");
      const gotBad = got.filter((e) => e.eventName === "BadDebt");
      const want = r.cascade?.steps ?? [];
      assert.equal(gotLiqs.length, want.length, `${r.owner}/${r.subId}: number of liquidations`);
      gotLiqs.forEach((e, i) => {
        const s = want[i]!;
        if (e.eventName !== "Liquidated") return;
        assert.deepEqual(
          [e.args.debtAsset, e.args.collateralAsset, e.args.repaid, e.args.paid, e.args.sharesBurnt, e.args.seized, e.args.fee, e.args.bonus, e.args.healthBefore, e.args.healthAfter],
          [s.debtAsset, s.collateralAsset, s.repaid, s.paid, s.sharesBurnt, s.seized, s.fee, s.bonus, s.healthBefore, s.healthAfter],
          `${r.owner}/${r.subId} step ${i}`,
        );
        steps++;
      });
      const wantBad = r.cascade?.writeOffs ?? [];
      assert.equal(gotBad.length, wantBad.length, `${r.owner}/${r.subId}: write-offs`);
      for (const e of gotBad) {
        if (e.eventName !== "BadDebt") continue;
        const w = wantBad.find((x) => x.asset === e.args.asset);
        assert.ok(w, `unexpected BadDebt of asset ${e.args.asset}`);
        assert.deepEqual([e.args.amount, e.args.shares], [w.amount, w.shares]);
        badDebtUsd += valueUp(e.args.amount, prices.get(e.args.asset)!, 10n ** BigInt(book.asset(e.args.asset).decimals));
      }
    }
    assert.equal(badDebtUsd, predicted.totals.badDebtUsd, "bad debt written off = predicted");
    assert.ok(badDebtUsd > 0n);
    // the book after the cascade holds the predicted positions, and no account is liquidatable any more
    const afterBook = (await bookFromChain(c.publicClient as never, c.stack.vault)).book;
    for (const r of predicted.rows) {
      const acc = afterBook.account(r.owner, r.subId);
      const want = r.cascade?.positions ?? book.account(r.owner, r.subId)!.positions;
      assert.deepEqual(new Map(acc?.positions ?? []), new Map(want), `${r.owner}/${r.subId} positions after`);
    }
    const stuck = predicted.rows.filter((r) => r.cascade?.end === "stuck").length;
    console.log(
      `      ${steps} liquidations and ${predicted.totals.withBadDebt} write-offs in block ${[...blocks][0]}; bad debt ${Number(badDebtUsd / 10n ** 16n) / 100} USD as predicted; ${stuck} stuck`,
    );
  });
});

describe("stress test (pure)", () => {
  const symbols = new AssetSymbols(new Map([[USDC, "USDC"], [WBTC, "WBTC"], [WETH, "WETH"], [DAI, "DAI"]]));
  const err = (text: string, re: RegExp) =>
    assert.throws(() => parseShocks(text, symbols), (e: Error) => e.name === "InputError" && re.test(e.message), text);

  it("parses percentages, factors and absolute prices", () => {
    assert.deepEqual(parseShocks("weth=-30%, WBTC=0.8x,USDC=0.98, 3=+12.5%", symbols), [
      { asset: WETH, kind: "relative", ppm: 700_000n },
      { asset: WBTC, kind: "relative", ppm: 800_000n },
      { asset: USDC, kind: "absolute", price: 980_000_000_000_000_000n },
      { asset: DAI, kind: "relative", ppm: 1_125_000n },
    ]);
  });

  it("rejects malformed shocks with one clear message each", () => {
    err("WETH=30%", /give the direction, -30% for a fall or \+30% for a rise/);
    err("WETH=-3o%", /malformed percentage/);
    err("WETH=-30.12345%", /malformed percentage/);
    err("FOO=-10%", /unknown asset "FOO": the vault lists USDC \(0\), WBTC \(1\), WETH \(2\), DAI \(3\)/);
    err("7=-10%", /unknown asset id 7/);
    err("WETH=-100%", /leaves a price <= 0/);
    err("WETH=0x", /factor must be positive/);
    err("WETH=0", /price must be positive/);
    err("WETH=abc", /expected a signed percentage, a factor or a USD price/);
    err("WETH-30%", /is not ASSET=VALUE/);
    err("WETH=-10%,WETH=-20%", /WETH is shocked twice/);
  });

  it("rounds a shocked price down to the feed's grid and refuses a price that rounds to zero", () => {
    const prices = new Map([[WETH, 3000n * WAD + 123n], [USDC, WAD]]);
    const out = shockPrices(prices, [{ asset: WETH, kind: "relative", ppm: 700_000n }], new Map([[WETH, FEED_STEP]]));
    assert.equal(out.get(WETH), 2100n * WAD);
    assert.equal(out.get(USDC), WAD);
    assert.throws(() => shockPrices(prices, [{ asset: USDC, kind: "absolute", price: 10n }], new Map([[USDC, FEED_STEP]])), RangeError);
  });

  // one asset pair: WETH collateral (18 decimals, LT 82.5%, bonus cap 7.5%) against USDC debt (6 decimals)
  const config = (decimals: number) => ({
    decimals,
    ltv: 8000n,
    liquidationThreshold: 8250n,
    ltRampFrom: 8250n,
    rampEnd: 0n,
    rampDuration: 0n,
    sizeFactor: 10_000n,
    sizeThreshold: (1n << 96n) - 1n,
    maxBonus: 75_000_000_000_000_000n,
    protocolFee: 1000n,
  });
  const clock = { borrowIndex: WAD, ratePerSecond: 0n, lastAccrual: 0n };
  const assets = new Map([[USDC, { config: config(6), clock }], [WETH, { config: config(18), clock }]]);
  const globals = { minBonus: 20_000_000_000_000_000n, targetHealth: 1_050_000_000_000_000_000n, minLeftover: 100n * WAD };
  const account = (weth: bigint, usdc: bigint) =>
    new Map([[WETH, { isDebt: false, amount: weth * WAD }], [USDC, { isDebt: true, amount: usdc * 10n ** 6n }]]);

  it("a deep shock ends in bad debt: all the collateral is seized and the rest of the debt written off", () => {
    const prices = new Map([[WETH, 1500n * WAD], [USDC, WAD]]);
    const r = liquidationCascade({ positions: account(1n, 1700n), assets, prices, timestamp: 1000n, globals });
    assert.equal(r.end, "badDebt");
    assert.equal(r.steps.length, 1);
    const s = r.steps[0]!;
    assert.equal(s.seized, WAD, "all the WETH");
    // repay = ceil(1 WETH * 1500 / 1.075) in USDC units
    assert.equal(s.repaid, 1_395_348_838n);
    assert.deepEqual(r.writeOffs.map((w) => [w.asset, w.amount]), [[USDC, 1700n * 10n ** 6n - 1_395_348_838n]]);
    assert.equal(r.badDebtUsd, (1700n * 10n ** 6n - 1_395_348_838n) * 10n ** 12n);
    assert.equal(r.positions.size, 0);
  });

  it("a mild shock ends healthy after one partial liquidation back to the target health", () => {
    const prices = new Map([[WETH, 1900n * WAD], [USDC, WAD]]);
    const r = liquidationCascade({ positions: account(10n, 15_900n), assets, prices, timestamp: 1000n, globals });
    assert.equal(r.end, "healthy");
    assert.equal(r.steps.length, 1);
    assert.ok(r.health.healthFactor >= 1_049_000_000_000_000_000n && r.health.healthFactor < 1_051_000_000_000_000_000n, `${r.health.healthFactor}`);
    assert.equal(r.badDebtUsd, 0n);
    assert.equal(liquidationCascade({ positions: account(10n, 10_000n), assets, prices, timestamp: 1000n, globals }).end, "notLiquidatable");
  });
});

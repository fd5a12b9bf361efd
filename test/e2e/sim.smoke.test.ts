/**
 * Smoke test of `npm run sim` (scripts/sim.ts) in-process, without the keeper: a tiny seeded population,
 * the built-in crash, and the summary checked against the chain (every account the summary calls
 * liquidatable is below health 1 in the vault's own view and every other one is not; the population's
 * size; no liquidation without a keeper). Then the same with the real keeper as a child process (skipped
 * if this checkout's keeper has no `run`): the summary's liquidations are the chain's Liquidated events,
 * all from the keeper's address, valued at the vault's own prices at their blocks. Plus the pure parts:
 * the population and the scenario are reproducible from the seed, and bad price files are refused with a
 * message naming the problem.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import { compiled } from "../../scripts/lib/artifacts.ts";
import { DEFAULT_STACK_ASSETS, type Stack } from "../../scripts/lib/deployStack.ts";
import { builtInScenario, historyPath, startPrices } from "../../scripts/lib/scenario.ts";
import { LEVERAGE_PROFILES, planPopulation } from "../../scripts/lib/seedPopulation.ts";
import type { SimChain } from "../../scripts/lib/simChain.ts";
import { keeperHasRun } from "../../scripts/lib/keeperProcess.ts";
import { SIM_KEEPER_ADDRESS, accountKey, renderSummary, runSimulation, summaryJson, type SimSummary } from "../../scripts/sim.ts";

const WAD = 10n ** 18n;

describe("npm run sim (in-process, --no-keeper)", function () {
  this.timeout(120_000);
  let summary: SimSummary;
  let chain: SimChain | undefined;
  let stack: Stack | undefined;
  const lines: string[] = [];

  before(async () => {
    summary = await runSimulation(
      { accounts: 20, seed: "smoke", subAccountsPerOwner: 8, leverage: "aggressive", scenario: "eth-crash", stepSeconds: 900, keeper: false },
      {
        progress: (l) => lines.push(l),
        onChain: (c, s) => {
          chain = c;
          stack = s;
        },
        keepChain: true,
      },
    );
  });

  after(async () => {
    await chain?.close();
  });

  it("seeds the population it was asked for and shows progress", () => {
    assert.equal(summary.population.accounts, 20);
    assert.equal(summary.population.owners, 3);
    assert.ok(lines.some((l) => l.startsWith("seeded 20 accounts")), lines.join("\n"));
    assert.ok(lines.some((l) => /^round +\d+\/\d+/.test(l)));
    assert.equal(summary.scenario.rounds, 6); // 1.5 h of eth-crash in 15-minute rounds
    assert.ok(Math.abs(summary.scenario.prices.WETH!.minChangePct + 35) < 1e-9);
  });

  it("reports as liquidatable exactly the accounts the vault says are below health 1", async () => {
    assert.ok(chain && stack);
    const abi = compiled("IVault").abi;
    const plan = planPopulation(
      { accounts: 20, seed: "smoke", medianSizeUsd: 25_000, leverage: LEVERAGE_PROFILES.aggressive, subAccountsPerOwner: 8 },
      stack.assets,
    );
    const reported = new Set(summary.end.liquidatable);
    assert.ok(reported.size > 0, "an aggressive book must have liquidatable accounts after a 35% crash");
    let debt = 0n;
    let shortfall = 0n;
    for (const a of plan.accounts) {
      const h = (await chain.publicClient.readContract({ address: stack.vault, abi, functionName: "accountHealth", args: [a.owner, a.subId] })) as {
        healthFactor: bigint;
        debtValue: bigint;
        collateralValue: bigint;
      };
      assert.ok(h.debtValue > 0n, `${accountKey(a.owner, a.subId)} has debt`);
      const below = h.healthFactor < WAD;
      assert.equal(reported.has(accountKey(a.owner, a.subId)), below, `${accountKey(a.owner, a.subId)}: health ${h.healthFactor}`);
      if (below) {
        debt += h.debtValue;
        if (h.collateralValue < h.debtValue) shortfall += h.debtValue - h.collateralValue;
      }
    }
    assert.equal(summary.end.liquidatableDebtUsd, debt);
    assert.equal(summary.end.shortfallUsd, shortfall);
    assert.equal(summary.end.neverLiquidated, reported.size);
    // the simulation's own estimate agrees with the vault at the end
    assert.ok(summary.during.everBelowOneEst >= reported.size);
  });

  it("liquidates nothing without a keeper and renders the summary", () => {
    assert.equal(summary.keeper.enabled, false);
    assert.equal(summary.liquidations.events, 0);
    assert.equal(summary.badDebt.events, 0);
    const text = renderSummary(summary);
    assert.match(text, /20 accounts/);
    assert.match(text, new RegExp(`${summary.end.liquidatable.length} of 20 accounts liquidatable`));
    const json = JSON.parse(summaryJson(summary)) as { end: { liquidatableDebtUsd: string } };
    assert.match(json.end.liquidatableDebtUsd, /^\d+\.\d\d$/);
  });
});

describe("npm run sim with the real keeper (in-process chain, keeper as a child process)", function () {
  this.timeout(180_000);
  let summary: SimSummary;
  let chain: SimChain | undefined;
  let stack: Stack | undefined;

  before(async function () {
    if (!keeperHasRun()) this.skip(); // the keeper's `run` command is not in this checkout
    summary = await runSimulation(
      { accounts: 20, seed: "smoke", subAccountsPerOwner: 8, leverage: "aggressive", scenario: "eth-crash", stepSeconds: 900, keeper: true },
      {
        onChain: (c, s) => {
          chain = c;
          stack = s;
        },
        keepChain: true,
      },
    );
  });

  after(async () => {
    await chain?.close();
  });

  it("the summary's liquidations are the chain's, all by the keeper, valued at the vault's prices", async () => {
    assert.ok(chain && stack);
    const abi = compiled("IVault").abi;
    const logs = await chain.publicClient.getContractEvents({ address: stack.vault, abi, eventName: "Liquidated", fromBlock: stack.startBlock });
    assert.ok(logs.length > 0, "a 35% crash on an aggressive book liquidates");
    assert.equal(summary.liquidations.events, logs.length);
    let repaid = 0n;
    const accounts = new Set<string>();
    for (const l of logs) {
      const a = (l as unknown as { args: Record<string, unknown> }).args;
      assert.equal((a.liquidator as string).toLowerCase(), SIM_KEEPER_ADDRESS.toLowerCase());
      accounts.add(accountKey(a.owner as string, Number(a.subId)));
      const debtAsset = Number(a.debtAsset);
      const [price] = (await chain.publicClient.readContract({ address: stack.vault, abi, functionName: "price", args: [debtAsset], blockNumber: l.blockNumber! })) as [bigint];
      repaid += (((a.paid ?? a.repaid) as bigint) * price) / 10n ** BigInt(stack.assets[debtAsset]!.decimals);
    }
    assert.equal(summary.liquidations.accounts, accounts.size);
    assert.equal(summary.liquidations.repaidUsd, repaid);
    const k = summary.keeper;
    assert.equal(k.broadcasts, k.onChain.succeeded + k.onChain.reverted + k.onChain.missing);
    assert.equal(k.onChain.succeeded, logs.length, "every liquidation is a broadcast the keeper logged");
    assert.equal(k.reactionMs.count, k.broadcasts);
  });

  it("reports as liquidatable at the end exactly the accounts below health 1", async () => {
    assert.ok(chain && stack);
    const abi = compiled("IVault").abi;
    const plan = planPopulation(
      { accounts: 20, seed: "smoke", medianSizeUsd: 25_000, leverage: LEVERAGE_PROFILES.aggressive, subAccountsPerOwner: 8 },
      stack.assets,
    );
    const reported = new Set(summary.end.liquidatable);
    for (const a of plan.accounts) {
      const h = (await chain.publicClient.readContract({ address: stack.vault, abi, functionName: "accountHealth", args: [a.owner, a.subId] })) as { healthFactor: bigint };
      assert.equal(reported.has(accountKey(a.owner, a.subId)), h.healthFactor < WAD);
    }
  });
});

describe("sim inputs (pure)", () => {
  const start = startPrices({ assets: DEFAULT_STACK_ASSETS });

  it("the population and the built-in scenario are reproducible from the seed", () => {
    const opts = { accounts: 50, seed: "7", medianSizeUsd: 10_000, leverage: LEVERAGE_PROFILES.moderate, subAccountsPerOwner: 16 };
    const a = planPopulation(opts, DEFAULT_STACK_ASSETS);
    const b = planPopulation(opts, DEFAULT_STACK_ASSETS);
    const c = planPopulation({ ...opts, seed: "8" }, DEFAULT_STACK_ASSETS);
    const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    assert.equal(json(a), json(b));
    assert.notEqual(json(a.accounts), json(c.accounts));
    assert.equal(a.owners.length, 4);
    for (const acc of a.accounts) {
      const coll = new Set(acc.collateral.map((p) => p.symbol));
      for (const d of acc.debt) assert.ok(!coll.has(d.symbol), "an asset is collateral or debt, never both");
      assert.ok(acc.targetHealth > 1);
    }
    assert.deepEqual(builtInScenario("eth-crash", "7", start), builtInScenario("eth-crash", "7", start));
    assert.notDeepEqual(builtInScenario("eth-crash", "7", start).steps, builtInScenario("eth-crash", "8", start).steps);
  });

  it("refuses bad price files with a message naming the problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-paths-"));
    const file = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const bad: [string, RegExp][] = [
      [join(dir, "missing.csv"), /file not found/],
      [`WETH=${file("neg.csv", "timestamp,price\n1,100\n3,-5\n")}`, /line 3: price -5 is not positive/],
      [`WETH=${file("nan.csv", "timestamp,price\n1,100\n3,abc\n")}`, /line 3: price "abc" is not a number/],
      [`WETH=${file("unsorted.csv", "timestamp,price\n5,100\n3,90\n")}`, /not increasing at line 3/],
      [file("steth.csv", "symbol,timestamp,USD_price\nstETH,1,1\n"), /"stETH" is not an asset/],
      [file("header.csv", "a,b\n1,2\n"), /header needs a time column/],
      [file("bars.json", '[{"price_close": 1}]'), /bar 1: no time_period_start/],
    ];
    for (const [spec, re] of bad) assert.throws(() => historyPath({ paths: [spec] }, start), re, spec);
  });

  it("replays real history read in place, scaled to the deployed price", function () {
    const f = new URL("../../../shared/data/stablesims/feeds/eth/05-19-2021.json", import.meta.url).pathname;
    if (!existsSync(f)) this.skip(); // ../shared/data is not part of the project
    const p = historyPath({ paths: [f] }, start);
    assert.equal(p.stepSeconds, 600);
    assert.equal(p.steps.length, 144);
    assert.equal(p.steps[0]!.WETH, 3000);
    assert.equal(p.steps[0]!.WBTC, 60000); // no path: flat
    assert.ok(Math.min(...p.steps.map((s) => s.WETH!)) < 2000);
  });
});

/**
 * The risk commands end to end: `node keeper/src/cli.ts stress | levels | calibrate` as child processes
 * against Hardhat's chain served on 127.0.0.1 (network.createServer), on a seeded population:
 * - stress: the table lists exactly the accounts the twin finds liquidatable after the shock, and its
 *   JSON carries the twin's first liquidations and bad debt;
 * - levels: the level the CLI prints for an account, set on the feed, makes the vault's own accountHealth
 *   liquidatable, and one feed step beyond does not; every feed at the drawdown level's prices
 *   liquidates; betas come from the --history files (stablecoins 0, no history: 1 with a warning);
 * - calibrate: the recommendation from a history file and from the feed's rounds on chain, the dry run
 *   (success from the steward, AccessControl revert from another address), --submit (tx and events), then
 *   the cooldown revert;
 * - bad input: exit code 2 and one clear line (bad --shock, unknown asset, missing history file).
 * Pure: the steward's plan (step clamp, ltv bound, cooldown).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "mocha";
import { getAbiItem, keccak256, parseUnits, toHex } from "viem";
import { aggregatorEventsAbi, vaultAbi } from "../../keeper/src/chain/abi.ts";
import { stressBook, shockPrices } from "../../keeper/src/risk/stress.ts";
import { stewardPlan } from "../../keeper/src/risk/stewardPlan.ts";
import { calibrateAsset, removeSpikes } from "../../keeper/src/risk/volatility.ts";
import type { PricePoint } from "../../keeper/src/risk/priceHistory.ts";
import { bookFromChain } from "./bookFromChain.ts";
import { WBTC, WETH, feedAbi, hardhatAccount, prng, refreshFeeds, seedAccounts, sent, startRiskChain, type RiskChain } from "./riskStack.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WAD = 10n ** 18n;
const FEED_STEP = 10n ** 10n;
const STEWARD = 1;
const HOUR = 3_600;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A normal draw from a uniform generator (Box-Muller). */
function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Hourly synthetic USD prices: WETH at 80%/year, WBTC with beta 0.6 on WETH plus its own noise. */
function syntheticHistories(hours: number, end: number): { weth: PricePoint[]; wbtc: PricePoint[] } {
  const u = prng(42);
  const sd = 0.8 * Math.sqrt(HOUR / (365 * 86_400));
  let e = Math.log(3000);
  let b = Math.log(60_000);
  const weth: PricePoint[] = [];
  const wbtc: PricePoint[] = [];
  for (let i = 0; i < hours; i++) {
    const t = end - (hours - i) * HOUR;
    const re = sd * normal(u);
    e += re;
    b += 0.6 * re + 0.5 * sd * normal(u);
    weth.push({ t, price: Math.exp(e) });
    wbtc.push({ t, price: Math.exp(b) });
  }
  return { weth, wbtc };
}

const csv = (symbol: string, s: PricePoint[]) =>
  ["symbol,timestamp,USD_price", ...s.map((p) => `${symbol},${p.t * 1000},${p.price}`)].join("\n") + "\n";

describe("keeper CLI risk commands (child process against a served chain)", function () {
  this.timeout(300_000);
  let c: RiskChain;
  let dir: string;
  let wethFile: string;
  let wbtcFile: string;

  const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      const settings = ["--rpc-url", c.url, "--vault", c.stack.vault, "--start-block", String(c.stack.startBlock), "--checkpoint", "", "--log-level", "warn"];
      execFile(
        process.execPath,
        ["keeper/src/cli.ts", ...args, ...settings],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", KEEPER_ENV_FILE: join(dir, "none.env"), ...extraEnv }, maxBuffer: 1 << 24 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "keeper-risk-"));
    c = await startRiskChain();
    await seedAccounts(c, 20, [2, 3, 4, 5], 11);
    const vault = c.stack.vault;
    await sent(c.publicClient, await c.admin.writeContract({ address: vault, abi: vaultAbi, functionName: "setStewardParams", args: [{ maxThresholdStep: 200, cooldown: 86_400 }] }));
    await sent(
      c.publicClient,
      await c.admin.writeContract({ address: vault, abi: vaultAbi, functionName: "grantRole", args: [keccak256(toHex("RISK_STEWARD_ROLE")), hardhatAccount(STEWARD).address] }),
    );
    await c.testClient.increaseTime({ seconds: 3 * 86_400 });
    // 120 hourly rounds of a synthetic WETH path on its feed (written in the past, in one block), then today's price
    const now = Number((await c.publicClient.getBlock()).timestamp);
    const path = syntheticHistories(120, now).weth;
    const scale = 3000 / path[path.length - 1]!.price;
    await c.testClient.setAutomine(false);
    for (const p of path) {
      await c.admin.writeContract({
        address: c.stack.feeds[WETH]!,
        abi: feedAbi,
        functionName: "setAnswerAt",
        args: [parseUnits((p.price * scale).toFixed(8), 8), BigInt(p.t)],
        gas: 150_000n,
      });
    }
    await c.testClient.mine({ blocks: 1 });
    await c.testClient.setAutomine(true);
    await refreshFeeds(c);
    const files = syntheticHistories(24 * 120, now);
    wethFile = join(dir, "WETH_usd.csv");
    wbtcFile = join(dir, "WBTC_usd.csv");
    writeFileSync(wethFile, csv("WETH", files.weth));
    writeFileSync(wbtcFile, csv("WBTC", files.wbtc));
  });
  after(async () => c?.close());

  it("stress: the table lists exactly the accounts the twin finds liquidatable after the shock", async () => {
    const run = await cli(["stress", "--shock", "WETH=-30%,WBTC=-20%"]);
    assert.equal(run.code, 0, run.stderr);
    const { book, prices, timestamp } = await bookFromChain(c.publicClient as never, c.stack.vault);
    const shocked = shockPrices(prices, [
      { asset: WETH, kind: "relative", ppm: 700_000n },
      { asset: WBTC, kind: "relative", ppm: 800_000n },
    ]);
    const r = stressBook(book, prices, shocked, timestamp);
    assert.ok(r.totals.liquidatableAfter >= 4 && r.totals.liquidatableAfter < 20, `${r.totals.liquidatableAfter} liquidatable`);
    for (const row of r.rows) {
      const listed = run.stdout.includes(`${row.owner}/${row.subId} `);
      assert.equal(listed, row.liquidatableAfter, `${row.owner}/${row.subId} listed = liquidatable after the shock`);
    }
    assert.match(run.stdout, /WETH +3000\.00 -> 2100\.00 \(-30\.00%\)/);
    assert.match(run.stdout, new RegExp(`20 open account\\(s\\): 0 liquidatable before the shock, ${r.totals.liquidatableAfter} after`));

    const json = await cli(["stress", "--shock", "WETH=0.7x,WBTC=48000", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout) as {
      totals: { badDebtUsd: string; liquidatableAfter: number };
      rows: { owner: string; subId: number; first: { repaid: string; seized: string } | undefined; badDebtUsd: string }[];
    };
    assert.equal(out.totals.liquidatableAfter, r.totals.liquidatableAfter);
    assert.equal(out.totals.badDebtUsd, r.totals.badDebtUsd.toString());
    const want = r.rows.filter((x) => x.liquidatableAfter);
    assert.deepEqual(
      out.rows.map((x) => [x.owner, x.subId, x.first?.repaid, x.first?.seized, x.badDebtUsd]),
      want.map((x) => [x.owner, x.subId, x.first?.repaid.toString(), x.first?.seized.toString(), x.badDebtUsd.toString()]),
    );
    console.log(`      ${want.length} of 20 accounts liquidatable, bad debt ${Number(r.totals.badDebtUsd / 10n ** 16n) / 100} USD`);
  });

  it("levels: the vault is liquidatable at the printed level and healthy one feed step beyond; the drawdown prices liquidate", async () => {
    type LevelsJson = {
      betasPpm: Record<string, string>;
      betaSources: Record<string, string>;
      warnings: string[];
      accounts: {
        owner: `0x${string}`;
        subId: number;
        health: { healthFactor: string };
        lines: { asset: number; symbol: string; side: string; level: { price: string; atBound: boolean } | undefined; priceAtDrawdown: string | undefined }[];
        drawdown: { xPpm: string; alreadyLiquidatable: boolean } | undefined;
      }[];
    };
    const all = JSON.parse((await cli(["levels", "--json", "--history", `WETH=${wethFile},WBTC=${wbtcFile}`])).stdout) as LevelsJson;
    assert.equal(all.betasPpm.WETH, "1000000");
    assert.equal(all.betaSources.USDC, "stablecoin");
    assert.equal(all.betasPpm.USDC, "0");
    const wbtcBeta = Number(all.betasPpm.WBTC) / 1e6;
    assert.ok(wbtcBeta > 0.4 && wbtcBeta < 0.8, `WBTC beta ${wbtcBeta}`);
    assert.deepEqual(all.warnings, []);
    // the least healthy account with a WETH collateral level
    const target = all.accounts.find((a) => a.lines.some((l) => l.symbol === "WETH" && l.side === "collateral" && l.level && !l.level.atBound))!;
    assert.ok(target, "an account with a WETH collateral level");
    const account = `${target.owner}/${target.subId}`;
    const feed = c.stack.feeds[WETH]!;
    const health = () => c.publicClient.readContract({ address: c.stack.vault, abi: vaultAbi, functionName: "accountHealth", args: [target.owner, target.subId] });
    const levelAt = async (): Promise<{ price: bigint; head: bigint }> => {
      const head = (await c.publicClient.getBlock()).timestamp;
      const run = await cli(["levels", "--account", account, "--at", "+1", "--json"]);
      assert.equal(run.code, 0, run.stderr);
      const j = JSON.parse(run.stdout) as LevelsJson;
      const line = j.accounts[0]!.lines.find((l) => l.symbol === "WETH")!;
      return { price: BigInt(line.level!.price), head };
    };
    const [, original] = await c.publicClient.readContract({ address: feed, abi: feedAbi, functionName: "latestRoundData" });
    let { price, head } = await levelAt();
    assert.equal(price % FEED_STEP, 0n, "the level lies on the feed grid");
    await c.testClient.setNextBlockTimestamp({ timestamp: head + 1n });
    await sent(c.publicClient, await c.admin.writeContract({ address: feed, abi: feedAbi, functionName: "setAnswer", args: [price / FEED_STEP] }));
    assert.ok((await health()).healthFactor < WAD, "liquidatable at the printed level");
    ({ price, head } = await levelAt());
    await c.testClient.setNextBlockTimestamp({ timestamp: head + 1n });
    await sent(c.publicClient, await c.admin.writeContract({ address: feed, abi: feedAbi, functionName: "setAnswer", args: [(price + FEED_STEP) / FEED_STEP] }));
    assert.ok((await health()).healthFactor >= WAD, "healthy one feed step above the level");
    await sent(c.publicClient, await c.admin.writeContract({ address: feed, abi: feedAbi, functionName: "setAnswer", args: [original] }));

    // the drawdown level: every feed of the account at its price at x*, in one block at the evaluated time
    const head2 = (await c.publicClient.getBlock()).timestamp;
    const dd = JSON.parse((await cli(["levels", "--account", account, "--at", "+1", "--json", "--history", `WETH=${wethFile},WBTC=${wbtcFile}`])).stdout) as LevelsJson;
    const a = dd.accounts[0]!;
    assert.ok(a.drawdown && !a.drawdown.alreadyLiquidatable, "a drawdown level");
    await c.testClient.setAutomine(false);
    for (const l of a.lines) {
      await c.admin.writeContract({ address: c.stack.feeds[l.asset]!, abi: feedAbi, functionName: "setAnswer", args: [BigInt(l.priceAtDrawdown!) / FEED_STEP], gas: 200_000n });
    }
    await c.testClient.setNextBlockTimestamp({ timestamp: head2 + 1n });
    await c.testClient.mine({ blocks: 1 });
    await c.testClient.setAutomine(true);
    assert.ok((await health()).healthFactor < WAD, "liquidatable at the drawdown level's prices");
    for (const [i, f] of c.stack.feeds.entries()) {
      await sent(c.publicClient, await c.admin.writeContract({ address: f, abi: feedAbi, functionName: "setAnswer", args: [parseUnits(c.stack.assets[i]!.priceUsd, 8)] }));
    }
    console.log(`      ${account}: WETH level checked against the vault; x* = ${Number(a.drawdown.xPpm) / 1e4}% (WBTC beta ${wbtcBeta.toFixed(2)})`);

    // without a WBTC history its beta is assumed 1, with a warning
    const text = await cli(["levels", "--history", `WETH=${wethFile}`, "--limit", "3"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /warning: WBTC: no price history, beta 1 assumed/);
    assert.match(text.stdout, /note: USDC: stablecoin without history, beta 0/);
    assert.match(text.stdout, /account +health +asset +side +amount +price +liq\. price +move +drawdown x\*/);
  });

  it("calibrate: dry run from the steward succeeds, from another address names the revert; --submit; then the cooldown", async () => {
    const key = hardhatAccount(STEWARD).key;
    const dry = await cli(["calibrate", "--asset", "WETH", "--history", wethFile, "--dry-run", "--private-key", key, "--json"]);
    assert.equal(dry.code, 0, dry.stderr);
    const r = JSON.parse(dry.stdout) as {
      recommended: number;
      target: number;
      inForce: number;
      plan: { next: number; clamped: boolean };
      simulation: { ok: boolean; revert?: string };
      calibration: { sigma: { sigmaAnnual: number } };
    };
    assert.ok(Math.abs(r.calibration.sigma.sigmaAnnual - 0.8) < 0.05, `sigma ${r.calibration.sigma.sigmaAnnual}`);
    assert.equal(r.target, 8250);
    assert.equal(r.inForce, 8250);
    // (1 - 3 * 0.8 * sqrt(1/365)) / 1.075 is about 0.813: within one 200 bps step of 8250
    assert.ok(r.recommended > 8050 && r.recommended < 8250, `recommended ${r.recommended}`);
    assert.equal(r.plan.next, r.recommended);
    assert.deepEqual(r.simulation, { ok: true, from: hardhatAccount(STEWARD).address });

    const other = await cli(["calibrate", "--asset", "2", "--history", wethFile, "--from", hardhatAccount(7).address]);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /would revert AccessControlUnauthorizedAccount\(account="0x[0-9a-fA-F]{40}", neededRole="0x[0-9a-f]{64}"\)/);
    assert.match(other.stdout, /recommended LT +\d{4} bps \(formula\)/);

    const submit = await cli(["calibrate", "--asset", "WETH", "--history", wethFile, "--submit", "--private-key", key]);
    assert.equal(submit.code, 0, submit.stderr);
    assert.match(submit.stdout, /submitted +tx 0x[0-9a-f]{64}/);
    assert.match(submit.stdout, new RegExp(`LiquidationThresholdChanged\\(asset=2, oldThreshold=8250, newThreshold=${r.recommended}, `));
    const cfg = await c.publicClient.readContract({ address: c.stack.vault, abi: vaultAbi, functionName: "assetConfig", args: [WETH] });
    assert.equal(cfg.liquidationThreshold, r.recommended);

    const again = await cli(["calibrate", "--asset", "WETH", "--history", wethFile, "--private-key", key, "--k", "4"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /would revert Vault_StewardCooldown\(asset=2, nextUpdateAt=\d+\)/);
    const refused = await cli(["calibrate", "--asset", "WETH", "--history", wethFile, "--private-key", key, "--k", "4", "--submit"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not submitting: the call would revert Vault_StewardCooldown/);
    console.log(`      recommended ${r.recommended} bps (sigma ${(r.calibration.sigma.sigmaAnnual * 100).toFixed(1)}%), submitted, then the cooldown`);
  });

  it("calibrate --from-chain: the history is the feed's AnswerUpdated rounds", async () => {
    const run = await cli(["calibrate", "--asset", "WETH", "--from-chain", "--horizon", "6h", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as { observations: number; recommended: number; source: string; calibration: { sigma: { sigmaAnnual: number } } };
    // the same rounds read here, in updatedAt order
    const logs = await c.publicClient.getLogs({
      address: c.stack.feeds[WETH]!,
      event: getAbiItem({ abi: aggregatorEventsAbi, name: "AnswerUpdated" }),
      fromBlock: c.stack.startBlock,
      strict: true,
    });
    const pts = logs
      .map((l) => ({ t: Number(l.args.updatedAt), price: Number(l.args.current) / 1e8, round: l.args.roundId }))
      .sort((a, b) => a.t - b.t || Number(a.round - b.round));
    const series: PricePoint[] = [];
    for (const p of pts) {
      if (series.length && series[series.length - 1]!.t === p.t) series[series.length - 1] = { t: p.t, price: p.price };
      else series.push({ t: p.t, price: p.price });
    }
    const want = calibrateAsset(removeSpikes(series).series, { horizons: [6 * HOUR], k: 3, maxBonus: 75_000_000_000_000_000n });
    assert.ok(series.length >= 120);
    assert.equal(r.observations, removeSpikes(series).series.length);
    assert.equal(r.calibration.sigma.sigmaAnnual, want.sigma.sigmaAnnual);
    assert.equal(r.recommended, want.rows[0]!.liquidationThreshold);
    assert.match(r.source, /AnswerUpdated rounds of feed/);
  });

  it("bad input: exit code 2 and one line naming the problem", async () => {
    const cases: [string[], RegExp][] = [
      [["stress", "--shock", "WETH=30%"], /^keeper: --shock WETH=30%: give the direction, -30% for a fall or \+30% for a rise\n$/],
      [["stress", "--shock", "WETH=-3o%"], /^keeper: --shock WETH=-3o%: malformed percentage/],
      [["stress", "--shock", "ETH=-30%"], /^keeper: --shock: unknown asset "ETH": the vault lists USDC \(0\), WBTC \(1\), WETH \(2\), DAI \(3\)\n$/],
      [["stress", "--shock", "WETH=-100%"], /leaves a price <= 0/],
      [["levels", "--history", "WETH=/no/such/file.csv"], /^keeper: --history WETH: no such file \/no\/such\/file\.csv\n$/],
      [["calibrate", "--asset", "WETH", "--history", "/no/such/file.csv"], /^keeper: --history: no such file \/no\/such\/file\.csv\n$/],
      [["calibrate", "--asset", "LINK", "--history", wethFile], /^keeper: unknown asset "LINK": the vault lists USDC \(0\)/],
      [["calibrate", "--asset", "WETH"], /give exactly one of --history <file> and --from-chain/],
      [["levels", "--account", "0x12"], /--account: expected 0x<owner address>/],
    ];
    for (const [args, re] of cases) {
      const run = await cli(args);
      assert.equal(run.code, 2, `${args.join(" ")}: exit code (stderr ${run.stderr})`);
      assert.match(run.stderr, re, args.join(" "));
      assert.equal(run.stdout, "");
    }
  });
});

describe("steward plan (pure)", () => {
  const base = { ltv: 8000, maxBonus: 75_000_000_000_000_000n, maxThresholdStep: 200, cooldown: 86_400, stewardUpdatedAt: 0n, now: 1_000_000n };
  it("clamps to one step, stops at ltv + 1, and reports the cooldown", () => {
    const p = stewardPlan({ ...base, recommended: 8600, target: 8250 });
    assert.deepEqual([p.next, p.clamped, p.updatesNeeded, p.predictedReverts], [8450, true, 2, []]);
    const low = stewardPlan({ ...base, recommended: 7880, target: 8100 });
    assert.deepEqual([low.next, low.ltvBound, low.blocked], [8001, true, undefined]);
    const blocked = stewardPlan({ ...base, recommended: 7880, target: 8001 });
    assert.match(blocked.blocked ?? "", /ltv \(8000\) must come down first/);
    const cooling = stewardPlan({ ...base, recommended: 8200, target: 8250, stewardUpdatedAt: 999_000n });
    assert.equal(cooling.cooldownUntil, 1_085_400n);
    assert.deepEqual(cooling.predictedReverts, ["Vault_StewardCooldown(nextUpdateAt=1085400)"]);
    const cap = stewardPlan({ ...base, recommended: 9500, target: 8950 });
    assert.deepEqual(cap.predictedReverts, ['Vault_InvalidParams("LT * (1 + maxBonus) > 0.975")']);
    assert.equal(stewardPlan({ ...base, recommended: 8250, target: 8250 }).noChange, true);
  });
});

/**
 * Liquidation levels (keeper/src/risk/liquidationLevel.ts):
 * (a) property tests on random accounts, pure, against the twin: the single-asset level p* is exact,
 *     HF(p*) < 1 <= HF(p* + step) for a collateral and HF(p* - step) >= 1 > HF(p*) for a debt, on the wei
 *     grid and on an 8-decimal feed's grid; "no level" and "at the bound" mean what they say;
 * (b) on chain: accounts with two collaterals and two debts (one with a size tier), and one in a correlated
 *     group, after interest: the feed is set to the level computed from the event-built book and the
 *     vault's own accountHealth is liquidatable there and healthy one feed step beyond. The feeds have 8
 *     decimals, so the level is searched on the feed's grid (multiples of 1e10 WAD wei) and is exact on it;
 * (c) the portfolio drawdown level: analytic case, non-monotone cases, first crossing, and on chain.
 * Runs: FUZZ_RUNS (default 150; 500 when CI=true); seed: FUZZ_SEED.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import fc from "fast-check";
import { parseUnits } from "viem";
import type { NetworkConnection } from "hardhat/types/network";
import { DEFAULT_ASSETS, DEFAULT_GLOBAL, deployVaultWith, type AssetSpec } from "../fixtures/vaultFixture.ts";
import { bookFromChain } from "./bookFromChain.ts";
import { NO_GROUP, type AssetRiskBook, type AssetRiskInfo, type GroupContext } from "../../keeper/src/math/accountHealth.ts";
import {
  FEED8_STEP,
  MAX_PRICE,
  PPM,
  accountRiskReport,
  assetLiquidationPrice,
  estimateLiquidationPrice,
  healthWith,
  inputsFromBook,
  portfolioDrawdownLevel,
  pricesAtDrawdown,
  type AccountRiskInputs,
} from "../../keeper/src/risk/liquidationLevel.ts";

const WAD = 10n ** 18n;
const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.CI === "true" ? 500 : 150));
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const NO_TIER = (1n << 96n) - 1n;
const DECIMALS = [6, 8, 18, 18] as const;

const hf = (inp: AccountRiskInputs, asset: number, price: bigint) =>
  healthWith(inp, new Map(inp.prices).set(asset, price)).healthFactor;

/** Checks the defining property of a single-asset level (or of its absence) on the grid `step`. */
function checkLevel(inp: AccountRiskInputs, asset: number, step: bigint): "level" | "none" | "bound" {
  const isDebt = inp.positions.get(asset)!.isDebt;
  const top = (MAX_PRICE / step) * step;
  const lvl = assetLiquidationPrice(inp, asset, { step });
  if (lvl === undefined) {
    // no price in the range liquidates: the most adverse price of the range is healthy
    assert.ok(hf(inp, asset, isDebt ? top : step) >= WAD, `asset ${asset}: undefined level but liquidatable at the adverse end`);
    return "none";
  }
  assert.equal(lvl.price % step, 0n, "level on the grid");
  assert.equal(lvl.side, isDebt ? "debt" : "collateral");
  assert.ok(hf(inp, asset, lvl.price) < WAD, `asset ${asset}: not liquidatable at its level ${lvl.price}`);
  if (lvl.atBound) {
    // liquidatable at every price: the friendliest end of the range is the level
    assert.equal(lvl.price, isDebt ? step : top);
    return "bound";
  }
  const beyond = isDebt ? lvl.price - step : lvl.price + step;
  assert.ok(beyond > 0n && beyond <= top);
  assert.ok(hf(inp, asset, beyond) >= WAD, `asset ${asset}: still liquidatable one step beyond its level`);
  return "level";
}

// ---------------------------------------------------------------------------------------- random accounts

const TIMESTAMP = 1_800_000_000n;

const assetArb = fc
  .record({
    lt: fc.integer({ min: 3000, max: 9500 }),
    ltvGap: fc.integer({ min: 1, max: 2000 }),
    ramp: fc.option(fc.record({ fromExtra: fc.integer({ min: 1, max: 2000 }), left: fc.integer({ min: 1, max: 7 * 86_400 }) }), { nil: undefined }),
    tierUsd: fc.option(fc.integer({ min: 1_000, max: 2_000_000 }), { nil: undefined }),
    sizeFactor: fc.integer({ min: 3000, max: 10_000 }),
    indexExtra: fc.bigInt({ min: 0n, max: WAD / 2n }),
    rate: fc.bigInt({ min: 0n, max: 5_000_000_000n }), // up to ~16%/year
    sinceAccrual: fc.integer({ min: 0, max: 90 * 86_400 }),
  })
  .map((a) => ({ ...a, ltv: Math.max(0, a.lt - a.ltvGap) }));

const positionArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.record({ isDebt: fc.boolean(), usd: fc.integer({ min: 1, max: 5_000_000 }) }) },
);

const accountArb = fc.record({
  assets: fc.tuple(assetArb, assetArb, assetArb, assetArb),
  positions: fc.tuple(positionArb, positionArb, positionArb, positionArb),
  // USD per whole token, as a WAD: USDC near 1, the others anywhere from 1e-3 to 1e6
  prices: fc.tuple(
    fc.bigInt({ min: 95n * 10n ** 16n, max: 105n * 10n ** 16n }),
    fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }),
    fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }),
    fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }),
  ),
  group: fc.option(fc.record({ members: fc.integer({ min: 1, max: 15 }), lt: fc.integer({ min: 5000, max: 9700 }) }), { nil: undefined }),
});

type AccountSpec = typeof accountArb extends fc.Arbitrary<infer T> ? T : never;

function inputsOf(spec: AccountSpec): AccountRiskInputs {
  const assets = new Map<number, AssetRiskInfo>();
  const prices = new Map<number, bigint>();
  const positions = new Map<number, { isDebt: boolean; amount: bigint }>();
  for (let i = 0; i < 4; i++) {
    const a = spec.assets[i]!;
    const lt = BigInt(a.lt);
    assets.set(i, {
      config: {
        decimals: DECIMALS[i]!,
        ltv: BigInt(a.ltv),
        liquidationThreshold: lt,
        ltRampFrom: a.ramp ? lt + BigInt(a.ramp.fromExtra) : lt,
        rampEnd: a.ramp ? TIMESTAMP + BigInt(a.ramp.left) : 0n,
        rampDuration: a.ramp ? 7n * 86_400n : 0n,
        sizeFactor: BigInt(a.sizeFactor),
        sizeThreshold: a.tierUsd === undefined ? NO_TIER : BigInt(a.tierUsd) * WAD,
        maxBonus: 5n * 10n ** 16n,
        protocolFee: 1000n,
      },
      clock: { borrowIndex: WAD + a.indexExtra, ratePerSecond: a.rate, lastAccrual: TIMESTAMP - BigInt(a.sinceAccrual) },
    });
    const p = spec.prices[i]!;
    prices.set(i, p);
    const pos = spec.positions[i];
    if (pos !== undefined) {
      const amount = (BigInt(pos.usd) * WAD * 10n ** BigInt(DECIMALS[i]!)) / p;
      if (amount > 0n) positions.set(i, { isDebt: pos.isDebt, amount });
    }
  }
  let group: GroupContext = NO_GROUP;
  if (spec.group !== undefined) {
    const lt = BigInt(spec.group.lt);
    const g = { ltv: lt - 100n, liquidationThreshold: lt, ltRampFrom: lt, rampEnd: 0n, rampDuration: 0n, maxBonus: 4n * 10n ** 16n, assets: BigInt(spec.group.members) };
    group = { group: 1, groups: new Map([[1, g]]) };
  }
  return { positions, assets: assets as AssetRiskBook, prices, timestamp: TIMESTAMP, group };
}

describe("liquidation level: single-asset price p* (pure, twin)", () => {
  it(`is exact to the wei on random accounts: HF(p*) < 1 <= HF(p*+1) for a collateral, mirrored for a debt (${RUNS} runs)`, () => {
    const seen = { level: 0, none: 0, bound: 0 };
    fc.assert(
      fc.property(accountArb, (spec) => {
        const inp = inputsOf(spec);
        for (const asset of inp.positions.keys()) seen[checkLevel(inp, asset, 1n)]++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`      levels ${seen.level}, none ${seen.none}, at the bound ${seen.bound}`);
    assert.ok(seen.level > RUNS / 2, "most positions have a level");
    assert.ok(seen.none > 0, "some positions have none");
  });

  it(`is exact on an 8-decimal feed's grid (multiples of 1e10) (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(accountArb, (spec) => {
        const inp = inputsOf(spec);
        for (const asset of inp.positions.keys()) checkLevel(inp, asset, FEED8_STEP);
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it("collateral: p* matches the closed form of a one-collateral account without tiers, and the estimate is close", () => {
    // 10 WETH at LT 80%, 12,000 USDC debt at price 1, no interest: liquidatable iff floor(10 p * 0.8) < 12000
    const inp = inputsOf({
      assets: Array.from({ length: 4 }, () => ({ lt: 8000, ltv: 7500, ltvGap: 500, ramp: undefined, tierUsd: undefined, sizeFactor: 10_000, indexExtra: 0n, rate: 0n, sinceAccrual: 0 })) as unknown as AccountSpec["assets"],
      positions: [{ isDebt: true, usd: 12_000 }, undefined, { isDebt: false, usd: 20_000 }, undefined],
      prices: [WAD, 60_000n * WAD, 2_000n * WAD, 2_000n * WAD],
      group: undefined,
    });
    const lvl = assetLiquidationPrice(inp, 2)!;
    // W = floor(floor(10 * p / 1) * 8000 / 10000) < 12000e18  <=>  10 p * 0.8 < 12000e18  <=>  p < 1500e18
    assert.equal(lvl.price, 1500n * WAD - 1n);
    const est = estimateLiquidationPrice(inp, 2)!;
    assert.ok(est >= lvl.price - 10n && est <= lvl.price + 10n, `estimate ${est}`);
    // the debt's level: USDC must reach 16000/12000 USD for the same account
    const d = assetLiquidationPrice(inp, 0)!;
    assert.equal(d.side, "debt");
    assert.equal(d.price, (4n * WAD) / 3n + 1n);
    assert.ok(lvl.evaluations < 80, `the estimate narrows the search (${lvl.evaluations} evaluations)`);
  });

  it("says none when the other collateral covers the debt, and at-the-bound when nothing can save the account", () => {
    const base = {
      assets: Array.from({ length: 4 }, () => ({ lt: 8000, ltv: 7500, ltvGap: 500, ramp: undefined, tierUsd: undefined, sizeFactor: 10_000, indexExtra: 0n, rate: 0n, sinceAccrual: 0 })) as unknown as AccountSpec["assets"],
      prices: [WAD, 60_000n * WAD, 2_000n * WAD, 2_000n * WAD] as AccountSpec["prices"],
      group: undefined,
    };
    // WBTC alone (48k weighted) covers the 10k debt: WETH has no level
    const covered = inputsOf({ ...base, positions: [{ isDebt: true, usd: 10_000 }, { isDebt: false, usd: 60_000 }, { isDebt: false, usd: 1_000 }, undefined] });
    assert.equal(assetLiquidationPrice(covered, 2), undefined);
    assert.equal(assetLiquidationPrice(covered, 1)?.side, "collateral", "WETH alone does not cover it: WBTC has a level");
    // no debt at all: nothing has a level
    const noDebt = inputsOf({ ...base, positions: [undefined, { isDebt: false, usd: 60_000 }, { isDebt: false, usd: 1_000 }, undefined] });
    assert.equal(assetLiquidationPrice(noDebt, 1), undefined);
    // 1 wei of an 18-decimal collateral against a 10k debt: liquidatable even at 1e36
    const dust = inputsOf({ ...base, positions: [{ isDebt: true, usd: 10_000 }, undefined, undefined, undefined] });
    (dust.positions as Map<number, { isDebt: boolean; amount: bigint }>).set(3, { isDebt: false, amount: 1n });
    const b = assetLiquidationPrice(dust, 3)!;
    assert.ok(b.atBound);
    assert.equal(b.price, MAX_PRICE);
    // and on a grid of 1 USD its debt is liquidatable at every price, down to the first step
    assert.ok(assetLiquidationPrice(dust, 0, { step: WAD })!.atBound, "debt liquidatable even at 1 USD per token");
    assert.throws(() => assetLiquidationPrice(dust, 1), /no position in asset 1/);
  });
});

// ---------------------------------------------------------------------------------------- drawdown (pure)

describe("liquidation level: portfolio drawdown x* (pure, twin)", () => {
  const flat = Array.from({ length: 4 }, () => ({ lt: 8000, ltv: 7500, ltvGap: 500, ramp: undefined, tierUsd: undefined, sizeFactor: 10_000, indexExtra: 0n, rate: 0n, sinceAccrual: 0 })) as unknown as AccountSpec["assets"];
  const prices: AccountSpec["prices"] = [WAD, 60_000n * WAD, 2_000n * WAD, 2_000n * WAD];

  it("matches 1 - D / (LT * C) for one beta-1 collateral against a stable debt, to the ppm, exactly at the boundary", () => {
    const inp = inputsOf({ assets: flat, positions: [{ isDebt: true, usd: 12_000 }, undefined, { isDebt: false, usd: 20_000 }, undefined], prices, group: undefined });
    const betas = new Map([[0, 0n], [1, 620_000n], [2, PPM], [3, 960_000n]]);
    const dd = portfolioDrawdownLevel(inp, betas)!;
    // 20000 * 0.8 * (1 - x) < 12000  <=>  x > 0.25
    assert.equal(dd.xPpm, 250_001n);
    assert.ok(!dd.alreadyLiquidatable);
    assert.ok(dd.healthFactor < WAD);
    assert.ok(healthWith(inp, pricesAtDrawdown(inp, betas, dd.xPpm - 1n)).healthFactor >= WAD);
    assert.equal(dd.prices.get(2), (2_000n * WAD * (PPM - 250_001n)) / PPM);
  });

  it("is undefined when the debt falls faster than the collateral (health rises with x), and 0 when already liquidatable", () => {
    // WBTC at 50,000 so that 20,000 USD is exactly 0.4 WBTC
    const p50: AccountSpec["prices"] = [WAD, 50_000n * WAD, 2_000n * WAD, 2_000n * WAD];
    const inp = inputsOf({ assets: flat, positions: [undefined, { isDebt: false, usd: 20_000 }, { isDebt: true, usd: 15_000 }, undefined], prices: p50, group: undefined });
    const betas = new Map([[1, 500_000n], [2, PPM]]);
    assert.equal(portfolioDrawdownLevel(inp, betas), undefined, "ETH debt falls twice as fast as the BTC collateral");
    // same account with the betas swapped: BTC collateral falls, ETH debt does not
    const swapped = portfolioDrawdownLevel(inp, new Map([[1, PPM], [2, 0n]]))!;
    assert.equal(swapped.xPpm, 62_501n); // 16000 (1 - x) < 15000
    // beta above 1 takes a collateral to 0 before x = 1: still a level, the price is clamped at 0
    const steep = portfolioDrawdownLevel(inp, new Map([[1, 2_000_000n], [2, 0n]]))!;
    assert.equal(steep.xPpm, 31_251n);
    const under = inputsOf({ assets: flat, positions: [{ isDebt: true, usd: 17_000 }, undefined, { isDebt: false, usd: 20_000 }, undefined], prices, group: undefined });
    const now = portfolioDrawdownLevel(under, new Map([[0, 0n], [2, PPM]]))!;
    assert.deepEqual([now.xPpm, now.alreadyLiquidatable], [0n, true]);
    assert.throws(() => portfolioDrawdownLevel(under, new Map([[2, PPM]])), /no beta for asset 0/);
  });

  it(`finds the first crossing, exact to the ppm, on random accounts and betas (${RUNS} runs)`, () => {
    let found = 0;
    fc.assert(
      fc.property(
        accountArb,
        fc.tuple(fc.integer({ min: -200_000, max: 300_000 }), fc.integer({ min: 0, max: 1_500_000 }), fc.integer({ min: 0, max: 1_500_000 }), fc.integer({ min: 0, max: 1_500_000 })),
        (spec, b) => {
          const inp = inputsOf(spec);
          const betas = new Map(b.map((x, i) => [i, BigInt(x)] as const));
          const dd = portfolioDrawdownLevel(inp, betas, { gridPpm: 5_000n });
          const liq = (x: bigint) => healthWith(inp, pricesAtDrawdown(inp, betas, x)).healthFactor < WAD;
          if (dd === undefined) {
            for (let x = 0n; x <= PPM; x += 5_000n) assert.ok(!liq(x), `undefined but liquidatable at grid point ${x}`);
            return;
          }
          assert.ok(liq(dd.xPpm));
          if (dd.alreadyLiquidatable) return assert.equal(dd.xPpm, 0n);
          found++;
          assert.ok(!liq(dd.xPpm - 1n), "one ppm before the level is healthy");
          for (let x = 0n; x < dd.xPpm; x += 5_000n) assert.ok(!liq(x), `liquidatable at grid point ${x} before the level ${dd.xPpm}`);
        },
      ),
      { numRuns: RUNS, seed: SEED + 2 },
    );
    assert.ok(found > 0);
  });

  it("the report lists both levels for every position with the distance to the single-asset level", () => {
    const inp = inputsOf({ assets: flat, positions: [{ isDebt: true, usd: 12_000 }, { isDebt: false, usd: 6_000 }, { isDebt: false, usd: 14_000 }, undefined], prices, group: undefined });
    const r = accountRiskReport(inp, { betasPpm: new Map([[0, 0n], [1, 620_000n], [2, PPM]]) });
    assert.equal(r.health.healthFactor, (16_000n * WAD) / 12_000n);
    assert.equal(r.liquidatable, false);
    assert.deepEqual(r.assets.map((a) => [a.asset, a.side]), [[0, "debt"], [1, "collateral"], [2, "collateral"]]);
    const weth = r.assets[2]!;
    // 4800 + 14000/2000 * 0.8 * p < 12000  <=>  p < 1285.714...
    assert.equal(weth.level!.price, 1_285_714_285_714_285_714_285n);
    assert.equal(weth.movePpm, ((weth.level!.price - 2_000n * WAD) * PPM) / (2_000n * WAD));
    assert.ok(weth.movePpm! < -357_000n && weth.movePpm! > -358_000n);
    assert.ok(r.drawdownComputed && r.drawdown !== undefined);
    assert.equal(weth.priceAtDrawdown, r.drawdown.prices.get(2));
    assert.equal(r.assets[0]!.priceAtDrawdown, WAD, "a beta-0 asset does not move");
    assert.equal(accountRiskReport(inp).drawdownComputed, false);
  });
});

// ---------------------------------------------------------------------------------------- on chain

const { networkHelpers } = await network.create();
const SPECS: AssetSpec[] = [
  ...DEFAULT_ASSETS,
  { symbol: "stETH", decimals: 18, priceUsd: "1900", params: { ltv: 7000, liquidationThreshold: 7600, sizeThreshold: parseUnits("200000", 18), sizeFactor: 7000 } },
];
const [USDC, WBTC, WETH, STETH] = [0, 1, 2, 3] as const;
const ETH_GROUP = 1;
const DAY = 86_400;
const BETAS = new Map<number, bigint>([[USDC, 0n], [WBTC, 620_000n], [WETH, PPM], [STETH, 960_000n]]);

async function deployAccounts(connection: NetworkConnection) {
  const f = await deployVaultWith(connection, SPECS);
  const { vault } = f;
  await vault.write.setRiskGroup([ETH_GROUP, { ltv: 9000, liquidationThreshold: 9300, maxBonus: 40_000_000_000_000_000n }, [WETH, STETH]]);
  await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL }]);
  const u = (x: string, asset: number) => parseUnits(x, SPECS[asset]!.decimals);
  // alice: WBTC + WETH collateral, USDC + stETH debt
  const A = f.alice.account.address;
  await vault.write.deposit([A, 0, WBTC, u("1", WBTC)], { account: f.alice.account });
  await vault.write.deposit([A, 0, WETH, u("20", WETH)], { account: f.alice.account });
  await vault.write.borrow([A, 0, USDC, u("30000", USDC), A], { account: f.alice.account });
  await vault.write.borrow([A, 0, STETH, u("15", STETH), A], { account: f.alice.account });
  // bob: stETH above its size tier + USDC collateral, WBTC + WETH debt
  const B = f.bob.account.address;
  await vault.write.deposit([B, 0, STETH, u("150", STETH)], { account: f.bob.account });
  await vault.write.deposit([B, 0, USDC, u("50000", USDC)], { account: f.bob.account });
  await vault.write.borrow([B, 0, WBTC, u("2", WBTC), B], { account: f.bob.account });
  await vault.write.borrow([B, 0, WETH, u("40", WETH), B], { account: f.bob.account });
  // carol: in the ETH group, WETH collateral against stETH debt
  const C = f.carol.account.address;
  await vault.write.deposit([C, 0, WETH, u("50", WETH)], { account: f.carol.account });
  await vault.write.enterGroup([C, 0, ETH_GROUP], { account: f.carol.account });
  await vault.write.borrow([C, 0, STETH, u("45", STETH), C], { account: f.carol.account });
  // interest runs for a month; then every feed is refreshed so none is stale
  await networkHelpers.time.increase(30 * DAY);
  for (const [i, spec] of SPECS.entries()) await f.feeds[i]!.write.setAnswer([parseUnits(spec.priceUsd, 8)]);
  return f;
}

type Fixture = Awaited<ReturnType<typeof deployAccounts>>;

/** The book's inputs for every open account at `timestamp` (prices from the feeds' events). */
async function inputsAt(f: Fixture, timestamp: bigint) {
  const { book, prices } = await bookFromChain(f.publicClient, f.vault.address);
  return [...book.openAccounts()].map((acc) => ({ acc, inp: inputsFromBook(book, acc, prices, timestamp) }));
}

/** One owner's (sub-account 0) inputs at `timestamp`. */
async function inputsOfOwner(f: Fixture, owner: string, timestamp: bigint): Promise<AccountRiskInputs> {
  const found = (await inputsAt(f, timestamp)).find((x) => x.acc.owner.toLowerCase() === owner.toLowerCase() && x.acc.subId === 0);
  if (found === undefined) throw new Error(`no open account of ${owner} in the book`);
  return found.inp;
}

async function headTimestamp(f: Fixture): Promise<bigint> {
  return (await f.publicClient.getBlock()).timestamp;
}

describe("liquidation level on chain: the vault agrees at the level and one feed step beyond", () => {
  it("single-asset levels, 2 collaterals x 2 debts (one with a size tier) and a grouped account, after interest", async function () {
    this.timeout(120_000);
    const f = await networkHelpers.loadFixture(deployAccounts);
    const { vault } = f;
    const owners = new Set([f.alice, f.bob, f.carol].map((w) => w.account.address.toLowerCase()));
    const initial = await inputsAt(f, await headTimestamp(f));
    assert.equal(initial.length, 3);
    assert.ok(initial.some(({ inp }) => inp.group?.group === ETH_GROUP), "carol is in the group");
    let checked = 0;
    for (const { acc } of initial) {
      assert.ok(owners.has(acc.owner.toLowerCase()));
      for (const [asset, pos] of acc.positions) {
        const feed = f.feeds[asset]!;
        const [, original] = await feed.read.latestRoundData();
        // the level for the next block's timestamp, searched on the feed's grid
        let t = (await headTimestamp(f)) + 1n;
        let inp = await inputsOfOwner(f, acc.owner, t);
        const lvl = assetLiquidationPrice(inp, asset, { step: FEED8_STEP });
        assert.ok(lvl !== undefined && !lvl.atBound, `${acc.owner} asset ${asset} has a level`);
        await networkHelpers.time.setNextBlockTimestamp(t);
        await feed.write.setAnswer([lvl.price / FEED8_STEP]);
        const at = await vault.read.accountHealth([acc.owner, acc.subId]);
        assert.equal(at.healthFactor, hf(inp, asset, lvl.price), "the twin's health at the level is the vault's");
        assert.ok(at.healthFactor < WAD, `liquidatable at the level (${acc.owner} asset ${asset})`);
        // one feed step on the safe side, at the next second (the level moves with interest: recompute it)
        t += 1n;
        inp = await inputsOfOwner(f, acc.owner, t);
        const next = assetLiquidationPrice(inp, asset, { step: FEED8_STEP })!;
        const safe = pos.isDebt ? next.price - FEED8_STEP : next.price + FEED8_STEP;
        await networkHelpers.time.setNextBlockTimestamp(t);
        await feed.write.setAnswer([safe / FEED8_STEP]);
        const beyond = await vault.read.accountHealth([acc.owner, acc.subId]);
        assert.ok(beyond.healthFactor >= WAD, `healthy one feed step beyond the level (${acc.owner} asset ${asset})`);
        await feed.write.setAnswer([original]);
        checked++;
      }
    }
    assert.equal(checked, 10);
    console.log(`      ${checked} levels checked against the vault`);
  });

  it("a level that does not exist: moving the covered collateral's feed to its lowest answer keeps the account healthy", async () => {
    const f = await networkHelpers.loadFixture(deployAccounts);
    // dave holds plenty of WBTC and a little WETH against a small USDC debt: WETH alone cannot liquidate him
    const dave = f.wallets[6]!;
    const D = dave.account.address;
    await f.vault.write.deposit([D, 0, WBTC, parseUnits("1", 8)], { account: dave.account });
    await f.vault.write.deposit([D, 0, WETH, parseUnits("1", 18)], { account: dave.account });
    await f.vault.write.borrow([D, 0, USDC, parseUnits("20000", 6), D], { account: dave.account });
    const t = (await headTimestamp(f)) + 1n;
    const inp = await inputsOfOwner(f, D, t);
    assert.equal(assetLiquidationPrice(inp, WETH, { step: FEED8_STEP }), undefined);
    await networkHelpers.time.setNextBlockTimestamp(t);
    await f.feeds[WETH]!.write.setAnswer([1n]);
    assert.ok((await f.vault.read.accountHealth([D, 0])).healthFactor >= WAD);
  });

  it("portfolio drawdown: every feed at x* (on the feed grid) liquidates, at x* - 1 ppm it does not", async function () {
    this.timeout(60_000);
    const f = await networkHelpers.loadFixture(deployAccounts);
    const A = f.alice.account.address;
    const setAll = async (prices: Map<number, bigint>, t0: bigint) => {
      for (let i = 0; i < SPECS.length; i++) {
        await networkHelpers.time.setNextBlockTimestamp(t0 + BigInt(i));
        await f.feeds[i]!.write.setAnswer([prices.get(i)! / FEED8_STEP]);
      }
    };
    // the health is read after the 4th feed update: compute x* for that block's timestamp
    let t0 = (await headTimestamp(f)) + 1n;
    let inp = await inputsOfOwner(f, A, t0 + 3n);
    const base = inp.prices;
    const dd = portfolioDrawdownLevel(inp, BETAS, { priceStep: FEED8_STEP })!;
    assert.ok(dd !== undefined && !dd.alreadyLiquidatable && dd.xPpm > 100_000n && dd.xPpm < 900_000n, `x* = ${dd?.xPpm}`);
    await setAll(dd.prices, t0);
    const at = await f.vault.read.accountHealth([A, 0]);
    assert.equal(at.healthFactor, dd.healthFactor);
    assert.ok(at.healthFactor < WAD);
    // back to x* - 1 ppm from the original prices, at later timestamps (x* recomputed for them)
    t0 += 4n;
    inp = { ...(await inputsOfOwner(f, A, t0 + 3n)), prices: base };
    const dd2 = portfolioDrawdownLevel(inp, BETAS, { priceStep: FEED8_STEP })!;
    await setAll(pricesAtDrawdown(inp, BETAS, dd2.xPpm - 1n, FEED8_STEP), t0);
    assert.ok((await f.vault.read.accountHealth([A, 0])).healthFactor >= WAD);
    console.log(`      alice: x* = ${Number(dd.xPpm) / 1e4}% market drawdown (ETH beta 1, WBTC 0.62, stETH 0.96, USDC 0)`);
  });
});

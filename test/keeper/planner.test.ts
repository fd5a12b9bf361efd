/**
 * The liquidation planner (keeper/src/plan/planner.ts) on books built from synthetic vault logs (no chain):
 * unit cases for every skip reason and the amounts sent (balance cap, dust bisection, full-repay headroom,
 * minSeized tolerance, gas budget), then a fast-check property over random accounts, prices, balances and
 * gas: the plan is the most profitable pair, never below minProfit, never repays more than the balance,
 * minSeized is the twin's toLiquidator, every amount is bigint. Runs: FUZZ_RUNS (default 200; 1000 when
 * CI=true); seed: FUZZ_SEED.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { AccountBook, type VaultLog } from "../../keeper/src/book/accountBook.ts";
import { valueDown, valueUp } from "../../keeper/src/math/healthMath.ts";
import {
  DEFAULT_FULL_REPAY_HEADROOM_BPS,
  PlanError,
  planAccounts,
  planLiquidation,
  skipMessage,
  type GasModel,
  type Plan,
  type PlanContext,
  type PlanResult,
} from "../../keeper/src/plan/planner.ts";
import { GasPriceError, gasCostUsdUp, nativeUsdPriceFrom, usdToWeiDown } from "../../keeper/src/plan/gasCost.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.CI === "true" ? 1000 : 200));
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);

const WAD = 10n ** 18n;
const GWEI = 10n ** 9n;
const usd = (n: bigint | number) => BigInt(n) * WAD;

const USDC = 0;
const WBTC = 1;
const WETH = 2;
const DAI = 3;

interface AssetSpec {
  decimals: number;
  price: bigint; // whole USD
  lt: number;
  ltv: number;
  maxBonus: bigint;
  protocolFee: number;
}

const ASSETS: AssetSpec[] = [
  { decimals: 6, price: 1n, lt: 8800, ltv: 8500, maxBonus: 40_000_000_000_000_000n, protocolFee: 1000 },
  { decimals: 8, price: 60_000n, lt: 7500, ltv: 7000, maxBonus: 100_000_000_000_000_000n, protocolFee: 1000 },
  { decimals: 18, price: 2_000n, lt: 8250, ltv: 8000, maxBonus: 75_000_000_000_000_000n, protocolFee: 1000 },
  { decimals: 18, price: 1n, lt: 9000, ltv: 8500, maxBonus: 50_000_000_000_000_000n, protocolFee: 500 },
];
const GLOBAL = {
  minBonus: 20_000_000_000_000_000n,
  targetHealth: 1_050_000_000_000_000_000n,
  minLeftover: usd(100),
  gracePeriod: 1800,
  flashFee: 5,
  rampDuration: 0,
};
const NO_SIZE_TIER = (1n << 96n) - 1n;

const ALICE = "0x00000000000000000000000000000000000A11CE" as Address;
const BOB = "0x0000000000000000000000000000000000000B0B" as Address;
const LQ = "0x000000000000000000000000000000000000F00D" as Address;
const T_OPEN = 1_000n;
const T = 2_000n;

const unitOf = (a: number) => 10n ** BigInt(ASSETS[a]!.decimals);
/** token units worth `usdAmount` whole USD at the asset's base price */
const unitsFor = (a: number, usdAmount: bigint) => (usdAmount * unitOf(a)) / ASSETS[a]!.price;

interface Position {
  asset: number;
  isDebt: boolean;
  amount: bigint;
}

/** A book fed with synthetic logs: the four assets (no interest), the globals, lender cash, the accounts. */
function makeBook(accounts: { owner: Address; subId?: number; positions: Position[]; at?: bigint }[]): AccountBook {
  const book = new AccountBook();
  let logIndex = 0;
  const apply = (eventName: string, args: Record<string, unknown>, blockTimestamp = T_OPEN) => {
    const i = logIndex++;
    book.apply({
      eventName,
      args,
      blockNumber: 1n,
      logIndex: i,
      blockTimestamp,
      transactionHash: `0x${i.toString(16).padStart(64, "0")}` as Hex,
    } as unknown as VaultLog);
  };
  apply("GlobalParamsSet", { params: GLOBAL });
  for (const [id, a] of ASSETS.entries()) {
    apply("AssetListed", { asset: id, token: `0x${(id + 1).toString(16).padStart(40, "0")}`, decimals: a.decimals, feed: `0x${(id + 100).toString(16).padStart(40, "0")}`, feedDecimals: 8 });
    apply("AssetParamsSet", {
      asset: id,
      params: {
        ltv: a.ltv,
        liquidationThreshold: a.lt,
        sizeFactor: 8000,
        protocolFee: a.protocolFee,
        reserveFactor: 1000,
        maxOracleAge: 3600,
        maxBonus: a.maxBonus,
        sizeThreshold: NO_SIZE_TIER,
        supplyCap: 0n,
        collateralCap: 0n,
        borrowCap: 0n,
      },
    });
    apply("LiquidationThresholdChanged", { asset: id, oldThreshold: 0n, newThreshold: BigInt(a.lt), rampEnd: T_OPEN, rampDuration: 0n });
    apply("Supplied", { lender: BOB, asset: id, amount: 10n ** 40n, shares: 10n ** 40n });
  }
  for (const acc of accounts) {
    for (const p of acc.positions) {
      if (p.amount === 0n) continue;
      const common = { owner: acc.owner, subId: acc.subId ?? 0, asset: p.asset, amount: p.amount };
      if (p.isDebt) apply("Borrowed", { ...common, shares: p.amount, to: acc.owner }, acc.at ?? T_OPEN);
      else apply("Deposited", { ...common, from: acc.owner }, acc.at ?? T_OPEN);
    }
  }
  return book;
}

/** USD WAD prices: the base prices, each times `shock` percent. */
function pricesWith(shocks: Partial<Record<number, bigint>> = {}): Map<number, bigint> {
  return new Map(ASSETS.map((a, id) => [id, (a.price * WAD * (shocks[id] ?? 100n)) / 100n]));
}

const GAS: GasModel = { gasUnits: 260_000n, maxFeePerGas: 50n * GWEI, nativeUsdPrice: usd(2000) };

function ctxFor(book: AccountBook, over: Partial<PlanContext> = {}): PlanContext {
  return {
    book,
    prices: pricesWith({ [WETH]: 85n }),
    timestamp: T,
    liquidator: LQ,
    balances: new Map(ASSETS.map((_a, id) => [id, 10n ** 30n])),
    gas: GAS,
    minProfitUsd: usd(1),
    ...over,
  };
}

/** 10 WETH (2,000 USD) against 15,000 USDC: liquidatable once WETH falls 15 %. */
const WETH_VS_USDC: Position[] = [
  { asset: WETH, isDebt: false, amount: 10n * WAD },
  { asset: USDC, isDebt: true, amount: 15_000n * 10n ** 6n },
];

function expectPlan(r: PlanResult): Plan {
  if (r.kind !== "plan") assert.fail(`expected a plan, got skip ${r.reason}: ${skipMessage(r)}`);
  return r;
}

/** Every number in `v` is an asset id or a sub-account (a small integer); money is bigint. */
function assertNoFloats(v: unknown, path = "plan"): void {
  if (typeof v === "number") {
    assert.ok(Number.isInteger(v) && v >= 0 && v < 256, `${path} = ${v} is a number that is not an id`);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => assertNoFloats(x, `${path}[${i}]`));
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) assertNoFloats(x, `${path}.${k}`);
  }
}

describe("planner: gas in money terms", () => {
  it("gas cost rounds up, a budget in wei rounds down, the gas-token price must be positive", () => {
    // 260k gas * 50 gwei = 0.013 ETH; at 2000 USD = 26 USD
    assert.equal(gasCostUsdUp(260_000n, 50n * GWEI, usd(2000)), usd(26));
    assert.equal(gasCostUsdUp(1n, 1n, 1n), 1n, "any non-zero cost is at least 1 wei-USD");
    assert.equal(usdToWeiDown(usd(26), usd(2000)), 13n * 10n ** 15n);
    assert.equal(usdToWeiDown(-5n, usd(2000)), 0n);
    assert.equal(usdToWeiDown(1n, 3n), 333_333_333_333_333_333n);
    assert.equal(nativeUsdPriceFrom({ kind: "asset", asset: WETH }, pricesWith()), usd(2000));
    assert.equal(nativeUsdPriceFrom({ kind: "fixed", usdWad: usd(3) }, new Map()), usd(3));
    assert.throws(() => nativeUsdPriceFrom({ kind: "asset", asset: 9 }, pricesWith()), GasPriceError);
    assert.throws(() => nativeUsdPriceFrom({ kind: "fixed", usdWad: 0n }, new Map()), GasPriceError);
  });
});

describe("planner: skips", () => {
  it("healthy: skipped with its health factor", () => {
    const book = makeBook([{ owner: ALICE, positions: WETH_VS_USDC }]);
    const r = planLiquidation(ctxFor(book, { prices: pricesWith() }), ALICE, 0);
    assert.equal(r.kind, "skip");
    assert.ok(r.kind === "skip" && r.reason === "healthy" && r.healthFactor === book.health(ALICE, 0, pricesWith(), T).healthFactor);
    assert.ok(r.healthFactor >= WAD);
  });

  it("no position, no price, self-liquidation, cool-off", () => {
    const book = makeBook([
      { owner: ALICE, positions: WETH_VS_USDC },
      { owner: BOB, positions: [{ asset: WETH, isDebt: false, amount: WAD }] },
      { owner: LQ, positions: WETH_VS_USDC },
      { owner: ALICE, subId: 1, positions: WETH_VS_USDC, at: T },
    ]);
    const ctx = ctxFor(book);
    assert.deepEqual(pick(planLiquidation(ctx, BOB, 0)), { kind: "skip", reason: "no-position" });
    assert.deepEqual(pick(planLiquidation(ctx, ALICE, 7)), { kind: "skip", reason: "no-position" });
    const noPrice = planLiquidation({ ...ctx, prices: new Map([...pricesWith({ [WETH]: 85n })].filter(([a]) => a !== USDC)) }, ALICE, 0);
    assert.ok(noPrice.kind === "skip" && noPrice.reason === "no-price");
    assert.deepEqual(noPrice.assets, [USDC]);
    assert.deepEqual(pick(planLiquidation(ctx, LQ, 0)), { kind: "skip", reason: "self-liquidation" });
    // a borrow in the block planned for: the vault's cool-off
    const coolOff = planLiquidation(ctx, ALICE, 1);
    assert.ok(coolOff.kind === "skip" && coolOff.reason === "cool-off" && coolOff.known);
  });

  it("no balance (or no allowance) of the debt token: skipped with what it holds", () => {
    const book = makeBook([{ owner: ALICE, positions: WETH_VS_USDC }]);
    const r = planLiquidation(ctxFor(book, { balances: new Map([[WETH, 10n ** 30n]]) }), ALICE, 0);
    assert.ok(r.kind === "skip" && r.reason === "no-balance");
    assert.deepEqual(r.needs, [{ asset: USDC, balance: 0n, allowance: undefined }]);
    const r2 = planLiquidation(ctxFor(book, { allowances: new Map([[USDC, 0n]]) }), ALICE, 0);
    assert.ok(r2.kind === "skip" && r2.reason === "no-balance");
    assert.deepEqual(r2.needs, [{ asset: USDC, balance: 10n ** 30n, allowance: 0n }]);
  });

  it("unprofitable after gas: skipped with the best pair's numbers", () => {
    const book = makeBook([{ owner: ALICE, positions: WETH_VS_USDC }]);
    const cheap = expectPlan(planLiquidation(ctxFor(book), ALICE, 0));
    const gross = cheap.expectedProfitUsd + cheap.gasCostUsd;
    // gas that eats all but 0.5 USD of the gross profit, with a 1 USD minimum
    const fee = (gross - usd(1) / 2n) * WAD / (GAS.gasUnits * GAS.nativeUsdPrice);
    const r = planLiquidation(ctxFor(book, { gas: { ...GAS, maxFeePerGas: fee } }), ALICE, 0);
    assert.ok(r.kind === "skip" && r.reason === "unprofitable");
    assert.equal(r.best.gasCostUsd, gasCostUsdUp(GAS.gasUnits, fee, GAS.nativeUsdPrice));
    assert.equal(r.best.profitUsd, gross - r.best.gasCostUsd);
    assert.ok(r.best.profitUsd < usd(1) && r.best.profitUsd > 0n);
    assert.equal(r.minProfitUsd, usd(1));
    assert.match(skipMessage(r), /best profit .* < min/);
  });

  it("refuses nonsense inputs with PlanError", () => {
    const book = makeBook([{ owner: ALICE, positions: WETH_VS_USDC }]);
    assert.throws(() => planLiquidation(ctxFor(book, { gas: { ...GAS, nativeUsdPrice: 0n } }), ALICE, 0), PlanError);
    assert.throws(() => planLiquidation(ctxFor(book, { gas: { ...GAS, gasUnits: 0n } }), ALICE, 0), PlanError);
    assert.throws(() => planLiquidation(ctxFor(book, { minSeizedToleranceBps: 10_000n }), ALICE, 0), PlanError);
  });
});

/** kind and reason only */
function pick(r: PlanResult) {
  return r.kind === "plan" ? { kind: r.kind } : { kind: r.kind, reason: r.reason };
}

describe("planner: plans", () => {
  it("a partial liquidation at the vault's maximum: the twin's amounts, profit = value received - value repaid - gas", () => {
    const book = makeBook([{ owner: ALICE, positions: WETH_VS_USDC }]);
    const ctx = ctxFor(book);
    const p = expectPlan(planLiquidation(ctx, ALICE, 0));
    const max = book.previewLiquidation(ALICE, 0, USDC, WETH, 2n ** 255n, LQ, ctx.prices, T);
    assert.ok(max.ok);
    assert.ok(max.preview.repaid < 15_000n * 10n ** 6n, "partial");
    assert.equal(p.repayAmount, max.preview.repaid);
    assert.equal(p.expectedRepaid, max.preview.repaid);
    assert.equal(p.expectedSeized, max.preview.seized);
    assert.equal(p.minSeized, max.preview.toLiquidator);
    const gas = gasCostUsdUp(GAS.gasUnits, GAS.maxFeePerGas, GAS.nativeUsdPrice);
    const profit = valueDown(p.minSeized, ctx.prices.get(WETH)!, WAD) - valueUp(p.expectedRepaid, WAD, 10n ** 6n) - gas;
    assert.equal(p.expectedProfitUsd, profit);
    assert.equal(p.profitAtMinSeizedUsd, profit);
    assert.equal(p.gasCostUsd, gas);
    assert.equal(p.gasBudgetWei, usdToWeiDown(profit + gas, GAS.nativeUsdPrice));
    assert.equal(p.gasUnits, GAS.gasUnits);
    assert.equal(p.timestamp, T);
    assertNoFloats(p);
  });

  it("a balance below the maximum caps the repay at the balance", () => {
    const book = makeBook([{ owner: ALICE, positions: WETH_VS_USDC }]);
    const balance = 3_000n * 10n ** 6n;
    const p = expectPlan(planLiquidation(ctxFor(book, { balances: new Map([[USDC, balance]]) }), ALICE, 0));
    assert.equal(p.repayAmount, balance);
    assert.equal(p.expectedRepaid, balance);
    // and an allowance below the balance caps it further
    const q = expectPlan(planLiquidation(ctxFor(book, { balances: new Map([[USDC, balance]]), allowances: new Map([[USDC, balance / 2n]]) }), ALICE, 0));
    assert.equal(q.repayAmount, balance / 2n);
  });

  it("chooses the most profitable pair: the collateral with the larger bonus, the debt that pays it", () => {
    // WBTC (10 % bonus) and WETH (7.5 %) against USDC and DAI debts; WBTC and WETH both fall
    const book = makeBook([
      {
        owner: ALICE,
        positions: [
          { asset: WBTC, isDebt: false, amount: unitsFor(WBTC, 20_000n) },
          { asset: WETH, isDebt: false, amount: unitsFor(WETH, 20_000n) },
          { asset: USDC, isDebt: true, amount: unitsFor(USDC, 15_000n) },
          { asset: DAI, isDebt: true, amount: unitsFor(DAI, 15_000n) },
        ],
      },
    ]);
    const ctx = ctxFor(book, { prices: pricesWith({ [WBTC]: 80n, [WETH]: 80n }) });
    const p = expectPlan(planLiquidation(ctx, ALICE, 0));
    assert.equal(p.pairs.length, 4);
    for (const q of p.pairs) assert.ok(q.ok && p.profitAtMinSeizedUsd >= q.profitAtMinSeizedUsd);
    assert.equal(p.collateralAsset, WBTC);
    const best = p.pairs.filter((q) => q.ok).sort((x, y) => (x.profitUsd > y.profitUsd ? -1 : 1))[0]!;
    assert.equal(p.debtAsset, best.debtAsset);
  });

  it("a repay that would leave dust is lowered to the largest one the vault accepts", () => {
    // 1 WETH at 1,000 USD against 1,500 USDC: the maximum seizes all the collateral (repay ~930 USDC); with
    // 900 USDC the repay would leave 32.5 USD of collateral, below the 100 USD minimum
    const book = makeBook([{ owner: ALICE, positions: [{ asset: WETH, isDebt: false, amount: WAD }, { asset: USDC, isDebt: true, amount: 1_500n * 10n ** 6n }] }]);
    const balance = 900n * 10n ** 6n;
    const ctx = ctxFor(book, { prices: pricesWith({ [WETH]: 50n }), balances: new Map([[USDC, balance]]) });
    const max = book.previewLiquidation(ALICE, 0, USDC, WETH, 2n ** 255n, LQ, ctx.prices, T);
    assert.ok(max.ok && max.preview.seized === WAD && max.preview.repaid > balance, "the maximum takes all the collateral");
    const atBalance = book.previewLiquidation(ALICE, 0, USDC, WETH, balance, LQ, ctx.prices, T);
    assert.ok(!atBalance.ok && atBalance.error === "MustNotLeaveDust");
    const p = expectPlan(planLiquidation(ctx, ALICE, 0));
    const q = p.pairs[0]!;
    assert.ok(q.ok && q.dustAdjusted);
    assert.ok(p.repayAmount < balance);
    assert.ok(book.previewLiquidation(ALICE, 0, USDC, WETH, p.repayAmount, LQ, ctx.prices, T).ok);
    const more = book.previewLiquidation(ALICE, 0, USDC, WETH, p.repayAmount + 1n, LQ, ctx.prices, T);
    assert.ok(!more.ok && more.error === "MustNotLeaveDust", "the largest valid repay");
    // what it leaves is at least the minimum, by less than one repay unit's worth of collateral
    const left = valueDown(WAD - p.expectedSeized, ctx.prices.get(WETH)!, WAD);
    assert.ok(left >= usd(100) && left < usd(100) + usd(1) / 100n, `collateral left ${left}`);
  });

  it("no valid repay within the balance: skipped as dust", () => {
    // 99 USDC owed (less than the 100 USD minimum left): only a repay that takes all the collateral is valid,
    // and 50 USDC cannot
    const book = makeBook([{ owner: ALICE, positions: [{ asset: WETH, isDebt: false, amount: WAD / 10n }, { asset: USDC, isDebt: true, amount: 99n * 10n ** 6n }] }]);
    const r = planLiquidation(ctxFor(book, { prices: pricesWith({ [WETH]: 50n }), balances: new Map([[USDC, 50n * 10n ** 6n]]) }), ALICE, 0);
    assert.ok(r.kind === "skip" && r.reason === "dust", JSON.stringify(pick(r)));
    const q = r.pairs[0]!;
    assert.ok(!q.ok && q.reason === "dust" && q.minLeftover === usd(100));
  });

  it("repaying the whole debt asks for 0.1 % more (within the balance) so accrued interest leaves no dust", () => {
    // 150 USDC against 0.1 WETH at 1,700: a partial repay would leave less than 100 USD, so the maximum is all of it
    const debt = 150n * 10n ** 6n;
    const book = makeBook([{ owner: ALICE, positions: [{ asset: WETH, isDebt: false, amount: WAD / 10n }, { asset: USDC, isDebt: true, amount: debt }] }]);
    const ctx = ctxFor(book, { gas: { ...GAS, maxFeePerGas: GWEI } });
    const p = expectPlan(planLiquidation(ctx, ALICE, 0));
    assert.equal(p.expectedRepaid, debt);
    assert.equal(p.repayAmount, debt + (debt * DEFAULT_FULL_REPAY_HEADROOM_BPS) / 10_000n);
    const pv = book.previewLiquidation(ALICE, 0, USDC, WETH, p.repayAmount, LQ, ctx.prices, T);
    assert.ok(pv.ok && pv.preview.repaid === debt && pv.preview.toLiquidator === p.minSeized);
    // never above the balance
    const q = expectPlan(planLiquidation({ ...ctx, balances: new Map([[USDC, debt + 7n]]) }, ALICE, 0));
    assert.equal(q.repayAmount, debt + 7n);
    const none = expectPlan(planLiquidation({ ...ctx, fullRepayHeadroomBps: 0n }, ALICE, 0));
    assert.equal(none.repayAmount, debt);
  });

  it("taking the whole of one collateral asks for 0.1 % more repay, so a bonus moved by the block's timestamp still seizes it all", () => {
    // 2x2 at health 0.893 (WETH at 1,400): the best pair (DAI against WETH) pays for all 5 WETH
    const positions: Position[] = [
      { asset: WETH, isDebt: false, amount: 5n * WAD },
      { asset: WBTC, isDebt: false, amount: 10n ** 7n },
      { asset: USDC, isDebt: true, amount: 2_000n * 10n ** 6n },
      { asset: DAI, isDebt: true, amount: 9_500n * WAD },
    ];
    const book = makeBook([{ owner: ALICE, positions }]);
    const ctx = ctxFor(book, { prices: pricesWith({ [WETH]: 70n }) });
    const p = expectPlan(planLiquidation(ctx, ALICE, 0));
    assert.equal(p.debtAsset, DAI);
    assert.equal(p.collateralAsset, WETH);
    assert.equal(p.expectedSeized, 5n * WAD, "the plan takes all the WETH");
    assert.equal(p.repayAmount, p.expectedRepaid + (p.expectedRepaid * DEFAULT_FULL_REPAY_HEADROOM_BPS + 9_999n) / 10_000n);
    // the block mines at a slightly higher health (here WBTC a hair up; on chain, a second less of
    // interest): the bonus falls, and the exact repay would leave a few wei of WETH, refused as dust
    const moved = new Map(ctx.prices);
    moved.set(WBTC, moved.get(WBTC)! + moved.get(WBTC)! / 100_000n);
    const exact = book.previewLiquidation(ALICE, 0, DAI, WETH, p.expectedRepaid, LQ, moved, T);
    assert.ok(!exact.ok && exact.error === "MustNotLeaveDust");
    // the amount sent is capped by the vault at its own maximum and seizes exactly all of it, for at least minSeized
    const sent = book.previewLiquidation(ALICE, 0, DAI, WETH, p.repayAmount, LQ, moved, T);
    assert.ok(sent.ok && sent.preview.seized === 5n * WAD && sent.preview.toLiquidator >= p.minSeized);
    assert.ok(sent.preview.repaid < p.repayAmount, "the vault capped the repay");
    // without headroom the plan sends the exact repay
    assert.equal(expectPlan(planLiquidation({ ...ctx, fullRepayHeadroomBps: 0n }, ALICE, 0)).repayAmount, p.expectedRepaid);
  });

  it("a minSeized tolerance lowers minSeized and gates profit at it", () => {
    const book = makeBook([{ owner: ALICE, positions: WETH_VS_USDC }]);
    const exact = expectPlan(planLiquidation(ctxFor(book), ALICE, 0));
    const p = expectPlan(planLiquidation(ctxFor(book, { minSeizedToleranceBps: 50n }), ALICE, 0));
    const cut = (exact.minSeized * 50n + 9_999n) / 10_000n;
    assert.equal(p.minSeized, exact.minSeized - cut);
    assert.equal(p.expectedToLiquidator, exact.minSeized);
    assert.equal(p.expectedProfitUsd, exact.expectedProfitUsd);
    assert.ok(p.profitAtMinSeizedUsd < p.expectedProfitUsd);
    // a minimum between the two profits: a plan without tolerance, a skip with it
    const minProfitUsd = (p.profitAtMinSeizedUsd + p.expectedProfitUsd) / 2n;
    assert.equal(planLiquidation(ctxFor(book, { minProfitUsd }), ALICE, 0).kind, "plan");
    assert.deepEqual(pick(planLiquidation(ctxFor(book, { minProfitUsd, minSeizedToleranceBps: 50n }), ALICE, 0)), { kind: "skip", reason: "unprofitable" });
  });

  it("planAccounts: plans by profit, highest first; skips of liquidatable accounts only", () => {
    const book = makeBook([
      { owner: ALICE, positions: WETH_VS_USDC },
      { owner: BOB, positions: WETH_VS_USDC.map((p) => ({ ...p, amount: p.amount * 2n })) },
      { owner: ALICE, subId: 3, positions: [{ asset: WETH, isDebt: false, amount: WAD }, { asset: USDC, isDebt: true, amount: 10n ** 6n }] },
      { owner: LQ, positions: WETH_VS_USDC },
    ]);
    const { plans, skips } = planAccounts(ctxFor(book));
    assert.deepEqual(plans.map((p) => p.owner), [BOB, ALICE]);
    assert.ok(plans[0]!.expectedProfitUsd > plans[1]!.expectedProfitUsd);
    assert.deepEqual(skips.map((s) => [s.owner, s.reason]), [[LQ, "self-liquidation"]]);
  });
});

// ------------------------------------------------------------------ property

const accountArb = fc
  .record({
    collaterals: fc.subarray([WBTC, WETH, DAI], { minLength: 1, maxLength: 2 }),
    debtPick: fc.subarray([USDC, DAI, WETH], { minLength: 1, maxLength: 2 }),
    collateralUsd: fc.array(fc.bigInt({ min: 150n, max: 2_000_000n }), { minLength: 2, maxLength: 2 }),
    /** debt as % of the liquidation-threshold-weighted collateral at base prices */
    debtPct: fc.bigInt({ min: 40n, max: 140n }),
    debtSplit: fc.bigInt({ min: 1n, max: 99n }),
    shocks: fc.tuple(fc.bigInt({ min: 60n, max: 110n }), fc.bigInt({ min: 60n, max: 110n }), fc.bigInt({ min: 95n, max: 105n })),
    /** per debt asset: none, a fraction of the debt (permille), or plenty */
    balances: fc.array(fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 1_200n }), fc.constant(-1n)), { minLength: 4, maxLength: 4 }),
    gasUnits: fc.bigInt({ min: 100_000n, max: 600_000n }),
    feeGwei: fc.bigInt({ min: 0n, max: 400n }),
    nativeUsd: fc.bigInt({ min: 500n, max: 5_000n }),
    minProfitUsd: fc.bigInt({ min: 0n, max: 300n }),
  })
  .filter((s) => s.debtPick.some((d) => !s.collaterals.includes(d)));

describe("planner: property (fast-check)", () => {
  it(`the plan is the most profitable pair, >= minProfit, within the balance, minSeized = the twin's toLiquidator, bigint only (${RUNS} runs)`, () => {
    let plans = 0;
    let skips = 0;
    fc.assert(
      fc.property(accountArb, (s) => {
        const debts = s.debtPick.filter((d) => !s.collaterals.includes(d));
        const positions: Position[] = [];
        let weighted = 0n;
        for (const [i, c] of s.collaterals.entries()) {
          const v = s.collateralUsd[i]!;
          positions.push({ asset: c, isDebt: false, amount: unitsFor(c, v) });
          weighted += (v * BigInt(ASSETS[c]!.lt)) / 10_000n;
        }
        const debtUsd = (weighted * s.debtPct) / 100n;
        const split = [(debtUsd * s.debtSplit) / 100n, debtUsd - (debtUsd * s.debtSplit) / 100n];
        const owed = new Map<number, bigint>();
        for (const [i, d] of debts.entries()) {
          const amount = unitsFor(d, debts.length === 1 ? debtUsd : split[i]!);
          if (amount > 0n) positions.push({ asset: d, isDebt: true, amount });
          owed.set(d, amount);
        }
        const book = makeBook([{ owner: ALICE, positions }]);
        const prices = pricesWith({ [WBTC]: s.shocks[0], [WETH]: s.shocks[1], [DAI]: s.shocks[2] });
        const balances = new Map<number, bigint>();
        for (const [a, b] of s.balances.entries()) {
          balances.set(a, b === -1n ? 10n ** 40n : ((owed.get(a) ?? unitOf(a)) * b) / 1_000n);
        }
        const gas: GasModel = { gasUnits: s.gasUnits, maxFeePerGas: s.feeGwei * GWEI, nativeUsdPrice: usd(s.nativeUsd) };
        const ctx = ctxFor(book, { prices, balances, gas, minProfitUsd: usd(s.minProfitUsd) });
        const r = planLiquidation(ctx, ALICE, 0);
        const gasCost = gasCostUsdUp(gas.gasUnits, gas.maxFeePerGas, gas.nativeUsdPrice);

        // every pair quote is what the twin says for its repay, and a repay within the balance
        for (const q of r.pairs) {
          if (!q.ok) {
            if (q.reason === "no-balance") assert.equal(balances.get(q.debtAsset) ?? 0n, 0n);
            continue;
          }
          assert.ok(q.repayAmount <= (balances.get(q.debtAsset) ?? 0n), "repay within the balance");
          const pv = book.previewLiquidation(ALICE, 0, q.debtAsset, q.collateralAsset, q.repayAmount, LQ, prices, T);
          assert.ok(pv.ok, "the twin accepts the repay sent");
          assert.deepEqual(pv.preview, q.preview);
          assert.equal(q.minSeized, pv.preview.toLiquidator);
          const profit =
            valueDown(pv.preview.toLiquidator, prices.get(q.collateralAsset)!, unitOf(q.collateralAsset)) -
            valueUp(pv.preview.repaid, prices.get(q.debtAsset)!, unitOf(q.debtAsset)) -
            gasCost;
          assert.equal(q.profitUsd, profit);
          // the repay is the largest the balance allows: one more is invalid, or capped at the same repay
          if (q.repayAmount < q.spendable) {
            const more = book.previewLiquidation(ALICE, 0, q.debtAsset, q.collateralAsset, q.repayAmount + 1n, LQ, prices, T);
            assert.ok(!more.ok || more.preview.repaid === q.preview.repaid, "no larger valid repay within the balance");
          }
        }
        const quotes = r.pairs.filter((q) => q.ok);
        if (r.kind === "plan") {
          plans++;
          for (const q of quotes) assert.ok(r.profitAtMinSeizedUsd >= q.profitAtMinSeizedUsd, "the best pair");
          assert.ok(r.expectedProfitUsd >= ctx.minProfitUsd, "never below minProfit");
          assert.ok(r.repayAmount <= balances.get(r.debtAsset)!, "never more than the balance");
          const pv = book.previewLiquidation(ALICE, 0, r.debtAsset, r.collateralAsset, r.repayAmount, LQ, prices, T);
          assert.ok(pv.ok && r.minSeized === pv.preview.toLiquidator && r.expectedRepaid === pv.preview.repaid);
          assert.equal(r.gasCostUsd, gasCost);
          for (const k of ["repayAmount", "minSeized", "expectedRepaid", "expectedSeized", "expectedToLiquidator", "expectedProfitUsd", "gasCostUsd", "gasBudgetWei", "gasUnits"] as const) {
            assert.equal(typeof r[k], "bigint", k);
          }
          assertNoFloats(r);
        } else {
          skips++;
          for (const q of quotes) assert.ok(q.profitAtMinSeizedUsd < ctx.minProfitUsd, "a skipped account has no pair worth minProfit");
          if (r.reason === "unprofitable") assert.ok(r.best.profitAtMinSeizedUsd < r.minProfitUsd);
          if (r.reason === "healthy") assert.ok(r.healthFactor >= WAD);
          assertNoFloats(r, "skip");
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    assert.ok(plans > RUNS / 10 && skips > RUNS / 10, `both outcomes exercised (plans ${plans}, skips ${skips})`);
  });
});

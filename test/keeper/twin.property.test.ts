/**
 * Property: on random states built on chain (random accounts, groups, a threshold ramp in progress,
 * interest over random time, random price shocks), the keeper's twin, fed only with the vault's events,
 * computes the same health, maxLiquidation and previewLiquidation as the vault's views at the same block,
 * to the wei, errors included. Runs: FUZZ_RUNS (default 25; 100 when CI=true); seed: FUZZ_SEED.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import fc from "fast-check";
import { BaseError, ContractFunctionRevertedError, maxUint256, parseUnits, type Address } from "viem";
import type { NetworkConnection } from "hardhat/types/network";
import {
  DEFAULT_ASSETS,
  DEFAULT_GLOBAL,
  assetParams,
  deployVaultWith,
  feedAnswer,
  type AssetSpec,
} from "../fixtures/vaultFixture.ts";
import { bookFromChain } from "./bookFromChain.ts";
import { healthContext, liquidationInput } from "../../keeper/src/math/accountHealth.ts";
import { maxLiquidation } from "../../keeper/src/math/healthMath.ts";

const { networkHelpers } = await network.create();
const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.CI === "true" ? 100 : 25));
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const DAY = 86_400;
const PRICES = ["1", "60000", "2000", "1900"]; // USDC, WBTC, WETH, stETH
const SPECS: AssetSpec[] = [
  ...DEFAULT_ASSETS,
  { symbol: "stETH", decimals: 18, priceUsd: "1900", params: { ltv: 7000, liquidationThreshold: 7600, sizeThreshold: parseUnits("200000", 18), sizeFactor: 7000 } },
];
const ETH_GROUP = 1; // WETH + stETH, correlated

async function deploy(connection: NetworkConnection) {
  const f = await deployVaultWith(connection, SPECS);
  await f.vault.write.setRiskGroup([ETH_GROUP, { ltv: 9000, liquidationThreshold: 9300, maxBonus: 40_000_000_000_000_000n }, [2, 3]]);
  return f;
}

type Fixture = Awaited<ReturnType<typeof deploy>>;

/** The vault's preview as {ok, value} or {ok: false, error name}. */
async function vaultPreview(f: Fixture, args: readonly [Address, number, number, number, bigint, Address]) {
  try {
    return { ok: true as const, value: { ...(await f.vault.read.previewLiquidation(args)) } };
  } catch (e) {
    const r = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : undefined;
    if (r instanceof ContractFunctionRevertedError && r.data) return { ok: false as const, error: r.data.errorName.replace(/^Vault_/, "") };
    throw e;
  }
}

const accountArb = fc.record({
  collateral: fc.subarray([1, 2, 3], { minLength: 1 }),
  debtsFromUsdc: fc.boolean(),
  amountsUsd: fc.array(fc.integer({ min: 200, max: 400_000 }), { minLength: 3, maxLength: 3 }),
  leverage: fc.integer({ min: 60, max: 99 }), // % of the initial-margin capacity borrowed
  joinGroup: fc.boolean(),
});

const scenarioArb = fc.record({
  accounts: fc.array(accountArb, { minLength: 1, maxLength: 3 }),
  days: fc.integer({ min: 0, max: 120 }),
  // % per asset: USDC stays near its peg; the others mostly fall (a crash), sometimes rise
  shocks: fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -55, max: 15 }), fc.integer({ min: -55, max: 15 }), fc.integer({ min: -60, max: 15 })),
  rampWeth: fc.option(fc.integer({ min: 6000, max: 8200 }), { nil: undefined }),
  rampProgress: fc.integer({ min: 0, max: 100 }), // % of the ramp elapsed
  repayPermille: fc.array(fc.integer({ min: 0, max: 1100 }), { minLength: 2, maxLength: 2 }),
});

describe("keeper twin against the vault on random states (fast-check)", () => {
  it(`agrees with accountHealth, maxLiquidation and previewLiquidation to the wei (${RUNS} runs)`, async function () {
    this.timeout(900_000);
    let compared = 0, liquidatable = 0, grouped = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (sc) => {
        const f = await networkHelpers.loadFixture(deploy);
        const { vault } = f;
        const owners = [f.alice, f.bob, f.carol];
        await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: 7 * DAY }]);
        // open the accounts: collateral worth amountsUsd, then borrow a share of the initial-margin capacity
        for (const [k, acc] of sc.accounts.entries()) {
          const w = owners[k]!;
          const o = w.account.address;
          for (const [j, asset] of acc.collateral.entries()) {
            const usdAmount = acc.amountsUsd[j]!;
            const units = (parseUnits(String(usdAmount), SPECS[asset]!.decimals) * 100n) / BigInt(Math.round(Number(PRICES[asset]) * 100));
            if (units > 0n) await vault.write.deposit([o, 0, asset, units], { account: w.account });
          }
          const inGroup = acc.joinGroup && acc.collateral.every((a) => a === 2 || a === 3);
          const h = await vault.read.accountHealth([o, 0]);
          let budget = (h.initialMarginValue * BigInt(acc.leverage)) / 100n;
          // debts: USDC and/or WBTC (never one of its collaterals); in the ETH group only stETH/WETH debt
          const debtAssets = inGroup ? [2, 3].filter((a) => !acc.collateral.includes(a)) : acc.debtsFromUsdc ? [0] : [0, 1].filter((a) => !acc.collateral.includes(a));
          for (const d of debtAssets) {
            const share = budget / BigInt(debtAssets.length);
            const units = (share * 10n ** BigInt(SPECS[d]!.decimals)) / parseUnits(PRICES[d]!, 18);
            if (units > 0n) await vault.write.borrow([o, 0, d, units, o], { account: w.account });
          }
          budget = 0n;
          if (inGroup) {
            try {
              await vault.write.enterGroup([o, 0, ETH_GROUP], { account: w.account });
              grouped++;
            } catch {
              /* entering may be refused (health would drop): the account stays out, which is fine */
            }
          }
        }
        // a threshold lowering in progress on WETH
        if (sc.rampWeth !== undefined) {
          await vault.write.setAssetParams([2, assetParams({ ltv: Math.min(8000, sc.rampWeth - 100), liquidationThreshold: sc.rampWeth })]);
        }
        // time passes (interest, ramp), then prices move; every feed is refreshed so none is stale
        const elapsed = sc.days * DAY + Math.floor((7 * DAY * sc.rampProgress) / 100);
        if (elapsed > 0) await networkHelpers.time.increase(elapsed);
        for (const [a, shock] of sc.shocks.entries()) {
          await f.feeds[a]!.write.setAnswer([(feedAnswer(PRICES[a]!) * BigInt(100 + shock)) / 100n]);
        }
        await networkHelpers.mine();

        const { book, prices, timestamp } = await bookFromChain(f.publicClient, vault.address);
        const liq = f.liquidator.account.address;
        for (const acc of book.openAccounts()) {
          const view = await vault.read.accountHealth([acc.owner, acc.subId]);
          assert.deepEqual(book.health(acc.owner, acc.subId, prices, timestamp), { ...view }, `health ${acc.owner}`);
          compared++;
          const debts = [...acc.positions].filter(([, p]) => p.isDebt).map(([a]) => a);
          const colls = [...acc.positions].filter(([, p]) => !p.isDebt).map(([a]) => a);
          if (view.healthFactor < 10n ** 18n) liquidatable++;
          for (const d of debts) {
            for (const c of colls) {
              const [repay, seized, bonus] = await vault.read.maxLiquidation([acc.owner, acc.subId, d, c]);
              const h = healthContext(acc.positions, book.riskBook(), prices, timestamp, book.groupContext(acc));
              const m = maxLiquidation(liquidationInput(h, d, c, book.riskBook(), book.liquidationGlobals()));
              assert.deepEqual({ repay: m.repay, seized: m.seized, bonus: m.bonus }, { repay, seized, bonus }, `max ${d}/${c}`);
              for (const amount of [maxUint256, ...sc.repayPermille.map((x) => (repay * BigInt(x)) / 1000n)]) {
                const args = [acc.owner, acc.subId, d, c, amount, liq] as const;
                const twin = book.previewLiquidation(acc.owner, acc.subId, d, c, amount, liq, prices, timestamp);
                const chain = await vaultPreview(f, args);
                if (chain.ok) {
                  assert.ok(twin.ok, `twin refused (${twin.ok ? "" : twin.error}) what the vault previews, ${d}/${c} ${amount}`);
                  assert.deepEqual(twin.preview, chain.value, `preview ${d}/${c} ${amount}`);
                } else {
                  assert.ok(!twin.ok, `twin previews what the vault refuses (${chain.error})`);
                  assert.equal(twin.error, chain.error, `preview error ${d}/${c} ${amount}`);
                }
                compared++;
              }
            }
          }
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`      ${RUNS} random states, ${compared} comparisons, ${liquidatable} liquidatable accounts, ${grouped} in a group`);
  });
});

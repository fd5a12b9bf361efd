/**
 * Proof that the vault's events are rich enough to rebuild every account from logs alone.
 *
 * A varied history (owners and operators, sub-accounts 0 and 7, deposits in every asset, transfers between
 * sub-accounts, borrows, partial and full repays, time travel with interest above and below the kink,
 * supply and redeem, parameter, rate-model and feed changes, pause and grace, nested flash loans, reserve
 * withdrawals, price drops, partial liquidations, a liquidation that writes off two debts, a dust account
 * settled) is replayed several times: at each checkpoint ALL vault logs from block 0 are fetched, a fresh
 * AccountBook is built from them, prices come from the feeds' AnswerUpdated logs, and every account,
 * lender, asset and vault-wide value is compared with the vault's views at the latest block, to the wei.
 * The vault is only read to compare (and to size the scenario's actions), never to feed the book.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import {
  BaseError,
  ContractFunctionRevertedError,
  maxUint256,
  parseEventLogs,
  parseUnits,
  type Address,
} from "viem";
import {
  DEFAULT_ASSETS,
  DEFAULT_GLOBAL,
  WAD,
  assetParams,
  deployVaultWith,
  usd,
  type AssetSpec,
} from "../fixtures/vaultFixture.ts";
import { aggregatorEventsAbi, vaultAbi } from "../../keeper/src/chain/abi.ts";
import { AccountBook, type BookPreviewResult } from "../../keeper/src/book/accountBook.ts";
import { bookFromChain } from "./bookFromChain.ts";
import { healthContext, liquidationInput } from "../../keeper/src/math/accountHealth.ts";
import { maxLiquidation, repayForSeizeUp } from "../../keeper/src/math/healthMath.ts";
import { mulDivDown } from "../../keeper/src/math/fullMath.ts";

const { networkHelpers } = await network.create();

const USDC = 0;
const WBTC = 1;
const WETH = 2;
const LINK = 3;
const DAY = 86_400;

/** The default three assets plus an 18-decimal one with a size tier above 50k USD: 2x2 accounts need four. */
const SPECS: AssetSpec[] = [
  ...DEFAULT_ASSETS,
  { symbol: "LINK", decimals: 18, priceUsd: "20", params: { sizeThreshold: usd("50000"), sizeFactor: 8000 } },
];

async function deployFourAssets(connection: NetworkConnection) {
  return deployVaultWith(connection, SPECS);
}

type Fixture = Awaited<ReturnType<typeof deployFourAssets>>;

interface Outcome {
  ok: boolean;
  error?: string;
  detail?: unknown;
}

/** The vault's previewLiquidation as {ok, preview} or {ok: false, error, detail} in the book's shape. */
async function vaultPreview(
  f: Fixture,
  owner: Address,
  subId: number,
  d: number,
  c: number,
  repay: bigint,
  liquidator: Address,
): Promise<Outcome & { preview?: unknown }> {
  try {
    const p = await f.vault.read.previewLiquidation([owner, subId, d, c, repay, liquidator]);
    return { ok: true, preview: { ...p } };
  } catch (e) {
    const r = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : undefined;
    if (!(r instanceof ContractFunctionRevertedError) || !r.data) throw e;
    const name = r.data.errorName.replace(/^Vault_/, "");
    const args = (r.data.args ?? []) as readonly unknown[];
    switch (name) {
      case "NotLiquidatable":
        return { ok: false, error: name, detail: { healthFactor: args[2] } };
      case "NoSuchPosition":
        return { ok: false, error: name, detail: { asset: args[2] } };
      case "MustNotLeaveDust":
        return {
          ok: false,
          error: name,
          detail: { debtLeftValue: args[0], collateralLeftValue: args[1], minLeftover: args[2] },
        };
      case "GracePeriod":
        return { ok: false, error: name, detail: { graceEnd: args[0] } };
      default:
        return { ok: false, error: name, detail: {} };
    }
  }
}

function bookOutcome(r: BookPreviewResult): Outcome & { preview?: unknown } {
  if (r.ok) return { ok: true, preview: { ...r.preview } };
  const { ok: _ok, error, ...detail } = r;
  return { ok: false, error, detail };
}

describe("Indexer: events are rich enough to rebuild every account from logs alone", () => {
  it("rebuilds accounts, lenders, assets and globals from logs and matches the vault's views to the wei", async () => {
    const f = await networkHelpers.loadFixture(deployFourAssets);
    const { vault, publicClient, viem, admin, lender, alice, bob, liquidator, carol, wallets } = f;
    const dave = wallets[6]!;
    const erin = wallets[7]!;
    const people = [admin, lender, alice, bob, liquidator, carol, dave, erin];
    const addr = (w: (typeof people)[number]) => w.account.address;

    // --------------------------------------------------------------- price helpers (feeds can change)
    const feeds = [...f.feeds];
    const feedDecimals = [8, 8, 8, 8];
    const priceUsd = SPECS.map((s) => s.priceUsd);
    async function setPrice(asset: number, p: string) {
      priceUsd[asset] = p;
      await feeds[asset]!.write.setAnswer([parseUnits(p, feedDecimals[asset]!)]);
    }
    /** Re-post every price so no feed is stale after time travel. */
    async function refreshFeeds() {
      for (let i = 0; i < feeds.length; i++) await setPrice(i, priceUsd[i]!);
    }
    async function travel(seconds: number) {
      await networkHelpers.time.increase(seconds);
      await refreshFeeds();
    }

    // --------------------------------------------------------------- who to compare
    const accounts: Array<[Address, number]> = [];
    const known = (owner: Address, subId: number) => {
      if (!accounts.some(([o, s]) => o === owner && s === subId)) accounts.push([owner, subId]);
    };
    const u = (asset: number, amount: string) => parseUnits(amount, SPECS[asset]!.decimals);

    // --------------------------------------------------------------- the checkpoint: rebuild and compare
    let checkpoints = 0;
    async function rebuild() {
      const r = await bookFromChain(publicClient, vault.address);
      return { book: r.book, prices: r.prices, ts: r.timestamp, logs: r.logs };
    }

    async function checkpoint(label: string) {
      checkpoints++;
      const { book, prices, ts, logs } = await rebuild();
      const at = (what: string) => `[${label}] ${what}`;

      // vault-wide
      assert.equal(BigInt(book.assets.size), await vault.read.assetCount(), at("asset count"));
      assert.deepEqual(book.globalParams, { ...(await vault.read.globalParams()) }, at("globalParams"));
      assert.equal(book.paused, await vault.read.paused(), at("paused"));
      assert.equal(book.graceEnd, await vault.read.graceEnd(), at("graceEnd"));
      for (const o of people) {
        for (const p of people) {
          assert.equal(book.isOperator(addr(o), addr(p)), await vault.read.isOperator([addr(o), addr(p)]), at("operator"));
        }
      }

      // assets: configuration, state (indices and reserves accrued to now), prices
      for (const [id, a] of book.assets) {
        const cfg = await vault.read.assetConfig([id]);
        assert.deepEqual(
          {
            feed: a.feed.toLowerCase(),
            decimals: a.decimals,
            feedDecimals: a.feedDecimals,
            ...a.params,
            ltRampFrom: Number(a.ltRampFrom),
            rampEnd: Number(a.rampEnd),
            rampDuration: Number(a.rampDuration),
            stewardUpdatedAt: Number(a.stewardUpdatedAt),
            token: a.token.toLowerCase(),
            rateModel: a.rateModel,
          },
          { ...cfg, feed: cfg.feed.toLowerCase(), token: cfg.token.toLowerCase(), rateModel: { ...cfg.rateModel } },
          at(`assetConfig(${id})`),
        );
        assert.deepEqual(book.assetState(id, ts), { ...(await vault.read.assetState([id])) }, at(`assetState(${id})`));
        const [priceWad] = await vault.read.price([id]);
        assert.equal(prices.get(id), priceWad, at(`price(${id})`));
      }

      // lenders
      const lenders = new Set<Address>(people.map(addr));
      for (const [id] of book.assets) {
        for (const l of lenders) {
          assert.equal(book.supplySharesOf(id, l), await vault.read.supplyShares([id, l]), at(`supplyShares(${id}, ${l})`));
          assert.equal(book.supplyBalance(id, l, ts), await vault.read.supplyBalance([id, l]), at(`supplyBalance(${id})`));
        }
      }
      for (const [id, m] of book.supplyShares) {
        for (const [l, shares] of m) assert.equal(shares, await vault.read.supplyShares([id, l as Address]), at("lender"));
      }

      // accounts: every one the book knows and every one the scenario opened
      const all = new Map<string, [Address, number]>();
      for (const [o, s] of accounts) all.set(`${o.toLowerCase()}/${s}`, [o, s]);
      for (const acc of book.accounts.values()) all.set(`${acc.owner.toLowerCase()}/${acc.subId}`, [acc.owner, acc.subId]);
      let open = 0;
      for (const [owner, subId] of all.values()) {
        const name = at(`${owner}/${subId}`);
        const onChain = [...(await vault.read.positions([owner, subId]))]
          .map((p) => ({ ...p }))
          .sort((x, y) => x.asset - y.asset);
        assert.deepEqual(book.positions(owner, subId, ts), onChain, `${name} positions`);
        if (onChain.length > 0) open++;
        const checkedAt = await vault.read.checkedAt([owner, subId]);
        assert.equal(book.account(owner, subId)?.checkedAt ?? 0n, checkedAt, `${name} checkedAt`);
        const health = { ...(await vault.read.accountHealth([owner, subId])) };
        assert.deepEqual(book.health(owner, subId, prices, ts), health, `${name} health`);
      }

      // The same logs without block timestamps: everything but the cool-off stamps of withdrawals and
      // transfers comes from the events' own fields (a borrow's stamp from its InterestAccrued).
      const bare = new AccountBook().applyAll(logs.map((l) => ({ ...l, blockTimestamp: undefined })));
      for (const [id] of book.assets) {
        assert.deepEqual(bare.assetState(id, ts), book.assetState(id, ts), at(`bare assetState(${id})`));
      }
      for (const { owner, subId, checkedAt } of book.accounts.values()) {
        const b = bare.account(owner, subId);
        assert.deepEqual(bare.positions(owner, subId, ts), book.positions(owner, subId, ts), at("bare positions"));
        assert.deepEqual(bare.health(owner, subId, prices, ts), book.health(owner, subId, prices, ts), at("bare health"));
        if (b?.checkedAtKnown) assert.equal(b.checkedAt, checkedAt, at("bare checkedAt"));
        else bareUnknownStamps++;
      }
      return { open, book, prices, ts };
    }
    let bareUnknownStamps = 0;

    /** Twin vs vault: maxLiquidation and previewLiquidation for every pair and several repay amounts. */
    const tally = new Map<string, number>();
    async function comparePreviews(owner: Address, subId: number, pairs: Array<[number, number]>, liq: Address) {
      const { book, prices, ts } = await rebuild();
      const acc = book.account(owner, subId);
      for (const [d, c] of pairs) {
        const amounts = new Set<bigint>([0n, 1n, maxUint256]);
        if (acc && acc.positions.get(d)?.isDebt === true && acc.positions.get(c)?.isDebt === false) {
          const risk = book.riskBook();
          const h = healthContext(acc.positions, risk, prices, ts);
          const li = liquidationInput(h, d, c, risk, book.liquidationGlobals());
          const m = maxLiquidation(li);
          const [vRepay, vSeized, vBonus] = await vault.read.maxLiquidation([owner, subId, d, c]);
          const what = `maxLiquidation ${owner}/${subId} ${d}/${c}`;
          assert.deepEqual([m.repay, m.seized, m.bonus], [vRepay, vSeized, vBonus], what);
          const unitD = li.debtUnit;
          const unitC = li.collateralUnit;
          const leaveDebt = (value: bigint) => li.debtBalance - mulDivDown(value, unitD, li.debtPrice);
          for (const a of [m.repay / 3n, m.repay / 2n, m.repay - 1n, m.repay, m.repay + 1n, li.debtBalance]) amounts.add(a);
          for (const v of [usd("50"), usd("99"), usd("150")]) {
            amounts.add(leaveDebt(v)); // leaves that much debt
            const keep = mulDivDown(v, unitC, li.collateralPrice); // leaves that much collateral
            if (keep < li.collateralBalance) {
              amounts.add(repayForSeizeUp(li, li.collateralBalance - keep, m.bonus || li.minBonus));
            }
          }
        }
        for (const repay of amounts) {
          if (repay < 0n) continue;
          const twin = bookOutcome(book.previewLiquidation(owner, subId, d, c, repay, liq, prices, ts));
          const chain = await vaultPreview(f, owner, subId, d, c, repay, liq);
          assert.deepEqual(twin, chain, `previewLiquidation ${owner}/${subId} debt ${d} coll ${c} repay ${repay}`);
          const key = twin.ok ? (twin.preview as { badDebt: boolean }).badDebt ? "ok+badDebt" : "ok" : twin.error!;
          tally.set(key, (tally.get(key) ?? 0) + 1);
        }
      }
    }

    // =============================================================== phase 1: accounts open
    await vault.write.setOperator([addr(carol), true], { account: alice.account });
    await vault.write.setOperator([addr(dave), true], { account: bob.account });

    known(addr(alice), 0);
    known(addr(alice), 7);
    await vault.write.deposit([addr(alice), 0, WETH, u(WETH, "5")], { account: alice.account });
    await vault.write.deposit([addr(alice), 0, WBTC, u(WBTC, "0.2")], { account: carol.account }); // operator
    await vault.write.deposit([addr(alice), 7, USDC, u(USDC, "20000")], { account: alice.account });
    await vault.write.transferCollateral([addr(alice), 0, 7, WETH, u(WETH, "1")], { account: carol.account });
    await vault.write.borrow([addr(alice), 0, USDC, u(USDC, "8000"), addr(alice)], { account: alice.account });
    await vault.write.borrow([addr(alice), 7, WBTC, u(WBTC, "0.1"), addr(carol)], { account: carol.account });

    // bob sub 0: a LINK collateral above the size threshold, through his operator
    known(addr(bob), 0);
    await vault.write.deposit([addr(bob), 0, LINK, u(LINK, "5000")], { account: dave.account });
    await vault.write.borrow([addr(bob), 0, USDC, u(USDC, "60000"), addr(dave)], { account: dave.account });
    await vault.write.borrow([addr(bob), 0, WETH, u(WETH, "5"), addr(bob)], { account: bob.account });
    await vault.write.setOperator([addr(dave), false], { account: bob.account });

    // bob sub 7: a WBTC collateral and two debts, to be written off later
    known(addr(bob), 7);
    await vault.write.deposit([addr(bob), 7, WBTC, u(WBTC, "0.05")], { account: bob.account });
    await vault.write.borrow([addr(bob), 7, USDC, u(USDC, "1000"), addr(bob)], { account: bob.account });
    await vault.write.borrow([addr(bob), 7, WETH, u(WETH, "0.5"), addr(bob)], { account: bob.account });

    // erin sub 0: the 2x2 account (WETH + LINK collateral, USDC + a small WBTC debt)
    known(addr(erin), 0);
    await vault.write.deposit([addr(erin), 0, WETH, u(WETH, "3")], { account: erin.account });
    await vault.write.deposit([addr(erin), 0, LINK, u(LINK, "300")], { account: erin.account });
    await vault.write.borrow([addr(erin), 0, USDC, u(USDC, "7600"), addr(erin)], { account: erin.account });
    await vault.write.borrow([addr(erin), 0, WBTC, u(WBTC, "0.003"), addr(erin)], { account: erin.account });

    // carol sub 3: a dust account (0.80 USD of WETH against 0.60 USDC)
    known(addr(carol), 3);
    await vault.write.deposit([addr(carol), 3, WETH, u(WETH, "0.0004")], { account: carol.account });
    await vault.write.borrow([addr(carol), 3, USDC, u(USDC, "0.6"), addr(carol)], { account: carol.account });

    // lenders: carol supplies for herself and for erin
    await vault.write.supply([USDC, u(USDC, "50000"), addr(carol)], { account: carol.account });
    await vault.write.supply([WETH, u(WETH, "1"), addr(erin)], { account: carol.account });

    // push WETH above the kink: the lender pulls most of its liquidity, dave borrows most of the rest
    {
      const s = await vault.read.assetState([WETH]);
      const shares = ((s.cash - u(WETH, "20")) * WAD) / s.supplyIndex;
      await vault.write.redeem([WETH, shares, addr(lender)], { account: lender.account });
      known(addr(dave), 0);
      await vault.write.deposit([addr(dave), 0, USDC, u(USDC, "100000")], { account: dave.account });
      await vault.write.borrow([addr(dave), 0, WETH, u(WETH, "12"), addr(dave)], { account: dave.account });
    }
    // the cool-off: dave just passed a check in this very block, so nobody may liquidate him now
    await comparePreviews(addr(dave), 0, [[WETH, USDC]], addr(liquidator));
    await checkpoint("accounts opened");

    // =============================================================== phase 2: interest, lenders, admin
    await travel(30 * DAY);
    await vault.write.repay([addr(alice), 0, USDC, u(USDC, "1000")], { account: alice.account }); // partial
    await vault.write.repay([addr(bob), 0, WETH, maxUint256], { account: carol.account }); // full, by anyone
    await vault.write.redeem([USDC, (await vault.read.supplyShares([USDC, addr(carol)])) / 2n, addr(carol)], {
      account: carol.account,
    });
    await vault.write.redeem([USDC, u(USDC, "1000000"), addr(lender)], { account: lender.account });
    await vault.write.accrueInterest([WBTC], { account: liquidator.account });
    await vault.write.setAssetParams(
      [USDC, assetParams({ ...SPECS[USDC]!.params, reserveFactor: 2000 })],
      { account: admin.account },
    );
    await vault.write.setRateModel(
      [WETH, { baseRate: 100_000_000n, slope1: 2_000_000_000n, slope2: 30_000_000_000n, kink: 900_000_000_000_000_000n }],
      { account: admin.account },
    );
    await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, targetHealth: 1_040_000_000_000_000_000n, flashFee: 9 }], {
      account: admin.account,
    });
    // LINK moves to a 20-decimal feed (the WAD conversion then divides)
    {
      const feed = await viem.deployContract("MockAggregator", [20, parseUnits(priceUsd[LINK]!, 20), "LINK / USD v2"]);
      await vault.write.setFeed([LINK, feed.address], { account: admin.account });
      feeds[LINK] = feed;
      feedDecimals[LINK] = 20;
    }
    await checkpoint("after interest and admin");

    await vault.write.pause({ account: admin.account });
    await comparePreviews(addr(erin), 0, [[USDC, WETH]], addr(liquidator)); // Paused
    await vault.write.deposit([addr(alice), 7, USDC, u(USDC, "10")], { account: alice.account }); // allowed paused
    await vault.write.unpause({ account: admin.account });
    await comparePreviews(addr(erin), 0, [[USDC, WETH]], addr(liquidator)); // GracePeriod
    await checkpoint("paused and unpaused");

    await travel(DAY);
    // flash loans: a nested one (two FlashLoan events, two fees to reserves)
    {
      const borrower = await viem.deployContract("FlashBorrowerMock", []);
      await f.tokens[USDC]!.write.mint([borrower.address, u(USDC, "1000")]);
      await borrower.write.setMode([3]); // Reenter
      await borrower.write.flashBorrow([vault.address, f.tokens[USDC]!.address, u(USDC, "100000")]);
    }
    await checkpoint("flash loans"); // the fees are in reserves with no InterestAccrued yet
    await vault.write.withdrawReserves([USDC, u(USDC, "10"), addr(admin)], { account: admin.account });
    await checkpoint("reserves withdrawn");

    // =============================================================== phase 3: liquidations
    // Stage A: WBTC crashes; bob/7 is liquidated all the way and both remaining debts are written off.
    await setPrice(WBTC, "20000");
    await comparePreviews(addr(bob), 7, [[USDC, WBTC], [WETH, WBTC]], addr(liquidator));
    await vault.write.liquidate([addr(bob), 7, USDC, WBTC, maxUint256, 0n], { account: liquidator.account });
    await checkpoint("bad-debt liquidation");
    {
      const { logs } = await rebuild();
      const last = logs.slice(-8).map((l) => l.eventName);
      assert.equal(last.filter((n) => n === "BadDebt").length, 2, `two write-offs: ${last.join(",")}`);
      // the liquidation's burn is logged before the write-off of what it left
      assert.ok(last.indexOf("Liquidated") >= 0 && last.indexOf("Liquidated") < last.indexOf("BadDebt"), last.join(","));
    }

    // Stage B: WBTC recovers, WETH and LINK fall: erin (2x2) and bob/0 (size tier) are underwater.
    await setPrice(WBTC, "60000");
    await setPrice(WETH, "1500");
    await setPrice(LINK, "14");
    {
      const { book, prices, ts } = await rebuild();
      for (const [o, s] of [[addr(erin), 0], [addr(bob), 0]] as const) {
        assert.ok(book.health(o, s, prices, ts).healthFactor < WAD, `${o}/${s} is underwater`);
      }
    }
    const pairs2x2: Array<[number, number]> = [[USDC, WETH], [USDC, LINK], [WBTC, WETH], [WBTC, LINK]];
    await comparePreviews(addr(erin), 0, pairs2x2, addr(liquidator));
    await comparePreviews(addr(erin), 0, [[USDC, WETH]], addr(erin)); // SelfLiquidation
    await comparePreviews(addr(erin), 0, [[WETH, USDC], [LINK, WBTC]], addr(liquidator)); // NoSuchPosition
    await comparePreviews(addr(bob), 0, [[USDC, LINK]], addr(liquidator));
    await comparePreviews(addr(alice), 0, [[USDC, WETH]], addr(liquidator)); // NotLiquidatable

    {
      const [maxRepay] = await vault.read.maxLiquidation([addr(erin), 0, WBTC, LINK]);
      await vault.write.liquidate([addr(erin), 0, WBTC, LINK, maxRepay, 0n], { account: liquidator.account });
    }
    await comparePreviews(addr(erin), 0, [[USDC, WETH], [USDC, LINK]], addr(liquidator));
    await vault.write.liquidate([addr(erin), 0, USDC, WETH, maxUint256, 0n], { account: liquidator.account });
    {
      const [maxRepay] = await vault.read.maxLiquidation([addr(bob), 0, USDC, LINK]);
      await vault.write.liquidate([addr(bob), 0, USDC, LINK, maxRepay / 2n, 0n], { account: liquidator.account });
    }
    await comparePreviews(addr(bob), 0, [[USDC, LINK]], addr(liquidator));
    await checkpoint("partial liquidations");

    // Stage C: the dust account (0.60 USD of WETH now) is settled by anyone.
    await vault.write.settleBadDebt([addr(carol), 3], { account: liquidator.account });
    await checkpoint("dust settled");

    // =============================================================== phase 4: life goes on
    await travel(10 * DAY);
    await vault.write.repay([addr(alice), 7, WBTC, maxUint256], { account: alice.account });
    await vault.write.withdraw([addr(alice), 7, USDC, u(USDC, "5000"), addr(alice)], { account: alice.account });
    known(addr(alice), 5);
    // all of it: the position leaves sub 7
    await vault.write.transferCollateral([addr(alice), 7, 5, USDC, u(USDC, "15010")], { account: alice.account });
    await vault.write.supply([WBTC, u(WBTC, "3"), addr(liquidator)], { account: liquidator.account });
    await vault.write.redeem([WETH, await vault.read.supplyShares([WETH, addr(erin)]), addr(erin)], {
      account: erin.account,
    });
    await travel(3 * DAY);
    const final = await checkpoint("final");

    // the scenario did what it claims
    assert.ok(final.open >= 5, `open accounts: ${final.open}`);
    assert.ok(checkpoints >= 7);
    assert.ok(bareUnknownStamps > 0, "some cool-off stamps need the block timestamp");
    const outcomes = ["ok", "ok+badDebt", "ZeroRepay", "MustNotLeaveDust", "NotLiquidatable", "NoSuchPosition"];
    outcomes.push("CoolOff", "Paused", "GracePeriod", "SelfLiquidation");
    for (const k of outcomes) {
      assert.ok((tally.get(k) ?? 0) > 0, `preview outcome ${k} compared (${JSON.stringify([...tally])})`);
    }
  });
});

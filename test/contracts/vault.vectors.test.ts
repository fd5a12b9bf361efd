/**
 * The vault against every shared vector, to the wei: each vector's account is built with real deposits
 * and borrows, its prices are set on the feeds, and the views (accountHealth, maxLiquidation,
 * previewLiquidation) and real `liquidate` calls are compared with the exact reference's outcomes.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { decodeEventLog, maxUint256, type Address } from "viem";
import { loadVectors, type Vector } from "../vectors/vectorFile.ts";

const { viem, networkHelpers } = await network.create();
const vectors = loadVectors();
const WAD = 10n ** 18n;
const MAX96 = (1n << 96n) - 1n;
const DECIMALS = [6, 8, 18] as const;
const PER_DECIMALS = 4;
const ZERO_RATES = { baseRate: 0n, slope1: 0n, slope2: 0n, kink: WAD }; // no interest: debt == borrowed

async function deployPool() {
  const wallets = await viem.getWalletClients();
  const [admin, owner, lender, liquidator] = wallets as [
    (typeof wallets)[number],
    (typeof wallets)[number],
    (typeof wallets)[number],
    (typeof wallets)[number],
  ];
  const globals = { minBonus: 0n, targetHealth: 1_050_000_000_000_000_000n, minLeftover: 0n, gracePeriod: 0, flashFee: 0, rampDuration: 0 };
  const lens = await viem.deployContract("VaultLens", []);
  const extension = await viem.deployContract("VaultExtension", [lens.address]);
  const core = await viem.deployContract("Vault", [admin.account.address, globals, extension.address]);
  const vault = await viem.getContractAt("IVault", core.address);
  const pool: Record<number, { id: number; token: Address; feed: Address }[]> = {};
  const tokens = new Map<number, Awaited<ReturnType<typeof viem.deployContract<"MockERC20">>>>();
  const feeds = new Map<number, Awaited<ReturnType<typeof viem.deployContract<"MockAggregator">>>>();
  let id = 0;
  for (const d of DECIMALS) {
    pool[d] = [];
    for (let k = 0; k < PER_DECIMALS; k++, id++) {
      const token = await viem.deployContract("MockERC20", [`T${d}_${k}`, `T${d}_${k}`, d]);
      // 18-decimal feeds so every WAD price in the vectors is representable exactly
      const feed = await viem.deployContract("MockAggregator", [18, WAD, `T${d}_${k} / USD`]);
      await vault.write.listAsset([
        token.address,
        feed.address,
        {
          ltv: 5000, liquidationThreshold: 6000, sizeFactor: 10000, protocolFee: 0, reserveFactor: 0,
          maxOracleAge: 4_000_000_000, maxBonus: WAD / 2n, sizeThreshold: MAX96,
          supplyCap: 0n, collateralCap: 0n, borrowCap: 0n,
        },
        ZERO_RATES,
      ]);
      for (const w of [owner, lender, liquidator]) {
        await token.write.approve([vault.address, maxUint256], { account: w.account });
      }
      pool[d]!.push({ id, token: token.address, feed: feed.address });
      tokens.set(id, token);
      feeds.set(id, feed);
    }
  }
  return { vault, pool, tokens, feeds, owner, lender, liquidator };
}

type Pool = Awaited<ReturnType<typeof deployPool>>;

/** Builds the vector's account on chain; returns the pool id of each vector asset. */
async function buildAccount(p: Pool, v: Vector): Promise<number[]> {
  const { vault, owner, lender } = p;
  const used: Record<number, number> = {};
  const ids = v.assets.map((a) => p.pool[a.decimals]![(used[a.decimals] = (used[a.decimals] ?? -1) + 1)]!.id);
  await vault.write.setGlobalParams([{ minBonus: 0n, targetHealth: BigInt(v.global.targetHealth), minLeftover: 0n, gracePeriod: 0, flashFee: 0, rampDuration: 0 }]);
  for (const [i, a] of v.assets.entries()) {
    await vault.write.setAssetParams([ids[i]!, {
      ltv: a.ltv, liquidationThreshold: a.liquidationThreshold, sizeFactor: a.sizeFactor, protocolFee: a.protocolFee,
      reserveFactor: 0, maxOracleAge: 4_000_000_000, maxBonus: BigInt(a.maxBonus), sizeThreshold: BigInt(a.sizeThreshold),
      supplyCap: 0n, collateralCap: 0n, borrowCap: 0n,
    }]);
  }
  await vault.write.setGlobalParams([{
    minBonus: BigInt(v.global.minBonus), targetHealth: BigInt(v.global.targetHealth),
    minLeftover: BigInt(v.global.minLeftover), gracePeriod: 0, flashFee: 0, rampDuration: 0,
  }]);
  // Borrow at prices that make any such account pass the initial margin: collateral dear, debt cheap.
  for (const c of v.collateral) await p.feeds.get(ids[c.asset]!)!.write.setAnswer([10n ** 36n]);
  for (const d of v.debt) await p.feeds.get(ids[d.asset]!)!.write.setAnswer([1n]);
  const o = owner.account.address;
  for (const c of v.collateral) {
    const id = ids[c.asset]!;
    await p.tokens.get(id)!.write.mint([o, BigInt(c.balance)]);
    await vault.write.deposit([o, 0, id, BigInt(c.balance)], { account: owner.account });
  }
  for (const d of v.debt) {
    const id = ids[d.asset]!;
    await p.tokens.get(id)!.write.mint([lender.account.address, BigInt(d.amount)]);
    await vault.write.supply([id, BigInt(d.amount), lender.account.address], { account: lender.account });
    await vault.write.borrow([o, 0, id, BigInt(d.amount), o], { account: owner.account });
    // the liquidator can repay all of it
    await p.tokens.get(id)!.write.mint([p.liquidator.account.address, BigInt(d.amount)]);
  }
  for (const [i, a] of v.assets.entries()) await p.feeds.get(ids[i]!)!.write.setAnswer([BigInt(a.price)]);
  return ids;
}

const ERROR_NAMES = {
  NotLiquidatable: "Vault_NotLiquidatable",
  ZeroRepay: "Vault_ZeroRepay",
  MustNotLeaveDust: "Vault_MustNotLeaveDust",
} as const;

function revertName(e: unknown): string {
  const text = String((e as { shortMessage?: string; message?: string }).message ?? e);
  const m = text.match(/(Vault_[A-Za-z]+)/);
  return m ? m[1]! : text.slice(0, 300);
}

describe("vault matches the shared vectors to the wei (views and real liquidate calls)", () => {
  it(`reproduces health, maxLiquidation, previews and liquidations of all ${vectors.length} vectors`, async function () {
    this.timeout(600_000);
    const p = await networkHelpers.loadFixture(deployPool);
    const publicClient = await viem.getPublicClient();
    let liquidations = 0;
    for (const v of vectors) {
      const base = await networkHelpers.takeSnapshot();
      const ids = await buildAccount(p, v);
      const o = p.owner.account.address;
      const e = v.expected;
      const h = await p.vault.read.accountHealth([o, 0]);
      assert.equal(h.collateralValue, BigInt(e.collateralValue), `${v.name}: collateralValue`);
      assert.equal(h.weightedCollateral, BigInt(e.weightedCollateral), `${v.name}: weightedCollateral`);
      assert.equal(h.initialMarginValue, BigInt(e.initialMarginValue), `${v.name}: initialMarginValue`);
      assert.equal(h.debtValue, BigInt(e.debtValue), `${v.name}: debtValue`);
      assert.equal(h.healthFactor, BigInt(e.healthFactor), `${v.name}: healthFactor`);
      for (const pair of e.pairs) {
        const d = ids[pair.debtAsset]!, c = ids[pair.collateralAsset]!;
        const where = `${v.name} d=${pair.debtAsset} c=${pair.collateralAsset}`;
        const [maxRepay, maxSeized, bonus] = await p.vault.read.maxLiquidation([o, 0, d, c]);
        assert.equal(maxRepay, BigInt(pair.maxRepay), `${where}: maxRepay`);
        assert.equal(maxSeized, BigInt(pair.maxSeize), `${where}: maxSeize`);
        assert.equal(bonus, BigInt(pair.bonus), `${where}: bonus`);
        for (const l of pair.liquidations) {
          const at = `${where} repayAmount=${l.repayAmount}`;
          const args = [o, 0, d, c, BigInt(l.repayAmount)] as const;
          const liq = p.liquidator.account;
          if (l.error !== null) {
            await assert.rejects(p.vault.read.previewLiquidation([...args, liq.address]), (err) => {
              assert.equal(revertName(err), ERROR_NAMES[l.error!], `${at}: preview error`);
              return true;
            });
            await assert.rejects(p.vault.write.liquidate([...args, 0n], { account: liq }), (err) => {
              assert.equal(revertName(err), ERROR_NAMES[l.error!], `${at}: liquidate error`);
              return true;
            });
            continue;
          }
          const preview = await p.vault.read.previewLiquidation([...args, liq.address]);
          assert.equal(preview.repaid, BigInt(l.repaid), `${at}: preview repaid`);
          assert.equal(preview.seized, BigInt(l.seized), `${at}: preview seized`);
          assert.equal(preview.fee, BigInt(l.fee), `${at}: preview fee`);
          assert.equal(preview.toLiquidator, BigInt(l.toLiquidator), `${at}: preview toLiquidator`);
          assert.equal(preview.healthAfter, BigInt(l.healthAfter), `${at}: preview healthAfter`);
          assert.equal(preview.badDebt, l.badDebt.length > 0, `${at}: preview badDebt`);

          const snap = await networkHelpers.takeSnapshot();
          const hash = await p.vault.write.liquidate([...args, BigInt(l.toLiquidator)], { account: liq });
          const receipt = await publicClient.waitForTransactionReceipt({ hash });
          liquidations++;
          const events = receipt.logs
            .filter((x) => x.address.toLowerCase() === p.vault.address.toLowerCase())
            .map((x) => { try { return decodeEventLog({ abi: p.vault.abi, data: x.data, topics: x.topics }); } catch { return undefined; } })
            .filter((x) => x !== undefined);
          const liquidated = events.find((x) => x.eventName === "Liquidated");
          assert.ok(liquidated && liquidated.eventName === "Liquidated", `${at}: no Liquidated event`);
          assert.equal(liquidated.args.repaid, BigInt(l.repaid), `${at}: repaid`);
          assert.equal(liquidated.args.seized, BigInt(l.seized), `${at}: seized`);
          assert.equal(liquidated.args.fee, BigInt(l.fee), `${at}: fee`);
          assert.equal(liquidated.args.bonus, BigInt(pair.bonus), `${at}: bonus`);
          assert.equal(liquidated.args.healthAfter, BigInt(l.healthAfter), `${at}: healthAfter`);
          const badDebt = events.flatMap((x) => (x.eventName === "BadDebt" ? [{ asset: ids.indexOf(x.args.asset), amount: x.args.amount.toString() }] : []));
          assert.deepEqual(
            badDebt.sort((x, y) => x.asset - y.asset),
            [...l.badDebt].sort((x, y) => x.asset - y.asset),
            `${at}: badDebt`,
          );
          const paid = (await p.tokens.get(c)!.read.balanceOf([liq.address]));
          assert.equal(paid, BigInt(l.toLiquidator), `${at}: liquidator's collateral balance`);
          await snap.restore();
        }
      }
      await base.restore();
    }
    console.log(`      ${vectors.length} vectors, ${liquidations} real liquidations compared`);
  });
});

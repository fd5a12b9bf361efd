/**
 * The keeper's twin (keeper/src/math/healthMath.ts) against every shared vector, to the wei.
 * The vectors come from the independent rational reference, not from the twin or the contract.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  healthFactorDown,
  liquidationFor,
  maxLiquidation,
  protocolFeeUp,
  valueDown,
  valueUp,
  weightedDown,
  type LiquidationInput,
} from "../../keeper/src/math/healthMath.ts";
import { WAD } from "../../keeper/src/math/fullMath.ts";
import { loadVectors, type Vector } from "../vectors/vectorFile.ts";

const vectors = loadVectors();

function unit(decimals: number): bigint {
  return 10n ** BigInt(decimals);
}

/** The account sums, built from the twin's per-asset primitives exactly as the vault's health loop does. */
function sums(v: Vector, balances: Map<number, bigint>, debts: Map<number, bigint>) {
  let collateralValue = 0n, weighted = 0n, initialMargin = 0n, debtValue = 0n;
  for (const [i, bal] of balances) {
    const a = v.assets[i]!;
    const value = valueDown(bal, BigInt(a.price), unit(a.decimals));
    collateralValue += value;
    weighted += weightedDown(value, BigInt(a.liquidationThreshold), BigInt(a.sizeThreshold), BigInt(a.sizeFactor));
    initialMargin += weightedDown(value, BigInt(a.ltv), BigInt(a.sizeThreshold), BigInt(a.sizeFactor));
  }
  for (const [i, amount] of debts) {
    const a = v.assets[i]!;
    debtValue += valueUp(amount, BigInt(a.price), unit(a.decimals));
  }
  return { collateralValue, weighted, initialMargin, debtValue, healthFactor: healthFactorDown(weighted, debtValue) };
}

function input(v: Vector, s: ReturnType<typeof sums>, d: number, c: number, balances: Map<number, bigint>, debts: Map<number, bigint>): LiquidationInput {
  const da = v.assets[d]!, ca = v.assets[c]!;
  return {
    weighted: s.weighted,
    debtValue: s.debtValue,
    debtBalance: debts.get(d) ?? 0n,
    debtPrice: BigInt(da.price),
    debtUnit: unit(da.decimals),
    collateralBalance: balances.get(c) ?? 0n,
    collateralPrice: BigInt(ca.price),
    collateralUnit: unit(ca.decimals),
    lt: BigInt(ca.liquidationThreshold),
    maxBonus: BigInt(ca.maxBonus),
    minBonus: BigInt(v.global.minBonus),
    targetHealth: BigInt(v.global.targetHealth),
    minLeftover: BigInt(v.global.minLeftover),
  };
}

describe("keeper twin matches the shared vectors to the wei", () => {
  it(`reproduces health, maxLiquidation and every liquidation outcome of all ${vectors.length} vectors`, () => {
    let cases = 0;
    for (const v of vectors) {
      const balances = new Map(v.collateral.map((c) => [c.asset, BigInt(c.balance)]));
      const debts = new Map(v.debt.map((d) => [d.asset, BigInt(d.amount)]));
      const s = sums(v, balances, debts);
      const e = v.expected;
      assert.equal(s.collateralValue, BigInt(e.collateralValue), `${v.name}: collateralValue`);
      assert.equal(s.weighted, BigInt(e.weightedCollateral), `${v.name}: weightedCollateral`);
      assert.equal(s.initialMargin, BigInt(e.initialMarginValue), `${v.name}: initialMarginValue`);
      assert.equal(s.debtValue, BigInt(e.debtValue), `${v.name}: debtValue`);
      assert.equal(s.healthFactor, BigInt(e.healthFactor), `${v.name}: healthFactor`);
      assert.equal(s.debtValue > 0n && s.healthFactor < WAD, e.liquidatable, `${v.name}: liquidatable`);
      for (const p of e.pairs) {
        const where = `${v.name} d=${p.debtAsset} c=${p.collateralAsset}`;
        const li = input(v, s, p.debtAsset, p.collateralAsset, balances, debts);
        const m = maxLiquidation(li);
        assert.equal(m.repay, BigInt(p.maxRepay), `${where}: maxRepay`);
        assert.equal(m.seized, BigInt(p.maxSeize), `${where}: maxSeize`);
        assert.equal(m.bonus, BigInt(p.bonus), `${where}: bonus`);
        for (const l of p.liquidations) {
          cases++;
          const at = `${where} repayAmount=${l.repayAmount}`;
          if (!e.liquidatable) {
            assert.equal(l.error, "NotLiquidatable", at);
            continue;
          }
          const r = liquidationFor(li, m, BigInt(l.repayAmount));
          if (r.repay === 0n) {
            assert.equal(l.error, "ZeroRepay", at);
            continue;
          }
          if (!r.ok) {
            assert.equal(l.error, "MustNotLeaveDust", at);
            continue;
          }
          assert.equal(l.error, null, at);
          assert.equal(r.repay, BigInt(l.repaid), `${at}: repaid`);
          assert.equal(r.seized, BigInt(l.seized), `${at}: seized`);
          const fee = protocolFeeUp(r.seized, m.bonus, BigInt(v.assets[p.collateralAsset]!.protocolFee));
          assert.equal(fee, BigInt(l.fee), `${at}: fee`);
          assert.equal(r.seized - fee, BigInt(l.toLiquidator), `${at}: toLiquidator`);
          const nb = new Map(balances), nd = new Map(debts);
          nb.set(p.collateralAsset, nb.get(p.collateralAsset)! - r.seized);
          nd.set(p.debtAsset, nd.get(p.debtAsset)! - r.repay);
          for (const [k, x] of nb) if (x === 0n) nb.delete(k);
          for (const [k, x] of nd) if (x === 0n) nd.delete(k);
          const after = sums(v, nb, nd);
          assert.equal(after.healthFactor, BigInt(l.healthAfter), `${at}: healthAfter`);
          const badDebt = nb.size === 0 ? [...nd].map(([asset, amount]) => ({ asset, amount: amount.toString() })) : [];
          assert.deepEqual(
            badDebt.sort((x, y) => x.asset - y.asset),
            [...l.badDebt].sort((x, y) => x.asset - y.asset),
            `${at}: badDebt`,
          );
        }
      }
    }
    assert.ok(cases > 1000, `only ${cases} liquidation cases`);
  });
});

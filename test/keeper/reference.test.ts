// Tests of the exact rational reference (test/reference/) and of the shared vector file it
// generates (test/vectors/liquidation.json via scripts/gen-vectors.ts).

import { describe, it } from "mocha";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Fraction, ceilDiv, floorDiv, frac } from "../reference/rational.ts";
import {
  MAX_UINT256,
  WAD,
  bonusAt,
  health,
  lMax,
  liquidate,
  maxLiquidation,
  validateAccount,
  valueDown,
  valueUp,
  weightedValue,
} from "../reference/exact-reference.ts";
import type { Account, AssetConfig, Globals } from "../reference/exact-reference.ts";
import { VECTORS_PATH, buildVectors, serializeVectors } from "../../scripts/gen-vectors.ts";
import type { JsonVector, VectorFile } from "../../scripts/gen-vectors.ts";

const E18 = 10n ** 18n;
const NO_TIER = 2n ** 96n - 1n;

const WETH: AssetConfig = {
  symbol: "WETH",
  decimals: 18,
  price: 2000n * E18,
  ltv: 8000,
  liquidationThreshold: 8250,
  maxBonus: 75n * 10n ** 15n,
  sizeThreshold: NO_TIER,
  sizeFactor: 8000,
  protocolFee: 1000,
};
const USDC: AssetConfig = {
  symbol: "USDC",
  decimals: 6,
  price: E18,
  ltv: 8500,
  liquidationThreshold: 8800,
  maxBonus: 4n * 10n ** 16n,
  sizeThreshold: NO_TIER,
  sizeFactor: 8000,
  protocolFee: 1000,
};
const G: Globals = { minBonus: 2n * 10n ** 16n, targetHealth: 105n * 10n ** 16n, minLeftover: 100n * E18 };

function ethUsdc(ethWei: bigint, usdcUnits: bigint, eth: AssetConfig = WETH): Account {
  return { global: G, assets: [eth, USDC], collateral: [{ asset: 0, balance: ethWei }], debt: [{ asset: 1, amount: usdcUnits }] };
}

function parseVector(v: JsonVector): Account {
  return {
    global: { minBonus: BigInt(v.global.minBonus), targetHealth: BigInt(v.global.targetHealth), minLeftover: BigInt(v.global.minLeftover) },
    assets: v.assets.map((a) => ({
      symbol: a.symbol,
      decimals: a.decimals,
      price: BigInt(a.price),
      ltv: a.ltv,
      liquidationThreshold: a.liquidationThreshold,
      maxBonus: BigInt(a.maxBonus),
      sizeThreshold: BigInt(a.sizeThreshold),
      sizeFactor: a.sizeFactor,
      protocolFee: a.protocolFee,
    })),
    collateral: v.collateral.map((c) => ({ asset: c.asset, balance: BigInt(c.balance) })),
    debt: v.debt.map((d) => ({ asset: d.asset, amount: BigInt(d.amount) })),
  };
}

describe("reference: rational arithmetic", () => {
  it("normalises by gcd with a positive denominator", () => {
    const x = new Fraction(6n, -4n);
    assert.equal(x.num, -3n);
    assert.equal(x.den, 2n);
    assert.equal(new Fraction(0n, -7n).den, 1n);
    assert.equal(frac(10n, 4n).add(frac(1n, 2n)).toString(), "3");
    assert.equal(frac(1n, 3n).sub(frac(1n, 2n)).toString(), "-1/6");
    assert.equal(frac(2n, 3n).mul(frac(9n, 4n)).toString(), "3/2");
    assert.equal(frac(2n, 3n).div(frac(4n, 9n)).toString(), "3/2");
    assert.equal(frac(1n, 3n).compare(frac(2n, 6n)), 0);
    assert.equal(frac(1n, 3n).compare(frac(1n, 2n)), -1);
  });
  it("floors and ceils exactly, negatives included", () => {
    assert.equal(frac(7n, 2n).floor(), 3n);
    assert.equal(frac(7n, 2n).ceil(), 4n);
    assert.equal(frac(-7n, 2n).floor(), -4n);
    assert.equal(frac(-7n, 2n).ceil(), -3n);
    assert.equal(frac(6n, 3n).floor(), 2n);
    assert.equal(frac(6n, 3n).ceil(), 2n);
    assert.equal(floorDiv(-1n, 3n), -1n);
    assert.equal(ceilDiv(1n, 3n), 1n);
    assert.equal(ceilDiv(-1n, 3n), 0n);
    assert.equal(floorDiv(5n, -2n), -3n);
  });
});

describe("reference: units, health and bonus by hand", () => {
  it("valueDown / valueUp round down / up", () => {
    assert.equal(valueDown(1n, E18, 6), 10n ** 12n); // 1 unit of USDC is 1e-6 USD
    assert.equal(valueDown(1n, 333_333_333_333_333_333n, 18), 0n);
    assert.equal(valueUp(1n, 333_333_333_333_333_333n, 18), 1n);
    assert.equal(valueUp(3n * E18, 333_333_333_333_333_333n, 18), 999_999_999_999_999_999n);
    assert.equal(valueUp(0n, E18, 18), 0n);
  });
  it("size tiers weigh the value above S at weight * sizeFactor / BPS", () => {
    // v = 2000, S = 1000, LT 82.5%, factor 80%: 1000*0.825 + 1000*0.825*0.8 = 825 + 660.
    assert.equal(weightedValue(2000n * E18, 8250, 1000n * E18, 8000), 1485n * E18);
    assert.equal(weightedValue(2000n * E18, 8000, 1000n * E18, 8000), 1440n * E18);
    // Each part floors on its own: 3 wei at 1 wei threshold, 50% weight, 50% factor: floor(0.5) + floor(0.5) = 0.
    assert.equal(weightedValue(3n, 5000, 1n, 5000), 0n + 0n);
    assert.equal(weightedValue(3n, 5000, NO_TIER, 5000), 1n);
    const tiered = ethUsdc(E18, 1n, { ...WETH, sizeThreshold: 1000n * E18 });
    const h = health(tiered);
    assert.equal(h.weightedCollateral, 1485n * E18);
    assert.equal(h.initialMarginValue, 1440n * E18);
  });
  it("1 ETH @ 2000 against 1500 USDC is healthy (HF 1.1): all zeros, NotLiquidatable", () => {
    const acc = ethUsdc(E18, 1500n * 10n ** 6n);
    const h = health(acc);
    assert.deepEqual(h, {
      collateralValue: 2000n * E18,
      weightedCollateral: 1650n * E18,
      initialMarginValue: 1600n * E18,
      debtValue: 1500n * E18,
      healthFactor: 11n * 10n ** 17n,
      liquidatable: false,
    });
    const m = maxLiquidation(acc, 1, 0);
    assert.deepEqual([m.bonus, m.maxRepay, m.maxSeize], [0n, 0n, 0n]);
    assert.equal(liquidate(acc, 1, 0, MAX_UINT256).error, "NotLiquidatable");
  });
  it("1 ETH @ 2000 against 1700 USDC: target repay worked by hand", () => {
    const acc = ethUsdc(E18, 1700n * 10n ** 6n);
    const h = health(acc);
    // HF = floor(1650e18 * 1e18 / 1700e18)
    assert.equal(h.healthFactor, 970_588_235_294_117_647n);
    assert.equal(h.liquidatable, true);
    // L_max = floor(8250 * 1.075e18 / 10000)
    assert.equal(lMax(WETH), 886_875_000_000_000_000n);
    // b = 0.02e18 + floor(0.055e18 * (1e18 - HF) / (1e18 - L_max))
    const b = 34_299_642_508_937_276n;
    assert.equal(bonusAt(G, WETH, h.healthFactor), b);
    const m = maxLiquidation(acc, 1, 0);
    assert.equal(m.bonus, b);
    // Rtarget = ceil((1785e18 - 1650e18) * 1e18 * 1e4 / (1.05e22 - 8250 * (1e18 + b)))
    assert.equal(m.trace.rTarget, 686_314_599_891_450_619_550n);
    // maxRepay = ceil(Rtarget * 1e6 / 1e18) USDC units
    assert.equal(m.maxRepay, 686_314_600n);
    // seized = floor(686314600 * 1e18 * (1e18 + b) * 1e18 / (1e6 * 1e18 * 2000e18))
    assert.equal(m.maxSeize, 354_927_472_714_332_141n);
    const o = liquidate(acc, 1, 0, MAX_UINT256);
    assert.equal(o.error, null);
    assert.equal(o.repaid, 686_314_600n);
    assert.equal(o.seized, 354_927_472_714_332_141n);
    // fee = ceil(seized * b * 1000 / ((1e18 + b) * 1e4))
    assert.equal(o.fee, 1_177_017_271_433_215n);
    assert.equal(o.toLiquidator, o.seized - o.fee);
    // After: (1e18 - seized) ETH, (1700e6 - 686314600) USDC -> HF just above 1.05
    assert.equal(o.healthAfter, 1_050_000_000_021_063_702n);
    assert.deepEqual(o.badDebt, []);
    assert.equal(liquidate(acc, 1, 0, 0n).error, "ZeroRepay");
  });
  it("bonus: maxBonus at and below L_max, maxBonus - 1 one wei above, minBonus at 1e18 - 1", () => {
    const lm = lMax(WETH);
    assert.equal(bonusAt(G, WETH, lm), WETH.maxBonus);
    assert.equal(bonusAt(G, WETH, lm - 1n), WETH.maxBonus);
    assert.equal(bonusAt(G, WETH, lm + 1n), WETH.maxBonus - 1n);
    assert.equal(bonusAt(G, WETH, WAD - 1n), G.minBonus);
  });
  it("HF <= L_max: all of d, capped by the collateral, then bad debt", () => {
    // 1 ETH (W = 1650) against 2000 USDC: HF 0.825 <= L_max. All of d needs 2000 * 1.075 / 2000 ETH > 1 ETH.
    const acc = ethUsdc(E18, 2000n * 10n ** 6n);
    const m = maxLiquidation(acc, 1, 0);
    assert.equal(m.trace.zone, "all-of-d");
    assert.equal(m.bonus, WETH.maxBonus);
    assert.equal(m.maxSeize, E18);
    // repay = ceil(1e18 * 1e6 * 1e18 * 2000e18 / (1e18 * 1.075e18 * 1e18)) = ceil(2000e6 / 1.075)
    assert.equal(m.maxRepay, ceilDiv(2000n * 10n ** 6n * 1000n, 1075n));
    const o = liquidate(acc, 1, 0, MAX_UINT256);
    assert.equal(o.seized, E18);
    assert.equal(o.healthAfter, 0n); // W = 0, debt left (before the write-off)
    assert.deepEqual(o.badDebt, [{ asset: 1, amount: 2000n * 10n ** 6n - m.maxRepay }]);
  });
  it("dust: the target leaving < minLeftover of debt becomes all of d; a partial that leaves dust reverts", () => {
    // 0.07 ETH = 140 USD, W = 115.5; debt ~116.6 USD -> HF 0.99, target leaves ~81 USD < 100.
    const acc = ethUsdc(7n * 10n ** 16n, 116_666_666n);
    const m = maxLiquidation(acc, 1, 0);
    assert.equal(m.trace.zone, "target");
    assert.equal(m.trace.dustFullRepay, true);
    assert.equal(m.maxRepay, 116_666_666n);
    assert.equal(liquidate(acc, 1, 0, m.trace.repayStep3).error, "MustNotLeaveDust");
    assert.equal(liquidate(acc, 1, 0, m.maxRepay - 1n).error, "MustNotLeaveDust");
    assert.equal(liquidate(acc, 1, 0, m.maxRepay).error, null);
  });
  it("no debt: HF is max uint256", () => {
    const acc: Account = { global: G, assets: [WETH, USDC], collateral: [{ asset: 0, balance: E18 }], debt: [] };
    assert.equal(health(acc).healthFactor, MAX_UINT256);
    assert.equal(health(acc).liquidatable, false);
  });
});

describe("vectors: test/vectors/liquidation.json", () => {
  const text = readFileSync(VECTORS_PATH, "utf8");
  const file = JSON.parse(text) as VectorFile;

  it("equals a fresh generation (the file cannot drift from the reference)", function () {
    this.timeout(300_000);
    const fresh = buildVectors();
    assert.deepEqual(JSON.parse(serializeVectors(fresh)), file);
    assert.equal(serializeVectors(fresh), text);
  });

  it("is well formed: unique names, valid accounts, every case covered, under 3 MB", () => {
    assert.equal(file.generator, "scripts/gen-vectors.ts");
    assert.ok(text.length < 3_000_000);
    const names = new Set<string>();
    const tags = new Map<string, number>();
    for (const v of file.vectors) {
      assert.ok(!names.has(v.name), v.name);
      names.add(v.name);
      for (const t of v.tags) tags.set(t, (tags.get(t) ?? 0) + 1);
      assert.deepEqual(validateAccount(parseVector(v)), [], v.name);
      assert.ok(v.collateral.length <= 4);
      if (!v.tags.includes("no-debt")) assert.ok(v.debt.length >= 1, v.name);
      assert.equal(v.expected.pairs.length, v.debt.length * v.collateral.length, v.name);
    }
    for (const t of [
      "coll-dec6", "coll-dec8", "coll-dec18", "debt-dec6", "debt-dec8", "debt-dec18", "rounding", "1-wei", "lmax-edge",
      "target-repay", "counterproductive", "capped-by-collateral", "dust-full-repay", "c-dust-seize-all", "c-dust-repay-all-d",
      "must-not-leave-dust", "zero-repay", "not-liquidatable", "hf-one", "size-tier", "bad-debt", "bad-debt-multi",
      "two-by-two", "large-values", "no-debt", "random",
    ]) {
      assert.ok((tags.get(t) ?? 0) > 0, `no vector tagged ${t}`);
    }
    assert.ok((tags.get("random") ?? 0) >= 200);
    const hfOne = file.vectors.find((v) => v.name === "hf-exactly-1e18");
    assert.equal(hfOne?.expected.healthFactor, WAD.toString());
    assert.equal(hfOne?.expected.liquidatable, false);
    const lmaxExact = file.vectors.find((v) => v.name === "hf-at-lmax-exactly");
    assert.equal(lmaxExact?.expected.healthFactor, lMax(parseVector(lmaxExact!).assets[0]!).toString());
  });

  it("sanity: bounds, max == maxRepay, dust rule, fees, bad debt", () => {
    for (const v of file.vectors) {
      const acc = parseVector(v);
      const e = v.expected;
      for (const p of e.pairs) {
        const bal = acc.collateral.find((c) => c.asset === p.collateralAsset)!.balance;
        const debt = acc.debt.find((d) => d.asset === p.debtAsset)!.amount;
        const maxRepay = BigInt(p.maxRepay);
        const maxSeize = BigInt(p.maxSeize);
        assert.ok(maxSeize <= bal, `${v.name}: maxSeize > balance`);
        assert.ok(maxRepay <= debt, `${v.name}: maxRepay > debt`);
        if (!e.liquidatable) {
          assert.deepEqual([p.bonus, p.maxRepay, p.maxSeize], ["0", "0", "0"], v.name);
          for (const l of p.liquidations) assert.equal(l.error, "NotLiquidatable", v.name);
          continue;
        }
        assert.ok(maxRepay > 0n, `${v.name}: liquidatable account with maxRepay 0`);
        const byAmount = new Map(p.liquidations.map((l) => [l.repayAmount, l]));
        const atMax = byAmount.get(MAX_UINT256.toString());
        const atMaxRepay = byAmount.get(p.maxRepay);
        assert.ok(atMax && atMaxRepay, v.name);
        assert.deepEqual({ ...atMax, repayAmount: "" }, { ...atMaxRepay, repayAmount: "" }, v.name);
        assert.equal(atMax.error, null, `${v.name}: maxLiquidation reverts`);
        assert.equal(atMax.repaid, p.maxRepay, v.name);
        assert.equal(atMax.seized, p.maxSeize, v.name);
        for (const l of p.liquidations) {
          if (l.error !== null) {
            assert.deepEqual([l.repaid, l.seized, l.fee, l.toLiquidator, l.badDebt], ["0", "0", "0", "0", []], v.name);
            assert.equal(l.healthAfter, e.healthFactor, v.name);
            if (l.repayAmount === "0") assert.equal(l.error, "ZeroRepay", v.name);
            continue;
          }
          const repaid = BigInt(l.repaid);
          const seized = BigInt(l.seized);
          const fee = BigInt(l.fee);
          assert.ok(repaid > 0n && repaid <= BigInt(l.repayAmount) && repaid <= maxRepay, v.name);
          assert.ok(seized <= bal && fee <= seized, v.name);
          assert.equal(BigInt(l.toLiquidator), seized - fee, v.name);
          const dA = acc.assets[p.debtAsset]!;
          const cA = acc.assets[p.collateralAsset]!;
          const dustOk =
            repaid === debt ||
            seized === bal ||
            (valueUp(debt - repaid, dA.price, dA.decimals) >= acc.global.minLeftover &&
              valueDown(bal - seized, cA.price, cA.decimals) >= acc.global.minLeftover);
          assert.ok(dustOk, `${v.name}: a successful liquidation leaves dust`);
          const collateralLeft = acc.collateral.some((c) => (c.asset === p.collateralAsset ? bal - seized : c.balance) > 0n);
          if (collateralLeft) assert.deepEqual(l.badDebt, [], v.name);
          else {
            const expectBad = acc.debt
              .map((d) => ({ asset: d.asset, amount: (d.asset === p.debtAsset ? d.amount - repaid : d.amount).toString() }))
              .filter((d) => d.amount !== "0");
            assert.deepEqual(l.badDebt, expectBad, v.name);
          }
        }
      }
    }
  });

  it("target repay brings health back to THF (up to the rounding of values)", () => {
    let checked = 0;
    for (const v of file.vectors) {
      const acc = parseVector(v);
      if (!health(acc).liquidatable) continue;
      for (const p of v.expected.pairs) {
        const m = maxLiquidation(acc, p.debtAsset, p.collateralAsset);
        const debt = acc.debt.find((d) => d.asset === p.debtAsset)!.amount;
        const t = m.trace;
        if (t.zone !== "target" || t.dustFullRepay || t.cappedByCollateral || t.cDust !== null || m.maxRepay === debt) continue;
        const cA = acc.assets[p.collateralAsset]!;
        const bal = acc.collateral.find((c) => c.asset === p.collateralAsset)!.balance;
        const tier = valueDown(bal, cA.price, cA.decimals) > cA.sizeThreshold;
        const after = BigInt(p.liquidations.find((l) => l.repayAmount === p.maxRepay)!.healthAfter);
        const thf = acc.global.targetHealth;
        // Never short of THF by more than a couple of wei of rounding; a little above it with a size tier.
        assert.ok(after >= thf - 2n, `${v.name}: health after ${after} < THF ${thf}`);
        if (!tier) assert.ok(after <= thf + thf / 1000n, `${v.name}: health after ${after} overshoots THF ${thf}`);
        checked++;
      }
    }
    assert.ok(checked >= 30, `only ${checked} pairs checked`);
  });

  it("splitting a liquidation never seizes more than doing it at once (no size tier)", () => {
    let checked = 0;
    for (const v of file.vectors) {
      const acc = parseVector(v);
      if (!health(acc).liquidatable) continue;
      for (const p of v.expected.pairs) {
        const d = p.debtAsset;
        const c = p.collateralAsset;
        const cA = acc.assets[c]!;
        const bal = acc.collateral.find((x) => x.asset === c)!.balance;
        if (valueDown(bal, cA.price, cA.decimals) > cA.sizeThreshold) continue;
        const maxRepay = BigInt(p.maxRepay);
        if (maxRepay < 2n) continue;
        for (const [num, den] of [[1n, 2n], [1n, 5n], [4n, 5n]] as const) {
          const first = liquidate(acc, d, c, (maxRepay * num) / den);
          if (first.error !== null) continue;
          const second = liquidate(first.after, d, c, maxRepay - first.repaid);
          if (second.error !== null) continue;
          const once = liquidate(acc, d, c, first.repaid + second.repaid);
          if (once.error !== null) continue;
          assert.ok(first.seized + second.seized <= once.seized, `${v.name} ${d}/${c}: split seizes more`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 100, `only ${checked} splits checked`);
  });
});

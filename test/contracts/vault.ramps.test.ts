/**
 * Threshold ramps and the risk steward (shared/risk-model.md, "Thresholds that move with volatility"):
 * a lowered liquidation threshold moves linearly from the value in force to the new one over
 * `rampDuration`, `LT(t) = LTnew + floor((LTold - LTnew) * (rampEnd - t) / rampDuration)` for t < rampEnd;
 * a raised one applies at once. The steward may move a threshold by a bounded step once per cooldown.
 *
 * Views are read at "latest", which executes with the latest block's timestamp: each sample mines a block at
 * the chosen timestamp first. A "pending" read executes at the next block's timestamp (the keeper's view),
 * which `time.setNextBlockTimestamp` fixes; one test checks both.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, maxUint256, parseUnits, toHex } from "viem";
import { DEFAULT_GLOBAL, WAD, assetParams, deployVault, usd } from "../fixtures/vaultFixture.ts";
import {
  DAY,
  USDC,
  WBTC,
  WETH,
  ZERO_RATE_MODEL,
  bonusOf,
  liquidatedEvent,
  liquidationOf,
  mined,
  rampAt,
  refreshFeeds,
  wad,
} from "../fixtures/riskKit.ts";

const { networkHelpers, viem } = await network.create();

const RISK_ADMIN_ROLE = keccak256(toHex("RISK_ADMIN_ROLE"));
const RISK_STEWARD_ROLE = keccak256(toHex("RISK_STEWARD_ROLE"));
const D = 7n * BigInt(DAY); // rampDuration
const G = 1; // {USDC, WETH} at 85 % / 90 %, bonus cap 0.03
const G_PARAMS = { ltv: 8500, liquidationThreshold: 9000, maxBonus: wad("0.03") };
/** WETH's fixture parameters with a lower ltv (so LT can be lowered) and another threshold. */
const wethParams = (liquidationThreshold: number, ltv = 6000) => assetParams({ ltv, liquidationThreshold });

async function deployRamps(connection: NetworkConnection) {
  const f = await deployVault(connection);
  for (const a of [USDC, WBTC, WETH]) await f.vault.write.setRateModel([a, ZERO_RATE_MODEL]);
  await f.vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: Number(D) }]);
  await f.vault.write.setRiskGroup([G, G_PARAMS, [USDC, WETH]]);
  await f.vault.write.grantRole([RISK_STEWARD_ROLE, f.carol.account.address]);
  await f.vault.write.setStewardParams([{ maxThresholdStep: 200, cooldown: DAY }]);
  return f;
}

/** Mine an empty block at `t` and return the asset's (or group member's) LT that weightsOf reports then. */
async function ltAt(f: Awaited<ReturnType<typeof deployRamps>>, t: bigint, asset: number, group = 0): Promise<bigint> {
  await networkHelpers.time.setNextBlockTimestamp(t);
  await networkHelpers.mine();
  const [, lt] = await f.vault.read.weightsOf([asset, group]);
  return lt;
}

async function nextTimestamp(): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest()) + 10n;
}

describe("Vault threshold ramps", () => {
  describe("asset thresholds", () => {
    it("a lowering emits LiquidationThresholdChanged(asset, old, new, rampEnd, duration) and weightsOf follows the formula", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault } = f;
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      const hash = await vault.write.setAssetParams([WETH, wethParams(7250)]);
      await viem.assertions.emitWithArgs(hash, vault, "LiquidationThresholdChanged", [WETH, 8250n, 7250n, t0 + D, D]);
      await viem.assertions.emitWithArgs(hash, vault, "AssetParamsSet", [WETH, wethParams(7250)]);
      const cfg = await vault.read.assetConfig([WETH]);
      assert.deepEqual(
        [cfg.liquidationThreshold, cfg.ltRampFrom, BigInt(cfg.rampEnd), BigInt(cfg.rampDuration), cfg.ltv],
        [7250, 8250, t0 + D, D, 6000],
      );
      // in the block of the lowering the threshold in force is still the old one
      assert.deepEqual(await vault.read.weightsOf([WETH, 0]), [6000n, 8250n, wad("0.075")]);
      const offsets = [1n, 2n, 604n, 605n, 3600n, D / 3n, D / 2n + 7n, D - 605n, D - 604n, D - 1n, D, D + 1n, D + 100_000n];
      for (const off of offsets) {
        const expected = rampAt(7250n, 8250n, t0 + D, D, t0 + off);
        // the next block's value, read "pending" with its timestamp fixed ...
        await networkHelpers.time.setNextBlockTimestamp(t0 + off);
        const [, pendingLt] = await vault.read.weightsOf([WETH, 0], { blockTag: "pending" });
        assert.equal(pendingLt, expected, `pending at +${off}`);
        // ... equals the value at "latest" once that block is mined
        await networkHelpers.mine();
        assert.equal(BigInt(await networkHelpers.time.latest()), t0 + off);
        const [, lt] = await vault.read.weightsOf([WETH, 0]);
        assert.equal(lt, expected, `latest at +${off}`);
      }
      // spot values by hand: 1000 bps over 604800 s is one bps per 604.8 s, rounded down, so the threshold
      // is one bps lower from the first second on and reaches the target 604 s before rampEnd
      assert.equal(rampAt(7250n, 8250n, t0 + D, D, t0 + 1n), 8249n);
      assert.equal(rampAt(7250n, 8250n, t0 + D, D, t0 + 604n), 8249n);
      assert.equal(rampAt(7250n, 8250n, t0 + D, D, t0 + 605n), 8248n);
      assert.equal(rampAt(7250n, 8250n, t0 + D, D, t0 + D - 605n), 7251n);
      assert.equal(rampAt(7250n, 8250n, t0 + D, D, t0 + D - 604n), 7250n);
      assert.equal(rampAt(7250n, 8250n, t0 + D, D, t0 + D / 2n + 7n), 7749n);
      // the group's weights for WETH do not move with the asset's ramp
      assert.deepEqual(await vault.read.weightsOf([WETH, G]), [8500n, 9000n, wad("0.03")]);
    });

    it("a raise applies at once (rampEnd = now, duration 0), also in the middle of a ramp", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault } = f;
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      await viem.assertions.emitWithArgs(
        vault.write.setAssetParams([WETH, wethParams(8500)]),
        vault,
        "LiquidationThresholdChanged",
        [WETH, 8250n, 8500n, t0, 0n],
      );
      assert.deepEqual(await vault.read.weightsOf([WETH, 0]), [6000n, 8500n, wad("0.075")]);
      const cfg = await vault.read.assetConfig([WETH]);
      assert.deepEqual([cfg.liquidationThreshold, cfg.ltRampFrom, cfg.rampEnd, cfg.rampDuration], [8500, 8500, 0, 0]);

      // lower 8500 -> 7500, then at a quarter of the ramp (8250 in force) raise the target to 8300
      await networkHelpers.time.setNextBlockTimestamp(t0 + 10n);
      await vault.write.setAssetParams([WETH, wethParams(7500)]);
      const t1 = t0 + 10n + D / 4n;
      assert.equal(rampAt(7500n, 8500n, t0 + 10n + D, D, t1), 8250n);
      await networkHelpers.time.setNextBlockTimestamp(t1);
      await viem.assertions.emitWithArgs(
        vault.write.setAssetParams([WETH, wethParams(8300)]),
        vault,
        "LiquidationThresholdChanged",
        [WETH, 8250n, 8300n, t1, 0n],
      );
      assert.equal((await vault.read.weightsOf([WETH, 0]))[1], 8300n);
      assert.equal(await ltAt(f, t1 + D / 2n, WETH), 8300n);
    });

    it("lowering again mid-ramp ramps from the value in force then (even to a target above the previous one)", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault } = f;
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      await vault.write.setAssetParams([WETH, wethParams(7250)]);
      const t1 = t0 + D / 4n + 123n;
      const l1 = rampAt(7250n, 8250n, t0 + D, D, t1);
      assert.equal(l1, 7250n + (1000n * (D - D / 4n - 123n)) / D);
      await networkHelpers.time.setNextBlockTimestamp(t1);
      await viem.assertions.emitWithArgs(
        vault.write.setAssetParams([WETH, wethParams(6500)]),
        vault,
        "LiquidationThresholdChanged",
        [WETH, l1, 6500n, t1 + D, D],
      );
      assert.equal((await vault.read.weightsOf([WETH, 0]))[1], l1);
      let prev = l1;
      for (const off of [1n, 1000n, D / 5n, D / 2n, D - 1n, D, 2n * D]) {
        const lt = await ltAt(f, t1 + off, WETH);
        assert.equal(lt, rampAt(6500n, l1, t1 + D, D, t1 + off));
        assert.ok(lt <= prev);
        prev = lt;
      }
      assert.equal(prev, 6500n);

      // at t2 with 6500 + x in force, a target of 7000 (above the previous target, below the value in force)
      // is still a lowering: it ramps from the value in force
      const t2 = t1 + 2n * D + 50n;
      await networkHelpers.time.setNextBlockTimestamp(t2);
      await vault.write.setAssetParams([WETH, wethParams(8000)]); // raise: at once
      const t3 = t2 + D / 2n;
      const l3 = rampAt(7000n, 8000n, t2 + 1n + D, D, t3);
      await networkHelpers.time.setNextBlockTimestamp(t2 + 1n);
      await vault.write.setAssetParams([WETH, wethParams(7000)]);
      await networkHelpers.time.setNextBlockTimestamp(t3);
      await viem.assertions.emitWithArgs(
        vault.write.setAssetParams([WETH, wethParams(7400)]),
        vault,
        "LiquidationThresholdChanged",
        [WETH, l3, 7400n, t3 + D, D],
      );
      assert.equal(await ltAt(f, t3 + D / 2n, WETH), rampAt(7400n, l3, t3 + D, D, t3 + D / 2n));
    });

    it("re-sending the same target mid-ramp (e.g. to change a cap) leaves the ramp in progress alone", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault } = f;
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      await vault.write.setAssetParams([WETH, wethParams(7250)]);
      const t1 = t0 + D / 2n;
      await networkHelpers.time.setNextBlockTimestamp(t1);
      await viem.assertions.emitWithArgs(
        vault.write.setAssetParams([WETH, { ...wethParams(7250), supplyCap: 10n ** 30n }]),
        vault,
        "AssetParamsSet",
        [WETH, { ...wethParams(7250), supplyCap: 10n ** 30n }],
      );
      // no new LiquidationThresholdChanged: the first ramp still ends at t0 + D
      const r = await f.publicClient.getContractEvents({ address: vault.address, abi: vault.abi, eventName: "LiquidationThresholdChanged", fromBlock: "latest" });
      assert.equal(r.length, 0);
      assert.equal(await ltAt(f, t0 + D / 2n + D / 4n, WETH), rampAt(7250n, 8250n, t0 + D, D, t0 + D / 2n + D / 4n)); // from the fixture's 8250
      assert.equal(await ltAt(f, t0 + D, WETH), 7250n);
    });

    it("with rampDuration 0 a lowering applies at once; changing rampDuration leaves a ramp in progress alone", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault } = f;
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      await vault.write.setAssetParams([WETH, wethParams(7250)]); // ramps over D
      await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: 0 }]);
      assert.equal(await ltAt(f, t0 + D / 2n, WETH), 7750n);
      // USDC: 8800 -> 8000 at once
      const t1 = t0 + D / 2n + 10n;
      await networkHelpers.time.setNextBlockTimestamp(t1);
      await viem.assertions.emitWithArgs(
        vault.write.setAssetParams([USDC, assetParams({ ltv: 7500, liquidationThreshold: 8000, maxBonus: wad("0.04") })]),
        vault,
        "LiquidationThresholdChanged",
        [USDC, 8800n, 8000n, t1, 0n],
      );
      assert.deepEqual(await vault.read.weightsOf([USDC, 0]), [7500n, 8000n, wad("0.04")]);
      // a ramp started under a 7-day duration keeps it
      assert.equal(await ltAt(f, t0 + D - 1n, WETH), 7250n + (1000n * 1n) / D);
      assert.equal(await ltAt(f, t0 + D, WETH), 7250n);
    });
  });

  describe("group thresholds", () => {
    it("a lowered group threshold ramps the same way; raising is immediate", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault } = f;
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      const lowered = { ...G_PARAMS, liquidationThreshold: 8700 };
      const hash = await vault.write.setRiskGroup([G, lowered, [USDC, WETH]]);
      await viem.assertions.emitWithArgs(hash, vault, "GroupThresholdChanged", [G, 9000n, 8700n, t0 + D, D]);
      await viem.assertions.emitWithArgs(hash, vault, "RiskGroupSet", [G, lowered, 0b101n]);
      assert.deepEqual(await vault.read.riskGroup([G]), {
        ltv: 8500,
        liquidationThreshold: 8700,
        maxBonus: wad("0.03"),
        ltRampFrom: 9000,
        rampEnd: Number(t0 + D),
        rampDuration: Number(D),
        assets: 0b101n,
      });
      assert.equal((await vault.read.weightsOf([WETH, G]))[1], 9000n);
      for (const off of [1n, 2016n, 2017n, D / 3n, D - 1n, D]) {
        const expected = rampAt(8700n, 9000n, t0 + D, D, t0 + off);
        assert.equal(await ltAt(f, t0 + off, WETH, G), expected);
        assert.equal((await vault.read.weightsOf([USDC, G]))[1], expected);
        assert.equal((await vault.read.weightsOf([WETH, 0]))[1], 8250n); // the asset's own is untouched
      }
      // mid-ramp lowering again starts from the value in force
      const t1 = t0 + D + 100n;
      await networkHelpers.time.setNextBlockTimestamp(t1);
      await vault.write.setRiskGroup([G, G_PARAMS, [USDC, WETH]]); // back up to 9000: at once
      assert.equal((await vault.read.weightsOf([WETH, G]))[1], 9000n);
      const t2 = t1 + D / 3n;
      await networkHelpers.time.setNextBlockTimestamp(t1 + 1n);
      await vault.write.setRiskGroup([G, { ...G_PARAMS, liquidationThreshold: 8600 }, [USDC, WETH]]);
      const l2 = rampAt(8600n, 9000n, t1 + 1n + D, D, t2);
      await networkHelpers.time.setNextBlockTimestamp(t2);
      await viem.assertions.emitWithArgs(
        vault.write.setRiskGroup([G, { ...G_PARAMS, liquidationThreshold: 8550 }, [USDC, WETH]]),
        vault,
        "GroupThresholdChanged",
        [G, l2, 8550n, t2 + D, D],
      );
      assert.equal(await ltAt(f, t2 + D / 2n, USDC, G), rampAt(8550n, l2, t2 + D, D, t2 + D / 2n));
      // raising mid-ramp: at once
      const t3 = t2 + D / 2n + 5n;
      await networkHelpers.time.setNextBlockTimestamp(t3);
      const inForce = rampAt(8550n, l2, t2 + D, D, t3);
      await viem.assertions.emitWithArgs(
        vault.write.setRiskGroup([G, { ...G_PARAMS, liquidationThreshold: Number(inForce) + 1 }, [USDC, WETH]]),
        vault,
        "GroupThresholdChanged",
        [G, inForce, inForce + 1n, t3, 0n],
      );
      assert.equal((await vault.read.weightsOf([WETH, G]))[1], inForce + 1n);
    });
  });

  describe("an account under a lowering", () => {
    // alice: 10 WETH (20,000 USD) against 15,000 USDC; health 1.1 at LT 8250. WETH's LT is lowered to 7000:
    // she is liquidatable once LT(t) < 7500, i.e. once floor(1250 * (rampEnd - t) / D) < 500, i.e. at
    // t = t0 + 0.6 D + 1 (at t0 + 0.6 D exactly LT is 7500 and health exactly 1).
    async function openAndLower(f: Awaited<ReturnType<typeof deployRamps>>) {
      const { vault, alice } = f;
      const owner = alice.account.address;
      await vault.write.deposit([owner, 0, WETH, parseUnits("10", 18)], { account: alice.account });
      await vault.write.borrow([owner, 0, USDC, parseUnits("15000", 6), owner], { account: alice.account });
      const before = await vault.read.accountHealth([owner, 0]);
      assert.equal(before.healthFactor, wad("1.1"));
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      await mined(f, vault.write.setAssetParams([WETH, wethParams(7000, 6500)]));
      return { owner, before, t0 };
    }

    it("stays healthy in the block of the lowering and becomes liquidatable only as the ramp progresses", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault, liquidator } = f;
      const { owner, before, t0 } = await openAndLower(f);
      // the lowering's block: the weighted collateral and health did not change (ltv, which is not ramped,
      // applies at once: it only limits new debt)
      assert.deepEqual(await vault.read.accountHealth([owner, 0]), { ...before, initialMarginValue: usd("13000") });
      assert.deepEqual(await vault.read.maxLiquidation([owner, 0, USDC, WETH]), [0n, 0n, 0n]);

      const cross = t0 + (6n * D) / 10n;
      assert.equal(rampAt(7000n, 8250n, t0 + D, D, cross), 7500n);
      assert.equal(rampAt(7000n, 8250n, t0 + D, D, cross + 1n), 7499n);
      // half-way: health 7625 * 2 / 15000 > 1
      await networkHelpers.time.setNextBlockTimestamp(t0 + D / 2n - 10n);
      await refreshFeeds(f.feeds);
      await networkHelpers.time.setNextBlockTimestamp(t0 + D / 2n);
      await networkHelpers.mine();
      assert.equal((await vault.read.accountHealth([owner, 0])).healthFactor, (usd("15250") * WAD) / usd("15000"));
      // at the crossing second health is exactly 1: not liquidatable
      await networkHelpers.time.setNextBlockTimestamp(cross - 10n);
      await refreshFeeds(f.feeds);
      await networkHelpers.time.setNextBlockTimestamp(cross);
      await networkHelpers.mine();
      assert.equal((await vault.read.accountHealth([owner, 0])).healthFactor, WAD);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.read.previewLiquidation([owner, 0, USDC, WETH, maxUint256, liquidator.account.address]),
        vault,
        "Vault_NotLiquidatable",
        [owner, 0, WAD],
      );
      // one second later LT is 7499: liquidated with the bonus of the ramped threshold
      const hf = (usd("14998") * WAD) / usd("15000");
      const g = await vault.read.globalParams();
      const plan = liquidationOf({
        W: usd("14998"),
        D: usd("15000"),
        debtBalance: parseUnits("15000", 6),
        debtPrice: WAD,
        debtDecimals: 6,
        collateralBalance: parseUnits("10", 18),
        collateralPrice: usd("2000"),
        collateralDecimals: 18,
        lt: 7499n,
        maxBonus: wad("0.075"),
        minBonus: g.minBonus,
        targetHealth: g.targetHealth,
        minLeftover: g.minLeftover,
        protocolFee: 1000n,
      });
      assert.equal(plan.healthBefore, hf);
      assert.equal(plan.bonus, bonusOf(hf, 7499n, wad("0.075"), wad("0.02")));
      assert.equal(plan.bonus, wad("0.02") + (wad("0.055") * (WAD - hf)) / (WAD - (7499n * wad("1.075")) / 10_000n));
      await networkHelpers.time.setNextBlockTimestamp(cross + 1n);
      const ev = await liquidatedEvent(
        f,
        await vault.write.liquidate([owner, 0, USDC, WETH, maxUint256, 0n], { account: liquidator.account }),
      );
      assert.equal(ev.healthBefore, hf);
      assert.equal(ev.bonus, plan.bonus);
      assert.equal(ev.repaid, plan.repay);
      assert.equal(ev.seized, plan.seized);
      assert.equal(ev.fee, plan.fee);
    });

    it("(contrast) with rampDuration 0 the same lowering makes the account liquidatable at once", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      await f.vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: 0 }]);
      const { owner } = await openAndLower(f);
      const h = await f.vault.read.accountHealth([owner, 0]);
      assert.equal(h.healthFactor, (usd("14000") * WAD) / usd("15000"));
      const [maxRepay] = await f.vault.read.maxLiquidation([owner, 0, USDC, WETH]);
      assert.ok(maxRepay > 0n);
    });
  });

  describe("risk steward", () => {
    it("setStewardParams is risk-admin only and emits StewardParamsSet; stewardParams returns them", async () => {
      const { vault, bob } = await networkHelpers.loadFixture(deployRamps);
      const params = { maxThresholdStep: 150, cooldown: 3 * DAY };
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setStewardParams([params], { account: bob.account }),
        vault,
        "AccessControlUnauthorizedAccount",
        [bob.account.address, RISK_ADMIN_ROLE],
      );
      await viem.assertions.emitWithArgs(vault.write.setStewardParams([params]), vault, "StewardParamsSet", [params]);
      assert.deepEqual(await vault.read.stewardParams(), params);
    });

    it("stewardSetLiquidationThreshold needs RISK_STEWARD_ROLE (the admin does not have it)", async () => {
      const { vault, admin, bob } = await networkHelpers.loadFixture(deployRamps);
      for (const w of [bob, admin]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          vault.write.stewardSetLiquidationThreshold([WETH, 8200], { account: w.account }),
          vault,
          "AccessControlUnauthorizedAccount",
          [w.account.address, RISK_STEWARD_ROLE],
        );
      }
    });

    it("moves at most maxThresholdStep from the current target, in both directions", async () => {
      const { vault, carol } = await networkHelpers.loadFixture(deployRamps);
      const c = { account: carol.account };
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([WETH, 8451], c),
        vault,
        "Vault_StewardStepTooLarge",
        [8250n, 8451n, 200n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([WETH, 8049], c),
        vault,
        "Vault_StewardStepTooLarge",
        [8250n, 8049n, 200n],
      );
      const t = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t);
      const hash = await vault.write.stewardSetLiquidationThreshold([WETH, 8450], c);
      await viem.assertions.emitWithArgs(hash, vault, "LiquidationThresholdChanged", [WETH, 8250n, 8450n, t, 0n]);
      await viem.assertions.emitWithArgs(hash, vault, "StewardThresholdUpdated", [WETH, 8450n, t]);
      assert.equal((await vault.read.weightsOf([WETH, 0]))[1], 8450n);
      assert.equal((await vault.read.assetConfig([WETH])).stewardUpdatedAt, Number(t));
    });

    it("once per cooldown per asset", async () => {
      const { vault, carol } = await networkHelpers.loadFixture(deployRamps);
      const c = { account: carol.account };
      const t = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t);
      await vault.write.stewardSetLiquidationThreshold([WETH, 8300], c);
      await networkHelpers.time.setNextBlockTimestamp(t + BigInt(DAY) - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([WETH, 8350], c),
        vault,
        "Vault_StewardCooldown",
        [WETH, t + BigInt(DAY)],
      );
      // another asset is not held back
      await vault.write.stewardSetLiquidationThreshold([USDC, 8900], c);
      await networkHelpers.time.setNextBlockTimestamp(t + BigInt(DAY));
      await vault.write.stewardSetLiquidationThreshold([WETH, 8350], c);
      assert.equal((await vault.read.weightsOf([WETH, 0]))[1], 8350n);
    });

    it("a steward lowering ramps like the admin's; the next step is measured from the new target", async () => {
      const f = await networkHelpers.loadFixture(deployRamps);
      const { vault, carol } = f;
      const c = { account: carol.account };
      await vault.write.setAssetParams([WETH, wethParams(8250, 7000)]); // room below 8000 (ltv 70 %)
      const t0 = await nextTimestamp();
      await networkHelpers.time.setNextBlockTimestamp(t0);
      await viem.assertions.emitWithArgs(
        vault.write.stewardSetLiquidationThreshold([WETH, 8050], c),
        vault,
        "LiquidationThresholdChanged",
        [WETH, 8250n, 8050n, t0 + D, D],
      );
      assert.equal((await vault.read.weightsOf([WETH, 0]))[1], 8250n);
      assert.equal(await ltAt(f, t0 + D / 8n, WETH), rampAt(8050n, 8250n, t0 + D, D, t0 + D / 8n));
      // a day later, the step counts from the target 8050, not from the 8200-odd in force
      const t1 = t0 + BigInt(DAY);
      const inForce = rampAt(8050n, 8250n, t0 + D, D, t1);
      await networkHelpers.time.setNextBlockTimestamp(t1);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([WETH, 7849], c),
        vault,
        "Vault_StewardStepTooLarge",
        [8050n, 7849n, 200n],
      );
      await networkHelpers.time.setNextBlockTimestamp(t1 + 1n);
      const inForce1 = rampAt(8050n, 8250n, t0 + D, D, t1 + 1n);
      assert.ok(inForce1 <= inForce);
      await viem.assertions.emitWithArgs(
        vault.write.stewardSetLiquidationThreshold([WETH, 7850], c),
        vault,
        "LiquidationThresholdChanged",
        [WETH, inForce1, 7850n, t1 + 1n + D, D],
      );
      assert.equal(await ltAt(f, t1 + 1n + D / 2n, WETH), rampAt(7850n, inForce1, t1 + 1n + D, D, t1 + 1n + D / 2n));
    });

    it("validates like the admin: ltv < LT, LT <= 10000, the cap point; unknown asset", async () => {
      const { vault, carol } = await networkHelpers.loadFixture(deployRamps);
      const c = { account: carol.account };
      await vault.write.setStewardParams([{ maxThresholdStep: 5000, cooldown: DAY }]);
      // WETH: ltv 8000
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([WETH, 8000], c),
        vault,
        "Vault_InvalidParams",
        ["ltv >= liquidationThreshold"],
      );
      // USDC 8800 -> 10001
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([USDC, 10_001], c),
        vault,
        "Vault_InvalidParams",
        ["liquidationThreshold > 10000"],
      );
      // WBTC (bonus cap 0.1): 8900 * 1.1 = 0.979 > 0.975; 8863 * 1.1 = 0.9749 is fine
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([WBTC, 8900], c),
        vault,
        "Vault_InvalidParams",
        ["LT * (1 + maxBonus) > 0.975"],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.stewardSetLiquidationThreshold([7, 8000], c),
        vault,
        "Vault_UnknownAsset",
        [7n],
      );
      // failed updates do not start the cooldown
      await vault.write.stewardSetLiquidationThreshold([WBTC, 8863], c);
      await vault.write.stewardSetLiquidationThreshold([WETH, 8100], c);
      assert.equal((await vault.read.weightsOf([WBTC, 0]))[1], 8863n);
    });
  });
});

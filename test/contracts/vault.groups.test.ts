/**
 * Correlated groups (shared/risk-model.md, "Correlated groups", "Health", "Liquidation"): defining a group,
 * entering and leaving it, what a grouped sub-account may hold, and that health and liquidation really
 * use the group's weights (exact bigint mirrors, no tolerance). Interest is switched off in this file's
 * fixture so that debts stay exactly what was borrowed and values can be written down by hand.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, maxUint256, parseUnits, toHex } from "viem";
import { BPS, DEFAULT_GLOBAL, WAD, assetParams, deployVault, usd } from "../fixtures/vaultFixture.ts";
import {
  USDC,
  WBTC,
  WETH,
  ZERO_RATE_MODEL,
  bonusOf,
  healthFromViews,
  healthOf,
  liquidatedEvent,
  liquidationOf,
  listToken,
  mined,
  wad,
} from "../fixtures/riskKit.ts";

const { networkHelpers, viem } = await network.create();

const RISK_ADMIN_ROLE = keccak256(toHex("RISK_ADMIN_ROLE"));

/** stETH, the 4th asset: plain weights 7000/7500, bonus cap 0.06, protocol fee 15 % (WETH's is 10 %). */
const STETH = 3;
const STETH_PARAMS = { ltv: 7000, liquidationThreshold: 7500, maxBonus: wad("0.06"), protocolFee: 1500 };
/** ETH-correlated group: WETH and stETH at 90 % / 93 %, bonus cap 0.04. */
const G_ETH = 1;
const G_ETH_PARAMS = { ltv: 9000, liquidationThreshold: 9300, maxBonus: wad("0.04") };
/** A mixed group: USDC, WBTC, WETH at 80 % / 86 % (below USDC's own 88 %), bonus cap 0.05. */
const G_MIX = 2;
const G_MIX_PARAMS = { ltv: 8000, liquidationThreshold: 8600, maxBonus: wad("0.05") };

async function deployGroups(connection: NetworkConnection) {
  const f = await deployVault(connection);
  for (const a of [USDC, WBTC, WETH]) await f.vault.write.setRateModel([a, ZERO_RATE_MODEL]);
  const steth = await listToken(f, "stETH", 18, "2000", STETH_PARAMS, ZERO_RATE_MODEL);
  assert.equal(steth.asset, STETH);
  f.feeds.push(steth.feed);
  await f.vault.write.setRiskGroup([G_ETH, G_ETH_PARAMS, [WETH, STETH]]);
  await f.vault.write.setRiskGroup([G_MIX, G_MIX_PARAMS, [USDC, WBTC, WETH]]);
  return f;
}

const eth = (x: string) => parseUnits(x, 18);
const usdc = (x: string) => parseUnits(x, 6);

describe("Vault correlated groups", () => {
  describe("setRiskGroup", () => {
    it("rejects group 0 and an empty member list (Vault_UnknownGroup) and an unknown asset", async () => {
      const { vault } = await networkHelpers.loadFixture(deployGroups);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setRiskGroup([0, G_ETH_PARAMS, [WETH]]),
        vault,
        "Vault_UnknownGroup",
        [0],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setRiskGroup([9, G_ETH_PARAMS, []]),
        vault,
        "Vault_UnknownGroup",
        [9],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setRiskGroup([9, G_ETH_PARAMS, [WETH, 4]]),
        vault,
        "Vault_UnknownAsset",
        [4n],
      );
      // nothing was defined by the failed calls
      assert.equal((await vault.read.riskGroup([9])).assets, 0n);
    });

    it("rejects every out-of-range parameter with Vault_InvalidParams naming it", async () => {
      const { vault } = await networkHelpers.loadFixture(deployGroups);
      const bad = async (params: { ltv: number; liquidationThreshold: number; maxBonus: bigint }, reason: string) =>
        viem.assertions.revertWithCustomErrorWithArgs(vault.write.setRiskGroup([9, params, [WETH]]), vault, "Vault_InvalidParams", [
          reason,
        ]);
      await bad({ ltv: 9000, liquidationThreshold: 10_001, maxBonus: wad("0.02") }, "liquidationThreshold > 10000");
      await bad({ ltv: 9000, liquidationThreshold: 9000, maxBonus: wad("0.04") }, "ltv >= liquidationThreshold");
      await bad({ ltv: 9001, liquidationThreshold: 9000, maxBonus: wad("0.04") }, "ltv >= liquidationThreshold");
      await bad({ ltv: 4000, liquidationThreshold: 5000, maxBonus: WAD / 2n + 1n }, "maxBonus > 0.5e18");
      await bad({ ltv: 9000, liquidationThreshold: 9300, maxBonus: DEFAULT_GLOBAL.minBonus - 1n }, "maxBonus < minBonus");
      // cap point floor(LT * (WAD + maxBonus) / BPS) <= 0.975e18: at LT 9000 the largest maxBonus is
      // 0.083333333333333334 (cap point exactly 0.975e18); one wei more crosses it
      await bad({ ltv: 8000, liquidationThreshold: 9000, maxBonus: 83_333_333_333_333_335n }, "LT * (1 + maxBonus) > 0.975");
      await bad({ ltv: 9000, liquidationThreshold: 10_000, maxBonus: wad("0.02") }, "LT * (1 + maxBonus) > 0.975");
      const okParams = { ltv: 8000, liquidationThreshold: 9000, maxBonus: 83_333_333_333_333_334n };
      assert.equal((9000n * (WAD + okParams.maxBonus)) / BPS, 975_000_000_000_000_000n);
      await vault.write.setRiskGroup([9, okParams, [WETH]]);
      // the boundaries themselves are accepted: maxBonus == minBonus, maxBonus 0.5 with a low LT
      await vault.write.setRiskGroup([10, { ltv: 9000, liquidationThreshold: 9300, maxBonus: DEFAULT_GLOBAL.minBonus }, [WETH]]);
      await vault.write.setRiskGroup([11, { ltv: 5000, liquidationThreshold: 6000, maxBonus: WAD / 2n }, [WETH]]);
    });

    it("checks the cap point against the threshold in force while a lowered one ramps", async () => {
      const { vault } = await networkHelpers.loadFixture(deployGroups);
      await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: 1000 }]);
      await vault.write.setRiskGroup([9, { ltv: 8000, liquidationThreshold: 9000, maxBonus: wad("0.08") }, [WETH]]);
      // LT 8500 with bonus 0.14 has its cap point at 0.969, but the ramp starts at 9000 (cap point 1.026)
      const lowered = { ltv: 8000, liquidationThreshold: 8500, maxBonus: wad("0.14") };
      await viem.assertions.revertWithCustomErrorWithArgs(vault.write.setRiskGroup([9, lowered, [WETH]]), vault, "Vault_InvalidParams", [
        "LT * (1 + maxBonus) > 0.975",
      ]);
      // lowered with the old bonus first, then the bonus raised once the ramp is over
      await vault.write.setRiskGroup([9, { ...lowered, maxBonus: wad("0.08") }, [WETH]]);
      await networkHelpers.time.increase(1000);
      await vault.write.setRiskGroup([9, lowered, [WETH]]);
      assert.deepEqual(await vault.read.weightsOf([WETH, 9]), [8000n, 8500n, wad("0.14")]);
    });

    it("with rampDuration 0 only the new threshold's cap point counts (a lowering applies at once)", async () => {
      const { vault } = await networkHelpers.loadFixture(deployGroups);
      // G_ETH: 9300 with bonus 0.04; lowered to 8000 with bonus 0.2 (cap point 0.96) in one call, although
      // 9300 * 1.2 > 0.975: no ramp passes through 9300
      const params = { ltv: 7500, liquidationThreshold: 8000, maxBonus: wad("0.2") };
      await vault.write.setRiskGroup([G_ETH, params, [WETH, STETH]]);
      assert.deepEqual(await vault.read.weightsOf([STETH, G_ETH]), [7500n, 8000n, wad("0.2")]);
      // the same for an asset: WETH 8250 (bonus 0.075) -> 7000 with bonus 0.3 (cap point 0.91)
      await vault.write.setAssetParams([WETH, assetParams({ ltv: 6500, liquidationThreshold: 7000, maxBonus: wad("0.3") })]);
      assert.deepEqual(await vault.read.weightsOf([WETH, 0]), [6500n, 7000n, wad("0.3")]);
      // with a ramp the threshold in force is checked too
      await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: 60 }]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setAssetParams([USDC, assetParams({ ltv: 6500, liquidationThreshold: 7000, maxBonus: wad("0.3") })]),
        vault,
        "Vault_InvalidParams",
        ["LT * (1 + maxBonus) > 0.975"],
      );
    });

    it("is for the risk admin only", async () => {
      const { vault, bob } = await networkHelpers.loadFixture(deployGroups);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setRiskGroup([9, G_ETH_PARAMS, [WETH]], { account: bob.account }),
        vault,
        "AccessControlUnauthorizedAccount",
        [bob.account.address, RISK_ADMIN_ROLE],
      );
    });

    it("emits RiskGroupSet and GroupThresholdChanged with every value; riskGroup returns the stored group", async () => {
      const { vault } = await networkHelpers.loadFixture(deployGroups);
      const t0 = BigInt(await networkHelpers.time.latest()) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(t0);
      const params = { ltv: 6000, liquidationThreshold: 7000, maxBonus: wad("0.05") };
      const h1 = await vault.write.setRiskGroup([7, params, [WBTC, USDC]]);
      await viem.assertions.emitWithArgs(h1, vault, "RiskGroupSet", [7, params, 0b11n]);
      // a new group: "old" is the new value, no ramp (rampEnd = now, duration 0)
      await viem.assertions.emitWithArgs(h1, vault, "GroupThresholdChanged", [7, 7000n, 7000n, t0, 0n]);
      assert.deepEqual(await vault.read.riskGroup([7]), {
        ltv: 6000,
        liquidationThreshold: 7000,
        maxBonus: wad("0.05"),
        ltRampFrom: 7000,
        rampEnd: 0,
        rampDuration: 0,
        assets: 0b11n,
      });
      // replaced: members and weights; a raised threshold applies at once
      const raised = { ltv: 6500, liquidationThreshold: 7200, maxBonus: wad("0.06") };
      await networkHelpers.time.setNextBlockTimestamp(t0 + 100n);
      const h2 = await vault.write.setRiskGroup([7, raised, [WBTC, STETH]]);
      await viem.assertions.emitWithArgs(h2, vault, "RiskGroupSet", [7, raised, (1n << 1n) | (1n << 3n)]);
      await viem.assertions.emitWithArgs(h2, vault, "GroupThresholdChanged", [7, 7000n, 7200n, t0 + 100n, 0n]);
      assert.deepEqual(await vault.read.weightsOf([STETH, 7]), [6500n, 7200n, wad("0.06")]);
      // with rampDuration 0 (the fixture's) a lowered one applies at once too
      await networkHelpers.time.setNextBlockTimestamp(t0 + 200n);
      const h3 = await vault.write.setRiskGroup([7, { ...raised, liquidationThreshold: 6900 }, [WBTC, STETH]]);
      await viem.assertions.emitWithArgs(h3, vault, "GroupThresholdChanged", [7, 7200n, 6900n, t0 + 200n, 0n]);
      assert.deepEqual(await vault.read.weightsOf([WBTC, 7]), [6500n, 6900n, wad("0.06")]);
      // USDC left the group: it counts with its own weights in that group's accounts
      assert.deepEqual(await vault.read.weightsOf([USDC, 7]), [8500n, 8800n, wad("0.04")]);
    });

    it("minBonus cannot be raised above a group's maxBonus (setGlobalParams reverts)", async () => {
      const { vault } = await networkHelpers.loadFixture(deployGroups);
      // every asset's cap is >= 0.04; this group's is 0.03
      await vault.write.setRiskGroup([5, { ltv: 9000, liquidationThreshold: 9400, maxBonus: wad("0.03") }, [USDC]]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, minBonus: wad("0.03") + 1n }]),
        vault,
        "Vault_InvalidParams",
        ["minBonus > a group's maxBonus"],
      );
      // an asset's cap is checked as well
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, minBonus: wad("0.04") + 1n }]),
        vault,
        "Vault_InvalidParams",
        ["minBonus > an asset's maxBonus"],
      );
      await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, minBonus: wad("0.03") }]);
      assert.equal((await vault.read.globalParams()).minBonus, wad("0.03"));
    });
  });

  describe("enterGroup", () => {
    it("only the owner or an operator it approved", async () => {
      const { vault, alice, bob, carol } = await networkHelpers.loadFixture(deployGroups);
      const owner = alice.account.address;
      await vault.write.deposit([owner, 0, STETH, eth("1")], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.enterGroup([owner, 0, G_ETH], { account: bob.account }),
        vault,
        "Vault_NotOwnerOrOperator",
        [owner, bob.account.address],
      );
      await vault.write.setOperator([carol.account.address, true], { account: alice.account });
      await viem.assertions.emitWithArgs(
        vault.write.enterGroup([owner, 0, G_ETH], { account: carol.account }),
        vault,
        "GroupEntered",
        [owner, 0, G_ETH],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.leaveGroup([owner, 0], { account: bob.account }),
        vault,
        "Vault_NotOwnerOrOperator",
        [owner, bob.account.address],
      );
    });

    it("reverts Vault_UnknownGroup for group 0 or one never defined, Vault_AlreadyInGroup when in one", async () => {
      const { vault, alice } = await networkHelpers.loadFixture(deployGroups);
      const owner = alice.account.address;
      for (const g of [0, 3, 255]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          vault.write.enterGroup([owner, 0, g], { account: alice.account }),
          vault,
          "Vault_UnknownGroup",
          [g],
        );
      }
      await vault.write.enterGroup([owner, 0, G_ETH], { account: alice.account });
      for (const g of [G_ETH, G_MIX]) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          vault.write.enterGroup([owner, 0, g], { account: alice.account }),
          vault,
          "Vault_AlreadyInGroup",
          [owner, 0, G_ETH],
        );
      }
    });

    it("reverts Vault_AssetNotInGroup when the account holds or owes an asset outside the group", async () => {
      const { vault, alice } = await networkHelpers.loadFixture(deployGroups);
      const owner = alice.account.address;
      // a non-member collateral
      await vault.write.deposit([owner, 0, STETH, eth("10")], { account: alice.account });
      await vault.write.deposit([owner, 0, USDC, usdc("100")], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.enterGroup([owner, 0, G_ETH], { account: alice.account }),
        vault,
        "Vault_AssetNotInGroup",
        [G_ETH, USDC],
      );
      // a non-member debt
      await vault.write.deposit([owner, 1, STETH, eth("10")], { account: alice.account });
      await vault.write.borrow([owner, 1, USDC, usdc("1000"), owner], { account: alice.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.enterGroup([owner, 1, G_ETH], { account: alice.account }),
        vault,
        "Vault_AssetNotInGroup",
        [G_ETH, USDC],
      );
      assert.equal(await vault.read.groupOf([owner, 0]), 0);
      assert.equal(await vault.read.groupOf([owner, 1]), 0);
    });

    it("reverts Vault_GroupLowersHealth when the group's threshold is below the assets' own", async () => {
      const { vault, alice } = await networkHelpers.loadFixture(deployGroups);
      const owner = alice.account.address;
      await vault.write.deposit([owner, 0, USDC, usdc("10000")], { account: alice.account });
      await vault.write.borrow([owner, 0, WETH, eth("1"), owner], { account: alice.account });
      // W = 10000 * 88 % = 8800 against 10000 * 86 % = 8600 in the group; D = 2000
      const before = (8800n * WAD) / 2000n;
      const after = (8600n * WAD) / 2000n;
      assert.equal((await vault.read.accountHealth([owner, 0])).healthFactor, before);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.enterGroup([owner, 0, G_MIX], { account: alice.account }),
        vault,
        "Vault_GroupLowersHealth",
        [before, after],
      );
    });

    it("requires the initial margin under the group's weights", async () => {
      const { vault, alice } = await networkHelpers.loadFixture(deployGroups);
      const owner = alice.account.address;
      // a group that raises the threshold (7500 -> 7600) but has a low ltv
      await vault.write.setRiskGroup([3, { ltv: 5000, liquidationThreshold: 7600, maxBonus: wad("0.05") }, [WETH, STETH]]);
      await vault.write.deposit([owner, 0, STETH, eth("10")], { account: alice.account });
      await vault.write.borrow([owner, 0, WETH, eth("6.9"), owner], { account: alice.account });
      // health rises (15200 / 13800 > 15000 / 13800) but the group's initial margin is 10000 < 13800
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.enterGroup([owner, 0, 3], { account: alice.account }),
        vault,
        "Vault_InsufficientMargin",
        [owner, 0, usd("10000"), usd("13800")],
      );
      // the same account enters G_ETH (ltv 90 %)
      await vault.write.enterGroup([owner, 0, G_ETH], { account: alice.account });
    });

    it("emits GroupEntered and records the health check (checkedAt): no liquidation in the same second", async () => {
      const f = await networkHelpers.loadFixture(deployGroups);
      const { vault, alice, liquidator, publicClient } = f;
      const owner = alice.account.address;
      await vault.write.deposit([owner, 0, STETH, eth("10")], { account: alice.account });
      await vault.write.borrow([owner, 0, WETH, eth("7"), owner], { account: alice.account });
      // one block: alice enters the group, then stETH falls to 1500 (W = 15000 * 93 % = 13950 < 14000)
      const testClient = await viem.getTestClient();
      await testClient.setAutomine(false);
      let enterHash: `0x${string}`;
      try {
        enterHash = await vault.write.enterGroup([owner, 0, G_ETH], { account: alice.account, gas: 1_000_000n });
        await f.feeds[STETH]!.write.setAnswer([parseUnits("1500", 8)], { gas: 200_000n });
        // a liquidation in that block (estimated against the pending block) hits the cool-off
        await viem.assertions.revertWithCustomErrorWithArgs(
          vault.write.liquidate([owner, 0, WETH, STETH, eth("1"), 0n], { account: liquidator.account }),
          vault,
          "Vault_CoolOff",
          [owner, 0],
        );
        await networkHelpers.mine();
      } finally {
        await testClient.setAutomine(true);
      }
      const { receipt, timestamp } = await mined(f, enterHash);
      await viem.assertions.emitWithArgs(enterHash, vault, "GroupEntered", [owner, 0, G_ETH]);
      assert.equal(await vault.read.checkedAt([owner, 0]), timestamp);
      assert.equal(await vault.read.groupOf([owner, 0]), G_ETH);
      const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
      assert.equal(block.transactions.length, 2);
      // one second later it is liquidatable under the group's weights
      const h = await vault.read.accountHealth([owner, 0]);
      assert.equal(h.healthFactor, (usd("13950") * WAD) / usd("14000"));
      const [maxRepay] = await vault.read.maxLiquidation([owner, 0, WETH, STETH]);
      await vault.write.liquidate([owner, 0, WETH, STETH, maxRepay, 0n], { account: liquidator.account });
    });
  });

  describe("while in a group", () => {
    it("a non-member asset cannot be added by deposit, borrow or transferCollateral; members can", async () => {
      const { vault, alice } = await networkHelpers.loadFixture(deployGroups);
      const owner = alice.account.address;
      const a = { account: alice.account };
      await vault.write.deposit([owner, 0, STETH, eth("10")], a);
      await vault.write.enterGroup([owner, 0, G_ETH], a);
      await viem.assertions.revertWithCustomErrorWithArgs(vault.write.deposit([owner, 0, USDC, usdc("100")], a), vault, "Vault_AssetNotInGroup", [
        G_ETH,
        USDC,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(vault.write.deposit([owner, 0, WBTC, 10n ** 6n], a), vault, "Vault_AssetNotInGroup", [
        G_ETH,
        WBTC,
      ]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.borrow([owner, 0, USDC, usdc("100"), owner], a),
        vault,
        "Vault_AssetNotInGroup",
        [G_ETH, USDC],
      );
      // sub-account 1 (no group) holds USDC and stETH; only stETH may move into the grouped sub-account 0
      await vault.write.deposit([owner, 1, USDC, usdc("1000")], a);
      await vault.write.deposit([owner, 1, STETH, eth("1")], a);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.transferCollateral([owner, 1, 0, USDC, usdc("100")], a),
        vault,
        "Vault_AssetNotInGroup",
        [G_ETH, USDC],
      );
      await vault.write.transferCollateral([owner, 1, 0, STETH, eth("1")], a);
      await vault.write.borrow([owner, 0, WETH, eth("1"), owner], a);
      const pos = await vault.read.positions([owner, 0]);
      assert.deepEqual(
        pos.map((p) => [p.asset, p.isDebt, p.amount]),
        [
          [STETH, false, eth("11")],
          [WETH, true, eth("1")],
        ],
      );
    });

    it("health uses the group's ltv and LT with the assets' own size tiers, to the wei", async () => {
      const f = await networkHelpers.loadFixture(deployGroups);
      const { vault, alice, bob } = f;
      // WBTC gets a size tier: value above 50,000 USD counts at 80 %
      await vault.write.setAssetParams([
        WBTC,
        assetParams({ ltv: 7000, liquidationThreshold: 7500, maxBonus: wad("0.1"), sizeThreshold: usd("50000"), sizeFactor: 8000 }),
      ]);
      for (const w of [alice, bob]) {
        const owner = w.account.address;
        await vault.write.deposit([owner, 0, WBTC, parseUnits("1.23456789", 8)], { account: w.account });
        await vault.write.deposit([owner, 0, WETH, eth("3.3")], { account: w.account });
      }
      await vault.write.enterGroup([alice.account.address, 0, G_MIX], { account: alice.account });
      // alice (in the group) and bob (not) hold and owe exactly the same
      for (const w of [alice, bob]) {
        await vault.write.borrow([w.account.address, 0, USDC, usdc("50000.123456"), w.account.address], { account: w.account });
      }
      await f.setPrice(WBTC, "61234.56789012");
      await f.setPrice(WETH, "2345.6789");
      await f.setPrice(USDC, "0.99987654");
      const pBtc = parseUnits("61234.56789012", 18);
      const pEth = parseUnits("2345.6789", 18);
      const pUsd = parseUnits("0.99987654", 18);
      const positions = (ltvBtc: bigint, ltBtc: bigint, ltvEth: bigint, ltEth: bigint) => [
        { isDebt: false, amount: parseUnits("1.23456789", 8), price: pBtc, decimals: 8, ltv: ltvBtc, lt: ltBtc, sizeThreshold: usd("50000"), sizeFactor: 8000n },
        { isDebt: false, amount: eth("3.3"), price: pEth, decimals: 18, ltv: ltvEth, lt: ltEth },
        { isDebt: true, amount: usdc("50000.123456"), price: pUsd, decimals: 6 },
      ];
      const inGroup = healthOf(positions(8000n, 8600n, 8000n, 8600n));
      const plain = healthOf(positions(7000n, 7500n, 8000n, 8250n));
      // by hand for the group: v_btc = floor(1.23456789 * 61234.56789012) = 75598.22...; the part above 50,000
      // counts at 86 % * 80 %
      const vBtc = (parseUnits("1.23456789", 8) * pBtc) / 10n ** 8n;
      const vEth = (eth("3.3") * pEth) / WAD;
      assert.equal(
        inGroup.weightedCollateral,
        (usd("50000") * 8600n) / BPS + ((vBtc - usd("50000")) * 8600n * 8000n) / (BPS * BPS) + (vEth * 8600n) / BPS,
      );
      assert.deepEqual(await vault.read.accountHealth([alice.account.address, 0]), inGroup);
      assert.deepEqual(await vault.read.accountHealth([bob.account.address, 0]), plain);
      assert.deepEqual(await healthFromViews(f, alice.account.address, 0), inGroup);
      assert.ok(inGroup.healthFactor > plain.healthFactor);
      assert.deepEqual(await vault.read.weightsOf([WBTC, G_MIX]), [8000n, 8600n, wad("0.05")]);
      assert.deepEqual(await vault.read.weightsOf([WBTC, 0]), [7000n, 7500n, wad("0.1")]);
    });

    it("liquidation uses the group's LT and maxBonus for the bonus and the collateral's protocolFee", async () => {
      const f = await networkHelpers.loadFixture(deployGroups);
      const { vault, alice, bob, liquidator } = f;
      for (const w of [alice, bob]) {
        const owner = w.account.address;
        await vault.write.deposit([owner, 0, STETH, eth("10")], { account: w.account });
        await vault.write.enterGroup([owner, 0, G_ETH], { account: w.account });
        await vault.write.borrow([owner, 0, WETH, eth("8.5"), owner], { account: w.account });
      }
      const g = await vault.read.globalParams();
      const input = (stethPrice: string, collateralBalance: bigint) => {
        const pc = parseUnits(stethPrice, 18);
        const v = (collateralBalance * pc) / WAD;
        return {
          W: (v * 9300n) / BPS,
          D: usd("17000"),
          debtBalance: eth("8.5"),
          debtPrice: usd("2000"),
          debtDecimals: 18,
          collateralBalance,
          collateralPrice: pc,
          collateralDecimals: 18,
          lt: 9300n,
          maxBonus: wad("0.04"),
          minBonus: g.minBonus,
          targetHealth: g.targetHealth,
          minLeftover: g.minLeftover,
          protocolFee: 1500n,
        };
      };

      // alice at stETH 1800: HF = 16740 / 17000 = 0.9847..., above the group's cap point 0.9672: bonus interpolated
      await f.setPrice(STETH, "1800");
      const a = liquidationOf(input("1800", eth("10")));
      assert.equal(a.healthBefore, (usd("16740") * WAD) / usd("17000"));
      assert.equal(a.capPoint, wad("0.9672"));
      assert.equal(a.bonus, wad("0.02") + (wad("0.02") * (WAD - a.healthBefore)) / (WAD - wad("0.9672")));
      assert.ok(a.bonus > wad("0.02") && a.bonus < wad("0.04"));
      // with stETH's own weights the same account would be far below its cap point (bonus 0.06)
      assert.equal(bonusOf((usd("13500") * WAD) / usd("17000"), 7500n, wad("0.06"), wad("0.02")), wad("0.06"));
      assert.deepEqual(await vault.read.maxLiquidation([alice.account.address, 0, WETH, STETH]), [a.maxRepay, a.maxSeized, a.bonus]);
      const ev = await liquidatedEvent(
        f,
        await vault.write.liquidate([alice.account.address, 0, WETH, STETH, maxUint256, 0n], { account: liquidator.account }),
      );
      assert.equal(ev.repaid, a.maxRepay);
      assert.equal(ev.seized, a.seized);
      assert.equal(ev.bonus, a.bonus);
      assert.equal(ev.healthBefore, a.healthBefore);
      // the fee is stETH's 15 % of the bonus part: ceil(seized * b * 1500 / ((WAD + b) * BPS))
      assert.equal(ev.fee, (a.seized * a.bonus * 1500n + (WAD + a.bonus) * BPS - 1n) / ((WAD + a.bonus) * BPS));
      assert.ok(ev.healthAfter! >= WAD);

      // bob at stETH 1700: HF = 15810 / 17000 = 0.93 <= 0.9672: the group's cap 0.04 (not stETH's 0.06)
      await f.setPrice(STETH, "1700");
      const b = liquidationOf(input("1700", eth("10")));
      assert.equal(b.bonus, wad("0.04"));
      const evB = await liquidatedEvent(
        f,
        await vault.write.liquidate([bob.account.address, 0, WETH, STETH, maxUint256, 0n], { account: liquidator.account }),
      );
      assert.equal(evB.bonus, wad("0.04"));
      assert.equal(evB.healthBefore, wad("0.93"));
      assert.equal(evB.seized, eth("10")); // all of it: 8.5 WETH at 1.04 would need 10.4 stETH
      assert.equal(evB.repaid, b.repay);
      assert.equal(evB.fee, b.fee);
    });
  });

  describe("leaveGroup", () => {
    it("reverts Vault_NotInGroup for a sub-account in no group", async () => {
      const { vault, alice } = await networkHelpers.loadFixture(deployGroups);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.leaveGroup([alice.account.address, 5], { account: alice.account }),
        vault,
        "Vault_NotInGroup",
        [alice.account.address, 5],
      );
    });

    it("requires the initial margin under plain weights, then emits GroupLeft and lifts the restriction", async () => {
      const f = await networkHelpers.loadFixture(deployGroups);
      const { vault, alice } = f;
      const owner = alice.account.address;
      const a = { account: alice.account };
      await vault.write.deposit([owner, 0, STETH, eth("10")], a);
      // plain initial margin 14000 would refuse 16000 of debt
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.borrow([owner, 0, WETH, eth("8"), owner], a),
        vault,
        "Vault_InsufficientMargin",
        [owner, 0, usd("14000"), usd("16000")],
      );
      await vault.write.enterGroup([owner, 0, G_ETH], a);
      await vault.write.borrow([owner, 0, WETH, eth("8"), owner], a);
      await viem.assertions.revertWithCustomErrorWithArgs(vault.write.leaveGroup([owner, 0], a), vault, "Vault_InsufficientMargin", [
        owner,
        0,
        usd("14000"),
        usd("16000"),
      ]);
      assert.equal(await vault.read.groupOf([owner, 0]), G_ETH);
      await vault.write.repay([owner, 0, WETH, eth("1.5")], a);
      const hash = await vault.write.leaveGroup([owner, 0], a);
      const { timestamp } = await mined(f, hash);
      await viem.assertions.emitWithArgs(hash, vault, "GroupLeft", [owner, 0, G_ETH]);
      assert.equal(await vault.read.groupOf([owner, 0]), 0);
      assert.equal(await vault.read.checkedAt([owner, 0]), timestamp);
      assert.deepEqual(await vault.read.accountHealth([owner, 0]), {
        collateralValue: usd("20000"),
        weightedCollateral: usd("15000"),
        initialMarginValue: usd("14000"),
        debtValue: usd("13000"),
        healthFactor: (usd("15000") * WAD) / usd("13000"),
      });
      // any asset may be added again
      await vault.write.deposit([owner, 0, USDC, usdc("100")], a);
    });
  });

  describe("members removed", () => {
    it("an asset removed from a group counts with its own weights in that group's accounts", async () => {
      const f = await networkHelpers.loadFixture(deployGroups);
      const { vault, alice, bob, liquidator } = f;
      const owner = alice.account.address;
      await vault.write.deposit([owner, 0, STETH, eth("10")], { account: alice.account });
      await vault.write.enterGroup([owner, 0, G_ETH], { account: alice.account });
      await vault.write.borrow([owner, 0, WETH, eth("8"), owner], { account: alice.account });
      assert.equal((await vault.read.accountHealth([owner, 0])).weightedCollateral, usd("18600"));
      // stETH leaves G_ETH
      const hash = await vault.write.setRiskGroup([G_ETH, G_ETH_PARAMS, [WETH]]);
      await viem.assertions.emitWithArgs(hash, vault, "RiskGroupSet", [G_ETH, G_ETH_PARAMS, 1n << 2n]);
      assert.deepEqual(await vault.read.weightsOf([STETH, G_ETH]), [7000n, 7500n, wad("0.06")]);
      assert.deepEqual(await vault.read.weightsOf([WETH, G_ETH]), [9000n, 9300n, wad("0.04")]);
      assert.equal(await vault.read.groupOf([owner, 0]), G_ETH);
      const h = await vault.read.accountHealth([owner, 0]);
      assert.deepEqual(h, {
        collateralValue: usd("20000"),
        weightedCollateral: usd("15000"),
        initialMarginValue: usd("14000"),
        debtValue: usd("16000"),
        healthFactor: (usd("15000") * WAD) / usd("16000"),
      });
      // now liquidatable, with stETH's own threshold and bonus cap
      const [, , bonus] = await vault.read.maxLiquidation([owner, 0, WETH, STETH]);
      assert.equal(bonus, bonusOf(h.healthFactor, 7500n, wad("0.06"), wad("0.02")));
      await vault.write.liquidate([owner, 0, WETH, STETH, eth("1"), 0n], { account: liquidator.account });
      // the account keeps its existing stETH position; a new holder of stETH can no longer enter
      await vault.write.deposit([owner, 0, STETH, eth("1")], { account: alice.account });
      await vault.write.deposit([bob.account.address, 0, STETH, eth("1")], { account: bob.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.enterGroup([bob.account.address, 0, G_ETH], { account: bob.account }),
        vault,
        "Vault_AssetNotInGroup",
        [G_ETH, STETH],
      );
    });
  });
});

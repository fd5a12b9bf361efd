/**
 * Liquidation: every revert of `liquidate`, the amounts of the model (bonus, target repay, seize, fee)
 * recomputed here in bigint, the protocol fee, the Liquidated event, bad debt (reserves first, then the
 * supply index), settleBadDebt, and interest alone making an account liquidatable.
 * Most tests run on the no-interest fixture so every index stays exactly 1e18.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { parseUnits } from "viem";
import { DEFAULT_GLOBAL, NO_SIZE_TIER, feedAnswer } from "../fixtures/vaultFixture.ts";
import {
  WAD,
  borrowIndexAt,
  capPoint,
  debtOf,
  divUp,
  healthFactor,
  maxLiquidation,
  protocolFee,
  seizeFor,
  valueDown,
  valueUp,
  weighted,
  type LiqInput,
} from "../fixtures/riskSpec.ts";
import { USDC, WBTC, WETH, deployVaultNoInterest, mined, type VaultFixture } from "../fixtures/vaultTestKit.ts";

const { networkHelpers, viem } = await network.create();

const eth = (s: string) => parseUnits(s, 18);
const usdc = (s: string) => parseUnits(s, 6);
const btc = (s: string) => parseUnits(s, 8);
const usdWad = (s: string) => parseUnits(s, 18);
const SUPPLIED_USDC = usdc("10000000");

const WETH_RISK = { lt: 8250n, maxBonus: 75_000_000_000_000_000n, fee: 1000n };
const USDC_RISK = { lt: 8800n, maxBonus: 40_000_000_000_000_000n, fee: 1000n };

function who(f: VaultFixture) {
  return {
    A: f.address(f.alice.account.address),
    B: f.address(f.bob.account.address),
    LQ: f.address(f.liquidator.account.address),
  };
}

/** The model's input for one WETH collateral against one USDC debt (the account's only positions). */
function wethVsUsdc(collBal: bigint, wethPrice: bigint, debtBal: bigint): LiqInput {
  const w = weighted(valueDown(collBal, wethPrice, 18), WETH_RISK.lt, NO_SIZE_TIER, 8000n);
  const d = valueUp(debtBal, WAD, 6);
  return {
    w,
    d,
    debtBalance: debtBal,
    debtPrice: WAD,
    debtDecimals: 6,
    collBalance: collBal,
    collPrice: wethPrice,
    collDecimals: 18,
    lt: WETH_RISK.lt,
    maxBonus: WETH_RISK.maxBonus,
    minBonus: DEFAULT_GLOBAL.minBonus,
    thf: DEFAULT_GLOBAL.targetHealth,
    minLeftover: DEFAULT_GLOBAL.minLeftover,
  };
}

/** Alice's sub-account 0: `collateral` WETH and a USDC debt, then WETH moves to `price` USD. */
async function openUnderwater(f: VaultFixture, collateral: bigint, debt: bigint, price: string) {
  const { A } = who(f);
  await f.vault.write.deposit([A, 0, WETH, collateral], { account: f.alice.account });
  await f.vault.write.borrow([A, 0, USDC, debt, A], { account: f.alice.account });
  await f.setPrice(WETH, price);
}

/** Give USDC reserves through the fee of a flash loan of `amount` (fee = ceil(amount * 5 / 10000)). */
async function usdcReservesFromFlashLoan(f: VaultFixture, amount: bigint): Promise<bigint> {
  const borrower = await f.viem.deployContract("FlashBorrowerMock", []);
  const fee = divUp(amount * 5n, 10_000n);
  await f.tokens[USDC]!.write.mint([borrower.address, fee]);
  await borrower.write.flashBorrow([f.vault.address, f.tokens[USDC]!.address, amount]);
  assert.equal((await f.vault.read.assetState([USDC])).reserves, fee);
  return fee;
}

describe("Vault liquidation: amounts", () => {
  it("maxLiquidation and previewLiquidation of an account between the cap point and 1 give the model's target repay, seize, bonus and fee", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault } = f;
    const { A, LQ } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    const i = wethVsUsdc(eth("10"), 1700n * WAD, usdc("15000"));
    const hf = healthFactor(i.w, i.d);
    assert.equal(hf, 935_000_000_000_000_000n);
    assert.ok(hf > capPoint(i.lt, i.maxBonus), "between the cap point and 1: the bonus is interpolated");
    const m = maxLiquidation(i);
    assert.ok(m.bonus > DEFAULT_GLOBAL.minBonus && m.bonus < WETH_RISK.maxBonus);
    assert.ok(m.repay < i.debtBalance, "a partial liquidation");
    assert.deepEqual(await vault.read.maxLiquidation([A, 0, USDC, WETH]), [m.repay, m.seized, m.bonus]);

    const fee = protocolFee(m.seized, m.bonus, WETH_RISK.fee);
    const wAfter = weighted(valueDown(eth("10") - m.seized, 1700n * WAD, 18), i.lt, NO_SIZE_TIER, 8000n);
    const dAfter = valueUp(usdc("15000") - m.repay, WAD, 6);
    const hAfter = healthFactor(wAfter, dAfter);
    assert.ok(hAfter >= WAD && hAfter < 1_051_000_000_000_000_000n, "back to about the target health");
    assert.deepEqual(await vault.read.previewLiquidation([A, 0, USDC, WETH, m.repay, LQ]), {
      repaid: m.repay,
      paid: m.repay, // no interest (index 1): the debt falls by exactly the repay
      seized: m.seized,
      toLiquidator: m.seized - fee,
      fee,
      bonus: m.bonus,
      healthBefore: hf,
      healthAfter: hAfter,
      badDebt: false,
    });
  });

  it("liquidate with the max repay takes the repay, pays the liquidator seized - fee, books the fee as collateral-asset reserves and emits Liquidated", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator, tokens } = f;
    const { A, LQ } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    const i = wethVsUsdc(eth("10"), 1700n * WAD, usdc("15000"));
    const m = maxLiquidation(i);
    const fee = protocolFee(m.seized, m.bonus, WETH_RISK.fee);
    const hAfter = healthFactor(
      weighted(valueDown(eth("10") - m.seized, 1700n * WAD, 18), i.lt, NO_SIZE_TIER, 8000n),
      valueUp(usdc("15000") - m.repay, WAD, 6),
    );
    const usdc0 = await tokens[USDC]!.read.balanceOf([LQ]);
    const weth0 = await tokens[WETH]!.read.balanceOf([LQ]);
    const sWeth0 = await vault.read.assetState([WETH]);
    const sUsdc0 = await vault.read.assetState([USDC]);
    const { result } = await vault.simulate.liquidate([A, 0, USDC, WETH, m.repay, 0n], { account: liquidator.account.address });
    assert.deepEqual(result, [m.repay, m.seized - fee]);
    await viem.assertions.emitWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, m.repay, m.seized - fee], { account: liquidator.account }),
      vault,
      "Liquidated",
      // no interest here (index 1): the debt falls by exactly the repay, so paid == repaid
      [A, 0, LQ, USDC, WETH, m.repay, m.repay, m.repay, m.seized, fee, m.bonus, healthFactor(i.w, i.d), hAfter],
    );
    assert.equal(await tokens[USDC]!.read.balanceOf([LQ]), usdc0 - m.repay);
    assert.equal(await tokens[WETH]!.read.balanceOf([LQ]), weth0 + m.seized - fee);
    const sWeth = await vault.read.assetState([WETH]);
    assert.equal(sWeth.reserves, sWeth0.reserves + fee, "the protocol fee is reserves of the collateral asset");
    assert.equal(sWeth.cash, sWeth0.cash + fee);
    assert.equal(sWeth.totalCollateral, sWeth0.totalCollateral - m.seized);
    const sUsdc = await vault.read.assetState([USDC]);
    assert.equal(sUsdc.cash, sUsdc0.cash + m.repay);
    assert.equal(sUsdc.totalBorrowShares, sUsdc0.totalBorrowShares - m.repay);
    const pos = await vault.read.positions([A, 0]);
    assert.deepEqual(pos, [
      { asset: WETH, isDebt: false, amount: eth("10") - m.seized, shares: 0n },
      { asset: USDC, isDebt: true, amount: usdc("15000") - m.repay, shares: usdc("15000") - m.repay },
    ]);
    assert.equal((await vault.read.accountHealth([A, 0])).healthFactor, hAfter);
  });

  it("a repayAmount above the maximum is capped at maxLiquidation's repay", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    const m = maxLiquidation(wethVsUsdc(eth("10"), 1700n * WAD, usdc("15000")));
    const { result } = await vault.simulate.liquidate([A, 0, USDC, WETH, usdc("15000"), 0n], { account: liquidator.account.address });
    assert.equal(result[0], m.repay);
  });

  it("a partial repay seizes floor(repay * p_d * (WAD + b) * 10^dec_c / (10^dec_d * WAD * p_c)) with the account's bonus", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    const i = wethVsUsdc(eth("10"), 1700n * WAD, usdc("15000"));
    const m = maxLiquidation(i);
    const repay = usdc("1234.567891");
    const seized = seizeFor(i, repay, m.bonus);
    const fee = protocolFee(seized, m.bonus, WETH_RISK.fee);
    const { result } = await vault.simulate.liquidate([A, 0, USDC, WETH, repay, 0n], { account: liquidator.account.address });
    assert.deepEqual(result, [repay, seized - fee]);
  });

  it("splitting a liquidation in two seizes no more collateral than doing it at once", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    const m = maxLiquidation(wethVsUsdc(eth("10"), 1700n * WAD, usdc("15000")));
    await vault.write.liquidate([A, 0, USDC, WETH, m.repay / 2n, 0n], { account: liquidator.account });
    const mid = await vault.read.positions([A, 0]);
    const i2 = wethVsUsdc(mid[0]!.amount, 1700n * WAD, mid[1]!.amount);
    const m2 = maxLiquidation(i2);
    assert.deepEqual(await vault.read.maxLiquidation([A, 0, USDC, WETH]), [m2.repay, m2.seized, m2.bonus]);
    if (m2.repay > 0n) await vault.write.liquidate([A, 0, USDC, WETH, m2.repay, 0n], { account: liquidator.account });
    const end = await vault.read.positions([A, 0]);
    assert.ok(eth("10") - end[0]!.amount <= m.seized, `split seized ${eth("10") - end[0]!.amount} > ${m.seized}`);
  });

  it("when the collateral cannot pay for the target repay, all of it is seized for ceil(bal_c * 10^dec_d * WAD * p_c / (p_d * (WAD + b) * 10^dec_c))", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator } = f;
    const { A } = who(f);
    // 10 WETH and 200 USDC against a WBTC debt; WBTC rises to 85,000; liquidate against the small USDC
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.deposit([A, 0, USDC, usdc("200")], { account: alice.account });
    await vault.write.borrow([A, 0, WBTC, btc("0.2"), A], { account: alice.account });
    await f.setPrice(WBTC, "85000");
    const pBtc = 85_000n * WAD;
    const w = weighted(valueDown(eth("10"), 2000n * WAD, 18), 8250n, NO_SIZE_TIER, 8000n) + weighted(valueDown(usdc("200"), WAD, 6), 8800n, NO_SIZE_TIER, 8000n);
    const d = valueUp(btc("0.2"), pBtc, 8);
    const i: LiqInput = {
      w,
      d,
      debtBalance: btc("0.2"),
      debtPrice: pBtc,
      debtDecimals: 8,
      collBalance: usdc("200"),
      collPrice: WAD,
      collDecimals: 6,
      lt: USDC_RISK.lt,
      maxBonus: USDC_RISK.maxBonus,
      minBonus: DEFAULT_GLOBAL.minBonus,
      thf: DEFAULT_GLOBAL.targetHealth,
      minLeftover: DEFAULT_GLOBAL.minLeftover,
    };
    const m = maxLiquidation(i);
    assert.equal(m.seized, usdc("200"), "capped by the balance");
    const expectedRepay = divUp(usdc("200") * 10n ** 8n * WAD * WAD, pBtc * (WAD + m.bonus) * 10n ** 6n);
    assert.equal(m.repay, expectedRepay);
    assert.deepEqual(await vault.read.maxLiquidation([A, 0, WBTC, USDC]), [m.repay, m.seized, m.bonus]);
    const fee = protocolFee(m.seized, m.bonus, USDC_RISK.fee);
    // asking for far more than the collateral pays for is capped the same way
    const { result } = await vault.simulate.liquidate([A, 0, WBTC, USDC, btc("0.2"), 0n], { account: liquidator.account.address });
    assert.deepEqual(result, [m.repay, m.seized - fee]);
    await vault.write.liquidate([A, 0, WBTC, USDC, btc("0.2"), 0n], { account: liquidator.account });
    const pos = await vault.read.positions([A, 0]);
    assert.equal(pos.find((p) => p.asset === USDC), undefined, "the USDC position is gone");
    assert.equal(pos.find((p) => p.asset === WBTC)!.amount, btc("0.2") - m.repay);
  });
});

describe("Vault liquidation: reverts", () => {
  it("liquidating a healthy account reverts Vault_NotLiquidatable with its health factor, also at health exactly 1; its maxLiquidation is all zeros", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("14850"), A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      vault,
      "Vault_NotLiquidatable",
      [A, 0, healthFactor(16_500n * WAD, 14_850n * WAD)],
    );
    assert.deepEqual(await vault.read.maxLiquidation([A, 0, USDC, WETH]), [0n, 0n, 0n]);
    // at 1800 USD: W = 10 * 1800 * 82.5% = 14,850 = D, health exactly 1
    await f.setPrice(WETH, "1800");
    assert.equal(weighted(valueDown(eth("10"), 1800n * WAD, 18), 8250n, NO_SIZE_TIER, 8000n), 14_850n * WAD);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      vault,
      "Vault_NotLiquidatable",
      [A, 0, WAD],
    );
    assert.deepEqual(await vault.read.maxLiquidation([A, 0, USDC, WETH]), [0n, 0n, 0n]);
  });

  it("the owner liquidating its own account reverts Vault_SelfLiquidation, and so does its operator", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: alice.account }),
      vault,
      "Vault_SelfLiquidation",
      [A, A],
    );
    await vault.write.setOperator([B, true], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: bob.account }),
      vault,
      "Vault_SelfLiquidation",
      [A, B],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.read.previewLiquidation([A, 0, USDC, WETH, usdc("100"), B]),
      vault,
      "Vault_SelfLiquidation",
      [A, B],
    );
    // once revoked, the former operator may liquidate
    await vault.write.setOperator([B, false], { account: alice.account });
    await vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: bob.account });
  });

  it("a liquidation in the same second as the owner's passed margin check reverts Vault_CoolOff; the next block it succeeds", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator, testClient, publicClient } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("15000"), A], { account: alice.account });
    await testClient.setAutomine(false);
    try {
      // one block: the owner borrows a little more (passing the check), the price drops, a liquidation follows
      const hBorrow = await vault.write.borrow([A, 0, USDC, usdc("1"), A], { account: alice.account, gas: 1_000_000n });
      const hPrice = await f.feeds[WETH]!.write.setAnswer([feedAnswer("1700")], { gas: 200_000n });
      // the liquidation is refused against the pending block (gas estimation runs there) ...
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
        vault,
        "Vault_CoolOff",
        [A, 0],
      );
      // ... and a liquidation forced into the same block reverts there
      const hLiq = await vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account, gas: 3_000_000n });
      await networkHelpers.mine();
      const [rb, rp, rl] = await Promise.all(
        [hBorrow, hPrice, hLiq].map((hash) => publicClient.getTransactionReceipt({ hash })),
      );
      assert.equal(rb!.status, "success");
      assert.equal(rp!.status, "success");
      assert.equal(rl!.status, "reverted");
      assert.equal(rl!.blockNumber, rb!.blockNumber);
      const block = await publicClient.getBlock({ blockNumber: rb!.blockNumber });
      assert.equal(await vault.read.checkedAt([A, 0]), block.timestamp);
    } finally {
      await testClient.setAutomine(true);
    }
    await vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account });
  });

  it("after unpause, liquidation reverts Vault_GracePeriod until graceEnd and works from graceEnd on", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    await vault.write.pause();
    const { timestamp } = await mined(f, vault.write.unpause());
    const graceEnd = timestamp + BigInt(DEFAULT_GLOBAL.gracePeriod);
    assert.equal(await vault.read.graceEnd(), graceEnd);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      vault,
      "Vault_GracePeriod",
      [graceEnd],
    );
    await networkHelpers.time.setNextBlockTimestamp(graceEnd - 1n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      vault,
      "Vault_GracePeriod",
      [graceEnd],
    );
    await networkHelpers.time.setNextBlockTimestamp(graceEnd);
    await mined(f, vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account, gas: 3_000_000n }));
  });

  it("while paused, liquidation reverts Vault_Paused", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A, LQ } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    await vault.write.pause();
    await viem.assertions.revertWithCustomError(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      vault,
      "Vault_Paused",
    );
    await viem.assertions.revertWithCustomError(vault.read.previewLiquidation([A, 0, USDC, WETH, usdc("100"), LQ]), vault, "Vault_Paused");
  });

  it("a debt asset the account does not owe, or a collateral asset it does not hold, reverts Vault_NoSuchPosition", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    const cases: Array<[number, number, number]> = [
      [WBTC, WETH, WBTC], // not owed
      [USDC, WBTC, WBTC], // not held
      [WETH, USDC, WETH], // the pair reversed: WETH is collateral, not debt
      [USDC, USDC, USDC], // the debt asset as collateral
    ];
    for (const [d, c, bad] of cases) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.liquidate([A, 0, d, c, usdc("100"), 0n], { account: liquidator.account }),
        vault,
        "Vault_NoSuchPosition",
        [A, 0, bad],
      );
    }
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 1, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      vault,
      "Vault_NoSuchPosition",
      [A, 1, USDC],
    );
  });

  it("a repayAmount of 0 reverts Vault_ZeroRepay", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { A } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    await viem.assertions.revertWithCustomError(
      f.vault.write.liquidate([A, 0, USDC, WETH, 0n, 0n], { account: f.liquidator.account }),
      f.vault,
      "Vault_ZeroRepay",
    );
  });

  it("a partial liquidation leaving debt and collateral both worth less than minLeftover reverts Vault_MustNotLeaveDust; the max clears the debt instead", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A } = who(f);
    await openUnderwater(f, eth("0.1"), usdc("150"), "1700");
    const i = wethVsUsdc(eth("0.1"), 1700n * WAD, usdc("150"));
    const m = maxLiquidation(i);
    assert.equal(m.repay, usdc("150"), "the target would leave < 100 USD of debt, so the max is all of it");
    assert.deepEqual(await vault.read.maxLiquidation([A, 0, USDC, WETH]), [m.repay, m.seized, m.bonus]);
    const repay = usdc("100");
    const seized = seizeFor(i, repay, m.bonus);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, repay, 0n], { account: liquidator.account }),
      vault,
      "Vault_MustNotLeaveDust",
      [usdWad("50"), valueDown(eth("0.1") - seized, 1700n * WAD, 18), DEFAULT_GLOBAL.minLeftover],
    );
    await vault.write.liquidate([A, 0, USDC, WETH, m.repay, 0n], { account: liquidator.account });
    assert.deepEqual(await vault.read.positions([A, 0]), [{ asset: WETH, isDebt: false, amount: eth("0.1") - m.seized, shares: 0n }]);
  });

  it("a partial liquidation leaving less than minLeftover of the collateral (debt still large) reverts Vault_MustNotLeaveDust", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator } = f;
    const { A } = who(f);
    // 10 WETH and 200 USDC against 0.2 WBTC; WBTC rises to 85,000; repay 0.0017 WBTC against the USDC
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.deposit([A, 0, USDC, usdc("200")], { account: alice.account });
    await vault.write.borrow([A, 0, WBTC, btc("0.2"), A], { account: alice.account });
    await f.setPrice(WBTC, "85000");
    const pBtc = 85_000n * WAD;
    const i: LiqInput = {
      w: weighted(20_000n * WAD, 8250n, NO_SIZE_TIER, 8000n) + weighted(200n * WAD, 8800n, NO_SIZE_TIER, 8000n),
      d: valueUp(btc("0.2"), pBtc, 8),
      debtBalance: btc("0.2"),
      debtPrice: pBtc,
      debtDecimals: 8,
      collBalance: usdc("200"),
      collPrice: WAD,
      collDecimals: 6,
      lt: USDC_RISK.lt,
      maxBonus: USDC_RISK.maxBonus,
      minBonus: DEFAULT_GLOBAL.minBonus,
      thf: DEFAULT_GLOBAL.targetHealth,
      minLeftover: DEFAULT_GLOBAL.minLeftover,
    };
    const m = maxLiquidation(i);
    const repay = btc("0.0017");
    const seized = seizeFor(i, repay, m.bonus);
    const collLeft = valueDown(usdc("200") - seized, WAD, 6);
    const debtLeft = valueUp(btc("0.2") - repay, pBtc, 8);
    assert.ok(collLeft > 0n && collLeft < DEFAULT_GLOBAL.minLeftover && debtLeft >= DEFAULT_GLOBAL.minLeftover);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, WBTC, USDC, repay, 0n], { account: liquidator.account }),
      vault,
      "Vault_MustNotLeaveDust",
      [debtLeft, collLeft, DEFAULT_GLOBAL.minLeftover],
    );
  });

  it("a partial liquidation leaving less than minLeftover of the debt (collateral still large) reverts Vault_MustNotLeaveDust", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator } = f;
    const { A } = who(f);
    // 10 WETH against 0.25 WBTC and 150 USDC; WETH falls to 1,800; repay 100 of the 150 USDC
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, WBTC, btc("0.25"), A], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("150"), A], { account: alice.account });
    await f.setPrice(WETH, "1800");
    const w = weighted(18_000n * WAD, 8250n, NO_SIZE_TIER, 8000n);
    const d = valueUp(btc("0.25"), 60_000n * WAD, 8) + valueUp(usdc("150"), WAD, 6);
    const i: LiqInput = { ...wethVsUsdc(eth("10"), 1800n * WAD, usdc("150")), w, d };
    assert.ok(healthFactor(w, d) < WAD);
    const m = maxLiquidation(i);
    assert.equal(m.repay, usdc("150"), "all of the small debt may go at once");
    assert.deepEqual(await vault.read.maxLiquidation([A, 0, USDC, WETH]), [m.repay, m.seized, m.bonus]);
    const repay = usdc("100");
    const seized = seizeFor(i, repay, m.bonus);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, repay, 0n], { account: liquidator.account }),
      vault,
      "Vault_MustNotLeaveDust",
      [usdWad("50"), valueDown(eth("10") - seized, 1800n * WAD, 18), DEFAULT_GLOBAL.minLeftover],
    );
    await vault.write.liquidate([A, 0, USDC, WETH, m.repay, 0n], { account: liquidator.account });
  });

  it("a liquidator receiving less than minSeized reverts Vault_SeizedBelowMinimum", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { A } = who(f);
    await openUnderwater(f, eth("10"), usdc("15000"), "1700");
    const i = wethVsUsdc(eth("10"), 1700n * WAD, usdc("15000"));
    const m = maxLiquidation(i);
    const toLiq = m.seized - protocolFee(m.seized, m.bonus, WETH_RISK.fee);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.liquidate([A, 0, USDC, WETH, m.repay, toLiq + 1n], { account: f.liquidator.account }),
      f.vault,
      "Vault_SeizedBelowMinimum",
      [toLiq, toLiq + 1n],
    );
  });
});

describe("Vault liquidation: bad debt", () => {
  it("a liquidation that takes all collateral writes the rest of the debt off: reserves first, then the supply index, with BadDebt", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator, tokens } = f;
    const { A, LQ } = who(f);
    const reserves = await usdcReservesFromFlashLoan(f, usdc("1000000")); // 500 USDC
    await openUnderwater(f, eth("10"), usdc("16000"), "1000");
    const i = wethVsUsdc(eth("10"), 1000n * WAD, usdc("16000"));
    const hf = healthFactor(i.w, i.d);
    assert.ok(hf <= capPoint(i.lt, i.maxBonus));
    const m = maxLiquidation(i);
    assert.equal(m.bonus, WETH_RISK.maxBonus, "at or below the cap point the bonus is the maximum");
    assert.equal(m.seized, eth("10"));
    assert.equal(m.repay, 9_302_325_582n); // ceil(10 * 1000 / 1.075) USDC
    const fee = protocolFee(eth("10"), m.bonus, WETH_RISK.fee);
    assert.equal(fee, 69_767_441_860_465_117n);
    const left = usdc("16000") - m.repay;
    const socialised = left - reserves;
    const totalShares = SUPPLIED_USDC; // one share per unit at index 1e18
    const newSupplyIndex = WAD - divUp(socialised * WAD, totalShares);

    const p = await vault.read.previewLiquidation([A, 0, USDC, WETH, m.repay, LQ]);
    assert.equal(p.badDebt, true);
    assert.equal(p.healthAfter, 0n);
    const weth0 = await tokens[WETH]!.read.balanceOf([LQ]);
    const tx = vault.write.liquidate([A, 0, USDC, WETH, usdc("16000"), 0n], { account: liquidator.account });
    await viem.assertions.emitWithArgs(tx, vault, "BadDebt", [A, 0, USDC, left, left, reserves, socialised]);
    await viem.assertions.emitWithArgs(tx, vault, "Liquidated", [A, 0, LQ, USDC, WETH, m.repay, m.repay, m.repay, eth("10"), fee, m.bonus, hf, 0n]);
    assert.equal(await tokens[WETH]!.read.balanceOf([LQ]), weth0 + eth("10") - fee);
    assert.deepEqual(await vault.read.positions([A, 0]), []);
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.reserves, 0n);
    assert.equal(s.supplyIndex, newSupplyIndex);
    assert.equal(s.totalBorrowShares, 0n);
    assert.equal(await vault.read.supplyBalance([USDC, f.lender.account.address]), (SUPPLIED_USDC * newSupplyIndex) / WAD);
  });

  it("when the liquidation takes the last collateral, every other debt of the account is written off too (one BadDebt per asset)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator } = f;
    const { A, LQ } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("10000"), A], { account: alice.account });
    await vault.write.borrow([A, 0, WBTC, btc("0.1"), A], { account: alice.account });
    await f.setPrice(WETH, "1000");
    const w = weighted(10_000n * WAD, 8250n, NO_SIZE_TIER, 8000n);
    const d = valueUp(usdc("10000"), WAD, 6) + valueUp(btc("0.1"), 60_000n * WAD, 8);
    const m = maxLiquidation({ ...wethVsUsdc(eth("10"), 1000n * WAD, usdc("10000")), w, d });
    assert.equal(m.seized, eth("10"));
    const left = usdc("10000") - m.repay;
    const p = await vault.read.previewLiquidation([A, 0, USDC, WETH, m.repay, LQ]);
    assert.equal(p.badDebt, true);
    const tx = vault.write.liquidate([A, 0, USDC, WETH, m.repay, 0n], { account: liquidator.account });
    await viem.assertions.emitWithArgs(tx, vault, "BadDebt", [A, 0, USDC, left, left, 0n, left]);
    await viem.assertions.emitWithArgs(tx, vault, "BadDebt", [A, 0, WBTC, btc("0.1"), btc("0.1"), 0n, btc("0.1")]);
    assert.deepEqual(await vault.read.positions([A, 0]), []);
    assert.equal((await vault.read.assetState([WBTC])).supplyIndex, WAD - divUp(btc("0.1") * WAD, 10_000_000n * 10n ** 8n));
    assert.equal((await vault.read.assetState([WBTC])).totalBorrowShares, 0n);
  });

  it("bad debt smaller than the reserves is covered by them alone and leaves the supply index at 1e18", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, liquidator } = f;
    const { A } = who(f);
    const reserves = await usdcReservesFromFlashLoan(f, usdc("10000000")); // 5000 USDC
    await openUnderwater(f, eth("10"), usdc("16000"), "1400");
    const m = maxLiquidation(wethVsUsdc(eth("10"), 1400n * WAD, usdc("16000")));
    const left = usdc("16000") - m.repay;
    assert.ok(left < reserves);
    await viem.assertions.emitWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("16000"), 0n], { account: liquidator.account }),
      vault,
      "BadDebt",
      [A, 0, USDC, left, left, left, 0n],
    );
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.reserves, reserves - left);
    assert.equal(s.supplyIndex, WAD);
  });

  it("settleBadDebt on an account whose collateral is worth < 1 USD sweeps it to reserves (DustSwept) and writes off every debt (BadDebt)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, carol } = f;
    const { A } = who(f);
    // 0.0004 WETH = 0.80 USD, ltv 80% => 0.64 USD of debt at most: 0.50 USDC + 100 sats of WBTC (0.06 USD)
    await vault.write.deposit([A, 0, WETH, eth("0.0004")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("0.5"), A], { account: alice.account });
    await vault.write.borrow([A, 0, WBTC, 100n, A], { account: alice.account });
    await f.setPrice(WETH, "1000");
    const wethReserves0 = (await vault.read.assetState([WETH])).reserves;
    const tx = vault.write.settleBadDebt([A, 0], { account: carol.account });
    await viem.assertions.emitWithArgs(tx, vault, "DustSwept", [A, 0, WETH, eth("0.0004")]);
    await viem.assertions.emitWithArgs(tx, vault, "BadDebt", [A, 0, USDC, usdc("0.5"), usdc("0.5"), 0n, usdc("0.5")]);
    await viem.assertions.emitWithArgs(tx, vault, "BadDebt", [A, 0, WBTC, 100n, 100n, 0n, 100n]);
    assert.deepEqual(await vault.read.positions([A, 0]), []);
    const sWeth = await vault.read.assetState([WETH]);
    assert.equal(sWeth.reserves, wethReserves0 + eth("0.0004"));
    assert.equal(sWeth.totalCollateral, 0n);
    const sUsdc = await vault.read.assetState([USDC]);
    assert.equal(sUsdc.supplyIndex, WAD - divUp(usdc("0.5") * WAD, SUPPLIED_USDC));
    assert.equal(sUsdc.totalBorrowShares, 0n);
    const sBtc = await vault.read.assetState([WBTC]);
    assert.equal(sBtc.supplyIndex, WAD - divUp(100n * WAD, 10_000_000n * 10n ** 8n));
  });

  it("settleBadDebt reverts Vault_NotBadDebt when the collateral is worth 1 USD or more, or there is no debt", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, carol } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("0.0005")], { account: alice.account }); // exactly 1 USD
    await vault.write.borrow([A, 0, USDC, usdc("0.5"), A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.settleBadDebt([A, 0], { account: carol.account }),
      vault,
      "Vault_NotBadDebt",
      [A, 0, usdWad("1"), usdWad("0.5")],
    );
    await vault.write.deposit([A, 1, WETH, eth("0.0001")], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.settleBadDebt([A, 1], { account: carol.account }),
      vault,
      "Vault_NotBadDebt",
      [A, 1, usdWad("0.2"), 0n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.settleBadDebt([A, 2], { account: carol.account }),
      vault,
      "Vault_NotBadDebt",
      [A, 2, 0n, 0n],
    );
  });

  it("settleBadDebt reverts Vault_NotBadDebt on a healthy account whose collateral is worth < 1 USD (its owner keeps it)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, carol } = f;
    const { A } = who(f);
    // 0.0004 WETH = 0.80 USD against 0.10 USDC: health factor 6.6, collateral under the 1 USD line
    await vault.write.deposit([A, 0, WETH, eth("0.0004")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("0.1"), A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.settleBadDebt([A, 0], { account: carol.account }),
      vault,
      "Vault_NotBadDebt",
      [A, 0, usdWad("0.8"), usdWad("0.1")],
    );
    assert.equal((await vault.read.positions([A, 0])).length, 2);
  });

  it("settleBadDebt reverts Vault_Paused while paused", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { A } = who(f);
    await f.vault.write.pause();
    await viem.assertions.revertWithCustomError(f.vault.write.settleBadDebt([A, 0]), f.vault, "Vault_Paused");
  });
});

describe("Vault liquidation: interest", () => {
  it("interest alone makes an account liquidatable after time travel, with no price move", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("1590"), A], { account: alice.account }); // shares = 1590e6 at index 1e18
    const w = weighted(2000n * WAD, 8250n, NO_SIZE_TIER, 8000n); // 1650 USD
    assert.equal((await vault.read.accountHealth([A, 0])).healthFactor, healthFactor(w, 1590n * WAD));
    // a flat 1e-8 per second (about 31.5% a year) from now on
    const base = 10_000_000_000n;
    const { timestamp: t0 } = await mined(f, vault.write.setRateModel([USDC, { baseRate: base, slope1: 0n, slope2: 0n, kink: WAD }]));
    await networkHelpers.time.increase(60 * 86_400);
    // refresh the (now stale) feeds at unchanged prices
    await f.setPrice(WETH, "2000");
    const { timestamp: t1 } = await mined(f, f.feeds[USDC]!.write.setAnswer([feedAnswer("1")]));
    const debt = debtOf(usdc("1590"), borrowIndexAt(WAD, base, t1 - t0));
    const hf = healthFactor(w, valueUp(debt, WAD, 6));
    assert.ok(hf < WAD, `expected liquidatable, hf ${hf}`);
    const h = await vault.read.accountHealth([A, 0]);
    assert.equal(h.debtValue, valueUp(debt, WAD, 6));
    assert.equal(h.healthFactor, hf);
    const [maxRepay] = await vault.read.maxLiquidation([A, 0, USDC, WETH]);
    assert.ok(maxRepay > 0n);
    await vault.write.liquidate([A, 0, USDC, WETH, maxRepay, 0n], { account: liquidator.account });
    assert.ok((await vault.read.accountHealth([A, 0])).healthFactor >= WAD);
  });
});

/**
 * Lenders: supply and redeem, supply shares and the supply index, interest accrual (InterestMath's
 * formulas recomputed here in bigint), the reserve factor and the kinked rate model.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { parseUnits } from "viem";
import { DEFAULT_RATE_MODEL, deployVault } from "../fixtures/vaultFixture.ts";
import {
  BPS,
  WAD,
  accrue,
  debtOf,
  rateFor,
  supplyOf,
  type InterestState,
  type RateModelIn,
} from "../fixtures/riskSpec.ts";
import {
  USDC,
  WETH,
  deployVaultNoInterest,
  fixtureParams,
  mined,
  type VaultFixture,
} from "../fixtures/vaultTestKit.ts";

const { networkHelpers, viem } = await network.create();

const eth = (s: string) => parseUnits(s, 18);
const usdc = (s: string) => parseUnits(s, 6);
const SUPPLIED = usdc("10000000"); // the fixture's lender liquidity per asset (USDC), one share per unit
const YEAR = 31_536_000n;
const MODEL: RateModelIn = DEFAULT_RATE_MODEL;

function who(f: VaultFixture) {
  return { A: f.address(f.alice.account.address), L: f.address(f.lender.account.address), C: f.address(f.carol.account.address) };
}

/** Alice borrows `amount` USDC against plenty of WETH; returns the block timestamp of the borrow. */
async function borrowUsdc(f: VaultFixture, amount: bigint): Promise<bigint> {
  const { A } = who(f);
  await f.vault.write.deposit([A, 0, WETH, eth("10000")], { account: f.alice.account });
  const { timestamp } = await mined(f, f.vault.write.borrow([A, 0, USDC, amount, A], { account: f.alice.account }));
  return timestamp;
}

/** USDC's interest state right after a first borrow of `borrowed` from the fixture's untouched pool. */
function stateAfterFirstBorrow(borrowed: bigint): InterestState {
  return {
    borrowIndex: WAD,
    supplyIndex: WAD,
    reserves: 0n,
    rate: rateFor(borrowed, SUPPLIED - borrowed, MODEL),
    totalBorrowShares: borrowed,
    totalSupplyShares: SUPPLIED,
  };
}

describe("Vault lenders: supply and redeem", () => {
  it("supply mints floor(amount * WAD / supplyIndex) shares to onBehalf, paid by the caller, and emits Supplied", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, tokens } = f;
    const { A, C } = who(f);
    const a0 = await tokens[WETH]!.read.balanceOf([A]);
    await viem.assertions.emitWithArgs(
      vault.write.supply([WETH, eth("12.5"), C], { account: alice.account }),
      vault,
      "Supplied",
      [C, WETH, eth("12.5"), eth("12.5")],
    );
    assert.equal(await tokens[WETH]!.read.balanceOf([A]), a0 - eth("12.5"));
    assert.equal(await vault.read.supplyShares([WETH, C]), eth("12.5"));
    assert.equal(await vault.read.supplyShares([WETH, A]), 0n);
    assert.equal(await vault.read.supplyBalance([WETH, C]), eth("12.5"));
    const s = await vault.read.assetState([WETH]);
    assert.equal(s.cash, eth("10000012.5"));
    assert.equal(s.totalSupplyShares, eth("10000012.5"));
  });

  it("redeem burns the caller's shares, sends floor(shares * supplyIndex / WAD) to `to` and emits Redeemed", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, lender, tokens } = f;
    const { L, C } = who(f);
    const c0 = await tokens[USDC]!.read.balanceOf([C]);
    await viem.assertions.emitWithArgs(
      vault.write.redeem([USDC, usdc("2500"), C], { account: lender.account }),
      vault,
      "Redeemed",
      [L, USDC, usdc("2500"), usdc("2500"), C],
    );
    assert.equal(await tokens[USDC]!.read.balanceOf([C]), c0 + usdc("2500"));
    assert.equal(await vault.read.supplyShares([USDC, L]), SUPPLIED - usdc("2500"));
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.cash, SUPPLIED - usdc("2500"));
    assert.equal(s.totalSupplyShares, SUPPLIED - usdc("2500"));
  });

  it("supply and redeem of 0 revert Vault_ZeroAmount; an unlisted asset reverts Vault_UnknownAsset", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, lender } = f;
    const { A } = who(f);
    await viem.assertions.revertWithCustomError(vault.write.supply([USDC, 0n, A], { account: alice.account }), vault, "Vault_ZeroAmount");
    await viem.assertions.revertWithCustomError(vault.write.redeem([USDC, 0n, A], { account: lender.account }), vault, "Vault_ZeroAmount");
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.supply([7, 1n, A], { account: alice.account }),
      vault,
      "Vault_UnknownAsset",
      [7n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.redeem([7, 1n, A], { account: lender.account }),
      vault,
      "Vault_UnknownAsset",
      [7n],
    );
  });

  it("redeem of more shares than the caller owns reverts Vault_InsufficientBalance", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, lender } = f;
    const { A } = who(f);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.redeem([USDC, SUPPLIED + 1n, A], { account: lender.account }),
      vault,
      "Vault_InsufficientBalance",
      [USDC, SUPPLIED, SUPPLIED + 1n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.redeem([USDC, 1n, A], { account: alice.account }),
      vault,
      "Vault_InsufficientBalance",
      [USDC, 0n, 1n],
    );
  });

  it("redeem of more than the idle cash (the rest is borrowed) reverts Vault_InsufficientLiquidity", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, lender } = f;
    const { L } = who(f);
    await borrowUsdc(f, usdc("6000000"));
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.redeem([USDC, SUPPLIED, L], { account: lender.account }),
      vault,
      "Vault_InsufficientLiquidity",
      [USDC, usdc("4000000"), SUPPLIED],
    );
    await vault.write.redeem([USDC, usdc("4000000"), L], { account: lender.account });
    assert.equal((await vault.read.assetState([USDC])).cash, 0n);
  });

  it("after interest raised the supply index, supply mints floor(amount * WAD / index) and one unit that buys no share reverts Vault_ZeroAmount", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault, alice } = f;
    const { A, C } = who(f);
    const borrowed = usdc("6000000");
    const t0 = await borrowUsdc(f, borrowed);
    const t1 = t0 + YEAR;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    const s1 = accrue(stateAfterFirstBorrow(borrowed), t1 - t0, 1000n);
    assert.ok(s1.supplyIndex > WAD);
    const amount = usdc("1000");
    const shares = (amount * WAD) / s1.supplyIndex;
    await viem.assertions.emitWithArgs(
      vault.write.supply([USDC, amount, C], { account: alice.account }),
      vault,
      "Supplied",
      [C, USDC, amount, shares],
    );
    assert.ok(shares < amount);
    await viem.assertions.revertWithCustomError(vault.write.supply([USDC, 1n, A], { account: alice.account }), vault, "Vault_ZeroAmount");
  });
});

describe("Vault lenders: interest", () => {
  it("one accrual after a year sets borrowIndex, supplyIndex and reserves by InterestMath's formulas and emits InterestAccrued", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault, alice } = f;
    const { A } = who(f);
    const borrowed = usdc("6000000");
    const t0 = await borrowUsdc(f, borrowed);
    const s0 = stateAfterFirstBorrow(borrowed);
    // 60% utilisation, below the 80% kink: base + slope1 * U / kink
    assert.equal(s0.rate, (MODEL.slope1 * ((borrowed * WAD) / SUPPLIED)) / MODEL.kink);
    assert.equal((await vault.read.assetState([USDC])).ratePerSecond, s0.rate);

    const t1 = t0 + YEAR;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    const s1 = accrue(s0, t1 - t0, 1000n);
    const debt1 = debtOf(borrowed, s1.borrowIndex);
    const interest = debt1 - borrowed;
    assert.equal(s1.reserves, (interest * 1000n) / BPS);
    assert.equal(s1.supplyIndex, WAD + ((interest - s1.reserves) * WAD) / SUPPLIED);
    const rate1 = rateFor(debt1, SUPPLIED - borrowed, MODEL);
    await viem.assertions.emitWithArgs(
      vault.write.accrueInterest([USDC], { account: alice.account }),
      vault,
      "InterestAccrued",
      [USDC, s1.borrowIndex, s1.supplyIndex, rate1, s1.reserves, t1],
    );
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.borrowIndex, s1.borrowIndex);
    assert.equal(s.supplyIndex, s1.supplyIndex);
    assert.equal(s.reserves, s1.reserves);
    assert.equal(s.ratePerSecond, rate1);
    assert.equal(s.lastAccrual, Number(t1));
    const pos = await vault.read.positions([A, 0]);
    assert.deepEqual(pos[1], { asset: USDC, isDebt: true, amount: debt1, shares: borrowed });
    assert.equal(await vault.read.supplyBalance([USDC, f.lender.account.address]), supplyOf(SUPPLIED, s1.supplyIndex));
  });

  it("interest compounds at each accrual: two accruals give two simple-interest steps with the rate re-fixed in between", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault } = f;
    const borrowed = usdc("7000000");
    const t0 = await borrowUsdc(f, borrowed);
    const s0 = stateAfterFirstBorrow(borrowed);
    const t1 = t0 + 100n * 86_400n;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    await vault.write.accrueInterest([USDC]);
    const s1 = accrue(s0, t1 - t0, 1000n);
    s1.rate = rateFor(debtOf(borrowed, s1.borrowIndex), SUPPLIED - borrowed, MODEL);
    const t2 = t1 + 200n * 86_400n;
    await networkHelpers.time.setNextBlockTimestamp(t2);
    await vault.write.accrueInterest([USDC]);
    const s2 = accrue(s1, t2 - t1, 1000n);
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.borrowIndex, s2.borrowIndex);
    assert.equal(s.supplyIndex, s2.supplyIndex);
    assert.equal(s.reserves, s2.reserves);
    // compounding: more than one simple-interest step over the same 300 days at the first rate
    assert.ok(s2.borrowIndex > accrue(s0, t2 - t0, 1000n).borrowIndex);
  });

  it("views accrue virtually: positions and supplyBalance grow with time without any transaction", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault } = f;
    const { A, L } = who(f);
    const borrowed = usdc("5000000");
    const t0 = await borrowUsdc(f, borrowed);
    await networkHelpers.time.increase(90 * 86_400);
    const now = (await f.publicClient.getBlock()).timestamp;
    const s = accrue(stateAfterFirstBorrow(borrowed), now - t0, 1000n);
    assert.equal((await vault.read.positions([A, 0]))[1]!.amount, debtOf(borrowed, s.borrowIndex));
    assert.equal(await vault.read.supplyBalance([USDC, L]), supplyOf(SUPPLIED, s.supplyIndex));
    const st = await vault.read.assetState([USDC]);
    assert.equal(st.borrowIndex, s.borrowIndex);
    assert.equal(st.reserves, s.reserves);
    assert.equal(st.lastAccrual, Number(t0), "the stored accrual time did not move");
  });

  it("lenders share the interest in proportion to their shares; redeeming everything pays principal plus interest", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault, carol } = f;
    const { L, C } = who(f);
    await vault.write.supply([USDC, usdc("5000000"), C], { account: carol.account });
    const total = SUPPLIED + usdc("5000000");
    const borrowed = usdc("9000000");
    const t0 = await borrowUsdc(f, borrowed);
    const s0: InterestState = {
      borrowIndex: WAD,
      supplyIndex: WAD,
      reserves: 0n,
      rate: rateFor(borrowed, total - borrowed, MODEL),
      totalBorrowShares: borrowed,
      totalSupplyShares: total,
    };
    const t1 = t0 + YEAR;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    await vault.write.accrueInterest([USDC]);
    const s1 = accrue(s0, t1 - t0, 1000n);
    const lenderBal = supplyOf(SUPPLIED, s1.supplyIndex);
    const carolBal = supplyOf(usdc("5000000"), s1.supplyIndex);
    assert.equal(await vault.read.supplyBalance([USDC, L]), lenderBal);
    assert.equal(await vault.read.supplyBalance([USDC, C]), carolBal);
    assert.ok(carolBal > usdc("5000000"));
    // carol redeems all her shares (cash suffices) for exactly what they are worth
    const c0 = await f.tokens[USDC]!.read.balanceOf([C]);
    await networkHelpers.time.setNextBlockTimestamp(t1 + 1n);
    const s2 = accrue({ ...s1, rate: rateFor(debtOf(borrowed, s1.borrowIndex), total - borrowed, MODEL) }, 1n, 1000n);
    await vault.write.redeem([USDC, usdc("5000000"), C], { account: carol.account });
    assert.equal(await f.tokens[USDC]!.read.balanceOf([C]), c0 + supplyOf(usdc("5000000"), s2.supplyIndex));
    assert.equal(await vault.read.supplyShares([USDC, C]), 0n);
  });

  it("the reserve factor sends floor(interest * reserveFactor / BPS) to reserves and the rest to the supply index", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault } = f;
    await vault.write.setAssetParams([USDC, fixtureParams(USDC, { reserveFactor: 5000 })]);
    const borrowed = usdc("6000000");
    const t0 = await borrowUsdc(f, borrowed);
    const t1 = t0 + YEAR;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    await vault.write.accrueInterest([USDC]);
    const s1 = accrue(stateAfterFirstBorrow(borrowed), t1 - t0, 5000n);
    const interest = debtOf(borrowed, s1.borrowIndex) - borrowed;
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.reserves, (interest * 5000n) / BPS);
    assert.equal(s.supplyIndex, WAD + ((interest - (interest * 5000n) / BPS) * WAD) / SUPPLIED);
  });

  it("with a 100% reserve factor lenders earn nothing and all interest goes to reserves", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault } = f;
    await vault.write.setAssetParams([USDC, fixtureParams(USDC, { reserveFactor: 10_000 })]);
    const borrowed = usdc("6000000");
    const t0 = await borrowUsdc(f, borrowed);
    const t1 = t0 + YEAR;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    await vault.write.accrueInterest([USDC]);
    const s1 = accrue(stateAfterFirstBorrow(borrowed), t1 - t0, 10_000n);
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.supplyIndex, WAD);
    assert.equal(s.reserves, debtOf(borrowed, s1.borrowIndex) - borrowed);
  });

  // Regression: setAssetParams once did not accrue before replacing reserveFactor, so the new factor was applied
  // retroactively to the interest earned since the last accrual (setRateModel does accrue first).
  it("a reserve factor change applies only to interest accrued after it", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault } = f;
    const borrowed = usdc("6000000");
    const t0 = await borrowUsdc(f, borrowed);
    const t1 = t0 + YEAR;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    // the first year's interest was earned under a 10% reserve factor
    await vault.write.setAssetParams([USDC, fixtureParams(USDC, { reserveFactor: 10_000 })]);
    const s1 = accrue(stateAfterFirstBorrow(borrowed), t1 - t0, 1000n);
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.reserves, s1.reserves);
    assert.equal(s.supplyIndex, s1.supplyIndex);
  });

  it("the rate is the base rate with no borrows, base + slope1 * U / kink below the kink, exactly base + slope1 at it, and adds slope2 * (U - kink) / (WAD - kink) above", async () => {
    const model: RateModelIn = { baseRate: 100_000_000n, slope1: 2_000_000_000n, slope2: 30_000_000_000n, kink: 800_000_000_000_000_000n };
    const cases: Array<[bigint, bigint]> = [
      [0n, model.baseRate],
      [usdc("4000000"), model.baseRate + (model.slope1 * ((4n * WAD) / 10n)) / model.kink],
      [usdc("8000000"), model.baseRate + model.slope1],
      [usdc("9500000"), model.baseRate + model.slope1 + (model.slope2 * ((95n * WAD) / 100n - model.kink)) / (WAD - model.kink)],
    ];
    for (const [borrowed, expected] of cases) {
      // borrow under the no-interest model (index stays 1e18), then switch the model on: it fixes the
      // rate from the utilisation borrowed / 10,000,000
      const f = await networkHelpers.loadFixture(deployVaultNoInterest);
      const { A } = who(f);
      if (borrowed > 0n) {
        await f.vault.write.deposit([A, 0, WETH, eth("10000")], { account: f.alice.account });
        await f.vault.write.borrow([A, 0, USDC, borrowed, A], { account: f.alice.account });
      }
      await f.vault.write.setRateModel([USDC, model]);
      assert.equal((await f.vault.read.assetState([USDC])).ratePerSecond, expected, `borrowed ${borrowed}`);
      assert.equal(expected, rateFor(borrowed, SUPPLIED - borrowed, model));
    }
  });

  it("every borrow, repay, supply and redeem accrues and then re-fixes the rate from the utilisation after it", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault, alice, lender } = f;
    const { A, L } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10000")], { account: alice.account });
    let s: InterestState = { borrowIndex: WAD, supplyIndex: WAD, reserves: 0n, rate: 0n, totalBorrowShares: 0n, totalSupplyShares: SUPPLIED };
    let cash = SUPPLIED;
    let last = (await vault.read.assetState([USDC])).lastAccrual;
    const step = async (hash: Promise<`0x${string}`>, apply: () => void) => {
      const { timestamp } = await mined(f, hash);
      s = accrue(s, timestamp - BigInt(last), 1000n);
      last = Number(timestamp);
      apply();
      s.rate = rateFor(debtOf(s.totalBorrowShares, s.borrowIndex), cash, MODEL);
      const st = await vault.read.assetState([USDC]);
      assert.equal(st.ratePerSecond, s.rate);
      assert.equal(st.borrowIndex, s.borrowIndex);
      assert.equal(st.supplyIndex, s.supplyIndex);
      assert.equal(st.reserves, s.reserves);
      assert.equal(st.cash, cash);
    };
    const borrow = usdc("3000000");
    await step(vault.write.borrow([A, 0, USDC, borrow, A], { account: alice.account }), () => {
      s.totalBorrowShares += (borrow * WAD + s.borrowIndex - 1n) / s.borrowIndex;
      cash -= borrow;
    });
    await networkHelpers.time.increase(86_400);
    const repay = usdc("1000000");
    await step(vault.write.repay([A, 0, USDC, repay], { account: alice.account }), () => {
      s.totalBorrowShares -= (repay * WAD) / s.borrowIndex;
      cash += repay;
    });
    await networkHelpers.time.increase(86_400);
    const sup = usdc("2000000");
    await step(vault.write.supply([USDC, sup, A], { account: alice.account }), () => {
      s.totalSupplyShares += (sup * WAD) / s.supplyIndex;
      cash += sup;
    });
    await networkHelpers.time.increase(86_400);
    const shares = usdc("9000000");
    await step(vault.write.redeem([USDC, shares, L], { account: lender.account }), () => {
      s.totalSupplyShares -= shares;
      cash -= supplyOf(shares, s.supplyIndex);
    });
  });

  it("accrueInterest of an unlisted asset reverts Vault_UnknownAsset", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.write.accrueInterest([3]), f.vault, "Vault_UnknownAsset", [3n]);
  });
});

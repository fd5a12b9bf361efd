/**
 * Sub-accounts: operators, deposit, withdraw, transferCollateral, borrow, repay, the per-account asset
 * limit, the collateral/debt exclusivity, margin checks, liquidity and caps.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { maxUint256, parseUnits } from "viem";
import type { NetworkConnection } from "hardhat/types/network";
import { DEFAULT_RATE_MODEL, NO_SIZE_TIER, deployVault } from "../fixtures/vaultFixture.ts";
import {
  WAD,
  borrowIndexAt,
  debtOf,
  healthFactor,
  rateFor,
  valueDown,
  valueUp,
  weighted,
} from "../fixtures/riskSpec.ts";
import {
  USDC,
  WBTC,
  WETH,
  deployVaultNoInterest,
  fixtureParams,
  listMockToken,
  mined,
  type VaultFixture,
} from "../fixtures/vaultTestKit.ts";

const { networkHelpers, viem } = await network.create();

const eth = (s: string) => parseUnits(s, 18);
const usdc = (s: string) => parseUnits(s, 6);
const btc = (s: string) => parseUnits(s, 8);
const P_USDC = WAD;
const P_WBTC = 60_000n * WAD;
const P_WETH = 2_000n * WAD;

/** 14 more $1 tokens (17 assets in all), so one sub-account can try to hold a 17th asset. */
async function deployManyAssets(connection: NetworkConnection) {
  const f = await deployVaultNoInterest(connection);
  const extra = [];
  for (let i = 0; i < 14; i++) extra.push(await listMockToken(f, `X${i}`, 18, "1"));
  const last = extra[extra.length - 1]!;
  await f.vault.write.supply([last.asset, eth("1000"), f.lender.account.address], { account: f.lender.account });
  return { ...f, extra };
}

function who(f: VaultFixture) {
  return { A: f.address(f.alice.account.address), B: f.address(f.bob.account.address), C: f.address(f.carol.account.address) };
}

describe("Vault accounts: operators", () => {
  it("setOperator records the approval, emits OperatorSet, and revoking clears it", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { A, B } = who(f);
    await viem.assertions.emitWithArgs(
      f.vault.write.setOperator([B, true], { account: f.alice.account }),
      f.vault,
      "OperatorSet",
      [A, B, true],
    );
    assert.equal(await f.vault.read.isOperator([A, B]), true);
    assert.equal(await f.vault.read.isOperator([B, A]), false, "approval is one-way");
    await viem.assertions.emitWithArgs(
      f.vault.write.setOperator([B, false], { account: f.alice.account }),
      f.vault,
      "OperatorSet",
      [A, B, false],
    );
    assert.equal(await f.vault.read.isOperator([A, B]), false);
  });

  it("an approved operator deposits (paying itself), transfers, borrows, withdraws and repays for the owner", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob, tokens } = f;
    const { A, B } = who(f);
    await vault.write.setOperator([B, true], { account: alice.account });
    const weth = tokens[WETH]!;
    const usdcT = tokens[USDC]!;

    const aliceWeth0 = await weth.read.balanceOf([A]);
    const bobWeth0 = await weth.read.balanceOf([B]);
    await viem.assertions.emitWithArgs(
      vault.write.deposit([A, 0, WETH, eth("10")], { account: bob.account }),
      vault,
      "Deposited",
      [A, 0, WETH, eth("10"), B],
    );
    assert.equal(await weth.read.balanceOf([B]), bobWeth0 - eth("10"), "the operator paid the deposit");
    assert.equal(await weth.read.balanceOf([A]), aliceWeth0);

    await vault.write.transferCollateral([A, 0, 1, WETH, eth("1")], { account: bob.account });
    const bobUsdc0 = await usdcT.read.balanceOf([B]);
    await vault.write.borrow([A, 0, USDC, usdc("1000"), B], { account: bob.account });
    assert.equal(await usdcT.read.balanceOf([B]), bobUsdc0 + usdc("1000"), "borrowed funds went to `to`");
    await vault.write.withdraw([A, 1, WETH, eth("1"), B], { account: bob.account });
    assert.equal(await weth.read.balanceOf([B]), bobWeth0 - eth("9"));
    await vault.write.repay([A, 0, USDC, usdc("1000")], { account: bob.account });

    const pos = await vault.read.positions([A, 0]);
    assert.deepEqual(pos, [{ asset: WETH, isDebt: false, amount: eth("9"), shares: 0n }]);
    assert.deepEqual(await vault.read.positions([A, 1]), []);
  });

  it("a non-operator is rejected with Vault_NotOwnerOrOperator by deposit, withdraw, transferCollateral and borrow", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    const calls = [
      () => vault.write.deposit([A, 0, WETH, eth("1")], { account: bob.account }),
      () => vault.write.withdraw([A, 0, WETH, eth("1"), B], { account: bob.account }),
      () => vault.write.transferCollateral([A, 0, 1, WETH, eth("1")], { account: bob.account }),
      () => vault.write.borrow([A, 0, USDC, usdc("1"), B], { account: bob.account }),
    ];
    for (const call of calls) {
      await viem.assertions.revertWithCustomErrorWithArgs(call(), vault, "Vault_NotOwnerOrOperator", [A, B]);
    }
  });

  it("a revoked operator is rejected, and an operator of one owner cannot act for another", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B, C } = who(f);
    await vault.write.setOperator([B, true], { account: alice.account });
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: bob.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([C, 0, WETH, eth("1")], { account: bob.account }),
      vault,
      "Vault_NotOwnerOrOperator",
      [C, B],
    );
    await vault.write.setOperator([B, false], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdraw([A, 0, WETH, eth("1"), B], { account: bob.account }),
      vault,
      "Vault_NotOwnerOrOperator",
      [A, B],
    );
  });
});

describe("Vault accounts: deposit and withdraw", () => {
  it("deposit pulls the tokens, credits the sub-account and totalCollateral, and emits Deposited", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, tokens } = f;
    const { A } = who(f);
    const before = await tokens[WETH]!.read.balanceOf([vault.address]);
    await viem.assertions.emitWithArgs(
      vault.write.deposit([A, 7, WETH, eth("3")], { account: alice.account }),
      vault,
      "Deposited",
      [A, 7, WETH, eth("3"), A],
    );
    await vault.write.deposit([A, 7, WETH, eth("2")], { account: alice.account });
    assert.equal(await tokens[WETH]!.read.balanceOf([vault.address]), before + eth("5"));
    assert.deepEqual(await vault.read.positions([A, 7]), [{ asset: WETH, isDebt: false, amount: eth("5"), shares: 0n }]);
    assert.deepEqual(await vault.read.positions([A, 0]), [], "other sub-accounts are untouched");
    assert.equal((await vault.read.assetState([WETH])).totalCollateral, eth("5"));
  });

  it("deposit of 0 reverts Vault_ZeroAmount and of an unlisted asset id reverts Vault_UnknownAsset", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await viem.assertions.revertWithCustomError(
      vault.write.deposit([A, 0, WETH, 0n], { account: alice.account }),
      vault,
      "Vault_ZeroAmount",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([A, 0, 3, 1n], { account: alice.account }),
      vault,
      "Vault_UnknownAsset",
      [3n],
    );
  });

  it("withdraw sends collateral to `to`, removes an emptied position and emits Withdrawn", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, tokens } = f;
    const { A, C } = who(f);
    await vault.write.deposit([A, 0, USDC, usdc("100")], { account: alice.account });
    await vault.write.deposit([A, 0, WBTC, btc("1")], { account: alice.account });
    await vault.write.deposit([A, 0, WETH, eth("2")], { account: alice.account });
    const carol0 = await tokens[USDC]!.read.balanceOf([C]);
    await viem.assertions.emitWithArgs(
      vault.write.withdraw([A, 0, USDC, usdc("100"), C], { account: alice.account }),
      vault,
      "Withdrawn",
      [A, 0, USDC, usdc("100"), C],
    );
    assert.equal(await tokens[USDC]!.read.balanceOf([C]), carol0 + usdc("100"));
    await vault.write.withdraw([A, 0, WETH, eth("0.5"), A], { account: alice.account });
    const pos = [...(await vault.read.positions([A, 0]))].sort((x, y) => x.asset - y.asset);
    assert.deepEqual(pos, [
      { asset: WBTC, isDebt: false, amount: btc("1"), shares: 0n },
      { asset: WETH, isDebt: false, amount: eth("1.5"), shares: 0n },
    ]);
    assert.equal((await vault.read.assetState([USDC])).totalCollateral, 0n);
  });

  it("withdraw of more than the balance, or of an asset not held, reverts Vault_InsufficientBalance", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("2")], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdraw([A, 0, WETH, eth("2") + 1n, A], { account: alice.account }),
      vault,
      "Vault_InsufficientBalance",
      [WETH, eth("2"), eth("2") + 1n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdraw([A, 0, WBTC, 5n, A], { account: alice.account }),
      vault,
      "Vault_InsufficientBalance",
      [WBTC, 0n, 5n],
    );
    await viem.assertions.revertWithCustomError(
      vault.write.withdraw([A, 0, WETH, 0n, A], { account: alice.account }),
      vault,
      "Vault_ZeroAmount",
    );
  });

  it("withdraw that would leave the account below initial margin reverts Vault_InsufficientMargin; exactly at it succeeds", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("8000"), A], { account: alice.account });
    const debt = valueUp(usdc("8000"), P_USDC, 6);
    const left = eth("5") - 1n;
    const imv = weighted(valueDown(left, P_WETH, 18), 8000n, NO_SIZE_TIER, 8000n);
    assert.ok(imv < debt);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdraw([A, 0, WETH, eth("5") + 1n, A], { account: alice.account }),
      vault,
      "Vault_InsufficientMargin",
      [A, 0, imv, debt],
    );
    // 5 WETH left is worth 10000 USD, 8000 USD at 80% ltv: exactly the debt
    await vault.write.withdraw([A, 0, WETH, eth("5"), A], { account: alice.account });
    const h = await vault.read.accountHealth([A, 0]);
    assert.equal(h.initialMarginValue, h.debtValue);
  });
});

describe("Vault accounts: transferCollateral", () => {
  it("moves collateral between two sub-accounts of the owner and emits CollateralTransferred", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("4")], { account: alice.account });
    await viem.assertions.emitWithArgs(
      vault.write.transferCollateral([A, 0, 255, WETH, eth("1")], { account: alice.account }),
      vault,
      "CollateralTransferred",
      [A, 0, 255, WETH, eth("1")],
    );
    assert.deepEqual(await vault.read.positions([A, 0]), [{ asset: WETH, isDebt: false, amount: eth("3"), shares: 0n }]);
    assert.deepEqual(await vault.read.positions([A, 255]), [{ asset: WETH, isDebt: false, amount: eth("1"), shares: 0n }]);
    assert.equal((await vault.read.assetState([WETH])).totalCollateral, eth("4"), "the total does not change");
  });

  it("transferCollateral that leaves the source below initial margin reverts Vault_InsufficientMargin", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("8000"), A], { account: alice.account });
    const imv = weighted(valueDown(eth("5") - 1n, P_WETH, 18), 8000n, NO_SIZE_TIER, 8000n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.transferCollateral([A, 0, 1, WETH, eth("5") + 1n], { account: alice.account }),
      vault,
      "Vault_InsufficientMargin",
      [A, 0, imv, 8000n * WAD],
    );
    await vault.write.transferCollateral([A, 0, 1, WETH, eth("5")], { account: alice.account });
  });

  it("transferCollateral reverts Vault_ZeroAmount for 0, Vault_InsufficientBalance beyond the balance and Vault_CollateralDebtConflict into a sub-account that owes the asset", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, USDC, usdc("500")], { account: alice.account });
    await vault.write.deposit([A, 1, WETH, eth("1")], { account: alice.account });
    await vault.write.borrow([A, 1, USDC, usdc("100"), A], { account: alice.account });
    await viem.assertions.revertWithCustomError(
      vault.write.transferCollateral([A, 0, 1, USDC, 0n], { account: alice.account }),
      vault,
      "Vault_ZeroAmount",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.transferCollateral([A, 0, 2, USDC, usdc("501")], { account: alice.account }),
      vault,
      "Vault_InsufficientBalance",
      [USDC, usdc("500"), usdc("501")],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.transferCollateral([A, 0, 1, USDC, usdc("1")], { account: alice.account }),
      vault,
      "Vault_CollateralDebtConflict",
      [A, 1, USDC],
    );
  });
});

describe("Vault accounts: borrow", () => {
  it("borrow sends the amount to `to`, adds ceil(amount * WAD / borrowIndex) shares, lowers cash and emits Borrowed", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, tokens } = f;
    const { A, C } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    const cash0 = (await vault.read.assetState([USDC])).cash;
    const carol0 = await tokens[USDC]!.read.balanceOf([C]);
    const { timestamp } = await mined(f, vault.write.borrow([A, 0, USDC, usdc("1234.5"), C], { account: alice.account }));
    assert.equal(await tokens[USDC]!.read.balanceOf([C]), carol0 + usdc("1234.5"));
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.cash, cash0 - usdc("1234.5"));
    assert.equal(s.totalBorrowShares, usdc("1234.5"), "index 1e18: one share per unit");
    assert.equal(await vault.read.checkedAt([A, 0]), timestamp, "the passed margin check is recorded");
    const pos = await vault.read.positions([A, 0]);
    assert.deepEqual(pos[1], { asset: USDC, isDebt: true, amount: usdc("1234.5"), shares: usdc("1234.5") });
  });

  it("borrow emits Borrowed with the amount, the shares and the recipient", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A, B } = who(f);
    await vault.write.deposit([A, 2, WETH, eth("1")], { account: alice.account });
    await viem.assertions.emitWithArgs(
      vault.write.borrow([A, 2, USDC, usdc("10"), B], { account: alice.account }),
      vault,
      "Borrowed",
      [A, 2, USDC, usdc("10"), usdc("10"), B],
    );
  });

  it("borrow up to exactly the initial margin succeeds; one unit more reverts Vault_InsufficientMargin", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    const imv = weighted(valueDown(eth("1"), P_WETH, 18), 8000n, NO_SIZE_TIER, 8000n); // 1600 USD
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.borrow([A, 0, USDC, usdc("1600") + 1n, A], { account: alice.account }),
      vault,
      "Vault_InsufficientMargin",
      [A, 0, imv, valueUp(usdc("1600") + 1n, P_USDC, 6)],
    );
    await vault.write.borrow([A, 0, USDC, usdc("1600"), A], { account: alice.account });
    const h = await vault.read.accountHealth([A, 0]);
    assert.equal(h.initialMarginValue, 1600n * WAD);
    assert.equal(h.debtValue, 1600n * WAD);
  });

  it("borrow with no collateral at all reverts Vault_InsufficientMargin with zero margin", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { A } = who(f);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.borrow([A, 0, WETH, 1n, A], { account: f.alice.account }),
      f.vault,
      "Vault_InsufficientMargin",
      [A, 0, 0n, valueUp(1n, P_WETH, 18)],
    );
  });

  it("borrow of 0 reverts Vault_ZeroAmount; above idle cash reverts Vault_InsufficientLiquidity", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10000")], { account: alice.account });
    await viem.assertions.revertWithCustomError(
      vault.write.borrow([A, 0, USDC, 0n, A], { account: alice.account }),
      vault,
      "Vault_ZeroAmount",
    );
    const cash = usdc("10000000");
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.borrow([A, 0, USDC, cash + 1n, A], { account: alice.account }),
      vault,
      "Vault_InsufficientLiquidity",
      [USDC, cash, cash + 1n],
    );
    await vault.write.borrow([A, 0, USDC, cash, A], { account: alice.account });
    assert.equal((await vault.read.assetState([USDC])).cash, 0n);
  });

  it("borrowing an asset the sub-account holds as collateral reverts Vault_CollateralDebtConflict", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.borrow([A, 0, WETH, eth("1"), A], { account: alice.account }),
      vault,
      "Vault_CollateralDebtConflict",
      [A, 0, WETH],
    );
  });

  it("depositing an asset the sub-account owes reverts Vault_CollateralDebtConflict, while another sub-account may hold it", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("100"), A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([A, 0, USDC, usdc("100")], { account: alice.account }),
      vault,
      "Vault_CollateralDebtConflict",
      [A, 0, USDC],
    );
    await vault.write.deposit([A, 1, USDC, usdc("100")], { account: alice.account });
  });

  it("a second borrow of the same asset adds shares to the one debt position", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("100"), A], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("50"), A], { account: alice.account });
    const pos = await vault.read.positions([A, 0]);
    assert.equal(pos.length, 2);
    assert.deepEqual(pos[1], { asset: USDC, isDebt: true, amount: usdc("150"), shares: usdc("150") });
  });
});

describe("Vault accounts: repay", () => {
  it("a partial repay burns floor(amount * WAD / index) shares, takes the amount from the payer and emits Repaid", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, tokens } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("1000"), A], { account: alice.account });
    const bal0 = await tokens[USDC]!.read.balanceOf([A]);
    await viem.assertions.emitWithArgs(
      vault.write.repay([A, 0, USDC, usdc("400")], { account: alice.account }),
      vault,
      "Repaid",
      [A, 0, USDC, usdc("400"), usdc("400"), A],
    );
    assert.equal(await tokens[USDC]!.read.balanceOf([A]), bal0 - usdc("400"));
    const pos = await vault.read.positions([A, 0]);
    assert.deepEqual(pos[1], { asset: USDC, isDebt: true, amount: usdc("600"), shares: usdc("600") });
    assert.equal((await vault.read.assetState([USDC])).cash, usdc("10000000") - usdc("600"));
  });

  it("anyone may repay someone else's debt, paying it themselves", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, carol, tokens } = f;
    const { A, C } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("1000"), A], { account: alice.account });
    const c0 = await tokens[USDC]!.read.balanceOf([C]);
    await viem.assertions.emitWithArgs(
      vault.write.repay([A, 0, USDC, usdc("250")], { account: carol.account }),
      vault,
      "Repaid",
      [A, 0, USDC, usdc("250"), usdc("250"), C],
    );
    assert.equal(await tokens[USDC]!.read.balanceOf([C]), c0 - usdc("250"));
  });

  it("repay of more than owed takes only the debt and closes the position", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, tokens } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("1000"), A], { account: alice.account });
    const { result } = await vault.simulate.repay([A, 0, USDC, usdc("5000")], { account: alice.account.address });
    assert.equal(result, usdc("1000"));
    const bal0 = await tokens[USDC]!.read.balanceOf([A]);
    await vault.write.repay([A, 0, USDC, usdc("5000")], { account: alice.account });
    assert.equal(await tokens[USDC]!.read.balanceOf([A]), bal0 - usdc("1000"));
    assert.deepEqual(await vault.read.positions([A, 0]), [{ asset: WETH, isDebt: false, amount: eth("10"), shares: 0n }]);
    assert.equal((await vault.read.assetState([USDC])).totalBorrowShares, 0n);
  });

  it("repay with type(uint256).max repays the whole debt including the interest accrued to that second", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault, alice, tokens } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    const supplied = usdc("10000000");
    const borrowed = usdc("1000");
    const { timestamp: t0 } = await mined(f, vault.write.borrow([A, 0, USDC, borrowed, A], { account: alice.account }));
    // the borrow fixed the rate from utilisation borrowed / supplied (cash = supplied - borrowed)
    const rate = rateFor(borrowed, supplied - borrowed, DEFAULT_RATE_MODEL);
    const t1 = t0 + 30n * 86_400n;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    const owed = debtOf(borrowed, borrowIndexAt(WAD, rate, t1 - t0));
    assert.ok(owed > borrowed);
    const bal0 = await tokens[USDC]!.read.balanceOf([A]);
    await viem.assertions.emitWithArgs(
      vault.write.repay([A, 0, USDC, maxUint256], { account: alice.account }),
      vault,
      "Repaid",
      [A, 0, USDC, owed, borrowed, A],
    );
    assert.equal(await tokens[USDC]!.read.balanceOf([A]), bal0 - owed);
    assert.equal((await vault.read.positions([A, 0])).length, 1);
  });

  it("repay reverts Vault_ZeroAmount for 0 and Vault_NoSuchPosition with no debt in that asset (also for a collateral asset)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await viem.assertions.revertWithCustomError(
      vault.write.repay([A, 0, USDC, 0n], { account: alice.account }),
      vault,
      "Vault_ZeroAmount",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.repay([A, 0, USDC, 1n], { account: alice.account }),
      vault,
      "Vault_NoSuchPosition",
      [A, 0, USDC],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.repay([A, 0, WETH, 1n], { account: alice.account }),
      vault,
      "Vault_NoSuchPosition",
      [A, 0, WETH],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.repay([A, 0, 9, 1n], { account: alice.account }),
      vault,
      "Vault_UnknownAsset",
      [9n],
    );
  });
});

describe("Vault accounts: asset limit per sub-account", () => {
  it("a 17th distinct asset in one sub-account reverts Vault_TooManyPositions on deposit and on borrow", async () => {
    const f = await networkHelpers.loadFixture(deployManyAssets);
    const { vault, alice, extra } = f;
    const { A } = who(f);
    assert.equal(await vault.read.assetCount(), 17n);
    // 16 collaterals: the 3 fixture assets and 13 of the extra tokens
    await vault.write.deposit([A, 0, USDC, usdc("1000")], { account: alice.account });
    await vault.write.deposit([A, 0, WBTC, btc("1")], { account: alice.account });
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    for (const x of extra.slice(0, 13)) await vault.write.deposit([A, 0, x.asset, eth("10")], { account: alice.account });
    assert.equal((await vault.read.positions([A, 0])).length, 16);
    const last = extra[13]!.asset;
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([A, 0, last, eth("1")], { account: alice.account }),
      vault,
      "Vault_TooManyPositions",
      [A, 0, 16n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.borrow([A, 0, last, eth("1"), A], { account: alice.account }),
      vault,
      "Vault_TooManyPositions",
      [A, 0, 16n],
    );
    // adding to an asset already held is not a new position
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    // emptying a position frees its slot
    await vault.write.withdraw([A, 0, USDC, usdc("1000"), A], { account: alice.account });
    await vault.write.borrow([A, 0, last, eth("1"), A], { account: alice.account });
    const pos = await vault.read.positions([A, 0]);
    assert.equal(pos.length, 16);
    assert.deepEqual(
      pos.find((p) => p.asset === last),
      { asset: last, isDebt: true, amount: eth("1"), shares: eth("1") },
    );
    assert.equal(pos.filter((p) => p.asset === USDC).length, 0);
  });
});

describe("Vault accounts: caps", () => {
  it("a deposit past the collateral cap reverts Vault_CapExceeded('collateral'); up to the cap succeeds", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    const cap = eth("100");
    await vault.write.setAssetParams([WETH, fixtureParams(WETH, { collateralCap: cap })]);
    await vault.write.deposit([A, 0, WETH, eth("60")], { account: alice.account });
    await vault.write.deposit([B, 3, WETH, eth("40")], { account: bob.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([A, 1, WETH, 1n], { account: alice.account }),
      vault,
      "Vault_CapExceeded",
      [WETH, "collateral", cap],
    );
    await vault.write.withdraw([A, 0, WETH, 1n, A], { account: alice.account });
    await vault.write.deposit([A, 1, WETH, 1n], { account: alice.account });
  });

  it("a supply past the supply cap reverts Vault_CapExceeded('supply'); up to the cap succeeds", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    const cap = eth("10000100"); // the lender supplied 10,000,000
    await vault.write.setAssetParams([WETH, fixtureParams(WETH, { supplyCap: cap })]);
    await vault.write.supply([WETH, eth("100"), A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.supply([WETH, 1n, A], { account: alice.account }),
      vault,
      "Vault_CapExceeded",
      [WETH, "supply", cap],
    );
  });

  it("a borrow past the borrow cap reverts Vault_CapExceeded('borrow'); up to the cap succeeds", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    const cap = usdc("1000");
    await vault.write.setAssetParams([USDC, fixtureParams(USDC, { borrowCap: cap })]);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.deposit([B, 0, WETH, eth("10")], { account: bob.account });
    await vault.write.borrow([A, 0, USDC, usdc("600"), A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.borrow([B, 0, USDC, usdc("400") + 1n, B], { account: bob.account }),
      vault,
      "Vault_CapExceeded",
      [USDC, "borrow", cap],
    );
    await vault.write.borrow([B, 0, USDC, usdc("400"), B], { account: bob.account });
  });
  it("a deposit that would push totalCollateral past 2^128 - 1 reverts SafeCastOverflowedUintDowncast (amounts must stay below 2^128)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, core, alice, tokens } = f;
    const { A } = who(f);
    const huge = 2n ** 128n;
    await tokens[WETH]!.write.mint([A, huge]);
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([A, 0, WETH, huge - eth("1")], { account: alice.account }),
      core,
      "SafeCastOverflowedUintDowncast",
      [128, huge],
    );
  });
});

describe("Vault accounts: health views", () => {
  it("accountHealth sums values down, weights by LT and ltv with the size tier, and debt up", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    const S = 10_000n * WAD;
    await vault.write.setAssetParams([WETH, fixtureParams(WETH, { sizeThreshold: S, sizeFactor: 8000 })]);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.deposit([A, 0, WBTC, btc("0.12345678")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("12345.678901"), A], { account: alice.account });
    const vEth = valueDown(eth("10"), P_WETH, 18);
    const vBtc = valueDown(btc("0.12345678"), P_WBTC, 8);
    const w = weighted(vEth, 8250n, S, 8000n) + weighted(vBtc, 7500n, NO_SIZE_TIER, 8000n);
    const im = weighted(vEth, 8000n, S, 8000n) + weighted(vBtc, 7000n, NO_SIZE_TIER, 8000n);
    const d = valueUp(usdc("12345.678901"), P_USDC, 6);
    // the size tier: 10,000 USD at 82.5% and 10,000 USD at 82.5% * 80%
    assert.equal(weighted(vEth, 8250n, S, 8000n), 8250n * WAD + 6600n * WAD);
    const h = await vault.read.accountHealth([A, 0]);
    assert.deepEqual(h, {
      collateralValue: vEth + vBtc,
      weightedCollateral: w,
      initialMarginValue: im,
      debtValue: d,
      healthFactor: healthFactor(w, d),
    });
  });

  it("accountsHealth returns one health per (owner, subId) and max health without debt; mismatched lengths revert Vault_InvalidParams", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("1000"), A], { account: alice.account });
    await vault.write.deposit([B, 4, WBTC, btc("1")], { account: bob.account });
    const hs = await vault.read.accountsHealth([[A, B, B], [0, 4, 5]]);
    assert.equal(hs.length, 3);
    assert.equal(hs[0]!.healthFactor, healthFactor(1650n * WAD, 1000n * WAD));
    assert.equal(hs[1]!.healthFactor, maxUint256);
    assert.equal(hs[1]!.collateralValue, 60_000n * WAD);
    assert.deepEqual(hs[2], { collateralValue: 0n, weightedCollateral: 0n, initialMarginValue: 0n, debtValue: 0n, healthFactor: maxUint256 });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.read.accountsHealth([[A, B], [0]]),
      vault,
      "Vault_InvalidParams",
      ["owners.length != subIds.length"],
    );
  });
});

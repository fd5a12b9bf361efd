/**
 * Tokens: USDT-like tokens that return nothing, tokens that return false, tokens that revert (blocked),
 * fee-on-transfer tokens (rejected with Vault_TransferShortfall), and tokens with 0 and 2 decimals.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { maxUint256, parseAbi, parseUnits, type Address } from "viem";
import type { NetworkConnection } from "hardhat/types/network";
import { NO_SIZE_TIER, assetParams, feedAnswer } from "../fixtures/vaultFixture.ts";
import { WAD, healthFactor, valueDown, valueUp, weighted } from "../fixtures/riskSpec.ts";
import { USDC, WETH, ZERO_RATE_MODEL, deployVaultNoInterest, listMockToken, type VaultFixture } from "../fixtures/vaultTestKit.ts";

const { networkHelpers, viem } = await network.create();

const eth = (s: string) => parseUnits(s, 18);
const usdc = (s: string) => parseUnits(s, 6);

function who(f: VaultFixture) {
  return { A: f.address(f.alice.account.address), B: f.address(f.bob.account.address), L: f.address(f.lender.account.address) };
}

/** List `token` (6 decimals, 1 USD, no interest) as asset 3, fund and approve every wallet, and supply 1,000,000 from the lender. */
const TOKEN_ABI = parseAbi(["function mint(address to, uint256 amount)", "function approve(address spender, uint256 amount)"]);

/** List `token` (6 decimals, 1 USD, no interest) as asset 3, fund and approve every wallet, and supply 1,000,000 from the lender. */
async function listHostile(f: VaultFixture, token: Address) {
  const feed = await f.viem.deployContract("MockAggregator", [8, feedAnswer("1"), "T / USD"]);
  await f.vault.write.listAsset([token, feed.address, assetParams({ ltv: 8500, liquidationThreshold: 8800, maxBonus: 40_000_000_000_000_000n }), ZERO_RATE_MODEL]);
  for (const w of f.wallets.slice(0, 6)) {
    await w.writeContract({ address: token, abi: TOKEN_ABI, functionName: "mint", args: [w.account.address, usdc("100000000")] });
    await w.writeContract({ address: token, abi: TOKEN_ABI, functionName: "approve", args: [f.vault.address, maxUint256] });
  }
  await f.vault.write.supply([3, usdc("1000000"), f.lender.account.address], { account: f.lender.account });
  return { feed, asset: 3 };
}

async function deployWithNoReturn(connection: NetworkConnection) {
  const f = await deployVaultNoInterest(connection);
  const token = await f.viem.deployContract("NoReturnToken", ["Tether", "USDT", 6]);
  const { asset } = await listHostile(f, token.address);
  return { ...f, t: token, asset };
}

async function deployWithFalseReturn(connection: NetworkConnection) {
  const f = await deployVaultNoInterest(connection);
  const token = await f.viem.deployContract("FalseReturnToken", ["False", "FALSE", 6]);
  const { asset } = await listHostile(f, token.address);
  return { ...f, t: token, asset };
}

async function deployWithReverting(connection: NetworkConnection) {
  const f = await deployVaultNoInterest(connection);
  const token = await f.viem.deployContract("RevertingToken", ["Blockable", "BLK", 6]);
  const { asset, feed } = await listHostile(f, token.address);
  return { ...f, t: token, asset, tFeed: feed };
}

async function deployWithFeeOnTransfer(connection: NetworkConnection) {
  const f = await deployVaultNoInterest(connection);
  const token = await f.viem.deployContract("FeeOnTransferToken", ["Fee", "FEE", 6, 0n]);
  const { asset } = await listHostile(f, token.address);
  return { ...f, t: token, asset };
}

describe("Vault tokens: no return value (USDT-like)", () => {
  it("deposit, withdraw, borrow, repay, supply and redeem work with a token whose transfers return nothing", async () => {
    const f = await networkHelpers.loadFixture(deployWithNoReturn);
    const { vault, alice, bob, lender, t, asset } = f;
    const { A, B, L } = who(f);
    const a0 = await t.read.balanceOf([A]);
    await vault.write.deposit([A, 0, asset, usdc("1000")], { account: alice.account });
    assert.equal(await t.read.balanceOf([A]), a0 - usdc("1000"));
    await vault.write.withdraw([A, 0, asset, usdc("400"), A], { account: alice.account });
    assert.equal(await t.read.balanceOf([A]), a0 - usdc("600"));
    assert.deepEqual(await vault.read.positions([A, 0]), [{ asset, isDebt: false, amount: usdc("600"), shares: 0n }]);

    await vault.write.deposit([B, 0, WETH, eth("1")], { account: bob.account });
    const b0 = await t.read.balanceOf([B]);
    await vault.write.borrow([B, 0, asset, usdc("1000"), B], { account: bob.account });
    assert.equal(await t.read.balanceOf([B]), b0 + usdc("1000"));
    await vault.write.repay([B, 0, asset, maxUint256], { account: bob.account });
    assert.equal(await t.read.balanceOf([B]), b0);
    assert.equal((await vault.read.positions([B, 0])).length, 1);

    const l0 = await t.read.balanceOf([L]);
    await vault.write.redeem([asset, usdc("1000000"), L], { account: lender.account });
    assert.equal(await t.read.balanceOf([L]), l0 + usdc("1000000"));
  });
});

describe("Vault tokens: false return value", () => {
  it("with transfers returning false, every inbound and outbound move reverts SafeERC20FailedOperation(token)", async () => {
    const f = await networkHelpers.loadFixture(deployWithFalseReturn);
    const { vault, core, alice, bob, lender, t, asset } = f;
    const { A, B, L } = who(f);
    // positions to act on, made while transfers work
    await vault.write.deposit([A, 0, asset, usdc("1000")], { account: alice.account });
    await vault.write.deposit([B, 0, WETH, eth("1")], { account: bob.account });
    await vault.write.borrow([B, 0, asset, usdc("100"), B], { account: bob.account });
    await t.write.setFailTransfers([true]);
    const token = f.address(t.address);
    const calls = [
      () => vault.write.deposit([A, 0, asset, usdc("1")], { account: alice.account }),
      () => vault.write.supply([asset, usdc("1"), A], { account: alice.account }),
      () => vault.write.repay([B, 0, asset, usdc("1")], { account: bob.account }),
      () => vault.write.withdraw([A, 0, asset, usdc("1"), A], { account: alice.account }),
      () => vault.write.borrow([B, 0, asset, usdc("1"), B], { account: bob.account }),
      () => vault.write.redeem([asset, usdc("1"), L], { account: lender.account }),
    ];
    for (const call of calls) await viem.assertions.revertWithCustomErrorWithArgs(call(), core, "SafeERC20FailedOperation", [token]);
    // nothing moved: state is as before
    assert.deepEqual(await vault.read.positions([A, 0]), [{ asset, isDebt: false, amount: usdc("1000"), shares: 0n }]);
    await t.write.setFailTransfers([false]);
    await vault.write.withdraw([A, 0, asset, usdc("1000"), A], { account: alice.account });
  });
});

describe("Vault tokens: reverting (blocked) token", () => {
  it("while the token blocks transfers, deposit, withdraw, borrow, repay and supply revert with the token's error", async () => {
    const f = await networkHelpers.loadFixture(deployWithReverting);
    const { vault, alice, bob, t, asset } = f;
    const { A, B } = who(f);
    await vault.write.deposit([A, 0, asset, usdc("1000")], { account: alice.account });
    await vault.write.deposit([B, 0, WETH, eth("1")], { account: bob.account });
    await vault.write.borrow([B, 0, asset, usdc("100"), B], { account: bob.account });
    await t.write.setBlocked([true]);
    const calls = [
      () => vault.write.deposit([A, 0, asset, usdc("1")], { account: alice.account }),
      () => vault.write.withdraw([A, 0, asset, usdc("1"), A], { account: alice.account }),
      () => vault.write.borrow([B, 0, asset, usdc("1"), B], { account: bob.account }),
      () => vault.write.repay([B, 0, asset, usdc("1")], { account: bob.account }),
      () => vault.write.supply([asset, usdc("1"), B], { account: bob.account }),
    ];
    for (const call of calls) await viem.assertions.revertWithCustomError(call(), t, "TransfersBlocked");
    await t.write.setBlocked([false]);
    await vault.write.repay([B, 0, asset, maxUint256], { account: bob.account });
  });

  it("a blocked collateral token blocks the liquidation that would seize it (liveness), and it resumes once unblocked", async () => {
    const f = await networkHelpers.loadFixture(deployWithReverting);
    const { vault, alice, liquidator, t, tFeed, asset } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, asset, usdc("10000")], { account: alice.account });
    await vault.write.borrow([A, 0, WETH, eth("4"), A], { account: alice.account }); // 8000 USD of 8500 allowed
    await tFeed.write.setAnswer([feedAnswer("0.85")]);
    assert.ok((await vault.read.accountHealth([A, 0])).healthFactor < WAD);
    await t.write.setBlocked([true]);
    await viem.assertions.revertWithCustomError(
      vault.write.liquidate([A, 0, WETH, asset, eth("1"), 0n], { account: liquidator.account }),
      t,
      "TransfersBlocked",
    );
    await t.write.setBlocked([false]);
    await vault.write.liquidate([A, 0, WETH, asset, eth("1"), 0n], { account: liquidator.account });
  });
});

describe("Vault tokens: fee on transfer", () => {
  it("deposit and supply of a fee-on-transfer token revert Vault_TransferShortfall(token, amount, received)", async () => {
    const f = await networkHelpers.loadFixture(deployWithFeeOnTransfer);
    const { vault, alice, t, asset } = f;
    const { A } = who(f);
    await t.write.setFeeBps([100n]); // 1%
    const token = f.address(t.address);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.deposit([A, 0, asset, usdc("1000")], { account: alice.account }),
      vault,
      "Vault_TransferShortfall",
      [token, usdc("1000"), usdc("990")],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.supply([asset, usdc("333"), A], { account: alice.account }),
      vault,
      "Vault_TransferShortfall",
      [token, usdc("333"), usdc("333") - (usdc("333") * 100n) / 10_000n],
    );
  });

  it("repaying a debt in a token that started charging a fee reverts Vault_TransferShortfall", async () => {
    const f = await networkHelpers.loadFixture(deployWithFeeOnTransfer);
    const { vault, bob, t, asset } = f;
    const { B } = who(f);
    await vault.write.deposit([B, 0, WETH, eth("1")], { account: bob.account });
    await vault.write.borrow([B, 0, asset, usdc("1000"), B], { account: bob.account });
    await t.write.setFeeBps([50n]); // 0.5%
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.repay([B, 0, asset, usdc("1000")], { account: bob.account }),
      vault,
      "Vault_TransferShortfall",
      [f.address(t.address), usdc("1000"), usdc("995")],
    );
    await t.write.setFeeBps([0n]);
    await vault.write.repay([B, 0, asset, usdc("1000")], { account: bob.account });
  });
});

describe("Vault tokens: unusual decimals", () => {
  it("a 0-decimal token works as collateral and as a debt, valued at floor(amount * price / 1)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob, lender } = f;
    const { A, B, L } = who(f);
    const gold = await listMockToken(f, "GOLD", 0, "1999.5");
    const p = 1_999_500_000_000_000_000_000n;
    await vault.write.supply([gold.asset, 1000n, L], { account: lender.account });
    // collateral: 7 bars, borrow USDC
    await vault.write.deposit([A, 0, gold.asset, 7n], { account: alice.account });
    const w = weighted(valueDown(7n, p, 0), 8250n, NO_SIZE_TIER, 8000n);
    const im = weighted(valueDown(7n, p, 0), 8000n, NO_SIZE_TIER, 8000n);
    await vault.write.borrow([A, 0, USDC, usdc("11196"), A], { account: alice.account });
    const h = await vault.read.accountHealth([A, 0]);
    assert.equal(h.collateralValue, 13_996_500_000_000_000_000_000n);
    assert.equal(h.weightedCollateral, w);
    assert.equal(h.initialMarginValue, im);
    assert.equal(h.healthFactor, healthFactor(w, valueUp(usdc("11196"), WAD, 6)));
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdraw([A, 0, gold.asset, 1n, A], { account: alice.account }),
      vault,
      "Vault_InsufficientMargin",
      [A, 0, weighted(valueDown(6n, p, 0), 8000n, NO_SIZE_TIER, 8000n), usdc("11196") * 10n ** 12n],
    );
    // debt: bob borrows 3 bars against WETH and repays them
    await vault.write.deposit([B, 0, WETH, eth("10")], { account: bob.account });
    await vault.write.borrow([B, 0, gold.asset, 3n, B], { account: bob.account });
    assert.equal((await vault.read.accountHealth([B, 0])).debtValue, valueUp(3n, p, 0));
    await vault.write.repay([B, 0, gold.asset, maxUint256], { account: bob.account });
    assert.equal((await vault.read.positions([B, 0])).length, 1);
  });

  it("a 2-decimal token works as collateral and as lender liquidity", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    const eur = await listMockToken(f, "EURS", 2, "1.08");
    const p = 1_080_000_000_000_000_000n;
    await vault.write.supply([eur.asset, 100_000_00n, B], { account: bob.account });
    await vault.write.deposit([A, 0, eur.asset, 1234_56n], { account: alice.account }); // 1234.56 EURS
    const v = valueDown(1234_56n, p, 2);
    assert.equal(v, 1_333_324_800_000_000_000_000n);
    await vault.write.borrow([A, 0, USDC, usdc("1000"), A], { account: alice.account });
    const h = await vault.read.accountHealth([A, 0]);
    assert.equal(h.collateralValue, v);
    assert.equal(h.initialMarginValue, weighted(v, 8000n, NO_SIZE_TIER, 8000n));
    await vault.write.deposit([B, 1, WETH, eth("1")], { account: bob.account });
    await vault.write.borrow([B, 1, eur.asset, 50_01n, B], { account: bob.account });
    assert.equal((await vault.read.accountHealth([B, 1])).debtValue, valueUp(50_01n, p, 2));
  });
});

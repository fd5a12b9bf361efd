/**
 * Oracles: staleness, non-positive answers, incomplete rounds, decimal normalisation, the actions that
 * need no price, and the price() view.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { maxUint256, parseUnits } from "viem";
import { feedAnswer } from "../fixtures/vaultFixture.ts";
import { WAD, toWad } from "../fixtures/riskSpec.ts";
import { USDC, WBTC, WETH, deployVaultNoInterest, latestTimestamp, mined, type VaultFixture } from "../fixtures/vaultTestKit.ts";

const { networkHelpers, viem } = await network.create();

const eth = (s: string) => parseUnits(s, 18);
const usdc = (s: string) => parseUnits(s, 6);
const MAX_AGE = 3600n;

function who(f: VaultFixture) {
  return { A: f.address(f.alice.account.address), B: f.address(f.bob.account.address) };
}

/** Alice: 10 WETH and a 1000 USDC debt in sub-account 0. */
async function openAccount(f: VaultFixture) {
  const { A } = who(f);
  await f.vault.write.deposit([A, 0, WETH, eth("10")], { account: f.alice.account });
  await f.vault.write.borrow([A, 0, USDC, usdc("1000"), A], { account: f.alice.account });
}

describe("Vault oracle: validation", () => {
  it("an answer exactly maxOracleAge old is accepted; one second older makes borrow, withdraw and liquidate revert Vault_OracleStale", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, liquidator, feeds } = f;
    const { A } = who(f);
    await openAccount(f);
    const t = (await latestTimestamp(f)) + 10n;
    for (const i of [USDC, WETH]) await feeds[i]!.write.setAnswerAt([i === USDC ? feedAnswer("1") : feedAnswer("2000"), t]);
    await networkHelpers.time.setNextBlockTimestamp(t + MAX_AGE);
    await mined(f, vault.write.borrow([A, 0, USDC, usdc("1"), A], { account: alice.account }));
    // from the next block on the WETH answer (the account's first position) is stale
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.borrow([A, 0, USDC, usdc("1"), A], { account: alice.account }),
      vault,
      "Vault_OracleStale",
      [WETH, t, MAX_AGE],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdraw([A, 0, WETH, 1n, A], { account: alice.account }),
      vault,
      "Vault_OracleStale",
      [WETH, t, MAX_AGE],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      vault,
      "Vault_OracleStale",
      [WETH, t, MAX_AGE],
    );
    await networkHelpers.mine();
    await viem.assertions.revertWithCustomErrorWithArgs(vault.read.accountHealth([A, 0]), vault, "Vault_OracleStale", [WETH, t, MAX_AGE]);
    await viem.assertions.revertWithCustomErrorWithArgs(vault.read.price([WETH]), vault, "Vault_OracleStale", [WETH, t, MAX_AGE]);
  });

  it("a stale feed of an asset the account does not hold does not affect it", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { A } = who(f);
    await openAccount(f);
    await f.feeds[WBTC]!.write.setAnswerAt([feedAnswer("60000"), 1n]);
    await f.vault.write.borrow([A, 0, USDC, usdc("1"), A], { account: f.alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.read.price([WBTC]), f.vault, "Vault_OracleStale", [WBTC, 1n, MAX_AGE]);
  });

  it("a zero answer reverts Vault_OracleNonPositive(asset, 0) and a negative one Vault_OracleNonPositive(asset, answer)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await openAccount(f);
    for (const answer of [0n, -5n, -1n * feedAnswer("2000")]) {
      await f.feeds[WETH]!.write.setAnswer([answer]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.borrow([A, 0, USDC, usdc("1"), A], { account: alice.account }),
        vault,
        "Vault_OracleNonPositive",
        [WETH, answer],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(vault.read.price([WETH]), vault, "Vault_OracleNonPositive", [WETH, answer]);
    }
  });

  it("a round with updatedAt 0 reverts Vault_OracleNoUpdate", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const { A } = who(f);
    await openAccount(f);
    await f.feeds[USDC]!.write.setAnswerAt([feedAnswer("1"), 0n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdraw([A, 0, WETH, 1n, A], { account: alice.account }),
      vault,
      "Vault_OracleNoUpdate",
      [USDC],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(vault.read.price([USDC]), vault, "Vault_OracleNoUpdate", [USDC]);
  });

  it("deposits, repays and supplies need no price: they succeed with a stale, a zero and an incomplete feed", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    await openAccount(f);
    const broken: Array<[number, bigint, bigint]> = [
      [WETH, feedAnswer("2000"), 1n], // stale
      [USDC, 0n, 0n], // zero answer, no update time
    ];
    for (const [i, answer, at] of broken) await f.feeds[i]!.write.setAnswerAt([answer, at]);
    await networkHelpers.time.increase(2 * 3600);
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    await vault.write.repay([A, 0, USDC, usdc("400")], { account: alice.account });
    await vault.write.supply([USDC, usdc("100"), B], { account: bob.account });
    await vault.write.supply([WETH, eth("1"), B], { account: bob.account });
    await vault.write.repay([A, 0, USDC, maxUint256], { account: bob.account });
    await vault.write.deposit([B, 0, USDC, usdc("5")], { account: bob.account });
    assert.deepEqual(await vault.read.positions([A, 0]), [{ asset: WETH, isDebt: false, amount: eth("11"), shares: 0n }]);
  });
});

describe("Vault oracle: normalisation and the price view", () => {
  it("feeds with 0, 8, 18 and 34 decimals normalise to the same WAD price and the same account health", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault } = f;
    const { A } = who(f);
    await openAccount(f);
    const health8 = await vault.read.accountHealth([A, 0]);
    for (const d of [0, 8, 18, 34]) {
      const answer = 2000n * 10n ** BigInt(d);
      const feed = await f.viem.deployContract("MockAggregator", [d, answer, "ETH / USD"]);
      await vault.write.setFeed([WETH, feed.address]);
      assert.equal(toWad(answer, d), 2000n * WAD);
      const [p] = await vault.read.price([WETH]);
      assert.equal(p, 2000n * WAD, `${d} decimals`);
      assert.deepEqual(await vault.read.accountHealth([A, 0]), health8);
    }
  });

  it("a fractional 8-decimal answer keeps every digit, and a 30-decimal answer is floored to 18 decimals", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault } = f;
    await f.feeds[WETH]!.write.setAnswer([199_912_345_678n]); // 1999.12345678
    assert.equal((await vault.read.price([WETH]))[0], 1_999_123_456_780_000_000_000n);
    const answer = 1_999_123_456_789_012_345_678_901_234_567_890n; // 1999.123456789012345678901234567890
    const feed30 = await f.viem.deployContract("MockAggregator", [30, answer, "ETH / USD"]);
    await vault.write.setFeed([WETH, feed30.address]);
    assert.equal(toWad(answer, 30), 1_999_123_456_789_012_345_678n);
    assert.equal((await vault.read.price([WETH]))[0], 1_999_123_456_789_012_345_678n);
  });

  it("a 36-decimal answer that floors to a zero WAD price reverts Vault_OracleNonPositive", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const answer = 10n ** 18n - 1n; // below 1e-18 USD
    const feed36 = await f.viem.deployContract("MockAggregator", [36, answer, "DUST / USD"]);
    await f.vault.write.setFeed([WETH, feed36.address]);
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.read.price([WETH]), f.vault, "Vault_OracleNonPositive", [WETH, answer]);
  });

  it("price() returns the WAD price, the round's updatedAt and its age at the current block", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const now = await latestTimestamp(f);
    await f.feeds[WBTC]!.write.setAnswerAt([feedAnswer("61234.5"), now - 100n]);
    const ts = await latestTimestamp(f);
    assert.deepEqual(await f.vault.read.price([WBTC]), [61_234_500_000_000_000_000_000n, now - 100n, ts - (now - 100n)]);
    await networkHelpers.time.increase(50);
    assert.deepEqual(await f.vault.read.price([WBTC]), [61_234_500_000_000_000_000_000n, now - 100n, ts + 50n - (now - 100n)]);
  });

  it("an answer dated in the future (clock skew) is accepted by actions", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { A } = who(f);
    await openAccount(f);
    await f.feeds[WETH]!.write.setAnswerAt([feedAnswer("2000"), (await latestTimestamp(f)) + 600n]);
    await f.vault.write.borrow([A, 0, USDC, usdc("1"), A], { account: f.alice.account });
    assert.equal((await f.vault.read.accountHealth([A, 0])).collateralValue, 20_000n * WAD);
  });

  // Regression: price() once computed `age = block.timestamp - updatedAt` with checked arithmetic, so for an answer dated
  // in the future (which _price and every action accept as fresh) the view reverts with Panic(0x11)
  // instead of returning the price.
  it("price() of an answer dated in the future returns the price with age 0", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const future = (await latestTimestamp(f)) + 600n;
    await f.feeds[WETH]!.write.setAnswerAt([feedAnswer("2000"), future]);
    const [p, updatedAt, age] = await f.vault.read.price([WETH]);
    assert.equal(p, 2000n * WAD);
    assert.equal(updatedAt, future);
    assert.equal(age, 0n);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { parseUnits } from "viem";
import { WAD, deployVault } from "../fixtures/vaultFixture.ts";

const { networkHelpers } = await network.create();

describe("Vault smoke", () => {
  it("a 1x1 account that goes underwater is liquidated back to the target health", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault, alice, liquidator } = f;
    const owner = alice.account.address;
    await vault.write.deposit([owner, 0, 2, parseUnits("10", 18)], { account: alice.account });
    await vault.write.borrow([owner, 0, 0, parseUnits("15000", 6), owner], { account: alice.account });
    await f.setPrice(2, "1700");
    const before = await vault.read.accountHealth([owner, 0]);
    assert.ok(before.healthFactor < WAD);
    const [maxRepay] = await vault.read.maxLiquidation([owner, 0, 0, 2]);
    await vault.write.liquidate([owner, 0, 0, 2, maxRepay, 0n], { account: liquidator.account });
    const after = await vault.read.accountHealth([owner, 0]);
    assert.ok(after.healthFactor >= WAD, `health after ${after.healthFactor}`);
    assert.ok(after.healthFactor < 1_051_000_000_000_000_000n);
  });
});

import { describe, it } from "mocha";
import { network } from "hardhat";
import { parseUnits, BaseError, ContractFunctionRevertedError } from "viem";
import { DEFAULT_GLOBAL, assetParams, deployVault } from "../fixtures/vaultFixture.ts";

const { networkHelpers, viem } = await network.create();

describe("scratch", () => {
  it("pending ts + automine", async () => {
    const f = await networkHelpers.loadFixture(deployVault);
    const { vault, publicClient, alice, liquidator } = f;
    await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: 1000 }]);
    const h = await vault.write.setAssetParams([2, assetParams({ liquidationThreshold: 7250, ltv: 7000 })]);
    const r = await publicClient.waitForTransactionReceipt({ hash: h });
    const t0 = (await publicClient.getBlock({ blockNumber: r.blockNumber })).timestamp;
    await networkHelpers.time.setNextBlockTimestamp(t0 + 500n);
    console.log("pending after setNext +500", await vault.read.weightsOf([2, 0], { blockTag: "pending" }), "exp", 7250n + 1000n*500n/1000n);
    console.log("latest", await vault.read.weightsOf([2, 0]));
    await networkHelpers.mine();
    console.log("latest ts", (await publicClient.getBlock()).timestamp - t0);
    // error extraction
    try { await vault.write.setAssetParams([2, assetParams({ liquidationThreshold: 7250, ltv: 9000 })]); } catch (e) {
      const be = e as BaseError;
      const rev = be.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
      console.log("errorName", rev?.data?.errorName, rev?.data?.args);
    }
    // automine off pending estimate sees mempool
    const owner = alice.account.address;
    await vault.write.deposit([owner, 0, 2, parseUnits("10", 18)], { account: alice.account });
    const tc = await viem.getTestClient();
    await tc.setAutomine(false);
    await vault.write.borrow([owner, 0, 0, parseUnits("13000", 6), owner], { account: alice.account, gas: 2_000_000n });
    await f.feeds[2]!.write.setAnswer([parseUnits("1000", 8)], { gas: 500_000n });
    try { await vault.write.liquidate([owner, 0, 0, 2, 10n ** 9n, 0n], { account: liquidator.account }); console.log("no throw"); } catch (e) {
      const rev = (e as BaseError).walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
      console.log("liq errorName", rev?.data?.errorName, rev?.data?.args);
    }
    await networkHelpers.mine();
    await tc.setAutomine(true);
    console.log(await vault.read.accountHealth([owner, 0]));
    const block = await publicClient.getBlock({ includeTransactions: false });
    console.log("txs in block", block.transactions.length);
  });
});

/**
 * Gas snapshot: deposit, borrow, repay and liquidate on 1x1 and 2x2 accounts, written to
 * snapshots/gas.json (committed, so every change's gas effect shows in the diff).
 * Usage: npx hardhat run scripts/gas-snapshot.ts  (or npm run gas)
 */
import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import { parseUnits, type Hash } from "viem";
import { deployVault } from "../test/fixtures/vaultFixture.ts";

const connection = await network.create();
const f = await deployVault(connection);
const { vault, alice, bob, carol, liquidator, publicClient } = f;
const gas = async (hash: Promise<Hash>) => (await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed;
const USDC = 0, WBTC = 1, WETH = 2;

const results: Record<string, number> = {};
const a = alice.account.address;
const b = bob.account.address;
const c = carol.account.address;
const asAlice = { account: alice.account };
const asBob = { account: bob.account };
const asCarol = { account: carol.account };
const asLiq = { account: liquidator.account };

// Warm-up account so first-ever storage writes of the assets are not attributed to the measured calls.
await vault.write.deposit([c, 0, WETH, parseUnits("1", 18)], asCarol);
await vault.write.borrow([c, 0, USDC, parseUnits("100", 6), c], asCarol);

// 1x1: WETH collateral, USDC debt
results["deposit (new position)"] = Number(await gas(vault.write.deposit([a, 0, WETH, parseUnits("10", 18)], asAlice)));
results["deposit (existing position)"] = Number(await gas(vault.write.deposit([a, 0, WETH, parseUnits("1", 18)], asAlice)));
results["borrow 1x1 (new debt)"] = Number(await gas(vault.write.borrow([a, 0, USDC, parseUnits("15000", 6), a], asAlice)));
results["borrow 1x1 (existing debt)"] = Number(await gas(vault.write.borrow([a, 0, USDC, parseUnits("100", 6), a], asAlice)));
results["repay 1x1 (partial)"] = Number(await gas(vault.write.repay([a, 0, USDC, parseUnits("100", 6)], asAlice)));

// 2x2: WETH + WBTC collateral, USDC + WBTC? no: an asset is collateral or debt, so debts USDC + WETH on bob with WBTC + USDC? Use 4 assets:
// bob: collateral WETH and WBTC, debts USDC and ... only 3 assets listed; list a 4th (DAI-like, 18 decimals).
const dai = await f.viem.deployContract("MockERC20", ["DAI", "DAI", 18]);
const daiFeed = await f.viem.deployContract("MockAggregator", [8, parseUnits("1", 8), "DAI / USD"]);
const { assetParams, DEFAULT_RATE_MODEL } = await import("../test/fixtures/vaultFixture.ts");
await vault.write.listAsset([dai.address, daiFeed.address, assetParams(), DEFAULT_RATE_MODEL]);
const DAI = 3;
for (const w of [f.lender, bob, liquidator]) {
  await dai.write.mint([w.account.address, parseUnits("100000000", 18)]);
  await dai.write.approve([vault.address, 2n ** 256n - 1n], { account: w.account });
}
await vault.write.supply([DAI, parseUnits("10000000", 18), f.lender.account.address], { account: f.lender.account });
await vault.write.deposit([b, 0, WETH, parseUnits("10", 18)], asBob);
await vault.write.deposit([b, 0, WBTC, parseUnits("0.5", 8)], asBob);
await vault.write.borrow([b, 0, USDC, parseUnits("20000", 6), b], asBob);
results["borrow 2x2 (new debt)"] = Number(await gas(vault.write.borrow([b, 0, DAI, parseUnits("15000", 18), b], asBob)));
results["repay 2x2 (partial)"] = Number(await gas(vault.write.repay([b, 0, DAI, parseUnits("10", 18)], asBob)));

// Underwater: ETH -25%, BTC -20%
await f.setPrice(WETH, "1500");
await f.setPrice(WBTC, "48000");
await f.feeds[USDC]!.write.setAnswer([parseUnits("1", 8)]);
await daiFeed.write.setAnswer([parseUnits("1", 8)]);
// the liquidator already holds both collaterals (warm balances), as an active liquidator would
const [repay1] = await vault.read.maxLiquidation([a, 0, USDC, WETH]);
results["liquidate 1x1"] = Number(await gas(vault.write.liquidate([a, 0, USDC, WETH, repay1 / 2n, 0n], asLiq)));
const [repay2] = await vault.read.maxLiquidation([b, 0, USDC, WETH]);
results["liquidate 2x2"] = Number(await gas(vault.write.liquidate([b, 0, USDC, WETH, repay2 / 2n, 0n], asLiq)));

const out = { note: "gasUsed of each transaction on Hardhat's EDR chain (prague); regenerate with `npm run gas`", gas: results };
writeFileSync(new URL("../snapshots/gas.json", import.meta.url), JSON.stringify(out, null, 2) + "\n");
console.table(results);

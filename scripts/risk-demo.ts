/**
 * Serves a local chain with the seeded population of the risk tools' tests (36 accounts, as in
 * test/keeper/stress.test.ts), a risk steward and ten days of interest, for trying `keeper stress`,
 * `levels` and `calibrate` by hand (docs/risk-tools.md). Runs until interrupted.
 *
 *   npx hardhat run scripts/risk-demo.ts
 */
import { keccak256, toHex } from "viem";
import { vaultAbi } from "../keeper/src/chain/abi.ts";
import { fund, hardhatAccount, refreshFeeds, seedAccounts, sent, startRiskChain } from "../test/keeper/riskStack.ts";

const c = await startRiskChain();
await seedAccounts(c, 36, [2, 3, 4, 5, 6, 7, 8, 10]);
await fund(c, c.wallet(9));
const vault = c.stack.vault;
await sent(c.publicClient, await c.admin.writeContract({ address: vault, abi: vaultAbi, functionName: "setStewardParams", args: [{ maxThresholdStep: 200, cooldown: 86_400 }] }));
const steward = hardhatAccount(1);
await sent(
  c.publicClient,
  await c.admin.writeContract({ address: vault, abi: vaultAbi, functionName: "grantRole", args: [keccak256(toHex("RISK_STEWARD_ROLE")), steward.address] }),
);
await c.testClient.increaseTime({ seconds: 10 * 86_400 });
await refreshFeeds(c);
console.log(`# a seeded vault on ${c.url} (Ctrl-C to stop); in another shell:
export KEEPER_RPC_URL=${c.url} KEEPER_VAULT=${vault} KEEPER_START_BLOCK=${c.stack.startBlock} KEEPER_CHECKPOINT= KEEPER_LOG_LEVEL=warn
# the risk steward's key (Hardhat account 1): --private-key ${steward.key}`);
await new Promise(() => {});

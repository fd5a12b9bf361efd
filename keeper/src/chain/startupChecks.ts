/**
 * What the keeper checks before it starts: the RPC answers, the chain is the expected one, the vault
 * address holds the vault, and (in liquidate mode) the key can pay for gas. Each failure says what to fix.
 */
import { createPublicClient, formatEther, http, type Address } from "viem";
import type { KeeperConfig } from "../config/schema.ts";
import { vaultAbi } from "./abi.ts";

export class StartupError extends Error {
  override name = "StartupError";
}

/** The chain id the RPC serves; a clear error when it cannot be reached. */
export async function probeChainId(rpcUrl: string): Promise<number> {
  const probe = createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, retryCount: 1 }) });
  try {
    return await probe.getChainId();
  } catch (e) {
    const cause = e instanceof Error ? (e as { shortMessage?: string }).shortMessage ?? e.message : String(e);
    throw new StartupError(`cannot reach KEEPER_RPC_URL ${rpcUrl}: ${cause.split("\n")[0]}`);
  }
}

export interface StartupReport {
  chainId: number;
  head: bigint;
  assetCount: bigint;
  liquidator: Address | undefined;
  balanceWei: bigint | undefined;
}

export async function startupChecks(
  cfg: KeeperConfig,
  client: {
    getBlockNumber(): Promise<bigint>;
    getCode(a: { address: Address }): Promise<`0x${string}` | undefined>;
    readContract(a: { address: Address; abi: typeof vaultAbi; functionName: "assetCount" }): Promise<bigint>;
    getBalance(a: { address: Address }): Promise<bigint>;
  },
  chainId: number,
  liquidator: Address | undefined,
): Promise<StartupReport> {
  if (cfg.chainId !== undefined && cfg.chainId !== chainId) {
    throw new StartupError(`KEEPER_CHAIN_ID is ${cfg.chainId} but ${cfg.rpcUrl} serves chain ${chainId}`);
  }
  const head = await client.getBlockNumber();
  if (cfg.startBlock > head) {
    throw new StartupError(`KEEPER_START_BLOCK ${cfg.startBlock} is past the chain head ${head}`);
  }
  const code = await client.getCode({ address: cfg.vault });
  if (code === undefined || code === "0x") {
    throw new StartupError(`no contract at KEEPER_VAULT ${cfg.vault} on chain ${chainId} (wrong address or network?)`);
  }
  let assetCount: bigint;
  try {
    assetCount = await client.readContract({ address: cfg.vault, abi: vaultAbi, functionName: "assetCount" });
  } catch {
    throw new StartupError(`the contract at KEEPER_VAULT ${cfg.vault} does not answer assetCount(): not this project's vault`);
  }
  let balanceWei: bigint | undefined;
  if (liquidator !== undefined) {
    balanceWei = await client.getBalance({ address: liquidator });
    if (cfg.mode === "liquidate" && balanceWei === 0n) {
      throw new StartupError(`the liquidator ${liquidator} holds no ETH to pay gas (balance ${formatEther(balanceWei)})`);
    }
  }
  return { chainId, head, assetCount, liquidator, balanceWei };
}

/**
 * The liquidator's balances of the listed tokens and their allowances to the vault, by asset id: the
 * planner's `balances` and `allowances`. One `eth_call` of the vault's `walletOf` view (re-read at every
 * head, so one call rather than two per listed token).
 */
import type { Address, PublicClient } from "viem";
import { vaultAbi } from "../chain/abi.ts";

export interface LiquidatorFunds {
  balances: Map<number, bigint>;
  allowances: Map<number, bigint>;
}

export async function readLiquidatorFunds(publicClient: PublicClient, liquidator: Address, vault: Address): Promise<LiquidatorFunds> {
  const [balances, allowances] = (await publicClient.readContract({ address: vault, abi: vaultAbi, functionName: "walletOf", args: [liquidator] })) as readonly [
    readonly bigint[],
    readonly bigint[],
  ];
  return {
    balances: new Map(balances.map((b, id) => [id, b])),
    allowances: new Map(allowances.map((a, id) => [id, a])),
  };
}

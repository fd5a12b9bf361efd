/**
 * The liquidator's balances of the listed tokens and their allowances to the vault, by asset id: the
 * planner's `balances` and `allowances`.
 */
import { erc20Abi, type Address, type PublicClient } from "viem";

export interface LiquidatorFunds {
  balances: Map<number, bigint>;
  allowances: Map<number, bigint>;
}

export async function readLiquidatorFunds(
  publicClient: PublicClient,
  liquidator: Address,
  vault: Address,
  assets: Iterable<{ id: number; token: Address }>,
): Promise<LiquidatorFunds> {
  const list = [...assets];
  const read = (token: Address, fn: "balanceOf" | "allowance") =>
    fn === "balanceOf"
      ? publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [liquidator] })
      : publicClient.readContract({ address: token, abi: erc20Abi, functionName: "allowance", args: [liquidator, vault] });
  const [balances, allowances] = await Promise.all([
    Promise.all(list.map((a) => read(a.token, "balanceOf"))),
    Promise.all(list.map((a) => read(a.token, "allowance"))),
  ]);
  return {
    balances: new Map(list.map((a, i) => [a.id, balances[i]!])),
    allowances: new Map(list.map((a, i) => [a.id, allowances[i]!])),
  };
}

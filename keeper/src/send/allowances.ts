/**
 * Start-up approvals (liquidate mode): the vault pulls the repay from the keeper, so each debt token the
 * keeper may repay must be approved to it. Approves the maximum once per token, and only when the current
 * allowance is below half of it (a max approval of a token that decrements allowances lasts forever in
 * practice). A token with a non-zero allowance is set to zero first (USDT-style tokens refuse changing one
 * non-zero allowance to another). Every step is logged; a failed approval throws AllowanceError.
 */
import { erc20Abi, maxUint256, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import type { Logger } from "../log.ts";

export class AllowanceError extends Error {
  override name = "AllowanceError";
}

export interface AllowanceToken {
  asset: number;
  token: Address;
}

export interface AllowanceReport {
  asset: number;
  token: Address;
  before: bigint;
  action: "kept" | "approved" | "reset-and-approved";
  hashes: Hex[];
}

/** Below this an allowance is topped up to the maximum. */
export const REAPPROVE_BELOW = maxUint256 / 2n;

export async function ensureVaultAllowances(o: {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  vault: Address;
  tokens: Iterable<AllowanceToken>;
  log: Logger;
}): Promise<AllowanceReport[]> {
  const owner = o.walletClient.account.address;
  const out: AllowanceReport[] = [];
  const approve = async (t: AllowanceToken, amount: bigint): Promise<Hex> => {
    const hash = await o.walletClient.writeContract({
      address: t.token,
      abi: erc20Abi,
      functionName: "approve",
      args: [o.vault, amount],
    });
    const r = await o.publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new AllowanceError(`approve(${o.vault}, ${amount}) of token ${t.token} (asset ${t.asset}) reverted in ${hash}`);
    return hash;
  };
  for (const t of o.tokens) {
    const before = await o.publicClient.readContract({ address: t.token, abi: erc20Abi, functionName: "allowance", args: [owner, o.vault] });
    if (before >= REAPPROVE_BELOW) {
      o.log.info({ asset: t.asset, token: t.token, allowance: before.toString() }, "vault allowance in place");
      out.push({ asset: t.asset, token: t.token, before, action: "kept", hashes: [] });
      continue;
    }
    const hashes: Hex[] = [];
    if (before > 0n) hashes.push(await approve(t, 0n));
    hashes.push(await approve(t, maxUint256));
    const action = before > 0n ? "reset-and-approved" : "approved";
    o.log.info({ asset: t.asset, token: t.token, before: before.toString(), hashes }, `vault allowance ${action} (max)`);
    out.push({ asset: t.asset, token: t.token, before, action, hashes });
  }
  return out;
}

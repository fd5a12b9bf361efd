/**
 * Seeds a population (seedPopulation.ts's plan: owners with many sub-accounts, WETH/WBTC collateral,
 * USDC/DAI debt) on anvil as fast as the node takes it: every sender impersonated at once
 * (`anvil_autoImpersonateAccount`), balances set with `anvil_setBalance`, transactions sent with explicit
 * nonces and gas limits in JSON-RPC batches with automine off, and each batch mined as one block
 * (`evm_mine`; the bench's anvil has no block gas limit). Each block must hold every transaction sent
 * for it (reading receipts back is slow on anvil: ~1.3 ms each); that none reverted is checked by the
 * caller on the book rebuilt from the events (every planned position is there).
 */
import { toHex, type Hex } from "viem";
import { compiled } from "./artifacts.ts";
import type { Stack } from "./deployStack.ts";
import { ownerTxs, type PopulationPlan, type RpcSend } from "./seedPopulation.ts";
import type { Rpc, RpcError } from "./simChain.ts";

export interface BenchSeedResult {
  accounts: number;
  owners: number;
  txs: number;
  blocks: number;
  seconds: number;
  accountsPerSecond: number;
}

/**
 * Seeds `plan` (fresh owners: nonces start at 0). `txsPerBlock` transactions are sent per JSON-RPC batch
 * and mined as one block. Owners' transactions are interleaved across owners so a block holds many
 * senders; a sender's own transactions stay in nonce order.
 */
export async function seedOnAnvil(
  rpc: Rpc,
  stack: Stack,
  plan: PopulationPlan,
  opts: { txsPerBlock?: number; progress?: (done: number, total: number, seconds: number) => void } = {},
): Promise<BenchSeedResult> {
  const t0 = performance.now();
  const txsPerBlock = opts.txsPerBlock ?? 1000;
  const vaultAbi = compiled("IVault").abi;
  const erc20Abi = compiled("MockERC20").abi;
  const startBlock = await rpc.blockNumber();
  const maxFeePerGas = toHex(100n * 10n ** 9n);
  await rpc.call("anvil_autoImpersonateAccount", [true]);
  await rpc.batch(plan.owners.map((o) => ({ method: "anvil_setBalance", params: [o.address, toHex(10n ** 24n)] })));
  await rpc.call("evm_setAutomine", [false]);
  let txs = 0;
  try {
    // owners in groups; within a group their transactions are interleaved round-robin
    const GROUP = 64;
    const total = plan.owners.length;
    for (let g = 0; g < total; g += GROUP) {
      const lists = plan.owners.slice(g, g + GROUP).map((o) => ownerTxs(o, 0, stack, vaultAbi, erc20Abi, maxFeePerGas));
      const sends: RpcSend[] = [];
      for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) sends.push(l[i]!);
      for (let i = 0; i < sends.length; i += txsPerBlock) {
        const part = sends.slice(i, i + txsPerBlock);
        const hashes = await rpc.batch<Hex>(part.map((s) => s.call), { chunk: txsPerBlock, settle: true });
        const bad = hashes.findIndex((h) => typeof h !== "string");
        if (bad >= 0) throw new Error(`seeding: ${part[bad]!.label} refused: ${(hashes[bad] as RpcError).message}`);
        await rpc.call("evm_mine");
        const block = await rpc.call<{ transactions: Hex[] }>("eth_getBlockByNumber", ["latest", false]);
        if (block.transactions.length !== part.length) throw new Error(`seeding: a block holds ${block.transactions.length} of the ${part.length} transactions sent for it`);
        txs += part.length;
      }
      opts.progress?.(Math.min(plan.accounts.length, (g + GROUP) * plan.options.subAccountsPerOwner), plan.accounts.length, (performance.now() - t0) / 1000);
    }
  } finally {
    await rpc.call("evm_setAutomine", [true]);
    await rpc.call("anvil_autoImpersonateAccount", [false]);
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    accounts: plan.accounts.length,
    owners: plan.owners.length,
    txs,
    blocks: Number((await rpc.blockNumber()) - startBlock),
    seconds,
    accountsPerSecond: plan.accounts.length / seconds,
  };
}

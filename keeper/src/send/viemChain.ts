/**
 * The executor's chain (chain.ts) over viem: eth_call + eth_estimateGas of `liquidate` from the keeper's
 * address, local signing (the key never leaves the process; the hash is known before the broadcast),
 * eth_sendRawTransaction, receipts, the latest base fee, and the keeper's nonce.
 *
 * Needs a local account (privateKeyToAccount / mnemonicToAccount, as keeper/src/chain/clients.ts makes):
 * a JSON-RPC account cannot sign without sending.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  TransactionReceiptNotFoundError,
  encodeFunctionData,
  keccak256,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { vaultAbi } from "../chain/abi.ts";
import type { BlockTag, ExecutorChain, LiquidationCall, LiquidationTx, SignedTx, SimulationResult, TxReceiptInfo } from "./chain.ts";
import { SendRejected, classifySendError } from "./errors.ts";

export class ViemChainError extends Error {
  override name = "ViemChainError";
}

export interface ViemChainOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  vault: Address;
}

const argsOf = (c: LiquidationCall) =>
  [c.owner, c.subId, c.debtAsset, c.collateralAsset, c.repayAmount, c.minSeized] as const;

/** The custom error a viem error carries, if it is a contract revert. */
export function revertOf(e: unknown): { errorName: string | undefined; args: readonly unknown[]; message: string } | undefined {
  if (!(e instanceof BaseError)) return undefined;
  const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (r instanceof ContractFunctionRevertedError) {
    return { errorName: r.data?.errorName, args: r.data?.args ?? [], message: r.shortMessage };
  }
  return undefined;
}

export class ViemChain implements ExecutorChain {
  readonly address: Address;
  readonly #public: PublicClient;
  readonly #wallet: WalletClient<Transport, Chain, Account>;
  readonly #account: LocalAccount;
  readonly #vault: Address;
  #head: { baseFeePerGas: bigint; blockNumber: bigint } | undefined;

  constructor(o: ViemChainOptions) {
    const account = o.walletClient.account;
    if (account.type !== "local") {
      throw new ViemChainError(`the liquidator account ${account.address} is a ${account.type} account: the executor signs locally, give it a private key`);
    }
    this.#account = account;
    this.address = account.address;
    this.#public = o.publicClient;
    this.#wallet = o.walletClient;
    this.#vault = o.vault;
  }

  async simulate(call: LiquidationCall, blockTag: BlockTag, gasLimit?: bigint): Promise<SimulationResult> {
    const request = {
      address: this.#vault,
      abi: vaultAbi,
      functionName: "liquidate",
      args: argsOf(call),
      account: this.address,
      blockTag,
    } as const;
    try {
      if (gasLimit !== undefined) {
        const { result } = await this.#public.simulateContract({ ...request, gas: gasLimit });
        return { ok: true, repaid: result[0], toLiquidator: result[1], gas: gasLimit };
      }
      const { result } = await this.#public.simulateContract(request);
      const gas = await this.#public.estimateContractGas(request);
      return { ok: true, repaid: result[0], toLiquidator: result[1], gas };
    } catch (e) {
      const r = revertOf(e);
      if (r === undefined) throw e;
      return { ok: false, ...r };
    }
  }

  async sign(tx: LiquidationTx): Promise<SignedTx> {
    const raw = await this.#account.signTransaction({
      type: "eip1559",
      chainId: this.#wallet.chain.id,
      to: this.#vault,
      data: encodeFunctionData({ abi: vaultAbi, functionName: "liquidate", args: argsOf(tx.call) }),
      value: 0n,
      nonce: tx.nonce,
      gas: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
    return { raw, hash: keccak256(raw) };
  }

  async broadcast(raw: Hex): Promise<void> {
    try {
      await this.#wallet.sendRawTransaction({ serializedTransaction: raw });
    } catch (e) {
      const message = e instanceof BaseError ? e.shortMessage : String(e);
      throw new SendRejected(classifySendError(e), message, { cause: e });
    }
  }

  async receipt(hash: Hex): Promise<TxReceiptInfo | undefined> {
    try {
      const r = await this.#public.getTransactionReceipt({ hash });
      return { hash, status: r.status, blockNumber: r.blockNumber, gasUsed: r.gasUsed, effectiveGasPrice: r.effectiveGasPrice };
    } catch (e) {
      if (e instanceof TransactionReceiptNotFoundError) return undefined;
      throw e;
    }
  }

  /** Record the head the keeper already fetched, so `fees` needs no RPC on the hot path. */
  setHead(baseFeePerGas: bigint, blockNumber: bigint): void {
    this.#head = { baseFeePerGas, blockNumber };
  }

  async fees(): Promise<{ baseFeePerGas: bigint; blockNumber: bigint }> {
    if (this.#head !== undefined) return this.#head;
    const b = await this.#public.getBlock({ blockTag: "latest" });
    return { baseFeePerGas: b.baseFeePerGas ?? 0n, blockNumber: b.number };
  }

  blockNumber(): Promise<bigint> {
    return this.#public.getBlockNumber({ cacheTime: 0 });
  }

  nonce(blockTag: BlockTag): Promise<number> {
    return this.#public.getTransactionCount({ address: this.address, blockTag });
  }
}

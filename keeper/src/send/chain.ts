/**
 * The executor's seam to the chain: the few calls it makes, so tests can fake the chain and the keeper
 * uses viem (viemChain.ts). Everything is bigint or a number of a nonce; no floats.
 *
 * Signing and broadcasting are two steps so the executor knows a transaction's hash before it leaves:
 * a broadcast that times out may still have reached the node, and only a known hash (watched, or
 * rebroadcast as the same bytes) keeps the executor from ever sending a second transaction for it.
 */
import type { Address, Hex } from "viem";

/** The arguments of `liquidate`. */
export interface LiquidationCall {
  owner: Address;
  subId: number;
  debtAsset: number;
  collateralAsset: number;
  repayAmount: bigint;
  minSeized: bigint;
}

export type BlockTag = "pending" | "latest";

/** What `liquidate` would do from the keeper's address, or why it would revert. */
export type SimulationResult =
  | { ok: true; repaid: bigint; toLiquidator: bigint; /** estimated gas of the transaction */ gas: bigint }
  | {
      ok: false;
      /** the custom error's name as in the ABI (`Vault_NotLiquidatable`, ...), undefined when not decoded */
      errorName: string | undefined;
      args: readonly unknown[];
      message: string;
    };

/** A signed EIP-1559 liquidation with every field fixed by the executor. */
export interface LiquidationTx {
  call: LiquidationCall;
  nonce: number;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface SignedTx {
  hash: Hex;
  raw: Hex;
}

export interface TxReceiptInfo {
  hash: Hex;
  status: "success" | "reverted";
  blockNumber: bigint;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}

export interface ExecutorChain {
  /** the liquidator's address (the sender) */
  readonly address: Address;
  /** eth_call of `liquidate` with the exact arguments (and its gas estimate); a revert is a result, an RPC failure throws */
  /**
   * eth_call of the liquidation. With `gasLimit` the call runs under that limit, which proves the limit
   * suffices and spares an eth_estimateGas on the hot path (`gas` is then the limit).
   */
  simulate(call: LiquidationCall, blockTag: BlockTag, gasLimit?: bigint): Promise<SimulationResult>;
  /** sign the transaction (no broadcast) */
  sign(tx: LiquidationTx): Promise<SignedTx>;
  /** broadcast signed bytes; a refusal throws (SendRejected, or any error classifySendError reads) */
  broadcast(raw: Hex): Promise<void>;
  /** the receipt, or undefined while not mined */
  receipt(hash: Hex): Promise<TxReceiptInfo | undefined>;
  /** the latest block's base fee and number */
  fees(): Promise<{ baseFeePerGas: bigint; blockNumber: bigint }>;
  blockNumber(): Promise<bigint>;
  /** the sender's transaction count at `blockTag` */
  nonce(blockTag: BlockTag): Promise<number>;
}

/**
 * Every keeper setting: its environment variable, its CLI flag, and its validation (zod). Values come
 * from flags, then the environment (.env), then the defaults here; `loadConfig` reports every invalid
 * setting by name at once. `.env.example` documents the same list.
 */
import { z } from "zod";
import { isAddress, isHex, type Address, type Hex } from "viem";

const decimalUsd = /^\d+(\.\d{1,18})?$/;

/** A USD decimal string ("12.5") to a WAD bigint, without floats. */
export function usdToWad(text: string): bigint {
  const [whole = "0", frac = ""] = text.split(".");
  return BigInt(whole) * 10n ** 18n + BigInt(frac.padEnd(18, "0") || "0");
}

/** A gwei decimal string ("1.5") to wei. */
export function gweiToWei(text: string): bigint {
  const [whole = "0", frac = ""] = text.split(".");
  return BigInt(whole) * 10n ** 9n + BigInt(frac.padEnd(9, "0") || "0");
}

const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `expected a ${protocols.join(" or ")} URL`);

const bigintString = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, `expected ${what} as a non-negative integer`)
    .transform((v) => BigInt(v));

/** The settings, each with its environment variable and flag. */
export const SETTINGS = {
  rpcUrl: { env: "KEEPER_RPC_URL", flag: "--rpc-url", doc: "HTTP JSON-RPC endpoint" },
  wsUrl: { env: "KEEPER_WS_URL", flag: "--ws-url", doc: "WebSocket endpoint for new heads and feed logs (optional: polls HTTP without it)" },
  vault: { env: "KEEPER_VAULT", flag: "--vault", doc: "vault address" },
  chainId: { env: "KEEPER_CHAIN_ID", flag: "--chain-id", doc: "expected chain id (checked at start; optional)" },
  startBlock: { env: "KEEPER_START_BLOCK", flag: "--start-block", doc: "block to index the vault's events from (its deployment block)" },
  privateKey: { env: "KEEPER_PRIVATE_KEY", flag: "--private-key", doc: "liquidator key (0x + 64 hex); needed in liquidate mode; never logged" },
  mode: { env: "KEEPER_MODE", flag: "--mode", doc: "watch (report only) or liquidate (send transactions)" },
  minProfitUsd: { env: "KEEPER_MIN_PROFIT_USD", flag: "--min-profit", doc: "skip liquidations whose profit after gas is below this (USD)" },
  minSeizedToleranceBps: { env: "KEEPER_MIN_SEIZED_TOLERANCE_BPS", flag: "--min-seized-tolerance", doc: "bps below the planned collateral a liquidation still accepts (the block's later timestamp moves interest and the bonus)" },
  maxGasPerTx: { env: "KEEPER_MAX_GAS_PER_TX", flag: "--max-gas", doc: "gas limit ceiling of one liquidation" },
  maxFeeGwei: { env: "KEEPER_MAX_FEE_GWEI", flag: "--max-fee-gwei", doc: "ceiling of maxFeePerGas (gwei)" },
  priorityFeeGwei: { env: "KEEPER_PRIORITY_FEE_GWEI", flag: "--priority-fee-gwei", doc: "maxPriorityFeePerGas (gwei)" },
  gasTokenAsset: { env: "KEEPER_GAS_TOKEN_ASSET", flag: "--gas-token-asset", doc: "vault asset id priced like the chain's gas token (e.g. WETH), to price gas in USD" },
  gasTokenUsd: { env: "KEEPER_GAS_TOKEN_USD", flag: "--gas-token-usd", doc: "fixed USD price of the gas token, when no vault asset tracks it" },
  concurrency: { env: "KEEPER_CONCURRENCY", flag: "--concurrency", doc: "liquidations in flight at once" },
  logRange: { env: "KEEPER_LOG_RANGE", flag: "--log-range", doc: "blocks per eth_getLogs request during backfill" },
  pollMs: { env: "KEEPER_POLL_MS", flag: "--poll-ms", doc: "polling interval without WebSocket (ms)" },
  checkpoint: { env: "KEEPER_CHECKPOINT", flag: "--checkpoint", doc: "checkpoint file (resume without rescanning); empty to disable" },
  logLevel: { env: "KEEPER_LOG_LEVEL", flag: "--log-level", doc: "trace, debug, info, warn, error" },
} as const;

export type SettingName = keyof typeof SETTINGS;

export const configSchema = z.object({
  rpcUrl: url(["http:", "https:"]),
  wsUrl: url(["ws:", "wss:"]).optional(),
  vault: z.string().refine((v) => isAddress(v, { strict: false }), "expected a 20-byte hex address").transform((v) => v as Address),
  chainId: z.coerce.number().int().positive().optional(),
  startBlock: bigintString("a block number").default(0n),
  privateKey: z
    .string()
    .refine((v) => isHex(v) && v.length === 66, "expected 0x followed by 64 hex digits")
    .transform((v) => v as Hex)
    .optional(),
  mode: z.enum(["watch", "liquidate"]).default("watch"),
  minProfitUsd: z.string().regex(decimalUsd, "expected a USD amount like 5 or 2.50").default("1").transform(usdToWad),
  minSeizedToleranceBps: bigintString("basis points").default(30n).refine((v) => v <= 1000n, "at most 1000 bps (10%)"),
  maxGasPerTx: bigintString("a gas amount").default(1_500_000n),
  maxFeeGwei: z.string().regex(decimalUsd, "expected gwei like 100 or 1.5").default("500").transform(gweiToWei),
  priorityFeeGwei: z.string().regex(decimalUsd, "expected gwei like 2 or 0.1").default("1").transform(gweiToWei),
  gasTokenAsset: z.coerce.number().int().min(0).max(254).optional(),
  gasTokenUsd: z.string().regex(decimalUsd, "expected a USD amount like 3000").transform(usdToWad).optional(),
  concurrency: z.coerce.number().int().min(1).max(64).default(4),
  logRange: bigintString("a block count").default(5_000n).refine((v) => v > 0n, "must be positive"),
  pollMs: z.coerce.number().int().min(10).max(600_000).default(1_000),
  checkpoint: z.string().default(".keeper/checkpoint.json"),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
}).superRefine((c, ctx) => {
  if (c.mode === "liquidate" && c.privateKey === undefined) {
    ctx.addIssue({ code: "custom", path: ["privateKey"], message: "required in liquidate mode" });
  }
  if (c.mode === "liquidate" && c.gasTokenAsset === undefined && c.gasTokenUsd === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["gasTokenAsset"],
      message: "liquidate mode prices gas in USD: set KEEPER_GAS_TOKEN_ASSET (a vault asset priced like the gas token) or KEEPER_GAS_TOKEN_USD",
    });
  }
});

export type KeeperConfig = z.infer<typeof configSchema>;

/**
 * A reproducible population of vault accounts for the simulation: the same seed and options give the
 * same owners (private keys derived from the seed), the same positions and the same health factors.
 *
 * Each account `(owner, subId)` holds WETH and/or WBTC as collateral and owes USDC and/or DAI (an asset is
 * collateral or debt, never both). Its size (collateral value in USD) is lognormal around a median; its
 * health factor at the deployed prices is drawn from a leverage profile skewed toward 1.1-1.6. Owners hold
 * many sub-accounts each (up to 256) so minting and approving costs a few transactions per owner.
 *
 * Seeding sends the transactions from impersonated owners with explicit nonces and gas limits, with
 * automine off, in JSON-RPC batches, and mines them in a few large blocks.
 */
import { encodeFunctionData, keccak256, maxUint256, toHex, type Address, type Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { compiled } from "./artifacts.ts";
import type { Stack, StackAsset } from "./deployStack.ts";
import type { Rpc, RpcError } from "./simChain.ts";

// ------------------------------------------------------------------------------------------------ PRNG

/** A 32-bit seed from any string (cyrb53-style mixing, truncated). */
export function hashSeed(text: string): number {
  let h1 = 0xdeadbeef ^ 0;
  let h2 = 0x41c6ce57 ^ 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/** mulberry32: a tiny deterministic PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Random {
  uniform(): number;
  /** standard normal (Box-Muller) */
  normal(): number;
  pick<T>(weighted: readonly (readonly [T, number])[]): T;
}

export function makeRandom(seed: string): Random {
  const u = mulberry32(hashSeed(seed));
  let spare: number | undefined;
  return {
    uniform: u,
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let a = u();
      while (a <= Number.EPSILON) a = u();
      const b = u();
      const r = Math.sqrt(-2 * Math.log(a));
      spare = r * Math.sin(2 * Math.PI * b);
      return r * Math.cos(2 * Math.PI * b);
    },
    pick(weighted) {
      const total = weighted.reduce((s, [, w]) => s + w, 0);
      let x = u() * total;
      for (const [v, w] of weighted) {
        if (x < w) return v;
        x -= w;
      }
      return weighted[weighted.length - 1]![0];
    },
  };
}

// ------------------------------------------------------------------------------------------------ plan

export const LEVERAGE_PROFILES = {
  /** median health 1.9: mostly far from liquidation */
  conservative: { medianHealth: 1.9, sigma: 0.45 },
  /** median health 1.35: the bulk between 1.15 and 1.75 */
  moderate: { medianHealth: 1.35, sigma: 0.6 },
  /** median health 1.2: the bulk between 1.08 and 1.4 */
  aggressive: { medianHealth: 1.2, sigma: 0.5 },
} as const;

export type LeverageProfileName = keyof typeof LEVERAGE_PROFILES;

export interface LeverageProfile {
  medianHealth: number;
  /** lognormal spread of (health - 1) */
  sigma: number;
}

/** `moderate` etc., or a number: the median health factor (e.g. "1.3"). */
export function parseLeverage(text: string): LeverageProfile {
  if (text in LEVERAGE_PROFILES) return LEVERAGE_PROFILES[text as LeverageProfileName];
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 1.01 || n > 20) {
    throw new Error(
      `--leverage: expected ${Object.keys(LEVERAGE_PROFILES).join(", ")} or a median health factor above 1.01 (e.g. 1.3), got ${JSON.stringify(text)}`,
    );
  }
  return { medianHealth: n, sigma: 0.55 };
}

export interface PopulationOptions {
  accounts: number;
  seed: string;
  /** median collateral value of an account, USD */
  medianSizeUsd: number;
  leverage: LeverageProfile;
  /** sub-accounts per owner, 1..256 */
  subAccountsPerOwner: number;
}

export interface PlannedPosition {
  asset: number;
  symbol: string;
  amount: bigint;
  usd: number;
}

export interface PlannedAccount {
  owner: Address;
  subId: number;
  collateral: PlannedPosition[];
  debt: PlannedPosition[];
  /** health factor targeted at the deployed prices */
  targetHealth: number;
  collateralUsd: number;
  debtUsd: number;
}

export interface PlannedOwner {
  privateKey: Hex;
  address: Address;
  accounts: PlannedAccount[];
}

export interface PopulationPlan {
  options: PopulationOptions;
  owners: PlannedOwner[];
  accounts: PlannedAccount[];
}

const COLLATERAL_SYMBOLS = ["WETH", "WBTC"] as const;
const DEBT_SYMBOLS = ["USDC", "DAI"] as const;

/** The deterministic private key of owner `index` for `seed` (keccak256 of a label). */
export function ownerKey(seed: string, index: number): Hex {
  return keccak256(toHex(`liquidation-keeper sim owner ${seed} #${index}`));
}

/** Whole-token USD value to token units (floor), exact enough for seeding (6 significant decimals). */
function unitsOf(usd: number, priceUsd: number, decimals: number): bigint {
  const tokens = usd / priceUsd;
  const micro = BigInt(Math.floor(tokens * 1e6));
  return decimals >= 6 ? micro * 10n ** BigInt(decimals - 6) : micro / 10n ** BigInt(6 - decimals);
}

function assetIndex(assets: readonly StackAsset[], symbol: string): number {
  const i = assets.findIndex((a) => a.symbol === symbol);
  if (i < 0) throw new Error(`the stack has no ${symbol} asset (the population needs WETH, WBTC, USDC and DAI)`);
  return i;
}

export function validatePopulationOptions(o: PopulationOptions): void {
  if (!Number.isInteger(o.accounts) || o.accounts < 1 || o.accounts > 100_000) throw new Error(`--accounts: expected an integer 1..100000, got ${o.accounts}`);
  if (!Number.isFinite(o.medianSizeUsd) || o.medianSizeUsd < 100 || o.medianSizeUsd > 1e9) {
    throw new Error(`--median-size: expected a USD amount between 100 and 1e9, got ${o.medianSizeUsd}`);
  }
  if (!Number.isInteger(o.subAccountsPerOwner) || o.subAccountsPerOwner < 1 || o.subAccountsPerOwner > 256) {
    throw new Error(`sub-accounts per owner: expected 1..256, got ${o.subAccountsPerOwner}`);
  }
}

/** The population as data (no chain access): same inputs, same plan. */
export function planPopulation(options: PopulationOptions, assets: readonly StackAsset[]): PopulationPlan {
  validatePopulationOptions(options);
  const rnd = makeRandom(`population:${options.seed}`);
  const idx = Object.fromEntries([...COLLATERAL_SYMBOLS, ...DEBT_SYMBOLS].map((s) => [s, assetIndex(assets, s)])) as Record<string, number>;
  const price = (s: string) => Number(assets[idx[s]!]!.priceUsd);
  const dec = (s: string) => assets[idx[s]!]!.decimals;
  const ltv = (s: string) => assets[idx[s]!]!.ltv / 10_000;
  const lt = (s: string) => assets[idx[s]!]!.liquidationThreshold / 10_000;

  const owners: PlannedOwner[] = [];
  const accounts: PlannedAccount[] = [];
  const ownerCount = Math.ceil(options.accounts / options.subAccountsPerOwner);
  for (let k = 0; k < ownerCount; k++) {
    const privateKey = ownerKey(options.seed, k);
    owners.push({ privateKey, address: privateKeyToAddress(privateKey), accounts: [] });
  }

  for (let n = 0; n < options.accounts; n++) {
    const owner = owners[Math.floor(n / options.subAccountsPerOwner)]!;
    const subId = n % options.subAccountsPerOwner;
    // size: lognormal around the median, clamped to [max(1000, median/50), median*200]
    const size = Math.min(options.medianSizeUsd * 200, Math.max(Math.max(1000, options.medianSizeUsd / 50), options.medianSizeUsd * Math.exp(1.1 * rnd.normal())));
    const collMix = rnd.pick([
      [["WETH"], 55],
      [["WBTC"], 20],
      [["WETH", "WBTC"], 25],
    ] as const);
    const debtMix = rnd.pick([
      [["USDC"], 60],
      [["DAI"], 25],
      [["USDC", "DAI"], 15],
    ] as const);
    const collShares = collMix.length === 2 ? splitTwo(rnd.uniform()) : [1];
    const debtShares = debtMix.length === 2 ? splitTwo(rnd.uniform()) : [1];
    const collUsd = collMix.map((_s, i) => size * collShares[i]!);
    const weighted = collMix.reduce((w, s, i) => w + collUsd[i]! * lt(s), 0);
    const initialMargin = collMix.reduce((w, s, i) => w + collUsd[i]! * ltv(s), 0);
    // health: 1 + lognormal(health - 1), at least what the initial margin allows (with a hair of room)
    const drawn = 1 + (options.leverage.medianHealth - 1) * Math.exp(options.leverage.sigma * rnd.normal());
    const minHealth = (weighted / initialMargin) * 1.002;
    const targetHealth = Math.min(6, Math.max(minHealth, drawn));
    const debtUsd = weighted / targetHealth;
    const collateral = collMix.map((s, i) => ({ asset: idx[s]!, symbol: s, usd: collUsd[i]!, amount: unitsOf(collUsd[i]!, price(s), dec(s)) }));
    const debt = debtMix.map((s, i) => ({ asset: idx[s]!, symbol: s, usd: debtUsd * debtShares[i]!, amount: unitsOf(debtUsd * debtShares[i]!, price(s), dec(s)) }));
    const account: PlannedAccount = { owner: owner.address, subId, collateral, debt, targetHealth, collateralUsd: size, debtUsd };
    owner.accounts.push(account);
    accounts.push(account);
  }
  return { options, owners, accounts };
}

/** Two shares summing to 1, each between 0.25 and 0.75. */
function splitTwo(u: number): [number, number] {
  const a = 0.25 + 0.5 * u;
  return [a, 1 - a];
}

// ------------------------------------------------------------------------------------------------ seeding

export interface SeedProgress {
  accountsDone: number;
  accounts: number;
  txs: number;
  elapsedMs: number;
}

export interface SeedResult {
  accounts: number;
  owners: number;
  txs: number;
  blocks: number;
  elapsedMs: number;
  accountsPerSecond: number;
}

const GAS = { mint: 120_000n, approve: 80_000n, deposit: 220_000n, borrow: 400_000n } as const;

/**
 * Mints, approves, deposits and borrows the planned population. Owners get ETH with hardhat_setBalance
 * and are impersonated (their keys are still derived from the seed, for whoever wants to act as them).
 * Transactions go out with explicit nonces and gas limits in JSON-RPC batches, each mined as it
 * arrives (on Hardhat's chain that is faster than packing large blocks). Throws naming the first
 * transaction that failed, with the chain's reason.
 */
export async function seedPopulation(
  rpc: Rpc,
  stack: Stack,
  plan: PopulationPlan,
  onProgress: (p: SeedProgress) => void = () => {},
  opts: { txsPerBatch?: number } = {},
): Promise<SeedResult> {
  const t0 = performance.now();
  const vaultAbi = compiled("IVault").abi;
  const erc20Abi = compiled("MockERC20").abi;
  const txsPerBatch = opts.txsPerBatch ?? 400;
  const startBlock = await rpc.blockNumber();
  const block = await rpc.call<{ baseFeePerGas?: string }>("eth_getBlockByNumber", ["latest", false]);
  // generous fee cap (owners hold plenty of ETH)
  const maxFeePerGas = toHex(BigInt(block.baseFeePerGas ?? "0x3b9aca00") * 10n + 10n ** 11n);

  await rpc.batch(
    plan.owners.flatMap((o) => [
      { method: "hardhat_setBalance", params: [o.address, toHex(10n ** 24n)] },
      { method: "hardhat_impersonateAccount", params: [o.address] },
    ]),
  );
  const nonces = await rpc.batch<Hex>(plan.owners.map((o) => ({ method: "eth_getTransactionCount", params: [o.address, "latest"] })));

  let txs = 0;
  let done = 0;
  let batch: RpcSend[] = [];
  let batchAccounts = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const results = await rpc.batch<Hex>(
      batch.map((r) => r.call),
      { chunk: txsPerBatch, settle: true },
    );
    const bad = results.findIndex((h) => typeof h !== "string");
    if (bad >= 0) throw new Error(`seeding: ${batch[bad]!.label} failed: ${(results[bad] as RpcError).message}`);
    txs += batch.length;
    done += batchAccounts;
    batch = [];
    batchAccounts = 0;
    onProgress({ accountsDone: done, accounts: plan.accounts.length, txs, elapsedMs: performance.now() - t0 });
  };
  for (const [k, owner] of plan.owners.entries()) {
    // per owner: mint + approve per collateral token, then deposits and borrows; progress per batch
    for (const send of ownerTxs(owner, Number(BigInt(nonces[k] as Hex)), stack, vaultAbi, erc20Abi, maxFeePerGas)) {
      batch.push(send);
      if (send.completesAccount) batchAccounts++;
      if (batch.length >= txsPerBatch) await flush();
    }
  }
  await flush();
  await rpc.batch(plan.owners.map((o) => ({ method: "hardhat_stopImpersonatingAccount", params: [o.address] })));

  const endBlock = await rpc.blockNumber();
  const elapsedMs = performance.now() - t0;
  return {
    accounts: plan.accounts.length,
    owners: plan.owners.length,
    txs,
    blocks: Number(endBlock - startBlock),
    elapsedMs,
    accountsPerSecond: plan.accounts.length / (elapsedMs / 1000),
  };
}

/** One transaction of the seeding, as the JSON-RPC call that sends it (the sender is unlocked or impersonated). */
export interface RpcSend {
  label: string;
  call: { method: string; params: unknown[] };
  /** the last transaction of an account */
  completesAccount: boolean;
}

/**
 * An owner's seeding transactions from nonce `firstNonce`: one mint and one approve per collateral token,
 * then each sub-account's deposits and borrows (the last one of each account marked).
 */
export function ownerTxs(
  owner: PlannedOwner,
  firstNonce: number,
  stack: Stack,
  vaultAbi: ReturnType<typeof compiled>["abi"],
  erc20Abi: ReturnType<typeof compiled>["abi"],
  maxFeePerGas: Hex,
): RpcSend[] {
  const out: RpcSend[] = [];
  let nonce = firstNonce;
  const tx = (label: string, to: Address, data: Hex, gas: bigint) => {
    out.push({
      label: `${label} of ${owner.address}`,
      completesAccount: false,
      call: {
        method: "eth_sendTransaction",
        params: [{ from: owner.address, to, data, gas: toHex(gas), nonce: toHex(nonce++), maxFeePerGas, maxPriorityFeePerGas: "0x0" }],
      },
    });
  };
  // totals per collateral token: one mint and one approve each
  const totals = new Map<number, bigint>();
  for (const a of owner.accounts) for (const c of a.collateral) totals.set(c.asset, (totals.get(c.asset) ?? 0n) + c.amount);
  for (const [asset, amount] of [...totals].sort((x, y) => x[0] - y[0])) {
    const token = stack.tokens[asset]!;
    const symbol = stack.assets[asset]!.symbol;
    tx(`mint ${symbol}`, token, encodeFunctionData({ abi: erc20Abi, functionName: "mint", args: [owner.address, amount] }), GAS.mint);
    tx(`approve ${symbol}`, token, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [stack.vault, maxUint256] }), GAS.approve);
  }
  for (const a of owner.accounts) {
    for (const c of a.collateral) {
      tx(`deposit ${c.symbol} (sub-account ${a.subId})`, stack.vault, encodeFunctionData({ abi: vaultAbi, functionName: "deposit", args: [owner.address, a.subId, c.asset, c.amount] }), GAS.deposit);
    }
    for (const d of a.debt) {
      if (d.amount === 0n) continue;
      tx(
        `borrow ${d.symbol} (sub-account ${a.subId})`,
        stack.vault,
        encodeFunctionData({ abi: vaultAbi, functionName: "borrow", args: [owner.address, a.subId, d.asset, d.amount, owner.address] }),
        GAS.borrow,
      );
    }
    out[out.length - 1]!.completesAccount = true;
  }
  return out;
}

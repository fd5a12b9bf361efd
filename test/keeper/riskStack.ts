/**
 * Test helper of the risk tools' tests: Hardhat's simulated chain served on 127.0.0.1 (so the keeper's
 * CLI can run against it as a child process), the vault stack of scripts/lib/deployStack.ts, and a
 * reproducible population of accounts with varied leverage, opened with plain viem from Hardhat's
 * default (mnemonic) accounts.
 */
import { network } from "hardhat";
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  maxUint256,
  parseUnits,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { vaultAbi } from "../../keeper/src/chain/abi.ts";
import { deployStack, type Stack } from "../../scripts/lib/deployStack.ts";

const MNEMONIC = "test test test test test test test test test test test junk";
export type Wallet = WalletClient<Transport, Chain, Account>;

export const erc20Abi = [
  { type: "function", name: "mint", stateMutability: "nonpayable", inputs: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }], outputs: [] },
  { type: "function", name: "approve", stateMutability: "nonpayable", inputs: [{ name: "spender", type: "address" }, { name: "amount", type: "uint256" }], outputs: [{ name: "", type: "bool" }] },
] as const;

export const feedAbi = [
  { type: "function", name: "setAnswer", stateMutability: "nonpayable", inputs: [{ name: "answer", type: "int256" }], outputs: [] },
  { type: "function", name: "setAnswerAt", stateMutability: "nonpayable", inputs: [{ name: "answer", type: "int256" }, { name: "updatedAt", type: "uint256" }], outputs: [] },
  {
    type: "function",
    name: "latestRoundData",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
] as const;

/** Hardhat's default account `i` (mnemonic "test ... junk"): its private key and address. */
export function hardhatAccount(i: number): { key: Hex; address: Address; account: Account } {
  const account = mnemonicToAccount(MNEMONIC, { addressIndex: i });
  const key = `0x${Buffer.from(account.getHdKey().privateKey!).toString("hex")}` as Hex;
  return { key, address: account.address, account };
}

export interface RiskChain {
  url: string;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"hardhat", Transport, Chain>;
  wallet(i: number): Wallet;
  stack: Stack;
  admin: Wallet;
  close(): Promise<void>;
}

/** Serves a fresh simulated chain on 127.0.0.1 and deploys the vault stack with account 0 as admin. */
export async function startRiskChain(): Promise<RiskChain> {
  const server = await network.createServer({ network: "default", override: { blockGasLimit: 300_000_000n } }, "127.0.0.1", 0);
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const probe = createPublicClient({ transport: http(url) });
  const chain = defineChain({
    id: await probe.getChainId(),
    name: "hardhat-risk",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const transport = http(url);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 });
  const testClient = createTestClient({ chain, transport, mode: "hardhat" });
  const wallets = new Map<number, Wallet>();
  const wallet = (i: number): Wallet => {
    let w = wallets.get(i);
    if (w === undefined) wallets.set(i, (w = createWalletClient({ chain, transport, account: hardhatAccount(i).account })));
    return w;
  };
  const admin = wallet(0);
  const stack = await deployStack(admin, publicClient as PublicClient);
  return {
    url,
    chain,
    publicClient,
    testClient,
    wallet,
    stack,
    admin,
    close: () => server.close(),
  };
}

/** Sends and waits; throws on a revert. */
export async function sent(pub: PublicClient<Transport, Chain>, hash: Hex): Promise<void> {
  const r = await pub.waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
}

/** Mints every stack token to `w` and approves the vault. */
export async function fund(c: RiskChain, w: Wallet, wholeTokens = "1000000000"): Promise<void> {
  for (const [i, token] of c.stack.tokens.entries()) {
    const dec = c.stack.assets[i]!.decimals;
    await sent(c.publicClient, await w.writeContract({ address: token, abi: erc20Abi, functionName: "mint", args: [w.account.address, parseUnits(wholeTokens, dec)] }));
    await sent(c.publicClient, await w.writeContract({ address: token, abi: erc20Abi, functionName: "approve", args: [c.stack.vault, maxUint256] }));
  }
}

/** mulberry32 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const [USDC, WBTC, WETH, DAI] = [0, 1, 2, 3] as const;

/** Account shapes: collateral assets (with their share of the value) and debt assets (with their share). */
const SHAPES: { coll: [number, number][]; debt: [number, number][] }[] = [
  { coll: [[WETH, 1]], debt: [[USDC, 1]] },
  { coll: [[WBTC, 1]], debt: [[USDC, 1]] },
  { coll: [[WETH, 0.6], [WBTC, 0.4]], debt: [[USDC, 0.5], [DAI, 0.5]] },
  { coll: [[WBTC, 1]], debt: [[WETH, 1]] },
  { coll: [[WETH, 0.7], [USDC, 0.3]], debt: [[DAI, 1]] },
  { coll: [[WETH, 1]], debt: [[DAI, 0.7], [WBTC, 0.3]] },
];

export interface SeededAccount {
  owner: Address;
  subId: number;
  /** share of the initial-margin capacity borrowed */
  usage: number;
  shape: number;
}

/**
 * Opens `count` accounts (owners are default accounts `owners`, 5 sub-accounts each): collateral worth
 * 2k-400k USD (log-uniform), debts drawn at 35%..99.9% of the initial-margin capacity, so health factors
 * run from about 1.03 to 3.
 */
export async function seedAccounts(c: RiskChain, count: number, owners: number[], seed = 7): Promise<SeededAccount[]> {
  const rand = prng(seed);
  const assets = c.stack.assets;
  const priceOf = (a: number) => Number(assets[a]!.priceUsd);
  const ltvOf = (a: number) => assets[a]!.ltv / 10_000;
  const out: SeededAccount[] = [];
  for (const o of owners) await fund(c, c.wallet(o));
  for (let n = 0; n < count; n++) {
    const ownerIdx = owners[Math.floor(n / 5) % owners.length]!;
    const subId = n % 5;
    const w = c.wallet(ownerIdx);
    const owner = w.account.address;
    const shape = n % SHAPES.length;
    const s = SHAPES[shape]!;
    const value = 2_000 * Math.exp(rand() * Math.log(200)); // 2k .. 400k USD
    const usage = n % 7 === 0 ? 0.999 : 0.35 + rand() * 0.64;
    let capacity = 0;
    for (const [asset, share] of s.coll) {
      const amount = ((value * share) / priceOf(asset)).toFixed(Math.min(assets[asset]!.decimals, 8));
      await sent(c.publicClient, await w.writeContract({ address: c.stack.vault, abi: vaultAbi, functionName: "deposit", args: [owner, subId, asset, parseUnits(amount, assets[asset]!.decimals)] }));
      capacity += value * share * ltvOf(asset);
    }
    for (const [asset, share] of s.debt) {
      const usd = capacity * usage * share * 0.9999; // below the capacity after the rounding of values
      const amount = (usd / priceOf(asset)).toFixed(Math.min(assets[asset]!.decimals, 8));
      await sent(c.publicClient, await w.writeContract({ address: c.stack.vault, abi: vaultAbi, functionName: "borrow", args: [owner, subId, asset, parseUnits(amount, assets[asset]!.decimals), owner] }));
    }
    out.push({ owner, subId, usage, shape });
  }
  return out;
}

/** Sets every feed to its stack price again (a fresh round), e.g. after time passed. */
export async function refreshFeeds(c: RiskChain): Promise<void> {
  for (const [i, feed] of c.stack.feeds.entries()) {
    const { answer } = await latest(c, feed);
    await sent(c.publicClient, await c.admin.writeContract({ address: feed, abi: feedAbi, functionName: "setAnswer", args: [answer] }));
    void i;
  }
}

export async function latest(c: RiskChain, feed: Address): Promise<{ answer: bigint; updatedAt: bigint }> {
  const [, answer, , updatedAt] = await c.publicClient.readContract({ address: feed, abi: feedAbi, functionName: "latestRoundData" });
  return { answer, updatedAt };
}

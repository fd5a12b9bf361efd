/**
 * The chain side of the end-to-end scenarios: wallets from the nodes' test mnemonic, a vault deployed with
 * scripts/lib/deployStack.ts, accounts opened from a plan (deposit, borrow), prices moved on the feeds, and
 * the vault's own view read back (accountsHealth, Liquidated events). Plain viem over HTTP, so the same
 * code drives Hardhat's node and anvil.
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  maxUint256,
  parseUnits,
  toHex,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { compiled } from "../../scripts/lib/artifacts.ts";
import { DEFAULT_STACK_ASSETS, deployStack, type Stack } from "../../scripts/lib/deployStack.ts";
import type { TestNode } from "./nodes.ts";

export const WAD = 10n ** 18n;
const MNEMONIC = "test test test test test test test test test test test junk";

export type Wallet = WalletClient<Transport, Chain, Account>;
export type Symbol = "USDC" | "WBTC" | "WETH" | "DAI";
export const ASSET: Record<Symbol, number> = { USDC: 0, WBTC: 1, WETH: 2, DAI: 3 };
const DECIMALS: Record<Symbol, number> = { USDC: 6, WBTC: 8, WETH: 18, DAI: 18 };

/** Mnemonic account indices by role (owners from 3 on). */
export const ROLE = { admin: 0, keeper: 1, competitor: 2, firstOwner: 3 } as const;

const abis = new Map<string, Abi>();
/** ABIs read once per process (a rebuild while the tests run must not change the events decoded). */
export function abiOf(name: string): Abi {
  let abi = abis.get(name);
  if (abi === undefined) {
    abi = compiled(name).abi;
    abis.set(name, abi);
  }
  return abi;
}

/**
 * HTTP transport whose gas estimates carry a wide margin (x2 + 200k; gas is free on a test node). An
 * estimate is made at the pending block's timestamp; on anvil the transaction may land a second later,
 * where the vault first accrues interest on every asset the call reads (cold storage writes) that the
 * estimate did not include: measured 1.7x the estimate on a borrow, under load.
 */
export function httpWithGasMargin(url: string): Transport {
  const base = http(url);
  return ((opts: Parameters<typeof base>[0]) => {
    const t = base(opts);
    return {
      ...t,
      request: (async (args: { method: string; params?: unknown }) => {
        const r = await t.request(args as Parameters<typeof t.request>[0]);
        return args.method === "eth_estimateGas" ? toHex(BigInt(r as Hex) * 2n + 200_000n) : r;
      }) as typeof t.request,
    };
  }) as Transport;
}

const keyCache = new Map<number, { account: Account; privateKey: Hex }>();
/** Account `i` of the test mnemonic (both nodes fund the first 10 with 10000 ETH). */
export function mnemonicAccount(i: number): { account: Account; privateKey: Hex } {
  let k = keyCache.get(i);
  if (k === undefined) {
    const account = mnemonicToAccount(MNEMONIC, { addressIndex: i });
    const hd = account.getHdKey();
    if (hd.privateKey === null) throw new Error("no private key derived");
    k = { account, privateKey: `0x${Buffer.from(hd.privateKey).toString("hex")}` as Hex };
    keyCache.set(i, k);
  }
  return k;
}

/** A position: whole-token decimal amount of an asset. */
export type Amounts = Partial<Record<Symbol, string>>;

export interface AccountSpec {
  /** short name used in messages */
  name: string;
  /** mnemonic index of the owner */
  owner: number;
  subId: number;
  collateral: Amounts;
  debt: Amounts;
}

export interface OpenedAccount extends AccountSpec {
  address: Address;
  /** "0xowner/subId", owner lower-case (the keeper's log format, normalised) */
  key: string;
}

export interface HealthRow {
  collateralValue: bigint;
  weightedCollateral: bigint;
  initialMarginValue: bigint;
  debtValue: bigint;
  healthFactor: bigint;
}

export interface LiquidatedEvent {
  key: string;
  liquidator: Address;
  debtAsset: number;
  collateralAsset: number;
  repaid: bigint;
  seized: bigint;
  healthBefore: bigint;
  healthAfter: bigint | undefined;
  blockNumber: bigint;
  txHash: Hex;
  transactionIndex: number;
}

export type Prices = Record<Symbol, number>;
export const START_PRICES: Prices = { USDC: 1, WBTC: 60_000, WETH: 3_000, DAI: 1 };

/** The health factor the plan expects at `prices` (float; the plans keep clear margins). */
export function plannedHealth(spec: AccountSpec, prices: Prices): number {
  let weighted = 0;
  let debt = 0;
  for (const [s, amt] of Object.entries(spec.collateral) as [Symbol, string][]) {
    const lt = DEFAULT_STACK_ASSETS[ASSET[s]]!.liquidationThreshold / 10_000;
    weighted += Number(amt) * prices[s] * lt;
  }
  for (const [s, amt] of Object.entries(spec.debt) as [Symbol, string][]) debt += Number(amt) * prices[s];
  return debt === 0 ? Infinity : weighted / debt;
}

export function fmtHealth(h: bigint): string {
  if (h > 1000n * WAD) return "∞";
  return (Number(h / 10n ** 12n) / 1e6).toFixed(4);
}

export class World {
  readonly node: TestNode;
  readonly pub: PublicClient<Transport, Chain>;
  readonly chain: Chain;
  readonly admin: Wallet;
  readonly keeperKey: Hex;
  readonly keeperAddress: Address;
  stack!: Stack;
  readonly accounts: OpenedAccount[] = [];
  readonly prices: Prices = { ...START_PRICES };
  #wallets = new Map<number, Wallet>();
  #approved = new Set<string>();

  constructor(node: TestNode) {
    this.node = node;
    this.chain = defineChain({
      id: node.chainId,
      name: `e2e-${node.kind}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [node.httpUrl] } },
    });
    this.pub = createPublicClient({ chain: this.chain, transport: http(node.httpUrl), pollingInterval: 50 });
    this.admin = this.wallet(ROLE.admin);
    const k = mnemonicAccount(ROLE.keeper);
    this.keeperKey = k.privateKey;
    this.keeperAddress = k.account.address;
  }

  wallet(i: number): Wallet {
    let w = this.#wallets.get(i);
    if (w === undefined) {
      w = createWalletClient({ account: mnemonicAccount(i).account, chain: this.chain, transport: httpWithGasMargin(this.node.httpUrl), pollingInterval: 50 });
      this.#wallets.set(i, w);
    }
    return w;
  }

  get vault(): Address {
    return this.stack.vault;
  }

  token(s: Symbol): Address {
    return this.stack.tokens[ASSET[s]]!;
  }

  feed(s: Symbol): Address {
    return this.stack.feeds[ASSET[s]]!;
  }

  /** A fresh vault and assets (each scenario gets its own). */
  async deploy(): Promise<Stack> {
    this.stack = await deployStack(this.admin, this.pub as unknown as PublicClient);
    return this.stack;
  }

  /** Sends a contract call, waits for its receipt and fails on a revert. */
  async send(wallet: Wallet, address: Address, abiName: string, functionName: string, args: readonly unknown[]) {
    const hash = await wallet.writeContract({ address, abi: abiOf(abiName), functionName, args, chain: this.chain, account: wallet.account });
    const r = await this.pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (r.status !== "success") {
      // the reason: the same call replayed on the state before its block, and the gas it had
      const tx = await this.pub.getTransaction({ hash });
      let reason = "";
      try {
        await this.pub.simulateContract({ address, abi: abiOf(abiName), functionName, args, account: wallet.account, blockNumber: r.blockNumber - 1n });
        reason = "the replay before its block succeeds";
      } catch (e) {
        reason = (e as Error).message.split("\n").slice(0, 3).join(" ");
      }
      throw new Error(`${abiName}.${functionName} reverted (${hash}, block ${r.blockNumber}, gas used ${r.gasUsed} of ${tx.gas}): ${reason}`);
    }
    return r;
  }

  amount(s: Symbol, whole: string): bigint {
    return parseUnits(whole, DECIMALS[s]);
  }

  async mint(s: Symbol, to: Address, whole: string): Promise<void> {
    await this.send(this.admin, this.token(s), "MockERC20", "mint", [to, this.amount(s, whole)]);
  }

  async approveVault(i: number, s: Symbol): Promise<void> {
    const key = `${this.stack.vault}/${i}/${s}`;
    if (this.#approved.has(key)) return;
    await this.send(this.wallet(i), this.token(s), "MockERC20", "approve", [this.stack.vault, maxUint256]);
    this.#approved.add(key);
  }

  /** Tokens for the keeper to repay any debt asset with (it approves the vault itself at start). */
  async fundKeeper(): Promise<void> {
    await this.mint("USDC", this.keeperAddress, "50000000");
    await this.mint("DAI", this.keeperAddress, "50000000");
    await this.mint("WETH", this.keeperAddress, "20000");
    await this.mint("WBTC", this.keeperAddress, "500");
  }

  async deposit(i: number, subId: number, s: Symbol, whole: string): Promise<void> {
    const owner = mnemonicAccount(i).account.address;
    await this.mint(s, owner, whole);
    await this.approveVault(i, s);
    await this.send(this.wallet(i), this.stack.vault, "IVault", "deposit", [owner, subId, ASSET[s], this.amount(s, whole)]);
  }

  async borrow(i: number, subId: number, s: Symbol, whole: string): Promise<void> {
    const owner = mnemonicAccount(i).account.address;
    await this.send(this.wallet(i), this.stack.vault, "IVault", "borrow", [owner, subId, ASSET[s], this.amount(s, whole), owner]);
  }

  /** Deposits the collateral and borrows the debt of a planned account. */
  async open(spec: AccountSpec): Promise<OpenedAccount> {
    for (const [s, amt] of Object.entries(spec.collateral) as [Symbol, string][]) await this.deposit(spec.owner, spec.subId, s, amt);
    for (const [s, amt] of Object.entries(spec.debt) as [Symbol, string][]) await this.borrow(spec.owner, spec.subId, s, amt);
    const address = mnemonicAccount(spec.owner).account.address;
    const opened: OpenedAccount = { ...spec, address, key: `${address.toLowerCase()}/${spec.subId}` };
    this.accounts.push(opened);
    return opened;
  }

  async setPrice(s: Symbol, price: number): Promise<void> {
    await this.send(this.admin, this.feed(s), "MockAggregator", "setAnswer", [parseUnits(String(price), 8)]);
    this.prices[s] = price;
  }

  /** Every feed written again at its current price (a time jump must not leave one stale). */
  async refreshFeeds(): Promise<void> {
    for (const s of Object.keys(ASSET) as Symbol[]) await this.setPrice(s, this.prices[s]);
  }

  /** The vault's accountsHealth for these accounts, in order. */
  async health(accounts: readonly OpenedAccount[] = this.accounts): Promise<HealthRow[]> {
    if (accounts.length === 0) return [];
    return (await this.pub.readContract({
      address: this.stack.vault,
      abi: abiOf("IVault"),
      functionName: "accountsHealth",
      args: [accounts.map((a) => a.address), accounts.map((a) => a.subId)],
    })) as HealthRow[];
  }

  /** Accounts the vault says are liquidatable now (health below 1 with debt). */
  async underwater(accounts: readonly OpenedAccount[] = this.accounts): Promise<OpenedAccount[]> {
    const rows = await this.health(accounts);
    return accounts.filter((_, i) => rows[i]!.debtValue > 0n && rows[i]!.healthFactor < WAD);
  }

  /** Every Liquidated event of this vault. */
  async liquidations(): Promise<LiquidatedEvent[]> {
    const logs = await this.pub.getContractEvents({
      address: this.stack.vault,
      abi: abiOf("IVault"),
      eventName: "Liquidated",
      fromBlock: this.stack.startBlock,
      toBlock: "latest",
    });
    return logs.map((l) => {
      const a = (l as unknown as { args: Record<string, unknown> }).args;
      return {
        key: `${String(a.owner).toLowerCase()}/${Number(a.subId)}`,
        liquidator: a.liquidator as Address,
        debtAsset: Number(a.debtAsset),
        collateralAsset: Number(a.collateralAsset),
        repaid: a.repaid as bigint,
        seized: a.seized as bigint,
        healthBefore: a.healthBefore as bigint,
        healthAfter: a.healthAfter as bigint | undefined,
        blockNumber: l.blockNumber!,
        txHash: l.transactionHash!,
        transactionIndex: l.transactionIndex!,
      };
    });
  }

  byKey(key: string): OpenedAccount | undefined {
    return this.accounts.find((a) => a.key === key);
  }

  describe(keys: Iterable<string>): string {
    return [...keys].map((k) => this.byKey(k)?.name ?? k).sort().join(", ") || "(none)";
  }
}

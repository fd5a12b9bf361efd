/**
 * Deploys the vault (lens, extension, core), mock tokens and 8-decimal feeds, lists the assets and seeds
 * lender liquidity, with plain viem clients: the same code serves the in-process simulation, the
 * end-to-end tests (Hardhat node, anvil) and the benchmarks.
 */
import { maxUint256, parseUnits, type Account, type Address, type Chain, type PublicClient, type Transport, type WalletClient } from "viem";
import { compiled } from "./artifacts.ts";

export interface StackAsset {
  symbol: string;
  decimals: number;
  priceUsd: string;
  ltv: number;
  liquidationThreshold: number;
  maxBonus: bigint;
  /** lender liquidity to supply, in whole tokens */
  liquidity: string;
}

export const DEFAULT_STACK_ASSETS: StackAsset[] = [
  { symbol: "USDC", decimals: 6, priceUsd: "1", ltv: 8500, liquidationThreshold: 8800, maxBonus: 40_000_000_000_000_000n, liquidity: "500000000" },
  { symbol: "WBTC", decimals: 8, priceUsd: "60000", ltv: 7000, liquidationThreshold: 7500, maxBonus: 100_000_000_000_000_000n, liquidity: "1000" },
  { symbol: "WETH", decimals: 18, priceUsd: "3000", ltv: 8000, liquidationThreshold: 8250, maxBonus: 75_000_000_000_000_000n, liquidity: "100000" },
  { symbol: "DAI", decimals: 18, priceUsd: "1", ltv: 8500, liquidationThreshold: 8800, maxBonus: 40_000_000_000_000_000n, liquidity: "500000000" },
];

export const STACK_GLOBALS = {
  minBonus: 20_000_000_000_000_000n,
  targetHealth: 1_050_000_000_000_000_000n,
  minLeftover: 100n * 10n ** 18n,
  gracePeriod: 1800,
  flashFee: 5,
  rampDuration: 0,
};

export const STACK_RATE_MODEL = { baseRate: 0n, slope1: 1_268_391_679n, slope2: 23_782_343_987n, kink: 800_000_000_000_000_000n };

export interface Stack {
  vault: Address;
  startBlock: bigint;
  tokens: Address[];
  feeds: Address[];
  assets: StackAsset[];
}

type Wallet = WalletClient<Transport, Chain, Account>;

export async function deployContract(wallet: Wallet, pub: PublicClient, name: string, args: readonly unknown[]): Promise<Address> {
  const c = compiled(name);
  const hash = await wallet.deployContract({ abi: c.abi, bytecode: c.bytecode, args });
  const r = await pub.waitForTransactionReceipt({ hash });
  if (!r.contractAddress) throw new Error(`deploying ${name} produced no contract`);
  return r.contractAddress;
}

async function send(wallet: Wallet, pub: PublicClient, address: Address, name: string, functionName: string, args: readonly unknown[]) {
  const hash = await wallet.writeContract({ address, abi: compiled(name).abi, functionName, args });
  const r = await pub.waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new Error(`${name}.${functionName} reverted`);
  return r;
}

/** Deploys everything with `admin` (who also supplies the lender liquidity). */
export async function deployStack(admin: Wallet, pub: PublicClient, assets: StackAsset[] = DEFAULT_STACK_ASSETS): Promise<Stack> {
  const startBlock = await pub.getBlockNumber();
  const lens = await deployContract(admin, pub, "VaultLens", []);
  const extension = await deployContract(admin, pub, "VaultExtension", [lens]);
  const vault = await deployContract(admin, pub, "Vault", [admin.account.address, STACK_GLOBALS, extension]);
  const tokens: Address[] = [];
  const feeds: Address[] = [];
  for (const [i, a] of assets.entries()) {
    const token = await deployContract(admin, pub, "MockERC20", [a.symbol, a.symbol, a.decimals]);
    const feed = await deployContract(admin, pub, "MockAggregator", [8, parseUnits(a.priceUsd, 8), `${a.symbol} / USD`]);
    await send(admin, pub, vault, "IVault", "listAsset", [
      token,
      feed,
      {
        ltv: a.ltv,
        liquidationThreshold: a.liquidationThreshold,
        sizeFactor: 8000,
        protocolFee: 1000,
        reserveFactor: 1000,
        maxOracleAge: 86_400,
        maxBonus: a.maxBonus,
        sizeThreshold: (1n << 96n) - 1n,
        supplyCap: 0n,
        collateralCap: 0n,
        borrowCap: 0n,
      },
      STACK_RATE_MODEL,
    ]);
    const liquidity = parseUnits(a.liquidity, a.decimals);
    await send(admin, pub, token, "MockERC20", "mint", [admin.account.address, liquidity]);
    await send(admin, pub, token, "MockERC20", "approve", [vault, maxUint256]);
    await send(admin, pub, vault, "IVault", "supply", [i, liquidity, admin.account.address]);
    tokens.push(token);
    feeds.push(feed);
  }
  return { vault, startBlock, tokens, feeds, assets };
}

/** The keeper's viem clients: HTTP for reads and sends, WebSocket (optional) for subscriptions. */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  webSocket,
  type Account,
  type Chain,
  type PublicClient,
  type WalletClient,
  type Transport,
  type WebSocketTransport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { KeeperConfig } from "../config/schema.ts";

export interface KeeperClients {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** subscriptions (new heads, feed and vault logs); undefined: poll over HTTP */
  wsClient: PublicClient<WebSocketTransport, Chain> | undefined;
  account: Account | undefined;
  walletClient: WalletClient<Transport, Chain, Account> | undefined;
}

/** A chain definition for whatever chain the RPC serves (the keeper is chain-agnostic). */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

export function makeClients(cfg: KeeperConfig, chainId: number): KeeperClients {
  const chain = chainFor(chainId, cfg.rpcUrl);
  const transport = http(cfg.rpcUrl, { timeout: 15_000, retryCount: 2 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: cfg.pollMs });
  const wsClient = cfg.wsUrl
    ? createPublicClient({ chain, transport: webSocket(cfg.wsUrl, { retryCount: 5 }), pollingInterval: cfg.pollMs })
    : undefined;
  const account = cfg.privateKey ? privateKeyToAccount(cfg.privateKey) : undefined;
  const walletClient = account ? createWalletClient({ chain, account, transport }) : undefined;
  return { chain, publicClient, wsClient, account, walletClient };
}

/**
 * Closes the WebSocket, if any. Without this the socket outlives the keeper's stop: viem keeps it (cached
 * per URL, shared by every client of the process) and, when the node goes away, tries to reconnect and
 * prints each failure to the console.
 */
export async function closeClients(clients: Pick<KeeperClients, "wsClient">): Promise<void> {
  if (clients.wsClient === undefined) return;
  try {
    (await clients.wsClient.transport.getRpcClient()).close();
  } catch {
    // never connected, or already closed: nothing to release
  }
}

/**
 * The simulation's chain: Hardhat's in-process simulated network (EDR) served on 127.0.0.1 over HTTP and
 * WebSocket (same port), plus a minimal JSON-RPC client with batching for the bulk work (seeding sends
 * thousands of transactions; one HTTP request per transaction would dominate the run time).
 */
import { createPublicClient, defineChain, http, type Chain, type PublicClient, type Transport } from "viem";

export interface RpcCall {
  method: string;
  params: readonly unknown[];
}

export class RpcError extends Error {
  override name = "RpcError";
  readonly method: string;
  readonly data: unknown;
  constructor(method: string, message: string, data: unknown) {
    super(`${method}: ${message}`);
    this.method = method;
    this.data = data;
  }
}

interface RpcResponse {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** JSON-RPC over HTTP: one call, or a batch in one request (answers in call order). */
export class Rpc {
  readonly url: string;
  #id = 0;
  constructor(url: string) {
    this.url = url;
  }

  async #post(body: unknown): Promise<unknown> {
    const res = await fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`JSON-RPC HTTP ${res.status} from ${this.url}`);
    return res.json();
  }

  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const r = (await this.#post({ jsonrpc: "2.0", id: ++this.#id, method, params })) as RpcResponse;
    if (r.error) throw new RpcError(method, r.error.message, r.error.data);
    return r.result as T;
  }

  /**
   * Several calls in one HTTP request per `chunk` calls. With `settle`, errors come back as RpcError
   * values instead of throwing.
   */
  async batch<T = unknown>(calls: readonly RpcCall[], opts: { chunk?: number; settle?: boolean } = {}): Promise<(T | RpcError)[]> {
    const chunk = opts.chunk ?? 500;
    const out: (T | RpcError)[] = [];
    for (let i = 0; i < calls.length; i += chunk) {
      const part = calls.slice(i, i + chunk);
      const base = this.#id + 1;
      this.#id += part.length;
      const body = part.map((c, j) => ({ jsonrpc: "2.0", id: base + j, method: c.method, params: c.params }));
      const res = (await this.#post(body)) as RpcResponse[];
      const byId = new Map(res.map((r) => [r.id, r]));
      for (const [j, c] of part.entries()) {
        const r = byId.get(base + j);
        if (r === undefined) throw new Error(`JSON-RPC batch: no answer for ${c.method}`);
        if (r.error) {
          const err = new RpcError(c.method, r.error.message, r.error.data);
          if (!opts.settle) throw err;
          out.push(err);
        } else out.push(r.result as T);
      }
    }
    return out;
  }

  async blockNumber(): Promise<bigint> {
    return BigInt(await this.call<string>("eth_blockNumber"));
  }

  async latestTimestamp(): Promise<number> {
    const b = await this.call<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
    return Number(BigInt(b.timestamp));
  }

  async setAutomine(on: boolean): Promise<void> {
    await this.call("evm_setAutomine", [on]);
  }

  async mine(): Promise<void> {
    await this.call("evm_mine");
  }
}

export interface SimChain {
  rpc: Rpc;
  httpUrl: string;
  wsUrl: string;
  port: number;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  close(): Promise<void>;
}

/**
 * Starts Hardhat's simulated network in this process and serves it on 127.0.0.1 (port 0: any free
 * port). Needs to run inside a Hardhat project (the config is found from the working directory).
 */
export async function startChain(port = 0): Promise<SimChain> {
  const { network } = await import("hardhat");
  const server = await network.createServer({ network: "default" }, "127.0.0.1", port);
  const addr = await server.listen();
  const httpUrl = `http://127.0.0.1:${addr.port}`;
  const wsUrl = `ws://127.0.0.1:${addr.port}`;
  const rpc = new Rpc(httpUrl);
  const chainId = Number(BigInt(await rpc.call<string>("eth_chainId")));
  const chain = defineChain({
    id: chainId,
    name: "hardhat-sim",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [httpUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(httpUrl, { batch: true }), pollingInterval: 50 });
  let closed = false;
  return {
    rpc,
    httpUrl,
    wsUrl,
    port: addr.port,
    chain,
    publicClient,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
    },
  };
}

/**
 * Local JSON-RPC nodes for the end-to-end tests, both on 127.0.0.1 on a free port, HTTP and WebSocket on
 * the same port:
 * - Hardhat's simulated network (EDR) served in this process (`network.createServer`);
 * - anvil as a child process stopped by its PID (scripts/lib/anvilNode.ts, shared with the benchmark).
 *
 * Both nodes start from the same test mnemonic (accounts funded with 10000 ETH), chain id 31337, automine
 * on; `NodeControl` wraps the few test-only methods the scenarios use, which both nodes understand.
 */
import { startAnvil } from "../../scripts/lib/anvilNode.ts";

export type NodeKind = "hardhat" | "anvil";

export interface TestNode {
  kind: NodeKind;
  httpUrl: string;
  wsUrl: string;
  port: number;
  chainId: number;
  /** PID of the node's process (anvil), or undefined when it is served in this process (Hardhat) */
  pid: number | undefined;
  control: NodeControl;
  stop(): Promise<void>;
}

interface RpcResponse {
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** Test-only JSON-RPC methods both nodes implement. */
export class NodeControl {
  readonly url: string;
  #id = 0;
  constructor(url: string) {
    this.url = url;
  }

  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++this.#id, method, params }),
    });
    if (!res.ok) throw new Error(`${method}: HTTP ${res.status} from ${this.url}`);
    const r = (await res.json()) as RpcResponse;
    if (r.error) throw new Error(`${method}: ${r.error.message}`);
    return r.result as T;
  }

  async mine(): Promise<void> {
    await this.call("evm_mine");
  }

  async increaseTime(seconds: number): Promise<void> {
    await this.call("evm_increaseTime", [seconds]);
  }

  async setAutomine(on: boolean): Promise<void> {
    await this.call("evm_setAutomine", [on]);
  }

  async blockNumber(): Promise<bigint> {
    return BigInt(await this.call<string>("eth_blockNumber"));
  }
}

async function waitForRpc(url: string, timeoutMs: number, alive: () => boolean): Promise<number> {
  const control = new NodeControl(url);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the node at ${url} exited before answering`);
    try {
      return Number(BigInt(await control.call<string>("eth_chainId")));
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the node at ${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

// ------------------------------------------------------------------------------------------------ Hardhat

/** Hardhat's simulated network served in this process on 127.0.0.1 (needs the Hardhat runtime: `hardhat test`). */
export async function startHardhatNode(): Promise<TestNode> {
  const { network } = await import("hardhat");
  // port 0: the OS picks a free port at bind time (no window for another process to take it)
  const server = await network.createServer({ network: "default" }, "127.0.0.1", 0);
  const addr = await server.listen();
  const httpUrl = `http://127.0.0.1:${addr.port}`;
  let stopped = false;
  const chainId = await waitForRpc(httpUrl, 10_000, () => !stopped);
  return {
    kind: "hardhat",
    httpUrl,
    wsUrl: `ws://127.0.0.1:${addr.port}`,
    port: addr.port,
    chainId,
    pid: undefined,
    control: new NodeControl(httpUrl),
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
    },
  };
}

// ------------------------------------------------------------------------------------------------ anvil

/** anvil (scripts/lib/anvilNode.ts) as a TestNode. */
export async function startAnvilNode(): Promise<TestNode> {
  const n = await startAnvil();
  return { kind: "anvil", httpUrl: n.httpUrl, wsUrl: n.wsUrl, port: n.port, chainId: n.chainId, pid: n.pid, control: new NodeControl(n.httpUrl), stop: n.stop };
}

export function startNode(kind: NodeKind): Promise<TestNode> {
  return kind === "hardhat" ? startHardhatNode() : startAnvilNode();
}

/**
 * Local JSON-RPC nodes for the end-to-end tests, both on 127.0.0.1 on a free port, HTTP and WebSocket on
 * the same port:
 * - Hardhat's simulated network (EDR) served in this process (`network.createServer`);
 * - anvil, from the `@foundry-rs/anvil` devDependency, as a child process started from its binary (not
 *   through `npx` or the package's Node wrapper, which would leave the binary running when killed) and
 *   stopped by its PID: SIGTERM, then SIGKILL after a timeout. Exit and signal handlers SIGKILL any anvil
 *   (or keeper) still running, so a crashed or interrupted test run leaves nothing behind.
 *
 * Both nodes start from the same test mnemonic (accounts funded with 10000 ETH), chain id 31337, automine
 * on; `NodeControl` wraps the few test-only methods the scenarios use, which both nodes understand.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

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

/** A free TCP port on 127.0.0.1 (bound once to port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") {
        srv.close();
        reject(new Error("no port from the OS"));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
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

const ANVIL_PLATFORMS: Record<string, Record<string, string>> = {
  linux: { x64: "linux-amd64", arm64: "linux-arm64" },
  darwin: { x64: "darwin-amd64", arm64: "darwin-arm64" },
  win32: { x64: "win32-amd64" },
};

/** The anvil binary shipped by @foundry-rs/anvil's platform package (ANVIL_BIN overrides). */
export function anvilBinary(): string {
  const env = process.env.ANVIL_BIN?.trim();
  if (env) return env;
  const suffix = ANVIL_PLATFORMS[process.platform]?.[process.arch];
  if (suffix === undefined) throw new Error(`@foundry-rs/anvil ships no binary for ${process.platform}/${process.arch}`);
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve(`@foundry-rs/anvil-${suffix}/package.json`);
  } catch {
    throw new Error(`@foundry-rs/anvil-${suffix} is not installed: run \`npm install\` (anvil is a devDependency)`);
  }
  const bin = join(dirname(pkg), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(bin)) throw new Error(`anvil binary not found at ${bin}`);
  return bin;
}

const liveChildren = new Set<ChildProcess>();
let hooksInstalled = false;

function killLiveChildren(): void {
  for (const c of liveChildren) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

/**
 * Registers a child process (a node or a keeper) to be SIGKILLed by its PID if this process exits, or is
 * interrupted or terminated, while the child still runs: the tests never leave a process behind.
 */
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once("exit", killLiveChildren);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      killLiveChildren();
      // let the signal do what it would have done without this listener
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/** Stops a child by its PID: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  if (child.pid === undefined || exited()) return;
  const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(child.pid!, s);
    } catch {
      /* already gone */
    }
  };
  signal("SIGTERM");
  const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs))]);
  if (timedOut && !exited()) {
    signal("SIGKILL");
    await Promise.race([done, new Promise((r) => setTimeout(r, 3_000))]);
  }
}

/**
 * anvil on 127.0.0.1 on a free port, automine, the default test mnemonic and chain id 31337. The node is
 * only used once anvil itself said it listens on that port (another process could take a port between
 * freePort() and anvil's bind; anvil then exits and another port is tried), so the tests never talk to
 * somebody else's node.
 */
export async function startAnvil(extraArgs: string[] = []): Promise<TestNode> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startAnvilOnce(extraArgs);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

async function startAnvilOnce(extraArgs: string[]): Promise<TestNode> {
  const bin = anvilBinary();
  const port = await freePort();
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", "31337", "--hardfork", "prague", ...extraArgs];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  const tail: string[] = [];
  let listening = false;
  const keep = (chunk: Buffer) => {
    for (const l of chunk.toString("utf8").split("\n")) {
      if (l.trim() === "") continue;
      if (l.includes(`Listening on 127.0.0.1:${port}`)) listening = true;
      tail.push(l);
    }
    while (tail.length > 30) tail.shift();
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const httpUrl = `http://127.0.0.1:${port}`;
  let chainId: number;
  try {
    const deadline = Date.now() + 15_000;
    while (!listening) {
      if (!alive()) throw new Error(`anvil exited (code ${child.exitCode}) before listening on port ${port}`);
      if (Date.now() > deadline) throw new Error(`anvil did not listen on port ${port} within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    chainId = await waitForRpc(httpUrl, 15_000, alive);
  } catch (e) {
    await stopChild(child, 1_000);
    throw new Error(`${(e as Error).message}\nanvil's last lines:\n${tail.join("\n")}`);
  }
  return {
    kind: "anvil",
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    chainId,
    pid: child.pid,
    control: new NodeControl(httpUrl),
    stop: () => stopChild(child),
  };
}

export function startNode(kind: NodeKind): Promise<TestNode> {
  return kind === "hardhat" ? startHardhatNode() : startAnvil();
}

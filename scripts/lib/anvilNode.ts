/**
 * anvil (Foundry's node, from the `@foundry-rs/anvil` devDependency) as a child process on 127.0.0.1 on a
 * free port, HTTP and WebSocket on the same port, chain id 31337, the default test mnemonic (10 funded
 * accounts), automine on. It is started from its platform binary, not through `npx` or the package's Node
 * wrapper, which would leave the binary running when killed, and stopped by its PID: SIGTERM, then SIGKILL
 * after a timeout. Exit and signal handlers SIGKILL every child process registered here (nodes, keepers)
 * that still runs, so a crash or an interrupted run leaves nothing behind. Used by the end-to-end tests
 * and the benchmark.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

export interface AnvilNode {
  httpUrl: string;
  wsUrl: string;
  port: number;
  pid: number;
  chainId: number;
  /** web3_clientVersion */
  version: string;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  /** more command-line flags */
  extraArgs?: string[];
  /**
   * `--silent`: no log line per request (the benchmark sends hundreds of thousands). Without it the node
   * is used only once anvil said it listens on its port; silent, once it answers while still running.
   */
  silent?: boolean;
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

async function rpcCall(url: string, method: string): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }) });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status} from ${url}`);
  const r = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

const PLATFORMS: Record<string, Record<string, string>> = {
  linux: { x64: "linux-amd64", arm64: "linux-arm64" },
  darwin: { x64: "darwin-amd64", arm64: "darwin-arm64" },
  win32: { x64: "win32-amd64" },
};

/** The anvil binary shipped by @foundry-rs/anvil's platform package (ANVIL_BIN overrides). */
export function anvilBinary(): string {
  const env = process.env.ANVIL_BIN?.trim();
  if (env) return env;
  const suffix = PLATFORMS[process.platform]?.[process.arch];
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
 * anvil on a free port. Another process could take the port between freePort() and anvil's bind: anvil
 * then exits and another port is tried (three attempts).
 */
export async function startAnvil(o: AnvilOptions = {}): Promise<AnvilNode> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startAnvilOnce(o);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

async function startAnvilOnce(o: AnvilOptions): Promise<AnvilNode> {
  const bin = anvilBinary();
  const port = await freePort();
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", "31337", "--hardfork", "prague", ...(o.silent ? ["--silent"] : []), ...(o.extraArgs ?? [])];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  const tail: string[] = [];
  let listening = o.silent === true;
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
  try {
    const deadline = Date.now() + 15_000;
    let last: unknown;
    for (;;) {
      if (!alive()) throw new Error(`anvil exited (code ${child.exitCode}) before answering on port ${port}`);
      if (Date.now() > deadline) throw new Error(`anvil did not answer on port ${port} within 15 s: ${String(last)}`);
      if (listening) {
        try {
          const chainId = Number(BigInt((await rpcCall(httpUrl, "eth_chainId")) as string));
          const version = String(await rpcCall(httpUrl, "web3_clientVersion"));
          return { httpUrl, wsUrl: `ws://127.0.0.1:${port}`, port, pid: child.pid!, chainId, version, stop: () => stopChild(child) };
        } catch (e) {
          last = e;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    await stopChild(child, 1_000);
    throw new Error(`${(e as Error).message}\nanvil's last lines:\n${tail.join("\n")}`);
  }
}

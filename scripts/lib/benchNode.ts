/**
 * The benchmark's node: anvil (from the `@foundry-rs/anvil` devDependency: revm, far faster per opcode
 * than Hardhat's in-process EVM) started as a child process from its platform binary on 127.0.0.1 on a
 * free port (HTTP and WebSocket on the same port), automine on, no block gas limit (seeding packs many
 * transactions per block), and stopped by its PID (SIGTERM, then SIGKILL). A process exit handler
 * SIGKILLs any anvil this module started and that is still running, so an error leaves nothing behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

export interface BenchNode {
  httpUrl: string;
  wsUrl: string;
  port: number;
  pid: number;
  chainId: number;
  version: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
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

const PLATFORMS: Record<string, Record<string, string>> = {
  linux: { x64: "linux-amd64", arm64: "linux-arm64" },
  darwin: { x64: "darwin-amd64", arm64: "darwin-arm64" },
  win32: { x64: "win32-amd64" },
};

/** anvil's binary from @foundry-rs/anvil's platform package (ANVIL_BIN overrides). */
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

const live = new Set<ChildProcess>();
let hooked = false;

function killAllNow(): void {
  for (const c of live) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
}

async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  if (child.pid === undefined || exited()) return;
  const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(child.pid!, s);
    } catch {
      /* gone */
    }
  };
  signal("SIGTERM");
  const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs))]);
  if (timedOut && !exited()) {
    signal("SIGKILL");
    await Promise.race([done, new Promise((r) => setTimeout(r, 3_000))]);
  }
}

async function rpcCall(url: string, method: string): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }) });
  const r = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

/** anvil on 127.0.0.1, the default test mnemonic (10 funded accounts), chain id 31337. */
export async function startAnvil(extraArgs: string[] = []): Promise<BenchNode> {
  if (!hooked) {
    hooked = true;
    process.once("exit", killAllNow);
  }
  const bin = anvilBinary();
  const port = await freePort();
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", "31337", "--hardfork", "prague", "--disable-block-gas-limit", "--silent", ...extraArgs];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const l of chunk.toString("utf8").split("\n")) if (l.trim() !== "") tail.push(l);
    while (tail.length > 30) tail.shift();
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const httpUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  let chainId: number | undefined;
  let version = "";
  let last: unknown;
  while (chainId === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`anvil exited before answering:\n${tail.join("\n")}`);
    if (Date.now() > deadline) {
      await stopChild(child, 1_000);
      throw new Error(`anvil did not answer within 15 s: ${String(last)}\n${tail.join("\n")}`);
    }
    try {
      chainId = Number(BigInt((await rpcCall(httpUrl, "eth_chainId")) as string));
      version = String(await rpcCall(httpUrl, "web3_clientVersion"));
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    chainId,
    version,
    stop: () => stopChild(child),
  };
}

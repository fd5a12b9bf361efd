/**
 * The real keeper (`node keeper/src/cli.ts run`) as a child process of the simulation: started with its
 * settings in the environment, its JSON log lines (pino, on stderr) parsed as they come, stopped with
 * SIGTERM then SIGKILL. Log contract read here (fields parsed tolerantly):
 * - `"msg":"ready"`: the book is synced and the keeper listens;
 * - `"msg":"liquidation broadcast"` with `account` ("0x…/subId"), `txHash`, `reactionMs`, `expectedProfitUsd`;
 * - `"msg":"liquidation outcome"` with `kind` (mined | reverted | dropped | skipped) and `txHash`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = "keeper/src/cli.ts";

export interface KeeperBroadcast {
  account: string;
  txHash: string;
  reactionMs: number | undefined;
  expectedProfitUsd: string | undefined;
  atMs: number;
}

export interface KeeperOutcome {
  kind: string;
  /** why, for dropped or skipped ones (e.g. "front-run") */
  reason: string | undefined;
  txHash: string | undefined;
  account: string | undefined;
  atMs: number;
}

export class KeeperError extends Error {
  override name = "KeeperError";
}

/** Whether this checkout's keeper has the `run` command. */
export function keeperHasRun(): boolean {
  if (process.env.SIM_KEEPER_CMD?.trim()) return true;
  const r = spawnSync(process.execPath, [CLI, "run", "--help"], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
  return r.status === 0 && /Usage: keeper run/.test(r.stdout);
}

export interface KeeperEnv {
  rpcUrl: string;
  wsUrl: string;
  vault: string;
  startBlock: bigint;
  privateKey: string;
  logLevel?: string;
  extra?: Record<string, string>;
  /** the keeper's command after `node` (default: keeper/src/cli.ts run); SIM_KEEPER_CMD overrides it */
  command?: string[];
  /** append every line the keeper writes to this file */
  logFile?: string;
}

/** The keeper command: SIM_KEEPER_CMD (space-separated, run with node) or the project's keeper. */
export function keeperCommand(): string[] {
  const env = process.env.SIM_KEEPER_CMD?.trim();
  return env ? env.split(/\s+/) : [CLI, "run"];
}

export class KeeperProcess {
  readonly child: ChildProcess;
  readonly broadcasts: KeeperBroadcast[] = [];
  readonly outcomes: KeeperOutcome[] = [];
  readonly warnings: string[] = [];
  /** the last lines the keeper wrote (stderr and stdout), for error messages */
  readonly tail: string[] = [];
  readyAtMs: number | undefined;
  /** the fields of the keeper's last "stopped" line (its own counters), if it wrote one */
  finalStats: Record<string, unknown> | undefined;
  lastActivityMs = 0;
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null | undefined;
  #onLine: (() => void)[] = [];
  #exited: Promise<void>;
  #log: WriteStream | undefined;

  constructor(env: KeeperEnv) {
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      KEEPER_ENV_FILE: "/nonexistent/.env", // don't let a local .env change the simulation's keeper
      KEEPER_RPC_URL: env.rpcUrl,
      KEEPER_WS_URL: env.wsUrl,
      KEEPER_VAULT: env.vault,
      KEEPER_START_BLOCK: env.startBlock.toString(),
      KEEPER_PRIVATE_KEY: env.privateKey,
      KEEPER_MODE: "liquidate",
      KEEPER_CHECKPOINT: "",
      KEEPER_MIN_PROFIT_USD: "0",
      KEEPER_LOG_LEVEL: env.logLevel ?? "info",
      ...env.extra,
    };
    this.child = spawn(process.execPath, env.command ?? keeperCommand(), { cwd: REPO_ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    this.#exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        this.#log?.end();
        this.#notify();
        resolve();
      });
      this.child.once("error", (e) => {
        this.tail.push(`spawn error: ${e.message}`);
        this.exitCode = this.exitCode ?? -1;
        this.#notify();
        resolve();
      });
    });
    if (env.logFile !== undefined) this.#log = createWriteStream(env.logFile, { flags: "a" });
    this.#lines(this.child.stderr!, (l) => this.#parse(l));
    this.#lines(this.child.stdout!, (l) => this.#parse(l));
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Broadcasts with no outcome yet. */
  get inFlight(): number {
    const done = new Set(this.outcomes.map((o) => o.txHash).filter((h) => h !== undefined));
    return this.broadcasts.filter((b) => !done.has(b.txHash)).length;
  }

  #lines(stream: NodeJS.ReadableStream, fn: (line: string) => void) {
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim() !== "") fn(line);
      }
    });
  }

  #notify() {
    const fns = this.#onLine;
    this.#onLine = [];
    for (const f of fns) f();
  }

  #parse(line: string) {
    this.#log?.write(line + "\n");
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.#notify();
      return;
    }
    const msg = typeof rec.msg === "string" ? rec.msg : "";
    const now = performance.now();
    const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : undefined);
    if (msg === "ready") {
      this.readyAtMs ??= now;
    } else if (msg === "liquidation broadcast") {
      const r = Number(rec.reactionMs);
      this.broadcasts.push({
        account: str(rec.account) ?? "?",
        txHash: str(rec.txHash) ?? `?${this.broadcasts.length}`,
        reactionMs: Number.isFinite(r) ? r : undefined,
        expectedProfitUsd: str(rec.expectedProfitUsd),
        atMs: now,
      });
      this.lastActivityMs = now;
    } else if (msg === "liquidation outcome") {
      this.outcomes.push({ kind: str(rec.kind) ?? "unknown", reason: str(rec.reason) ?? str(rec.errorName), txHash: str(rec.txHash), account: str(rec.account), atMs: now });
      this.lastActivityMs = now;
    } else if (msg === "stopped") {
      const { level: _l, time: _t, msg: _m, svc: _s, pid: _p, hostname: _h, ...rest } = rec;
      this.finalStats = rest;
    } else if (typeof rec.level === "number" && rec.level >= 50) {
      this.warnings.push(`${msg}${rec.err ? `: ${JSON.stringify(rec.err).slice(0, 300)}` : ""}`);
    }
    this.#notify();
  }

  /** Resolves on the keeper's next line (or exit), or after `ms`. */
  nextLine(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#onLine.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  tailText(n = 15): string {
    return this.tail.slice(-n).map((l) => `    ${l.length > 400 ? l.slice(0, 400) + "…" : l}`).join("\n");
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.readyAtMs === undefined) {
      if (!this.running) {
        throw new KeeperError(`the keeper exited (code ${this.exitCode}, signal ${this.exitSignal}) before it was ready; its last lines:\n${this.tailText()}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new KeeperError(`the keeper did not log "ready" within ${Math.round(timeoutMs / 1000)} s; its last lines:\n${this.tailText() || "    (nothing)"}`);
      }
      await this.nextLine(Math.min(left, 500));
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const killed = await Promise.race([this.#exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs))]);
    if (!killed && this.running && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      await Promise.race([this.#exited, new Promise((r) => setTimeout(r, 2000))]);
    }
  }

  /** Synchronous last resort (process exit handlers). */
  killNow(): void {
    if (this.running && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

/**
 * The real keeper (`node keeper/src/cli.ts run`) as a child process of an end-to-end test: settings in its
 * environment (a local .env is ignored), its JSON log lines (pino, on stderr) parsed as they come, waits
 * for a line matching a predicate with a timeout (a timeout or an early exit fails with the keeper's last
 * 30 lines), and stopped by its PID: SIGTERM then SIGKILL after a timeout, or SIGKILL at once (a crash).
 * Exit and signal handlers (scripts/lib/anvilNode.ts trackChild) SIGKILL every keeper still running.
 *
 * Log contract used here: `"msg":"ready"`; `"liquidation broadcast"` {account "0x…/subId", txHash,
 * reactionMs, expectedProfitUsd}; `"liquidation outcome"` {account, kind: mined|reverted|dropped, txHash?,
 * reason?}; `"liquidation skipped"` {account, reason}; `"resuming from checkpoint"`; `"stopped"`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopChild, trackChild } from "../../scripts/lib/anvilNode.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = "keeper/src/cli.ts";

export interface KeeperRecord {
  msg: string;
  level: number;
  /** performance.now() when the line arrived */
  at: number;
  raw: Record<string, unknown>;
}

export interface KeeperSettings {
  rpcUrl: string;
  wsUrl?: string;
  vault: string;
  startBlock: bigint;
  privateKey: string;
  /** checkpoint file ("" disables) */
  checkpoint: string;
  gasTokenAsset?: number;
  logLevel?: string;
  /** any other KEEPER_* variables */
  extra?: Record<string, string>;
}

export class KeeperTimeout extends Error {
  override name = "KeeperTimeout";
}

const live = new Set<KeeperProcess>();

/** Account key as the keeper logs it: "0xOwner/subId" (owner compared lower-case). */
export function accountLabel(owner: string, subId: number): string {
  return `${owner.toLowerCase()}/${subId}`;
}

export function normaliseAccount(logged: unknown): string {
  if (typeof logged !== "string") return "?";
  const [owner = "", sub = ""] = logged.split("/");
  return `${owner.toLowerCase()}/${sub}`;
}

export class KeeperProcess {
  readonly child: ChildProcess;
  readonly records: KeeperRecord[] = [];
  /** every line (parsed or not), the last 200 */
  readonly tail: string[] = [];
  /** every line, in order (E2E_KEEPER_LOG_DIR writes them to files) */
  readonly lines: string[] = [];
  readonly startedAt = performance.now();
  #waiters: (() => void)[] = [];
  #exit: Promise<void>;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  #exited = false;

  constructor(s: KeeperSettings) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KEEPER_ENV_FILE: "/nonexistent/.env",
      KEEPER_RPC_URL: s.rpcUrl,
      KEEPER_WS_URL: s.wsUrl ?? "",
      KEEPER_VAULT: s.vault,
      KEEPER_START_BLOCK: s.startBlock.toString(),
      KEEPER_PRIVATE_KEY: s.privateKey,
      KEEPER_MODE: "liquidate",
      KEEPER_GAS_TOKEN_ASSET: String(s.gasTokenAsset ?? 2),
      KEEPER_MIN_PROFIT_USD: "0",
      KEEPER_CHECKPOINT: s.checkpoint,
      KEEPER_LOG_LEVEL: s.logLevel ?? "info",
      KEEPER_POLL_MS: "100",
      ...s.extra,
    };
    if (s.wsUrl === undefined) delete env.KEEPER_WS_URL;
    this.child = spawn(process.execPath, [CLI, "run"], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    trackChild(this.child);
    live.add(this);
    this.#exit = new Promise((resolve) => {
      const done = () => {
        if (this.#exited) return;
        this.#exited = true;
        live.delete(this);
        this.exitCode = this.child.exitCode;
        this.exitSignal = this.child.signalCode;
        this.#notify();
        resolve();
      };
      this.child.once("exit", done);
      this.child.once("error", (e) => {
        this.tail.push(`spawn error: ${e.message}`);
        done();
      });
    });
    this.#lines(this.child.stderr!);
    this.#lines(this.child.stdout!);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.#exited;
  }

  #lines(stream: NodeJS.ReadableStream): void {
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim() !== "") this.#line(line);
      }
    });
  }

  #line(line: string): void {
    this.lines.push(line);
    this.tail.push(line);
    if (this.tail.length > 200) this.tail.shift();
    try {
      const raw = JSON.parse(line) as Record<string, unknown>;
      this.records.push({ msg: typeof raw.msg === "string" ? raw.msg : "", level: typeof raw.level === "number" ? raw.level : 0, at: performance.now(), raw });
    } catch {
      /* not JSON: kept in the tail only */
    }
    this.#notify();
  }

  #notify(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The keeper's last `n` lines, indented, for failure messages. */
  lastLines(n = 30): string {
    const lines = this.tail.slice(-n);
    if (lines.length === 0) return "    (nothing)";
    return lines.map((l) => `    ${l.length > 600 ? `${l.slice(0, 600)}…` : l}`).join("\n");
  }

  /** Records with this message (all, or from index `from`). */
  messages(msg: string, from = 0): KeeperRecord[] {
    return this.records.slice(from).filter((r) => r.msg === msg);
  }

  get broadcasts(): KeeperRecord[] {
    return this.messages("liquidation broadcast");
  }

  get outcomes(): KeeperRecord[] {
    return this.messages("liquidation outcome");
  }

  get skips(): KeeperRecord[] {
    return this.messages("liquidation skipped");
  }

  /**
   * The first record (from index `from`) matching `pred`, waiting up to `timeoutMs`. Fails with the
   * keeper's last 30 lines on timeout, or when the keeper exits first.
   */
  async waitFor(what: string, pred: (r: KeeperRecord) => boolean, timeoutMs: number, from = 0): Promise<KeeperRecord> {
    const deadline = performance.now() + timeoutMs;
    let scanned = from;
    for (;;) {
      for (; scanned < this.records.length; scanned++) {
        const r = this.records[scanned]!;
        if (pred(r)) return r;
      }
      if (!this.running) {
        throw new KeeperTimeout(
          `the keeper exited (code ${this.exitCode}, signal ${this.exitSignal}) while the test waited for ${what}; its last 30 lines:\n${this.lastLines()}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new KeeperTimeout(`the keeper did not log ${what} within ${Math.round(timeoutMs)} ms; its last 30 lines:\n${this.lastLines()}`);
      await this.#nextEvent(Math.min(left, 250));
    }
  }

  waitForMsg(msg: string, timeoutMs: number, from = 0): Promise<KeeperRecord> {
    return this.waitFor(`"${msg}"`, (r) => r.msg === msg, timeoutMs, from);
  }

  /** Polls `cond` (async) until true, failing with the keeper's last lines after `timeoutMs`. */
  async until(what: string | (() => string), cond: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 150): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (await cond()) return;
      const label = typeof what === "string" ? what : what();
      if (!this.running) {
        throw new KeeperTimeout(`the keeper exited (code ${this.exitCode}, signal ${this.exitSignal}) while the test waited until ${label}; its last 30 lines:\n${this.lastLines()}`);
      }
      if (performance.now() >= deadline) throw new KeeperTimeout(`timed out after ${Math.round(timeoutMs)} ms waiting until ${label}; the keeper's last 30 lines:\n${this.lastLines()}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** SIGTERM (the keeper stops cleanly and checkpoints), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    await stopChild(this.child, graceMs);
    await Promise.race([this.#exit, new Promise((r) => setTimeout(r, 3_000))]);
  }

  /** SIGKILL now (a crash: no checkpoint on the way out); resolves once it has exited. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.killNowSync();
    await Promise.race([this.#exit, new Promise((r) => setTimeout(r, 5_000))]);
  }

  killNowSync(): void {
    if (this.running && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

/** Stops every keeper still running (the suites' `after` hooks call this as a safety net). */
export async function stopAllKeepers(): Promise<void> {
  await Promise.all([...live].map((k) => k.stop(5_000)));
}

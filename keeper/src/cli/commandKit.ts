/**
 * What the risk commands (stress, levels, calibrate) share: the CLI's settings helpers (passed in from
 * cli.ts), opening the book with the assets' symbols, and parsers of their flags that throw one-line
 * InputErrors.
 */
import type { Command } from "commander";
import type { Logger } from "pino";
import type { Address } from "viem";
import type { SettingName, KeeperConfig } from "../config/schema.ts";
import { loadConfig } from "../config/load.ts";
import { makeLogger } from "../log.ts";
import { openBook, type OpenBook } from "../book/openBook.ts";
import { readAssetSymbols, type AssetSymbols } from "../chain/assetSymbols.ts";
import { InputError } from "./inputError.ts";

/** The helpers of cli.ts a command module registers itself with. */
export interface CommandKit {
  withSettings(cmd: Command): Command;
  guarded(fn: () => Promise<void>): Promise<void>;
  settingsFrom(opts: Record<string, unknown>): Partial<Record<SettingName, string>>;
}

export interface RiskContext {
  cfg: KeeperConfig;
  log: Logger;
  ob: OpenBook;
  symbols: AssetSymbols;
  /** USD WAD prices from the feeds' latest answers */
  prices: Map<number, bigint>;
}

/** Config, logger, the book synced to the head (checkpoint saved) and the assets' symbols. */
export async function openRiskContext(kit: CommandKit, opts: Record<string, unknown>): Promise<RiskContext> {
  const cfg = loadConfig(kit.settingsFrom(opts));
  const log = makeLogger(cfg.logLevel);
  const ob = await openBook(cfg, log);
  await ob.saveCheckpoint();
  const symbols = await readAssetSymbols(ob.clients.publicClient, ob.sync.book.assets.values());
  const prices = ob.sync.book.pricesFromAnswers(ob.sync.feeds.answers());
  return { cfg, log, ob, symbols, prices };
}

/** The price grid of an asset's feed in WAD wei: 10^(18 - feedDecimals) (1 for 18 decimals or more). */
export function feedStep(feedDecimals: number): bigint {
  return feedDecimals >= 18 ? 1n : 10n ** BigInt(18 - feedDecimals);
}

/** `--at`: a Unix timestamp, or `+seconds` after the head's (default: the head's). */
export function parseAt(text: string | undefined, head: bigint): bigint {
  if (text === undefined) return head;
  const t = text.trim();
  if (/^\+\d+$/.test(t)) return head + BigInt(t.slice(1));
  if (/^\d+$/.test(t)) {
    const v = BigInt(t);
    if (v < head) throw new InputError(`--at ${t} is before the head block's timestamp ${head}`);
    return v;
  }
  throw new InputError(`--at: expected a Unix timestamp or +seconds after the head, got ${JSON.stringify(text)}`);
}

/** `--account 0xowner/subId` or `0xowner` (every sub-account of the owner). */
export function parseAccount(text: string): { owner: Address; subId: number | undefined } {
  const m = /^(0x[0-9a-fA-F]{40})(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (m === null) throw new InputError(`--account: expected 0x<owner address> or 0x<owner address>/<subId>, got ${JSON.stringify(text)}`);
  const subId = m[2] === undefined ? undefined : Number(m[2]);
  if (subId !== undefined && subId > 255) throw new InputError(`--account: sub-account ids are 0..255, got ${subId}`);
  return { owner: m[1] as Address, subId };
}

/** A positive number flag (e.g. `--k 3`). */
export function parsePositive(flag: string, text: string): number {
  const v = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(v > 0)) throw new InputError(`${flag}: expected a positive number, got ${JSON.stringify(text)}`);
  return v;
}

/** `--horizon 1d`: seconds from `<n>s|m|h|d` (a bare number is seconds). */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(text.trim());
  if (m === null) throw new InputError(`${flag}: expected a duration like 3600, 30m, 6h or 1d, got ${JSON.stringify(text)}`);
  const mult = { s: 1, m: 60, h: 3_600, d: 86_400 }[(m[2] ?? "s") as "s"];
  const v = Number(m[1]) * mult;
  if (!(v > 0)) throw new InputError(`${flag}: the duration must be positive`);
  return v;
}

/** `A=x,B=y` into [A, x] pairs (split on the first `=`; empty entries are errors). */
export function parsePairs(flag: string, text: string, example: string): [string, string][] {
  const parts = text.split(",").map((p) => p.trim());
  return parts.map((p) => {
    const i = p.indexOf("=");
    if (i <= 0 || i === p.length - 1) throw new InputError(`${flag}: ${JSON.stringify(p)} is not ASSET=VALUE (e.g. ${example})`);
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
  });
}

/** JSON with bigints as strings and Maps as objects. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v),
    2,
  );
}

/**
 * The keeper's checkpoint: the account book, the feed book and the block they are synced to, written
 * atomically (temporary file, then rename) so a restart resumes without rescanning from the start block.
 * On load, the block hash is compared with the chain's: a reorg below the checkpoint, another chain or
 * another vault discards it (the keeper then rebuilds from the start block).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { AccountBook } from "./accountBook.ts";
import { FeedBook } from "./feedBook.ts";

export const CHECKPOINT_VERSION = 1;

export interface CheckpointMeta {
  version: number;
  chainId: number;
  vault: string;
  blockNumber: bigint;
  blockHash: string;
  seededFeeds: string[];
}

export interface Checkpoint {
  meta: CheckpointMeta;
  book: AccountBook;
  feeds: FeedBook;
}

/** JSON with bigint, Map and Set kept (tagged), so the books round-trip exactly. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return { $big: value.toString() };
  if (value instanceof Map) return { $map: [...value] };
  if (value instanceof Set) return { $set: [...value] };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (typeof v.$big === "string") return BigInt(v.$big);
    if (Array.isArray(v.$map)) return new Map(v.$map as [unknown, unknown][]);
    if (Array.isArray(v.$set)) return new Set(v.$set as unknown[]);
  }
  return value;
}

export function saveCheckpoint(path: string, cp: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ meta: cp.meta, book: cp.book, feeds: cp.feeds }, replacer));
  renameSync(tmp, path);
}

/** The checkpoint at `path`, or undefined when there is none; throws on a corrupt file. */
export function loadCheckpoint(path: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const raw = JSON.parse(text, reviver) as { meta: CheckpointMeta; book: object; feeds: object };
  if (raw.meta?.version !== CHECKPOINT_VERSION) throw new Error(`checkpoint ${path}: unknown version ${raw.meta?.version}`);
  const book = Object.assign(new AccountBook(), raw.book);
  const feeds = Object.assign(new FeedBook(), raw.feeds);
  return { meta: raw.meta, book, feeds };
}

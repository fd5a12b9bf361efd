/**
 * Opens the keeper's view of the vault: startup checks, then the books restored from the checkpoint (when
 * it matches this chain, vault and a block still on the chain) and synced to the head from the logs.
 */
import type { Logger } from "pino";
import type { KeeperConfig } from "../config/schema.ts";
import { makeClients, type KeeperClients } from "../chain/clients.ts";
import { probeChainId, startupChecks, type StartupReport } from "../chain/startupChecks.ts";
import { AccountBook } from "./accountBook.ts";
import { FeedBook } from "./feedBook.ts";
import { LogSync, type LogSource } from "./logSync.ts";
import { CHECKPOINT_VERSION, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";

export interface OpenBook {
  clients: KeeperClients;
  report: StartupReport;
  /** replaced by `reopen` */
  sync: LogSync;
  /** timestamp of the block the books are synced to */
  headTimestamp: bigint;
  /** hash of that block */
  headHash?: `0x${string}`;
  saveCheckpoint(): Promise<void>;
  /**
   * After a chain reorganisation below the synced block: the books again from the checkpoint if its block
   * is still on the chain, else from the start block, synced to `toBlock`. Replaces `sync`.
   */
  reopen(toBlock: bigint): Promise<void>;
}

export async function openBook(cfg: KeeperConfig, log: Logger): Promise<OpenBook> {
  const chainId = await probeChainId(cfg.rpcUrl);
  const clients = makeClients(cfg, chainId);
  const { publicClient } = clients;
  const report = await startupChecks(cfg, publicClient, chainId, clients.account?.address);
  log.info({ chainId, head: report.head, assets: report.assetCount, liquidator: report.liquidator, balanceWei: report.balanceWei }, "connected");

  /** The books from the checkpoint when it matches this chain, vault and a block still on the chain. */
  async function restore(head: bigint): Promise<LogSync> {
    let book = new AccountBook();
    let feeds = new FeedBook();
    let from = cfg.startBlock;
    let seeded: string[] = [];
    if (cfg.checkpoint !== "") {
      const cp = loadCheckpoint(cfg.checkpoint);
      if (cp !== undefined) {
        const sameVault = cp.meta.vault.toLowerCase() === cfg.vault.toLowerCase() && cp.meta.chainId === chainId;
        const block = sameVault && cp.meta.blockNumber <= head ? await publicClient.getBlock({ blockNumber: cp.meta.blockNumber }) : undefined;
        if (block !== undefined && block.hash === cp.meta.blockHash) {
          book = cp.book;
          feeds = cp.feeds;
          from = cp.meta.blockNumber + 1n;
          seeded = cp.meta.seededFeeds;
          log.info({ checkpoint: cfg.checkpoint, block: cp.meta.blockNumber }, "resuming from checkpoint");
        } else {
          log.warn({ checkpoint: cfg.checkpoint }, "checkpoint is for another chain, vault or a reorged block: rebuilding from the start block");
        }
      }
    }
    const s = new LogSync(publicClient as unknown as LogSource, cfg.vault, book, feeds, cfg.logRange, from);
    s.markSeeded(seeded);
    const started = performance.now();
    const r = await s.syncTo(head);
    log.info(
      { toBlock: head, vaultLogs: r.vaultLogs.length, feedLogs: r.feedLogs.length, rpcCalls: r.rpcCalls, ms: Math.round(performance.now() - started) },
      "book synced",
    );
    return s;
  }

  const sync = await restore(report.head);
  const head = await publicClient.getBlock({ blockNumber: report.head });

  async function save(): Promise<void> {
    if (cfg.checkpoint === "") return;
    const sync = ob.sync;
    const block = await publicClient.getBlock({ blockNumber: sync.syncedTo });
    saveCheckpoint(cfg.checkpoint, {
      meta: {
        version: CHECKPOINT_VERSION,
        chainId,
        vault: cfg.vault,
        blockNumber: sync.syncedTo,
        blockHash: block.hash,
        seededFeeds: sync.seededFeeds(),
      },
      book: sync.book,
      feeds: sync.feeds,
    });
  }
  const ob: OpenBook = {
    clients,
    report,
    sync,
    headTimestamp: head.timestamp,
    headHash: head.hash,
    saveCheckpoint: save,
    async reopen(toBlock: bigint) {
      ob.sync = await restore(toBlock);
    },
  };
  return ob;
}

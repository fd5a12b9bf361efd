/**
 * Assembles `keeper run` from the configuration: books (checkpoint + backfill), reaction engine, planner
 * sink and, in liquidate mode, approvals and the executor. Returns the service and a stop function.
 */
import type { Logger } from "pino";
import type { KeeperConfig } from "../config/schema.ts";
import { openBook } from "../book/openBook.ts";
import { closeClients } from "../chain/clients.ts";
import { ensureVaultAllowances } from "../send/allowances.ts";
import { readLiquidatorFunds } from "../send/funds.ts";
import { Executor, executorSettings } from "../send/executor.ts";
import { ViemChain } from "../send/viemChain.ts";
import { NonceManager } from "../send/nonceManager.ts";
import { IndexEngine } from "./indexEngine.ts";
import { KeeperService } from "./keeperService.ts";
import { PLANNING_GAS_UNITS, PlanningSink } from "./liquidationSink.ts";

export async function runKeeper(cfg: KeeperConfig, log: Logger) {
  const ob = await openBook(cfg, log);
  const { publicClient, walletClient, account } = ob.clients;

  let executor: Executor | undefined;
  let chainRef: ViemChain | undefined;
  let sink: PlanningSink;
  if (cfg.mode === "liquidate") {
    if (walletClient === undefined) throw new Error("liquidate mode without a wallet");
    await ensureVaultAllowances({ publicClient, walletClient, vault: cfg.vault, tokens: [...ob.sync.book.assets.values()].map((a) => ({ token: a.token, asset: a.id })), log });
    const chain = new ViemChain({ publicClient, walletClient, vault: cfg.vault });
    chainRef = chain;
    const head = await publicClient.getBlock();
    chain.setHead(head.baseFeePerGas ?? 0n, head.number);
    const nonces = new NonceManager(chain);
    await nonces.warm();
    // one clock for triggers and broadcasts, so reaction times are differences of the same clock
    executor = new Executor({
      chain,
      log,
      ...executorSettings(cfg),
      nonces,
      // the planning estimate doubled: the simulation runs under this limit, so no eth_estimateGas is needed
      gasLimitOf: (plan) => (plan.gasUnits ?? PLANNING_GAS_UNITS) * 2n,
      now: () => performance.now(),
      onEvent: (e) => sink.onExecutorEvent(e),
    });
  }
  sink = new PlanningSink({
    onHead: (baseFee, blockNumber) => chainRef?.setHead(baseFee, blockNumber),
    cfg,
    log,
    book: () => ob.sync.book,
    liquidator: account?.address,
    executor,
    readFunds: () => readLiquidatorFunds(publicClient, account!.address, cfg.vault),
    syncedTo: () => ob.sync.syncedTo,
  });
  await sink.init();
  const service = new KeeperService(cfg, log, ob, new IndexEngine(), sink);
  await service.start();
  const stop = async () => {
    await service.stop();
    await executor?.stop();
    await closeClients(ob.clients);
    log.info({ keeper: service.stats, sink: { ...sink.stats, reactionMs: undefined, reactions: sink.stats.reactionMs.length } }, "stopped");
  };
  return { service, sink, executor, stop };
}

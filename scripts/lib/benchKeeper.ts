/**
 * Keeper-side reaction benchmark: the keeper's own code path with the chain faked out, so what is timed is
 * the keeper and nothing else.
 *
 * A synthetic book of `n` "2x2-ish" accounts (test/keeper/syntheticBook.ts: a real AccountBook filled
 * directly) sits behind a real LogSync/FeedBook; the real KeeperService, IndexEngine, PlanningSink,
 * planner and Executor (with its NonceManager) are assembled as runKeeper assembles them. Only the edges
 * are fakes: the WebSocket client captures the `onLogs`/`onBlockNumber` callbacks KeeperService passes to
 * `watchEvent`/`watchBlockNumber` (the bench calls them exactly as viem would: no seam in the service),
 * the HTTP client serves heads and empty log ranges, and the ExecutorChain answers `simulate` and
 * `broadcast` at once (or after a fixed, reported latency) while signing for real (ViemChain.sign, the
 * keeper's own signer). Every call the keeper makes through these fakes is counted as the JSON-RPC call
 * it stands for.
 *
 * One cycle: an AnswerUpdated log moving WETH down to the price where `cross` accounts become
 * liquidatable is delivered, the keeper reacts (range query, twin checks, plans, simulate + sign +
 * broadcast), then the head of that block is delivered (sync, full sweep, index maintenance, funds); the
 * pending liquidations are then "mined" and an AnswerUpdated log moving WETH back up is delivered, then
 * its head. Reaction = the PlanningSink's own `reactionMs` (the log's arrival to the broadcast's return).
 * The fake heads keep the book's timestamp (no interest drift or ramp between cycles), so the same
 * handful crosses on every fall.
 */
import { pino, type Logger } from "pino";
import {
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeEventTopics,
  http,
  keccak256,
  toHex,
  type Address,
  type Hex,
  type Log,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { aggregatorEventsAbi } from "../../keeper/src/chain/abi.ts";
import { chainFor, type KeeperClients } from "../../keeper/src/chain/clients.ts";
import { loadConfig } from "../../keeper/src/config/load.ts";
import type { KeeperConfig } from "../../keeper/src/config/schema.ts";
import type { AccountBook } from "../../keeper/src/book/accountBook.ts";
import { FeedBook } from "../../keeper/src/book/feedBook.ts";
import { LogSync, type LogSource } from "../../keeper/src/book/logSync.ts";
import type { OpenBook } from "../../keeper/src/book/openBook.ts";
import { healthContext, type Prices } from "../../keeper/src/math/accountHealth.ts";
import { IndexEngine } from "../../keeper/src/run/indexEngine.ts";
import {
  KeeperService,
  type LiquidatableAccount,
  type LiquidationSink,
  type ReactionEngine,
  type ReactionResult,
} from "../../keeper/src/run/keeperService.ts";
import { PLANNING_GAS_UNITS, PlanningSink } from "../../keeper/src/run/liquidationSink.ts";
import type { BlockTag, ExecutorChain, LiquidationCall, LiquidationTx, SignedTx, SimulationResult, TxReceiptInfo } from "../../keeper/src/send/chain.ts";
import { Executor, executorSettings } from "../../keeper/src/send/executor.ts";
import { NonceManager } from "../../keeper/src/send/nonceManager.ts";
import { ViemChain } from "../../keeper/src/send/viemChain.ts";
import { sweep } from "../../keeper/src/watch/reaction.ts";
import { ASSETS, T0, basePrices, randomBook } from "../../test/keeper/syntheticBook.ts";
import { CallTally, cpuMs, dist, mean, sleep, sumOf, waitFor, type Dist } from "./benchStats.ts";

/** Hardhat/anvil development key #1 (never a real key): the bench's liquidator. */
export const BENCH_KEEPER_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const FAKE_VAULT: Address = "0x00000000000000000000000000000000000fa17e";
const WETH = 2;
const FEED_DECIMALS = 8;

export interface KeeperSideOptions {
  n: number;
  /** accounts that cross on each fall */
  cross: number;
  /** oracle updates (falls and rises alternate) */
  updates: number;
  /** fixed latency of the fake node's eth_call and eth_sendRawTransaction, ms (0: answered at once) */
  nodeLatencyMs: number;
  concurrency: number;
  seed: number;
  progress: (line: string) => void;
}

export interface KeeperSideResult {
  n: number;
  buildBookSeconds: number;
  /** the index's rebuild at start, ms */
  indexRebuildMs: number;
  /** price fall used and the accounts it makes liquidatable */
  wethFrom: number;
  wethTo: number;
  crossing: number;
  updates: number;
  /** per liquidation: log arrival -> broadcast returned (PlanningSink.reactionMs) */
  reactionMs: Dist;
  /** per falling update: the first broadcast of the update */
  firstBroadcastMs: Dist;
  /** per update: engine.priceUpdate (range query + twin checks) */
  detectMs: Dist;
  broadcastsPerFall: number;
  /** twin evaluations per update, falls and rises */
  evaluatedPerFall: number;
  evaluatedPerRise: number;
  /** JSON-RPC calls between the log and the last broadcast, per falling update, and their methods */
  hotRpcPerFall: number;
  hotRpcMethods: Map<string, number>;
  hotRpcPerRise: number;
  /** JSON-RPC calls of one head's processing (sync, block, funds), per head */
  headRpcPerHead: number;
  headRpcMethods: Map<string, number>;
  /** the executor's watch loop (receipt, block number, mined nonce) per liquidation, polling every 10 ms here */
  watchRpcPerLiquidation: number;
  /** the keeper's per-head work (sync + sweep + maintain + funds), ms */
  headMs: Dist;
  /** the engine's per-head call: the sweep plus the index's maintenance (re-levelling what a move made stale), ms */
  engineSweepMs: Dist;
  /** the per-block sweep alone (float pre-check + twin on what it cannot prove healthy), ms */
  sweepMs: Dist;
  /** the sink's planning (bigint previews of every pair), per liquidatable account, ms */
  planMsPerAccount: Dist;
  /** every account through the twin (no pre-check): the exact full re-evaluation */
  exactSweepMs: number;
  exactSweepCpuMs: number;
  accountsInBook: number;
  /** twin health evaluations per second (2x2-ish accounts) */
  twinPerSecond: number;
  twinUs: number;
  nodeLatencyMs: number;
  concurrency: number;
  /** signing inside reactions (wall time: other liquidations' work interleaves at its awaits) */
  sigMs: Dist;
  /** signing alone, in a loop */
  signIsolatedMs: number;
}

/** The executor's chain, answering at once; counts every call as the JSON-RPC call it stands for. */
class FakeChain implements ExecutorChain {
  readonly address: Address;
  readonly tally = new CallTally();
  readonly signMs: number[] = [];
  #signer: ViemChain;
  #latencyMs: number;
  #pending: Hex[] = [];
  #mined = new Map<Hex, TxReceiptInfo>();
  #latestNonce = 0;
  #head: { baseFeePerGas: bigint; blockNumber: bigint } = { baseFeePerGas: 0n, blockNumber: 0n };

  constructor(signer: ViemChain, latencyMs: number) {
    this.#signer = signer;
    this.address = signer.address;
    this.#latencyMs = latencyMs;
  }

  setHead(baseFeePerGas: bigint, blockNumber: bigint): void {
    this.#head = { baseFeePerGas, blockNumber };
  }

  async simulate(call: LiquidationCall, _tag: BlockTag, gasLimit?: bigint): Promise<SimulationResult> {
    this.tally.add("eth_call");
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    return { ok: true, repaid: call.repayAmount, toLiquidator: call.minSeized, gas: gasLimit ?? PLANNING_GAS_UNITS };
  }

  async sign(tx: LiquidationTx): Promise<SignedTx> {
    const t = performance.now();
    const s = await this.#signer.sign(tx);
    this.signMs.push(performance.now() - t);
    return s;
  }

  async broadcast(raw: Hex): Promise<void> {
    this.tally.add("eth_sendRawTransaction");
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    this.#pending.push(raw);
  }

  // the watch loop's calls (receipts, head number, mined nonce) are labelled apart from the hot path's
  async receipt(hash: Hex): Promise<TxReceiptInfo | undefined> {
    this.tally.add("watch:eth_getTransactionReceipt");
    return this.#mined.get(hash);
  }

  /** like ViemChain: the head the keeper already fetched, no RPC */
  async fees(): Promise<{ baseFeePerGas: bigint; blockNumber: bigint }> {
    return this.#head;
  }

  async blockNumber(): Promise<bigint> {
    this.tally.add("watch:eth_blockNumber");
    return this.#head.blockNumber;
  }

  async nonce(tag: BlockTag): Promise<number> {
    this.tally.add(tag === "latest" ? "watch:eth_getTransactionCount" : "eth_getTransactionCount");
    return tag === "latest" ? this.#latestNonce : this.#latestNonce + this.#pending.length;
  }

  /** Everything broadcast so far is mined (successfully) in `block`. */
  mineAll(block: bigint): void {
    for (const raw of this.#pending) {
      const hash = keccak256(raw);
      this.#mined.set(hash, { hash, status: "success", blockNumber: block, gasUsed: 250_000n, effectiveGasPrice: 1n });
    }
    this.#latestNonce += this.#pending.length;
    this.#pending = [];
  }
}

/** Times the engine's calls (a decorator: the keeper's IndexEngine does the work). */
class TimedEngine implements ReactionEngine {
  readonly inner = new IndexEngine();
  readonly detectMs: number[] = [];
  readonly sweepMs: number[] = [];
  rebuildMs = 0;

  rebuild(book: AccountBook, prices: Prices, timestamp: bigint): void {
    const t = performance.now();
    this.inner.rebuild(book, prices, timestamp);
    this.rebuildMs = performance.now() - t;
  }

  accountsChanged(keys: string[], book: AccountBook, prices: Prices, timestamp: bigint): void {
    this.inner.accountsChanged(keys, book, prices, timestamp);
  }

  priceUpdate(asset: number, old: bigint | undefined, price: bigint, book: AccountBook, prices: Prices, timestamp: bigint): ReactionResult {
    const t = performance.now();
    const r = this.inner.priceUpdate(asset, old, price, book, prices, timestamp);
    this.detectMs.push(performance.now() - t);
    return r;
  }

  sweep(book: AccountBook, prices: Prices, timestamp: bigint): ReactionResult {
    const t = performance.now();
    const r = this.inner.sweep(book, prices, timestamp);
    this.sweepMs.push(performance.now() - t);
    return r;
  }
}

/** Times the sink's synchronous part (planning every account, queueing the plans). */
class TimedSink implements LiquidationSink {
  readonly inner: PlanningSink;
  readonly handleMs: number[] = [];
  constructor(inner: PlanningSink) {
    this.inner = inner;
  }
  handle(accounts: LiquidatableAccount[], prices: Prices, timestamp: bigint, receivedAt: number): void {
    const t = performance.now();
    this.inner.handle(accounts, prices, timestamp, receivedAt);
    if (accounts.length > 0) this.handleMs.push((performance.now() - t) / accounts.length);
  }
  onBlock(blockNumber: bigint, timestamp: bigint, baseFeePerGas: bigint | undefined): Promise<void> {
    return this.inner.onBlock(blockNumber, timestamp, baseFeePerGas);
  }
  idle(): Promise<void> {
    return this.inner.idle();
  }
}

/** The keeper's logger settings (keeper/src/log.ts) writing into memory instead of stderr. */
export function memoryLogger(level: string, lines: string[]): Logger {
  return pino(
    {
      level,
      base: { svc: "keeper" },
      formatters: { log: (obj) => JSON.parse(JSON.stringify(obj, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) },
      redact: { paths: ["privateKey", "*.privateKey", "config.privateKey"], censor: "[redacted]" },
    },
    { write: (s: string) => void lines.push(s) },
  );
}

function answerUpdatedLog(feed: Address, answer: bigint, roundId: bigint, updatedAt: bigint, blockNumber: bigint): Log {
  const topics = encodeEventTopics({ abi: aggregatorEventsAbi, eventName: "AnswerUpdated", args: { current: answer, roundId } });
  return {
    address: feed,
    topics: topics as [Hex, ...Hex[]],
    data: encodeAbiParameters([{ type: "uint256" }], [updatedAt]),
    blockNumber,
    blockHash: toHex(blockNumber, { size: 32 }),
    logIndex: 0,
    transactionHash: keccak256(toHex(`bench ${roundId}`)),
    transactionIndex: 0,
    removed: false,
  };
}

/**
 * A WETH answer (8 decimals) at which exactly `cross` more accounts than now are liquidatable at `t` (exact
 * twin sweeps, bisection): halfway between the highest answer that makes `cross` liquidatable and the
 * highest that makes `cross + 1`, so a second of interest either way does not change the count.
 */
export function crossingAnswer(book: AccountBook, prices: Prices, t: bigint, cross: number, asset: number): { answer: bigint; liquidatable: number } {
  const p0 = prices.get(asset)! / 10n ** 10n;
  const count = (answer: bigint) => sweep(book, new Map(prices).set(asset, answer * 10n ** 10n), t).liquidatable.length;
  const base = count(p0);
  /** the highest answer at which at least base + k are liquidatable */
  const highest = (k: number, below: bigint): bigint => {
    let hi = below;
    let lo = (p0 * 40n) / 100n;
    if (count(lo) < base + k) throw new Error(`a 60% fall of asset ${asset} makes fewer than ${k} more accounts liquidatable`);
    if (count(hi) >= base + k) return hi;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (count(mid) >= base + k) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  const a = highest(cross, p0);
  const b = highest(cross + 1, a);
  const answer = (a + b + 1n) / 2n;
  return { answer, liquidatable: count(answer) - base };
}

export async function benchKeeperSide(o: KeeperSideOptions): Promise<KeeperSideResult> {
  const say = o.progress;
  // ---------------------------------------------------------------- the book
  let t = performance.now();
  const { book } = randomBook(o.n, o.seed + o.n, 1.05, 2);
  const buildBookSeconds = (performance.now() - t) / 1000;
  const feeds = new FeedBook();
  for (const a of book.assets.values()) {
    const usd = ASSETS[a.id]!.priceUsd;
    feeds.seed(a.feed, { roundId: 1n, answer: BigInt(Math.round(usd * 1e6)) * 100n, updatedAt: T0 });
  }
  const prices = basePrices();
  const wethFeed = book.assets.get(WETH)!.feed;
  if (book.assets.get(WETH)!.feedDecimals !== FEED_DECIMALS) throw new Error("the synthetic WETH feed is not 8 decimals");
  t = performance.now();
  const cr = crossingAnswer(book, prices, T0 + 1n, o.cross, WETH);
  say(`  book of ${o.n.toLocaleString("en-US")} built in ${buildBookSeconds.toFixed(1)} s; WETH ${Number(prices.get(WETH)! / 10n ** 16n) / 100} -> ${Number(cr.answer) / 1e8} makes ${cr.liquidatable} liquidatable (found in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

  // ---------------------------------------------------------------- the fakes at the edges
  const headTally = new CallTally();
  let headBlock = 1_000n;
  const source: LogSource = {
    async getLogs() {
      headTally.add("eth_getLogs");
      return [];
    },
    async readContract() {
      throw new Error("the bench's feeds are seeded: no latestRoundData read expected");
    },
  };
  const sync = new LogSync(source, FAKE_VAULT, book, feeds, 5_000n, headBlock + 1n);
  sync.syncedTo = headBlock;
  sync.markSeeded(sync.feedAddresses());

  let onLogs: ((logs: Log[]) => void) | undefined;
  let onBlockNumber: ((n: bigint) => void) | undefined;
  const BASE_FEE = 50_000_000n; // 0.05 gwei
  const fakePublic = {
    async getBlock(a: { blockNumber?: bigint }) {
      headTally.add("eth_getBlockByNumber");
      const number = a.blockNumber ?? headBlock;
      return { number, timestamp: T0, baseFeePerGas: BASE_FEE, hash: toHex(number, { size: 32 }), parentHash: toHex(number - 1n, { size: 32 }) };
    },
  };
  const fakeWs = {
    watchEvent(a: { onLogs: (logs: Log[]) => void }) {
      onLogs = a.onLogs;
      return () => (onLogs = undefined);
    },
    watchBlockNumber(a: { onBlockNumber: (n: bigint) => void }) {
      onBlockNumber = a.onBlockNumber;
      return () => (onBlockNumber = undefined);
    },
  };
  const cfg: KeeperConfig = loadConfig(
    {
      rpcUrl: "http://127.0.0.1:9",
      wsUrl: "ws://127.0.0.1:9",
      vault: FAKE_VAULT,
      mode: "liquidate",
      privateKey: BENCH_KEEPER_KEY,
      gasTokenAsset: String(WETH),
      minProfitUsd: "0",
      priorityFeeGwei: "0.01",
      concurrency: String(o.concurrency),
      pollMs: "10",
      checkpoint: "",
      logLevel: "info",
    },
    {},
  );
  const account = privateKeyToAccount(BENCH_KEEPER_KEY);
  const chainDef = chainFor(31337, cfg.rpcUrl);
  const unused = http("http://127.0.0.1:9");
  const walletClient = createWalletClient({ chain: chainDef, account, transport: unused });
  const signer = new ViemChain({ publicClient: createPublicClient({ chain: chainDef, transport: unused }) as never, walletClient, vault: FAKE_VAULT });
  const chain = new FakeChain(signer, o.nodeLatencyMs);
  const clients = { chain: chainDef, publicClient: fakePublic, wsClient: fakeWs, account, walletClient } as unknown as KeeperClients;
  const ob: OpenBook = {
    clients,
    report: { chainId: 31337, head: headBlock, assetCount: BigInt(book.assets.size), liquidator: account.address, balanceWei: 10n ** 18n },
    sync,
    headTimestamp: T0,
    saveCheckpoint: async () => {},
    reopen: async () => {
      throw new Error("the bench's fake chain never reorganises");
    },
  };
  const lines: string[] = [];
  const log = memoryLogger(cfg.logLevel, lines);

  // ---------------------------------------------------------------- the keeper, assembled as runKeeper does
  const nonces = new NonceManager(chain);
  await nonces.warm();
  let sink: PlanningSink;
  const executor = new Executor({
    chain,
    log,
    ...executorSettings(cfg),
    nonces,
    gasLimitOf: (plan) => (plan.gasUnits ?? PLANNING_GAS_UNITS) * 2n,
    now: () => performance.now(),
    onEvent: (e) => sink.onExecutorEvent(e),
  });
  let headsDone = 0;
  const funds = {
    balances: new Map([...book.assets.keys()].map((id) => [id, 10n ** 40n])),
    allowances: new Map([...book.assets.keys()].map((id) => [id, 2n ** 255n])),
  };
  sink = new PlanningSink({
    onHead: (baseFee, blockNumber) => chain.setHead(baseFee, blockNumber),
    cfg,
    log,
    book: () => sync.book,
    liquidator: account.address,
    executor,
    readFunds: async () => {
      // as readLiquidatorFunds: one eth_call of the vault's walletOf
      headTally.add("eth_call", 1);
      headsDone++;
      return funds;
    },
  });
  chain.setHead(BASE_FEE, headBlock);
  await sink.init();
  headsDone = 0;
  const headTally0 = headTally.snapshot();
  const engine = new TimedEngine();
  const timedSink = new TimedSink(sink);
  const service = new KeeperService(cfg, log, ob, engine, timedSink);
  await service.start();
  if (onLogs === undefined || onBlockNumber === undefined) throw new Error("the keeper did not subscribe through the fake WebSocket client");
  await executor.onIdle();

  // ---------------------------------------------------------------- cycles
  const p0Answer = prices.get(WETH)! / 10n ** 10n;
  let round = 1n;
  const reaction: number[] = [];
  const first: number[] = [];
  const evalFall: number[] = [];
  const evalRise: number[] = [];
  const hotFall: number[] = [];
  const hotRise: number[] = [];
  const broadcastsFall: number[] = [];
  const headMs: number[] = [];
  const hotMethods = new CallTally();
  engine.detectMs.length = 0;
  engine.sweepMs.length = 0;
  timedSink.handleMs.length = 0;
  const head = async () => {
    headBlock++;
    const want = headsDone + 1;
    const tHead = performance.now();
    const before = headTally.snapshot();
    onBlockNumber!(headBlock); // what viem's watchBlockNumber does with a new head
    await waitFor(() => headsDone >= want, 60_000, "the keeper's head processing", 0);
    headMs.push(performance.now() - tHead);
    return sumOf(headTally.since(before));
  };
  const hotOnly = (m: Map<string, number>) => new Map([...m].filter(([k]) => !k.startsWith("watch:")));
  let headCalls = 0;
  let heads = 0;
  for (let i = 0; i < o.updates; i++) {
    const fall = i % 2 === 0;
    // the fall's liquidations are mined in the block after it: their watch loops see the receipts
    if (!fall) chain.mineAll(headBlock);
    round++;
    const answer = fall ? cr.answer : p0Answer;
    const logs = [answerUpdatedLog(wethFeed, answer, round, T0, headBlock + 1n)];
    const stats0 = { ...service.stats };
    const s0 = { ...sink.stats, reactionMs: sink.stats.reactionMs.length };
    const calls0 = chain.tally.snapshot();
    onLogs(logs); // what viem's watchEvent does with a subscription message
    // the service applies the logs of one WebSocket read together, on the next turn of the event loop
    await waitFor(() => service.stats.oracleUpdates > stats0.oracleUpdates, 60_000, "the oracle update", 0);
    // every liquidation planned for this update has been broadcast (or dropped)
    await waitFor(() => sink.stats.broadcast + sink.stats.dropped - s0.broadcast - s0.dropped >= sink.stats.planned - s0.planned, 60_000, "the broadcasts", 0);
    const hot = hotOnly(chain.tally.since(calls0));
    const evaluated = service.stats.evaluatedOnUpdates - stats0.evaluatedOnUpdates;
    if (service.stats.oracleUpdates !== stats0.oracleUpdates + 1) throw new Error(`update ${i}: the keeper counted ${service.stats.oracleUpdates - stats0.oracleUpdates} oracle updates`);
    const rs = sink.stats.reactionMs.slice(s0.reactionMs);
    if (fall) {
      for (const [m, k] of hot) hotMethods.add(m, k);
      reaction.push(...rs);
      if (rs.length > 0) first.push(Math.min(...rs));
      evalFall.push(evaluated);
      hotFall.push(sumOf(hot));
      broadcastsFall.push(sink.stats.broadcast - s0.broadcast);
    } else {
      await executor.onIdle();
      evalRise.push(evaluated);
      hotRise.push(sumOf(hot));
    }
    headCalls += await head();
    heads++;
    if ((i + 1) % 50 === 0) say(`  ${i + 1}/${o.updates} updates`);
  }
  chain.mineAll(headBlock);
  await executor.onIdle();
  const watchCalls = sumOf(new Map([...chain.tally.byMethod].filter(([k]) => k.startsWith("watch:"))));
  await service.stop();
  await executor.stop();

  // ---------------------------------------------------------------- full re-evaluation and the twin's throughput
  const ts = T0 + 1n;
  const fallen = new Map(prices).set(WETH, cr.answer * 10n ** 10n);
  const sweepAlone: number[] = [];
  for (let i = 0; i < 10; i++) {
    t = performance.now();
    sweep(book, i % 2 === 0 ? fallen : prices, ts);
    sweepAlone.push(performance.now() - t);
  }
  sweep(book, fallen, ts, { exact: true }); // warm-up
  let c0 = cpuMs();
  t = performance.now();
  const exact = sweep(book, fallen, ts, { exact: true });
  const exactSweepMs = performance.now() - t;
  const exactSweepCpuMs = cpuMs() - c0;
  const risk = book.riskBook();
  const accs = [...book.accounts.values()];
  for (const acc of accs.slice(0, 2000)) healthContext(acc.positions, risk, prices, ts, book.groupContext(acc));
  c0 = cpuMs();
  t = performance.now();
  for (const acc of accs) healthContext(acc.positions, risk, prices, ts, book.groupContext(acc));
  const twinMs = performance.now() - t;

  // signing alone (the keeper's signer, in a loop): its CPU cost without the interleaving of a reaction
  const sample: LiquidationTx = {
    call: { owner: account.address, subId: 1, debtAsset: 0, collateralAsset: WETH, repayAmount: 123_456_789n, minSeized: 987_654_321n },
    nonce: 0,
    gas: 600_000n,
    maxFeePerGas: 10n ** 9n,
    maxPriorityFeePerGas: 10n ** 7n,
  };
  for (let i = 0; i < 100; i++) await signer.sign({ ...sample, nonce: i });
  t = performance.now();
  for (let i = 0; i < 300; i++) await signer.sign({ ...sample, nonce: i });
  const signIsolatedMs = (performance.now() - t) / 300;

  return {
    n: o.n,
    buildBookSeconds,
    signIsolatedMs,
    indexRebuildMs: engine.rebuildMs,
    wethFrom: Number(p0Answer) / 1e8,
    wethTo: Number(cr.answer) / 1e8,
    crossing: cr.liquidatable,
    updates: o.updates,
    reactionMs: dist(reaction),
    firstBroadcastMs: dist(first),
    detectMs: dist(engine.detectMs),
    broadcastsPerFall: mean(broadcastsFall),
    evaluatedPerFall: mean(evalFall),
    evaluatedPerRise: mean(evalRise),
    hotRpcPerFall: mean(hotFall),
    hotRpcMethods: new Map([...hotMethods.byMethod].map(([m, k]) => [m, k / Math.max(1, hotFall.length)])),
    hotRpcPerRise: mean(hotRise),
    headRpcPerHead: headCalls / Math.max(1, heads),
    headRpcMethods: new Map([...headTally.since(headTally0)].map(([m, k]) => [m, k / Math.max(1, heads)])),
    headMs: dist(headMs),
    watchRpcPerLiquidation: watchCalls / Math.max(1, sink.stats.broadcast),
    engineSweepMs: dist(engine.sweepMs),
    sweepMs: dist(sweepAlone),
    planMsPerAccount: dist(timedSink.handleMs),
    exactSweepMs,
    exactSweepCpuMs,
    accountsInBook: exact.accounts,
    twinPerSecond: accs.length / (twinMs / 1000),
    twinUs: (twinMs * 1000) / accs.length,
    nodeLatencyMs: o.nodeLatencyMs,
    concurrency: o.concurrency,
    sigMs: dist(chain.signMs),
  };
}

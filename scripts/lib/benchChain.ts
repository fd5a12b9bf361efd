/**
 * On-node benchmark (anvil): a population of `n` accounts seeded on chain, then
 * - the book rebuilt from the vault's events as the keeper does at start (openBook: startup checks,
 *   eth_getLogs backfill in ranges, feed seeding), timed and its RPC calls counted;
 * - the naive baseline: every account's health read from the vault's views, per block (one
 *   `accountHealth` eth_call per account, and `accountsHealth` over chunks of accounts);
 * - the real keeper (runKeeper, liquidate mode, in this process, HTTP + WebSocket to anvil) reacting to
 *   oracle updates: falls that make a handful of accounts liquidatable, alternating with small rises that
 *   make none. Blocks are mined by the bench (automine off): block B holds the oracle update, block B+1 the
 *   keeper's liquidations, as on a chain where the keeper's transactions land in the next block.
 *
 * RPC calls are counted per JSON-RPC method by wrapping `fetch` in this process: the keeper's HTTP
 * transport reaches anvil with basic-auth credentials in its URL (viem turns them into an Authorization
 * header, which anvil ignores), so its requests are told apart from the bench's own. The WebSocket
 * carries the subscriptions (logs, new heads): pushed notifications, not calls.
 */
import { appendFileSync } from "node:fs";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  http,
  maxUint256,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { chainFor } from "../../keeper/src/chain/clients.ts";
import { loadConfig } from "../../keeper/src/config/load.ts";
import { LogSync, type LogSource } from "../../keeper/src/book/logSync.ts";
import { openBook } from "../../keeper/src/book/openBook.ts";
import { runKeeper } from "../../keeper/src/run/runKeeper.ts";
import { sweep } from "../../keeper/src/watch/reaction.ts";
import { compiled } from "./artifacts.ts";
import { BENCH_KEEPER_KEY, crossingAnswer, memoryLogger } from "./benchKeeper.ts";
import { startAnvil, type AnvilNode } from "./anvilNode.ts";
import { seedOnAnvil, type BenchSeedResult } from "./benchSeed.ts";
import { CallTally, dist, mean, sleep, sumOf, waitFor, type Dist } from "./benchStats.ts";
import { DEFAULT_STACK_ASSETS, deployStack, type Stack } from "./deployStack.ts";
import { LEVERAGE_PROFILES, planPopulation, type PopulationPlan } from "./seedPopulation.ts";
import { Rpc } from "./simChain.ts";

/** anvil's development key #0 (never a real key): deploys, lists, moves the feeds. */
const ADMIN_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const WAD = 10n ** 18n;
/** transactions per seeded block, and blocks per eth_getLogs of the backfill (keeps a response near 9k logs, under viem's 10 MB cap) */
export const SEED_TXS_PER_BLOCK = 1000;
export const BENCH_LOG_RANGE = 6n;

export interface ChainBenchOptions {
  n: number;
  cross: number;
  /** oracle updates in the keeper phase (falls and rises alternate) */
  updates: number;
  concurrency: number;
  /** naive baseline: passes over the whole book (each a "block") */
  naivePasses: number;
  /** naive baseline with the batched view: accounts per accountsHealth call */
  viewChunk: number;
  progress: (line: string) => void;
  /** append the keeper's log lines (JSON) to this file */
  keeperLog?: string | undefined;
}

export interface NaiveResult {
  /** per pass: wall time, eth_calls, HTTP requests */
  perAccountMs: number;
  perAccountCalls: number;
  perAccountHttp: number;
  batchedMs: number;
  batchedCalls: number;
  liquidatableFound: number;
  /** the same set as the keeper's book (twin) finds */
  sameAsTwin: boolean;
}

export interface ChainBenchResult {
  n: number;
  anvil: string;
  seed: BenchSeedResult;
  rebuild: {
    seconds: number;
    vaultLogs: number;
    feedLogs: number;
    rpcCalls: number;
    methods: Map<string, number>;
    accounts: number;
    /** the keeper's own backfill at its start (second sample) */
    keeperStartSeconds: number;
  };
  naive: NaiveResult;
  keeper: {
    falls: number;
    rises: number;
    /** per liquidation: the log's arrival -> broadcast (PlanningSink.reactionMs) */
    reactionMs: Dist;
    firstReactionMs: Dist;
    /** per liquidation: evm_mine of the oracle's block requested -> eth_sendRawTransaction requested */
    blockToBroadcastMs: Dist;
    /** anvil's evm_mine of the oracle's block (one transaction), round trip */
    mineMs: Dist;
    liquidationsPerFall: number;
    evaluatedPerFall: number;
    evaluatedPerRise: number;
    rpcPerFall: number;
    rpcPerRise: number;
    fallMethods: Map<string, number>;
    riseMethods: Map<string, number>;
    mined: number;
    reverted: number;
    dropped: number;
    /** Liquidated events of the keeper in the measured blocks */
    liquidatedOnChain: number;
    /** dropped and skipped liquidations by reason, from the keeper's log */
    notSent: Map<string, number>;
    /** node round trips on the hot path (all updates): eth_call of liquidate, eth_sendRawTransaction */
    liquidateCallMs: Dist;
    sendRawMs: Dist;
    /** RPC calls of one head when nothing happens (sync, block, funds) */
    rpcPerIdleBlock: number;
    wethStart: number;
    wethEnd: number;
  };
}

// ------------------------------------------------------------------------------------------------ counting

interface CountedOrigin {
  authorization: string;
  tally: CallTally;
  /** performance.now() of every eth_sendRawTransaction request */
  sendRawAt: number[];
  /** round trips of the hot path's requests, ms: eth_call of `liquidate`, eth_sendRawTransaction */
  liquidateCallMs: number[];
  sendRawMs: number[];
}

const origins: CountedOrigin[] = [];
let fetchWrapped = false;
let originSeq = 0;
let liquidateSelector: string | undefined;

function wrapFetch(): void {
  if (fetchWrapped) return;
  fetchWrapped = true;
  const inner = globalThis.fetch;
  const methodRe = /"method":"([^"]+)"/g;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const h = init?.headers as Record<string, string> | undefined;
    const auth = h?.authorization ?? h?.Authorization;
    const body = init?.body;
    if (auth === undefined || typeof body !== "string") return inner(input, init);
    const o = origins.find((x) => x.authorization === auth);
    if (o === undefined) return inner(input, init);
    const now = performance.now();
    let timed: number[] | undefined;
    for (const m of body.matchAll(methodRe)) {
      o.tally.add(m[1]!);
      if (m[1] === "eth_sendRawTransaction") {
        o.sendRawAt.push(now);
        timed = o.sendRawMs;
      } else if (m[1] === "eth_call" && liquidateSelector !== undefined && body.includes(liquidateSelector)) timed = o.liquidateCallMs;
    }
    if (timed === undefined) return inner(input, init);
    const into = timed;
    return inner(input, init).then(async (r) => {
      // the body is read by the caller; the round trip ends with the response's headers
      into.push(performance.now() - now);
      return r;
    });
  }) as typeof fetch;
}

/** A URL for the keeper whose requests are counted into the returned origin. */
function countedUrl(httpUrl: string, what: string): { url: string; origin: CountedOrigin } {
  wrapFetch();
  liquidateSelector ??= `"data":"${encodeFunctionData({
    abi: compiled("IVault").abi,
    functionName: "liquidate",
    args: ["0x0000000000000000000000000000000000000001", 0, 0, 0, 0n, 0n],
  }).slice(0, 10)}`;
  const user = `${what}${++originSeq}`;
  const origin: CountedOrigin = { authorization: `Basic ${btoa(`${user}:bench`)}`, tally: new CallTally(), sendRawAt: [], liquidateCallMs: [], sendRawMs: [] };
  origins.push(origin);
  const u = new URL(httpUrl);
  u.username = user;
  u.password = "bench";
  return { url: u.toString(), origin };
}

// ------------------------------------------------------------------------------------------------ helpers

/** Mints the keeper a large inventory of every token and approves the vault (before the keeper starts). */
async function fundKeeper(rpc: Rpc, stack: Stack, keeper: Address): Promise<void> {
  const abi = compiled("MockERC20").abi;
  const calls = stack.tokens.flatMap((token, i) => {
    const amount = 10n ** 12n * 10n ** BigInt(stack.assets[i]!.decimals);
    return [
      { method: "eth_sendTransaction", params: [{ from: keeper, to: token, data: encodeFunctionData({ abi, functionName: "mint", args: [keeper, amount] }), gas: toHex(120_000) }] },
      { method: "eth_sendTransaction", params: [{ from: keeper, to: token, data: encodeFunctionData({ abi, functionName: "approve", args: [stack.vault, maxUint256] }), gas: toHex(80_000) }] },
    ];
  });
  for (const c of calls) await rpc.call(c.method, c.params);
}

async function setWeth(rpc: Rpc, stack: Stack, from: Address, answer: bigint): Promise<Hex> {
  const weth = stack.assets.findIndex((a) => a.symbol === "WETH");
  return rpc.call<Hex>("eth_sendTransaction", [
    { from, to: stack.feeds[weth]!, data: encodeFunctionData({ abi: compiled("MockAggregator").abi, functionName: "setAnswer", args: [answer] }), gas: toHex(150_000) },
  ]);
}

/** The healthFactor word of an ABI-encoded AccountHealth (five static words; the fifth). */
function healthFactorOf(ret: Hex): bigint {
  return BigInt(`0x${ret.slice(2 + 64 * 4, 2 + 64 * 5)}`);
}

/** healthFactor of every element of an ABI-encoded AccountHealth[] (offset, length, then 5 words each). */
function healthFactorsOf(ret: Hex): bigint[] {
  const word = (i: number) => BigInt(`0x${ret.slice(2 + 64 * i, 2 + 64 * (i + 1))}`);
  const len = Number(word(1));
  const out: bigint[] = [];
  for (let i = 0; i < len; i++) out.push(word(2 + i * 5 + 4));
  return out;
}

async function naiveBaseline(rpc: Rpc, stack: Stack, plan: PopulationPlan, o: ChainBenchOptions, twinSet: Set<string>): Promise<NaiveResult> {
  const abi = compiled("IVault").abi;
  const HTTP_BATCH = 500;
  // calldata prepared once (a naive keeper knows its accounts too): only the reads are timed
  const calls = plan.accounts.map((a) => ({
    method: "eth_call",
    params: [{ to: stack.vault, data: encodeFunctionData({ abi, functionName: "accountHealth", args: [a.owner, a.subId] }) }, "latest"],
  }));
  const chunks: Array<{ method: string; params: unknown[] }> = [];
  for (let i = 0; i < plan.accounts.length; i += o.viewChunk) {
    const part = plan.accounts.slice(i, i + o.viewChunk);
    chunks.push({
      method: "eth_call",
      params: [{ to: stack.vault, data: encodeFunctionData({ abi, functionName: "accountsHealth", args: [part.map((a) => a.owner), part.map((a) => a.subId)] }) }, "latest"],
    });
  }
  const perAccount: number[] = [];
  const batched: number[] = [];
  let found = new Set<string>();
  for (let pass = 0; pass < o.naivePasses; pass++) {
    let t = performance.now();
    const rets = await rpc.batch<Hex>(calls, { chunk: HTTP_BATCH });
    perAccount.push(performance.now() - t);
    found = new Set(plan.accounts.filter((_a, i) => healthFactorOf(rets[i] as Hex) < WAD).map((a) => `${a.owner.toLowerCase()}/${a.subId}`));
    t = performance.now();
    const brets = await rpc.batch<Hex>(chunks, { chunk: 50 });
    batched.push(performance.now() - t);
    const hfs = brets.flatMap((r) => healthFactorsOf(r as Hex));
    const foundB = plan.accounts.filter((_a, i) => hfs[i]! < WAD).length;
    if (foundB !== found.size) throw new Error(`naive baseline: accountsHealth finds ${foundB} liquidatable, accountHealth ${found.size}`);
  }
  return {
    perAccountMs: mean(perAccount),
    perAccountCalls: calls.length,
    perAccountHttp: Math.ceil(calls.length / HTTP_BATCH),
    batchedMs: mean(batched),
    batchedCalls: chunks.length,
    liquidatableFound: found.size,
    sameAsTwin: found.size === twinSet.size && [...found].every((k) => twinSet.has(k)),
  };
}

// ------------------------------------------------------------------------------------------------ the run

export async function benchOnChain(o: ChainBenchOptions): Promise<ChainBenchResult> {
  const say = o.progress;
  // no block gas limit: seeding packs many transactions per block; silent: no log line per request
  const node: AnvilNode = await startAnvil({ silent: true, extraArgs: ["--disable-block-gas-limit"] });
  let stopKeeper: (() => Promise<void>) | undefined;
  try {
    say(`  anvil ${node.version} on ${node.httpUrl} (pid ${node.pid})`);
    const chain = chainFor(node.chainId, node.httpUrl);
    const pub = createPublicClient({ chain, transport: http(node.httpUrl), pollingInterval: 20 });
    const admin = createWalletClient({ chain, account: privateKeyToAccount(ADMIN_KEY), transport: http(node.httpUrl) });
    const rpc = new Rpc(node.httpUrl);
    // lender liquidity for 100k accounts (about 1.5 billion USD of debt at a 25k median size)
    const stack = await deployStack(admin, pub as never, DEFAULT_STACK_ASSETS.map((a) => ({ ...a, liquidity: `${BigInt(a.liquidity) * 100n}` })));
    const wethId = stack.assets.findIndex((a) => a.symbol === "WETH");

    // ---------------------------------------------------------------- seeding
    const plan = planPopulation(
      { accounts: o.n, seed: "bench", medianSizeUsd: 25_000, leverage: LEVERAGE_PROFILES.moderate, subAccountsPerOwner: 64 },
      stack.assets,
    );
    let lastSay = performance.now();
    const seed = await seedOnAnvil(rpc, stack, plan, {
      txsPerBlock: SEED_TXS_PER_BLOCK,
      progress: (done, total, s) => {
        if (performance.now() - lastSay > 10_000) {
          lastSay = performance.now();
          say(`  seeding ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} accounts (${s.toFixed(0)} s)`);
        }
      },
    });
    say(`  seeded ${seed.accounts.toLocaleString("en-US")} accounts (${seed.txs.toLocaleString("en-US")} txs in ${seed.blocks} blocks) in ${seed.seconds.toFixed(1)} s: ${seed.accountsPerSecond.toFixed(0)} accounts/s`);
    const keeperAddress = privateKeyToAccount(BENCH_KEEPER_KEY).address;
    await fundKeeper(rpc, stack, keeperAddress);

    // ---------------------------------------------------------------- rebuild from events (openBook, as at the keeper's start)
    const rebuildUrl = countedUrl(node.httpUrl, "rebuild");
    const lines: string[] = [];
    const watchCfg = loadConfig(
      { rpcUrl: rebuildUrl.url, vault: stack.vault, startBlock: String(stack.startBlock), chainId: String(node.chainId), mode: "watch", checkpoint: "", logLevel: "info", logRange: String(BENCH_LOG_RANGE) },
      {},
    );
    let t = performance.now();
    const ob = await openBook(watchCfg, memoryLogger("info", lines));
    const rebuildSeconds = (performance.now() - t) / 1000;
    const synced = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "book synced");
    const openAccounts = [...ob.sync.book.accounts.values()].filter((a) => a.positions.size > 0).length;
    const bookPositions = [...ob.sync.book.accounts.values()].reduce((k, a) => k + a.positions.size, 0);
    const planPositions = plan.accounts.reduce((k, a) => k + a.collateral.length + a.debt.filter((d) => d.amount > 0n).length, 0);
    if (openAccounts !== o.n || bookPositions !== planPositions) {
      throw new Error(`the rebuilt book holds ${openAccounts} open accounts with ${bookPositions} positions; ${o.n} accounts with ${planPositions} were seeded`);
    }
    const rebuild = {
      seconds: rebuildSeconds,
      vaultLogs: Number(synced?.vaultLogs ?? NaN),
      feedLogs: Number(synced?.feedLogs ?? NaN),
      rpcCalls: rebuildUrl.origin.tally.total,
      methods: rebuildUrl.origin.tally.snapshot(),
      accounts: openAccounts,
      keeperStartSeconds: NaN,
    };
    say(`  book rebuilt from ${rebuild.vaultLogs.toLocaleString("en-US")} vault logs in ${rebuildSeconds.toFixed(2)} s with ${rebuild.rpcCalls} RPC calls`);

    // the bench's own view of the book (same objects, synced over the bench's uncounted client)
    const benchSync = new LogSync(pub as unknown as LogSource, stack.vault, ob.sync.book, ob.sync.feeds, BENCH_LOG_RANGE, ob.sync.syncedTo + 1n);
    benchSync.markSeeded(ob.sync.seededFeeds());
    const book = benchSync.book;
    const headTs = async () => BigInt(await rpc.latestTimestamp());
    const currentPrices = () => book.pricesFromAnswers(benchSync.feeds.answers());
    const nextFall = async () => {
      await benchSync.syncTo(await rpc.blockNumber());
      const ts = (await headTs()) + 2n;
      return { ...crossingAnswer(book, currentPrices(), ts, o.cross, wethId), ts };
    };

    // ---------------------------------------------------------------- naive baseline (a fall that crosses a handful, then every account read)
    const startAnswer = currentPrices().get(wethId)! / 10n ** 10n;
    const wethStart = Number(startAnswer) / 1e8;
    const mined = async (hash: Hex) => {
      for (let i = 0; (await rpc.call<unknown>("eth_getTransactionReceipt", [hash])) === null; i++) {
        if (i > 500) throw new Error(`${hash} was not mined`);
        await sleep(10);
      }
    };
    const first = await nextFall();
    await mined(await setWeth(rpc, stack, admin.account.address, first.answer));
    await benchSync.syncTo(await rpc.blockNumber());
    const twinSet = new Set(sweep(book, currentPrices(), await headTs()).liquidatable.map((a) => a.key));
    const naive = await naiveBaseline(rpc, stack, plan, o, twinSet);
    say(
      `  naive baseline: ${naive.perAccountCalls.toLocaleString("en-US")} accountHealth calls in ${naive.perAccountMs.toFixed(0)} ms, ` +
        `${naive.batchedCalls} accountsHealth calls in ${naive.batchedMs.toFixed(0)} ms; ${naive.liquidatableFound} liquidatable (the twin's set: ${naive.sameAsTwin ? "same" : "DIFFERENT"})`,
    );

    // back to the starting price: the keeper starts with nothing to liquidate (its first liquidations
    // are the measured ones, sent once its subscriptions are up)
    await mined(await setWeth(rpc, stack, admin.account.address, startAnswer));
    let lastAnswer = startAnswer;

    // ---------------------------------------------------------------- the keeper
    const keeperUrl = countedUrl(node.httpUrl, "keeper");
    const klines: string[] = [];
    const cfg = loadConfig(
      {
        rpcUrl: keeperUrl.url,
        wsUrl: node.wsUrl,
        vault: stack.vault,
        startBlock: String(stack.startBlock),
        chainId: String(node.chainId),
        mode: "liquidate",
        privateKey: BENCH_KEEPER_KEY,
        gasTokenAsset: String(wethId),
        minProfitUsd: "0",
        concurrency: String(o.concurrency),
        checkpoint: "",
        logLevel: "info",
        logRange: String(BENCH_LOG_RANGE),
      },
      {},
    );
    t = performance.now();
    const k = await runKeeper(cfg, memoryLogger("info", klines));
    stopKeeper = k.stop;
    const kSynced = klines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "book synced");
    rebuild.keeperStartSeconds = Number(kSynced?.ms ?? NaN) / 1000;
    say(`  keeper ready in ${((performance.now() - t) / 1000).toFixed(1)} s (its own backfill ${rebuild.keeperStartSeconds.toFixed(2)} s)`);
    await waitFor(() => k.sink.stats.broadcast >= k.sink.stats.planned && (k.executor?.inFlight ?? 0) === 0, 60_000, "the keeper's start liquidations (none expected)", 20);

    // measured updates: the bench mines the blocks
    await rpc.setAutomine(false);
    const tally = keeperUrl.origin.tally;
    const quiet = async (ms: number) => {
      let last = tally.total;
      let since = performance.now();
      while (performance.now() - since < ms || (k.executor?.inFlight ?? 0) > 0) {
        await sleep(20);
        if (tally.total !== last || (k.executor?.inFlight ?? 0) > 0) {
          last = tally.total;
          since = performance.now();
        }
      }
    };
    await quiet(300);
    const reaction: number[] = [];
    const firstReaction: number[] = [];
    const mineMs: number[] = [];
    const blockToBroadcast: number[] = [];
    const liqPerFall: number[] = [];
    const evalFall: number[] = [];
    const evalRise: number[] = [];
    const rpcFall: number[] = [];
    const rpcRise: number[] = [];
    const fallMethods = new CallTally();
    const riseMethods = new CallTally();
    const sinkStart = { ...k.sink.stats };
    const firstMeasuredBlock = (await rpc.blockNumber()) + 1n;
    const klinesStart = klines.length;
    keeperUrl.origin.liquidateCallMs.length = 0;
    keeperUrl.origin.sendRawMs.length = 0;
    for (let i = 0; i < o.updates; i++) {
      const fall = i % 2 === 0;
      // a fall crossing a handful, or a rise of 0.3% crossing none
      const answer = fall ? (await nextFall()).answer : (lastAnswer * 1003n) / 1000n;
      lastAnswer = answer;
      const s0 = { ...k.service.stats };
      const k0 = { ...k.sink.stats, reactionMs: k.sink.stats.reactionMs.length };
      const c0 = tally.snapshot();
      const raw0 = keeperUrl.origin.sendRawAt.length;
      await setWeth(rpc, stack, admin.account.address, answer); // into the pool
      const mineAt = performance.now();
      await rpc.mine(); // block B: the oracle update
      mineMs.push(performance.now() - mineAt);
      await waitFor(() => k.service.stats.oracleUpdates > s0.oracleUpdates, 10_000, "the keeper to see the oracle update", 1);
      // block B+1 holds the liquidations; with fewer executor slots than liquidations, the rest wait for
      // the first ones' receipts and go into later blocks
      const allOut = () => k.sink.stats.broadcast + k.sink.stats.dropped - k0.broadcast - k0.dropped >= k.sink.stats.planned - k0.planned;
      for (let blocks = 0; k.sink.stats.planned > k0.planned; blocks++) {
        if (blocks > 20) throw new Error("the keeper's liquidations did not go out within 20 blocks");
        await waitFor(allOut, 3_000, "the keeper's broadcasts", 1).catch(() => undefined);
        await rpc.mine();
        if (allOut()) break;
      }
      await quiet(300);
      const calls = tally.since(c0);
      const evaluated = k.service.stats.evaluatedOnUpdates - s0.evaluatedOnUpdates;
      if (fall) {
        const rs = k.sink.stats.reactionMs.slice(k0.reactionMs);
        reaction.push(...rs);
        if (rs.length > 0) firstReaction.push(Math.min(...rs));
        for (const at of keeperUrl.origin.sendRawAt.slice(raw0)) blockToBroadcast.push(at - mineAt);
        liqPerFall.push(k.sink.stats.broadcast - k0.broadcast);
        evalFall.push(evaluated);
        rpcFall.push(sumOf(calls));
        for (const [m, c] of calls) fallMethods.add(m, c);
      } else {
        evalRise.push(evaluated);
        rpcRise.push(sumOf(calls));
        for (const [m, c] of calls) riseMethods.add(m, c);
      }
      if ((i + 1) % 10 === 0) say(`  ${i + 1}/${o.updates} oracle updates`);
    }
    const wethEnd = Number(lastAnswer) / 1e8;
    await rpc.setAutomine(true);
    const falls = rpcFall.length;
    const rises = rpcRise.length;
    const sinkEnd = k.sink.stats;
    // an idle block: what the keeper spends per head when nothing happens
    const idle0 = tally.snapshot();
    for (let b = 0; b < 3; b++) {
      await rpc.mine();
      await quiet(300);
    }
    const rpcPerIdleBlock = sumOf(tally.since(idle0)) / 3;
    // cross-check: the keeper's liquidations as the chain saw them
    const liquidatedEvents = await pub.getContractEvents({ address: stack.vault, abi: compiled("IVault").abi, eventName: "Liquidated", fromBlock: firstMeasuredBlock, toBlock: "latest" });
    const onChainByKeeper = liquidatedEvents.filter((e) => String((e as unknown as { args: { liquidator: string } }).args.liquidator).toLowerCase() === keeperAddress.toLowerCase()).length;
    const notSent = new CallTally();
    for (const l of klines.slice(klinesStart)) {
      if (!l.includes("liquidation outcome") && !l.includes("liquidation skipped")) continue;
      const j = JSON.parse(l) as { msg: string; kind?: string; reason?: string };
      if (j.msg === "liquidation skipped") notSent.add(`skipped: ${j.reason}`);
      else if (j.kind === "dropped") notSent.add(`dropped: ${j.reason}`);
    }
    await k.stop();
    stopKeeper = undefined;
    if (o.keeperLog !== undefined) appendFileSync(o.keeperLog, klines.map((l) => (l.endsWith("\n") ? l : `${l}\n`)).join(""));
    return {
      n: o.n,
      anvil: node.version,
      seed,
      rebuild,
      naive,
      keeper: {
        falls,
        rises,
        reactionMs: dist(reaction),
        firstReactionMs: dist(firstReaction),
        blockToBroadcastMs: dist(blockToBroadcast),
        mineMs: dist(mineMs),
        liquidationsPerFall: mean(liqPerFall),
        evaluatedPerFall: mean(evalFall),
        evaluatedPerRise: mean(evalRise),
        rpcPerFall: mean(rpcFall),
        rpcPerRise: mean(rpcRise),
        fallMethods: new Map([...fallMethods.byMethod].map(([m, c]) => [m, c / Math.max(1, falls)])),
        riseMethods: new Map([...riseMethods.byMethod].map(([m, c]) => [m, c / Math.max(1, rises)])),
        mined: sinkEnd.mined - sinkStart.mined,
        reverted: sinkEnd.reverted - sinkStart.reverted,
        dropped: sinkEnd.dropped - sinkStart.dropped,
        notSent: notSent.byMethod,
        liquidatedOnChain: onChainByKeeper,
        liquidateCallMs: dist(keeperUrl.origin.liquidateCallMs),
        sendRawMs: dist(keeperUrl.origin.sendRawMs),
        rpcPerIdleBlock,
        wethStart,
        wethEnd,
      },
    };
  } finally {
    if (stopKeeper !== undefined) {
      // pending liquidations get mined, and a keeper that does not stop in time is left behind with the node
      await new Rpc(node.httpUrl).setAutomine(true).catch(() => undefined);
      await Promise.race([stopKeeper().catch(() => undefined), sleep(10_000)]);
    }
    await node.stop();
  }
}

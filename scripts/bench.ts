/**
 * `npm run bench`: the keeper's figures for books of 1k, 10k and 100k accounts, printed (never a timed
 * test). For each size:
 *
 * 1. Keeper side (scripts/lib/benchKeeper.ts): a synthetic book, the keeper's real service, index,
 *    planner and executor, the node faked (eth_call and eth_sendRawTransaction answered at once): the
 *    reaction from an oracle log's arrival to the liquidation's broadcast (p50/p99) when a handful of
 *    accounts cross, accounts evaluated per update, RPC calls per update, the per-block sweep, the exact
 *    re-evaluation of every account and the twin's health evaluations per second.
 * 2. On anvil (scripts/lib/benchChain.ts): the population seeded on chain, the book rebuilt from events
 *    (openBook), the naive baseline (every account's health read from the vault's views), then the real
 *    keeper (runKeeper, liquidate mode, HTTP + WebSocket) reacting to oracle updates, with its RPC calls
 *    counted per update.
 *
 * Progress goes to stderr, the tables (Markdown) to stdout.
 *
 *   npm run bench
 *   npm run bench -- --sizes 1000,10000 --updates 100 --chain-updates 20
 *   npm run bench -- --sizes 100000 --no-chain --json /tmp/bench.json
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { Command, InvalidArgumentError } from "commander";
import { benchKeeperSide, type KeeperSideResult } from "./lib/benchKeeper.ts";
import { benchOnChain, BENCH_LOG_RANGE, SEED_TXS_PER_BLOCK, type ChainBenchResult } from "./lib/benchChain.ts";
import { fmt, fmtInt, methodsText, type Dist } from "./lib/benchStats.ts";

const int = (what: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what}: an integer ${min}..${max}`);
  return n;
};

const program = new Command()
  .name("bench")
  .description("The keeper's reaction, evaluation, RPC and rebuild figures for books of 1k/10k/100k accounts, beside a naive baseline")
  .option("--sizes <list>", "book sizes, comma-separated", (v) => v.split(",").map((x) => int("--sizes", 10, 100_000)(x.trim())), [1_000, 10_000, 100_000])
  .option("--cross <n>", "accounts that cross on each fall", int("--cross", 1, 50), 5)
  .option("--updates <n>", "oracle updates of the keeper-side bench (falls and rises alternate)", int("--updates", 2, 100_000), 200)
  .option("--chain-updates <n>", "oracle updates on anvil (falls and rises alternate)", int("--chain-updates", 2, 1000), 40)
  .option("--onchain-max <n>", "largest book seeded on anvil (larger ones: keeper side only)", int("--onchain-max", 0, 100_000), 100_000)
  .option("--no-chain", "keeper-side figures only (no anvil)")
  .option("--node-latency-ms <ms>", "fixed latency of the keeper-side fake node's eth_call and eth_sendRawTransaction", int("--node-latency-ms", 0, 10_000), 0)
  .option("--concurrency <n>", "the keeper's liquidations in flight at once", int("--concurrency", 1, 64), 8)
  .option("--view-chunk <n>", "accounts per accountsHealth call of the batched baseline", int("--view-chunk", 1, 5_000), 200)
  .option("--json <file>", "also write every figure as JSON")
  .option("--keeper-log <file>", "append the on-chain keeper's log lines (JSON) to this file");

interface Opts {
  sizes: number[];
  cross: number;
  updates: number;
  chainUpdates: number;
  onchainMax: number;
  chain: boolean;
  nodeLatencyMs: number;
  concurrency: number;
  viewChunk: number;
  json?: string;
  keeperLog?: string;
}

const say = (l: string) => process.stderr.write(`${l}\n`);
const load = () => loadavg().map((x) => x.toFixed(2)).join(" / ");
const ms = (d: Dist) => `${fmt(d.p50)} / ${fmt(d.p99)}`;
const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

function table(title: string, sizes: number[], rows: Array<[string, ...string[]]>): string {
  const head = `| ${title} | ${sizes.map(label).join(" | ")} |`;
  const sep = `|---|${sizes.map(() => "---:").join("|")}|`;
  return [head, sep, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<Opts>();
  const started = performance.now();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  say(`bench: sizes ${o.sizes.join(", ")}; ${machine}; load average (1/5/15 min) ${load()}`);
  const loadStart = load();

  const side = new Map<number, KeeperSideResult>();
  const onChain = new Map<number, ChainBenchResult>();
  for (const n of o.sizes) {
    say(`\n== ${n.toLocaleString("en-US")} accounts: keeper side (fake node, ${o.updates} oracle updates)`);
    side.set(n, await benchKeeperSide({ n, cross: o.cross, updates: o.updates, nodeLatencyMs: o.nodeLatencyMs, concurrency: o.concurrency, seed: 20261123, progress: say }));
    if (o.chain && n <= o.onchainMax) {
      say(`== ${n.toLocaleString("en-US")} accounts: on anvil (${o.chainUpdates} oracle updates)`);
      onChain.set(n, await benchOnChain({ n, cross: o.cross, updates: o.chainUpdates, concurrency: o.concurrency, naivePasses: n <= 10_000 ? 3 : 1, viewChunk: o.viewChunk, progress: say, keeperLog: o.keeperLog }));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const loadEnd = load();

  // ---------------------------------------------------------------- tables
  const sizes = o.sizes;
  const ks = (f: (r: KeeperSideResult) => string) => sizes.map((n) => f(side.get(n)!));
  const out: string[] = [];
  out.push(`Command: npm run bench -- ${process.argv.slice(2).join(" ") || "(defaults)"}`);
  out.push(`Machine: ${machine}. Load average at start ${loadStart}, at end ${loadEnd}. Run time ${(seconds / 60).toFixed(1)} min.`);
  out.push("");
  out.push(
    table(`Keeper side: real keeper code, fake node answering at once${o.nodeLatencyMs > 0 ? ` (+${o.nodeLatencyMs} ms)` : ""}; ${o.cross} accounts cross per fall, ${o.updates} updates`, sizes, [
      ["reaction, log -> broadcast, per liquidation, p50 / p99 (ms)", ...ks((r) => ms(r.reactionMs))],
      ["first broadcast of an update, p50 / p99 (ms)", ...ks((r) => ms(r.firstBroadcastMs))],
      ["detection (range query + twin checks), p50 / p99 (ms)", ...ks((r) => ms(r.detectMs))],
      ["planning, per liquidatable account, p50 (ms)", ...ks((r) => fmt(r.planMsPerAccount.p50))],
      ["signing a transaction: alone / inside reactions p50 (ms)", ...ks((r) => `${fmt(r.signIsolatedMs)} / ${fmt(r.sigMs.p50)}`)],
      ["liquidations broadcast per fall", ...ks((r) => fmt(r.broadcastsPerFall))],
      ["accounts evaluated per update: fall / rise", ...ks((r) => `${fmt(r.evaluatedPerFall)} / ${fmt(r.evaluatedPerRise)}`)],
      ["RPC calls per update on the hot path: fall / rise", ...ks((r) => `${fmt(r.hotRpcPerFall)} / ${fmt(r.hotRpcPerRise)}`)],
      ["RPC calls per head (sync, block, funds)", ...ks((r) => fmt(r.headRpcPerHead))],
      ["per-block sweep (full re-evaluation, float pre-check + twin), p50 / p99 (ms)", ...ks((r) => ms(r.sweepMs))],
      ["per-head engine work (sweep + index maintenance), p50 / p99 (ms)", ...ks((r) => ms(r.engineSweepMs))],
      ["every account through the twin (no pre-check) (ms)", ...ks((r) => fmt(r.exactSweepMs))],
      ["twin health evaluations per second", ...ks((r) => fmtInt(r.twinPerSecond))],
      ["index rebuild at start (ms)", ...ks((r) => fmt(r.indexRebuildMs))],
    ]),
  );
  const chainSizes = sizes.filter((n) => onChain.has(n));
  if (chainSizes.length > 0) {
    const cs = (f: (r: ChainBenchResult) => string) => chainSizes.map((n) => f(onChain.get(n)!));
    const ratio = (a: number, b: number) => `${fmt(a / b)}x`;
    out.push("");
    out.push(
      table(`On anvil: seeded book, real keeper (runKeeper, liquidate mode, WebSocket), ${o.chainUpdates} oracle updates`, chainSizes, [
        ["seeding (accounts/s)", ...cs((r) => fmtInt(r.seed.accountsPerSecond))],
        ["rebuild from events at start (s)", ...cs((r) => fmt(r.rebuild.seconds))],
        ["  vault logs / RPC calls", ...cs((r) => `${fmtInt(r.rebuild.vaultLogs)} / ${r.rebuild.rpcCalls}`)],
        ["  the keeper's own backfill at its start (s)", ...cs((r) => fmt(r.rebuild.keeperStartSeconds))],
        ["reaction, log -> broadcast, per liquidation, p50 / p99 (ms)", ...cs((r) => ms(r.keeper.reactionMs))],
        ["first broadcast of an update, p50 / p99 (ms)", ...cs((r) => ms(r.keeper.firstReactionMs))],
        ["oracle block requested (evm_mine) -> eth_sendRawTransaction, p50 / p99 (ms)", ...cs((r) => ms(r.keeper.blockToBroadcastMs))],
        ["  node: evm_mine of the oracle's block, p50 / p99 (ms)", ...cs((r) => ms(r.keeper.mineMs))],
        ["  node round trip: eth_call of liquidate, p50 / p99 (ms)", ...cs((r) => ms(r.keeper.liquidateCallMs))],
        ["  node round trip: eth_sendRawTransaction, p50 / p99 (ms)", ...cs((r) => ms(r.keeper.sendRawMs))],
        ["liquidations per fall", ...cs((r) => fmt(r.keeper.liquidationsPerFall))],
        ["accounts evaluated per update: fall / rise", ...cs((r) => `${fmt(r.keeper.evaluatedPerFall)} / ${fmt(r.keeper.evaluatedPerRise)}`)],
        ["RPC calls per update, all of the keeper's: fall / rise", ...cs((r) => `${fmt(r.keeper.rpcPerFall)} / ${fmt(r.keeper.rpcPerRise)}`)],
        ["RPC calls per block with nothing to do", ...cs((r) => fmt(r.keeper.rpcPerIdleBlock))],
        ["naive: accountHealth per account, calls per block", ...cs((r) => fmtInt(r.naive.perAccountCalls))],
        ["naive: accountHealth per account, time per block (ms)", ...cs((r) => fmt(r.naive.perAccountMs))],
        [`naive: accountsHealth x${o.viewChunk}, calls / time per block (ms)`, ...cs((r) => `${r.naive.batchedCalls} / ${fmt(r.naive.batchedMs)}`)],
        ["naive found the twin's liquidatable set", ...cs((r) => (r.naive.sameAsTwin ? `yes (${r.naive.liquidatableFound})` : `NO (${r.naive.liquidatableFound})`))],
        ["ratio: RPC calls, naive per block / keeper per fall", ...cs((r) => ratio(r.naive.perAccountCalls, r.keeper.rpcPerFall))],
        ["ratio: RPC calls, batched view per block / keeper per fall", ...cs((r) => ratio(r.naive.batchedCalls, r.keeper.rpcPerFall))],
        ["ratio: time, naive read of the book / keeper reaction p50", ...cs((r) => ratio(r.naive.perAccountMs, r.keeper.reactionMs.p50))],
        ["ratio: time, batched view read / keeper reaction p50", ...cs((r) => ratio(r.naive.batchedMs, r.keeper.reactionMs.p50))],
      ]),
    );
    out.push("");
    out.push("Keeper RPC calls per update on anvil, by method (fall / rise):");
    for (const n of chainSizes) {
      const r = onChain.get(n)!;
      out.push(`- ${label(n)}: fall ${methodsText(r.keeper.fallMethods)}; rise ${methodsText(r.keeper.riseMethods)}; rebuild ${methodsText(r.rebuild.methods)}`);
      out.push(
        `  seeded ${fmtInt(r.seed.accounts)} accounts in ${fmt(r.seed.seconds)} s (${fmtInt(r.seed.txs)} txs, ${r.seed.blocks} blocks of up to ${SEED_TXS_PER_BLOCK} txs); ` +
          `keeper: ${r.keeper.mined} liquidations mined (${r.keeper.liquidatedOnChain} Liquidated events of the keeper on chain), ${r.keeper.reverted} reverted, ${r.keeper.dropped} dropped` +
          `${r.keeper.notSent.size > 0 ? ` (${methodsText(r.keeper.notSent)})` : ""}; WETH ${fmt(r.keeper.wethStart)} -> ${fmt(r.keeper.wethEnd)}`,
      );
    }
    out.push(`(backfill in ranges of ${BENCH_LOG_RANGE} blocks; ${chainSizes[0] !== undefined ? onChain.get(chainSizes[0])!.anvil : "anvil"})`);
  }
  const skipped = sizes.filter((n) => !onChain.has(n));
  if (o.chain && skipped.length > 0) out.push(`\nNot seeded on anvil (above --onchain-max ${o.onchainMax}): ${skipped.map(label).join(", ")}.`);
  process.stdout.write(`${out.join("\n")}\n`);

  if (o.json !== undefined) {
    const plain = (v: unknown): unknown =>
      JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : typeof x === "bigint" ? x.toString() : x)));
    writeFileSync(o.json, `${JSON.stringify({ machine, loadStart, loadEnd, seconds, options: o, keeperSide: plain([...side.values()]), onChain: plain([...onChain.values()]) }, null, 2)}\n`);
    say(`figures written to ${o.json}`);
  }
}

// an interrupted run still stops its nodes (anvilNode's exit handler kills them by PID)
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => process.exit(130));

main().then(
  () => process.exit(0),
  (e: unknown) => {
    say(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);

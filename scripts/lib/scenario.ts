/**
 * Price scenarios for the simulation, and their replay as oracle rounds on the simulated chain.
 *
 * Built-in scenarios are the project's own synthetic paths (seeded noise, so a seed reproduces them):
 * - `eth-crash`: ETH falls 35% over one hour, then rebounds to -28% over the next 30 minutes; WBTC
 *   follows with a correlated -25% (-20% after the rebound); stablecoins stay at 1. 5-minute rounds.
 * - `flash-wick`: ETH drops 30% in 10 minutes and recovers to -5% within the next 20; WBTC -15%. 1-minute rounds.
 * - `calm`: a 2-hour random walk with 0.3% moves per 5-minute round (a control: little or nothing to liquidate).
 *
 * `--path` replays real history read in place (never copied into the project), e.g. from ../shared/data:
 * - CoinAPI OHLCV JSON (an array of bars with `time_period_start` and `price_close`, as
 *   stablesims/feeds/eth/MM-DD-YYYY.json): ETH/USD, so it drives WETH;
 * - CSV with a header: a time column (`timestamp`, `time` or `date`: Unix seconds or milliseconds, or
 *   ISO), a price column (`USD_price`, `price`, `close` or `price_close`), and optionally `symbol`
 *   (as bhemen_aave_data/usd_prices/WETH_usd.csv). Without a symbol column, name the asset: `WETH=file.csv`.
 * Each path is scaled to start at the asset's deployed price; assets without a path stay flat.
 */
import { readFileSync, existsSync, statSync } from "node:fs";
import { encodeFunctionData, toHex, type Abi, type Address, type Hex } from "viem";
import { compiled } from "./artifacts.ts";
import type { Stack } from "./deployStack.ts";
import { makeRandom } from "./seedPopulation.ts";
import type { Rpc } from "./simChain.ts";

export interface PricePath {
  /** scenario name or the files replayed */
  name: string;
  description: string;
  stepSeconds: number;
  /** prices (USD per whole token) by symbol at each step; steps[0] is the start (the deployed prices) */
  steps: Record<string, number>[];
  /** for replays of history: the real time of the first and last step */
  historyFrom?: string;
  historyTo?: string;
  warnings: string[];
}

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

export const BUILT_IN_SCENARIOS = {
  "eth-crash": "ETH -35% over 1 hour in 5-minute rounds with noise, then a partial rebound to -28%; WBTC -25% correlated; stables flat",
  "flash-wick": "ETH -30% in 10 minutes, back to -5% within 20 more; WBTC -15%; 1-minute rounds",
  calm: "2 hours of small random moves (0.3% per 5-minute round): a control with little to liquidate",
} as const;

export type BuiltInScenario = keyof typeof BUILT_IN_SCENARIOS;

/** Start prices from the deployed stack (symbol -> USD). */
export function startPrices(stack: Pick<Stack, "assets">): Record<string, number> {
  return Object.fromEntries(stack.assets.map((a) => [a.symbol, Number(a.priceUsd)]));
}

/** A Brownian bridge with `n` increments pinned to 0 at both ends: noise that leaves the endpoints exact. */
function bridge(rnd: ReturnType<typeof makeRandom>, n: number, sigmaPerStep: number): number[] {
  const walk = [0];
  for (let i = 1; i <= n; i++) walk.push(walk[i - 1]! + sigmaPerStep * rnd.normal());
  const end = walk[n]!;
  return walk.map((w, i) => w - (end * i) / n);
}

/**
 * A built-in scenario's path. `stepSeconds` overrides the scenario's round interval (the path keeps its
 * duration: more or fewer rounds).
 */
export function builtInScenario(name: string, seed: string, start: Record<string, number>, stepSeconds?: number): PricePath {
  if (!(name in BUILT_IN_SCENARIOS)) {
    throw new ScenarioError(`unknown scenario ${JSON.stringify(name)}: built-in scenarios are ${Object.keys(BUILT_IN_SCENARIOS).join(", ")} (or replay a file with --path)`);
  }
  const rnd = makeRandom(`scenario:${name}:${seed}`);
  const s = name as BuiltInScenario;
  // phases: [duration s, ETH log-move at the end of the phase (cumulative), shape]
  const spec = {
    "eth-crash": { step: 300, phases: [[3600, Math.log(0.65)], [1800, Math.log(0.72)]], btcBeta: Math.log(0.75) / Math.log(0.65), sigma: 0.006, floor: Math.log(0.65) },
    "flash-wick": { step: 60, phases: [[600, Math.log(0.7)], [1200, Math.log(0.95)]], btcBeta: Math.log(0.85) / Math.log(0.7), sigma: 0.004, floor: Math.log(0.7) },
    calm: { step: 300, phases: [[7200, 0]], btcBeta: 0.6, sigma: 0.003, floor: -Infinity },
  }[s];
  const step = stepSeconds ?? spec.step;
  if (!Number.isInteger(step) || step < 1 || step > 86_400) throw new ScenarioError(`--step-seconds: expected 1..86400, got ${step}`);
  // ETH's log price: a deterministic shape per phase plus noise pinned at the phase ends (so the
  // trough and the end are exact); WBTC follows with beta and a little noise of its own, also pinned
  const lnEth: number[] = [0];
  const lnBtc: number[] = [0];
  let prev = 0;
  for (const [duration, target] of spec.phases as [number, number][]) {
    const n = Math.max(1, Math.round(duration / step));
    const noise = bridge(rnd, n, spec.sigma * Math.sqrt(step / 300));
    const own = bridge(rnd, n, spec.sigma * 0.5 * Math.sqrt(step / 300));
    for (let i = 1; i <= n; i++) {
      const u = i / n;
      // falls accelerate then level off (smoothstep); rebounds are front-loaded
      const shape = target < prev ? u * u * (3 - 2 * u) : 1 - (1 - u) * (1 - u);
      const l = Math.max(spec.floor, prev + (target - prev) * shape + noise[i]!);
      lnEth.push(l);
      lnBtc.push(Math.max(spec.btcBeta * spec.floor, spec.btcBeta * l + own[i]!));
    }
    prev = target;
  }
  const steps = lnEth.map((l, i) => ({
    ...start,
    WETH: start.WETH! * Math.exp(l),
    WBTC: start.WBTC! * Math.exp(lnBtc[i]!),
  }));
  return { name: s, description: BUILT_IN_SCENARIOS[s], stepSeconds: step, steps, warnings: [] };
}

// ------------------------------------------------------------------------------------------------ history

interface Observation {
  t: number; // unix seconds
  price: number;
  /** where it came from, for messages ("line 12", "bar 3") */
  at: string;
}

interface Series {
  symbol: string;
  file: string;
  obs: Observation[];
}

const SYMBOL_ALIASES: Record<string, string> = { ETH: "WETH", WETH: "WETH", BTC: "WBTC", WBTC: "WBTC", USDC: "USDC", DAI: "DAI" };

function parseTime(raw: string, where: string): number {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n > 1e11 ? n / 1000 : n; // milliseconds or seconds
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ScenarioError(`${where}: unreadable time ${JSON.stringify(raw)} (expected Unix seconds or milliseconds, or an ISO date)`);
  return ms / 1000;
}

function parsePrice(raw: unknown, where: string): number {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw new ScenarioError(`${where}: price ${JSON.stringify(raw)} is not a number`);
  if (n <= 0) throw new ScenarioError(`${where}: price ${n} is not positive`);
  return n;
}

function assetSymbol(raw: string, where: string, known: readonly string[]): string {
  const s = SYMBOL_ALIASES[raw.trim().toUpperCase()];
  if (s === undefined || !known.includes(s)) {
    throw new ScenarioError(`${where}: ${JSON.stringify(raw)} is not an asset of the simulated vault (${known.join(", ")}; ETH and BTC are accepted for WETH and WBTC)`);
  }
  return s;
}

/** Drops exact duplicate rows (same time and price) and rejects any other out-of-order time. */
function checkOrder(obs: Observation[], file: string, warnings: string[]): Observation[] {
  const out: Observation[] = [];
  let dups = 0;
  for (const o of obs) {
    const last = out[out.length - 1];
    if (last !== undefined && o.t <= last.t) {
      if (o.t === last.t && o.price === last.price) {
        dups++;
        continue;
      }
      throw new ScenarioError(
        `${file}: timestamps are not increasing at ${o.at} (${new Date(o.t * 1000).toISOString()} after ${new Date(last.t * 1000).toISOString()})`,
      );
    }
    out.push(o);
  }
  if (dups > 0) warnings.push(`${file}: dropped ${dups} duplicated row(s)`);
  return out;
}

function readSeries(spec: string, known: readonly string[], warnings: string[]): Series[] {
  // "WETH=path" names the asset; a Windows-style "C:\..." is not a concern here
  const m = /^([A-Za-z]{2,6})=(.+)$/.exec(spec);
  const forced = m ? assetSymbol(m[1]!, spec, known) : undefined;
  const file = m ? m[2]! : spec;
  if (!existsSync(file)) throw new ScenarioError(`--path: file not found: ${file}`);
  if (!statSync(file).isFile()) throw new ScenarioError(`--path: not a file: ${file}`);
  const text = readFileSync(file, "utf8");
  if (text.trim() === "") throw new ScenarioError(`${file}: the file is empty`);

  if (text.trimStart().startsWith("[") || file.endsWith(".json")) {
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch (e) {
      throw new ScenarioError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(rows)) throw new ScenarioError(`${file}: expected a JSON array of OHLCV bars`);
    const obs = rows.map((r: unknown, i) => {
      const where = `${file}: bar ${i + 1}`;
      if (typeof r !== "object" || r === null) throw new ScenarioError(`${where}: not an object`);
      const row = r as Record<string, unknown>;
      const time = row.time_period_start ?? row.time_period_end ?? row.time ?? row.timestamp;
      if (typeof time !== "string" && typeof time !== "number") throw new ScenarioError(`${where}: no time_period_start`);
      const price = row.price_close ?? row.close ?? row.price;
      if (price === undefined) throw new ScenarioError(`${where}: no price_close`);
      return { t: parseTime(String(time), where), price: parsePrice(price, where), at: `bar ${i + 1}` };
    });
    if (obs.length === 0) throw new ScenarioError(`${file}: no bars`);
    return [{ symbol: forced ?? "WETH", file, obs: checkOrder(obs, file, warnings) }];
  }

  // CSV
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines[0]!.split(",").map((h) => h.trim().toLowerCase());
  const col = (names: string[]) => header.findIndex((h) => names.includes(h));
  const tCol = col(["timestamp", "time", "date", "time_period_start"]);
  const pCol = col(["usd_price", "price", "close", "price_close"]);
  const sCol = col(["symbol", "asset"]);
  if (tCol < 0 || pCol < 0) {
    throw new ScenarioError(`${file}: the CSV header needs a time column (timestamp, time or date) and a price column (USD_price, price or close); got ${JSON.stringify(lines[0])}`);
  }
  const bySymbol = new Map<string, Observation[]>();
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(",");
    const where = `${file}: line ${i + 1}`;
    if (cells.length < header.length) throw new ScenarioError(`${where}: expected ${header.length} columns, got ${cells.length}: ${JSON.stringify(lines[i])}`);
    const symbol = forced ?? (sCol >= 0 ? assetSymbol(cells[sCol]!, where, known) : undefined);
    if (symbol === undefined) throw new ScenarioError(`${file}: no symbol column: name the asset, e.g. --path WETH=${file}`);
    const list = bySymbol.get(symbol) ?? [];
    list.push({ t: parseTime(cells[tCol]!, where), price: parsePrice(cells[pCol]!, where), at: `line ${i + 1}` });
    bySymbol.set(symbol, list);
  }
  if (bySymbol.size === 0) throw new ScenarioError(`${file}: no data rows`);
  return [...bySymbol].map(([symbol, obs]) => ({ symbol, file, obs: checkOrder(obs, file, warnings) }));
}

export interface HistoryOptions {
  paths: string[];
  from?: string;
  to?: string;
  stepSeconds?: number;
  /** refuse longer replays (each round waits for the keeper) */
  maxSteps?: number;
}

/** The price path of real history, resampled at `stepSeconds` and scaled to the deployed prices. */
export function historyPath(opts: HistoryOptions, start: Record<string, number>): PricePath {
  const warnings: string[] = [];
  const known = Object.keys(start);
  const series = opts.paths.flatMap((p) => readSeries(p, known, warnings));
  const seen = new Set<string>();
  for (const s of series) {
    if (seen.has(s.symbol)) throw new ScenarioError(`--path: two paths for ${s.symbol} (${s.file})`);
    seen.add(s.symbol);
  }
  const from = opts.from !== undefined ? parseTime(opts.from, "--from") : -Infinity;
  const to = opts.to !== undefined ? parseTime(opts.to, "--to") : Infinity;
  if (from >= to) throw new ScenarioError(`--from (${opts.from}) must be before --to (${opts.to})`);

  for (const s of series) {
    // keep the last observation before the window so the first step has a price
    const firstIn = s.obs.findIndex((o) => o.t >= from);
    if (firstIn < 0 || s.obs[firstIn]!.t > to) {
      const span = `${new Date(s.obs[0]!.t * 1000).toISOString()} .. ${new Date(s.obs[s.obs.length - 1]!.t * 1000).toISOString()}`;
      throw new ScenarioError(`${s.file}: no ${s.symbol} data in the window ${opts.from ?? "start"} .. ${opts.to ?? "end"} (the file covers ${span})`);
    }
    s.obs = s.obs.filter((o) => o.t >= from && o.t <= to);
  }
  const t0 = Math.max(...series.map((s) => s.obs[0]!.t));
  const t1 = Math.min(...series.map((s) => s.obs[s.obs.length - 1]!.t));
  if (t1 <= t0) throw new ScenarioError(`--path: the files do not overlap in time (${series.map((s) => s.file).join(", ")})`);

  const first = series[0]!.obs;
  const gaps = first.slice(1).map((o, i) => o.t - first[i]!.t).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] ?? 600;
  // jittered data (e.g. "about hourly"): round to whole minutes
  const native = median >= 120 ? Math.round(median / 60) * 60 : Math.max(1, Math.round(median));
  const step = opts.stepSeconds ?? native;
  if (!Number.isInteger(step) || step < 1) throw new ScenarioError(`--step-seconds: expected a positive integer, got ${step}`);
  const n = Math.floor((t1 - t0) / step);
  const maxSteps = opts.maxSteps ?? 1000;
  if (n < 1) throw new ScenarioError(`--path: the window is shorter than one step of ${step} s`);
  if (n > maxSteps) {
    throw new ScenarioError(
      `--path: the window has ${n} rounds of ${step} s (at most ${maxSteps}): narrow it with --from/--to (ISO dates, e.g. --from 2021-05-19T00:00Z --to 2021-05-20T00:00Z) or use a larger --step-seconds`,
    );
  }

  // carry the last observation forward
  const at = (s: Series, t: number) => {
    let lo = 0;
    let hi = s.obs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s.obs[mid]!.t <= t) lo = mid;
      else hi = mid - 1;
    }
    return s.obs[lo]!.price;
  };
  const steps: Record<string, number>[] = [];
  for (let i = 0; i <= n; i++) {
    const t = t0 + i * step;
    const p: Record<string, number> = { ...start };
    for (const s of series) p[s.symbol] = (start[s.symbol]! * at(s, t)) / s.obs[0]!.price;
    steps.push(p);
  }
  const iso = (t: number) => new Date(t * 1000).toISOString();
  return {
    name: opts.paths.join(" + "),
    description: `history ${iso(t0)} .. ${iso(t0 + n * step)} of ${series.map((s) => s.symbol).join(", ")}, scaled to the deployed prices`,
    stepSeconds: step,
    steps,
    historyFrom: iso(t0),
    historyTo: iso(t0 + n * step),
    warnings,
  };
}

// ------------------------------------------------------------------------------------------------ replay

let feedAbi: Abi | undefined;

/** A price in USD to an 8-decimal feed answer. */
export function toAnswer(priceUsd: number): bigint {
  return BigInt(Math.round(priceUsd * 1e8));
}

export interface PushedStep {
  step: number;
  block: bigint;
  timestamp: number;
  /** WAD price by asset id, as the feeds now answer */
  pricesWad: bigint[];
}

/**
 * Pushes one oracle round on every feed (the ones that moved and the others, so none goes stale) in a
 * single block at `timestamp` (or just after the last block if the chain is already past it).
 * `from` sends the rounds (an unlocked account of the chain).
 */
export async function pushStep(rpc: Rpc, stack: Stack, from: Address, prices: Record<string, number>, step: number, timestamp: number): Promise<PushedStep> {
  feedAbi ??= compiled("MockAggregator").abi;
  const abi = feedAbi;
  const latest = await rpc.latestTimestamp();
  const ts = Math.max(timestamp, latest + 1);
  const answers = stack.assets.map((a) => {
    const p = prices[a.symbol];
    if (p === undefined || !(p > 0)) throw new ScenarioError(`step ${step}: no positive price for ${a.symbol}`);
    return toAnswer(p);
  });
  await rpc.setAutomine(false);
  try {
    const nonce = BigInt(await rpc.call<Hex>("eth_getTransactionCount", [from, "pending"]));
    await rpc.batch(
      stack.feeds.map((feed, i) => ({
        method: "eth_sendTransaction",
        params: [
          {
            from,
            to: feed,
            data: encodeFunctionData({ abi, functionName: "setAnswer", args: [answers[i]!] }),
            gas: toHex(150_000),
            nonce: toHex(nonce + BigInt(i)),
          },
        ],
      })),
    );
    await rpc.call("evm_setNextBlockTimestamp", [toHex(ts)]);
    await rpc.mine();
  } finally {
    await rpc.setAutomine(true);
  }
  return { step, block: await rpc.blockNumber(), timestamp: ts, pricesWad: answers.map((a) => a * 10n ** 10n) };
}

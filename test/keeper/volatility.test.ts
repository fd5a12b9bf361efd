/**
 * Volatility, betas, recommended thresholds (keeper/src/risk/volatility.ts) and the price-file parsers
 * (keeper/src/risk/priceHistory.ts): synthetic series with known answers, parser errors, then a run on the
 * real histories in ../shared/data that prints the calibration numbers of docs/risk-calibration.md (skipped
 * with a message when that directory is absent).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "mocha";
import { capPointDown } from "../../keeper/src/math/healthMath.ts";
import {
  PriceFileError,
  parseChainlinkRounds,
  parseCoinApiOhlcv,
  parseHourlyUsdCsv,
  type PricePoint,
} from "../../keeper/src/risk/priceHistory.ts";
import {
  CAP_POINT_LIMIT,
  DAY,
  DEFAULT_HORIZON_SECONDS,
  DEFAULT_K,
  HOUR,
  SECONDS_PER_YEAR,
  adverseMoves,
  alignedReturns,
  betaOf,
  betaToPpm,
  calibrateAsset,
  correlationOf,
  equalWeightFactor,
  estimateBetas,
  exceedanceRate,
  findSpikes,
  logReturns,
  normalTail,
  ratioSeries,
  realisedVolatility,
  recommendedLiquidationThreshold,
  removeSpikes,
  rollingVolatility,
  vaultThresholdCapBps,
  worstAdverseMove,
} from "../../keeper/src/risk/volatility.ts";

const close = (a: number, b: number, rel = 1e-9, what = "") =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300), `${what} ${a} != ${b}`);

/** Prices from log returns: p0 * exp(cumulative sum), at the given times. */
function fromReturns(times: number[], returns: number[], p0 = 100): PricePoint[] {
  const out: PricePoint[] = [{ t: times[0]!, price: p0 }];
  let lp = Math.log(p0);
  returns.forEach((r, i) => {
    lp += r;
    out.push({ t: times[i + 1]!, price: Math.exp(lp) });
  });
  return out;
}

/** A deterministic pseudo-random stream (LCG) of standard-ish normals (sum of 12 uniforms - 6). */
function noise(seed: number, n: number): number[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => {
    let z = -6;
    for (let i = 0; i < 12; i++) z += u();
    return z;
  });
}

describe("volatility: synthetic series with known answers", () => {
  it("realised vol of alternating +/-a hourly returns is a * sqrt(year / 1h)", () => {
    const a = 0.01;
    const n = 1000;
    const times = Array.from({ length: n + 1 }, (_, i) => 1_600_000_000 + i * HOUR);
    const s = fromReturns(times, Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : -a)));
    const v = realisedVolatility(s);
    close(v.sigmaAnnual, a * Math.sqrt(SECONDS_PER_YEAR / HOUR), 1e-9, "sigma");
    assert.equal(v.returns, n);
    assert.equal(v.medianIntervalSeconds, HOUR);
  });

  it("uneven spacing: returns scaled by sqrt(dt) give the same sigma (sum of squares per unit time)", () => {
    const a = 0.01;
    const times = [0];
    const rets: number[] = [];
    for (let i = 0; i < 600; i++) {
      const dt = [HOUR, 2 * HOUR, 12 * HOUR][i % 3]!;
      times.push(times[times.length - 1]! + dt);
      rets.push((i % 2 === 0 ? 1 : -1) * a * Math.sqrt(dt / HOUR));
    }
    const v = realisedVolatility(fromReturns(times, rets));
    close(v.sigmaAnnual, a * Math.sqrt(SECONDS_PER_YEAR / HOUR), 1e-9, "sigma");
    // dropping the 12-hour gaps keeps the estimate (each piece has the same rate)
    const w = realisedVolatility(fromReturns(times, rets), { maxGapSeconds: 2 * HOUR });
    assert.equal(w.returns, 400);
    close(w.sigmaAnnual, v.sigmaAnnual, 1e-9, "without gaps");
  });

  it("rolling volatility finds the calm and the stressed regimes", () => {
    const n = 24 * 60;
    const times = Array.from({ length: n + 1 }, (_, i) => i * HOUR);
    const rets = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i < n / 2 ? 0.005 : 0.02));
    const roll = rollingVolatility(fromReturns(times, rets), { windowSeconds: 10 * DAY });
    const hourly = Math.sqrt(SECONDS_PER_YEAR / HOUR);
    close(roll[0]!.sigmaAnnual, 0.005 * hourly, 1e-6, "calm");
    close(Math.max(...roll.map((r) => r.sigmaAnnual)), 0.02 * hourly, 1e-6, "stress");
    assert.equal(roll.length, 51);
  });

  it("beta of an asset against itself is 1, of a 2x asset 2, of a stable series 0; Dimson lags recover a lagged asset", () => {
    const m = noise(7, 5000).map((z) => 0.01 * z);
    assert.equal(betaOf(m, m), 1);
    close(betaOf(m.map((x) => 2 * x), m), 2, 1e-12, "2x");
    assert.equal(betaOf(m.map(() => 0), m), 0, "a constant price has beta 0");
    const stable = noise(11, 5000).map((z) => 0.0005 * z); // independent noise around a peg
    assert.ok(Math.abs(betaOf(stable, m)) < 0.01, `stable beta ${betaOf(stable, m)}`);
    assert.ok(Math.abs(correlationOf(stable, m)) < 0.05);
    // an asset that reprices one step late: beta 0 at lag 0, about 1 with a lag window of 1
    const late = [0, ...m.slice(0, -1)];
    assert.ok(Math.abs(betaOf(late, m)) < 0.05);
    close(betaOf(late, m, { lags: 1 }), 1, 0.02, "Dimson");
    assert.throws(() => betaOf(m, m.map(() => 0)), /zero variance/);
    assert.equal(betaToPpm(0.6204), 620_400n);
    // the equal-weighted factor is the mean; an asset's beta to a factor made of itself and its double is 2/3
    const f = equalWeightFactor([m, m.map((x) => 2 * x)]);
    close(f[10]!, 1.5 * m[10]!, 1e-12, "mean");
    close(betaOf(m, f), 2 / 3, 1e-12, "beta to the factor");
  });

  it("estimateBetas: the factor asset has beta 1, a 2x asset 2, a pegged asset 0, against one asset or an index", () => {
    const m = noise(3, 400).map((z) => 0.01 * z);
    const times = Array.from({ length: 401 }, (_, i) => i * DAY);
    const series = new Map([
      [2, fromReturns(times, m, 2000)],
      [1, fromReturns(times, m.map((x) => 2 * x), 60_000)],
      [0, times.map((t) => ({ t, price: 1 }))],
    ]);
    const betas = estimateBetas(series, { stepSeconds: DAY, factor: 2 });
    assert.equal(betas.get(2), 1);
    close(betas.get(1)!, 2, 1e-9, "2x");
    assert.equal(betas.get(0), 0);
    assert.deepEqual([...betas].map(([id, b]) => [id, betaToPpm(b)]), [[2, 1_000_000n], [1, 2_000_000n], [0, 0n]]);
    close(estimateBetas(series, { stepSeconds: DAY, factor: [1, 2] }).get(2)!, 2 / 3, 1e-9, "vs the index");
    assert.throws(() => estimateBetas(series, { stepSeconds: DAY, factor: 5 }), /no series for factor asset 5/);
  });

  it("alignedReturns keeps only intervals where every series is fresh at both ends", () => {
    const a = Array.from({ length: 25 }, (_, i) => ({ t: i * HOUR + 60, price: 100 + i }));
    // b has a 6-hour hole between hours 10 and 16
    const b = a.filter((_, i) => i <= 10 || i >= 16).map((p) => ({ t: p.t + 30, price: p.price * 2 }));
    const al = alignedReturns([a, b], { stepSeconds: HOUR, maxStaleSeconds: HOUR });
    assert.equal(al.returns.length, 2);
    assert.ok(al.t.every((t) => t <= 11 * HOUR || t >= 17 * HOUR), "no interval touching the hole");
    al.returns[0]!.forEach((r, j) => close(r, al.returns[1]![j]!, 1e-12, "same moves"));
    const ratio = ratioSeries(b, a, { stepSeconds: HOUR, maxStaleSeconds: HOUR });
    assert.ok(ratio.every((p) => Math.abs(p.price - 2) < 1e-12));
  });

  it("adverse moves: the largest fall within the horizon from each start", () => {
    const s = [100, 110, 90, 95, 80, 120].map((price, i) => ({ t: i * HOUR, price }));
    const m = adverseMoves(s, 2 * HOUR);
    [0.1, 1 - 90 / 110, 1 - 80 / 90, 1 - 80 / 95, 0, 0].forEach((x, i) => close(m[i]!, x, 1e-12, `move ${i}`));
    assert.deepEqual(worstAdverseMove(s, 2 * HOUR), { move: m[1]!, at: HOUR });
    assert.equal(exceedanceRate(s, 2 * HOUR, 0.15), 2 / 6);
    close(normalTail(3), 0.0013499, 1e-3, "P(Z>3)");
    close(normalTail(0), 0.5, 1e-6, "P(Z>0)");
  });

  it("single-point spikes are found and removed; real moves are kept", () => {
    const s = [100, 101, 80, 100.5, 99, 70, 69].map((price, i) => ({ t: i * HOUR, price }));
    const spikes = findSpikes(s);
    assert.deepEqual(spikes.map((x) => x.index), [2], "100.5 returns to 101: a spike; 70 stays: a move");
    const r = removeSpikes(s);
    assert.equal(r.series.length, 6);
    assert.equal(r.removed[0]!.point.price, 80);
  });
});

describe("volatility: recommended liquidation threshold", () => {
  const bonus = 75_000_000_000_000_000n; // 7.5%

  it("LT = floor((1 - k sigma sqrt(h)) / (1 + bonus) in bps)", () => {
    const r = recommendedLiquidationThreshold({ sigmaAnnual: 0.8, horizonSeconds: DAY, k: 3, maxBonus: bonus, ltv: 8000 });
    const m = 3 * 0.8 * Math.sqrt(DAY / SECONDS_PER_YEAR);
    close(r.move, m, 1e-12, "move");
    assert.equal(r.liquidationThreshold, Math.floor(((1 - m) / 1.075) * 1e4));
    assert.equal(r.liquidationThreshold, 8133);
    assert.equal(r.binding, "formula");
    assert.equal(r.maxLtv, 8132);
    assert.equal(r.ltvTooHigh, false);
    // the account at HF = 1 is exactly covered: C(1 - m) >= C * LT * (1 + bonus)
    assert.ok(1 - m >= (r.liquidationThreshold / 1e4) * 1.075);
    assert.ok(1 - m < ((r.liquidationThreshold + 1) / 1e4) * 1.075);
  });

  it("respects the vault's cap point, the ceiling, zero, and ltv < LT", () => {
    const cap = vaultThresholdCapBps(bonus);
    assert.equal(cap, 9069);
    assert.ok(capPointDown(BigInt(cap), bonus) <= CAP_POINT_LIMIT && capPointDown(BigInt(cap) + 1n, bonus) > CAP_POINT_LIMIT);
    const calm = recommendedLiquidationThreshold({ sigmaAnnual: 0.01, horizonSeconds: HOUR, k: 3, maxBonus: bonus });
    assert.deepEqual([calm.liquidationThreshold, calm.binding], [9069, "vaultCap"]);
    const noBonus = recommendedLiquidationThreshold({ sigmaAnnual: 0, horizonSeconds: DAY, k: 3, maxBonus: 0n });
    assert.deepEqual([noBonus.liquidationThreshold, noBonus.binding, noBonus.vaultCapBps], [9500, "ceiling", 9750]);
    const wild = recommendedLiquidationThreshold({ sigmaAnnual: 12, horizonSeconds: DAY, k: 3, maxBonus: bonus });
    assert.deepEqual([wild.liquidationThreshold, wild.binding, wild.maxLtv], [0, "zero", undefined]);
    const tight = recommendedLiquidationThreshold({ sigmaAnnual: 1.5, horizonSeconds: DAY, k: 3, maxBonus: bonus, ltv: 7500 });
    assert.ok(tight.liquidationThreshold <= 7500 && tight.ltvTooHigh, `LT ${tight.liquidationThreshold} below the ltv`);
    for (const b of [0n, 20_000_000_000_000_000n, 100_000_000_000_000_000n, 500_000_000_000_000_000n]) {
      const c = BigInt(vaultThresholdCapBps(b));
      assert.ok(capPointDown(c, b) <= CAP_POINT_LIMIT && capPointDown(c + 1n, b) > CAP_POINT_LIMIT, `cap for bonus ${b}`);
    }
    assert.equal(DEFAULT_K, 3);
    assert.equal(DEFAULT_HORIZON_SECONDS, DAY);
  });
});

describe("price files: malformed input is refused with its position", () => {
  const csv = (rows: string[]) => ["symbol,timestamp,USD_price", ...rows].join("\n") + "\n";
  const err = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof PriceFileError && re.test(e.message), `expected ${re}`);

  it("hourly CSV", () => {
    assert.deepEqual(parseHourlyUsdCsv(csv(["WETH,1609460789131,732.5", "WETH,1609463014882,735"])), [
      { t: 1609460789.131, price: 732.5 },
      { t: 1609463014.882, price: 735 },
    ]);
    assert.equal(parseHourlyUsdCsv(csv(["WETH,1000,1"]).replace(/\n/g, "\r\n")).length, 1, "CRLF");
    err(() => parseHourlyUsdCsv("symbol,time,USD_price\nWETH,1,1\n", { source: "x.csv" }), /^x\.csv:1: bad header/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000,1", "WETH,2000,abc"]), { source: "x.csv" }), /^x\.csv:3: USD_price is not a number/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000,"]), { source: "x.csv" }), /^x\.csv:2: USD_price is not a number/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000,0"]), { source: "x.csv" }), /^x\.csv:2: USD_price must be positive/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000,-3"]), { source: "x.csv" }), /^x\.csv:2: USD_price must be positive/);
    err(() => parseHourlyUsdCsv(csv(["WETH,2000,1", "WETH,1000,1"]), { source: "x.csv" }), /^x\.csv:3: timestamp 1 is before/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000,1", "WETH,1000,2"]), { source: "x.csv" }), /^x\.csv:3: duplicate timestamp/);
    assert.deepEqual(parseHourlyUsdCsv(csv(["WETH,1000,1", "WETH,1000,2"]), { duplicates: "keepLast" }), [{ t: 1, price: 2 }]);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000,1", "WBTC,2000,1"])), /input:3: symbol "WBTC", expected "WETH"/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000"])), /input:2: expected 3 fields, got 2/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1.5e3,1"])), /input:2: timestamp is not an integer/);
    err(() => parseHourlyUsdCsv(csv(["WETH,1000,1", ""])), /input:3: expected 3 fields/);
  });

  it("CoinAPI OHLCV JSON", () => {
    const bar = (start: string, end: string, close: unknown = 10) => ({ time_period_start: start, time_period_end: end, price_open: 9, price_high: 11, price_low: 8, price_close: close });
    const b1 = bar("2021-05-19T00:00:00.0000000Z", "2021-05-19T00:10:00.0000000Z");
    const b2 = bar("2021-05-19T00:10:00.0000000Z", "2021-05-19T00:20:00.0000000Z", 12);
    const t0 = Date.UTC(2021, 4, 19) / 1000;
    assert.deepEqual(parseCoinApiOhlcv(JSON.stringify([b1, b2])), [{ t: t0 + 600, price: 10 }, { t: t0 + 1200, price: 12 }]);
    assert.deepEqual(parseCoinApiOhlcv(JSON.stringify([b1]), { field: "open" }), [{ t: t0, price: 9 }]);
    assert.deepEqual(parseCoinApiOhlcv(JSON.stringify([b1]), { field: "low" }), [{ t: t0 + 600, price: 8 }]);
    err(() => parseCoinApiOhlcv("[{", { source: "d.json" }), /^d\.json: not JSON/);
    err(() => parseCoinApiOhlcv("{}", { source: "d.json" }), /^d\.json: expected a JSON array/);
    err(() => parseCoinApiOhlcv(JSON.stringify([b1, bar(b2.time_period_start, b2.time_period_end, "12")]), { source: "d.json" }), /^d\.json\[1\]: price_close is not a number/);
    err(() => parseCoinApiOhlcv(JSON.stringify([bar(b1.time_period_start, b1.time_period_end, -1)]), { source: "d.json" }), /^d\.json\[0\]: price_close must be positive/);
    err(() => parseCoinApiOhlcv(JSON.stringify([bar("yesterday", b1.time_period_end)]), { source: "d.json" }), /^d\.json\[0\]: time_period_start is not an ISO time/);
    err(() => parseCoinApiOhlcv(JSON.stringify([b2, b1]), { source: "d.json" }), /^d\.json\[1\]: timestamp .* is before/);
    err(() => parseCoinApiOhlcv(JSON.stringify([b1, b1]), { source: "d.json" }), /^d\.json\[1\]: duplicate timestamp/);
    assert.equal(parseCoinApiOhlcv(JSON.stringify([b1, b1, b2]), { duplicates: "keepLast" }).length, 2);
  });

  it("Chainlink rounds CSV", () => {
    const head = ",round,answer,start,update,answeredInRound";
    const row = (i: number, round: number, answer: string, upd: number) => `${i},${round},${answer},${upd},${upd},${round}`;
    const text = [head, row(0, 12, "200000000000", 3000), row(1, 11, "190000000000", 2000), row(2, 10, "0", 0)].join("\n");
    assert.deepEqual(parseChainlinkRounds(text, { decimals: 8 }), [{ t: 2000, price: 1900 }, { t: 3000, price: 2000 }], "newest first, empty round skipped");
    const asc = [head, row(0, 1, "1000000000000000000", 10), row(1, 2, "990000000000000000", 20)].join("\n");
    assert.deepEqual(parseChainlinkRounds(asc, { decimals: 18 }).map((p) => p.price), [1, 0.99]);
    err(() => parseChainlinkRounds("round,answer\n", { decimals: 8, source: "f.csv" }), /^f\.csv:1: bad header/);
    err(() => parseChainlinkRounds([head, row(0, 12, "1", 3), row(1, 13, "1", 4), row(2, 11, "1", 2)].join("\n"), { decimals: 8, source: "f.csv" }), /^f\.csv:4: round 11 breaks the ascending round order/);
    err(() => parseChainlinkRounds([head, row(0, 12, "1", 3), row(1, 12, "1", 3)].join("\n"), { decimals: 8, source: "f.csv" }), /^f\.csv:3: duplicate round 12/);
    err(() => parseChainlinkRounds([head, row(0, 12, "-5", 3)].join("\n"), { decimals: 8, source: "f.csv" }), /^f\.csv:2: answer must be positive/);
    err(() => parseChainlinkRounds([head, row(0, 12, "0", 3)].join("\n"), { decimals: 8, source: "f.csv" }), /^f\.csv:2: answer must be positive/);
    err(() => parseChainlinkRounds([head, row(0, 12, "1.5", 3)].join("\n"), { decimals: 8, source: "f.csv" }), /^f\.csv:2: answer is not an integer/);
    err(() => parseChainlinkRounds([head, row(0, 12, "7", 1), row(1, 11, "7", 5)].join("\n"), { decimals: 8, source: "f.csv" }), /^f\.csv:2: updatedAt 1 is before the previous round's 5/);
    // two rounds in the same second: the later round wins by default, or it is an error on request
    const same = [head, row(0, 12, "300", 5), row(1, 11, "200", 5)].join("\n");
    assert.deepEqual(parseChainlinkRounds(same, { decimals: 2 }), [{ t: 5, price: 3 }]);
    err(() => parseChainlinkRounds(same, { decimals: 2, source: "f.csv", duplicates: "error" }), /^f\.csv:2: duplicate timestamp 5/);
    assert.throws(() => parseChainlinkRounds(same, { decimals: -1 }), RangeError);
  });
});

// ---------------------------------------------------------------------------------------- the real files

const DATA = new URL("../../../shared/data/", import.meta.url); // the repo root's ../shared/data
const HAVE_DATA = existsSync(fileURLToPath(DATA));
const read = (rel: string) => readFileSync(new URL(rel, DATA), "utf8");
const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)}%`;
const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ");

describe("volatility on the real histories in ../shared/data (printed for docs/risk-calibration.md)", function () {
  before(function () {
    if (!HAVE_DATA) {
      console.log(`      skipped: ${fileURLToPath(DATA)} not found; these tests read the real price histories from ../shared/data (see its README.md)`);
      this.skip();
    }
  });

  const hourly = (sym: string) =>
    parseHourlyUsdCsv(read(`bhemen_aave_data/usd_prices/${sym}_usd.csv`), { source: `${sym}_usd.csv`, symbol: sym });
  const BONUS: Record<string, bigint> = { WETH: 75_000_000_000_000_000n, WBTC: 100_000_000_000_000_000n, stETH: 75_000_000_000_000_000n };

  it("parses every file, with the row counts of the README, and prints realised vols", () => {
    const rows = { WETH: 18_861, WBTC: 18_833, stETH: 18_410, UST: 10_808 };
    for (const [sym, n] of Object.entries(rows)) {
      const s = hourly(sym);
      assert.equal(s.length, n, sym);
      const v = realisedVolatility(s);
      const clean = realisedVolatility(removeSpikes(s).series);
      const years = [2021, 2022, 2023]
        .map((y) => `${y} ${pct(realisedVolatility(s, { from: Date.UTC(y, 0, 1) / 1000, to: Date.UTC(y + 1, 0, 1) / 1000 }).sigmaAnnual, 0)}`)
        .join(", ");
      console.log(`      ${sym.padEnd(5)} hourly ${iso(s[0]!.t)} .. ${iso(s[s.length - 1]!.t)}: sigma ${pct(v.sigmaAnnual)} (spikes removed ${pct(clean.sigmaAnnual)}); ${years}`);
    }
    assert.ok(realisedVolatility(hourly("WETH")).sigmaAnnual > 0.5 && realisedVolatility(hourly("WETH")).sigmaAnnual < 1.5);
    // 10-minute CoinAPI days: 09-05-2020 repeats its first bar, refused unless duplicates are kept
    assert.throws(() => parseCoinApiOhlcv(read("stablesims/feeds/eth/09-05-2020.json"), { source: "09-05-2020.json" }), /09-05-2020\.json\[1\]: duplicate timestamp/);
    for (const day of ["03-12-2020", "09-05-2020", "01-11-2021", "01-21-2021", "02-22-2021", "05-19-2021", "06-21-2021"]) {
      const text = read(`stablesims/feeds/eth/${day}.json`);
      const s = parseCoinApiOhlcv(text, { source: `${day}.json`, duplicates: "keepLast" });
      const low = Math.min(...parseCoinApiOhlcv(text, { field: "low", duplicates: "keepLast" }).map((p) => p.price));
      assert.equal(s.length, day === "09-05-2020" ? 142 : 144);
      console.log(`      ETH 10-min ${day}: sigma ${pct(realisedVolatility(s).sigmaAnnual, 0)} annualised, low ${low.toFixed(2)}`);
    }
    const ethUsd = parseChainlinkRounds(read("chainlink_rounds_ape_fetcher/0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419.csv"), { decimals: 8, source: "ETH-USD rounds" });
    assert.equal(ethUsd.length, 11_106 - 5, "11,106 rounds with an answer, 5 of them in the same second as the next round");
    const stEth = parseChainlinkRounds(read("chainlink_rounds_ape_fetcher/0x86392dC19c0b719886221c78AB11eb8Cf5c52812.csv"), { decimals: 18, source: "stETH-ETH rounds" });
    assert.equal(stEth.length, 745);
    console.log(`      Chainlink ETH/USD ${iso(ethUsd[0]!.t)} .. ${iso(ethUsd[ethUsd.length - 1]!.t)} (calm): sigma ${pct(realisedVolatility(ethUsd).sigmaAnnual)}`);
    console.log(`      Chainlink stETH/ETH ${iso(stEth[0]!.t)} .. ${iso(stEth[stEth.length - 1]!.t)}: sigma ${pct(realisedVolatility(stEth).sigmaAnnual)}, min ${Math.min(...stEth.map((p) => p.price)).toFixed(5)}`);
  });

  it("2021-05-19: hourly data hides the wick the 10-minute bars show", () => {
    const day = { from: Date.UTC(2021, 4, 19) / 1000, to: Date.UTC(2021, 4, 20) / 1000 };
    const h = hourly("WETH").filter((p) => p.t >= day.from && p.t < day.to);
    const lowH = Math.min(...h.map((p) => p.price));
    const lows = parseCoinApiOhlcv(read("stablesims/feeds/eth/05-19-2021.json"), { field: "low" });
    const low10 = Math.min(...lows.map((p) => p.price));
    assert.equal(Math.round(lowH), 2276);
    assert.equal(low10, 1862.04);
    const open = parseCoinApiOhlcv(read("stablesims/feeds/eth/05-19-2021.json"), { field: "open" })[0]!.price;
    const closes = parseCoinApiOhlcv(read("stablesims/feeds/eth/05-19-2021.json"));
    console.log(`      ETH 2021-05-19 from ${open}: hourly low ${lowH.toFixed(2)} (${pct(1 - lowH / open)} down), 10-min low ${low10} (${pct(1 - low10 / open)} down)`);
    console.log(`      ETH 2021-05-19 realised (annualised): hourly points ${pct(realisedVolatility(h).sigmaAnnual, 0)}, 10-min closes ${pct(realisedVolatility(closes).sigmaAnnual, 0)}`);
  });

  it("spikes, betas and the calibration table", () => {
    const S = { WETH: hourly("WETH"), WBTC: hourly("WBTC"), stETH: hourly("stETH"), UST: hourly("UST") };
    for (const [sym, s] of Object.entries(S)) {
      if (sym === "UST") continue;
      for (const sp of findSpikes(s)) console.log(`      spike ${sym} ${iso(sp.point.t)} ${sp.point.price.toFixed(2)} (${pct(sp.move)} and back)`);
    }
    // betas against ETH and against the equal-weighted index of WETH, WBTC, stETH, on three grids
    for (const step of [HOUR, 4 * HOUR, DAY]) {
      const al = alignedReturns([S.WETH, S.WBTC, S.stETH], { stepSeconds: step, maxStaleSeconds: Math.max(2 * HOUR, step) });
      const ew = equalWeightFactor(al.returns);
      const [e, b, st] = al.returns as [number[], number[], number[]];
      const ust = alignedReturns([S.WETH, S.UST], { stepSeconds: step, maxStaleSeconds: Math.max(2 * HOUR, step), end: Date.UTC(2022, 4, 7) / 1000 });
      const line = [
        `WBTC ${betaOf(b, e).toFixed(2)}/${betaOf(b, ew).toFixed(2)} (rho ${correlationOf(b, e).toFixed(2)})`,
        `stETH ${betaOf(st, e).toFixed(2)}/${betaOf(st, ew).toFixed(2)} (rho ${correlationOf(st, e).toFixed(2)})`,
        `WETH -/${betaOf(e, ew).toFixed(2)}`,
        `UST before 2022-05-07 ${betaOf(ust.returns[1]!, ust.returns[0]!).toFixed(2)}`,
      ].join(", ");
      console.log(`      betas vs ETH/vs index, ${step / HOUR}h grid (${al.t.length} intervals): ${line}`);
      if (step === DAY) {
        assert.ok(Math.abs(betaOf(b, e) - 0.62) < 0.1 && Math.abs(betaOf(st, e) - 0.96) < 0.1);
        assert.equal(betaOf(e, e), 1);
      }
      if (step === HOUR) {
        console.log(`      Dimson (lags 2) on the 1h grid: WBTC ${betaOf(b, e, { lags: 2 }).toFixed(2)}, stETH ${betaOf(st, e, { lags: 2 }).toFixed(2)}`);
      }
    }
    const horizons = [HOUR, 6 * HOUR, DAY];
    for (const sym of ["WETH", "WBTC", "stETH"] as const) {
      const raw = S[sym];
      const { series } = removeSpikes(raw);
      const c = calibrateAsset(series, { horizons, k: DEFAULT_K, maxBonus: BONUS[sym]! });
      const cRaw = calibrateAsset(raw, { horizons, k: DEFAULT_K, maxBonus: BONUS[sym]! });
      console.log(`      ${sym}: sigma ${pct(c.sigma.sigmaAnnual)} (raw ${pct(cRaw.sigma.sigmaAnnual)}), 30-day stress ${pct(c.stress.sigmaAnnual)} to ${iso(c.stress.t)}, maxBonus ${Number(BONUS[sym]!) / 1e16}%`);
      for (const [i, r] of c.rows.entries()) {
        const rr = cRaw.rows[i]!;
        console.log(
          `        h=${String(r.horizonSeconds / HOUR).padStart(2)}h: m=${pct(r.move)} LT ${r.liquidationThreshold} | stress m=${pct(r.stressMove)} LT ${r.stressLiquidationThreshold}` +
            ` | worst fall within h ${pct(r.worst.move)} from ${iso(r.worst.at)} (raw ${pct(rr.worst.move)})` +
            ` | P(fall > m) ${pct(r.exceedance, 2)} vs normal ${pct(r.normalExceedance, 2)}`,
        );
      }
      const sens = [2, 3, 4].map((k) => {
        const r = recommendedLiquidationThreshold({ sigmaAnnual: c.sigma.sigmaAnnual, horizonSeconds: DAY, k, maxBonus: BONUS[sym]! });
        return `k=${k} LT ${r.liquidationThreshold} P(fall > m) ${pct(exceedanceRate(series, DAY, r.move), 2)} vs normal ${pct(2 * normalTail(k), 2)}`;
      });
      console.log(`        h=24h sensitivity: ${sens.join("; ")}`);
      const byYear = [2021, 2022, 2023].map((y) => {
        const sy = realisedVolatility(series, { from: Date.UTC(y, 0, 1) / 1000, to: Date.UTC(y + 1, 0, 1) / 1000 }).sigmaAnnual;
        return `${y} ${recommendedLiquidationThreshold({ sigmaAnnual: sy, horizonSeconds: DAY, k: DEFAULT_K, maxBonus: BONUS[sym]! }).liquidationThreshold}`;
      });
      console.log(`        h=24h with each year's sigma: ${byYear.join(", ")}; vault cap ${vaultThresholdCapBps(BONUS[sym]!)}`);
      const day = c.rows[2]!;
      assert.ok(day.liquidationThreshold > 7000 && day.liquidationThreshold < 9000, `${sym} LT ${day.liquidationThreshold}`);
      assert.ok(day.exceedance > day.normalExceedance, "fat tails: the data falls past m more often than a normal walk");
    }
    // the ETH group (stETH vs WETH): the ratio is what the group threshold must absorb
    const oracleRatio = parseChainlinkRounds(read("chainlink_rounds_ape_fetcher/0x86392dC19c0b719886221c78AB11eb8Cf5c52812.csv"), { decimals: 18 });
    const cgRatio = ratioSeries(removeSpikes(S.stETH).series, removeSpikes(S.WETH).series, { stepSeconds: HOUR });
    const groupBonus = 40_000_000_000_000_000n;
    for (const [name, s] of [["Chainlink stETH/ETH (daily rounds)", oracleRatio], ["CoinGecko stETH/WETH (hourly grid, spikes removed)", cgRatio]] as const) {
      const v = realisedVolatility(s).sigmaAnnual;
      const rec = recommendedLiquidationThreshold({ sigmaAnnual: v, horizonSeconds: DAY, k: DEFAULT_K, maxBonus: groupBonus });
      const worst = worstAdverseMove(s, DAY);
      const worstWeek = worstAdverseMove(s, 7 * DAY);
      console.log(
        `      ${name}: sigma ${pct(v)}, min ${Math.min(...s.map((p) => p.price)).toFixed(4)}, worst 1-day fall ${pct(worst.move, 2)} from ${iso(worst.at)}, 7-day ${pct(worstWeek.move, 2)};` +
          ` group LT (h=1d, k=3, bonus 4%) ${rec.liquidationThreshold} (${rec.binding})`,
      );
    }
    const lnRets = logReturns(cgRatio).map((x) => x.r);
    assert.ok(lnRets.length > 10_000);
  });
});

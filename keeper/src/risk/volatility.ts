/**
 * Volatility statistics for calibrating liquidation thresholds (docs/risk-calibration.md): realised
 * volatility from a price series, one-factor betas against a market factor, empirical adverse moves over a
 * horizon, and the recommended liquidation threshold. Floats (statistics, not money), pure, no I/O; the
 * series come from `priceHistory.ts`.
 *
 * Realised variance with uneven spacing: the variance rate is the sum of squared log returns divided by the
 * time they span, `var/s = sum(r_i^2) / sum(dt_i)`, annualised over a 365-day year (crypto trades every
 * day). Under a random walk E[r_i^2] = var/s * dt_i, so a 12-hour gap contributes one return worth twelve
 * hourly ones and the estimator stays unbiased without resampling. The mean return is not subtracted: at
 * hourly spacing the drift is orders of magnitude below the noise and leaving it in keeps the estimator
 * additive over time (a window's variance is the sum of its pieces).
 */
import { BPS, WAD } from "../math/fullMath.ts";
import { capPointDown } from "../math/healthMath.ts";
import type { PricePoint } from "./priceHistory.ts";

export const SECONDS_PER_YEAR = 365 * 86_400;
export const HOUR = 3_600;
export const DAY = 86_400;

/** One log return between consecutive observations: it ends at `t`, spans `dt` seconds. */
export interface LogReturn {
  t: number;
  dt: number;
  r: number;
}

export interface ReturnOptions {
  /** skip returns over gaps longer than this (default: keep every gap; the estimator already weighs it) */
  maxGapSeconds?: number;
  /** only observations with from <= t <= to */
  from?: number;
  to?: number;
}

function checkSeries(series: readonly PricePoint[], what: string): void {
  for (let i = 0; i < series.length; i++) {
    const p = series[i]!;
    if (!(p.price > 0) || !Number.isFinite(p.price)) throw new RangeError(`${what}: price at index ${i} is not positive`);
    if (i > 0 && !(p.t > series[i - 1]!.t)) throw new RangeError(`${what}: times are not strictly increasing at index ${i}`);
  }
}

/** Log returns of consecutive observations (series sorted, prices positive). */
export function logReturns(series: readonly PricePoint[], opts: ReturnOptions = {}): LogReturn[] {
  checkSeries(series, "logReturns");
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  const maxGap = opts.maxGapSeconds ?? Infinity;
  const out: LogReturn[] = [];
  let prev: PricePoint | undefined;
  for (const p of series) {
    if (p.t < from || p.t > to) continue;
    if (prev !== undefined && p.t - prev.t <= maxGap) out.push({ t: p.t, dt: p.t - prev.t, r: Math.log(p.price / prev.price) });
    prev = p;
  }
  return out;
}

export interface RealisedVolatility {
  /** annualised volatility of log returns (e.g. 0.75 = 75%/year) */
  sigmaAnnual: number;
  /** variance of log price per second */
  variancePerSecond: number;
  /** number of returns used */
  returns: number;
  /** seconds covered by those returns */
  spanSeconds: number;
  /** median spacing of the observations */
  medianIntervalSeconds: number;
}

/** Realised volatility: sqrt(sum r^2 / sum dt * year) (see the module comment). Needs two observations. */
export function realisedVolatility(series: readonly PricePoint[], opts: ReturnOptions = {}): RealisedVolatility {
  return volatilityOf(logReturns(series, opts));
}

/** Realised volatility of a list of returns. */
export function volatilityOf(returns: readonly LogReturn[]): RealisedVolatility {
  if (returns.length === 0) throw new RangeError("realisedVolatility: no returns (need two observations)");
  let sq = 0;
  let span = 0;
  for (const x of returns) {
    sq += x.r * x.r;
    span += x.dt;
  }
  const dts = returns.map((x) => x.dt).sort((a, b) => a - b);
  const variancePerSecond = sq / span;
  return {
    sigmaAnnual: Math.sqrt(variancePerSecond * SECONDS_PER_YEAR),
    variancePerSecond,
    returns: returns.length,
    spanSeconds: span,
    medianIntervalSeconds: dts[Math.floor(dts.length / 2)]!,
  };
}

/** Annualised volatility over a horizon h: the standard deviation of the log move over h. */
export function sigmaOverHorizon(sigmaAnnual: number, horizonSeconds: number): number {
  return sigmaAnnual * Math.sqrt(horizonSeconds / SECONDS_PER_YEAR);
}

export interface RollingPoint {
  /** end of the window */
  t: number;
  sigmaAnnual: number;
}

/**
 * Realised volatility over trailing windows of `windowSeconds` ending every `stepSeconds` (default one
 * day), each from the returns that end inside (t - window, t]. Windows whose returns cover less than half
 * of the window are skipped. The maximum is a stress volatility.
 */
export function rollingVolatility(
  series: readonly PricePoint[],
  opts: { windowSeconds: number; stepSeconds?: number } & ReturnOptions,
): RollingPoint[] {
  const rets = logReturns(series, opts);
  const step = opts.stepSeconds ?? DAY;
  const w = opts.windowSeconds;
  if (!(w > 0) || !(step > 0)) throw new RangeError("rollingVolatility: window and step must be positive");
  const out: RollingPoint[] = [];
  if (rets.length === 0) return out;
  const first = rets[0]!.t - rets[0]!.dt;
  const last = rets[rets.length - 1]!.t;
  let lo = 0; // first return with t > T - w
  let hi = 0; // first return with t > T
  let sq = 0;
  let span = 0;
  for (let T = first + w; T <= last; T += step) {
    while (hi < rets.length && rets[hi]!.t <= T) {
      sq += rets[hi]!.r ** 2;
      span += rets[hi]!.dt;
      hi++;
    }
    while (lo < hi && rets[lo]!.t <= T - w) {
      sq -= rets[lo]!.r ** 2;
      span -= rets[lo]!.dt;
      lo++;
    }
    if (span >= w / 2) out.push({ t: T, sigmaAnnual: Math.sqrt((Math.max(sq, 0) / span) * SECONDS_PER_YEAR) });
  }
  return out;
}

// ================================================================================= betas

export interface AlignOptions {
  /** grid spacing in seconds (e.g. 3600) */
  stepSeconds: number;
  /** grid start and end (default: where every series has begun, to where the first one ends) */
  start?: number;
  end?: number;
  /** a series' last observation must be at most this old at a grid time (default 2 * step) */
  maxStaleSeconds?: number;
}

export interface AlignedReturns {
  /** end time of each grid interval kept */
  t: number[];
  /** returns[i][j]: log return of series i over interval j */
  returns: number[][];
}

/**
 * Log returns of several series on one time grid, each price taken as the last observation at or before
 * the grid time (previous tick). An interval is kept only if every series has a fresh observation (at most
 * `maxStaleSeconds` old) at both of its ends, so a gap in any series drops the intervals it touches.
 */
export function alignedReturns(seriesList: readonly (readonly PricePoint[])[], opts: AlignOptions): AlignedReturns {
  const step = opts.stepSeconds;
  if (!(step > 0)) throw new RangeError("alignedReturns: stepSeconds must be positive");
  if (seriesList.length === 0) throw new RangeError("alignedReturns: no series");
  seriesList.forEach((s, i) => {
    checkSeries(s, `alignedReturns series ${i}`);
    if (s.length === 0) throw new RangeError(`alignedReturns: series ${i} is empty`);
  });
  const maxStale = opts.maxStaleSeconds ?? 2 * step;
  const start = opts.start ?? Math.ceil(Math.max(...seriesList.map((s) => s[0]!.t)) / step) * step;
  const end = opts.end ?? Math.min(...seriesList.map((s) => s[s.length - 1]!.t));
  const idx = seriesList.map(() => -1);
  const priceAt = (i: number, T: number): number | undefined => {
    const s = seriesList[i]!;
    let k = idx[i]!;
    while (k + 1 < s.length && s[k + 1]!.t <= T) k++;
    idx[i] = k;
    const p = s[k];
    return p !== undefined && T - p.t <= maxStale ? p.price : undefined;
  };
  const out: AlignedReturns = { t: [], returns: seriesList.map(() => []) };
  let prev: (number | undefined)[] = seriesList.map((_, i) => priceAt(i, start));
  for (let T = start + step; T <= end; T += step) {
    const cur = seriesList.map((_, i) => priceAt(i, T));
    if (cur.every((p, i) => p !== undefined && prev[i] !== undefined)) {
      out.t.push(T);
      cur.forEach((p, i) => out.returns[i]!.push(Math.log(p! / prev[i]!)));
    }
    prev = cur;
  }
  return out;
}

/** The equal-weighted market factor: the mean of the given return rows at each interval. */
export function equalWeightFactor(returns: readonly (readonly number[])[]): number[] {
  if (returns.length === 0) throw new RangeError("equalWeightFactor: no series");
  const n = returns[0]!.length;
  if (returns.some((r) => r.length !== n)) throw new RangeError("equalWeightFactor: rows of different lengths");
  const out = new Array<number>(n).fill(0);
  for (const row of returns) for (let j = 0; j < n; j++) out[j]! += row[j]! / returns.length;
  return out;
}

function meanOf(x: readonly number[]): number {
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/**
 * OLS slope of `asset` on `market` returns: cov(a, m) / var(m). With `lags` L > 0 it is the Dimson beta
 * sum_{l=-L..L} cov(a_t, m_{t-l}) / var(m) over the common range, which undoes most of the downward bias
 * (Epps effect) that stale or asynchronous prices put into betas at short spacings. Throws when the market
 * does not move.
 */
export function betaOf(asset: readonly number[], market: readonly number[], opts: { lags?: number } = {}): number {
  const lags = opts.lags ?? 0;
  if (!Number.isInteger(lags) || lags < 0) throw new RangeError(`betaOf: lags must be a non-negative integer, got ${lags}`);
  if (asset.length !== market.length || asset.length < 2 * lags + 2) {
    throw new RangeError("betaOf: need two equal series of at least 2 returns (plus 2 per lag)");
  }
  let beta = 0;
  for (let l = -lags; l <= lags; l++) {
    const a = asset.slice(lags, asset.length - lags);
    const m = market.slice(lags - l, market.length - lags - l);
    const ma = meanOf(a);
    const mm = meanOf(m);
    let cov = 0;
    let varM = 0;
    for (let j = 0; j < a.length; j++) {
      const dm = m[j]! - mm;
      cov += (a[j]! - ma) * dm;
      varM += dm * dm;
    }
    if (varM === 0) throw new RangeError("betaOf: the market factor has zero variance");
    beta += cov / varM;
  }
  return beta;
}

/** Pearson correlation of two equal-length return series (0 when either does not move). */
export function correlationOf(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) throw new RangeError("correlationOf: need two equal series of at least 2 returns");
  const ma = meanOf(a);
  const mb = meanOf(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let j = 0; j < a.length; j++) {
    cov += (a[j]! - ma) * (b[j]! - mb);
    va += (a[j]! - ma) ** 2;
    vb += (b[j]! - mb) ** 2;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

/** A beta as the ppm integer `portfolioDrawdownLevel` takes (1.0 -> 1_000_000n), rounded to nearest. */
export function betaToPpm(beta: number): bigint {
  if (!Number.isFinite(beta)) throw new RangeError(`betaToPpm: beta is not finite: ${beta}`);
  return BigInt(Math.round(beta * 1e6));
}

/**
 * One-factor betas of several assets (asset id -> series) against a market factor: one asset's returns
 * (`factor: id`, e.g. WETH, whose beta is then exactly 1) or the equal-weighted index of several
 * (`factor: [ids]`). All series are aligned on one grid (see `alignedReturns`; a daily grid avoids the
 * Epps bias of asynchronous hourly quotes), and `lags` selects a Dimson beta. Feed the result to
 * `betaToPpm` for `portfolioDrawdownLevel`.
 */
export function estimateBetas(
  seriesByAsset: ReadonlyMap<number, readonly PricePoint[]>,
  opts: AlignOptions & { factor: number | readonly number[]; lags?: number },
): Map<number, number> {
  const ids = [...seriesByAsset.keys()];
  const factorIds = typeof opts.factor === "number" ? [opts.factor] : [...opts.factor];
  for (const id of factorIds) if (!seriesByAsset.has(id)) throw new RangeError(`estimateBetas: no series for factor asset ${id}`);
  const al = alignedReturns(ids.map((id) => seriesByAsset.get(id)!), opts);
  const market = equalWeightFactor(factorIds.map((id) => al.returns[ids.indexOf(id)]!));
  return new Map(ids.map((id, i) => [id, betaOf(al.returns[i]!, market, { lags: opts.lags ?? 0 })]));
}

// ================================================================================= cleaning

export interface Spike {
  index: number;
  point: PricePoint;
  /** log return into the point */
  move: number;
}

/**
 * Single-point spikes: an observation that jumps by more than `minMove` (log return, default 0.10) and whose
 * next observation returns to within `maxNetFraction` (default 0.25) of that jump from the previous price,
 * i.e. `|log(p[i+1] / p[i-1])| < maxNetFraction * |log(p[i] / p[i-1])|`. Aggregated hourly data has a few
 * (e.g. WETH and WBTC at 2022-06-13 04:02 UTC, -23% and -13% for one point); whether one is a real wick or a
 * bad print the data cannot say, so the calibration reports both with and without them.
 */
export function findSpikes(
  series: readonly PricePoint[],
  opts: { minMove?: number; maxNetFraction?: number } = {},
): Spike[] {
  const minMove = opts.minMove ?? 0.1;
  const maxNet = opts.maxNetFraction ?? 0.25;
  const out: Spike[] = [];
  for (let i = 1; i + 1 < series.length; i++) {
    const into = Math.log(series[i]!.price / series[i - 1]!.price);
    const net = Math.log(series[i + 1]!.price / series[i - 1]!.price);
    if (Math.abs(into) > minMove && Math.abs(net) < maxNet * Math.abs(into)) out.push({ index: i, point: series[i]!, move: into });
  }
  return out;
}

/** The series without the points `findSpikes` flags. */
export function removeSpikes(
  series: readonly PricePoint[],
  opts: { minMove?: number; maxNetFraction?: number } = {},
): { series: PricePoint[]; removed: Spike[] } {
  const removed = findSpikes(series, opts);
  const drop = new Set(removed.map((s) => s.index));
  return { series: series.filter((_, i) => !drop.has(i)), removed };
}

// ================================================================================= adverse moves

/**
 * For every observation i, the largest fall from its price within the next `horizonSeconds`:
 * `max(0, 1 - min{p_j : t_i < t_j <= t_i + h} / p_i)` (0 when no observation follows within h). This is the
 * loss an account that crossed HF = 1 at t_i would face if its liquidation could land anywhere in the
 * horizon, so it is compared with the model's running-minimum tail, not the end-of-horizon one.
 */
export function adverseMoves(series: readonly PricePoint[], horizonSeconds: number): number[] {
  checkSeries(series, "adverseMoves");
  const n = series.length;
  const out = new Array<number>(n).fill(0);
  const dq: number[] = []; // indices of increasing prices in the window (i, r]
  let head = 0;
  let r = 0; // next index to enter the window
  for (let i = 0; i < n; i++) {
    const limit = series[i]!.t + horizonSeconds;
    if (r <= i) r = i + 1;
    while (r < n && series[r]!.t <= limit) {
      const p = series[r]!.price;
      while (dq.length > head && series[dq[dq.length - 1]!]!.price >= p) dq.pop();
      dq.push(r);
      r++;
    }
    while (dq.length > head && dq[head]! <= i) head++;
    if (dq.length > head) out[i] = Math.max(0, 1 - series[dq[head]!]!.price / series[i]!.price);
  }
  return out;
}

export interface WorstMove {
  /** the largest fall within the horizon, as a fraction of the starting price */
  move: number;
  /** time of the starting observation */
  at: number;
}

/** The worst of `adverseMoves`. */
export function worstAdverseMove(series: readonly PricePoint[], horizonSeconds: number): WorstMove {
  const moves = adverseMoves(series, horizonSeconds);
  let best: WorstMove = { move: 0, at: series[0]?.t ?? 0 };
  moves.forEach((m, i) => {
    if (m > best.move) best = { move: m, at: series[i]!.t };
  });
  return best;
}

/** Share of observations whose adverse move within the horizon exceeds `move`. */
export function exceedanceRate(series: readonly PricePoint[], horizonSeconds: number, move: number): number {
  const moves = adverseMoves(series, horizonSeconds);
  if (moves.length === 0) return 0;
  return moves.filter((m) => m > move).length / moves.length;
}

/** P(Z > k) for a standard normal (erfc by Abramowitz-Stegun 7.1.26, absolute error below 1.5e-7). */
export function normalTail(k: number): number {
  const x = Math.abs(k) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return k >= 0 ? erfc / 2 : 1 - erfc / 2;
}

// ================================================================================= recommended threshold

/** k of the k-sigma move (see docs/risk-calibration.md for why 3). */
export const DEFAULT_K = 3;
/** the liquidation horizon (see docs/risk-calibration.md for why one day). */
export const DEFAULT_HORIZON_SECONDS = DAY;
/** no recommendation above this, however calm the asset (bps) */
export const DEFAULT_CEILING_BPS = 9_500;
/** the vault's bound on the cap point floor(LT * (WAD + maxBonus) / BPS) */
export const CAP_POINT_LIMIT = 975_000_000_000_000_000n;

export interface ThresholdArgs {
  /** annualised volatility of the asset (or of the group's price ratio) */
  sigmaAnnual: number;
  /** time from crossing HF = 1 to the collateral being sold */
  horizonSeconds: number;
  /** how many standard deviations of the horizon move the threshold must absorb */
  k: number;
  /** the asset's (or group's) bonus cap, WAD */
  maxBonus: bigint;
  /** the current ltv in bps, to check the vault's ltv < LT */
  ltv?: number;
  /** upper clamp in bps (default 9500) */
  ceilingBps?: number;
}

export interface ThresholdRecommendation {
  /** the recommendation, whole bps, rounded down; 0 means the asset should not count as collateral */
  liquidationThreshold: number;
  /** m = k * sigma * sqrt(h / year), the adverse move absorbed */
  move: number;
  /** (1 - m) / (1 + maxBonus) before rounding and clamps */
  formula: number;
  /** floor(formula * 1e4) (may be negative) */
  formulaBps: number;
  /** the largest LT the vault accepts with this maxBonus: floor(LT * (WAD + maxBonus) / BPS) <= 0.975e18 */
  vaultCapBps: number;
  /** which bound set the result */
  binding: "formula" | "vaultCap" | "ceiling" | "zero";
  /** the largest ltv the vault accepts with this threshold (ltv < LT), undefined when LT is 0 */
  maxLtv: number | undefined;
  /** true when `ltv` was given and is not below the recommendation: lower the ltv first */
  ltvTooHigh: boolean;
}

/** Largest LT in bps with floor(LT * (WAD + maxBonus) / BPS) <= 0.975e18 (the vault's `_validateWeights`). */
export function vaultThresholdCapBps(maxBonus: bigint): number {
  if (maxBonus < 0n) throw new RangeError("vaultThresholdCapBps: negative maxBonus");
  let lt = ((CAP_POINT_LIMIT + 1n) * BPS - 1n) / (WAD + maxBonus);
  while (lt > 0n && capPointDown(lt, maxBonus) > CAP_POINT_LIMIT) lt--;
  while (capPointDown(lt + 1n, maxBonus) <= CAP_POINT_LIMIT) lt++;
  return Number(lt > BPS ? BPS : lt);
}

/**
 * The liquidation threshold that keeps the protocol whole after a k-sigma adverse move over the liquidation
 * horizon plus the liquidation bonus. An account at HF = 1 has weighted collateral C * LT = D; if the
 * collateral falls by m = k * sigma * sqrt(h) before it is sold, the seized C(1 - m) must still pay the debt
 * and the bonus, D(1 + bonus) = C * LT * (1 + bonus), so LT <= (1 - m) / (1 + bonus). The result is rounded
 * down to whole bps and clamped to [0, min(ceiling, vault cap)]; 0 (binding "zero") says no threshold is
 * safe and the asset should not be collateral. The move uses the simple product k * sigma * sqrt(h), a
 * little more than the exact 1 - exp(-k sigma sqrt(h)), so the approximation errs on the safe side.
 */
export function recommendedLiquidationThreshold(a: ThresholdArgs): ThresholdRecommendation {
  if (!(a.sigmaAnnual >= 0) || !(a.horizonSeconds >= 0) || !(a.k >= 0)) {
    throw new RangeError("recommendedLiquidationThreshold: sigma, horizon and k must be non-negative numbers");
  }
  if (a.maxBonus < 0n || a.maxBonus > WAD) throw new RangeError("recommendedLiquidationThreshold: maxBonus must be in [0, 1e18]");
  const ceiling = a.ceilingBps ?? DEFAULT_CEILING_BPS;
  const move = a.k * sigmaOverHorizon(a.sigmaAnnual, a.horizonSeconds);
  const bonus = Number(a.maxBonus) / 1e18;
  const formula = (1 - move) / (1 + bonus);
  const formulaBps = Math.floor(formula * 10_000);
  const vaultCapBps = vaultThresholdCapBps(a.maxBonus);
  let lt = formulaBps;
  let binding: ThresholdRecommendation["binding"] = "formula";
  if (lt > vaultCapBps) {
    lt = vaultCapBps;
    binding = "vaultCap";
  }
  if (lt > ceiling) {
    lt = ceiling;
    binding = "ceiling";
  }
  if (lt <= 0) {
    lt = 0;
    binding = "zero";
  }
  const maxLtv = lt > 0 ? lt - 1 : undefined;
  return {
    liquidationThreshold: lt,
    move,
    formula,
    formulaBps,
    vaultCapBps,
    binding,
    maxLtv,
    ltvTooHigh: a.ltv !== undefined && a.ltv >= lt,
  };
}

// ================================================================================= one asset's calibration

export interface HorizonCalibration {
  horizonSeconds: number;
  /** k * sigma * sqrt(h) with the full-sample sigma */
  move: number;
  /** the recommendation with the full-sample sigma */
  liquidationThreshold: number;
  /** the same with the stress (highest rolling) sigma */
  stressMove: number;
  stressLiquidationThreshold: number;
  /** the largest fall seen within h in the data, and when it started */
  worst: WorstMove;
  /** share of starting points whose fall within h exceeded `move` */
  exceedance: number;
  /** what a normal random walk predicts for that share: P(running minimum < -k sigma sqrt h) = 2 P(Z > k) */
  normalExceedance: number;
}

export interface AssetCalibration {
  sigma: RealisedVolatility;
  /** highest rolling-window volatility, and the window's end */
  stress: RollingPoint;
  rows: HorizonCalibration[];
}

/** The calibration table of one series: volatilities, recommendations per horizon, empirical tails. */
export function calibrateAsset(
  series: readonly PricePoint[],
  opts: { horizons: readonly number[]; k: number; maxBonus: bigint; rollingWindowSeconds?: number; ceilingBps?: number },
): AssetCalibration {
  const sigma = realisedVolatility(series);
  const rolling = rollingVolatility(series, { windowSeconds: opts.rollingWindowSeconds ?? 30 * DAY });
  const stress = rolling.reduce<RollingPoint | undefined>((m, p) => (m === undefined || p.sigmaAnnual > m.sigmaAnnual ? p : m), undefined) ?? {
    t: series[series.length - 1]?.t ?? 0,
    sigmaAnnual: sigma.sigmaAnnual,
  };
  const rows = opts.horizons.map((h) => {
    const base = { horizonSeconds: h, k: opts.k, maxBonus: opts.maxBonus, ceilingBps: opts.ceilingBps };
    const rec = recommendedLiquidationThreshold({ ...base, sigmaAnnual: sigma.sigmaAnnual });
    const st = recommendedLiquidationThreshold({ ...base, sigmaAnnual: stress.sigmaAnnual });
    const moves = adverseMoves(series, h);
    let worst: WorstMove = { move: 0, at: series[0]?.t ?? 0 };
    let over = 0;
    moves.forEach((m, i) => {
      if (m > worst.move) worst = { move: m, at: series[i]!.t };
      if (m > rec.move) over++;
    });
    return {
      horizonSeconds: h,
      move: rec.move,
      liquidationThreshold: rec.liquidationThreshold,
      stressMove: st.move,
      stressLiquidationThreshold: st.liquidationThreshold,
      worst,
      exceedance: moves.length === 0 ? 0 : over / moves.length,
      normalExceedance: 2 * normalTail(opts.k),
    };
  });
  return { sigma, stress, rows };
}

/**
 * The ratio series a / b on a time grid (previous tick, both fresh), e.g. stETH/ETH from two USD series:
 * the price a correlated group's threshold must absorb, since its collateral and debt move together.
 */
export function ratioSeries(
  a: readonly PricePoint[],
  b: readonly PricePoint[],
  opts: AlignOptions,
): PricePoint[] {
  checkSeries(a, "ratioSeries a");
  checkSeries(b, "ratioSeries b");
  const step = opts.stepSeconds;
  if (!(step > 0)) throw new RangeError("ratioSeries: stepSeconds must be positive");
  if (a.length === 0 || b.length === 0) return [];
  const maxStale = opts.maxStaleSeconds ?? 2 * step;
  const start = opts.start ?? Math.ceil(Math.max(a[0]!.t, b[0]!.t) / step) * step;
  const end = opts.end ?? Math.min(a[a.length - 1]!.t, b[b.length - 1]!.t);
  const out: PricePoint[] = [];
  let ia = -1;
  let ib = -1;
  for (let T = start; T <= end; T += step) {
    while (ia + 1 < a.length && a[ia + 1]!.t <= T) ia++;
    while (ib + 1 < b.length && b[ib + 1]!.t <= T) ib++;
    const pa = a[ia];
    const pb = b[ib];
    if (pa !== undefined && pb !== undefined && T - pa.t <= maxStale && T - pb.t <= maxStale) {
      out.push({ t: T, price: pa.price / pb.price });
    }
  }
  return out;
}

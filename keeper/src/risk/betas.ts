/**
 * Betas for the portfolio drawdown level when only some assets have a price history: estimated from the
 * histories given (one-factor model, daily grid, see volatility.estimateBetas); a stablecoin without
 * history gets 0; any other asset without history gets 1 (it falls with the factor), with a warning.
 * Pure; floats only for the estimation, betas leave as ppm integers.
 */
import type { PricePoint } from "./priceHistory.ts";
import { DAY, alignedReturns, betaToPpm, estimateBetas } from "./volatility.ts";
import { PPM } from "./liquidationLevel.ts";

/** Symbols taken as USD stablecoins (beta 0 without history). */
const STABLE = /^(USDC(\.e)?|USDT|DAI|SDAI|FRAX|LUSD|GHO|CRVUSD|PYUSD|TUSD|USDP|BUSD|USDE|SUSDE|USDS|FDUSD|RLUSD|USD[0-9A-Z]?)$/i;

export function isStablecoinSymbol(symbol: string): boolean {
  return STABLE.test(symbol.trim());
}

export type BetaSource = "history" | "stablecoin" | "default";

export interface LevelBetas {
  /** asset id -> beta in ppm (1_000_000 = 1) */
  betasPpm: Map<number, bigint>;
  /** asset id -> where the beta came from */
  sources: Map<number, BetaSource>;
  /** the factor asset (beta exactly 1), when histories were given */
  factor: number | undefined;
  /** daily intervals the estimation used */
  intervals: number;
  notes: string[];
  warnings: string[];
}

/**
 * Betas of `assets` (ids -> symbols). `histories` (asset id -> series) must include the factor when any
 * is given; `factor` defaults to the history asset named WETH or ETH, else the first non-stable one.
 */
export function levelBetas(
  assets: ReadonlyMap<number, string>,
  histories: ReadonlyMap<number, readonly PricePoint[]>,
  factor?: number,
): LevelBetas {
  const betasPpm = new Map<number, bigint>();
  const sources = new Map<number, BetaSource>();
  const notes: string[] = [];
  const warnings: string[] = [];
  let intervals = 0;
  let f = factor;
  if (histories.size > 0) {
    const ids = [...histories.keys()];
    const sym = (id: number) => assets.get(id) ?? `asset${id}`;
    f ??= ids.find((id) => /^W?ETH$/i.test(sym(id))) ?? ids.find((id) => !isStablecoinSymbol(sym(id))) ?? ids[0]!;
    if (!histories.has(f)) throw new RangeError(`the factor ${sym(f)} has no price history`);
    intervals = alignedReturns([...histories.values()], { stepSeconds: DAY }).t.length;
    if (intervals < 2) throw new RangeError(`the histories overlap on ${intervals} daily interval(s): too few to estimate betas`);
    if (intervals < 30) warnings.push(`betas from only ${intervals} daily intervals: expect wide errors`);
    const est = estimateBetas(histories, { stepSeconds: DAY, factor: f });
    for (const [id, b] of est) {
      betasPpm.set(id, id === f ? PPM : betaToPpm(b));
      sources.set(id, "history");
    }
    notes.push(`betas against ${sym(f)} on a daily grid (${intervals} intervals)`);
  }
  for (const [id, symbol] of [...assets].sort(([a], [b]) => a - b)) {
    if (betasPpm.has(id)) continue;
    if (isStablecoinSymbol(symbol)) {
      betasPpm.set(id, 0n);
      sources.set(id, "stablecoin");
      notes.push(`${symbol}: stablecoin without history, beta 0`);
    } else {
      betasPpm.set(id, PPM);
      sources.set(id, "default");
      warnings.push(`${symbol}: no price history, beta 1 assumed (give --history ${symbol}=<file>)`);
    }
  }
  return { betasPpm, sources, factor: histories.size > 0 ? f : undefined, intervals, notes, warnings };
}

/**
 * Liquidation levels of one account (docs: shared risk model, "Portfolio liquidation level"): the price of
 * one asset at which the account becomes liquidatable with every other price fixed, and the market drawdown
 * at which it does when all prices fall together along their betas. Pure bigint on top of the twin's
 * `healthContext`, so a level is exact to the wei (or to a chosen price grid) under the vault's own
 * rounding, ramps, groups, size tiers and interest at `timestamp`. No viem, no I/O.
 *
 * Exactness rests on monotonicity in one price: `valueDown`, `weightedDown`, `valueUp` and the final
 * `floor(W * WAD / D)` are all monotone, so the health factor is non-decreasing in a collateral's price and
 * non-increasing in a debt's price. An integer binary search over the price is therefore exact; the linear
 * estimate (`estimateLiquidationPrice`) only narrows the bracket first.
 */
import { WAD } from "../math/fullMath.ts";
import {
  NO_GROUP,
  healthContext,
  type AccountHealth,
  type AccountPositions,
  type AssetRiskBook,
  type GroupContext,
  type Prices,
} from "../math/accountHealth.ts";

/** Upper end of every price search: 1e36 WAD, i.e. 1e18 USD per token. */
export const MAX_PRICE = 10n ** 36n;
/** Parts per million: the unit of drawdowns, betas and distances in this module. */
export const PPM = 1_000_000n;
/** Price step of an 8-decimal feed in WAD (answer * 1e10): search on it to get levels a feed can print. */
export const FEED8_STEP = 10n ** 10n;

/** Everything an account's health depends on, as the twin takes it. */
export interface AccountRiskInputs {
  positions: AccountPositions;
  assets: AssetRiskBook;
  /** USD WAD prices of at least every asset in `positions` */
  prices: Prices;
  /** interest and threshold ramps are evaluated at this time (e.g. the next block's timestamp) */
  timestamp: bigint;
  /** the account's correlated group (default: none) */
  group?: GroupContext;
}

/** What the account book offers (structurally), to build inputs without importing it. */
export interface RiskBookSource<A> {
  riskBook(): AssetRiskBook;
  groupContext(acc: A | undefined): GroupContext;
}

/** Inputs for one account of the book, e.g. `inputsFromBook(book, acc, prices, timestamp)`. */
export function inputsFromBook<A extends { positions: AccountPositions }>(
  book: RiskBookSource<A>,
  acc: A,
  prices: Prices,
  timestamp: bigint,
): AccountRiskInputs {
  return { positions: acc.positions, assets: book.riskBook(), prices, timestamp, group: book.groupContext(acc) };
}

/** The vault's AccountHealth of the inputs, with `prices` in place of the inputs' prices. */
export function healthWith(inp: AccountRiskInputs, prices: Prices = inp.prices): AccountHealth {
  return healthContext(inp.positions, inp.assets, prices, inp.timestamp, inp.group ?? NO_GROUP).health;
}

function withPrice(prices: Prices, asset: number, price: bigint): Map<number, bigint> {
  const m = new Map(prices);
  m.set(asset, price);
  return m;
}

function sideOf(inp: AccountRiskInputs, asset: number): "collateral" | "debt" {
  const pos = inp.positions.get(asset);
  if (pos === undefined) throw new RangeError(`liquidationLevel: the account has no position in asset ${asset}`);
  return pos.isDebt ? "debt" : "collateral";
}

function currentPrice(inp: AccountRiskInputs, asset: number): bigint {
  const p = inp.prices.get(asset);
  if (p === undefined) throw new RangeError(`liquidationLevel: no price for asset ${asset}`);
  return p;
}

/**
 * Linear first guess of the level, from the health at the current price and with the asset's price at 0:
 * exact when no size tier of the asset is crossed, up to the rounding of values. For a collateral
 * `p ~ p0 * (D - W_others) / W_asset`; for a debt `p ~ p0 * (W - D_others) / D_asset`. Undefined when the
 * line never crosses 1 at a positive price (or the current price is 0). Not exact: use
 * `assetLiquidationPrice` for the level.
 */
export function estimateLiquidationPrice(inp: AccountRiskInputs, asset: number): bigint | undefined {
  const side = sideOf(inp, asset);
  const p0 = currentPrice(inp, asset);
  if (p0 === 0n) return undefined;
  const now = healthWith(inp);
  const zero = healthWith(inp, withPrice(inp.prices, asset, 0n));
  if (side === "collateral") {
    const own = now.weightedCollateral - zero.weightedCollateral;
    const gap = now.debtValue - zero.weightedCollateral;
    if (own <= 0n || gap <= 0n) return undefined;
    return (p0 * gap) / own;
  }
  const own = now.debtValue - zero.debtValue;
  const gap = now.weightedCollateral - zero.debtValue;
  if (own <= 0n || gap <= 0n) return undefined;
  return (p0 * gap) / own;
}

export interface LevelOptions {
  /** price grid in WAD wei: levels are multiples of it (default 1n, every wei; FEED8_STEP for an 8-decimal feed) */
  step?: bigint;
  /** the search covers step..maxPrice (default MAX_PRICE = 1e36) */
  maxPrice?: bigint;
}

/** The liquidation level of one asset of an account. */
export interface AssetLevel {
  asset: number;
  side: "collateral" | "debt";
  /**
   * p*, a multiple of the step. Collateral: the largest price at which the account is liquidatable
   * (HF < 1e18); one step higher it is not. Debt: the smallest price at which it is liquidatable; one step
   * lower it is not.
   */
  price: bigint;
  /**
   * True when the account is liquidatable at every price of the searched range, so there is no crossing and
   * `price` is the range's end on the safe side (maxPrice rounded to the step for a collateral, `step` for a
   * debt): no move of this price alone can make the account healthy.
   */
  atBound: boolean;
  /** health evaluations the search took */
  evaluations: number;
}

/** Largest k in [lo, hi) with f(k), given f(lo) and !f(hi) and f monotone (true then false); `guess` may narrow first. */
function lastTrue(f: (k: bigint) => boolean, lo: bigint, hi: bigint, guess: bigint | undefined): bigint {
  if (guess !== undefined && guess > lo && guess < hi) {
    // gallop outwards from the guess with doubling steps until the boundary is bracketed
    let d = guess >> 20n > 0n ? guess >> 20n : 1n;
    if (f(guess)) {
      lo = guess;
      while (lo + d < hi) {
        if (!f(lo + d)) {
          hi = lo + d;
          break;
        }
        lo += d;
        d *= 2n;
      }
    } else {
      hi = guess;
      while (hi - d > lo) {
        if (f(hi - d)) {
          lo = hi - d;
          break;
        }
        hi -= d;
        d *= 2n;
      }
    }
  }
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (f(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The exact price p* of `asset` at which the account's health factor crosses 1 with every other price (and
 * the timestamp) fixed, searched over the multiples of `step` in (0, maxPrice].
 *
 * Returns undefined when no price in that range makes the account liquidatable: for a collateral, the rest
 * of the collateral covers the debt even at a price of one step (or the account has no debt); for a debt,
 * the collateral covers it even at maxPrice. See `AssetLevel.atBound` for the opposite case.
 *
 * Exactness (what the tests check): collateral `HF(p*) < 1e18 <= HF(p* + step)`; debt
 * `HF(p* - step) >= 1e18 > HF(p*)` (unless atBound). The health is the twin's, i.e. the vault's
 * `accountHealth` at `timestamp` with that price.
 */
export function assetLiquidationPrice(
  inp: AccountRiskInputs,
  asset: number,
  opts: LevelOptions = {},
): AssetLevel | undefined {
  const step = opts.step ?? 1n;
  const maxPrice = opts.maxPrice ?? MAX_PRICE;
  if (step <= 0n) throw new RangeError(`assetLiquidationPrice: step must be positive, got ${step}`);
  if (maxPrice < step) throw new RangeError(`assetLiquidationPrice: maxPrice ${maxPrice} below the step ${step}`);
  const side = sideOf(inp, asset);
  currentPrice(inp, asset);
  let evaluations = 0;
  const liquidatable = (k: bigint): boolean => {
    evaluations++;
    return healthWith(inp, withPrice(inp.prices, asset, k * step)).healthFactor < WAD;
  };
  const top = maxPrice / step;
  const estimate = estimateLiquidationPrice(inp, asset);
  const guess = estimate === undefined ? undefined : estimate / step;

  if (side === "collateral") {
    // liquidatable at low prices, healthy above p*
    if (!liquidatable(1n)) return undefined;
    if (liquidatable(top)) return { asset, side, price: top * step, atBound: true, evaluations };
    const k = lastTrue(liquidatable, 1n, top, guess);
    return { asset, side, price: k * step, atBound: false, evaluations };
  }
  // healthy at low prices, liquidatable from p* up
  if (!liquidatable(top)) return undefined;
  if (liquidatable(1n)) return { asset, side, price: step, atBound: true, evaluations };
  const healthy = (k: bigint) => !liquidatable(k);
  const k = lastTrue(healthy, 1n, top, guess);
  return { asset, side, price: (k + 1n) * step, atBound: false, evaluations };
}

// =================================================================================== portfolio drawdown

export interface DrawdownOptions {
  /** scan step of the drawdown in ppm before bisecting (default 1000 = 0.1%) */
  gridPpm?: bigint;
  /** round every shocked price down to a multiple of this WAD step (default 1n: no rounding) */
  priceStep?: bigint;
}

/** The portfolio liquidation level. */
export interface DrawdownLevel {
  /** x* in ppm of a full drawdown (0..1_000_000): the smallest x on the first crossing with HF < 1e18 */
  xPpm: bigint;
  /** true when the account is liquidatable already at x = 0 (then xPpm = 0) */
  alreadyLiquidatable: boolean;
  /** every position's price at x* */
  prices: Map<number, bigint>;
  /** health at x* (below 1e18) */
  healthFactor: bigint;
  evaluations: number;
}

/**
 * Price of an asset after a market drawdown x (ppm) for a beta in ppm: floor(p * (1e12 - beta * x) / 1e12),
 * and 0 if that is negative (an asset with beta > 1 reaches zero before x = 1). Optionally floored to a
 * multiple of `priceStep`.
 */
export function shockedPrice(price: bigint, betaPpm: bigint, xPpm: bigint, priceStep = 1n): bigint {
  const num = PPM * PPM - betaPpm * xPpm;
  if (num <= 0n) return 0n;
  const p = (price * num) / (PPM * PPM);
  return priceStep === 1n ? p : (p / priceStep) * priceStep;
}

/** Every position's price after a drawdown of xPpm (see `shockedPrice`); other prices are left as they are. */
export function pricesAtDrawdown(
  inp: AccountRiskInputs,
  betasPpm: ReadonlyMap<number, bigint>,
  xPpm: bigint,
  priceStep = 1n,
): Map<number, bigint> {
  const out = new Map(inp.prices);
  for (const asset of inp.positions.keys()) {
    const beta = betasPpm.get(asset);
    if (beta === undefined) throw new RangeError(`portfolioDrawdownLevel: no beta for asset ${asset}`);
    out.set(asset, shockedPrice(currentPrice(inp, asset), beta, xPpm, priceStep));
  }
  return out;
}

/**
 * The smallest market drawdown x in [0, 1] (in ppm, so 0..1_000_000) at which the account becomes
 * liquidatable when every price moves as p_a * (1 - beta_a * x), betas in ppm (1_000_000 = beta 1; a
 * stablecoin's beta is near 0; negative betas are allowed). Undefined if the account stays healthy for every
 * x in [0, 1].
 *
 * Health is not monotone in x: collateral and debt both fall, and a debt with a higher beta than the
 * collateral makes the account healthier as the market falls (a price clamped at zero, or a debt whose price
 * reaches zero, also bends the curve). So the search scans x on a grid of `gridPpm` from 0 to 1 and
 * bisects the first grid interval where the account turns liquidatable, to the exact ppm step:
 * `HF(x*) < 1e18 <= HF(x* - 1 ppm)`. Without size tiers and clamping, W(x) - D(x) is linear in x (every price
 * is), and with size tiers W is concave in x, so {HF >= 1} is an interval and a healthy account has at
 * most one crossing in [0, 1]; the grid only matters for wei-level rounding wiggles, or a liquidatable
 * window narrower than the grid created by clamped prices, which the scan could step over.
 */
export function portfolioDrawdownLevel(
  inp: AccountRiskInputs,
  betasPpm: ReadonlyMap<number, bigint>,
  opts: DrawdownOptions = {},
): DrawdownLevel | undefined {
  const grid = opts.gridPpm ?? 1000n;
  const priceStep = opts.priceStep ?? 1n;
  if (grid <= 0n || grid > PPM) throw new RangeError(`portfolioDrawdownLevel: gridPpm must be in 1..1e6, got ${grid}`);
  if (priceStep <= 0n) throw new RangeError(`portfolioDrawdownLevel: priceStep must be positive, got ${priceStep}`);
  let evaluations = 0;
  const at = (x: bigint) => {
    evaluations++;
    const prices = pricesAtDrawdown(inp, betasPpm, x, priceStep);
    return { prices, healthFactor: healthWith(inp, prices).healthFactor };
  };
  const first = at(0n);
  if (first.healthFactor < WAD) {
    return { xPpm: 0n, alreadyLiquidatable: true, prices: first.prices, healthFactor: first.healthFactor, evaluations };
  }
  let prev = 0n;
  for (let x = grid; ; x += grid) {
    if (x > PPM) x = PPM;
    const h = at(x);
    if (h.healthFactor < WAD) {
      // prev is healthy, x is not: bisect to the adjacent pair inside (prev, x]
      let lo = prev;
      let hi = x;
      let hiState = h;
      while (hi - lo > 1n) {
        const mid = (lo + hi) / 2n;
        const m = at(mid);
        if (m.healthFactor < WAD) {
          hi = mid;
          hiState = m;
        } else lo = mid;
      }
      return { xPpm: hi, alreadyLiquidatable: false, prices: hiState.prices, healthFactor: hiState.healthFactor, evaluations };
    }
    if (x === PPM) return undefined;
    prev = x;
  }
}

// =================================================================================== per-account report

/** One position of the report. */
export interface AssetRiskLine {
  asset: number;
  side: "collateral" | "debt";
  /** collateral balance, or the debt owed at the timestamp (token units) */
  amount: bigint;
  /** current USD WAD price */
  price: bigint;
  /** the single-asset level (undefined: no price of this asset alone makes the account liquidatable) */
  level: AssetLevel | undefined;
  /**
   * Signed move from the current price to the level in ppm of the current price,
   * (level - price) * 1e6 / price truncated toward zero: e.g. -250000 = the price must fall 25%.
   * Undefined when there is no level or the current price is 0.
   */
  movePpm: bigint | undefined;
  /** this asset's price at the portfolio drawdown level (undefined without betas or without a level) */
  priceAtDrawdown: bigint | undefined;
}

export interface AccountRiskReport {
  health: AccountHealth;
  liquidatable: boolean;
  assets: AssetRiskLine[];
  /** the portfolio drawdown level; undefined when no x in [0, 1] liquidates or when no betas were given */
  drawdown: DrawdownLevel | undefined;
  /** false when no betas were given, so `drawdown` was not computed */
  drawdownComputed: boolean;
}

export interface ReportOptions extends LevelOptions, DrawdownOptions {
  /** betas in ppm per asset; without them the drawdown level is skipped */
  betasPpm?: ReadonlyMap<number, bigint>;
}

/**
 * Both levels for every asset the account holds or owes (sorted by asset id), the current health, and each
 * level's distance from the current price.
 */
export function accountRiskReport(inp: AccountRiskInputs, opts: ReportOptions = {}): AccountRiskReport {
  const ctx = healthContext(inp.positions, inp.assets, inp.prices, inp.timestamp, inp.group ?? NO_GROUP);
  const drawdown = opts.betasPpm ? portfolioDrawdownLevel(inp, opts.betasPpm, opts) : undefined;
  const assets: AssetRiskLine[] = [...inp.positions.keys()]
    .sort((a, b) => a - b)
    .map((asset) => {
      const price = currentPrice(inp, asset);
      const level = assetLiquidationPrice(inp, asset, opts);
      return {
        asset,
        side: sideOf(inp, asset),
        amount: ctx.amounts.get(asset) ?? 0n,
        price,
        level,
        movePpm: level === undefined || price === 0n ? undefined : ((level.price - price) * PPM) / price,
        priceAtDrawdown: drawdown?.prices.get(asset),
      };
    });
  return {
    health: ctx.health,
    liquidatable: ctx.health.healthFactor < WAD,
    assets,
    drawdown,
    drawdownComputed: opts.betasPpm !== undefined,
  };
}

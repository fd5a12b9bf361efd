/**
 * The keeper's reaction to a price update and its per-block sweep, on top of the liquidation index. Pure
 * (no viem, no I/O): the caller feeds prices (AccountBook.pricesFromAnswers), the book and the timestamp
 * the liquidation would execute at (the next block's). Every account reported is checked exactly with the
 * twin (`healthContext`, interest accrued and thresholds ramped to that timestamp): healthFactor < 1e18.
 * See docs/keeper-reaction.md.
 */
import { WAD } from "../math/fullMath.ts";
import { healthContext, type Prices } from "../math/accountHealth.ts";
import { currentFrame, mayBeLiquidatable, type IndexBook, type LiquidationIndex } from "./liquidationIndex.ts";

export interface LiquidatableAccount {
  key: string;
  owner: string;
  subId: number;
  healthFactor: bigint;
}

export interface ExactCheck {
  liquidatable: LiquidatableAccount[];
  /** twin health evaluations */
  evaluated: number;
  /** accounts skipped because the twin threw for them (a price of one of their assets is missing) */
  unpriced: number;
}

/**
 * How a reaction found its candidates: "index" (range query only), "index+stale" (range query plus the
 * float pre-check of the accounts whose levels `maintain` has not refreshed yet), "sweep" (the levels'
 * horizon had passed: a full sweep).
 */
export type ReactionMode = "index" | "index+stale" | "sweep";

export interface Reaction extends ExactCheck {
  /** accounts checked with the twin were chosen among this many (range query + stale accounts kept) */
  candidates: number;
  mode: ReactionMode;
}

export interface Sweep extends ExactCheck {
  /** open accounts visited */
  accounts: number;
}

/** Check these accounts exactly with the twin at `timestamp` and keep the liquidatable ones. */
export function checkAccounts(book: IndexBook, keys: Iterable<string>, prices: Prices, timestamp: bigint): ExactCheck {
  const assets = book.riskBook();
  const liquidatable: LiquidatableAccount[] = [];
  let evaluated = 0;
  let unpriced = 0;
  for (const key of keys) {
    const acc = book.accounts.get(key);
    if (acc === undefined || acc.positions.size === 0) continue;
    let hf: bigint;
    try {
      evaluated++;
      hf = healthContext(acc.positions, assets, prices, timestamp, book.groupContext(acc)).health.healthFactor;
    } catch {
      unpriced++;
      continue;
    }
    if (hf < WAD) liquidatable.push({ key, owner: acc.owner, subId: acc.subId, healthFactor: hf });
  }
  return { liquidatable, evaluated, unpriced };
}

/**
 * React to a new price of `asset`, already set in `prices`: the index's candidates for the move from the
 * last price it saw to this one, checked exactly at `timestamp` (the next block's). Never maintains the
 * index (hot path): accounts whose levels are stale and that the float pre-check at the current prices
 * does not prove healthy (`index.staleCandidates`) are added, and past the levels' horizon the reaction
 * is a full sweep. Records the price in the index; run `index.maintain` once the reaction's transactions
 * are out.
 */
export function react(
  index: LiquidationIndex,
  book: IndexBook,
  prices: Prices,
  asset: number,
  timestamp: bigint,
): Reaction {
  const price = prices.get(asset);
  if (price === undefined) throw new RangeError(`react: no price for asset ${asset}`);
  const stale = index.staleCandidates(book, asset, prices, timestamp);
  if (stale === "all") {
    index.notePrice(asset, price);
    const s = sweep(book, prices, timestamp);
    const { liquidatable, evaluated, unpriced } = s;
    return { liquidatable, evaluated, unpriced, candidates: evaluated, mode: "sweep" };
  }
  const old = index.lastPrice(asset);
  let keys = old === undefined ? index.candidatesAt(asset, price) : index.candidates(asset, old, price);
  let mode: ReactionMode = "index";
  if (stale.length > 0) {
    mode = "index+stale";
    keys = [...new Set([...keys, ...stale])];
  }
  index.notePrice(asset, price);
  return { ...checkAccounts(book, keys, prices, timestamp), candidates: keys.length, mode };
}

export interface SweepOptions {
  /** evaluate every account with the twin, without the float pre-check (slow; for audits and tests) */
  exact?: boolean;
}

/**
 * Full re-evaluation of every open account at `timestamp` (the per-block safety net). By default a float
 * bound first discards the accounts that are certainly healthy (exact W >= exact D, proven with the same
 * outward rounding as the index's levels, at the current prices and this timestamp, with no band and no
 * horizon); every other account is checked with the twin.
 */
export function sweep(book: IndexBook, prices: Prices, timestamp: bigint, opts: SweepOptions = {}): Sweep {
  const open: string[] = [];
  let accounts = 0;
  if (opts.exact === true) {
    for (const [key, acc] of book.accounts) {
      if (acc.positions.size === 0) continue;
      accounts++;
      open.push(key);
    }
  } else {
    const fr = currentFrame(book, prices, timestamp);
    for (const [key, acc] of book.accounts) {
      if (acc.positions.size === 0) continue;
      accounts++;
      if (mayBeLiquidatable(acc.positions, acc.group, fr)) open.push(key);
    }
  }
  return { ...checkAccounts(book, open, prices, timestamp), accounts };
}

/**
 * The reaction index: per asset, the open accounts ordered by their liquidation level for that asset, so
 * that a price update finds the accounts it may have made liquidatable with a range query whose cost grows
 * with the accounts found, not with the book. Pure (no viem, no I/O); docs/keeper-reaction.md has the
 * reasoning, this header the mechanics.
 *
 * Levels. For an account with collateral weights W and debt value D (the twin's sums), liquidatable iff
 * `healthFactor < 1e18`, which with `healthFactor = floor(W * 1e18 / D)` is exactly `W < D`. With every
 * price but asset a's fixed:
 * - a is a collateral: W_other + w_a(p) < D, where w_a(p) = min(v,S)*LT/BPS + max(0,v-S)*LT*sizeFactor/BPS^2,
 *   v = bal*p/unit, is increasing and piecewise linear in p; the account is liquidatable iff p < level,
 *   level = w_a^-1(D - W_other) (solved on the piece the target falls on).
 * - a is a debt: W < D_other + debt_a*p/unit; liquidatable iff p > level = (W - D_other)*unit/debt_a.
 * Levels are floating point (they only select candidates; every candidate is then checked exactly with
 * the bigint twin) and every approximation is taken on the side that can only add candidates:
 * - rounding of the vault: the real-valued sums bound the exact ones: W_exact > W_real - 3 USD wei per
 *   collateral (three floors), D_exact < sum((shares*(index+1)/1e18 + 1)*p/unit + 1) (two ceilings, and
 *   the floor of the index);
 * - float error: every sum carries an absolute tolerance of 1e-12 of its magnitude and every level a
 *   relative margin (`relMargin`, at least 1e-12) outward;
 * - time: debts are grown to `timestamp + horizon` at the asset's highest possible rate (base + slope1 +
 *   slope2 of its rate model, so a later accrual at a new rate cannot outrun it) and each threshold is the
 *   lower of its value at `timestamp` and at `timestamp + horizon` (a ramp is monotone); a level is then
 *   valid for any check time in [timestamp, timestamp + horizon] (`validUntil`);
 * - other prices: the level of asset a is computed with every OTHER collateral at the low end of its price
 *   band and every other debt at the high end (band = price at indexing -/+ `bandBps`, default 0). While
 *   every price stays inside its band, the level for a is conservative whatever the other prices did
 *   since. A price that falls below its band marks the asset: the levels of its collateral holders (for
 *   other assets) are stale until `maintain` lowers the band and re-indexes them; meanwhile
 *   `staleCandidates` lists them so a reaction checks them another way. A rise above the band does the
 *   same for debtors.
 * Sentinels: a collateral whose level is -Infinity can never make the account liquidatable by falling
 * (the rest of the collateral covers the debt even at price 0), +Infinity means it is liquidatable at any
 * price of that asset (zero threshold); a debt at -Infinity is liquidatable at any price of it. Accounts
 * without debt are not indexed (never liquidatable). Sentinel entries are kept so that the sides of an
 * asset list every account holding it (the band re-index needs that).
 *
 * Storage. Per (asset, side) a sorted run (Float64Array levels, Uint32Array account slots, Uint32Array
 * generations) plus an unsorted overflow. Every account has a slot and a generation; an update bumps the
 * generation (all its old entries die in place) and appends its new entries to the overflows. Queries
 * binary-search the sorted run, scan the matching range and the whole overflow and keep live entries. A
 * side is re-sorted (its live entries, O(n)) when its overflow plus its dead entries exceed
 * `overflowLimit`, so a query costs O(log n + k + overflowLimit) for k results, and an account update
 * O(its positions) plus an amortised O(n / overflowLimit) re-sort. A batch of updates larger than an
 * eighth of the book rebuilds instead. Timestamps given to the index must not go back.
 * Sorting is an LSD radix sort on the levels' IEEE bits (4 passes of 16 bits), O(n).
 */
import {
  borrowIndexNow,
  effectiveWeights,
  type AccountPositions,
  type AssetRiskBook,
  type GroupContext,
  type Prices,
  type RiskGroups,
} from "../math/accountHealth.ts";
import { thresholdAt } from "../math/rampMath.ts";

// ================================================================================ inputs

/** An account as the index reads it (the account book's BookAccount fits). */
export interface IndexAccount {
  readonly owner: string;
  readonly subId: number;
  readonly positions: AccountPositions;
  readonly group: number;
}

/** What the index reads from the account book (AccountBook fits structurally). Keys: `${owner lower}/${subId}`. */
export interface IndexBook {
  readonly accounts: ReadonlyMap<string, IndexAccount>;
  readonly groups: RiskGroups;
  /** the rate models bound the interest a debt can accrue within the horizon */
  readonly assets: ReadonlyMap<number, { readonly rateModel: { baseRate: bigint; slope1: bigint; slope2: bigint } }>;
  riskBook(): AssetRiskBook;
  groupContext(acc: IndexAccount | undefined): GroupContext;
}

export interface LiquidationIndexOptions {
  /** seconds a level stays valid for interest and threshold ramps (default 600) */
  horizonSeconds?: bigint;
  /**
   * half-width of each asset's price band in bps (default 0: levels use the other prices as they are, and
   * every move marks the holders it hurts for re-indexing; a band trades candidates for re-indexing)
   */
  bandBps?: number;
  /** relative outward margin of every level (default 1e-9, at least 1e-12) */
  relMargin?: number;
  /** overflow + dead entries of a side before it is re-sorted (default 1024) */
  overflowLimit?: number;
}

export type Side = "collateral" | "debt";

/** One level of one account (for diagnostics and tests). */
export interface AccountLevel {
  asset: number;
  side: Side;
  /** collateral: liquidatable only if the price is below it; debt: only if above it */
  level: number;
}

// ================================================================================ numeric frame

const TOL = 1e-12; // absolute tolerance of a float sum, relative to its magnitude
const MAX_ASSET = 256; // asset ids are uint8

/**
 * Per-asset numbers for the float bounds, at a time window and price bands: everything a level needs
 * except the account's own amounts.
 */
export interface Frame {
  /** 1 when the asset has a (reference) price */
  priced: Uint8Array;
  unit: Float64Array;
  /** price of the asset when it is another collateral of the account (low end of the band) */
  pLo: Float64Array;
  /** price of the asset when it is another debt of the account (high end of the band) */
  pHi: Float64Array;
  /** debt owed per share, upper bound over the window: (index(t) + 1) / 1e18 * exp(maxRate * horizon) */
  perShare: Float64Array;
  sizeThreshold: Float64Array;
  sizeFactor: Float64Array;
  /** lowest liquidation threshold over the window (fraction), outside any group */
  ltOwn: Float64Array;
  /** the same for an account in a group (group id -> per-asset fractions) */
  ltByGroup: Map<number, Float64Array>;
  relMargin: number;
}

/** The band of one asset: reference price and the float ends used by the levels. */
interface Band {
  ref: bigint;
  lo: number;
  hi: number;
}

function bandOf(price: bigint, bandBps: number): Band {
  const p = Number(price);
  return { ref: price, lo: p * (1 - bandBps / 10_000) * (1 - TOL), hi: p * (1 + bandBps / 10_000) * (1 + TOL) };
}

/** True when `price` may be below the band's low end (collateral holders' other levels may be stale). */
function belowBand(b: Band, price: bigint): boolean {
  return Number(price) * (1 - TOL) < b.lo;
}

/** True when `price` may be above the band's high end (debtors' other levels may be stale). */
function aboveBand(b: Band, price: bigint): boolean {
  return Number(price) * (1 + TOL) > b.hi;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/**
 * The frame at `timestamp` for a window of `horizon` seconds, with each asset's band from `bands`
 * (assets without a band are unpriced: accounts holding them are not indexed).
 */
export function buildFrame(
  book: IndexBook,
  bands: ReadonlyMap<number, { lo: number; hi: number }>,
  timestamp: bigint,
  horizon: bigint,
  relMargin: number,
): Frame {
  const fr: Frame = {
    priced: new Uint8Array(MAX_ASSET),
    unit: new Float64Array(MAX_ASSET),
    pLo: new Float64Array(MAX_ASSET),
    pHi: new Float64Array(MAX_ASSET),
    perShare: new Float64Array(MAX_ASSET),
    sizeThreshold: new Float64Array(MAX_ASSET),
    sizeFactor: new Float64Array(MAX_ASSET),
    ltOwn: new Float64Array(MAX_ASSET),
    ltByGroup: new Map(),
    relMargin: Math.max(relMargin, 1e-12),
  };
  const end = timestamp + horizon;
  const risk = book.riskBook();
  for (const [id, { config: c, clock }] of risk) {
    if (id < 0 || id >= MAX_ASSET) continue;
    const band = bands.get(id);
    if (band !== undefined) {
      fr.priced[id] = 1;
      fr.pLo[id] = band.lo;
      fr.pHi[id] = band.hi;
    }
    fr.unit[id] = 10 ** c.decimals;
    fr.sizeThreshold[id] = Number(c.sizeThreshold);
    fr.sizeFactor[id] = Number(c.sizeFactor) / 10_000;
    const lt0 = thresholdAt(c.liquidationThreshold, c.ltRampFrom, c.rampEnd, c.rampDuration, timestamp);
    const lt1 = thresholdAt(c.liquidationThreshold, c.ltRampFrom, c.rampEnd, c.rampDuration, end);
    fr.ltOwn[id] = Number(lt0 < lt1 ? lt0 : lt1) / 10_000;
    // the index at `timestamp` (never before the last accrual: the vault cannot go back), then the
    // highest growth any sequence of accruals can give over the horizon
    const at = maxBig(timestamp, clock.lastAccrual);
    const index = borrowIndexNow(clock, at);
    const m = book.assets.get(id)?.rateModel;
    const maxRate = maxBig(clock.ratePerSecond, m === undefined ? 0n : m.baseRate + m.slope1 + m.slope2);
    const growth = end > at ? Math.exp((Number(maxRate) / 1e18) * Number(end - at)) : 1;
    fr.perShare[id] = ((Number(index) + 1) / 1e18) * growth;
  }
  for (const gid of book.groups.keys()) {
    const lts = fr.ltOwn.slice();
    const ctx: GroupContext = { group: gid, groups: book.groups };
    for (const [id, { config }] of risk) {
      if (id < 0 || id >= MAX_ASSET) continue;
      const a = effectiveWeights(id, config, ctx, timestamp).lt;
      const b = effectiveWeights(id, config, ctx, end).lt;
      lts[id] = Number(a < b ? a : b) / 10_000;
    }
    fr.ltByGroup.set(gid, lts);
  }
  return fr;
}

/**
 * The frame of the current state: the prices themselves (no band), no horizon; what the sweep's and the
 * stale accounts' float pre-check uses.
 */
export function currentFrame(book: IndexBook, prices: Prices, timestamp: bigint): Frame {
  const bands = new Map<number, { lo: number; hi: number }>();
  for (const [id, p] of prices) if (p > 0n) bands.set(id, { lo: Number(p) * (1 - TOL), hi: Number(p) * (1 + TOL) });
  return buildFrame(book, bands, timestamp, 0n, TOL);
}

// ================================================================================ per-account bounds

// Scratch of the last `boundAccount` call (an account has at most a few positions; asset ids < 256).
const sAsset = new Int32Array(MAX_ASSET);
const sDebt = new Uint8Array(MAX_ASSET);
/** collateral: balance; debt: upper bound of the amount owed */
const sAmount = new Float64Array(MAX_ASSET);
/** collateral: weighted value (lower bound price); debt: value (upper bound price) */
const sValue = new Float64Array(MAX_ASSET);
const sLt = new Float64Array(MAX_ASSET);
let sCount = 0;
let sW = 0;
let sD = 0;
let sSlack = 0;

const UNPRICED = -1;

/** Weighted value of a collateral worth `v` (real-valued, no floors). */
function weighted(v: number, lt: number, S: number, f: number): number {
  return v <= S ? v * lt : S * lt + (v - S) * lt * f;
}

/**
 * Fill the scratch with the account's float bounds under the frame. Returns the number of debts, or
 * UNPRICED when an asset of the account has no price in the frame.
 */
function boundAccount(positions: AccountPositions, group: number, fr: Frame): number {
  const lts = group === 0 ? fr.ltOwn : (fr.ltByGroup.get(group) ?? fr.ltOwn);
  let n = 0;
  let debts = 0;
  let W = 0;
  let D = 0;
  let slack = 0;
  for (const [asset, pos] of positions) {
    if (asset < 0 || asset >= MAX_ASSET || fr.priced[asset] !== 1) return UNPRICED;
    const unit = fr.unit[asset]!;
    sAsset[n] = asset;
    if (pos.isDebt) {
      const owed = Number(pos.amount) * fr.perShare[asset]! + 1;
      const value = (owed * fr.pHi[asset]!) / unit + 1;
      sDebt[n] = 1;
      sAmount[n] = owed;
      sValue[n] = value;
      D += value;
      debts++;
    } else {
      const bal = Number(pos.amount);
      const lt = lts[asset]!;
      const f = fr.sizeFactor[asset]!;
      const w = weighted((bal * fr.pLo[asset]!) / unit, lt, fr.sizeThreshold[asset]!, f);
      sDebt[n] = 0;
      sAmount[n] = bal;
      sValue[n] = w;
      sLt[n] = lt;
      W += w;
      slack += 2 + Math.max(1, lt, lt * f);
    }
    n++;
  }
  sCount = n;
  sW = W;
  sD = D;
  sSlack = slack;
  return debts;
}

/** The level of scratch position i (after `boundAccount`). */
function levelAt(i: number, fr: Frame): number {
  const asset = sAsset[i]!;
  const tol = TOL * (sW + sD + sSlack);
  const m = fr.relMargin;
  if (sDebt[i] === 1) {
    // liquidatable only if W - slack < D_other + 1 + owed * p / unit
    const num = sW - sSlack - (sD - sValue[i]!) - 1 - tol;
    if (!(num > 0)) return -Infinity;
    return ((num * fr.unit[asset]!) / sAmount[i]!) * (1 - m);
  }
  // liquidatable only if w(p) < D + slack - W_other
  const R = sD + sSlack - (sW - sValue[i]!) + tol;
  if (!(R > 0)) return -Infinity;
  const lt = sLt[i]!;
  if (!(lt > 0)) return Infinity;
  const S = fr.sizeThreshold[asset]!;
  const ltS = lt * S;
  let v: number;
  if (R <= ltS) v = R / lt;
  else {
    const slope = lt * fr.sizeFactor[asset]!;
    if (!(slope > 0)) return Infinity;
    v = S + (R - ltS) / slope;
  }
  const level = ((v * fr.unit[asset]!) / sAmount[i]!) * (1 + m);
  return Number.isNaN(level) ? Infinity : level;
}

/**
 * The float pre-check of a sweep: false only when the account is certainly healthy under the frame (W
 * exact >= D exact), true when it may be liquidatable (then check it with the twin) or is unpriced.
 */
export function mayBeLiquidatable(positions: AccountPositions, group: number, fr: Frame): boolean {
  const debts = boundAccount(positions, group, fr);
  if (debts === UNPRICED) return true;
  if (debts === 0) return false;
  const tol = TOL * (sW + sD + sSlack);
  return !(sW - sSlack - tol >= sD);
}

/** Every level of an account under a frame (empty without debt, undefined when unpriced). */
export function levelsUnder(positions: AccountPositions, group: number, fr: Frame): AccountLevel[] | undefined {
  const debts = boundAccount(positions, group, fr);
  if (debts === UNPRICED) return undefined;
  if (debts === 0) return [];
  const out: AccountLevel[] = [];
  for (let i = 0; i < sCount; i++) {
    out.push({ asset: sAsset[i]!, side: sDebt[i] === 1 ? "debt" : "collateral", level: levelAt(i, fr) });
  }
  return out;
}

/**
 * The levels of one account at `prices` (bands of width `bandBps` around them), valid over
 * [timestamp, timestamp + horizonSeconds]: what the index stores for it.
 */
export function accountLevels(
  book: IndexBook,
  acc: IndexAccount,
  prices: Prices,
  timestamp: bigint,
  opts: LiquidationIndexOptions = {},
): AccountLevel[] | undefined {
  const bandBps = opts.bandBps ?? 0;
  const bands = new Map<number, Band>();
  for (const [id, p] of prices) bands.set(id, bandOf(p, bandBps));
  const fr = buildFrame(book, bands, timestamp, opts.horizonSeconds ?? 600n, opts.relMargin ?? 1e-9);
  return levelsUnder(acc.positions, acc.group, fr);
}

// ================================================================================ sorting

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// Scratch of the radix sort, reused across sorts (a rebuild sorts every side: no garbage per sort).
let sPerm = new Uint32Array(0);
let sDst = new Uint32Array(0);
let sLo = new Uint32Array(0);
let sHi = new Uint32Array(0);
const sCountDigits = new Uint32Array(65536);

/**
 * Permutation sorting `keys[0..n)` ascending (LSD radix on the IEEE bits; comparator sort when small),
 * as a view into the sort's scratch: valid until the next sort.
 */
function sortPermutationScratch(keys: Float64Array, n: number): Uint32Array {
  if (sPerm.length < n) {
    const cap = Math.max(n, sPerm.length * 2);
    sPerm = new Uint32Array(cap);
    sDst = new Uint32Array(cap);
    sLo = new Uint32Array(cap);
    sHi = new Uint32Array(cap);
  }
  const perm = sPerm.subarray(0, n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2048 || !LITTLE_ENDIAN) {
    perm.sort((a, b) => keys[a]! - keys[b]! || a - b);
    return perm;
  }
  const raw = new Uint32Array(keys.buffer, keys.byteOffset, 2 * n);
  const lo = sLo;
  const hi = sHi;
  for (let i = 0; i < n; i++) {
    const h = raw[2 * i + 1]!;
    const l = raw[2 * i]!;
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let src = sPerm;
  let dst = sDst;
  const count = sCountDigits;
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[src[i]!]! >>> shift) & 0xffff]!++;
    if (count[(word[src[0]!]! >>> shift) & 0xffff] === n) continue; // one bucket: nothing to move
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const e = src[i]!;
      const d = (word[e]! >>> shift) & 0xffff;
      dst[count[d]!++] = e;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src.subarray(0, n);
}

/** Permutation sorting `keys[0..n)` ascending (a fresh array). */
export function sortPermutation(keys: Float64Array, n: number): Uint32Array {
  return sortPermutationScratch(keys, n).slice();
}

// ================================================================================ the index

/** Growable column of (level, slot, generation). */
class Column {
  lv: Float64Array;
  sl: Uint32Array;
  gn: Uint32Array;
  n = 0;
  constructor(capacity: number) {
    this.lv = new Float64Array(capacity);
    this.sl = new Uint32Array(capacity);
    this.gn = new Uint32Array(capacity);
  }
  push(level: number, slot: number, gen: number): void {
    if (this.n === this.lv.length) {
      const cap = Math.max(16, this.n * 2);
      const lv = new Float64Array(cap);
      lv.set(this.lv);
      const sl = new Uint32Array(cap);
      sl.set(this.sl);
      const gn = new Uint32Array(cap);
      gn.set(this.gn);
      this.lv = lv;
      this.sl = sl;
      this.gn = gn;
    }
    this.lv[this.n] = level;
    this.sl[this.n] = slot;
    this.gn[this.n] = gen;
    this.n++;
  }
  /** A sorted copy of the first n entries, into `into` when it is large enough (else a new column). */
  sorted(into?: Column): Column {
    const perm = sortPermutationScratch(this.lv, this.n);
    const out = into !== undefined && into !== this && into.lv.length >= this.n ? into : new Column(this.n);
    for (let i = 0; i < this.n; i++) {
      const j = perm[i]!;
      out.lv[i] = this.lv[j]!;
      out.sl[i] = this.sl[j]!;
      out.gn[i] = this.gn[j]!;
    }
    out.n = this.n;
    return out;
  }
}

/** One (asset, side): sorted run + overflow. */
class SideIndex {
  run: Column;
  overflow = new Column(16);
  dead = 0;
  constructor(run: Column) {
    this.run = run;
  }
}

const COLL = 0;
const DEBT = 1;
const sideId = (asset: number, side: number): number => asset * 2 + side;

/** Lower bound: first i in [0, n) with lv[i] >= x (n if none). */
function lowerBound(lv: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lv[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Upper bound: first i in [0, n) with lv[i] > x (n if none). */
function upperBound(lv: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lv[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What `maintain` had to do. */
export type Maintenance = "none" | "reindex" | "rebuild";

export class LiquidationIndex {
  readonly horizon: bigint;
  readonly bandBps: number;
  readonly relMargin: number;
  readonly overflowLimit: number;

  /** slot -> account key, and back; slot -> the book's account object when it was last indexed */
  private keys: string[] = [];
  private accs: (IndexAccount | undefined)[] = [];
  private slotOf = new Map<string, number>();
  /** slot -> generation: entries stamped with another generation are dead */
  private gen = new Uint32Array(1024);
  /** slot -> its live side ids, as sidePool[sideStart[slot] .. + sideCount[slot]) */
  private sideStart = new Uint32Array(1024);
  private sideCount = new Uint16Array(1024);
  private sidePool = new Uint16Array(64);
  private poolLen = 0;
  private liveEntries = 0;
  /** side id (asset * 2 + side) -> its sorted run and overflow */
  private sides: (SideIndex | undefined)[] = new Array(2 * MAX_ASSET);
  /** the rebuild's unsorted columns, kept for the next rebuild (no garbage per rebuild) */
  private builders: (Column | undefined)[] = new Array(2 * MAX_ASSET);
  private bands = new Map<number, Band>();
  private lastPrices = new Map<number, bigint>();
  /**
   * Assets whose price fell below its band (their collateral holders' levels of other assets are not
   * trusted) or rose above it (the same for their debtors).
   */
  private pendingLow = new Set<number>();
  private pendingHigh = new Set<number>();
  /** accounts holding an asset without a price, and those assets */
  private unpriced = new Set<string>();
  private unpricedAssets = new Set<number>();
  private indexed = 0;
  private builtAt = 0n;
  private built = false;

  constructor(opts: LiquidationIndexOptions = {}) {
    this.horizon = opts.horizonSeconds ?? 600n;
    this.bandBps = opts.bandBps ?? 0;
    this.relMargin = opts.relMargin ?? 1e-9;
    this.overflowLimit = opts.overflowLimit ?? 1024;
    if (this.horizon < 0n) throw new RangeError("LiquidationIndex: negative horizon");
    if (!(this.bandBps >= 0 && this.bandBps < 10_000)) throw new RangeError("LiquidationIndex: bandBps out of [0, 10000)");
  }

  /** Accounts with entries (open, with debt, priced). */
  get size(): number {
    return this.indexed;
  }

  /** Last timestamp at which every stored level is valid (the rebuild's timestamp + horizon). */
  get validUntil(): bigint {
    return this.builtAt + this.horizon;
  }

  /** Assets whose price left its band since their holders were indexed (see `maintain`). */
  get pendingAssets(): ReadonlySet<number> {
    return new Set([...this.pendingLow, ...this.pendingHigh]);
  }

  /** Keys of the open accounts holding an asset without a price (not indexed). */
  get unpricedAccounts(): ReadonlySet<string> {
    return this.unpriced;
  }

  /** The last price the index saw for `asset` (first rebuild, then reactions). */
  lastPrice(asset: number): bigint | undefined {
    return this.lastPrices.get(asset);
  }

  /** Recompute every open account's levels at `prices`, with bands centred on them, valid from `timestamp`. */
  rebuild(book: IndexBook, prices: Prices, timestamp: bigint): void {
    // slots survive a rebuild (no re-hashing of every key); they are reset when mostly unused
    if (this.keys.length > 2 * book.accounts.size + 1024) {
      this.keys = [];
      this.slotOf = new Map();
    }
    this.accs = new Array(this.keys.length);
    const oldSides = this.sides;
    this.sides = new Array(2 * MAX_ASSET);
    this.pendingLow = new Set();
    this.pendingHigh = new Set();
    this.unpriced = new Set();
    this.unpricedAssets = new Set();
    this.bands = new Map();
    // keep the last reacted-to prices: a move already in `prices` but not yet reacted to must still be
    // seen as a move by the next reaction
    for (const [id, p] of prices) {
      if (!this.lastPrices.has(id)) this.lastPrices.set(id, p);
      if (p > 0n) this.bands.set(id, bandOf(p, this.bandBps));
    }
    this.builtAt = timestamp;
    this.built = true;
    this.indexed = 0;
    this.poolLen = 0;
    this.liveEntries = 0;
    this.ensureSlots(book.accounts.size);
    this.sideCount.fill(0);
    const fr = this.frame(book, timestamp);
    const cols = this.builders;
    for (const col of cols) if (col !== undefined) col.n = 0;
    const estimate = Math.max(16, book.accounts.size >> 2);
    const keys = this.keys;
    const slotOf = this.slotOf;
    // slots were handed out in the book's order: walk them along instead of hashing every key
    let cursor = 0;
    for (const [key, acc] of book.accounts) {
      if (acc.positions.size === 0) continue;
      const debts = boundAccount(acc.positions, acc.group, fr);
      if (debts === UNPRICED) {
        this.markUnpriced(key, acc, fr);
        continue;
      }
      if (debts === 0) continue;
      let slot = cursor < keys.length && keys[cursor] === key ? cursor : slotOf.get(key);
      if (slot === undefined) {
        slot = keys.length;
        keys.push(key);
        slotOf.set(key, slot);
        this.ensureSlots(slot + 1);
      }
      cursor = slot + 1;
      const g = this.gen[slot]!;
      this.accs[slot] = acc;
      this.ensurePool(sCount);
      this.sideStart[slot] = this.poolLen;
      this.sideCount[slot] = sCount;
      for (let i = 0; i < sCount; i++) {
        const id = sideId(sAsset[i]!, sDebt[i]!);
        let col = cols[id];
        if (col === undefined) cols[id] = col = new Column(estimate);
        col.push(levelAt(i, fr), slot, g);
        this.sidePool[this.poolLen++] = id;
      }
      this.liveEntries += sCount;
      this.indexed++;
    }
    for (let id = 0; id < cols.length; id++) {
      const col = cols[id];
      // the previous run of the side is garbage now: sort into it when it is large enough
      if (col !== undefined && col.n > 0) this.sides[id] = new SideIndex(col.sorted(oldSides[id]?.run));
    }
  }

  /**
   * Recompute the levels of these accounts (after events touched them). Accounts gone or without debt
   * leave the index. Uses the bands in force; a batch larger than an eighth of the book rebuilds instead.
   */
  updateAccounts(keys: Iterable<string>, book: IndexBook, prices: Prices, timestamp: bigint): void {
    const list = [...keys];
    if (list.length === 0) return;
    if (!this.built || list.length > Math.max(64, this.indexed >> 3)) {
      this.rebuild(book, this.mergedPrices(prices), timestamp);
      return;
    }
    // an asset seen for the first time gets its band now: no stored level depends on it yet
    for (const [id, p] of prices) if (!this.bands.has(id) && p > 0n) this.bands.set(id, bandOf(p, this.bandBps));
    const fr = this.frame(book, timestamp);
    const touched = new Set<number>();
    for (const key of list) this.reindexOne(key, book, fr, touched);
    for (const id of touched) this.compactIfNeeded(id);
  }

  /**
   * Candidate keys for a move of `asset` from `oldPrice` to `newPrice` (USD WAD): on a fall, the
   * collateral holders whose level is >= newPrice (every account liquidatable at the new price through this
   * asset, those already underwater included); on a rise, the debtors whose level is <= newPrice; nothing
   * when the price did not move. O(log n + k + overflowLimit).
   */
  candidates(asset: number, oldPrice: bigint, newPrice: bigint): string[] {
    const out: string[] = [];
    if (newPrice < oldPrice) this.scan(asset, COLL, Number(newPrice), out);
    else if (newPrice > oldPrice) this.scan(asset, DEBT, Number(newPrice), out);
    return out;
  }

  /** Candidate keys at `price` on both sides: every account that may be liquidatable through `asset` at it. */
  candidatesAt(asset: number, price: bigint): string[] {
    const out: string[] = [];
    this.scan(asset, COLL, Number(price), out);
    this.scan(asset, DEBT, Number(price), out);
    return out;
  }

  /**
   * What a query on `asset` at `timestamp` with `prices` cannot trust the stored levels for (no
   * maintenance, O(holders of marked assets)): "all" when `timestamp` is outside [built, validUntil];
   * else the accounts whose levels of `asset` may be stale, i.e. the collateral holders of every OTHER
   * asset whose price fell below its band, the debtors of every other asset whose price rose above it
   * (their levels of `asset` used the band; the levels of `asset` itself do not depend on its own band),
   * and the accounts left aside for a missing price that has arrived. Returns those that the float
   * pre-check at the current prices and `timestamp` (`mayBeLiquidatable`) does not prove healthy: the
   * reaction checks them with the twin until `maintain` re-indexes them.
   */
  staleCandidates(book: IndexBook, asset: number, prices: Prices, timestamp: bigint): string[] | "all" {
    if (!this.built || timestamp > this.validUntil || timestamp < this.builtAt) return "all";
    this.detectBandExits(prices);
    const out: string[] = [];
    let priced = false;
    for (const a of this.unpricedAssets) if ((prices.get(a) ?? 0n) > 0n) priced = true;
    if (this.pendingLow.size === 0 && this.pendingHigh.size === 0 && !priced) return out;
    // mark the slots, then visit them in slot order (the book's order at the last rebuild: cache friendly)
    const mark = new Uint8Array(this.keys.length);
    let any = false;
    for (const a of this.pendingLow) if (a !== asset) any = this.markHolders(a, COLL, mark) || any;
    for (const a of this.pendingHigh) if (a !== asset) any = this.markHolders(a, DEBT, mark) || any;
    if (!any && !priced) return out;
    const fr = currentFrame(book, prices, timestamp);
    if (any) {
      for (let slot = 0; slot < mark.length; slot++) {
        if (mark[slot] !== 1) continue;
        const acc = this.accs[slot];
        if (acc !== undefined && mayBeLiquidatable(acc.positions, acc.group, fr)) out.push(this.keys[slot]!);
      }
    }
    if (priced) {
      for (const key of this.unpriced) {
        const acc = book.accounts.get(key);
        if (acc !== undefined && mayBeLiquidatable(acc.positions, acc.group, fr)) out.push(key);
      }
    }
    return out;
  }

  /**
   * Background upkeep, off the hot path (after a reaction's transactions are out, and on each block):
   * rebuild when half the horizon has passed (or the timestamp went back); else move the band of every
   * asset whose price left it and re-index the holders it hurt (a rebuild when they are more than an
   * eighth of the book), and index the accounts whose missing price arrived.
   */
  maintain(book: IndexBook, prices: Prices, timestamp: bigint): Maintenance {
    if (!this.built || timestamp + this.horizon / 2n > this.validUntil || timestamp < this.builtAt) {
      this.rebuild(book, this.mergedPrices(prices), timestamp);
      return "rebuild";
    }
    this.detectBandExits(prices);
    let priced = false;
    for (const a of this.unpricedAssets) if ((prices.get(a) ?? 0n) > 0n) priced = true;
    if (this.pendingLow.size === 0 && this.pendingHigh.size === 0 && !priced) return "none";
    return this.reindexAssets(book, prices, timestamp, [...this.pendingLow], [...this.pendingHigh], priced);
  }

  /** Record the price a reaction used; a price outside its band marks the asset pending. */
  notePrice(asset: number, price: bigint): void {
    this.lastPrices.set(asset, price);
    const b = this.bands.get(asset);
    if (b === undefined) return; // nobody indexed holds it: `maintain` indexes them once it is priced
    if (belowBand(b, price)) this.pendingLow.add(asset);
    if (aboveBand(b, price)) this.pendingHigh.add(asset);
  }

  /** The live levels of one account (scan of its sides; diagnostics and tests). */
  levelsOf(key: string): AccountLevel[] {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return [];
    const g = this.gen[slot]!;
    const out: AccountLevel[] = [];
    const start = this.sideStart[slot]!;
    for (let k = start; k < start + this.sideCount[slot]!; k++) {
      const id = this.sidePool[k]!;
      const s = this.sides[id];
      if (s === undefined) continue;
      for (const col of [s.run, s.overflow]) {
        for (let i = 0; i < col.n; i++) {
          if (col.sl[i] === slot && col.gn[i] === g) {
            out.push({ asset: id >> 1, side: (id & 1) === DEBT ? "debt" : "collateral", level: col.lv[i]! });
          }
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ internals

  private frame(book: IndexBook, timestamp: bigint): Frame {
    return buildFrame(book, this.bands, timestamp, this.horizon, this.relMargin);
  }

  /** `prices` with the last seen price for assets it lacks (a rebuild keeps the bands it can). */
  private mergedPrices(prices: Prices): Map<number, bigint> {
    const m = new Map(this.lastPrices);
    for (const [id, p] of prices) m.set(id, p);
    return m;
  }

  private ensureSlots(n: number): void {
    if (n <= this.gen.length) return;
    const cap = Math.max(n, this.gen.length * 2);
    const gen = new Uint32Array(cap);
    gen.set(this.gen);
    this.gen = gen;
    const start = new Uint32Array(cap);
    start.set(this.sideStart);
    this.sideStart = start;
    const count = new Uint16Array(cap);
    count.set(this.sideCount);
    this.sideCount = count;
  }

  /** Room for `extra` more side ids in the pool (compacting it when it is mostly garbage). */
  private ensurePool(extra: number): void {
    if (this.poolLen + extra <= this.sidePool.length) return;
    if (this.liveEntries * 2 < this.poolLen) {
      const pool = new Uint16Array(this.sidePool.length);
      let len = 0;
      for (let slot = 0; slot < this.keys.length; slot++) {
        const start = this.sideStart[slot]!;
        const count = this.sideCount[slot]!;
        this.sideStart[slot] = len;
        for (let k = 0; k < count; k++) pool[len++] = this.sidePool[start + k]!;
      }
      this.sidePool = pool;
      this.poolLen = len;
      if (len + extra <= pool.length) return;
    }
    const pool = new Uint16Array(Math.max(this.poolLen + extra, this.sidePool.length * 2));
    pool.set(this.sidePool.subarray(0, this.poolLen));
    this.sidePool = pool;
  }

  private markUnpriced(key: string, acc: IndexAccount, fr: Frame): void {
    this.unpriced.add(key);
    for (const a of acc.positions.keys()) if (fr.priced[a] !== 1) this.unpricedAssets.add(a);
  }

  private detectBandExits(prices: Prices): void {
    for (const [id, b] of this.bands) {
      const p = prices.get(id);
      if (p === undefined) continue;
      if (belowBand(b, p)) this.pendingLow.add(id);
      if (aboveBand(b, p)) this.pendingHigh.add(id);
    }
  }

  /**
   * Move the low end of the band of each `low` asset down to its price (and re-index its collateral
   * holders), the high end of each `high` asset up (and re-index its debtors), and index the accounts
   * whose missing price arrived when `priced`.
   */
  private reindexAssets(
    book: IndexBook,
    prices: Prices,
    timestamp: bigint,
    low: number[],
    high: number[],
    priced: boolean,
  ): Maintenance {
    // many holders: a rebuild is cheaper than collecting them
    const limit = Math.max(64, this.indexed >> 3);
    let approx = priced ? this.unpriced.size : 0;
    for (const a of low) approx += this.sideSize(a, COLL);
    for (const a of high) approx += this.sideSize(a, DEBT);
    if (approx > 2 * limit) {
      this.rebuild(book, this.mergedPrices(prices), timestamp);
      return "rebuild";
    }
    const slots = new Set<number>();
    for (const a of low) this.holders(a, COLL, slots);
    for (const a of high) this.holders(a, DEBT, slots);
    const keys = [...slots].map((s) => this.keys[s]!);
    if (priced) keys.push(...this.unpriced);
    if (keys.length > limit) {
      this.rebuild(book, this.mergedPrices(prices), timestamp);
      return "rebuild";
    }
    for (const a of low) {
      const p = prices.get(a);
      const b = this.bands.get(a);
      if (p !== undefined && p > 0n && b !== undefined) b.lo = Math.min(b.lo, bandOf(p, this.bandBps).lo);
      this.pendingLow.delete(a);
    }
    for (const a of high) {
      const p = prices.get(a);
      const b = this.bands.get(a);
      if (p !== undefined && p > 0n && b !== undefined) b.hi = Math.max(b.hi, bandOf(p, this.bandBps).hi);
      this.pendingHigh.delete(a);
    }
    if (priced) {
      for (const a of this.unpricedAssets) {
        const p = prices.get(a);
        if (p !== undefined && p > 0n && !this.bands.has(a)) this.bands.set(a, bandOf(p, this.bandBps));
      }
      this.unpriced = new Set();
      this.unpricedAssets = new Set();
    }
    const fr = this.frame(book, timestamp);
    const touched = new Set<number>();
    for (const key of keys) this.reindexOne(key, book, fr, touched);
    for (const id of touched) this.compactIfNeeded(id);
    return "reindex";
  }

  /** Add the slots of the live entries of (asset, side) to `slots`. */
  private holders(asset: number, side: number, slots: Set<number>): void {
    const s = this.sides[sideId(asset, side)];
    if (s === undefined) return;
    const gen = this.gen;
    for (const col of [s.run, s.overflow]) {
      const { sl, gn, n } = col;
      for (let i = 0; i < n; i++) if (gn[i] === gen[sl[i]!]) slots.add(sl[i]!);
    }
  }

  /** Mark the slots of the live entries of (asset, side); true when there was any. */
  private markHolders(asset: number, side: number, mark: Uint8Array): boolean {
    const s = this.sides[sideId(asset, side)];
    if (s === undefined) return false;
    const gen = this.gen;
    let any = false;
    for (const col of [s.run, s.overflow]) {
      const { sl, gn, n } = col;
      for (let i = 0; i < n; i++) {
        const slot = sl[i]!;
        if (gn[i] === gen[slot]) {
          mark[slot] = 1;
          any = true;
        }
      }
    }
    return any;
  }

  /** Live entries of (asset, side), about (dead ones counted out). */
  private sideSize(asset: number, side: number): number {
    const s = this.sides[sideId(asset, side)];
    return s === undefined ? 0 : s.run.n + s.overflow.n - s.dead;
  }

  private reindexOne(key: string, book: IndexBook, fr: Frame, touched: Set<number>): void {
    let slot = this.slotOf.get(key);
    if (slot !== undefined) {
      const count = this.sideCount[slot]!;
      if (count > 0) {
        const start = this.sideStart[slot]!;
        for (let k = start; k < start + count; k++) {
          const id = this.sidePool[k]!;
          const s = this.sides[id];
          if (s !== undefined) s.dead++;
          touched.add(id);
        }
        this.sideCount[slot] = 0;
        this.liveEntries -= count;
        this.indexed--;
      }
      this.gen[slot] = (this.gen[slot]! + 1) >>> 0;
      this.accs[slot] = undefined;
    }
    this.unpriced.delete(key);
    const acc = book.accounts.get(key);
    if (acc === undefined || acc.positions.size === 0) return;
    const debts = boundAccount(acc.positions, acc.group, fr);
    if (debts === UNPRICED) {
      this.markUnpriced(key, acc, fr);
      return;
    }
    if (debts === 0) return;
    if (slot === undefined) {
      slot = this.keys.length;
      this.keys.push(key);
      this.slotOf.set(key, slot);
      this.ensureSlots(slot + 1);
      this.gen[slot] = 0;
    }
    const g = this.gen[slot]!;
    this.accs[slot] = acc;
    this.ensurePool(sCount);
    this.sideStart[slot] = this.poolLen;
    this.sideCount[slot] = sCount;
    for (let i = 0; i < sCount; i++) {
      const id = sideId(sAsset[i]!, sDebt[i]!);
      let s = this.sides[id];
      if (s === undefined) this.sides[id] = s = new SideIndex(new Column(0));
      s.overflow.push(levelAt(i, fr), slot, g);
      this.sidePool[this.poolLen++] = id;
      touched.add(id);
    }
    this.liveEntries += sCount;
    this.indexed++;
  }

  private compactIfNeeded(id: number): void {
    const s = this.sides[id];
    if (s === undefined || s.overflow.n + s.dead <= this.overflowLimit) return;
    const live = new Column(Math.max(16, s.run.n - Math.min(s.dead, s.run.n) + s.overflow.n));
    for (const col of [s.run, s.overflow]) {
      for (let i = 0; i < col.n; i++) {
        if (col.gn[i] === this.gen[col.sl[i]!]) live.push(col.lv[i]!, col.sl[i]!, col.gn[i]!);
      }
    }
    s.run = live.sorted();
    s.overflow = new Column(16);
    s.dead = 0;
  }

  private scan(asset: number, side: number, x: number, out: string[]): void {
    const s = this.sides[sideId(asset, side)];
    if (s === undefined) return;
    const gen = this.gen;
    const keys = this.keys;
    const { lv, sl, gn, n } = s.run;
    let from: number;
    let to: number;
    if (side === COLL) {
      from = lowerBound(lv, n, x);
      to = n;
    } else {
      from = 0;
      to = upperBound(lv, n, x);
    }
    for (let i = from; i < to; i++) {
      const slot = sl[i]!;
      if (gn[i] === gen[slot]) out.push(keys[slot]!);
    }
    const o = s.overflow;
    for (let i = 0; i < o.n; i++) {
      const level = o.lv[i]!;
      if (side === COLL ? level >= x : level <= x) {
        const slot = o.sl[i]!;
        if (o.gn[i] === gen[slot]) out.push(keys[slot]!);
      }
    }
  }
}

/** The key the account book uses for an account. */
export function accountKey(owner: string, subId: number): string {
  return `${owner.toLowerCase()}/${subId}`;
}

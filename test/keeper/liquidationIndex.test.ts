/**
 * The reaction index (keeper/src/watch/liquidationIndex.ts) and the reaction/sweep on top of it
 * (keeper/src/watch/reaction.ts), against brute force with the twin (`healthContext`) on synthetic books
 * (test/keeper/syntheticBook.ts: a real AccountBook filled directly). Pure, no chain.
 * Runs: FUZZ_RUNS (default 60; 200 when CI=true); seed: FUZZ_SEED.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import fc from "fast-check";
import { AccountBook, type BookAccount } from "../../keeper/src/book/accountBook.ts";
import { healthContext, borrowIndexNow } from "../../keeper/src/math/accountHealth.ts";
import {
  LiquidationIndex,
  accountLevels,
  sortPermutation,
  type IndexBook,
  type LiquidationIndexOptions,
} from "../../keeper/src/watch/liquidationIndex.ts";
import { react, sweep } from "../../keeper/src/watch/reaction.ts";
import {
  ASSETS,
  T0,
  WAD,
  addAccount,
  basePrices,
  emptyBook,
  ownerOf,
  randomBook,
  type AccountSpec,
} from "./syntheticBook.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.CI === "true" ? 200 : 60));
const SEED = Number(process.env.FUZZ_SEED ?? 0x1d3e7);
const params = (runs = RUNS) => ({ numRuns: runs, seed: SEED });

// AccountBook must fit the index's structural view of the book (compile-time check).
const fitsIndexBook: IndexBook = new AccountBook();
void fitsIndexBook;

const CAP = 10n ** 40n;

// ------------------------------------------------------------------------------- brute force

function hf(book: AccountBook, acc: BookAccount, prices: Map<number, bigint>, t: bigint): bigint {
  return healthContext(acc.positions, book.riskBook(), prices, t, book.groupContext(acc)).health.healthFactor;
}

/** Every open account the twin finds liquidatable. */
function brute(book: AccountBook, prices: Map<number, bigint>, t: bigint): Set<string> {
  const out = new Set<string>();
  const risk = book.riskBook();
  for (const [key, acc] of book.accounts) {
    if (acc.positions.size === 0) continue;
    if (healthContext(acc.positions, risk, prices, t, book.groupContext(acc)).health.healthFactor < WAD) out.add(key);
  }
  return out;
}

type Exact = bigint | "none" | "all";

/**
 * The exact level of `asset` by binary search over integer prices with the twin. Collateral: the largest
 * price at which the account is liquidatable ("none": not even at 0; "all": even at CAP). Debt: the smallest
 * ("none": not even at CAP; "all": even at 0).
 */
function exactLevel(book: AccountBook, acc: BookAccount, prices: Map<number, bigint>, t: bigint, asset: number): Exact {
  const isDebt = acc.positions.get(asset)!.isDebt;
  const liq = (p: bigint) => hf(book, acc, new Map(prices).set(asset, p), t) < WAD;
  if (!isDebt) {
    if (!liq(0n)) return "none";
    if (liq(CAP)) return "all";
    let lo = 0n;
    let hi = CAP;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (liq(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  }
  if (!liq(CAP)) return "none";
  if (liq(0n)) return "all";
  let lo = 0n;
  let hi = CAP;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (liq(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * How far (in price) the level may sit outside the exact one by design: the vault's roundings the level
 * allows for (one token wei on each debt amount, one USD wei on each debt value, up to 3 USD wei per
 * collateral) moved onto the asset's price, at its smallest slope (threshold 70% x size factor 70%);
 * for a debt also the relative 2/amount of its own amount's rounding.
 */
function roundingAllowance(book: AccountBook, acc: BookAccount, prices: Map<number, bigint>, asset: number, t: bigint, level: number): number {
  let usdWei = 0;
  for (const [id, p] of acc.positions) {
    const unit = 10 ** ASSETS[id]!.decimals;
    usdWei += p.isDebt ? Number(prices.get(id)!) / unit + 2 : 4;
  }
  const unit = 10 ** ASSETS[asset]!.decimals;
  const pos = acc.positions.get(asset)!;
  if (!pos.isDebt) return (usdWei * unit) / (Number(pos.amount) * 0.49);
  const owed = Number(healthContext(acc.positions, book.riskBook(), prices, t, book.groupContext(acc)).amounts.get(asset)!);
  return (usdWei * unit) / owed + (2 * Math.abs(level)) / owed;
}

// ------------------------------------------------------------------------------- arbitraries

// 50 USD .. 50M USD, and now and then dust (1e-9 USD .. 1e-3 USD, where the vault's roundings weigh)
const usdArb = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: 1.7, max: 7.7, noNaN: true }).map((x) => 10 ** x) },
  { weight: 1, arbitrary: fc.double({ min: -9, max: -3, noNaN: true }).map((x) => 10 ** x) },
);
/** 1-3 collaterals and 1-3 debts on distinct assets, health 0.6 .. 2.5, in the group or not. */
const specArb: fc.Arbitrary<AccountSpec> = fc
  .record({
    assets: fc.shuffledSubarray([0, 1, 2, 3], { minLength: 2, maxLength: 4 }),
    split: fc.integer({ min: 1, max: 3 }),
    usd: fc.array(usdArb, { minLength: 4, maxLength: 4 }),
    weights: fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
    health: fc.double({ min: 0.6, max: 2.5, noNaN: true }),
    group: fc.constantFrom(0, 1),
  })
  .map(({ assets, split, usd, weights, health, group }) => {
    const k = Math.min(split, assets.length - 1);
    return {
      collateral: assets.slice(0, k).map((asset, i) => ({ asset, usd: usd[i]! })),
      debts: assets.slice(k).map((asset, i) => ({ asset, weight: weights[i]! })),
      health,
      group,
    };
  });
const bookArb = fc.array(specArb, { minLength: 3, maxLength: 40, size: "max" });
const optsArb: fc.Arbitrary<LiquidationIndexOptions> = fc.record({
  bandBps: fc.constantFrom(0, 50, 100, 500),
  horizonSeconds: fc.constantFrom(0n, 600n, 3600n),
  overflowLimit: fc.constantFrom(2, 16, 1024),
});

function bookOf(specs: AccountSpec[]): { book: AccountBook; keys: string[] } {
  const book = emptyBook();
  return { book, keys: specs.map((s, i) => addAccount(book, i, s)) };
}

function scaled(p: bigint, factor: number): bigint {
  const q = (p * BigInt(Math.round(factor * 1e9))) / 1_000_000_000n;
  return q > 0n ? q : 1n;
}

/** An InterestAccrued of `asset` at `t` with a new rate in [0, max of its rate model]. */
function accrue(book: AccountBook, asset: number, t: bigint, rateFraction: number): void {
  const a = book.asset(asset);
  if (t < a.lastAccrual) return;
  const m = a.rateModel;
  a.borrowIndex = borrowIndexNow(a, t);
  a.ratePerSecond = (BigInt(Math.round(rateFraction * 1e6)) * (m.baseRate + m.slope1 + m.slope2)) / 1_000_000n;
  a.lastAccrual = t;
}

function subsetOf(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((k) => !b.has(k));
}

// ------------------------------------------------------------------------------- tests

describe("liquidation index", () => {
  it("sorts levels like a comparator sort (radix path, with infinities, zeros and duplicates)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.double({ noNaN: true }),
            fc.constantFrom(Infinity, -Infinity, 0, -0, 1, 1e22),
            fc.double({ min: 1e18, max: 1e23, noNaN: true }),
          ),
          { minLength: 2048, maxLength: 6000 },
        ),
        (xs) => {
          const keys = Float64Array.from(xs);
          const perm = sortPermutation(keys, keys.length);
          assert.equal(new Set(perm).size, keys.length, "a permutation");
          const got = Array.from(perm, (i) => keys[i]!);
          const want = [...xs].sort((a, b) => a - b);
          assert.deepEqual(got.map(String), want.map(String).map((s) => (s === "0" || s === "-0" ? s : s)).map((s) => s));
        },
      ),
      params(10),
    );
  });

  it("(1) the analytic level is within the margin of the exact level (binary search with the twin)", () => {
    let tight = 0;
    let tiers = 0;
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 5000 }), (spec, dt) => {
        const { book, keys } = bookOf([spec]);
        const acc = book.accounts.get(keys[0]!)!;
        const prices = basePrices();
        const t = T0 + BigInt(dt);
        const levels = accountLevels(book, acc, prices, t, { horizonSeconds: 0n, bandBps: 0, relMargin: 0 });
        assert.ok(levels !== undefined);
        const hasDebt = [...acc.positions.values()].some((p) => p.isDebt);
        assert.equal(levels.length, hasDebt ? acc.positions.size : 0);
        for (const l of levels) {
          const p0 = Number(prices.get(l.asset)!);
          const ex = exactLevel(book, acc, prices, t, l.asset);
          const where = `asset ${l.asset} ${l.side}: level ${l.level}, exact ${ex}`;
          const slack = roundingAllowance(book, acc, prices, l.asset, t, l.level);
          if (l.side === "collateral") {
            if (ex === "none") assert.ok(l.level <= slack + 1e-6 * p0, where);
            else if (ex === "all") assert.ok(l.level >= Number(CAP), where);
            else {
              assert.ok(l.level >= Number(ex), `false negative possible: ${where}`);
              assert.ok(l.level <= Number(ex) * (1 + 1e-6) + slack, `too loose: ${where}`);
              tight++;
              const a = ASSETS[l.asset]!;
              const bal = Number(acc.positions.get(l.asset)!.amount) / 10 ** a.decimals;
              if ((bal * Number(ex)) / 1e18 > a.sizeThresholdUsd) tiers++;
            }
          } else {
            if (ex === "all") assert.ok(l.level <= 0, where);
            else if (ex === "none") assert.ok(l.level >= Number(CAP) * (1 - 1e-6), where);
            else {
              assert.ok(l.level <= Number(ex), `false negative possible: ${where}`);
              assert.ok(l.level >= Number(ex) * (1 - 1e-6) - slack, `too loose: ${where}`);
              tight++;
            }
          }
        }
      }),
      params(),
    );
    console.log(`      (1): ${tight} finite levels, ${tiers} on a size tier`);
    assert.ok(tight > RUNS, `few finite levels checked (${tight})`);
    assert.ok(tiers > 0, "no level on a size tier was checked");
  });

  /** Stored levels against exact levels found later, in another state: collateral never below, debt never above. */
  function assertConservative(levels: ReturnType<typeof accountLevels>, exactOf: (asset: number) => Exact): void {
    for (const l of levels ?? []) {
      const ex = exactOf(l.asset);
      const where = `asset ${l.asset} ${l.side}: stored ${l.level}, exact now ${ex}`;
      if (l.side === "collateral") {
        if (ex === "all") assert.equal(l.level, Infinity, where);
        else if (ex !== "none") assert.ok(l.level >= Number(ex), where);
      } else {
        if (ex === "all") assert.equal(l.level, -Infinity, where);
        else if (ex !== "none") assert.ok(l.level <= Number(ex), where);
      }
    }
  }

  it("levels stay conservative over the horizon: interest at any rate the model allows, threshold ramps", () => {
    fc.assert(
      fc.property(
        specArb,
        fc.integer({ min: 0, max: 600 }),
        fc.oneof(fc.integer({ min: 0, max: 600 }), fc.constant(600)),
        fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(1)), { minLength: 4, maxLength: 4 }),
        (spec, dtA, dtB, rates) => {
          const { book, keys } = bookOf([spec]);
          const acc = book.accounts.get(keys[0]!)!;
          const prices = basePrices();
          const levels = accountLevels(book, acc, prices, T0, { horizonSeconds: 600n, bandBps: 0, relMargin: 0 });
          // later in the horizon, after InterestAccrued events that fixed new rates
          const [ta, tq] = dtA <= dtB ? [dtA, dtB] : [dtB, dtA];
          for (const a of ASSETS) accrue(book, a.id, T0 + BigInt(ta), rates[a.id]!);
          assertConservative(levels, (asset) => exactLevel(book, acc, prices, T0 + BigInt(tq), asset));
        },
      ),
      params(),
    );
  });

  it("levels stay conservative while every other price stays in its band", () => {
    const edge = fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constantFrom(-1, 1));
    fc.assert(
      fc.property(specArb, fc.constantFrom(10, 100, 500), fc.array(edge, { minLength: 4, maxLength: 4 }), (spec, bandBps, moves) => {
        const { book, keys } = bookOf([spec]);
        const acc = book.accounts.get(keys[0]!)!;
        const prices = basePrices();
        const levels = accountLevels(book, acc, prices, T0, { horizonSeconds: 0n, bandBps, relMargin: 0 });
        const half = (bandBps / 10_000) * (1 - 1e-6);
        const moved = new Map([...prices].map(([id, p]) => [id, scaled(p, 1 + half * moves[id]!)]));
        assertConservative(levels, (asset) => exactLevel(book, acc, moved, T0, asset));
      }),
      params(),
    );
  });

  it("the sweep's float pre-check never discards an account at the exact boundary", () => {
    let boundaries = 0;
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 5000 }), (spec, dt) => {
        const { book, keys } = bookOf([spec]);
        const key = keys[0]!;
        const acc = book.accounts.get(key)!;
        const prices = basePrices();
        const t = T0 + BigInt(dt);
        for (const [asset, pos] of acc.positions) {
          const ex = exactLevel(book, acc, prices, t, asset);
          if (typeof ex !== "bigint" || ex === 0n) continue;
          boundaries++;
          const liquidatableAt = pos.isDebt ? ex : ex; // collateral: largest liquidatable; debt: smallest
          const healthyAt = pos.isDebt ? ex - 1n : ex + 1n;
          const at = (p: bigint) => new Map(prices).set(asset, p);
          assert.deepEqual(sweep(book, at(liquidatableAt), t).liquidatable.map((x) => x.key), [key], `asset ${asset} at ${liquidatableAt}`);
          assert.deepEqual(sweep(book, at(healthyAt), t).liquidatable, [], `asset ${asset} at ${healthyAt}`);
        }
      }),
      params(),
    );
    assert.ok(boundaries > RUNS, `few boundaries checked (${boundaries})`);
  });

  it("(2) no false negatives: after a single-asset move, every account the twin finds newly liquidatable is in react's result", () => {
    let newly = 0;
    fc.assert(
      fc.property(
        bookArb,
        optsArb,
        fc.integer({ min: 0, max: 3 }),
        fc.oneof(fc.double({ min: 0.4, max: 1.6, noNaN: true }), fc.double({ min: 0.99, max: 1.01, noNaN: true })),
        fc.integer({ min: 1, max: 600 }),
        (specs, opts, asset, factor, dt) => {
          const { book } = bookOf(specs);
          const prices = basePrices();
          const index = new LiquidationIndex(opts);
          index.rebuild(book, prices, T0);
          const t = T0 + BigInt(dt);
          const before = brute(book, prices, t);
          const after = new Map(prices).set(asset, scaled(prices.get(asset)!, factor));
          const r = react(index, book, after, asset, t);
          const truth = brute(book, after, t);
          const got = new Set(r.liquidatable.map((x) => x.key));
          assert.deepEqual(subsetOf(subsetOf(truth, before), got), [], "missed a newly liquidatable account");
          // stronger: every holder on the side the move hurts that is liquidatable now is found
          const hurt = after.get(asset)! < prices.get(asset)! ? false : true; // false: collateral side
          for (const key of truth) {
            const pos = book.accounts.get(key)!.positions.get(asset);
            if (pos !== undefined && pos.isDebt === hurt && after.get(asset) !== prices.get(asset)) {
              assert.ok(got.has(key), `missed ${key} (holds asset ${asset} on the hurt side)`);
            }
          }
          for (const x of r.liquidatable) {
            assert.ok(truth.has(x.key));
            assert.equal(x.healthFactor, hf(book, book.accounts.get(x.key)!, after, t));
          }
          assert.equal(r.evaluated, r.candidates);
          newly += truth.size - [...truth].filter((k) => before.has(k)).length;
        },
      ),
      params(),
    );
    console.log(`      (2): ${newly} accounts made liquidatable by a move`);
    assert.ok(newly > 0, "no move made an account liquidatable: the property was not exercised");
  });

  it("(2b) a move exactly onto an account's exact level (the largest or smallest liquidatable price) finds it", () => {
    let hits = 0;
    fc.assert(
      fc.property(bookArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 600 }), (specs, which, pick, dt) => {
        const { book, keys } = bookOf(specs);
        const prices = basePrices();
        const t = T0 + BigInt(dt);
        const index = new LiquidationIndex();
        index.rebuild(book, prices, T0);
        const key = keys[which % keys.length]!;
        const acc = book.accounts.get(key)!;
        const assets = [...acc.positions.keys()];
        const asset = assets[pick % assets.length]!;
        const ex = exactLevel(book, acc, prices, t, asset);
        if (typeof ex !== "bigint" || ex === 0n || ex === prices.get(asset)) return;
        const isDebt = acc.positions.get(asset)!.isDebt;
        // only a move that hurts: a collateral falling onto its level, a debt rising onto its level
        if (isDebt ? ex < prices.get(asset)! : ex > prices.get(asset)!) return;
        const r = react(index, book, new Map(prices).set(asset, ex), asset, t);
        assert.ok(r.liquidatable.some((x) => x.key === key), `asset ${asset} (${isDebt ? "debt" : "collateral"}) moved onto ${ex}`);
        hits++;
      }),
      params(),
    );
    assert.ok(hits > RUNS / 4, `few boundary moves (${hits})`);
  });

  it("(3) over a sequence of moves, account events, accruals and blocks, reactions plus sweeps miss no liquidatable account", () => {
    type Step =
      | { kind: "move"; asset: number; factor: number; dt: number; maintain: boolean }
      | { kind: "event"; account: number; what: number; factor: number }
      | { kind: "accrual"; asset: number; rate: number; dt: number }
      | { kind: "maintain" }
      | { kind: "block"; dt: number };
    const asset = fc.integer({ min: 0, max: 3 });
    const dt = fc.integer({ min: 0, max: 30 });
    const move = fc.record({
      kind: fc.constant("move" as const),
      asset,
      factor: fc.double({ min: 0.85, max: 1.15, noNaN: true }),
      dt,
      maintain: fc.boolean(),
    });
    const event = fc.record({
      kind: fc.constant("event" as const),
      account: fc.nat(),
      what: fc.integer({ min: 0, max: 4 }),
      factor: fc.double({ min: 0.3, max: 1.7, noNaN: true }),
    });
    const accrual = fc.record({ kind: fc.constant("accrual" as const), asset, rate: fc.double({ min: 0, max: 1, noNaN: true }), dt });
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 5, arbitrary: move },
      { weight: 3, arbitrary: event },
      { weight: 1, arbitrary: accrual },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("maintain" as const) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("block" as const), dt: fc.integer({ min: 1, max: 400 }) }) },
    );
    let reacted = 0;
    let caughtByReaction = 0;
    let staleModes = 0;
    let sweeps = 0;
    fc.assert(
      fc.property(bookArb, optsArb, fc.array(stepArb, { minLength: 5, maxLength: 40, size: "max" }), specArb, (specs, opts, steps, extra) => {
        const { book, keys } = bookOf(specs);
        const prices = basePrices();
        const index = new LiquidationIndex(opts);
        let t = T0;
        index.rebuild(book, prices, t);
        let extraAccounts = 0;
        for (const step of steps) {
          switch (step.kind) {
            case "move": {
              t += BigInt(step.dt);
              const before = brute(book, prices, t);
              const old = prices.get(step.asset)!;
              prices.set(step.asset, scaled(old, step.factor));
              const r = react(index, book, prices, step.asset, t);
              const truth = brute(book, prices, t);
              const got = new Set(r.liquidatable.map((x) => x.key));
              assert.deepEqual(subsetOf(subsetOf(truth, before), got), [], `missed after moving asset ${step.asset} by ${step.factor}`);
              reacted++;
              caughtByReaction += got.size;
              if (r.mode !== "index") staleModes++;
              // the keeper's upkeep after a reaction (skipped at random: the next reactions check the stale accounts)
              if (step.maintain) index.maintain(book, prices, t);
              break;
            }
            case "event": {
              // what a vault event does to an account, then the keeper re-indexes it
              const key = step.what === 4 ? addAccount(book, 1000 + extraAccounts++, extra) : keys[step.account % keys.length]!;
              const acc = book.accounts.get(key)!;
              const ids = [...acc.positions.keys()];
              const id = ids[step.account % Math.max(1, ids.length)];
              if (id !== undefined && step.what < 3) {
                const p = acc.positions.get(id)!;
                if (step.what === 2) acc.positions.delete(id);
                else p.amount = scaled(p.amount, step.factor);
              } else if (step.what === 3) {
                acc.group = acc.group === 0 ? 1 : 0;
              }
              index.updateAccounts([key], book, prices, t);
              break;
            }
            case "accrual":
              t += BigInt(step.dt);
              accrue(book, step.asset, t, step.rate);
              break;
            case "maintain":
              index.maintain(book, prices, t);
              break;
            case "block": {
              t += BigInt(step.dt);
              const s = sweep(book, prices, t);
              const truth = brute(book, prices, t);
              assert.deepEqual(new Set(s.liquidatable.map((x) => x.key)), truth, "the sweep is a full exact re-evaluation");
              sweeps++;
              index.maintain(book, prices, t);
              break;
            }
          }
        }
        // at the end a sweep finds exactly the liquidatable accounts, with the twin's health factors
        const s = sweep(book, prices, t);
        const exact = sweep(book, prices, t, { exact: true });
        assert.deepEqual(s.liquidatable, exact.liquidatable);
        assert.deepEqual(new Set(s.liquidatable.map((x) => x.key)), brute(book, prices, t));
      }),
      params(Math.max(10, RUNS >> 1)),
    );
    console.log(`      (3): ${reacted} reactions, ${caughtByReaction} liquidatable accounts reported by them, ${staleModes} with stale accounts, ${sweeps} sweeps`);
    assert.ok(reacted > 0 && caughtByReaction > 0, "reactions were not exercised");
  });

  it("incremental updates (overflow, dead entries, compaction, pool reuse) answer like a fresh rebuild", () => {
    const change = fc.record({
      account: fc.nat(),
      what: fc.integer({ min: 0, max: 5 }),
      factor: fc.double({ min: 0.5, max: 1.5, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 2, maxLength: 12, size: "max" }), // small books: many updates per account, pool compactions
        fc.array(change, { minLength: 1, maxLength: 80, size: "max" }),
        fc.constantFrom(1, 3, 8, 1024),
        fc.array(fc.double({ min: 0.5, max: 1.5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        specArb,
        fc.option(fc.nat(), { nil: undefined }),
        (specs, changes, overflowLimit, probes, extra, rebuildAt) => {
          const { book, keys } = bookOf(specs);
          const prices = basePrices();
          const index = new LiquidationIndex({ overflowLimit });
          index.rebuild(book, prices, T0);
          let added = 0;
          for (const [i, c] of changes.entries()) {
            if (i === (rebuildAt ?? -1) % changes.length) index.rebuild(book, prices, T0); // slots survive a rebuild
            const key = c.what === 5 ? addAccount(book, 500 + added++, extra) : keys[c.account % keys.length]!;
            const acc = book.accounts.get(key);
            const ids = acc === undefined ? [] : [...acc.positions.keys()];
            const id = ids[c.account % Math.max(1, ids.length)];
            if (acc === undefined) {
              // gone already: re-indexing it is a no-op
            } else if (c.what === 4) book.accounts.delete(key);
            else if (c.what === 3) acc.group = acc.group === 0 ? 1 : 0;
            else if (id !== undefined && c.what === 2) acc.positions.delete(id);
            else if (id !== undefined) acc.positions.get(id)!.amount = scaled(acc.positions.get(id)!.amount, c.factor);
            index.updateAccounts([key], book, prices, T0);
          }
          const fresh = new LiquidationIndex();
          fresh.rebuild(book, prices, T0);
          assert.equal(index.size, fresh.size);
          for (const asset of [0, 1, 2, 3]) {
            for (const f of probes) {
              const p = scaled(prices.get(asset)!, f);
              const got = index.candidatesAt(asset, p).sort();
              assert.deepEqual(got, fresh.candidatesAt(asset, p).sort(), `asset ${asset} at ${p}`);
              assert.equal(new Set(got).size, got.length, "no key twice");
            }
          }
          for (const key of book.accounts.keys()) {
            const byLevel = (x: { asset: number; side: string; level: number }, y: { asset: number; side: string; level: number }) =>
              x.asset - y.asset || x.side.localeCompare(y.side);
            assert.deepEqual(index.levelsOf(key).sort(byLevel), fresh.levelsOf(key).sort(byLevel));
          }
        },
      ),
      params(),
    );
  });

  it("a reaction evaluates the accounts that crossed, not the book", () => {
    const { book } = randomBook(5000, 11, 1.001, 2);
    const prices = basePrices();
    const index = new LiquidationIndex();
    index.rebuild(book, prices, T0);
    assert.equal(index.size, 5000);
    assert.equal(brute(book, prices, T0 + 1n).size, 0);
    const next = new Map(prices).set(2, (prices.get(2)! * 9_950n) / 10_000n);
    const r = react(index, book, next, 2, T0 + 1n);
    const truth = brute(book, next, T0 + 1n);
    assert.deepEqual(new Set(r.liquidatable.map((x) => x.key)), truth);
    assert.ok(truth.size > 0, "the move should make some accounts liquidatable");
    assert.ok(r.candidates <= 2 * truth.size + 5, `too many candidates: ${r.candidates} for ${truth.size} liquidatable`);
    assert.equal(r.mode, "index");
    // the rise back: no collateral candidate; the debtors of WETH are not hurt by the earlier fall
    const back = react(index, book, prices, 2, T0 + 2n);
    assert.equal(back.mode, "index");
    assert.equal(back.liquidatable.length, 0);
    // the fall marked WETH's collateral holders for re-indexing (a rebuild: they are most of the book)
    assert.deepEqual([...index.pendingAssets], [2]);
    assert.equal(index.maintain(book, prices, T0 + 2n), "rebuild");
    assert.deepEqual([...index.pendingAssets], []);
  });

  it("keeps accounts with a missing price aside, checks them once the price arrives, indexes them on maintain", () => {
    const book = emptyBook();
    const k = addAccount(book, 1, { collateral: [{ asset: 2, usd: 10_000 }], debts: [{ asset: 0, weight: 1 }], health: 1.01, group: 0 });
    const partial = basePrices();
    partial.delete(2);
    const index = new LiquidationIndex();
    index.rebuild(book, partial, T0);
    assert.equal(index.size, 0);
    assert.deepEqual([...index.unpricedAccounts], [k]);
    const full = basePrices().set(2, (basePrices().get(2)! * 95n) / 100n);
    const r = react(index, book, full, 2, T0 + 1n);
    assert.equal(r.mode, "index+stale");
    assert.deepEqual(r.liquidatable.map((x) => x.key), [k]);
    assert.equal(index.maintain(book, full, T0 + 1n), "reindex");
    assert.equal(index.size, 1);
    assert.deepEqual([...index.unpricedAccounts], []);
  });

  it("checks the holders an out-of-band move made stale until maintain re-indexes them", () => {
    // WBTC + WETH collateral, USDC debt: WBTC falls 6% (out of a 1% band) without a reaction, then WETH
    // falls a little; the WETH level computed at the old WBTC price would miss the account
    const book = emptyBook();
    const k = addAccount(book, 1, {
      collateral: [{ asset: 1, usd: 50_000 }, { asset: 2, usd: 50_000 }],
      debts: [{ asset: 0, weight: 1 }],
      health: 1.02,
      group: 0,
    });
    const prices = basePrices();
    const index = new LiquidationIndex({ bandBps: 100 });
    index.rebuild(book, prices, T0);
    prices.set(1, (prices.get(1)! * 94n) / 100n);
    prices.set(2, (prices.get(2)! * 995n) / 1000n);
    assert.ok(hf(book, book.accounts.get(k)!, prices, T0 + 1n) < WAD);
    assert.deepEqual(index.candidates(2, basePrices().get(2)!, prices.get(2)!), [], "the stale WETH level misses it");
    const r = react(index, book, prices, 2, T0 + 1n);
    assert.equal(r.mode, "index+stale");
    assert.deepEqual(r.liquidatable.map((x) => x.key), [k]);
    assert.equal(index.maintain(book, prices, T0 + 1n), "reindex");
    assert.deepEqual(index.candidates(2, basePrices().get(2)!, prices.get(2)!), [k], "re-indexed at the new WBTC price");
    assert.equal(react(index, book, new Map(prices).set(2, prices.get(2)! - 1n), 2, T0 + 2n).mode, "index");
  });

  it("checks the debtors an out-of-band rise made stale", () => {
    // WETH collateral, WBTC + USDC debt: WBTC rises 6% without a reaction, then WETH falls a little
    const book = emptyBook();
    const k = addAccount(book, 1, {
      collateral: [{ asset: 2, usd: 100_000 }],
      debts: [{ asset: 1, weight: 1 }, { asset: 0, weight: 1 }],
      health: 1.02,
      group: 0,
    });
    const prices = basePrices();
    const index = new LiquidationIndex();
    index.rebuild(book, prices, T0);
    prices.set(1, (prices.get(1)! * 106n) / 100n);
    prices.set(2, (prices.get(2)! * 995n) / 1000n);
    assert.ok(hf(book, book.accounts.get(k)!, prices, T0 + 1n) < WAD);
    assert.deepEqual(index.candidates(2, basePrices().get(2)!, prices.get(2)!), [], "the stale WETH level misses it");
    const r = react(index, book, prices, 2, T0 + 1n);
    assert.equal(r.mode, "index+stale");
    assert.deepEqual(r.liquidatable.map((x) => x.key), [k]);
  });

  it("falls back to a sweep past the horizon, rebuilds on maintain, drops accounts that closed or repaid", () => {
    const { book, keys } = randomBook(300, 5, 1.01, 0.5);
    const prices = basePrices();
    const index = new LiquidationIndex({ horizonSeconds: 100n });
    index.rebuild(book, prices, T0);
    const n = index.size;
    const acc = book.accounts.get(keys[0]!)!;
    for (const [id, p] of acc.positions) if (p.isDebt) acc.positions.delete(id);
    book.accounts.delete(keys[1]!);
    index.updateAccounts([keys[0]!, keys[1]!], book, prices, T0 + 1n);
    assert.equal(index.size, n - 2);
    assert.deepEqual(index.levelsOf(keys[0]!), []);
    assert.equal(index.levelsOf(keys[2]!).length, book.accounts.get(keys[2]!)!.positions.size);
    // a rebuild keeps the slots, also of an account that repaid without being re-indexed first
    const repaid = book.accounts.get(keys[3]!)!;
    for (const [id, p] of repaid.positions) if (p.isDebt) repaid.positions.delete(id);
    index.rebuild(book, prices, T0 + 1n);
    assert.equal(index.size, n - 3);
    index.updateAccounts([keys[0]!, keys[1]!, keys[3]!], book, prices, T0 + 1n);
    assert.equal(index.size, n - 3);
    const later = new Map(prices).set(0, prices.get(0)! + 1n);
    const r = react(index, book, later, 0, T0 + 500n);
    assert.equal(r.mode, "sweep");
    assert.deepEqual(new Set(r.liquidatable.map((x) => x.key)), brute(book, later, T0 + 500n));
    assert.equal(index.maintain(book, later, T0 + 500n), "rebuild");
    assert.equal(index.validUntil, T0 + 600n);
    assert.equal(index.size, n - 3);
    assert.equal(ownerOf(0).length, 42);
  });
});

/**
 * Micro-benchmark of the reaction index (keeper/src/watch): for synthetic books of 1k/10k/100k "2x2-ish"
 * accounts (test/keeper/syntheticBook.ts), the rebuild, a range query, a reaction to a WETH fall that
 * makes about 5 accounts liquidatable (p50/p99), the re-index of the moved asset's holders after it, the
 * full sweep, and the twin's health evaluations per second. Wall-clock milliseconds (CPU time of the
 * process in brackets where it matters: on a shared machine they differ).
 *
 *   node scripts/bench-index.ts [sizes, e.g. 1000,10000,100000] [bandBps list, e.g. 0,50]
 */
import { healthContext } from "../keeper/src/math/accountHealth.ts";
import { LiquidationIndex } from "../keeper/src/watch/liquidationIndex.ts";
import { react, sweep } from "../keeper/src/watch/reaction.ts";
import { T0, basePrices, randomBook } from "../test/keeper/syntheticBook.ts";

const sizes = (process.argv[2] ?? "1000,10000,100000").split(",").map(Number);
const bands = (process.argv[3] ?? "0,50").split(",").map(Number);
const ASSET = 2; // WETH
const CROSS = 5;
const REPS = 200;

function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

function time<T>(f: () => T): { ms: number; cpu: number; value: T } {
  const c0 = cpuMs();
  const t0 = performance.now();
  const value = f();
  return { ms: performance.now() - t0, cpu: cpuMs() - c0, value };
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const f2 = (x: number) => x.toFixed(x < 10 ? 3 : 1);

for (const n of sizes) {
  const { book } = randomBook(n, 20261123 + n, 1.001, 2);
  const prices = basePrices();
  const t = T0 + 1n;
  const p0 = prices.get(ASSET)!;

  // the WETH price at which about CROSS accounts become liquidatable (exact levels: band 0, no horizon)
  const probe = new LiquidationIndex({ bandBps: 0, horizonSeconds: 0n });
  probe.rebuild(book, prices, t);
  let lo = (p0 * 80n) / 100n;
  let hi = p0;
  while (hi - lo > 10n ** 9n) {
    const mid = (lo + hi) / 2n;
    if (probe.candidates(ASSET, p0, mid).length >= CROSS) lo = mid;
    else hi = mid;
  }
  const fallen = new Map(prices).set(ASSET, lo);
  const crossed = sweep(book, fallen, t).liquidatable.length - sweep(book, prices, t).liquidatable.length;

  // sweep and the twin's throughput (these do not depend on the index)
  sweep(book, prices, t);
  const sw = [0, 1, 2].map(() => time(() => sweep(book, prices, t)));
  const swBest = sw.reduce((a, b) => (a.ms < b.ms ? a : b));
  const risk = book.riskBook();
  const accs = [...book.accounts.values()].slice(0, Math.min(n, 20_000));
  const evalAll = () => {
    for (const acc of accs) healthContext(acc.positions, risk, prices, t, book.groupContext(acc));
  };
  evalAll(); // warm-up
  const ev = time(evalAll);
  console.log(
    `\n== ${n} accounts  (WETH ${Number(p0) / 1e18} -> ${(Number(lo) / 1e18).toFixed(2)}: ${crossed} become liquidatable)`,
  );
  console.log(
    `sweep (float pre-check + twin): ${f2(swBest.ms)} ms [cpu ${f2(swBest.cpu)}], ${swBest.value.evaluated} twin evaluations; ` +
      `twin: ${Math.round(accs.length / (ev.ms / 1000)).toLocaleString("en")} health evaluations/s ` +
      `(${f2((ev.ms * 1000) / accs.length)} us each)`,
  );

  for (const bandBps of bands) {
    const index = new LiquidationIndex({ bandBps });
    index.rebuild(book, prices, t);
    const rb = [0, 1, 2].map(() => time(() => index.rebuild(book, prices, t)));
    const rbBest = rb.reduce((a, b) => (a.ms < b.ms ? a : b));

    // range query alone
    const qn = 2000;
    const q = time(() => {
      let k = 0;
      for (let i = 0; i < qn; i++) k += index.candidates(ASSET, p0, lo).length;
      return k / qn;
    });

    // reactions: fall (measured), then back up; the keeper's maintain after each (measured separately)
    const fallMs: number[] = [];
    const maintainMs: number[] = [];
    let cand = 0;
    let liq = 0;
    for (let i = 0; i < REPS; i++) {
      const down = new Map(prices).set(ASSET, lo);
      const r = time(() => react(index, book, down, ASSET, t));
      fallMs.push(r.ms);
      cand = r.value.candidates;
      liq = r.value.liquidatable.length;
      maintainMs.push(time(() => index.maintain(book, down, t)).ms);
      react(index, book, prices, ASSET, t);
      index.maintain(book, prices, t);
    }
    // a second asset moving before `maintain` ran: the stale holders go through the float pre-check
    const staleMs: number[] = [];
    let staleCand = 0;
    for (let i = 0; i < 20; i++) {
      const down = new Map(prices).set(ASSET, lo);
      react(index, book, down, ASSET, t);
      const both = new Map(down).set(1, (prices.get(1)! * 9_999n) / 10_000n);
      const r = time(() => react(index, book, both, 1, t));
      staleMs.push(r.ms);
      staleCand = r.value.candidates;
      react(index, book, prices, 1, t);
      react(index, book, prices, ASSET, t);
      index.maintain(book, prices, t);
    }

    console.log(
      `band ${bandBps} bps: rebuild ${f2(rbBest.ms)} ms [cpu ${f2(rbBest.cpu)}] (${index.size} accounts indexed); ` +
        `range query ${f2((q.ms * 1000) / qn)} us (${q.value} keys); ` +
        `react p50 ${f2(pct(fallMs, 0.5))} ms, p99 ${f2(pct(fallMs, 0.99))} ms (${cand} candidates, ${liq} liquidatable); ` +
        `re-index after the fall p50 ${f2(pct(maintainMs, 0.5))} ms; ` +
        `WBTC -0.01% before that re-index: react p50 ${f2(pct(staleMs, 0.5))} ms (${staleCand} candidates)`,
    );
  }
}

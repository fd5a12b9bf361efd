/**
 * `keeper stress --shock WETH=-30%,WBTC=-20%`: the accounts a price shock makes liquidatable, what the
 * first liquidation of each would repay and seize, and the bad debt left once keepers have liquidated as
 * far as they can, all from the event-built twin (keeper/src/risk/stress.ts). No transaction is sent.
 *
 * A shock is `ASSET=CHANGE`, ASSET a symbol or an asset id, CHANGE one of
 * - a signed percentage: `-30%`, `+12.5%` (up to 4 decimals);
 * - a factor: `0.7x` (up to 6 decimals);
 * - an absolute USD price: `1500` or `1500.25`.
 * Shocked prices are rounded down to the asset's feed grid (10^(18 - feedDecimals) WAD), so they are
 * prices the feed can print and setting them on the feeds reproduces the table.
 */
import { Option, type Command } from "commander";
import { usdToWad } from "../config/schema.ts";
import type { AssetSymbols } from "../chain/assetSymbols.ts";
import type { AccountBook } from "../book/accountBook.ts";
import { SHOCK_PPM, shockPrices, stressBook, type PriceShock, type StressResult, type StressRow, type CascadeEnd } from "../risk/stress.ts";
import { healthFactor, table, wad } from "./format.ts";
import { changePpm, ppmPercent, price, units } from "./riskFormat.ts";
import { feedStep, openRiskContext, parseAt, parsePairs, toJson, type CommandKit } from "./commandKit.ts";
import { InputError } from "./inputError.ts";

const EXAMPLE = "WETH=-30%, WETH=0.7x or WETH=1500";

/** Parses `--shock` (see the module comment) into shocks; every mistake is a one-line InputError. */
export function parseShocks(text: string, symbols: AssetSymbols): PriceShock[] {
  const seen = new Set<number>();
  return parsePairs("--shock", text, EXAMPLE).map(([name, value]) => {
    let asset: number;
    try {
      asset = symbols.resolve(name);
    } catch (e) {
      throw new InputError(`--shock: ${(e as Error).message}`);
    }
    const sym = symbols.symbol(asset);
    if (seen.has(asset)) throw new InputError(`--shock: ${sym} is shocked twice`);
    seen.add(asset);
    const v = value.replace(/\s+/g, "");
    if (v.endsWith("%")) {
      const m = /^([+-])(\d{1,9})(?:\.(\d{1,4}))?%$/.exec(v);
      if (m === null) {
        if (/^\d+(\.\d+)?%$/.test(v)) throw new InputError(`--shock ${sym}=${value}: give the direction, -${v} for a fall or +${v} for a rise`);
        throw new InputError(`--shock ${sym}=${value}: malformed percentage, expected a signed one like -30% or +12.5% (at most 4 decimals)`);
      }
      const bp4 = BigInt(m[2]!) * 10_000n + BigInt((m[3] ?? "").padEnd(4, "0")); // percent * 1e4 = ppm of the price
      const ppm = m[1] === "-" ? SHOCK_PPM - bp4 : SHOCK_PPM + bp4;
      if (ppm <= 0n) throw new InputError(`--shock ${sym}=${value}: a fall of 100% or more leaves a price <= 0`);
      return { asset, kind: "relative", ppm };
    }
    if (/x$/i.test(v) || /^x/i.test(v)) {
      const m = /^(?:x(\d{1,9}(?:\.\d{1,6})?)|(\d{1,9}(?:\.\d{1,6})?)x)$/i.exec(v);
      if (m === null) throw new InputError(`--shock ${sym}=${value}: malformed factor, expected one like 0.7x (at most 6 decimals)`);
      const [w = "0", f = ""] = (m[1] ?? m[2]!).split(".");
      const ppm = BigInt(w) * SHOCK_PPM + BigInt(f.padEnd(6, "0"));
      if (ppm <= 0n) throw new InputError(`--shock ${sym}=${value}: the factor must be positive (the price must stay > 0)`);
      return { asset, kind: "relative", ppm };
    }
    const m = /^\$?(\d{1,18}(?:\.\d{1,18})?)$/.exec(v);
    if (m === null) throw new InputError(`--shock ${sym}=${value}: expected a signed percentage, a factor or a USD price (e.g. ${EXAMPLE})`);
    const p = usdToWad(m[1]!);
    if (p <= 0n) throw new InputError(`--shock ${sym}=${value}: the price must be positive`);
    return { asset, kind: "absolute", price: p };
  });
}

/** Each asset's feed grid, from the book's feed decimals. */
export function feedSteps(book: AccountBook): Map<number, bigint> {
  return new Map([...book.assets.values()].map((a) => [a.id, feedStep(a.feedDecimals)]));
}

/** The shocked prices, with a shocked price that rounds to nothing reported as an InputError. */
export function shockedPricesOrFail(book: AccountBook, prices: Map<number, bigint>, shocks: PriceShock[], symbols: AssetSymbols) {
  for (const s of shocks) {
    if (!prices.has(s.asset) && s.kind === "relative") {
      throw new InputError(`--shock ${symbols.symbol(s.asset)}: the asset has no valid price now, give an absolute price instead`);
    }
  }
  try {
    return shockPrices(prices, shocks, feedSteps(book));
  } catch (e) {
    const m = /asset (\d+)/.exec((e as Error).message);
    const who = m ? symbols.symbol(Number(m[1])) : "";
    throw new InputError(`--shock ${who}: the shocked price is not positive on the feed's grid`);
  }
}

const OUTCOME: Record<CascadeEnd, string> = {
  healthy: "healthy after",
  badDebt: "bad debt",
  settled: "settled (dust)",
  stuck: "stuck",
  notLiquidatable: "-",
};

export function renderStress(r: StressResult, book: AccountBook, symbols: AssetSymbols, rows: StressRow[], block: bigint): string {
  const sym = (id: number) => symbols.symbol(id);
  const dec = (id: number) => book.asset(id).decimals;
  const lines: string[] = [];
  lines.push(`shock at block ${block} (timestamp ${r.timestamp}):`);
  for (const [id, p] of [...r.shockedPrices].sort(([a], [b]) => a - b)) {
    const before = r.prices.get(id);
    if (before === undefined || before === p) continue;
    lines.push(`  ${sym(id).padEnd(8)} ${price(before)} -> ${price(p)} (${ppmPercent(changePpm(before, p))})`);
  }
  lines.push("");
  lines.push(
    table(
      ["account", "HF now", "HF shocked", "debt USD", "first repay", "repay USD", "first seize", "seize USD", "liqs", "bad debt USD", "outcome"],
      rows.map((x) => [
        `${x.owner}/${x.subId}${x.group === 0 ? "" : ` g${x.group}`}`,
        healthFactor(x.before.healthFactor),
        healthFactor(x.after.healthFactor),
        wad(x.after.debtValue),
        x.first ? `${units(x.first.repaid, dec(x.first.debtAsset))} ${sym(x.first.debtAsset)}` : "-",
        x.first ? wad(x.first.repaidUsd) : "-",
        x.first ? `${units(x.first.seized, dec(x.first.collateralAsset))} ${sym(x.first.collateralAsset)}` : "-",
        x.first ? wad(x.first.seizedUsd) : "-",
        x.cascade ? String(x.cascade.steps.length) : "-",
        wad(x.badDebtUsd),
        x.cascade ? OUTCOME[x.cascade.end] : x.liquidatableAfter ? "?" : "ok",
      ]),
    ),
  );
  const t = r.totals;
  lines.push("");
  lines.push(
    `${t.accounts} open account(s): ${t.liquidatableBefore} liquidatable before the shock, ${t.liquidatableAfter} after ` +
      `(${t.newlyLiquidatable} newly), holding ${wad(t.liquidatableDebtUsd)} USD of debt`,
  );
  lines.push(`first liquidations: repay ${wad(t.firstRepaidUsd)} USD, seize ${wad(t.firstSeizedUsd)} USD of collateral`);
  lines.push(
    `liquidated as far as possible: ${t.cascadeSteps} liquidation(s) repay ${wad(t.cascadeRepaidUsd)} USD, ` +
      `seize ${wad(t.cascadeSeizedUsd)} USD`,
  );
  const byAsset = [...t.badDebtByAsset]
    .sort(([a], [b]) => a - b)
    .map(([id, v]) => `${units(v.amount, dec(id), 2)} ${sym(id)} = ${wad(v.usd)} USD`);
  lines.push(
    `bad debt: ${wad(t.badDebtUsd)} USD in ${t.withBadDebt} account(s)${byAsset.length ? ` (${byAsset.join("; ")})` : ""}` +
      (t.stuck > 0 ? `; ${t.stuck} account(s) stuck (liquidatable, nothing can be repaid, collateral >= 1 USD)` : ""),
  );
  if (rows.length < (t.liquidatableAfter || 0)) lines.push(`(showing ${rows.length} of ${t.liquidatableAfter} liquidatable account(s); --limit to see more)`);
  return lines.join("\n");
}

export function registerStress(program: Command, kit: CommandKit): void {
  kit
    .withSettings(
      program
        .command("stress")
        .description("accounts a price shock makes liquidatable, their first liquidation and the bad debt left (from the twin)"),
    )
    .requiredOption("--shock <list>", `price shocks, e.g. ${EXAMPLE.replace(/ or /, ", ")} (comma-separated; percentages signed)`)
    .option("--all", "list every open account, not only those liquidatable after the shock")
    .option("--limit <n>", "show at most n accounts", "100")
    .option("--at <time>", "evaluate at this Unix timestamp, or +seconds after the head block (interest, ramps)")
    .addOption(new Option("--json", "print JSON instead of a table"))
    .action((opts: Record<string, unknown>) =>
      kit.guarded(async () => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new InputError(`--limit: expected a positive integer, got ${JSON.stringify(opts.limit)}`);
        const ctx = await openRiskContext(kit, opts);
        const book = ctx.ob.sync.book;
        const shocks = parseShocks(String(opts.shock), ctx.symbols);
        const timestamp = parseAt(opts.at as string | undefined, ctx.ob.headTimestamp);
        const shocked = shockedPricesOrFail(book, ctx.prices, shocks, ctx.symbols);
        for (const acc of book.openAccounts()) {
          for (const a of acc.positions.keys()) {
            if (!shocked.has(a)) throw new InputError(`asset ${ctx.symbols.symbol(a)} has no valid price (feed answer <= 0): give it an absolute --shock price`);
          }
        }
        const result = stressBook(book, ctx.prices, shocked, timestamp);
        const rows = (opts.all === true ? result.rows : result.rows.filter((x) => x.liquidatableAfter)).slice(0, limit);
        if (opts.json === true) {
          process.stdout.write(
            toJson({
              block: ctx.ob.sync.syncedTo,
              timestamp,
              symbols: ctx.symbols.byId,
              prices: result.prices,
              shockedPrices: result.shockedPrices,
              totals: result.totals,
              rows: rows.map((x) => ({ ...x, cascade: x.cascade && { ...x.cascade, positions: undefined } })),
            }) + "\n",
          );
          return;
        }
        process.stdout.write(renderStress(result, book, ctx.symbols, rows, ctx.ob.sync.syncedTo) + "\n");
      }),
    );
}

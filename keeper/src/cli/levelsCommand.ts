/**
 * `keeper levels`: for each account and each asset it holds or owes, the exact price of that asset at
 * which the account becomes liquidatable with every other price fixed (on the asset's feed grid,
 * 10^(18 - feedDecimals) WAD, so a price the feed can print), and the move from the current price; and
 * the account's portfolio drawdown level x*: the smallest market fall at which it becomes liquidatable
 * when every price moves as p * (1 - beta * x), with betas estimated from `--history` files
 * (keeper/src/risk/betas.ts: stablecoins without history 0, other assets without history 1 and a warning).
 * Everything comes from the twin (keeper/src/risk/liquidationLevel.ts) at the head block's timestamp
 * (or `--at`), interest and threshold ramps included.
 */
import type { Command } from "commander";
import type { Address } from "viem";
import type { AccountBook, BookAccount } from "../book/accountBook.ts";
import type { AssetSymbols } from "../chain/assetSymbols.ts";
import {
  assetLiquidationPrice,
  healthWith,
  inputsFromBook,
  portfolioDrawdownLevel,
  PPM,
  type AssetLevel,
  type DrawdownLevel,
} from "../risk/liquidationLevel.ts";
import { levelBetas, type LevelBetas } from "../risk/betas.ts";
import type { PricePoint } from "../risk/priceHistory.ts";
import type { AccountHealth } from "../math/accountHealth.ts";
import { debtAt } from "../math/accountHealth.ts";
import { healthFactor, table } from "./format.ts";
import { ppmPercent, price, units } from "./riskFormat.ts";
import { feedStep, openRiskContext, parseAccount, parseAt, parsePairs, toJson, type CommandKit } from "./commandKit.ts";
import { readHistory } from "./history.ts";
import { InputError } from "./inputError.ts";

export interface LevelLine {
  asset: number;
  symbol: string;
  side: "collateral" | "debt";
  /** collateral balance or debt owed at the timestamp, token units */
  amount: bigint;
  price: bigint;
  /** the feed grid the level lies on */
  step: bigint;
  level: AssetLevel | undefined;
  /** (level - price) / price in ppm, truncated toward zero */
  movePpm: bigint | undefined;
  /** the asset's price at the portfolio drawdown level */
  priceAtDrawdown: bigint | undefined;
}

export interface AccountLevels {
  owner: Address;
  subId: number;
  group: number;
  health: AccountHealth;
  lines: LevelLine[];
  drawdown: DrawdownLevel | undefined;
}

/** Levels of one account at `timestamp` (pure, on the book). */
export function accountLevels(
  book: AccountBook,
  acc: BookAccount,
  prices: Map<number, bigint>,
  timestamp: bigint,
  betasPpm: ReadonlyMap<number, bigint>,
  symbols: AssetSymbols,
): AccountLevels {
  const ids = [...acc.positions.keys()].sort((a, b) => a - b);
  for (const a of ids) {
    if (!prices.has(a)) throw new InputError(`asset ${symbols.symbol(a)} has no valid price (feed answer <= 0): no level can be computed`);
  }
  const inp = inputsFromBook(book, acc, prices, timestamp);
  const steps = ids.map((a) => feedStep(book.asset(a).feedDecimals));
  // one grid for the drawdown's prices: the finest feed grid of the account (all 8-decimal feeds: 1e10)
  const priceStep = steps.reduce((m, s) => (s < m ? s : m), steps[0] ?? 1n);
  const drawdown = portfolioDrawdownLevel(inp, betasPpm, { priceStep });
  const lines = ids.map((asset, i): LevelLine => {
    const pos = acc.positions.get(asset)!;
    const p = prices.get(asset)!;
    const level = assetLiquidationPrice(inp, asset, { step: steps[i]! });
    return {
      asset,
      symbol: symbols.symbol(asset),
      side: pos.isDebt ? "debt" : "collateral",
      amount: pos.isDebt ? debtAt(pos.amount, book.asset(asset), timestamp) : pos.amount,
      price: p,
      step: steps[i]!,
      level,
      movePpm: level === undefined || p === 0n ? undefined : ((level.price - p) * PPM) / p,
      priceAtDrawdown: drawdown?.prices.get(asset),
    };
  });
  return { owner: acc.owner, subId: acc.subId, group: acc.group, health: healthWith(inp), lines, drawdown };
}

function levelText(l: LevelLine): string {
  if (l.level === undefined) return "none";
  if (l.level.atBound) return "any price";
  return price(l.level.price);
}

function drawdownText(a: AccountLevels): string {
  if (a.drawdown === undefined) return "none <= 100%";
  if (a.drawdown.alreadyLiquidatable) return "now";
  return ppmPercent(a.drawdown.xPpm).replace("+", "");
}

export function renderLevels(accounts: AccountLevels[], book: AccountBook): string {
  const rows: string[][] = [];
  for (const a of accounts) {
    a.lines.forEach((l, i) => {
      rows.push([
        i === 0 ? `${a.owner}/${a.subId}${a.group === 0 ? "" : ` g${a.group}`}` : "",
        i === 0 ? healthFactor(a.health.healthFactor) : "",
        l.symbol,
        l.side === "debt" ? "debt" : "coll",
        units(l.amount, book.asset(l.asset).decimals),
        price(l.price),
        levelText(l),
        l.movePpm === undefined || l.level?.atBound === true ? "-" : ppmPercent(l.movePpm),
        i === 0 ? drawdownText(a) : "",
        l.priceAtDrawdown === undefined || a.drawdown?.alreadyLiquidatable === true ? "-" : price(l.priceAtDrawdown),
      ]);
    });
  }
  return table(["account", "health", "asset", "side", "amount", "price", "liq. price", "move", "drawdown x*", "price at x*"], rows);
}

export function registerLevels(program: Command, kit: CommandKit): void {
  kit
    .withSettings(
      program
        .command("levels")
        .description("per account and asset the exact liquidation price, and the portfolio drawdown level with betas from price history"),
    )
    .option("--account <account>", "only this account: 0x<owner>/<subId>, or 0x<owner> for all its sub-accounts")
    .option("--history <list>", "price histories for the betas, e.g. WETH=eth.csv,WBTC=btc.csv (hourly CSV, OHLCV JSON or Chainlink CSV)")
    .option("--factor <asset>", "the market factor of the betas (default: WETH or ETH when it has a history)")
    .option("--chainlink-decimals <n>", "decimals of Chainlink rounds files given to --history", "8")
    .option("--at <time>", "evaluate at this Unix timestamp, or +seconds after the head block (interest, ramps)")
    .option("--limit <n>", "show at most n accounts (lowest health first)", "50")
    .option("--json", "print JSON instead of a table")
    .action((opts: Record<string, unknown>) =>
      kit.guarded(async () => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new InputError(`--limit: expected a positive integer, got ${JSON.stringify(opts.limit)}`);
        const decimals = Number(opts.chainlinkDecimals);
        if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) throw new InputError("--chainlink-decimals: expected an integer in 0..36");
        const filter = typeof opts.account === "string" ? parseAccount(opts.account) : undefined;
        const historyArg = typeof opts.history === "string" ? parsePairs("--history", opts.history, "WETH=eth.csv,WBTC=btc.csv") : [];
        // read the files before touching the chain, so a bad path fails fast
        const files = historyArg.map(([name, file]) => ({ name, h: readHistory(file, { decimals, flag: `--history ${name}` }) }));

        const ctx = await openRiskContext(kit, opts);
        const book = ctx.ob.sync.book;
        const timestamp = parseAt(opts.at as string | undefined, ctx.ob.headTimestamp);
        const histories = new Map<number, PricePoint[]>();
        for (const { name, h } of files) {
          const id = ctx.symbols.resolve(name);
          if (histories.has(id)) throw new InputError(`--history: two files for ${ctx.symbols.symbol(id)}`);
          histories.set(id, h.series);
        }
        const factor = typeof opts.factor === "string" ? ctx.symbols.resolve(opts.factor) : undefined;
        if (factor !== undefined && histories.size > 0 && !histories.has(factor)) {
          throw new InputError(`--factor ${ctx.symbols.symbol(factor)} needs a --history file for it`);
        }

        let accounts = [...book.openAccounts()].filter(
          (a) =>
            filter === undefined ||
            (a.owner.toLowerCase() === filter.owner.toLowerCase() && (filter.subId === undefined || a.subId === filter.subId)),
        );
        if (filter !== undefined && accounts.length === 0) {
          throw new InputError(`--account ${opts.account as string}: no open account in the book`);
        }
        const hf = (a: BookAccount) => book.health(a.owner, a.subId, ctx.prices, timestamp).healthFactor;
        accounts = accounts
          .map((a) => ({ a, h: hf(a) }))
          .sort((x, y) => (x.h < y.h ? -1 : x.h > y.h ? 1 : 0))
          .slice(0, limit)
          .map((x) => x.a);
        const held = new Map<number, string>();
        for (const a of accounts) for (const id of a.positions.keys()) held.set(id, ctx.symbols.symbol(id));
        for (const id of histories.keys()) held.set(id, ctx.symbols.symbol(id));
        let betas: LevelBetas;
        try {
          betas = levelBetas(held, histories, factor);
        } catch (e) {
          if (e instanceof RangeError) throw new InputError(`--history: ${e.message}`);
          throw e;
        }
        const levels = accounts.map((a) => accountLevels(book, a, ctx.prices, timestamp, betas.betasPpm, ctx.symbols));
        if (opts.json === true) {
          process.stdout.write(
            toJson({
              block: ctx.ob.sync.syncedTo,
              timestamp,
              betasPpm: new Map([...betas.betasPpm].map(([id, b]) => [ctx.symbols.symbol(id), b])),
              betaSources: new Map([...betas.sources].map(([id, s]) => [ctx.symbols.symbol(id), s])),
              notes: betas.notes,
              warnings: betas.warnings,
              accounts: levels,
            }) + "\n",
          );
          return;
        }
        const betaText = [...betas.betasPpm]
          .sort(([a], [b]) => a - b)
          .map(([id, b]) => `${ctx.symbols.symbol(id)} ${(Number(b) / 1e6).toFixed(2)}${betas.sources.get(id) === "history" ? "" : betas.sources.get(id) === "stablecoin" ? " (stable)" : " (assumed)"}`)
          .join(", ");
        const out = [
          `levels at block ${ctx.ob.sync.syncedTo} (timestamp ${timestamp}); prices on each feed's grid`,
          `betas: ${betaText}`,
          ...betas.notes.map((n) => `note: ${n}`),
          ...betas.warnings.map((w) => `warning: ${w}`),
          "",
          renderLevels(levels, book),
          "",
          `${levels.length} account(s). liq. price: the asset's price at which the account becomes liquidatable, others fixed ` +
            `("none": no price of it alone does, "any price": liquidatable whatever it is); move: from the current price; ` +
            `drawdown x*: the market fall (p * (1 - beta * x)) at which it becomes liquidatable.`,
        ];
        process.stdout.write(out.join("\n") + "\n");
      }),
    );
}

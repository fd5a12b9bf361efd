/**
 * Parsers for the price histories the risk calibration reads (see shared/data/README.md), each into a
 * `PricePoint[]` sorted by time. They parse a string the caller read; no I/O here. Floats are fine: these
 * series feed statistics, never a money path.
 *
 * - `parseHourlyUsdCsv`: bhemen_aave_data/usd_prices/<SYM>_usd.csv, `symbol,timestamp,USD_price` with the
 *   timestamp in Unix milliseconds (CoinGecko, about hourly).
 * - `parseCoinApiOhlcv`: stablesims/feeds/eth/MM-DD-YYYY.json, a JSON array of CoinAPI OHLCV bars.
 * - `parseChainlinkRounds`: chainlink_rounds_ape_fetcher/<proxy>.csv, `,round,answer,start,update,answeredInRound`
 *   with rows newest first and the answer as a raw integer with the feed's decimals.
 *
 * Malformed input throws a `PriceFileError` naming the source and the position (`file:line` for CSV,
 * `file[index]` for JSON): a bad header, a missing or non-numeric field, a zero or negative price, or rows
 * out of order. Duplicate timestamps throw too unless `duplicates: "keepLast"` (the later row wins);
 * the Chainlink parser keeps the later round by default (see there).
 */

/** One observation: `t` in Unix seconds (fractional when the source has milliseconds), `price` > 0. */
export interface PricePoint {
  t: number;
  price: number;
}

export class PriceFileError extends Error {
  override name = "PriceFileError";
  /** e.g. "WETH_usd.csv:17" or "05-19-2021.json[3]" */
  readonly position: string;
  constructor(position: string, message: string) {
    super(`${position}: ${message}`);
    this.position = position;
  }
}

export interface ParseOptions {
  /** name used in error messages (default "input") */
  source?: string;
  /** what to do with two rows at the same timestamp: throw (default) or keep the later row */
  duplicates?: "error" | "keepLast";
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function finitePositive(raw: string | undefined, where: string, what: string): number {
  const s = (raw ?? "").trim();
  const v = s === "" ? Number.NaN : Number(s);
  if (!Number.isFinite(v)) throw new PriceFileError(where, `${what} is not a number: ${JSON.stringify(raw ?? "")}`);
  if (v <= 0) throw new PriceFileError(where, `${what} must be positive, got ${s}`);
  return v;
}

/** Push `p` after `out`'s last point: strictly later, or (same time) replace it when duplicates are kept. */
function pushOrdered(out: PricePoint[], p: PricePoint, where: string, duplicates: "error" | "keepLast"): void {
  const last = out[out.length - 1];
  if (last !== undefined) {
    if (p.t < last.t) throw new PriceFileError(where, `timestamp ${p.t} is before the previous row's ${last.t} (rows must be sorted)`);
    if (p.t === last.t) {
      if (duplicates === "error") throw new PriceFileError(where, `duplicate timestamp ${p.t}`);
      out[out.length - 1] = p;
      return;
    }
  }
  out.push(p);
}

/**
 * bhemen_aave_data hourly USD prices: header exactly `symbol,timestamp,USD_price`; every row has the same
 * symbol (or `symbol` when given), an integer millisecond timestamp strictly after the previous row's, and
 * a positive price. Blank lines are not allowed except at the very end.
 */
export function parseHourlyUsdCsv(text: string, opts: ParseOptions & { symbol?: string } = {}): PricePoint[] {
  const source = opts.source ?? "input";
  const duplicates = opts.duplicates ?? "error";
  const lines = splitLines(text);
  const header = lines[0]?.trim();
  if (header !== "symbol,timestamp,USD_price") {
    throw new PriceFileError(`${source}:1`, `bad header ${JSON.stringify(header ?? "")}, expected "symbol,timestamp,USD_price"`);
  }
  let symbol = opts.symbol;
  const out: PricePoint[] = [];
  for (let i = 1; i < lines.length; i++) {
    const where = `${source}:${i + 1}`;
    const fields = (lines[i] ?? "").split(",");
    if (fields.length !== 3) throw new PriceFileError(where, `expected 3 fields, got ${fields.length}`);
    const [sym, ts, px] = fields as [string, string, string];
    if (symbol === undefined) symbol = sym;
    else if (sym !== symbol) throw new PriceFileError(where, `symbol ${JSON.stringify(sym)}, expected ${JSON.stringify(symbol)}`);
    if (!/^\d+$/.test(ts.trim())) throw new PriceFileError(where, `timestamp is not an integer of milliseconds: ${JSON.stringify(ts)}`);
    const ms = Number(ts.trim());
    if (ms <= 0) throw new PriceFileError(where, `timestamp must be positive, got ${ts}`);
    pushOrdered(out, { t: ms / 1000, price: finitePositive(px, where, "USD_price") }, where, duplicates);
  }
  return out;
}

/** Which price of a CoinAPI bar to take, and its time: `open` at the bar's start, the others at its end. */
export type OhlcvField = "open" | "high" | "low" | "close";

function isoSeconds(raw: unknown, where: string, what: string): number {
  if (typeof raw !== "string") throw new PriceFileError(where, `${what} is not a string`);
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw new PriceFileError(where, `${what} is not an ISO time: ${JSON.stringify(raw)}`);
  return ms / 1000;
}

/**
 * CoinAPI OHLCV bars (a JSON array of objects with `time_period_start`, `time_period_end` and
 * `price_open/high/low/close`). The point's time is the bar's end (its start for `open`); default field
 * `close`. Bars must be in time order; `high`/`low` are stamped at the bar's end because the time of the
 * extreme inside the bar is unknown. The 09-05-2020 file repeats one bar three times: parse it with
 * `duplicates: "keepLast"`.
 */
export function parseCoinApiOhlcv(text: string, opts: ParseOptions & { field?: OhlcvField } = {}): PricePoint[] {
  const source = opts.source ?? "input";
  const field = opts.field ?? "close";
  const duplicates = opts.duplicates ?? "error";
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new PriceFileError(source, `not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new PriceFileError(source, "expected a JSON array of OHLCV bars");
  const out: PricePoint[] = [];
  for (const [i, bar] of data.entries()) {
    const where = `${source}[${i}]`;
    if (bar === null || typeof bar !== "object") throw new PriceFileError(where, "bar is not an object");
    const b = bar as Record<string, unknown>;
    const start = isoSeconds(b.time_period_start, where, "time_period_start");
    const end = isoSeconds(b.time_period_end, where, "time_period_end");
    if (end <= start) throw new PriceFileError(where, "time_period_end is not after time_period_start");
    const raw = b[`price_${field}`];
    if (typeof raw !== "number") throw new PriceFileError(where, `price_${field} is not a number: ${JSON.stringify(raw)}`);
    const price = finitePositive(String(raw), where, `price_${field}`);
    pushOrdered(out, { t: field === "open" ? start : end, price }, where, duplicates);
  }
  return out;
}

/**
 * Chainlink rounds as ape-chainlink-fetcher wrote them: header `,round,answer,start,update,answeredInRound`
 * (the first column is a pandas index), one row per round, in strictly monotone round order (the files run
 * newest first; ascending is accepted too). The point is (`update` = updatedAt, answer / 10^decimals), sorted
 * by round ascending.
 * - A round with answer 0 and updatedAt 0 is an empty round (what getRoundData returns for a round that
 *   holds nothing, e.g. the phase's round 0 at the end of the ETH/USD file) and is skipped; any other
 *   non-positive answer or zero updatedAt throws.
 * - updatedAt must not decrease as the round grows. Two rounds updated in the same second are not malformed
 *   (five such pairs exist in the ETH/USD file): by default the later round is kept, as `latestRoundData`
 *   would report it; `duplicates: "error"` throws instead.
 */
export function parseChainlinkRounds(
  text: string,
  opts: ParseOptions & { decimals: number },
): PricePoint[] {
  const source = opts.source ?? "input";
  const duplicates = opts.duplicates ?? "keepLast";
  if (!Number.isInteger(opts.decimals) || opts.decimals < 0 || opts.decimals > 36) {
    throw new RangeError(`parseChainlinkRounds: decimals must be an integer in 0..36, got ${opts.decimals}`);
  }
  const lines = splitLines(text);
  const header = lines[0]?.trim();
  if (header !== ",round,answer,start,update,answeredInRound") {
    throw new PriceFileError(
      `${source}:1`,
      `bad header ${JSON.stringify(header ?? "")}, expected ",round,answer,start,update,answeredInRound"`,
    );
  }
  const rows: { round: bigint; answer: bigint; updatedAt: bigint; where: string }[] = [];
  let direction: 1 | -1 | undefined;
  const int = (raw: string | undefined, where: string, what: string, signed = false): bigint => {
    const s = (raw ?? "").trim();
    if (!(signed ? /^-?\d+$/ : /^\d+$/).test(s)) throw new PriceFileError(where, `${what} is not an integer: ${JSON.stringify(raw ?? "")}`);
    return BigInt(s);
  };
  for (let i = 1; i < lines.length; i++) {
    const where = `${source}:${i + 1}`;
    const f = (lines[i] ?? "").split(",");
    if (f.length !== 6) throw new PriceFileError(where, `expected 6 fields, got ${f.length}`);
    const round = int(f[1], where, "round");
    const answer = int(f[2], where, "answer", true);
    const updatedAt = int(f[4], where, "update");
    const prev = rows[rows.length - 1];
    if (prev !== undefined) {
      if (round === prev.round) throw new PriceFileError(where, `duplicate round ${round}`);
      const dir = round > prev.round ? 1 : -1;
      if (direction === undefined) direction = dir;
      else if (dir !== direction) {
        throw new PriceFileError(where, `round ${round} breaks the ${direction === 1 ? "ascending" : "descending"} round order`);
      }
    }
    rows.push({ round, answer, updatedAt, where });
  }
  if (direction === -1) rows.reverse();
  const scale = 10 ** opts.decimals;
  const out: PricePoint[] = [];
  let lastUpdatedAt = -1n;
  for (const r of rows) {
    if (r.answer === 0n && r.updatedAt === 0n) continue; // an empty round
    if (r.answer <= 0n) throw new PriceFileError(r.where, `answer must be positive, got ${r.answer}`);
    if (r.updatedAt === 0n) throw new PriceFileError(r.where, "updatedAt is 0 for a round with an answer");
    if (r.updatedAt < lastUpdatedAt) {
      throw new PriceFileError(r.where, `updatedAt ${r.updatedAt} is before the previous round's ${lastUpdatedAt}`);
    }
    lastUpdatedAt = r.updatedAt;
    pushOrdered(out, { t: Number(r.updatedAt), price: Number(r.answer) / scale }, r.where, duplicates);
  }
  return out;
}

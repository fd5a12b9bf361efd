/**
 * Reads a price-history file for the risk commands: the format is given or detected from the content
 * (a JSON array: CoinAPI OHLCV; header `symbol,timestamp,USD_price`: hourly USD CSV; header
 * `,round,answer,...`: Chainlink rounds, with `decimals`). Files are read in place. A missing file, a
 * parse error or a series too short for statistics is an InputError naming the file.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import {
  PriceFileError,
  parseChainlinkRounds,
  parseCoinApiOhlcv,
  parseHourlyUsdCsv,
  type PricePoint,
} from "../risk/priceHistory.ts";
import { InputError } from "./inputError.ts";

export const HISTORY_FORMATS = ["csv", "ohlcv", "chainlink"] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

export interface History {
  file: string;
  format: HistoryFormat;
  series: PricePoint[];
}

/** The format of a price file from its first characters, or undefined. */
export function detectFormat(text: string): HistoryFormat | undefined {
  const head = text.trimStart();
  if (head.startsWith("[")) return "ohlcv";
  const first = head.split(/\r?\n/, 1)[0]?.trim();
  if (first === "symbol,timestamp,USD_price") return "csv";
  if (first === ",round,answer,start,update,answeredInRound") return "chainlink";
  return undefined;
}

export function readHistory(file: string, opts: { format?: HistoryFormat; decimals?: number; flag?: string } = {}): History {
  const flag = opts.flag ?? "--history";
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`${flag}: no such file ${file}`);
  const text = readFileSync(file, "utf8");
  const format = opts.format ?? detectFormat(text);
  if (format === undefined) {
    throw new InputError(
      `${flag} ${file}: unknown format (expected an hourly USD CSV, a CoinAPI OHLCV JSON array or Chainlink rounds CSV); give --format`,
    );
  }
  const source = file;
  let series: PricePoint[];
  try {
    series =
      format === "csv"
        ? parseHourlyUsdCsv(text, { source })
        : format === "ohlcv"
          ? parseCoinApiOhlcv(text, { source, duplicates: "keepLast" })
          : parseChainlinkRounds(text, { source, decimals: opts.decimals ?? 8 });
  } catch (e) {
    if (e instanceof PriceFileError) throw new InputError(`${flag}: ${e.message}`);
    throw e;
  }
  if (series.length < 3) throw new InputError(`${flag} ${file}: ${series.length} price(s), too few for statistics`);
  return { file, format, series };
}

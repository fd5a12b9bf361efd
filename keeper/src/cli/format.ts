/** Number formatting for tables: bigint WADs to fixed decimals without floats. */
import { formatUnits } from "viem";

const MAX_UINT256 = (1n << 256n) - 1n;

/** A WAD as a decimal string with `digits` decimals (truncated). */
export function wad(value: bigint, digits = 2): string {
  const s = formatUnits(value, 18);
  const [w, f = ""] = s.split(".");
  return digits === 0 ? (w ?? "0") : `${w}.${f.padEnd(digits, "0").slice(0, digits)}`;
}

export function healthFactor(hf: bigint): string {
  return hf === MAX_UINT256 ? "inf" : wad(hf, 4);
}

/** Pad a table of strings into aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Number formatting of the risk commands, bigint to text without floats (on top of format.ts). */
import { formatUnits } from "viem";
import { wad } from "./format.ts";

/** A token amount with `digits` decimals (truncated), e.g. units(1234567n, 6) = "1.2345". */
export function units(amount: bigint, decimals: number, digits = 4): string {
  const neg = amount < 0n;
  const s = formatUnits(neg ? -amount : amount, decimals);
  const [w, f = ""] = s.split(".");
  const out = digits === 0 ? (w ?? "0") : `${w}.${f.padEnd(digits, "0").slice(0, digits)}`;
  return neg ? `-${out}` : out;
}

/** A USD WAD price with decimals that suit its size (2 from 1000 up, 4 from 1, else 8). */
export function price(p: bigint): string {
  const digits = p >= 1000n * 10n ** 18n ? 2 : p >= 10n ** 18n ? 4 : 8;
  return wad(p, digits);
}

/** A signed ppm as a percentage with 2 decimals, e.g. -300000 -> "-30.00%" (truncated toward zero). */
export function ppmPercent(ppm: bigint): string {
  const neg = ppm < 0n;
  const a = neg ? -ppm : ppm;
  const hundredths = a / 100n;
  const s = `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}%`;
  return neg ? `-${s}` : ppm > 0n ? `+${s}` : s;
}

/** (to - from) / from in ppm, truncated toward zero (0 when from is 0). */
export function changePpm(from: bigint, to: bigint): bigint {
  return from === 0n ? 0n : ((to - from) * 1_000_000n) / from;
}

/** A float fraction as a percentage with `digits` decimals (statistics only). */
export function percent(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** A Unix time in seconds as "YYYY-MM-DD HH:MM" UTC. */
export function utc(t: number | bigint): string {
  return new Date(Number(t) * 1000).toISOString().slice(0, 16).replace("T", " ");
}

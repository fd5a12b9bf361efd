/**
 * Gas in money terms, in bigint only: the USD price of the chain's gas token (an explicit input, never a
 * default), the USD cost of a gas amount at a fee per gas (rounded up: a cost), and a USD amount as wei of
 * the gas token (rounded down: a budget). The gas token has 18 decimals (1 token = 1e18 wei).
 */
import { WAD, mulDivDown, mulDivUp } from "../math/fullMath.ts";
import type { Prices } from "../math/accountHealth.ts";

/** Where the gas token's USD price comes from: a listed asset's oracle price (WETH on mainnet) or a fixed value. */
export type NativePriceSource = { kind: "asset"; asset: number } | { kind: "fixed"; usdWad: bigint };

export class GasPriceError extends Error {
  override name = "GasPriceError";
}

/** USD WAD per whole gas token; throws GasPriceError when the source has no positive price. */
export function nativeUsdPriceFrom(source: NativePriceSource, prices: Prices): bigint {
  const p = source.kind === "fixed" ? source.usdWad : prices.get(source.asset);
  if (p === undefined || p <= 0n) {
    const what = source.kind === "fixed" ? "the fixed gas-token price" : `asset ${source.asset}'s price`;
    throw new GasPriceError(`${what} is ${p ?? "missing"}: the gas token needs a positive USD price to weigh gas against profit`);
  }
  return p;
}

/** ceil(gasUnits * feePerGas * nativeUsdPrice / 1e18): USD WAD that `gasUnits` cost at `feePerGas` wei. */
export function gasCostUsdUp(gasUnits: bigint, feePerGas: bigint, nativeUsdPrice: bigint): bigint {
  return mulDivUp(gasUnits * feePerGas, nativeUsdPrice, WAD);
}

/** floor(usd * 1e18 / nativeUsdPrice): wei of the gas token worth at most `usd` (0 for a non-positive amount). */
export function usdToWeiDown(usd: bigint, nativeUsdPrice: bigint): bigint {
  if (usd <= 0n) return 0n;
  return mulDivDown(usd, WAD, nativeUsdPrice);
}

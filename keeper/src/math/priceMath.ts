/** The keeper's twin of contracts/libraries/PriceMath.sol: feed answers to USD WAD prices. Pure bigint. */

/** The WAD price of a positive feed answer with `feedDecimals` decimals: answer * 10^(18-d), or floored division. */
export function toWad(answer: bigint, feedDecimals: number | bigint): bigint {
  const d = BigInt(feedDecimals);
  if (d <= 18n) return answer * 10n ** (18n - d);
  return answer / 10n ** (d - 18n);
}

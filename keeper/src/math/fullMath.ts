/** Integer division helpers with explicit rounding, the bigint counterparts of OpenZeppelin's Math.mulDiv. */

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
export const MAX_UINT256 = (1n << 256n) - 1n;

/** floor(a * b / c). bigint is arbitrary precision, so no intermediate overflow exists to handle. */
export function mulDivDown(a: bigint, b: bigint, c: bigint): bigint {
  if (c === 0n) throw new RangeError("mulDivDown: division by zero");
  return (a * b) / c;
}

/** ceil(a * b / c) for non-negative operands. */
export function mulDivUp(a: bigint, b: bigint, c: bigint): bigint {
  if (c === 0n) throw new RangeError("mulDivUp: division by zero");
  const p = a * b;
  const q = p / c;
  return q * c === p ? q : q + 1n;
}

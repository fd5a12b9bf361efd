/**
 * The keeper's twin of contracts/libraries/InterestMath.sol: same functions, same names, same rounding,
 * pure bigint with no I/O. With the interest clock an asset publishes in `InterestAccrued`
 * (borrowIndex, ratePerSecond, timestamp) it gives any debt at any later timestamp, and with the totals it
 * gives the supply index and reserves the vault's views report.
 */
import { BPS, WAD, mulDivDown, mulDivUp } from "./fullMath.ts";

/** borrowIndex + floor(borrowIndex * ratePerSecond * dt / WAD). `dt` must not be negative (the vault underflows). */
export function borrowIndexAt(borrowIndex: bigint, ratePerSecond: bigint, dt: bigint): bigint {
  if (dt < 0n) throw new RangeError(`borrowIndexAt: negative dt ${dt}`);
  return borrowIndex + mulDivDown(borrowIndex, ratePerSecond * dt, WAD);
}

/** ceil(shares * index / WAD): what a debt of `shares` owes at `index`. */
export function debtUp(shares: bigint, index: bigint): bigint {
  return mulDivUp(shares, index, WAD);
}

/** floor(shares * index / WAD): what a supply of `shares` is worth at `index`. */
export function supplyDown(shares: bigint, index: bigint): bigint {
  return mulDivDown(shares, index, WAD);
}

/** An asset's interest state: what accrual reads and writes (see the Solidity struct). */
export interface Accrual {
  borrowIndex: bigint;
  supplyIndex: bigint;
  reserves: bigint;
  ratePerSecond: bigint;
  totalBorrowShares: bigint;
  totalSupplyShares: bigint;
  reserveFactor: bigint;
}

/**
 * Indices and reserves after `dt` seconds at the stored rate. The Solidity function updates its memory
 * struct in place; this one returns the updated copy and leaves `a` untouched.
 */
export function accrue(a: Readonly<Accrual>, dt: bigint): Accrual {
  const out: Accrual = { ...a };
  const oldIndex = a.borrowIndex;
  out.borrowIndex = borrowIndexAt(oldIndex, a.ratePerSecond, dt);
  if (out.borrowIndex === oldIndex || a.totalBorrowShares === 0n) return out;
  const interest = debtUp(a.totalBorrowShares, out.borrowIndex) - debtUp(a.totalBorrowShares, oldIndex);
  let toReserves = (interest * a.reserveFactor) / BPS;
  if (a.totalSupplyShares === 0n) {
    toReserves = interest;
  } else {
    out.supplyIndex += mulDivDown(interest - toReserves, WAD, a.totalSupplyShares);
  }
  out.reserves += toReserves;
  return out;
}

/**
 * The kinked utilisation rate per second (WAD): base + slope1 * U / kink below the kink, plus
 * slope2 * (U - kink) / (WAD - kink) above it, with U = borrows / (borrows + cash).
 */
export function ratePerSecond(
  borrows: bigint,
  cash: bigint,
  baseRate: bigint,
  slope1: bigint,
  slope2: bigint,
  kink: bigint,
): bigint {
  if (borrows === 0n) return baseRate;
  const u = mulDivDown(borrows, WAD, borrows + cash);
  if (u <= kink) return baseRate + mulDivDown(slope1, u, kink);
  return baseRate + slope1 + mulDivDown(slope2, u - kink, WAD - kink);
}

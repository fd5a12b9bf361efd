/**
 * EIP-1559 fees in wei, bigint only.
 *
 * First send: maxFeePerGas = min(cap, 2 * baseFee + tip, budget / gas), maxPriorityFeePerGas = tip. Twice
 * the base fee keeps the transaction includable through six full blocks of base-fee rises (12.5 % each);
 * the budget bound means that even paying maxFeePerGas on every unit of gas never costs more than the
 * plan's budget. Refused when that leaves less than baseFee + tip.
 *
 * Replacement (same nonce): both fields raised by at least 12.5 %, rounded up (nodes want 10 %, some
 * 12.5 %), and maxFeePerGas at least 2 * the current base fee + the raised tip; if that is above the cap or
 * the budget, the limit is used when it still beats the old fees by 12.5 %, else the bump is refused.
 */
import { BPS } from "../math/fullMath.ts";

export interface Eip1559Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** The least raise of both fees for a replacement: 12.5 %. */
export const MIN_BUMP_BPS = 1_250n;

export interface FeeLimits {
  /** the configured ceiling of maxFeePerGas */
  maxFeeCap: bigint;
  /** gas the transaction is expected to use */
  gasUnits: bigint;
  /** the most the transaction may cost in gas, wei (plan.gasBudgetWei) */
  budgetWei: bigint;
}

export type FeeQuote =
  | { ok: true; fees: Eip1559Fees }
  | { ok: false; reason: "cap" | "budget"; limit: bigint; needed: bigint };

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** The highest maxFeePerGas the limits allow, and which one binds. */
export function feeCeiling(limits: FeeLimits): { limit: bigint; by: "cap" | "budget" } {
  if (limits.gasUnits <= 0n) throw new RangeError(`gasUnits must be positive, got ${limits.gasUnits}`);
  const byBudget = limits.budgetWei / limits.gasUnits;
  return byBudget < limits.maxFeeCap ? { limit: byBudget, by: "budget" } : { limit: limits.maxFeeCap, by: "cap" };
}

/** Fees for a first send. */
export function initialFees(baseFeePerGas: bigint, priorityFeePerGas: bigint, limits: FeeLimits): FeeQuote {
  const ceiling = feeCeiling(limits);
  const maxFeePerGas = min(ceiling.limit, 2n * baseFeePerGas + priorityFeePerGas);
  const needed = baseFeePerGas + priorityFeePerGas;
  if (maxFeePerGas < needed) return { ok: false, reason: ceiling.by, limit: ceiling.limit, needed };
  return { ok: true, fees: { maxFeePerGas, maxPriorityFeePerGas: priorityFeePerGas } };
}

/** `fee` raised by `bps`, rounded up. */
export function bumped(fee: bigint, bps: bigint = MIN_BUMP_BPS): bigint {
  return ceilDiv(fee * (BPS + bps), BPS);
}

/** Fees for a replacement of a transaction sent with `prev`. */
export function bumpFees(
  prev: Eip1559Fees,
  baseFeePerGas: bigint,
  limits: FeeLimits,
  bumpBps: bigint = MIN_BUMP_BPS,
): FeeQuote {
  if (bumpBps < MIN_BUMP_BPS) throw new RangeError(`a replacement raises fees by at least ${MIN_BUMP_BPS} bps, got ${bumpBps}`);
  const tip = bumped(prev.maxPriorityFeePerGas, bumpBps);
  const least = max(bumped(prev.maxFeePerGas, bumpBps), tip);
  const wanted = max(least, 2n * baseFeePerGas + tip);
  const ceiling = feeCeiling(limits);
  if (least > ceiling.limit) return { ok: false, reason: ceiling.by, limit: ceiling.limit, needed: least };
  return { ok: true, fees: { maxFeePerGas: min(wanted, ceiling.limit), maxPriorityFeePerGas: tip } };
}

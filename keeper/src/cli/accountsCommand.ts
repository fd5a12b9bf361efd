/**
 * `keeper accounts`: every open account with its health factor and its distance to liquidation, from the
 * event-built book (no per-account reads). Distance is the uniform fall of all collateral prices, debts
 * fixed, that brings health to 1: 1 - 1/HF (exact without size tiers; with them a lower bound).
 */
import type { Address } from "viem";
import type { AccountBook } from "../book/accountBook.ts";
import type { Prices } from "../math/accountHealth.ts";
import { WAD, MAX_UINT256 } from "../math/fullMath.ts";
import { healthFactor, table, wad } from "./format.ts";

export interface AccountRow {
  owner: Address;
  subId: number;
  group: number;
  collateralValue: bigint;
  debtValue: bigint;
  healthFactor: bigint;
  /** bps of uniform collateral price fall to liquidation (0 when liquidatable; 10000 with no debt) */
  distanceBps: bigint;
  liquidatable: boolean;
}

export const SORT_KEYS = ["health", "debt", "collateral", "distance"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export function accountRows(book: AccountBook, prices: Prices, timestamp: bigint): AccountRow[] {
  const rows: AccountRow[] = [];
  for (const acc of book.openAccounts()) {
    const h = book.health(acc.owner, acc.subId, prices, timestamp);
    const liquidatable = h.debtValue > 0n && h.healthFactor < WAD;
    const distanceBps =
      h.healthFactor === MAX_UINT256 ? 10_000n : liquidatable ? 0n : ((h.healthFactor - WAD) * 10_000n) / h.healthFactor;
    rows.push({
      owner: acc.owner,
      subId: acc.subId,
      group: acc.group,
      collateralValue: h.collateralValue,
      debtValue: h.debtValue,
      healthFactor: h.healthFactor,
      distanceBps,
      liquidatable,
    });
  }
  return rows;
}

export function sortRows(rows: AccountRow[], key: SortKey, descending: boolean): AccountRow[] {
  const pick = (r: AccountRow): bigint =>
    key === "health" ? r.healthFactor : key === "debt" ? r.debtValue : key === "collateral" ? r.collateralValue : r.distanceBps;
  const sorted = [...rows].sort((a, b) => (pick(a) < pick(b) ? -1 : pick(a) > pick(b) ? 1 : 0));
  return descending ? sorted.reverse() : sorted;
}

export function renderAccounts(rows: AccountRow[]): string {
  return table(
    ["account", "group", "collateral USD", "debt USD", "health", "to liq.", "status"],
    rows.map((r) => [
      `${r.owner}/${r.subId}`,
      r.group === 0 ? "-" : String(r.group),
      wad(r.collateralValue),
      wad(r.debtValue),
      healthFactor(r.healthFactor),
      `${(Number(r.distanceBps) / 100).toFixed(2)}%`,
      r.liquidatable ? "LIQUIDATABLE" : "ok",
    ]),
  );
}

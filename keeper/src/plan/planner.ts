/**
 * The liquidation planner: for one account, which debt to repay, which collateral to take and how much,
 * so that profit after gas is the largest, in bigint only (USD WAD and token units, never a float).
 *
 * Pure: it reads the event-built book (AccountBook) and the inputs given, and asks the book's twin of the
 * vault's `previewLiquidation` for every amount, so a plan is exactly what `liquidate` would do at
 * `timestamp` with these prices, errors included.
 *
 * For an account that is liquidatable at `timestamp`, every (debt, collateral) pair of its positions is
 * evaluated:
 * - spendable = min(the liquidator's balance of the debt token, its allowance to the vault);
 * - the repay asked is `spendable`; the twin caps it at the vault's `maxLiquidation`. When a repay below
 *   the maximum would leave dust (`MustNotLeaveDust`), the largest repay below `spendable` the twin accepts
 *   is found by bisection (the dust rule is monotone in the repay there) — none: the pair is "dust";
 * - profit (USD WAD) = valueDown(toLiquidator, collateral price) - valueUp(paid, debt price) - gas, where
 *   `paid` is what the vault takes (the debt's fall, at most one unit above the repay)
 *   - gas cost, gas cost = ceil(gasUnits * maxFeePerGas * nativeUsdPrice / 1e18).
 * The pair with the largest profit at `minSeized` wins (ties: the lowest debt then collateral id); it
 * becomes a Plan if that profit is at least `minProfitUsd`, else the account is skipped as "unprofitable".
 * Every skip carries its numbers and every pair's outcome, for the log.
 *
 * The amounts sent:
 * - `repayAmount` is the preview's repaid (so never above the balance, the allowance or the maximum),
 *   except when the plan repays the whole debt: then `fullRepayHeadroomBps` more (still within
 *   `spendable`) is asked, because interest accrued between planning and mining would otherwise leave a
 *   few wei of debt, which the vault refuses as dust. The same headroom is asked when the plan takes the
 *   whole of the collateral (the repay that buys it moves with the bonus, i.e. with the block's timestamp).
 *   The vault caps the repay at its maximum anyway; what the liquidator pays above the plan is the bonus's
 *   move between the planned and the mined block (interest of a second or so), not the headroom.
 * - `minSeized` = expected toLiquidator - ceil(toLiquidator * minSeizedToleranceBps / 10000). With the
 *   default tolerance 0 it is exactly the twin's toLiquidator: a state changed by a front-runner or a price
 *   update makes the transaction revert (caught by the executor's simulation, before any gas is spent)
 *   rather than pay less than planned. Interest alone never lowers it: as health falls the bonus only rises.
 *   Profit is ranked and gated at minSeized, so a tolerance never lets a plan below `minProfitUsd` through.
 * - `gasBudgetWei` = the profit at minSeized before gas, in wei of the gas token (rounded down): the most
 *   the transaction may ever cost in gas (fee bumps included) for the liquidation not to lose money.
 */
import type { Address } from "viem";
import type { AccountBook, BookPreviewResult } from "../book/accountBook.ts";
import type { LiquidationPreview, Prices } from "../math/accountHealth.ts";
import { BPS, WAD, mulDivUp } from "../math/fullMath.ts";
import { valueDown, valueUp } from "../math/healthMath.ts";
import { gasCostUsdUp, usdToWeiDown } from "./gasCost.ts";

/** How much gas one liquidation costs, and what that is worth. */
export interface GasModel {
  /** gas one liquidation uses (configured or measured; about 260_000 for an account with two debts and two collaterals) */
  gasUnits: bigint;
  /** fee per gas (wei) the cost is counted at: the executor's cap for the worst case, or 2 * baseFee + tip */
  maxFeePerGas: bigint;
  /** USD WAD per whole gas token (1e18 wei): see gasCost.nativeUsdPriceFrom */
  nativeUsdPrice: bigint;
}

/** Default `fullRepayHeadroomBps`: 0.1 % covers days of interest at usual rates. */
export const DEFAULT_FULL_REPAY_HEADROOM_BPS = 10n;

export interface PlanContext {
  book: AccountBook;
  /** asset id -> USD WAD, as the vault will read them (validated by the caller) */
  prices: Prices;
  /** timestamp of the block the liquidation is expected in (the next block) */
  timestamp: bigint;
  liquidator: Address;
  /** asset id -> the liquidator's token balance (token units); a missing asset is a zero balance */
  balances: ReadonlyMap<number, bigint>;
  /** asset id -> allowance to the vault; omitted: every debt token is approved without limit (send/allowances.ts) */
  allowances?: ReadonlyMap<number, bigint> | undefined;
  gas: GasModel;
  /** least profit after gas (USD WAD) worth a transaction */
  minProfitUsd: bigint;
  /** how much less than the expected toLiquidator `minSeized` accepts (bps; default 0: exactly the expected) */
  minSeizedToleranceBps?: bigint | undefined;
  /** extra repay asked when the whole debt is repaid (bps; default DEFAULT_FULL_REPAY_HEADROOM_BPS) */
  fullRepayHeadroomBps?: bigint | undefined;
}

/** What one (debt, collateral) pair would give. */
export interface PairQuote {
  ok: true;
  debtAsset: number;
  collateralAsset: number;
  /** the liquidator's balance and allowance of the debt token, and their minimum */
  spendable: bigint;
  /** `repayAmount` for `liquidate` */
  repayAmount: bigint;
  /** true when the repay had to be lowered below `spendable` to leave no dust */
  dustAdjusted: boolean;
  preview: LiquidationPreview;
  minSeized: bigint;
  /** valueDown(toLiquidator, collateral price) */
  revenueUsd: bigint;
  /** valueUp(repaid, debt price) */
  repaidUsd: bigint;
  gasCostUsd: bigint;
  /** revenue - repaid - gas, at the expected toLiquidator */
  profitUsd: bigint;
  /** the same at minSeized: the profit the transaction guarantees if it succeeds (ranks and gates) */
  profitAtMinSeizedUsd: bigint;
}

export type PairFailure = { ok: false; debtAsset: number; collateralAsset: number } & (
  | { reason: "no-balance"; balance: bigint; allowance: bigint | undefined }
  | { reason: "dust"; spendable: bigint; debtLeftValue: bigint; collateralLeftValue: bigint; minLeftover: bigint }
  | { reason: "vault-error"; error: string; detail: BookPreviewResult }
);

export type PairOutcome = PairQuote | PairFailure;

/** A liquidation to send. */
export interface Plan {
  kind: "plan";
  owner: Address;
  subId: number;
  debtAsset: number;
  collateralAsset: number;
  repayAmount: bigint;
  minSeized: bigint;
  expectedRepaid: bigint;
  expectedSeized: bigint;
  expectedToLiquidator: bigint;
  /** profit after gas (USD WAD) at the expected toLiquidator */
  expectedProfitUsd: bigint;
  /** profit after gas (USD WAD) at minSeized (= expectedProfitUsd with no tolerance) */
  profitAtMinSeizedUsd: bigint;
  gasUnits: bigint;
  gasCostUsd: bigint;
  /** the most the transaction may cost in gas (wei) and still not lose money at minSeized */
  gasBudgetWei: bigint;
  healthBefore: bigint;
  healthAfter: bigint;
  badDebt: boolean;
  /** the timestamp planned for */
  timestamp: bigint;
  pairs: PairOutcome[];
}

export type SkipReason = Skip["reason"];

/** Why an account is not liquidated, with the numbers behind it. */
export type SkipDetail =
  | { reason: "no-position"; debts: number; collaterals: number }
  | { reason: "no-price"; assets: number[] }
  | { reason: "healthy"; healthFactor: bigint }
  | { reason: "paused" }
  | { reason: "grace-period"; graceEnd: bigint }
  | { reason: "self-liquidation" }
  /** the account passed a margin check in this block (or in one whose time the book never learnt) */
  | { reason: "cool-off"; known: boolean }
  | { reason: "no-balance"; needs: { asset: number; balance: bigint; allowance: bigint | undefined }[] }
  | { reason: "dust" }
  | { reason: "unprofitable"; best: PairQuote; minProfitUsd: bigint }
  | { reason: "no-valid-pair" };

/** An account not liquidated: why, and every pair's outcome when pairs were evaluated. */
export type Skip = { kind: "skip"; owner: Address; subId: number; pairs: PairOutcome[] } & SkipDetail;

export type PlanResult = Plan | Skip;

export class PlanError extends Error {
  override name = "PlanError";
}

const lower = (a: string): string => a.toLowerCase();
const unitOf = (decimals: number): bigint => 10n ** BigInt(decimals);
const minOf = (a: bigint, b: bigint): bigint => (a < b ? a : b);

function checkContext(ctx: PlanContext): void {
  const { gas } = ctx;
  if (gas.gasUnits <= 0n) throw new PlanError(`gasUnits must be positive, got ${gas.gasUnits}`);
  if (gas.maxFeePerGas < 0n) throw new PlanError(`maxFeePerGas must not be negative, got ${gas.maxFeePerGas}`);
  if (gas.nativeUsdPrice <= 0n) throw new PlanError(`nativeUsdPrice must be positive, got ${gas.nativeUsdPrice}`);
  const tol = ctx.minSeizedToleranceBps ?? 0n;
  if (tol < 0n || tol >= BPS) throw new PlanError(`minSeizedToleranceBps must be in [0, 10000), got ${tol}`);
  const head = ctx.fullRepayHeadroomBps ?? DEFAULT_FULL_REPAY_HEADROOM_BPS;
  if (head < 0n) throw new PlanError(`fullRepayHeadroomBps must not be negative, got ${head}`);
}

/** min(balance, allowance) of the debt token, with both for the record. */
function spendableOf(ctx: PlanContext, asset: number) {
  const balance = ctx.balances.get(asset) ?? 0n;
  const allowance = ctx.allowances?.get(asset) ?? (ctx.allowances === undefined ? undefined : 0n);
  if (balance < 0n) throw new PlanError(`balance of asset ${asset} is negative (${balance})`);
  const spendable = allowance === undefined ? balance : minOf(balance, allowance < 0n ? 0n : allowance);
  return { balance, allowance, spendable };
}

const VAULT_LEVEL = new Set(["Paused", "GracePeriod", "SelfLiquidation", "CoolOff", "CoolOffUnknown"]);

/** Evaluate liquidating `debtAsset` against `collateralAsset`; `debtOwed` is the debt at `timestamp`. */
export function evaluatePair(
  ctx: PlanContext,
  owner: Address,
  subId: number,
  debtAsset: number,
  collateralAsset: number,
  debtOwed: bigint,
): PairOutcome {
  const { book, prices, timestamp, liquidator } = ctx;
  const preview = (repay: bigint) =>
    book.previewLiquidation(owner, subId, debtAsset, collateralAsset, repay, liquidator, prices, timestamp);
  const { balance, allowance, spendable } = spendableOf(ctx, debtAsset);
  const pair = { ok: false as const, debtAsset, collateralAsset };
  if (spendable === 0n) return { ...pair, reason: "no-balance", balance, allowance };

  let r = preview(spendable);
  let dustAdjusted = false;
  if (!r.ok && r.error === "MustNotLeaveDust") {
    // Only when spendable is below the maximum: a repay is then valid up to some bound and not above it.
    const dust = r;
    if (!preview(1n).ok) {
      return { ...pair, reason: "dust", spendable, debtLeftValue: dust.debtLeftValue, collateralLeftValue: dust.collateralLeftValue, minLeftover: dust.minLeftover };
    }
    let lo = 1n; // valid
    let hi = spendable; // invalid
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (preview(mid).ok) lo = mid;
      else hi = mid;
    }
    r = preview(lo);
    dustAdjusted = true;
  }
  // The liquidator pays the debt's actual fall (`paid`, up to one unit above the repay): keep it spendable.
  if (r.ok && r.preview.paid > spendable && spendable > 1n) r = preview(spendable - (r.preview.paid - spendable));
  if (!r.ok) return { ...pair, reason: "vault-error", error: r.error, detail: r };
  if (r.preview.paid > spendable) return { ...pair, reason: "no-balance", balance, allowance };

  const p = r.preview;
  const d = book.asset(debtAsset);
  const c = book.asset(collateralAsset);
  const pd = prices.get(debtAsset);
  const pc = prices.get(collateralAsset);
  if (pd === undefined || pc === undefined) throw new PlanError(`no price for asset ${pd === undefined ? debtAsset : collateralAsset}`);

  let repayAmount = p.repaid;
  const headroomBps = ctx.fullRepayHeadroomBps ?? DEFAULT_FULL_REPAY_HEADROOM_BPS;
  const collateralBalance = book.account(owner, subId)?.positions.get(collateralAsset)?.amount;
  if (p.repaid === debtOwed) {
    repayAmount = minOf(spendable, debtOwed + mulDivUp(debtOwed, headroomBps, BPS));
  } else if (p.seized === collateralBalance) {
    // The repay that buys all of the collateral depends on the bonus, and the bonus on the health at the
    // block that mines it: in a block at another timestamp than planned (the head's own, on a chain whose
    // blocks can share a timestamp) the exact repay would seize a few wei less than all of it, which the
    // vault refuses as dust. Asked a little more, the vault caps the repay at its own maximum for this
    // collateral and seizes exactly all of it.
    repayAmount = minOf(spendable, p.repaid + mulDivUp(p.repaid, headroomBps, BPS));
  }
  const tol = ctx.minSeizedToleranceBps ?? 0n;
  const minSeized = p.toLiquidator - mulDivUp(p.toLiquidator, tol, BPS);
  const revenueUsd = valueDown(p.toLiquidator, pc, unitOf(c.decimals));
  const repaidUsd = valueUp(p.paid, pd, unitOf(d.decimals));
  const gasCostUsd = gasCostUsdUp(ctx.gas.gasUnits, ctx.gas.maxFeePerGas, ctx.gas.nativeUsdPrice);
  const floorRevenueUsd = valueDown(minSeized, pc, unitOf(c.decimals));
  return {
    ok: true,
    debtAsset,
    collateralAsset,
    spendable,
    repayAmount,
    dustAdjusted,
    preview: p,
    minSeized,
    revenueUsd,
    repaidUsd,
    gasCostUsd,
    profitUsd: revenueUsd - repaidUsd - gasCostUsd,
    profitAtMinSeizedUsd: floorRevenueUsd - repaidUsd - gasCostUsd,
  };
}

function vaultLevelSkip(r: BookPreviewResult): SkipDetail | undefined {
  if (r.ok) return undefined;
  switch (r.error) {
    case "Paused":
      return { reason: "paused" };
    case "GracePeriod":
      return { reason: "grace-period", graceEnd: r.graceEnd };
    case "SelfLiquidation":
      return { reason: "self-liquidation" };
    case "CoolOff":
      return { reason: "cool-off", known: true };
    case "CoolOffUnknown":
      return { reason: "cool-off", known: false };
    default:
      return undefined;
  }
}

/** Plan the liquidation of `(owner, subId)`, or say why not. */
export function planLiquidation(ctx: PlanContext, owner: Address, subId: number): PlanResult {
  checkContext(ctx);
  const { book, prices, timestamp } = ctx;
  const skip = (s: SkipDetail, pairs: PairOutcome[] = []): Skip => ({ kind: "skip", owner, subId, pairs, ...s });

  const acc = book.account(owner, subId);
  const positions = [...(acc?.positions ?? new Map())].sort(([x], [y]) => x - y);
  const debts = positions.filter(([, p]) => p.isDebt).map(([a]) => a);
  const collaterals = positions.filter(([, p]) => !p.isDebt).map(([a]) => a);
  if (debts.length === 0 || collaterals.length === 0) {
    return skip({ reason: "no-position", debts: debts.length, collaterals: collaterals.length });
  }
  const unpriced = positions.map(([a]) => a).filter((a) => !((prices.get(a) ?? 0n) > 0n));
  if (unpriced.length > 0) return skip({ reason: "no-price", assets: unpriced });

  const health = book.health(owner, subId, prices, timestamp);
  if (health.healthFactor >= WAD) return skip({ reason: "healthy", healthFactor: health.healthFactor });

  // the vault-wide checks come first in `_plan`: any pair shows them
  const probe = book.previewLiquidation(owner, subId, debts[0]!, collaterals[0]!, 1n, ctx.liquidator, prices, timestamp);
  const vaultSkip = vaultLevelSkip(probe);
  if (vaultSkip !== undefined) return skip(vaultSkip);

  const owed = new Map(book.positions(owner, subId, timestamp).map((p) => [p.asset, p.amount]));
  const pairs: PairOutcome[] = [];
  for (const d of debts) {
    for (const c of collaterals) pairs.push(evaluatePair(ctx, owner, subId, d, c, owed.get(d) ?? 0n));
  }

  let best: PairQuote | undefined;
  for (const p of pairs) if (p.ok && (best === undefined || p.profitAtMinSeizedUsd > best.profitAtMinSeizedUsd)) best = p;
  if (best === undefined) {
    const failures = pairs as PairFailure[];
    if (failures.every((f) => f.reason === "no-balance")) {
      const needs = debts.map((asset) => {
        const s = spendableOf(ctx, asset);
        return { asset, balance: s.balance, allowance: s.allowance };
      });
      return skip({ reason: "no-balance", needs }, pairs);
    }
    if (failures.some((f) => f.reason === "dust")) return skip({ reason: "dust" }, pairs);
    return skip({ reason: "no-valid-pair" }, pairs);
  }
  if (best.profitAtMinSeizedUsd < ctx.minProfitUsd) {
    return skip({ reason: "unprofitable", best, minProfitUsd: ctx.minProfitUsd }, pairs);
  }
  const p = best.preview;
  return {
    kind: "plan",
    owner,
    subId,
    debtAsset: best.debtAsset,
    collateralAsset: best.collateralAsset,
    repayAmount: best.repayAmount,
    minSeized: best.minSeized,
    expectedRepaid: p.repaid,
    expectedSeized: p.seized,
    expectedToLiquidator: p.toLiquidator,
    expectedProfitUsd: best.profitUsd,
    profitAtMinSeizedUsd: best.profitAtMinSeizedUsd,
    gasUnits: ctx.gas.gasUnits,
    gasCostUsd: best.gasCostUsd,
    gasBudgetWei: usdToWeiDown(best.profitAtMinSeizedUsd + best.gasCostUsd, ctx.gas.nativeUsdPrice),
    healthBefore: p.healthBefore,
    healthAfter: p.healthAfter,
    badDebt: p.badDebt,
    timestamp,
    pairs,
  };
}

/**
 * Plan every open account of the book (or those given) whose health is below 1 at `timestamp`: plans by
 * profit, highest first, and the skips of the liquidatable accounts (healthy ones are left out: they are
 * most of the book, every block).
 */
export function planAccounts(
  ctx: PlanContext,
  accounts?: Iterable<{ owner: Address; subId: number }>,
): { plans: Plan[]; skips: Skip[] } {
  const plans: Plan[] = [];
  const skips: Skip[] = [];
  const seen = new Set<string>();
  for (const a of accounts ?? ctx.book.openAccounts()) {
    const key = `${lower(a.owner)}/${a.subId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const r = planLiquidation(ctx, a.owner, a.subId);
    if (r.kind === "plan") plans.push(r);
    else if (r.reason !== "healthy" && r.reason !== "no-position") skips.push(r);
  }
  plans.sort((x, y) => (x.expectedProfitUsd === y.expectedProfitUsd ? 0 : x.expectedProfitUsd > y.expectedProfitUsd ? -1 : 1));
  return { plans, skips };
}

/** One line for the log: what was skipped and why (numbers go in the log's fields). */
export function skipMessage(s: Skip): string {
  switch (s.reason) {
    case "no-position":
      return "no debt or no collateral to liquidate";
    case "no-price":
      return `no usable price for asset(s) ${s.assets.join(", ")}`;
    case "healthy":
      return "healthy";
    case "paused":
      return "vault paused";
    case "grace-period":
      return `grace period until ${s.graceEnd}`;
    case "self-liquidation":
      return "the liquidator is the owner or its operator";
    case "cool-off":
      return s.known ? "account passed a margin check in this block (cool-off)" : "cool-off unknown (check without a known timestamp)";
    case "no-balance":
      return `no balance or allowance of any debt token (${s.needs.map((n) => n.asset).join(", ")})`;
    case "dust":
      return "every repay the balance allows would leave dust";
    case "unprofitable":
      return `best profit ${s.best.profitAtMinSeizedUsd} < min ${s.minProfitUsd} (USD WAD, after gas ${s.best.gasCostUsd})`;
    case "no-valid-pair":
      return "no pair can be liquidated";
  }
}

// Exact reference of the vault's risk model (health and liquidation), written only from
// shared/risk-model.md ("Units and rounding", "Per-asset parameters", "Health", "Liquidation").
// Ramps, groups, interest, flash loans and the portfolio level are out of scope: LT and maxBonus
// are the collateral asset's plain values, and debts are in token units (borrowIndex = 1e18).
//
// Every formula is evaluated as an exact rational (test/reference/rational.ts) and rounded with an
// exact floor or ceil at exactly the step where the spec rounds, and nowhere else. The Solidity
// library and the TypeScript bigint twin must agree with this file to the wei.
//
// Readings chosen where the spec leaves room (also listed in the vector generator's report):
// - HF in the bonus and the L_max comparison is the floored healthFactor; W and D in Rtarget are
//   the account totals (all collaterals, all debts), LT_c/maxBonus_c/protocolFee the collateral's.
// - Step 4 order: (a) target -> all of d if 0 < valueUp(debt_d - maxRepay) < minLeftover;
//   (b) cap by c: if floor(maxRepay * rate) > bal_c then seize = bal_c and
//   maxRepay = ceil(bal_c / rate); (c) if maxRepay < debt_d and 0 < bal_c - seized and
//   valueDown(bal_c - seized) < minLeftover: r = ceil(bal_c / rate); if r <= debt_d seize all of c
//   with repay r, else repay all of d (seize floor(debt_d * rate)). At r == debt_d both readings give
//   the same (repay debt_d, seize bal_c).
// - maxSeize is the seize of step 5 applied to the final maxRepay (so liquidate(maxRepay) takes
//   exactly maxRepay and maxSeize).
// - liquidate: NotLiquidatable is checked before ZeroRepay; repay = min(repayAmount, maxRepay)
//   with maxRepay after all of step 4; the dust check compares the leftovers of the (possibly
//   cap-adjusted) repay and seize: clears d (repay == debt_d) or clears c (seized == bal_c) or
//   valueUp(debt left) >= minLeftover and valueDown(collateral left) >= minLeftover.
// - healthAfter is the health factor of the account with debt_d - repaid and bal_c - seized, before
//   any bad-debt write-off (so 0 when all collateral is gone and debt is left; max uint256 when no
//   debt is left). badDebt lists every debt > 0 left (in the account's debt order) when every
//   collateral balance is 0 afterwards. A reverted liquidation reports 0 for
//   repaid/seized/fee/toLiquidator, healthAfter = the health factor before, and no bad debt.

import { Fraction, frac, product } from "./rational.ts";

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
export const MAX_UINT256 = 2n ** 256n - 1n;
export const MAX_UINT128 = 2n ** 128n - 1n;
/** Max of the validation rule floor(LT * (WAD + maxBonus) / BPS) <= 0.975e18. */
export const MAX_L_MAX = 975n * 10n ** 15n;
/** Max target health factor (inclusive). */
export const MAX_TARGET_HEALTH = 125n * 10n ** 16n;

export interface AssetConfig {
  symbol: string;
  decimals: number;
  /** USD per whole token, WAD. */
  price: bigint;
  /** bps */
  ltv: number;
  /** bps */
  liquidationThreshold: number;
  /** WAD */
  maxBonus: bigint;
  /** USD WAD */
  sizeThreshold: bigint;
  /** bps */
  sizeFactor: number;
  /** bps */
  protocolFee: number;
}

export interface Globals {
  /** WAD */
  minBonus: bigint;
  /** THF, WAD */
  targetHealth: bigint;
  /** USD WAD */
  minLeftover: bigint;
}

export interface CollateralPosition {
  asset: number;
  balance: bigint;
}

export interface DebtPosition {
  asset: number;
  amount: bigint;
}

export interface Account {
  global: Globals;
  assets: AssetConfig[];
  collateral: CollateralPosition[];
  debt: DebtPosition[];
}

export type LiquidationError = "NotLiquidatable" | "ZeroRepay" | "MustNotLeaveDust";

export interface Health {
  collateralValue: bigint;
  weightedCollateral: bigint;
  initialMarginValue: bigint;
  debtValue: bigint;
  healthFactor: bigint;
  liquidatable: boolean;
}

/** How maxLiquidation arrived at its answer (for tagging and tests; not part of the vectors). */
export interface MaxLiquidationTrace {
  /** healthy: all zeros; all-of-d: HF <= L_max; target: Rtarget applies. */
  zone: "healthy" | "all-of-d" | "target";
  lMax: bigint;
  /** Rtarget in USD WAD (target zone only). */
  rTarget: bigint | null;
  /** maxRepay in units after step 3, before any dust rule or cap. */
  repayStep3: bigint;
  /** The target left 0 < valueUp(leftover debt) < minLeftover, so maxRepay became all of d. */
  dustFullRepay: boolean;
  /** The seize exceeded bal_c, so seize = bal_c and repay = the ceiling formula. */
  cappedByCollateral: boolean;
  /** The c-dust rule of step 4 applied, and which branch it took. */
  cDust: null | "seize-all-c" | "repay-all-d";
}

export interface MaxLiquidation {
  bonus: bigint;
  maxRepay: bigint;
  maxSeize: bigint;
  trace: MaxLiquidationTrace;
}

export interface BadDebtEntry {
  asset: number;
  amount: bigint;
}

export interface LiquidationOutcome {
  repayAmount: bigint;
  error: LiquidationError | null;
  repaid: bigint;
  seized: bigint;
  fee: bigint;
  toLiquidator: bigint;
  healthAfter: bigint;
  badDebt: BadDebtEntry[];
  /** The account after the liquidation (before any bad-debt write-off); the same account on error. */
  after: Account;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function asset(acc: Account, i: number): AssetConfig {
  const a = acc.assets[i];
  if (a === undefined) throw new RangeError(`no asset ${i}`);
  return a;
}

function collateralBalance(acc: Account, c: number): bigint {
  const p = acc.collateral.find((x) => x.asset === c);
  if (p === undefined) throw new RangeError(`asset ${c} is not a collateral of the account`);
  return p.balance;
}

function debtAmount(acc: Account, d: number): bigint {
  const p = acc.debt.find((x) => x.asset === d);
  if (p === undefined) throw new RangeError(`asset ${d} is not a debt of the account`);
  return p.amount;
}

// ---------------------------------------------------------------------------------------------
// Units and rounding

/** floor(amount * price / 10^dec) */
export function valueDown(amount: bigint, price: bigint, dec: number): bigint {
  return frac(amount * price, pow10(dec)).floor();
}

/** ceil(amount * price / 10^dec) */
export function valueUp(amount: bigint, price: bigint, dec: number): bigint {
  return frac(amount * price, pow10(dec)).ceil();
}

// ---------------------------------------------------------------------------------------------
// Health

/**
 * floor(min(v, S) * w / BPS) + floor(max(0, v - S) * w * sizeFactor / BPS^2), w = LT or ltv (bps).
 */
export function weightedValue(v: bigint, weightBps: number, sizeThreshold: bigint, sizeFactor: number): bigint {
  const w = BigInt(weightBps);
  const below = v < sizeThreshold ? v : sizeThreshold;
  const above = v > sizeThreshold ? v - sizeThreshold : 0n;
  const base = frac(below * w, BPS).floor();
  const tier = frac(product(above, w, BigInt(sizeFactor)), BPS * BPS).floor();
  return base + tier;
}

export function health(acc: Account): Health {
  let collateralValue = 0n;
  let weightedCollateral = 0n;
  let initialMarginValue = 0n;
  for (const pos of acc.collateral) {
    const a = asset(acc, pos.asset);
    const v = valueDown(pos.balance, a.price, a.decimals);
    collateralValue += v;
    weightedCollateral += weightedValue(v, a.liquidationThreshold, a.sizeThreshold, a.sizeFactor);
    initialMarginValue += weightedValue(v, a.ltv, a.sizeThreshold, a.sizeFactor);
  }
  let debtValue = 0n;
  for (const pos of acc.debt) {
    const a = asset(acc, pos.asset);
    debtValue += valueUp(pos.amount, a.price, a.decimals);
  }
  const healthFactor = debtValue === 0n ? MAX_UINT256 : frac(weightedCollateral * WAD, debtValue).floor();
  return {
    collateralValue,
    weightedCollateral,
    initialMarginValue,
    debtValue,
    healthFactor,
    liquidatable: debtValue > 0n && healthFactor < WAD,
  };
}

// ---------------------------------------------------------------------------------------------
// Liquidation

/** L_max = floor(LT_c * (WAD + maxBonus_c) / BPS) */
export function lMax(a: AssetConfig): bigint {
  return frac(BigInt(a.liquidationThreshold) * (WAD + a.maxBonus), BPS).floor();
}

/**
 * Bonus for seizing collateral asset c at health factor hf (hf < WAD):
 * hf <= L_max ? maxBonus : minBonus + floor((maxBonus - minBonus) * (WAD - hf) / (WAD - L_max)).
 */
export function bonusAt(g: Globals, a: AssetConfig, hf: bigint): bigint {
  const lm = lMax(a);
  if (hf <= lm) return a.maxBonus;
  return g.minBonus + frac((a.maxBonus - g.minBonus) * (WAD - hf), WAD - lm).floor();
}

/** Exact seize per unit of repay: p_d * (WAD + b) * 10^dec_c / (10^dec_d * WAD * p_c). */
function seizeRate(acc: Account, d: number, c: number, b: bigint): Fraction {
  const ad = asset(acc, d);
  const ac = asset(acc, c);
  return frac(product(ad.price, WAD + b, pow10(ac.decimals)), product(pow10(ad.decimals), WAD, ac.price));
}

/** seized = floor(repay * p_d * (WAD + b) * 10^dec_c / (10^dec_d * WAD * p_c)), not capped. */
export function seizeFor(acc: Account, d: number, c: number, repay: bigint, b: bigint): bigint {
  return seizeRate(acc, d, c, b).mul(repay).floor();
}

/** repay = ceil(bal * 10^dec_d * WAD * p_c / (p_d * (WAD + b) * 10^dec_c)): the repay that pays for bal. */
export function repayForSeize(acc: Account, d: number, c: number, bal: bigint, b: bigint): bigint {
  return frac(bal).div(seizeRate(acc, d, c, b)).ceil();
}

/** Step 5's seize and its cap by bal_c: returns the (repay, seized) actually taken. */
function seizeCapped(acc: Account, d: number, c: number, repay: bigint, b: bigint): { repay: bigint; seized: bigint; capped: boolean } {
  const bal = collateralBalance(acc, c);
  const seized = seizeFor(acc, d, c, repay, b);
  if (seized > bal) return { repay: repayForSeize(acc, d, c, bal, b), seized: bal, capped: true };
  return { repay, seized, capped: false };
}

export function maxLiquidation(acc: Account, d: number, c: number): MaxLiquidation {
  const g = acc.global;
  const ac = asset(acc, c);
  const ad = asset(acc, d);
  const debt = debtAmount(acc, d);
  const bal = collateralBalance(acc, c);
  const h = health(acc);
  const lm = lMax(ac);
  if (!h.liquidatable) {
    return {
      bonus: 0n,
      maxRepay: 0n,
      maxSeize: 0n,
      trace: { zone: "healthy", lMax: lm, rTarget: null, repayStep3: 0n, dustFullRepay: false, cappedByCollateral: false, cDust: null },
    };
  }
  const hf = h.healthFactor;
  // Step 2: bonus.
  const b = bonusAt(g, ac, hf);

  // Step 3: most that may be repaid.
  let zone: "all-of-d" | "target";
  let rTarget: bigint | null = null;
  let maxRepay: bigint;
  if (hf <= lm) {
    zone = "all-of-d";
    maxRepay = debt;
  } else {
    zone = "target";
    const thfD = frac(g.targetHealth * h.debtValue, WAD).ceil(); // ceil(THF * D / WAD)
    const num = product(thfD - h.weightedCollateral, WAD, BPS);
    const den = g.targetHealth * BPS - BigInt(ac.liquidationThreshold) * (WAD + b);
    rTarget = frac(num, den).ceil();
    const units = frac(rTarget * pow10(ad.decimals), ad.price).ceil();
    maxRepay = units < debt ? units : debt;
  }
  const repayStep3 = maxRepay;

  // Step 4 (a): the target must not leave 0 < valueUp(leftover debt) < minLeftover.
  let dustFullRepay = false;
  {
    const left = valueUp(debt - maxRepay, ad.price, ad.decimals);
    if (left > 0n && left < g.minLeftover) {
      maxRepay = debt;
      dustFullRepay = true;
    }
  }

  // Step 4 (b) = step 5's cap by what c can pay for.
  const capped = seizeCapped(acc, d, c, maxRepay, b);
  maxRepay = capped.repay;
  let maxSeize = capped.seized;

  // Step 4 (c): if d would remain and 0 < valueDown(bal_c - seized) < minLeftover, seize all of c
  // with the repay that pays for it, or repay all of d if that is less.
  let cDust: MaxLiquidationTrace["cDust"] = null;
  if (maxRepay < debt && bal - maxSeize > 0n && valueDown(bal - maxSeize, ac.price, ac.decimals) < g.minLeftover) {
    const repayAllC = repayForSeize(acc, d, c, bal, b);
    if (repayAllC <= debt) {
      cDust = "seize-all-c";
      maxRepay = repayAllC;
      maxSeize = bal;
    } else {
      cDust = "repay-all-d";
      const s = seizeCapped(acc, d, c, debt, b);
      maxRepay = s.repay;
      maxSeize = s.seized;
    }
  }

  return {
    bonus: b,
    maxRepay,
    maxSeize,
    trace: { zone, lMax: lm, rTarget, repayStep3, dustFullRepay, cappedByCollateral: capped.capped, cDust },
  };
}

/** The account with debt_d reduced by repaid and bal_c reduced by seized (entries kept, even at 0). */
export function applyLiquidation(acc: Account, d: number, c: number, repaid: bigint, seized: bigint): Account {
  return {
    global: acc.global,
    assets: acc.assets,
    collateral: acc.collateral.map((p) => (p.asset === c ? { asset: p.asset, balance: p.balance - seized } : { ...p })),
    debt: acc.debt.map((p) => (p.asset === d ? { asset: p.asset, amount: p.amount - repaid } : { ...p })),
  };
}

/** Debts written off after a liquidation: every remaining debt, if no collateral is left. */
export function badDebtOf(acc: Account): BadDebtEntry[] {
  if (acc.collateral.some((p) => p.balance > 0n)) return [];
  return acc.debt.filter((p) => p.amount > 0n).map((p) => ({ asset: p.asset, amount: p.amount }));
}

export function liquidate(acc: Account, d: number, c: number, repayAmount: bigint): LiquidationOutcome {
  const g = acc.global;
  const ac = asset(acc, c);
  const ad = asset(acc, d);
  const debt = debtAmount(acc, d);
  const bal = collateralBalance(acc, c);
  const h = health(acc);
  const fail = (error: LiquidationError): LiquidationOutcome => ({
    repayAmount,
    error,
    repaid: 0n,
    seized: 0n,
    fee: 0n,
    toLiquidator: 0n,
    healthAfter: h.healthFactor,
    badDebt: [],
    after: acc,
  });
  if (!h.liquidatable) return fail("NotLiquidatable");
  const m = maxLiquidation(acc, d, c);
  const b = m.bonus;
  const want = repayAmount < m.maxRepay ? repayAmount : m.maxRepay;
  if (want === 0n) return fail("ZeroRepay");
  const { repay, seized } = seizeCapped(acc, d, c, want, b);

  const clearsD = repay === debt;
  const clearsC = seized === bal;
  const leavesBoth =
    valueUp(debt - repay, ad.price, ad.decimals) >= g.minLeftover && valueDown(bal - seized, ac.price, ac.decimals) >= g.minLeftover;
  if (!clearsD && !clearsC && !leavesBoth) return fail("MustNotLeaveDust");

  const fee = frac(product(seized, b, BigInt(ac.protocolFee)), (WAD + b) * BPS).ceil();
  const after = applyLiquidation(acc, d, c, repay, seized);
  return {
    repayAmount,
    error: null,
    repaid: repay,
    seized,
    fee,
    toLiquidator: seized - fee,
    healthAfter: health(after).healthFactor,
    badDebt: badDebtOf(after),
    after,
  };
}

// ---------------------------------------------------------------------------------------------
// Validation of a vector's account (what the vault's admin and positions can represent)

export function validateAccount(acc: Account): string[] {
  const errs: string[] = [];
  const g = acc.global;
  if (g.minBonus < 0n) errs.push("minBonus < 0");
  if (!(g.targetHealth > WAD && g.targetHealth <= MAX_TARGET_HEALTH)) errs.push("targetHealth out of (WAD, 1.25e18]");
  if (g.minLeftover < 0n) errs.push("minLeftover < 0");
  acc.assets.forEach((a, i) => {
    const at = `asset ${i} (${a.symbol})`;
    if (!Number.isInteger(a.decimals) || a.decimals < 0 || a.decimals > 18) errs.push(`${at}: decimals`);
    if (!(a.price > 0n && a.price <= 10n ** 36n)) errs.push(`${at}: price out of (0, 1e36]`);
    for (const [k, v] of [["ltv", a.ltv], ["liquidationThreshold", a.liquidationThreshold], ["sizeFactor", a.sizeFactor], ["protocolFee", a.protocolFee]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 10_000) errs.push(`${at}: ${k} not in [0, 10000]`);
    }
    if (!(a.ltv < a.liquidationThreshold)) errs.push(`${at}: ltv >= LT`);
    if (!(a.maxBonus >= 0n && a.maxBonus <= WAD / 2n)) errs.push(`${at}: maxBonus out of [0, 0.5e18]`);
    if (lMax(a) > MAX_L_MAX) errs.push(`${at}: L_max > 0.975e18`);
    if (g.minBonus > a.maxBonus) errs.push(`${at}: minBonus > maxBonus`);
    if (!(a.sizeThreshold >= 0n && a.sizeThreshold < 2n ** 96n)) errs.push(`${at}: sizeThreshold not uint96`);
  });
  const seen = new Set<number>();
  for (const p of acc.collateral) {
    if (seen.has(p.asset)) errs.push(`asset ${p.asset} listed twice`);
    seen.add(p.asset);
    if (acc.assets[p.asset] === undefined) errs.push(`collateral asset ${p.asset} missing`);
    if (!(p.balance >= 0n && p.balance <= MAX_UINT128)) errs.push(`collateral ${p.asset}: balance not uint128`);
  }
  for (const p of acc.debt) {
    if (seen.has(p.asset)) errs.push(`asset ${p.asset} listed twice (or both collateral and debt)`);
    seen.add(p.asset);
    if (acc.assets[p.asset] === undefined) errs.push(`debt asset ${p.asset} missing`);
    if (!(p.amount >= 0n && p.amount <= MAX_UINT128)) errs.push(`debt ${p.asset}: amount not uint128`);
  }
  if (acc.collateral.length > 4) errs.push("more than 4 collateral entries");
  return errs;
}

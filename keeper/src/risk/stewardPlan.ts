/**
 * What the risk steward can do with a recommended liquidation threshold (IVaultAdmin
 * `stewardSetLiquidationThreshold`): the step from the current target is at most `maxThresholdStep` bps
 * (Vault_StewardStepTooLarge), one update per asset per `cooldown` seconds (Vault_StewardCooldown), and
 * the vault's weight checks still apply (Vault_InvalidParams: ltv < LT <= 10000 and the cap point). Pure;
 * the command confirms the prediction with an eth_call of the real function.
 */
import { vaultThresholdCapBps } from "./volatility.ts";

export interface StewardPlanArgs {
  /** the recommended threshold, bps */
  recommended: number;
  /** the asset's threshold target now (AssetConfig.liquidationThreshold), bps: the steward's step is from it */
  target: number;
  /** the asset's ltv, bps */
  ltv: number;
  /** the asset's bonus cap, WAD (for the cap-point check) */
  maxBonus: bigint;
  maxThresholdStep: number;
  cooldown: number;
  /** AssetConfig.stewardUpdatedAt (0: never) */
  stewardUpdatedAt: bigint;
  /** the time of the update (e.g. the head block's timestamp) */
  now: bigint;
}

export interface StewardPlan {
  /** recommended - target, bps */
  change: number;
  /** nothing to do: the recommendation is the target */
  noChange: boolean;
  /**
   * the value to submit now: the recommendation, or target -/+ maxThresholdStep when it is further, and
   * never at or below the ltv (the vault requires ltv < LT): then ltv + 1
   */
  next: number;
  /** true when the recommendation is more than one step away */
  clamped: boolean;
  /** true when `next` stops at ltv + 1 because the recommendation is at or below the ltv */
  ltvBound: boolean;
  /** why the steward cannot move towards the recommendation at all (then next = target) */
  blocked: string | undefined;
  /** updates needed to reach the recommendation, one per cooldown */
  updatesNeeded: number;
  /** when the steward may update this asset again (undefined: now) */
  cooldownUntil: bigint | undefined;
  /** the vault's checks `next` would fail, predicted (the eth_call is authoritative) */
  predictedReverts: string[];
}

export function stewardPlan(a: StewardPlanArgs): StewardPlan {
  const change = a.recommended - a.target;
  const step = a.maxThresholdStep;
  const clamped = Math.abs(change) > step;
  let next = clamped ? a.target + Math.sign(change) * step : a.recommended;
  let ltvBound = false;
  if (change < 0 && next <= a.ltv) {
    next = Math.min(a.target, a.ltv + 1);
    ltvBound = true;
  }
  let blocked: string | undefined;
  if (change !== 0 && next === a.target) {
    blocked = step === 0 ? "the steward's maxThresholdStep is 0" : `the ltv (${a.ltv}) must come down first (admin)`;
  }
  const updatesNeeded = change === 0 ? 0 : step === 0 ? Infinity : Math.ceil(Math.abs(change) / step);
  const until = a.stewardUpdatedAt + BigInt(a.cooldown);
  const cooldownUntil = a.stewardUpdatedAt !== 0n && a.now < until ? until : undefined;
  const predictedReverts: string[] = [];
  if (cooldownUntil !== undefined) predictedReverts.push(`Vault_StewardCooldown(nextUpdateAt=${cooldownUntil})`);
  if (Math.abs(next - a.target) > step) predictedReverts.push(`Vault_StewardStepTooLarge(current=${a.target}, requested=${next}, maxStep=${step})`);
  if (next > 10_000) predictedReverts.push('Vault_InvalidParams("liquidationThreshold > 10000")');
  if (a.ltv >= next) predictedReverts.push('Vault_InvalidParams("ltv >= liquidationThreshold")');
  if (next > vaultThresholdCapBps(a.maxBonus)) predictedReverts.push('Vault_InvalidParams("LT * (1 + maxBonus) > 0.975")');
  return { change, noChange: change === 0, next, clamped, ltvBound, blocked, updatesNeeded, cooldownUntil, predictedReverts };
}

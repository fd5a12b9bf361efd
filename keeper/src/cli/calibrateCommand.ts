/**
 * `keeper calibrate --asset WETH (--history <file> | --from-chain)`: realised volatility of the asset's
 * price history and the recommended liquidation threshold (docs/risk-calibration.md, section 2:
 * LT = (1 - k sigma sqrt(h)) / (1 + maxBonus), rounded down, clamped to the vault's cap and 95%), beside
 * the asset's threshold target and the threshold in force now (`weightsOf` at the head), with the risk
 * steward's bounds. A change larger than the steward's step is clamped to the next allowed value
 * (target -/+ step). Dry run by default: `stewardSetLiquidationThreshold(asset, value)` is simulated with
 * eth_call from the configured key (or `--from`) and the result, or the named revert, is printed;
 * `--submit` sends it with KEEPER_PRIVATE_KEY (which must hold RISK_STEWARD_ROLE).
 *
 * `--from-chain` takes the history from the asset feed's `AnswerUpdated` logs between the start block
 * and the head (answers / 10^feedDecimals at their updatedAt).
 */
import { Option, type Command } from "commander";
import {
  BaseError,
  ContractFunctionRevertedError,
  getAbiItem,
  keccak256,
  parseEventLogs,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { aggregatorEventsAbi, vaultAbi } from "../chain/abi.ts";
import type { PricePoint } from "../risk/priceHistory.ts";
import {
  DEFAULT_HORIZON_SECONDS,
  DEFAULT_K,
  calibrateAsset,
  recommendedLiquidationThreshold,
  removeSpikes,
  type AssetCalibration,
  type Spike,
} from "../risk/volatility.ts";
import { stewardPlan, type StewardPlan } from "../risk/stewardPlan.ts";
import { wad } from "./format.ts";
import { percent, utc } from "./riskFormat.ts";
import { openRiskContext, parseDuration, parsePositive, toJson, type CommandKit, type RiskContext } from "./commandKit.ts";
import { HISTORY_FORMATS, readHistory, type HistoryFormat } from "./history.ts";
import { InputError } from "./inputError.ts";

export const RISK_STEWARD_ROLE = keccak256(toHex("RISK_STEWARD_ROLE"));

/** The asset feed's rounds from its AnswerUpdated logs, in updatedAt order (a later round wins a same-second tie). */
export async function roundsFromChain(ctx: RiskContext, asset: number): Promise<{ series: PricePoint[]; rounds: number; feed: Address }> {
  const a = ctx.ob.sync.book.asset(asset);
  const client = ctx.ob.clients.publicClient;
  const event = getAbiItem({ abi: aggregatorEventsAbi, name: "AnswerUpdated" });
  const head = ctx.ob.sync.syncedTo;
  const raw: { roundId: bigint; answer: bigint; updatedAt: bigint }[] = [];
  for (let from = ctx.cfg.startBlock; from <= head; from += ctx.cfg.logRange) {
    const to = from + ctx.cfg.logRange - 1n < head ? from + ctx.cfg.logRange - 1n : head;
    const logs = await client.getLogs({ address: a.feed, event, fromBlock: from, toBlock: to, strict: true });
    for (const l of logs) raw.push({ roundId: l.args.roundId, answer: l.args.current, updatedAt: l.args.updatedAt });
  }
  // in time order (a real feed's updatedAt grows with the round id; a test feed may write rounds in the past)
  raw.sort((x, y) => (x.updatedAt !== y.updatedAt ? (x.updatedAt < y.updatedAt ? -1 : 1) : x.roundId < y.roundId ? -1 : x.roundId > y.roundId ? 1 : 0));
  const scale = 10 ** a.feedDecimals;
  const series: PricePoint[] = [];
  for (const r of raw) {
    if (r.answer <= 0n || r.updatedAt === 0n) continue;
    const p = { t: Number(r.updatedAt), price: Number(r.answer) / scale };
    const last = series[series.length - 1];
    if (last !== undefined && p.t === last.t) series[series.length - 1] = p; // same second: the later round
    else series.push(p);
  }
  return { series, rounds: raw.length, feed: a.feed };
}

export interface SimulationResult {
  ok: boolean;
  /** e.g. Vault_StewardStepTooLarge(current=8250, requested=7000, maxStep=500) */
  revert?: string;
}

/** The named revert of a failed call, with its arguments by name. */
export function describeRevert(e: unknown): string {
  if (e instanceof BaseError) {
    const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
    if (r instanceof ContractFunctionRevertedError) {
      const name = r.data?.errorName ?? r.reason ?? "unknown revert";
      const inputs = r.data?.abiItem && "inputs" in r.data.abiItem ? r.data.abiItem.inputs : [];
      const args = (r.data?.args ?? []).map((v, i) => `${inputs[i]?.name ? `${inputs[i]!.name}=` : ""}${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
      return `${name}(${args.join(", ")})`;
    }
    return e.shortMessage;
  }
  return (e as Error).message;
}

export interface CalibrationReport {
  asset: number;
  symbol: string;
  source: string;
  observations: number;
  from: number;
  to: number;
  spikesRemoved: Spike[];
  k: number;
  horizonSeconds: number;
  maxBonus: bigint;
  calibration: AssetCalibration;
  recommended: number;
  binding: string;
  ltvTooHigh: boolean;
  maxLtv: number | undefined;
  ltv: number;
  target: number;
  inForce: number;
  ramp: { from: number; end: bigint; duration: bigint } | undefined;
  steward: { maxThresholdStep: number; cooldown: number; lastUpdate: bigint };
  plan: StewardPlan;
  simulation: (SimulationResult & { from: Address }) | undefined;
  submitted: { hash: Hex; events: string[] } | undefined;
}

export function renderCalibration(r: CalibrationReport): string {
  const row = r.calibration.rows[0]!;
  const h = r.horizonSeconds % 86_400 === 0 ? `${r.horizonSeconds / 86_400}d` : r.horizonSeconds % 3_600 === 0 ? `${r.horizonSeconds / 3_600}h` : `${r.horizonSeconds}s`;
  const s = r.calibration.sigma;
  const lines = [
    `${r.symbol} (asset ${r.asset}): ${r.observations} prices ${utc(r.from)} .. ${utc(r.to)} UTC from ${r.source}` +
      (r.spikesRemoved.length ? `; ${r.spikesRemoved.length} single-point spike(s) removed (${r.spikesRemoved.map((x) => `${utc(x.point.t)} ${percent(Math.exp(x.move) - 1, 1)}`).join(", ")})` : ""),
    `realised volatility   ${percent(s.sigmaAnnual, 1)} a year (median spacing ${Math.round(s.medianIntervalSeconds)} s); 30-day stress ${percent(r.calibration.stress.sigmaAnnual, 1)} (window ending ${utc(r.calibration.stress.t)})`,
    `horizon ${h}, k = ${r.k}, maxBonus ${wad(r.maxBonus, 4)}: move m = k sigma sqrt(h) = ${percent(row.move)}; worst fall within ${h} in the data ${percent(row.worst.move)} (from ${utc(row.worst.at)}); P(fall > m) ${percent(row.exceedance)} (normal ${percent(row.normalExceedance)})`,
    `recommended LT        ${r.recommended} bps (${r.binding}); with the stress volatility ${row.stressLiquidationThreshold} bps`,
    `current LT            target ${r.target} bps, in force now ${r.inForce} bps` +
      (r.ramp ? ` (ramping from ${r.ramp.from} to ${r.target} until ${utc(r.ramp.end)} UTC)` : "") +
      `; ltv ${r.ltv} bps` +
      (r.ltvTooHigh ? ` -> ltv too high for the recommendation: lower the ltv below ${r.recommended} first (admin)` : ""),
    `steward bounds        max step ${r.steward.maxThresholdStep} bps, cooldown ${r.steward.cooldown} s, last update ${r.steward.lastUpdate === 0n ? "never" : `${utc(r.steward.lastUpdate)} UTC`}` +
      (r.plan.cooldownUntil !== undefined ? ` (next allowed at ${utc(r.plan.cooldownUntil)} UTC)` : ""),
  ];
  if (r.plan.noChange) lines.push(`proposal              none: the target already is the recommendation`);
  else if (r.plan.blocked !== undefined) lines.push(`proposal              none for now: ${r.plan.blocked}`);
  else {
    lines.push(
      `proposal              ${r.target} -> ${r.plan.next} bps (${r.plan.change > 0 ? "+" : ""}${r.plan.change} bps to the recommendation)` +
        (r.plan.ltvBound
          ? `: stops at ltv + 1 = ${r.plan.next} until the admin lowers the ltv`
          : r.plan.clamped
            ? `: the change exceeds the steward's step, ${r.plan.next} is the next allowed value (${r.plan.updatesNeeded} updates, one per cooldown` +
              (r.ltvTooHigh ? `; below ${r.ltv + 1} only once the ltv is lowered)` : ")")
            : ""),
    );
  }
  if (r.simulation) {
    lines.push(
      `dry run               stewardSetLiquidationThreshold(${r.asset}, ${r.plan.next}) from ${r.simulation.from}: ` +
        (r.simulation.ok ? "would succeed" : `would revert ${r.simulation.revert}`),
    );
  } else if (!r.plan.noChange && r.plan.blocked === undefined) {
    lines.push(
      `dry run               skipped: no KEEPER_PRIVATE_KEY and no --from to simulate the steward's call` +
        (r.plan.predictedReverts.length ? ` (predicted: ${r.plan.predictedReverts.join(", ")})` : " (predicted to pass the vault's checks)"),
    );
  }
  if (r.submitted) {
    lines.push(`submitted             tx ${r.submitted.hash}`);
    for (const e of r.submitted.events) lines.push(`                      ${e}`);
  }
  return lines.join("\n");
}

export function registerCalibrate(program: Command, kit: CommandKit): void {
  kit
    .withSettings(
      program
        .command("calibrate")
        .description("realised volatility and the recommended liquidation threshold of an asset; simulate (or --submit) the steward's update"),
    )
    .requiredOption("--asset <asset>", "asset symbol or id, e.g. WETH")
    .option("--history <file>", "price history file (hourly USD CSV, CoinAPI OHLCV JSON or Chainlink rounds CSV)")
    .addOption(new Option("--format <format>", "format of --history (default: detected)").choices([...HISTORY_FORMATS]))
    .option("--decimals <n>", "decimals of a Chainlink rounds file", "8")
    .option("--from-chain", "take the history from the asset feed's AnswerUpdated logs since the start block")
    .option("--k <k>", "standard deviations of the horizon move to absorb", String(DEFAULT_K))
    .option("--horizon <duration>", "liquidation horizon, e.g. 1d, 6h, 3600", "1d")
    .option("--keep-spikes", "keep single-point spikes (removed by default, see docs/risk-calibration.md 4.1)")
    .option("--from <address>", "simulate the steward's call from this address (default: the KEEPER_PRIVATE_KEY account)")
    .option("--dry-run", "simulate only (the default)")
    .option("--submit", "send stewardSetLiquidationThreshold with KEEPER_PRIVATE_KEY (needs RISK_STEWARD_ROLE)")
    .option("--json", "print JSON instead of text")
    .action((opts: Record<string, unknown>) =>
      kit.guarded(async () => {
        if (opts.submit === true && opts.dryRun === true) throw new InputError("--submit and --dry-run exclude each other");
        const fromChain = opts.fromChain === true;
        const file = typeof opts.history === "string" ? opts.history : undefined;
        if (fromChain === (file !== undefined)) throw new InputError("give exactly one of --history <file> and --from-chain");
        const k = parsePositive("--k", String(opts.k));
        const horizonSeconds = opts.horizon === undefined ? DEFAULT_HORIZON_SECONDS : parseDuration("--horizon", String(opts.horizon));
        const decimals = Number(opts.decimals);
        if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) throw new InputError("--decimals: expected an integer in 0..36");
        let from: Address | undefined;
        if (typeof opts.from === "string") {
          if (!/^0x[0-9a-fA-F]{40}$/.test(opts.from)) throw new InputError(`--from: expected an address, got ${JSON.stringify(opts.from)}`);
          from = opts.from as Address;
        }
        const history = file === undefined ? undefined : readHistory(file, { format: opts.format as HistoryFormat | undefined, decimals });

        const ctx = await openRiskContext(kit, opts);
        if (opts.submit === true && ctx.ob.clients.walletClient === undefined) {
          throw new InputError("--submit needs KEEPER_PRIVATE_KEY (--private-key): a key holding RISK_STEWARD_ROLE");
        }
        const book = ctx.ob.sync.book;
        const asset = ctx.symbols.resolve(String(opts.asset));
        const symbol = ctx.symbols.symbol(asset);
        let series: PricePoint[];
        let source: string;
        if (history !== undefined) {
          series = history.series;
          source = `${history.file} (${history.format})`;
        } else {
          const r = await roundsFromChain(ctx, asset);
          if (r.series.length < 3) {
            throw new InputError(`--from-chain: the feed ${r.feed} of ${symbol} has ${r.series.length} usable round(s) since block ${ctx.cfg.startBlock}, too few for statistics`);
          }
          series = r.series;
          source = `${r.rounds} AnswerUpdated rounds of feed ${r.feed} (blocks ${ctx.cfg.startBlock}..${ctx.ob.sync.syncedTo})`;
        }
        const cleaned = opts.keepSpikes === true ? { series, removed: [] as Spike[] } : removeSpikes(series);

        const client = ctx.ob.clients.publicClient;
        const vault = ctx.cfg.vault;
        const blockNumber = ctx.ob.sync.syncedTo;
        const [config, weights, sp] = await Promise.all([
          client.readContract({ address: vault, abi: vaultAbi, functionName: "assetConfig", args: [asset], blockNumber }),
          client.readContract({ address: vault, abi: vaultAbi, functionName: "weightsOf", args: [asset, 0], blockNumber }),
          client.readContract({ address: vault, abi: vaultAbi, functionName: "stewardParams", blockNumber }),
        ]);
        const calibration = calibrateAsset(cleaned.series, { horizons: [horizonSeconds], k, maxBonus: config.maxBonus });
        const rec = recommendedLiquidationThreshold({
          sigmaAnnual: calibration.sigma.sigmaAnnual,
          horizonSeconds,
          k,
          maxBonus: config.maxBonus,
          ltv: config.ltv,
        });
        const now = ctx.ob.headTimestamp;
        const plan = stewardPlan({
          recommended: rec.liquidationThreshold,
          target: config.liquidationThreshold,
          ltv: config.ltv,
          maxBonus: config.maxBonus,
          maxThresholdStep: sp.maxThresholdStep,
          cooldown: sp.cooldown,
          stewardUpdatedAt: BigInt(config.stewardUpdatedAt),
          now,
        });
        const inForce = Number(weights[1]);
        const ramp =
          BigInt(config.rampEnd) > now && config.rampDuration > 0
            ? { from: config.ltRampFrom, end: BigInt(config.rampEnd), duration: BigInt(config.rampDuration) }
            : undefined;

        const caller = from ?? ctx.ob.clients.account?.address;
        let simulation: CalibrationReport["simulation"];
        if (caller !== undefined && !plan.noChange && plan.blocked === undefined) {
          try {
            await client.simulateContract({
              address: vault,
              abi: vaultAbi,
              functionName: "stewardSetLiquidationThreshold",
              args: [asset, plan.next],
              account: caller,
            });
            simulation = { ok: true, from: caller };
          } catch (e) {
            simulation = { ok: false, revert: describeRevert(e), from: caller };
          }
        }
        let submitted: CalibrationReport["submitted"];
        if (opts.submit === true && !plan.noChange && plan.blocked === undefined) {
          if (!simulation?.ok) {
            process.stderr.write(`keeper: not submitting: the call would revert ${simulation?.revert ?? ""}\n`);
            process.exitCode = 1;
          } else {
            const wallet = ctx.ob.clients.walletClient!;
            const hash = await wallet.writeContract({
              address: vault,
              abi: vaultAbi,
              functionName: "stewardSetLiquidationThreshold",
              args: [asset, plan.next],
            });
            const receipt = await client.waitForTransactionReceipt({ hash });
            if (receipt.status !== "success") {
              process.stderr.write(`keeper: transaction ${hash} reverted\n`);
              process.exitCode = 1;
            }
            const events = parseEventLogs({ abi: vaultAbi, logs: receipt.logs, strict: true })
              .filter((l) => l.eventName === "LiquidationThresholdChanged" || l.eventName === "StewardThresholdUpdated")
              .map((l) => `${l.eventName}(${Object.entries(l.args).map(([key, v]) => `${key}=${String(v)}`).join(", ")})`);
            submitted = { hash, events };
          }
        }
        const report: CalibrationReport = {
          asset,
          symbol,
          source,
          observations: cleaned.series.length,
          from: cleaned.series[0]!.t,
          to: cleaned.series[cleaned.series.length - 1]!.t,
          spikesRemoved: cleaned.removed,
          k,
          horizonSeconds,
          maxBonus: config.maxBonus,
          calibration,
          recommended: rec.liquidationThreshold,
          binding: rec.binding,
          ltvTooHigh: rec.ltvTooHigh,
          maxLtv: rec.maxLtv,
          ltv: config.ltv,
          target: config.liquidationThreshold,
          inForce,
          ramp,
          steward: { maxThresholdStep: sp.maxThresholdStep, cooldown: sp.cooldown, lastUpdate: BigInt(config.stewardUpdatedAt) },
          plan,
          simulation,
          submitted,
        };
        process.stdout.write((opts.json === true ? toJson(report) : renderCalibration(report)) + "\n");
      }),
    );
}

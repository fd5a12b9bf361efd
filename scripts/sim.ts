/**
 * `npm run sim`: what happens to a book of accounts when prices crash, with the real keeper liquidating.
 *
 * Starts Hardhat's simulated network in this process (served on 127.0.0.1 over HTTP and WebSocket),
 * deploys the vault and its assets, seeds a reproducible population of accounts, replays a price
 * scenario as oracle rounds with chain time advancing, runs the keeper (`node keeper/src/cli.ts run`)
 * against it, and prints a summary: accounts liquidated, value repaid and seized, protocol fees, bad
 * debt, what is still liquidatable, and the keeper's reaction times and transactions.
 *
 *   npm run sim -- --accounts 500 --seed 7 --leverage aggressive
 *   npm run sim -- --path ../shared/data/stablesims/feeds/eth/05-19-2021.json
 *   npm run sim -- --no-keeper --json
 *
 * Progress goes to stderr, the summary to stdout. `runSimulation` is the same thing as a function.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { createWalletClient, type Abi, decodeFunctionResult, encodeFunctionData, http, maxUint256, parseUnits, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { compiled } from "./lib/artifacts.ts";
import { DEFAULT_STACK_ASSETS, deployStack, type Stack } from "./lib/deployStack.ts";
import { KeeperError, KeeperProcess, keeperHasRun } from "./lib/keeperProcess.ts";
import { BUILT_IN_SCENARIOS, ScenarioError, builtInScenario, historyPath, pushStep, startPrices, type PricePath, type PushedStep } from "./lib/scenario.ts";
import { LEVERAGE_PROFILES, parseLeverage, planPopulation, seedPopulation, validatePopulationOptions, type PlannedAccount, type PopulationPlan } from "./lib/seedPopulation.ts";
import { startChain, type SimChain } from "./lib/simChain.ts";

const WAD = 10n ** 18n;

/**
 * ABIs read once per process: the artifacts may be rebuilt while a simulation runs, and the chain keeps
 * the code deployed at the start (a changed event would otherwise stop matching its logs).
 */
const abis = new Map<string, Abi>();
function abiOf(name: string): Abi {
  let abi = abis.get(name);
  if (abi === undefined) {
    abi = compiled(name).abi;
    abis.set(name, abi);
  }
  return abi;
}
/** Hardhat's well-known development keys (accounts #0 and #1 of its test mnemonic): local chain only. */
const ADMIN_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEEPER_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/** the address the keeper liquidates from */
export const SIM_KEEPER_ADDRESS: Address = privateKeyToAccount(KEEPER_KEY).address;

export interface SimOptions {
  accounts: number;
  seed: string;
  /** median collateral value per account, USD */
  medianSizeUsd: number;
  /** profile name (conservative, moderate, aggressive) or a median health factor */
  leverage: string;
  subAccountsPerOwner: number;
  /** a built-in scenario (ignored with `paths`) */
  scenario: string;
  /** history files to replay instead of a built-in scenario */
  paths: string[];
  from?: string;
  to?: string;
  stepSeconds?: number;
  maxSteps: number;
  /** run the real keeper (false: only report what would be liquidatable) */
  keeper: boolean;
  keeperReadyTimeoutMs: number;
  /** after a round, the keeper is done once it has been quiet this long with nothing in flight */
  keeperQuietMs: number;
  /** how long an idle keeper gets to act on accounts the simulation estimates liquidatable */
  keeperPatienceMs: number;
  /** longest wait for the keeper after one round */
  stepTimeoutMs: number;
  keeperLogLevel: string;
  /** append the keeper's log lines to this file */
  keeperLogFile?: string;
  /** port of the local chain (0: any free port) */
  port: number;
}

export const DEFAULT_OPTIONS: SimOptions = {
  accounts: 300,
  seed: "1",
  medianSizeUsd: 25_000,
  leverage: "moderate",
  subAccountsPerOwner: 64,
  scenario: "eth-crash",
  paths: [],
  maxSteps: 1000,
  keeper: true,
  keeperReadyTimeoutMs: 120_000,
  keeperQuietMs: 500,
  keeperPatienceMs: 10_000,
  stepTimeoutMs: 60_000,
  keeperLogLevel: "info",
  port: 0,
};

export interface Percentiles {
  count: number;
  p50: number | undefined;
  p95: number | undefined;
  max: number | undefined;
}

export interface PriceMove {
  start: number;
  min: number;
  end: number;
  /** lowest price vs start, % */
  minChangePct: number;
  endChangePct: number;
}

/** USD amounts are WAD bigints. */
export interface SimSummary {
  population: {
    accounts: number;
    owners: number;
    seed: string;
    medianSizeUsd: number;
    leverage: string;
    collateralUsd: bigint;
    debtUsd: bigint;
    /** health factors targeted at seeding */
    health: { p10: number; p50: number; p90: number };
    seedSeconds: number;
    accountsPerSecond: number;
    txs: number;
  };
  scenario: {
    name: string;
    description: string;
    rounds: number;
    stepSeconds: number;
    durationSeconds: number;
    historyFrom?: string;
    historyTo?: string;
    prices: Record<string, PriceMove>;
    warnings: string[];
  };
  /** estimates from the positions the simulation tracks (interest ignored); exact values are in `end` */
  during: {
    maxBelowOneEst: number;
    maxBelowOneRound: number;
    everBelowOneEst: number;
  };
  keeper: {
    enabled: boolean;
    broadcasts: number;
    /** the keeper's outcome lines by kind, and by kind and reason ("dropped: front-run") */
    outcomes: Record<string, number>;
    outcomeReasons: Record<string, number>;
    /** the keeper's own counters from its "stopped" line */
    finalStats?: Record<string, unknown>;
    /** receipts of the broadcast transactions: succeeded, reverted, never mined */
    onChain: { succeeded: number; reverted: number; missing: number };
    reactionMs: Percentiles;
    warnings: string[];
  };
  liquidations: {
    events: number;
    accounts: number;
    /** value of the debt repaid, at the round's prices */
    repaidUsd: bigint;
    /** collateral taken from accounts (protocol fee included) */
    seizedUsd: bigint;
    protocolFeesUsd: bigint;
    /** seized minus fees minus repaid: what liquidators earned */
    liquidatorGainUsd: bigint;
    byLiquidator: Record<string, number>;
  };
  badDebt: {
    events: number;
    accounts: number;
    amountUsd: bigint;
    fromReservesUsd: bigint;
    socialisedUsd: bigint;
  };
  /** exact, from the vault's accountsHealth view after the replay */
  end: {
    block: bigint;
    checked: number;
    liquidatable: string[];
    liquidatableDebtUsd: bigint;
    /** liquidatable at the end and never liquidated */
    neverLiquidated: number;
    /** liquidatable accounts whose collateral is worth less than their debt */
    insolvent: number;
    /** sum of debt minus collateral value over insolvent accounts */
    shortfallUsd: bigint;
    minHealth: bigint | undefined;
  };
  timings: Record<string, number>;
}

export interface SimHooks {
  progress?: (line: string) => void;
  /** called once the chain is up (tests read the chain after the run through it) */
  onChain?: (chain: SimChain, stack: Stack) => void;
  /** keep the chain running after the summary (the caller must close it) */
  keepChain?: boolean;
}

// ------------------------------------------------------------------------------------------------ tracking

interface Tracked {
  key: string;
  owner: Address;
  subId: number;
  /** whole tokens by asset id */
  coll: Map<number, number>;
  debt: Map<number, number>;
  everBelowOne: boolean;
}

function track(plan: PopulationPlan, stack: Stack): Map<string, Tracked> {
  const out = new Map<string, Tracked>();
  const tokens = (amount: bigint, asset: number) => Number(amount) / 10 ** stack.assets[asset]!.decimals;
  for (const a of plan.accounts) {
    const key = accountKey(a.owner, a.subId);
    out.set(key, {
      key,
      owner: a.owner,
      subId: a.subId,
      coll: new Map(a.collateral.map((c) => [c.asset, tokens(c.amount, c.asset)])),
      debt: new Map(a.debt.map((d) => [d.asset, tokens(d.amount, d.asset)])),
      everBelowOne: false,
    });
  }
  return out;
}

function healthEst(t: Tracked, stack: Stack, prices: Record<string, number>): number {
  let w = 0;
  let d = 0;
  for (const [asset, amount] of t.coll) w += amount * prices[stack.assets[asset]!.symbol]! * (stack.assets[asset]!.liquidationThreshold / 10_000);
  for (const [asset, amount] of t.debt) d += amount * prices[stack.assets[asset]!.symbol]!;
  return d <= 1e-12 ? Infinity : w / d;
}

export const accountKey = (owner: string, subId: number | bigint): string => `${owner.toLowerCase()}/${subId}`;

// ------------------------------------------------------------------------------------------------ formatting

/** WAD USD to "1,234.56" (rounded down to cents). */
export function formatUsd(wad: bigint): string {
  const neg = wad < 0n;
  const cents = (neg ? -wad : wad) / 10n ** 16n;
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${whole}.${(cents % 100n).toString().padStart(2, "0")}`;
}

const fmtPrice = (p: number) => (p >= 100 ? p.toFixed(2) : p.toFixed(4));
const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
const clock = (s: number) => `+${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;

function percentiles(values: number[]): Percentiles {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => (v.length === 0 ? undefined : v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)]);
  return { count: v.length, p50: q(0.5), p95: q(0.95), max: v[v.length - 1] };
}

function quantile(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))] ?? NaN;
}

// ------------------------------------------------------------------------------------------------ run

const keepers = new Set<KeeperProcess>();
/** Kills any keeper still running (process exit / signal handlers). */
export function killKeepers(): void {
  for (const k of keepers) k.killNow();
}

function buildPath(o: SimOptions): PricePath {
  const start = startPrices({ assets: DEFAULT_STACK_ASSETS });
  return o.paths.length > 0
    ? historyPath({ paths: o.paths, from: o.from, to: o.to, stepSeconds: o.stepSeconds, maxSteps: o.maxSteps }, start)
    : builtInScenario(o.scenario, o.seed, start, o.stepSeconds);
}

export async function runSimulation(options: Partial<SimOptions> = {}, hooks: SimHooks = {}): Promise<SimSummary> {
  const o: SimOptions = { ...DEFAULT_OPTIONS, ...options };
  const say = hooks.progress ?? (() => {});
  const tRun = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => (timings[name] = Math.round(performance.now() - since));

  // everything that can be wrong with the inputs, before starting anything
  const leverage = parseLeverage(o.leverage);
  const popOptions = { accounts: o.accounts, seed: o.seed, medianSizeUsd: o.medianSizeUsd, leverage, subAccountsPerOwner: o.subAccountsPerOwner };
  validatePopulationOptions(popOptions);
  const path = buildPath(o);
  for (const w of path.warnings) say(`warning: ${w}`);
  if (o.keeper && !keeperHasRun()) {
    throw new KeeperError("this checkout's keeper has no `run` command (node keeper/src/cli.ts run); run with --no-keeper to see what would be liquidatable");
  }

  for (const name of ["IVault", "MockERC20"]) abiOf(name);
  let t = performance.now();
  const chain = await startChain(o.port);
  let keeper: KeeperProcess | undefined;
  try {
    say(`chain: Hardhat simulated network on ${chain.httpUrl} (ws ${chain.wsUrl}), chain id ${chain.chain.id}`);
    lap("chainStartMs", t);

    t = performance.now();
    const admin = createWalletClient({ chain: chain.chain, account: privateKeyToAccount(ADMIN_KEY), transport: http(chain.httpUrl) });
    const stack = await deployStack(admin, chain.publicClient as never);
    hooks.onChain?.(chain, stack);
    lap("deployMs", t);
    say(`deployed the vault ${stack.vault} with ${stack.assets.map((a) => `${a.symbol} $${a.priceUsd}`).join(", ")} in ${(timings.deployMs! / 1000).toFixed(1)} s`);

    // population
    t = performance.now();
    const plan = planPopulation(popOptions, stack.assets);
    say(
      `seeding ${plan.accounts.length} accounts over ${plan.owners.length} owner(s): seed ${o.seed}, median size $${o.medianSizeUsd.toLocaleString("en-US")}, leverage ${o.leverage} (median health ${leverage.medianHealth})`,
    );
    let lastShown = 0;
    const seeded = await seedPopulation(chain.rpc, stack, plan, (p) => {
      if (p.accountsDone === p.accounts || performance.now() - lastShown > 1000) {
        lastShown = performance.now();
        say(`  seeding ${p.accountsDone}/${p.accounts} accounts (${p.txs} txs, ${(p.elapsedMs / 1000).toFixed(1)} s)`);
      }
    });
    lap("seedMs", t);
    say(`seeded ${seeded.accounts} accounts in ${(seeded.elapsedMs / 1000).toFixed(1)} s (${seeded.accountsPerSecond.toFixed(0)} accounts/s, ${seeded.txs} txs)`);
    const tracked = track(plan, stack);

    // the keeper: funded with the debt assets it repays with
    const keeperAccount = privateKeyToAccount(KEEPER_KEY);
    if (o.keeper) {
      await fundKeeper(chain, stack, plan, keeperAccount.address);
      t = performance.now();
      say("keeper: starting `node keeper/src/cli.ts run` (mode liquidate, min profit 0)");
      keeper = new KeeperProcess({
        rpcUrl: chain.httpUrl,
        wsUrl: chain.wsUrl,
        vault: stack.vault,
        startBlock: stack.startBlock,
        privateKey: KEEPER_KEY,
        logLevel: o.keeperLogLevel,
        logFile: o.keeperLogFile,
        extra: {
          KEEPER_CHAIN_ID: String(chain.chain.id),
          // gas is paid in the chain's ETH: priced like the WETH asset
          KEEPER_GAS_TOKEN_ASSET: String(stack.assets.findIndex((a) => a.symbol === "WETH")),
        },
      });
      keepers.add(keeper);
      await keeper.waitReady(o.keeperReadyTimeoutMs);
      lap("keeperReadyMs", t);
      say(`keeper ready after ${(timings.keeperReadyMs! / 1000).toFixed(1)} s`);
    }

    // replay
    t = performance.now();
    const rounds = path.steps.length - 1;
    say(`replay ${path.name}: ${rounds} round(s) of ${path.stepSeconds} s (${clock(rounds * path.stepSeconds).slice(1)} h of chain time) — ${path.description}`);
    const pushed: PushedStep[] = [{ step: 0, block: stack.startBlock, timestamp: 0, pricesWad: stack.assets.map((a) => parseUnits(a.priceUsd, 18)) }];
    const t0 = await chain.rpc.latestTimestamp();
    const start = path.steps[0]!;
    let maxBelow = 0;
    let maxBelowRound = 0;
    let scannedTo = await chain.rpc.blockNumber();
    const liquidatedSoFar = new Set<string>();
    let liquidationEvents = 0;
    /** applies the liquidations and write-offs mined since the last call to the tracked positions */
    const catchUp = async () => {
      const head = await chain.rpc.blockNumber();
      const evs = await vaultEvents(chain, stack, scannedTo + 1n, head);
      scannedTo = head;
      for (const e of evs.liquidated) {
        applyLiquidation(tracked, stack, e);
        liquidatedSoFar.add(accountKey(e.owner, e.subId));
        liquidationEvents++;
      }
      for (const e of evs.badDebt) tracked.get(accountKey(e.owner, e.subId))?.debt.delete(e.asset);
    };
    const belowOne = (prices: Record<string, number>, under = 1) => [...tracked.values()].filter((a) => healthEst(a, stack, prices) < under);
    for (let i = 1; i <= rounds; i++) {
      const prices = path.steps[i]!;
      const p = await pushStep(chain.rpc, stack, admin.account.address, prices, i, t0 + i * path.stepSeconds);
      const pushedAt = performance.now();
      pushed.push(p);
      await catchUp();
      const atPush = belowOne(prices);
      for (const a of atPush) a.everBelowOne = true;
      if (atPush.length > maxBelow) {
        maxBelow = atPush.length;
        maxBelowRound = i;
      }
      let after = atPush;
      if (keeper) {
        const k = keeper;
        // the keeper is expected to act on every account the estimate puts below 1 and it has not touched
        const untouched = async () => {
          await catchUp();
          const touched = new Set([
            ...k.broadcasts.filter((b) => b.atMs >= pushedAt).map((b) => b.account.toLowerCase()),
            ...k.outcomes.filter((x) => x.atMs >= pushedAt && x.account !== undefined).map((x) => x.account!.toLowerCase()),
          ]);
          // a hair under 1: the estimate ignores interest, so borderline accounts don't count as waiting
          return belowOne(prices, 0.9995).filter((a) => !touched.has(a.key)).length;
        };
        await settleKeeper(k, chain, { quietMs: o.keeperQuietMs, patienceMs: o.keeperPatienceMs, maxMs: o.stepTimeoutMs, untouched }, say, `round ${i}`);
        await catchUp();
        after = belowOne(prices);
      }
      const moves = ["WETH", "WBTC"]
        .filter((s) => prices[s] !== undefined)
        .map((s) => `${s} ${fmtPrice(prices[s]!)} (${pct((prices[s]! / start[s]! - 1) * 100)})`)
        .join(" ");
      say(
        `round ${String(i).padStart(String(rounds).length)}/${rounds} ${clock(i * path.stepSeconds)} ${moves} | below 1 ≈${atPush.length}` +
          (keeper
            ? `, after the keeper ≈${after.length} | liquidated ${liquidatedSoFar.size} account(s) in ${liquidationEvents} liquidation(s), ${keeper.broadcasts.length} tx sent`
            : ""),
      );
    }
    lap("replayMs", t);

    if (keeper) {
      // a few more blocks: the keeper gets its last chances, then it stops
      t = performance.now();
      for (let b = 0; b < 3; b++) {
        const sent = keeper.broadcasts.length;
        await chain.rpc.mine();
        await settleKeeper(keeper, chain, { quietMs: o.keeperQuietMs, patienceMs: 0, maxMs: o.stepTimeoutMs }, say, "after the replay");
        if (keeper.broadcasts.length !== sent) b = -1; // still working: keep going (bounded below)
        if (performance.now() - t > 4 * o.stepTimeoutMs) break;
      }
      await keeper.stop();
      keepers.delete(keeper);
      lap("drainMs", t);
      say(`keeper stopped (${keeper.broadcasts.length} transaction(s) sent)`);
    }

    t = performance.now();
    say(`checking the health of all ${plan.accounts.length} accounts on chain…`);
    const summary = await summarize(chain, stack, plan, path, pushed, keeper, { maxBelow, maxBelowRound, everBelow: [...tracked.values()].filter((a) => a.everBelowOne).length }, seeded, o);
    lap("summaryMs", t);
    timings.totalMs = Math.round(performance.now() - tRun);
    summary.timings = timings;
    return summary;
  } finally {
    if (keeper) {
      await keeper.stop(2000);
      keepers.delete(keeper);
    }
    if (!hooks.keepChain) await chain.close();
  }
}

/** Mints the keeper a large inventory of every asset (it repays from it) and approves the vault. */
async function fundKeeper(chain: SimChain, stack: Stack, plan: PopulationPlan, keeper: Address): Promise<void> {
  const abi = abiOf("MockERC20");
  const debtTotals = new Map<number, bigint>();
  for (const a of plan.accounts) for (const d of a.debt) debtTotals.set(d.asset, (debtTotals.get(d.asset) ?? 0n) + d.amount);
  const nonce = BigInt(await chain.rpc.call<Hex>("eth_getTransactionCount", [keeper, "latest"]));
  let n = 0n;
  const calls = stack.tokens.flatMap((token, i) => {
    const unit = 10n ** BigInt(stack.assets[i]!.decimals);
    const amount = (debtTotals.get(i) ?? 0n) * 10n + 1_000_000n * unit;
    return [
      { method: "eth_sendTransaction", params: [{ from: keeper, to: token, data: encodeFunctionData({ abi, functionName: "mint", args: [keeper, amount] }), gas: toHex(120_000), nonce: toHex(nonce + n++) }] },
      { method: "eth_sendTransaction", params: [{ from: keeper, to: token, data: encodeFunctionData({ abi, functionName: "approve", args: [stack.vault, maxUint256] }), gas: toHex(80_000), nonce: toHex(nonce + n++) }] },
    ];
  });
  await chain.rpc.batch(calls);
}

interface SettleOptions {
  quietMs: number;
  /** how long to wait for the keeper while `untouched` says accounts are still waiting for it */
  patienceMs: number;
  maxMs: number;
  untouched?: () => Promise<number>;
}

/**
 * Waits until the keeper is done with the latest round: no new block, broadcast or outcome for
 * `quietMs`, every broadcast has an outcome or a receipt, and no account the estimate puts below 1 is
 * left untouched (or the keeper has been idle for `patienceMs` anyway: it may skip some on purpose).
 * Gives up after `maxMs` with a note.
 */
async function settleKeeper(keeper: KeeperProcess, chain: SimChain, opts: SettleOptions, say: (l: string) => void, what: string): Promise<void> {
  const startMs = performance.now();
  let lastBlock = await chain.rpc.blockNumber();
  let last = startMs;
  const receipted = new Set<string>();
  for (;;) {
    await keeper.nextLine(100);
    if (!keeper.running) throw new KeeperError(`the keeper exited (code ${keeper.exitCode}, signal ${keeper.exitSignal}) during the replay; its last lines:\n${keeper.tailText()}`);
    const now = performance.now();
    const b = await chain.rpc.blockNumber();
    if (b !== lastBlock) {
      lastBlock = b;
      last = now;
    }
    last = Math.max(last, keeper.lastActivityMs);
    if (now - last >= opts.quietMs) {
      const done = new Set([...keeper.outcomes.map((x) => x.txHash), ...receipted]);
      const open = keeper.broadcasts.filter((x) => !done.has(x.txHash) && /^0x[0-9a-fA-F]{64}$/.test(x.txHash));
      if (open.length > 0) {
        const rs = await chain.rpc.batch<unknown>(open.map((x) => ({ method: "eth_getTransactionReceipt", params: [x.txHash] })), { settle: true });
        rs.forEach((r, i) => r !== null && !(r instanceof Error) && receipted.add(open[i]!.txHash));
      }
      if (open.every((x) => receipted.has(x.txHash))) {
        if (opts.untouched === undefined || now - last >= opts.patienceMs) return;
        if ((await opts.untouched()) === 0) return;
      }
    }
    if (now - startMs > opts.maxMs) {
      say(`note: the keeper was still busy ${Math.round(opts.maxMs / 1000)} s after ${what}; moving on`);
      return;
    }
  }
}

// ------------------------------------------------------------------------------------------------ chain reads

interface LiquidatedEvent {
  owner: Address;
  subId: number;
  liquidator: Address;
  debtAsset: number;
  collateralAsset: number;
  repaid: bigint;
  /** what the debt fell by (the vault's `paid` where it has one, else `repaid`) */
  paid: bigint;
  seized: bigint;
  fee: bigint;
  block: bigint;
}

interface BadDebtEvent {
  owner: Address;
  subId: number;
  asset: number;
  amount: bigint;
  fromReserves: bigint;
  socialised: bigint;
  block: bigint;
}

async function vaultEvents(chain: SimChain, stack: Stack, fromBlock: bigint, toBlock: bigint): Promise<{ liquidated: LiquidatedEvent[]; badDebt: BadDebtEvent[] }> {
  if (toBlock < fromBlock) return { liquidated: [], badDebt: [] };
  const abi = abiOf("IVault");
  const [liq, bad] = await Promise.all([
    chain.publicClient.getContractEvents({ address: stack.vault, abi, eventName: "Liquidated", fromBlock, toBlock }),
    chain.publicClient.getContractEvents({ address: stack.vault, abi, eventName: "BadDebt", fromBlock, toBlock }),
  ]);
  type Args = Record<string, unknown>;
  return {
    liquidated: liq.map((l) => {
      const a = (l as unknown as { args: Args }).args;
      return {
        owner: a.owner as Address,
        subId: Number(a.subId),
        liquidator: a.liquidator as Address,
        debtAsset: Number(a.debtAsset),
        collateralAsset: Number(a.collateralAsset),
        repaid: a.repaid as bigint,
        paid: (a.paid ?? a.repaid) as bigint,
        seized: a.seized as bigint,
        fee: a.fee as bigint,
        block: l.blockNumber!,
      };
    }),
    badDebt: bad.map((l) => {
      const a = (l as unknown as { args: Args }).args;
      return {
        owner: a.owner as Address,
        subId: Number(a.subId),
        asset: Number(a.asset),
        amount: a.amount as bigint,
        fromReserves: a.fromReserves as bigint,
        socialised: a.socialised as bigint,
        block: l.blockNumber!,
      };
    }),
  };
}

function applyLiquidation(tracked: Map<string, Tracked>, stack: Stack, e: LiquidatedEvent): void {
  const t = tracked.get(accountKey(e.owner, e.subId));
  if (!t) return;
  const tokens = (amount: bigint, asset: number) => Number(amount) / 10 ** stack.assets[asset]!.decimals;
  t.coll.set(e.collateralAsset, Math.max(0, (t.coll.get(e.collateralAsset) ?? 0) - tokens(e.seized, e.collateralAsset)));
  t.debt.set(e.debtAsset, Math.max(0, (t.debt.get(e.debtAsset) ?? 0) - tokens(e.paid, e.debtAsset)));
}

interface HealthRow {
  collateralValue: bigint;
  weightedCollateral: bigint;
  initialMarginValue: bigint;
  debtValue: bigint;
  healthFactor: bigint;
}

/** The vault's accountsHealth for every account, in chunks (one JSON-RPC batch). */
export async function healthOnChain(chain: SimChain, vault: Address, accounts: readonly Pick<PlannedAccount, "owner" | "subId">[], block?: bigint): Promise<HealthRow[]> {
  const abi = abiOf("IVault");
  const chunk = 100;
  const calls = [];
  for (let i = 0; i < accounts.length; i += chunk) {
    const part = accounts.slice(i, i + chunk);
    const data = encodeFunctionData({ abi, functionName: "accountsHealth", args: [part.map((a) => a.owner), part.map((a) => a.subId)] });
    calls.push({ method: "eth_call", params: [{ to: vault, data }, block === undefined ? "latest" : toHex(block)] });
  }
  const results = await chain.rpc.batch<Hex>(calls, { chunk: 10 });
  return results.flatMap((r) => decodeFunctionResult({ abi, functionName: "accountsHealth", data: r as Hex }) as unknown as HealthRow[]);
}

/** Price (WAD) of `asset` in force at `block`: the last round pushed at or before it. */
function priceAt(pushed: PushedStep[], asset: number, block: bigint): bigint {
  let p = pushed[0]!.pricesWad[asset]!;
  for (const s of pushed) {
    if (s.block <= block) p = s.pricesWad[asset]!;
    else break;
  }
  return p;
}

async function summarize(
  chain: SimChain,
  stack: Stack,
  plan: PopulationPlan,
  path: PricePath,
  pushed: PushedStep[],
  keeper: KeeperProcess | undefined,
  during: { maxBelow: number; maxBelowRound: number; everBelow: number },
  seeded: Awaited<ReturnType<typeof seedPopulation>>,
  o: SimOptions,
): Promise<SimSummary> {
  const head = await chain.rpc.blockNumber();
  const usd = (amount: bigint, asset: number, block: bigint) => (amount * priceAt(pushed, asset, block)) / 10n ** BigInt(stack.assets[asset]!.decimals);
  const ev = await vaultEvents(chain, stack, stack.startBlock, head);

  let repaidUsd = 0n;
  let seizedUsd = 0n;
  let feesUsd = 0n;
  const liquidatedAccounts = new Set<string>();
  const byLiquidator: Record<string, number> = {};
  for (const e of ev.liquidated) {
    repaidUsd += usd(e.paid, e.debtAsset, e.block);
    seizedUsd += usd(e.seized, e.collateralAsset, e.block);
    feesUsd += usd(e.fee, e.collateralAsset, e.block);
    liquidatedAccounts.add(accountKey(e.owner, e.subId));
    byLiquidator[e.liquidator.toLowerCase()] = (byLiquidator[e.liquidator.toLowerCase()] ?? 0) + 1;
  }
  let badUsd = 0n;
  let badReserves = 0n;
  let badSocial = 0n;
  const badAccounts = new Set<string>();
  for (const e of ev.badDebt) {
    badUsd += usd(e.amount, e.asset, e.block);
    badReserves += usd(e.fromReserves, e.asset, e.block);
    badSocial += usd(e.socialised, e.asset, e.block);
    badAccounts.add(accountKey(e.owner, e.subId));
  }

  // exact end state
  const rows = await healthOnChain(chain, stack.vault, plan.accounts);
  const liquidatable: string[] = [];
  let liqDebt = 0n;
  let insolvent = 0;
  let shortfall = 0n;
  let minHealth: bigint | undefined;
  let neverLiquidated = 0;
  rows.forEach((r, i) => {
    const a = plan.accounts[i]!;
    if (r.debtValue > 0n && (minHealth === undefined || r.healthFactor < minHealth)) minHealth = r.healthFactor;
    if (r.healthFactor < WAD) {
      const key = accountKey(a.owner, a.subId);
      liquidatable.push(key);
      liqDebt += r.debtValue;
      if (!liquidatedAccounts.has(key)) neverLiquidated++;
      if (r.collateralValue < r.debtValue) {
        insolvent++;
        shortfall += r.debtValue - r.collateralValue;
      }
    }
  });

  // keeper transactions
  const outcomes: Record<string, number> = {};
  const outcomeReasons: Record<string, number> = {};
  const onChain = { succeeded: 0, reverted: 0, missing: 0 };
  if (keeper) {
    for (const x of keeper.outcomes) {
      outcomes[x.kind] = (outcomes[x.kind] ?? 0) + 1;
      if (x.reason !== undefined) outcomeReasons[`${x.kind}: ${x.reason}`] = (outcomeReasons[`${x.kind}: ${x.reason}`] ?? 0) + 1;
    }
    const hashes = keeper.broadcasts.map((b) => b.txHash).filter((h) => /^0x[0-9a-fA-F]{64}$/.test(h));
    const receipts = await chain.rpc.batch<{ status: string } | null>(
      hashes.map((h) => ({ method: "eth_getTransactionReceipt", params: [h] })),
      { settle: true },
    );
    for (const r of receipts) {
      if (r === null || r instanceof Error) onChain.missing++;
      else if ((r as { status: string }).status === "0x1") onChain.succeeded++;
      else onChain.reverted++;
    }
    onChain.missing += keeper.broadcasts.length - hashes.length;
  }

  const prices: Record<string, PriceMove> = {};
  for (const s of Object.keys(path.steps[0]!)) {
    const series = path.steps.map((p) => p[s]!);
    const start = series[0]!;
    const min = Math.min(...series);
    const end = series[series.length - 1]!;
    prices[s] = { start, min, end, minChangePct: (min / start - 1) * 100, endChangePct: (end / start - 1) * 100 };
  }
  const toWad = (x: number) => BigInt(Math.round(x * 100)) * 10n ** 16n;
  return {
    population: {
      accounts: plan.accounts.length,
      owners: plan.owners.length,
      seed: o.seed,
      medianSizeUsd: o.medianSizeUsd,
      leverage: o.leverage,
      collateralUsd: toWad(plan.accounts.reduce((s, a) => s + a.collateralUsd, 0)),
      debtUsd: toWad(plan.accounts.reduce((s, a) => s + a.debtUsd, 0)),
      health: {
        p10: quantile(plan.accounts.map((a) => a.targetHealth), 0.1),
        p50: quantile(plan.accounts.map((a) => a.targetHealth), 0.5),
        p90: quantile(plan.accounts.map((a) => a.targetHealth), 0.9),
      },
      seedSeconds: seeded.elapsedMs / 1000,
      accountsPerSecond: seeded.accountsPerSecond,
      txs: seeded.txs,
    },
    scenario: {
      name: path.name,
      description: path.description,
      rounds: path.steps.length - 1,
      stepSeconds: path.stepSeconds,
      durationSeconds: (path.steps.length - 1) * path.stepSeconds,
      ...(path.historyFrom !== undefined ? { historyFrom: path.historyFrom, historyTo: path.historyTo } : {}),
      prices,
      warnings: path.warnings,
    },
    during: { maxBelowOneEst: during.maxBelow, maxBelowOneRound: during.maxBelowRound, everBelowOneEst: during.everBelow },
    keeper: {
      enabled: keeper !== undefined,
      broadcasts: keeper?.broadcasts.length ?? 0,
      outcomes,
      outcomeReasons,
      ...(keeper?.finalStats !== undefined ? { finalStats: keeper.finalStats } : {}),
      onChain,
      reactionMs: percentiles((keeper?.broadcasts ?? []).map((b) => b.reactionMs).filter((x): x is number => x !== undefined)),
      warnings: keeper?.warnings.slice(0, 20) ?? [],
    },
    liquidations: {
      events: ev.liquidated.length,
      accounts: liquidatedAccounts.size,
      repaidUsd,
      seizedUsd,
      protocolFeesUsd: feesUsd,
      liquidatorGainUsd: seizedUsd - feesUsd - repaidUsd,
      byLiquidator,
    },
    badDebt: { events: ev.badDebt.length, accounts: badAccounts.size, amountUsd: badUsd, fromReservesUsd: badReserves, socialisedUsd: badSocial },
    end: { block: head, checked: rows.length, liquidatable, liquidatableDebtUsd: liqDebt, neverLiquidated, insolvent, shortfallUsd: shortfall, minHealth },
    timings: {},
  };
}

// ------------------------------------------------------------------------------------------------ output

const wadHealth = (h: bigint | undefined) => (h === undefined ? "-" : (Number(h / 10n ** 12n) / 1e6).toFixed(4));

export function renderSummary(s: SimSummary): string {
  const L: string[] = [];
  const p = s.population;
  const sc = s.scenario;
  L.push("", "=== simulation summary ===");
  L.push(
    `population   ${p.accounts} accounts (${p.owners} owners), seed ${p.seed}, leverage ${p.leverage}: collateral $${formatUsd(p.collateralUsd)}, debt $${formatUsd(p.debtUsd)}`,
  );
  L.push(`             health at start p10 ${p.health.p10.toFixed(2)} / p50 ${p.health.p50.toFixed(2)} / p90 ${p.health.p90.toFixed(2)}; seeded in ${p.seedSeconds.toFixed(1)} s (${p.accountsPerSecond.toFixed(0)} accounts/s)`);
  L.push(`scenario     ${sc.name}: ${sc.rounds} rounds of ${sc.stepSeconds} s (${clock(sc.durationSeconds).slice(1)} h)${sc.historyFrom ? `, history ${sc.historyFrom} .. ${sc.historyTo}` : ""}`);
  for (const [sym, m] of Object.entries(sc.prices)) {
    if (Math.abs(m.minChangePct) < 0.01 && Math.abs(m.endChangePct) < 0.01) continue;
    L.push(`             ${sym.padEnd(5)} ${fmtPrice(m.start)} -> low ${fmtPrice(m.min)} (${pct(m.minChangePct)}) -> end ${fmtPrice(m.end)} (${pct(m.endChangePct)})`);
  }
  L.push(`during       up to ≈${s.during.maxBelowOneEst} accounts below health 1 at once (round ${s.during.maxBelowOneRound}); ≈${s.during.everBelowOneEst} went below 1 at some round`);
  const k = s.keeper;
  if (k.enabled) {
    const l = s.liquidations;
    L.push(`liquidated   ${l.accounts} accounts in ${l.events} liquidations: repaid $${formatUsd(l.repaidUsd)}, seized $${formatUsd(l.seizedUsd)} (protocol fees $${formatUsd(l.protocolFeesUsd)}, liquidator gain $${formatUsd(l.liquidatorGainUsd)})`);
    L.push(`bad debt     $${formatUsd(s.badDebt.amountUsd)} written off on ${s.badDebt.accounts} accounts (from reserves $${formatUsd(s.badDebt.fromReservesUsd)}, socialised $${formatUsd(s.badDebt.socialisedUsd)})`);
    const r = k.reactionMs;
    const ms = (x: number | undefined) => (x === undefined ? "-" : `${Math.round(x)} ms`);
    const list = (r: Record<string, number>) => Object.entries(r).map(([x, n]) => `${x} ${n}`).join(", ") || "none";
    L.push(`keeper       ${k.broadcasts} tx sent: ${k.onChain.succeeded} succeeded, ${k.onChain.reverted} reverted, ${k.onChain.missing} not mined (receipts)`);
    L.push(`             keeper outcomes: ${list(k.outcomes)}${Object.keys(k.outcomeReasons).length > 0 ? ` (${list(k.outcomeReasons)})` : ""}`);
    L.push(`             reaction (oracle update -> broadcast) p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, max ${ms(r.max)} over ${r.count} tx`);
    for (const w of k.warnings.slice(0, 5)) L.push(`             keeper error: ${w}`);
  } else {
    L.push(`keeper       not run (--no-keeper): nothing was liquidated`);
  }
  const e = s.end;
  L.push(
    `end          ${e.liquidatable.length} of ${e.checked} accounts liquidatable now (debt $${formatUsd(e.liquidatableDebtUsd)}, ${e.neverLiquidated} never liquidated); ` +
      `${e.insolvent} insolvent (collateral < debt, shortfall $${formatUsd(e.shortfallUsd)}); lowest health ${wadHealth(e.minHealth)}`,
  );
  if (e.liquidatable.length > 0) L.push(`             e.g. ${e.liquidatable.slice(0, 3).join(", ")}${e.liquidatable.length > 3 ? ", …" : ""}`);
  const t = s.timings;
  L.push(
    `timings      total ${((t.totalMs ?? 0) / 1000).toFixed(1)} s: chain ${((t.chainStartMs ?? 0) / 1000).toFixed(1)}, deploy ${((t.deployMs ?? 0) / 1000).toFixed(1)}, seed ${((t.seedMs ?? 0) / 1000).toFixed(1)}` +
      `${t.keeperReadyMs !== undefined ? `, keeper start ${(t.keeperReadyMs / 1000).toFixed(1)}` : ""}, replay ${((t.replayMs ?? 0) / 1000).toFixed(1)}` +
      `${t.drainMs !== undefined ? `, drain ${(t.drainMs / 1000).toFixed(1)}` : ""}, summary ${((t.summaryMs ?? 0) / 1000).toFixed(1)}`,
  );
  return L.join("\n");
}

const USD_KEYS = /Usd$/;
/** The summary as JSON: USD amounts as decimal strings with 2 decimals, other bigints as strings. */
export function summaryJson(s: SimSummary): string {
  return JSON.stringify(
    s,
    (key, v) => (typeof v === "bigint" ? (USD_KEYS.test(key) ? formatUsd(v).replaceAll(",", "") : v.toString()) : v),
    2,
  );
}

// ------------------------------------------------------------------------------------------------ CLI

function intOption(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer ${min}..${max}`);
    return n;
  };
}

async function main(argv: string[]): Promise<number> {
  const program = new Command("sim")
    .description("Replay a price crash against a seeded book of accounts on a local in-process chain, with the real keeper liquidating")
    .addOption(new Option("--accounts <n>", "number of accounts").default(DEFAULT_OPTIONS.accounts).argParser(intOption("--accounts", 1, 20_000)))
    .option("--seed <seed>", "seed of the population and the scenario's noise", DEFAULT_OPTIONS.seed)
    .addOption(new Option("--median-size <usd>", "median collateral value per account, USD").default(DEFAULT_OPTIONS.medianSizeUsd).argParser((v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 100 || n > 1e9) throw new InvalidArgumentError("expected a USD amount between 100 and 1e9");
      return n;
    }))
    .option("--leverage <profile>", `${Object.keys(LEVERAGE_PROFILES).join(", ")}, or a median health factor like 1.3`, DEFAULT_OPTIONS.leverage)
    .addOption(new Option("--sub-accounts <n>", "sub-accounts per owner (1..256)").default(DEFAULT_OPTIONS.subAccountsPerOwner).argParser(intOption("--sub-accounts", 1, 256)))
    .option("--scenario <name>", `built-in scenario: ${Object.keys(BUILT_IN_SCENARIOS).join(", ")}`, DEFAULT_OPTIONS.scenario)
    .option("--path <[ASSET=]file>", "replay price history from a file instead (repeat for several assets)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option("--from <iso>", "start of the history window (with --path)")
    .option("--to <iso>", "end of the history window (with --path)")
    .addOption(new Option("--step-seconds <s>", "seconds between oracle rounds (default: the scenario's or the data's own)").argParser(intOption("--step-seconds", 1, 86_400)))
    .addOption(new Option("--max-steps <n>", "longest replay accepted, in rounds").default(DEFAULT_OPTIONS.maxSteps).argParser(intOption("--max-steps", 1, 100_000)))
    .option("--no-keeper", "don't run the keeper: only show what would be liquidatable")
    .addOption(new Option("--keeper-quiet-ms <ms>", "the keeper is done with a round after this long without activity").default(DEFAULT_OPTIONS.keeperQuietMs).argParser(intOption("--keeper-quiet-ms", 50, 600_000)))
    .addOption(new Option("--keeper-patience-ms <ms>", "how long an idle keeper gets to act on accounts estimated liquidatable").default(DEFAULT_OPTIONS.keeperPatienceMs).argParser(intOption("--keeper-patience-ms", 0, 600_000)))
    .addOption(new Option("--keeper-log-level <level>", "keeper log level").choices(["trace", "debug", "info", "warn", "error"]).default(DEFAULT_OPTIONS.keeperLogLevel))
    .option("--keeper-log <file>", "append the keeper's log lines (JSON) to this file")
    .option("--json", "print the summary as JSON on stdout")
    .option("-q, --quiet", "no progress lines")
    .showHelpAfterError();
  program.parse(argv);
  const f = program.opts<Record<string, unknown>>();
  const options: Partial<SimOptions> = {
    accounts: f.accounts as number,
    seed: String(f.seed),
    medianSizeUsd: f.medianSize as number,
    leverage: String(f.leverage),
    subAccountsPerOwner: f.subAccounts as number,
    scenario: String(f.scenario),
    paths: f.path as string[],
    from: f.from as string | undefined,
    to: f.to as string | undefined,
    stepSeconds: f.stepSeconds as number | undefined,
    maxSteps: f.maxSteps as number,
    keeper: f.keeper !== false,
    keeperQuietMs: f.keeperQuietMs as number,
    keeperPatienceMs: f.keeperPatienceMs as number,
    keeperLogLevel: String(f.keeperLogLevel),
    keeperLogFile: f.keeperLog as string | undefined,
  };
  const t0 = performance.now();
  const progress = f.quiet === true ? undefined : (line: string) => process.stderr.write(`[sim ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  try {
    const summary = await runSimulation(options, { progress });
    process.stdout.write((f.json === true ? summaryJson(summary) : renderSummary(summary)) + "\n");
    return 0;
  } catch (e) {
    const err = e as Error;
    if (["ScenarioError", "KeeperError"].includes(err.name) || err instanceof ScenarioError || /^--|^seeding:/.test(err.message)) {
      process.stderr.write(`sim: ${err.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("scripts/sim.ts")) {
  process.once("exit", killKeepers);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killKeepers();
      process.stderr.write(`sim: interrupted (${sig})\n`);
      process.exit(130);
    });
  }
  const code = await main(process.argv);
  process.exit(code);
}

/**
 * Stateful fuzzer of the vault: random action sequences (bounded handler, mostly-valid amounts) against
 * the in-process chain, with every invariant of docs/invariants.md checked after every call and the
 * liquidation invariants checked around every liquidation. Time is driven explicitly
 * (evm_setNextBlockTimestamp before every transaction), so a sequence depends only on its seed and reads
 * at the `pending` block see exactly the state and timestamp the next transaction will run at.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  maxUint256,
  parseEventLogs,
  type Abi,
  type Hex,
} from "viem";
import type { NetworkConnection } from "hardhat/types/network";
import {
  DEFAULT_ASSETS,
  assetParams,
  deployVaultWith,
  type AssetSpec,
} from "../fixtures/vaultFixture.ts";
import { Rng, sequenceSeed } from "./prng.ts";
import { Report, type InvariantId } from "./report.ts";
import type { FuzzConfig } from "./config.ts";
import {
  BPS,
  WAD,
  bonusDown,
  capPoint,
  ceilDiv,
  health as modelHealth,
  maxLiquidation as modelMaxLiquidation,
  protocolFeeUp,
  seizeDown,
  valueUp,
  type AssetRisk,
  type Globals,
  type Pos,
} from "./model.ts";

/** The fixture's USDC (6), WBTC (8), WETH (18) plus an 18-decimal LINK, so an account can hold 2 collaterals x 2 debts. */
export const FUZZ_ASSETS: AssetSpec[] = [
  ...DEFAULT_ASSETS,
  {
    symbol: "LINK",
    decimals: 18,
    priceUsd: "15",
    params: { ltv: 6500, liquidationThreshold: 7000, maxBonus: 120_000_000_000_000_000n },
  },
];

export async function deployFuzzVault(connection: NetworkConnection) {
  return deployVaultWith(connection, FUZZ_ASSETS);
}

export type Fixture = Awaited<ReturnType<typeof deployFuzzVault>>;
function deployFlashBorrower(f: Fixture) {
  return f.viem.deployContract("FlashBorrowerMock", []);
}
type FlashBorrower = Awaited<ReturnType<typeof deployFlashBorrower>>;

/** A revert is "named" when it decoded to a custom error of the vault, a token or the mocks. */
function isNamedError(reason: string): boolean {
  return reason !== "Panic" && !/^(raw:|unknown|error:|reason:|receipt)/.test(reason);
}
type Wallet = Fixture["admin"];
type Vault = Fixture["vault"];

interface Account {
  owner: Wallet;
  name: string;
  sub: number;
}

type TxOk = { ok: true; hash: Hex; logs: VaultLog[] };
type TxFail = { ok: false; reason: string; args: readonly unknown[] };
type TxResult = TxOk | TxFail;

type VaultLog = ReturnType<typeof parseVaultLogs>[number];
type LiquidatedArgs = Extract<VaultLog, { eventName: "Liquidated" }>["args"];
type BadDebtArgs = Extract<VaultLog, { eventName: "BadDebt" }>["args"];
type AssetStateView = Awaited<ReturnType<Vault["read"]["assetState"]>>;

function parseVaultLogs(abi: Vault["abi"], logs: Parameters<typeof parseEventLogs>[0]["logs"]) {
  return parseEventLogs({ abi, logs });
}

const ACTIONS = {
  deposit: 10,
  withdraw: 6,
  transferCollateral: 4,
  borrow: 14,
  repay: 5,
  supply: 3,
  redeem: 3,
  liquidate: 20,
  splitLiquidation: 5,
  settleBadDebt: 3,
  priceMove: 14,
  timeJump: 3,
  accrueInterest: 3,
  donate: 1,
  withdrawReserves: 1,
  coolOff: 2,
  flashLoan: 2,
} as const;
type Action = keyof typeof ACTIONS;

const FEED_TO_WAD = 10n ** 10n; // 8-decimal feeds
const GAS = 6_000_000n;

/**
 * INV-5's rounding slack of one liquidation of debt d (price pd, unit ud) against a collateral with
 * threshold `lt`, on an account with weighted collateral W and debt value D before and Dafter after.
 * Exact arithmetic gives W'/D' - W/D > (gain - slack) / (ud * BPS * WAD * D * D'), with
 *   gain  = repaid * pd * (W * BPS * WAD - lt * (WAD + bonus) * D)   (> 0 above the cap point)
 *   slack = BPS * (W * ((bi + WAD) * pd + ud * WAD) + 3 * D * ud * WAD)
 * (the debt may shrink by up to bi/WAD + 1 units less than repaid because burnt shares round down, and
 * the value, weight and debt-value roundings cost at most 3 wei of USD). `strict`: the liquidation must
 * raise the floored health factor; otherwise it may lower it by at most `drop`.
 */
export function inv5Slack(
  W: bigint,
  D: bigint,
  Dafter: bigint,
  repaid: bigint,
  bonus: bigint,
  pd: bigint,
  ud: bigint,
  lt: bigint,
  bi: bigint,
): { strict: boolean; drop: bigint } {
  if (Dafter === 0n) return { strict: true, drop: 0n };
  const gain = repaid * pd * (W * BPS * WAD - lt * (WAD + bonus) * D);
  const slack = BPS * (W * ((bi + WAD) * pd + ud * WAD) + 3n * D * ud * WAD);
  const den = ud * BPS * D * Dafter;
  return { strict: gain - slack >= den, drop: slack > gain ? ceilDiv(slack - gain, den) : 0n };
}

/** Run a whole campaign: `cfg.sequences` sequences of `cfg.depth` calls, each from a fresh fixture. */
export async function runCampaign(
  cfg: FuzzConfig,
  load: () => Promise<Fixture>,
  report: Report,
): Promise<void> {
  report.startedAt = performance.now();
  const first = cfg.onlySeq ?? 0;
  let remaining = cfg.onlySeq === undefined ? cfg.calls : cfg.depth;
  for (let i = first; remaining > 0; i++) {
    const steps = Math.min(cfg.depth, remaining);
    remaining -= steps;
    const f = await load();
    const seq = new Sequence(f, cfg, i, report);
    try {
      await seq.run(steps);
    } catch (e) {
      report.harnessErrors.push(`sequence ${i} call ${seq.step}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      // leave the chain usable for the next sequence
      await f.testClient.setAutomine(true).catch(() => undefined);
    }
    report.sequences++;
  }
  report.finishedAt = performance.now();
}

class Sequence {
  readonly rng: Rng;
  readonly seqSeed: number;
  readonly vault: Vault;
  readonly n: number;
  readonly accounts: Account[];
  readonly borrowers: Wallet[];
  readonly liquidators: Wallet[];
  readonly lenders: Wallet[];
  readonly answers: bigint[];
  readonly initialAnswers: bigint[];
  readonly feedUpdatedAt: bigint[];
  readonly donated: bigint[];
  /** partial liquidations per debt asset: each may leave the rounded total borrows 1 wei below the cash it paid */
  readonly partialLiquidations: bigint[];
  readonly errorAbi: Abi;
  risk: AssetRisk[] = [];
  globals: Globals = { minBonus: 0n, targetHealth: 0n, minLeftover: 0n };
  sizeTiers = false;
  nextTs = 0n;
  step = 0;
  log: string[] = [];
  /** assets whose supply index a bad-debt write-off lowered during the current call */
  socialised = new Set<number>();
  prevIndices: Array<{ borrowIndex: bigint; supplyIndex: bigint }> = [];
  flashBorrower: FlashBorrower | undefined;
  /** the sweep's pending-block healths, reused by the next call's choice if the clock did not move */
  pendingHealths: { ts: bigint; hs: Awaited<ReturnType<Vault["read"]["accountsHealth"]>> } | undefined;
  flashMode = 0;

  readonly f: Fixture;
  readonly cfg: FuzzConfig;
  readonly index: number;
  readonly report: Report;

  constructor(f: Fixture, cfg: FuzzConfig, index: number, report: Report) {
    this.f = f;
    this.cfg = cfg;
    this.index = index;
    this.report = report;
    this.seqSeed = sequenceSeed(cfg.seed, index);
    this.rng = new Rng(this.seqSeed);
    this.vault = f.vault;
    this.n = f.tokens.length;
    const w = f.wallets;
    const [admin, lender, alice, bob, liquidator, carol, dave, erin] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => w[i]!) as [
      Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
    ];
    void admin;
    this.borrowers = [alice, bob, carol, dave];
    this.accounts = [
      { owner: alice, name: "alice", sub: 0 },
      { owner: alice, name: "alice", sub: 1 },
      { owner: bob, name: "bob", sub: 0 },
      { owner: bob, name: "bob", sub: 1 },
      { owner: carol, name: "carol", sub: 0 },
      { owner: dave, name: "dave", sub: 0 },
      { owner: dave, name: "dave", sub: 1 },
    ];
    this.liquidators = [liquidator, erin, bob, carol];
    this.lenders = [lender, erin, carol];
    this.answers = FUZZ_ASSETS.map((s) => BigInt(Math.round(Number(s.priceUsd) * 1e8)));
    this.initialAnswers = [...this.answers];
    this.feedUpdatedAt = FUZZ_ASSETS.map(() => 0n);
    this.donated = FUZZ_ASSETS.map(() => 0n);
    this.partialLiquidations = FUZZ_ASSETS.map(() => 0n);
    this.errorAbi = [...f.vault.abi, ...f.tokens[0]!.abi, ...f.feeds[0]!.abi] as Abi;
    this.errorAbi = [...this.errorAbi, ...f.extension.abi.filter((x) => x.type === "error")] as Abi;
  }

  // ------------------------------------------------------------------ plumbing

  price(asset: number): bigint {
    return this.answers[asset]! * FEED_TO_WAD;
  }

  prices(): bigint[] {
    return this.answers.map((a) => a * FEED_TO_WAD);
  }

  sym(asset: number): string {
    return FUZZ_ASSETS[asset]?.symbol ?? `asset${asset}`;
  }

  /** Units of `asset` worth `usdWad`. */
  units(asset: number, usdWad: bigint): bigint {
    return (usdWad * this.risk[asset]!.unit) / this.price(asset);
  }

  record(line: string): void {
    const l = `#${this.step} ${line}`;
    this.log.push(l);
    if (this.cfg.verbose) console.log(`[seq ${this.index}] ${l}`);
  }

  check(inv: InvariantId, ok: boolean, message: () => string): boolean {
    this.report.check(inv);
    if (!ok) {
      const msg = message();
      this.record(`!! ${inv}: ${msg}`);
      this.report.violate({
        invariant: inv,
        seed: this.cfg.seed,
        sequence: this.index,
        sequenceSeed: this.seqSeed,
        step: this.step,
        message: msg,
        log: [...this.log],
      });
    }
    return ok;
  }

  async setNext(): Promise<void> {
    await this.f.testClient.setNextBlockTimestamp({ timestamp: this.nextTs });
  }

  decode(e: unknown): { reason: string; args: readonly unknown[] } {
    if (e instanceof BaseError) {
      const r = e.walk((x) => x instanceof ContractFunctionRevertedError);
      if (r instanceof ContractFunctionRevertedError) {
        if (r.data) return { reason: r.data.errorName, args: r.data.args ?? [] };
        if (r.raw) {
          try {
            const d = decodeErrorResult({ abi: this.errorAbi, data: r.raw });
            return { reason: d.errorName, args: d.args ?? [] };
          } catch {
            return { reason: `raw:${r.raw.slice(0, 10)}`, args: [] };
          }
        }
        return { reason: r.reason !== undefined ? `reason:${r.reason}` : "unknown revert", args: [] };
      }
      return { reason: `error:${e.shortMessage}`, args: [] };
    }
    return { reason: `error:${String(e)}`, args: [] };
  }

  /** Send one transaction at `nextTs` (automine); a success advances the clock by one second. */
  async send(fn: () => Promise<Hex>): Promise<TxResult> {
    await this.setNext();
    let hash: Hex;
    try {
      hash = await fn();
    } catch (e) {
      const d = this.decode(e);
      this.check("INV-16", isNamedError(d.reason), () => `a call reverted without a named error: ${d.reason}`);
      return { ok: false, reason: d.reason, args: d.args };
    }
    this.nextTs++;
    this.report.transactions++;
    const receipt = await this.f.publicClient.getTransactionReceipt({ hash });
    if (receipt.status !== "success") return { ok: false, reason: "receipt reverted", args: [] };
    const logs = parseVaultLogs(this.vault.abi, receipt.logs).filter(
      (l) => l.address.toLowerCase() === this.vault.address.toLowerCase(),
    );
    this.noteLogs(logs);
    return { ok: true, hash, logs };
  }

  noteLogs(logs: VaultLog[]): void {
    for (const l of logs) {
      if (l.eventName === "BadDebt") {
        this.report.count("bad debt events");
        if (l.args.socialised > 0n) {
          this.socialised.add(l.args.asset);
          this.report.count("bad debt socialised to suppliers");
        }
      } else if (l.eventName === "Liquidated") {
        this.report.count("liquidations executed");
      }
    }
  }

  async tryRead<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string; args: readonly unknown[] }> {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      const d = this.decode(e);
      this.check("INV-16", isNamedError(d.reason), () => `a view reverted without a named error: ${d.reason}`);
      return { ok: false, reason: d.reason, args: d.args };
    }
  }

  async positions(a: Account, pending = false): Promise<Pos[]> {
    const ps = await this.vault.read.positions(
      [a.owner.account.address, a.sub],
      pending ? { blockTag: "pending" } : {},
    );
    return ps.map((p) => ({ asset: p.asset, isDebt: p.isDebt, amount: p.amount, shares: p.shares }));
  }

  async healths(pending = false) {
    return this.vault.read.accountsHealth(
      [this.accounts.map((a) => a.owner.account.address), this.accounts.map((a) => a.sub)],
      pending ? { blockTag: "pending" } : {},
    );
  }

  async states(pending = false): Promise<AssetStateView[]> {
    return Promise.all(
      Array.from({ length: this.n }, (_, i) => this.vault.read.assetState([i], pending ? { blockTag: "pending" } : {})),
    );
  }

  accName(a: Account): string {
    return `${a.name}/${a.sub}`;
  }

  // ------------------------------------------------------------------ sequence

  async run(steps: number): Promise<void> {
    const f = this.f;
    const latest = await f.publicClient.getBlock();
    this.nextTs = latest.timestamp + 1n;
    for (let i = 0; i < this.n; i++) this.feedUpdatedAt[i] = latest.timestamp;
    this.sizeTiers = this.index % 3 === 1;
    this.record(`sequence ${this.index} seed ${this.seqSeed}${this.sizeTiers ? " (size tiers on WBTC/WETH)" : ""}`);
    if (this.sizeTiers) {
      await this.setSizeTier(1, 500_000n * WAD, 7000);
      await this.setSizeTier(2, 200_000n * WAD, 8000);
    }
    await this.loadRisk();
    await this.refreshFeeds();
    await this.setNext();
    this.flashBorrower = await deployFlashBorrower(f);
    this.nextTs++;
    for (const [i, t] of f.tokens.entries()) {
      const fb = this.flashBorrower.address;
      await this.send(() => t.write.mint([fb, 10n ** 12n * this.risk[i]!.unit]));
    }
    await this.setup();
    const s0 = await this.states();
    this.prevIndices = s0.map((s) => ({ borrowIndex: s.borrowIndex, supplyIndex: s.supplyIndex }));
    await this.checkAll("setup");

    for (this.step = 1; this.step <= steps; this.step++) {
      this.socialised.clear();
      if (this.nextTs - this.feedUpdatedAt.reduce((m, x) => (x < m ? x : m)) > 3000n) await this.refreshFeeds();
      let t = performance.now();
      const action = this.chooseAction(await this.market());
      this.report.time("market", performance.now() - t);
      t = performance.now();
      await this.act(action);
      this.report.time(`act ${action}`, performance.now() - t);
      t = performance.now();
      await this.checkAll(action);
      this.report.time("checkAll", performance.now() - t);
    }
  }

  async setSizeTier(asset: number, threshold: bigint, factor: number): Promise<void> {
    const spec = FUZZ_ASSETS[asset]!;
    const r = await this.send(() =>
      this.vault.write.setAssetParams([asset, assetParams({ ...spec.params, sizeThreshold: threshold, sizeFactor: factor })], {
        account: this.f.admin.account,
      }),
    );
    if (!r.ok) throw new Error(`setAssetParams failed: ${r.reason}`);
  }

  async loadRisk(): Promise<void> {
    const cfgs = await Promise.all(Array.from({ length: this.n }, (_, i) => this.vault.read.assetConfig([i])));
    this.risk = cfgs.map((c) => ({
      decimals: c.decimals,
      unit: 10n ** BigInt(c.decimals),
      ltv: BigInt(c.ltv),
      lt: BigInt(c.liquidationThreshold),
      maxBonus: c.maxBonus,
      sizeThreshold: c.sizeThreshold,
      sizeFactor: BigInt(c.sizeFactor),
      protocolFee: BigInt(c.protocolFee),
    }));
    const g = await this.vault.read.globalParams();
    this.globals = { minBonus: g.minBonus, targetHealth: g.targetHealth, minLeftover: g.minLeftover };
  }

  async refreshFeeds(): Promise<void> {
    for (let i = 0; i < this.n; i++) {
      const ts = this.nextTs;
      const r = await this.send(() => this.f.feeds[i]!.write.setAnswer([this.answers[i]!]));
      if (!r.ok) throw new Error(`setAnswer failed: ${r.reason}`);
      this.feedUpdatedAt[i] = ts;
    }
  }

  /** Open every account: 1-2 collaterals, 1-2 debts (alice/0 and bob/0: 2 x 2), borrowed close to the margin. */
  async setup(): Promise<void> {
    for (const [k, a] of this.accounts.entries()) {
      const order = [0, 1, 2, 3].sort(() => this.rng.float() - 0.5);
      const nCol = k === 0 || k === 2 ? 2 : this.rng.int(1, 2);
      const nDebt = k === 0 || k === 2 ? 2 : this.rng.int(1, 4 - nCol > 1 ? 2 : 1);
      const cols = order.slice(0, nCol);
      const debts = order.slice(nCol, nCol + nDebt);
      for (const c of cols) {
        const value = this.rng.logUniform(500n * WAD, 1_000_000n * WAD);
        await this.send(() =>
          this.vault.write.deposit([a.owner.account.address, a.sub, c, this.units(c, value)], { account: a.owner.account }),
        );
      }
      const h = await this.vault.read.accountHealth([a.owner.account.address, a.sub]);
      for (const d of debts) {
        const value = (((h.initialMarginValue * BigInt(this.rng.int(7000, 9700))) / 10_000n) / BigInt(debts.length));
        const amount = this.units(d, value);
        if (amount > 0n) {
          await this.send(() =>
            this.vault.write.borrow([a.owner.account.address, a.sub, d, amount, a.owner.account.address], {
              account: a.owner.account,
            }),
          );
        }
      }
    }
  }

  /** Is some account underwater, or holding debt with collateral worth less than 1 USD, at the next second? */
  async market(): Promise<{ underwater: boolean; badDebt: boolean }> {
    let hs = this.pendingHealths?.ts === this.nextTs ? this.pendingHealths.hs : undefined;
    if (hs === undefined) {
      await this.setNext();
      hs = await this.healths(true);
    }
    return {
      underwater: hs.some((h) => h.healthFactor < WAD),
      badDebt: hs.some((h) => h.debtValue > 0n && h.collateralValue < WAD),
    };
  }

  chooseAction(m: { underwater: boolean; badDebt: boolean }): Action {
    if (m.badDebt && this.rng.chance(0.3)) return "settleBadDebt";
    if (m.underwater && this.rng.chance(0.35)) return this.rng.chance(0.8) ? "liquidate" : "splitLiquidation";
    return this.rng.weighted(ACTIONS);
  }

  async act(action: Action): Promise<void> {
    switch (action) {
      case "deposit":
        return this.deposit();
      case "withdraw":
        return this.withdraw();
      case "transferCollateral":
        return this.transferCollateral();
      case "borrow":
        return this.borrow();
      case "repay":
        return this.repay();
      case "supply":
        return this.supply();
      case "redeem":
        return this.redeem();
      case "liquidate":
        return this.liquidate();
      case "splitLiquidation":
        return this.splitLiquidation();
      case "settleBadDebt":
        return this.settleBadDebt();
      case "priceMove":
        return this.priceMove();
      case "timeJump":
        return this.timeJump();
      case "accrueInterest":
        return this.accrueInterest();
      case "donate":
        return this.donate();
      case "withdrawReserves":
        return this.withdrawReserves();
      case "coolOff":
        return this.coolOff();
      case "flashLoan":
        return this.flashLoan();
    }
  }

  finish(action: string, desc: string, r: TxResult): void {
    this.report.call(action, r.ok, r.ok ? undefined : r.reason);
    this.record(`${action} ${desc} -> ${r.ok ? "ok" : r.reason}`);
  }

  // ------------------------------------------------------------------ owner actions

  async deposit(): Promise<void> {
    const a = this.rng.pick(this.accounts);
    const pos = await this.positions(a);
    const cols = pos.filter((p) => !p.isDebt).map((p) => p.asset);
    const free = [...Array(this.n).keys()].filter((i) => !pos.some((p) => p.asset === i));
    const dust = this.rng.chance(0.1); // a tiny second collateral: after a full seize, settleBadDebt territory
    let asset: number;
    if (this.rng.chance(0.05) || (cols.length === 0 && free.length === 0)) asset = this.rng.int(0, this.n - 1);
    else if (dust && free.length > 0) asset = this.rng.pick(free);
    else if (cols.length > 0 && (free.length === 0 || this.rng.chance(0.6))) asset = this.rng.pick(cols);
    else asset = this.rng.pick(free);
    const amount = dust
      ? this.rng.between(1n, this.units(asset, WAD / 2n) || 1n)
      : this.units(asset, this.rng.logUniform(5n * WAD, 500_000n * WAD)) || 1n;
    const r = await this.send(() =>
      this.vault.write.deposit([a.owner.account.address, a.sub, asset, amount], { account: a.owner.account }),
    );
    this.finish("deposit", `${this.accName(a)} ${amount} ${this.sym(asset)}`, r);
  }

  /** Collateral units of `asset` the account could remove and keep its initial margin (no size tier). */
  freeUnits(h: { initialMarginValue: bigint; debtValue: bigint }, asset: number, balance: bigint): bigint {
    if (h.debtValue === 0n) return balance;
    if (h.initialMarginValue <= h.debtValue) return 0n;
    const free = ((h.initialMarginValue - h.debtValue) * BPS) / this.risk[asset]!.ltv;
    const u = this.units(asset, free);
    return u < balance ? u : balance;
  }

  async withdraw(): Promise<void> {
    const a = this.rng.pick(this.accounts);
    const [pos, h] = await Promise.all([
      this.positions(a),
      this.vault.read.accountHealth([a.owner.account.address, a.sub]),
    ]);
    const cols = pos.filter((p) => !p.isDebt);
    if (cols.length === 0) return this.deposit();
    const c = this.rng.pick(cols);
    const max = this.freeUnits(h, c.asset, c.amount);
    const amount = this.rng.chance(0.1) ? c.amount : this.rng.fraction(max, 3000, 10_300) || 1n;
    const r = await this.send(() =>
      this.vault.write.withdraw([a.owner.account.address, a.sub, c.asset, amount, a.owner.account.address], {
        account: a.owner.account,
      }),
    );
    this.finish("withdraw", `${this.accName(a)} ${amount} ${this.sym(c.asset)}`, r);
    if (r.ok) await this.checkMargin(a, "withdraw");
  }

  async transferCollateral(): Promise<void> {
    const candidates = this.accounts.filter((a) => this.accounts.some((b) => b.owner === a.owner && b.sub !== a.sub));
    const a = this.rng.pick(candidates);
    const to = this.accounts.find((b) => b.owner === a.owner && b.sub !== a.sub)!;
    const [pos, h] = await Promise.all([
      this.positions(a),
      this.vault.read.accountHealth([a.owner.account.address, a.sub]),
    ]);
    const cols = pos.filter((p) => !p.isDebt);
    if (cols.length === 0) return this.deposit();
    const c = this.rng.pick(cols);
    const max = this.freeUnits(h, c.asset, c.amount);
    const amount = this.rng.chance(0.1) ? c.amount : this.rng.fraction(max, 3000, 10_300) || 1n;
    const r = await this.send(() =>
      this.vault.write.transferCollateral([a.owner.account.address, a.sub, to.sub, c.asset, amount], {
        account: a.owner.account,
      }),
    );
    this.finish("transferCollateral", `${this.accName(a)} -> ${to.sub} ${amount} ${this.sym(c.asset)}`, r);
    if (r.ok) await this.checkMargin(a, "transferCollateral");
  }

  async borrow(): Promise<void> {
    const a = this.rng.pick(this.accounts);
    const [pos, h, states] = await Promise.all([
      this.positions(a),
      this.vault.read.accountHealth([a.owner.account.address, a.sub]),
      this.states(),
    ]);
    const debts = pos.filter((p) => p.isDebt).map((p) => p.asset);
    const free = [...Array(this.n).keys()].filter((i) => !pos.some((p) => p.asset === i));
    let asset: number;
    if (this.rng.chance(0.05)) asset = this.rng.int(0, this.n - 1);
    else if (debts.length > 0 && (free.length === 0 || this.rng.chance(0.6))) asset = this.rng.pick(debts);
    else if (free.length > 0) asset = this.rng.pick(free);
    else asset = this.rng.int(0, this.n - 1);
    const room = h.initialMarginValue > h.debtValue ? h.initialMarginValue - h.debtValue : 0n;
    let amount = this.units(asset, this.rng.fraction(room, 3000, 10_150));
    const cash = states[asset]!.cash;
    if (amount > cash && this.rng.chance(0.9)) amount = this.rng.fraction(cash, 5000, 10_000);
    if (amount === 0n) amount = 1n;
    const r = await this.send(() =>
      this.vault.write.borrow([a.owner.account.address, a.sub, asset, amount, a.owner.account.address], {
        account: a.owner.account,
      }),
    );
    this.finish("borrow", `${this.accName(a)} ${amount} ${this.sym(asset)}`, r);
    if (r.ok) await this.checkMargin(a, "borrow");
  }

  /** INV-11: an owner action that passed the margin check left initial margin >= debt value. */
  async checkMargin(a: Account, what: string): Promise<void> {
    const h = await this.vault.read.accountHealth([a.owner.account.address, a.sub]);
    this.check(
      "INV-11",
      h.initialMarginValue >= h.debtValue,
      () => `${what} left ${this.accName(a)} with initial margin ${h.initialMarginValue} < debt ${h.debtValue}`,
    );
  }

  async repay(): Promise<void> {
    const a = this.rng.pick(this.accounts);
    const pos = await this.positions(a);
    const debts = pos.filter((p) => p.isDebt);
    const payer = this.rng.chance(0.8) ? a.owner : this.rng.pick(this.liquidators);
    let asset: number;
    let amount: bigint;
    if (debts.length === 0 || this.rng.chance(0.03)) {
      asset = this.rng.int(0, this.n - 1);
      amount = this.rng.between(1n, 10n ** 6n);
    } else {
      const d = this.rng.pick(debts);
      asset = d.asset;
      const mode = this.rng.float();
      amount = mode < 0.3 ? maxUint256 : mode < 0.85 ? this.rng.fraction(d.amount, 100, 10_000) || 1n : this.rng.between(1n, 1000n);
    }
    const r = await this.send(() =>
      this.vault.write.repay([a.owner.account.address, a.sub, asset, amount], { account: payer.account }),
    );
    this.finish("repay", `${this.accName(a)} ${amount === maxUint256 ? "max" : amount} ${this.sym(asset)}`, r);
  }

  async supply(): Promise<void> {
    const l = this.rng.pick(this.lenders);
    const asset = this.rng.int(0, this.n - 1);
    const amount = this.rng.chance(0.05) ? this.rng.between(1n, 100n) : this.units(asset, this.rng.logUniform(10n * WAD, 5_000_000n * WAD)) || 1n;
    const r = await this.send(() =>
      this.vault.write.supply([asset, amount, l.account.address], { account: l.account }),
    );
    this.finish("supply", `${l.account.address.slice(0, 6)} ${amount} ${this.sym(asset)}`, r);
  }

  async redeem(): Promise<void> {
    const l = this.rng.pick(this.lenders);
    const asset = this.rng.int(0, this.n - 1);
    const [own, st] = await Promise.all([this.vault.read.supplyShares([asset, l.account.address]), this.vault.read.assetState([asset])]);
    let shares = own === 0n ? 1n : this.rng.fraction(own, 500, 10_000) || 1n;
    if (st.supplyIndex > 0n && this.rng.chance(0.85)) {
      const byCash = (st.cash * WAD) / st.supplyIndex;
      if (shares > byCash) shares = byCash > 0n ? this.rng.fraction(byCash, 5000, 10_000) || 1n : 1n;
    }
    const r = await this.send(() => this.vault.write.redeem([asset, shares, l.account.address], { account: l.account }));
    this.finish("redeem", `${l.account.address.slice(0, 6)} ${shares} shares ${this.sym(asset)}`, r);
  }

  // ------------------------------------------------------------------ liquidation

  /** One liquidate call with every liquidation invariant checked around it (INV-2, 3, 5, 6, 9, 12, 13). */
  async liquidate(): Promise<void> {
    await this.setNext();
    const hs = await this.healths(true);
    const under = this.accounts.filter((_, i) => hs[i]!.healthFactor < WAD);
    const a = under.length > 0 && this.rng.chance(0.85) ? this.rng.pick(under) : this.rng.pick(this.accounts);
    const hBefore = hs[this.accounts.indexOf(a)]!;
    const healthy = hBefore.healthFactor >= WAD;
    const pos = await this.positions(a, true);
    const debts = pos.filter((p) => p.isDebt);
    const cols = pos.filter((p) => !p.isDebt);
    let d: number;
    let c: number;
    if (debts.length > 0 && cols.length > 0 && this.rng.chance(0.95)) {
      d = this.rng.pick(debts).asset;
      c = this.rng.pick(cols).asset;
    } else {
      d = this.rng.int(0, this.n - 1);
      c = this.rng.int(0, this.n - 1);
    }
    const dPos = debts.find((p) => p.asset === d);
    const cPos = cols.find((p) => p.asset === c);
    const pairValid = dPos !== undefined && cPos !== undefined;
    const self = this.rng.chance(0.03);
    const liq = self ? a.owner : this.rng.pick(this.liquidators.filter((w) => w !== a.owner));
    const owner = a.owner.account.address;

    const maxRes = await this.tryRead(() => this.vault.read.maxLiquidation([owner, a.sub, d, c], { blockTag: "pending" }));
    const [maxRepay, maxSeized, maxBonus] = maxRes.ok ? maxRes.value : [0n, 0n, 0n];
    // INV-12: maxLiquidation is the model's steps 2-5 to the wei
    if (pairValid) {
      const m = modelMaxLiquidation(
        hBefore.weightedCollateral,
        hBefore.debtValue,
        dPos.amount,
        cPos.amount,
        this.price(d),
        this.risk[d]!,
        this.price(c),
        this.risk[c]!,
        this.globals,
      );
      this.check(
        "INV-12",
        maxRes.ok && m.repay === maxRepay && m.seized === maxSeized && m.bonus === maxBonus,
        () =>
          `maxLiquidation(${this.accName(a)}, ${this.sym(d)}, ${this.sym(c)}) = ` +
          `${maxRes.ok ? `${maxRepay}/${maxSeized}/${maxBonus}` : maxRes.reason}, model ${m.repay}/${m.seized}/${m.bonus}`,
      );
    }

    const mode = this.rng.float();
    let repay: bigint;
    let modeName: string;
    if (mode < 0.4) {
      repay = maxRepay;
      modeName = "max";
    } else if (mode < 0.55) {
      repay = this.rng.chance(0.5) ? maxUint256 : maxRepay * 2n + 1n;
      modeName = "over";
    } else if (mode < 0.87) {
      repay = this.rng.fraction(maxRepay, 1, 9999);
      modeName = "partial";
    } else if (mode < 0.97) {
      repay = this.rng.between(1n, 100n);
      modeName = "tiny";
    } else {
      repay = 0n;
      modeName = "zero";
    }
    const fee = protocolFeeUp(maxSeized, maxBonus, this.risk[c]!.protocolFee);
    let minSeized = modeName === "max" ? maxSeized - fee : 0n;

    const [preview, pendingStates] = await Promise.all([
      this.tryRead(() =>
        this.vault.read.previewLiquidation([owner, a.sub, d, c, repay, liq.account.address], { blockTag: "pending" }),
      ),
      this.states(true),
    ]);
    if (modeName !== "max" && preview.ok && this.rng.chance(0.05)) minSeized = preview.value.toLiquidator + 1n;

    if (!healthy) this.report.count("liquidate on underwater account");
    const r = await this.send(() =>
      this.vault.write.liquidate([owner, a.sub, d, c, repay, minSeized], { account: liq.account }),
    );
    const desc =
      `${this.accName(a)} hf=${hBefore.healthFactor === maxUint256 ? "max" : hBefore.healthFactor} ${this.sym(d)}->${this.sym(c)} ` +
      `${modeName} repay=${repay === maxUint256 ? "max" : repay} min=${minSeized}${self ? " (self)" : ""}`;
    this.finish("liquidate", desc, r);

    // INV-2: a healthy account cannot be liquidated
    if (healthy) {
      this.check("INV-2", !r.ok, () => `liquidated ${this.accName(a)} at health ${hBefore.healthFactor}`);
      if (!r.ok && pairValid && !self) {
        this.check(
          "INV-2",
          r.reason === "Vault_NotLiquidatable" && r.args[2] === hBefore.healthFactor,
          () => `healthy ${this.accName(a)} (hf ${hBefore.healthFactor}) reverted ${r.reason}(${r.args.join(", ")})`,
        );
      }
    }
    // INV-9: the preview predicts the outcome, revert reason included
    if (!preview.ok) {
      this.check(
        "INV-9",
        !r.ok && r.reason === preview.reason,
        () => `preview reverted ${preview.reason} but liquidate ${r.ok ? "succeeded" : `reverted ${r.reason}`}`,
      );
    } else if (!r.ok) {
      this.check(
        "INV-9",
        r.reason === "Vault_SeizedBelowMinimum" && preview.value.toLiquidator < minSeized,
        () => `preview succeeded (toLiquidator ${preview.value.toLiquidator}) but liquidate reverted ${r.reason}`,
      );
    }
    // INV-6: maxLiquidation's amount is accepted, with minSeized = maxSeized - fee
    if (modeName === "max" && pairValid && !self && !healthy) {
      this.report.count("INV-6 max-sized liquidations");
      this.check("INV-6", r.ok, () => `liquidate(maxRepay ${maxRepay}, minSeized ${minSeized}) reverted ${r.ok ? "" : r.reason}`);
    }
    if (!r.ok) return;

    const ev = r.logs.find((l): l is Extract<VaultLog, { eventName: "Liquidated" }> => l.eventName === "Liquidated")?.args;
    if (ev === undefined || dPos === undefined || cPos === undefined) {
      this.check("INV-3", false, () => "liquidate succeeded without a Liquidated event or on a missing position");
      return;
    }
    const badDebts = r.logs
      .filter((l): l is Extract<VaultLog, { eventName: "BadDebt" }> => l.eventName === "BadDebt")
      .map((l) => l.args);
    await this.checkLiquidation(a, hBefore, pos, dPos, cPos, ev, badDebts, pendingStates, {
      maxRepay,
      maxSeized,
      repay,
      modeName,
      preview: preview.ok ? preview.value : undefined,
    });
  }

  async checkLiquidation(
    a: Account,
    hBefore: { weightedCollateral: bigint; debtValue: bigint; healthFactor: bigint },
    posBefore: Pos[],
    dPos: Pos,
    cPos: Pos,
    ev: LiquidatedArgs,
    badDebts: BadDebtArgs[],
    pendingStates: AssetStateView[],
    ctx: {
      maxRepay: bigint;
      maxSeized: bigint;
      repay: bigint;
      modeName: string;
      preview: Awaited<ReturnType<Vault["read"]["previewLiquidation"]>> | undefined;
    },
  ): Promise<void> {
    const d = dPos.asset;
    const c = cPos.asset;
    const rc = this.risk[c]!;
    const pd = this.price(d);
    const pc = this.price(c);
    const ud = this.risk[d]!.unit;
    const hfBefore = hBefore.healthFactor;
    const formula = seizeDown(ev.repaid, ev.bonus, pd, ud, pc, rc.unit);
    const expectSeized = formula < cPos.amount ? formula : cPos.amount;
    const expectBonus = bonusDown(hfBefore, rc.lt, rc.maxBonus, this.globals.minBonus);
    // INV-3: seized = min(bal_c, floor(repaid * ...)), repaid <= maxLiquidation's repay, bonus and fee by formula
    this.check(
      "INV-3",
      ev.seized === expectSeized &&
        ev.repaid <= ctx.maxRepay &&
        ev.repaid <= ctx.repay &&
        ev.repaid <= dPos.amount &&
        ev.bonus === expectBonus &&
        ev.healthBefore === hfBefore &&
        ev.fee === protocolFeeUp(ev.seized, ev.bonus, rc.protocolFee),
      () =>
        `Liquidated(repaid ${ev.repaid}, seized ${ev.seized}, fee ${ev.fee}, bonus ${ev.bonus}, hf ${ev.healthBefore}) ` +
        `expected seized ${expectSeized}, bonus ${expectBonus}, hf ${hfBefore}, repaid <= ${ctx.maxRepay}, fee ${protocolFeeUp(ev.seized, ev.bonus, rc.protocolFee)}`,
    );
    // INV-6: a max-sized call takes exactly the maximum
    if (ctx.modeName === "max") {
      this.check(
        "INV-6",
        ev.repaid === ctx.maxRepay && ev.seized === ctx.maxSeized,
        () => `maxLiquidation ${ctx.maxRepay}/${ctx.maxSeized}, liquidate took ${ev.repaid}/${ev.seized}`,
      );
    }
    const [after, posAfter, statesAfter] = await Promise.all([
      this.vault.read.accountHealth([a.owner.account.address, a.sub]),
      this.positions(a),
      this.states(),
    ]);
    // INV-5: above the cap point a liquidation raises health, up to the rounding slack (docs/invariants.md)
    const lmax = capPoint(rc.lt, rc.maxBonus);
    if (hfBefore > lmax) {
      const tier = this.sizeTiers && rc.sizeThreshold < (1n << 96n) - 1n;
      this.report.count(tier ? "INV-5 checks with a size tier on c" : "INV-5 checks");
      const { strict, drop } = inv5Slack(
        hBefore.weightedCollateral,
        hBefore.debtValue,
        after.debtValue,
        ev.repaid,
        ev.bonus,
        pd,
        ud,
        rc.lt,
        pendingStates[d]!.borrowIndex,
      );
      if (strict) {
        this.report.count("INV-5 strict");
        this.check(
          "INV-5",
          ev.healthAfter > ev.healthBefore,
          () =>
            `hf ${ev.healthBefore} > L_max ${lmax} but health after ${ev.healthAfter} ` +
            `(repaid ${ev.repaid} ${this.sym(d)}, seized ${ev.seized} ${this.sym(c)}, bonus ${ev.bonus}${tier ? ", size tier" : ""})`,
        );
      } else {
        this.report.count("INV-5 rounding-dominated");
        if (ev.healthAfter < ev.healthBefore) {
          this.report.example(
            "liquidation above L_max that lowered health",
            `${this.accName(a)} repaid ${ev.repaid} ${this.sym(d)} (shares burnt ${ev.sharesBurnt}), seized ${ev.seized} ${this.sym(c)}, ` +
              `health ${ev.healthBefore} -> ${ev.healthAfter} (FUZZ_SEED=${this.cfg.seed} FUZZ_SEQ=${this.index} FUZZ_DEPTH=${this.cfg.depth}, call ${this.step})`,
          );
          this.report.count("INV-5 rounding-dominated and health fell");
          this.report.max("INV-5 health drop (wei of health factor)", ev.healthBefore - ev.healthAfter);
        }
        this.check(
          "INV-5",
          ev.healthAfter + drop >= ev.healthBefore,
          () =>
            `hf ${ev.healthBefore} > L_max ${lmax}: health after ${ev.healthAfter} fell by more than the rounding slack ${drop} ` +
            `(repaid ${ev.repaid} ${this.sym(d)}, seized ${ev.seized} ${this.sym(c)}, bonus ${ev.bonus})`,
        );
      }
    }
    // INV-15: the account's debt shrinks by at least what the liquidator repaid
    const debtAfter = posAfter.find((q) => q.isDebt && q.asset === d)?.amount ?? 0n;
    if (debtAfter > 0n) this.partialLiquidations[d] = this.partialLiquidations[d]! + 1n;
    const credited = dPos.amount - debtAfter;
    if (credited < ev.repaid) {
      this.report.count("INV-15 liquidations crediting less than repaid");
      this.report.max("INV-15 repaid - debt reduction (units)", ev.repaid - credited);
      if (ev.sharesBurnt === 0n) this.report.count("INV-15 liquidations burning no debt shares");
    }
    this.check(
      "INV-15",
      credited >= ev.repaid,
      () =>
        `liquidator repaid ${ev.repaid} ${this.sym(d)} but ${this.accName(a)}'s debt fell by ${credited} ` +
        `(shares burnt ${ev.sharesBurnt}, seized ${ev.seized} ${this.sym(c)})`,
    );
    // INV-9: the preview equals the outcome
    const p = ctx.preview;
    this.check(
      "INV-9",
      p !== undefined &&
        p.repaid === ev.repaid &&
        p.seized === ev.seized &&
        p.fee === ev.fee &&
        p.toLiquidator === ev.seized - ev.fee &&
        p.bonus === ev.bonus &&
        p.healthBefore === ev.healthBefore &&
        p.healthAfter === ev.healthAfter &&
        p.badDebt === badDebts.length > 0,
      () =>
        `preview ${p === undefined ? "missing" : `${p.repaid}/${p.seized}/${p.fee}/${p.bonus}/${p.healthAfter}/bad=${p.badDebt}`} ` +
        `vs Liquidated ${ev.repaid}/${ev.seized}/${ev.fee}/${ev.bonus}/${ev.healthAfter}/bad=${badDebts.length > 0}`,
    );
    if (badDebts.length === 0) {
      this.check(
        "INV-9",
        after.healthFactor === ev.healthAfter,
        () => `Liquidated.healthAfter ${ev.healthAfter} but accountHealth after ${after.healthFactor}`,
      );
    }
    this.checkBadDebts(
      a,
      badDebts,
      posAfter,
      pendingStates,
      statesAfter,
      (asset) => (asset === d ? dPos.shares - ev.sharesBurnt : undefined),
      posBefore,
    );
  }

  /** INV-13: a write-off removes every position, charges reserves first and cuts the supply index by the rest. */
  checkBadDebts(
    a: Account,
    badDebts: BadDebtArgs[],
    posAfter: Pos[],
    before: AssetStateView[],
    after: AssetStateView[],
    sharesOverride: (asset: number) => bigint | undefined,
    posBefore?: Pos[],
  ): void {
    if (badDebts.length === 0) return;
    this.check("INV-13", posAfter.length === 0, () => `${this.accName(a)} keeps ${posAfter.length} positions after a write-off`);
    for (const b of badDebts) {
      const s0 = before[b.asset]!;
      const s1 = after[b.asset]!;
      const expectedShares = sharesOverride(b.asset) ?? posBefore?.find((p) => p.asset === b.asset)?.shares;
      const amount = ceilDiv(b.shares * s0.borrowIndex, WAD);
      const fromReserves = amount < s0.reserves ? amount : s0.reserves;
      const socialised = amount - fromReserves;
      let si = s0.supplyIndex;
      if (socialised > 0n && s0.totalSupplyShares > 0n) {
        const cut = ceilDiv(socialised * WAD, s0.totalSupplyShares);
        si = cut >= si ? 0n : si - cut;
      }
      this.check(
        "INV-13",
        (expectedShares === undefined || b.shares === expectedShares) &&
          b.amount === amount &&
          b.fromReserves === fromReserves &&
          b.socialised === socialised &&
          s1.supplyIndex === si,
        () =>
          `BadDebt(${this.sym(b.asset)} amount ${b.amount}, shares ${b.shares}, fromReserves ${b.fromReserves}, socialised ${b.socialised}) ` +
          `expected shares ${expectedShares}, amount ${amount}, fromReserves ${fromReserves}, socialised ${socialised}, ` +
          `supplyIndex ${s1.supplyIndex} expected ${si}`,
      );
    }
  }

  /**
   * INV-4: from one state, one maxLiquidation-sized call vs. two calls in one block (same timestamp, same
   * prices) that repay the same total or as much as allowed.
   */
  async splitLiquidation(): Promise<void> {
    const tc = this.f.testClient;
    await this.setNext();
    const hs = await this.healths(true);
    const under = this.accounts.filter((_, i) => hs[i]!.healthFactor < WAD);
    if (under.length === 0) return this.liquidate();
    const a = this.rng.pick(under);
    const pos = await this.positions(a, true);
    const debts = pos.filter((p) => p.isDebt);
    const cols = pos.filter((p) => !p.isDebt);
    if (debts.length === 0 || cols.length === 0) return this.liquidate();
    const dPos = this.rng.pick(debts);
    const cPos = this.rng.pick(cols);
    const d = dPos.asset;
    const c = cPos.asset;
    const liq = this.rng.pick(this.liquidators.filter((w) => w !== a.owner));
    const owner = a.owner.account.address;
    const hBefore = hs[this.accounts.indexOf(a)]!;
    const [[maxRepay], stD] = await Promise.all([
      this.vault.read.maxLiquidation([owner, a.sub, d, c], { blockTag: "pending" }),
      this.vault.read.assetState([d], { blockTag: "pending" }),
    ]);
    const biPending = stD.borrowIndex;
    if (maxRepay < 2n) return this.liquidate();
    const x = this.rng.chance(0.15) ? this.rng.between(1n, 100n) : this.rng.fraction(maxRepay, 500, 9500) || 1n;
    const rest = this.rng.chance(0.5);
    const T = this.nextTs;

    this.report.count("liquidate on underwater account");
    const snap = await tc.snapshot();
    const single = await this.send(() =>
      this.vault.write.liquidate([owner, a.sub, d, c, maxRepay, 0n], { account: liq.account }),
    );
    await tc.revert({ id: snap });
    this.nextTs = T;
    if (single.ok) this.report.transactions--; // reverted away
    const ev1 = single.ok
      ? single.logs.find((l): l is Extract<VaultLog, { eventName: "Liquidated" }> => l.eventName === "Liquidated")?.args
      : undefined;
    this.socialised.clear();
    if (ev1 === undefined) {
      // INV-6 says this cannot happen; the plain liquidate check reports it
      this.check("INV-6", false, () => `single liquidate(maxRepay ${maxRepay}) reverted ${single.ok ? "" : single.reason}`);
      return;
    }
    const y = rest ? ev1.repaid - x : maxUint256;

    let h1: Hex | undefined;
    let h2: Hex | undefined;
    await tc.setAutomine(false);
    try {
      await tc.setNextBlockTimestamp({ timestamp: T });
      h1 = await this.vault.write.liquidate([owner, a.sub, d, c, x, 0n], { account: liq.account, gas: GAS });
      if (y > 0n) h2 = await this.vault.write.liquidate([owner, a.sub, d, c, y, 0n], { account: liq.account, gas: GAS });
      await tc.mine({ blocks: 1 });
    } finally {
      await tc.setAutomine(true);
    }
    this.nextTs = T + 1n;
    this.report.transactions += h2 === undefined ? 1 : 2;
    const evOf = async (h: Hex | undefined) => {
      if (h === undefined) return { ok: false, ev: undefined };
      const rc = await this.f.publicClient.getTransactionReceipt({ hash: h });
      if (rc.status !== "success") return { ok: false, ev: undefined };
      const logs = parseVaultLogs(this.vault.abi, rc.logs);
      this.noteLogs(logs);
      return {
        ok: true,
        ev: logs.find((l): l is Extract<VaultLog, { eventName: "Liquidated" }> => l.eventName === "Liquidated")?.args,
      };
    };
    const r1 = await evOf(h1);
    const r2 = await evOf(h2);
    // both calls stay on chain: each may leave its 1 wei of rounding in INV-1 (see partialLiquidations)
    for (const r of [r1, r2]) {
      const debtAsset = (r.ev as { debtAsset?: number } | undefined)?.debtAsset;
      if (debtAsset !== undefined) this.partialLiquidations[debtAsset] = this.partialLiquidations[debtAsset]! + 1n;
    }
    const desc =
      `${this.accName(a)} ${this.sym(d)}->${this.sym(c)} single ${ev1.repaid}/${ev1.seized} b=${ev1.bonus}; ` +
      `split ${x} + ${y === maxUint256 ? "max" : y}: ${r1.ev ? `${r1.ev.repaid}/${r1.ev.seized}` : "reverted"}, ` +
      `${r2.ev ? `${r2.ev.repaid}/${r2.ev.seized} b=${r2.ev.bonus}` : h2 ? "reverted" : "-"}`;
    this.report.call("splitLiquidation", r1.ok, r1.ok ? undefined : "first call reverted");
    this.record(`splitLiquidation ${desc}`);
    if (r1.ev === undefined) return;
    const repaid = r1.ev.repaid + (r2.ev?.repaid ?? 0n);
    const seized = r1.ev.seized + (r2.ev?.seized ?? 0n);
    const pd = this.price(d);
    const ud = this.risk[d]!.unit;
    const byFormula = seizeDown(repaid, ev1.bonus, pd, ud, this.price(c), this.risk[c]!.unit);
    const bound = byFormula < cPos.amount ? byFormula : cPos.amount;
    // Does the first call raise health? Below the cap point the bonus is at its cap anyway; above it, the
    // first call is "rounding-dominated" when INV-5's slack exceeds its exact health gain.
    const rc = this.risk[c]!;
    let firstRaisesHealth = hBefore.healthFactor <= capPoint(rc.lt, rc.maxBonus);
    if (!firstRaisesHealth) {
      const debtLeft =
        r1.ev.sharesBurnt === dPos.shares ? 0n : ceilDiv((dPos.shares - r1.ev.sharesBurnt) * biPending, WAD);
      const Dafter = hBefore.debtValue - valueUp(dPos.amount, pd, ud) + valueUp(debtLeft, pd, ud);
      firstRaisesHealth = inv5Slack(
        hBefore.weightedCollateral,
        hBefore.debtValue,
        Dafter,
        r1.ev.repaid,
        r1.ev.bonus,
        pd,
        ud,
        rc.lt,
        biPending,
      ).strict;
    }
    const exact =
      r1.ev.bonus === ev1.bonus &&
      (r2.ev === undefined || r2.ev.bonus <= ev1.bonus) &&
      seized <= bound &&
      (repaid !== ev1.repaid || seized <= ev1.seized);
    const message = () =>
      `split repaid ${repaid} seized ${seized} (bonuses ${r1.ev?.bonus}, ${r2.ev?.bonus}) vs single repaid ${ev1.repaid} ` +
      `seized ${ev1.seized} bonus ${ev1.bonus}; one call at the first bonus seizes ${bound} for ${repaid}`;
    if (r2.ev !== undefined && r2.ev.bonus > ev1.bonus) {
      this.report.count("INV-4 splits that raised the bonus");
      this.report.example(
        "split that raised the bonus",
        `${desc} (FUZZ_SEED=${this.cfg.seed} FUZZ_SEQ=${this.index} FUZZ_DEPTH=${this.cfg.depth}, call ${this.step})`,
      );
    }
    if (firstRaisesHealth) {
      this.report.count("INV-4 comparisons");
      if (r2.ev !== undefined) this.report.count("INV-4 comparisons with two executed calls");
      this.check("INV-4", exact, message);
    } else {
      // a first call too small to raise health: INV-15's rounding can lower health and raise the bonus
      this.report.count("INV-4 rounding-dominated first calls");
      this.check("INV-15", exact, () => `rounding-dominated first call raised the bonus: ${message()}`);
    }
  }

  async settleBadDebt(): Promise<void> {
    await this.setNext();
    const hs = await this.healths(true);
    const bad = this.accounts.filter((_, i) => hs[i]!.debtValue > 0n && hs[i]!.collateralValue < WAD);
    const a = bad.length > 0 && this.rng.chance(0.9) ? this.rng.pick(bad) : this.rng.pick(this.accounts);
    const [posBefore, before] = await Promise.all([this.positions(a, true), this.states(true)]);
    const r = await this.send(() =>
      this.vault.write.settleBadDebt([a.owner.account.address, a.sub], { account: this.rng.pick(this.liquidators).account }),
    );
    this.finish("settleBadDebt", this.accName(a), r);
    if (!r.ok) return;
    const badDebts = r.logs
      .filter((l): l is Extract<VaultLog, { eventName: "BadDebt" }> => l.eventName === "BadDebt")
      .map((l) => l.args);
    const [posAfter, after] = await Promise.all([this.positions(a), this.states()]);
    this.check("INV-13", posAfter.length === 0, () => `${this.accName(a)} keeps positions after settleBadDebt`);
    this.checkBadDebts(a, badDebts, posAfter, before, after, () => undefined, posBefore);
  }

  // ------------------------------------------------------------------ market and time

  async priceMove(): Promise<void> {
    const asset = this.rng.int(0, this.n - 1);
    const cur = this.answers[asset]!;
    const init = this.initialAnswers[asset]!;
    let lo = 7000;
    let hi = 13_000;
    if (cur > init * 4n) hi = 10_000;
    else if (cur * 4n < init) lo = 10_000;
    else if (this.rng.chance(0.35)) hi = 9200; // a hard move down: collateral crashes make accounts liquidatable
    const next = (cur * BigInt(this.rng.int(lo, hi))) / 10_000n || 1n;
    const ts = this.nextTs;
    const r = await this.send(() => this.f.feeds[asset]!.write.setAnswer([next]));
    this.finish("priceMove", `${this.sym(asset)} ${cur} -> ${next}`, r);
    if (r.ok) {
      this.answers[asset] = next;
      this.feedUpdatedAt[asset] = ts;
      const [p] = await this.vault.read.price([asset]);
      this.check("INV-10", p === this.price(asset), () => `price(${asset}) ${p} != ${this.price(asset)}`);
    }
  }

  async timeJump(): Promise<void> {
    const dt = this.rng.chance(0.5) ? this.rng.int(60, 6 * 3600) : this.rng.int(6 * 3600, 30 * 86_400);
    this.nextTs += BigInt(dt);
    await this.refreshFeeds(); // same prices, new timestamps: not stale
    this.report.call("timeJump", true);
    this.record(`timeJump ${dt}s`);
  }

  async accrueInterest(): Promise<void> {
    const asset = this.rng.int(0, this.n - 1);
    await this.setNext();
    const virt = await this.vault.read.assetState([asset], { blockTag: "pending" });
    const r = await this.send(() => this.vault.write.accrueInterest([asset]));
    this.finish("accrueInterest", this.sym(asset), r);
    if (!r.ok) return;
    const real = await this.vault.read.assetState([asset]);
    // INV-8: the views' virtual accrual is what accrual writes
    this.check(
      "INV-8",
      real.borrowIndex === virt.borrowIndex && real.supplyIndex === virt.supplyIndex && real.reserves === virt.reserves,
      () => `accrual wrote ${real.borrowIndex}/${real.supplyIndex}/${real.reserves}, view said ${virt.borrowIndex}/${virt.supplyIndex}/${virt.reserves}`,
    );
  }

  async donate(): Promise<void> {
    const asset = this.rng.int(0, this.n - 1);
    const from = this.rng.pick(this.liquidators);
    const amount = this.rng.between(1n, this.risk[asset]!.unit * 10n);
    const r = await this.send(() => this.f.tokens[asset]!.write.transfer([this.vault.address, amount], { account: from.account }));
    if (r.ok) this.donated[asset] = this.donated[asset]! + amount;
    this.finish("donate", `${amount} ${this.sym(asset)}`, r);
  }

  async withdrawReserves(): Promise<void> {
    const asset = this.rng.int(0, this.n - 1);
    const st = await this.vault.read.assetState([asset]);
    const cap = st.reserves < st.cash ? st.reserves : st.cash;
    const amount = cap === 0n ? 1n : this.rng.fraction(cap, 1000, 10_000) || 1n;
    const r = await this.send(() =>
      this.vault.write.withdrawReserves([asset, amount, this.f.admin.account.address], { account: this.f.admin.account }),
    );
    this.finish("withdrawReserves", `${amount} ${this.sym(asset)}`, r);
  }

  /**
   * INV-14: the cool-off. In one block (one second): the owner passes a margin check (borrow 1 unit),
   * a collateral price drops 30%, a liquidator tries. The liquidation must revert even if the account is
   * now underwater; the account becomes liquidatable from the next second.
   */
  async coolOff(): Promise<void> {
    const tc = this.f.testClient;
    // the healthy account closest to its margin, its largest collateral crashes
    const [hs, poss] = await Promise.all([this.healths(), Promise.all(this.accounts.map((a) => this.positions(a)))]);
    const candidates = this.accounts
      .map((a, k) => ({ a, k, h: hs[k]!, pos: poss[k]! }))
      .filter((x) => x.h.debtValue > 0n && x.h.healthFactor >= WAD && x.pos.some((p) => !p.isDebt))
      .sort((x, y) => (x.h.healthFactor < y.h.healthFactor ? -1 : x.h.healthFactor > y.h.healthFactor ? 1 : 0));
    if (candidates.length === 0) return this.priceMove();
    const pickd = candidates[this.rng.chance(0.7) ? 0 : this.rng.int(0, candidates.length - 1)]!;
    const a = pickd.a;
    const d = this.rng.pick(pickd.pos.filter((p) => p.isDebt)).asset;
    const prices = this.prices();
    const c = pickd.pos
      .filter((p) => !p.isDebt)
      .map((p) => ({ asset: p.asset, v: (p.amount * prices[p.asset]!) / this.risk[p.asset]!.unit }))
      .sort((x, y) => (x.v > y.v ? -1 : x.v < y.v ? 1 : 0))[0]!.asset;
    const liq = this.rng.pick(this.liquidators.filter((w) => w !== a.owner));
    const owner = a.owner.account.address;
    const next = (this.answers[c]! * 7000n) / 10_000n || 1n;
    const T = this.nextTs;
    let h1: Hex, h2: Hex, h3: Hex;
    await tc.setAutomine(false);
    try {
      await tc.setNextBlockTimestamp({ timestamp: T });
      h1 = await this.vault.write.borrow([owner, a.sub, d, 1n, owner], { account: a.owner.account, gas: GAS });
      h2 = await this.f.feeds[c]!.write.setAnswer([next], { gas: GAS });
      h3 = await this.vault.write.liquidate([owner, a.sub, d, c, maxUint256, 0n], { account: liq.account, gas: GAS });
      await tc.mine({ blocks: 1 });
    } finally {
      await tc.setAutomine(true);
    }
    this.nextTs = T + 1n;
    this.report.transactions += 3;
    const [r1, r2, r3] = await Promise.all([h1, h2, h3].map((hash) => this.f.publicClient.getTransactionReceipt({ hash })));
    if (r2!.status === "success") {
      this.answers[c] = next;
      this.feedUpdatedAt[c] = T;
    }
    for (const rc of [r1!, r3!]) this.noteLogs(parseVaultLogs(this.vault.abi, rc.logs));
    const hAfter = await this.vault.read.accountHealth([owner, a.sub]);
    const meaningful = r1!.status === "success" && hAfter.healthFactor < WAD;
    this.report.call("coolOff", meaningful);
    this.record(
      `coolOff ${this.accName(a)} borrow 1 ${this.sym(d)}: ${r1!.status}, ${this.sym(c)} -30%, liquidate: ${r3!.status}, hf now ${hAfter.healthFactor}`,
    );
    if (meaningful) {
      this.report.count("INV-14 same-second liquidations of underwater accounts");
      this.check("INV-14", r3!.status === "reverted", () => `${this.accName(a)} liquidated in the second its owner passed a check`);
    }
  }

  /** An ERC-3156 flash loan through the borrower mock (honest, wrong return, no approval, re-entering). */
  async flashLoan(): Promise<void> {
    const fb = this.flashBorrower!;
    const asset = this.rng.int(0, this.n - 1);
    const st = await this.vault.read.assetState([asset]);
    const amount = this.rng.chance(0.1) ? st.cash + 1n : this.rng.fraction(st.cash, 1, 10_000) || 1n;
    const mode = [0, 1, 2, 3][["honest", "wrongReturn", "noApprove", "reenter"].indexOf(
      this.rng.weighted({ honest: 70, wrongReturn: 10, noApprove: 10, reenter: 10 }),
    )]!;
    if (mode !== this.flashMode) {
      const m = await this.send(() => fb.write.setMode([mode]));
      if (m.ok) this.flashMode = mode;
    }
    const token = this.f.tokens[asset]!.address;
    const r = await this.send(() =>
      fb.write.flashBorrow([this.vault.address, token, amount], { account: this.rng.pick(this.liquidators).account }),
    );
    this.finish("flashLoan", `${amount} ${this.sym(asset)} mode ${mode}`, r);
  }

  // ------------------------------------------------------------------ global invariants

  /**
   * After every call, at the next second: for every pair of every underwater account (and of one healthy
   * account in rotation), maxLiquidation is the model's (INV-12), its amount previews without a revert and
   * takes exactly the maximum (INV-6, with INV-9 tying the preview to liquidate), and a healthy account's
   * preview reverts Vault_NotLiquidatable (INV-2).
   */
  async sweep(): Promise<void> {
    await this.setNext();
    const hs = await this.healths(true);
    this.pendingHealths = { ts: this.nextTs, hs };
    // at most three accounts a call: the underwater ones first (rotating), then one healthy one in rotation
    const rotation = this.step % this.accounts.length;
    const under = this.accounts.map((a, k) => ({ a, k, h: hs[k]! })).filter((x) => x.h.debtValue > 0n && x.h.healthFactor < WAD);
    const start = under.length > 0 ? this.step % under.length : 0;
    const picked = [...under.slice(start), ...under.slice(0, start)].slice(0, 2);
    const healthy = { a: this.accounts[rotation]!, k: rotation, h: hs[rotation]! };
    if (healthy.h.debtValue > 0n && healthy.h.healthFactor >= WAD) picked.push(healthy);
    const liq = this.liquidators[0]!.account.address;
    await Promise.all(
      picked.map(async ({ a, h }) => {
        const owner = a.owner.account.address;
        const pos = await this.positions(a, true);
        const all = pos.filter((p) => p.isDebt).flatMap((dp) => pos.filter((p) => !p.isDebt).map((cp) => [dp, cp] as const));
        // one pair per account and call, in rotation
        const pairs = all.length === 0 ? [] : [all[this.step % all.length]!];
        await Promise.all(
          pairs.map(async ([dp, cp]) => {
            const d = dp.asset;
            const c = cp.asset;
            const [maxRepay, maxSeized, bonus] = await this.vault.read.maxLiquidation([owner, a.sub, d, c], { blockTag: "pending" });
            const m = modelMaxLiquidation(
              h.weightedCollateral, h.debtValue, dp.amount, cp.amount, this.price(d), this.risk[d]!, this.price(c), this.risk[c]!, this.globals,
            );
            this.check(
              "INV-12",
              m.repay === maxRepay && m.seized === maxSeized && m.bonus === bonus,
              () => `maxLiquidation(${this.accName(a)}, ${this.sym(d)}, ${this.sym(c)}) = ${maxRepay}/${maxSeized}/${bonus}, model ${m.repay}/${m.seized}/${m.bonus}`,
            );
            const preview = await this.tryRead(() =>
              this.vault.read.previewLiquidation([owner, a.sub, d, c, maxRepay, liq], { blockTag: "pending" }),
            );
            if (h.healthFactor >= WAD) {
              this.check(
                "INV-2",
                !preview.ok && preview.reason === "Vault_NotLiquidatable",
                () => `healthy ${this.accName(a)} previews ${preview.ok ? "a liquidation" : preview.reason}`,
              );
              return;
            }
            this.report.count("INV-6 sweep pairs");
            const fee = protocolFeeUp(maxSeized, bonus, this.risk[c]!.protocolFee);
            this.check(
              "INV-6",
              preview.ok &&
                maxRepay > 0n &&
                preview.value.repaid === maxRepay &&
                preview.value.seized === maxSeized &&
                preview.value.toLiquidator >= maxSeized - fee,
              () =>
                `maxLiquidation(${this.accName(a)}, ${this.sym(d)}, ${this.sym(c)}) = ${maxRepay}/${maxSeized} but its preview ` +
                (preview.ok ? `takes ${preview.value.repaid}/${preview.value.seized}/${preview.value.toLiquidator}` : `reverts ${preview.reason}`),
            );
          }),
        );
      }),
    );
  }

  async checkAll(after: string): Promise<void> {
    const owners = this.accounts.map((a) => a.owner.account.address);
    const [balances, states, healths, poss, shares] = await Promise.all([
      Promise.all(this.f.tokens.map((t) => t.read.balanceOf([this.vault.address]))),
      this.states(),
      this.vault.read.accountsHealth([owners, this.accounts.map((a) => a.sub)]),
      Promise.all(this.accounts.map((a) => this.positions(a))),
      // lender shares change only by supply and redeem: re-read them after those and every 10th call
      after === "supply" || after === "redeem" || after === "setup" || this.step % 10 === 0
        ? Promise.all(this.lenders.map((l) => Promise.all(Array.from({ length: this.n }, (_, i) => this.vault.read.supplyShares([i, l.account.address])))))
        : Promise.resolve(undefined),
    ]);
    const prices = this.prices();
    for (let i = 0; i < this.n; i++) {
      const s = states[i]!;
      const bal = balances[i]!;
      const sym = this.sym(i);
      // INV-1
      this.check(
        "INV-1",
        bal === s.totalCollateral + s.cash + this.donated[i]!,
        () => `${sym}: balance ${bal} != totalCollateral ${s.totalCollateral} + cash ${s.cash} + donations ${this.donated[i]} (after ${after})`,
      );
      const borrowsUp = ceilDiv(s.totalBorrowShares * s.borrowIndex, WAD);
      const borrowsDown = (s.totalBorrowShares * s.borrowIndex) / WAD;
      const claims = (s.totalSupplyShares * s.supplyIndex) / WAD + s.reserves;
      this.check(
        "INV-1",
        // Slack of 1 wei per partial liquidation: it burns the account's shares rounded up and charges the
        // account's own rounded debt fall, so the rounded-up total of all shares can drop 1 wei more than the
        // cash it gained (per-account roundings do not sum to the total's). See docs/risk-model.md.
        s.cash + borrowsUp + this.partialLiquidations[i]! >= claims,
        () => `${sym}: cash ${s.cash} + borrows(up) ${borrowsUp} < lenders' claims + reserves ${claims} (after ${after})`,
      );
      const deficit = claims - (s.cash + borrowsDown);
      if (deficit > 0n) this.report.max("INV-1 floor deficit (wei)", deficit);
      // with the slack of the check above, rounding the total down costs at most 1 wei more
      const slack = this.partialLiquidations[i]! + 1n;
      this.check("INV-1", deficit <= slack, () => `${sym}: cash + borrows(down) short of claims by ${deficit} > ${slack} wei`);
      // INV-17: lender shares keep a positive price
      this.check(
        "INV-17",
        s.totalSupplyShares === 0n || s.supplyIndex > 0n,
        () => `${sym}: supplyIndex is 0 with ${s.totalSupplyShares} supply shares outstanding (after ${after})`,
      );
      // INV-8: indices never decrease (supply index: except by a socialised write-off), totals are sums
      const prev = this.prevIndices[i]!;
      this.check(
        "INV-8",
        s.borrowIndex >= prev.borrowIndex && (s.supplyIndex >= prev.supplyIndex || this.socialised.has(i)),
        () => `${sym}: indices ${prev.borrowIndex}/${prev.supplyIndex} -> ${s.borrowIndex}/${s.supplyIndex} (after ${after})`,
      );
      this.prevIndices[i] = { borrowIndex: s.borrowIndex, supplyIndex: s.supplyIndex };
      let col = 0n;
      let debtShares = 0n;
      for (const ps of poss) {
        for (const p of ps) {
          if (p.asset !== i) continue;
          if (p.isDebt) debtShares += p.shares;
          else col += p.amount;
        }
      }
      const supply = shares === undefined ? s.totalSupplyShares : shares.reduce((sum, row) => sum + row[i]!, 0n);
      this.check(
        "INV-8",
        col === s.totalCollateral && debtShares === s.totalBorrowShares && supply === s.totalSupplyShares,
        () =>
          `${sym}: sum of balances ${col}/${debtShares}/${supply} != totals ${s.totalCollateral}/${s.totalBorrowShares}/${s.totalSupplyShares}`,
      );
    }
    for (const [k, a] of this.accounts.entries()) {
      const ps = poss[k]!;
      const name = this.accName(a);
      // INV-7
      const hasDebt = ps.some((p) => p.isDebt);
      const hasCol = ps.some((p) => !p.isDebt);
      this.check("INV-7", !hasDebt || hasCol, () => `${name} owes debt with no collateral (after ${after})`);
      // INV-8: a debt is ceil(shares * index / WAD)
      for (const p of ps) {
        if (!p.isDebt) continue;
        const expected = ceilDiv(p.shares * states[p.asset]!.borrowIndex, WAD);
        this.check("INV-8", p.amount === expected, () => `${name} ${this.sym(p.asset)} debt ${p.amount} != ceil(shares * index) ${expected}`);
      }
      // INV-11 (well-formed positions): one entry per asset, no empty entry, at most 16
      const assets = new Set(ps.map((p) => p.asset));
      this.check(
        "INV-11",
        assets.size === ps.length && ps.length <= 16 && ps.every((p) => p.amount > 0n && (p.isDebt ? p.shares > 0n : p.shares === 0n)),
        () => `${name} has malformed positions ${JSON.stringify(ps, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`,
      );
      // INV-10: the health view is the model's health of the positions at the feed prices
      const m = modelHealth(ps, this.risk, prices);
      const h = healths[k]!;
      this.check(
        "INV-10",
        h.collateralValue === m.collateralValue &&
          h.weightedCollateral === m.weightedCollateral &&
          h.initialMarginValue === m.initialMarginValue &&
          h.debtValue === m.debtValue &&
          h.healthFactor === m.healthFactor,
        () =>
          `${name}: view ${h.collateralValue}/${h.weightedCollateral}/${h.initialMarginValue}/${h.debtValue}/${h.healthFactor} ` +
          `model ${m.collateralValue}/${m.weightedCollateral}/${m.initialMarginValue}/${m.debtValue}/${m.healthFactor}`,
      );
    }
    const t = performance.now();
    await this.sweep();
    this.report.time("sweep", performance.now() - t);
    if (this.step % 50 === 0) {
      const b = await this.f.publicClient.getBlock();
      if (b.timestamp !== this.nextTs - 1n) {
        this.report.harnessErrors.push(`sequence ${this.index} call ${this.step}: clock ${b.timestamp} != ${this.nextTs - 1n}`);
        this.nextTs = b.timestamp + 1n;
      }
    }
  }
}

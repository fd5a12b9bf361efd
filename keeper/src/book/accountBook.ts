/**
 * The keeper's account book: the vault's state rebuilt from its event logs alone, with no contract reads.
 * Feed it every decoded vault log (viem `parseEventLogs` / `getContractEvents` with `vaultAbi`, strict) in
 * block and log order with `apply`; fetching, reorgs and persistence live elsewhere. Pure: no I/O.
 *
 * Where each piece comes from:
 * - assets: AssetListed (token, decimals, feed), AssetParamsSet, RateModelSet, FeedSet;
 * - interest clock (borrowIndex, supplyIndex, ratePerSecond, reserves, lastAccrual): InterestAccrued, plus
 *   the two reserve credits that happen without an accrual: FlashLoan's fee and DustSwept's amount;
 * - totals: borrow shares from Borrowed/Repaid/Liquidated/BadDebt, supply shares from Supplied/Redeemed,
 *   collateral from Deposited/Withdrawn/Liquidated/DustSwept, cash from every token flow;
 * - globals: GlobalParamsSet; pause and grace end: Paused/Unpaused; operators: OperatorSet;
 * - accounts (owner, subId): collateral balances from Deposited/Withdrawn/CollateralTransferred/
 *   Liquidated(seized)/DustSwept, debt shares from Borrowed/Repaid/Liquidated(sharesBurnt)/BadDebt(shares);
 *   a position that reaches zero is removed, as from the vault's list;
 * - lenders: supply shares from Supplied/Redeemed;
 * - cool-off stamps (the vault's `checkedAt`): the block timestamp of Withdrawn, CollateralTransferred (the
 *   source sub-account) and Borrowed. No event carries it, so it is taken from the log's `blockTimestamp`
 *   when the node returns one, else from the `InterestAccrued` of the same transaction (always there for a
 *   borrow), else left unknown.
 *
 * Event order to know about: a liquidation that leaves no collateral emits the write-offs (InterestAccrued,
 * BadDebt for each remaining debt) before `Liquidated`, so the BadDebt of the liquidated debt asset carries
 * the shares left after the burn that `Liquidated` reports next. Balances are sums, so applying them in log
 * order still ends at the vault's state; a balance never goes negative in between.
 */
import type { Address, ContractEventName, Log } from "viem";
import type { VaultAbi } from "../chain/abi.ts";
import { accrue, debtUp, supplyDown } from "../math/interestMath.ts";
import { toWad } from "../math/priceMath.ts";
import {
  type GroupContext,
  type GroupRisk,
  accountHealth,
  borrowIndexNow,
  previewLiquidation,
  type AccountHealth,
  type AccountPosition,
  type AssetRiskBook,
  type AssetRiskInfo,
  type LiquidationGlobals,
  type PreviewResult,
  type Prices,
} from "../math/accountHealth.ts";

export type VaultEventName = ContractEventName<VaultAbi>;
/** A decoded vault log (strict), as viem's parseEventLogs / getContractEvents return it. */
export type VaultLog<N extends VaultEventName | undefined = undefined> = Log<
  bigint,
  number,
  false,
  undefined,
  true,
  VaultAbi,
  N
>;

type ArgsOf<N extends VaultEventName> = VaultLog<N>["args"];
export type AssetParams = ArgsOf<"AssetParamsSet">["params"];
export type RateModel = ArgsOf<"RateModelSet">["model"];
export type GlobalParams = ArgsOf<"GlobalParamsSet">["params"];

/** An asset as the book knows it: its configuration and the vault's AssetState as stored (not accrued). */
export interface BookAsset {
  id: number;
  token: Address;
  decimals: number;
  feed: Address;
  feedDecimals: number;
  params: AssetParams;
  rateModel: RateModel;
  /** ramp of the liquidation threshold (target in params.liquidationThreshold), as LiquidationThresholdChanged sets it */
  ltRampFrom: bigint;
  rampEnd: bigint;
  rampDuration: bigint;
  /** when the steward last moved the threshold (its cooldown clock) */
  stewardUpdatedAt: bigint;
  borrowIndex: bigint;
  ratePerSecond: bigint;
  lastAccrual: bigint;
  supplyIndex: bigint;
  totalSupplyShares: bigint;
  totalBorrowShares: bigint;
  cash: bigint;
  reserves: bigint;
  totalCollateral: bigint;
}

/**
 * The vault's AssetState struct, as its `assetState` view returns it (indices and reserves accrued), with
 * viem's types for its fields (`lastAccrual` is a uint40, so a number).
 */
export interface AssetStateView {
  borrowIndex: bigint;
  ratePerSecond: bigint;
  lastAccrual: number;
  supplyIndex: bigint;
  totalSupplyShares: bigint;
  totalBorrowShares: bigint;
  cash: bigint;
  reserves: bigint;
  totalCollateral: bigint;
}

export interface BookAccount {
  owner: Address;
  subId: number;
  /** asset id -> collateral balance or debt shares; never holds a zero amount. */
  positions: Map<number, AccountPosition>;
  /** the correlated group the account is in (0: none) */
  group: number;
  /** Block timestamp of the owner's last passed margin check (the vault's `checkedAt`; 0: never). */
  checkedAt: bigint;
  /** False once a check was applied from a log whose timestamp the book could not learn. */
  checkedAtKnown: boolean;
}

/** The vault's Position struct (`positions` view); the book lists them by asset id, not in the vault's order. */
export interface PositionView {
  asset: number;
  isDebt: boolean;
  amount: bigint;
  shares: bigint;
}

/** Checks of `_plan` that do not depend on the account's positions. */
export type VaultLevelLiquidationError =
  | { error: "Paused" }
  | { error: "GracePeriod"; graceEnd: bigint }
  | { error: "SelfLiquidation" }
  | { error: "CoolOff" }
  /** the account passed a check in a block whose timestamp the book never learnt */
  | { error: "CoolOffUnknown" };

export type BookPreviewResult = PreviewResult | ({ ok: false } & VaultLevelLiquidationError);

export class BookError extends Error {
  override name = "BookError";
}

const lower = (a: string): string => a.toLowerCase();
const accountKey = (owner: string, subId: number): string => `${lower(owner)}/${subId}`;

/** The ramp fields a threshold-change event leaves in storage: none when it applied at once. */
function rampFromEvent(e: { newThreshold: bigint; oldThreshold: bigint; rampEnd: bigint; rampDuration: bigint }) {
  return e.rampDuration === 0n
    ? { ltRampFrom: e.newThreshold, rampEnd: 0n, rampDuration: 0n }
    : { ltRampFrom: e.oldThreshold, rampEnd: e.rampEnd, rampDuration: e.rampDuration };
}

export class AccountBook {
  readonly assets = new Map<number, BookAsset>();
  readonly groups = new Map<number, GroupRisk>();
  stewardParams: { maxThresholdStep: number; cooldown: number } | undefined;

  readonly accounts = new Map<string, BookAccount>();
  /** asset id -> lender (lower-case) -> supply shares; never holds zero. */
  readonly supplyShares = new Map<number, Map<string, bigint>>();
  /** owner (lower-case) -> operators (lower-case) it approved. */
  readonly operators = new Map<string, Set<string>>();
  globalParams: GlobalParams | undefined;
  paused = false;
  graceEnd = 0n;
  /** Position of the last applied log, to refuse logs out of order or twice. */
  cursor: { blockNumber: bigint; logIndex: number } | undefined;
  private txTimestamp: { hash: string; timestamp: bigint } | undefined;

  /** Apply logs in order (see `apply`). */
  applyAll(logs: Iterable<VaultLog>): this {
    for (const log of logs) this.apply(log);
    return this;
  }

  /** Apply one decoded vault log; logs must come in strictly increasing (blockNumber, logIndex) order. */
  apply(log: VaultLog): void {
    const at = { blockNumber: log.blockNumber, logIndex: log.logIndex };
    const c = this.cursor;
    if (c && (at.blockNumber < c.blockNumber || (at.blockNumber === c.blockNumber && at.logIndex <= c.logIndex))) {
      throw new BookError(
        `log ${at.blockNumber}:${at.logIndex} is not after ${c.blockNumber}:${c.logIndex} (out of order or applied twice)`,
      );
    }
    this.cursor = at;
    const timestamp = this.timestampOf(log);

    switch (log.eventName) {
      // ------------------------------------------------------------ configuration
      case "AssetListed": {
        const a = log.args;
        if (this.assets.has(a.asset)) throw new BookError(`asset ${a.asset} listed twice`);
        this.assets.set(a.asset, {
          id: a.asset,
          token: a.token,
          decimals: a.decimals,
          feed: a.feed,
          feedDecimals: a.feedDecimals,
          params: {
            ltv: 0,
            liquidationThreshold: 0,
            sizeFactor: 0,
            protocolFee: 0,
            reserveFactor: 0,
            maxOracleAge: 0,
            maxBonus: 0n,
            sizeThreshold: 0n,
            supplyCap: 0n,
            collateralCap: 0n,
            borrowCap: 0n,
          },
          rateModel: { baseRate: 0n, slope1: 0n, slope2: 0n, kink: 0n },
          ltRampFrom: 0n,
          rampEnd: 0n,
          rampDuration: 0n,
          stewardUpdatedAt: 0n,
          borrowIndex: 10n ** 18n,
          ratePerSecond: 0n,
          // Not in the event: the listing block's timestamp when the log has it. Until the first
          // InterestAccrued the rate is 0, so the indices do not depend on it.
          lastAccrual: timestamp ?? 0n,
          supplyIndex: 10n ** 18n,
          totalSupplyShares: 0n,
          totalBorrowShares: 0n,
          cash: 0n,
          reserves: 0n,
          totalCollateral: 0n,
        });
        return;
      }
      case "AssetParamsSet": {
        // the threshold's target and ramp come from the LiquidationThresholdChanged that follows
        const a = this.asset(log.args.asset);
        a.params = { ...log.args.params, liquidationThreshold: a.params.liquidationThreshold };
        return;
      }
      case "LiquidationThresholdChanged": {
        const a = this.asset(log.args.asset);
        const ramp = rampFromEvent(log.args);
        a.params = { ...a.params, liquidationThreshold: Number(log.args.newThreshold) };
        a.ltRampFrom = ramp.ltRampFrom;
        a.rampEnd = ramp.rampEnd;
        a.rampDuration = ramp.rampDuration;
        return;
      }
      case "RiskGroupSet": {
        const prev = this.groups.get(log.args.group);
        this.groups.set(log.args.group, {
          ltv: BigInt(log.args.params.ltv),
          liquidationThreshold: prev?.liquidationThreshold ?? BigInt(log.args.params.liquidationThreshold),
          ltRampFrom: prev?.ltRampFrom ?? 0n,
          rampEnd: prev?.rampEnd ?? 0n,
          rampDuration: prev?.rampDuration ?? 0n,
          maxBonus: log.args.params.maxBonus,
          assets: log.args.assets,
        });
        return;
      }
      case "GroupThresholdChanged": {
        const g = this.groups.get(log.args.group);
        if (!g) throw new BookError(`GroupThresholdChanged for unknown group ${log.args.group}`);
        this.groups.set(log.args.group, { ...g, liquidationThreshold: log.args.newThreshold, ...rampFromEvent(log.args) });
        return;
      }
      case "StewardThresholdUpdated":
        this.asset(log.args.asset).stewardUpdatedAt = log.args.timestamp;
        return;
      case "StewardParamsSet":
        this.stewardParams = { ...log.args.params };
        return;
      case "GroupEntered":
        this.accountFor(log.args.owner, log.args.subId).group = log.args.group;
        this.stampCheck(log.args.owner, log.args.subId, timestamp);
        return;
      case "GroupLeft":
        this.accountFor(log.args.owner, log.args.subId).group = 0;
        this.stampCheck(log.args.owner, log.args.subId, timestamp);
        return;
      case "RateModelSet":
        this.asset(log.args.asset).rateModel = { ...log.args.model };
        return;
      case "FeedSet": {
        const a = this.asset(log.args.asset);
        a.feed = log.args.feed;
        a.feedDecimals = log.args.feedDecimals;
        return;
      }
      case "GlobalParamsSet":
        this.globalParams = { ...log.args.params };
        return;
      case "Paused":
        this.paused = true;
        return;
      case "Unpaused":
        this.paused = false;
        this.graceEnd = log.args.graceEnd;
        return;
      case "OperatorSet": {
        const owner = lower(log.args.owner);
        let set = this.operators.get(owner);
        if (log.args.approved) {
          if (!set) this.operators.set(owner, (set = new Set()));
          set.add(lower(log.args.operator));
        } else if (set) {
          set.delete(lower(log.args.operator));
          if (set.size === 0) this.operators.delete(owner);
        }
        return;
      }

      // ------------------------------------------------------------ interest
      case "InterestAccrued": {
        const a = this.asset(log.args.asset);
        a.borrowIndex = log.args.borrowIndex;
        a.supplyIndex = log.args.supplyIndex;
        a.ratePerSecond = log.args.ratePerSecond;
        a.reserves = log.args.reserves;
        a.lastAccrual = log.args.timestamp;
        this.txTimestamp = { hash: log.transactionHash, timestamp: log.args.timestamp };
        return;
      }

      // ------------------------------------------------------------ accounts
      case "Deposited": {
        const { owner, subId, asset, amount } = log.args;
        this.asset(asset).totalCollateral += amount;
        this.addPosition(owner, subId, asset, false, amount);
        return;
      }
      case "Withdrawn": {
        const { owner, subId, asset, amount } = log.args;
        const a = this.asset(asset);
        a.totalCollateral = this.sub(a.totalCollateral, amount, `asset ${asset} totalCollateral`);
        this.subPosition(owner, subId, asset, false, amount);
        this.stampCheck(owner, subId, timestamp);
        return;
      }
      case "CollateralTransferred": {
        const { owner, fromSubId, toSubId, asset, amount } = log.args;
        this.asset(asset);
        this.subPosition(owner, fromSubId, asset, false, amount);
        this.addPosition(owner, toSubId, asset, false, amount);
        this.stampCheck(owner, fromSubId, timestamp);
        return;
      }
      case "Borrowed": {
        const { owner, subId, asset, amount, shares } = log.args;
        const a = this.asset(asset);
        a.cash = this.sub(a.cash, amount, `asset ${asset} cash`);
        a.totalBorrowShares += shares;
        this.addPosition(owner, subId, asset, true, shares);
        this.stampCheck(owner, subId, timestamp);
        return;
      }
      case "Repaid": {
        const { owner, subId, asset, amount, shares } = log.args;
        const a = this.asset(asset);
        a.cash += amount;
        a.totalBorrowShares = this.sub(a.totalBorrowShares, shares, `asset ${asset} totalBorrowShares`);
        this.subPosition(owner, subId, asset, true, shares);
        return;
      }
      case "Liquidated": {
        const { owner, subId, debtAsset, collateralAsset, paid, sharesBurnt, seized, fee } = log.args;
        const d = this.asset(debtAsset);
        const c = this.asset(collateralAsset);
        d.totalBorrowShares = this.sub(d.totalBorrowShares, sharesBurnt, `asset ${debtAsset} totalBorrowShares`);
        d.cash += paid;
        this.subPosition(owner, subId, debtAsset, true, sharesBurnt);
        c.totalCollateral = this.sub(c.totalCollateral, seized, `asset ${collateralAsset} totalCollateral`);
        // the fee stays in the vault as reserves: reserves come with the InterestAccrued emitted before
        c.cash += fee;
        this.subPosition(owner, subId, collateralAsset, false, seized);
        return;
      }
      case "BadDebt": {
        // reserves and the supply index after the write-off came with the InterestAccrued just before
        const { owner, subId, asset, shares } = log.args;
        const a = this.asset(asset);
        a.totalBorrowShares = this.sub(a.totalBorrowShares, shares, `asset ${asset} totalBorrowShares`);
        this.subPosition(owner, subId, asset, true, shares);
        return;
      }
      case "DustSwept": {
        // moved to reserves without an accrual: no InterestAccrued follows for this asset
        const { owner, subId, asset, amount } = log.args;
        const a = this.asset(asset);
        a.totalCollateral = this.sub(a.totalCollateral, amount, `asset ${asset} totalCollateral`);
        a.reserves += amount;
        a.cash += amount;
        this.subPosition(owner, subId, asset, false, amount);
        return;
      }

      // ------------------------------------------------------------ lenders and reserves
      case "Supplied": {
        const { lender, asset, amount, shares } = log.args;
        const a = this.asset(asset);
        a.cash += amount;
        a.totalSupplyShares += shares;
        this.addSupply(asset, lender, shares);
        return;
      }
      case "Redeemed": {
        const { lender, asset, amount, shares } = log.args;
        const a = this.asset(asset);
        a.cash = this.sub(a.cash, amount, `asset ${asset} cash`);
        a.totalSupplyShares = this.sub(a.totalSupplyShares, shares, `asset ${asset} totalSupplyShares`);
        this.addSupply(asset, lender, -shares);
        return;
      }
      case "FlashLoan": {
        // the fee joins cash here; reserves (fee included) came with the InterestAccrued emitted just before
        this.asset(log.args.asset).cash += log.args.fee;
        return;
      }
      case "ReservesWithdrawn": {
        // reserves after the withdrawal came with the InterestAccrued just before
        const a = this.asset(log.args.asset);
        a.cash = this.sub(a.cash, log.args.amount, `asset ${log.args.asset} cash`);
        return;
      }

      // ------------------------------------------------------------ roles: nothing the book needs
      case "RoleAdminChanged":
      case "RoleGranted":
      case "RoleRevoked":
        return;
      default: {
        const unhandled: never = log;
        throw new BookError(`unhandled vault event ${(unhandled as { eventName: string }).eventName}`);
      }
    }
  }

  // ================================================================ queries

  asset(id: number): BookAsset {
    const a = this.assets.get(id);
    if (!a) throw new BookError(`unknown asset ${id}`);
    return a;
  }

  account(owner: Address, subId: number): BookAccount | undefined {
    return this.accounts.get(accountKey(owner, subId));
  }

  isOperator(owner: Address, operator: Address): boolean {
    return this.operators.get(lower(owner))?.has(lower(operator)) ?? false;
  }

  /** The liquidation parameters of the vault-wide parameters. */
  liquidationGlobals(): LiquidationGlobals {
    const g = this.globalParams;
    if (!g) throw new BookError("no GlobalParamsSet seen");
    return { minBonus: g.minBonus, targetHealth: g.targetHealth, minLeftover: g.minLeftover };
  }

  /** Every asset's risk config and interest clock, for the pure health functions. */
  riskBook(): AssetRiskBook {
    const out = new Map<number, AssetRiskInfo>();
    for (const [id, a] of this.assets) {
      out.set(id, {
        config: {
          decimals: a.decimals,
          ltv: BigInt(a.params.ltv),
          liquidationThreshold: BigInt(a.params.liquidationThreshold),
          ltRampFrom: a.ltRampFrom,
          rampEnd: a.rampEnd,
          rampDuration: a.rampDuration,
          sizeFactor: BigInt(a.params.sizeFactor),
          sizeThreshold: a.params.sizeThreshold,
          maxBonus: a.params.maxBonus,
          protocolFee: BigInt(a.params.protocolFee),
        },
        clock: { borrowIndex: a.borrowIndex, ratePerSecond: a.ratePerSecond, lastAccrual: a.lastAccrual },
      });
    }
    return out;
  }

  /**
   * USD WAD prices from the latest answer of each asset's current feed (feed address -> raw answer), as the
   * vault's `_price` converts them. Assets without a usable answer are left out; staleness
   * (`maxOracleAge` against the round's updatedAt) is the caller's to check.
   */
  pricesFromAnswers(answers: ReadonlyMap<string, bigint>): Map<number, bigint> {
    const byFeed = new Map<string, bigint>();
    for (const [feed, answer] of answers) byFeed.set(lower(feed), answer);
    const out = new Map<number, bigint>();
    for (const [id, a] of this.assets) {
      const answer = byFeed.get(lower(a.feed));
      if (answer === undefined || answer <= 0n) continue; // the vault reverts Vault_OracleNonPositive
      const wad = toWad(answer, a.feedDecimals);
      if (wad > 0n) out.set(id, wad);
    }
    return out;
  }

  /** The vault's `positions` view at `timestamp`, sorted by asset id. */
  positions(owner: Address, subId: number, timestamp: bigint): PositionView[] {
    const acc = this.account(owner, subId);
    if (!acc) return [];
    return [...acc.positions]
      .sort(([x], [y]) => x - y)
      .map(([asset, p]) =>
        p.isDebt
          ? { asset, isDebt: true, amount: debtUp(p.amount, borrowIndexNow(this.asset(asset), timestamp)), shares: p.amount }
          : { asset, isDebt: false, amount: p.amount, shares: 0n },
      );
  }

  /** The vault's `accountHealth` view at `timestamp` with these prices. */
  health(owner: Address, subId: number, prices: Prices, timestamp: bigint): AccountHealth {
    const acc = this.account(owner, subId);
    return accountHealth(acc?.positions ?? new Map(), this.riskBook(), prices, timestamp, this.groupContext(acc));
  }

  /** The vault's `assetState` view at `timestamp`: interest accrued virtually from the stored state. */
  assetState(id: number, timestamp: bigint): AssetStateView {
    const a = this.asset(id);
    const acc = accrue(
      {
        borrowIndex: a.borrowIndex,
        supplyIndex: a.supplyIndex,
        reserves: a.reserves,
        ratePerSecond: a.ratePerSecond,
        totalBorrowShares: a.totalBorrowShares,
        totalSupplyShares: a.totalSupplyShares,
        reserveFactor: BigInt(a.params.reserveFactor),
      },
      timestamp - a.lastAccrual,
    );
    return {
      borrowIndex: acc.borrowIndex,
      ratePerSecond: a.ratePerSecond,
      lastAccrual: Number(a.lastAccrual),
      supplyIndex: acc.supplyIndex,
      totalSupplyShares: a.totalSupplyShares,
      totalBorrowShares: a.totalBorrowShares,
      cash: a.cash,
      reserves: acc.reserves,
      totalCollateral: a.totalCollateral,
    };
  }

  supplySharesOf(asset: number, lender: Address): bigint {
    return this.supplyShares.get(asset)?.get(lower(lender)) ?? 0n;
  }

  /** The vault's `supplyBalance` view at `timestamp`. */
  supplyBalance(asset: number, lender: Address, timestamp: bigint): bigint {
    return supplyDown(this.supplySharesOf(asset, lender), this.assetState(asset, timestamp).supplyIndex);
  }

  /**
   * The vault's `previewLiquidation` at `timestamp`: the vault-wide checks of `_plan` in its order (paused,
   * grace period, self-liquidation, cool-off), then the account's (accountHealth.previewLiquidation).
   */
  previewLiquidation(
    owner: Address,
    subId: number,
    debtAsset: number,
    collateralAsset: number,
    repayAmount: bigint,
    liquidator: Address,
    prices: Prices,
    timestamp: bigint,
  ): BookPreviewResult {
    if (this.paused) return { ok: false, error: "Paused" };
    if (timestamp < this.graceEnd) return { ok: false, error: "GracePeriod", graceEnd: this.graceEnd };
    if (lower(liquidator) === lower(owner) || this.isOperator(owner, liquidator)) {
      return { ok: false, error: "SelfLiquidation" };
    }
    const acc = this.account(owner, subId);
    if (acc && !acc.checkedAtKnown) return { ok: false, error: "CoolOffUnknown" };
    if (acc?.checkedAt === timestamp) return { ok: false, error: "CoolOff" };
    return previewLiquidation({
      positions: acc?.positions ?? new Map(),
      assets: this.riskBook(),
      prices,
      globals: this.liquidationGlobals(),
      timestamp,
      debtAsset,
      collateralAsset,
      repayAmount,
      account: this.groupContext(acc),
    });
  }

  /** The account's group and the book's groups, for the pure health functions. */
  groupContext(acc: BookAccount | undefined): GroupContext {
    return { group: acc?.group ?? 0, groups: this.groups };
  }

  /** Every account with at least one position. */
  *openAccounts(): Generator<BookAccount> {
    for (const acc of this.accounts.values()) if (acc.positions.size > 0) yield acc;
  }

  // ================================================================ internals

  private timestampOf(log: VaultLog): bigint | undefined {
    if (log.blockTimestamp !== undefined && log.blockTimestamp !== null) return BigInt(log.blockTimestamp);
    if (this.txTimestamp?.hash === log.transactionHash) return this.txTimestamp.timestamp;
    return undefined;
  }

  private accountFor(owner: Address, subId: number): BookAccount {
    const key = accountKey(owner, subId);
    let acc = this.accounts.get(key);
    if (!acc) {
      acc = { owner, subId, group: 0, positions: new Map(), checkedAt: 0n, checkedAtKnown: true };
      this.accounts.set(key, acc);
    }
    return acc;
  }

  private stampCheck(owner: Address, subId: number, timestamp: bigint | undefined): void {
    const acc = this.accountFor(owner, subId);
    acc.checkedAt = timestamp ?? 0n;
    acc.checkedAtKnown = timestamp !== undefined;
  }

  private addPosition(owner: Address, subId: number, asset: number, isDebt: boolean, amount: bigint): void {
    const acc = this.accountFor(owner, subId);
    const p = acc.positions.get(asset);
    if (p === undefined) {
      if (amount !== 0n) acc.positions.set(asset, { isDebt, amount });
      return;
    }
    if (p.isDebt !== isDebt) {
      throw new BookError(`${owner}/${subId}: asset ${asset} is ${p.isDebt ? "a debt" : "a collateral"} already`);
    }
    p.amount += amount;
  }

  private subPosition(owner: Address, subId: number, asset: number, isDebt: boolean, amount: bigint): void {
    const acc = this.accountFor(owner, subId);
    const p = acc.positions.get(asset);
    const what = `${owner}/${subId} ${isDebt ? "debt shares" : "collateral"} of asset ${asset}`;
    if (p === undefined) {
      if (amount === 0n) return;
      throw new BookError(`${what}: no position to take ${amount} from (missed logs?)`);
    }
    if (p.isDebt !== isDebt) throw new BookError(`${what}: the position is of the other kind`);
    p.amount = this.sub(p.amount, amount, what);
    if (p.amount === 0n) acc.positions.delete(asset);
  }

  private addSupply(asset: number, lender: Address, delta: bigint): void {
    let m = this.supplyShares.get(asset);
    if (!m) this.supplyShares.set(asset, (m = new Map()));
    const key = lower(lender);
    const next = (m.get(key) ?? 0n) + delta;
    if (next < 0n) throw new BookError(`supply shares of ${lender} in asset ${asset} below zero (missed logs?)`);
    if (next === 0n) m.delete(key);
    else m.set(key, next);
  }

  private sub(a: bigint, b: bigint, what: string): bigint {
    if (b > a) throw new BookError(`${what}: ${a} - ${b} below zero (missed logs?)`);
    return a - b;
  }
}

/**
 * Seeded fuzz tests of the risk invariants INV-20, INV-21 and INV-22 (docs/invariants.md): threshold ramps,
 * correlated groups and the risk steward, over random accounts, prices and parameters.
 *
 *   FUZZ_SEED  PRNG seed (default 0x5eed2026); every failure message names the seed and the run.
 *   FUZZ_RUNS  runs per invariant (default: 20 / 20 / 60, five times as many when CI=true).
 *
 * "The same block": a view at "latest" executes with the latest block's timestamp. To compare an account's
 * health just before and just after a transaction *at the same timestamp* (interest accrues every second),
 * the test takes a snapshot, mines an empty block at T and reads; restores; then sends the transaction in a
 * block at T and reads again. Both reads see the same timestamp, prices and indices; only the transaction
 * differs.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { getAddress, keccak256, toHex, type Address } from "viem";
import { BPS, DEFAULT_GLOBAL, DEFAULT_RATE_MODEL, WAD, assetParams, deployVault } from "../fixtures/vaultFixture.ts";
import {
  DAY,
  USDC,
  WBTC,
  WETH,
  healthFromViews,
  listToken,
  rampAt,
  refreshFeeds,
  tryWrite,
  wad,
  type Health,
  type VaultFixture,
} from "../fixtures/riskKit.ts";

const { networkHelpers } = await network.create();

// ------------------------------------------------------------------------------------------ configuration

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2026) >>> 0;
const CI = process.env.CI === "true";
function runsFor(base: number): number {
  if (process.env.FUZZ_RUNS !== undefined) return Math.max(1, Number(process.env.FUZZ_RUNS));
  return CI ? base * 5 : base;
}

/** mulberry32: a tiny 32-bit seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed for one run of one invariant, well mixed from the global seed (FNV-1a plus an avalanche). */
function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
    h ^= h >>> 12;
  }
  return h >>> 0;
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[Math.floor(this.next() * xs.length)];
    if (x === undefined) throw new Error("pick from an empty list");
    return x;
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

/** Executed checks per invariant, printed at the end. */
const checks: Record<string, number> = { "INV-20": 0, "INV-21": 0, "INV-22": 0 };
function check(inv: string, ok: boolean, message: () => string): void {
  checks[inv] = (checks[inv] ?? 0) + 1;
  if (!ok) assert.fail(`${inv} violated (FUZZ_SEED=${SEED}): ${message()}`);
}

// ------------------------------------------------------------------------------------------ fixture

const STETH = 3;
const ASSETS = [USDC, WBTC, WETH, STETH] as const;
const DECIMALS = [6, 8, 18, 18] as const;
const RISK_STEWARD_ROLE = keccak256(toHex("RISK_STEWARD_ROLE"));
const BASE_GROUPS = [
  { id: 1, params: { ltv: 9000, liquidationThreshold: 9300, maxBonus: wad("0.04") }, members: [WETH, STETH] },
  { id: 2, params: { ltv: 8000, liquidationThreshold: 8600, maxBonus: wad("0.05") }, members: [USDC, WBTC, WETH] },
];

/** The default vault (interest on) plus stETH, two groups, a steward (carol) with no cooldown. */
async function deployInvariants(connection: NetworkConnection) {
  const f = await deployVault(connection);
  const steth = await listToken(f, "stETH", 18, "2000", { ltv: 7000, liquidationThreshold: 7500, maxBonus: wad("0.06") }, DEFAULT_RATE_MODEL);
  f.feeds.push(steth.feed);
  for (const g of BASE_GROUPS) await f.vault.write.setRiskGroup([g.id, g.params, g.members]);
  await f.vault.write.grantRole([RISK_STEWARD_ROLE, f.carol.account.address]);
  await f.vault.write.setStewardParams([{ maxThresholdStep: 500, cooldown: 0 }]);
  return f;
}

// ------------------------------------------------------------------------------------------ helpers

interface Account {
  owner: Address;
  subId: number;
  wallet: VaultFixture["alice"];
}

/** The wallets that own accounts (admin, lender and liquidator stay out). */
function owners(f: VaultFixture) {
  return [f.alice, f.bob, f.carol, f.wallets[6]!, f.wallets[7]!];
}

async function priceOf(f: VaultFixture, asset: number): Promise<bigint> {
  const [p] = await f.vault.read.price([asset]);
  return p;
}

/**
 * A random account: 1-3 collaterals worth 500-100,000 USD each, and usually 1-2 debts taking 50-99.5 % of its
 * initial-margin room. With `enterChance`, tries to enter a random group (a refusal is fine here).
 */
async function openRandomAccount(
  f: VaultFixture,
  rng: Rng,
  acct: Account,
  enterChance: number,
  groups: number[],
  universe: readonly number[] = ASSETS,
) {
  const { vault } = f;
  const as = { account: acct.wallet.account };
  const order = rng.shuffle(universe);
  const nColl = Math.min(rng.int(1, 3), Math.max(1, order.length - 1));
  const colls = order.slice(0, nColl);
  const debts = order.slice(nColl, nColl + (rng.chance(0.15) ? 0 : rng.int(1, 2)));
  for (const a of colls) {
    const value = BigInt(rng.int(500, 100_000)) * WAD + BigInt(rng.int(0, 999_999)) * 10n ** 12n;
    const units = (value * 10n ** BigInt(DECIMALS[a]!)) / (await priceOf(f, a));
    if (units > 0n) await vault.write.deposit([acct.owner, acct.subId, a, units], as);
  }
  if (rng.chance(enterChance) && groups.length > 0) await tryWrite(vault.write.enterGroup([acct.owner, acct.subId, rng.pick(groups)], as));
  // borrow a random share (50-99.5 %, skewed high) of the initial-margin room, split over the debts
  const h0 = await vault.read.accountHealth([acct.owner, acct.subId]);
  if (h0.initialMarginValue <= h0.debtValue) return;
  const room0 = h0.initialMarginValue - h0.debtValue;
  const share = 995n - BigInt(Math.floor(rng.float() * rng.float() * 495)); // per mille
  const keep = (room0 * (1000n - share)) / 1000n;
  for (const [i, a] of debts.entries()) {
    const h = await vault.read.accountHealth([acct.owner, acct.subId]);
    if (h.initialMarginValue <= h.debtValue + keep) break;
    const room = h.initialMarginValue - h.debtValue - keep;
    const value = i === debts.length - 1 ? room : (room * BigInt(rng.int(300, 700))) / 1000n;
    const units = (value * 10n ** BigInt(DECIMALS[a]!)) / (await priceOf(f, a));
    if (units === 0n) continue;
    const err = await tryWrite(vault.write.borrow([acct.owner, acct.subId, a, units, acct.owner], as));
    // a grouped account may not add a non-member debt; nothing else may fail
    if (err !== undefined) assert.equal(err.name, "Vault_AssetNotInGroup", `borrow failed: ${err.name}`);
  }
}

/** Every price times a random factor in [lo, hi] per mille. */
async function movePrices(f: VaultFixture, rng: Rng, lo: number, hi: number) {
  for (const feed of f.feeds) {
    const [, answer] = await feed.read.latestRoundData();
    await feed.write.setAnswer([(answer * BigInt(rng.int(lo, hi))) / 1000n]);
  }
}

/** Distinct random accounts over the owner wallets and sub-accounts 0-3. */
function randomAccounts(f: VaultFixture, rng: Rng, n: number): Account[] {
  const seen = new Set<string>();
  const out: Account[] = [];
  while (out.length < n) {
    const wallet = rng.pick(owners(f));
    const subId = rng.int(0, 3);
    const k = `${wallet.account.address}/${subId}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ owner: getAddress(wallet.account.address), subId, wallet });
  }
  return out;
}

async function healthsOf(f: VaultFixture, accounts: Account[]): Promise<readonly Health[]> {
  return f.vault.read.accountsHealth([accounts.map((a) => a.owner), accounts.map((a) => a.subId)]);
}

/**
 * Run `read` in an empty block mined at `t` (state unchanged), then roll back. The caller then sends its
 * transaction in a block at `t` too.
 */
async function readAt<T>(t: bigint, read: () => Promise<T>): Promise<T> {
  const snapshot = await networkHelpers.takeSnapshot();
  await networkHelpers.time.setNextBlockTimestamp(t);
  await networkHelpers.mine();
  const out = await read();
  await snapshot.restore();
  await networkHelpers.time.setNextBlockTimestamp(t);
  return out;
}

async function nextT(rng: Rng, maxGap = 30): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest()) + BigInt(rng.int(1, maxGap));
}

const isLiquidatable = (h: Health) => h.debtValue > 0n && h.healthFactor < WAD;

function sameHealth(a: Health, b: Health | undefined): boolean {
  return (
    b !== undefined &&
    a.collateralValue === b.collateralValue &&
    a.weightedCollateral === b.weightedCollateral &&
    a.initialMarginValue === b.initialMarginValue &&
    a.debtValue === b.debtValue &&
    a.healthFactor === b.healthFactor
  );
}

/** JSON with bigints as strings, for comparing decoded error arguments and for messages. */
function show(x: unknown): string {
  return JSON.stringify(x, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** Largest LT with floor(LT * (WAD + maxBonus) / BPS) <= 0.975e18. */
function maxLtFor(maxBonus: bigint): number {
  return Number((975_000_000_000_000_000n * BPS) / (WAD + maxBonus));
}

// ------------------------------------------------------------------------------------------ tests

describe("Risk invariants (seeded fuzz)", () => {
  after(() => {
    console.log(
      `    risk invariants, FUZZ_SEED=${SEED}: ${Object.entries(checks)
        .map(([k, v]) => `${k} ${v} checks`)
        .join(", ")}`,
    );
  });

  it("INV-20: lowering a threshold never makes a healthy account liquidatable in the same block", async () => {
    const runs = runsFor(20);
    const stats = { asset: 0, steward: 0, group: 0, midRamp: 0, accountsWithDebt: 0, grouped: 0, alreadyLiquidatable: 0, nearBoundary: 0 };
    for (let run = 0; run < runs; run++) {
      const rng = new Rng(deriveSeed(SEED, 20, run));
      const f = await networkHelpers.loadFixture(deployInvariants);
      const { vault, carol } = f;
      const ctx = () => `run ${run}`;
      await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: rng.pick([1, 60, 3600, DAY, 7 * DAY, 30 * DAY]) }]);
      const accounts = randomAccounts(f, rng, rng.int(4, 7));
      for (const a of accounts) await openRandomAccount(f, rng, a, 0.5, [1, 2]);
      await movePrices(f, rng, 800, 1150);

      for (let step = 0; step < 4; step++) {
        await networkHelpers.time.increase(rng.int(1, 3 * DAY));
        await refreshFeeds(f.feeds);
        // a random lowering below the threshold in force: admin on an asset, steward on an asset, admin on a group
        const kind = rng.pick(["asset", "steward", "group"] as const);
        let send: () => Promise<`0x${string}`>;
        let ltvChanged = false;
        let what: string;
        if (kind === "group") {
          const g = rng.pick(BASE_GROUPS);
          const stored = await vault.read.riskGroup([g.id]);
          const inForce = Number((await vault.read.weightsOf([g.members[0]!, g.id]))[1]);
          let ltv = stored.ltv;
          if (inForce - 1 <= ltv || rng.chance(0.2)) {
            ltv = Math.max(1000, ltv - rng.int(1, 1500));
            ltvChanged = true;
          }
          if (inForce - 1 <= ltv) continue;
          const lt = rng.int(ltv + 1, inForce - 1);
          const params = { ltv, liquidationThreshold: lt, maxBonus: stored.maxBonus };
          what = `group ${g.id} LT ${inForce} -> ${lt} (ltv ${stored.ltv} -> ${ltv})${inForce !== stored.liquidationThreshold ? " mid-ramp" : ""}`;
          send = () => vault.write.setRiskGroup([g.id, params, g.members]);
        } else {
          const asset = rng.pick(ASSETS);
          const cfg = await vault.read.assetConfig([asset]);
          const inForce = Number((await vault.read.weightsOf([asset, 0]))[1]);
          if (kind === "steward" && cfg.liquidationThreshold - 1 > cfg.ltv) {
            const d = rng.int(1, Math.min(500, cfg.liquidationThreshold - cfg.ltv - 1));
            const lt = cfg.liquidationThreshold - d;
            what = `steward: asset ${asset} LT ${inForce} -> ${lt}${inForce !== cfg.liquidationThreshold ? " mid-ramp" : ""}`;
            send = () => vault.write.stewardSetLiquidationThreshold([asset, lt], { account: carol.account });
          } else {
            let ltv = cfg.ltv;
            if (inForce - 1 <= ltv || rng.chance(0.2)) {
              ltv = Math.max(1000, ltv - rng.int(1, 1500));
              ltvChanged = true;
            }
            const lt = rng.int(ltv + 1, inForce - 1);
            const params = assetParams({
              ltv,
              liquidationThreshold: lt,
              sizeFactor: cfg.sizeFactor,
              protocolFee: cfg.protocolFee,
              reserveFactor: cfg.reserveFactor,
              maxOracleAge: cfg.maxOracleAge,
              maxBonus: cfg.maxBonus,
              sizeThreshold: cfg.sizeThreshold,
              supplyCap: cfg.supplyCap,
              collateralCap: cfg.collateralCap,
              borrowCap: cfg.borrowCap,
            });
            what = `admin: asset ${asset} LT ${inForce} -> ${lt} (ltv ${cfg.ltv} -> ${ltv})${inForce !== cfg.liquidationThreshold ? " mid-ramp" : ""}`;
            send = () => vault.write.setAssetParams([asset, params]);
          }
        }
        const t = await nextT(rng);
        const before = await readAt(t, () => healthsOf(f, accounts));
        stats[kind === "steward" && what.startsWith("steward") ? "steward" : kind === "group" ? "group" : "asset"]++;
        if (what.includes("mid-ramp")) stats.midRamp++;
        const receipt = await f.publicClient.waitForTransactionReceipt({ hash: await send() });
        assert.equal(receipt.status, "success");
        assert.equal(BigInt(await networkHelpers.time.latest()), t, "the lowering is in the block at t");
        const afterLowering = await healthsOf(f, accounts);
        for (const [i, a] of accounts.entries()) {
          const b = before[i]!;
          const x = afterLowering[i]!;
          const msg = () => `${ctx()} step ${step}, ${what}: account ${a.owner}/${a.subId} ${show({ b, x })}`;
          if (step === 0) {
            if (b.debtValue > 0n) stats.accountsWithDebt++;
            if ((await vault.read.groupOf([a.owner, a.subId])) !== 0) stats.grouped++;
          }
          if (isLiquidatable(b)) stats.alreadyLiquidatable++;
          else if (b.debtValue > 0n && b.healthFactor < wad("1.1")) stats.nearBoundary++;
          check("INV-20", !isLiquidatable(x) || isLiquidatable(b), () => `turned liquidatable: ${msg()}`);
          check(
            "INV-20",
            x.weightedCollateral === b.weightedCollateral &&
              x.healthFactor === b.healthFactor &&
              x.debtValue === b.debtValue &&
              x.collateralValue === b.collateralValue &&
              (ltvChanged || x.initialMarginValue === b.initialMarginValue),
            () => `health changed in the block of the lowering: ${msg()}`,
          );
        }
      }
    }
    console.log(`    INV-20 lowerings and accounts: ${JSON.stringify(stats)}`);
  });

  it("INV-21: entering a group never lowers health; a refused entry reverts with a named error", async () => {
    const runs = runsFor(20);
    const outcomes: Record<string, number> = {};
    for (let run = 0; run < runs; run++) {
      const rng = new Rng(deriveSeed(SEED, 21, run));
      const f = await networkHelpers.loadFixture(deployInvariants);
      const { vault } = f;
      // random groups 1-3 (replacing the fixture's): random members, weights and bonus cap
      const groups: Array<{ id: number; members: number[] }> = [];
      for (const id of [1, 2, 3]) {
        const members = rng.shuffle(ASSETS).slice(0, rng.int(2, 4));
        const lt = rng.chance(0.7) ? rng.int(8000, 9500) : rng.int(5000, 8000);
        // the cap point is checked against the higher of the new LT and the one in force (9300, 8600, none)
        const inForce = BASE_GROUPS.find((g) => g.id === id)?.params.liquidationThreshold ?? 0;
        const cap = (975_000_000_000_000_000n * BPS) / BigInt(Math.max(lt, inForce)) - WAD;
        const top = cap < wad("0.1") ? cap : wad("0.1");
        const maxBonus = wad("0.02") + ((top - wad("0.02")) * BigInt(rng.int(0, 1000))) / 1000n;
        const ltv = rng.int(Math.max(1000, lt - 2500), lt - 1);
        await vault.write.setRiskGroup([id, { ltv, liquidationThreshold: lt, maxBonus }, members]);
        groups.push({ id, members });
      }
      // most accounts hold only assets of the group they will try to enter
      const accounts = randomAccounts(f, rng, rng.int(5, 8));
      const planned = new Map<Account, number>();
      for (const a of accounts) {
        const g = rng.pick(groups);
        planned.set(a, g.id);
        await openRandomAccount(f, rng, a, 0.1, [1, 2, 3], rng.chance(0.75) ? g.members : ASSETS);
      }
      await movePrices(f, rng, 850, 1150);
      // sometimes a ramp is under way on an asset or a group while accounts enter
      if (rng.chance(0.5)) {
        await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: rng.pick([600, DAY, 7 * DAY]) }]);
        const asset = rng.pick(ASSETS);
        const cfg = await vault.read.assetConfig([asset]);
        const ltv = Math.max(1000, cfg.ltv - rng.int(0, 1500));
        await vault.write.setAssetParams([
          asset,
          assetParams({ ltv, liquidationThreshold: rng.int(ltv + 1, cfg.liquidationThreshold - 1), maxBonus: cfg.maxBonus, sizeThreshold: cfg.sizeThreshold, sizeFactor: cfg.sizeFactor, protocolFee: cfg.protocolFee }),
        ]);
        const g = rng.pick(groups);
        const stored = await vault.read.riskGroup([g.id]);
        if (stored.liquidationThreshold - 1 > stored.ltv) {
          await vault.write.setRiskGroup([
            g.id,
            { ltv: stored.ltv, liquidationThreshold: rng.int(stored.ltv + 1, stored.liquidationThreshold - 1), maxBonus: stored.maxBonus },
            g.members,
          ]);
        }
        await networkHelpers.time.increase(rng.int(1, 3000));
        await refreshFeeds(f.feeds);
      }

      for (const a of rng.shuffle(accounts)) {
        const as = { account: a.wallet.account };
        const roll = rng.float();
        const target = roll < 0.08 ? rng.pick([0, 4, 200]) : roll < 0.25 ? rng.pick(groups).id : planned.get(a)!;
        const t = await nextT(rng);
        // health before and as predicted in the group, both at t
        const { before, predicted, positions, current } = await readAt(t, async () => ({
          before: await vault.read.accountHealth([a.owner, a.subId]),
          predicted: target >= 1 && target <= 3 ? await healthFromViews(f, a.owner, a.subId, target) : undefined,
          positions: await vault.read.positions([a.owner, a.subId]),
          current: await vault.read.groupOf([a.owner, a.subId]),
        }));
        const group = groups.find((g) => g.id === target);
        let expected: { name: string; args: readonly unknown[] } | undefined;
        const outsider = group === undefined ? undefined : positions.find((p) => !group.members.includes(p.asset));
        if (group === undefined || predicted === undefined) expected = { name: "Vault_UnknownGroup", args: [target] };
        else if (current !== 0) expected = { name: "Vault_AlreadyInGroup", args: [a.owner, a.subId, current] };
        else if (outsider !== undefined) expected = { name: "Vault_AssetNotInGroup", args: [target, outsider.asset] };
        else if (predicted.healthFactor < before.healthFactor)
          expected = { name: "Vault_GroupLowersHealth", args: [before.healthFactor, predicted.healthFactor] };
        else if (predicted.initialMarginValue < predicted.debtValue)
          expected = { name: "Vault_InsufficientMargin", args: [a.owner, a.subId, predicted.initialMarginValue, predicted.debtValue] };

        const err = await tryWrite(vault.write.enterGroup([a.owner, a.subId, target], as));
        const label = err?.name ?? "entered";
        outcomes[label] = (outcomes[label] ?? 0) + 1;
        const msg = () => `run ${run}, ${a.owner}/${a.subId} -> group ${target}: got ${label}, expected ${expected?.name ?? "entered"}`;
        check("INV-21", err === undefined || err.name.startsWith("Vault_"), () => `unnamed revert: ${msg()}`);
        check("INV-21", label === (expected?.name ?? "entered"), msg);
        if (err !== undefined && expected !== undefined) {
          check("INV-21", show(err.args) === show(expected.args), () => `error args ${show(err.args)} vs ${show(expected.args)}: ${msg()}`);
        }
        if (err === undefined) {
          assert.equal(BigInt(await networkHelpers.time.latest()), t);
          const afterEntry = await vault.read.accountHealth([a.owner, a.subId]);
          check("INV-21", afterEntry.healthFactor >= before.healthFactor, () => `health fell ${before.healthFactor} -> ${afterEntry.healthFactor}: ${msg()}`);
          check("INV-21", afterEntry.initialMarginValue >= afterEntry.debtValue, () => `below initial margin after entry: ${msg()}`);
          check("INV-21", sameHealth(afterEntry, predicted), () => `health in the group differs from the mirror ${show({ afterEntry, predicted })}: ${msg()}`);
        }
      }
    }
    console.log(`    INV-21 outcomes: ${JSON.stringify(outcomes)}`);
  });

  it("INV-22: a ramp is monotone in time and stays within [LTnew, LTold]", async () => {
    const runs = runsFor(60);
    for (let run = 0; run < runs; run++) {
      const rng = new Rng(deriveSeed(SEED, 22, run));
      const f = await networkHelpers.loadFixture(deployInvariants);
      const { vault } = f;
      const useGroup = rng.chance(0.4);
      const asset = rng.pick(ASSETS);
      const group = useGroup ? rng.pick(BASE_GROUPS) : undefined;
      const readAsset = group ? group.members[0]! : asset;
      const maxBonus = group ? group.params.maxBonus : (await vault.read.assetConfig([asset])).maxBonus;
      // the old threshold, set with no ramp; then a random duration and a random lowering
      const ltv = rng.int(1000, 5000);
      const ltOld = rng.int(ltv + 2, maxLtFor(maxBonus));
      const ltNew = rng.int(ltv + 1, ltOld - 1);
      const duration = BigInt(rng.pick([1, rng.int(2, 100), rng.int(100, 10_000), rng.int(10_000, 40 * DAY)]));
      const setLt = async (lt: number) => {
        if (group) return vault.write.setRiskGroup([group.id, { ...group.params, ltv, liquidationThreshold: lt }, group.members]);
        const cfg = await vault.read.assetConfig([asset]);
        return vault.write.setAssetParams([asset, assetParams({ ltv, liquidationThreshold: lt, maxBonus: cfg.maxBonus, protocolFee: cfg.protocolFee })]);
      };
      await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: 0 }]);
      await setLt(ltOld);
      await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, rampDuration: Number(duration) }]);
      let t = await nextT(rng);
      await networkHelpers.time.setNextBlockTimestamp(t);
      await setLt(ltNew);
      let ramp = { target: BigInt(ltNew), from: BigInt(ltOld), end: t + duration };
      let lowest = BigInt(ltNew);
      let prev = BigInt(ltOld);
      const ctx = () => `run ${run}, ${group ? `group ${group.id}` : `asset ${asset}`}: ${ltOld} -> ${ltNew} over ${duration} s`;
      const samples = rng.int(6, 14);
      for (let s = 0; s < samples; s++) {
        // increasing sample times over about 1.3 ramps, sometimes exactly at rampEnd - 1 / rampEnd
        const gap = rng.chance(0.15) ? ramp.end - t - 1n : BigInt(1 + Math.floor(rng.float() * Number(duration) * 0.2));
        t += gap > 0n ? gap : 1n;
        // sometimes the threshold is lowered again mid-ramp: the new ramp starts at the value in force
        if (rng.chance(0.15)) {
          const inForce = rampAt(ramp.target, ramp.from, ramp.end, duration, t);
          if (inForce - 1n > BigInt(ltv)) {
            const lt = rng.int(ltv + 1, Number(inForce) - 1);
            await networkHelpers.time.setNextBlockTimestamp(t);
            await setLt(lt);
            // the same target again leaves the ramp in progress alone; a new one ramps from the value in force
            if (BigInt(lt) !== ramp.target) ramp = { target: BigInt(lt), from: inForce, end: t + duration };
            lowest = BigInt(lt);
            t += 1n;
          }
        }
        await networkHelpers.time.setNextBlockTimestamp(t);
        await networkHelpers.mine();
        const [, lt] = await vault.read.weightsOf([readAsset, group ? group.id : 0]);
        const msg = () => `${ctx()}: at +${t - (ramp.end - duration)} s LT ${lt} (before ${prev})`;
        check("INV-22", lt <= prev, () => `threshold rose while lowering: ${msg()}`);
        check("INV-22", lt >= lowest && lt <= BigInt(ltOld), () => `outside [LTnew, LTold]: ${msg()}`);
        check("INV-22", lt === rampAt(ramp.target, ramp.from, ramp.end, duration, t), () => `not the spec's LT(t): ${msg()}`);
        prev = lt;
      }
    }
  });
});

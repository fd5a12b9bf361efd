/**
 * Administration: listAsset, setAssetParams, setRateModel, setFeed, setGlobalParams, withdrawReserves,
 * pause/unpause, every Vault_InvalidParams branch and the OpenZeppelin role checks.
 */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { network } from "hardhat";
import { keccak256, maxUint256, parseUnits, toHex, zeroHash, type Address } from "viem";
import {
  DEFAULT_GLOBAL,
  DEFAULT_RATE_MODEL,
  assetParams,
  feedAnswer,
  type AssetParamsInput,
} from "../fixtures/vaultFixture.ts";
import { WAD, accrue, borrowIndexAt, divUp, rateFor } from "../fixtures/riskSpec.ts";
import {
  USDC,
  WBTC,
  WETH,
  ZERO_RATE_MODEL,
  deployVaultNoInterest,
  fixtureParams,
  mined,
  type VaultFixture,
} from "../fixtures/vaultTestKit.ts";

const { networkHelpers, viem } = await network.create();

const eth = (s: string) => parseUnits(s, 18);
const usdc = (s: string) => parseUnits(s, 6);
const RISK_ADMIN_ROLE = keccak256(toHex("RISK_ADMIN_ROLE"));
const PAUSE_GUARDIAN_ROLE = keccak256(toHex("PAUSE_GUARDIAN_ROLE"));

function who(f: VaultFixture) {
  return { A: f.address(f.alice.account.address), B: f.address(f.bob.account.address), ADM: f.address(f.admin.account.address) };
}

async function newTokenAndFeed(f: VaultFixture, decimals = 18, feedDecimals = 8, answer = feedAnswer("5")) {
  const token = await f.viem.deployContract("MockERC20", ["NEW", "NEW", decimals]);
  const feed = await f.viem.deployContract("MockAggregator", [feedDecimals, answer, "NEW / USD"]);
  return { token, feed };
}

describe("Vault admin: listAsset", () => {
  it("listAsset assigns the next id, stores token, decimals, feed and parameters, starts indices at 1e18 and emits AssetListed, AssetParamsSet, RateModelSet", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault } = f;
    const { token, feed } = await newTokenAndFeed(f, 12, 8);
    const params = assetParams({ ltv: 6000, liquidationThreshold: 7000, maxBonus: 50_000_000_000_000_000n, supplyCap: 123n, collateralCap: 456n, borrowCap: 789n, sizeThreshold: 1000n * WAD, sizeFactor: 5000 });
    const { result } = await vault.simulate.listAsset([token.address, feed.address, params, DEFAULT_RATE_MODEL]);
    assert.equal(result, 3);
    const tx = vault.write.listAsset([token.address, feed.address, params, DEFAULT_RATE_MODEL]);
    await viem.assertions.emitWithArgs(tx, vault, "AssetListed", [3, f.address(token.address), 12, f.address(feed.address), 8]);
    await viem.assertions.emitWithArgs(tx, vault, "AssetParamsSet", [3, params]);
    await viem.assertions.emitWithArgs(tx, vault, "RateModelSet", [3, DEFAULT_RATE_MODEL]);
    assert.equal(await vault.read.assetCount(), 4n);
    assert.equal(await vault.read.assetOf([token.address]), 3);
    const c = await vault.read.assetConfig([3]);
    assert.equal(c.token, f.address(token.address));
    assert.equal(c.feed, f.address(feed.address));
    assert.equal(c.decimals, 12);
    assert.equal(c.feedDecimals, 8);
    assert.equal(c.ltv, 6000);
    assert.equal(c.liquidationThreshold, 7000);
    assert.equal(c.sizeFactor, 5000);
    assert.equal(c.maxBonus, 50_000_000_000_000_000n);
    assert.equal(c.sizeThreshold, 1000n * WAD);
    assert.equal(c.supplyCap, 123n);
    assert.equal(c.collateralCap, 456n);
    assert.equal(c.borrowCap, 789n);
    assert.deepEqual(c.rateModel, DEFAULT_RATE_MODEL);
    const s = await vault.read.assetState([3]);
    assert.equal(s.borrowIndex, WAD);
    assert.equal(s.supplyIndex, WAD);
    assert.equal(s.cash, 0n);
  });

  it("listing a token twice reverts Vault_AlreadyListed", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const usdcToken = f.tokens[USDC]!.address;
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.listAsset([usdcToken, f.feeds[USDC]!.address, assetParams(), DEFAULT_RATE_MODEL]),
      f.vault,
      "Vault_AlreadyListed",
      [f.address(usdcToken)],
    );
  });

  it("a 24-decimal or a 19-decimal token reverts Vault_UnsupportedDecimals", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { token, feed } = await newTokenAndFeed(f, 24);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.listAsset([token.address, feed.address, assetParams(), DEFAULT_RATE_MODEL]),
      f.vault,
      "Vault_UnsupportedDecimals",
      [f.address(token.address), 24],
    );
    const t19 = await newTokenAndFeed(f, 19);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.listAsset([t19.token.address, t19.feed.address, assetParams(), DEFAULT_RATE_MODEL]),
      f.vault,
      "Vault_UnsupportedDecimals",
      [f.address(t19.token.address), 19],
    );
  });

  it("a feed with more than 36 decimals reverts Vault_UnsupportedDecimals; 36 is accepted", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { token, feed } = await newTokenAndFeed(f, 18, 37, 5n * 10n ** 37n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.listAsset([token.address, feed.address, assetParams(), DEFAULT_RATE_MODEL]),
      f.vault,
      "Vault_UnsupportedDecimals",
      [f.address(feed.address), 37],
    );
    const feed36 = await f.viem.deployContract("MockAggregator", [36, 5n * 10n ** 36n, "NEW / USD"]);
    await f.vault.write.listAsset([token.address, feed36.address, assetParams(), DEFAULT_RATE_MODEL]);
    assert.deepEqual((await f.vault.read.price([3]))[0], 5n * WAD);
  });

  it("the 256th asset reverts Vault_TooManyListedAssets (255 ids at most)", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const code = await f.publicClient.getCode({ address: f.tokens[WETH]!.address });
    assert.ok(code);
    // clones of an 18-decimal MockERC20's runtime code: listAsset only reads decimals()
    const at = (i: number) => `0x${(0xa11ce000 + i).toString(16).padStart(40, "0")}` as Address;
    for (let i = 3; i < 255; i++) {
      await networkHelpers.setCode(at(i), code);
      await f.vault.write.listAsset([at(i), f.feeds[WETH]!.address, assetParams(), DEFAULT_RATE_MODEL]);
    }
    assert.equal(await f.vault.read.assetCount(), 255n);
    assert.equal(await f.vault.read.assetOf([at(254)]), 254);
    await networkHelpers.setCode(at(255), code);
    await viem.assertions.revertWithCustomError(
      f.vault.write.listAsset([at(255), f.feeds[WETH]!.address, assetParams(), DEFAULT_RATE_MODEL]),
      f.vault,
      "Vault_TooManyListedAssets",
    );
  });

  it("assetOf an unlisted token reverts Vault_UnknownToken and assetConfig/assetState of an unlisted id revert Vault_UnknownAsset", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { ADM } = who(f);
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.read.assetOf([ADM]), f.vault, "Vault_UnknownToken", [ADM]);
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.read.assetConfig([3]), f.vault, "Vault_UnknownAsset", [3n]);
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.read.assetState([200]), f.vault, "Vault_UnknownAsset", [200n]);
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.read.price([3]), f.vault, "Vault_UnknownAsset", [3n]);
  });
});

describe("Vault admin: parameter validation", () => {
  const invalid: Array<[string, Partial<AssetParamsInput>]> = [
    ["liquidationThreshold > 10000", { ltv: 8000, liquidationThreshold: 10_001 }],
    ["ltv >= liquidationThreshold", { ltv: 8250, liquidationThreshold: 8250 }],
    ["ltv >= liquidationThreshold", { ltv: 8300, liquidationThreshold: 8250 }],
    ["sizeFactor > 10000", { sizeFactor: 10_001 }],
    ["protocolFee > 10000", { protocolFee: 10_001 }],
    ["reserveFactor > 10000", { reserveFactor: 10_001 }],
    ["maxOracleAge == 0", { maxOracleAge: 0 }],
    ["maxBonus > 0.5e18", { ltv: 1000, liquidationThreshold: 2000, maxBonus: WAD / 2n + 1n }],
    ["maxBonus < minBonus", { maxBonus: DEFAULT_GLOBAL.minBonus - 1n }],
    ["LT * (1 + maxBonus) > 0.975", { ltv: 8000, liquidationThreshold: 9000, maxBonus: 83_333_333_333_333_336n }],
    ["LT * (1 + maxBonus) > 0.975", { ltv: 9000, liquidationThreshold: 9751, maxBonus: DEFAULT_GLOBAL.minBonus }],
  ];

  for (const [reason, overrides] of invalid) {
    it(`listAsset and setAssetParams with ${JSON.stringify(overrides, (_, v) => (typeof v === "bigint" ? v.toString() : v))} revert Vault_InvalidParams("${reason}")`, async () => {
      const f = await networkHelpers.loadFixture(deployVaultNoInterest);
      const { token, feed } = await newTokenAndFeed(f);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.listAsset([token.address, feed.address, assetParams(overrides), DEFAULT_RATE_MODEL]),
        f.vault,
        "Vault_InvalidParams",
        [reason],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.setAssetParams([WETH, assetParams(overrides)]),
        f.vault,
        "Vault_InvalidParams",
        [reason],
      );
    });
  }

  it("the boundaries are accepted: LT = 10000 rejected only by the 0.975 rule, floor(LT * (WAD + maxBonus) / BPS) == 0.975e18 accepted, maxBonus == 0.5e18 and == minBonus accepted", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    // 9000 * (1e18 + 83333333333333334) / 1e4 = 975000000000000000.6 -> floor 0.975e18: accepted
    await f.vault.write.setAssetParams([WETH, assetParams({ ltv: 8000, liquidationThreshold: 9000, maxBonus: 83_333_333_333_333_334n })]);
    assert.equal((await f.vault.read.assetConfig([WETH])).maxBonus, 83_333_333_333_333_334n);
    await f.vault.write.setAssetParams([WETH, assetParams({ ltv: 1000, liquidationThreshold: 2000, maxBonus: WAD / 2n })]);
    await f.vault.write.setAssetParams([WETH, assetParams({ maxBonus: DEFAULT_GLOBAL.minBonus, sizeFactor: 10_000, protocolFee: 10_000, reserveFactor: 10_000, maxOracleAge: 1 })]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.setAssetParams([WETH, assetParams({ ltv: 9000, liquidationThreshold: 10_000 })]),
      f.vault,
      "Vault_InvalidParams",
      ["LT * (1 + maxBonus) > 0.975"],
    );
  });

  it("a rate model with kink 0 or kink > 1e18 reverts Vault_InvalidParams('kink not in (0, 1e18]') on listAsset and setRateModel", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { token, feed } = await newTokenAndFeed(f);
    for (const kink of [0n, WAD + 1n]) {
      const model = { ...DEFAULT_RATE_MODEL, kink };
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.listAsset([token.address, feed.address, assetParams(), model]),
        f.vault,
        "Vault_InvalidParams",
        ["kink not in (0, 1e18]"],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.setRateModel([USDC, model]),
        f.vault,
        "Vault_InvalidParams",
        ["kink not in (0, 1e18]"],
      );
    }
    await f.vault.write.setRateModel([USDC, { ...DEFAULT_RATE_MODEL, kink: WAD }]);
  });

  it("setGlobalParams rejects targetHealth <= 1e18 or > 1.25e18, a minBonus above an asset's maxBonus and flashFee > 10000 with Vault_InvalidParams", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const cases: Array<[string, Partial<{ minBonus: bigint; targetHealth: bigint; minLeftover: bigint; gracePeriod: number; flashFee: number }>]> = [
      ["targetHealth not in (1, 1.25]", { targetHealth: WAD }],
      ["targetHealth not in (1, 1.25]", { targetHealth: 1_250_000_000_000_000_001n }],
      ["minBonus > an asset's maxBonus", { minBonus: 40_000_000_000_000_001n }], // USDC's maxBonus is 0.04
      ["flashFee > 10000", { flashFee: 10_001 }],
    ];
    for (const [reason, o] of cases) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, ...o }]),
        f.vault,
        "Vault_InvalidParams",
        [reason],
      );
    }
    // the boundaries pass
    await f.vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, targetHealth: 1_250_000_000_000_000_000n, minBonus: 40_000_000_000_000_000n, flashFee: 10_000 }]);
  });
});

describe("Vault admin: setters", () => {
  it("setAssetParams replaces every value and emits AssetParamsSet; an unlisted id reverts Vault_UnknownAsset", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const params = assetParams({ ltv: 7000, liquidationThreshold: 7800, sizeFactor: 9000, protocolFee: 2000, reserveFactor: 1500, maxOracleAge: 600, maxBonus: 60_000_000_000_000_000n, sizeThreshold: 5_000_000n * WAD, supplyCap: 1n, collateralCap: 2n, borrowCap: 3n });
    await viem.assertions.emitWithArgs(f.vault.write.setAssetParams([WBTC, params]), f.vault, "AssetParamsSet", [WBTC, params]);
    const c = await f.vault.read.assetConfig([WBTC]);
    assert.deepEqual(
      [c.ltv, c.liquidationThreshold, c.sizeFactor, c.protocolFee, c.reserveFactor, c.maxOracleAge, c.maxBonus, c.sizeThreshold, c.supplyCap, c.collateralCap, c.borrowCap],
      [7000, 7800, 9000, 2000, 1500, 600, 60_000_000_000_000_000n, 5_000_000n * WAD, 1n, 2n, 3n],
    );
    assert.equal(c.decimals, 8, "token data untouched");
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.write.setAssetParams([3, params]), f.vault, "Vault_UnknownAsset", [3n]);
  });

  it("setRateModel accrues at the old rate up to now, then fixes the new rate and emits RateModelSet and InterestAccrued", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice } = f;
    const A = f.address(alice.account.address);
    await vault.write.deposit([A, 0, WETH, eth("10000")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("5000000"), A], { account: alice.account });
    const { timestamp: t0 } = await mined(f, vault.write.setRateModel([USDC, DEFAULT_RATE_MODEL]));
    const rate0 = rateFor(usdc("5000000"), usdc("5000000"), DEFAULT_RATE_MODEL);
    assert.equal((await vault.read.assetState([USDC])).ratePerSecond, rate0);
    const t1 = t0 + 86_400n;
    await networkHelpers.time.setNextBlockTimestamp(t1);
    const s1 = accrue(
      { borrowIndex: WAD, supplyIndex: WAD, reserves: 0n, rate: rate0, totalBorrowShares: usdc("5000000"), totalSupplyShares: usdc("10000000") },
      t1 - t0,
      1000n,
    );
    assert.equal(s1.borrowIndex, borrowIndexAt(WAD, rate0, t1 - t0));
    const model = { baseRate: 1_000_000_000n, slope1: 0n, slope2: 0n, kink: WAD };
    const tx = vault.write.setRateModel([USDC, model]);
    await viem.assertions.emitWithArgs(tx, vault, "RateModelSet", [USDC, model]);
    await viem.assertions.emitWithArgs(tx, vault, "InterestAccrued", [USDC, s1.borrowIndex, s1.supplyIndex, model.baseRate, s1.reserves, t1]);
    const s = await vault.read.assetState([USDC]);
    assert.equal(s.borrowIndex, s1.borrowIndex);
    assert.equal(s.ratePerSecond, model.baseRate);
    assert.deepEqual((await vault.read.assetConfig([USDC])).rateModel, model);
    await viem.assertions.revertWithCustomErrorWithArgs(vault.write.setRateModel([3, model]), vault, "Vault_UnknownAsset", [3n]);
  });

  it("setFeed replaces the feed, reads its decimals, emits FeedSet and prices come from the new feed; bad decimals or ids revert", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const feed18 = await f.viem.deployContract("MockAggregator", [18, 2500n * WAD, "ETH / USD"]);
    await viem.assertions.emitWithArgs(f.vault.write.setFeed([WETH, feed18.address]), f.vault, "FeedSet", [WETH, f.address(feed18.address), 18]);
    const c = await f.vault.read.assetConfig([WETH]);
    assert.equal(c.feed, f.address(feed18.address));
    assert.equal(c.feedDecimals, 18);
    assert.equal((await f.vault.read.price([WETH]))[0], 2500n * WAD);
    const feed40 = await f.viem.deployContract("MockAggregator", [40, 1n, "X"]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.vault.write.setFeed([WETH, feed40.address]),
      f.vault,
      "Vault_UnsupportedDecimals",
      [f.address(feed40.address), 40],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(f.vault.write.setFeed([3, feed18.address]), f.vault, "Vault_UnknownAsset", [3n]);
  });

  it("setGlobalParams replaces every value, emits GlobalParamsSet and globalParams() returns them", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    assert.deepEqual(await f.vault.read.globalParams(), DEFAULT_GLOBAL);
    const g = { minBonus: 10_000_000_000_000_000n, targetHealth: 1_100_000_000_000_000_000n, minLeftover: 50n * WAD, gracePeriod: 600, flashFee: 9, rampDuration: 3600 };
    await viem.assertions.emitWithArgs(f.vault.write.setGlobalParams([g]), f.vault, "GlobalParamsSet", [g]);
    assert.deepEqual(await f.vault.read.globalParams(), g);
  });
});

describe("Vault admin: reserves", () => {
  it("withdrawReserves sends reserves to `to`, lowers reserves and cash and emits ReservesWithdrawn; above reserves reverts Vault_InsufficientBalance", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, tokens } = f;
    const { B } = who(f);
    const borrower = await f.viem.deployContract("FlashBorrowerMock", []);
    await tokens[USDC]!.write.mint([borrower.address, usdc("500")]);
    await borrower.write.flashBorrow([vault.address, tokens[USDC]!.address, usdc("1000000")]);
    const reserves = usdc("500");
    const s0 = await vault.read.assetState([USDC]);
    assert.equal(s0.reserves, reserves);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdrawReserves([USDC, reserves + 1n, B]),
      vault,
      "Vault_InsufficientBalance",
      [USDC, reserves, reserves + 1n],
    );
    const b0 = await tokens[USDC]!.read.balanceOf([B]);
    await viem.assertions.emitWithArgs(vault.write.withdrawReserves([USDC, usdc("200"), B]), vault, "ReservesWithdrawn", [USDC, usdc("200"), B]);
    assert.equal(await tokens[USDC]!.read.balanceOf([B]), b0 + usdc("200"));
    const s1 = await vault.read.assetState([USDC]);
    assert.equal(s1.reserves, reserves - usdc("200"));
    assert.equal(s1.cash, s0.cash - usdc("200"));
    await viem.assertions.revertWithCustomErrorWithArgs(vault.write.withdrawReserves([3, 1n, B]), vault, "Vault_UnknownAsset", [3n]);
  });

  it("withdrawReserves of reserves that are lent out (cash below reserves) reverts Vault_InsufficientLiquidity", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, tokens, alice } = f;
    const { A, B } = who(f);
    const borrower = await f.viem.deployContract("FlashBorrowerMock", []);
    await tokens[USDC]!.write.mint([borrower.address, usdc("500")]);
    await borrower.write.flashBorrow([vault.address, tokens[USDC]!.address, usdc("1000000")]);
    // borrow every unit of cash, reserves included
    await vault.write.deposit([A, 0, WETH, eth("7000")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("10000500"), A], { account: alice.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.withdrawReserves([USDC, usdc("500"), B]),
      vault,
      "Vault_InsufficientLiquidity",
      [USDC, 0n, usdc("500")],
    );
  });
});

describe("Vault admin: roles", () => {
  it("risk-admin functions called by an account without RISK_ADMIN_ROLE revert AccessControlUnauthorizedAccount", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, bob } = f;
    const { B } = who(f);
    const { token, feed } = await newTokenAndFeed(f);
    assert.equal(await f.core.read.RISK_ADMIN_ROLE(), RISK_ADMIN_ROLE);
    const calls = [
      () => vault.write.listAsset([token.address, feed.address, assetParams(), DEFAULT_RATE_MODEL], { account: bob.account }),
      () => vault.write.setAssetParams([WETH, fixtureParams(WETH)], { account: bob.account }),
      () => vault.write.setRateModel([WETH, ZERO_RATE_MODEL], { account: bob.account }),
      () => vault.write.setFeed([WETH, feed.address], { account: bob.account }),
      () => vault.write.setGlobalParams([DEFAULT_GLOBAL], { account: bob.account }),
      () => vault.write.withdrawReserves([WETH, 0n, B], { account: bob.account }),
    ];
    for (const call of calls) {
      await viem.assertions.revertWithCustomErrorWithArgs(call(), vault, "AccessControlUnauthorizedAccount", [B, RISK_ADMIN_ROLE]);
    }
  });

  it("pause and unpause by an account without PAUSE_GUARDIAN_ROLE revert AccessControlUnauthorizedAccount", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, bob } = f;
    const { B } = who(f);
    assert.equal(await f.core.read.PAUSE_GUARDIAN_ROLE(), PAUSE_GUARDIAN_ROLE);
    await viem.assertions.revertWithCustomErrorWithArgs(vault.write.pause({ account: bob.account }), vault, "AccessControlUnauthorizedAccount", [B, PAUSE_GUARDIAN_ROLE]);
    await vault.write.pause();
    await viem.assertions.revertWithCustomErrorWithArgs(vault.write.unpause({ account: bob.account }), vault, "AccessControlUnauthorizedAccount", [B, PAUSE_GUARDIAN_ROLE]);
  });

  it("the deployer holds every role; a granted role works and a revoked one stops working", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, bob } = f;
    const { B, ADM } = who(f);
    for (const role of [zeroHash, RISK_ADMIN_ROLE, PAUSE_GUARDIAN_ROLE]) assert.equal(await vault.read.hasRole([role, ADM]), true);
    await viem.assertions.revertWithCustomErrorWithArgs(
      vault.write.grantRole([RISK_ADMIN_ROLE, B], { account: bob.account }),
      vault,
      "AccessControlUnauthorizedAccount",
      [B, zeroHash],
    );
    await vault.write.grantRole([PAUSE_GUARDIAN_ROLE, B]);
    await vault.write.pause({ account: bob.account });
    await vault.write.unpause({ account: bob.account });
    await vault.write.revokeRole([PAUSE_GUARDIAN_ROLE, B]);
    await viem.assertions.revertWithCustomError(vault.write.pause({ account: bob.account }), vault, "AccessControlUnauthorizedAccount");
    await vault.write.grantRole([RISK_ADMIN_ROLE, B]);
    await vault.write.setGlobalParams([{ ...DEFAULT_GLOBAL, flashFee: 7 }], { account: bob.account });
    assert.equal((await vault.read.globalParams()).flashFee, 7);
  });
  it("renounceRole with another account as confirmation reverts AccessControlBadConfirmation; renouncing one's own role removes it", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault } = f;
    const { B, ADM } = who(f);
    await viem.assertions.revertWithCustomError(vault.write.renounceRole([PAUSE_GUARDIAN_ROLE, B]), vault, "AccessControlBadConfirmation");
    await vault.write.renounceRole([PAUSE_GUARDIAN_ROLE, ADM]);
    assert.equal(await vault.read.hasRole([PAUSE_GUARDIAN_ROLE, ADM]), false);
    assert.equal(await vault.read.getRoleAdmin([PAUSE_GUARDIAN_ROLE]), zeroHash);
    await viem.assertions.revertWithCustomErrorWithArgs(vault.write.pause(), vault, "AccessControlUnauthorizedAccount", [ADM, PAUSE_GUARDIAN_ROLE]);
  });
});

describe("Vault admin: pause", () => {
  it("pause sets paused and emits Paused; pausing again reverts Vault_Paused; unpause emits Unpaused with graceEnd = now + gracePeriod; unpausing again reverts Vault_NotPaused", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault } = f;
    const { ADM } = who(f);
    assert.equal(await vault.read.paused(), false);
    await viem.assertions.emitWithArgs(vault.write.pause(), vault, "Paused", [ADM]);
    assert.equal(await vault.read.paused(), true);
    await viem.assertions.revertWithCustomError(vault.write.pause(), vault, "Vault_Paused");
    const t = (await f.publicClient.getBlock()).timestamp + 10n;
    await networkHelpers.time.setNextBlockTimestamp(t);
    await viem.assertions.emitWithArgs(vault.write.unpause(), vault, "Unpaused", [ADM, t + BigInt(DEFAULT_GLOBAL.gracePeriod)]);
    assert.equal(await vault.read.paused(), false);
    assert.equal(await vault.read.graceEnd(), t + BigInt(DEFAULT_GLOBAL.gracePeriod));
    await viem.assertions.revertWithCustomError(vault.write.unpause(), vault, "Vault_NotPaused");
  });

  it("pause blocks borrow, withdraw, transferCollateral, redeem, flash loans, liquidate and settleBadDebt with Vault_Paused", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, lender, liquidator, tokens } = f;
    const { A } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("15000"), A], { account: alice.account });
    await f.setPrice(WETH, "1700");
    const borrower = await f.viem.deployContract("FlashBorrowerMock", []);
    await vault.write.pause();
    const blocked = [
      () => vault.write.borrow([A, 0, USDC, 1n, A], { account: alice.account }),
      () => vault.write.withdraw([A, 0, WETH, 1n, A], { account: alice.account }),
      () => vault.write.transferCollateral([A, 0, 1, WETH, 1n], { account: alice.account }),
      () => vault.write.redeem([USDC, 1n, A], { account: lender.account }),
      () => borrower.write.flashBorrow([vault.address, tokens[USDC]!.address, 1n]),
      () => vault.write.liquidate([A, 0, USDC, WETH, usdc("100"), 0n], { account: liquidator.account }),
      () => vault.write.settleBadDebt([A, 0]),
    ];
    for (const call of blocked) await viem.assertions.revertWithCustomError(call(), vault, "Vault_Paused");
    assert.equal(await vault.read.maxFlashLoan([tokens[USDC]!.address]), 0n);
  });

  it("while paused, deposit, repay, supply, accrueInterest, setOperator and the views stay open", async () => {
    const f = await networkHelpers.loadFixture(deployVaultNoInterest);
    const { vault, alice, bob } = f;
    const { A, B } = who(f);
    await vault.write.deposit([A, 0, WETH, eth("10")], { account: alice.account });
    await vault.write.borrow([A, 0, USDC, usdc("1000"), A], { account: alice.account });
    await vault.write.pause();
    await vault.write.deposit([A, 0, WETH, eth("1")], { account: alice.account });
    await vault.write.repay([A, 0, USDC, usdc("400")], { account: alice.account });
    await vault.write.repay([A, 0, USDC, maxUint256], { account: bob.account });
    await vault.write.supply([USDC, usdc("10"), B], { account: bob.account });
    await vault.write.accrueInterest([USDC]);
    await vault.write.setOperator([B, true], { account: alice.account });
    assert.deepEqual(await vault.read.positions([A, 0]), [{ asset: WETH, isDebt: false, amount: eth("11"), shares: 0n }]);
    assert.equal((await vault.read.accountHealth([A, 0])).collateralValue, 22_000n * WAD);
    assert.equal(await vault.read.flashFee([f.tokens[USDC]!.address, 10_000n]), divUp(10_000n * 5n, 10_000n));
  });
});

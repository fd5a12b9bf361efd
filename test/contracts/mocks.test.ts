import assert from "node:assert/strict";
import { network } from "hardhat";
import {
  encodeFunctionData,
  getAddress,
  erc20Abi,
  keccak256,
  parseEventLogs,
  toHex,
  toEventSelector,
  type Address,
  type Hex,
} from "viem";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const [deployer, alice, bob] = await viem.getWalletClients();
if (deployer === undefined || alice === undefined || bob === undefined) throw new Error("need 3 wallets");
const ALICE: Address = getAddress(alice.account.address);
const BOB: Address = getAddress(bob.account.address);

const ANSWER_UPDATED = toEventSelector("AnswerUpdated(int256,uint256,uint256)");
const NEW_ROUND = toEventSelector("NewRound(uint256,address,uint256)");
const MAGIC = keccak256(toHex("ERC3156FlashBorrower.onFlashLoan"));

async function receipt(hash: Promise<Hex> | Hex) {
  const r = await publicClient.waitForTransactionReceipt({ hash: await hash });
  assert.equal(r.status, "success");
  return r;
}

/** ABI-encodes an int256 / uint256 as a 32-byte topic. */
function topic(v: bigint): Hex {
  return toHex(BigInt.asUintN(256, v), { size: 32 });
}

describe("MockAggregator", () => {
  it("constructor writes round 1 and exposes Chainlink metadata", async () => {
    const feed = await viem.deployContract("MockAggregator", [8, 2000_00000000n, "ETH / USD"]);
    assert.equal(await feed.read.decimals(), 8);
    assert.equal(await feed.read.description(), "ETH / USD");
    assert.equal(await feed.read.version(), 4n);
    const now = await networkHelpers.time.latest();
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await feed.read.latestRoundData();
    assert.equal(roundId, 1n);
    assert.equal(answer, 2000_00000000n);
    assert.equal(startedAt, BigInt(now));
    assert.equal(updatedAt, BigInt(now));
    assert.equal(answeredInRound, 1n);
  });

  it("setAnswer emits AnswerUpdated/NewRound exactly as Chainlink (indexed current, roundId)", async () => {
    const feed = await viem.deployContract("MockAggregator", [8, 1n, "X / USD"]);
    const answer = -123_45678901n; // negative to check the int256 topic encoding
    const r = await receipt(feed.write.setAnswer([answer], { account: alice.account }));
    const block = await publicClient.getBlock({ blockNumber: r.blockNumber });

    const logs = r.logs.filter((l) => l.address.toLowerCase() === feed.address.toLowerCase());
    assert.equal(logs.length, 2);
    const [au, nr] = logs;
    // AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)
    assert.deepEqual(au?.topics, [ANSWER_UPDATED, topic(answer), topic(2n)]);
    assert.equal(au?.data, topic(block.timestamp));
    // NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt)
    assert.deepEqual(nr?.topics, [NEW_ROUND, topic(2n), topic(BigInt(ALICE))]);
    assert.equal(nr?.data, topic(block.timestamp));

    const parsed = parseEventLogs({ abi: feed.abi, logs: r.logs, eventName: "AnswerUpdated" });
    assert.equal(parsed.length, 1);
    assert.deepEqual(parsed[0]?.args, { current: answer, roundId: 2n, updatedAt: block.timestamp });

    const [roundId, latest, startedAt, updatedAt, answeredInRound] = await feed.read.latestRoundData();
    assert.deepEqual(
      [roundId, latest, startedAt, updatedAt, answeredInRound],
      [2n, answer, block.timestamp, block.timestamp, 2n],
    );
    // history kept
    assert.equal((await feed.read.getRoundData([1n]))[1], 1n);
    assert.equal((await feed.read.getRoundData([2n]))[1], answer);
  });

  it("setAnswerAt makes the feed stale", async () => {
    const feed = await viem.deployContract("MockAggregator", [18, 10n ** 18n, "STETH / ETH"]);
    await networkHelpers.time.increase(10_000);
    const now = BigInt(await networkHelpers.time.latest());
    const staleAt = now - 7_200n;
    await viem.assertions.emitWithArgs(feed.write.setAnswerAt([99n, staleAt]), feed, "AnswerUpdated", [
      99n,
      2n,
      staleAt,
    ]);
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await feed.read.latestRoundData();
    assert.deepEqual([roundId, answer, startedAt, updatedAt, answeredInRound], [2n, 99n, staleAt, staleAt, 2n]);
    assert.ok(BigInt(await networkHelpers.time.latest()) - updatedAt >= 7_200n);

    // updatedAt = 0 mimics an incomplete round
    await receipt(feed.write.setAnswerAt([5n, 0n]));
    assert.equal((await feed.read.latestRoundData())[3], 0n);
  });

  it("setRoundData supports Chainlink edge cases; unknown rounds and out-of-range values revert", async () => {
    const feed = await viem.deployContract("MockAggregator", [8, 100n, "A / B"]);
    await receipt(feed.write.setRoundData([(2n << 64n) | 7n, 42n, 1_000n, 1_100n, 5n]));
    assert.deepEqual(await feed.read.latestRoundData(), [(2n << 64n) | 7n, 42n, 1_000n, 1_100n, 5n]);
    assert.deepEqual(await feed.read.getRoundData([(2n << 64n) | 7n]), [(2n << 64n) | 7n, 42n, 1_000n, 1_100n, 5n]);
    // an older round only changes history
    await receipt(feed.write.setRoundData([3n, 7n, 50n, 50n, 3n]));
    assert.equal((await feed.read.latestRoundData())[1], 42n);
    assert.deepEqual(await feed.read.getRoundData([3n]), [3n, 7n, 50n, 50n, 3n]);
    // setAnswer continues from the latest id and is "plain" again
    await receipt(feed.write.setAnswer([43n]));
    const [rid, , s, u, air] = await feed.read.latestRoundData();
    assert.equal(rid, (2n << 64n) | 8n);
    assert.equal(s, u);
    assert.equal(air, rid);

    await viem.assertions.revertWithCustomErrorWithArgs(feed.read.getRoundData([4n]), feed, "RoundNotFound", [4n]);
    await viem.assertions.revertWithCustomErrorWithArgs(feed.write.setAnswer([2n ** 127n]), feed, "AnswerOutOfRange", [
      2n ** 127n,
    ]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      feed.write.setAnswerAt([1n, 2n ** 40n]),
      feed,
      "TimestampOutOfRange",
      [2n ** 40n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      feed.write.setRoundData([0n, 1n, 1n, 1n, 0n]),
      feed,
      "InvalidRoundId",
      [0n],
    );
  });

  it("latestRoundData is cheap (single SLOAD)", async () => {
    const feed = await viem.deployContract("MockAggregator", [8, 1n, "GAS"]);
    const gas = await publicClient.estimateGas({
      to: feed.address,
      data: encodeFunctionData({ abi: feed.abi, functionName: "latestRoundData" }),
    });
    // 21000 intrinsic + calldata + one cold SLOAD (2100) + a little execution
    assert.ok(gas < 21_000n + 3_500n, `latestRoundData gas ${gas}`);
  });
});

describe("MockERC20", () => {
  it("has configurable decimals and a public mint", async () => {
    const t = await viem.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
    assert.equal(await t.read.decimals(), 6);
    await receipt(t.write.mint([ALICE, 1_000_000n], { account: bob.account }));
    assert.equal(await t.read.balanceOf([ALICE]), 1_000_000n);
    await receipt(t.write.transfer([BOB, 400_000n], { account: alice.account }));
    assert.equal(await t.read.balanceOf([BOB]), 400_000n);
  });
});

describe("NoReturnToken", () => {
  it("transfer/transferFrom/approve return empty data but move funds", async () => {
    const t = await viem.deployContract("NoReturnToken", ["Tether", "USDT", 6]);
    assert.equal(await t.read.decimals(), 6);
    await receipt(t.write.mint([ALICE, 1_000n]));

    for (const data of [
      encodeFunctionData({ abi: t.abi, functionName: "transfer", args: [BOB, 10n] }),
      encodeFunctionData({ abi: t.abi, functionName: "approve", args: [BOB, 10n] }),
    ]) {
      const res = await publicClient.call({ account: ALICE, to: t.address, data });
      assert.ok(res.data === undefined || res.data === "0x", `returned ${res.data}`);
    }
    // a caller expecting `bool` (plain IERC20) cannot decode the result
    await assert.rejects(
      publicClient.simulateContract({
        account: ALICE,
        address: t.address,
        abi: erc20Abi,
        functionName: "transfer",
        args: [BOB, 10n],
      }),
    );

    await receipt(t.write.transfer([BOB, 100n], { account: alice.account }));
    await receipt(t.write.approve([BOB, 300n], { account: alice.account }));
    await receipt(t.write.transferFrom([ALICE, BOB, 200n], { account: bob.account }));
    assert.equal(await t.read.balanceOf([ALICE]), 700n);
    assert.equal(await t.read.balanceOf([BOB]), 300n);
    assert.equal(await t.read.allowance([ALICE, BOB]), 100n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      t.write.transferFrom([ALICE, BOB, 101n], { account: bob.account }),
      t,
      "InsufficientAllowance",
      [BOB, 100n, 101n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      t.write.transfer([ALICE, 301n], { account: bob.account }),
      t,
      "InsufficientBalance",
      [BOB, 300n, 301n],
    );
  });
});

describe("FalseReturnToken", () => {
  it("returns false without moving funds when failTransfers is set", async () => {
    const t = await viem.deployContract("FalseReturnToken", ["False", "FLS", 18]);
    await receipt(t.write.mint([ALICE, 1_000n]));
    await receipt(t.write.approve([BOB, 500n], { account: alice.account }));

    const ok = await publicClient.simulateContract({
      account: ALICE,
      address: t.address,
      abi: t.abi,
      functionName: "transfer",
      args: [BOB, 1n],
    });
    assert.equal(ok.result, true);

    await receipt(t.write.setFailTransfers([true]));
    assert.equal(await t.read.failTransfers(), true);
    const sim = await publicClient.simulateContract({
      account: ALICE,
      address: t.address,
      abi: t.abi,
      functionName: "transfer",
      args: [BOB, 1n],
    });
    assert.equal(sim.result, false);
    const simFrom = await publicClient.simulateContract({
      account: BOB,
      address: t.address,
      abi: t.abi,
      functionName: "transferFrom",
      args: [ALICE, BOB, 1n],
    });
    assert.equal(simFrom.result, false);

    // mined: succeeds (no revert) but nothing moves
    const r1 = await receipt(t.write.transfer([BOB, 100n], { account: alice.account }));
    const r2 = await receipt(t.write.transferFrom([ALICE, BOB, 100n], { account: bob.account }));
    assert.equal(r1.logs.length + r2.logs.length, 0);
    assert.equal(await t.read.balanceOf([ALICE]), 1_000n);
    assert.equal(await t.read.balanceOf([BOB]), 0n);
    assert.equal(await t.read.allowance([ALICE, BOB]), 500n);

    await receipt(t.write.setFailTransfers([false]));
    await receipt(t.write.transferFrom([ALICE, BOB, 100n], { account: bob.account }));
    assert.equal(await t.read.balanceOf([BOB]), 100n);
    assert.equal(await t.read.allowance([ALICE, BOB]), 400n);
  });
});

describe("RevertingToken", () => {
  it("reverts transfers with TransfersBlocked while blocked", async () => {
    const t = await viem.deployContract("RevertingToken", ["Blocked", "BLK", 8]);
    assert.equal(await t.read.decimals(), 8);
    await receipt(t.write.mint([ALICE, 1_000n]));
    await receipt(t.write.approve([BOB, 1_000n], { account: alice.account }));
    await receipt(t.write.setBlocked([true]));

    await viem.assertions.revertWithCustomErrorWithArgs(
      t.write.transfer([BOB, 10n], { account: alice.account }),
      t,
      "TransfersBlocked",
      [ALICE, BOB, 10n],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      t.write.transferFrom([ALICE, BOB, 20n], { account: bob.account }),
      t,
      "TransfersBlocked",
      [ALICE, BOB, 20n],
    );
    // mint is not blocked
    await receipt(t.write.mint([BOB, 1n]));

    await receipt(t.write.setBlocked([false]));
    await receipt(t.write.transferFrom([ALICE, BOB, 20n], { account: bob.account }));
    assert.equal(await t.read.balanceOf([BOB]), 21n);
  });
});

describe("FeeOnTransferToken", () => {
  it("burns feeBps of every transfer and transferFrom", async () => {
    const t = await viem.deployContract("FeeOnTransferToken", ["Fee", "FEE", 18, 100n]); // 1%
    await receipt(t.write.mint([ALICE, 10_000n]));
    assert.equal(await t.read.totalSupply(), 10_000n);

    await receipt(t.write.transfer([BOB, 1_000n], { account: alice.account }));
    assert.equal(await t.read.balanceOf([ALICE]), 9_000n);
    assert.equal(await t.read.balanceOf([BOB]), 990n);
    assert.equal(await t.read.totalSupply(), 9_990n);

    await receipt(t.write.approve([BOB, 2_000n], { account: alice.account }));
    const r = await receipt(t.write.transferFrom([ALICE, BOB, 2_000n], { account: bob.account }));
    assert.equal(await t.read.balanceOf([ALICE]), 7_000n);
    assert.equal(await t.read.balanceOf([BOB]), 990n + 1_980n);
    assert.equal(await t.read.totalSupply(), 9_970n);
    assert.equal(await t.read.allowance([ALICE, BOB]), 0n);
    const transfers = parseEventLogs({ abi: t.abi, logs: r.logs, eventName: "Transfer" }).map((l) => l.args);
    assert.deepEqual(transfers, [
      { from: ALICE, to: BOB, value: 1_980n },
      { from: ALICE, to: "0x0000000000000000000000000000000000000000", value: 20n },
    ]);

    // rounding down: 99 * 1% = 0 fee
    assert.equal(await t.read.feeOf([99n]), 0n);
    await viem.assertions.revertWithCustomErrorWithArgs(t.write.setFeeBps([10_001n]), t, "InvalidFeeBps", [10_001n]);
  });
});

describe("FlashBorrowerMock", () => {
  async function setup() {
    const token = await viem.deployContract("MockERC20", ["Flash", "FL", 18]);
    const lender = await viem.deployContract("FlashLenderMock", [9n]); // 0.09%
    const borrower = await viem.deployContract("FlashBorrowerMock");
    await receipt(token.write.mint([lender.address, 1_000_000n]));
    await receipt(token.write.mint([borrower.address, 1_000n])); // to pay fees
    return { token, lender, borrower };
  }

  it("mode 0 (honest) repays amount + fee and records the callback", async () => {
    const { token, lender, borrower } = await setup();
    assert.equal(await borrower.read.CALLBACK_SUCCESS(), MAGIC);
    await receipt(borrower.write.flashBorrow([lender.address, token.address, 100_000n], { account: alice.account }));
    assert.equal(getAddress(await borrower.read.lastInitiator()), getAddress(borrower.address));
    assert.equal((await borrower.read.lastToken()).toLowerCase(), token.address.toLowerCase());
    assert.equal(await borrower.read.lastAmount(), 100_000n);
    assert.equal(await borrower.read.lastFee(), 90n);
    assert.equal((await borrower.read.lastLender()).toLowerCase(), lender.address.toLowerCase());
    assert.equal(await borrower.read.lastBalanceDuringLoan(), 101_000n);
    assert.equal(await token.read.balanceOf([lender.address]), 1_000_090n);
    assert.equal(await token.read.balanceOf([borrower.address]), 910n);
  });

  it("mode 1 returns a wrong value, mode 2 does not approve, mode 3 re-enters", async () => {
    const { token, lender, borrower } = await setup();
    await receipt(borrower.write.setMode([1]));
    await viem.assertions.revertWithCustomErrorWithArgs(
      borrower.write.flashBorrow([lender.address, token.address, 100n]),
      lender,
      "InvalidFlashLoanReturn",
      [await borrower.read.WRONG_RETURN()],
    );

    await receipt(borrower.write.setMode([2]));
    await viem.assertions.revertWithCustomError(
      borrower.write.flashBorrow([lender.address, token.address, 100n]),
      token,
      "ERC20InsufficientAllowance",
    );

    await receipt(borrower.write.setMode([3]));
    await viem.assertions.revertWithCustomError(
      borrower.write.flashBorrow([lender.address, token.address, 100n]),
      lender,
      "ReentrantFlashLoan",
    );
    // against an unguarded lender the nested loan succeeds once (no infinite recursion)
    await receipt(lender.write.setGuarded([false]));
    await receipt(borrower.write.flashBorrow([lender.address, token.address, 10_000n]));
    assert.equal(await borrower.read.reentered(), true);
    assert.equal(await borrower.read.callbackCount(), 2n);
    assert.equal(await token.read.balanceOf([lender.address]), 1_000_000n + 2n * 9n); // fee 9 per loan
  });
});

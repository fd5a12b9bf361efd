/**
 * Test helper: the keeper's book and prices rebuilt from every vault and feed log up to the head, as the
 * keeper would build them, to compare with the vault's views at the same block.
 */
import { parseEventLogs, type Address, type PublicClient } from "viem";
import { aggregatorEventsAbi, vaultAbi } from "../../keeper/src/chain/abi.ts";
import { AccountBook } from "../../keeper/src/book/accountBook.ts";
import { FeedBook } from "../../keeper/src/book/feedBook.ts";

export async function bookFromChain(publicClient: PublicClient, vault: Address) {
  const head = await publicClient.getBlock();
  const raw = await publicClient.getLogs({ address: vault, fromBlock: 0n, toBlock: head.number });
  const logs = parseEventLogs({ abi: vaultAbi, logs: raw, strict: true });
  if (logs.length !== raw.length) throw new Error("a vault log does not decode with the IVault ABI");
  const book = new AccountBook().applyAll(logs);
  const feeds = [...book.assets.values()].map((a) => a.feed);
  const feedRaw = await publicClient.getLogs({ address: feeds, fromBlock: 0n, toBlock: head.number });
  const feedBook = new FeedBook().applyAll(parseEventLogs({ abi: aggregatorEventsAbi, logs: feedRaw, strict: true }));
  return { book, prices: book.pricesFromAnswers(feedBook.answers()), timestamp: head.timestamp, logs };
}

/**
 * The reaction engine of `keeper run`: the liquidation index (per-asset accounts ordered by liquidation
 * price) for price updates, and the full sweep each block. Index maintenance (re-levelling the accounts
 * a price move made stale) runs with the per-block sweep, off the hot path of a reaction.
 */
import type { Address } from "viem";
import type { AccountBook } from "../book/accountBook.ts";
import type { Prices } from "../math/accountHealth.ts";
import { LiquidationIndex } from "../watch/liquidationIndex.ts";
import { react, sweep } from "../watch/reaction.ts";
import type { LiquidatableAccount, ReactionEngine, ReactionResult } from "./keeperService.ts";

function result(r: { liquidatable: Array<{ key: string; owner: string; subId: number; healthFactor: bigint }>; evaluated: number }): ReactionResult {
  return {
    evaluated: r.evaluated,
    liquidatable: r.liquidatable.map((a): LiquidatableAccount => ({ ...a, owner: a.owner as Address })),
  };
}

export class IndexEngine implements ReactionEngine {
  readonly index = new LiquidationIndex();

  rebuild(book: AccountBook, prices: Prices, timestamp: bigint): void {
    this.index.rebuild(book, prices, timestamp);
  }

  accountsChanged(keys: string[], book: AccountBook, prices: Prices, timestamp: bigint): void {
    this.index.updateAccounts(keys, book, prices, timestamp);
  }

  priceUpdate(asset: number, _old: bigint | undefined, _new: bigint, book: AccountBook, prices: Prices, timestamp: bigint): ReactionResult {
    return result(react(this.index, book, prices, asset, timestamp));
  }

  sweep(book: AccountBook, prices: Prices, timestamp: bigint): ReactionResult {
    const s = sweep(book, prices, timestamp);
    this.index.maintain(book, prices, timestamp);
    return result(s);
  }
}

/**
 * The keeper's own nonce counter, so concurrent liquidations get consecutive nonces without asking the
 * node each time (its pending count lags a broadcast that is still in flight).
 *
 * - Seeded from the node's pending transaction count on first use (it includes our own pending
 *   transactions, also those of a previous run).
 * - `next()` is serialised: concurrent callers get distinct, consecutive nonces.
 * - `release(n)` gives back a nonce that was never broadcast: reused at once when it was the last one
 *   handed out, else the gap is filled by resyncing at the next reservation (the node's pending count
 *   stops at the first gap).
 * - `resync()` after a nonce error ("nonce too low/high"): the next reservation reads the pending count again.
 */
import type { BlockTag } from "./chain.ts";

export interface NonceSource {
  nonce(blockTag: BlockTag): Promise<number>;
}

export class NonceManager {
  readonly #source: NonceSource;
  #next: number | undefined;
  #stale = true;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(source: NonceSource) {
    this.#source = source;
  }

  /** Reserve the next nonce. */
  next(): Promise<number> {
    const run = this.#lock.then(async () => {
      if (this.#stale || this.#next === undefined) {
        this.#next = await this.#source.nonce("pending");
        this.#stale = false;
      }
      return this.#next++;
    });
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** Read the node's pending count now (at start), so the first liquidation pays no RPC for its nonce. */
  async warm(): Promise<void> {
    await this.#lock;
    if (this.#stale || this.#next === undefined) {
      this.#next = await this.#source.nonce("pending");
      this.#stale = false;
    }
  }

  /** Give back a reserved nonce that was not broadcast. */
  release(nonce: number): void {
    if (this.#next !== undefined && !this.#stale && nonce === this.#next - 1) this.#next = nonce;
    else this.#stale = true;
  }

  /** Forget the counter: the next reservation reads the node's pending count. */
  resync(): void {
    this.#stale = true;
  }

  /** The nonce the next reservation would get without a resync (undefined before the first). */
  peek(): number | undefined {
    return this.#stale ? undefined : this.#next;
  }
}

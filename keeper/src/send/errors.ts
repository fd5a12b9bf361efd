/**
 * The sender's typed errors and the classification of a node's refusal of a transaction, so the executor
 * can tell a nonce to resync from a fee to raise from a failure to give up on.
 */

/** Why a node refused a transaction. */
export type SendFailureKind =
  /** the nonce is used (mined): resync, or for a replacement, the original (or another) was mined */
  | "nonce-too-low"
  /** a gap before the nonce: resync */
  | "nonce-too-high"
  /** the node has a transaction with this nonce and the new fees do not beat it by its bump rule */
  | "underpriced"
  /** this exact transaction is in the pool already */
  | "already-known"
  | "insufficient-funds"
  /** maxFeePerGas below the base fee */
  | "fee-too-low"
  /** no answer (timeout, connection): the transaction may or may not have reached the node */
  | "unreachable"
  /** any other refusal by the node */
  | "other";

/** A node refused a transaction; `kind` says which way. Chain implementations throw it from `send`. */
export class SendRejected extends Error {
  override name = "SendRejected";
  readonly kind: SendFailureKind;
  constructor(kind: SendFailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/** The executor was used after `stop()` or given an invalid plan. */
export class ExecutorError extends Error {
  override name = "ExecutorError";
}

const PATTERNS: [RegExp, SendFailureKind][] = [
  [/already known|already imported|known transaction/i, "already-known"],
  [/nonce too low|nonce is too low|nonce has already been used|NonceTooLowError/i, "nonce-too-low"],
  [/nonce too high|NonceTooHighError/i, "nonce-too-high"],
  [/underpriced|replacement fee too low|ReplacementUnderpriced/i, "underpriced"],
  [/insufficient funds|InsufficientFundsError/i, "insufficient-funds"],
  [/fee cap less than block base fee|max fee per gas less than block base fee|FeeCapTooLowError/i, "fee-too-low"],
  [/TimeoutError|HttpRequestError|WebSocketRequestError|SocketClosedError|timed? ?out|ECONNREFUSED|ECONNRESET|fetch failed/i, "unreachable"],
];

/** The kind of a send failure: a SendRejected's own kind, else read from the messages and names of the cause chain. */
export function classifySendError(e: unknown): SendFailureKind {
  const texts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    if (cur instanceof SendRejected) return cur.kind;
    if (cur instanceof Error) {
      texts.push(cur.name, cur.message, (cur as { details?: unknown }).details === undefined ? "" : String((cur as { details?: unknown }).details));
      cur = cur.cause;
    } else {
      texts.push(String(cur));
      break;
    }
  }
  const all = texts.join("\n");
  for (const [re, kind] of PATTERNS) if (re.test(all)) return kind;
  return "other";
}

/** Small helpers of the benchmark: percentiles, timing, RPC call tallies, number formatting. */

/** The q-quantile (nearest rank) of `xs`; NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export interface Dist {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function dist(xs: readonly number[]): Dist {
  return { n: xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: xs.length === 0 ? NaN : Math.max(...xs) };
}

/** CPU time of this process, ms. */
export function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** JSON-RPC calls by method. */
export class CallTally {
  readonly byMethod = new Map<string, number>();
  total = 0;

  add(method: string, n = 1): void {
    this.byMethod.set(method, (this.byMethod.get(method) ?? 0) + n);
    this.total += n;
  }

  snapshot(): Map<string, number> {
    return new Map(this.byMethod);
  }

  /** calls by method since `before` (a snapshot) */
  since(before: ReadonlyMap<string, number>): Map<string, number> {
    const out = new Map<string, number>();
    for (const [m, n] of this.byMethod) {
      const d = n - (before.get(m) ?? 0);
      if (d > 0) out.set(m, d);
    }
    return out;
  }
}

export function sumOf(m: ReadonlyMap<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

/** "eth_call 12, eth_getLogs 4" (largest first) */
export function methodsText(m: ReadonlyMap<string, number>, divideBy = 1): string {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmt(v / divideBy)}`)
    .join(", ");
}

/** A number with about 3 significant digits ("0.412", "12.3", "4,210"). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a === 0) return "0";
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function fmtInt(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a";
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until `cond()` holds (polled every `everyMs`), or throws after `timeoutMs` with `what`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

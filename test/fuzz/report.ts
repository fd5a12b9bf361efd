/**
 * What a fuzz campaign found: per-invariant check counts and first violation, call statistics, revert
 * reasons. Shared by every sequence of a run and printed by the test's `after` hook.
 */

export const INVARIANTS = [
  "INV-1",
  "INV-2",
  "INV-3",
  "INV-4",
  "INV-5",
  "INV-6",
  "INV-7",
  "INV-8",
  "INV-9",
  "INV-10",
  "INV-11",
  "INV-12",
  "INV-13",
  "INV-14",
  "INV-15",
  "INV-16",
  "INV-17",
] as const;
export type InvariantId = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: InvariantId;
  seed: number;
  sequence: number;
  sequenceSeed: number;
  step: number;
  message: string;
  /** the sequence's calls up to the failing one */
  log: string[];
}

export class Report {
  readonly checks = new Map<InvariantId, number>();
  readonly violationCount = new Map<InvariantId, number>();
  readonly firstViolation = new Map<InvariantId, Violation>();
  /** handler calls by action, and how many succeeded */
  readonly calls = new Map<string, { attempts: number; ok: number }>();
  /** reverts by action and error name */
  readonly reverts = new Map<string, number>();
  /** named counters (liquidations, bad debts, split comparisons, ...) */
  readonly counters = new Map<string, number>();
  /** largest value seen of named quantities (e.g. INV-1's floor deficit) */
  readonly maxima = new Map<string, bigint>();
  totalCalls = 0;
  transactions = 0;
  sequences = 0;
  startedAt = 0;
  finishedAt = 0;
  harnessErrors: string[] = [];
  /** first example of notable events (not violations), with how to replay it */
  readonly examples = new Map<string, string>();
  /** milliseconds spent by phase (FUZZ_PROFILE=1 prints them) */
  readonly times = new Map<string, number>();

  example(name: string, text: string): void {
    if (!this.examples.has(name)) this.examples.set(name, text);
  }

  time(phase: string, ms: number): void {
    this.times.set(phase, (this.times.get(phase) ?? 0) + ms);
  }

  check(inv: InvariantId): void {
    this.checks.set(inv, (this.checks.get(inv) ?? 0) + 1);
  }

  violate(v: Violation): void {
    this.violationCount.set(v.invariant, (this.violationCount.get(v.invariant) ?? 0) + 1);
    if (!this.firstViolation.has(v.invariant)) this.firstViolation.set(v.invariant, v);
  }

  call(action: string, ok: boolean, reason?: string): void {
    const c = this.calls.get(action) ?? { attempts: 0, ok: 0 };
    c.attempts++;
    if (ok) c.ok++;
    this.calls.set(action, c);
    this.totalCalls++;
    if (!ok && reason !== undefined) this.revert(action, reason);
  }

  revert(action: string, reason: string): void {
    const key = `${action}: ${reason}`;
    this.reverts.set(key, (this.reverts.get(key) ?? 0) + 1);
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  max(name: string, value: bigint): void {
    const prev = this.maxima.get(name);
    if (prev === undefined || value > prev) this.maxima.set(name, value);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  summary(): string {
    const secs = (this.finishedAt - this.startedAt) / 1000;
    const lines: string[] = [];
    lines.push(
      `fuzz: ${this.totalCalls} calls in ${this.sequences} sequences, ${this.transactions} transactions mined, ` +
        `${secs.toFixed(1)} s (${(this.totalCalls / Math.max(secs, 1e-9)).toFixed(0)} calls/s)`,
    );
    const liq = this.calls.get("liquidate") ?? { attempts: 0, ok: 0 };
    const split = this.calls.get("splitLiquidation") ?? { attempts: 0, ok: 0 };
    lines.push(
      `liquidations: ${liq.attempts} liquidate calls (${liq.ok} succeeded), ` +
        `${this.get("liquidate on underwater account")} liquidate or split-liquidation calls on underwater accounts ` +
        `(${((100 * this.get("liquidate on underwater account")) / Math.max(this.totalCalls, 1)).toFixed(1)}% of calls), ` +
        `${split.attempts} split-vs-single comparisons (${this.get("INV-4 comparisons")} compared); ` +
        `liquidations executed in total ${this.get("liquidations executed")}, bad-debt write-offs ${this.get("bad debt events")}`,
    );
    lines.push("calls by action (attempts/succeeded):");
    for (const [k, v] of [...this.calls.entries()].sort()) lines.push(`  ${k}: ${v.attempts}/${v.ok}`);
    lines.push("reverts by reason:");
    for (const [k, v] of [...this.reverts.entries()].sort((a, b) => b[1] - a[1])) lines.push(`  ${k}: ${v}`);
    lines.push("counters:");
    for (const [k, v] of [...this.counters.entries()].sort()) lines.push(`  ${k}: ${v}`);
    for (const [k, v] of [...this.maxima.entries()].sort()) lines.push(`  max ${k}: ${v}`);
    lines.push("invariant checks (violations):");
    for (const inv of INVARIANTS) {
      lines.push(`  ${inv}: ${this.checks.get(inv) ?? 0} (${this.violationCount.get(inv) ?? 0})`);
    }
    for (const [k, v] of this.examples) lines.push(`first ${k}: ${v}`);
    for (const v of this.firstViolation.values()) lines.push(describeViolation(v));
    for (const e of this.harnessErrors) lines.push(`harness error: ${e}`);
    if (process.env.FUZZ_PROFILE === "1") {
      lines.push("time by phase (ms):");
      for (const [k, v] of [...this.times.entries()].sort((a, b) => b[1] - a[1])) lines.push(`  ${k}: ${v.toFixed(0)}`);
    }
    return lines.join("\n");
  }
}

export function describeViolation(v: Violation): string {
  return [
    `${v.invariant} violated: ${v.message}`,
    `  replay: FUZZ_SEED=${v.seed} FUZZ_SEQ=${v.sequence} FUZZ_VERBOSE=1 (sequence seed ${v.sequenceSeed}, call ${v.step})`,
    ...v.log.slice(-25).map((l) => `    ${l}`),
  ].join("\n");
}

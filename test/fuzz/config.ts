/**
 * Fuzzer configuration from the environment.
 * - FUZZ_RUNS: handler calls in total (default 2000; 5x when CI=true), split over sequences.
 * - FUZZ_DEPTH: calls per sequence (default 250); every sequence starts from the fixture.
 * - FUZZ_SEED: base seed (default 0x5eed2024); sequence i uses sequenceSeed(FUZZ_SEED, i).
 * - FUZZ_SEQ: run only sequence i (to replay a failure), FUZZ_VERBOSE=1: print every call,
 *   FUZZ_PROFILE=1: print the time spent by phase, FUZZ_SHOW_BUGS=1: run the known-bug tests (they fail).
 */

export interface FuzzConfig {
  seed: number;
  calls: number;
  depth: number;
  sequences: number;
  onlySeq: number | undefined;
  verbose: boolean;
}

function intEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = raw.startsWith("0x") ? Number.parseInt(raw, 16) : Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw} is not a non-negative integer`);
  return n;
}

export const DEFAULT_SEED = 0x5eed2024;
export const DEFAULT_CALLS = 2000;
export const CI_FACTOR = 5;
export const DEFAULT_DEPTH = 250;

export function fuzzConfig(): FuzzConfig {
  const ci = process.env.CI === "true" || process.env.CI === "1";
  const calls = intEnv("FUZZ_RUNS") ?? (ci ? DEFAULT_CALLS * CI_FACTOR : DEFAULT_CALLS);
  const depth = Math.max(1, intEnv("FUZZ_DEPTH") ?? DEFAULT_DEPTH);
  const onlySeq = intEnv("FUZZ_SEQ");
  return {
    seed: (intEnv("FUZZ_SEED") ?? DEFAULT_SEED) >>> 0,
    calls,
    depth,
    sequences: onlySeq === undefined ? Math.max(1, Math.ceil(calls / depth)) : 1,
    onlySeq,
    verbose: process.env.FUZZ_VERBOSE === "1" || process.env.FUZZ_VERBOSE === "true",
  };
}

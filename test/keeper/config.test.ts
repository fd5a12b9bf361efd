import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "mocha";
import { loadConfig, ConfigError } from "../../keeper/src/config/load.ts";
import { SETTINGS } from "../../keeper/src/config/schema.ts";

const VAULT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const KEY = `0x${"ab".repeat(32)}`;

function problems(flags: Record<string, string>, env: Record<string, string> = {}): string[] {
  try {
    loadConfig(flags, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems;
  }
  return [];
}

describe("keeper configuration", () => {
  it(".env.example documents every setting", () => {
    const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    for (const s of Object.values(SETTINGS)) assert.match(example, new RegExp(`^${s.env}=`, "m"), `${s.env} missing`);
  });

  it("reports every invalid setting by variable and flag at once", () => {
    const p = problems({ vault: "0x12", concurrency: "0", logLevel: "loud" });
    assert.ok(p.some((x) => x.startsWith("KEEPER_RPC_URL (--rpc-url): is required")), p.join("\n"));
    assert.ok(p.some((x) => x.startsWith("KEEPER_VAULT (--vault): expected a 20-byte hex address")), p.join("\n"));
    assert.ok(p.some((x) => x.startsWith("KEEPER_CONCURRENCY (--concurrency)")), p.join("\n"));
    assert.ok(p.some((x) => x.startsWith("KEEPER_LOG_LEVEL (--log-level)")), p.join("\n"));
  });

  it("never echoes the private key's value in an error", () => {
    const secret = "0xdeadbeefdeadbeef";
    const p = problems({ rpcUrl: "http://x", vault: VAULT, privateKey: secret });
    assert.ok(p.some((x) => x.startsWith("KEEPER_PRIVATE_KEY")));
    assert.ok(!p.join("\n").includes(secret));
  });

  it("liquidate mode needs a key and a way to price gas", () => {
    const p = problems({ rpcUrl: "http://x", vault: VAULT, mode: "liquidate" });
    assert.ok(p.some((x) => x.startsWith("KEEPER_PRIVATE_KEY (--private-key): required in liquidate mode")));
    assert.ok(p.some((x) => x.startsWith("KEEPER_GAS_TOKEN_ASSET")));
    const cfg = loadConfig({ rpcUrl: "http://x", vault: VAULT, mode: "liquidate", privateKey: KEY, gasTokenUsd: "3000.5" }, {});
    assert.equal(cfg.gasTokenUsd, 3_000_500_000_000_000_000_000n);
  });

  it("flags win over the environment, and amounts parse without floats", () => {
    const cfg = loadConfig({ minProfitUsd: "0.000000000000000001" }, { KEEPER_RPC_URL: "http://a", KEEPER_VAULT: VAULT, KEEPER_MIN_PROFIT_USD: "5", KEEPER_MAX_FEE_GWEI: "1.5" });
    assert.equal(cfg.minProfitUsd, 1n);
    assert.equal(cfg.maxFeeGwei, 1_500_000_000n);
    assert.equal(cfg.rpcUrl, "http://a");
  });
});

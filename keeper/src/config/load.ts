/**
 * Loads the keeper's configuration: flags over environment (.env read quietly) over defaults, validated
 * by the schema. Every invalid setting is reported by its variable and flag, and the private key's value
 * never appears in a message.
 */
import { config as loadDotenv } from "dotenv";
import { configSchema, SETTINGS, type KeeperConfig, type SettingName } from "./schema.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid keeper configuration:\n  - ${problems.join("\n  - ")}`);
    this.problems = problems;
  }
}

/**
 * @param flags values from the command line, keyed by setting name (undefined: not given)
 * @param env the environment (default: process.env after reading `envFile` if it exists)
 */
export function loadConfig(
  flags: Partial<Record<SettingName, string | undefined>> = {},
  env: Record<string, string | undefined> = readEnv(),
): KeeperConfig {
  const raw: Record<string, string | undefined> = {};
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    const v = flags[name] ?? env[s.env];
    raw[name] = v === "" && name !== "checkpoint" ? undefined : v;
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path[0] as SettingName | undefined;
    const s = name ? SETTINGS[name] : undefined;
    const where = s ? `${s.env} (${s.flag})` : "configuration";
    const given = name && name !== "privateKey" && raw[name] !== undefined ? `, got ${JSON.stringify(raw[name])}` : "";
    const message = issue.code === "invalid_type" && raw[name ?? ""] === undefined ? "is required" : issue.message;
    return `${where}: ${message}${given}`;
  });
  throw new ConfigError(problems);
}

function readEnv(): Record<string, string | undefined> {
  // dotenv 17+ prints to stdout unless quiet; the keeper's stdout is JSON logs.
  loadDotenv({ quiet: true, path: process.env.KEEPER_ENV_FILE ?? ".env" });
  return process.env;
}

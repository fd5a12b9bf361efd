#!/usr/bin/env node
/**
 * The keeper's command line. Every setting is a flag and an environment variable (see .env.example);
 * `keeper <command> --help` lists them. Logs are JSON on stderr; command output is on stdout.
 */
import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import { SETTINGS, type SettingName } from "./config/schema.ts";

const ARTIFACT = new URL("../../artifacts/contracts/interfaces/IVault.sol/IVault.json", import.meta.url);

const ENTRIES = Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][];

function withSettings(cmd: Command): Command {
  for (const [, s] of ENTRIES) cmd.addOption(new Option(`${s.flag} <value>`, `${s.doc} [env ${s.env}]`));
  return cmd;
}

/** commander's attribute for a flag: --min-profit -> minProfit */
const attributeOf = (flag: string): string => flag.replace(/^--/, "").replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function settingsFrom(opts: Record<string, unknown>): Partial<Record<SettingName, string>> {
  const out: Partial<Record<SettingName, string>> = {};
  for (const [name, s] of ENTRIES) {
    const v = opts[attributeOf(s.flag)];
    if (typeof v === "string") out[name] = v;
  }
  return out;
}

/** Runs a command, turning the keeper's own errors into one clear line and exit code 2. */
async function guarded(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const err = e as Error;
    if (["ConfigError", "StartupError", "BookError", "InputError"].includes(err.name)) {
      process.stderr.write(`keeper: ${err.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  if (!existsSync(ARTIFACT)) {
    process.stderr.write("keeper: the contracts are not compiled (no artifacts/): run `npm run build` first\n");
    process.exit(2);
  }
  const { loadConfig } = await import("./config/load.ts");
  const { makeLogger } = await import("./log.ts");
  const program = new Command("keeper").description("Liquidation keeper for the cross-margin vault").showHelpAfterError();

  withSettings(program.command("accounts").description("table of accounts with health factor and distance to liquidation"))
    .addOption(new Option("--sort <key>", "sort by").choices(["health", "debt", "collateral", "distance"]).default("health"))
    .option("--desc", "descending order")
    .option("--limit <n>", "show at most n accounts", "50")
    .option("--liquidatable", "only accounts that can be liquidated now")
    .option("--json", "print JSON instead of a table")
    .action((opts: Record<string, unknown>) =>
      guarded(async () => {
        const cfg = loadConfig(settingsFrom(opts));
        const log = makeLogger(cfg.logLevel);
        const { openBook } = await import("./book/openBook.ts");
        const { accountRows, sortRows, renderAccounts } = await import("./cli/accountsCommand.ts");
        const ob = await openBook(cfg, log);
        await ob.saveCheckpoint();
        const prices = ob.sync.book.pricesFromAnswers(ob.sync.feeds.answers());
        let rows = accountRows(ob.sync.book, prices, ob.headTimestamp);
        if (opts.liquidatable === true) rows = rows.filter((r) => r.liquidatable);
        rows = sortRows(rows, opts.sort as "health", opts.desc === true).slice(0, Number(opts.limit));
        process.stdout.write(
          opts.json === true
            ? JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n"
            : renderAccounts(rows) + `\n${rows.length} account(s) at block ${ob.sync.syncedTo}\n`,
        );
      }),
    );

  const kit = { withSettings, guarded, settingsFrom };
  (await import("./cli/stressCommand.ts")).registerStress(program, kit);
  (await import("./cli/levelsCommand.ts")).registerLevels(program, kit);
  (await import("./cli/calibrateCommand.ts")).registerCalibrate(program, kit);

  (await import("./cli/runCommand.ts")).registerRun(program, { withSettings, guarded, settingsFrom });

  await program.parseAsync(process.argv);
}

await main();

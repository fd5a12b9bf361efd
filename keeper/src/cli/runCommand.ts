/** `keeper run`: watch (report) or liquidate (send) until SIGINT/SIGTERM, then stop cleanly. */
import type { Command } from "commander";
import type { SettingName } from "../config/schema.ts";

export interface CliKit {
  withSettings(cmd: Command): Command;
  guarded(fn: () => Promise<void>): Promise<void>;
  settingsFrom(opts: Record<string, unknown>): Partial<Record<SettingName, string>>;
}

export function registerRun(program: Command, kit: CliKit): void {
  kit
    .withSettings(
      program
        .command("run")
        .description("follow the vault and its oracles; report (--mode watch) or liquidate (--mode liquidate) underwater accounts"),
    )
    .action((opts: Record<string, unknown>) =>
      kit.guarded(async () => {
        const { loadConfig } = await import("../config/load.ts");
        const { makeLogger } = await import("../log.ts");
        const { runKeeper } = await import("../run/runKeeper.ts");
        const cfg = loadConfig(kit.settingsFrom(opts));
        const log = makeLogger(cfg.logLevel);
        const keeper = await runKeeper(cfg, log);
        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = (signal: string) => {
            if (stopping) return;
            stopping = true;
            log.info({ signal }, "stopping");
            keeper.stop().then(resolve, (e: unknown) => {
              log.error({ err: String(e) }, "stop failed");
              resolve();
            });
          };
          process.once("SIGINT", () => stop("SIGINT"));
          process.once("SIGTERM", () => stop("SIGTERM"));
        });
        process.exit(0);
      }),
    );
}

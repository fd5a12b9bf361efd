/** Structured JSON logs (pino) on stderr, so stdout stays for command output (tables, JSON). */
import { pino, type Logger } from "pino";

export type { Logger };

export function makeLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { svc: "keeper" },
      // bigint is everywhere in the keeper; pino cannot serialise it by default
      formatters: { log: (obj) => JSON.parse(JSON.stringify(obj, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) },
      redact: { paths: ["privateKey", "*.privateKey", "config.privateKey"], censor: "[redacted]" },
    },
    pino.destination(2),
  );
}

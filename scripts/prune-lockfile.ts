/**
 * This machine's npm registry does not serve some platform-specific optional packages (EDR's darwin,
 * win32 and linux-arm64 builds). `npm install` still records the edges to them in package-lock.json, and
 * `npm ci` then refuses the lock ("Missing: ... from lock file"). Run after any `npm install`:
 *   node scripts/prune-lockfile.ts
 * It drops optionalDependencies edges whose target is not in the lock, and nothing else.
 */
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8")) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
const present = new Set(Object.keys(lock.packages).map((k) => k.split("node_modules/").at(-1)));
let removed = 0;
for (const pkg of Object.values(lock.packages)) {
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
    if (!present.has(dep)) {
      delete pkg.optionalDependencies![dep];
      removed++;
    }
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`prune-lockfile: removed ${removed} optional edge(s) to packages absent from the lock`);

import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Every environment variable the code reads is documented in the README (issue 15, item 21).
const root = fileURLToPath(new URL("..", import.meta.url));
const SCANNED = ["app", "lib", "db", "scripts", "examples", "components", "playwright.config.ts", "next.config.js"];
/** Read by the code but not configuration: the OS's own, or a flag the test harness sets for itself. */
const NOT_CONFIGURATION = new Set(["PATH", "NODE_ENV", "HOME", "SLIPWAY_QUIET_TEST_DB", "NEXT_TELEMETRY_DISABLED", "VITEST_POOL_ID"]);

function sourceFiles(entry: string): string[] {
  const full = path.join(root, entry);
  if (statSync(full).isFile()) return [full];
  return readdirSync(full, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|tsx|js|mjs)$/.test(f) && !/\.test\.ts$/.test(f) && !f.includes("node_modules"))
    .map((f) => path.join(full, f));
}

function variablesRead(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\b(?:process\.)?env(?:\.([A-Z][A-Z0-9_]+)|\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\])/g)) {
    names.add((m[1] ?? m[2])!);
  }
  return [...names];
}

describe("the README's configuration", () => {
  it("finds variables however the code reads them", () => {
    expect(variablesRead('process.env.A_B; env.CC; process.env["DD"]; x.env.EE; env.lower').sort()).toEqual(["A_B", "CC", "DD", "EE"]);
  });

  it("documents every environment variable the code reads", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const read = new Set<string>();
    for (const file of SCANNED.flatMap(sourceFiles)) {
      for (const name of variablesRead(readFileSync(file, "utf8"))) read.add(name);
    }
    // The server's validated variables are keys of the schema in lib/env.ts.
    for (const m of readFileSync(path.join(root, "lib/env.ts"), "utf8").matchAll(/^ {4}([A-Z][A-Z0-9_]+):/gm)) read.add(m[1]!);
    expect(read.has("SLIPWAY_INCIDENT_WEBHOOK_SECRET")).toBe(true);
    const undocumented = [...read].filter((n) => !NOT_CONFIGURATION.has(n) && !readme.includes(`\`${n}\``)).sort();
    expect(undocumented).toEqual([]);
  });
});

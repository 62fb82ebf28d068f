import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { BuildProgress, buildEstimate, formatSeconds } from "./build-progress";

const require = createRequire(import.meta.url);

/** What the production build is made from; a change to any of these means a rebuild. */
const SOURCE_DIRS = ["app", "components", "lib", "db", "public"];
const SOURCE_FILES = ["package.json", "package-lock.json", "next.config.js", "tsconfig.json", "postcss.config.mjs"];
const STAMP = ".next/slipway-source-hash";

function walk(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (!/\.test\.tsx?$/.test(entry.name)) out.push(full);
  }
}

export function sourceHash(root: string): string {
  const files: string[] = [];
  for (const dir of SOURCE_DIRS) walk(path.join(root, dir), files);
  for (const file of SOURCE_FILES) if (fs.existsSync(path.join(root, file))) files.push(path.join(root, file));
  const hash = createHash("sha256");
  for (const file of files.sort()) {
    hash.update(path.relative(root, file)).update("\0").update(fs.readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/** Where the last build's duration (seconds) is kept, for the next estimate. */
const LAST_BUILD_SECONDS = ".next/slipway-build-seconds";

function readLastSeconds(root: string): number | null {
  try {
    const seconds = Number(fs.readFileSync(path.join(root, LAST_BUILD_SECONDS), "utf8"));
    return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
  } catch {
    return null;
  }
}

/**
 * Runs `next build` when there is no build yet or the sources changed since the last one. Says
 * what to expect (the last build's duration here, else a range), then each phase as the build
 * reaches it and a heartbeat while it is quiet; the build's own output is kept for errors.
 */
export async function buildIfNeeded(root: string, log: (line: string) => void): Promise<void> {
  const hash = sourceHash(root);
  const stamp = path.join(root, STAMP);
  const built = fs.existsSync(path.join(root, ".next/BUILD_ID")) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === hash;
  if (built) return;
  const lastSeconds = readLastSeconds(root);
  log(`Building Slipway for production (first start, or the sources changed; ${buildEstimate(lastSeconds, os.cpus().length)})…`);
  const started = Date.now();
  const progress = new BuildProgress({ log, now: Date.now, lastSeconds });
  const heartbeat = setInterval(() => progress.tick(), 5_000);
  const output: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      });
      for (const stream of [child.stdout, child.stderr]) {
        readline.createInterface({ input: stream }).on("line", (line) => {
          output.push(line);
          if (output.length > 400) output.shift();
          progress.line(line);
        });
      }
      child.on("error", reject);
      child.on("exit", (code) => {
        if (code === 0) return resolve();
        // Show what next build said, so the error is not lost behind the progress lines.
        for (const line of output) log(line);
        reject(new Error(`next build failed with exit code ${code}`));
      });
    });
  } finally {
    clearInterval(heartbeat);
  }
  fs.writeFileSync(stamp, hash);
  const seconds = Math.round((Date.now() - started) / 1000);
  fs.writeFileSync(path.join(root, LAST_BUILD_SECONDS), String(seconds));
  log(`Built in ${formatSeconds(seconds)}.`);
}

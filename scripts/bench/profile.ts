/**
 * Where a page's server CPU goes: starts the production server (scripts/start.ts, controller off)
 * under V8's sampling profiler, signs in, loads one path at 10 connections, stops the server and
 * prints what profile-summary.ts reads from the profile (the load window only, start-up excluded).
 * Sampling is wall-clock: time the main thread spent preempted (on a 2-core machine, mostly by
 * PostgreSQL woken by our own writes) shows as the native function it was in, e.g. `writev`.
 *
 *   npx tsx scripts/bench/profile.ts <path> [--database postgres://…] [--demo] [--seconds 15]
 *        [--email admin@example.com] [--pipelines-dir .data/bench/pipelines --config …/commerce.yaml]
 *        [--port 3177] [--out .data/bench-profile]
 *
 * `--demo` recreates the database with the demo data (as measure-demo.ts); without it the database
 * is used as it is (the scale data set of build-dataset.ts: pass its pipelines directory and the
 * big pipeline's file, as measure.ts does, and `--email admin@bench.example.com`).
 */
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { buildIfNeeded } from "@/lib/server/build-if-needed";
import { ensureDatabase } from "./dataset";
import { load } from "./load";
import { signIn } from "./measure-kit";
import { summarizeProfile } from "./profile-summary";
import { cpuSecondsOf, SERVER_NODE_FLAGS, stopProcess, waitHealthy } from "./server-process";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    database: { type: "string", default: "postgres://postgres@127.0.0.1:5432/slipway_bench_demo" },
    demo: { type: "boolean", default: false },
    seconds: { type: "string", default: "15" },
    email: { type: "string", default: "admin@example.com" },
    "pipelines-dir": { type: "string" },
    config: { type: "string" },
    port: { type: "string", default: "3177" },
    out: { type: "string", default: ".data/bench-profile" },
  },
});

async function main(): Promise<void> {
  const target = positionals[0];
  if (!target?.startsWith("/")) throw new Error("Give the path to load, e.g. /pipelines/shop");
  const port = Number(values.port);
  const base = `http://localhost:${port}`;
  const out = path.resolve(values.out!);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  if (values.demo) await ensureDatabase(values.database!, { fresh: true });
  await buildIfNeeded(process.cwd(), (line) => console.log(`[build] ${line}`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    DATABASE_URL: values.database,
    SLIPWAY_DEMO: values.demo ? "1" : "0",
    SLIPWAY_OIDC_ISSUER: "",
    SLIPWAY_DATA_DIR: path.join(out, "data"),
    SLIPWAY_CONTROLLER: "0",
    SLIPWAY_BENCH_FLOOR: "1",
    ...(values["pipelines-dir"] ? { SLIPWAY_PIPELINES_DIR: path.resolve(values["pipelines-dir"]) } : {}),
    ...(values.config ? { SLIPWAY_CONFIG: path.resolve(values.config) } : {}),
  };
  const log = fs.openSync(path.join(out, "server.log"), "a");
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, "--cpu-prof", `--cpu-prof-dir=${out}`, "--import", "tsx", "scripts/start.ts"], { env, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  const seconds = Number(values.seconds);
  try {
    await waitHealthy(`${base}/api/v1/health`, child, 600_000);
    const cookie = await signIn(base, values.email!);
    const request = { path: target, headers: { cookie, "accept-encoding": "gzip, br" } };
    await load(port, request, { connections: 10, durationMs: 3_000, timeoutMs: 60_000 });
    const cpu0 = cpuSecondsOf(child.pid!)!;
    const result = await load(port, request, { connections: 10, durationMs: seconds * 1000, timeoutMs: 60_000 });
    const cpuMs = ((cpuSecondsOf(child.pid!)! - cpu0) * 1000) / Math.max(1, result.requests);
    console.log(
      `${target}: ${result.requests} requests (${result.errors} errors), ${result.rps.toFixed(1)} req/s, p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, ${cpuMs.toFixed(1)} ms of server CPU each (profiler included)`,
    );
  } finally {
    await stopProcess(child);
  }
  // The main thread's profile is the largest; the loader-hooks thread writes its own, nearly idle.
  const profiles = fs
    .readdirSync(out)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(out, f))
    .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
  if (!profiles[0]) throw new Error(`no profile written to ${out}`);
  console.log(`profile: ${profiles[0]}`);
  // The load ran for `seconds`; then stopping the server took a moment: skip the last 1.5 s.
  console.log(summarizeProfile(profiles[0], { windowSeconds: seconds - 1, skipEndSeconds: 1.5 }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

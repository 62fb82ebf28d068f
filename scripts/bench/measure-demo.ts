/**
 * Issue 13's "small is slow too": every page at demo scale (the demo data, 3 pipelines, the shop
 * pipeline's 3 apps × 5 environments) against the floor of a bare Next.js page rendering 50 rows
 * from PostgreSQL (/bench-floor, served only with SLIPWAY_BENCH_FLOOR=1) in the same server. Drops
 * and recreates the database it is given, starts the production server on it with the demo data and
 * the controller off (so the apps' processes and reconcile passes do not blur the figures), signs in
 * as the demo admin, and loads each page at `--connections` for `--duration` seconds.
 *
 * The target is half the floor's throughput or better; the table says which pages reach it.
 * Timings are reported, never judged: the exit code is 0 unless the run itself fails.
 *
 * Beside throughput and latency it reports the server process's CPU per request (from /proc), which
 * moves far less between runs than req/s on a shared 2-core machine: compare changes by it; and the
 * PostgreSQL backends' CPU per request, the other half of what bounds a page's throughput here.
 *
 *   npx tsx scripts/bench/measure-demo.ts [postgres://…/slipway_bench_demo] [--duration 30] [--connections 10]
 *        [--port 3147] [--local-port-base 7700] [--out .data/bench-demo] [--pages audit,board] [--rounds 6]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildIfNeeded } from "@/lib/server/build-if-needed";
import { ensureDatabase } from "./dataset";
import { load, type LoadResult } from "./load";
import { measureRow, printTable, quiesce, signIn, TIMEOUT_MS, warmUp, type Row } from "./measure-kit";
import { cpuSecondsOf, postgresCpuByBackend, postgresCpuSecondsBetween, startProcess, stopProcess } from "./server-process";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: "string", default: "30" },
    connections: { type: "string", default: "10" },
    port: { type: "string", default: "3147" },
    "local-port-base": { type: "string", default: "7700" },
    out: { type: "string", default: ".data/bench-demo" },
    /** Only the pages whose names contain one of these (comma-separated); the floor always runs. */
    pages: { type: "string" },
    /**
     * Split each target's time into this many rounds, every target loaded once per round in turn:
     * a VM whose speed drifts over minutes then slows every target alike instead of the ones
     * measured during a slow spell. Each figure is the median over the rounds (p99: the highest).
     */
    rounds: { type: "string", default: "1" },
  },
});
const url = positionals[0] ?? "postgres://postgres@127.0.0.1:5432/slipway_bench_demo";
const PORT = Number(values.port);
const OUT = path.resolve(values.out!);
const base = `http://localhost:${PORT}`;
const FLOOR = "floor: bare Next.js page, 50 rows";
/** The pages a person opens, at demo scale. */
const PAGES: { name: string; path: string }[] = [
  { name: "portfolio", path: "/" },
  { name: "board (shop)", path: "/pipelines/shop" },
  { name: "environment page (shop/prod)", path: "/pipelines/shop/environments/prod" },
  { name: "review environment page", path: "/pipelines/shop/environments/checkout-redesign" },
  { name: "deployments history", path: "/deployments" },
  { name: "releases", path: "/releases" },
  { name: "approvals inbox", path: "/approvals" },
  { name: "audit trail", path: "/audit" },
];

async function main(): Promise<number> {
  fs.mkdirSync(OUT, { recursive: true });
  await ensureDatabase(url, { fresh: true }); // the demo data is seeded only into an empty database
  await buildIfNeeded(process.cwd(), (line) => console.log(`[build] ${line}`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(PORT),
    DATABASE_URL: url,
    SLIPWAY_DEMO: "1",
    SLIPWAY_OIDC_ISSUER: "",
    SLIPWAY_DATA_DIR: path.join(OUT, "data"),
    SLIPWAY_LOCAL_PORT_BASE: values["local-port-base"],
    SLIPWAY_STOP_APPS_ON_EXIT: "1",
    SLIPWAY_CONTROLLER: "0",
    SLIPWAY_BENCH_FLOOR: "1",
    SLIPWAY_BENCH_COUNT_SQL: "1",
  };
  const server = await startProcess("scripts/start.ts", [], env, path.join(OUT, "server.log"), `${base}/api/v1/health`, 600_000);
  const options = { connections: Number(values.connections), durationMs: Number(values.duration) * 1000 };
  const rows: Row[] = [];
  try {
    const cookie = await signIn(base, "admin@example.com");
    const only = values.pages
      ?.split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const pages = only ? PAGES.filter((p) => only.some((o) => p.name.includes(o))) : PAGES;
    const targets = [{ name: FLOOR, kind: "floor" as const, path: "/bench-floor", headers: {} }, ...pages.map((p) => ({ ...p, kind: "page" as const, headers: { cookie } }))];
    await warmUp(PORT, targets, options);
    await quiesce(PORT);
    const rounds = Math.max(1, Number(values.rounds));
    const perRound: Map<string, { results: LoadResult[]; cpuS: number; pgS: number; pgMeasured: boolean }> = new Map(targets.map((t) => [t.name, { results: [], cpuS: 0, pgS: 0, pgMeasured: true }]));
    for (const t of targets) {
      const row: Row = { name: t.name, kind: t.kind, path: t.path, result: null, probe: null };
      rows.push(row);
    }
    for (let round = 0; round < rounds; round++) {
      for (const [i, t] of targets.entries()) {
        const row = rows[i]!;
        if (row.note) continue;
        const acc = perRound.get(t.name)!;
        try {
          const cpuBefore = cpuSecondsOf(server.child.pid!);
          const pgBefore = await postgresCpuByBackend(url);
          const roundOptions = { ...options, durationMs: options.durationMs / rounds };
          if (round === 0) await measureRow(row, PORT, { path: t.path, headers: t.headers }, t.kind === "page", roundOptions);
          else row.result = await load(PORT, { path: t.path, headers: t.headers }, { ...roundOptions, timeoutMs: TIMEOUT_MS });
          acc.results.push(row.result!);
          const cpuAfter = cpuSecondsOf(server.child.pid!);
          const pgAfter = await postgresCpuByBackend(url);
          if (cpuBefore !== null && cpuAfter !== null) acc.cpuS += cpuAfter - cpuBefore;
          if (pgBefore && pgAfter) acc.pgS += postgresCpuSecondsBetween(pgBefore, pgAfter);
          else acc.pgMeasured = false;
          if (row.probe && row.probe.status !== 200) row.note = `HTTP ${row.probe.status}`;
        } catch (error) {
          row.note = `failed: ${(error as Error).message}`;
        }
        await quiesce(PORT);
      }
    }
    for (const row of rows) {
      const acc = perRound.get(row.name)!;
      if (!acc.results.length) continue;
      row.result = combined(acc.results);
      if (row.result.requests) {
        row.cpuMs = (acc.cpuS * 1000) / row.result.requests;
        if (acc.pgMeasured) row.pgCpuMs = (acc.pgS * 1000) / row.result.requests;
      }
    }
  } finally {
    await stopProcess(server.child);
  }

  console.log(
    `\nDemo-scale benchmark — ${new Date().toISOString().slice(0, 10)}; ${options.connections} connections × ${options.durationMs / 1000} s per target${Number(values.rounds) > 1 ? `, in ${values.rounds} interleaved rounds` : ""}\n`,
  );
  printTable(rows, FLOOR);
  const floor = rows.find((r) => r.name === FLOOR)?.result;
  if (floor) {
    const pages = rows.filter((r) => r.kind === "page" && r.result);
    const reaching = pages.filter((r) => r.result!.rps >= floor.rps / 2);
    console.log(`\nAt least half the floor's throughput (${(floor.rps / 2).toFixed(1)} req/s): ${reaching.length} of ${pages.length} pages`);
    for (const r of pages.filter((p) => !reaching.includes(p))) console.log(`  below: ${r.name} at ${((r.result!.rps / floor.rps) * 100).toFixed(0)} % of the floor`);
  }
  return 0;
}

/** Rounds of one target as one figure: requests and errors summed, req/s and p50 the rounds' medians, p99 the highest. */
function combined(results: LoadResult[]): LoadResult {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const statuses: Record<string, number> = {};
  for (const r of results) for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  return {
    requests: results.reduce((n, r) => n + r.requests, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    statuses,
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    meanBytes: median(results.map((r) => r.meanBytes)),
  };
}

process.exitCode = await main();

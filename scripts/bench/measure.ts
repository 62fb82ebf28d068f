/**
 * Issue 13's benchmark, against the data set of build-dataset.ts. Starts Slipway's production
 * server on that database (controller off), signs in as the data set's admin, and measures each
 * target at `--connections` concurrent connections for `--duration` seconds: p50/p99 latency,
 * req/s, compressed bytes per response, SQL statements per request (a single-concurrency probe
 * reading the server's statement counter, SLIPWAY_BENCH_COUNT_SQL=1). In the same run it measures
 * two floors — a raw Node http + pg server returning 50 deployments as JSON, and a bare Next.js
 * page rendering 50 rows (/bench-floor, SLIPWAY_BENCH_FLOOR=1) — and prints every figure with its
 * ratio to the raw floor. Then it starts the server with the controller on and reports start-up
 * to serving, peak and idle RSS and idle CPU (from /proc), and prints EXPLAIN (ANALYZE, BUFFERS) of
 * the history and audit queries.
 *
 * Exit 1 when a page or list API exceeds 200 KB compressed or 10 SQL statements per request (the
 * deterministic budgets); timings are reported, never judged.
 *
 *   npx tsx scripts/bench/measure.ts [postgres://…/slipway_bench] [--duration 30] [--connections 10]
 *        [--port 3146] [--local-port-base 7600] [--out .data/bench] [--only board,history] [--no-controller]
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { buildIfNeeded } from "@/lib/server/build-if-needed";
import type { Target } from "./load";
import { firstServed, kb, measureRow, printTable, quiesce, signIn, warmUp, type Row } from "./measure-kit";
import { alive, cpuSecondsOf, rssOf, startProcess, stopProcess, type Started } from "./server-process";
import { benchFacts, explainQueries, type Facts } from "./measure-db";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: "string", default: "30" },
    connections: { type: "string", default: "10" },
    port: { type: "string", default: process.env.E2E_PORT ?? "3146" },
    "local-port-base": { type: "string", default: process.env.E2E_LOCAL_PORT_BASE ?? "7600" },
    out: { type: "string", default: ".data/bench" },
    only: { type: "string" },
    "no-controller": { type: "boolean", default: false },
    settle: { type: "string", default: "90" },
  },
});
const url = positionals[0] ?? process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/slipway_bench";
const DURATION_MS = Number(values.duration) * 1000;
const CONNECTIONS = Number(values.connections);
const PORT = Number(values.port);
const FLOOR_PORT = PORT + 1;
const OUT = path.resolve(values.out!);
const BYTE_BUDGET = 200 * 1024;
const SQL_BUDGET = 10;
const base = `http://localhost:${PORT}`;
const loadOptions = { connections: CONNECTIONS, durationMs: DURATION_MS };

function serverEnv(controller: boolean, facts: Facts): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(PORT),
    DATABASE_URL: url,
    SLIPWAY_CONFIG: path.join(facts.pipelinesDir, `${facts.big.name}.yaml`),
    SLIPWAY_PIPELINES_DIR: facts.pipelinesDir,
    SLIPWAY_DEMO: "0",
    SLIPWAY_OIDC_ISSUER: "",
    SLIPWAY_DATA_DIR: path.join(OUT, "data"),
    SLIPWAY_LOCAL_PORT_BASE: values["local-port-base"],
    SLIPWAY_STOP_APPS_ON_EXIT: "1",
    SLIPWAY_CONTROLLER: controller ? "1" : "0",
    SLIPWAY_BENCH_FLOOR: "1",
    SLIPWAY_BENCH_COUNT_SQL: controller ? "0" : "1",
  };
}

async function startSlipway(controller: boolean, facts: Facts): Promise<Started> {
  return startProcess("scripts/start.ts", [], serverEnv(controller, facts), path.join(OUT, `server-controller-${controller ? "on" : "off"}.log`), `${base}/api/v1/health`, 600_000);
}

async function controllerOn(facts: Facts): Promise<string[]> {
  const lines: string[] = [];
  let server: Started;
  try {
    server = await startSlipway(true, facts);
  } catch (error) {
    return [`controller on: did not start: ${(error as Error).message}`];
  }
  const pid = server.child.pid!;
  lines.push(`controller on: start-up to serving ${(server.startupMs / 1000).toFixed(1)} s`);
  const settleS = Number(values.settle);
  let peak = 0;
  for (let s = 0; s < settleS && alive(server.child); s++) {
    peak = Math.max(peak, rssOf(pid) ?? 0);
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (!alive(server.child)) {
    lines.push(`controller on: the server DIED within ${settleS} s of serving (exit ${server.child.exitCode ?? server.child.signalCode}); peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
    return lines;
  }
  const cpu0 = cpuSecondsOf(pid)!;
  const t0 = performance.now();
  for (let s = 0; s < 30; s++) {
    peak = Math.max(peak, rssOf(pid) ?? 0);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cpu = ((cpuSecondsOf(pid)! - cpu0) / ((performance.now() - t0) / 1000)) * 100;
  const health = await fetch(`${base}/api/v1/health`)
    .then((r) => r.status)
    .catch(() => 0);
  lines.push(`controller on: RSS ${(rssOf(pid)! / 2 ** 20).toFixed(0)} MB idle (peak ${(peak / 2 ** 20).toFixed(0)} MB over ${settleS + 30} s), idle CPU ${cpu.toFixed(1)} % of one core (30 s window after ${settleS} s), health ${health}`);
  const log = fs.readFileSync(path.join(OUT, "server-controller-on.log"), "utf8");
  const restored = [...log.matchAll(/restored (\d+) of (\d+) apps/g)].at(-1);
  lines.push(`controller on: ${restored ? `restore logged "${restored[0]}"` : 'restore had not finished (no "restored … apps" line yet)'}`);
  await stopProcess(server.child);
  return lines;
}

async function main(): Promise<number> {
  fs.mkdirSync(OUT, { recursive: true });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // A previous run's controller-on phase rewrites every cell's health (three times in its two minutes)
  // and its promotes queue deployments; with autovacuum off (as on these machines' PostgreSQL) the
  // planner then scales its row estimates by the bloated pages and hashes all 275,000 builds for an
  // environment's cells (123 ms instead of a few). Each run starts from the same, vacuumed, state.
  const vacuumStarted = performance.now();
  await admin.query("vacuum analyze");
  console.log(`vacuum analyze: ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);
  const facts = await benchFacts(admin, OUT);
  console.log(`Data set: ${facts.summary}. Big pipeline "${facts.big.name}" (${facts.big.apps} apps).`);
  await buildIfNeeded(process.cwd(), (line) => console.log(`[build] ${line}`));

  const rows: Row[] = [];
  const only = values.only ? new Set(values.only.split(",")) : null;
  const want = (key: string) => !only || only.has(key);

  const floor = await startProcess("scripts/bench/floor-raw.ts", [url, String(FLOOR_PORT)], process.env, path.join(OUT, "floor-raw.log"), `http://127.0.0.1:${FLOOR_PORT}/`);
  const floorRow: Row = { name: "floor: raw http + pg", kind: "floor", path: "/ (50 deployments JSON)", result: null, probe: null };
  await warmUp(FLOOR_PORT, [{ path: "/" }], loadOptions);
  await measureRow(floorRow, FLOOR_PORT, { path: "/" }, false, loadOptions);
  rows.push(floorRow);
  await stopProcess(floor.child);

  let server = await startSlipway(false, facts);
  console.log(`Slipway (controller off) serving after ${(server.startupMs / 1000).toFixed(1)} s`);
  let cookie = await signIn(base, facts.adminEmail);
  const auth = () => ({ cookie });
  const bearer = { authorization: `Bearer ${facts.token}` };
  const boardPath = await firstServed(PORT, [`/pipelines/${facts.big.name}`, "/"], auth());
  const envPath = await firstServed(PORT, [`/pipelines/${facts.big.name}/environments/${facts.envPage}`, `/environments/${facts.envPage}`], auth());
  const envsApi = await firstServed(PORT, [`/api/v1/pipelines/${facts.big.name}/environments`, "/api/v1/environments"], bearer);
  const promotePath = `${await firstServed(PORT, [`/api/v1/pipelines/${facts.big.name}/environments/${facts.promote.environment}`, `/api/v1/environments/${facts.promote.environment}`], bearer)}/deployments`;
  let promoteNo = 0;
  const targets: { key: string; name: string; kind: Row["kind"]; target: () => Target }[] = [
    { key: "floor", name: "floor: bare Next.js page", kind: "floor", target: () => ({ path: "/bench-floor" }) },
    { key: "portfolio", name: "portfolio", kind: "page", target: () => ({ path: "/", headers: auth() }) },
    { key: "board", name: `board (${facts.big.apps} apps)`, kind: "page", target: () => ({ path: boardPath, headers: auth() }) },
    { key: "environment", name: `environment page (${facts.envPage})`, kind: "page", target: () => ({ path: envPath, headers: auth() }) },
    { key: "history", name: "deployments history, first page", kind: "page", target: () => ({ path: "/deployments", headers: auth() }) },
    { key: "deep", name: "deployments history, 10,000 rows deep", kind: "page", target: () => ({ path: `/deployments?cursor=${facts.deepCursor}`, headers: auth() }) },
    { key: "api", name: "GET environments API, first page", kind: "api", target: () => ({ path: envsApi, headers: bearer }) },
    {
      key: "promote",
      name: `promote (POST, into ${facts.promote.environment})`,
      kind: "mutation",
      target: () => ({
        method: "POST",
        path: promotePath,
        headers: bearer,
        body: () => ({
          body: JSON.stringify({ releaseId: facts.promote.releaseIds[promoteNo % facts.promote.releaseIds.length], reason: "benchmark" }),
          headers: { "content-type": "application/json", "idempotency-key": `bench-${process.pid}-${promoteNo++}` },
        }),
      }),
    },
  ];
  if (boardPath === "/") targets.splice(1, 1); // today the portfolio IS the board: measured once, as the board
  // Reads only: a warm-up of the promote would queue deployments the measured run then finds waiting.
  await warmUp(
    PORT,
    targets.filter((t) => want(t.key) && t.kind !== "mutation").map((t) => t.target()),
    loadOptions,
  );
  await quiesce(PORT);
  for (const t of targets) {
    if (!want(t.key)) continue;
    const row: Row = { name: t.name, kind: t.kind, path: t.target().path, result: null, probe: null };
    rows.push(row);
    try {
      await measureRow(row, PORT, t.target(), true, loadOptions);
      await quiesce(PORT);
    } catch (error) {
      row.note = `failed: ${(error as Error).message}`;
    }
    if (!alive(server.child)) {
      row.note = `${row.note ? `${row.note}; ` : ""}the server DIED during this target (exit ${server.child.exitCode ?? server.child.signalCode}); restarted`;
      console.log(`   ${row.note}`);
      server = await startSlipway(false, facts);
      cookie = await signIn(base, facts.adminEmail);
    }
  }
  const startupOff = server.startupMs;
  await stopProcess(server.child);
  // The promotes the benchmark queued must not run when the controller starts below.
  await admin.query("update deployments set state = 'cancelled', finished_at = now() where reason = 'benchmark' and state in ('queued', 'waiting')");

  console.log(`\nScale benchmark — ${new Date().toISOString().slice(0, 10)}, ${facts.summary}; ${CONNECTIONS} connections × ${DURATION_MS / 1000} s per target\n`);
  printTable(rows, "floor: raw http + pg");
  console.log(`\ncontroller off: start-up to serving ${(startupOff / 1000).toFixed(1)} s`);
  if (!values["no-controller"]) for (const line of await controllerOn(facts)) console.log(line);

  console.log("\nEXPLAIN (ANALYZE, BUFFERS) of the history and audit queries:");
  for (const { title, plan } of await explainQueries(admin, facts)) console.log(`\n-- ${title}\n${plan}`);
  await admin.end();

  const over = rows.filter((r) => (r.kind === "page" || r.kind === "api") && r.probe && (r.probe.bytes > BYTE_BUDGET || (r.probe.sql ?? 0) > SQL_BUDGET));
  for (const r of over) console.error(`OVER BUDGET: ${r.name}: ${kb(r.probe!.bytes)} (budget 200 KB), ${r.probe!.sql} SQL statements (budget ${SQL_BUDGET})`);
  return over.length ? 1 : 0;
}

process.exitCode = await main();

/**
 * Benchmark: the portfolio and a large board at organisation scale, on embedded PGlite (in memory).
 * Seeds `--pipelines` pipelines of `--apps` apps × `--envs` fixed environments, every cell deployed
 * and observed healthy (some unhealthy), one waiting deployment per pipeline with a pending
 * approvals gate, plus one pipeline of `--big-apps` apps × 8 environments. Prints, over `--runs`
 * warm runs, the median time of getPortfolio (and how many SQL statements it sent) and of the big
 * pipeline's getBoard + one page of rows.
 *
 *   npx tsx scripts/bench/portfolio.ts [--pipelines 50] [--apps 40] [--envs 6] [--big-apps 600] [--runs 7]
 */
import type { PipelineConfig } from "@/lib/config/schema";
import { globalGrants } from "@/lib/domain/roles";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { openConnection, type Db } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { apps, builds, deployments, environmentApps, environments, gateResults, pipelines, releases, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { pageBoardRows } from "@/lib/domain/board-rows";
import { systemClock } from "@/lib/domain/clock";
import { environmentRelease } from "@/lib/domain/environment-summary";
import { getBoard } from "@/lib/services/pipeline-board";
import { getPortfolio } from "@/lib/services/portfolio";

const { values } = parseArgs({
  options: {
    pipelines: { type: "string", default: "50" },
    apps: { type: "string", default: "40" },
    envs: { type: "string", default: "6" },
    "big-apps": { type: "string", default: "600" },
    runs: { type: "string", default: "7" },
  },
});
const PIPELINES = Number(values.pipelines);
const APPS = Number(values.apps);
const ENVS = Number(values.envs);
const BIG_APPS = Number(values["big-apps"]);
const RUNS = Number(values.runs);

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>, size = 1000) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

async function seedPipeline(db: Db, p: string, appCount: number, envCount: number, now: Date, userId: string) {
  const pipelineId = `pip_${p}`;
  await db.insert(pipelines).values({ id: pipelineId, name: p, configHash: p, config: {} as PipelineConfig });
  const appRows = Array.from({ length: appCount }, (_, i) => ({ id: `app_${p}_${i}`, pipelineId, name: `${p}-app-${i}`, position: i }));
  await insertChunked(appRows, (c) => db.insert(apps).values(c));
  const envRows = Array.from({ length: envCount }, (_, i) => ({ id: `env_${p}_${i}`, pipelineId, name: `${p}-env-${i}`, kind: "fixed" as const, position: i, state: "active" as const }));
  await db.insert(environments).values(envRows);
  const releaseId = `rel_${p}`;
  await db.insert(releases).values({ id: releaseId, pipelineId, commit: "a".repeat(40), branch: "main", createdBy: userId });
  const buildRows = appRows.map((a) => ({ id: `bld_${a.id}`, appId: a.id, version: "1.0.0", commit: "a".repeat(40), branch: "main", digest: `sha256:${"0".repeat(64)}`, createdBy: userId }));
  await insertChunked(buildRows, (c) => db.insert(builds).values(c));
  const cells = envRows.flatMap((e, ei) =>
    appRows.map((a, ai) => ({
      environmentId: e.id,
      appId: a.id,
      releaseId,
      buildId: `bld_${a.id}`,
      deployedAt: now,
      healthStatus: (ai === 0 && ei === 1 ? "unhealthy" : "healthy") as "unhealthy" | "healthy",
      healthObservedAt: now,
    })),
  );
  await insertChunked(cells, (c) => db.insert(environmentApps).values(c));
  const deploymentId = `dep_${p}`;
  await db.insert(deployments).values({ id: deploymentId, environmentId: envRows.at(-1)!.id, releaseId, kind: "promote", state: "waiting", requestedBy: userId, requestedVia: "api" });
  await db.insert(gateResults).values({ id: `gat_${p}`, deploymentId, gate: "approvals", status: "pending", reason: "needs 1 tech-lead approval — someone can give it" });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const connection = await openConnection({ memory: true });
  await migrateDatabase(connection);
  const db = connection.db;
  const now = new Date();
  await db.insert(users).values({ id: "usr_bench", email: "bench@example.com", name: "Bench" });
  const actor: Actor = { kind: "user", id: "usr_bench", email: "bench@example.com", name: "Bench", roles: ["viewer"], grants: globalGrants(["viewer"]), disabled: false, via: "ui" };
  const seedStart = Date.now();
  for (let i = 0; i < PIPELINES; i++) await seedPipeline(db, `p${String(i).padStart(2, "0")}`, APPS, ENVS, now, actor.id);
  await seedPipeline(db, "big", BIG_APPS, 8, now, actor.id);
  await db.execute(sql`analyze`);
  console.log(`seeded ${PIPELINES} pipelines × ${APPS} apps × ${ENVS} environments + big (${BIG_APPS} apps × 8) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  // Count the statements one portfolio sends (execute is how it reads).
  let statements = 0;
  const execute = db.execute.bind(db);
  (db as { execute: typeof db.execute }).execute = (async (query: Parameters<typeof db.execute>[0]) => {
    statements += 1;
    const started = performance.now();
    if (process.env.BENCH_EXPLAIN && statements === Number(process.env.BENCH_EXPLAIN)) {
      const plan = (await execute(sql`explain analyze ${query}`)) as unknown as { rows: Record<string, string>[] };
      console.log(plan.rows.map((r) => Object.values(r)[0]).join("\n"));
    }
    const result = await execute(query);
    if (process.env.BENCH_VERBOSE) console.log(`  statement ${statements}: ${(performance.now() - started).toFixed(0)} ms`);
    return result;
  }) as typeof db.execute;

  const portfolioTimes: number[] = [];
  let perRun = 0;
  for (let run = 0; run <= RUNS; run++) {
    statements = 0;
    const started = performance.now();
    const portfolio = await getPortfolio(db, actor, new Date(), {});
    const ms = performance.now() - started;
    if (run === 0) console.log(`first portfolio (cold, with the team probe): ${ms.toFixed(0)} ms, ${statements} statements, ${portfolio.pipelines.length} pipelines`);
    else {
      portfolioTimes.push(ms);
      perRun = statements;
    }
  }
  console.log(`portfolio, warm: median ${median(portfolioTimes).toFixed(0)} ms over ${RUNS} runs, ${perRun} statements per request`);
  const filtered = performance.now();
  const search = await getPortfolio(db, actor, new Date(), { app: "app-3", failing: true });
  console.log(`portfolio with an app search and failing filter: ${(performance.now() - filtered).toFixed(0)} ms, ${search.pipelines.length} pipelines`);

  const boardTimes: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const started = performance.now();
    const board = (await getBoard(db, systemClock, { pipeline: "big", reviewCells: "differing" }))!;
    const page = pageBoardRows(
      board.apps,
      board.fixed.map((e) => ({ apps: e.apps, releaseId: environmentRelease(Object.values(e.apps))?.releaseId ?? null })),
      { page: 3 },
    );
    if (run > 0) boardTimes.push(performance.now() - started);
    if (run === 0) console.log(`big board: ${board.apps.length} apps × ${board.fixed.length} environments, page ${page.page} of ${page.pages} (${page.rows.length} rows)`);
  }
  console.log(`big board load + one page of rows, warm: median ${median(boardTimes).toFixed(0)} ms over ${RUNS} runs`);
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

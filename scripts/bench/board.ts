/**
 * Benchmark: the board query at scale. Builds a synthetic pipeline (default 300 apps, 10 fixed
 * environments, 150 review environments, every cell deployed) in an in-memory PGlite or, with
 * DATABASE_URL, a PostgreSQL database you created for it, then times getBoard() and counts the SQL
 * statements it sends.
 *
 *   npx tsx scripts/bench/board.ts [--apps 300] [--fixed 10] [--review 150] [--runs 20]
 */
import { parseArgs } from "node:util";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { openConnection } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import * as schema from "@/db/schema";
import { builds, environmentApps, environments, releaseBuilds, releases, users } from "@/db/schema";
import { parsePipelineConfig } from "@/lib/config/load";
import { systemClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { getBoard } from "@/lib/services/pipeline-board";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import type { Db } from "@/db/client";

const { values } = parseArgs({ options: { apps: { type: "string", default: "300" }, fixed: { type: "string", default: "10" }, review: { type: "string", default: "150" }, runs: { type: "string", default: "20" } } });
const APPS = Number(values.apps);
const FIXED = Number(values.fixed);
const REVIEW = Number(values.review);
const RUNS = Number(values.runs);

const yaml = [
  "version: 1",
  "pipeline: { name: bench }",
  "apps:",
  ...Array.from({ length: APPS }, (_, i) => `  - name: app-${i}`),
  "environments:",
  ...Array.from({ length: FIXED }, (_, i) => `  - name: env-${i}`),
  "reviewEnvironments: { source: env-0 }",
].join("\n");

const connection = await openConnection(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { memory: true });
await migrateDatabase(connection);
const parsed = parsePipelineConfig(yaml);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const db = connection.db;
await syncPipeline(db, systemClock, parsed.config, parsed.hash);

const pipeline = (await db.query.pipelines.findFirst())!;
const apps = await db.query.apps.findMany();
const fixedEnvs = await db.query.environments.findMany();
const userId = newId("usr");
await db.insert(users).values({ id: userId, email: "bench@example.com", name: "Bench" });

const started = performance.now();
const buildRows = apps.map((app) => ({ id: newId("bld"), appId: app.id, version: "1.0.0", commit: "a".repeat(40), branch: "main", digest: `sha256:${"b".repeat(64)}`, createdBy: userId }));
for (let i = 0; i < buildRows.length; i += 500) await db.insert(builds).values(buildRows.slice(i, i + 500));
const releaseId = newId("rel");
await db.insert(releases).values({ id: releaseId, pipelineId: pipeline.id, commit: "a".repeat(40), branch: "main", createdBy: userId });
await db.insert(releaseBuilds).values(buildRows.map((b) => ({ releaseId, appId: b.appId, buildId: b.id })));
const reviewEnvs = Array.from({ length: REVIEW }, (_, i) => ({
  id: newId("env"),
  pipelineId: pipeline.id,
  name: `review-${i}`,
  kind: "review" as const,
  state: "ready" as const,
  branch: `feature/${i}`,
  ownerId: userId,
  sourceEnvironmentId: fixedEnvs[0]!.id,
}));
if (reviewEnvs.length) await db.insert(environments).values(reviewEnvs);
const cells = [...fixedEnvs, ...reviewEnvs].flatMap((env) =>
  buildRows.map((b) => ({ environmentId: env.id, appId: b.appId, releaseId, buildId: b.id, deployedAt: new Date(), deployedBy: userId, healthStatus: "healthy" as const, healthObservedAt: new Date() })),
);
for (let i = 0; i < cells.length; i += 1000) await db.insert(environmentApps).values(cells.slice(i, i + 1000));
console.log(`Seeded ${APPS} apps × ${FIXED + REVIEW} environments = ${cells.length} cells in ${Math.round(performance.now() - started)} ms (${connection.driver}).`);

// Count statements with a logging drizzle over the same client (PGlite only; on pg, the count is the same code path).
let statements = 0;
const counted: Db = connection.driver === "pglite" ? (drizzlePglite(connection.client as never, { schema, logger: { logQuery: () => void (statements += 1) } }) as unknown as Db) : db;

await getBoard(counted, systemClock, { pipeline: "shop", reviewCells: "differing" }); // warm-up
statements = 0;
const times: number[] = [];
let size = 0;
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const board = await getBoard(counted, systemClock, { pipeline: "shop", reviewCells: "differing" });
  times.push(performance.now() - t);
  size = JSON.stringify(board).length;
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
console.log(
  `getBoard over ${RUNS} runs: median ${pct(0.5)} ms, p95 ${pct(0.95)} ms; ${connection.driver === "pglite" ? `${statements / RUNS} SQL statement(s) per board` : "statements not counted on pg"}; payload ${(size / 1024).toFixed(0)} KiB`,
);
await connection.close();

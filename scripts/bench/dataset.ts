/**
 * Builds issue 13's scale data set on a PostgreSQL database with bulk SQL: the pipelines, apps and
 * environments of `planDataset`, users, builds and releases, deployments over two years with their
 * steps and gate results, the environment × app cells, review environments, and a valid audit
 * chain. Runs the repository's migrations first. Refuses a database holding Slipway data unless
 * `force` (which drops and recreates the schema: the audit trail cannot be truncated).
 */
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { openConnection } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { planDataset, type DatasetOptions, type DatasetPlan } from "./dataset-plan";
import { writeAuditChain } from "./dataset-audit";
import { dataPhases, type PhaseContext } from "./dataset-sql";

export class DatabaseNotEmptyError extends Error {}

export interface BuildResult {
  plan: DatasetPlan;
  phases: { name: string; ms: number }[];
  /** Where the pipelines' slipway.yaml files were written (one per pipeline; the big one first). */
  pipelinesDir: string;
  bigPipeline: string;
}

const DAY = 86_400_000;

/**
 * Creates the database named in `url` when it does not exist (through the server's `postgres`
 * database); with `fresh`, drops it first (closing its connections). @throws Error for a name that
 * is not a plain lowercase identifier
 */
export async function ensureDatabase(url: string, options: { fresh?: boolean } = {}): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unexpected database name "${name}": use lowercase letters, digits and _.`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    if (options.fresh) await client.query(`drop database if exists ${name} with (force)`);
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!found.rowCount) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}

async function slipwayRows(client: pg.ClientBase): Promise<number> {
  const tables = await client.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'public' and table_name in ('apps', 'deployments', 'audit_events', 'users')");
  let rows = 0;
  for (const { t } of tables.rows) rows += Number((await client.query(`select count(*)::int as n from (select 1 from ${t} limit 1) x`)).rows[0].n);
  const others = await client.query("select count(*)::int as n from information_schema.tables where table_schema = 'public'");
  return rows + (tables.rowCount === 0 && others.rows[0].n > 0 ? 1 : 0);
}

/** Builds the data set; `log` gets one line per phase with its duration. */
export async function buildDataset(url: string, options: DatasetOptions & { force?: boolean; outDir: string }, log: (line: string) => void = console.log): Promise<BuildResult> {
  const phases: { name: string; ms: number }[] = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await work();
    const ms = performance.now() - t;
    phases.push({ name, ms });
    log(`  ${name.padEnd(34)} ${(ms / 1000).toFixed(1).padStart(7)} s`);
    return result;
  };

  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const client = await pool.connect();
  try {
    await timed("check and migrate", async () => {
      if ((await slipwayRows(client)) > 0) {
        if (!options.force) throw new DatabaseNotEmptyError(`The database in ${new URL(url).pathname.slice(1)} already holds data: run on an empty database, or pass --force to drop its schema and rebuild.`);
        await client.query("drop schema if exists drizzle cascade; drop schema public cascade; create schema public;");
      }
      const connection = await openConnection({ url });
      try {
        await migrateDatabase(connection);
      } finally {
        await connection.close();
      }
    });
    const perPipeline = await client.query("select 1 from pg_indexes where tablename = 'environments' and indexname like 'environments%name%' and indexdef like '%pipeline_id%' limit 1");
    const plan = planDataset(options, (perPipeline.rowCount ?? 0) > 0);
    log(
      `  plan: ${plan.pipelines.length} pipelines, ${plan.pipelines.reduce((a, p) => a + p.apps.length, 0)} apps, ${plan.pipelines.reduce((a, p) => a + p.reviewEnvironments, 0)} review environments, ${plan.deployments} deployments, ${plan.auditEvents} audit events`,
    );

    // Bulk load: no per-row triggers (FK checks, audit checkpoint), no waiting for the WAL flush.
    await client.query("set session_replication_role = replica; set synchronous_commit = off; set work_mem = '256MB'; set maintenance_work_mem = '512MB'");
    const now = Date.now();
    const ctx: PhaseContext = { client, plan, options, now, from: now - 730 * DAY };
    const users = await timed("users, pipelines, apps, environments", async () => {
      await dataPhases.skeleton(ctx);
      return (await client.query<{ id: string; email: string }>("select id, email from users where email like '%@bench.example.com' order by email")).rows;
    });
    await timed("teams (when the schema has them)", () => dataPhases.teams(ctx, log));
    await timed("releases and builds", () => dataPhases.releases(ctx));
    await timed("deployments", () => dataPhases.deployments(ctx));
    await timed("deployment steps", () => dataPhases.steps(ctx));
    await timed("gate results", () => dataPhases.gates(ctx));
    await timed("environment × app cells, reviews", () => dataPhases.cells(ctx));
    let lastReport = 0;
    await timed("audit events (hash chain)", () =>
      writeAuditChain(client, plan.auditEvents, users, ctx.from, now - 60_000, (written) => {
        if (written - lastReport >= 500_000) ((lastReport = written), log(`    … ${written} audit events`));
      }),
    );
    await client.query("set session_replication_role = origin");
    await timed("vacuum analyze", async () => {
      for (const t of ["deployments", "deployment_steps", "gate_results", "audit_events", "environment_apps", "builds", "releases", "release_builds", "environments", "apps"]) await client.query(`vacuum (analyze) ${t}`);
    });

    const pipelinesDir = path.resolve(options.outDir, "pipelines");
    fs.rmSync(pipelinesDir, { recursive: true, force: true });
    fs.mkdirSync(pipelinesDir, { recursive: true });
    for (const p of plan.pipelines) fs.writeFileSync(path.join(pipelinesDir, `${p.name}.yaml`), p.yaml);
    // measure.ts reads which pipeline is the big one (at small scales another may have more apps).
    fs.writeFileSync(path.resolve(options.outDir, "manifest.json"), JSON.stringify({ bigPipeline: plan.pipelines[0]!.name, scale: options.scale, builtAt: new Date(now).toISOString(), phases }, null, 2));
    return { plan, phases, pipelinesDir, bigPipeline: plan.pipelines[0]!.name };
  } finally {
    client.release();
    await pool.end();
  }
}

import { and, asc, eq, isNotNull, not, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, builds, environmentApps, environments, pipelines } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { NOT_RUNNING, type Drift, type RecordedBuild } from "@/lib/domain/drift";
import { ROLLING_OUT_DEPLOYMENT_STATES, UNSETTLED_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";
import { recordAudits } from "@/lib/services/audit-batch";
import type { AuditInput } from "@/lib/services/audit";
import { qualifiedName } from "@/lib/services/pipeline-scope";
import { rowsOf, textArray } from "@/db/queries/sql-arrays";

/** An environment × app pair by name, as a platform's inventory lists it. */
export interface AppKey {
  environment: string;
  app: string;
}

/**
 * Cells the drift check leaves unread because a pass would find exactly what they already carry:
 * a "not running" drift for the build still recorded there, in an environment × app the platform
 * runs nothing for (not among `lookAt`, the pairs its inventory lists as running something, in
 * maintenance or asleep). What changes — a build recorded, an app started — is read again.
 */
function settledAbsent(lookAt: readonly AppKey[]): SQL {
  // coalesce: a cell without a drift (null kind) is not settled, and `not` of it must be true, never null.
  return sql`coalesce(${environmentApps.buildId} is not null
    and ${environmentApps.drift}->>'kind' = ${NOT_RUNNING.kind} and ${environmentApps.drift}->>'message' = ${NOT_RUNNING.message}
    and ${environmentApps.drift}->'recorded'->>'buildId' = ${environmentApps.buildId}
    and not exists (select 1 from unnest(${textArray(lookAt.map((k) => k.environment))}, ${textArray(lookAt.map((k) => k.app))}) as r(environment, app)
                    where r.environment = ${environments.name} and r.app = ${apps.name}), false)`;
}

/** Settled environments' cells with a build recorded or a drift left over (what the drift check compares). */
function checkedCells(): SQL {
  return and(notInArray(environments.state, [...UNSETTLED_ENVIRONMENT_STATES]), or(isNotNull(environmentApps.buildId), isNotNull(environmentApps.drift)))!;
}

/** One cell to compare: what is recorded there, and the drift it carries now. */
export interface DriftCell {
  environmentId: string;
  environment: string;
  /** The environment's pipeline, by name: its audit events name the environment qualified. */
  pipeline: string;
  appId: string;
  app: string;
  recorded: RecordedBuild;
  current: Drift | null;
}

function asDrift(value: unknown): Drift | null {
  const drift = value as Partial<Drift> | null;
  return drift && typeof drift.kind === "string" && typeof drift.message === "string" ? (drift as Drift) : null;
}

interface CellCursor {
  environmentId: string;
  appId: string;
}

function driftCellPage(db: Db, skip: SQL | undefined, after: CellCursor | null, pageSize: number) {
  return db
    .select({
      environmentId: environmentApps.environmentId,
      environment: environments.name,
      pipeline: pipelines.name,
      appId: environmentApps.appId,
      app: apps.name,
      buildId: environmentApps.buildId,
      releaseId: environmentApps.releaseId,
      version: builds.version,
      digest: builds.digest,
      drift: environmentApps.drift,
    })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .leftJoin(builds, eq(builds.id, environmentApps.buildId))
    .where(and(checkedCells(), skip, after ? sql`(${environmentApps.environmentId}, ${environmentApps.appId}) > (${after.environmentId}, ${after.appId})` : undefined))
    .orderBy(asc(environmentApps.environmentId), asc(environmentApps.appId))
    .limit(pageSize);
}

/**
 * The cells to compare, in keyset pages of at most `pageSize` in (environment id, app id) order,
 * so memory is bounded by the page. With `skipSettledAbsent` (the pairs the platform may run, see
 * settledAbsent), cells whose finding cannot have changed are not read at all: a pass then costs
 * what runs and what changed, not every cell. Without it (the inventory failed), every cell is read.
 */
export async function* driftCellPages(db: Db, options: { skipSettledAbsent: readonly AppKey[] | null; pageSize?: number }): AsyncGenerator<DriftCell[]> {
  const pageSize = options.pageSize ?? 500;
  const skip = options.skipSettledAbsent ? not(settledAbsent(options.skipSettledAbsent)) : undefined;
  let after: CellCursor | null = null;
  for (;;) {
    const rows = await driftCellPage(db, skip, after, pageSize);
    if (rows.length === 0) return;
    yield rows.map((row) => ({
      environmentId: row.environmentId,
      environment: row.environment,
      pipeline: row.pipeline,
      appId: row.appId,
      app: row.app,
      recorded: { buildId: row.buildId, releaseId: row.releaseId, version: row.version, digest: row.digest },
      current: asDrift(row.drift),
    }));
    const last = rows[rows.length - 1]!;
    after = { environmentId: last.environmentId, appId: last.appId };
    if (rows.length < pageSize) return;
  }
}

/**
 * How many cells driftCellPages leaves unread with the same `lookAt`, outside the environments
 * `except` (those with a rollout in progress, which a pass leaves alone): each still drifts ("not
 * running"). One statement.
 */
export async function countSettledAbsent(db: Db, lookAt: readonly AppKey[], except: readonly string[] = []): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(and(checkedCells(), settledAbsent(lookAt), except.length ? notInArray(environmentApps.environmentId, [...except]) : undefined));
  return Number(row?.n ?? 0);
}

/** A cell's new finding (null: it agrees again). */
export interface DriftChange {
  cell: DriftCell;
  next: Drift | null;
}

function auditOf(change: DriftChange): AuditInput {
  const { cell, next } = change;
  return {
    action: next ? "drift.detected" : "drift.cleared",
    targetType: "environment",
    targetId: qualifiedName(cell.pipeline, cell.environment),
    data: next
      ? { app: cell.app, kind: next.kind, message: next.message, observed: next.observed, recorded: next.recorded, ...(cell.current ? { previous: { kind: cell.current.kind, message: cell.current.message } } : {}) }
      : { app: cell.app, kind: cell.current!.kind, message: cell.current!.message, recorded: cell.recorded },
  };
}

/**
 * Writes a batch of cells' new drift (or clears it) in ONE transaction with one audit event per
 * cell written (`drift.detected` / `drift.cleared`, chained in the batch's order): one UPDATE for
 * the batch, then the events (see recordAudits). A cell is written only while it still records
 * the build that was compared and no rollout runs in its environment; otherwise that observation
 * is stale and dropped (no event either). Returns the changes written, in the batch's order.
 * Throws what the database throws; then nothing of the batch is written.
 */
export async function recordDriftChanges(db: Db, clock: Clock, changes: readonly DriftChange[]): Promise<DriftChange[]> {
  if (changes.length === 0) return [];
  return db.transaction(async (tx) => {
    const now = clock.now();
    const column = (pick: (c: DriftChange) => string | null) => textArray(changes.map(pick));
    const updated = rowsOf<{ environment_id: string; app_id: string }>(
      await tx.execute(sql`
        update ${environmentApps} as ea
        set drift = v.drift::jsonb, drift_observed_at = case when v.drift is null then null else ${now.toISOString()}::timestamptz end
        from unnest(${column((c) => c.cell.environmentId)}, ${column((c) => c.cell.appId)}, ${column((c) => c.cell.recorded.buildId)}, ${column((c) => (c.next ? JSON.stringify(c.next) : null))})
          as v(environment_id, app_id, build_id, drift)
        where ea.environment_id = v.environment_id and ea.app_id = v.app_id and ea.build_id is not distinct from v.build_id
          and not exists (select 1 from deployments d where d.environment_id = ea.environment_id and d.state in (${sql.raw(sqlList(ROLLING_OUT_DEPLOYMENT_STATES))}))
        returning ea.environment_id, ea.app_id`),
    );
    const written = new Set(updated.map((r) => `${r.environment_id}\u0000${r.app_id}`));
    const applied = changes.filter((c) => written.has(`${c.cell.environmentId}\u0000${c.cell.appId}`));
    await recordAudits(tx, automationActor(), clock, applied.map(auditOf));
    return applied;
  });
}

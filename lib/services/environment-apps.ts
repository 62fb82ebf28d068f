import { and, asc, eq, ilike, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, builds, configVariables, environmentApps, environments, releases } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { GONE_ENVIRONMENT_STATES, HEALTH_STATUSES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";
import { cellColumns, deployedBy } from "@/db/queries/cells";
import { toCellView, type CellRow, type EnvironmentAppView } from "./environments";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, ValidationError } from "./errors";
import { resolveEnvironment } from "./pipeline-scope";
import { pageInput, type Page } from "./pagination";
import { parseInput } from "./validation";

/** What the apps of one environment can be filtered by: a health status, or "not-deployed". */
export const APP_STATUS_FILTERS = [...HEALTH_STATUSES, "not-deployed"] as const;
export type AppStatusFilter = (typeof APP_STATUS_FILTERS)[number];

export const environmentAppsInput = pageInput.extend({
  q: z.string().trim().max(100, { error: "at most 100 characters" }).optional().meta({ description: "Only apps whose name contains this text (case-insensitive)" }),
  status: z
    .enum(APP_STATUS_FILTERS, { error: `expected one of ${APP_STATUS_FILTERS.join(", ")}` })
    .optional()
    .meta({ description: "Only apps with this health status, or not deployed here" }),
});
export type EnvironmentAppsQuery = z.input<typeof environmentAppsInput>;

/** One row of an environment's app list: the app (in slipway.yaml order) and what it runs there, if anything. */
export interface EnvironmentAppRow {
  app: string;
  appId: string;
  /** Null when nothing of this app is deployed in the environment. */
  cell: EnvironmentAppView | null;
}

type Position = [number, string];

function decode(cursor: string): Position {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isInteger(value[0]) && typeof value[1] === "string") return value as Position;
  } catch {
    // fall through
  }
  throw new ValidationError("Invalid cursor: use the nextCursor of a previous page.", { cursor: "expected a nextCursor from a previous page" });
}

const encode = (position: Position) => Buffer.from(JSON.stringify(position)).toString("base64url");

/** `%text%` for ILIKE with the user's `%`, `_` and `\` taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page of the current apps of an environment's pipeline with what each runs there, in
 * slipway.yaml order, keyset-paged by (position, id) (`cursor`, `limit` ≤ 200, default 50),
 * filtered in SQL by `q` (name contains, case-insensitive) and `status` (health status or
 * "not-deployed"). One statement; memory is bounded by the page, not by the number of apps.
 * @throws ValidationError for a bad cursor, limit, q or status
 */
export async function environmentAppsPage(db: Db, clock: Clock, environment: { id: string; pipelineId: string }, input: unknown): Promise<Page<EnvironmentAppRow>> {
  const q = parseInput(environmentAppsInput, input);
  const after = q.cursor ? decode(q.cursor) : null;
  const status = q.status === "not-deployed" ? isNull(environmentApps.appId) : q.status ? and(sql`${environmentApps.appId} is not null`, eq(environmentApps.healthStatus, q.status)) : undefined;
  const rows = await db
    .select({ ...cellColumns, position: apps.position, currentAppId: apps.id, currentApp: apps.name })
    .from(apps)
    .leftJoin(environmentApps, and(eq(environmentApps.appId, apps.id), eq(environmentApps.environmentId, environment.id)))
    .leftJoin(builds, eq(builds.id, environmentApps.buildId))
    .leftJoin(releases, eq(releases.id, environmentApps.releaseId))
    .leftJoin(deployedBy, eq(deployedBy.id, environmentApps.deployedBy))
    .where(and(eq(apps.pipelineId, environment.pipelineId), isNull(apps.retiredAt), q.q ? ilike(apps.name, containing(q.q)) : undefined, status, after ? sql`(${apps.position}, ${apps.id}) > (${after[0]}, ${after[1]})` : undefined))
    .orderBy(asc(apps.position), asc(apps.id))
    .limit(q.limit + 1);
  const now = clock.now();
  const pageRows = rows.slice(0, q.limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map((row) => ({ app: row.currentApp, appId: row.currentAppId, cell: row.environmentId ? toCellView(row as CellRow, now) : null })),
    nextCursor: rows.length > q.limit && last ? encode([last.position, last.currentAppId]) : null,
  };
}

/** What an environment runs as a whole, read in one statement whatever its number of apps. */
export interface EnvironmentRunning {
  /**
   * The release its apps share (environmentRelease() in lib/domain/environment-summary.ts: null
   * when nothing is deployed or the apps run different releases).
   */
  release: { id: string; commit: string; createdAt: Date } | null;
  /** The newest deployment time of any of its apps; null when nothing is deployed. */
  lastDeployedAt: Date | null;
  /** Current apps of its pipeline (the size of its app list before filters). */
  appCount: number;
  /** The highest chain position among the pipeline's live fixed environments; null when there is none. */
  lastFixedPosition: number | null;
  /** When a config variable of the environment last changed; null when it has none. */
  configChangedAt: Date | null;
  /** Current apps that declare a seed job and have a build deployed here, in slipway.yaml order. */
  seedApps: string[];
}

/**
 * The release an environment runs, when its apps were last deployed, how many apps its pipeline
 * has, where its chain ends, when its config last changed and which apps it can seed, in one
 * statement (aggregates, never a row per app).
 */
export async function environmentRunning(db: Db, environment: { id: string; pipelineId: string }): Promise<EnvironmentRunning> {
  const summary = db.$with("summary").as(
    db
      .select({
        releaseCount: sql<number>`count(distinct ${environmentApps.releaseId})::int`.as("release_count"),
        releaseId: sql<string | null>`min(${environmentApps.releaseId})`.as("release_id"),
        lastDeployedAt: sql<string | null>`max(${environmentApps.deployedAt})`.as("last_deployed_at"),
      })
      .from(environmentApps)
      .where(eq(environmentApps.environmentId, environment.id)),
  );
  const [row] = await db
    .with(summary)
    .select({
      releaseCount: summary.releaseCount,
      lastDeployedAt: summary.lastDeployedAt,
      releaseId: releases.id,
      commit: releases.commit,
      createdAt: releases.createdAt,
      appCount: sql<number>`(select count(*) from ${apps} where ${apps.pipelineId} = ${environment.pipelineId} and ${apps.retiredAt} is null)::int`,
      lastFixedPosition: sql<
        number | null
      >`(select max(${environments.position}) from ${environments} where ${environments.pipelineId} = ${environment.pipelineId} and ${environments.kind} = 'fixed' and ${environments.state} not in (${sql.raw(sqlList(GONE_ENVIRONMENT_STATES))}))`,
      configChangedAt: sql<string | null>`(select max(${configVariables.updatedAt}) from ${configVariables} where ${configVariables.environmentId} = ${environment.id})`,
      seedApps: sql<
        string[] | null
      >`(select json_agg(${apps.name} order by ${apps.position}) from ${apps} inner join ${environmentApps} on ${environmentApps.appId} = ${apps.id} and ${environmentApps.environmentId} = ${environment.id} where ${apps.pipelineId} = ${environment.pipelineId} and ${apps.retiredAt} is null and ${environmentApps.buildId} is not null and ${apps.settings} -> 'seed' not in ('null'::jsonb, 'false'::jsonb, '""'::jsonb, '0'::jsonb))`,
    })
    .from(summary)
    .leftJoin(releases, and(eq(releases.id, summary.releaseId), sql`${summary.releaseCount} = 1`));
  return {
    release: row?.releaseId && row.commit && row.createdAt ? { id: row.releaseId, commit: row.commit, createdAt: new Date(row.createdAt) } : null,
    lastDeployedAt: row?.lastDeployedAt ? new Date(row.lastDeployedAt) : null,
    appCount: Number(row?.appCount ?? 0),
    lastFixedPosition: row?.lastFixedPosition === null || row?.lastFixedPosition === undefined ? null : Number(row.lastFixedPosition),
    configChangedAt: row?.configChangedAt ? new Date(row.configChangedAt) : null,
    seedApps: row?.seedApps ?? [],
  };
}

/**
 * One page of the apps of a live environment ("shop/dev", or a bare "dev" in one pipeline only),
 * for GET /api/v1/environments/{name}/apps: see environmentAppsPage for paging and filters.
 * @throws NotFoundError when no live environment has the name; AmbiguousError (409) for a bare name several pipelines use; ValidationError for bad paging or filters
 */
export async function listEnvironmentApps(ctx: ServiceContext, ref: string, input: unknown): Promise<Page<EnvironmentAppRow>> {
  authorize(ctx, "pipeline.view");
  const query = parseInput(environmentAppsInput, input);
  const environment = await resolveEnvironment(ctx.db, ref).catch((error: unknown) => {
    if (error instanceof ValidationError) throw new NotFoundError(`No environment named "${ref}".`);
    throw error;
  });
  return environmentAppsPage(ctx.db, ctx.clock, environment, query);
}

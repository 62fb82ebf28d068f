import { and, asc, count, eq, gte, ilike, inArray, isNotNull, isNull, lt, max, notInArray, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { alias, type PgSelect, type SelectedFields } from "drizzle-orm/pg-core";
import { fromJsonArray, jsonArray, jsonObject, type JsonRow, type NestedRead } from "@/db/queries/json-rows";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, builds, configVariables, environmentApps, environments, releases } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { HEALTH_STALE_AFTER_MS, healthFreshSince } from "@/lib/domain/health";
import { GONE_ENVIRONMENT_STATES, HEALTH_STATUSES } from "@/lib/domain/vocabulary";
import { cellColumns, deployedBy } from "@/db/queries/cells";
import { toCellView, type CellRow, type EnvironmentAppView } from "./environments";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, ValidationError } from "./errors";
import { resolveEnvironment } from "./pipeline-scope";
import { cloneModeOf, inheritedAddressesOf, type InheritedAddress } from "./review-clone";
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
    .meta({ description: `Only apps with this health status (healthy: confirmed within the last ${HEALTH_STALE_AFTER_MS / 60_000} minutes; an older healthy reading is unknown), or not deployed here` }),
});
export type EnvironmentAppsQuery = z.input<typeof environmentAppsInput>;

/**
 * The environment page's apps query: the API's, or a page number instead of a cursor (the page's
 * pager counts pages and goes back, as the board's does). Anything not a positive number: page 1.
 */
export const environmentAppsPageInput = environmentAppsInput.extend({
  // Past the last page shows the last (the service clamps); a page number too large to be one is the last too.
  page: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .catch(undefined)
    .transform((page) => (page === undefined ? page : Math.min(page, 1_000_000)))
    .meta({ description: "1-based page of `limit` apps (instead of a cursor)" }),
});
export type EnvironmentAppsPageQuery = z.input<typeof environmentAppsPageInput>;

/** One row of an environment's app list: the app (in slipway.yaml order) and what it runs there, if anything. */
export interface EnvironmentAppRow {
  app: string;
  appId: string;
  /** Null when nothing of this app is deployed in the environment. */
  cell: EnvironmentAppView | null;
  /** A partial review environment's app that its source serves for it (listEnvironmentApps); absent or null otherwise. */
  inherited?: InheritedAddress | null;
}

type Position = [number, string];

function decode(cursor: string): Position {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    // apps.position is an integer column: anything outside its range is no cursor of ours (a 400, not a database error).
    if (Array.isArray(value) && value.length === 2 && Number.isInteger(value[0]) && Math.abs(value[0] as number) <= 2 ** 31 - 1 && typeof value[1] === "string") return value as Position;
  } catch {
    // fall through
  }
  throw new ValidationError("Invalid cursor: use the nextCursor of a previous page.", { cursor: "expected a nextCursor from a previous page" });
}

const encode = (position: Position) => Buffer.from(JSON.stringify(position)).toString("base64url");

/** `%text%` for ILIKE with the user's `%`, `_` and `\` taken literally. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One row of the app list: the app (current, in slipway.yaml order) and its cell there (all null when nothing is deployed). */
const appRowFields = { ...cellColumns, position: apps.position, currentAppId: apps.id, currentApp: apps.name };
type AppRowFields = JsonRow<typeof appRowFields>;

/** A parsed page query (environmentAppsInput, or with a page number) as appsPageQuery takes it. */
type AppsQuery = z.output<typeof environmentAppsInput> & { page?: number | undefined };

type EnvironmentIds = { id: string | SQLWrapper; pipelineId: string | SQLWrapper };

/** Where the environment's cell of an app joins (null columns where nothing is deployed). */
const cellOf = (environment: EnvironmentIds) => and(eq(environmentApps.appId, apps.id), eq(environmentApps.environmentId, environment.id));

/**
 * A cell's health as the status filter reads it at `now`, by the portfolio's rule (healthFreshSince
 * in lib/domain/health.ts): `healthy` only while fresh; a stale healthy reading is `unknown` (not
 * known to be healthy any more, nor to be failing); `degraded` and `unhealthy` however old, as
 * the board's and the portfolio's failing health count them. So every deployed app matches one
 * health status, and a page's healthy apps are those the portfolio counts as healthy.
 */
function healthIs(status: Exclude<AppStatusFilter, "not-deployed">, now: Date): SQL | undefined {
  const fresh = healthFreshSince(now);
  const healthy = eq(environmentApps.healthStatus, "healthy");
  if (status === "healthy") return and(healthy, gte(environmentApps.healthObservedAt, fresh));
  if (status === "unknown") return or(eq(environmentApps.healthStatus, "unknown"), and(healthy, or(isNull(environmentApps.healthObservedAt), lt(environmentApps.healthObservedAt, fresh))));
  return eq(environmentApps.healthStatus, status);
}

/** The filter on the pipeline's current apps (joined to their cells by cellOf): `q` by name, `status` by the cell's health at `now`. */
function matchingApps(environment: EnvironmentIds, q: AppsQuery, now: Date) {
  const status = q.status === "not-deployed" ? isNull(environmentApps.appId) : q.status ? and(sql`${environmentApps.appId} is not null`, healthIs(q.status, now)) : undefined;
  return and(eq(apps.pipelineId, environment.pipelineId), isNull(apps.retiredAt), q.q ? ilike(apps.name, containing(q.q)) : undefined, status);
}

/** The apps skipped before the page: its offset when paged by number (a cursor pages by keyset). */
const offsetOf = (q: AppsQuery) => (q.cursor || !q.page ? 0 : (q.page - 1) * q.limit);

/** The page's rows (one more than `limit`, to tell whether a next page exists), selecting `fields`; the environment's ids may be columns of an outer statement. */
function appsPageQuery(db: Db, environment: EnvironmentIds, q: AppsQuery, now: Date, fields: SelectedFields): PgSelect {
  const after = q.cursor ? decode(q.cursor) : null;
  // A status filter reads the cells (joined below); without one, the apps alone.
  const ofApps = and(matchingApps(environment, q, now), after ? sql`(${apps.position}, ${apps.id}) > (${after[0]}, ${after[1]})` : undefined);
  const offset = offsetOf(q);
  // Without a status filter the page is a page of apps: chosen first (apps_pipeline_position_idx,
  // stopping after a page), then joined to their cells. Planned as one join, PostgreSQL joined all
  // of a large pipeline's cells and sorted them (8.5 of 12 ms at 600 apps): it plans for the
  // average pipeline's 40 apps.
  const pageOfApps = q.status
    ? undefined
    : inArray(
        apps.id,
        db
          .select({ id: apps.id })
          .from(apps)
          .where(ofApps)
          .orderBy(asc(apps.position), asc(apps.id))
          .limit(q.limit + 1)
          .offset(offset),
      );
  return db
    .select(fields)
    .from(apps)
    .$dynamic()
    .leftJoin(environmentApps, cellOf(environment))
    .leftJoin(builds, eq(builds.id, environmentApps.buildId))
    .leftJoin(releases, eq(releases.id, environmentApps.releaseId))
    .leftJoin(deployedBy, eq(deployedBy.id, environmentApps.deployedBy))
    .where(and(ofApps, pageOfApps))
    .orderBy(asc(apps.position), asc(apps.id))
    .limit(q.limit + 1)
    .offset(pageOfApps ? 0 : offset);
}

/** How many apps match the filters, up to and including `upTo` when given: one aggregate. */
function matchingCount(db: Db, environment: EnvironmentIds, q: AppsQuery, now: Date, upTo?: Position) {
  return db
    .select({ n: count() })
    .from(apps)
    .leftJoin(environmentApps, cellOf(environment))
    .where(and(matchingApps(environment, q, now), upTo ? sql`(${apps.position}, ${apps.id}) <= (${upTo[0]}, ${upTo[1]})` : undefined));
}

/** The rows of appsPageQuery as one page. */
function toAppsPage(rows: AppRowFields[], q: AppsQuery, now: Date): Page<EnvironmentAppRow> {
  const pageRows = rows.slice(0, q.limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map((row) => ({ app: row.currentApp, appId: row.currentAppId, cell: row.environmentId ? toCellView(row as CellRow, now) : null })),
    nextCursor: rows.length > q.limit && last ? encode([last.position, last.currentAppId]) : null,
  };
}

/**
 * One page of the current apps of an environment's pipeline with what each runs there, in
 * slipway.yaml order, keyset-paged by (position, id) (`cursor`, `limit` ≤ 200, default 50) or by
 * page number (`page`, the environment page's pager), filtered in SQL by `q` (name contains,
 * case-insensitive) and `status` (health status or "not-deployed"). One statement; memory is
 * bounded by the page, not by the number of apps.
 * @throws ValidationError for a bad cursor, limit, q or status, or a cursor with a page
 */
export async function environmentAppsPage(db: Db, clock: Clock, environment: { id: string; pipelineId: string }, input: unknown): Promise<Page<EnvironmentAppRow>> {
  const q = parseAppsQuery(input);
  // Left joins: a row's cell columns are null where nothing is deployed, as JsonRow reads them too.
  const now = clock.now();
  const rows = (await appsPageQuery(db, environment, q, now, appRowFields)) as AppRowFields[];
  return toAppsPage(rows, q, now);
}

/** A page of apps and where it stands among those the filters match (what a pager says). */
export interface EnvironmentAppsPage extends Page<EnvironmentAppRow> {
  /** How many matching apps come before the page's first. */
  before: number;
  /** How many apps the filters match; null without filters (every current app, EnvironmentRunning.appCount). */
  matching: number | null;
}

function parseAppsQuery(input: unknown): AppsQuery {
  const q = parseInput(environmentAppsPageInput, input);
  if (q.cursor && q.page) throw new ValidationError("Send a cursor or a page, not both.", { page: "not with a cursor" });
  return q;
}

/**
 * environmentAppsPage() nested in another statement as one JSON column (the environment page
 * reads it with the environment); the environment's ids are usually the outer statement's columns.
 * With filters, it counts the apps they match; after a cursor, those before it (aggregates, not rows).
 * @throws ValidationError for a bad cursor, limit, q or status, or a cursor with a page (at once, before any statement)
 */
export function environmentAppsPageNested(db: Db, clock: Clock, environment: { id: SQLWrapper; pipelineId: SQLWrapper }, input: unknown): NestedRead<EnvironmentAppsPage> {
  const q = parseAppsQuery(input);
  const after = q.cursor ? decode(q.cursor) : null;
  const filtered = Boolean(q.q || q.status);
  const now = clock.now();
  return {
    // Built when a statement is built from it: a page read from the shared cache only decodes.
    get sql() {
      return jsonObject({
        rows: jsonArray(appsPageQuery(db, environment, q, now, { row: jsonObject(appRowFields) })),
        matching: filtered ? sql`${matchingCount(db, environment, q, now)}` : sql`null`,
        before: after ? sql`${matchingCount(db, environment, q, now, after)}` : sql`null`,
      });
    },
    read: (value) => {
      const object = (typeof value === "string" ? JSON.parse(value) : value) as { rows: unknown; matching: number | null; before: number | null };
      const page = toAppsPage(fromJsonArray(appRowFields, object.rows), q, now);
      return { ...page, before: object.before === null ? offsetOf(q) : Number(object.before), matching: object.matching === null ? null : Number(object.matching) };
    },
  };
}

/** What an environment runs as a whole, read within one statement whatever its number of apps (environmentRunningNested). */
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

/** The pipeline's environments, apart from the one whose page it is (the outer statement's). */
const chain = alias(environments, "chain_environment");

/**
 * The release an environment runs, when its apps were last deployed, how many apps its pipeline
 * has, where its chain ends, when its config last changed and which apps it can seed: one JSON
 * column (aggregates, never a row per app) to nest in the statement that reads the environment.
 * `environment` gives its id and pipeline id, usually as the outer statement's columns.
 */
export function environmentRunningNested(db: Db, environment: { id: SQLWrapper; pipelineId: SQLWrapper }): NestedRead<EnvironmentRunning> {
  const { id, pipelineId } = environment;
  // The release every app shares: none when nothing is deployed or the apps disagree.
  const shared = db
    .select({ id: sql`min(${environmentApps.releaseId})` })
    .from(environmentApps)
    .where(eq(environmentApps.environmentId, id))
    .having(sql`count(distinct ${environmentApps.releaseId}) = 1`);
  const seedable = sql`${apps.settings} -> 'seed' not in ('null'::jsonb, 'false'::jsonb, '""'::jsonb, '0'::jsonb)`;
  const fields = {
    release: sql`${db
      .select({ row: jsonObject({ id: releases.id, commit: releases.commit, createdAt: releases.createdAt }) })
      .from(releases)
      .where(eq(releases.id, shared))}`,
    lastDeployedAt: sql`${db
      .select({ at: max(environmentApps.deployedAt) })
      .from(environmentApps)
      .where(eq(environmentApps.environmentId, id))}`,
    appCount: sql`${db
      .select({ n: count() })
      .from(apps)
      .where(and(eq(apps.pipelineId, pipelineId), isNull(apps.retiredAt)))}`,
    lastFixedPosition: sql`${db
      .select({ position: max(chain.position) })
      .from(chain)
      .where(and(eq(chain.pipelineId, pipelineId), eq(chain.kind, "fixed"), notInArray(chain.state, [...GONE_ENVIRONMENT_STATES])))}`,
    configChangedAt: sql`${db
      .select({ at: max(configVariables.updatedAt) })
      .from(configVariables)
      .where(eq(configVariables.environmentId, id))}`,
    seedApps: sql`${db
      .select({ names: sql`json_agg(${apps.name} order by ${apps.position})` })
      .from(apps)
      .innerJoin(environmentApps, and(eq(environmentApps.appId, apps.id), eq(environmentApps.environmentId, id)))
      .where(and(eq(apps.pipelineId, pipelineId), isNull(apps.retiredAt), isNotNull(environmentApps.buildId), seedable))}`,
  };
  return {
    sql: jsonObject(fields),
    read: (value) => {
      const row = (typeof value === "string" ? JSON.parse(value) : value) as {
        release: { id: string; commit: string; createdAt: string } | null;
        lastDeployedAt: string | null;
        appCount: number | null;
        lastFixedPosition: number | null;
        configChangedAt: string | null;
        seedApps: string[] | null;
      };
      return {
        release: row.release ? { id: row.release.id, commit: row.release.commit, createdAt: new Date(row.release.createdAt) } : null,
        lastDeployedAt: row.lastDeployedAt ? new Date(row.lastDeployedAt) : null,
        appCount: Number(row.appCount ?? 0),
        lastFixedPosition: row.lastFixedPosition ?? null,
        configChangedAt: row.configChangedAt ? new Date(row.configChangedAt) : null,
        seedApps: row.seedApps ?? [],
      };
    },
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
  const page = await environmentAppsPage(ctx.db, ctx.clock, environment, query);
  // A partial review environment: the page's apps its source serves for it (a statement only for those).
  if (cloneModeOf(environment) !== "changed") return page;
  const inherited = (
    await inheritedAddressesOf(
      ctx.db,
      [environment.id],
      page.items.map((row) => row.appId),
    )
  ).get(environment.id);
  const servedBy = new Map((inherited ?? []).map((a) => [a.app, a]));
  return { ...page, items: page.items.map((row) => ({ ...row, inherited: servedBy.get(row.app) ?? null })) };
}

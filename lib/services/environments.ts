import { and, asc, desc, eq, inArray, type SQL, type SQLWrapper } from "drizzle-orm";
import type { PgSelect, SelectedFields } from "drizzle-orm/pg-core";
import { fromJsonArray, jsonArray, jsonObject, type JsonRow, type NestedRead } from "@/db/queries/json-rows";
import type { Db } from "@/db/client";
import { cellColumns, listCells, type CellRow as QueriedCell } from "@/db/queries/cells";
import { deploymentSteps, deployments, environments, releases, reviewVerdicts, users } from "@/db/schema";
import { ACTIVE_DEPLOYMENT_STATES, GATE_KINDS, type DeploymentKind, type DeploymentState, type EnvironmentKind, type EnvironmentState, type GateKind, type HealthStatus, type ReviewVerdict } from "@/db/schema/enums";
import type { Clock } from "@/lib/domain/clock";
import { isHealthStale } from "@/lib/domain/health";
import { deploymentActivity } from "@/lib/domain/deployment-activity";
import { NotFoundError, ValidationError } from "./errors";
import { parseRef, resolveEnvironment, resolvePipeline } from "./pipeline-scope";

import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";

export interface PersonRef {
  id: string;
  name: string;
  email: string;
}

/** One cell of the board: what one app runs in one environment. */
export interface EnvironmentAppView {
  appId: string;
  app: string;
  releaseId: string | null;
  releaseCreatedAt: Date | null;
  releaseBranch: string | null;
  releaseCommit: string | null;
  buildId: string | null;
  version: string | null;
  commit: string | null;
  digest: string | null;
  deploymentId: string | null;
  deployedAt: Date | null;
  deployedBy: PersonRef | null;
  previousReleaseId: string | null;
  url: string | null;
  health: { status: HealthStatus; observedAt: Date | null; stale: boolean };
  /** What the platform runs differs from what Slipway recorded (see lib/controller/drift.ts). */
  drift: { kind: string; message: string; observedAt: Date | null } | null;
}

export interface ActiveDeploymentView {
  id: string;
  kind: DeploymentKind;
  state: DeploymentState;
  releaseId: string;
  createdAt: Date;
  /** The first unmet gate's reason, while it waits. */
  blocker: string | null;
  /** What it is doing while it rolls out ("shifting traffic 50 %"), else null. */
  activity: string | null;
}

export interface EnvironmentView {
  id: string;
  /** The pipeline it belongs to (environment names are unique only within a pipeline). */
  pipelineId: string;
  name: string;
  kind: EnvironmentKind;
  state: EnvironmentState;
  position: number | null;
  platform: string;
  settings: Record<string, unknown>;
  branch: string | null;
  source: string | null;
  owner: PersonRef | null;
  expiresAt: Date | null;
  verdict: ReviewVerdict | null;
  hold: { at: Date; by: string | null; reason: string | null } | null;
  createdAt: Date;
  /** When a review environment was torn down (its record stays); null while it lives. */
  tornDownAt: Date | null;
  /** Keyed by app name; an app with nothing deployed has no entry. */
  apps: Record<string, EnvironmentAppView>;
  active: ActiveDeploymentView[];
}

const LIVE_STATES_EXCLUDED = GONE_ENVIRONMENT_STATES;

/** What an environment view loads with its row: source, owner, and deployments in progress with their gates and steps. */
export const environmentWith = {
  source: { columns: { name: true } },
  owner: { columns: { id: true, name: true, email: true } },
  deployments: {
    where: inArray(deployments.state, [...ACTIVE_DEPLOYMENT_STATES]),
    orderBy: asc(deployments.createdAt),
    columns: { id: true, kind: true, state: true, releaseId: true, createdAt: true },
    with: {
      gates: { columns: { gate: true, status: true, reason: true } },
      steps: { columns: { state: true, detail: true }, orderBy: asc(deploymentSteps.position) },
    },
  },
} as const;

export type EnvironmentRow = NonNullable<Awaited<ReturnType<typeof findEnvironmentRow>>>;

function findEnvironmentRow(db: Db, where: SQL) {
  return db.query.environments.findFirst({ where, with: environmentWith });
}

/** The views of the environments with these ids, in the order of `ids` (one statement for the rows, one for the cells). */
export async function environmentViews(db: Db, clock: Clock, ids: string[]): Promise<EnvironmentView[]> {
  if (!ids.length) return [];
  const rows = await db.query.environments.findMany({ where: inArray(environments.id, ids), with: environmentWith });
  const cells = groupBy(await loadCells(db, ids), (c) => c.environmentId);
  const byId = new Map(rows.map((row) => [row.id, toEnvironmentView(row as EnvironmentRow, cells.get(row.id) ?? [], clock.now())]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * The cells of the given environments as flat rows in one statement (db/queries/cells.ts, the one
 * "what runs where" read). With `reviewCells: "differing"`, a review environment's cells come only
 * where its build differs from its source's: what the board shows, and all a hundred-app pipeline
 * can show per review environment (a board's page of rows: listBoardCells).
 */
export async function loadCells(db: Db, environmentIds: string[], reviewCells: "all" | "differing" = "all") {
  return listCells(db, { environmentIds, reviewCells });
}

/** What a cell view is made of: the shared cell columns (db/queries/cells.ts cellColumns). */
export type CellRow = Pick<QueriedCell, keyof typeof cellColumns>;

/** One cell row as the view shows it (health staleness judged at `now`). */
export function toCellView(cell: CellRow, now: Date): EnvironmentAppView {
  const health = { status: cell.healthStatus, observedAt: cell.healthObservedAt };
  return {
    appId: cell.appId,
    app: cell.app,
    releaseId: cell.releaseId,
    releaseCreatedAt: cell.releaseCreatedAt,
    releaseBranch: cell.releaseBranch,
    releaseCommit: cell.releaseCommit,
    buildId: cell.buildId,
    version: cell.version,
    commit: cell.commit,
    digest: cell.digest,
    deploymentId: cell.deploymentId,
    deployedAt: cell.deployedAt,
    deployedBy: cell.deployedById ? { id: cell.deployedById, name: cell.deployedByName!, email: cell.deployedByEmail! } : null,
    previousReleaseId: cell.previousReleaseId,
    url: cell.url,
    health: { ...health, stale: isHealthStale(health, now) },
    drift: driftOfCell(cell),
  };
}

/** A drift observed about an earlier build is stale once a rollout recorded a new one. */
function driftOfCell(cell: CellRow): EnvironmentAppView["drift"] {
  const drift = cell.drift as { kind?: string; message?: string; recorded?: { buildId?: string } } | null;
  if (!drift?.kind || !drift.message || drift.recorded?.buildId !== cell.buildId) return null;
  return { kind: drift.kind, message: drift.message, observedAt: cell.driftObservedAt };
}

/** An environment row (loaded `with: environmentWith`) and its cells as the view shows them. */
export function toEnvironmentView(row: EnvironmentRow, cells: CellRow[], now: Date): EnvironmentView {
  const byApp: Record<string, EnvironmentAppView> = {};
  for (const cell of cells) byApp[cell.app] = toCellView(cell, now);
  return {
    id: row.id,
    pipelineId: row.pipelineId,
    name: row.name,
    kind: row.kind,
    state: row.state,
    position: row.position,
    platform: row.platform,
    settings: row.settings as Record<string, unknown>,
    branch: row.branch,
    source: row.source?.name ?? null,
    owner: row.owner ?? null,
    expiresAt: row.expiresAt,
    verdict: row.verdict,
    hold: row.heldAt ? { at: row.heldAt, by: row.heldBy, reason: row.holdReason } : null,
    createdAt: row.createdAt,
    tornDownAt: row.tornDownAt,
    apps: byApp,
    active: row.deployments.map(({ gates, steps, ...d }) => ({
      ...d,
      activity: deploymentActivity(d.state, steps),
      blocker: d.state === "waiting" ? (sortGates(gates).find((g) => g.status !== "pass" && g.status !== "waived")?.reason ?? null) : null,
    })),
  };
}

function sortGates<T extends { gate: GateKind }>(gates: T[]): T[] {
  return [...gates].sort((a, b) => GATE_KINDS.indexOf(a.gate) - GATE_KINDS.indexOf(b.gate));
}

/** Rows grouped by `key`, each group in the rows' order. */
export function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/**
 * A live environment by reference ("shop/dev", or a bare "dev" in one pipeline only; `pipeline`
 * scopes a bare name, e.g. a route's).
 * @throws NotFoundError when no live environment has the name; AmbiguousError (409) when several pipelines do
 */
export async function getEnvironment(db: Db, clock: Clock, ref: string, pipeline?: string | null): Promise<EnvironmentView> {
  const found = await resolveEnvironment(db, ref, { pipeline }).catch((error: unknown) => {
    if (error instanceof ValidationError) throw new NotFoundError(`No environment named "${ref}"${pipeline ? ` in the pipeline ${pipeline}` : ""}.`);
    throw error;
  });
  const row = (await findEnvironmentRow(db, eq(environments.id, found.id)))!;
  return toEnvironmentView(row, await loadCells(db, [row.id]), clock.now());
}

/**
 * An environment's record by name, for its page: the live environment, else the newest torn-down
 * or retired one of that name (a name is reused only once its holder is gone). Its record, verdicts
 * and deployments stay readable; with `pipelineId`, only that pipeline's. Throws NotFoundError when
 * no environment ever had the name.
 */
export async function getEnvironmentRecord(db: Db, clock: Clock, ref: string, pipeline?: string | null, options: { cells?: boolean } = {}): Promise<EnvironmentView> {
  const live = await resolveEnvironment(db, ref, { pipeline }).catch((error: unknown) => {
    if (error instanceof ValidationError) return null;
    throw error;
  });
  const scope = parseRef(ref);
  const pipelineName = scope.pipeline ?? pipeline ?? null;
  const gone = async () => {
    const owner = pipelineName ? await resolvePipeline(db, pipelineName).catch(() => null) : null;
    if (pipelineName && !owner) return undefined;
    return db.query.environments.findFirst({
      where: and(eq(environments.name, scope.name), owner ? eq(environments.pipelineId, owner.id) : undefined),
      orderBy: [desc(environments.createdAt), desc(environments.id)],
      with: environmentWith,
    });
  };
  const row = live ? await findEnvironmentRow(db, eq(environments.id, live.id)) : await gone();
  if (!row) throw new NotFoundError(`No environment named "${ref}".`);
  // `cells: false` leaves `apps` empty for callers that page the cells themselves (environment-apps.ts).
  return toEnvironmentView(row, options.cells === false ? [] : await loadCells(db, [row.id]), clock.now());
}

/** Whether an environment is gone (torn down or retired): only its record remains. */
export const isGone = (environment: Pick<EnvironmentView, "state">) => (LIVE_STATES_EXCLUDED as readonly string[]).includes(environment.state);

export interface DeploymentSummary {
  id: string;
  kind: DeploymentKind;
  state: DeploymentState;
  strategy: string | null;
  releaseId: string;
  releaseCommit: string;
  requestedBy: PersonRef;
  reason: string | null;
  /** Why it failed, when it did (the page shows it before the requester's reason, as the history does). */
  failureReason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** One deployment as the environment page's history lists it. */
const deploymentSummaryFields = {
  id: deployments.id,
  kind: deployments.kind,
  state: deployments.state,
  strategy: deployments.strategy,
  releaseId: deployments.releaseId,
  releaseCommit: releases.commit,
  requestedById: users.id,
  requestedByName: users.name,
  requestedByEmail: users.email,
  reason: deployments.reason,
  failureReason: deployments.failureReason,
  createdAt: deployments.createdAt,
  finishedAt: deployments.finishedAt,
};

/** The latest `limit` deployments into an environment (newest first), selecting `fields`; `environmentId` may be a column of an outer statement. */
function latestDeployments(db: Db, fields: SelectedFields, environmentId: string | SQLWrapper, limit: number): PgSelect {
  return db
    .select(fields)
    .from(deployments)
    .$dynamic()
    .innerJoin(releases, eq(releases.id, deployments.releaseId))
    .innerJoin(users, eq(users.id, deployments.requestedBy))
    .where(eq(deployments.environmentId, environmentId))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(limit);
}

function toDeploymentSummary(row: JsonRow<typeof deploymentSummaryFields>): DeploymentSummary {
  const { requestedById, requestedByName, requestedByEmail, ...deployment } = row;
  return { ...deployment, requestedBy: { id: requestedById, name: requestedByName, email: requestedByEmail } };
}

/** The latest deployments into one environment, newest first: one statement. */
export async function recentDeployments(db: Db, environmentId: string, limit = 20): Promise<DeploymentSummary[]> {
  // Inner joins only: each row has every field of deploymentSummaryFields, as JsonRow types it.
  const rows = (await latestDeployments(db, deploymentSummaryFields, environmentId, limit)) as JsonRow<typeof deploymentSummaryFields>[];
  return rows.map(toDeploymentSummary);
}

/**
 * recentDeployments() nested in another statement as one JSON column (the environment page reads
 * them with the environment): `environmentId` is usually the outer statement's column.
 */
export function recentDeploymentsNested(db: Db, environmentId: SQLWrapper, limit = 20): NestedRead<DeploymentSummary[]> {
  return {
    sql: jsonArray(latestDeployments(db, { row: jsonObject(deploymentSummaryFields) }, environmentId, limit)),
    read: (value) => fromJsonArray(deploymentSummaryFields, value).map(toDeploymentSummary),
  };
}

export async function reviewConversation(db: Db, environmentId: string) {
  return db.query.reviewVerdicts.findMany({
    where: eq(reviewVerdicts.environmentId, environmentId),
    orderBy: asc(reviewVerdicts.createdAt),
    with: { user: { columns: { id: true, name: true, email: true } } },
  });
}

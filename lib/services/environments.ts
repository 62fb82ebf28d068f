import { and, asc, desc, eq, inArray, isNull, notInArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, deployments, environments, reviewVerdicts } from "@/db/schema";
import { ACTIVE_DEPLOYMENT_STATES, type DeploymentKind, type DeploymentState, type EnvironmentKind, type EnvironmentState, type HealthStatus, type ReviewVerdict } from "@/db/schema/enums";
import type { Clock } from "@/lib/domain/clock";
import { isHealthStale } from "@/lib/domain/health";
import { NotFoundError } from "./errors";

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
}

export interface ActiveDeploymentView {
  id: string;
  kind: DeploymentKind;
  state: DeploymentState;
  releaseId: string;
  createdAt: Date;
}

export interface EnvironmentView {
  id: string;
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
  /** Keyed by app name; an app with nothing deployed has no entry. */
  apps: Record<string, EnvironmentAppView>;
  active: ActiveDeploymentView[];
}

export interface Board {
  pipeline: { id: string; name: string; loadedAt: Date };
  apps: { id: string; name: string; description: string | null }[];
  fixed: EnvironmentView[];
  review: EnvironmentView[];
}

const LIVE_STATES_EXCLUDED = ["torn-down", "retired"] as const;

const environmentWith = {
  source: { columns: { name: true } },
  owner: { columns: { id: true, name: true, email: true } },
  apps: {
    with: {
      app: { columns: { name: true } },
      build: { columns: { version: true, commit: true, digest: true } },
      deployedByUser: { columns: { id: true, name: true, email: true } },
    },
  },
  deployments: {
    where: inArray(deployments.state, [...ACTIVE_DEPLOYMENT_STATES]),
    orderBy: asc(deployments.createdAt),
    columns: { id: true, kind: true, state: true, releaseId: true, createdAt: true },
  },
} as const;

type EnvironmentRow = NonNullable<Awaited<ReturnType<typeof findEnvironmentRow>>>;

function findEnvironmentRow(db: Db, name: string) {
  return db.query.environments.findFirst({
    where: and(eq(environments.name, name), notInArray(environments.state, [...LIVE_STATES_EXCLUDED])),
    with: environmentWith,
  });
}

function toEnvironmentView(row: EnvironmentRow, now: Date): EnvironmentView {
  const cells: Record<string, EnvironmentAppView> = {};
  for (const cell of row.apps) {
    const health = { status: cell.healthStatus, observedAt: cell.healthObservedAt };
    cells[cell.app.name] = {
      appId: cell.appId,
      app: cell.app.name,
      releaseId: cell.releaseId,
      buildId: cell.buildId,
      version: cell.build?.version ?? null,
      commit: cell.build?.commit ?? null,
      digest: cell.build?.digest ?? null,
      deploymentId: cell.deploymentId,
      deployedAt: cell.deployedAt,
      deployedBy: cell.deployedByUser ?? null,
      previousReleaseId: cell.previousReleaseId,
      url: cell.url,
      health: { ...health, stale: isHealthStale(health, now) },
    };
  }
  return {
    id: row.id,
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
    apps: cells,
    active: row.deployments,
  };
}

/**
 * Everything the board shows, in one relational query (drizzle turns the nested `with` into a
 * single SQL statement), so it stays fast with hundreds of apps and environments.
 */
export async function getBoard(db: Db, clock: Clock): Promise<Board | null> {
  const pipeline = await db.query.pipelines.findFirst({
    columns: { id: true, name: true, loadedAt: true },
    with: {
      apps: { where: isNull(apps.retiredAt), orderBy: asc(apps.position), columns: { id: true, name: true, description: true } },
      environments: {
        where: notInArray(environments.state, [...LIVE_STATES_EXCLUDED]),
        orderBy: [asc(environments.position), desc(environments.createdAt)],
        with: environmentWith,
      },
    },
  });
  if (!pipeline) return null;
  const now = clock.now();
  const views = pipeline.environments.map((e) => toEnvironmentView(e as EnvironmentRow, now));
  return {
    pipeline: { id: pipeline.id, name: pipeline.name, loadedAt: pipeline.loadedAt },
    apps: pipeline.apps,
    fixed: views.filter((e) => e.kind === "fixed"),
    review: views.filter((e) => e.kind === "review"),
  };
}

export async function getEnvironment(db: Db, clock: Clock, name: string): Promise<EnvironmentView> {
  const row = await findEnvironmentRow(db, name);
  if (!row) throw new NotFoundError(`No environment named "${name}".`);
  return toEnvironmentView(row, clock.now());
}

export interface DeploymentSummary {
  id: string;
  kind: DeploymentKind;
  state: DeploymentState;
  releaseId: string;
  releaseCommit: string;
  requestedBy: PersonRef;
  reason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** The latest deployments into one environment, newest first. */
export async function recentDeployments(db: Db, environmentId: string, limit = 20): Promise<DeploymentSummary[]> {
  const rows = await db.query.deployments.findMany({
    where: eq(deployments.environmentId, environmentId),
    orderBy: [desc(deployments.createdAt), desc(deployments.id)],
    limit,
    with: { release: { columns: { commit: true } }, requestedByUser: { columns: { id: true, name: true, email: true } } },
  });
  return rows.map((d) => ({
    id: d.id,
    kind: d.kind,
    state: d.state,
    releaseId: d.releaseId,
    releaseCommit: d.release.commit,
    requestedBy: d.requestedByUser,
    reason: d.reason,
    createdAt: d.createdAt,
    finishedAt: d.finishedAt,
  }));
}

export async function reviewConversation(db: Db, environmentId: string) {
  return db.query.reviewVerdicts.findMany({
    where: eq(reviewVerdicts.environmentId, environmentId),
    orderBy: asc(reviewVerdicts.createdAt),
    with: { user: { columns: { id: true, name: true, email: true } } },
  });
}

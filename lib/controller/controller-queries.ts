import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environments, jobRuns, verifications } from "@/db/schema";
import { ACTIVE_DEPLOYMENT_STATES, CONTROLLER_DEPLOYMENT_STATES, MOVING_ENVIRONMENT_STATES, ROLLING_OUT_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";

/** Work the controller has not finished: deployments queued or rolling out, jobs and verifications queued or running, environments tearing down or waking. */
export async function unsettledWork(db: Db): Promise<number> {
  const [busy] = await db
    .select({
      n: sql<number>`(select count(*) from ${deployments} where state in (${sql.raw(sqlList(CONTROLLER_DEPLOYMENT_STATES))})) + (select count(*) from job_runs where state in ('queued', 'running')) + (select count(*) from verifications where status in ('pending', 'running')) + (select count(*) from environments where state in (${sql.raw(sqlList(MOVING_ENVIRONMENT_STATES))}))`,
    })
    .from(sql`(select 1) as one`);
  return Number(busy?.n ?? 0);
}

/** Which kinds of work are waiting for the controller (see pendingWork). */
export interface PendingWork {
  /** A deployment waiting on gates, queued, or rolling out. */
  deployments: boolean;
  /** A job asked for by hand, queued. */
  jobs: boolean;
  /** A verification job waiting to run. */
  verifications: boolean;
}

/**
 * Whether any deployment, manual job or verification job waits for the controller, in one
 * statement: an idle pass asks this instead of each concern reading its own rows (at 2,000 apps the
 * controller's idle statements were half "anything for me?" asked one concern at a time).
 * Throws what the database throws.
 */
export async function pendingWork(db: Db): Promise<PendingWork> {
  const [row] = await db
    .select({
      deployments: sql<boolean>`exists (select 1 from ${deployments} where state in (${sql.raw(sqlList(ACTIVE_DEPLOYMENT_STATES))}))`,
      jobs: sql<boolean>`exists (select 1 from ${jobRuns} where ${jobRuns.state} = 'queued')`,
      verifications: sql<boolean>`exists (select 1 from ${verifications} where ${verifications.status} = 'pending' and ${verifications.source} = 'job')`,
    })
    .from(sql`(select 1) as one`);
  return { deployments: Boolean(row?.deployments), jobs: Boolean(row?.jobs), verifications: Boolean(row?.verifications) };
}

/** Queued deployments of environments with no rollout in progress, oldest first. */
export function startableDeployments(db: Db) {
  return db
    .select()
    .from(deployments)
    .where(and(eq(deployments.state, "queued"), sql`not exists (select 1 from ${deployments} r where r.environment_id = ${deployments.environmentId} and r.state in (${sql.raw(sqlList(ROLLING_OUT_DEPLOYMENT_STATES))}))`))
    .orderBy(asc(deployments.createdAt));
}

/** Rollouts with no progress since `cutoff`, with their environment's name. */
export function stuckRollouts(db: Db, cutoff: Date) {
  return db
    .select({ deployment: deployments, environment: environments.name })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .where(and(inArray(deployments.state, [...ROLLING_OUT_DEPLOYMENT_STATES]), lt(deployments.updatedAt, cutoff)));
}

import { and, asc, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environmentApps, environments, releases, reviewVerdicts, type Environment } from "@/db/schema";
import type { ParentGraph } from "@/lib/domain/commit-order";
import type { ReleaseFacts, TargetFacts } from "@/lib/domain/promotion";
import { LIVE_ENVIRONMENT } from "./live-environments";
import { findLiveEnvironment } from "./pipeline-scope";

/**
 * Reads the facts the promotion rules decide on. Kept apart from the services so the rules stay
 * pure functions over plain data (lib/domain/promotion.ts).
 */

/** The columns the promotion rules read of a release, commit order included. */
export const releaseFactColumns = {
  id: releases.id,
  commit: releases.commit,
  branch: releases.branch,
  createdAt: releases.createdAt,
  committedAt: releases.committedAt,
  parentCommits: releases.parentCommits,
  buildNumber: releases.buildNumber,
};

/** How many releases' parents are read to follow ancestry (the newest ones). */
const GRAPH_RELEASES = 2_000;

/** Parents by commit of the newest releases that carry them, for following ancestry. */
export async function parentGraph(db: Db): Promise<ParentGraph> {
  const rows = await db.select({ commit: releases.commit, parents: releases.parentCommits }).from(releases).where(isNotNull(releases.parentCommits)).orderBy(desc(releases.createdAt)).limit(GRAPH_RELEASES);
  return new Map(rows.map((r) => [r.commit, r.parents ?? []]));
}

/** What an environment runs: the newest release among its apps (they normally agree). */
export async function currentRelease(db: Db, environmentId: string): Promise<ReleaseFacts | null> {
  const [row] = await db.select(releaseFactColumns).from(environmentApps).innerJoin(releases, eq(releases.id, environmentApps.releaseId)).where(eq(environmentApps.environmentId, environmentId)).orderBy(desc(releases.createdAt)).limit(1);
  return row ?? null;
}

/**
 * The live environment a reference names ("shop/prod" or a bare "prod"), locked for the rest of the
 * transaction so requests into it queue up one by one; undefined when none has the name.
 * @throws AmbiguousError (409) when a bare name is live in several pipelines
 */
export async function lockEnvironment(db: Db, ref: string, byId = false): Promise<Environment | undefined> {
  if (byId) {
    const [row] = await db
      .select()
      .from(environments)
      .where(and(eq(environments.id, ref), LIVE_ENVIRONMENT))
      .for("update");
    return row;
  }
  return findLiveEnvironment(db, ref, { lock: true });
}

export async function previousInChain(db: Db, environment: Environment): Promise<Environment | null> {
  if (environment.kind !== "fixed" || !environment.position) return null;
  const [row] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.pipelineId, environment.pipelineId), eq(environments.kind, "fixed"), eq(environments.state, "active"), sql`${environments.position} < ${environment.position}`))
    .orderBy(desc(environments.position))
    .limit(1);
  return row ?? null;
}

export async function firstInChain(db: Db, pipelineId: string): Promise<Environment | null> {
  const [row] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "fixed"), eq(environments.state, "active")))
    .orderBy(asc(environments.position))
    .limit(1);
  return row ?? null;
}

export async function succeededIn(db: Db, environmentId: string, releaseId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: deployments.id })
    .from(deployments)
    .where(and(eq(deployments.environmentId, environmentId), eq(deployments.releaseId, releaseId), eq(deployments.state, "succeeded")))
    .limit(1);
  return Boolean(row);
}

export async function lastInChain(db: Db, pipelineId: string): Promise<Environment | null> {
  const [row] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "fixed"), eq(environments.state, "active")))
    .orderBy(desc(environments.position))
    .limit(1);
  return row ?? null;
}

export async function targetFacts(db: Db, environment: Environment): Promise<{ target: TargetFacts; previous: Environment | null }> {
  const previous = await previousInChain(db, environment);
  const first = environment.kind === "fixed" ? await firstInChain(db, environment.pipelineId) : null;
  const last = environment.kind === "fixed" ? await lastInChain(db, environment.pipelineId) : null;
  const settings = (first?.settings ?? {}) as { branch?: string };
  const fastTrack = environment.settings.fastTrack;
  return {
    previous,
    target: {
      name: environment.name,
      kind: environment.kind,
      position: environment.position,
      entryBranch: settings.branch ?? null,
      previous: previous?.name ?? null,
      current: await currentRelease(db, environment.id),
      isLast: last?.id === environment.id,
      fastTrackBranches: fastTrack?.branches ?? null,
      branch: environment.kind === "review" ? environment.branch : null,
    },
  };
}

/** A delivery lead's latest verdict on a review environment cloned from `target` accepted exactly this release. */
export async function acceptedInReviewOf(db: Db, target: Environment, releaseId: string): Promise<boolean> {
  // The environment's verdict is the current one (a new release there clears it); the verdict rows
  // say which release it was given on, and that release must still be the one it runs.
  const candidates = await db
    .selectDistinct({ environmentId: reviewVerdicts.environmentId })
    .from(reviewVerdicts)
    .innerJoin(environments, eq(environments.id, reviewVerdicts.environmentId))
    .where(and(eq(environments.sourceEnvironmentId, target.id), eq(environments.verdict, "accepted"), eq(reviewVerdicts.verdict, "accepted"), eq(reviewVerdicts.releaseId, releaseId)));
  for (const { environmentId } of candidates) if ((await currentRelease(db, environmentId))?.id === releaseId) return true;
  return false;
}

/** The environments a fast-track skips: those before the target where the release has not succeeded. */
export async function skippedBy(db: Db, environment: Environment, releaseId: string): Promise<string[]> {
  const before = await db
    .select()
    .from(environments)
    .where(and(eq(environments.pipelineId, environment.pipelineId), eq(environments.kind, "fixed"), eq(environments.state, "active"), sql`${environments.position} < ${environment.position ?? 0}`))
    .orderBy(asc(environments.position));
  const skipped: string[] = [];
  for (const env of before) if (!(await succeededIn(db, env.id, releaseId))) skipped.push(env.name);
  return skipped;
}

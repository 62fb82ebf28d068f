import { and, asc, desc, eq, inArray, isNotNull, sql } from "drizzle-orm";
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

/** What an environment runs: the newest release among its apps (they normally agree; equal creation times fall to the greater id, as currentReleases). */
export async function currentRelease(db: Db, environmentId: string): Promise<ReleaseFacts | null> {
  const [row] = await db
    .select(releaseFactColumns)
    .from(environmentApps)
    .innerJoin(releases, eq(releases.id, environmentApps.releaseId))
    .where(eq(environmentApps.environmentId, environmentId))
    .orderBy(desc(releases.createdAt), desc(releases.id))
    .limit(1);
  return row ?? null;
}

/**
 * What each of `environmentIds` runs, as currentRelease reads it, in one statement: environment id →
 * release facts; an environment that runs nothing has no entry. Equal creation times fall to the
 * greater release id.
 */
export async function currentReleases(db: Db, environmentIds: readonly string[]): Promise<Map<string, ReleaseFacts>> {
  if (!environmentIds.length) return new Map();
  const rows = await db
    .selectDistinctOn([environmentApps.environmentId], { environmentId: environmentApps.environmentId, ...releaseFactColumns })
    .from(environmentApps)
    .innerJoin(releases, eq(releases.id, environmentApps.releaseId))
    .where(inArray(environmentApps.environmentId, [...new Set(environmentIds)]))
    .orderBy(environmentApps.environmentId, desc(releases.createdAt), desc(releases.id));
  return new Map(rows.map(({ environmentId, ...release }) => [environmentId, release]));
}

/**
 * The `limit` newest releases (by creation, then id) of each entry environment's branch in its
 * pipeline, in one statement: environment id → releases, newest first. `entries` are first
 * environments of their chains, each with the branch it follows (its settings' `branch`).
 */
export async function recentReleasesOfBranches(db: Db, entries: readonly { environmentId: string; pipelineId: string; branch: string }[], limit: number): Promise<Map<string, ReleaseFacts[]>> {
  const byId = new Map<string, ReleaseFacts[]>(entries.map((e) => [e.environmentId, []]));
  if (!entries.length) return byId;
  // One (environment, pipeline, branch) row per entry drives a LATERAL read of that branch's newest
  // releases, so each pair takes `limit` rows by index whatever the branch's history.
  const wanted = sql`(values ${sql.join(
    entries.map((e) => sql`(${e.environmentId}::text, ${e.pipelineId}::text, ${e.branch}::text)`),
    sql`, `,
  )}) as wanted(environment_id, pipeline_id, branch)`;
  const recent = db
    .select(releaseFactColumns)
    .from(releases)
    .where(and(sql`${releases.pipelineId} = wanted.pipeline_id`, sql`${releases.branch} = wanted.branch`))
    .orderBy(desc(releases.createdAt), desc(releases.id))
    .limit(limit)
    .as("recent");
  const environmentId = sql<string>`wanted.environment_id`;
  const rows = await db
    .select({ environmentId, id: recent.id, commit: recent.commit, branch: recent.branch, createdAt: recent.createdAt, committedAt: recent.committedAt, parentCommits: recent.parentCommits, buildNumber: recent.buildNumber })
    .from(wanted)
    .innerJoinLateral(recent, sql`true`)
    .orderBy(environmentId, desc(recent.createdAt), desc(recent.id));
  for (const { environmentId, ...release } of rows) byId.get(environmentId)?.push(release);
  return byId;
}

/**
 * The deployments of each (environment, release) pair, in one statement: the pairs that have any
 * ("environmentId:releaseId" keys in `tried`) and those that have a succeeded one (`succeeded`).
 */
export async function deploymentsOfPairs(db: Db, pairs: readonly { environmentId: string; releaseId: string }[]): Promise<{ tried: Set<string>; succeeded: Set<string> }> {
  const tried = new Set<string>();
  const succeeded = new Set<string>();
  if (!pairs.length) return { tried, succeeded };
  const rows = await db
    .selectDistinct({ environmentId: deployments.environmentId, releaseId: deployments.releaseId, succeeded: sql<boolean>`${deployments.state} = 'succeeded'` })
    .from(deployments)
    .where(
      sql`(${deployments.environmentId}, ${deployments.releaseId}) in (${sql.join(
        pairs.map((p) => sql`(${p.environmentId}, ${p.releaseId})`),
        sql`, `,
      )})`,
    );
  for (const row of rows) {
    tried.add(`${row.environmentId}:${row.releaseId}`);
    if (row.succeeded) succeeded.add(`${row.environmentId}:${row.releaseId}`);
  }
  return { tried, succeeded };
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

export async function succeededIn(db: Db, environmentId: string, releaseId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: deployments.id })
    .from(deployments)
    .where(and(eq(deployments.environmentId, environmentId), eq(deployments.releaseId, releaseId), eq(deployments.state, "succeeded")))
    .limit(1);
  return Boolean(row);
}

/**
 * What a promotion rule needs to know of the target and its chain. One read of the chain (its
 * active fixed environments in order) gives the previous, first and last of them, as
 * previousInChain, firstInChain and lastInChain would: it runs inside the target's lock, where
 * each statement holds up the next request into the environment.
 */
export async function targetFacts(db: Db, environment: Environment): Promise<{ target: TargetFacts; previous: Environment | null }> {
  const chain =
    environment.kind === "fixed"
      ? await db
          .select()
          .from(environments)
          .where(and(eq(environments.pipelineId, environment.pipelineId), eq(environments.kind, "fixed"), eq(environments.state, "active")))
          .orderBy(asc(environments.position))
      : [];
  const previous = environment.position ? (chain.filter((e) => e.position !== null && e.position < environment.position!).at(-1) ?? null) : null;
  const first = chain[0] ?? null;
  const last = chain.at(-1) ?? null;
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

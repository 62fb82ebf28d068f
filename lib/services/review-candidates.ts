import { and, asc, desc, eq, inArray, lte, max, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, builds, environments, releaseBuilds, releases } from "@/db/schema";
import { resolvePipeline } from "./pipeline-scope";
import { LIVE_REVIEW_STATES } from "./review-environments";

export interface CandidateRelease {
  id: string;
  commit: string;
  createdAt: Date;
  /** One entry per app of the release, in slipway.yaml order. */
  versions: { app: string; version: string }[];
}

/** A branch a review environment could run: its newest releases, and the review environment it already has, if any. */
export interface ReviewCandidate {
  branch: string;
  /** Newest first; at most `releasesPerBranch`. */
  releases: CandidateRelease[];
  /** The live review environment of the branch, so a person sees it is already running somewhere. */
  liveReview: string | null;
}

/**
 * The branches that have releases, the most recently released first, each with its newest
 * releases: what the spin-up form offers for the pipeline named `pipelineName`. Four statements
 * whatever the number of branches. @throws NotFoundError for an unknown pipeline
 */
export async function listReviewCandidates(db: Db, pipelineName: string, params: { branches?: number; releasesPerBranch?: number } = {}): Promise<ReviewCandidate[]> {
  const branchLimit = params.branches ?? 30;
  const perBranch = params.releasesPerBranch ?? 10;
  const pipeline = await resolvePipeline(db, pipelineName);
  const newest = max(releases.createdAt);
  const branchRows = await db
    .select({ branch: releases.branch, newestAt: newest })
    .from(releases)
    .where(eq(releases.pipelineId, pipeline.id))
    .groupBy(releases.branch)
    .orderBy(desc(newest), asc(releases.branch))
    .limit(branchLimit);
  if (!branchRows.length) return [];
  const branchNames = branchRows.map((b) => b.branch);

  // The newest few releases of each branch, ranked inside the database rather than loading every release.
  const ranked = db
    .select({
      id: releases.id,
      branch: releases.branch,
      commit: releases.commit,
      createdAt: releases.createdAt,
      rank: sql<number>`row_number() over (partition by ${releases.branch} order by ${releases.createdAt} desc, ${releases.id} desc)`.as("rank"),
    })
    .from(releases)
    .where(and(eq(releases.pipelineId, pipeline.id), inArray(releases.branch, branchNames)))
    .as("ranked");
  const releaseRows = await db.select().from(ranked).where(lte(ranked.rank, perBranch)).orderBy(asc(ranked.branch), asc(ranked.rank));

  const [versionRows, liveRows] = await Promise.all([
    db
      .select({ releaseId: releaseBuilds.releaseId, app: apps.name, version: builds.version })
      .from(releaseBuilds)
      .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
      .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
      .where(inArray(releaseBuilds.releaseId, releaseRows.map((r) => r.id)))
      .orderBy(asc(apps.position)),
    db
      .select({ branch: environments.branch, name: environments.name })
      .from(environments)
      .where(and(eq(environments.pipelineId, pipeline.id), eq(environments.kind, "review"), inArray(environments.state, [...LIVE_REVIEW_STATES]), inArray(environments.branch, branchNames)))
      .orderBy(desc(environments.createdAt)),
  ]);

  const versions = new Map<string, CandidateRelease["versions"]>();
  for (const row of versionRows) {
    const list = versions.get(row.releaseId) ?? [];
    list.push({ app: row.app, version: row.version });
    versions.set(row.releaseId, list);
  }
  const liveReview = new Map<string, string>();
  for (const row of liveRows) if (row.branch && !liveReview.has(row.branch)) liveReview.set(row.branch, row.name);

  return branchRows.map(({ branch }) => ({
    branch,
    releases: releaseRows.filter((r) => r.branch === branch).map((r) => ({ id: r.id, commit: r.commit, createdAt: r.createdAt, versions: versions.get(r.id) ?? [] })),
    liveReview: liveReview.get(branch) ?? null,
  }));
}

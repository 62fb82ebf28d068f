import { sql } from "drizzle-orm";
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
 * releases: what the spin-up form offers for the pipeline named `pipelineName`. Two statements
 * whatever the number of branches. @throws NotFoundError for an unknown pipeline
 */
export async function listReviewCandidates(db: Db, pipelineName: string, params: CandidateParams = {}): Promise<ReviewCandidate[]> {
  const pipeline = await resolvePipeline(db, pipelineName);
  return reviewCandidatesOf(db, pipeline.id, params);
}

export interface CandidateParams {
  /** How many branches (default 30). */
  branches?: number;
  /** How many releases per branch (default 10). */
  releasesPerBranch?: number;
  /** How many apps' versions per release, in slipway.yaml order (default: every app). */
  versionsPerRelease?: number;
}

/**
 * listReviewCandidates for a pipeline known by id, in one statement: the newest releases of each
 * branch are picked inside the database, never every release of a busy branch.
 */
export async function reviewCandidatesOf(db: Db, pipelineId: string, params: CandidateParams = {}): Promise<ReviewCandidate[]> {
  const branchLimit = params.branches ?? 30;
  const perBranch = params.releasesPerBranch ?? 10;
  const versionLimit = params.versionsPerRelease ?? null;
  const result = await db.execute(sql`
    with branches as (
      select r.branch, max(r.created_at) as newest from ${releases} r
       where r.pipeline_id = ${pipelineId}
       group by r.branch
       order by newest desc, r.branch
       limit ${branchLimit}
    )
    select b.branch,
           (select e.name from ${environments} e
             where e.pipeline_id = ${pipelineId} and e.kind = 'review' and e.branch = b.branch and e.state in ${sql.raw(`(${LIVE_REVIEW_STATES.map((s) => `'${s}'`).join(", ")})`)}
             order by e.created_at desc limit 1) as live_review,
           (select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'commit', x.commit, 'createdAt', x.created_at, 'versions', x.versions) order by x.created_at desc, x.id desc), '[]'::jsonb)
              from (select r.id, r.commit, r.created_at,
                           (select coalesce(jsonb_agg(jsonb_build_object('app', v.app, 'version', v.version) order by v.position), '[]'::jsonb)
                              from (select a.name as app, bd.version, a.position from ${releaseBuilds} rb
                                      join ${builds} bd on bd.id = rb.build_id join ${apps} a on a.id = rb.app_id
                                     where rb.release_id = r.id order by a.position limit ${versionLimit}) v) as versions
                      from ${releases} r
                     where r.pipeline_id = ${pipelineId} and r.branch = b.branch
                     order by r.created_at desc, r.id desc limit ${perBranch}) x) as releases
      from branches b
     order by b.newest desc, b.branch`);
  type Row = { branch: string; live_review: string | null; releases: unknown };
  return (result as unknown as { rows: Row[] }).rows.map((row) => {
    const list = (typeof row.releases === "string" ? JSON.parse(row.releases) : row.releases) as { id: string; commit: string; createdAt: string; versions: CandidateRelease["versions"] }[];
    return { branch: row.branch, liveReview: row.live_review, releases: list.map((r) => ({ id: r.id, commit: r.commit, createdAt: new Date(r.createdAt), versions: r.versions })) };
  });
}

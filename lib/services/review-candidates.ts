import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, builds, environments, releaseBuilds, releases } from "@/db/schema";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { resolvePipeline } from "./pipeline-scope";
import { parseInput } from "./validation";
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
             where e.pipeline_id = ${pipelineId} and e.kind = 'review' and e.branch = b.branch and e.source_repository is null and e.state in ${sql.raw(`(${LIVE_REVIEW_STATES.map((s) => `'${s}'`).join(", ")})`)}
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

/** What the spin-up form offers: the branches released last, their newest releases, each release's first apps' versions. */
export const SPIN_UP_CANDIDATES = { branches: 20, releasesPerBranch: 5, versionsPerRelease: 6 } as const;

export const spinUpCandidatesInput = z.object({ pipeline: z.string().min(1, { error: "expected a pipeline name" }).max(63) });

/** A candidate as the spin-up form takes it (dates as ISO 8601 text: it crosses to the browser). */
export type SpinUpCandidate = Omit<ReviewCandidate, "releases"> & { releases: (Omit<CandidateRelease, "createdAt"> & { createdAt: string })[] };

/**
 * What the spin-up form offers for `input.pipeline`, read when a person opens the form (the board
 * no longer reads it on every view): SPIN_UP_CANDIDATES branches, releases and versions at most.
 * Requires `review.create` on the pipeline. A read: nothing is recorded unless it is refused.
 * @throws ValidationError for a malformed input; NotFoundError for an unknown pipeline; ForbiddenError
 */
export async function getSpinUpCandidates(ctx: ServiceContext, input: z.input<typeof spinUpCandidatesInput>): Promise<SpinUpCandidate[]> {
  const data = parseInput(spinUpCandidatesInput, input);
  const pipeline = await resolvePipeline(ctx.db, data.pipeline);
  authorize(ctx, "review.create", { type: "pipeline", id: pipeline.name, pipeline: { id: pipeline.id, teamId: pipeline.teamId } });
  const candidates = await reviewCandidatesOf(ctx.db, pipeline.id, SPIN_UP_CANDIDATES);
  return candidates.map((c) => ({ ...c, releases: c.releases.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) }));
}

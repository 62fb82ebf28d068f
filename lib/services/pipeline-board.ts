import { and, asc, desc, eq, inArray, isNull, notInArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, deployments, environments, pipelines, releases } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { environmentWith, groupBy, loadCells, toEnvironmentView, type EnvironmentRow, type EnvironmentView } from "./environments";
import { planSoak, type PlannedSoak } from "./soak-plan";

/**
 * The whole board of one pipeline, unpaged: every live environment with every cell. Fine for a
 * pipeline of a few apps, for scripts and as the reference the paged board (board-page.ts, what
 * the portal shows) is tested against; a page for people reads getBoardPage instead.
 */

export interface ReleaseSummary {
  id: string;
  commit: string;
  branch: string;
  createdAt: Date;
  versions: { app: string; version: string }[];
}

export interface Board {
  pipeline: { id: string; name: string; loadedAt: Date };
  apps: { id: string; name: string; description: string | null }[];
  fixed: EnvironmentView[];
  review: EnvironmentView[];
  /** The newest release of the first environment's branch, when it is newer than what that environment runs. */
  entryCandidate: ReleaseSummary | null;
  /** The newest release the last environment may take by fast-track, when newer than what it runs. */
  fastTrackCandidate: ReleaseSummary | null;
  /** The soak a fast-track of `fastTrackCandidate` would be measured by (where, from when), stated before anyone confirms. */
  fastTrackSoak: PlannedSoak | null;
  /** When the last environment runs a fast-tracked release: which one, and the environments it skipped. */
  fastTracked: { commit: string; environment: string; skipped: string[] } | null;
}

/**
 * Everything one pipeline's board shows in two statements, whatever its size: the pipeline with its
 * apps and live environments (and their deployments in progress), then every cell as one flat join.
 * `options.pipeline` is the pipeline's name; null when no such pipeline is loaded.
 */
export async function getBoard(db: Db, clock: Clock, options: { pipeline: string; reviewCells?: "all" | "differing" }): Promise<Board | null> {
  const pipeline = await db.query.pipelines.findFirst({
    where: eq(pipelines.name, options.pipeline),
    columns: { id: true, name: true, loadedAt: true },
    with: {
      apps: { where: isNull(apps.retiredAt), orderBy: asc(apps.position), columns: { id: true, name: true, description: true } },
      environments: {
        where: notInArray(environments.state, [...GONE_ENVIRONMENT_STATES]),
        orderBy: [asc(environments.position), desc(environments.createdAt)],
        with: environmentWith,
      },
    },
  });
  if (!pipeline) return null;
  const now = clock.now();
  const cells = groupBy(
    await loadCells(
      db,
      pipeline.environments.map((e) => e.id),
      options.reviewCells,
    ),
    (c) => c.environmentId,
  );
  const views = pipeline.environments.map((e) => toEnvironmentView(e as EnvironmentRow, cells.get(e.id) ?? [], now));
  const fixed = views.filter((e) => e.kind === "fixed");
  const board: Board = {
    pipeline: { id: pipeline.id, name: pipeline.name, loadedAt: pipeline.loadedAt },
    apps: pipeline.apps,
    fixed,
    review: views.filter((e) => e.kind === "review"),
    entryCandidate: fixed[0] ? await newestNewer(db, pipeline.id, fixed[0], [(fixed[0].settings as { branch?: string }).branch ?? ""]) : null,
    fastTrackCandidate: fixed.length > 1 ? await newestNewer(db, pipeline.id, fixed.at(-1)!, (fixed.at(-1)!.settings as { fastTrack?: { branches: string[] } }).fastTrack?.branches ?? []) : null,
    fastTracked: fixed.length > 1 ? await fastTrackedInto(db, fixed.at(-1)!) : null,
    fastTrackSoak: null,
  };
  board.fastTrackSoak = board.fastTrackCandidate ? await planSoak(db, { releaseId: board.fastTrackCandidate.id, kind: "fast-track", fromEnvironmentId: null }, fixed.at(-1)!) : null;
  return board;
}

/** What the environment runs came in by fast-track: the environments it skipped show that. */
async function fastTrackedInto(db: Db, last: EnvironmentView): Promise<Board["fastTracked"]> {
  const deploymentId = Object.values(last.apps)[0]?.deploymentId;
  if (!deploymentId) return null;
  const deployment = await db.query.deployments.findFirst({ where: eq(deployments.id, deploymentId), columns: { kind: true, detail: true }, with: { release: { columns: { commit: true } } } });
  if (deployment?.kind !== "fast-track") return null;
  return { commit: deployment.release.commit, environment: last.name, skipped: (deployment.detail as { skipped?: string[] }).skipped ?? [] };
}

/** The newest release of `branches`, if it is newer than what `environment` runs. */
async function newestNewer(db: Db, pipelineId: string, first: EnvironmentView, branches: string[]): Promise<ReleaseSummary | null> {
  if (!branches.filter(Boolean).length) return null;
  const newest = await db.query.releases.findFirst({
    where: and(eq(releases.pipelineId, pipelineId), inArray(releases.branch, branches)),
    orderBy: [desc(releases.createdAt), desc(releases.id)],
    with: { builds: { with: { build: { columns: { version: true } }, app: { columns: { name: true, position: true } } } } },
  });
  if (!newest) return null;
  const running = Object.values(first.apps).map((c) => c.releaseCreatedAt?.getTime() ?? 0);
  if (Object.values(first.apps).some((c) => c.releaseId === newest.id) || running.some((t) => t >= newest.createdAt.getTime())) return null;
  return {
    id: newest.id,
    commit: newest.commit,
    branch: newest.branch,
    createdAt: newest.createdAt,
    versions: newest.builds.sort((a, b) => a.app.position - b.app.position).map((rb) => ({ app: rb.app.name, version: rb.build.version })),
  };
}

import { and, asc, desc, eq, inArray, notInArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { environments, pipelines, releases, type Pipeline } from "@/db/schema";

/**
 * Small look-ups the pipeline-qualified pages need. `findPipelineByNameForPage` stands in for
 * pipeline-scope.ts's `resolvePipeline` until that lands (the merger switches it over).
 */

const GONE = GONE_ENVIRONMENT_STATES;

/** The pipeline named `name`, or null (the page answers 404). One statement. */
export async function findPipelineByNameForPage(db: Db, name: string): Promise<Pipeline | null> {
  return (await db.query.pipelines.findFirst({ where: eq(pipelines.name, name) })) ?? null;
}

/** Every pipeline's id and name, in name order, for filters. One statement. */
export async function pipelineOptions(db: Db): Promise<{ id: string; name: string }[]> {
  return db.select({ id: pipelines.id, name: pipelines.name }).from(pipelines).orderBy(asc(pipelines.name));
}

/** Every pipeline's name, in name order, for the header's switcher. One statement. */
export async function pipelineNames(db: Db): Promise<string[]> {
  const rows = await db.select({ name: pipelines.name }).from(pipelines).orderBy(asc(pipelines.name));
  return rows.map((r) => r.name);
}

export interface EnvironmentCandidate {
  pipeline: string;
  environment: string;
  kind: string;
  state: string;
  live: boolean;
}

/**
 * Where a bare environment name (a legacy `/environments/dev` URL) may point: the live environments
 * of that name, one per pipeline; when none lives, the pipelines whose history has one (newest
 * first). One statement.
 */
export async function environmentCandidates(db: Db, name: string): Promise<EnvironmentCandidate[]> {
  const rows = await db
    .select({ pipeline: pipelines.name, environment: environments.name, kind: environments.kind, state: environments.state, createdAt: environments.createdAt })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(eq(environments.name, name))
    .orderBy(asc(pipelines.name), desc(environments.createdAt));
  const live = rows.filter((r) => !(GONE as readonly string[]).includes(r.state));
  const pick = live.length ? live : rows;
  const seen = new Set<string>();
  return pick
    .filter((r) => (seen.has(r.pipeline) ? false : (seen.add(r.pipeline), true)))
    .map((r) => ({ pipeline: r.pipeline, environment: r.environment, kind: r.kind, state: r.state, live: live.length > 0 }));
}

/**
 * The pipeline of each environment name, for pages that list history by environment name only:
 * a name found (live or not) in one pipeline maps to it; a name in several is left out, so its
 * link goes through the legacy URL's candidate list. One statement.
 */
export async function pipelineOfEnvironmentNames(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(names)];
  const result = new Map<string, string>();
  if (!unique.length) return result;
  const rows = await db
    .selectDistinct({ environment: environments.name, pipeline: pipelines.name })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(inArray(environments.name, unique));
  const ambiguous = new Set<string>();
  for (const row of rows) {
    if (result.has(row.environment) && result.get(row.environment) !== row.pipeline) ambiguous.add(row.environment);
    else result.set(row.environment, row.pipeline);
  }
  for (const name of ambiguous) result.delete(name);
  return result;
}

/** The live fixed environments' positions of one pipeline (to tell the last in its chain). One statement. */
export async function fixedPositions(db: Db, pipelineId: string): Promise<number[]> {
  const rows = await db
    .select({ position: environments.position })
    .from(environments)
    .where(and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "fixed"), notInArray(environments.state, [...GONE])));
  return rows.map((r) => r.position ?? 0);
}

/**
 * The name of the pipeline a release or an environment belongs to (null when the row is gone), for
 * a page's links and breadcrumbs. One statement. Stands in for pipeline-scope.ts's `pipelineOf`.
 */
export async function pipelineNameOf(db: Db, of: { releaseId: string } | { environmentId: string }): Promise<string | null> {
  const [row] =
    "releaseId" in of
      ? await db.select({ name: pipelines.name }).from(releases).innerJoin(pipelines, eq(pipelines.id, releases.pipelineId)).where(eq(releases.id, of.releaseId))
      : await db.select({ name: pipelines.name }).from(environments).innerJoin(pipelines, eq(pipelines.id, environments.pipelineId)).where(eq(environments.id, of.environmentId));
  return row?.name ?? null;
}

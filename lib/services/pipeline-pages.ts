import { and, asc, desc, eq, notInArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { environments, pipelines } from "@/db/schema";

/** Small look-ups the pipeline-qualified pages need. */

const GONE = GONE_ENVIRONMENT_STATES;

/** A pipeline as a filter or switcher lists it (every one, in name order, comes with the portal session: loadPortalHeader). */
export interface PipelineOption {
  id: string;
  name: string;
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
  return pick.filter((r) => (seen.has(r.pipeline) ? false : (seen.add(r.pipeline), true))).map((r) => ({ pipeline: r.pipeline, environment: r.environment, kind: r.kind, state: r.state, live: live.length > 0 }));
}

/** The live fixed environments' positions of one pipeline (to tell the last in its chain). One statement. */
export async function fixedPositions(db: Db, pipelineId: string): Promise<number[]> {
  const rows = await db
    .select({ position: environments.position })
    .from(environments)
    .where(and(eq(environments.pipelineId, pipelineId), eq(environments.kind, "fixed"), notInArray(environments.state, [...GONE])));
  return rows.map((r) => r.position ?? 0);
}

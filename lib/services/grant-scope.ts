import { and, eq, or, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { pipelines, roleMemberships } from "@/db/schema";
import type { PipelineRef } from "@/lib/auth/policy";

/**
 * The role_memberships rows that count in `pipeline` (the policy's effective roles, as SQL):
 * global grants, grants on the pipeline's owner team, and grants on the pipeline itself.
 */
export function grantsIn(pipeline: PipelineRef): SQL {
  return or(
    eq(roleMemberships.scope, "global"),
    and(eq(roleMemberships.scope, "pipeline"), eq(roleMemberships.scopeId, pipeline.id)),
    pipeline.teamId ? and(eq(roleMemberships.scope, "team"), eq(roleMemberships.scopeId, pipeline.teamId)) : undefined,
  )!;
}

/** The policy's view of a pipeline (id and owner team), or undefined when no such pipeline. */
export async function pipelineRef(db: Db, pipelineId: string): Promise<PipelineRef | undefined> {
  const [row] = await db.select({ id: pipelines.id, teamId: pipelines.teamId }).from(pipelines).where(eq(pipelines.id, pipelineId));
  return row;
}

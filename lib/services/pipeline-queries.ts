import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, pipelines, type App, type Pipeline } from "@/db/schema";
import { NotFoundError } from "./errors";

/** The pipeline loaded from slipway.yaml at start-up (one per installation for now). */
export async function getPipeline(db: Db): Promise<Pipeline> {
  const [pipeline] = await db.select().from(pipelines).orderBy(asc(pipelines.loadedAt)).limit(1);
  if (!pipeline) throw new NotFoundError("No pipeline is loaded yet: start Slipway with a valid slipway.yaml.");
  return pipeline;
}

/** The pipeline's current apps (retired ones excluded), in slipway.yaml order. */
export async function listApps(db: Db, pipelineId: string): Promise<App[]> {
  return db
    .select()
    .from(apps)
    .where(and(eq(apps.pipelineId, pipelineId), isNull(apps.retiredAt)))
    .orderBy(asc(apps.position));
}

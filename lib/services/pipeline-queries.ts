import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, type App } from "@/db/schema";

/** The pipeline's current apps (retired ones excluded), in slipway.yaml order. */
export async function listApps(db: Db, pipelineId: string): Promise<App[]> {
  return db
    .select()
    .from(apps)
    .where(and(eq(apps.pipelineId, pipelineId), isNull(apps.retiredAt)))
    .orderBy(asc(apps.position));
}

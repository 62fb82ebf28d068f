import { asc, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { pipelines, type Pipeline } from "@/db/schema";
import { listPipelines } from "@/lib/services/pipeline-scope";

/**
 * Every pipeline as loaded (what `listPipelines` returns), re-read only when one changed. The
 * controller's loop asks several times a second; each ask costs one small statement (each row's
 * id, name, team and an md5 of its config, hashed by the database), and the configs themselves —
 * large for a pipeline of hundreds of apps — are read and parsed again only when that differs.
 */
export class PipelineCache {
  private cached: { fingerprint: string; pipelines: Pipeline[] } | null = null;

  /** The pipelines in name order, as `listPipelines(db)`; throws what the database throws. */
  async list(db: Db): Promise<Pipeline[]> {
    const heads = await db
      .select({ id: pipelines.id, name: pipelines.name, teamId: pipelines.teamId, config: sql<string>`md5(${pipelines.config}::text)` })
      .from(pipelines)
      .orderBy(asc(pipelines.name));
    const fingerprint = JSON.stringify(heads);
    if (this.cached?.fingerprint === fingerprint) return this.cached.pipelines;
    const all = await listPipelines(db);
    // A change between the two reads shows in the next fingerprint: then it is read again.
    this.cached = { fingerprint, pipelines: all };
    return all;
  }
}

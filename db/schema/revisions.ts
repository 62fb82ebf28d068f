import { bigint, pgTable, text } from "drizzle-orm/pg-core";
import { pipelines } from "./pipeline";

/**
 * Each pipeline's change counter: what an open board, environment page or portfolio polls to learn
 * that something it shows has changed (lib/services/pipeline-revision.ts). Written only by database
 * triggers (migration 0020_pipeline_revision_triggers): any committed transaction that changes a row
 * of the pipeline's environments, cells, deployments (and their steps, gates, approvals), releases,
 * builds, apps, freezes, incidents, verifications, config or jobs moves it by exactly one, whoever
 * wrote the row — a service, the controller or a script. A pipeline nothing has changed in yet has
 * no row (revision 0). Left to the pages' slow refresh: health samples (the traffic chart), teams,
 * users and roles (names, which buttons show), a gate's reason alone (it counts time) and whatever
 * time alone changes.
 */
export const pipelineRevisions = pgTable("pipeline_revisions", {
  pipelineId: text("pipeline_id")
    .primaryKey()
    .references(() => pipelines.id, { onDelete: "cascade" }),
  /** 1, 2, 3…: one more per committed transaction that changed something of the pipeline. */
  revision: bigint("revision", { mode: "number" }).notNull().default(0),
  /** The transaction that last moved it (pg_current_xact_id), so a transaction writing many rows moves it once. */
  xact: bigint("xact", { mode: "number" }).notNull().default(0),
});

export type PipelineRevision = typeof pipelineRevisions.$inferSelect;

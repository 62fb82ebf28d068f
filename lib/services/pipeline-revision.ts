import { eq, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { preparedRead, preparedSql, type PreparedStatement } from "@/db/queries/prepared";
import { rowsOf } from "@/db/queries/sql-arrays";
import { pipelineRevisions, pipelines } from "@/db/schema";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError } from "./errors";
import { parseInput } from "./validation";

/**
 * Change tokens for open pages: a board, an environment page or the portfolio renders with the
 * token current when it started reading, and polls it (GET /api/v1/pipelines/{pipeline}/revision,
 * GET /api/v1/revision) every few seconds; only a different token re-renders the page. A token is
 * opaque text: compare it for equality, never order it.
 *
 * What moves it is decided by the database (db/schema/revisions.ts, migration
 * 0020_pipeline_revision_triggers): every committed change to a row of the pipeline a page shows,
 * whoever wrote it — not the mere passing of time (a reading going stale, a countdown), which the
 * pages' slow full refresh covers.
 *
 * Read the token BEFORE the page's data, or in its first statement (revisionOf: the board and
 * the environment page): a change committed between the reads then shows as a newer token at the
 * next poll. Read after, it would be lost until the next change.
 */

export interface PipelineRevision {
  /** The pipeline's name. */
  pipeline: string;
  /** The change token: the pipeline's revision ("0" until something changes). */
  revision: string;
}

/**
 * The change token of the pipeline whose id is `pipelineId` (a column or parameter) as a scalar
 * subquery: a page that reads its pipeline anyway (the board's chain, the environment page's
 * statement) takes its token in the same statement — the same snapshot as what it shows first —
 * instead of one more.
 */
export function revisionOf(pipelineId: SQLWrapper): SQL<string> {
  return sql<string>`coalesce((select r.revision from ${pipelineRevisions} r where r.pipeline_id = ${pipelineId}), 0)::text`;
}

const revisionInput = z.object({ pipeline: z.string().min(1, { error: "expected a pipeline name" }) });

// Polled by every open board and environment page: built once per database handle, one primary-key
// and one unique-index probe per call.
const revisionByName = preparedRead(
  "pipeline_revision_by_name",
  (db, name) =>
    db
      .select({ id: pipelines.id, name: pipelines.name, teamId: pipelines.teamId, revision: revisionOf(pipelines.id) })
      .from(pipelines)
      .where(eq(pipelines.name, sql.placeholder("pipeline")))
      .prepare(name) as PreparedStatement<{ pipeline: string }, { id: string; name: string; teamId: string | null; revision: string }[]>,
);

/**
 * The pipeline named `name` (id, name, owning team) with its change token, unauthorized: for a
 * service that reads the token before its data (the environment page). One statement; undefined
 * for an unknown name.
 */
export async function pipelineWithRevision(db: Db, name: string): Promise<{ id: string; name: string; teamId: string | null; revision: string } | undefined> {
  const [row] = await revisionByName(db, { pipeline: name });
  return row;
}

/**
 * The change token of the pipeline named `input.pipeline`: one statement (the pipeline by its
 * unique name, its revision by primary key). Requires `pipeline.view` on that pipeline.
 * @throws ValidationError for an empty name; NotFoundError for an unknown pipeline; ForbiddenError
 */
export async function getPipelineRevision(ctx: ServiceContext, input: { pipeline: string }): Promise<PipelineRevision> {
  authorizeKind(ctx, "pipeline.view", "pipeline");
  const { pipeline } = parseInput(revisionInput, input);
  const row = await pipelineWithRevision(ctx.db, pipeline);
  if (!row) throw new NotFoundError(`No pipeline named "${pipeline}".`);
  authorize(ctx, "pipeline.view", { type: "pipeline", id: row.name, pipeline: { id: row.id, teamId: row.teamId } });
  return { pipeline: row.name, revision: row.revision };
}

// Pipelines are few (an organisation's ~50): the sum reads one small index range.
const portfolioRevision = preparedSql<{ restriction: string | null }>(
  "portfolio_revision",
  () => sql`select count(*)::int as pipelines, coalesce(sum(r.revision), 0)::text as revisions
              from ${pipelines} p left join ${pipelineRevisions} r on r.pipeline_id = p.id
             where ${sql.placeholder("restriction")}::text is null or p.id = ${sql.placeholder("restriction")}::text`,
);

/**
 * The change token of every pipeline the actor may read (the portfolio): how many there are and
 * the sum of their revisions, as "pipelines.sum" — each revision only grows, so any change moves
 * the sum, and a pipeline registered moves the count. One statement. A token restricted to one
 * pipeline reads that pipeline's only. Requires `pipeline.view`.
 * @throws ForbiddenError without a role that may view pipelines
 */
export async function getPortfolioRevision(ctx: ServiceContext): Promise<{ revision: string }> {
  authorize(ctx, "pipeline.view");
  return { revision: await portfolioRevisionOf(ctx.db, ctx.actor.pipelineRestriction ?? null) };
}

/** The portfolio's change token for a token restricted to the pipeline `restriction` (null: every pipeline), unauthorized: for a service that reads it before its data. One statement. */
export async function portfolioRevisionOf(db: Db, restriction: string | null): Promise<string> {
  const [row] = rowsOf<{ pipelines: number | string; revisions: string }>(await portfolioRevision(db, { restriction }));
  return `${Number(row?.pipelines ?? 0)}.${row?.revisions ?? "0"}`;
}

import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, environments, pipelines } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { healthStaleFrom } from "@/lib/domain/health";
import { environmentViews, type EnvironmentView } from "./environments";
import { cloneModeOf, inheritedAddressesOf, type InheritedAddress } from "./review-clone";
import { NotFoundError, ValidationError } from "./errors";
import { LIVE_ENVIRONMENT } from "./live-environments";
import { pageInput, type Page } from "./pagination";
import { pipelineWithRevision, portfolioRevisionOf } from "./pipeline-revision";
import { readAtRevision } from "./revision-cache";
import { pipelineName } from "./schemas";
import { parseInput } from "./validation";

export const listEnvironmentsInput = pageInput.extend({
  pipeline: pipelineName.optional().meta({ description: "Only this pipeline's environments" }),
  // The keyset position here names pipeline, kind, place and id: longer than a (time, id) cursor.
  cursor: z.string().max(400).optional(),
});

export interface EnvironmentListItem {
  pipeline: string;
  environment: EnvironmentView;
  /** The pipeline's current apps in order, for the DTO's cells. */
  appOrder: string[];
  /** A partial review environment: the apps its source serves for it (their addresses there); empty otherwise. */
  inherited: InheritedAddress[];
}

/**
 * Where an environment sorts: by pipeline name, fixed ones first in chain order, then review ones
 * newest first. One ascending key, so the cursor is a plain keyset position.
 */
const sortKey = sql<number>`case when ${environments.kind} = 'fixed' then ${environments.position}::double precision else -extract(epoch from ${environments.createdAt}) end`;
const kindRank = sql<number>`case when ${environments.kind} = 'fixed' then 0 else 1 end`;

type Position = [string, number, number, string];

function decode(cursor: string): Position {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 4 && typeof value[0] === "string" && typeof value[1] === "number" && typeof value[2] === "number" && typeof value[3] === "string") {
      return value as Position;
    }
  } catch {
    // fall through
  }
  throw new ValidationError("Invalid cursor: use the nextCursor of a previous page.", { cursor: "expected a nextCursor from a previous page" });
}

/**
 * Live environments of every pipeline (or of `pipeline`), keyset-paginated (`cursor`, `limit` ≤ 200):
 * pipelines by name; in each, fixed environments in chain order, then review ones newest first.
 * Each carries every app's cell; a page holds fewer than `limit` environments once it reaches
 * CELL_BUDGET cells (follow `nextCursor`). The change token first (the pipeline's, or the
 * portfolio's for every pipeline), then the page: four statements whatever it holds (five with a
 * partial review environment on it), shared by calls at one token (lib/services/revision-cache.ts)
 * until a health reading it shows as fresh goes stale — a second call sends one.
 * @throws ValidationError for a bad cursor or limit; NotFoundError when `pipeline` names no pipeline
 */
export async function listEnvironmentsPage(db: Db, clock: Clock, input: unknown): Promise<Page<EnvironmentListItem>> {
  const q = parseInput(listEnvironmentsInput, input);
  const after = q.cursor ? decode(q.cursor) : null;
  const pipeline = q.pipeline ? await pipelineWithRevision(db, q.pipeline) : null;
  if (pipeline === undefined) throw new NotFoundError(`No pipeline named "${q.pipeline}".`);
  const revision = pipeline ? pipeline.revision : await portfolioRevisionOf(db, null);
  const now = clock.now();
  return readAtRevision(db, `environments:${JSON.stringify([pipeline?.id ?? null, q.cursor ?? null, q.limit])}`, revision, () => readPage(db, now, q, after), {
    now,
    // Its cells' health was judged stale or not at `now`: it holds until the first fresh one goes stale.
    validUntil: (page) => {
      const fresh = page.items.flatMap((item) => Object.values(item.environment.apps).flatMap((cell) => (cell.health.stale || !cell.health.observedAt ? [] : [cell.health.observedAt.getTime()])));
      return fresh.length ? healthStaleFrom(new Date(Math.min(...fresh))) : null;
    },
  });
}

async function readPage(db: Db, now: Date, q: z.output<typeof listEnvironmentsInput>, after: Position | null): Promise<Page<EnvironmentListItem>> {
  const rows = await db
    .select({
      id: environments.id,
      pipeline: pipelines.name,
      pipelineId: pipelines.id,
      rank: kindRank,
      key: sortKey,
      appCount: sql<number>`(select count(*) from ${apps} where ${apps.pipelineId} = ${pipelines.id} and ${apps.retiredAt} is null)::int`,
    })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(
      and(
        LIVE_ENVIRONMENT,
        q.pipeline ? eq(pipelines.name, q.pipeline) : undefined,
        after ? sql`(${pipelines.name}, ${kindRank}, ${sortKey}, ${environments.id}) > (${after[0]}, ${after[1]}, ${after[2]}::double precision, ${after[3]})` : undefined,
      ),
    )
    .orderBy(asc(pipelines.name), asc(kindRank), asc(sortKey), asc(environments.id))
    .limit(q.limit + 1);
  // A page also ends once it holds CELL_BUDGET app cells (always at least one environment), so a
  // page of 600-app environments stays small; the cursor carries on from the last one it holds.
  let cells = 0;
  const fits = rows.slice(0, q.limit).findIndex((r, i) => {
    cells += Number(r.appCount);
    return i > 0 && cells > CELL_BUDGET;
  });
  const pageRows = fits === -1 ? rows.slice(0, q.limit) : rows.slice(0, fits);
  const views = await environmentViews(
    db,
    { now: () => now },
    pageRows.map((r) => r.id),
  );
  const pipelineIds = [...new Set(pageRows.map((r) => r.pipelineId))];
  const appOrder = new Map<string, string[]>(pipelineIds.map((id) => [id, []]));
  const [appRows, inherited] = await Promise.all([
    pipelineIds.length
      ? db
          .select({ pipelineId: apps.pipelineId, name: apps.name })
          .from(apps)
          .where(and(inArray(apps.pipelineId, pipelineIds), isNull(apps.retiredAt)))
          .orderBy(asc(apps.pipelineId), asc(apps.position))
      : [],
    // Partial review environments: the apps their source serves (a statement only when the page has some).
    inheritedAddressesOf(
      db,
      views.filter((v) => cloneModeOf(v) === "changed").map((v) => v.id),
    ),
  ]);
  for (const app of appRows) appOrder.get(app.pipelineId)!.push(app.name);
  const last = pageRows.at(-1);
  return {
    items: views.map((environment, i) => ({ pipeline: pageRows[i]!.pipeline, environment, appOrder: appOrder.get(pageRows[i]!.pipelineId) ?? [], inherited: inherited.get(environment.id) ?? [] })),
    nextCursor: rows.length > pageRows.length && last ? Buffer.from(JSON.stringify([last.pipeline, Number(last.rank), Number(last.key), last.id])).toString("base64url") : null,
  };
}

/**
 * At most this many app cells per page of environments (beyond its first environment). Serialising
 * a cell is most of this endpoint's CPU (~30 µs each with its dates): at 2,000 a 600-app pipeline's
 * first page carried three environments (1,800 cells, 79 KB compressed, p99 654 ms at 10
 * concurrent); at 1,000 it carries one, and a pipeline of up to 200 apps still gets five per page.
 */
export const CELL_BUDGET = 1000;

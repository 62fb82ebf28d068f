import { asc, desc, eq, sql, type SQL } from "drizzle-orm";
import { preparedRead, preparedSql, type PreparedStatement } from "@/db/queries/prepared";
import type { Db } from "@/db/client";
import { environments, pipelines } from "@/db/schema";
import { FAILING_HEALTH_STATUSES, GONE_ENVIRONMENT_STATES, LIVE_REVIEW_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";
import type { AppStatus } from "@/lib/domain/board-rows";
import { environmentWith } from "./environments";
import { rowsOf } from "@/db/queries/sql-arrays";
import { revisionOf } from "./pipeline-revision";

/**
 * The statements behind one page of a pipeline's board (lib/services/board-page.ts). Each reads
 * what the page shows and no more: the page's app rows, per-environment summaries aggregated in
 * SQL (board-column-facts.ts), the newest review environments. None loads a row per app beyond the page.
 */

const GONE = sql.raw(`(${sqlList(GONE_ENVIRONMENT_STATES)})`);
const LIVE_REVIEW = sql.raw(`(${sqlList(LIVE_REVIEW_ENVIRONMENT_STATES)})`);
/** Both drivers: a timestamptz may come back as a Date or as text (inside JSON it is always text). */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * The pipeline whose id is `pipelineId` with its app and review-environment counts, its live fixed
 * environments in chain order and its newest `reviewLimit` live review environments (each with
 * the deployments in progress into it, and a review environment with its first `addressLimit` app
 * addresses in slipway.yaml order). One statement; undefined when no such pipeline exists. The
 * viewer's own review environments and the change token come with the board's token
 * (loadBoardToken), read first.
 */
export async function loadChain(db: Db, pipelineId: string, reviewLimit: number, addressLimit: number) {
  return chainById(db, { pipeline: pipelineId, reviewLimit, addressLimit });
}

/** A board's first statement: the pipeline, its change token, and how many live review environments the viewer owns. */
export interface BoardToken {
  id: string;
  name: string;
  teamId: string | null;
  /** The pipeline's change token (lib/services/pipeline-revision.ts). */
  revision: string;
  /** Live review environments `ownerId` owns there (the per-person quota); 0 without an owner. */
  ownLiveReviewCount: number;
}

/**
 * The pipeline named `name` with its change token and the live review environments `ownerId`
 * owns in it: what a board reads on every view before its shared reads (board-page.ts). One
 * statement (primary-key and unique-index probes); undefined for an unknown name.
 */
export async function loadBoardToken(db: Db, name: string, ownerId: string | null): Promise<BoardToken | undefined> {
  const [row] = rowsOf<{ id: string; name: string; team_id: string | null; revision: string; own_live_review_count: number | string }>(await boardToken(db, { pipeline: name, owner: ownerId ?? "" }));
  return row && { id: row.id, name: row.name, teamId: row.team_id, revision: String(row.revision), ownLiveReviewCount: Number(row.own_live_review_count) };
}

const boardToken = preparedSql<{ pipeline: string; owner: string }>(
  "board_token",
  () => sql`
    select p.id, p.name, p.team_id, ${revisionOf(sql`p.id`)} as revision,
           (select count(*)::int from environments r where r.pipeline_id = p.id and r.kind = 'review' and r.state in ${LIVE_REVIEW} and r.owner_id = ${sql.placeholder("owner")}) as own_live_review_count
      from pipelines p where p.name = ${sql.placeholder("pipeline")}`,
);

type ChainValues = { pipeline: string; reviewLimit: number; addressLimit: number };
// Built once per handle (db/queries/prepared.ts): at 1.3 ms of CPU, the board's costliest statement to build.
const chainById = preparedRead(
  "board_chain_by_id",
  (db, name) => chainQuery(db, eq(pipelines.id, sql.placeholder("pipeline")), sql`${sql.placeholder("pipeline")}`).prepare(name) as PreparedStatement<ChainValues, ChainQueryRow | undefined>,
);
type ChainQueryRow = Awaited<ReturnType<ReturnType<typeof chainQuery>["execute"]>>;

/** `pipelineId`: the pipeline's id as an expression of the parameters alone (not of a row), so the newest review environments are chosen once per statement. */
function chainQuery(db: Db, where: SQL, pipelineId: SQL) {
  const reviewLimit = sql.placeholder("reviewLimit");
  const addressLimit = sql.placeholder("addressLimit");
  return db.query.pipelines.findFirst({
    where,
    columns: { id: true, name: true, loadedAt: true, teamId: true, config: true },
    extras: {
      appCount: sql<number>`(select count(*)::int from apps a where a.pipeline_id = ${pipelines.id} and a.retired_at is null)`.as("app_count"),
      reviewCount: sql<number>`(select count(*)::int from environments r where r.pipeline_id = ${pipelines.id} and r.kind = 'review' and r.state not in ${GONE})`.as("review_count"),
      /** Review environments counted against the quota, as createReviewEnvironment counts them (not those tearing down). */
      liveReviewCount: sql<number>`(select count(*)::int from environments r where r.pipeline_id = ${pipelines.id} and r.kind = 'review' and r.state in ${LIVE_REVIEW})`.as("live_review_count"),
      /** The owning teams its apps name (slipway.yaml `team`), for the filter. */
      teams: sql<string[] | null>`(select jsonb_agg(distinct a.settings ->> 'team') from apps a where a.pipeline_id = ${pipelines.id} and a.retired_at is null and a.settings ->> 'team' is not null)`.as("teams"),
      /** Names of its live environments, so a spin-up form suggests a free one. */
      takenNames: sql<string[] | null>`(select jsonb_agg(e.name order by e.name) from environments e where e.pipeline_id = ${pipelines.id} and e.state not in ${GONE})`.as("taken_names"),
    },
    with: {
      environments: {
        // Uncorrelated (pipelineId, not e.pipeline_id): correlated, it re-sorted every review environment once per environment row (6 of 8 ms with 67).
        where: (e) =>
          sql`${e.state} not in ${GONE} and (${e.kind} = 'fixed' or ${e.id} in (select r.id from environments r where r.pipeline_id = ${pipelineId} and r.kind = 'review' and r.state not in ${GONE} order by r.created_at desc, r.id desc limit ${reviewLimit}))`,
        orderBy: [asc(environments.position), desc(environments.createdAt)],
        with: environmentWith,
        extras: (e) => ({
          addresses: sql<{ app: string; url: string }[] | null>`case when ${e.kind} = 'review' then (
            select jsonb_agg(jsonb_build_object('app', x.app, 'url', x.url) order by x.position)
              from (select a.name as app, ea.url, a.position from environment_apps ea join apps a on a.id = ea.app_id
                     where ea.environment_id = ${e.id} and ea.url is not null order by a.position limit ${addressLimit}) x) end`.as("addresses"),
        }),
      },
    },
  });
}

export type ChainRow = NonNullable<Awaited<ReturnType<typeof loadChain>>>;

/** What the app rows are filtered by (see lib/domain/board-rows.ts for the statuses). */
export interface RowFilter {
  q?: string | undefined;
  team?: string | undefined;
  status?: AppStatus | undefined;
  /** 1-based; past the end: the last page. */
  page: number;
  pageSize: number;
}

export interface PageApp {
  id: string;
  name: string;
  description: string | null;
  team: string | null;
}

/**
 * One page of the pipeline's apps (in slipway.yaml order) matching `filter`, how many match, and
 * the page it is (clamped). Filters in SQL over the fixed environments `chainIds`: "failing" (a
 * deployed cell whose last health, fresh or stale, is unhealthy or degraded), "drift" (a drift report about
 * the build it runs), "undeployed" (some environment runs nothing of it), "off-release" (it runs
 * another release than most of that environment's apps). One statement.
 */
export async function pageOfApps(db: Db, pipelineId: string, chainIds: string[], filter: RowFilter): Promise<{ apps: PageApp[]; matching: number; page: number }> {
  const pattern = filter.q ? `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const chain = sql`(select value from jsonb_array_elements_text(${json(chainIds)}))`;
  const statusWhere = (() => {
    switch (filter.status) {
      case "failing":
        // The last health recorded, however old (isFailingHealth in lib/domain/health.ts); literals, as the partial index's predicate.
        return sql`and exists (select 1 from environment_apps ea where ea.app_id = a.id and ea.environment_id in ${chain} and ea.release_id is not null
                     and ea.health_status in ${sql.raw(`(${sqlList(FAILING_HEALTH_STATUSES)})`)})`;
      case "drift":
        return sql`and exists (select 1 from environment_apps ea where ea.app_id = a.id and ea.environment_id in ${chain}
                     and ea.drift ->> 'kind' is not null and ea.drift ->> 'message' is not null and ea.drift -> 'recorded' ->> 'buildId' = ea.build_id)`;
      case "undeployed":
        return sql`and exists (select 1 from ${chain} c(id) where not exists (select 1 from environment_apps ea where ea.app_id = a.id and ea.environment_id = c.id and ea.release_id is not null))`;
      case "off-release":
        return sql`and exists (select 1 from environment_apps ea join common on common.environment_id = ea.environment_id where ea.app_id = a.id and ea.release_id is not null and ea.release_id <> common.release_id)`;
      default:
        return sql``;
    }
  })();
  const result = await db.execute(sql`
    with common as (
      select distinct on (environment_id) environment_id, release_id
        from (select ea.environment_id, ea.release_id, count(*) as n from environment_apps ea
               where ea.environment_id in ${chain} and ea.release_id is not null and ${filter.status === "off-release" ? sql`true` : sql`false`}
               group by ea.environment_id, ea.release_id) counted
       order by environment_id, n desc, release_id
    ), matching as (
      select a.id, a.name, a.description, a.settings ->> 'team' as team, a.position,
             row_number() over (order by a.position, a.id) as rn, count(*) over () as total
        from apps a
       where a.pipeline_id = ${pipelineId} and a.retired_at is null
         ${pattern ? sql`and a.name ilike ${pattern}` : sql``}
         ${filter.team ? sql`and a.settings ->> 'team' = ${filter.team}` : sql``}
         ${statusWhere}
    ), bounds as (
      select coalesce(max(total), 0)::int as total,
             greatest(1, least(${filter.page}::int, ceil(coalesce(max(total), 0)::numeric / ${filter.pageSize}::int)::int)) as page
        from matching
    )
    select m.id, m.name, m.description, m.team, b.total, b.page
      from bounds b left join matching m on m.rn > (b.page - 1) * ${filter.pageSize}::int and m.rn <= b.page * ${filter.pageSize}::int
     order by m.position, m.id`);
  const rows = rowsOf<{ id: string | null; name: string; description: string | null; team: string | null; total: number | string; page: number | string }>(result);
  return {
    apps: rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, name: r.name, description: r.description, team: r.team })),
    matching: Number(rows[0]?.total ?? 0),
    page: Number(rows[0]?.page ?? 1),
  };
}

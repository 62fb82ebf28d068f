import { asc, desc, eq, sql, type SQL } from "drizzle-orm";
import { preparedRead, preparedSql, type PreparedStatement } from "@/db/queries/prepared";
import type { Db } from "@/db/client";
import { environments, pipelines } from "@/db/schema";
import { HEALTH_STALE_AFTER_MS } from "@/lib/domain/health";
import { GONE_ENVIRONMENT_STATES, LIVE_REVIEW_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";
import type { AppStatus } from "@/lib/domain/board-rows";
import type { CellRelease } from "@/lib/domain/environment-summary";
import type { VerificationView } from "./verifications";
import { environmentWith } from "./environments";
import { rowsOf } from "@/db/queries/sql-arrays";

/**
 * The statements behind one page of a pipeline's board (lib/services/board-page.ts). Each reads
 * what the page shows and no more: the page's app rows, per-environment summaries aggregated in
 * SQL, the newest review environments. None loads a row per app beyond the page.
 */

const GONE = sql.raw(`(${sqlList(GONE_ENVIRONMENT_STATES)})`);
const LIVE_REVIEW = sql.raw(`(${sqlList(LIVE_REVIEW_ENVIRONMENT_STATES)})`);
/** Both drivers: a timestamptz may come back as a Date or as text (inside JSON it is always text). */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * The pipeline (by name or id) with its app and review-environment counts, its live fixed
 * environments in chain order and its newest `reviewLimit` live review environments (each with
 * the deployments in progress into it, and a review environment with its first `addressLimit` app
 * addresses in slipway.yaml order), and how many of the live ones `ownerId` owns (the per-person
 * quota). One statement; undefined when no such pipeline exists.
 */
export async function loadChain(db: Db, pipeline: { name: string } | { id: string }, reviewLimit: number, addressLimit: number, ownerId: string | null = null) {
  // "" matches no owner: the count of one's own is then 0 (a viewer who may not spin up is not asked).
  const limits = { reviewLimit, addressLimit, owner: ownerId ?? "" };
  return "id" in pipeline ? chainById(db, { ...limits, pipeline: pipeline.id }) : chainByName(db, { ...limits, pipeline: pipeline.name });
}

type ChainValues = { pipeline: string; reviewLimit: number; addressLimit: number; owner: string };
// Built once per handle (db/queries/prepared.ts): at 1.3 ms of CPU, the board's costliest statement to build.
const chainById = preparedRead(
  "board_chain_by_id",
  (db, name) => chainQuery(db, eq(pipelines.id, sql.placeholder("pipeline")), sql`${sql.placeholder("pipeline")}`).prepare(name) as PreparedStatement<ChainValues, ChainQueryRow | undefined>,
);
const chainByName = preparedRead(
  "board_chain_by_name",
  (db, name) => chainQuery(db, eq(pipelines.name, sql.placeholder("pipeline")), sql`(select p.id from pipelines p where p.name = ${sql.placeholder("pipeline")})`).prepare(name) as PreparedStatement<ChainValues, ChainQueryRow | undefined>,
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
      ownLiveReviewCount: sql<number>`(select count(*)::int from environments r where r.pipeline_id = ${pipelines.id} and r.kind = 'review' and r.state in ${LIVE_REVIEW} and r.owner_id = ${sql.placeholder("owner")})`.as(
        "own_live_review_count",
      ),
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
 * deployed cell with a fresh unhealthy or degraded observation), "drift" (a drift report about
 * the build it runs), "undeployed" (some environment runs nothing of it), "off-release" (it runs
 * another release than most of that environment's apps). One statement.
 */
export async function pageOfApps(db: Db, pipelineId: string, chainIds: string[], filter: RowFilter, now: Date): Promise<{ apps: PageApp[]; matching: number; page: number }> {
  const fresh = new Date(now.getTime() - HEALTH_STALE_AFTER_MS);
  const pattern = filter.q ? `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const chain = sql`(select value from jsonb_array_elements_text(${json(chainIds)}))`;
  const statusWhere = (() => {
    switch (filter.status) {
      case "failing":
        return sql`and exists (select 1 from environment_apps ea where ea.app_id = a.id and ea.environment_id in ${chain} and ea.release_id is not null
                     and ea.health_observed_at > ${fresh} and ea.health_status in ('unhealthy', 'degraded'))`;
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

/** One fixed environment's summary, aggregated over all its apps in SQL. */
export interface ColumnFacts {
  environmentId: string;
  /** Apps with a release there. */
  deployed: number;
  /** Distinct releases its apps run (0: nothing deployed, >1: mixed). */
  releases: number;
  /** The release its apps share (the environmentRelease rule), else null. */
  release: CellRelease | null;
  /** Releases and commits the previous environment is ahead of this one by (compare.ts rules); zeros for the first. */
  ahead: { releases: number; commits: number };
  /** The kind, release commit and skipped environments of the deployment that put its first app there. */
  firstDeployment: { kind: string; commit: string; skipped: string[] } | null;
  /** Whether some app runs a release of the commit the last environment was fast-tracked to. */
  runsFastTracked: boolean;
  /** The verifications of the newest deployment that succeeded with its shared release (none when it has none). */
  verifications: Omit<VerificationView, "environment">[];
}

type ColumnRow = {
  id: string;
  deployed: number | string;
  releases: number | string;
  release_id: string | null;
  release_commit: string | null;
  release_created_at: unknown;
  ahead_releases: number | string;
  ahead_commits: number | string;
  first_kind: string | null;
  first_commit: string | null;
  first_skipped: unknown;
  runs_fast_tracked: boolean;
  offers: unknown;
  verifications: unknown;
};

/**
 * Per fixed environment of the chain (`chainIds`, in order): how many apps run a release, how
 * many releases, the shared one, how far the previous environment is ahead (releases of its
 * release's branch in this pipeline after this one's, and their commits, as compareEnvironments
 * counts them), what the fast-track facts need, the verifications of what it runs, and the entry
 * and fast-track offers (`versionsPerOffer` apps' versions each). One statement.
 */
export async function columnFacts(db: Db, pipelineId: string, chainIds: string[], versionsPerOffer: number): Promise<{ columns: ColumnFacts[]; offers: Candidate[] }> {
  if (!chainIds.length) return { columns: [], offers: [] };
  const result = await columnFactsStatement(db, { chainIds: JSON.stringify(chainIds), pipelineId, versionsPerOffer });
  const rows = rowsOf<ColumnRow>(result);
  const columns = rows.map((row) => ({
    environmentId: row.id,
    deployed: Number(row.deployed),
    releases: Number(row.releases),
    release: row.release_id ? { releaseId: row.release_id, releaseCommit: row.release_commit, releaseCreatedAt: toDate(row.release_created_at), version: null } : null,
    ahead: { releases: Number(row.ahead_releases), commits: Number(row.ahead_commits) },
    firstDeployment: row.first_kind && row.first_commit ? { kind: row.first_kind, commit: row.first_commit, skipped: parseSkipped(row.first_skipped) } : null,
    runsFastTracked: Boolean(row.runs_fast_tracked),
    verifications: parseJson<VerificationJson[] | null>(row.verifications)?.map(verificationOf) ?? [],
  }));
  const offers = parseJson<OfferJson[]>(rows[0]?.offers ?? "[]").map((o) => ({
    kind: o.kind,
    id: o.id,
    commit: o.commit,
    versions: o.versions,
    runningIn: o.runningIn,
    rolledBackIn: o.rolledBackIn,
    soakSources: o.soakSources.map((e) => ({ ...e, since: e.since ? toDate(e.since) : null })),
  }));
  return { columns, offers };
}

// Read on every board view, and the costliest to plan: prepared (db/queries/prepared.ts).
const columnFactsStatement = preparedSql<{ chainIds: string; pipelineId: string; versionsPerOffer: number }>(
  "board_column_facts",
  () => sql`
    with chain as (
      select c.value as id, c.ordinality::int as i from jsonb_array_elements_text(${sql.placeholder("chainIds")}::jsonb) with ordinality as c
    ), per_release as (
      -- = any(array(…)): the planner then reads the chain's cells by index, not the whole table by hash.
      select ea.environment_id, ea.release_id, count(*)::int as n
        from environment_apps ea
       where ea.environment_id = any(array(select id from chain)) and ea.release_id is not null
       group by ea.environment_id, ea.release_id
    ), summary as (
      select chain.id, chain.i, coalesce(sum(pr.n), 0)::int as deployed, count(pr.release_id)::int as releases,
             min(pr.release_id) as only_release
        from chain left join per_release pr on pr.environment_id = chain.id
       group by chain.id, chain.i
    ), newest as (
      select distinct on (pr.environment_id) pr.environment_id, r.id, r.branch, r.created_at
        -- A lookup per (environment, release) pair: a plain join hashed the whole releases table (90 ms at 200,000 releases).
        from per_release pr cross join lateral (select r.id, r.branch, r.created_at from releases r where r.id = pr.release_id offset 0) r
       order by pr.environment_id, r.created_at desc, r.id desc
    ), pairs as (
      select t.i, t.id as to_id, nf.branch, nf.created_at as up_to, nt.created_at as after
        from chain t join chain f on f.i = t.i - 1
        join newest nf on nf.environment_id = f.id
        left join newest nt on nt.environment_id = t.id
       where nt.id is null or (nt.id <> nf.id and nt.created_at < nf.created_at)
    ), to_commits as (
      -- What the later environment runs already (its builds' and releases' commits): counted once, not per release.
      select distinct p.i, x.commit
        from pairs p join environment_apps ea on ea.environment_id = p.to_id
        left join builds b on b.id = ea.build_id left join releases er on er.id = ea.release_id
       cross join lateral (values (b.commit), (er.commit)) as x(commit)
       where x.commit is not null
    ), ahead as (
      select p.i, count(distinct r.id)::int as releases,
             count(distinct c.commit) filter (where c.commit not in (select tc.commit from to_commits tc where tc.i = p.i))::int as commits
        from pairs p
        join releases r on r.pipeline_id = ${sql.placeholder("pipelineId")} and r.branch = p.branch and r.created_at <= p.up_to and (p.after is null or r.created_at > p.after)
             and not exists (select 1 from environment_apps ea where ea.environment_id = p.to_id and ea.release_id = r.id)
       cross join lateral (
             select r.commit
              union
             select b.commit from release_builds rb join builds b on b.id = rb.build_id
              where rb.release_id = r.id and not exists (select 1 from environment_apps ea where ea.environment_id = p.to_id and ea.build_id = b.id)
       ) c
       group by p.i
    ), first_cell as (
      -- Each column's first app (file order) that has a cell: apps_pipeline_position_idx walked until
      -- a cell is found, instead of sorting every cell of the chain (7 ms at 600 apps × 8).
      select chain.id as environment_id, fc.deployment_id
        from chain cross join lateral (
          select ea.deployment_id from apps a join environment_apps ea on ea.environment_id = chain.id and ea.app_id = a.id
           where a.pipeline_id = ${sql.placeholder("pipelineId")}
           order by a.position, a.id limit 1) fc
    ), fast_tracked as (
      select dr.commit from chain
        join first_cell fc on fc.environment_id = chain.id
        join deployments d on d.id = fc.deployment_id and d.kind = 'fast-track'
        join releases dr on dr.id = d.release_id
       where chain.i = (select max(i) from chain)
    ), settings as (
      select chain.id, chain.i, e.settings from chain join environments e on e.id = chain.id
    ), wanted as (
      select 'entry'::text as kind, st.id as env_id, jsonb_build_array(st.settings ->> 'branch') as branches
        from settings st where st.i = 1 and st.settings ->> 'branch' is not null
      union all
      select 'fast-track'::text, st.id, st.settings -> 'fastTrack' -> 'branches'
        from settings st where st.i = (select max(i) from chain) and st.i > 1 and jsonb_typeof(st.settings -> 'fastTrack' -> 'branches') = 'array'
    ), candidates as (
      select w.kind, w.env_id, r.id, r.commit
        from wanted w
       cross join lateral (
             select r.id, r.commit, r.created_at from releases r
              where r.pipeline_id = ${sql.placeholder("pipelineId")} and r.branch in (select jsonb_array_elements_text(w.branches))
              order by r.created_at desc, r.id desc limit 1) r
       where not exists (select 1 from environment_apps ea join releases er on er.id = ea.release_id
                          where ea.environment_id = w.env_id and (er.id = r.id or er.created_at >= r.created_at))
    ), offers as materialized (
      select coalesce(jsonb_agg(jsonb_build_object(
               'kind', c.kind, 'id', c.id, 'commit', c.commit,
               'versions', (select coalesce(jsonb_agg(jsonb_build_object('app', v.app, 'version', v.version) order by v.position), '[]'::jsonb)
                              from (select a.name as app, b.version, a.position from release_builds rb
                                      join builds b on b.id = rb.build_id join apps a on a.id = rb.app_id
                                     where rb.release_id = c.id order by a.position limit ${sql.placeholder("versionsPerOffer")}::int) v),
               'runningIn', (select coalesce(jsonb_agg(distinct e.name), '[]'::jsonb)
                               from environment_apps ea join environments e on e.id = ea.environment_id
                              where ea.release_id = c.id and ea.environment_id in (select id from chain)),
               -- Where a rollout of it was rolled back and not deployed again since (deployments_release_idx:
               -- a release's few deployments).
               'rolledBackIn', (select coalesce(jsonb_agg(distinct e.name), '[]'::jsonb)
                                  from deployments d join environments e on e.id = d.environment_id
                                 where d.release_id = c.id and d.state = 'rolled-back' and d.environment_id in (select id from chain)
                                   and not exists (select 1 from deployments again where again.release_id = c.id and again.environment_id = d.environment_id
                                                      and again.state = 'succeeded' and again.created_at > d.created_at)),
               'soakSources', (select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'name', e.name, 'kind', e.kind, 'sourceEnvironmentId', e.source_environment_id, 'position', e.position, 'since', x.since)), '[]'::jsonb)
                                 from (select ea.environment_id, min(ea.deployed_at) as since from environment_apps ea
                                        where c.kind = 'fast-track' and ea.release_id = c.id and ea.environment_id <> c.env_id
                                          and ea.environment_id in (select id from environments where pipeline_id = ${sql.placeholder("pipelineId")})
                                        group by ea.environment_id) x
                                 join environments e on e.id = x.environment_id
                                where e.state not in ('torn-down', 'retired', 'tearing-down'))
             )), '[]'::jsonb) as offers
        from candidates c
    )
    select s.id, s.deployed, s.releases, (select offers from offers) as offers,
           case when s.releases = 1 then (
             select coalesce(jsonb_agg(jsonb_build_object('id', v.id, 'deploymentId', v.deployment_id, 'releaseId', v.release_id, 'name', v.name, 'status', v.status,
                      'source', v.source, 'url', v.url, 'summary', v.summary, 'createdAt', v.created_at, 'updatedAt', v.updated_at, 'finishedAt', v.finished_at) order by v.name), '[]'::jsonb)
               from verifications v
              where v.deployment_id = (select d.id from deployments d where d.environment_id = s.id and d.release_id = s.only_release and d.state = 'succeeded'
                                        order by d.finished_at desc limit 1)) end as verifications,
           case when s.releases = 1 then s.only_release end as release_id,
           case when s.releases = 1 then r.commit end as release_commit,
           case when s.releases = 1 then r.created_at end as release_created_at,
           coalesce(ah.releases, 0) as ahead_releases, coalesce(ah.commits, 0) as ahead_commits,
           d.kind as first_kind, dr.commit as first_commit, d.detail -> 'skipped' as first_skipped,
           exists (select 1 from fast_tracked ft join releases fr on fr.pipeline_id = ${sql.placeholder("pipelineId")} and fr.commit = ft.commit
                     join environment_apps ea on ea.release_id = fr.id and ea.environment_id = s.id) as runs_fast_tracked
      from summary s
      left join releases r on r.id = s.only_release
      left join ahead ah on ah.i = s.i
      left join first_cell fc on fc.environment_id = s.id
      left join deployments d on d.id = fc.deployment_id
      left join releases dr on dr.id = d.release_id
     order by s.i`,
);

type VerificationJson = Omit<VerificationView, "environment" | "createdAt" | "updatedAt" | "finishedAt"> & { createdAt: string; updatedAt: string; finishedAt: string | null };
type OfferJson = Omit<Candidate, "soakSources"> & { soakSources: (Omit<SoakSourceFacts, "since"> & { since: string | null })[] };

function verificationOf(v: VerificationJson): Omit<VerificationView, "environment"> {
  return { ...v, createdAt: toDate(v.createdAt), updatedAt: toDate(v.updatedAt), finishedAt: v.finishedAt ? toDate(v.finishedAt) : null };
}

function parseSkipped(value: unknown): string[] {
  const list = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === "string") : [];
}

/** A live environment where a fast-track candidate runs, as pickSoakSource (soak-plan.ts) chooses among them. */
export interface SoakSourceFacts {
  id: string;
  name: string;
  kind: "fixed" | "review";
  sourceEnvironmentId: string | null;
  position: number | null;
  /** When its first app started running the candidate. */
  since: Date | null;
}

/**
 * The newest release of some branches, newer than anything the environment runs: the entry offer
 * (the first environment's `branch`) and the fast-track offer (the last one's `fastTrack.branches`).
 */
export interface Candidate {
  kind: "entry" | "fast-track";
  id: string;
  commit: string;
  /** Versions of its first apps (slipway.yaml order; at most a page of them). */
  versions: { app: string; version: string }[];
  /** The fixed environments of the chain where some app runs it. */
  runningIn: string[];
  /** The fixed environments of the chain where a rollout of it was rolled back (state rolled-back). */
  rolledBackIn: string[];
  /** For the fast-track offer: where it runs besides the target, to plan its soak. */
  soakSources: SoakSourceFacts[];
}

const parseJson = <T>(value: unknown): T => (typeof value === "string" ? (JSON.parse(value) as T) : (value as T));

import { asc, desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments, pipelines } from "@/db/schema";
import { HEALTH_STALE_AFTER_MS } from "@/lib/domain/health";
import { GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { sqlList } from "@/db/schema/enums";
import type { AppStatus } from "@/lib/domain/board-rows";
import type { CellRelease } from "@/lib/domain/environment-summary";
import { environmentWith } from "./environments";

/**
 * The statements behind one page of a pipeline's board (lib/services/board-page.ts). Each reads
 * what the page shows and no more: the page's app rows, per-environment summaries aggregated in
 * SQL, the newest review environments. None loads a row per app beyond the page.
 */

const GONE = sql.raw(`(${sqlList(GONE_ENVIRONMENT_STATES)})`);
const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows;
/** Both drivers: a timestamptz may come back as a Date or as text (inside JSON it is always text). */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * The pipeline named `name` with its app and review-environment counts, its live fixed
 * environments in chain order and its newest `reviewLimit` live review environments (each with
 * the deployments in progress into it). One statement; undefined when no such pipeline exists.
 */
export async function loadChain(db: Db, name: string, reviewLimit: number) {
  return db.query.pipelines.findFirst({
    where: eq(pipelines.name, name),
    columns: { id: true, name: true, loadedAt: true, teamId: true, config: true },
    extras: {
      appCount: sql<number>`(select count(*)::int from apps a where a.pipeline_id = ${pipelines.id} and a.retired_at is null)`.as("app_count"),
      reviewCount: sql<number>`(select count(*)::int from environments r where r.pipeline_id = ${pipelines.id} and r.kind = 'review' and r.state not in ${GONE})`.as("review_count"),
      /** The owning teams its apps name (slipway.yaml `team`), for the filter. */
      teams: sql<string[] | null>`(select jsonb_agg(distinct a.settings ->> 'team') from apps a where a.pipeline_id = ${pipelines.id} and a.retired_at is null and a.settings ->> 'team' is not null)`.as("teams"),
      /** Names of its live environments, so a spin-up form suggests a free one. */
      takenNames: sql<string[] | null>`(select jsonb_agg(e.name order by e.name) from environments e where e.pipeline_id = ${pipelines.id} and e.state not in ${GONE})`.as("taken_names"),
    },
    with: {
      environments: {
        where: (e) =>
          sql`${e.state} not in ${GONE} and (${e.kind} = 'fixed' or ${e.id} in (select r.id from environments r where r.pipeline_id = ${e.pipelineId} and r.kind = 'review' and r.state not in ${GONE} order by r.created_at desc, r.id desc limit ${reviewLimit}))`,
        orderBy: [asc(environments.position), desc(environments.createdAt)],
        with: environmentWith,
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
};

/**
 * Per fixed environment of the chain (`chainIds`, in order): how many apps run a release, how
 * many releases, the shared one, how far the previous environment is ahead (releases of its
 * release's branch in this pipeline after this one's, and their commits, as compareEnvironments
 * counts them), and what the fast-track facts need. One statement.
 */
export async function columnFacts(db: Db, pipelineId: string, chainIds: string[]): Promise<ColumnFacts[]> {
  if (!chainIds.length) return [];
  const result = await db.execute(sql`
    with chain as (
      select c.value as id, c.ordinality::int as i from jsonb_array_elements_text(${json(chainIds)}) with ordinality as c
    ), per_release as (
      select ea.environment_id, ea.release_id, count(*)::int as n
        from environment_apps ea join chain on chain.id = ea.environment_id
       where ea.release_id is not null
       group by ea.environment_id, ea.release_id
    ), summary as (
      select chain.id, chain.i, coalesce(sum(pr.n), 0)::int as deployed, count(pr.release_id)::int as releases,
             min(pr.release_id) as only_release
        from chain left join per_release pr on pr.environment_id = chain.id
       group by chain.id, chain.i
    ), newest as (
      select distinct on (pr.environment_id) pr.environment_id, r.id, r.branch, r.created_at
        from per_release pr join releases r on r.id = pr.release_id
       order by pr.environment_id, r.created_at desc, r.id desc
    ), pairs as (
      select t.i, t.id as to_id, nf.branch, nf.created_at as up_to, nt.created_at as after
        from chain t join chain f on f.i = t.i - 1
        join newest nf on nf.environment_id = f.id
        left join newest nt on nt.environment_id = t.id
       where nt.id is null or (nt.id <> nf.id and nt.created_at < nf.created_at)
    ), ahead as (
      select p.i, count(distinct r.id)::int as releases,
             count(distinct c.commit) filter (where not exists (
               select 1 from environment_apps ea left join builds b on b.id = ea.build_id left join releases er on er.id = ea.release_id
                where ea.environment_id = p.to_id and (b.commit = c.commit or er.commit = c.commit)))::int as commits
        from pairs p
        join releases r on r.pipeline_id = ${pipelineId} and r.branch = p.branch and r.created_at <= p.up_to and (p.after is null or r.created_at > p.after)
             and not exists (select 1 from environment_apps ea where ea.environment_id = p.to_id and ea.release_id = r.id)
       cross join lateral (
             select r.commit
              union
             select b.commit from release_builds rb join builds b on b.id = rb.build_id
              where rb.release_id = r.id and not exists (select 1 from environment_apps ea where ea.environment_id = p.to_id and ea.build_id = b.id)
       ) c
       group by p.i
    ), first_cell as (
      select distinct on (ea.environment_id) ea.environment_id, ea.deployment_id
        from environment_apps ea join chain on chain.id = ea.environment_id join apps a on a.id = ea.app_id
       order by ea.environment_id, a.position
    ), fast_tracked as (
      select dr.commit from chain
        join first_cell fc on fc.environment_id = chain.id
        join deployments d on d.id = fc.deployment_id and d.kind = 'fast-track'
        join releases dr on dr.id = d.release_id
       where chain.i = (select max(i) from chain)
    )
    select s.id, s.deployed, s.releases,
           case when s.releases = 1 then s.only_release end as release_id,
           case when s.releases = 1 then r.commit end as release_commit,
           case when s.releases = 1 then r.created_at end as release_created_at,
           coalesce(ah.releases, 0) as ahead_releases, coalesce(ah.commits, 0) as ahead_commits,
           d.kind as first_kind, dr.commit as first_commit, d.detail -> 'skipped' as first_skipped,
           exists (select 1 from fast_tracked ft join releases fr on fr.pipeline_id = ${pipelineId} and fr.commit = ft.commit
                     join environment_apps ea on ea.release_id = fr.id and ea.environment_id = s.id) as runs_fast_tracked
      from summary s
      left join releases r on r.id = s.only_release
      left join ahead ah on ah.i = s.i
      left join first_cell fc on fc.environment_id = s.id
      left join deployments d on d.id = fc.deployment_id
      left join releases dr on dr.id = d.release_id
     order by s.i`);
  return rowsOf<ColumnRow>(result).map((row) => ({
    environmentId: row.id,
    deployed: Number(row.deployed),
    releases: Number(row.releases),
    release: row.release_id ? { releaseId: row.release_id, releaseCommit: row.release_commit, releaseCreatedAt: toDate(row.release_created_at), version: null } : null,
    ahead: { releases: Number(row.ahead_releases), commits: Number(row.ahead_commits) },
    firstDeployment: row.first_kind && row.first_commit ? { kind: row.first_kind, commit: row.first_commit, skipped: parseSkipped(row.first_skipped) } : null,
    runsFastTracked: Boolean(row.runs_fast_tracked),
  }));
}

function parseSkipped(value: unknown): string[] {
  const list = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === "string") : [];
}

/** The newest release of some branches, newer than anything the environment runs (the entry and fast-track offers). */
export interface Candidate {
  kind: "entry" | "fast-track";
  id: string;
  commit: string;
  /** Versions of the apps on the page (`pageAppIds`), in slipway.yaml order. */
  versions: { app: string; version: string }[];
  /** The fixed environments of the chain where some app runs it. */
  runningIn: string[];
}

/**
 * For each wanted offer (the first environment's branch; the last one's fast-track branches): the
 * pipeline's newest release of those branches, unless the environment runs it or anything as new.
 * One statement; none when nothing is wanted.
 */
export async function loadCandidates(db: Db, pipelineId: string, chainIds: string[], wanted: { kind: Candidate["kind"]; environmentId: string; branches: string[] }[], pageAppIds: string[]): Promise<Candidate[]> {
  const asked = wanted.filter((w) => w.branches.some(Boolean)).map((w) => ({ kind: w.kind, env_id: w.environmentId, branches: w.branches.filter(Boolean) }));
  if (!asked.length) return [];
  const result = await db.execute(sql`
    select w.kind, r.id, r.commit,
           (select coalesce(jsonb_agg(jsonb_build_object('app', a.name, 'version', b.version) order by a.position), '[]'::jsonb)
              from release_builds rb join builds b on b.id = rb.build_id join apps a on a.id = rb.app_id
             where rb.release_id = r.id and a.id in (select value from jsonb_array_elements_text(${json(pageAppIds)}))) as versions,
           (select coalesce(jsonb_agg(distinct e.name), '[]'::jsonb)
              from environment_apps ea join environments e on e.id = ea.environment_id
             where ea.release_id = r.id and ea.environment_id in (select value from jsonb_array_elements_text(${json(chainIds)}))) as running_in
      from jsonb_to_recordset(${json(asked)}) as w(kind text, env_id text, branches jsonb)
     cross join lateral (
           select r.id, r.commit, r.created_at from releases r
            where r.pipeline_id = ${pipelineId} and r.branch in (select jsonb_array_elements_text(w.branches))
            order by r.created_at desc, r.id desc limit 1) r
     where not exists (select 1 from environment_apps ea join releases er on er.id = ea.release_id
                        where ea.environment_id = w.env_id and (er.id = r.id or er.created_at >= r.created_at))`);
  return rowsOf<{ kind: Candidate["kind"]; id: string; commit: string; versions: unknown; running_in: unknown }>(result).map((row) => ({
    kind: row.kind,
    id: row.id,
    commit: row.commit,
    versions: parseJson<{ app: string; version: string }[]>(row.versions),
    runningIn: parseJson<string[]>(row.running_in),
  }));
}

const parseJson = <T>(value: unknown): T => (typeof value === "string" ? (JSON.parse(value) as T) : (value as T));

/**
 * The addresses of review environments, at most `perEnvironment` each, in slipway.yaml order: a
 * person opens one at any app's address; the board links the first and names the rest. One statement.
 */
export async function reviewAddresses(db: Db, environmentIds: string[], perEnvironment: number): Promise<Map<string, { app: string; url: string }[]>> {
  const byEnvironment = new Map<string, { app: string; url: string }[]>();
  if (!environmentIds.length) return byEnvironment;
  const result = await db.execute(sql`
    select environment_id, app, url from (
      select ea.environment_id, a.name as app, ea.url, a.position,
             row_number() over (partition by ea.environment_id order by a.position) as n
        from environment_apps ea join apps a on a.id = ea.app_id
       where ea.environment_id in (select value from jsonb_array_elements_text(${json(environmentIds)})) and ea.url is not null
    ) ranked
     where n <= ${perEnvironment}::int
     order by environment_id, position`);
  for (const row of rowsOf<{ environment_id: string; app: string; url: string }>(result)) {
    const list = byEnvironment.get(row.environment_id) ?? [];
    list.push({ app: row.app, url: row.url });
    byEnvironment.set(row.environment_id, list);
  }
  return byEnvironment;
}

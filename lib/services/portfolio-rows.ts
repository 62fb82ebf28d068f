import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Db } from "@/db/client";
import { preparedSql } from "@/db/queries/prepared";
import { rowsOf } from "@/db/queries/sql-arrays";
import { GATE_KINDS, sqlList, type DeploymentKind, type DeploymentState } from "@/db/schema/enums";
import type { Actor } from "@/lib/auth/actor";
import { healthFreshSince } from "@/lib/domain/health";
import { ACTIVE_DEPLOYMENT_STATES, FAILING_HEALTH_STATUSES, GONE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";

/**
 * The portfolio's one statement (portfolio.ts shapes its rows): a page of the visible pipelines,
 * one row per (pipeline, live fixed environment), cells aggregated in SQL.
 */

/** What the portfolio is filtered by (all optional; from the page's URL search params). */
export interface PortfolioFilter {
  /** A team's name (dnsLabel): only the pipelines that team owns. */
  team?: string | undefined;
  /** Part of a pipeline's name, case-insensitive. */
  name?: string | undefined;
  /** 1-based page of PORTFOLIO_PAGE_SIZE pipelines (name order); past the end: the last page. */
  page?: number | undefined;
  pageSize?: number | undefined;
  /** Part of an app name, case-insensitive: only pipelines with such an app. */
  app?: string | undefined;
  /** Only pipelines with an environment where a deployed app's last health is failing (isFailingHealth: unhealthy or degraded, fresh or stale). */
  failing?: boolean | undefined;
  /** Only pipelines with a deployment waiting on a decision of this person (see `myDecisions`). */
  needsMyDecision?: boolean | undefined;
  /** The waiting deployments this person may decide on now (ids, from pendingDecisions): marks them and drives `needsMyDecision`. */
  myDecisions?: ReadonlySet<string> | undefined;
}

/**
 * Pipelines per portfolio page. 20 cards are two to three screens; 50 were 390 KB of HTML and
 * payload (45–48 ms of server CPU per view on the scale benchmark), re-rendered on every 10 s refresh
 * of every open portfolio. Filters (team, name, app, mine) find the rest.
 */
export const PORTFOLIO_PAGE_SIZE = 20;

const GONE = sql.raw(`(${sqlList(GONE_ENVIRONMENT_STATES)})`);
/**
 * Failing health as literals, not parameters: a literal list matches the predicate of
 * environment_apps_unhealthy_idx (db/schema/pipeline.ts, built from the same constant), which a
 * prepared statement's parameters could not prove.
 */
const FAILING_HEALTH = sql.raw(`(${sqlList(FAILING_HEALTH_STATUSES)})`);

export type EnvironmentRow = {
  /** null: no pipeline on the page (the row carries the counts only). */
  pipeline_id: string | null;
  pipeline_name: string;
  loaded_at: unknown;
  team_id: string | null;
  team_name: string | null;
  team_display: string | null;
  visible_count: unknown;
  matching_count: unknown;
  page: unknown;
  app_count: unknown;
  review_count: unknown;
  matched_apps: string[] | null;
  env_id: string | null;
  env_name: string | null;
  position: number | null;
  held: boolean | null;
  settings: unknown;
  deployed: unknown;
  releases: unknown;
  release_id: string | null;
  deployed_at: unknown;
  release_commit: string | null;
  release_branch: string | null;
  release_created_at: unknown;
  healthy: unknown;
  degraded: unknown;
  unhealthy: unknown;
  stale: unknown;
  /** The oldest health reading counted as fresh (healthFreshSince at the read's time), else null. */
  oldest_fresh: unknown;
  open_incidents: unknown;
  deployments: unknown;
};

export type DeploymentRow = { id: string; kind: DeploymentKind; state: DeploymentState; release_commit: string; blocker: string | null; approvals: string | null };

/**
 * One page of the visible pipelines matching `filter` (name order; the failing and decision
 * filters in SQL too, so pages are whole), as one row per (pipeline, live fixed environment) with
 * its cells aggregated and its deployments in flight (each with its first unmet gate) as JSON; a
 * pipeline without environments still appears once. Every row carries the counts and the page.
 */
export async function environmentRows(db: Db, actor: Actor, filter: PortfolioFilter, now: Date): Promise<EnvironmentRow[]> {
  const like = (v: string) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const size = Math.max(1, Math.min(200, filter.pageSize ?? PORTFOLIO_PAGE_SIZE));
  const values: PortfolioValues = {
    fresh: healthFreshSince(now).toISOString(),
    mine: JSON.stringify([...(filter.myDecisions ?? [])]),
    anyHealth: !filter.failing,
    anyDecision: !filter.needsMyDecision,
    page: Math.max(1, Math.floor(filter.page ?? 1)),
    size,
  };
  const narrowing: PortfolioNarrowing = {
    restriction: actor.pipelineRestriction ?? null,
    team: filter.team || null,
    name: filter.name ? like(filter.name) : null,
    pattern: filter.app ? like(filter.app) : null,
  };
  // The portfolio as most people open it (every pipeline they may see, nothing typed in) is the
  // prepared statement; a narrowed one is built per request.
  const narrowed = Object.values(narrowing).some((value) => value !== null);
  const result = narrowed ? await db.execute(environmentRowsSql(values, narrowing)) : await broadPortfolioStatement(db, values);
  return rowsOf<EnvironmentRow>(result);
}

/** What varies per request in the portfolio's statement (placeholders in its prepared form). */
type PortfolioValues = { fresh: string; mine: string; anyHealth: boolean; anyDecision: boolean; page: number; size: number };
/** What narrows the pipelines (null: not narrowed); each present part changes the statement's text. */
type PortfolioNarrowing = { restriction: string | null; team: string | null; name: string | null; pattern: string | null };

const placeholders = <T extends Record<string, unknown>>(keys: (keyof T & string)[]) => Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)])) as unknown as { [K in keyof T]: SQLWrapper };

/** Read on every portfolio view: prepared (db/queries/prepared.ts); 3–4 ms to plan on every request otherwise. */
const broadPortfolioStatement = preparedSql<PortfolioValues>("portfolio_environment_rows", () =>
  environmentRowsSql(placeholders<PortfolioValues>(["fresh", "mine", "anyHealth", "anyDecision", "page", "size"]), { restriction: null, team: null, name: null, pattern: null }),
);

function environmentRowsSql(v: { [K in keyof PortfolioValues]: PortfolioValues[K] | SQLWrapper }, f: PortfolioNarrowing): SQL {
  const order = sql.raw(`array[${GATE_KINDS.map((g) => `'${g}'`).join(", ")}]::text[]`);
  return sql`
    with envs as (
      select e.id, e.pipeline_id, e.name, e.position, e.held_at, e.settings
        from environments e
       where e.kind = 'fixed' and e.state not in ${GONE}
    ), visible as (
      select p.id, p.name, p.loaded_at, p.team_id, t.name as team_name, t.display_name as team_display,
             -- The last health recorded, fresh or stale (isFailingHealth in lib/domain/health.ts).
             exists (select 1 from environment_apps ea join envs on envs.id = ea.environment_id
                      where envs.pipeline_id = p.id and ea.build_id is not null
                        and ea.health_status in ${FAILING_HEALTH}) as failing,
             exists (select 1 from deployments d join envs on envs.id = d.environment_id
                      where envs.pipeline_id = p.id and d.state in ('waiting', 'queued')
                        and d.id in (select value from jsonb_array_elements_text(${v.mine}::jsonb))) as mine
        from pipelines p
        left join teams t on t.id = p.team_id
       where true
         ${f.restriction ? sql`and p.id = ${f.restriction}` : sql``}
         ${f.team ? sql`and t.name = ${f.team}` : sql``}
         ${f.name ? sql`and p.name ilike ${f.name}` : sql``}
         ${f.pattern ? sql`and exists (select 1 from apps a where a.pipeline_id = p.id and a.retired_at is null and a.name ilike ${f.pattern})` : sql``}
    ), counted as (
      select v.*, count(*) over () as visible_count,
             count(*) filter (where (${v.anyHealth}::boolean or v.failing) and (${v.anyDecision}::boolean or v.mine)) over () as matching_count
        from visible v
    ), bounds as (
      select greatest(1, least(${v.page}::int, ceil(coalesce(max(matching_count), 0)::numeric / ${v.size}::int)::int)) as page from counted
    ), page_of as (
      select c.* from counted c
       where (${v.anyHealth}::boolean or c.failing) and (${v.anyDecision}::boolean or c.mine)
       order by c.name
       limit ${v.size}::int offset ((select page from bounds) - 1) * ${v.size}::int
    ), chosen as (
      -- Counted once per pipeline of the page (in the final select they ran once per environment row).
      select p.*,
             (select count(*) from apps a where a.pipeline_id = p.id and a.retired_at is null) as app_count,
             (select count(*) from environments r where r.pipeline_id = p.id and r.kind = 'review' and r.state not in ${GONE}) as review_count,
             ${f.pattern ? sql`(select (array_agg(a.name order by a.position))[1:6] from apps a where a.pipeline_id = p.id and a.retired_at is null and a.name ilike ${f.pattern})` : sql`null::text[]`} as matched_apps
        from page_of p
    ), pairs as (
      -- Two steps (per release, then per environment) instead of count(distinct)/mode(): no sort of
      -- every cell by text, which is what a large organisation's page would spend its time on.
      select ea.environment_id collate "C" as environment_id, ea.release_id collate "C" as release_id,
             count(ea.build_id) as deployed,
             max(ea.deployed_at) as deployed_at,
             count(*) filter (where ea.build_id is not null and ea.health_observed_at >= ${v.fresh} and ea.health_status = 'healthy') as healthy,
             -- Unhealthy and degraded count however old (the last thing known); healthy only while fresh
             -- (healthFreshSince in lib/domain/health.ts: observed at or after it, as isHealthStale judges a cell).
             count(*) filter (where ea.build_id is not null and ea.health_status = 'degraded') as degraded,
             count(*) filter (where ea.build_id is not null and ea.health_status = 'unhealthy') as unhealthy,
             count(*) filter (where ea.build_id is not null and (ea.health_observed_at is null or ea.health_observed_at < ${v.fresh})) as stale,
             -- The first of the fresh readings to go stale: the counts hold until then (a shared read's bound).
             min(ea.health_observed_at) filter (where ea.build_id is not null and ea.health_observed_at >= ${v.fresh}) as oldest_fresh
        from environment_apps ea
        join envs on envs.id = ea.environment_id
       where envs.pipeline_id in (select id from chosen)
       group by ea.environment_id collate "C", ea.release_id collate "C"
    ), cells as (
      select environment_id,
             sum(deployed) as deployed,
             count(release_id) as releases,
             (array_agg(release_id order by deployed desc, release_id) filter (where release_id is not null))[1] as release_id,
             max(deployed_at) as deployed_at,
             sum(healthy) as healthy, sum(degraded) as degraded, sum(unhealthy) as unhealthy, sum(stale) as stale,
             min(oldest_fresh) as oldest_fresh
        from pairs
       group by environment_id
    )
    select p.id as pipeline_id, p.name as pipeline_name, p.loaded_at, p.team_id, p.team_name, p.team_display,
           (select coalesce(max(visible_count), 0) from counted) as visible_count,
           (select coalesce(max(matching_count), 0) from counted) as matching_count, b.page,
           p.app_count, p.review_count, p.matched_apps,
           e.id as env_id, e.name as env_name, e.position, e.held_at is not null as held,
           case when jsonb_typeof(e.settings -> 'gates' -> 'freezes') = 'array' then jsonb_build_object('gates', jsonb_build_object('freezes', e.settings -> 'gates' -> 'freezes')) end as settings,
           coalesce(c.deployed, 0) as deployed, coalesce(c.releases, 0) as releases, c.release_id, c.deployed_at,
           r.commit as release_commit, r.branch as release_branch, r.created_at as release_created_at,
           coalesce(c.healthy, 0) as healthy, coalesce(c.degraded, 0) as degraded, coalesce(c.unhealthy, 0) as unhealthy, coalesce(c.stale, 0) as stale, c.oldest_fresh,
           (select count(*) from incidents i where i.state = 'open' and i.environment_id = e.id) as open_incidents,
           (select jsonb_agg(jsonb_build_object('id', d.id, 'kind', d.kind, 'state', d.state, 'release_commit', dr.commit,
                     'blocker', (select g.reason from gate_results g where g.deployment_id = d.id and g.status not in ('pass', 'waived')
                                  order by array_position(${order}, g.gate) limit 1),
                     'approvals', (select g.reason from gate_results g where g.deployment_id = d.id and g.gate = 'approvals' and g.status = 'pending' limit 1))
                   order by d.created_at, d.id)
              from deployments d join releases dr on dr.id = d.release_id
             where d.environment_id = e.id and d.state in (${sql.raw(sqlList(ACTIVE_DEPLOYMENT_STATES))})) as deployments
      from bounds b
      left join chosen p on true
      left join envs e on e.pipeline_id = p.id
      left join cells c on c.environment_id = e.id
      -- Back to the default collation: compared as "C", the key could not use releases' index (a hash of every release).
      left join releases r on r.id = (c.release_id collate "default")
     order by p.name, e.position nulls last`;
}

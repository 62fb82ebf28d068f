import { sql } from "drizzle-orm";
import { preparedSql } from "@/db/queries/prepared";
import { rowsOf } from "@/db/queries/sql-arrays";
import type { Db } from "@/db/client";
import type { CellRelease } from "@/lib/domain/environment-summary";
import type { VerificationView } from "./verifications";
import { toDate } from "./board-queries";

/**
 * The board's per-column facts and its entry and fast-track offers (lib/services/board-page.ts),
 * aggregated in SQL over every app of each environment: one prepared statement per board view.
 */

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
  /** The newest rollout that ended here (one that started), when it failed (the release it tried, why, when); null when it did not. */
  lastFailure: LastFailure | null;
  /** The previous column's release when a deployment of it was rolled back here (and it did not succeed here since), with when; else null. */
  rolledBack: { releaseId: string; at: Date } | null;
}

/** A rollout that failed and has not been followed by another finished one. */
export interface LastFailure {
  deploymentId: string;
  kind: string;
  commit: string;
  reason: string | null;
  at: Date;
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
  last_failure: unknown;
  rolled_back_release: string | null;
  rolled_back_at: unknown;
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
    lastFailure: lastFailureOf(parseJson<LastFailureJson | null>(row.last_failure)),
    rolledBack: row.rolled_back_release ? { releaseId: row.rolled_back_release, at: toDate(row.rolled_back_at as string | Date) } : null,
  }));
  const offers = parseJson<OfferJson[]>(rows[0]?.offers ?? "[]").map((o) => ({
    kind: o.kind,
    id: o.id,
    commit: o.commit,
    versions: o.versions,
    runningIn: o.runningIn,
    rolledBackIn: o.rolledBackIn,
    failedIn: o.failedIn,
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
               -- Where a rollout bringing it in started and failed (a request its gates refused never
               -- started; a config change or a rollback does not bring it in), unless it went there since
               -- (a later success stays a success when it is rolled back: that is rolledBackIn).
               'failedIn', (select coalesce(jsonb_agg(distinct e.name), '[]'::jsonb)
                              from deployments d join environments e on e.id = d.environment_id
                             where d.release_id = c.id and d.state = 'failed' and d.started_at is not null and d.kind in ('promote', 'fast-track', 'redeploy')
                               and d.environment_id in (select id from chain)
                               and not exists (select 1 from deployments again where again.release_id = c.id and again.environment_id = d.environment_id
                                                  and again.state in ('succeeded', 'rolled-back') and again.created_at > d.created_at)),
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
           -- The newest rollout that ended (it started: succeeded, failed or rolled back — not a request
           -- cancelled, superseded or stopped by its gates before it ran), when it failed:
           -- deployments_env_ended_idx read backwards.
           (select jsonb_build_object('deploymentId', ld.id, 'kind', ld.kind, 'commit', lr.commit, 'reason', ld.failure_reason, 'at', ld.ended)
              from (select d.id, d.kind, d.state, d.release_id, d.failure_reason, coalesce(d.finished_at, d.created_at) as ended from deployments d
                     where d.environment_id = s.id and d.state in ('succeeded', 'failed', 'rolled-back') and d.started_at is not null
                     order by coalesce(d.finished_at, d.created_at) desc limit 1) ld
              join releases lr on lr.id = ld.release_id
             where ld.state = 'failed') as last_failure,
           -- The previous column's release, when a deployment of it was rolled back here (a rollback marks
           -- the one it undid, at updated_at) and it has not succeeded here since: its Promote says so.
           rb.release_id as rolled_back_release, rb.ended as rolled_back_at,
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
      left join summary ps on ps.i = s.i - 1 and ps.releases = 1
      -- By release (deployments_release_idx: a release's few deployments), not by environment: a clean
      -- environment has no rolled-back row to stop a walk over its whole history.
      left join lateral (
        select x.release_id, x.updated_at as ended from deployments x
         where x.release_id = ps.only_release and x.environment_id = s.id and x.state = 'rolled-back'
           and not exists (select 1 from deployments again where again.release_id = x.release_id and again.environment_id = s.id
                              and again.state = 'succeeded' and again.created_at > x.created_at)
         order by x.updated_at desc limit 1
      ) rb on true
     order by s.i`,
);

type VerificationJson = Omit<VerificationView, "environment" | "createdAt" | "updatedAt" | "finishedAt"> & { createdAt: string; updatedAt: string; finishedAt: string | null };
type OfferJson = Omit<Candidate, "soakSources"> & { soakSources: (Omit<SoakSourceFacts, "since"> & { since: string | null })[] };

type LastFailureJson = Omit<LastFailure, "at"> & { at: string };

function lastFailureOf(json: LastFailureJson | null): LastFailure | null {
  return json ? { ...json, at: toDate(json.at) } : null;
}

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
  /** The fixed environments of the chain where a rollout of it started and failed (state failed). */
  failedIn: string[];
  /** For the fast-track offer: where it runs besides the target, to plan its soak. */
  soakSources: SoakSourceFacts[];
}

const parseJson = <T>(value: unknown): T => (typeof value === "string" ? (JSON.parse(value) as T) : (value as T));

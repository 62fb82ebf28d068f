/**
 * The data set's phases as bulk SQL (generate_series, unnest), on one session with triggers off.
 * Small tables (users, pipelines, apps, environments) are built in Node and sent as arrays; large
 * ones (releases, builds, deployments, steps, gates, cells) are generated inside PostgreSQL from
 * session temp tables describing the pipelines. Ids look like the application's (`dep_` + 32 hex,
 * time first) so they sort by creation as real ones do.
 */
import type { PoolClient } from "pg";
import type { DatasetOptions, DatasetPlan } from "./dataset-plan";

export interface PhaseContext {
  client: PoolClient;
  plan: DatasetPlan;
  options: DatasetOptions;
  /** ms since epoch: the data set ends just before `now` and starts at `from` (two years earlier). */
  now: number;
  from: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const idAt = (prefix: string, at: number, n: number) => `${prefix}_${hex(at, 12)}${hex(n, 20)}`;

async function hasColumn(client: PoolClient, table: string, column: string): Promise<boolean> {
  const r = await client.query("select 1 from information_schema.columns where table_schema = 'public' and table_name = $1 and column_name = $2", [table, column]);
  return (r.rowCount ?? 0) > 0;
}

async function skeleton({ client, plan, options, now, from }: PhaseContext): Promise<void> {
  await client.query(`create or replace function pg_temp.bid(prefix text, t timestamptz, n bigint) returns text language sql immutable as
    $$ select prefix || '_' || lpad(to_hex((extract(epoch from t) * 1000)::bigint), 12, '0') || lpad(to_hex(n), 20, '0') $$`);
  const users = [{ id: idAt("usr", from, 0), email: "admin@bench.example.com", name: "Bench Admin", role: "admin" }];
  const roles = ["developer", "delivery-lead", "tech-lead", "viewer"];
  for (let i = 1; i <= plan.users; i++) users.push({ id: idAt("usr", from, i), email: `user-${String(i).padStart(3, "0")}@bench.example.com`, name: `Bench User ${i}`, role: roles[i % roles.length]! });
  await client.query("insert into users (id, email, name, created_at) select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])", [
    users.map((u) => u.id),
    users.map((u) => u.email),
    users.map((u) => u.name),
    users.map(() => new Date(from).toISOString()),
  ]);
  await client.query("insert into role_memberships (user_id, role) select * from unnest($1::text[], $2::text[])", [users.map((u) => u.id), users.map((u) => u.role)]);

  const pipelineRows: unknown[][] = [[], [], [], [], []];
  const appRows: unknown[][] = [[], [], [], [], [], []];
  const envRows: unknown[][] = [[], [], [], [], [], [], [], [], [], [], [], []];
  const benchPipe: unknown[][] = [[], [], [], [], [], []];
  const benchEnv: unknown[][] = [[], [], [], []];
  const benchReview: unknown[][] = [[], [], []];
  let relBase = 0;
  let reviewNo = 0;
  for (const p of plan.pipelines) {
    const pipelineId = idAt("pip", from, p.index);
    [pipelineId, p.name, p.hash, JSON.stringify(p.config), new Date(from).toISOString()].forEach((v, i) => pipelineRows[i]!.push(v));
    p.config.apps.forEach((app, position) => {
      const { name, description, ...settings } = app;
      [idAt("app", from, p.index * 1000 + position), pipelineId, name, description ?? null, position, JSON.stringify(settings)].forEach((v, i) => appRows[i]!.push(v));
    });
    const envIds = p.config.environments.map((_, k) => idAt("env", from, p.index * 16 + k));
    p.config.environments.forEach((environment, k) => {
      [envIds[k], pipelineId, environment.name, "fixed", k, "active", environment.platform ?? "local", JSON.stringify(environment), null, null, null, null].forEach((v, i) => envRows[i]!.push(v));
      [p.index, envIds[k], k, k > 0 ? envIds[k - 1] : null].forEach((v, i) => benchEnv[i]!.push(v));
    });
    for (let r = 0; r < p.reviewEnvironments; r++, reviewNo++) {
      const id = idAt("env", now - 86_400_000, 1_000_000 + reviewNo);
      const owner = users[1 + (reviewNo % plan.users)]!.id;
      // "one": a partial review environment (clone: changed, the product's default) that changes one app; "full": a full clone.
      const settings = JSON.stringify({ clone: options.reviewCells === "one" ? "changed" : "full" });
      [id, pipelineId, `review-${String(reviewNo).padStart(3, "0")}`, "review", null, "ready", "local", settings, envIds[0], `feature/bench-${reviewNo}`, owner, new Date(now + 7 * 86_400_000).toISOString()].forEach((v, i) =>
        envRows[i]!.push(v),
      );
      [p.index, id, envIds[0]].forEach((v, i) => benchReview[i]!.push(v));
    }
    [p.index, pipelineId, p.apps.length, p.environments.length, p.releases, relBase].forEach((v, i) => benchPipe[i]!.push(v));
    relBase += p.releases;
  }
  await client.query("insert into pipelines (id, name, config_hash, config, loaded_at) select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[])", pipelineRows);
  await client.query("insert into apps (id, pipeline_id, name, description, position, settings) select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::jsonb[])", appRows);
  await client.query(
    `insert into environments (id, pipeline_id, name, kind, position, state, platform, settings, source_environment_id, branch, owner_id, expires_at, created_by, last_request_at)
     select e.*, e.owner, now() from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])
       as e(id, pipeline_id, name, kind, position, state, platform, settings, source, branch, owner, expires)`,
    envRows,
  );
  await client.query(`create temp table bench_pipe as select * from unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::int[], $6::bigint[]) as p(pidx, pipeline_id, n_apps, n_envs, n_rel, rel_base)`, benchPipe);
  await client.query(`create temp table bench_env as select * from unnest($1::int[], $2::text[], $3::int[], $4::text[]) as e(pidx, env_id, pos, prev_env_id)`, benchEnv);
  await client.query(`create temp table bench_review as select * from unnest($1::int[], $2::text[], $3::text[]) as r(pidx, env_id, source_env_id)`, benchReview);
  await client.query(`create temp table bench_app as select p.pidx, a.id as app_id, a.position as apos from apps a join bench_pipe p on p.pipeline_id = a.pipeline_id`);
  await client.query(`create temp table bench_user as select row_number() over (order by email) - 1 as k, id from users where email like '%@bench.example.com'`);
  await client.query("analyze bench_pipe; analyze bench_env; analyze bench_app; analyze bench_review");
  void options;
}

/** Two teams per ~25 pipelines own them, when the schema has teams (issue 18); skipped otherwise. */
async function teams({ client, plan, from }: PhaseContext, log: (line: string) => void): Promise<void> {
  if (!(await hasColumn(client, "pipelines", "team_id")) || !(await hasColumn(client, "teams", "id"))) {
    log("    (no pipelines.team_id / teams table in this schema: teams skipped)");
    return;
  }
  const cols = ["id", "name", "display_name"];
  if (await hasColumn(client, "teams", "created_by")) cols.push("created_by");
  if (await hasColumn(client, "teams", "created_at")) cols.push("created_at");
  for (let t = 0; t < plan.teams; t++) {
    const values: unknown[] = [idAt("team", from, t), `team-${String(t).padStart(2, "0")}`, `Team ${t}`];
    if (cols.includes("created_by")) values.push(idAt("usr", from, 0));
    if (cols.includes("created_at")) values.push(new Date(from).toISOString());
    await client.query(`insert into teams (${cols.join(", ")}) values (${values.map((_, i) => `$${i + 1}`).join(", ")})`, values);
  }
  await client.query(`update pipelines p set team_id = $1 || '_' || lpad(to_hex((extract(epoch from $2::timestamptz) * 1000)::bigint), 12, '0') || lpad(to_hex(b.pidx % $3), 20, '0') from bench_pipe b where b.pipeline_id = p.id`, [
    "team",
    new Date(from).toISOString(),
    plan.teams,
  ]);
}

async function releases({ client, now, from }: PhaseContext): Promise<void> {
  const span = now - 86_400_000 - from;
  await client.query(
    `create temp table bench_rel as
     select r.*, pg_temp.bid('rel', r.t, r.gid) as id, lag(pg_temp.bid('rel', r.t, r.gid)) over (partition by r.pidx order by r.i) as prev_id
     from (select p.pidx, i, p.rel_base + i as gid, i = p.n_rel as last, to_timestamp(floor($1::float8 + (i - 1)::float8 * $2::float8 / p.n_rel) / 1000) as t
           from bench_pipe p, generate_series(1, p.n_rel) i) r`,
    [from, span],
  );
  await client.query("create index on bench_rel (pidx, i); analyze bench_rel");
  await client.query(
    `insert into releases (id, pipeline_id, commit, branch, build_number, created_by, created_at, committed_at)
     select r.id, p.pipeline_id, md5('c' || r.gid) || substr(md5('d' || r.gid), 1, 8), 'main', r.i, (select id from bench_user where k = 0), r.t, r.t
     from bench_rel r join bench_pipe p using (pidx)`,
  );
  // Each release changes one or two apps; the newest release of each pipeline carries a build of every app.
  await client.query(
    `create temp table bench_bld as
     select x.pidx, x.i, x.gid, x.t, x.apos, x.last, a.app_id, pg_temp.bid('bld', x.t, x.gid * 1000 + x.apos) as id, x.rel_id
     from (
       select r.pidx, r.i, r.gid, r.t, r.last, r.id as rel_id, (r.i * 7) % p.n_apps as apos from bench_rel r join bench_pipe p using (pidx) where not r.last
       union all
       select r.pidx, r.i, r.gid, r.t, r.last, r.id, (r.i * 13 + 1) % p.n_apps from bench_rel r join bench_pipe p using (pidx)
         where not r.last and r.i % 3 = 0 and (r.i * 13 + 1) % p.n_apps <> (r.i * 7) % p.n_apps
       union all
       select r.pidx, r.i, r.gid, r.t, r.last, r.id, g from bench_rel r join bench_pipe p using (pidx), generate_series(0, p.n_apps - 1) g where r.last
     ) x join bench_app a on a.pidx = x.pidx and a.apos = x.apos`,
  );
  await client.query(
    `insert into builds (id, app_id, version, commit, branch, digest, tests, created_by, created_at)
     select b.id, b.app_id, case when b.last then '2.0.' || b.apos else '1.' || b.i || '.' || b.apos end,
            md5('c' || b.gid) || substr(md5('d' || b.gid), 1, 8), 'main', 'sha256:' || md5('a' || b.gid || ':' || b.apos) || md5('b' || b.gid || ':' || b.apos),
            '{"passed": true, "total": 120, "failed": 0}'::jsonb, (select id from bench_user where k = 0), b.t
     from bench_bld b`,
  );
  await client.query("insert into release_builds (release_id, app_id, build_id) select rel_id, app_id, id from bench_bld");
  await client.query("create index on bench_bld (pidx, apos) where last; analyze bench_bld");
}

async function deployments({ client }: PhaseContext): Promise<void> {
  await client.query(
    `create temp table bench_dep as
     select r.pidx, r.i, r.gid, r.last, e.pos, e.env_id, e.prev_env_id, r.id as rel_id, r.prev_id as prev_rel_id,
            r.gid * 16 + e.pos as n, r.t + e.pos * interval '2 hours' as t, pg_temp.bid('dep', r.t + e.pos * interval '2 hours', r.gid * 16 + e.pos) as id
     from bench_rel r join bench_env e using (pidx)`,
  );
  await client.query("analyze bench_dep");
  const users = Number((await client.query("select count(*)::int as n from bench_user")).rows[0].n);
  await client.query(
    `insert into deployments (id, environment_id, release_id, kind, state, strategy, from_environment_id, previous_release_id, requested_by, requested_via,
                              reason, failure_reason, created_at, started_at, finished_at, updated_at)
     select d.id, d.env_id, d.rel_id, 'promote', s.state, 'rolling', d.prev_env_id, d.prev_rel_id, u.id, case when d.n % 3 = 0 then 'api' else 'ui' end,
            case when d.n % 5 = 0 then 'weekly release' end, case when s.state = 'failed' then 'verify: health check failed on 1 of 2 instances' end,
            d.t, d.t + interval '5 seconds', d.t + interval '3 minutes', d.t + interval '3 minutes'
     from bench_dep d
     cross join lateral (select case when d.last then 'succeeded' when d.n % 23 = 0 then 'failed' when d.n % 97 = 0 then 'rolled-back'
                                     when d.n % 53 = 0 then 'cancelled' else 'succeeded' end as state) s
     join bench_user u on u.k = d.n % $1`,
    [users],
  );
}

async function steps({ client }: PhaseContext): Promise<void> {
  await client.query(
    `insert into deployment_steps (id, deployment_id, position, name, state, attempts, started_at, finished_at, log)
     select pg_temp.bid('stp', d.t, d.n * 4 + k), d.id, k, (array['start new version', 'verify health', 'switch traffic'])[k + 1],
            case when k = 2 and d.n % 23 = 0 and not d.last then 'failed' else 'succeeded' end, 1,
            d.t + k * interval '30 seconds', d.t + (k + 1) * interval '30 seconds', ''
     from bench_dep d, generate_series(0, 2) k`,
  );
}

async function gates({ client }: PhaseContext): Promise<void> {
  await client.query(
    `insert into gate_results (id, deployment_id, gate, status, reason, evaluated_at)
     select pg_temp.bid('gat', d.t, d.n * 4 + g.k), d.id, g.gate, 'pass', g.reason, d.t
     from bench_dep d join bench_pipe p using (pidx)
     cross join lateral (values (0, 'tests', 'every build passed its CI tests'), (1, 'approvals', '1 of 1 approval from delivery-lead')) as g(k, gate, reason)
     where d.pos > 0 and (g.k = 0 or d.pos >= p.n_envs - 2)`,
  );
}

async function cells({ client, options }: PhaseContext): Promise<void> {
  await client.query(
    `insert into environment_apps (environment_id, app_id, release_id, build_id, deployment_id, deployed_at, deployed_by, health_status, health_observed_at, url)
     select e.env_id, b.app_id, b.rel_id, b.id, d.id, d.t + interval '3 minutes', (select id from bench_user where k = 0), 'healthy', now(), null
     from bench_env e join bench_bld b on b.pidx = e.pidx and b.last join bench_dep d on d.pidx = e.pidx and d.last and d.pos = e.pos`,
  );
  await client.query(
    `insert into environment_apps (environment_id, app_id, release_id, build_id, deployment_id, deployed_at, deployed_by, health_status, health_observed_at)
     select r.env_id, b.app_id, b.rel_id, b.id, null, now() - interval '1 day', (select id from bench_user where k = 0), 'healthy', now()
     from bench_review r join bench_bld b on b.pidx = r.pidx and b.last
     where $1 = 'full'`,
    [options.reviewCells],
  );
  // A partial review environment holds the one app it changes, on a build its source does not run
  // (the newest earlier build of the pipeline's first app; its last build when there is none).
  await client.query(
    `insert into environment_apps (environment_id, app_id, release_id, build_id, deployment_id, deployed_at, deployed_by, health_status, health_observed_at)
     select r.env_id, b.app_id, b.rel_id, b.id, null, now() - interval '1 day', (select id from bench_user where k = 0), 'healthy', now()
     from bench_review r
     cross join lateral (select * from bench_bld b where b.pidx = r.pidx and b.apos = 0 order by b.last, b.t desc limit 1) b
     where $1 = 'one'`,
    [options.reviewCells],
  );
}

export const dataPhases = { skeleton, teams, releases, deployments, steps, gates, cells };

/**
 * What the benchmark reads from (and the one thing it writes to) the data set's database: the big
 * pipeline, the page to measure, the release to promote, the cursor 10,000 rows deep, an API token
 * for the data set's admin, and EXPLAIN (ANALYZE, BUFFERS) of the history and audit queries.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import fs from "node:fs";
import type pg from "pg";
import { hashToken } from "@/lib/services/tokens";
import { encodeCursor } from "@/lib/services/pagination";

export interface Facts {
  big: { id: string; name: string; apps: number };
  envPage: string;
  promote: { environment: string; releaseIds: string[] };
  deepCursor: string;
  deepCreatedAt: Date;
  deepId: string;
  auditMaxSeq: number;
  adminEmail: string;
  token: string;
  pipelinesDir: string;
  summary: string;
}

const TOKEN_NAME = "bench-measure";

export async function benchFacts(client: pg.Client, outDir: string): Promise<Facts> {
  const q = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) => (await client.query<T>(text, params)).rows;
  const manifest = path.join(outDir, "manifest.json");
  const bigName = fs.existsSync(manifest) ? (JSON.parse(fs.readFileSync(manifest, "utf8")) as { bigPipeline: string }).bigPipeline : null;
  const [big] = await q<{ id: string; name: string; apps: number }>(
    "select p.id, p.name, count(*)::int as apps from pipelines p join apps a on a.pipeline_id = p.id where $1::text is null or p.name = $1 group by p.id order by count(*) desc limit 1",
    [bigName],
  );
  if (!big) throw new Error("No pipelines in this database: build the data set first (scripts/bench/build-dataset.ts).");
  const envs = (await q<{ name: string }>("select name from environments where pipeline_id = $1 and kind = 'fixed' and state = 'active' order by position", [big.id])).map((r) => r.name);
  const envPage = envs.includes("prod") ? "prod" : envs.at(-1)!;
  // Promotes rotate over recent releases that succeeded in the first environment (any other is refused with a 422: releases
  // move one environment at a time); a second promote of the same release while the first is queued supersedes it.
  const recent = (
    await q<{ id: string }>(
      `select r.id from releases r
        where r.pipeline_id = $1
          and exists (select 1 from deployments d join environments e on e.id = d.environment_id
                       where d.release_id = r.id and e.pipeline_id = $1 and e.name = $2 and d.state = 'succeeded')
        order by r.created_at desc offset 1 limit 500`,
      [big.id, envs[0]],
    )
  ).map((r) => r.id);
  if (!recent.length) throw new Error(`No release of ${big.name} succeeded in ${envs[0]} (besides the newest): nothing to promote into ${envs[1] ?? envs[0]}. Rebuild the data set.`);
  const [deep] = await q<{ created_at: Date; id: string }>("select created_at, id from deployments order by created_at desc, id desc offset 9999 limit 1");
  const [audit] = await q<{ max: string }>("select coalesce(max(seq), 0) as max from audit_events");
  const [admin] = await q<{ id: string; email: string }>(
    "select u.id, u.email from users u join role_memberships m on m.user_id = u.id where m.role = 'admin' and u.disabled_at is null and u.id not like 'usr_system%' order by u.email limit 1",
  );
  if (!admin) throw new Error("No admin user in this database to measure as.");
  const token = `slw_${randomBytes(32).toString("base64url")}`;
  await client.query("delete from api_tokens where name = $1", [TOKEN_NAME]);
  await client.query("insert into api_tokens (id, user_id, name, token_hash, prefix, created_by) values ($1, $2, $3, $4, $5, $2)", [`tok_bench${randomBytes(12).toString("hex")}`, admin.id, TOKEN_NAME, hashToken(token), token.slice(0, 10)]);
  const counts = (
    await q<{ t: string; n: string }>(
      "select 'pipelines' as t, count(*) as n from pipelines union all select 'apps', count(*) from apps union all select 'review environments', count(*) from environments where kind = 'review' union all select 'deployments', count(*) from deployments union all select 'audit events', count(*) from audit_events union all select 'cells', count(*) from environment_apps",
    )
  ).map((r) => `${Number(r.n).toLocaleString("en")} ${r.t}`);
  const pipelinesDir = path.join(outDir, "pipelines");
  if (!fs.existsSync(path.join(pipelinesDir, `${big.name}.yaml`))) throw new Error(`${pipelinesDir}/${big.name}.yaml is missing: build-dataset.ts writes it (use the same --out).`);
  return {
    big,
    envPage,
    promote: { environment: envs[1] ?? envs[0]!, releaseIds: recent },
    deepCursor: deep ? encodeCursor({ at: deep.created_at, id: deep.id }) : "",
    deepCreatedAt: deep?.created_at ?? new Date(),
    deepId: deep?.id ?? "",
    auditMaxSeq: Number(audit?.max ?? 0),
    adminEmail: admin.email,
    token,
    pipelinesDir,
    summary: counts.join(", "),
  };
}

/** The history and audit list queries as the services send them (listDeployments, listAuditEvents), explained. */
export async function explainQueries(client: pg.Client, facts: Facts): Promise<{ title: string; plan: string }[]> {
  const history = `select d.*, e.name, r.commit, r.branch, u.id, u.name, u.email
    from deployments d join environments e on e.id = d.environment_id join releases r on r.id = d.release_id join users u on u.id = d.requested_by`;
  const queries: { title: string; sql: string; params: unknown[] }[] = [
    { title: "deployments history, first page", sql: `${history} order by d.created_at desc, d.id desc limit 51`, params: [] },
    { title: "deployments history, 10,000 rows deep (keyset)", sql: `${history} where (d.created_at, d.id) < ($1::timestamptz, $2) order by d.created_at desc, d.id desc limit 51`, params: [facts.deepCreatedAt.toISOString(), facts.deepId] },
    { title: "audit trail, first page", sql: "select * from audit_events order by seq desc limit 51", params: [] },
    { title: "audit trail, 1,000,000 events deep (keyset)", sql: "select * from audit_events where seq < $1 order by seq desc limit 51", params: [Math.max(1, facts.auditMaxSeq - 1_000_000)] },
    // As listAuditEvents sends it: the action filter means "starts with".
    { title: "audit trail filtered by action (a frequent one)", sql: "select * from audit_events where action like $1 order by seq desc limit 51", params: ["deployment.approve%"] },
    { title: "audit trail filtered by action (a rare one)", sql: "select * from audit_events where action like $1 order by seq desc limit 51", params: ["freeze.lift%"] },
    {
      title: "audit trail filtered by action (a rare one), half-way down (keyset)",
      sql: "select * from audit_events where action like $1 and seq < $2 order by seq desc limit 51",
      params: ["freeze.lift%", Math.max(1, Math.floor(facts.auditMaxSeq / 2))],
    },
  ];
  const out: { title: string; plan: string }[] = [];
  for (const query of queries) {
    const rows = (await client.query<{ "QUERY PLAN": string }>(`explain (analyze, buffers) ${query.sql}`, query.params)).rows;
    out.push({ title: query.title, plan: rows.map((r) => r["QUERY PLAN"]).join("\n") });
  }
  return out;
}

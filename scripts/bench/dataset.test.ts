import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openConnection } from "@/db/client";
import { systemActor } from "@/lib/auth/actor";
import { systemClock } from "@/lib/domain/clock";
import { verifyAuditTrail } from "@/lib/services/audit-verify";
import { buildDataset, DatabaseNotEmptyError, ensureDatabase } from "./dataset";
import { planDataset } from "./dataset-plan";
import { pipelineSetProblems } from "@/lib/config/pipeline-set";

const serverUrl = process.env.TEST_DATABASE_URL;

describe("the scale data set's plan", () => {
  it("at full scale: 50 pipelines, 2,000 apps (one of 600 × 8 environments, the others 10–60 apps × 3–6), 200 review environments, ~1,000,000 deployments", () => {
    const plan = planDataset({ scale: 1, reviewCells: "full", teams: 4 }, true);
    expect(plan.pipelines).toHaveLength(50);
    expect(plan.pipelines.reduce((a, p) => a + p.apps.length, 0)).toBe(2000);
    expect(plan.pipelines[0]!.apps).toHaveLength(600);
    expect(plan.pipelines[0]!.environments).toHaveLength(8);
    for (const p of plan.pipelines.slice(1)) {
      expect(p.apps.length).toBeGreaterThanOrEqual(10);
      expect(p.apps.length).toBeLessThanOrEqual(60);
      expect(p.environments.length).toBeGreaterThanOrEqual(3);
      expect(p.environments.length).toBeLessThanOrEqual(6);
    }
    expect(plan.pipelines.reduce((a, p) => a + p.reviewEnvironments, 0)).toBe(200);
    expect(Math.abs(plan.deployments - 1_000_000)).toBeLessThan(1_000);
    expect(plan.auditEvents).toBe(5_000_000);
  });

  it("plans pipelines Slipway accepts together: no two share an address (same environment and app)", () => {
    const plan = planDataset({ scale: 1, reviewCells: "full", teams: 4 }, true);
    const loaded = plan.pipelines.map((p) => ({ source: `${p.name}.yaml`, config: p.config, hash: p.hash }));
    expect(pipelineSetProblems(loaded)).toEqual([]);
  });

  it("refuses a scale outside (0, 1]", () => {
    expect(() => planDataset({ scale: 0, reviewCells: "full", teams: 4 }, true)).toThrow(/--scale must be in/);
  });
});

describe.skipIf(!serverUrl)("building the data set at a tiny scale on PostgreSQL", () => {
  const url = new URL(serverUrl ?? "postgres://localhost/x");
  url.pathname = `/slipway_bench_test_${randomBytes(4).toString("hex")}`;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-bench-"));
  afterAll(async () => {
    fs.rmSync(outDir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${url.pathname.slice(1)} with (force)`);
    await admin.end();
  });

  it("builds every table with bulk SQL, leaves an audit chain the repository's verifier finds intact, and refuses to run again without --force", async () => {
    await ensureDatabase(url.toString());
    const lines: string[] = [];
    const result = await buildDataset(url.toString(), { scale: 0.002, reviewCells: "full", teams: 2, outDir }, (l) => lines.push(l));
    expect(result.phases.map((p) => p.name)).toContain("audit events (hash chain)");
    expect(fs.readdirSync(result.pipelinesDir)).toContain(`${result.bigPipeline}.yaml`);

    const connection = await openConnection({ url: url.toString() });
    try {
      const verification = await verifyAuditTrail({ db: connection.db, actor: systemActor("cli"), clock: systemClock });
      expect(verification).toMatchObject({ intact: true, count: result.plan.auditEvents, lastSeq: result.plan.auditEvents });
      const client = connection.client as pg.Pool;
      const count = async (table: string) => Number((await client.query(`select count(*)::int as n from ${table}`)).rows[0].n);
      expect(await count("deployments")).toBe(result.plan.deployments);
      expect(await count("deployment_steps")).toBe(result.plan.deployments * 3);
      expect(await count("gate_results")).toBeGreaterThan(0);
      const fixedCells = result.plan.pipelines.reduce((a, p) => a + p.apps.length * p.environments.length, 0);
      const reviewCells = result.plan.pipelines.reduce((a, p) => a + p.apps.length * p.reviewEnvironments, 0);
      expect(await count("environment_apps")).toBe(fixedCells + reviewCells);
      // Every cell points at a deployment of its environment (fixed) and a build of its app.
      expect(Number((await client.query("select count(*)::int as n from environment_apps c join builds b on b.id = c.build_id and b.app_id = c.app_id")).rows[0].n)).toBe(fixedCells + reviewCells);
      expect(Number((await client.query("select count(*)::int as n from environment_apps c join deployments d on d.id = c.deployment_id and d.environment_id = c.environment_id")).rows[0].n)).toBe(fixedCells);
    } finally {
      await connection.close();
    }
    await expect(buildDataset(url.toString(), { scale: 0.002, reviewCells: "full", teams: 2, outDir }, () => {})).rejects.toThrow(DatabaseNotEmptyError);
  });

  it("--review-cells one: partial review environments (clone: changed), each holding one app on a build its source does not run", async () => {
    const result = await buildDataset(url.toString(), { scale: 0.002, reviewCells: "one", teams: 2, outDir, force: true }, () => {});
    const connection = await openConnection({ url: url.toString() });
    try {
      const client = connection.client as pg.Pool;
      const reviews = result.plan.pipelines.reduce((a, p) => a + p.reviewEnvironments, 0);
      expect(reviews).toBeGreaterThan(0);
      const rows = (
        await client.query(
          `select e.settings ->> 'clone' as clone, count(c.app_id)::int as cells, count(*) filter (where s.build_id is distinct from c.build_id)::int as differing
             from environments e join environment_apps c on c.environment_id = e.id
             left join environment_apps s on s.environment_id = e.source_environment_id and s.app_id = c.app_id
            where e.kind = 'review' group by e.id, e.settings`,
        )
      ).rows as { clone: string; cells: number; differing: number }[];
      expect(rows).toHaveLength(reviews);
      expect(rows.every((r) => r.clone === "changed" && r.cells === 1 && r.differing === 1)).toBe(true);
    } finally {
      await connection.close();
    }
  });
});

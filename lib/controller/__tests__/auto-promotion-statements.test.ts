import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection, Db } from "@/db/client";
import { builds, deployments, environmentApps, environments, releaseBuilds, releases } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { AUTOMATION_USER } from "@/lib/auth/actor";
import { parsePipelineConfig } from "@/lib/config/load";
import { fixedClock } from "@/lib/domain/clock";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { countingDb } from "@/lib/testing/counting-db";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor } from "@/lib/testing/fixtures";
import { autoPromote } from "../auto-promotion";

const hour = (n: number) => new Date(Date.UTC(2026, 4, 1, n));

/**
 * A pipeline `name` whose dev, qa and uat auto-promote, left with nothing to do but every kind of
 * read a pass makes: dev runs r2 and already tried r3 (its branch's newest), qa runs r1 and already
 * tried r2 (which succeeded in dev), uat runs what qa runs.
 */
async function seedIdlePipeline(db: Db, name: string, userId: string) {
  const yaml = [
    "version: 1",
    `pipeline: { name: ${name} }`,
    "apps:",
    `  - { name: ${name}-web }`,
    `  - { name: ${name}-api }`,
    "environments:",
    "  - { name: dev, branch: main, autoPromote: true }",
    "  - { name: qa, autoPromote: true }",
    "  - { name: uat, autoPromote: true }",
    "  - { name: prod }",
  ].join("\n");
  const parsed = parsePipelineConfig(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  await syncPipeline(db, fixedClock("2026-05-01T00:00:00Z"), parsed.config, parsed.hash);
  const pipeline = (await db.query.pipelines.findFirst({ where: (p, { eq }) => eq(p.name, name) }))!;
  const appRows = await db.query.apps.findMany({ where: (a, { eq }) => eq(a.pipelineId, pipeline.id) });
  const env = Object.fromEntries((await db.select().from(environments).where(eq(environments.pipelineId, pipeline.id))).map((e) => [e.name, e.id]));
  const release = async (n: number) => {
    const commit = `${n}`.padEnd(40, "c");
    const buildRows = appRows.map((app) => ({ id: `bld_${name}_${n}_${app.position}`, appId: app.id, version: `1.${n}.0`, commit, branch: "main", digest: `sha256:${"b".repeat(64)}`, createdBy: userId }));
    await db.insert(builds).values(buildRows);
    const id = `rel_${name}_${n}`;
    await db.insert(releases).values({ id, pipelineId: pipeline.id, commit, branch: "main", buildNumber: n, createdBy: userId, createdAt: hour(n) });
    await db.insert(releaseBuilds).values(buildRows.map((b) => ({ releaseId: id, appId: b.appId, buildId: b.id })));
    return { id, builds: buildRows };
  };
  const [r1, r2, r3] = [await release(1), await release(2), await release(3)];
  const runs = async (environment: string, r: typeof r1) =>
    db.insert(environmentApps).values(r.builds.map((b) => ({ environmentId: env[environment]!, appId: b.appId, releaseId: r.id, buildId: b.id, deployedAt: hour(4), deployedBy: userId })));
  const deployed = async (environment: string, releaseId: string, state: "succeeded" | "failed") =>
    db.insert(deployments).values({ id: `dep_${name}_${environment}_${releaseId}`, environmentId: env[environment]!, releaseId, kind: "promote", state, requestedBy: userId, requestedVia: "api", createdAt: hour(4), updatedAt: hour(4) });
  await runs("dev", r2);
  await runs("qa", r1);
  await runs("uat", r1);
  await deployed("dev", r2.id, "succeeded");
  await deployed("dev", r3.id, "failed");
  await deployed("qa", r2.id, "failed");
  return { pipelineId: pipeline.id, env };
}

// The controller's auto-promotion pass (every 5 s) read per environment: ~75 statements a pass
// with 37 auto-promote chains although nothing changed. It now reads the same few whatever their number.
describe.each(testDatabases)("auto-promotion pass statements on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  const clock = fixedClock("2026-05-01T12:00:00Z");

  beforeAll(async () => {
    connection = await database.open();
    admin = await createTestActor(connection.db, ["admin"], "ada");
  }, 120_000);
  afterAll(() => connection.close());

  async function pass() {
    const counted = countingDb(connection);
    const lines: string[] = [];
    const requested = await autoPromote(counted.db, clock, (line) => void lines.push(line));
    return { requested, lines, statements: counted.count() };
  }

  it("sends the same six statements for 2 idle pipelines as for 8, and requests nothing", async () => {
    for (const name of ["p0", "p1"]) await seedIdlePipeline(connection.db, name, admin.id);
    const small = await pass();
    for (const name of ["p2", "p3", "p4", "p5", "p6", "p7"]) await seedIdlePipeline(connection.db, name, admin.id);
    const large = await pass();
    expect(small).toEqual({ requested: 0, lines: [], statements: 6 });
    expect(large).toEqual(small);
  });

  it("still moves each pipeline's own release: its branch's newest into dev, what succeeded before into the next", async () => {
    const p8 = await seedIdlePipeline(connection.db, "p8", admin.id);
    // p8's dev has not tried r3 nor its qa r2 (uat runs what qa runs).
    for (const [environment, releaseId] of [
      [p8.env.dev!, "rel_p8_3"],
      [p8.env.qa!, "rel_p8_2"],
    ] as const)
      await connection.db.delete(deployments).where(and(eq(deployments.environmentId, environment), eq(deployments.releaseId, releaseId)));
    const { requested, lines } = await pass();
    expect(requested).toBe(2);
    expect(lines).toEqual(["p8/dev: auto-promotion of new release 3cccccc on main", "p8/qa: auto-promotion of release 2cccccc succeeded in dev"]);
    const queued = await connection.db.select().from(deployments).where(eq(deployments.requestedBy, AUTOMATION_USER.id));
    expect(queued.map((d) => [d.environmentId, d.releaseId, d.reason]).sort()).toEqual(
      [
        [p8.env.dev, "rel_p8_3", "auto-promotion: new release 3cccccc on main"],
        [p8.env.qa, "rel_p8_2", "auto-promotion: release 2cccccc succeeded in dev"],
      ].sort(),
    );
    // The next pass is idle again: a queued deployment counts as tried.
    expect(await pass()).toEqual({ requested: 0, lines: [], statements: 6 });
  });

  it("moves a release on only once it succeeded before: mid-rollout it is neither requested nor remembered as refused", async () => {
    const p9 = await seedIdlePipeline(connection.db, "p9", admin.id);
    // dev's cells already run r3 while its rollout of r3 is still going on.
    await connection.db
      .update(environmentApps)
      .set({ releaseId: "rel_p9_3", buildId: sql`replace(${environmentApps.buildId}, '_2_', '_3_')` })
      .where(eq(environmentApps.environmentId, p9.env.dev!));
    const devRollout = and(eq(deployments.environmentId, p9.env.dev!), eq(deployments.releaseId, "rel_p9_3"));
    await connection.db.update(deployments).set({ state: "running" }).where(devRollout);
    const refused = new Set<string>();
    const lines: string[] = [];
    expect(await autoPromote(connection.db, clock, (line) => void lines.push(line), refused)).toBe(0);
    expect({ lines, refused: [...refused] }).toEqual({ lines: [], refused: [] });

    await connection.db.update(deployments).set({ state: "succeeded" }).where(devRollout);
    expect(await autoPromote(connection.db, clock, (line) => void lines.push(line), refused)).toBe(1);
    expect(lines).toEqual(["p9/qa: auto-promotion of release 3cccccc succeeded in dev"]);
  });
});

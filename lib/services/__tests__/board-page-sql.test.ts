import { boardPageSize } from "@/lib/domain/board-rows";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection, Db } from "@/db/client";
import { and, asc, eq, inArray } from "drizzle-orm";
import { cellColumns, deployedBy, listBoardCells, listCells } from "@/db/queries/cells";
import { apps, builds, environmentApps, environments, releaseBuilds, releases } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { parsePipelineConfig } from "@/lib/config/load";
import { fixedClock } from "@/lib/domain/clock";
import { getBoardPage } from "@/lib/services/board-page";
import { syncPipeline } from "@/lib/services/pipeline-sync";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor } from "@/lib/testing/fixtures";
import { countingDb } from "@/lib/testing/counting-db";

/** A pipeline of `apps` apps × 5 fixed environments and `review` review environments, every cell deployed. */
async function seedPipeline(db: Db, name: string, appCount: number, review: number, userId: string) {
  const yaml = [
    "version: 1",
    `pipeline: { name: ${name} }`,
    "apps:",
    ...Array.from({ length: appCount }, (_, i) => `  - { name: ${name}-app-${i}${i % 3 === 0 ? ", team: payments" : ""} }`),
    "environments:",
    "  - { name: dev, branch: main }",
    "  - { name: qa }",
    "  - { name: uat }",
    "  - { name: staging }",
    "  - { name: prod, fastTrack: { branches: [main], approvals: { rules: [{ role: tech-lead, count: 1 }] } }, gates: { soak: { duration: 10m, maxErrorRate: 0.01, maxP95Ms: 500 } } }",
    "reviewEnvironments: { source: staging }",
  ].join("\n");
  const parsed = parsePipelineConfig(yaml);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  await syncPipeline(db, fixedClock("2026-01-01T00:00:00Z"), parsed.config, parsed.hash);
  const pipeline = (await db.query.pipelines.findFirst({ where: (p, { eq }) => eq(p.name, name) }))!;
  const appRows = await db.query.apps.findMany({ where: (a, { eq }) => eq(a.pipelineId, pipeline.id) });
  const fixed = await db.query.environments.findMany({ where: (e, { eq }) => eq(e.pipelineId, pipeline.id) });
  const makeRelease = async (n: number) => {
    const buildRows = appRows.map((app) => ({ id: `bld_${name}_${n}_${app.position}`, appId: app.id, version: `1.${n}.0`, commit: `${n}`.padStart(40, "a"), branch: "main", digest: `sha256:${"b".repeat(64)}`, createdBy: userId }));
    await db.insert(builds).values(buildRows);
    const id = `rel_${name}_${n}`;
    await db.insert(releases).values({ id, pipelineId: pipeline.id, commit: `${n}`.padStart(40, "a"), branch: "main", createdBy: userId, createdAt: new Date(Date.UTC(2026, 1, 1, n)) });
    await db.insert(releaseBuilds).values(buildRows.map((b) => ({ releaseId: id, appId: b.appId, buildId: b.id })));
    return buildRows.map((b) => ({ ...b, releaseId: id }));
  };
  const older = await makeRelease(1);
  const newer = await makeRelease(2);
  await makeRelease(3);
  const reviewEnvs = Array.from({ length: review }, (_, i) => ({
    id: `env_${name}_review_${i}`,
    pipelineId: pipeline.id,
    name: `review-${i}`,
    kind: "review" as const,
    state: "ready" as const,
    branch: `feature/${i}`,
    ownerId: userId,
    sourceEnvironmentId: fixed.find((e) => e.name === "staging")!.id,
  }));
  if (reviewEnvs.length) await db.insert(environments).values(reviewEnvs);
  const at = new Date("2026-03-02T09:59:00Z");
  const cells = [...fixed, ...reviewEnvs].flatMap((env) =>
    (env.name === "dev" ? newer : older).map((b) => ({ environmentId: env.id, appId: b.appId, releaseId: b.releaseId, buildId: b.id, deployedAt: at, deployedBy: userId, healthStatus: "healthy" as const, healthObservedAt: at })),
  );
  for (let i = 0; i < cells.length; i += 1000) await db.insert(environmentApps).values(cells.slice(i, i + 1000));
}

// Issue 13: the board's statements per request do not grow with the pipeline (a 600-app pipeline
// timed out at 50 statements). Counted, never timed.
describe.each(testDatabases)("board page statements on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  let viewer: Actor;
  const clock = fixedClock("2026-03-02T10:00:00Z");

  beforeAll(async () => {
    connection = await database.open();
    admin = await createTestActor(connection.db, ["admin"], "ada");
    viewer = await createTestActor(connection.db, ["viewer"], "vic");
    await seedPipeline(connection.db, "small", 3, 2, admin.id);
    await seedPipeline(connection.db, "large", 240, 30, admin.id);
  }, 120_000);
  afterAll(() => connection.close());

  async function statementsFor(actor: Actor, input: Parameters<typeof getBoardPage>[1]) {
    const counted = countingDb(connection);
    const board = await getBoardPage({ db: counted.db, actor, clock }, input);
    return { board, statements: counted.count() };
  }

  it("sends the same few statements for 3 apps as for 240, and the page holds one page of rows", async () => {
    const small = await statementsFor(admin, { pipeline: "small" });
    const large = await statementsFor(admin, { pipeline: "large" });
    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBeLessThanOrEqual(7);
    // Five environments: a page of 40 rows keeps within the board's cell budget (boardPageSize).
    const rows = boardPageSize(large.board.columns.length);
    expect(rows).toBe(40);
    expect(large.board.rows.apps).toHaveLength(rows);
    expect(large.board.rows).toMatchObject({ matching: 240, pages: 6 });
    expect(large.board.columns.every((c) => Object.keys(c.environment.apps).length === rows)).toBe(true);
    expect(large.board.review).toMatchObject({ total: 30 });
    expect(large.board.review.environments).toHaveLength(20);
    // The fast-track offer and its soak are part of the count.
    expect(large.board.columns.at(-1)!.fastTrack).toMatchObject({ release: { id: "rel_large_3" } });
    expect(large.board.columns.at(-1)!.fastTrack!.release.versions).toHaveLength(rows);
  });

  it("a filter or a viewer does not add statements", async () => {
    const { statements: base } = await statementsFor(admin, { pipeline: "large" });
    const filtered = await statementsFor(admin, { pipeline: "large", team: "payments", status: "off-release", q: "app-1", page: 2 });
    // An empty page skips the cells' statement.
    expect(filtered.board.rows.matching).toBe(0);
    expect(filtered.statements).toBeLessThanOrEqual(base);
    const seen = await statementsFor(viewer, { pipeline: "large" });
    expect(seen.statements).toBeLessThanOrEqual(base);
    const team = await statementsFor(viewer, { pipeline: "large", team: "payments" });
    expect(team.board.rows.matching).toBe(80);
  });

  it("decodes cells (the board's, listCells') exactly as drizzle's own mapper does: timestamps, JSON, left-joined nulls", async () => {
    const { db } = connection;
    const small = (await db.query.pipelines.findFirst({ where: (p, { eq: equal }) => equal(p.name, "small") }))!;
    const mine = await db.query.environments.findMany({ where: (e, { eq: equal }) => equal(e.pipelineId, small.id) });
    const fixedIds = mine.filter((e) => e.kind === "fixed").map((e) => e.id);
    const reviewIds = mine.filter((e) => e.kind === "review").map((e) => e.id);
    const appRows = await db.query.apps.findMany({ where: (a, { eq: equal }) => equal(a.pipelineId, small.id) });
    // One review cell differs from its source (a newer build, a drift report); one app never ran there.
    const [first, second] = appRows.sort((a, b) => a.position - b.position);
    await db
      .update(environmentApps)
      .set({
        buildId: `bld_small_2_${first!.position}`,
        releaseId: "rel_small_2",
        drift: { kind: "other-build", message: "runs another build", observed: { active: null, standby: null }, recorded: { buildId: `bld_small_2_${first!.position}`, releaseId: "rel_small_2", version: "1.2.0", digest: null } },
        driftObservedAt: new Date("2026-03-02T09:30:00Z"),
      })
      .where(and(eq(environmentApps.environmentId, reviewIds[0]!), eq(environmentApps.appId, first!.id)));
    await db
      .update(environmentApps)
      .set({ buildId: null, releaseId: null, deployedBy: null, deployedAt: null })
      .where(and(eq(environmentApps.environmentId, fixedIds[0]!), eq(environmentApps.appId, second!.id)));
    const page = [first!.id, second!.id];
    const board = await listBoardCells(db, fixedIds, reviewIds, page);
    // The oracle: the same cells through drizzle's own row mapper (listCells and the board decode them themselves).
    const mappedByDrizzle = await db
      .select({ ...cellColumns, environment: environments.name, appPosition: apps.position, buildBranch: builds.branch })
      .from(environmentApps)
      .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
      .innerJoin(apps, eq(apps.id, environmentApps.appId))
      .leftJoin(builds, eq(builds.id, environmentApps.buildId))
      .leftJoin(releases, eq(releases.id, environmentApps.releaseId))
      .leftJoin(deployedBy, eq(deployedBy.id, environmentApps.deployedBy))
      .where(inArray(environmentApps.environmentId, [...fixedIds, ...reviewIds]))
      .orderBy(asc(apps.position), asc(apps.name));
    const listed = await listCells(db, { environmentIds: [...fixedIds, ...reviewIds], reviewCells: "differing" });
    const reference = listed.filter((c) => reviewIds.includes(c.environmentId) || page.includes(c.appId));
    expect(board).toHaveLength(fixedIds.length * 2 + 1);
    // Same rows in the same app order (ties within an app: any environment order).
    const byCell = (a: { environmentId: string; appId: string }, b: { environmentId: string; appId: string }) => `${a.environmentId}/${a.appId}`.localeCompare(`${b.environmentId}/${b.appId}`);
    expect(board.map((c) => c.appId)).toEqual(reference.map((c) => c.appId));
    expect([...board].sort(byCell)).toEqual([...reference].sort(byCell));
    const key = (c: { environmentId: string; appId: string }) => `${c.environmentId}/${c.appId}`;
    const listedKeys = new Set(listed.map(key));
    expect([...listed].sort(byCell)).toEqual(mappedByDrizzle.filter((c) => listedKeys.has(key(c))).sort(byCell));
    const drifted = board.find((c) => c.environmentId === reviewIds[0]);
    expect(drifted).toMatchObject({ appId: first!.id, drift: { kind: "other-build" }, version: "1.2.0" });
    expect(drifted!.driftObservedAt).toBeInstanceOf(Date);
    expect(board.find((c) => c.environmentId === fixedIds[0] && c.appId === second!.id)).toMatchObject({ buildId: null, version: null, deployedAt: null, deployedByName: null });
  });
});

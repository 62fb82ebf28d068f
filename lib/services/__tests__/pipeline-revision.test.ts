import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environmentApps, environments, freezes, gateResults, pipelines } from "@/db/schema";
import { rowsOf } from "@/db/queries/sql-arrays";
import type { Actor } from "@/lib/auth/actor";
import { detectDrift } from "@/lib/controller/drift";
import { sampleHealth } from "@/lib/controller/health-sampler";
import { recordedSpecPages } from "@/lib/controller/specs";
import { fixedClock } from "@/lib/domain/clock";
import { PlatformRegistry } from "@/lib/platform/registry";
import { decideApproval } from "@/lib/services/approvals";
import { getBoardPage } from "@/lib/services/board-page";
import { requestDeployment } from "@/lib/services/deployments";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { ForbiddenError, NotFoundError } from "@/lib/services/errors";
import { getPipelineRevision, getPortfolioRevision } from "@/lib/services/pipeline-revision";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { contextFor, createTestActor, loadHandbookPipeline, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { countStatements } from "@/lib/testing/statement-count";

/**
 * The change token an open board polls: it moves on every committed change to what the pipeline's
 * pages show — whoever writes it, audited (a promotion, an approval) or not (the controller's
 * health and drift writes) — once per transaction, and never when nothing changed.
 */
describe.each(testDatabases)("a pipeline's change token on $name", (database) => {
  let connection: Connection;
  let viewer: Actor, developer: Actor, lead: Actor;
  const clock = fixedClock("2026-03-02T10:00:00Z");
  const platform = new FakePlatform();
  const registry = PlatformRegistry.single(platform);
  const shop = async () => Number((await getPipelineRevision(contextFor(connection.db, viewer), { pipeline: "shop" })).revision);
  const handbook = async () => Number((await getPipelineRevision(contextFor(connection.db, viewer), { pipeline: "handbook" })).revision);
  const portfolio = async () => (await getPortfolioRevision(contextFor(connection.db, viewer))).revision;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    await loadHandbookPipeline(connection.db);
    viewer = await createTestActor(connection.db, ["viewer"], "vic");
    developer = await createTestActor(connection.db, ["developer"], "dev");
    lead = await createTestActor(connection.db, ["delivery-lead"], "lead");
  });
  afterAll(() => connection.close());

  it("is one statement, for a pipeline and for the portfolio", async () => {
    const one = await countStatements(connection, () => getPipelineRevision(contextFor(connection.db, viewer), { pipeline: "shop" }));
    expect(one.statements).toBe(1);
    expect(one.result).toEqual({ pipeline: "shop", revision: expect.stringMatching(/^\d+$/) });
    const all = await countStatements(connection, () => getPortfolioRevision(contextFor(connection.db, viewer)));
    expect(all.statements).toBe(1);
    expect(all.result.revision).toMatch(/^2\.\d+$/);
  });

  it("stays put while nothing changes: reads, a rolled-back write", async () => {
    const before = [await shop(), await portfolio()];
    await getBoardPage(contextFor(connection.db, viewer), { pipeline: "shop" });
    await expect(
      connection.db.transaction(async (tx) => {
        await tx.update(environments).set({ holdReason: "never committed" }).where(eq(environments.name, "qa"));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect([await shop(), await portfolio()]).toEqual(before);
  });

  it("moves on a release, a promotion and an approval, and only the pipeline's own", async () => {
    const otherBefore = await handbook();
    let last = await shop();
    const release = await makeRelease(connection.db, developer, "2.0.0", { at: "2026-03-02T09:00:00Z" });
    expect(await shop()).toBeGreaterThan(last);
    await placeRelease(connection.db, "uat", release.id, new Date("2026-03-02T09:10:00Z"), developer.id);

    last = await shop();
    const portfolioBefore = await portfolio();
    const deployment = await requestDeployment(contextFor(connection.db, developer), { environment: "staging", releaseId: release.id });
    // One transaction (deployment, gate results, audit event): one step.
    expect(await shop()).toBe(last + 1);
    expect(await portfolio()).not.toBe(portfolioBefore);

    last = await shop();
    await decideApproval(contextFor(connection.db, lead), { deploymentId: deployment.id, decision: "approve", role: "delivery-lead" });
    expect(await shop()).toBe(last + 1);
    expect(await handbook()).toBe(otherBefore);
    // A deployment moving on (the controller's state writes) moves it too.
    last = await shop();
    await connection.db.update(deployments).set({ state: "cancelled", finishedAt: clock.now() }).where(eq(deployments.id, deployment.id));
    expect(await shop()).toBe(last + 1);
  });

  it("moves when the controller records a health change or drift, not when it only observes the same again", async () => {
    for await (const page of recordedSpecPages(connection.db)) for (const plan of page) await platform.ensureActive(plan.spec);
    await sampleHealth(connection.db, registry, clock);
    const settled = await shop();
    // The same health observed again later (new time, new latency figures): nothing to show.
    clock.advance(10_000);
    await sampleHealth(connection.db, registry, clock);
    expect(await shop()).toBe(settled);

    // An app stops: its cell goes unhealthy (one statement for every cell written: one step).
    await platform.stopActive("uat", "portal");
    clock.advance(10_000);
    await sampleHealth(connection.db, registry, clock);
    expect(await shop()).toBe(settled + 1);

    // The drift check records "not running" on the cell, unaudited writes and audit alike in one transaction.
    const beforeDrift = await shop();
    await detectDrift(connection.db, registry, clock, () => {});
    expect(await shop()).toBe(beforeDrift + 1);
    await detectDrift(connection.db, registry, clock, () => {});
    expect(await shop()).toBe(beforeDrift + 1);
  });

  it("comes with the board and the environment page, read in their first statement", async () => {
    const before = String(await shop());
    const board = await getBoardPage(contextFor(connection.db, viewer), { pipeline: "shop" });
    const page = await getEnvironmentPage(contextFor(connection.db, viewer), { pipeline: "shop", name: "qa" });
    expect([board.revision, page.revision]).toEqual([before, before]);
    await connection.db.update(environments).set({ holdReason: "a change" }).where(eq(environments.name, "qa"));
    const after = String(await shop());
    expect(after).not.toBe(before);
    expect((await getBoardPage(contextFor(connection.db, viewer), { pipeline: "shop" })).revision).toBe(after);
    expect((await getEnvironmentPage(contextFor(connection.db, viewer), { pipeline: "shop", name: "qa" })).revision).toBe(after);
  });

  it("moves on a gate's status, not on a re-evaluation that only rewrites its reason (time counted in it)", async () => {
    const release = await makeRelease(connection.db, developer, "3.0.0", { at: "2026-03-02T09:30:00Z" });
    await placeRelease(connection.db, "uat", release.id, new Date("2026-03-02T09:40:00Z"), developer.id);
    const deployment = await requestDeployment(contextFor(connection.db, developer), { environment: "staging", releaseId: release.id });
    const [gate] = await connection.db.select().from(gateResults).where(eq(gateResults.deploymentId, deployment.id)).limit(1);
    const before = await shop();
    await connection.db.update(gateResults).set({ reason: "soaked 4 min", evaluatedAt: clock.now() }).where(eq(gateResults.id, gate!.id));
    expect(await shop()).toBe(before);
    await connection.db
      .update(gateResults)
      .set({ status: gate!.status === "pass" ? "fail" : "pass" })
      .where(eq(gateResults.id, gate!.id));
    expect(await shop()).toBe(before + 1);
  });

  it("moves when a stale health reading is fresh again, not at every sample", async () => {
    const [shopRow] = await connection.db.select().from(pipelines).where(eq(pipelines.name, "shop"));
    const [cell] = await connection.db
      .select({ environmentId: environmentApps.environmentId, appId: environmentApps.appId })
      .from(environmentApps)
      .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
      .where(eq(environments.pipelineId, shopRow!.id))
      .limit(1);
    const at = (ms: number) => new Date(Date.parse("2026-03-02T12:00:00Z") + ms);
    const observe = (when: Date) =>
      connection.db
        .update(environmentApps)
        .set({ healthObservedAt: when })
        .where(and(eq(environmentApps.environmentId, cell!.environmentId), eq(environmentApps.appId, cell!.appId)));
    await observe(at(0));
    const before = await shop();
    await observe(at(10_000)); // the next sample
    await observe(at(20_000));
    expect(await shop()).toBe(before);
    await observe(at(20_000 + 2 * 60_000)); // after a gap: the reading had gone stale
    expect(await shop()).toBe(before + 1);
  });

  it("names every column of a cell in its trigger but the health detail, so a column added later cannot go unseen", async () => {
    const columns = rowsOf<{ column_name: string }>(await connection.db.execute(sql`select column_name from information_schema.columns where table_name = 'environment_apps'`)).map((c) => c.column_name);
    const [definition] = rowsOf<{ def: string }>(await connection.db.execute(sql`select pg_get_triggerdef(oid) as def from pg_trigger where tgname = 'environment_apps_pipeline_revision_update'`));
    expect(columns.length).toBeGreaterThan(10);
    const unnamed = columns.filter((c) => c !== "health_detail" && !new RegExp(`\\b${c}\\b`).test(definition!.def));
    expect(unnamed).toEqual([]);
  });

  it("moves both pipelines when a freeze moves from one to the other", async () => {
    const [shopRow] = await connection.db.select().from(pipelines).where(eq(pipelines.name, "shop"));
    const [handbookRow] = await connection.db.select().from(pipelines).where(eq(pipelines.name, "handbook"));
    await connection.db.insert(freezes).values({ id: "frz_moving", pipelineId: shopRow!.id, name: "moving", reason: "test", startsAt: clock.now(), endsAt: new Date(clock.now().getTime() + 3_600_000) });
    const [shopBefore, handbookBefore] = [await shop(), await handbook()];
    await connection.db.update(freezes).set({ pipelineId: handbookRow!.id }).where(eq(freezes.id, "frz_moving"));
    expect([await shop(), await handbook()]).toEqual([shopBefore + 1, handbookBefore + 1]);
  });

  it("is read only by those who may view the pipeline", async () => {
    const nobody = await createTestActor(connection.db, [], "nobody");
    await expect(getPipelineRevision(contextFor(connection.db, nobody), { pipeline: "shop" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getPortfolioRevision(contextFor(connection.db, nobody))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getPipelineRevision(contextFor(connection.db, viewer), { pipeline: "nosuch" })).rejects.toBeInstanceOf(NotFoundError);
  });
});

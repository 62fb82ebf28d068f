import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, environmentApps, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { HEALTH_STALE_AFTER_MS, isFailingHealth } from "@/lib/domain/health";
import { HEALTH_STATUSES } from "@/lib/domain/vocabulary";
import { getBoardPage } from "@/lib/services/board-page";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { getPortfolio } from "@/lib/services/portfolio";
import { clearRevisionCache } from "@/lib/services/revision-cache";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

// Fresh-user finding: a stale "unhealthy" matched the environment page's filter but not the
// board's "failing" status nor the portfolio's failing health. One rule now: the last health
// recorded counts however old (it is the last thing known), and is shown as stale.
describe.each(testDatabases)("a stale unhealthy reading on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  const clock = fixedClock("2026-03-02T10:00:00Z");
  const now = clock.now();
  const fresh = new Date(now.getTime() - 30_000);
  const longAgo = new Date(now.getTime() - HEALTH_STALE_AFTER_MS - 60_000);
  const ctx = () => ({ db: connection.db, actor: admin, clock });

  beforeAll(async () => {
    connection = await database.open();
    const db = connection.db;
    await loadTestPipeline(db);
    admin = await createTestActor(db, ["admin"], "ada");
    const release = await makeRelease(db, admin, "1.0.0", { at: "2026-03-01T08:00:00Z" });
    for (const env of ["dev", "qa", "uat", "staging", "prod"]) await placeRelease(db, env, release.id, fresh, admin.id);
    const [prod] = await db.select().from(environments).where(eq(environments.name, "prod"));
    const byName = Object.fromEntries((await db.select().from(apps)).map((a) => [a.name, a.id]));
    const cell = (app: string) => and(eq(environmentApps.environmentId, prod!.id), eq(environmentApps.appId, byName[app]!));
    // prod's portal was last seen unhealthy long ago; its admin was last seen healthy long ago.
    await db.update(environmentApps).set({ healthStatus: "unhealthy", healthObservedAt: longAgo }).where(cell("portal"));
    await db.update(environmentApps).set({ healthStatus: "healthy", healthObservedAt: longAgo }).where(cell("admin"));
  });
  afterAll(() => connection.close());

  it("the environment page's unhealthy filter lists it, shown as stale", async () => {
    const page = await getEnvironmentPage(ctx(), { pipeline: "shop", name: "prod", status: "unhealthy" });
    expect(page.apps.items.map((a) => [a.app, a.cell?.health.status, a.cell?.health.stale])).toEqual([["portal", "unhealthy", true]]);
  });

  it("the board's failing status matches it, and its cell says stale", async () => {
    const board = await getBoardPage(ctx(), { pipeline: "shop", status: "failing" });
    expect(board.rows.apps.map((a) => a.name)).toEqual(["portal"]);
    expect(board.rows.matching).toBe(1);
    const prod = board.columns.find((c) => c.environment.name === "prod")!;
    expect(prod.environment.apps.portal?.health).toMatchObject({ status: "unhealthy", stale: true });
  });

  it("the portfolio counts it as unhealthy (failing health), and says a reading is stale", async () => {
    const portfolio = await getPortfolio(connection.db, admin, now, { failing: true });
    expect(portfolio.pipelines.map((p) => p.name)).toEqual(["shop"]);
    const prod = portfolio.pipelines[0]!.environments.find((e) => e.name === "prod")!;
    expect(prod.health).toEqual({ healthy: 1, degraded: 0, unhealthy: 1, stale: 2 });
    expect(prod.healthSummary).toEqual({ tone: "red", label: "1 unhealthy · 2 stale" });
  });

  // Review finding: the environment page's "healthy" filter listed a stale healthy reading that the
  // portfolio does not count as healthy (only as stale). One rule now (healthFreshSince): healthy
  // only while fresh; a stale healthy reading is listed under "unknown".
  it("the environment page's healthy filter lists what the portfolio counts as healthy; a stale healthy reading is unknown", async () => {
    const healthy = await getEnvironmentPage(ctx(), { pipeline: "shop", name: "prod", status: "healthy" });
    expect(healthy.apps.items.map((a) => [a.app, a.cell?.health.status, a.cell?.health.stale])).toEqual([["api-gateway", "healthy", false]]);
    const portfolio = await getPortfolio(connection.db, admin, now);
    const prod = portfolio.pipelines[0]!.environments.find((e) => e.name === "prod")!;
    expect(healthy.apps.matching).toBe(prod.health.healthy);
    const unknown = await getEnvironmentPage(ctx(), { pipeline: "shop", name: "prod", status: "unknown" });
    expect(unknown.apps.items.map((a) => [a.app, a.cell?.health.status, a.cell?.health.stale])).toEqual([["admin", "healthy", true]]);
    expect(unknown.apps.matching).toBe(1);
  });

  it("a reading exactly as old as the threshold is still fresh on the environment page, its cell and the portfolio", async () => {
    const db = connection.db;
    const [prod] = await db.select().from(environments).where(eq(environments.name, "prod"));
    const [gateway] = await db.select().from(apps).where(eq(apps.name, "api-gateway"));
    const cell = and(eq(environmentApps.environmentId, prod!.id), eq(environmentApps.appId, gateway!.id));
    await db
      .update(environmentApps)
      .set({ healthObservedAt: new Date(now.getTime() - HEALTH_STALE_AFTER_MS) })
      .where(cell);
    // A reading moved back in time does not move the pipeline's token (readings only move forward):
    // the portfolio's rows shared at `now` by the test above would answer, not its statement.
    clearRevisionCache(db);
    try {
      const healthy = await getEnvironmentPage(ctx(), { pipeline: "shop", name: "prod", status: "healthy" });
      expect(healthy.apps.items.map((a) => [a.app, a.cell?.health.stale])).toEqual([["api-gateway", false]]);
      const portfolio = await getPortfolio(connection.db, admin, now);
      expect(portfolio.pipelines[0]!.environments.find((e) => e.name === "prod")!.health).toEqual({ healthy: 1, degraded: 0, unhealthy: 1, stale: 2 });
    } finally {
      await db.update(environmentApps).set({ healthObservedAt: fresh }).where(cell);
    }
  });

  it("every health status: the board's and the portfolio's failing filters agree with isFailingHealth (FAILING_HEALTH_STATUSES)", async () => {
    const db = connection.db;
    const [prod] = await db.select().from(environments).where(eq(environments.name, "prod"));
    const [portal] = await db.select().from(apps).where(eq(apps.name, "portal"));
    const cell = and(eq(environmentApps.environmentId, prod!.id), eq(environmentApps.appId, portal!.id));
    try {
      for (const status of HEALTH_STATUSES) {
        await db.update(environmentApps).set({ healthStatus: status }).where(cell);
        const board = await getBoardPage(ctx(), { pipeline: "shop", status: "failing" });
        const portfolio = await getPortfolio(connection.db, admin, now, { failing: true });
        expect([status, board.rows.apps.map((a) => a.name)]).toEqual([status, isFailingHealth(status) ? ["portal"] : []]);
        expect([status, portfolio.pipelines.map((p) => [p.name, p.failing])]).toEqual([status, isFailingHealth(status) ? [["shop", true]] : []]);
      }
    } finally {
      await db.update(environmentApps).set({ healthStatus: "unhealthy" }).where(cell);
    }
  });

  it("a stale healthy reading fails nowhere", async () => {
    await connection.db.update(environmentApps).set({ healthStatus: "healthy" }).where(eq(environmentApps.healthStatus, "unhealthy"));
    expect((await getBoardPage(ctx(), { pipeline: "shop", status: "failing" })).rows.apps).toEqual([]);
    expect((await getPortfolio(connection.db, admin, now, { failing: true })).pipelines).toEqual([]);
    expect((await getEnvironmentPage(ctx(), { pipeline: "shop", name: "prod", status: "unhealthy" })).apps.items).toEqual([]);
  });
});

import type { PipelineConfig } from "@/lib/config/schema";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, deployments, environmentApps, environments, freezes, gateResults, incidents, pipelines } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { newId } from "@/lib/ids";
import { getPortfolio } from "@/lib/services/portfolio";
import { environmentCandidates } from "@/lib/services/pipeline-pages";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { countingDb } from "@/lib/testing/counting-db";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

// Issue 18 item 3: the portfolio's read model, on both databases. A second pipeline ("tool") is
// written directly: its environment names differ from the shop's, as the live-name index still
// asks until pipelines-core makes names unique per pipeline.
describe.each(testDatabases)("portfolio on $name", (database) => {
  let connection: Connection;
  let dev: Actor;
  const now = new Date("2026-03-02T10:00:00Z");
  const fresh = new Date(now.getTime() - 30_000);
  let waitingId = "";
  let releaseId = "";

  beforeAll(async () => {
    connection = await database.open();
    const db = connection.db;
    await loadTestPipeline(db);
    dev = await createTestActor(db, ["developer"], "dana");
    const release = await makeRelease(db, dev, "1.0.0");
    releaseId = release.id;
    for (const env of ["dev", "qa", "prod"]) await placeRelease(db, env, release.id, fresh, dev.id);
    // staging is mixed: two apps on a newer release, portal still on the first.
    const newer = await makeRelease(db, dev, "1.1.0");
    await placeRelease(db, "staging", newer.id, fresh, dev.id);
    // qa's admin is unhealthy now; prod's portal was unhealthy long ago (stale: still counted as unhealthy, and said to be stale).
    const envId = async (name: string) => (await db.select().from(environments).where(eq(environments.name, name)))[0]!.id;
    const appId = async (name: string) => (await db.select().from(apps).where(eq(apps.name, name)))[0]!.id;
    await db
      .update(environmentApps)
      .set({ releaseId: release.id })
      .where(and(eq(environmentApps.environmentId, await envId("staging")), eq(environmentApps.appId, await appId("portal"))));
    await db
      .update(environmentApps)
      .set({ healthStatus: "unhealthy" })
      .where(and(eq(environmentApps.environmentId, await envId("qa")), eq(environmentApps.appId, await appId("admin"))));
    await db
      .update(environmentApps)
      .set({ healthStatus: "unhealthy", healthObservedAt: new Date(now.getTime() - 3_600_000) })
      .where(and(eq(environmentApps.environmentId, await envId("prod")), eq(environmentApps.appId, await appId("portal"))));
    // A promotion into prod waiting on approvals, an open incident in prod, a freeze on staging.
    waitingId = newId("dep", now);
    await db.insert(deployments).values({ id: waitingId, environmentId: await envId("prod"), releaseId: release.id, kind: "promote", state: "waiting", requestedBy: dev.id, requestedVia: "api" });
    await db.insert(gateResults).values([
      { id: newId("gat"), deploymentId: waitingId, gate: "approvals", status: "pending", reason: "needs 1 tech lead and 1 product manager approval — Alex Kim can give it" },
      { id: newId("gat"), deploymentId: waitingId, gate: "tests", status: "pass", reason: "tests passed" },
    ]);
    await db.insert(incidents).values({ id: newId("inc"), environmentId: await envId("prod"), title: "Checkout errors", state: "open", openedVia: "api", openedBy: dev.id });
    await db
      .insert(freezes)
      .values({ id: newId("frz"), environmentId: await envId("staging"), name: "Quarter end", reason: "books close", startsAt: new Date(now.getTime() - 3_600_000), endsAt: new Date(now.getTime() + 3_600_000), createdBy: dev.id });

    await db.insert(pipelines).values({ id: "pip_tool", name: "tool", configHash: "x", config: {} as PipelineConfig });
    await db.insert(apps).values({ id: "app_tool_api", pipelineId: "pip_tool", name: "tool-api", position: 0 });
    await db.insert(environments).values([
      { id: "env_tool_prod", pipelineId: "pip_tool", name: "tool-prod", kind: "fixed", position: 1, state: "active" },
      { id: "env_tool_dev", pipelineId: "pip_tool", name: "tool-dev", kind: "fixed", position: 0, state: "active" },
    ]);
  });
  afterAll(() => connection.close());

  it("lists every pipeline in name order, each environment in chain order with what it runs, its health and what waits on whom", async () => {
    const portfolio = await getPortfolio(connection.db, dev, now, { myDecisions: new Set([waitingId]) });
    expect(portfolio.pipelines.map((p) => p.name)).toEqual(["shop", "tool"]);
    const [shop, tool] = portfolio.pipelines;
    expect(shop!.environments.map((e) => e.name)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
    expect(shop!.appCount).toBe(3);
    expect(shop!.reviewCount).toBe(0);
    const byName = Object.fromEntries(shop!.environments.map((e) => [e.name, e]));
    expect(byName.dev).toMatchObject({ release: { id: releaseId }, releases: 1, deployedApps: 3, health: { healthy: 3, degraded: 0, unhealthy: 0, stale: 0 } });
    expect(byName.qa!.health).toEqual({ healthy: 2, degraded: 0, unhealthy: 1, stale: 0 });
    expect(byName.prod!.health).toEqual({ healthy: 2, degraded: 0, unhealthy: 1, stale: 1 });
    expect(byName.prod!.healthSummary).toEqual({ tone: "red", label: "1 unhealthy · 1 stale" });
    expect(byName.uat).toMatchObject({ release: null, releases: 0, deployedApps: 0, deployedAt: null });
    expect(byName.staging).toMatchObject({ release: null, releases: 2, deployedApps: 3, deployedAt: fresh });
    expect(byName.prod!.waiting).toEqual([
      {
        id: waitingId,
        kind: "promote",
        state: "waiting",
        releaseCommit: expect.any(String),
        blocker: "needs 1 tech lead and 1 product manager approval — Alex Kim can give it",
        approvalsNeeded: "needs 1 tech lead and 1 product manager approval",
        mine: true,
      },
    ]);
    expect(byName.prod!.openIncidents).toBe(1);
    expect(byName.staging!.freezes).toEqual(["Quarter end"]);
    expect(byName.prod!.freezes).toEqual([]);
    expect(shop).toMatchObject({ failing: true, needsMyDecision: true, team: null });
    expect(tool!.environments.map((e) => e.name)).toEqual(["tool-dev", "tool-prod"]);
    expect(tool).toMatchObject({ failing: false, needsMyDecision: false, appCount: 1 });
  });

  it("an organisation-wide freeze shows on every environment of every pipeline", async () => {
    const id = newId("frz");
    await connection.db.insert(freezes).values({ id, environmentId: null, name: "Stop the line", reason: "incident review", startsAt: new Date(now.getTime() - 60_000), endsAt: null, createdBy: dev.id });
    try {
      const portfolio = await getPortfolio(connection.db, dev, now);
      for (const p of portfolio.pipelines) for (const e of p.environments) expect(e.freezes).toContain("Stop the line");
    } finally {
      await connection.db.update(freezes).set({ liftedAt: now }).where(eq(freezes.id, id));
    }
  });

  it("filters by app name (case-insensitive, wildcards taken literally), failing health and my decisions", async () => {
    const db = connection.db;
    const byApp = await getPortfolio(db, dev, now, { app: "TOOL" });
    expect(byApp.pipelines.map((p) => [p.name, p.matchedApps])).toEqual([["tool", ["tool-api"]]]);
    expect((await getPortfolio(db, dev, now, { app: "%" })).pipelines).toEqual([]);
    expect((await getPortfolio(db, dev, now, { app: "gate" })).pipelines.map((p) => p.matchedApps)).toEqual([["api-gateway"]]);
    expect((await getPortfolio(db, dev, now, { failing: true })).pipelines.map((p) => p.name)).toEqual(["shop"]);
    const mine = await getPortfolio(db, dev, now, { needsMyDecision: true, myDecisions: new Set([waitingId]) });
    expect(mine.pipelines.map((p) => p.name)).toEqual(["shop"]);
    expect(mine.visibleCount).toBe(2);
    expect((await getPortfolio(db, dev, now, { needsMyDecision: true, myDecisions: new Set() })).pipelines).toEqual([]);
  });

  it("pages in SQL (name order, past the end: the last page), filters by pipeline name, and reads in four statements", async () => {
    const db = connection.db;
    const first = await getPortfolio(db, dev, now, { pageSize: 1 });
    expect(first).toMatchObject({ page: 1, pages: 2, matching: 2, visibleCount: 2 });
    expect(first.pipelines.map((p) => p.name)).toEqual(["shop"]);
    const past = await getPortfolio(db, dev, now, { pageSize: 1, page: 9 });
    expect(past).toMatchObject({ page: 2, pages: 2 });
    expect(past.pipelines.map((p) => p.name)).toEqual(["tool"]);
    const byName = await getPortfolio(db, dev, now, { name: "TO" });
    expect(byName.pipelines.map((p) => p.name)).toEqual(["tool"]);
    expect(byName).toMatchObject({ matching: 1, visibleCount: 1 });
    // The failing filter applies before paging: a page is never short of matching pipelines.
    const failing = await getPortfolio(db, dev, now, { failing: true, pageSize: 1 });
    expect(failing).toMatchObject({ matching: 1, visibleCount: 2, pages: 1 });
    expect(failing.pipelines.map((p) => p.name)).toEqual(["shop"]);
    const none = await getPortfolio(db, dev, now, { name: "nothing-like-it" });
    expect(none).toMatchObject({ pipelines: [], matching: 0, visibleCount: 0, page: 1, pages: 1 });
    // The health word and the counts come from the service.
    const shop = first.pipelines[0]!;
    expect(shop.environments.find((e) => e.name === "qa")!.healthSummary).toEqual({ tone: "red", label: "1 unhealthy" });
    expect(shop.environments.find((e) => e.name === "uat")!.healthSummary).toEqual({ tone: "neutral", label: "nothing deployed" });
    expect(shop).toMatchObject({ openIncidents: 1, waiting: 1 });
    // Its token, its rows, the freezes and the teams; the teams come with the page's session, and the rows are shared at one token.
    const counted = countingDb(connection);
    const filter = { app: "a", failing: true, needsMyDecision: true, myDecisions: new Set([waitingId]) };
    await getPortfolio(counted.db, dev, now, filter);
    expect(counted.count()).toBe(4);
    await getPortfolio(counted.db, dev, now, filter, []);
    expect(counted.count()).toBe(6);
  });

  it("a pipeline's environment names map to their pipeline; the legacy URL's candidates come from live environments first", async () => {
    const db = connection.db;
    expect(await environmentCandidates(db, "tool-prod")).toEqual([{ pipeline: "tool", environment: "tool-prod", kind: "fixed", state: "active", live: true }]);
    expect(await environmentCandidates(db, "never-was")).toEqual([]);
  });
});

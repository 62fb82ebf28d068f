import type { PipelineConfig } from "@/lib/config/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { eq } from "drizzle-orm";
import { apps, builds, deployments, environments, pipelines, releaseBuilds, releases, teams, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { newId } from "@/lib/ids";
import { recordAudit } from "@/lib/services/audit";
import { listAuditEvents } from "@/lib/services/audit-queries";
import { verifyAuditTrail } from "@/lib/services/audit-verify";
import { setConfigVariable } from "@/lib/services/config-vars";
import { listDeployments } from "@/lib/services/deployment-queries";
import { getDeliveryMetrics } from "@/lib/services/metrics";
import { busiestPipelineId, organisationMetrics, type OrganisationMetrics } from "@/lib/services/portfolio-metrics";
import { ValidationError } from "@/lib/services/errors";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadHandbookPipeline, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeHandbookRelease, makeRelease, placeRelease } from "@/lib/testing/releases";
import { environmentsWithHistory } from "@/lib/services/live-environments";
import { fixedClock } from "@/lib/domain/clock";

// Issue 18 item 5: history, metrics and audit filter by pipeline; DORA per pipeline. The second
// pipeline ("tool", environments tool-dev → tool-prod) is written directly.
describe.each(testDatabases)("pipeline filters on $name", (database) => {
  let connection: Connection;
  let lead: Actor;
  const at = new Date("2026-03-02T09:00:00Z");
  const ctx = () => contextFor(connection.db, lead, "2026-03-02T10:00:00Z");

  beforeAll(async () => {
    connection = await database.open();
    const db = connection.db;
    await loadTestPipeline(db);
    lead = await createTestActor(db, ["delivery-lead"], "lee");
    const release = await makeRelease(db, lead, "1.0.0", { at: "2026-03-02T08:00:00Z" });
    await placeRelease(db, "prod", release.id, at, lead.id);

    await db.insert(pipelines).values({ id: "pip_tool", name: "tool", configHash: "x", config: {} as PipelineConfig });
    await db.insert(apps).values({ id: "app_tool_api", pipelineId: "pip_tool", name: "tool-api", position: 0 });
    await db.insert(environments).values([
      { id: "env_tool_dev", pipelineId: "pip_tool", name: "tool-dev", kind: "fixed", position: 0, state: "active" },
      { id: "env_tool_prod", pipelineId: "pip_tool", name: "tool-prod", kind: "fixed", position: 1, state: "active" },
    ]);
    await db.insert(builds).values({ id: "bld_tool", appId: "app_tool_api", version: "2.0.0", commit: "f".repeat(40), branch: "main", digest: `sha256:${"e".repeat(64)}`, createdBy: lead.id, createdAt: at });
    await db.insert(releases).values({ id: "rel_tool", pipelineId: "pip_tool", commit: "f".repeat(40), branch: "main", createdBy: lead.id, createdAt: at });
    await db.insert(releaseBuilds).values({ releaseId: "rel_tool", appId: "app_tool_api", buildId: "bld_tool" });
    for (const [i, env] of ["env_tool_dev", "env_tool_prod"].entries()) {
      const when = new Date(at.getTime() + (i + 1) * 60_000);
      await db
        .insert(deployments)
        .values({ id: newId("dep", when), environmentId: env, releaseId: "rel_tool", kind: "promote", state: "succeeded", requestedBy: lead.id, requestedVia: "api", createdAt: when, startedAt: when, finishedAt: when });
    }
    await recordAudit(db, lead, fixedClock(at), { action: "release.create", targetType: "release", targetId: "rel_tool" });
    await recordAudit(db, lead, fixedClock(at), { action: "review.extend", targetType: "environment", targetId: "tool-dev" });
  });
  afterAll(() => connection.close());

  it("history: only the pipeline's deployments, each saying which pipeline it belongs to", async () => {
    const tool = await listDeployments(connection.db, { pipelineId: "pip_tool" });
    expect(tool.items.map((d) => [d.pipeline, d.environment])).toEqual([
      ["tool", "tool-prod"],
      ["tool", "tool-dev"],
    ]);
    const all = await listDeployments(connection.db, {});
    expect(new Set(all.items.map((d) => d.pipeline))).toEqual(new Set(["shop", "tool"]));
    expect((await listDeployments(connection.db, { pipelineId: "pip_none" })).items).toEqual([]);
  });

  it("history: paged by cursor, unfiltered (prepared statements) and filtered, each row once, newest first", async () => {
    const walk = async (filter: Record<string, string>) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listDeployments(connection.db, { ...filter, limit: 1, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.items.map((d) => `${d.pipeline}/${d.environment}@${d.createdAt.toISOString()}`));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && seen.length < 50);
      return seen;
    };
    const everything = (await listDeployments(connection.db, { limit: 200 })).items.map((d) => `${d.pipeline}/${d.environment}@${d.createdAt.toISOString()}`);
    expect(everything.length).toBeGreaterThanOrEqual(3);
    expect(await walk({})).toEqual(everything);
    expect(await walk({ pipelineId: "pip_tool" })).toEqual(["tool/tool-prod@2026-03-02T09:02:00.000Z", "tool/tool-dev@2026-03-02T09:01:00.000Z"]);
    // A page of two, then the rest after its cursor: the prepared statement takes the cursor's position.
    const first = await listDeployments(connection.db, { limit: 2 });
    const rest = await listDeployments(connection.db, { limit: 200, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((d) => `${d.pipeline}/${d.environment}@${d.createdAt.toISOString()}`)).toEqual(everything);
  });

  it("history: requested by a whole email, part of it or part of the name, in any case; an empty window is refused", async () => {
    const tool = { pipelineId: "pip_tool" };
    const environmentsOf = async (actor: string) => (await listDeployments(connection.db, { ...tool, actor })).items.map((d) => d.environment);
    expect(await environmentsOf(lead.email)).toEqual(["tool-prod", "tool-dev"]);
    expect(await environmentsOf(lead.email.toUpperCase())).toEqual(["tool-prod", "tool-dev"]);
    expect(await environmentsOf("LEE")).toEqual(["tool-prod", "tool-dev"]);
    expect(await environmentsOf("@example.com")).toEqual(["tool-prod", "tool-dev"]);
    expect(await environmentsOf("nobody-else")).toEqual([]);
    // A whole email is that person only: not someone whose email ends the same way.
    await connection.db.insert(users).values({ id: "usr_ashlee", email: `ash${lead.email}`, name: "Ash Lee" });
    await connection.db.insert(deployments).values({ id: newId("dep", at), environmentId: "env_tool_dev", releaseId: "rel_tool", kind: "promote", state: "succeeded", requestedBy: "usr_ashlee", requestedVia: "api", createdAt: at });
    expect(await environmentsOf(lead.email)).toEqual(["tool-prod", "tool-dev"]);
    expect(await environmentsOf(lead.email.split("@")[0]!)).toEqual(["tool-prod", "tool-dev", "tool-dev"]);
    await expect(listDeployments(connection.db, { actor: "   " })).rejects.toMatchObject({ fields: { actor: "type part of a name or an email" } });

    const refused = await listDeployments(connection.db, { since: "2026-03-03T00:00:00Z", until: "2026-03-02T00:00:00Z" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).fields).toEqual({ until: expect.stringMatching(/not after the start of the window/) });
    expect((await listDeployments(connection.db, { ...tool, since: "2026-03-02T09:01:30Z", until: "2026-03-02T09:03:00Z" })).items.map((d) => d.environment)).toEqual(["tool-prod"]);
  });

  it("audit: the events whose target belongs to the pipeline (a release, an environment by name)", async () => {
    const page = await listAuditEvents(ctx(), { pipelineId: "pip_tool" });
    expect(page.items.map((e) => [e.action, e.targetId])).toEqual([
      ["review.extend", "tool-dev"],
      ["release.create", "rel_tool"],
    ]);
    const shop = (await connection.db.query.pipelines.findFirst({ where: (p, { eq }) => eq(p.name, "shop") }))!;
    const shopEvents = await listAuditEvents(ctx(), { pipelineId: shop.id, limit: 200 });
    expect(shopEvents.items.length).toBeGreaterThan(0);
    expect(shopEvents.items.some((e) => e.targetId === "rel_tool" || e.targetId === "tool-dev")).toBe(false);
  });

  it("metrics: one pipeline in detail by id; DORA per pipeline at each one's production environment", async () => {
    const detail = await getDeliveryMetrics(ctx(), { pipelineId: "pip_tool" });
    expect(detail).toMatchObject({ pipelineId: "pip_tool", productionEnvironment: "tool-prod", scope: { environment: "tool-prod" } });
    expect(detail.metrics.frequency.total).toBe(1);
    await expect(getDeliveryMetrics(ctx(), { pipelineId: "pip_none" })).rejects.toBeInstanceOf(ValidationError);

    const organisation = await organisationMetrics(ctx(), { period: "7d" });
    expect(organisation.byPipeline.map((p) => [p.name, p.production, p.deployments])).toEqual([
      ["shop", "prod", 1],
      ["tool", "tool-prod", 1],
    ]);
    expect(organisation.byTeam).toEqual([]);
    // A tie goes to the first by name; the metrics page opens there when no pipeline is asked for.
    expect(busiestPipelineId(organisation)).toBe(organisation.byPipeline[0]!.pipelineId);
  });
});

describe("the metrics page's default pipeline", () => {
  const metrics = (deployments: number[]) => ({ byPipeline: deployments.map((n, i) => ({ pipelineId: `pip_${i}`, deployments: n })) }) as unknown as OrganisationMetrics;
  it("is the one that deployed most to production, else none", () => {
    expect(busiestPipelineId(metrics([0, 4, 2]))).toBe("pip_1");
    expect(busiestPipelineId(metrics([0, 0]))).toBeNull();
    expect(busiestPipelineId(metrics([]))).toBeNull();
  });
});

// The audit trail's pipeline and team filters when two pipelines share environment names (shop's
// and handbook's dev and prod): events name environments qualified; an older event's bare name
// counts only where it is unambiguous.
describe.each(testDatabases)("audit filters with shared environment names on $name", (database) => {
  let connection: Connection;
  let techLead: Actor;
  let shopId: string;
  let handbookId: string;
  const ctx = () => contextFor(connection.db, techLead, "2026-03-02T10:00:00Z");
  const targetsOf = async (filter: Record<string, string>) => (await listAuditEvents(ctx(), { ...filter, targetType: "environment", limit: 200 })).items.map((e) => [e.action, e.targetId]);

  beforeAll(async () => {
    connection = await database.open();
    const db = connection.db;
    await loadTestPipeline(db);
    await loadHandbookPipeline(db);
    techLead = await createTestActor(db, ["tech-lead"], "tess");
    const byName = async (name: string) => (await db.query.pipelines.findFirst({ where: (p, { eq }) => eq(p.name, name) }))!.id;
    shopId = await byName("shop");
    handbookId = await byName("handbook");
    await db.insert(teams).values({ id: "tea_docs", name: "docs", displayName: "Docs" });
    await db.update(pipelines).set({ teamId: "tea_docs" }).where(eq(pipelines.id, handbookId));
    const at = fixedClock("2026-03-02T09:00:00Z");
    // Older events, written before environments were named qualified: "dev" is in both pipelines, "qa" in shop only.
    await recordAudit(db, techLead, at, { action: "environment.hold", targetType: "environment", targetId: "dev" });
    await recordAudit(db, techLead, at, { action: "environment.hold", targetType: "environment", targetId: "qa" });
    // Through a real service, with the environment named as a person would: shop's dev.
    await setConfigVariable(ctx(), { environment: "shop/dev", key: "FEATURE_X", value: "on", reason: "try it in dev" });
  });
  afterAll(() => connection.close());

  it("an event recorded by a service names the environment qualified, in a chain that still verifies", async () => {
    const [event] = (await listAuditEvents(ctx(), { action: "config.set" })).items;
    expect(event).toMatchObject({ targetType: "environment", targetId: "shop/dev" });
    expect(await verifyAuditTrail(ctx())).toMatchObject({ intact: true });
  });

  it("shop's dev shows under shop only; a bare name two pipelines share under neither; a bare name one pipeline has under it", async () => {
    const shop = [
      ["config.set", "shop/dev"],
      ["environment.hold", "qa"],
    ];
    expect(await targetsOf({ pipelineId: shopId })).toEqual(shop);
    expect(await targetsOf({ pipeline: "shop" })).toEqual(shop);
    expect(await targetsOf({ pipelineId: handbookId })).toEqual([]);
    expect(await targetsOf({ pipeline: "handbook" })).toEqual([]);
    // The team that owns handbook sees handbook's events only, by id or by name.
    expect(await targetsOf({ teamId: "tea_docs" })).toEqual([]);
    expect(await targetsOf({ team: "docs" })).toEqual([]);
    // Unknown names match nothing (as the other lists' `pipeline` filters do).
    expect(await targetsOf({ pipeline: "nowhere" })).toEqual([]);
    expect(await targetsOf({ team: "nobody" })).toEqual([]);
  });

  it("handbook's own dev, set through the service, shows under handbook and its team, not under shop", async () => {
    await setConfigVariable(ctx(), { environment: "handbook/dev", key: "FEATURE_X", value: "off", reason: "not in the handbook" });
    expect(await targetsOf({ pipeline: "handbook" })).toEqual([["config.set", "handbook/dev"]]);
    expect(await targetsOf({ team: "docs" })).toEqual([["config.set", "handbook/dev"]]);
    expect(await targetsOf({ pipeline: "shop" })).not.toContainEqual(["config.set", "handbook/dev"]);
  });
});

// The history page's environment filter: shop and handbook both have a dev.
describe.each(testDatabases)("history's environment filter with shared environment names on $name", (database) => {
  let connection: Connection;
  let shopId: string;

  beforeAll(async () => {
    connection = await database.open();
    const db = connection.db;
    await loadTestPipeline(db);
    await loadHandbookPipeline(db);
    const developer = await createTestActor(db, ["developer"], "dana");
    shopId = (await db.query.pipelines.findFirst({ where: (p, { eq }) => eq(p.name, "shop") }))!.id;
    const shop = await makeRelease(db, developer, "1.0.0");
    const handbook = await makeHandbookRelease(db, developer, "2.0.0", "2026-03-01T08:00:00Z");
    await placeRelease(db, "shop/dev", shop.id, new Date("2026-03-02T09:00:00Z"), developer.id);
    await placeRelease(db, "shop/qa", shop.id, new Date("2026-03-02T09:10:00Z"), developer.id);
    await placeRelease(db, "handbook/dev", handbook.id, new Date("2026-03-02T09:20:00Z"), developer.id);
  });
  afterAll(() => connection.close());

  it("lists each pipeline's environments under it, qualified, once each", async () => {
    const listed = await environmentsWithHistory(connection.db);
    expect(listed.map((e) => e.ref)).toEqual(["handbook/dev", "handbook/prod", "shop/dev", "shop/qa", "shop/uat", "shop/staging", "shop/prod"]);
    expect(listed[0]).toEqual({ pipeline: "handbook", name: "dev", ref: "handbook/dev", gone: false });
    expect((await environmentsWithHistory(connection.db, shopId)).map((e) => e.ref)).toEqual(["shop/dev", "shop/qa", "shop/uat", "shop/staging", "shop/prod"]);
  });

  it("a listed environment filters the history to that pipeline's environment only", async () => {
    const into = async (filter: Record<string, string>) => (await listDeployments(connection.db, filter)).items.map((d) => `${d.pipeline}/${d.environment}`);
    expect(await into({ environment: "shop/dev" })).toEqual(["shop/dev"]);
    expect(await into({ environment: "handbook/dev" })).toEqual(["handbook/dev"]);
    // The environment page's link: a bare name with its pipeline chosen.
    expect(await into({ environment: "dev", pipelineId: shopId })).toEqual(["shop/dev"]);
    expect(await into({ environment: "handbook/dev", pipelineId: shopId })).toEqual([]);
    // A bare name alone (an API caller's) still means that name in every pipeline.
    expect(await into({ environment: "dev" })).toEqual(["handbook/dev", "shop/dev"]);
    await expect(listDeployments(connection.db, { environment: "shop/Dev!" })).rejects.toBeInstanceOf(ValidationError);
  });
});

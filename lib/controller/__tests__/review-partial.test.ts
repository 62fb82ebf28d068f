import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, auditEvents, builds, deployments, environmentApps, environments, releaseBuilds } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { registerBuild } from "@/lib/services/builds";
import { environmentDto } from "@/lib/api/dto";
import { getBoardPage } from "@/lib/services/board-page";
import { listEnvironmentApps } from "@/lib/services/environment-apps";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { listEnvironmentsPage } from "@/lib/services/environment-list";
import { inheritedAppsOf } from "@/lib/services/review-clone";
import { RuleError, ValidationError } from "@/lib/services/errors";
import { createRelease } from "@/lib/services/releases";
import { createReviewEnvironment, teardownReviewEnvironment } from "@/lib/services/review-environments";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { artifactRef } from "../specs";
import { Controller } from "../controller";

process.env.SLIPWAY_SECRET_KEY ??= Buffer.alloc(32, 5).toString("base64");

const APPS = ["portal", "admin", "api-gateway"] as const;

/** Issue 13: a review environment holds and runs only what differs from its source. */
describe.each(testDatabases)("partial review environments on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-01T09:00:00Z");
  const platform = new FakePlatform();
  let controller: Controller;
  let dev: Actor, lead: Actor;
  /** What staging runs: app → its build's digest, and the address it serves at. */
  const staging = new Map<string, { digest: string; url: string }>();
  let commits = 0;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [dev, lead] = await Promise.all([createTestActor(connection.db, ["developer"], "dana"), createTestActor(connection.db, ["delivery-lead"], "lee")]);
    controller = new Controller({ connection, createPlatform: async () => platform, clock, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 3_600_000 });
    const [stagingRow] = await connection.db.select().from(environments).where(eq(environments.name, "staging"));
    await connection.db
      .update(environments)
      .set({ settings: { ...(stagingRow!.settings as object), smoke: [] } })
      .where(eq(environments.id, stagingRow!.id));
    // Staging runs a release, really (on the fake platform), at its own addresses.
    const base = await makeRelease(connection.db, dev, "1.0.0", { at: new Date(clock.now().getTime() - 86_400_000).toISOString() });
    await placeRelease(connection.db, "staging", base.id, new Date(clock.now().getTime() - 3_600_000), lead.id);
    const rows = await connection.db
      .select({ app: apps, build: builds })
      .from(releaseBuilds)
      .innerJoin(apps, eq(apps.id, releaseBuilds.appId))
      .innerJoin(builds, eq(builds.id, releaseBuilds.buildId))
      .where(eq(releaseBuilds.releaseId, base.id));
    for (const { app, build } of rows) {
      const status = await platform.ensureActive({ environment: "staging", app: app.name, build: artifactRef(build, base.id, app.name), instances: 1, config: {}, healthPath: "/health", reference: "test" });
      await connection.db
        .update(environmentApps)
        .set({ url: status.url })
        .where(and(eq(environmentApps.environmentId, stagingRow!.id), eq(environmentApps.appId, app.id)));
      staging.set(app.name, { digest: build.digest, url: status.url! });
    }
  });
  afterAll(async () => {
    await controller.stop({ stopApps: false });
    await connection.close();
  });

  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
  const envRow = async (name: string) =>
    (
      await connection.db
        .select()
        .from(environments)
        .where(eq(environments.name, name))
        .orderBy(sql`created_at desc`)
    )[0]!;
  const cellsOf = async (name: string) => {
    const rows = await connection.db
      .select({ app: apps.name, releaseId: environmentApps.releaseId })
      .from(environmentApps)
      .innerJoin(apps, eq(apps.id, environmentApps.appId))
      .where(eq(environmentApps.environmentId, (await envRow(name)).id));
    return Object.fromEntries(rows.map((r) => [r.app, r.releaseId]));
  };
  const starts = (environment: string) => platform.calls.filter((c) => c.startsWith(`start ${environment}/`));
  const count = async () => Number((await connection.db.select({ n: sql<number>`count(*)` }).from(environments))[0]!.n);
  const auditCount = async () => Number((await connection.db.select({ n: sql<number>`count(*)` }).from(auditEvents))[0]!.n);

  /** A release of `branch` whose builds of `changed` are new; the other apps' builds carry staging's digests (reproducible builds). */
  async function releaseChanging(branch: string, changed: readonly string[]) {
    clock.advance(1000);
    commits += 1;
    const commit = (0xabc000 + commits).toString(16).padStart(8, "0") + "d".repeat(32);
    const version = `2.0.${commits}`;
    const ids: string[] = [];
    for (const app of APPS) {
      const digest = changed.includes(app) ? `sha256:${(0xfeed00 + commits * 8 + ids.length).toString(16).padStart(64, "0")}` : staging.get(app)!.digest;
      const { build } = await registerBuild(ctx(dev), { app, version, commit, branch, digest, artifact: `/artifacts/${app}-${version}.mjs`, tests: { passed: true, total: 1, failed: 0 }, changedFiles: [], labels: [] });
      ids.push(build.id);
    }
    return (await createRelease(ctx(dev), { commit, branch, builds: ids, buildNumber: 1000 + commits })).release;
  }

  it("with one changed app: stores exactly one cell and starts one app; the others' addresses point at staging", async () => {
    const release = await releaseChanging("feature/one", ["portal"]);
    const { environment, deploymentId } = await createReviewEnvironment(ctx(dev), { branch: "feature/one", releaseId: release.id });
    expect(environment.settings).toMatchObject({ clone: "changed" });
    const [audit] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "review.create"), eq(auditEvents.targetId, `shop/${environment.name}`)));
    expect(audit!.data).toMatchObject({ clone: "changed", apps: ["portal"], inherited: ["admin", "api-gateway"] });
    // While it provisions, the portal its rollout brings is not "served by staging" (it has no cell yet).
    expect((await inheritedAppsOf(connection.db, environment)).map((a) => a.app)).toEqual(["admin", "api-gateway"]);
    const provisioning = await getEnvironmentPage(ctx(dev), { pipeline: "shop", name: "one" });
    expect(provisioning.review!.inherited.map((a) => a.app)).toEqual(["admin", "api-gateway"]);

    await controller.runUntilIdle();
    const [rollout] = await connection.db.select().from(deployments).where(eq(deployments.id, deploymentId));
    expect([rollout!.state, rollout!.failureReason]).toEqual(["succeeded", null]);
    expect((await envRow("one")).state).toBe("ready");
    expect(await cellsOf("one")).toEqual({ portal: release.id });
    expect(starts("one")).toEqual(["start one/portal 2.0.1"]);
    // Only the portal's data is copied: staging serves the others, with their own data.
    expect(platform.calls.filter((c) => c.startsWith("provision one"))).toEqual(["provision one from staging for portal"]);
    // The portal of the review environment calls staging's admin and api-gateway.
    expect(platform.lastSpecs.get("one/portal")!.siblings).toEqual({ admin: staging.get("admin")!.url, "api-gateway": staging.get("api-gateway")!.url });
    // The board and the environment's page show which apps are its own and which staging serves.
    const addresses = (await getBoardPage(ctx(dev), { pipeline: "shop" })).review.addresses.get(environment.id);
    expect(addresses).toEqual([
      { app: "portal", url: platform.apps.get("one/portal")!.url },
      { app: "admin", url: staging.get("admin")!.url, from: "staging" },
      { app: "api-gateway", url: staging.get("api-gateway")!.url, from: "staging" },
    ]);
    // The REST view marks the apps staging serves for it, with their addresses there.
    const listed = (await listEnvironmentsPage(connection.db, clock, { pipeline: "shop", limit: 200 })).items.find((i) => i.environment.id === environment.id)!;
    const dto = environmentDto(listed.environment, listed.appOrder, listed.inherited);
    expect(dto.apps.map((a) => [a.app, a.servedBy, a.url])).toEqual([
      ["portal", null, platform.apps.get("one/portal")!.url],
      ["admin", "staging", staging.get("admin")!.url],
      ["api-gateway", "staging", staging.get("api-gateway")!.url],
    ]);
    expect(await inheritedAppsOf(connection.db, await envRow("one"))).toEqual(listed.inherited);
    // The environment's page names the addresses of its page of apps only (bounded by the page, not the pipeline).
    const page = await getEnvironmentPage(ctx(dev), { pipeline: "shop", name: "one", limit: 2 });
    expect(page.review!.inherited.map((a) => a.app)).toEqual(["admin"]);
    const appsPage = await listEnvironmentApps(ctx(dev), "shop/one", { limit: 2 });
    expect(appsPage.items.map((row) => [row.app, row.inherited?.from ?? null])).toEqual([
      ["portal", null],
      ["admin", "staging"],
    ]);
  });

  it("refuses a second review environment of a branch that has a live one, naming it and changing nothing", async () => {
    const release = await releaseChanging("feature/one", ["portal"]);
    await controller.runUntilIdle();
    const [environmentsBefore, auditBefore] = [await count(), await auditCount()];
    const again = await createReviewEnvironment(ctx(lead), { branch: "feature/one", releaseId: release.id, clone: "full" }).catch((e: unknown) => e);
    expect(again).toMatchObject({ status: 409, code: "branch_has_review", fields: { branch: "already running in one" } });
    expect((again as Error).message).toBe("feature/one already has a review environment, one: open it, or tear it down before spinning up another.");
    expect([await count(), await auditCount()]).toEqual([environmentsBefore, auditBefore]);
  });

  it("a full clone stores and runs every app", async () => {
    const release = await releaseChanging("feature/full", ["portal"]);
    await createReviewEnvironment(ctx(dev), { branch: "feature/full", releaseId: release.id, clone: "full" });
    await controller.runUntilIdle();
    expect(await cellsOf("full")).toEqual({ portal: release.id, admin: release.id, "api-gateway": release.id });
    expect(starts("full")).toHaveLength(3);
    expect(platform.calls.filter((c) => c.startsWith("provision full"))).toEqual(["provision full from staging"]);
    expect(platform.lastSpecs.get("full/portal")!.siblings).toBeUndefined();
  });

  it("a new release of the branch that changes another app adds its cell; what the environment ran keeps running there", async () => {
    const release = await releaseChanging("feature/one", ["admin"]);
    await controller.runUntilIdle();
    // The portal's build is staging's again, but it stays the review environment's own (on the new release).
    expect(await cellsOf("one")).toEqual({ portal: release.id, admin: release.id });
    // The admin, now its own, gets its copy of staging's data then (the portal keeps what it has).
    expect(platform.calls.filter((c) => c.startsWith("provision one")).at(-1)).toBe("provision one from staging for portal,admin");
    expect(platform.lastSpecs.get("one/admin")!.siblings).toEqual({ "api-gateway": staging.get("api-gateway")!.url });
    expect(platform.serving("one", "api-gateway")).toBeNull();
    const [latest] = await connection.db.select().from(deployments).where(eq(deployments.releaseId, release.id));
    expect(latest!.detail).toMatchObject({ inherited: ["api-gateway"] });
  });

  it("teardown of a partial review environment stops its own app and leaves staging's alone", async () => {
    const before = APPS.map((app) => platform.serving("staging", app));
    expect(before.every(Boolean)).toBe(true);
    const mark = platform.calls.length;
    await teardownReviewEnvironment(ctx(dev), { name: "one" });
    await controller.runUntilIdle();
    expect((await envRow("one")).state).toBe("torn-down");
    const since = platform.calls.slice(mark);
    expect(since).toContain("destroy one");
    expect(since.filter((c) => / staging(\/|$)/.test(c))).toEqual([]);
    expect(APPS.map((app) => platform.serving("staging", app))).toEqual(before);
  });

  it("refuses a bad clone value, and a partial clone of nothing that differs, changing nothing", async () => {
    const release = await releaseChanging("feature/bad", ["portal"]);
    const [environmentsBefore, auditBefore] = [await count(), await auditCount()];
    const bad = await createReviewEnvironment(ctx(dev), { branch: "feature/bad", releaseId: release.id, clone: "some" }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).status).toBe(400);
    expect((bad as ValidationError).fields).toMatchObject({ clone: expect.stringContaining('"changed"') });

    const same = await releaseChanging("feature/same", []);
    const nothing = await createReviewEnvironment(ctx(dev), { branch: "feature/same", releaseId: same.id }).catch((e: unknown) => e);
    expect(nothing).toBeInstanceOf(RuleError);
    expect(nothing).toMatchObject({ code: "nothing_differs" });
    expect(await count()).toBe(environmentsBefore);
    // Only the release of feature/same (its builds and the release itself) was recorded meanwhile.
    const audit = await connection.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .orderBy(sql`${auditEvents.id}`);
    expect(
      audit
        .slice(auditBefore)
        .map((a) => a.action)
        .filter((a) => a.startsWith("review.") || a.startsWith("deployment.")),
    ).toEqual([]);
  });
});

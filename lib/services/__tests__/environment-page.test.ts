import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, environmentApps, environments, jobRuns, pipelines } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { previousGoodReleaseOf } from "@/lib/services/deployments";
import { environmentAppsPage } from "@/lib/services/environment-apps";
import { recentDeployments } from "@/lib/services/environments";
import { listJobRuns } from "@/lib/services/jobs";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { NotFoundError, ValidationError } from "@/lib/services/errors";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { countStatements } from "@/lib/testing/statement-count";
import { clearRevisionCache } from "@/lib/services/revision-cache";

/** Opening and migrating a database is slow on a busy shared machine (not a measurement). */
const SETUP_TIMEOUT_MS = 300_000;

// Issue 13 / 16 item 3: the environment page is one bounded view model; its rules live in the service.
describe.each(testDatabases)("getEnvironmentPage on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  let viewer: Actor;
  let releases: { id: string; commit: string }[];
  const clock = fixedClock("2026-03-05T12:00:00Z");
  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
  const envId = async (name: string) => (await connection.db.select({ id: environments.id }).from(environments).where(eq(environments.name, name)))[0]!.id;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    admin = await createTestActor(connection.db, ["admin"], "ada");
    viewer = await createTestActor(connection.db, ["viewer"], "vic");
    releases = [];
    for (let i = 1; i <= 3; i++) releases.push(await makeRelease(connection.db, admin, `1.${i}.0`, { at: `2026-03-0${i}T08:00:00Z` }));
    // qa ran 1.1.0, then 1.2.0, then 1.3.0; uat runs 1.1.0 on two apps and 1.2.0 on the third.
    for (const [i, release] of releases.entries()) await placeRelease(connection.db, "qa", release.id, new Date(`2026-03-0${i + 2}T09:00:00Z`), admin.id);
    await placeRelease(connection.db, "uat", releases[1]!.id, new Date("2026-03-03T09:00:00Z"), admin.id);
    await placeRelease(connection.db, "uat", releases[0]!.id, new Date("2026-03-04T09:00:00Z"), admin.id);
    const [portal] = await connection.db.select().from(apps).where(eq(apps.name, "portal"));
    await connection.db
      .update(environmentApps)
      .set({ releaseId: releases[1]!.id })
      .where(and(eq(environmentApps.environmentId, await envId("uat")), eq(environmentApps.appId, portal!.id)));
  }, SETUP_TIMEOUT_MS);
  afterAll(() => connection.close());

  it("names the release the apps share, and none (so no redeploy) while they disagree", async () => {
    const qa = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" });
    expect(qa.current).toEqual({ id: releases[2]!.id, commit: releases[2]!.commit });
    expect(qa.allowed.redeploy).toBe(true);
    const uat = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "uat" });
    expect(uat.current).toBeNull();
    expect(uat.allowed.redeploy).toBe(false);
    const dev = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "dev" });
    expect(dev.current).toBeNull();
    expect(dev.apps.items.map((a) => [a.app, a.cell])).toEqual([
      ["portal", null],
      ["admin", null],
      ["api-gateway", null],
    ]);
  });

  it("offers the rollback target the rollback service would pick", async () => {
    const qa = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" });
    const expected = await previousGoodReleaseOf(ctx(admin), await envId("qa"));
    expect(expected).toBe(releases[1]!.id);
    expect(qa.rollback?.target).toMatchObject({ id: releases[1]!.id, commit: releases[1]!.commit });
    expect(qa.rollback?.target?.versions.map((v) => v.version)).toEqual(["1.2.0", "1.2.0", "1.2.0"]);
    expect(qa.rollback?.inFlight).toBeNull();
  });

  it("reads the latest deployments and job runs with the environment, as their own reads give them", async () => {
    const qaId = await envId("qa");
    const [portal] = await connection.db.select().from(apps).where(eq(apps.name, "portal"));
    const run = { environmentId: qaId, appId: portal!.id, job: "seed", output: "ok", createdAt: new Date("2026-03-05T10:00:00Z") };
    await connection.db.insert(jobRuns).values([
      { ...run, id: "job_by_hand", trigger: "by hand", requestedBy: admin.id, state: "succeeded" as const, exitCode: 0, durationMs: 1200, startedAt: run.createdAt, finishedAt: new Date("2026-03-05T10:00:01.200Z") },
      { ...run, id: "job_queued", trigger: "migrations changed", requestedBy: null, state: "queued" as const, createdAt: new Date("2026-03-05T11:00:00Z") },
    ]);
    const qa = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" });
    expect(qa.deployments).toEqual(await recentDeployments(connection.db, qaId));
    expect(qa.deployments.map((d) => d.releaseCommit)).toEqual([...releases].reverse().map((r) => r.commit));
    expect(qa.deployments[0]!.createdAt).toBeInstanceOf(Date);
    expect(qa.jobs).toEqual(await listJobRuns(connection.db, qaId));
    expect(qa.jobs.map((j) => [j.id, j.app, j.requestedByName])).toEqual([
      ["job_queued", "portal", null],
      ["job_by_hand", "portal", admin.name],
    ]);
    expect(qa.jobs[1]!.finishedAt).toEqual(new Date("2026-03-05T10:00:01.200Z"));
    // A queued job: the page follows it.
    expect(qa.busy).toBe(true);
    await connection.db.delete(jobRuns).where(eq(jobRuns.environmentId, qaId));
  });

  it("gives a viewer the page but none of the actions", async () => {
    const qa = await getEnvironmentPage(ctx(viewer), { pipeline: "shop", name: "qa" });
    expect(qa.rollback).toBeNull();
    expect(qa.allowed).toEqual({ redeploy: false, rollback: false, editConfig: false, requestDeployment: false, runJob: false, liftHold: false });
    expect(qa.current?.id).toBe(releases[2]!.id);
  });

  it("knows the last environment of the chain, the seedable apps and whether anything moves", async () => {
    const [prod, staging, qa] = await Promise.all(["prod", "staging", "qa"].map((name) => getEnvironmentPage(ctx(admin), { pipeline: "shop", name })));
    expect(prod!.isLast).toBe(true);
    expect(staging!.isLast).toBe(false);
    expect(qa!.isLast).toBe(false);
    // Every app of shop.yaml declares a seed job; only qa has builds deployed.
    expect(qa!.seedApps).toEqual(["portal", "admin", "api-gateway"]);
    expect(prod!.seedApps).toEqual([]);
    expect(qa!.busy).toBe(false);
    expect(qa!.apps.total).toBe(3);
  });

  it("refuses an unknown pipeline or environment with NotFoundError", async () => {
    await expect(getEnvironmentPage(ctx(admin), { pipeline: "nope", name: "qa" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "nowhere" })).rejects.toBeInstanceOf(NotFoundError);
  });

  describe("with 150 apps", () => {
    let pipelineId: string;
    let baseline: number;

    beforeAll(async () => {
      // Statements for the three-app pipeline, before it grows.
      clearRevisionCache(connection.db);
      baseline = (await countStatements(connection, () => getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" }))).statements;
      pipelineId = (await connection.db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.name, "shop")))[0]!.id;
      const extra = Array.from({ length: 147 }, (_, i) => ({ id: `app_extra_${String(i).padStart(3, "0")}`, pipelineId, name: `svc-${String(i).padStart(3, "0")}`, position: 3 + i, settings: {} }));
      await connection.db.insert(apps).values(extra);
      // A retired app never shows.
      await connection.db.insert(apps).values({ id: "app_retired", pipelineId, name: "svc-retired", position: 999, settings: {}, retiredAt: new Date("2026-02-01T00:00:00Z") });
      const qa = await envId("qa");
      // Every third extra app runs in qa; a third of those are unhealthy.
      await connection.db
        .insert(environmentApps)
        .values(
          extra
            .filter((_, i) => i % 3 === 0)
            .map((a, i) => ({ environmentId: qa, appId: a.id, releaseId: releases[2]!.id, deployedAt: new Date("2026-03-04T09:00:00Z"), healthStatus: i % 3 === 0 ? ("unhealthy" as const) : ("healthy" as const) })),
        );
    });

    it("pages every app once, in slipway.yaml order, and loads only the page's cells", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", cursor, limit: 40 });
        expect(page.apps.items.length).toBeLessThanOrEqual(40);
        expect(Object.keys(page.environment.apps).every((app) => page.apps.items.some((a) => a.app === app))).toBe(true);
        seen.push(...page.apps.items.map((a) => a.app));
        cursor = page.apps.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(4);
      expect(seen).toEqual(["portal", "admin", "api-gateway", ...Array.from({ length: 147 }, (_, i) => `svc-${String(i).padStart(3, "0")}`)]);
    });

    it("pages by number: where the page stands among the matching apps, the last page for one past the end", async () => {
      const first = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" });
      expect(first.apps).toMatchObject({ page: 1, pages: 3, before: 0, matching: 150, total: 150 });
      expect(first.apps.items).toHaveLength(50);
      const second = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", page: "2" });
      expect(second.apps).toMatchObject({ page: 2, pages: 3, before: 50, matching: 150 });
      expect(second.apps.items.map((a) => a.app)).toEqual(Array.from({ length: 50 }, (_, i) => `svc-${String(47 + i).padStart(3, "0")}`));
      const past = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", page: 9 });
      expect(past.apps).toMatchObject({ page: 3, pages: 3, before: 100 });
      expect(past.apps.items.at(-1)!.app).toBe("svc-146");
      // A number too large to be a page is past the end too, not page 1.
      const huge = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", page: "99999999999" });
      expect(huge.apps).toMatchObject({ page: 3, pages: 3, before: 100 });
      // Filters narrow the count; a page of them is counted among them, not among every app.
      const unhealthy = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", status: "unhealthy", limit: 5, page: 2 });
      expect(unhealthy.apps).toMatchObject({ page: 2, pages: 4, before: 5, matching: 17, total: 150 });
      expect(unhealthy.apps.items.map((a) => a.app)).toEqual(["svc-045", "svc-054", "svc-063", "svc-072", "svc-081"]);
      // A page opened by a cursor knows its number too.
      const byCursor = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", status: "unhealthy", limit: 5, cursor: unhealthy.apps.nextCursor! });
      expect(byCursor.apps).toMatchObject({ page: 3, before: 10, matching: 17 });
      expect(byCursor.apps.items[0]!.app).toBe("svc-090");
      await expect(getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", page: 2, cursor: unhealthy.apps.nextCursor! })).rejects.toBeInstanceOf(ValidationError);
    });

    it("filters by name and by status in SQL", async () => {
      const named = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", q: "SVC-01" });
      expect(named.apps.items.map((a) => a.app)).toEqual(Array.from({ length: 10 }, (_, i) => `svc-01${i}`));
      expect(named.apps.total).toBe(150);
      // The page reads its apps with the environment: the same page as the apps' own read, cells and all.
      const qaRef = { id: await envId("qa"), pipelineId };
      for (const query of [{}, { q: "SVC-01" }, { status: "unhealthy" as const, limit: 5 }, { limit: 2, cursor: (await environmentAppsPage(connection.db, clock, qaRef, { limit: 2 })).nextCursor! }]) {
        const { apps: listed } = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", ...query });
        const own = await environmentAppsPage(connection.db, clock, qaRef, query);
        expect({ items: listed.items, nextCursor: listed.nextCursor }).toEqual(own);
      }
      const first = (await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" })).apps.items[0]!.cell!;
      expect(first).toMatchObject({ app: "portal", releaseCommit: releases[2]!.commit, deployedBy: { id: admin.id } });
      expect(first.deployedAt).toBeInstanceOf(Date);
      // A LIKE wildcard in the search is taken literally.
      expect((await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", q: "svc_0" })).apps.items).toEqual([]);
      const unhealthy = await environmentAppsPage(connection.db, clock, { id: await envId("qa"), pipelineId }, { status: "unhealthy", limit: 200 });
      expect(unhealthy.items.map((a) => a.app)).toEqual(Array.from({ length: 17 }, (_, i) => `svc-${String(i * 9).padStart(3, "0")}`));
      expect(unhealthy.items.every((a) => a.cell?.health.status === "unhealthy")).toBe(true);
      const missing = await environmentAppsPage(connection.db, clock, { id: await envId("qa"), pipelineId }, { status: "not-deployed", limit: 200 });
      expect(missing.items).toHaveLength(147 - 49);
      expect(missing.items.every((a) => a.cell === null)).toBe(true);
    });

    it("the current release still follows every app, not only the page's", async () => {
      const page = await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", limit: 1 });
      expect(page.current?.id).toBe(releases[2]!.id);
      const qa = await envId("qa");
      await connection.db
        .update(environmentApps)
        .set({ releaseId: releases[1]!.id })
        .where(and(eq(environmentApps.environmentId, qa), eq(environmentApps.appId, "app_extra_144")));
      expect((await getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", limit: 1 })).current).toBeNull();
      await connection.db
        .update(environmentApps)
        .set({ releaseId: releases[2]!.id })
        .where(and(eq(environmentApps.environmentId, qa), eq(environmentApps.appId, "app_extra_144")));
    });

    it("sends as many statements at 150 apps as at 3, within the page budget", async () => {
      clearRevisionCache(connection.db);
      const { statements, result: cold } = await countStatements(connection, () => getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" }));
      expect(statements).toBe(baseline);
      expect(statements).toBeLessThanOrEqual(ENVIRONMENT_PAGE_STATEMENTS);
      // The next view at the same revision reads only the token.
      const warm = await countStatements(connection, () => getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa" }));
      expect(warm.statements).toBe(1);
      expect(warm.result).toEqual(cold);
    });

    it("refuses a bad cursor, limit or status with field errors", async () => {
      await expect(getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", cursor: "nonsense" })).rejects.toBeInstanceOf(ValidationError);
      await expect(getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", limit: 201 })).rejects.toBeInstanceOf(ValidationError);
      await expect(getEnvironmentPage(ctx(admin), { pipeline: "shop", name: "qa", status: "sideways" })).rejects.toBeInstanceOf(ValidationError);
    });
  });
});

/**
 * The statements one environment page costs a person who may roll back, on a cold read cache (was
 * 28 before the view model, 14 before the nested reads; 6 before the pipeline's token came first,
 * lib/services/revision-cache.ts). Issue 13 asks ≤ 10 per request, the session and the layout's
 * header (two) included.
 */
const ENVIRONMENT_PAGE_STATEMENTS = 7;

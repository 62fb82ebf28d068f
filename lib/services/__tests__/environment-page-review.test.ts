import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, deployments, environmentApps, environments, freezes, pipelines, reviewVerdicts } from "@/db/schema";
import type { PipelineConfig } from "@/lib/config/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { getEnvironmentPage } from "@/lib/services/environment-page";
import { createReviewEnvironment } from "@/lib/services/review-environments";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

// A review environment's page: the rollout on its way, the release it runs, the conversation, what
// promoting it into its source would do, and whether it went there.
describe.each(testDatabases)("a review environment's page on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-01T09:00:00Z");
  let developer: Actor, lead: Actor;
  let release: { id: string; commit: string };
  let reviewId: string;
  let stagingId: string;
  const page = (actor: Actor) => getEnvironmentPage({ db: connection.db, actor, clock }, { pipeline: "shop", name: "search" });

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"], "dana");
    lead = await createTestActor(connection.db, ["tech-lead"], "tess");
    release = await makeRelease(connection.db, developer, "2.0.0-search.1", { branch: "feature/search", at: "2026-06-01T08:00:00Z" });
    const { environment } = await createReviewEnvironment({ db: connection.db, actor: developer, clock }, { branch: "feature/search", releaseId: release.id, name: "search" });
    reviewId = environment.id;
    stagingId = (await connection.db.select({ id: environments.id }).from(environments).where(eq(environments.name, "staging")))[0]!.id;
  });
  afterAll(() => connection.close());

  it("while it provisions: the rollout, the release on its way in, and the promotion preview into its source", async () => {
    const view = await page(developer);
    expect(view.environment.source).toBe("staging");
    expect(view.current).toBeNull();
    expect(view.review?.rollout?.id).toBe(view.environment.active[0]!.id);
    expect(view.review?.release).toEqual({
      id: release.id,
      commit: release.commit,
      versions: [
        { app: "portal", version: "2.0.0-search.1" },
        { app: "admin", version: "2.0.0-search.1" },
        { app: "api-gateway", version: "2.0.0-search.1" },
      ],
      running: false,
    });
    expect(view.review?.promotion).toBeNull();
    expect(view.review?.promotionPreview?.rollout).toEqual(expect.any(String));
    expect(view.review?.conversation).toEqual([]);
    expect(view.review?.inherited).toEqual([]);
    expect(view.review?.allowed).toMatchObject({ extend: true, teardown: true });
  });

  it("once it runs: the release running, the verdicts in order with their authors, and the promotion into its source", async () => {
    await connection.db.update(deployments).set({ state: "succeeded", finishedAt: clock.now() }).where(eq(deployments.environmentId, reviewId));
    await connection.db.update(environments).set({ state: "active" }).where(eq(environments.id, reviewId));
    await placeRelease(connection.db, "search", release.id, new Date("2026-06-01T09:10:00Z"), developer.id);
    await connection.db.insert(reviewVerdicts).values([
      { id: "rv_2", environmentId: reviewId, userId: developer.id, verdict: "accepted", comment: "looks good now", releaseId: release.id, createdAt: new Date("2026-06-01T09:30:00Z") },
      { id: "rv_1", environmentId: reviewId, userId: lead.id, verdict: "changes-requested", comment: "fix the copy", releaseId: release.id, createdAt: new Date("2026-06-01T09:20:00Z") },
    ]);
    const into = { environmentId: stagingId, releaseId: release.id, kind: "promote" as const, requestedBy: lead.id, requestedVia: "ui" as const, updatedAt: clock.now() };
    await connection.db.insert(deployments).values([
      { ...into, id: "dep_promoted", state: "waiting", createdAt: new Date("2026-06-01T09:40:00Z") },
      // A newer failed attempt does not count as the promotion.
      { ...into, id: "dep_failed", state: "failed", createdAt: new Date("2026-06-01T09:50:00Z") },
    ]);
    const view = await page(lead);
    expect(view.current).toEqual({ id: release.id, commit: release.commit });
    expect(view.review?.rollout).toBeNull();
    expect(view.review?.release).toMatchObject({ id: release.id, running: true });
    expect(view.review?.promotion).toEqual({ deploymentId: "dep_promoted", state: "waiting" });
    expect(view.review?.conversation.map((v) => [v.id, v.verdict, v.comment, v.user.name])).toEqual([
      ["rv_1", "changes-requested", "fix the copy", "tess"],
      ["rv_2", "accepted", "looks good now", "dana"],
    ]);
    expect(view.review?.conversation[0]!.createdAt).toEqual(new Date("2026-06-01T09:20:00Z"));
    expect(view.review?.allowed).toMatchObject({ promote: true });
  });

  it("previews the promotion even when its source's record is gone, as the source's page would find it", async () => {
    const before = (await page(lead)).review?.promotionPreview;
    expect(before).toEqual(expect.objectContaining({ rollout: expect.any(String) }));
    await connection.db.update(environments).set({ state: "retired" }).where(eq(environments.id, stagingId));
    expect((await page(lead)).review?.promotionPreview).toEqual(before);
    await connection.db.update(environments).set({ state: "active" }).where(eq(environments.id, stagingId));
  });

  it("lists its addresses in the Review panel whatever the Apps table is filtered or paged to", async () => {
    const appId = async (name: string) => (await connection.db.select({ id: apps.id }).from(apps).where(eq(apps.name, name)))[0]!.id;
    const [portal, admin, gateway] = [await appId("portal"), await appId("admin"), await appId("api-gateway")];
    await connection.db
      .update(environmentApps)
      .set({ url: "http://127.0.0.1:4101" })
      .where(and(eq(environmentApps.environmentId, reviewId), eq(environmentApps.appId, portal)));
    await connection.db
      .update(environmentApps)
      .set({ url: "http://127.0.0.1:4103" })
      .where(and(eq(environmentApps.environmentId, reviewId), eq(environmentApps.appId, gateway)));
    // admin is served by staging: the review environment does not run it.
    await connection.db.delete(environmentApps).where(and(eq(environmentApps.environmentId, reviewId), eq(environmentApps.appId, admin)));
    await connection.db
      .insert(environmentApps)
      .values({ environmentId: stagingId, appId: admin, url: "http://127.0.0.1:4302" })
      .onConflictDoUpdate({ target: [environmentApps.environmentId, environmentApps.appId], set: { url: "http://127.0.0.1:4302" } });
    const all = [
      { app: "portal", url: "http://127.0.0.1:4101" },
      { app: "api-gateway", url: "http://127.0.0.1:4103" },
      { app: "admin", url: "http://127.0.0.1:4302", from: "staging" },
    ];
    const view = (query: Record<string, unknown>) => getEnvironmentPage({ db: connection.db, actor: lead, clock }, { pipeline: "shop", name: "search", ...query });
    const unfiltered = await view({});
    expect(unfiltered.review?.addresses).toEqual(all);
    expect(unfiltered.review?.inherited).toEqual([all[2]]);

    const onePortal = await view({ q: "portal" });
    expect(onePortal.apps.items.map((row) => row.app)).toEqual(["portal"]);
    expect(onePortal.review?.addresses).toEqual(all);
    // The table's own marks stay the page's: admin is not on it.
    expect(onePortal.review?.inherited).toEqual([]);
    const none = await view({ status: "unhealthy" });
    expect(none.apps.items).toEqual([]);
    expect(none.review?.addresses).toEqual(all);
    const second = await view({ limit: 1, page: 2 });
    expect(second.apps.items.map((row) => row.app)).toEqual(["admin"]);
    expect(second.review?.addresses).toEqual(all);
    expect(second.review?.inherited).toEqual([all[2]]);
  });

  it("lists the freezes covering it and weighs its source's in the promotion preview, read once for both", async () => {
    const during = { startsAt: new Date("2026-06-01T08:00:00Z"), endsAt: new Date("2026-06-01T12:00:00Z"), createdBy: lead.id };
    const pipelineId = (await connection.db.select({ id: environments.pipelineId }).from(environments).where(eq(environments.id, stagingId)))[0]!.id;
    await connection.db.insert(pipelines).values({ id: "pip_other", name: "other", configHash: "x", config: {} as PipelineConfig });
    await connection.db.insert(freezes).values([
      { id: "frz_staging", environmentId: stagingId, name: "Staging freeze", reason: "staging only", ...during },
      { id: "frz_shop", pipelineId, name: "Shop freeze", reason: "all of shop", ...during },
      { id: "frz_other", pipelineId: "pip_other", name: "Other freeze", reason: "another pipeline", ...during },
      { id: "frz_over", environmentId: stagingId, name: "Over", reason: "ended", startsAt: new Date("2026-05-01T00:00:00Z"), endsAt: new Date("2026-05-02T00:00:00Z"), createdBy: lead.id },
    ]);
    const view = await page(lead);
    expect(view.freezes.map((f) => f.name)).toEqual(["Shop freeze"]);
    const waits = view.review?.promotionPreview?.waits.join(" ") ?? "";
    expect(waits).toContain("Staging freeze");
    expect(waits).toContain("Shop freeze");
    expect(waits).not.toContain("Other freeze");
    expect(waits).not.toContain("Over");
    await connection.db.delete(freezes);
    expect((await page(lead)).review?.promotionPreview?.waits.join(" ") ?? "").not.toContain("freeze");
  });
});

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments, reviewVerdicts } from "@/db/schema";
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
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { ForbiddenError, NotFoundError, ValidationError } from "@/lib/services/errors";
import { getSpinUpCandidates, listReviewCandidates, SPIN_UP_CANDIDATES } from "@/lib/services/review-candidates";
import { createReviewEnvironment, teardownReviewEnvironment } from "@/lib/services/review-environments";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";

describe.each(testDatabases)("review candidates on $name", (database) => {
  let connection: Connection;
  let dev: Actor;
  const clock = fixedClock("2026-06-01T09:00:00Z");
  const releaseOn = (branch: string, version: string, minutesAgo: number) => makeRelease(connection.db, dev, version, { branch, at: new Date(clock.now().getTime() - minutesAgo * 60_000).toISOString() });

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    dev = await createTestActor(connection.db, ["developer"], "dana");
  });
  afterAll(() => connection.close());

  it("lists nothing before any release was cut", async () => {
    expect(await listReviewCandidates(connection.db, "shop")).toEqual([]);
  });

  it("lists branches by their newest release, each with its releases newest first and every app's version", async () => {
    const develop = await releaseOn("develop", "1.0.0", 600);
    const search1 = await releaseOn("feature/search", "1.1.0-search.1", 300);
    const search2 = await releaseOn("feature/search", "1.1.0-search.2", 200);
    const search3 = await releaseOn("feature/search", "1.1.0-search.3", 100);
    const cart = await releaseOn("feature/cart", "1.2.0-cart.1", 50);

    const candidates = await listReviewCandidates(connection.db, "shop");
    expect(candidates.map((c) => c.branch)).toEqual(["feature/cart", "feature/search", "develop"]);
    const search = candidates.find((c) => c.branch === "feature/search")!;
    expect(search.releases.map((r) => r.id)).toEqual([search3.id, search2.id, search1.id]);
    expect(search.releases[0]).toMatchObject({
      commit: search3.commit,
      createdAt: new Date(clock.now().getTime() - 100 * 60_000),
      versions: [
        { app: "portal", version: "1.1.0-search.3" },
        { app: "admin", version: "1.1.0-search.3" },
        { app: "api-gateway", version: "1.1.0-search.3" },
      ],
    });
    expect(candidates[0]!.releases.map((r) => r.id)).toEqual([cart.id]);
    expect(candidates[2]!.releases.map((r) => r.id)).toEqual([develop.id]);
    expect(candidates.every((c) => c.liveReview === null)).toBe(true);
  });

  it("keeps to the limits asked for: the most recently released branches, the newest releases of each", async () => {
    const candidates = await listReviewCandidates(connection.db, "shop", { branches: 2, releasesPerBranch: 2 });
    expect(candidates.map((c) => [c.branch, c.releases.map((r) => r.versions[0]!.version)])).toEqual([
      ["feature/cart", ["1.2.0-cart.1"]],
      ["feature/search", ["1.1.0-search.3", "1.1.0-search.2"]],
    ]);
  });

  it("names the live review environment of a branch, and forgets it once it is torn down", async () => {
    const [search] = (await listReviewCandidates(connection.db, "shop")).filter((c) => c.branch === "feature/search");
    const ctx = { db: connection.db, actor: dev, clock };
    const { environment } = await createReviewEnvironment(ctx, { branch: "feature/search", releaseId: search!.releases[1]!.id, name: "search-review" });
    expect((await listReviewCandidates(connection.db, "shop")).find((c) => c.branch === "feature/search")!.liveReview).toBe(environment.name);
    expect((await listReviewCandidates(connection.db, "shop")).find((c) => c.branch === "feature/cart")!.liveReview).toBeNull();

    await teardownReviewEnvironment(ctx, { name: environment.name });
    expect((await listReviewCandidates(connection.db, "shop")).find((c) => c.branch === "feature/search")!.liveReview).toBeNull();

    // A fork's pull request of a branch of the same name has its own environment: ours is still free to spin up.
    const fork = await createReviewEnvironment(ctx, { branch: "feature/search", releaseId: search!.releases[1]!.id, name: "alice-search" }, { sourceRepository: "alice/shop" });
    expect((await listReviewCandidates(connection.db, "shop")).find((c) => c.branch === "feature/search")!.liveReview).toBeNull();
    const ours = await createReviewEnvironment(ctx, { branch: "feature/search", releaseId: search!.releases[1]!.id, name: "search-again" });
    expect((await listReviewCandidates(connection.db, "shop")).find((c) => c.branch === "feature/search")!.liveReview).toBe("search-again");
    for (const name of [fork.environment.name, ours.environment.name]) await teardownReviewEnvironment(ctx, { name });
  });

  it("the spin-up form's read: bounded, dates as text, only for people who may spin up", async () => {
    const ctx = { db: connection.db, actor: dev, clock };
    const offered = await getSpinUpCandidates(ctx, { pipeline: "shop" });
    expect(offered.map((c) => c.branch)).toEqual((await listReviewCandidates(connection.db, "shop", SPIN_UP_CANDIDATES)).map((c) => c.branch));
    expect(offered.length).toBeLessThanOrEqual(SPIN_UP_CANDIDATES.branches);
    expect(offered.every((c) => c.releases.length <= SPIN_UP_CANDIDATES.releasesPerBranch && c.releases.every((r) => typeof r.createdAt === "string" && r.versions.length <= SPIN_UP_CANDIDATES.versionsPerRelease))).toBe(true);

    const viewer = await createTestActor(connection.db, ["viewer"], "vera");
    await expect(getSpinUpCandidates({ ...ctx, actor: viewer }, { pipeline: "shop" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getSpinUpCandidates(ctx, { pipeline: "no-such-pipeline" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getSpinUpCandidates(ctx, { pipeline: "" })).rejects.toBeInstanceOf(ValidationError);
  });
});

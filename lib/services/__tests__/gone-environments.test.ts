import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { environments, pipelines } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { getEnvironment, getEnvironmentRecord, isGone } from "@/lib/services/environments";
import { NotFoundError } from "@/lib/services/errors";
import { environmentsWithHistory } from "@/lib/services/live-environments";
import { createReviewEnvironment, giveVerdict, teardownReviewEnvironment } from "@/lib/services/review-environments";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";

// Issue 15 item 5: a torn-down review environment keeps its page (its record and verdicts) and its
// place in the history filter.
describe.each(testDatabases)("torn-down environments on $name", (database) => {
  let connection: Connection;
  let dev: Actor;
  let lead: Actor;
  const clock = fixedClock("2026-06-01T09:00:00Z");

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    dev = await createTestActor(connection.db, ["developer"], "dana");
    lead = await createTestActor(connection.db, ["delivery-lead"], "lee");
    const release = await makeRelease(connection.db, dev, "1.0.0-search.1", { branch: "feature/search", at: "2026-06-01T08:00:00Z" });
    const ctx = { db: connection.db, actor: dev, clock };
    const { environment } = await createReviewEnvironment(ctx, { branch: "feature/search", releaseId: release.id, name: "search-review" });
    // The controller makes it ready, the lead gives a verdict, then it is torn down (the controller finishes that too).
    await connection.db.update(environments).set({ state: "ready" }).where(eq(environments.id, environment.id));
    await giveVerdict({ db: connection.db, actor: lead, clock }, { name: "search-review", verdict: "accepted", comment: "Looks right" });
    await teardownReviewEnvironment(ctx, { name: "search-review" });
    await connection.db
      .update(environments)
      .set({ state: "torn-down", tornDownAt: new Date("2026-06-01T10:00:00Z") })
      .where(eq(environments.id, environment.id));
  });
  afterAll(() => connection.close());

  it("is no live environment, but its record is found by name, with its verdict and when it went", async () => {
    await expect(getEnvironment(connection.db, clock, "search-review")).rejects.toBeInstanceOf(NotFoundError);
    const record = await getEnvironmentRecord(connection.db, clock, "search-review");
    expect(record).toMatchObject({ name: "search-review", kind: "review", state: "torn-down", verdict: "accepted", branch: "feature/search", tornDownAt: new Date("2026-06-01T10:00:00Z") });
    expect(isGone(record)).toBe(true);
    await expect(getEnvironmentRecord(connection.db, clock, "never-was")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("stays in the history filter, marked gone, after the live ones in chain order", async () => {
    const names = await environmentsWithHistory(connection.db);
    expect(names.map((n) => [n.ref, n.gone])).toEqual([
      ["shop/dev", false],
      ["shop/qa", false],
      ["shop/uat", false],
      ["shop/staging", false],
      ["shop/prod", false],
      ["shop/search-review", true],
    ]);
    const [shop] = await connection.db.select({ id: pipelines.id }).from(pipelines);
    expect((await environmentsWithHistory(connection.db, shop!.id)).map((n) => n.name)).toEqual(names.map((n) => n.name));
    expect(await environmentsWithHistory(connection.db, "pip_none")).toEqual([]);
    // A caller that lists only a few asks for one more than it lists, never for all of them.
    expect(await environmentsWithHistory(connection.db, null, 2)).toHaveLength(2);
  });

  it("a new environment of the same name is the one found, and the name is live again", async () => {
    const release = await makeRelease(connection.db, dev, "1.0.0-search.2", { branch: "feature/search", at: "2026-06-01T11:00:00Z" });
    await createReviewEnvironment({ db: connection.db, actor: dev, clock: fixedClock("2026-06-01T12:00:00Z") }, { branch: "feature/search", releaseId: release.id, name: "search-review" });
    expect((await getEnvironmentRecord(connection.db, clock, "search-review")).state).toBe("provisioning");
    expect((await environmentsWithHistory(connection.db)).find((n) => n.name === "search-review")).toEqual({ pipeline: "shop", name: "search-review", ref: "shop/search-review", gone: false });
  });
});

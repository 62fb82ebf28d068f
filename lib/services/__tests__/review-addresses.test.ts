import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, environmentApps, pipelines } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { loadChain } from "@/lib/services/board-queries";
import { createReviewEnvironment } from "@/lib/services/review-environments";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";

describe.each(testDatabases)("review environment addresses on $name", (database) => {
  let connection: Connection;
  let dev: Actor;
  const clock = fixedClock("2026-06-01T09:00:00Z");

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    dev = await createTestActor(connection.db, ["developer"], "dana");
  });
  afterAll(() => connection.close());

  /** What the platform records once an app of the environment is provisioned. */
  async function recordAddress(environmentId: string, app: string, url: string | null) {
    const [row] = await connection.db.select({ id: apps.id }).from(apps).where(eq(apps.name, app));
    await connection.db
      .insert(environmentApps)
      .values({ environmentId, appId: row!.id, url })
      .onConflictDoUpdate({ target: [environmentApps.environmentId, environmentApps.appId], set: { url } });
  }

  /** The board's read of review environments' addresses (see loadChain), keyed by environment id. */
  async function reviewAddresses(ids: string[], perEnvironment: number) {
    const [shop] = await connection.db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.name, "shop"));
    const chain = await loadChain(connection.db, shop!.id, 20, perEnvironment);
    return new Map(chain!.environments.filter((e) => ids.includes(e.id) && e.addresses).map((e) => [e.id, e.addresses!]));
  }

  it("lists each environment's addresses in slipway.yaml's app order, leaving out apps with none yet", async () => {
    const release = await makeRelease(connection.db, dev, "2.0.0-search.1", { branch: "feature/search", at: clock.now().toISOString() });
    const ctx = { db: connection.db, actor: dev, clock };
    const { environment: search } = await createReviewEnvironment(ctx, { branch: "feature/search", releaseId: release.id, name: "search" });
    const otherRelease = await makeRelease(connection.db, dev, "2.0.0-filters.1", { branch: "feature/filters", at: clock.now().toISOString() });
    const { environment: other } = await createReviewEnvironment(ctx, { branch: "feature/filters", releaseId: otherRelease.id, name: "search-two" });
    // Recorded out of order, as provisioning finishes app by app; admin's address is not known yet.
    await recordAddress(search.id, "api-gateway", "http://127.0.0.1:4103");
    await recordAddress(search.id, "portal", "http://127.0.0.1:4101");
    await recordAddress(search.id, "admin", null);
    await recordAddress(other.id, "admin", "http://127.0.0.1:4202");

    const addresses = await reviewAddresses([search.id, other.id, "env_unknown"], 10);
    expect(addresses.get(search.id)).toEqual([
      { app: "portal", url: "http://127.0.0.1:4101" },
      { app: "api-gateway", url: "http://127.0.0.1:4103" },
    ]);
    expect(addresses.get(other.id)).toEqual([{ app: "admin", url: "http://127.0.0.1:4202" }]);
    expect(addresses.has("env_unknown")).toBe(false);
    // A hundred-app review environment names its first few addresses only.
    expect((await reviewAddresses([search.id], 1)).get(search.id)).toEqual([{ app: "portal", url: "http://127.0.0.1:4101" }]);
  });
});

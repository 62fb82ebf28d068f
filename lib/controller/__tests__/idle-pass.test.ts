import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { requestDeployment } from "@/lib/services/deployments";
import { countingDb } from "@/lib/testing/counting-db";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { pendingWork } from "../controller-queries";
import { Controller } from "../controller";

/**
 * An idle controller asks "is there work?" once per pass (pendingWork) instead of once per
 * concern: at 2,000 apps its passes were most of its idle statements (issue 13's idle CPU).
 */
describe.each(testDatabases)("an idle controller pass on $name", (database) => {
  let connection: Connection;
  let developer: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"]);
  });
  afterAll(async () => {
    await connection.close();
  });

  it("says which kinds of work wait", async () => {
    expect(await pendingWork(connection.db)).toEqual({ deployments: false, jobs: false, verifications: false });
    const release = await makeRelease(connection.db, developer, "1.0.0");
    const requested = await requestDeployment(contextFor(connection.db, developer), { environment: "dev", releaseId: release.id });
    expect((await pendingWork(connection.db)).deployments).toBe(true);
    await connection.db.update(deployments).set({ state: "cancelled" }).where(eq(deployments.id, requested.id));
    expect((await pendingWork(connection.db)).deployments).toBe(false);
  });

  it("costs a few statements when nothing waits, and still starts what is requested within one pass", async () => {
    const counting = countingDb(connection);
    const platform = new FakePlatform();
    const controller = new Controller({ connection: { ...connection, db: counting.db }, createPlatform: async () => platform, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 5 });
    try {
      await controller.runUntilIdle();
      await controller.tick(); // the first passes of a term restore, sample health and compare drift
      const before = counting.count();
      await controller.tick();
      const idle = counting.count() - before;
      // pendingWork + the pipelines' fingerprint + what is not about queued work (review
      // environments, warm releases, notifications): 8, where each concern polling alone was 17.
      expect(idle).toBeLessThanOrEqual(9); // 8, and the lease heartbeat if its 5 s fell due between the two passes

      const release = await makeRelease(connection.db, developer, "2.0.0");
      const requested = await requestDeployment(contextFor(connection.db, developer), { environment: "dev", releaseId: release.id });
      await controller.tick();
      const [row] = await connection.db.select({ state: deployments.state }).from(deployments).where(eq(deployments.id, requested.id));
      expect(row!.state).not.toBe("queued");
      await controller.runUntilIdle();
      const [done] = await connection.db.select({ state: deployments.state }).from(deployments).where(eq(deployments.id, requested.id));
      expect(done!.state).toBe("succeeded");
    } finally {
      await controller.stop({ stopApps: false });
    }
  });
});

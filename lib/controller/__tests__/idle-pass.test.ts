import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, deployments, environments, jobRuns, verifications } from "@/db/schema";
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

  // pendingWork gates the concerns that read job_runs and verifications: a flag that stayed false
  // would leave queued work unstarted; one that stayed true would cost the statements it saves.
  it("flags a queued job run and a pending job verification, each its own flag, and nothing else", async () => {
    const db = connection.db;
    const nothing = { deployments: false, jobs: false, verifications: false };
    const [dev] = await db.select().from(environments).where(eq(environments.name, "dev"));
    const [portal] = await db.select().from(apps).where(eq(apps.name, "portal"));
    const release = await makeRelease(db, developer, "1.1.0");
    // A finished deployment for the verification to belong to: not work.
    await db.insert(deployments).values({ id: "dep_pending_work", environmentId: dev!.id, releaseId: release.id, kind: "promote", state: "succeeded", requestedBy: developer.id, requestedVia: "api" });
    expect(await pendingWork(db)).toEqual(nothing);

    await db.insert(jobRuns).values({ id: "job_pending_work", environmentId: dev!.id, appId: portal!.id, job: "seed", trigger: "by hand", requestedBy: developer.id, state: "queued" });
    expect(await pendingWork(db)).toEqual({ ...nothing, jobs: true });
    for (const state of ["running", "succeeded", "failed"] as const) {
      await db.update(jobRuns).set({ state }).where(eq(jobRuns.id, "job_pending_work"));
      expect([state, await pendingWork(db)]).toEqual([state, nothing]);
    }

    await db.insert(verifications).values({ id: "ver_pending_work", deploymentId: "dep_pending_work", environmentId: dev!.id, releaseId: release.id, name: "smoke", status: "pending", source: "job", app: "portal", job: "smoke" });
    expect(await pendingWork(db)).toEqual({ ...nothing, verifications: true });
    // Running is the controller's already; a CI verification is reported by CI, not run by Slipway.
    for (const [status, source] of [
      ["running", "job"],
      ["passed", "job"],
      ["failed", "job"],
      ["pending", "ci"],
    ] as const) {
      await db.update(verifications).set({ status, source }).where(eq(verifications.id, "ver_pending_work"));
      expect([status, source, await pendingWork(db)]).toEqual([status, source, nothing]);
    }

    // Both at once: both flags, still not deployments.
    await db.update(verifications).set({ status: "pending", source: "job" }).where(eq(verifications.id, "ver_pending_work"));
    await db.update(jobRuns).set({ state: "queued" }).where(eq(jobRuns.id, "job_pending_work"));
    expect(await pendingWork(db)).toEqual({ deployments: false, jobs: true, verifications: true });
    await db.delete(verifications).where(eq(verifications.id, "ver_pending_work"));
    await db.delete(jobRuns).where(eq(jobRuns.id, "job_pending_work"));
    expect(await pendingWork(db)).toEqual(nothing);
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

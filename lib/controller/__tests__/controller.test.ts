import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, controllerLeases, deploymentSteps, deployments, environmentApps, environments } from "@/db/schema";
import { automationActor, type Actor } from "@/lib/auth/actor";
import { ConflictError, RuleError } from "@/lib/services/errors";
import { cancelDeployment, requestDeployment, requestRollback } from "@/lib/services/deployments";
import { getDeployment } from "@/lib/services/deployment-queries";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { snapshotDatabase } from "@/lib/testing/reset";
import { Controller } from "../controller";

describe.each(testDatabases)("the controller on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  let platform: FakePlatform;
  let controller: Controller;

  let reset: () => Promise<void>;
  let logs: string[];

  beforeAll(async () => {
    connection = await database.open();
    reset = await snapshotDatabase(connection.db);
  });
  afterAll(async () => {
    await connection.close();
  });
  // Each test starts from an empty pipeline, a fresh platform and a fresh controller, and builds what it needs.
  beforeEach(async () => {
    await reset();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"]);
    platform = new FakePlatform();
    logs = [];
    controller = new Controller({ connection, createPlatform: async () => platform, log: (l) => logs.push(l), verifyTimeoutMs: 300, healthEveryMs: 60_000, rollingPauseMs: 5 });
  });
  afterEach(async () => {
    await controller.stop({ stopApps: false });
  });

  const ctx = () => contextFor(connection.db, developer);
  const promote = (environment: string, releaseId: string) => requestDeployment(ctx(), { environment, releaseId });
  const state = async (id: string) => (await connection.db.select({ s: deployments.state }).from(deployments).where(eq(deployments.id, id)))[0]!.s;
  /** Fixture: `version` released and rolled out to each of `environments`, in order. */
  const deployed = async (version: string, ...environments: string[]) => {
    const release = await makeRelease(connection.db, developer, version);
    for (const environment of environments) {
      const deployment = await promote(environment, release.id);
      await controller.runUntilIdle();
      expect(await state(deployment.id)).toBe("succeeded");
    }
    return release;
  };
  const runs = async (environment: string) => {
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, environment));
    return connection.db.select().from(environmentApps).where(eq(environmentApps.environmentId, env!.id));
  };

  it("promotes a release into dev and then qa: the platform serves it and the environment records it", async () => {
    const r1 = await makeRelease(connection.db, developer, "1.0.0");
    const toDev = await promote("dev", r1.id);
    expect(toDev.state).toBe("queued");
    await controller.runUntilIdle();
    expect(await state(toDev.id)).toBe("succeeded");
    expect(platform.serving("dev", "portal")).toBe("1.0.0");

    const detail = await getDeployment(connection.db, toDev.id);
    // dev is rolling, but nothing ran there yet: migrations (a first deployment runs them), start,
    // verify and switch — there is no traffic to move over and nothing to retire.
    expect(detail.strategy).toBe("rolling");
    expect(detail.steps.map((s) => [s.name, s.state])).toEqual([
      ["Migrate portal", "succeeded"],
      ["Migrate api-gateway", "succeeded"],
      ["Start portal", "succeeded"],
      ["Start admin", "succeeded"],
      ["Start api-gateway", "succeeded"],
      ["Verify portal", "succeeded"],
      ["Verify admin", "succeeded"],
      ["Verify api-gateway", "succeeded"],
      ["Switch traffic", "succeeded"],
    ]);
    expect(detail.steps.every((s) => s.startedAt && s.finishedAt && s.attempts === 1)).toBe(true);
    expect(detail.steps.find((s) => s.name === "Verify portal")!.log).toContain("reporting portal 1.0.0");
    expect(detail.steps[0]!.log).toContain("migrate for portal 1.0.0 ran once, exit 0");
    expect(platform.calls.filter((c) => c.startsWith("job dev/portal migrate"))).toHaveLength(1);
    expect(platform.calls.some((c) => c.startsWith("shift dev/"))).toBe(false);

    const toQa = await promote("qa", r1.id);
    await controller.runUntilIdle();
    expect(await state(toQa.id)).toBe("succeeded");
    const qa = await runs("qa");
    expect(qa.every((c) => c.releaseId === r1.id && c.deploymentId === toQa.id && c.url?.startsWith("http://localhost:"))).toBe(true);
    const actions = (
      await connection.db
        .select({ a: auditEvents.action })
        .from(auditEvents)
        .where(sql`${auditEvents.data}->>'releaseId' = ${r1.id} or ${auditEvents.targetId} in (${toDev.id}, ${toQa.id})`)
    ).map((e) => e.a);
    expect(actions).toEqual(expect.arrayContaining(["deployment.promote", "deployment.start", "deployment.succeed"]));
  });

  it("refuses to skip an environment, and automation never moves an older commit over a newer one", async () => {
    await deployed("1.0.0", "dev");
    const r2 = await makeRelease(connection.db, developer, "2.0.0");
    await expect(promote("uat", r2.id)).rejects.toMatchObject({ code: "not_in_previous" });
    const toDev = await promote("dev", r2.id);
    await controller.runUntilIdle();
    // A release replacing another moves traffic over in steps, then retires the previous one.
    expect((await getDeployment(connection.db, toDev.id)).steps.map((s) => s.name)).toEqual(expect.arrayContaining(["Shift 25% of traffic", "Shift 50% of traffic", "Shift 75% of traffic", "Switch traffic", "Retire previous portal"]));
    expect(platform.calls).toEqual(expect.arrayContaining(["shift dev/portal 25%", "shift dev/portal 50%", "shift dev/portal 75%"]));
    const older = await makeRelease(connection.db, developer, "1.9.0", { at: "2026-01-01T00:00:00Z", order: { buildNumber: 0 } });
    // A person may still choose it explicitly (lib/controller/__tests__/commit-order.test.ts).
    await expect(requestDeployment({ ...ctx(), actor: automationActor() }, { environment: "dev", releaseId: older.id })).rejects.toMatchObject({ code: "older_commit" });
    await expect(requestDeployment({ ...ctx(), actor: automationActor() }, { environment: "dev", releaseId: older.id })).rejects.toBeInstanceOf(RuleError);
  });

  it("rolls one environment back to its previous good release without touching the others", async () => {
    await deployed("1.0.0", "dev", "qa");
    await deployed("2.0.0", "dev");
    const before = await runs("dev");
    const current = before[0]!.releaseId!;
    const rollback = await requestRollback(ctx(), { environment: "dev", reason: "checkout is broken" });
    await controller.runUntilIdle();
    expect(await state(rollback.id)).toBe("succeeded");
    const after = await runs("dev");
    expect(after[0]!.releaseId).not.toBe(current);
    expect(platform.serving("dev", "portal")).toBe("1.0.0");
    expect(platform.serving("qa", "portal")).toBe("1.0.0");
    const [undone] = await connection.db
      .select()
      .from(deployments)
      .where(and(eq(deployments.releaseId, current), eq(deployments.state, "rolled-back")));
    expect(undone).toBeTruthy();
    const detail = await getDeployment(connection.db, rollback.id);
    expect(detail.kind).toBe("rollback");
    // dev is rolling: nothing of the previous release stays warm, so it is started again.
    expect(detail.steps[0]!.log).toMatch(/^portal 1\.0\.0 was not warm: started it again, verified it/);
  });

  it("fails a release that never becomes healthy, with the reason, and leaves the old one serving", async () => {
    await deployed("1.0.0", "dev");
    platform.unhealthyVersions.add("3.0.0-bad");
    const bad = await makeRelease(connection.db, developer, "3.0.0-bad");
    const servingBefore = platform.serving("dev", "portal");
    expect(servingBefore).toBe("1.0.0");
    const deployment = await promote("dev", bad.id);
    await controller.runUntilIdle();
    const detail = await getDeployment(connection.db, deployment.id);
    expect(detail.state).toBe("failed");
    expect(detail.failureReason).toMatch(/did not become healthy within/);
    expect(detail.steps.at(-1)).toMatchObject({ name: "Restore the previous release", state: "succeeded" });
    expect(platform.serving("dev", "portal")).toBe(servingBefore);
    expect((await runs("dev"))[0]!.releaseId).not.toBe(bad.id);
  });

  it("fails at once when the app reports another version than the one deployed", async () => {
    await deployed("1.0.0", "dev");
    platform.misreports.set("3.1.0", "3.0.9");
    const mislabelled = await makeRelease(connection.db, developer, "3.1.0");
    const deployment = await promote("dev", mislabelled.id);
    await controller.runUntilIdle();
    expect((await getDeployment(connection.db, deployment.id)).failureReason).toContain("reports version 3.0.9 (");
  });

  it("retries a transient platform error and then succeeds", async () => {
    await deployed("1.0.0", "dev");
    platform.transientStartFailures = 1;
    const r = await makeRelease(connection.db, developer, "3.2.0");
    const deployment = await promote("dev", r.id);
    await controller.runUntilIdle();
    const detail = await getDeployment(connection.db, deployment.id);
    expect(detail.state).toBe("succeeded");
    expect(detail.steps.find((s) => s.attempts === 2)?.log).toContain("Attempt 1 failed, retrying: port busy");
  });

  it("queues behind a rollout; a newer promotion supersedes a queued one; duplicates are 409; cancel only before rollout", async () => {
    const a = await makeRelease(connection.db, developer, "4.0.0");
    const b = await makeRelease(connection.db, developer, "4.1.0");
    const c = await makeRelease(connection.db, developer, "4.2.0");
    const first = await promote("dev", a.id);
    await controller.tick(); // starts `first`; it keeps running in the background
    const second = await promote("dev", b.id);
    await expect(promote("dev", b.id)).rejects.toBeInstanceOf(ConflictError);
    const third = await promote("dev", c.id);
    expect(await state(second.id)).toBe("superseded");
    await expect(cancelDeployment(ctx(), { deploymentId: first.id })).rejects.toMatchObject({ code: "not_cancellable" });
    const cancelled = await cancelDeployment(ctx(), { deploymentId: third.id });
    expect(cancelled.state).toBe("cancelled");
    await controller.runUntilIdle();
    expect(await state(first.id)).toBe("succeeded");
    expect(await state(third.id)).toBe("cancelled");
  });

  it("50 concurrent promotions of one release give exactly one deployment and only 409s", async () => {
    const r = await makeRelease(connection.db, developer, "5.0.0");
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => promote("dev", r.id)));
    const created = results.filter((x) => x.status === "fulfilled");
    const refused = results.filter((x): x is PromiseRejectedResult => x.status === "rejected");
    expect(created).toHaveLength(1);
    expect(refused.every((x) => x.reason instanceof ConflictError)).toBe(true);
    const [{ n }] = (await connection.db
      .select({ n: sql<number>`count(*)::int` })
      .from(deployments)
      .where(eq(deployments.releaseId, r.id))) as [{ n: number }];
    expect(n).toBe(1);
    await controller.runUntilIdle();
  });

  it("a deposed leader's writes are refused", async () => {
    const r = await makeRelease(connection.db, developer, "6.0.0");
    await controller.tick(); // becomes leader
    expect(controller.isLeader).toBe(true);
    // Another controller takes over: the fencing token moves on.
    await connection.db.update(controllerLeases).set({ fencingToken: sql`${controllerLeases.fencingToken} + 1` });
    const deployment = await promote("dev", r.id);
    await controller.tick();
    expect(controller.isLeader).toBe(false);
    expect(await state(deployment.id)).toBe("queued");
    expect((await connection.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deployment.id))).length).toBe(0);
    expect(logs.some((l) => l.includes("no longer the leader"))).toBe(true);
    // A fresh leader (new token) carries on.
    const next = new Controller({ connection, createPlatform: async () => platform, log: (l) => logs.push(l), verifyTimeoutMs: 300, healthEveryMs: 60_000, rollingPauseMs: 5 });
    await next.runUntilIdle();
    expect(await state(deployment.id)).toBe("succeeded");
    await next.stop({ stopApps: false });
  });
});

import { and, asc, desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, auditEvents, deployments, environments, healthSamples } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { confirmAutomaticRollback, undoAutomaticRollback, type AutomaticRollbackDetail } from "@/lib/services/auto-rollback";
import { ForbiddenError } from "@/lib/services/errors";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { Controller } from "../controller";
import { pruneSamples } from "../traffic-sampler";

describe.each(testDatabases)("traffic sampling and burn-rate rollback on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-01T09:00:30Z");
  const platform = new FakePlatform();
  let controller: Controller;
  let dev: Actor, onCall: Actor, viewer: Actor;
  let good: { id: string; commit: string }, bad: { id: string; commit: string };

  const staging = async () => (await connection.db.select().from(environments).where(eq(environments.name, "staging")))[0]!;
  const stagingDeployments = async () =>
    connection.db
      .select()
      .from(deployments)
      .where(eq(deployments.environmentId, (await staging()).id))
      .orderBy(asc(deployments.createdAt));
  /** Visitors use staging for `seconds`: `rps` requests a second to the portal, `failing` of each 100 failing. */
  const traffic = async (seconds: number, rps: number, failing: number) => {
    clock.advance(seconds * 1000);
    platform.serve("staging", "portal", seconds * rps, Math.round((seconds * rps * failing) / 100));
    await controller.tick();
  };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [dev, onCall, viewer] = await Promise.all([createTestActor(connection.db, ["developer"], "dana"), createTestActor(connection.db, ["tech-lead"], "oncall"), createTestActor(connection.db, ["viewer"], "vic")]);
    const [stagingRow] = await connection.db.select().from(environments).where(eq(environments.name, "staging"));
    await connection.db
      .update(environments)
      .set({ settings: { ...(stagingRow!.settings as object), smoke: [] } })
      .where(eq(environments.id, stagingRow!.id));
    good = await makeRelease(connection.db, dev, "3.0.0", { at: "2026-05-30T09:00:00Z" });
    bad = await makeRelease(connection.db, dev, "3.1.0", { at: "2026-05-31T09:00:00Z" });
    await placeRelease(connection.db, "staging", good.id, new Date("2026-05-31T08:00:00Z"), dev.id);
    // The faulty release finished deploying a minute ago; the watch (2 h) is on.
    await placeRelease(connection.db, "staging", bad.id, new Date(clock.now().getTime() - 30_000), dev.id);
    controller = new Controller({
      connection,
      createPlatform: async () => platform,
      traffic: platform,
      clock,
      log: () => {},
      verifyTimeoutMs: 300,
      healthEveryMs: 3_600_000,
      rollingPauseMs: 1,
      autoPromoteEveryMs: 3_600_000,
      driftEveryMs: 3_600_000,
      trafficEveryMs: 0,
    });
    await controller.tick(); // leads, restores what staging runs, takes the counters' baseline
  });
  afterAll(async () => {
    await controller.stop({ stopApps: false });
    await connection.close();
  });

  it("errors the previous release served in the deployment's minute are not the new release's", async () => {
    const env = await staging();
    const [portal] = await connection.db.select().from(apps).where(eq(apps.name, "portal"));
    await connection.db.insert(healthSamples).values({ environmentId: env.id, appId: portal!.id, releaseId: good.id, bucketStart: new Date("2026-06-01T09:00:00Z"), status: "unhealthy", requests: 500, errors: 400 });
    await traffic(1, 0, 0);
    expect((await stagingDeployments()).filter((d) => d.kind === "rollback")).toEqual([]);
  });

  it("too few requests are not evidence, however many of them fail", async () => {
    await traffic(1, 10, 50); // 5 of 10 failing: 100× the sustainable rate, but under minRequests (20)
    expect((await stagingDeployments()).filter((d) => d.kind === "rollback")).toEqual([]);
  });

  it("records what each app served into minute buckets, adding up within a minute", async () => {
    await traffic(20, 10, 0);
    await traffic(5, 10, 0);
    const rows = await connection.db
      .select()
      .from(healthSamples)
      .where(and(eq(healthSamples.environmentId, (await staging()).id), eq(healthSamples.releaseId, bad.id), sql`${healthSamples.requests} > 0`));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ requests: 260, errors: 5, releaseId: bad.id, status: "healthy", bucketStart: new Date("2026-06-01T09:00:00Z"), p95Ms: expect.any(Number) });
    // 5 of 210, then of 260: at most 2.4%, a burn rate under both rules' thresholds (14.4 and 6).
    expect((await stagingDeployments()).filter((d) => d.kind === "rollback")).toEqual([]);
  });

  it("rolls staging back by itself when the budget burns too fast, with the figures, and holds it", async () => {
    await traffic(20, 20, 30); // 30% failing against a 0.5% budget: 60× the sustainable rate
    const rollback = (await stagingDeployments()).find((d) => d.kind === "rollback")!;
    expect(rollback).toMatchObject({ requestedBy: "usr_automation", requestedVia: "automation", releaseId: good.id });
    expect(rollback.reason).toMatch(/^Error budget burning \d+\.\d× too fast after deploying [0-9a-f]{7}: .* over 1h and .* over 5m, above the fast rule's 14\.4× for a 99\.5% objective\.$/);
    const detail = (rollback.detail as { automatic: AutomaticRollbackDetail }).automatic;
    expect(detail).toMatchObject({ trigger: "burn-rate", rule: "fast", availability: 99.5, threshold: 14.4, requests: expect.any(Number), errors: expect.any(Number), metricsProvider: "platform" });
    expect(detail.windows.find((w) => w.name === "fast")!.short.burn).toBeGreaterThan(14.4);

    await controller.runUntilIdle();
    expect(platform.serving("staging", "portal")).toBe("3.0.0");
    const after = await stagingDeployments();
    expect(after.find((d) => d.id === rollback.id)!.state).toBe("succeeded");
    expect(after.find((d) => d.releaseId === bad.id)!.state).toBe("rolled-back");
    expect(await staging()).toMatchObject({ heldAt: expect.any(Date), holdReason: expect.stringContaining("Error budget burning") });
    const [announced] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "deployment.rollback"), eq(auditEvents.actorId, "usr_automation")));
    expect(announced).toBeDefined();

    // Still burning in the last minutes' samples, but the release is gone: nothing more happens.
    await traffic(5, 20, 0);
    expect((await stagingDeployments()).filter((d) => d.kind === "rollback")).toHaveLength(1);
  });

  it("on-call may undo it (the release comes back, the hold goes), but a viewer may not, and nobody twice", async () => {
    const rollback = (await stagingDeployments()).find((d) => d.kind === "rollback")!;
    const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
    await expect(undoAutomaticRollback(ctx(viewer), { deploymentId: rollback.id, reason: "false alarm" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(undoAutomaticRollback(ctx(onCall), { deploymentId: rollback.id, reason: "" })).rejects.toMatchObject({ fields: { reason: expect.any(String) } });
    const redeploy = await undoAutomaticRollback(ctx(onCall), { deploymentId: rollback.id, reason: "the payment sandbox was down, not the release" });
    expect(redeploy).toMatchObject({ kind: "rollback", releaseId: bad.id, detail: { undoes: rollback.id } });
    expect((await staging()).heldAt).toBeNull();
    await expect(confirmAutomaticRollback(ctx(onCall), { deploymentId: rollback.id })).rejects.toMatchObject({ code: "already_decided" });

    await controller.runUntilIdle();
    expect(platform.serving("staging", "portal")).toBe("3.1.0");
    expect((await staging()).heldAt).toBeNull(); // an undo does not hold
    const [audit] = await connection.db.select().from(auditEvents).where(eq(auditEvents.action, "rollback.undo")).orderBy(desc(auditEvents.seq));
    expect(audit).toMatchObject({ actorId: onCall.id, reason: "the payment sandbox was down, not the release" });
  });

  it("only an automatic rollback can be confirmed", async () => {
    const notOne = (await stagingDeployments()).find((d) => d.kind !== "rollback")!;
    await expect(confirmAutomaticRollback({ db: connection.db, actor: onCall, clock }, { deploymentId: notOne.id })).rejects.toMatchObject({ code: "not_automatic_rollback" });
  });

  it("prunes samples older than the retention period", async () => {
    const env = await staging();
    const [cell] = await connection.db.select().from(healthSamples).where(eq(healthSamples.environmentId, env.id)).limit(1);
    await connection.db.insert(healthSamples).values({ environmentId: env.id, appId: cell!.appId, bucketStart: new Date("2026-04-01T00:00:00Z"), status: "healthy", requests: 5, errors: 0 });
    const before = (await connection.db.select().from(healthSamples)).length;
    expect(await pruneSamples(connection.db, clock, 30 * 86_400_000)).toBe(1);
    expect((await connection.db.select().from(healthSamples)).length).toBe(before - 1);
  });
});

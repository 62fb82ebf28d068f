import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, deploymentSteps, deployments, environmentApps, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { abortDeployment } from "@/lib/services/abort";
import { requestDeployment, requestRollback } from "@/lib/services/deployments";
import { ConflictError, ForbiddenError } from "@/lib/services/errors";
import { liftHold } from "@/lib/services/holds";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { Controller } from "../controller";

/**
 * Issue 14 #7: a rollback (or an explicit abort) during an unhealthy rollout stops it at once and
 * keeps what served before it — never one release too many. The health check of the failing
 * release would take two minutes to time out here: the test only finishes because the abort
 * ends it (no timing is asserted).
 */
describe.each(testDatabases)("aborting a rollout in progress on $name", (database) => {
  let connection: Connection;
  let developer: Actor, otherDeveloper: Actor, viewer: Actor, lead: Actor;
  const platform = new FakePlatform();
  let controller: Controller;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [developer, otherDeveloper, viewer, lead] = await Promise.all([
      createTestActor(connection.db, ["developer"], "Dana Dev"),
      createTestActor(connection.db, ["developer"], "Olli Other"),
      createTestActor(connection.db, ["viewer"], "Vic Viewer"),
      createTestActor(connection.db, ["delivery-lead"], "Lee Lead"),
    ]);
    controller = new Controller({ connection, createPlatform: async () => platform, log: () => {}, verifyTimeoutMs: 120_000, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 3_600_000 });
  });
  afterAll(async () => {
    await controller.stop({ stopApps: false });
    await connection.close();
  });

  const ctx = (actor: Actor) => contextFor(connection.db, actor, new Date().toISOString());
  const row = async (id: string) => (await connection.db.select().from(deployments).where(eq(deployments.id, id)))[0]!;
  const dev = async () => (await connection.db.select().from(environments).where(eq(environments.name, "dev")))[0]!;
  const runsInDev = async () => [
    ...new Set(
      (
        await connection.db
          .select()
          .from(environmentApps)
          .where(eq(environmentApps.environmentId, (await dev()).id))
      ).map((c) => c.releaseId),
    ),
  ];
  /** Starts the deployment and leaves it driving in the background until a step of `action` runs. */
  const rollOutUntil = async (deploymentId: string, stepPrefix: string) => {
    for (let i = 0; i < 400; i++) {
      await controller.tick();
      const steps = await connection.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, deploymentId));
      if (steps.some((s) => s.name.startsWith(stepPrefix) && s.state === "running")) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`${deploymentId} never reached "${stepPrefix}"`);
  };

  let r0: { id: string }, a: { id: string };

  it("a rollback asked for while release B fails its health check stops B at once and keeps A — not the release before A", async () => {
    r0 = await makeRelease(connection.db, developer, "1.0.0");
    await requestDeployment(ctx(developer), { environment: "dev", releaseId: r0.id });
    await controller.runUntilIdle();
    a = await makeRelease(connection.db, developer, "1.1.0");
    const toA = await requestDeployment(ctx(developer), { environment: "dev", releaseId: a.id });
    await controller.runUntilIdle();
    expect(platform.serving("dev", "admin")).toBe("1.1.0");

    platform.unhealthyVersions.add("2.0.0");
    const b = await makeRelease(connection.db, developer, "2.0.0");
    const toB = await requestDeployment(ctx(developer), { environment: "dev", releaseId: b.id });
    await rollOutUntil(toB.id, "Verify");

    const rollback = await requestRollback(ctx(otherDeveloper), { environment: "dev", reason: "B is unhealthy" });
    expect(rollback.id).toBe(toB.id); // the rollback is the abort of what rolls out: nothing else is queued
    expect(rollback.detail).toMatchObject({ abort: { by: "Olli Other", byId: otherDeveloper.id, reason: "B is unhealthy" } });
    await controller.runUntilIdle();

    const aborted = await row(toB.id);
    expect(aborted.state).toBe("failed");
    expect(aborted.failureReason).toBe("Aborted by Olli Other: B is unhealthy; what served before it was kept.");
    const steps = await connection.db.select().from(deploymentSteps).where(eq(deploymentSteps.deploymentId, toB.id));
    expect(steps.filter((s) => s.name.startsWith("Verify")).every((s) => s.state === "cancelled" || s.state === "succeeded")).toBe(true);
    expect(steps.some((s) => s.state === "cancelled")).toBe(true);
    expect(steps.some((s) => s.name.startsWith("Shift") && s.state !== "pending")).toBe(false); // no traffic ever moved to B

    // A serves, recorded and on the platform; A was not marked rolled back; nothing older was deployed.
    expect(await runsInDev()).toEqual([a.id]);
    expect(["portal", "admin", "api-gateway"].map((app) => platform.serving("dev", app))).toEqual(["1.1.0", "1.1.0", "1.1.0"]);
    expect((await row(toA.id)).state).toBe("succeeded");
    const envDeployments = await connection.db
      .select()
      .from(deployments)
      .where(eq(deployments.environmentId, (await dev()).id));
    expect(envDeployments.filter((d) => d.kind === "rollback")).toEqual([]);
    // Held, so automation does not bring B straight back; the abort is audited.
    expect((await dev()).holdReason).toBe(`Rollout ${toB.id} aborted by Olli Other: B is unhealthy`);
    const [audit] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "deployment.abort"), eq(auditEvents.targetId, toB.id)));
    expect(audit).toMatchObject({ actorId: otherDeveloper.id, reason: "B is unhealthy" });
  });

  it("afterwards, 'roll back' means what served before the last release that became current (A): the release before it, R0", async () => {
    await liftHold(ctx(lead), { environment: "dev", reason: "B is fixed in C" });
    const rollback = await requestRollback(ctx(developer), { environment: "dev", reason: "A is bad too" });
    expect(rollback).toMatchObject({ kind: "rollback", releaseId: r0.id, previousReleaseId: a.id });
    await controller.runUntilIdle();
    expect(await runsInDev()).toEqual([r0.id]);
    await liftHold(ctx(lead), { environment: "dev", reason: "back to normal" });
  });

  it("an explicit abort needs only the right to roll back: a viewer is refused, another developer may; a finished one answers 409", async () => {
    platform.unhealthyVersions.add("3.0.0");
    const c = await makeRelease(connection.db, developer, "3.0.0");
    const toC = await requestDeployment(ctx(developer), { environment: "dev", releaseId: c.id });
    await expect(abortDeployment(ctx(viewer), { deploymentId: toC.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(abortDeployment(ctx(viewer), { deploymentId: "dep_does_not_exist" })).rejects.toBeInstanceOf(ForbiddenError);
    await rollOutUntil(toC.id, "Verify");
    const aborted = await abortDeployment(ctx(otherDeveloper), { deploymentId: toC.id, reason: "wrong build" });
    expect(aborted.detail).toMatchObject({ abort: { byId: otherDeveloper.id } });
    await controller.runUntilIdle();
    expect((await row(toC.id)).failureReason).toBe("Aborted by Olli Other: wrong build; what served before it was kept.");
    expect(await runsInDev()).toEqual([r0.id]);
    await expect(abortDeployment(ctx(otherDeveloper), { deploymentId: toC.id })).rejects.toMatchObject({ code: "not_in_progress" });
    await expect(abortDeployment(ctx(otherDeveloper), { deploymentId: toC.id })).rejects.toBeInstanceOf(ConflictError);
  });

  it("a rollback to a chosen release during a rollout stops the rollout, then runs", async () => {
    await liftHold(ctx(lead), { environment: "dev", reason: "try again" });
    const e = await makeRelease(connection.db, developer, "4.0.0");
    await requestDeployment(ctx(developer), { environment: "dev", releaseId: e.id });
    await controller.runUntilIdle();
    expect(await runsInDev()).toEqual([e.id]);
    platform.unhealthyVersions.add("4.1.0");
    const f = await makeRelease(connection.db, developer, "4.1.0");
    const toF = await requestDeployment(ctx(developer), { environment: "dev", releaseId: f.id });
    await rollOutUntil(toF.id, "Verify");
    const rollback = await requestRollback(ctx(developer), { environment: "dev", releaseId: r0.id, reason: "back to 1.0.0" });
    expect(rollback).toMatchObject({ kind: "rollback", releaseId: r0.id, state: "queued", previousReleaseId: e.id });
    await controller.runUntilIdle();
    expect((await row(toF.id)).failureReason).toBe("Aborted by Dana Dev: back to 1.0.0; what served before it was kept.");
    expect((await row(rollback.id)).state).toBe("succeeded");
    expect(await runsInDev()).toEqual([r0.id]);
  });
  it("aborting a deployment that has not started cancels it; a rollback in progress cannot be aborted", async () => {
    const g = await makeRelease(connection.db, developer, "5.0.0");
    const toG = await requestDeployment(ctx(developer), { environment: "dev", releaseId: g.id });
    expect(toG.state).toBe("queued");
    const cancelled = await abortDeployment(ctx(otherDeveloper), { deploymentId: toG.id, reason: "not now" });
    expect(cancelled).toMatchObject({ state: "cancelled", cancelledBy: otherDeveloper.id });
    expect((await row(toG.id)).state).toBe("cancelled");
    await expect(abortDeployment(ctx(otherDeveloper), { deploymentId: toG.id })).rejects.toMatchObject({ code: "not_in_progress" });
    // A rollback rolling out is the restore itself.
    const [rollingBack] = await connection.db
      .select()
      .from(deployments)
      .where(and(eq(deployments.environmentId, (await dev()).id), eq(deployments.kind, "rollback")));
    await connection.db.update(deployments).set({ state: "running" }).where(eq(deployments.id, rollingBack!.id));
    await expect(abortDeployment(ctx(otherDeveloper), { deploymentId: rollingBack!.id })).rejects.toMatchObject({ code: "rollback_in_progress" });
    await connection.db.update(deployments).set({ state: "succeeded" }).where(eq(deployments.id, rollingBack!.id));
  });
});

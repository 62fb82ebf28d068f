import { and, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments, freezes, gateResults, incidents, notificationDeliveries, pipelines, roleMemberships } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { AUTOMATION_USER } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { decideApproval, pendingDecisions } from "@/lib/services/approvals";
import { getDeployment } from "@/lib/services/deployment-queries";
import { requestDeployment, requestRollback } from "@/lib/services/deployments";
import { ConflictError, ForbiddenError, RuleError, ValidationError } from "@/lib/services/errors";
import { liftHold } from "@/lib/services/holds";
import { overrideGate, tickChecklist } from "@/lib/services/preflight";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { snapshotDatabase } from "@/lib/testing/reset";
import { Controller } from "../controller";

describe.each(testDatabases)("gates, approvals, auto-promotion and fast-track on $name", (database) => {
  let connection: Connection;
  let clock: ReturnType<typeof fixedClock>;
  let platform: FakePlatform;
  let controller: Controller;
  let lead: Actor, techLead: Actor, pm: Actor, developer: Actor, both: Actor;
  let reset: () => Promise<void>;

  beforeAll(async () => {
    connection = await database.open();
    reset = await snapshotDatabase(connection.db);
  });
  afterAll(async () => {
    await connection.close();
  });
  // Each test starts from an empty pipeline, clock, platform and controller, and builds what it needs.
  beforeEach(async () => {
    await reset();
    clock = fixedClock("2026-05-04T10:00:00Z");
    platform = new FakePlatform();
    await loadTestPipeline(connection.db);
    [lead, techLead, pm, developer, both] = await Promise.all([
      createTestActor(connection.db, ["delivery-lead"], "lead"),
      createTestActor(connection.db, ["tech-lead"], "tl"),
      createTestActor(connection.db, ["pm"], "pm"),
      createTestActor(connection.db, ["developer"], "dev"),
      createTestActor(connection.db, ["tech-lead", "pm"], "both"),
    ]);
    controller = new Controller({ connection, createPlatform: async () => platform, clock, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 0 });
    // Smoke checks are covered by the strategy tests; here they would call the fake platform's made-up address.
    const [prodEnv] = await connection.db.select().from(environments).where(eq(environments.name, "prod"));
    await connection.db
      .update(environments)
      .set({ settings: { ...(prodEnv!.settings as object), smoke: [] } })
      .where(eq(environments.id, prodEnv!.id));
    // Notifications go to a webhook channel so we can see what was announced.
    const [pipeline] = await connection.db.select().from(pipelines);
    await connection.db.update(pipelines).set({ config: { ...pipeline!.config, notifications: [{ name: "releases", type: "webhook", url: "http://127.0.0.1:9/hook", secretEnv: "NOPE" }] } });
  });
  afterEach(async () => {
    await controller.stop({ stopApps: false });
  });

  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
  const stagedRelease = async (version: string) => {
    clock.advance(1000); // each release newer than the last: an older one would never overwrite a newer
    const release = await makeRelease(connection.db, developer, version, { at: clock.now().toISOString() });
    // It ran in staging long enough for prod's soak (20 s in the e2e pipeline), without traffic.
    await placeRelease(connection.db, "staging", release.id, new Date(clock.now().getTime() - 600_000), lead.id);
    return release;
  };
  const gates = async (id: string) => Object.fromEntries((await connection.db.select().from(gateResults).where(eq(gateResults.deploymentId, id))).map((g) => [g.gate, g]));
  /** One pass of the controller that looks at every waiting deployment (as after a wake-up). */
  const review = async () => {
    controller.gatekeeperWake();
    await controller.tick();
  };
  const state = async (id: string) => (await connection.db.select({ s: deployments.state }).from(deployments).where(eq(deployments.id, id)))[0]!.s;

  it("a prod promotion waits, says why it cannot ship, and rolls out once tech-lead AND pm approve and the checklist is ticked", async () => {
    const release = await stagedRelease("1.0.0");
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id, reason: "weekly release" });
    expect(deployment.state).toBe("waiting");
    const waiting = await gates(deployment.id);
    expect(waiting.tests).toMatchObject({ status: "pass" });
    expect(waiting.soak).toMatchObject({ status: "pass" });
    expect(waiting.approvals).toMatchObject({ status: "pending", reason: expect.stringMatching(/needs 1 tech lead and 1 product manager approval/) });
    expect(waiting.checklist).toMatchObject({ status: "pending" });
    expect(waiting.incident).toMatchObject({ status: "pass" });

    await expect(decideApproval(ctx(developer), { deploymentId: deployment.id, decision: "approve", role: "tech-lead" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideApproval(ctx(techLead), { deploymentId: deployment.id, decision: "approve", role: "pm" })).rejects.toBeInstanceOf(ForbiddenError);
    await decideApproval(ctx(techLead), { deploymentId: deployment.id, decision: "approve", role: "tech-lead", comment: "looks good" });
    await expect(decideApproval(ctx(techLead), { deploymentId: deployment.id, decision: "approve", role: "tech-lead" })).rejects.toBeInstanceOf(ConflictError);
    expect((await pendingDecisions(connection.db, pm)).map((p) => p.deployment.id)).toContain(deployment.id);
    expect((await pendingDecisions(connection.db, developer)).map((p) => p.deployment.id)).not.toContain(deployment.id);
    await decideApproval(ctx(pm), { deploymentId: deployment.id, decision: "approve", role: "pm" });

    await review();
    expect(await state(deployment.id)).toBe("waiting"); // the checklist is still open
    await expect(tickChecklist(ctx(techLead), { deploymentId: deployment.id, item: "release verified in staging" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(tickChecklist(ctx(lead), { deploymentId: deployment.id, item: "not on the list" })).rejects.toBeInstanceOf(ValidationError);
    await tickChecklist(ctx(lead), { deploymentId: deployment.id, item: "release verified in staging" });
    await tickChecklist(ctx(lead), { deploymentId: deployment.id, item: "deploy announced in #releases" });
    await controller.runUntilIdle();
    const done = await getDeployment(connection.db, deployment.id);
    expect([done.state, done.failureReason]).toEqual(["succeeded", null]);
    expect(done.approvals.map((a) => [a.role, a.decision])).toEqual(
      expect.arrayContaining([
        ["tech-lead", "approve"],
        ["pm", "approve"],
      ]),
    );
    expect(platform.serving("prod", "portal")).toBe("1.0.0");
    const events = (await connection.db.select({ e: notificationDeliveries.event }).from(notificationDeliveries)).map((r) => r.e);
    expect(events).toEqual(expect.arrayContaining(["approval.needed", "approval.given", "deployment.started", "deployment.succeeded"]));
  });

  it("one person with two roles counts once; a rejection stops the deployment", async () => {
    const release = await stagedRelease("1.1.0");
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id });
    await decideApproval(ctx(both), { deploymentId: deployment.id, decision: "approve", role: "tech-lead" });
    await expect(decideApproval(ctx(both), { deploymentId: deployment.id, decision: "approve", role: "pm" })).rejects.toBeInstanceOf(ConflictError);
    await review();
    expect((await gates(deployment.id)).approvals).toMatchObject({ status: "pending", reason: expect.stringContaining("product manager") });
    await decideApproval(ctx(pm), { deploymentId: deployment.id, decision: "reject", role: "pm", comment: "not before the campaign" });
    await review();
    const stopped = await getDeployment(connection.db, deployment.id);
    expect(stopped.state).toBe("failed");
    expect(stopped.failureReason).toMatch(/rejected by .*not before the campaign/);
  });

  it("approvals expire, and a revoked role no longer counts", async () => {
    const release = await stagedRelease("1.2.0");
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id });
    await decideApproval(ctx(techLead), { deploymentId: deployment.id, decision: "approve", role: "tech-lead" });
    await decideApproval(ctx(pm), { deploymentId: deployment.id, decision: "approve", role: "pm" });
    await connection.db.delete(roleMemberships).where(and(eq(roleMemberships.userId, pm.id), eq(roleMemberships.role, "pm")));
    await review();
    expect((await gates(deployment.id)).approvals).toMatchObject({ status: "pending", reason: expect.stringContaining("product manager") });
    await connection.db.insert(roleMemberships).values({ userId: pm.id, role: "pm" });
    clock.advance(25 * 3_600_000); // past the 24 h expiry
    await review();
    expect((await gates(deployment.id)).approvals).toMatchObject({ status: "pending", reason: expect.stringMatching(/expired/) });
    await connection.db.update(deployments).set({ state: "cancelled" }).where(eq(deployments.id, deployment.id));
  });

  it("a closed window can be overridden only by the roles slipway.yaml names, with a reason; an open incident blocks until resolved", async () => {
    const [prod] = await connection.db.select().from(environments).where(eq(environments.name, "prod"));
    const settings = prod!.settings;
    // 2026-05-04 is a Monday; the window is Sundays only, so it is closed now.
    await connection.db
      .update(environments)
      .set({ settings: { ...settings, gates: { ...settings.gates!, windows: [{ days: ["sun"], from: "10:00", to: "12:00", timezone: "Europe/Berlin" }], checklist: [] } } })
      .where(eq(environments.id, prod!.id));
    const release = await stagedRelease("1.3.0");
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id });
    await decideApproval(ctx(techLead), { deploymentId: deployment.id, decision: "approve", role: "tech-lead" });
    await decideApproval(ctx(pm), { deploymentId: deployment.id, decision: "approve", role: "pm" });
    await review();
    expect((await gates(deployment.id)).window).toMatchObject({ status: "pending", reason: expect.stringContaining("window opens Sun 10:00") });
    await expect(overrideGate(ctx(lead), { deploymentId: deployment.id, gate: "window", reason: "hotfix" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(overrideGate(ctx(techLead), { deploymentId: deployment.id, gate: "window", reason: "" })).rejects.toBeInstanceOf(ValidationError);

    await connection.db.insert(incidents).values({ id: newId("inc"), environmentId: prod!.id, title: "Checkout 500s", severity: "major", state: "open", openedVia: "ui", openedBy: lead.id, openedAt: clock.now() });
    await overrideGate(ctx(techLead), { deploymentId: deployment.id, gate: "window", reason: "security fix must ship today" });
    await review();
    const blocked = await gates(deployment.id);
    expect(blocked.window).toMatchObject({ status: "waived", reason: expect.stringContaining("security fix must ship today") });
    expect(blocked.incident).toMatchObject({ status: "fail", reason: expect.stringContaining("Checkout 500s") });
    expect(await state(deployment.id)).toBe("waiting"); // an incident blocks, it does not kill the deployment

    await connection.db.update(incidents).set({ state: "resolved", resolvedAt: clock.now() });
    controller.gatekeeperWake();
    await controller.runUntilIdle();
    expect(await state(deployment.id)).toBe("succeeded");
    expect((await getDeployment(connection.db, deployment.id)).overrides).toEqual([expect.objectContaining({ gate: "window", by: techLead.name })]);
    await connection.db.update(environments).set({ settings }).where(eq(environments.id, prod!.id));
  });

  it("a fast-track from develop goes straight to prod with the stronger approval rule and a reason, marking what it skipped", async () => {
    clock.advance(1000);
    const release = await makeRelease(connection.db, developer, "2.0.0", { at: clock.now().toISOString() });
    // It soaks where it runs: dev.
    await placeRelease(connection.db, "dev", release.id, new Date(clock.now().getTime() - 600_000), developer.id);
    await expect(requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id, kind: "fast-track" })).rejects.toMatchObject({ fields: { reason: expect.any(String) } });
    await expect(requestDeployment(ctx(lead), { environment: "staging", releaseId: release.id, kind: "fast-track", reason: "x" })).rejects.toBeInstanceOf(RuleError);
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id, kind: "fast-track", reason: "payment outage fix" });
    expect(deployment.detail).toMatchObject({ skipped: ["qa", "uat", "staging"], soak: { environment: "dev" } }); // its soak is fixed now: in dev
    await decideApproval(ctx(techLead), { deploymentId: deployment.id, decision: "approve", role: "tech-lead" });
    await decideApproval(ctx(pm), { deploymentId: deployment.id, decision: "approve", role: "pm" });
    await tickChecklist(ctx(lead), { deploymentId: deployment.id, item: "release verified in staging" });
    await tickChecklist(ctx(lead), { deploymentId: deployment.id, item: "deploy announced in #releases" });
    await controller.runUntilIdle();
    const done = await getDeployment(connection.db, deployment.id);
    expect(done).toMatchObject({ state: "succeeded", kind: "fast-track" });
    expect(done.steps.some((s) => s.name === "Hook sync-branch")).toBe(true); // prod's post-deploy jobs run as for any prod deploy
    expect(platform.serving("prod", "portal")).toBe("2.0.0");
  });

  it("auto-promotion moves a new release by itself, as automation; a hold or a freeze stops it", async () => {
    // dev runs an earlier release, which the rollback below goes back to.
    const earlier = await makeRelease(connection.db, developer, "2.9.0", { at: clock.now().toISOString() });
    await placeRelease(connection.db, "dev", earlier.id, new Date(clock.now().getTime() - 600_000), developer.id);
    const [dev] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    await connection.db
      .update(environments)
      .set({ settings: { ...(dev!.settings as object), autoPromote: true } })
      .where(eq(environments.id, dev!.id));
    clock.advance(1000);
    const first = await makeRelease(connection.db, developer, "3.0.0", { at: clock.now().toISOString() });
    await controller.runUntilIdle();
    const [auto] = await connection.db
      .select()
      .from(deployments)
      .where(and(eq(deployments.releaseId, first.id), eq(deployments.environmentId, dev!.id)));
    expect(auto).toMatchObject({ state: "succeeded", requestedBy: AUTOMATION_USER.id, requestedVia: "automation", reason: expect.stringContaining("auto-promotion") });

    await requestRollback(ctx(lead), { environment: "dev", reason: "broken" });
    await controller.runUntilIdle();
    clock.advance(1000);
    const second = await makeRelease(connection.db, developer, "3.1.0", { at: clock.now().toISOString() });
    await controller.runUntilIdle();
    const count = async (releaseId: string) =>
      Number(
        (
          await connection.db
            .select({ n: sql<number>`count(*)` })
            .from(deployments)
            .where(and(eq(deployments.releaseId, releaseId), eq(deployments.environmentId, dev!.id)))
        )[0]!.n,
      );
    expect(await count(second.id)).toBe(0); // held after the rollback

    await connection.db.insert(freezes).values({ id: newId("frz"), environmentId: null, name: "stop the line", reason: "incident review", startsAt: new Date(clock.now().getTime() - 1000), createdBy: lead.id });
    await liftHold(ctx(lead), { environment: "dev", reason: "fixed" });
    await controller.runUntilIdle();
    expect(await count(second.id)).toBe(0); // frozen

    await connection.db.update(freezes).set({ liftedAt: clock.now() });
    await controller.runUntilIdle();
    expect(await count(second.id)).toBe(1);
    await connection.db.update(environments).set({ settings: dev!.settings }).where(eq(environments.id, dev!.id));
  });

  it("failing tests refuse the request outright (422), creating nothing", async () => {
    const release = await stagedRelease("4.0.0");
    await connection.db.execute(sql`update builds set tests = '{"passed": false, "total": 10, "failed": 2}' where id in (select build_id from release_builds where release_id = ${release.id})`);
    const before = Number((await connection.db.select({ n: sql<number>`count(*)` }).from(deployments))[0]!.n);
    await expect(requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("2 of 10 tests failed") });
    expect(Number((await connection.db.select({ n: sql<number>`count(*)` }).from(deployments))[0]!.n)).toBe(before);
  });
});

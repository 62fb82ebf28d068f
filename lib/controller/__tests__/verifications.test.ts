import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, deployments, environments, gateResults, jobRuns, notificationDeliveries, pipelines, verifications } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { requestDeployment } from "@/lib/services/deployments";
import { ForbiddenError, NotFoundError, RuleError, ValidationError, ConflictError } from "@/lib/services/errors";
import { listDeploymentVerifications, reportVerification } from "@/lib/services/verifications";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { Controller } from "../controller";

const HOUR = 3_600_000;

describe.each(testDatabases)("verifications and the verified gate on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-05-04T10:00:00Z");
  const platform = new FakePlatform();
  let controller: Controller;
  let lead: Actor, developer: Actor, viewer: Actor;

  const setEnv = async (name: string, change: (settings: Record<string, unknown>) => Record<string, unknown>) => {
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, name));
    await connection.db
      .update(environments)
      .set({ settings: change(env!.settings as Record<string, unknown>) })
      .where(eq(environments.id, env!.id));
  };
  const NO_GATES = { tests: false, windows: [], freezes: [], incident: false, checklist: [] };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [lead, developer, viewer] = await Promise.all([createTestActor(connection.db, ["delivery-lead"], "lead"), createTestActor(connection.db, ["developer"], "ci"), createTestActor(connection.db, ["viewer"], "viewer")]);
    controller = new Controller({ connection, createPlatform: async () => platform, clock, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 3_600_000 });
    // Staging runs a verification job of its own after each deployment; prod needs CI's e2e and that job to have passed in staging.
    await setEnv("staging", (s) => ({ ...s, gates: NO_GATES, smoke: [], hooks: [], slo: undefined, verifications: [{ name: "suite", app: "portal", job: "e2e-suite" }] }));
    await setEnv("prod", (s) => ({ ...s, gates: { ...NO_GATES, verified: { names: ["e2e", "suite"], timeout: HOUR } }, smoke: [], hooks: [] }));
    const [pipeline] = await connection.db.select().from(pipelines);
    await connection.db.update(pipelines).set({ config: { ...pipeline!.config, notifications: [{ name: "on-call", type: "webhook", url: "http://127.0.0.1:9/hook", events: ["verification.failed"] }] } });
  });
  afterAll(async () => {
    await controller.stop({ stopApps: false });
    await connection.close();
  });

  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
  const gate = async (deploymentId: string) =>
    (
      await connection.db
        .select()
        .from(gateResults)
        .where(and(eq(gateResults.deploymentId, deploymentId), eq(gateResults.gate, "verified")))
    )[0];
  const state = async (id: string) => (await connection.db.select({ s: deployments.state }).from(deployments).where(eq(deployments.id, id)))[0]!.s;
  /** A release deployed to staging by the controller (so its verification job runs), ready for prod. */
  const inStaging = async (version: string) => {
    clock.advance(60_000);
    const release = await makeRelease(connection.db, developer, version, { at: clock.now().toISOString() });
    await placeRelease(connection.db, "uat", release.id, clock.now(), lead.id);
    const toStaging = await requestDeployment(ctx(lead), { environment: "staging", releaseId: release.id });
    await controller.runUntilIdle();
    expect(await state(toStaging.id)).toBe("succeeded");
    return { release, staging: toStaging.id };
  };
  const failureNotices = async () => (await connection.db.select().from(notificationDeliveries)).filter((n) => n.event === "verification.failed");

  it("Slipway runs the staging verification job after the deploy; prod waits for CI's e2e, then ships", async () => {
    const { release, staging } = await inStaging("1.0.0");
    const [suite] = await connection.db.select().from(verifications).where(eq(verifications.deploymentId, staging));
    expect(suite).toMatchObject({ name: "suite", source: "job", status: "passed", summary: expect.stringContaining("e2e-suite exited 0") });
    const [run] = await connection.db.select().from(jobRuns).where(eq(jobRuns.id, suite!.jobRunId!));
    expect(run).toMatchObject({ job: "e2e-suite", trigger: "verification suite", state: "succeeded", deploymentId: staging });
    expect(suite!.url).toBe(`/environments/staging#job-${run!.id}`);
    expect(platform.calls).toContain("job staging/portal e2e-suite");

    const toProd = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id });
    await controller.runUntilIdle();
    expect(await state(toProd.id)).toBe("waiting");
    expect(await gate(toProd.id)).toMatchObject({ status: "pending", reason: "waiting for e2e (no result yet) in staging: fails if not passed within 1 h" });

    const first = await reportVerification(ctx(developer), { deploymentId: staging, name: "e2e", status: "passed", url: "https://ci.example.com/runs/41", summary: "212 passed" });
    expect(first).toMatchObject({ created: true, changed: true, verification: { name: "e2e", status: "passed", source: "ci", url: "https://ci.example.com/runs/41" } });
    // Idempotent by name: the same report again changes nothing and records nothing.
    const again = await reportVerification(ctx(developer), { deploymentId: staging, name: "e2e", status: "passed", url: "https://ci.example.com/runs/41", summary: "212 passed" });
    expect(again).toMatchObject({ created: false, changed: false, verification: { id: first.verification.id } });
    const audits = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "verification.report"), eq(auditEvents.targetId, staging)));
    expect(audits.filter((a) => (a.data as { name?: string }).name === "e2e")).toHaveLength(1);

    await controller.runUntilIdle();
    expect(await gate(toProd.id)).toMatchObject({ status: "pass", reason: "e2e and suite passed in staging" });
    expect(await state(toProd.id)).toBe("succeeded");
    expect((await listDeploymentVerifications(connection.db, staging)).map((v) => [v.name, v.status])).toEqual([
      ["e2e", "passed"],
      ["suite", "passed"],
    ]);
  });

  it("a failed e2e fails prod's gate at once and notifies on-call; a passing re-run unblocks it", async () => {
    const { release, staging } = await inStaging("1.1.0");
    const toProd = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id });
    const before = (await failureNotices()).length;
    const failed = await reportVerification(ctx(developer), { deploymentId: staging, name: "e2e", status: "failed", url: "https://ci.example.com/runs/42", summary: "3 failed: checkout" });
    expect(failed).toMatchObject({ created: true, verification: { status: "failed" } });
    await controller.runUntilIdle();
    expect(await gate(toProd.id)).toMatchObject({ status: "fail", reason: "e2e failed in staging: 3 failed: checkout (https://ci.example.com/runs/42)" });
    expect(await state(toProd.id)).toBe("waiting");
    const notices = await failureNotices();
    expect(notices).toHaveLength(before + 1);
    expect(notices.at(-1)).toMatchObject({
      channel: "on-call",
      payload: { data: { environment: "staging", deploymentId: staging, verification: { name: "e2e", source: "ci", url: "https://ci.example.com/runs/42", summary: "3 failed: checkout" } } },
    });

    const rerun = await reportVerification(ctx(developer), { deploymentId: staging, name: "e2e", status: "passed", url: "https://ci.example.com/runs/43" });
    expect(rerun).toMatchObject({ created: false, changed: true, verification: { id: failed.verification.id, status: "passed" } });
    await controller.runUntilIdle();
    expect(await state(toProd.id)).toBe("succeeded");
  });

  it("no result within the timeout fails the gate", async () => {
    const { release } = await inStaging("1.2.0");
    const toProd = await requestDeployment(ctx(lead), { environment: "prod", releaseId: release.id });
    await controller.runUntilIdle();
    expect(await gate(toProd.id)).toMatchObject({ status: "pending" });
    clock.advance(HOUR);
    await controller.runUntilIdle();
    expect(await gate(toProd.id)).toMatchObject({ status: "fail", reason: "no passing e2e result from staging within 1 h of the release becoming current there: e2e (no result yet)" });
    await connection.db.update(deployments).set({ state: "cancelled", finishedAt: clock.now() }).where(eq(deployments.id, toProd.id));
  });

  it("a failing verification job fails its verification and notifies on-call", async () => {
    platform.failingJobs.set("e2e-suite", "checkout: expected 200, got 500");
    try {
      const before = (await failureNotices()).length;
      const { staging } = await inStaging("1.3.0");
      const [suite] = await connection.db.select().from(verifications).where(eq(verifications.deploymentId, staging));
      expect(suite).toMatchObject({ status: "failed", summary: "e2e-suite exited 1: checkout: expected 200, got 500" });
      expect((await failureNotices()).length).toBe(before + 1);
    } finally {
      platform.failingJobs.delete("e2e-suite");
    }
  });

  it("a verification job interrupted by a controller that died runs again under the next leader", async () => {
    const { staging } = await inStaging("1.5.0");
    const [suite] = await connection.db.select().from(verifications).where(eq(verifications.deploymentId, staging));
    // As if the controller died while the job ran: the verification and its job run are left running.
    await connection.db.update(verifications).set({ status: "running", summary: null }).where(eq(verifications.id, suite!.id));
    await connection.db.update(jobRuns).set({ state: "running", exitCode: null, finishedAt: null }).where(eq(jobRuns.id, suite!.jobRunId!));
    await controller.stop({ stopApps: false });
    controller = new Controller({ connection, createPlatform: async () => platform, clock, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 3_600_000 });
    await controller.runUntilIdle();
    const [again] = await connection.db.select().from(verifications).where(eq(verifications.id, suite!.id));
    expect(again).toMatchObject({ status: "passed" });
    expect(again!.jobRunId).not.toBe(suite!.jobRunId);
    const [old] = await connection.db.select().from(jobRuns).where(eq(jobRuns.id, suite!.jobRunId!));
    expect(old).toMatchObject({ state: "failed", output: expect.stringContaining("Interrupted") });
  });

  it("refuses bad reports with a specific error and changes nothing", async () => {
    const { staging } = await inStaging("1.4.0");
    const count = async () => (await connection.db.select().from(verifications).where(eq(verifications.deploymentId, staging))).length;
    const n = await count();
    await expect(reportVerification(ctx(viewer), { deploymentId: staging, name: "e2e", status: "passed" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(reportVerification(ctx(developer), { deploymentId: "dep_nope", name: "e2e", status: "passed" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(reportVerification(ctx(developer), { deploymentId: staging, name: "E2E tests", status: "passed" })).rejects.toMatchObject({ fields: { name: expect.stringContaining("lowercase") } });
    await expect(reportVerification(ctx(developer), { deploymentId: staging, name: "e2e", status: "ok" })).rejects.toMatchObject({ fields: { status: 'expected "passed" or "failed"' } });
    await expect(reportVerification(ctx(developer), { deploymentId: staging, name: "e2e", status: "passed", summary: "a\u0000b" })).rejects.toBeInstanceOf(ValidationError);
    await expect(reportVerification(ctx(developer), { deploymentId: staging, name: "e2e", status: "passed", url: "javascript:alert(1)" })).rejects.toBeInstanceOf(ValidationError);
    await expect(reportVerification(ctx(developer), { deploymentId: staging, name: "suite", status: "passed" })).rejects.toBeInstanceOf(ConflictError);
    const waiting = await requestDeployment(ctx(lead), { environment: "prod", releaseId: (await connection.db.select().from(deployments).where(eq(deployments.id, staging)))[0]!.releaseId });
    await expect(reportVerification(ctx(developer), { deploymentId: waiting.id, name: "e2e", status: "passed" })).rejects.toBeInstanceOf(RuleError);
    expect(await count()).toBe(n);
  });
});

import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { configVariables, deployments, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { setConfigVariable } from "@/lib/services/config-vars";
import { requestDeployment } from "@/lib/services/deployments";
import { ConflictError, ForbiddenError, ValidationError } from "@/lib/services/errors";
import { createReviewEnvironment, extendReviewEnvironment, giveVerdict, teardownReviewEnvironment } from "@/lib/services/review-environments";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { Controller } from "../controller";

process.env.SLIPWAY_SECRET_KEY ??= Buffer.alloc(32, 5).toString("base64");

describe.each(testDatabases)("review environments on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-06-01T09:00:00Z");
  const platform = new FakePlatform();
  let controller: Controller;
  let dev: Actor, dev2: Actor, lead: Actor, techLead: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [dev, dev2, lead, techLead] = await Promise.all([
      createTestActor(connection.db, ["developer"], "dana"),
      createTestActor(connection.db, ["developer"], "sam"),
      createTestActor(connection.db, ["delivery-lead"], "lee"),
      createTestActor(connection.db, ["tech-lead"], "tom"),
    ]);
    controller = new Controller({ connection, createPlatform: async () => platform, clock, log: () => {}, verifyTimeoutMs: 300, healthEveryMs: 3_600_000, rollingPauseMs: 1, autoPromoteEveryMs: 3_600_000 });
    // Smoke checks are covered by the strategy tests; here they would call the fake platform's made-up address.
    const [staging] = await connection.db.select().from(environments).where(eq(environments.name, "staging"));
    await connection.db
      .update(environments)
      .set({ settings: { ...(staging!.settings as object), smoke: [] } })
      .where(eq(environments.id, staging!.id));
    // Staging runs a release and has config: a plain variable and a secret.
    const base = await makeRelease(connection.db, dev, "1.0.0", { at: new Date(clock.now().getTime() - 86_400_000).toISOString() });
    await placeRelease(connection.db, "staging", base.id, new Date(clock.now().getTime() - 3_600_000), lead.id);
    await setConfigVariable({ db: connection.db, actor: techLead, clock }, { environment: "staging", key: "PAYMENTS_URL", value: "https://sandbox.pay", reason: "sandbox" });
    await setConfigVariable({ db: connection.db, actor: techLead, clock }, { environment: "staging", key: "PAYMENTS_KEY", value: "sk_live_secret_value", secret: true, reason: "key" });
  });
  afterAll(async () => {
    await controller.stop({ stopApps: false });
    await connection.close();
  });

  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
  const envRow = async (name: string) =>
    (
      await connection.db
        .select()
        .from(environments)
        .where(eq(environments.name, name))
        .orderBy(sql`created_at desc`)
    )[0]!;
  const featureRelease = async (version: string, branch = "feature/checkout") => {
    clock.advance(1000);
    return makeRelease(connection.db, dev, version, { branch, at: clock.now().toISOString() });
  };

  it("spins one up from a branch: cloned from staging (data and config, secrets by reference), its own addresses, then ready", async () => {
    const release = await featureRelease("1.1.0-checkout.1");
    const { environment, deploymentId } = await createReviewEnvironment(ctx(dev), { branch: "feature/checkout", releaseId: release.id });
    expect(environment).toMatchObject({ name: "checkout", kind: "review", state: "provisioning", branch: "feature/checkout", ownerId: dev.id });
    expect(environment.expiresAt!.getTime() - clock.now().getTime()).toBe(48 * 3_600_000);
    const copied = await connection.db.select().from(configVariables).where(eq(configVariables.environmentId, environment.id));
    expect(copied.find((v) => v.key === "PAYMENTS_URL")).toMatchObject({ value: "https://sandbox.pay", secret: false });
    expect(copied.find((v) => v.key === "PAYMENTS_KEY")).toMatchObject({ value: null, encryptedValue: null, secret: true, sourceVariableId: expect.any(String) });

    await controller.runUntilIdle();
    const [rollout] = await connection.db.select().from(deployments).where(eq(deployments.id, deploymentId));
    expect([rollout!.state, rollout!.failureReason]).toEqual(["succeeded", null]);
    expect((await envRow("checkout")).state).toBe("ready");
    // A partial clone (the default) copies the data of the apps it runs itself.
    expect(platform.calls.filter((c) => c.startsWith("provision checkout from staging"))).toHaveLength(1);
    expect(platform.serving("checkout", "portal")).toBe("1.1.0-checkout.1");
    expect(platform.lastSpecs.get("checkout/portal")!.config).toEqual({ PAYMENTS_URL: "https://sandbox.pay", PAYMENTS_KEY: "sk_live_secret_value" });
  });

  it("refuses bad input clearly and creates nothing", async () => {
    const release = await featureRelease("1.2.0-search.1", "feature/search");
    const count = async () => Number((await connection.db.select({ n: sql<number>`count(*)` }).from(environments))[0]!.n);
    const before = await count();
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/search", releaseId: release.id, name: "Bad_Name" })).rejects.toMatchObject({ fields: { name: expect.any(String) } });
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/search", releaseId: release.id, name: "checkout" })).rejects.toBeInstanceOf(ConflictError);
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/search", releaseId: release.id, name: "staging" })).rejects.toBeInstanceOf(ConflictError);
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/search", releaseId: "rel_nope" })).rejects.toMatchObject({ fields: { releaseId: 'unknown release "rel_nope"' } });
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/other", releaseId: release.id })).rejects.toMatchObject({ fields: { branch: "the release is from feature/search" } });
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/search", releaseId: release.id, ttlHours: 24 * 30 })).rejects.toBeInstanceOf(ValidationError);
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/search" })).rejects.toBeInstanceOf(ValidationError);
    const viewer = await createTestActor(connection.db, ["viewer"]);
    await expect(createReviewEnvironment(ctx(viewer), { branch: "feature/search", releaseId: release.id })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await count()).toBe(before);
  });

  it("enforces the per-person quota with a clear refusal", async () => {
    // The e2e pipeline allows 3 per person: Dana already has one.
    for (const branch of ["feature/a", "feature/b"]) {
      const release = await featureRelease(`0.${branch.at(-1)!.charCodeAt(0)}.0`, branch);
      await createReviewEnvironment(ctx(dev), { branch, releaseId: release.id });
    }
    const fourth = await featureRelease("0.0.4", "feature/c");
    await expect(createReviewEnvironment(ctx(dev), { branch: "feature/c", releaseId: fourth.id })).rejects.toMatchObject({ code: "quota_per_person", message: expect.stringContaining("3 review environments") });
    await controller.runUntilIdle();
    for (const name of ["a", "b"]) await teardownReviewEnvironment(ctx(dev), { name });
    await controller.runUntilIdle();
    expect((await envRow("a")).state).toBe("torn-down");
  });

  it("sleeps when idle and wakes when someone opens it", async () => {
    clock.advance(2 * 3_600_000 + 60_000); // past idleSleepAfter (2 h)
    await controller.runUntilIdle();
    expect((await envRow("checkout")).state).toBe("sleeping");
    expect(platform.calls).toContain("sleep checkout");
    platform.request("checkout", "portal", clock.now());
    await controller.runUntilIdle();
    expect((await envRow("checkout")).state).toBe("ready");
    expect(platform.serving("checkout", "portal")).toBe("1.1.0-checkout.1");
  });

  it("the delivery lead accepts it; the accepted release may then enter staging through staging's gates", async () => {
    await expect(giveVerdict(ctx(dev), { name: "checkout", verdict: "accepted" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(giveVerdict(ctx(lead), { name: "checkout", verdict: "changes-requested" })).rejects.toMatchObject({ fields: { comment: expect.any(String) } });
    await giveVerdict(ctx(lead), { name: "checkout", verdict: "changes-requested", comment: "the total is off by VAT" });
    const release = (
      await connection.db
        .select()
        .from(deployments)
        .where(and(eq(deployments.environmentId, (await envRow("checkout")).id), eq(deployments.state, "succeeded")))
    )[0]!.releaseId;
    await expect(requestDeployment(ctx(lead), { environment: "staging", releaseId: release })).rejects.toMatchObject({ code: "not_in_previous" });
    await giveVerdict(ctx(lead), { name: "checkout", verdict: "accepted", comment: "VAT fixed, checked with finance" });
    expect((await envRow("checkout")).verdict).toBe("accepted");
    // The lead is the only delivery-lead so far: nobody could approve their request (issue 14 #6).
    await expect(requestDeployment(ctx(lead), { environment: "staging", releaseId: release })).rejects.toMatchObject({ code: "no_eligible_approvers" });
    await createTestActor(connection.db, ["delivery-lead"], "lead-two");
    const toStaging = await requestDeployment(ctx(lead), { environment: "staging", releaseId: release });
    expect(toStaging.state).toBe("waiting"); // staging's own gates: a delivery-lead approval
  });

  it("extends within the longest lifetime; tears down by the owner, not by another developer; expires by itself", async () => {
    await extendReviewEnvironment(ctx(dev), { name: "checkout", hours: 24 });
    await expect(extendReviewEnvironment(ctx(dev), { name: "checkout", hours: 24 * 7 })).rejects.toMatchObject({ code: "max_ttl" });
    await expect(extendReviewEnvironment(ctx(dev2), { name: "checkout", hours: 1 })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(teardownReviewEnvironment(ctx(dev2), { name: "checkout" })).rejects.toBeInstanceOf(ForbiddenError);

    clock.advance(4 * 24 * 3_600_000); // past its expiry
    await controller.runUntilIdle();
    const gone = await envRow("checkout");
    expect(gone).toMatchObject({ state: "torn-down", tornDownAt: expect.any(Date) });
    expect(platform.calls).toContain("destroy checkout");
    expect(await connection.db.select().from(configVariables).where(eq(configVariables.environmentId, gone.id))).toEqual([]);
    await expect(teardownReviewEnvironment(ctx(dev), { name: "checkout" })).rejects.toMatchObject({ status: 404 }); // gone: only its record stays
  });
});

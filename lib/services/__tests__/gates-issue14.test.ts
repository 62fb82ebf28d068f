import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, deployments, environments, healthSamples, roleMemberships, users, type Deployment } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { getBoard } from "@/lib/services/pipeline-board";
import { requestDeployment } from "@/lib/services/deployments";
import { RuleError } from "@/lib/services/errors";
import { evaluateDeployment } from "@/lib/services/gate-evaluation";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

const MINUTE = 60_000;

/**
 * Issue 14, items 4–6, through the services on both databases: the soak fails closed without
 * traffic, a fast-track's soak is fixed when it is requested, and a request nobody could ever
 * approve is refused saying who could approve and why the requester cannot.
 */
describe.each(testDatabases)("soak and approval gates (issue 14) on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-05-04T10:00:00Z");
  let lead: Actor, developer: Actor, pm: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [lead, , developer, pm] = await Promise.all([
      createTestActor(connection.db, ["delivery-lead"], "lead"),
      // A second delivery-lead, so that staging's approvals (1 delivery-lead) can be given to the first one's requests.
      createTestActor(connection.db, ["delivery-lead"], "lead-two").then(() => undefined),
      createTestActor(connection.db, ["developer"], "dev"),
      createTestActor(connection.db, ["pm"], "pm"),
    ]);
  });
  afterAll(async () => connection.close());
  beforeEach(async () => {
    // Nothing from one case waits in the next one's environments.
    await connection.db.update(deployments).set({ state: "cancelled" }).where(eq(deployments.state, "waiting"));
    await connection.db.update(deployments).set({ state: "cancelled" }).where(eq(deployments.state, "queued"));
    await connection.db.delete(healthSamples);
  });

  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
  const environment = async (name: string) => (await connection.db.select().from(environments).where(eq(environments.name, name)))[0]!;
  const setGates = async (name: string, change: (gates: Record<string, unknown>) => Record<string, unknown>) => {
    const env = await environment(name);
    const settings = env.settings as { gates: Record<string, unknown> };
    // The tests write gates slipway.yaml would not parse (a soak without its defaults): the loose shape is deliberate.
    await connection.db
      .update(environments)
      .set({ settings: { ...settings, gates: change(settings.gates) } as typeof env.settings })
      .where(eq(environments.id, env.id));
  };
  const release = async (version: string) => {
    clock.advance(1000);
    return makeRelease(connection.db, developer, version, { at: clock.now().toISOString() });
  };
  const minutesAgo = (m: number) => new Date(clock.now().getTime() - m * MINUTE);
  const soakOf = async (deployment: Deployment) => {
    const [row] = await connection.db.select().from(deployments).where(eq(deployments.id, deployment.id));
    const [target] = await connection.db.select().from(environments).where(eq(environments.id, row!.environmentId));
    const evaluation = await evaluateDeployment(connection.db, row!, target!, clock.now());
    return evaluation.outcomes.find((o) => o.gate === "soak")!;
  };
  const sample = async (environmentName: string, at: Date, requests: number, errors: number) => {
    const env = await environment(environmentName);
    const [app] = await connection.db.select().from(apps).where(eq(apps.name, "portal"));
    await connection.db.insert(healthSamples).values({ environmentId: env.id, appId: app!.id, bucketStart: at, status: "healthy", requests, errors, p95Ms: 120 });
  };

  it("#4: a soak that observed nothing fails closed once its time is up, and passes when healthy traffic arrives", async () => {
    await setGates("staging", (g) => ({ ...g, soak: { duration: 10 * MINUTE, maxErrorRate: 0.02, maxP95Ms: 800 } })); // no allowUnobserved
    const r = await release("4.0.0");
    await placeRelease(connection.db, "uat", r.id, minutesAgo(4), lead.id);
    const deployment = await requestDeployment(ctx(lead), { environment: "staging", releaseId: r.id });
    expect(deployment.state).toBe("waiting");
    expect(await soakOf(deployment)).toMatchObject({ status: "pending", reason: expect.stringContaining("no traffic observed yet") });

    clock.advance(7 * MINUTE); // 11 min: the soak window is over, and nothing was observed
    const unobserved = await soakOf(deployment);
    expect(unobserved.status).toBe("fail");
    expect(unobserved.reason).toMatch(/^no traffic observed in uat during the 10 min soak, so release [0-9a-f]{7}'s health is unverified/);

    await sample("uat", minutesAgo(5), 400, 1);
    expect(await soakOf(deployment)).toMatchObject({ status: "pass", reason: expect.stringContaining("over 400 requests") });
  });

  it("#4: with allowUnobserved the same soak passes, marked unverified (amber), not plain green", async () => {
    await setGates("staging", (g) => ({ ...g, soak: { duration: 10 * MINUTE, maxErrorRate: 0.02, maxP95Ms: 800, allowUnobserved: true } }));
    const r = await release("4.1.0");
    await placeRelease(connection.db, "uat", r.id, minutesAgo(11), lead.id);
    const deployment = await requestDeployment(ctx(lead), { environment: "staging", releaseId: r.id });
    const soak = await soakOf(deployment);
    expect(soak).toMatchObject({ status: "pass", detail: { unobserved: true } });
    expect(soak.reason).toContain("health unverified");
  });

  it("#5: a fast-track's soak is fixed at request — measured in uat from when it started there — and does not move to staging or grow", async () => {
    await setGates("prod", (g) => ({ ...g, soak: { duration: 30 * MINUTE, maxErrorRate: 0.01, maxP95Ms: 500 } }));
    await createTestActor(connection.db, ["tech-lead"], "tl");
    const r = await release("5.0.0");
    const startedInUat = minutesAgo(21);
    await placeRelease(connection.db, "uat", r.id, startedInUat, lead.id);

    // The dialog states it before anyone confirms: the board carries the same plan.
    const board = await getBoard(connection.db, clock, { pipeline: "shop" });
    expect(board?.fastTrackCandidate?.id).toBe(r.id);
    expect(board?.fastTrackSoak).toEqual({
      environmentId: (await environment("uat")).id,
      environment: "uat",
      since: startedInUat.toISOString(),
      durationMs: 30 * MINUTE,
      completesAt: new Date(startedInUat.getTime() + 30 * MINUTE).toISOString(),
    });

    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: r.id, kind: "fast-track", reason: "payment outage fix" });
    expect(deployment.detail).toMatchObject({ skipped: ["dev", "qa", "staging"], soak: { environment: "uat", since: startedInUat.toISOString(), durationMs: 30 * MINUTE } });
    await sample("uat", minutesAgo(10), 500, 0);
    expect(await soakOf(deployment)).toMatchObject({ status: "pending", reason: expect.stringMatching(/^soak 21 of 30 min in uat: release [0-9a-f]{7} must run there 9 min more$/) });

    // The same release reaches staging meanwhile: the fast-track still soaks in uat, 9 minutes to go.
    await placeRelease(connection.db, "staging", r.id, clock.now(), lead.id);
    expect(await soakOf(deployment)).toMatchObject({ status: "pending", reason: expect.stringMatching(/in uat: release [0-9a-f]{7} must run there 9 min more$/) });
    clock.advance(4 * MINUTE);
    expect(await soakOf(deployment)).toMatchObject({ status: "pending", reason: expect.stringMatching(/^soak 25 of 30 min in uat: .* 5 min more$/) });
    clock.advance(5 * MINUTE);
    expect(await soakOf(deployment)).toMatchObject({ status: "pass", reason: expect.stringMatching(/^soaked 30 min in uat: /) });
  });

  it("#5: when the release no longer runs where its soak was fixed, the soak says so instead of restarting elsewhere", async () => {
    const r = await release("5.1.0");
    await placeRelease(connection.db, "uat", r.id, minutesAgo(5), lead.id);
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: r.id, kind: "fast-track", reason: "hotfix" });
    await placeRelease(connection.db, "staging", r.id, clock.now(), lead.id);
    const newer = await release("5.1.1");
    await placeRelease(connection.db, "uat", newer.id, clock.now(), lead.id); // uat moves on
    expect(await soakOf(deployment)).toMatchObject({ status: "fail", reason: expect.stringContaining("does not run in uat") });
  });

  it("#6: the only tech lead asking for a prod fast-track is refused at once, naming them and why they cannot approve", async () => {
    // The only tech-lead of this database, who requests it.
    const only = await createTestActor(connection.db, ["tech-lead", "delivery-lead"], "Tina Only");
    await connection.db.delete(roleMemberships).where(eq(roleMemberships.role, "tech-lead"));
    await connection.db.insert(roleMemberships).values({ userId: only.id, role: "tech-lead" });
    const r = await release("6.0.0");
    await placeRelease(connection.db, "staging", r.id, minutesAgo(40), lead.id);
    const before = await connection.db.select({ id: deployments.id }).from(deployments);
    const refused = requestDeployment(ctx(only), { environment: "prod", releaseId: r.id, kind: "fast-track", reason: "hotfix" });
    await expect(refused).rejects.toBeInstanceOf(RuleError);
    await expect(refused).rejects.toMatchObject({
      status: 422,
      code: "no_eligible_approvers",
      message:
        "Nobody could ever approve this fast-track into prod: Tina Only is the only tech lead and cannot approve their own request — an admin must grant the role to someone else. Ask someone else to request it, or have an admin grant the role to another person.",
    });
    expect(await connection.db.select({ id: deployments.id }).from(deployments)).toHaveLength(before.length); // nothing changed

    // Someone else may ask: the blocker names who can approve.
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: r.id, kind: "fast-track", reason: "hotfix" });
    const [row] = await connection.db.select().from(deployments).where(eq(deployments.id, deployment.id));
    const approvals = (await evaluateDeployment(connection.db, row!, await environment("prod"), clock.now())).outcomes.find((o) => o.gate === "approvals")!;
    expect(approvals.reason).toBe(`needs 1 tech lead and 1 product manager approval — tech lead: Tina Only can give it; product manager: ${pm.name} can give it`);
  });

  it("#6: too few holders besides the requester (disabled accounts do not count) is refused at request time; enough holders and it waits", async () => {
    await setGates("staging", (g) => ({ ...g, soak: undefined, approvals: { rules: [{ role: "pm", count: 2 }], expiresAfter: 86_400_000 } }));
    const r = await release("6.1.0");
    await placeRelease(connection.db, "uat", r.id, minutesAgo(30), lead.id);
    await expect(requestDeployment(ctx(lead), { environment: "staging", releaseId: r.id })).rejects.toMatchObject({
      code: "no_eligible_approvers",
      message: expect.stringContaining(`only ${pm.name} is a product manager, and 2 are needed`),
    });
    const second = await createTestActor(connection.db, ["pm"], "pm-two");
    await connection.db.update(users).set({ disabledAt: clock.now() }).where(eq(users.id, second.id));
    await expect(requestDeployment(ctx(lead), { environment: "staging", releaseId: r.id })).rejects.toMatchObject({ code: "no_eligible_approvers" });
    await connection.db.update(users).set({ disabledAt: null }).where(eq(users.id, second.id));
    // A pm asking for it themselves: the other pm alone cannot make two.
    await connection.db.insert(roleMemberships).values({ userId: pm.id, role: "developer" });
    await expect(requestDeployment(ctx({ ...pm, roles: ["pm", "developer"] }), { environment: "staging", releaseId: r.id, reason: "again" })).rejects.toMatchObject({
      code: "no_eligible_approvers",
      message: expect.stringContaining(`only pm-two is a product manager besides ${pm.name}, who cannot approve their own request, and 2 are needed`),
    });
    const deployment = await requestDeployment(ctx(lead), { environment: "staging", releaseId: r.id });
    expect(deployment.state).toBe("waiting");
  });
});

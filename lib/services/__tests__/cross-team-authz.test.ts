import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadHandbookPipeline, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeHandbookRelease, makeRelease, placeRelease } from "@/lib/testing/releases";
import { decideApproval, pendingDecisions } from "../approvals";
import { withDeniedAudit } from "../authorize";
import { registerBuild } from "../builds";
import { setConfigVariable } from "../config-vars";
import { requestDeployment, requestRollback } from "../deployments";
import { ForbiddenError, RuleError } from "../errors";
import { requestJob } from "../jobs";
import { createRelease } from "../releases";
import { createTeam, setPipelineOwner, setTeamMember } from "../teams";
import { authenticateToken, createToken } from "../tokens";
import { loadActor } from "../users";

// Issue 18 follow-up: every decision about a thing of a pipeline counts the grants of that
// pipeline's team — in the services (approve, rollback, config, jobs) and in what the inbox offers.
describe.each(testDatabases)("team-scoped rights act on their team's pipelines only, on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-05-04T10:00:00Z");
  let admin: Actor, deliveryLead: Actor, storefrontLead: Actor, platformLead: Actor;
  let shopProd: string, handbookProd: string;
  const as = (actor: Actor) => ({ db: connection.db, actor, clock });

  beforeAll(async () => {
    connection = await database.open();
    const db = connection.db;
    await loadTestPipeline(db);
    await loadHandbookPipeline(db);

    admin = await createTestActor(db, ["admin"], "admin");
    deliveryLead = await createTestActor(db, ["delivery-lead"], "lead");
    await createTestActor(db, ["pm"], "pm");
    const people = await Promise.all([createTestActor(db, [], "tl-storefront"), createTestActor(db, [], "tl-platform")]);
    const ctx = contextFor(db, admin);
    await createTeam(ctx, { name: "storefront" });
    await createTeam(ctx, { name: "platform" });
    await setPipelineOwner(ctx, "shop", { team: "storefront" });
    await setPipelineOwner(ctx, "handbook", { team: "platform" });
    await setTeamMember(ctx, "storefront", { user: people[0].email, roles: ["tech-lead"] });
    await setTeamMember(ctx, "platform", { user: people[1].email, roles: ["tech-lead"] });
    storefrontLead = (await loadActor(db, people[0].id, "api"))!;
    platformLead = (await loadActor(db, people[1].id, "api"))!;
    expect(storefrontLead.roles).toEqual([]);

    // shop: a release in staging, asked into prod (needs a tech-lead and a pm approval).
    const shopRelease = await makeRelease(db, deliveryLead, "1.0.0", { at: "2026-05-04T09:00:00Z" });
    await placeRelease(db, "staging", shopRelease.id, new Date("2026-05-04T09:30:00Z"), deliveryLead.id);
    shopProd = (await requestDeployment(as(deliveryLead), { environment: "shop/prod", releaseId: shopRelease.id, reason: "weekly" })).id;

    // handbook: a release of main in dev, asked into prod (needs a tech-lead approval).
    const release = await makeHandbookRelease(db, deliveryLead, "2.0.0", "2026-05-04T09:00:00Z");
    await placeRelease(db, "handbook/dev", release.id, new Date("2026-05-04T09:30:00Z"), deliveryLead.id);
    handbookProd = (await requestDeployment(as(deliveryLead), { environment: "handbook/prod", releaseId: release.id, reason: "weekly" })).id;
  });
  afterAll(() => connection.close());

  it("the inbox offers each tech lead their own team's decisions only", async () => {
    const ids = async (actor: Actor) => (await pendingDecisions(connection.db, actor)).map((p) => p.deployment.id);
    expect(await ids(storefrontLead)).toEqual([shopProd]);
    expect(await ids(platformLead)).toEqual([handbookProd]);
    expect((await pendingDecisions(connection.db, storefrontLead))[0]!.roles).toEqual(["tech-lead"]);
  });

  it("a tech lead approves their team's prod deployment; the other team's tech lead is refused with the reason", async () => {
    const refused = decideApproval(as(platformLead), { deploymentId: shopProd, decision: "approve", role: "tech-lead" });
    await expect(refused).rejects.toThrow(ForbiddenError);
    await expect(refused).rejects.toThrow("Not allowed: you need the tech lead role to approve deployments in this pipeline (yours is granted for other teams or pipelines only).");
    const approval = await decideApproval(as(storefrontLead), { deploymentId: shopProd, decision: "approve", role: "tech-lead" });
    expect(approval).toMatchObject({ deploymentId: shopProd, userId: storefrontLead.id, role: "tech-lead", decision: "approve" });
    expect(await decideApproval(as(platformLead), { deploymentId: handbookProd, decision: "approve", role: "tech-lead" })).toMatchObject({ deploymentId: handbookProd, userId: platformLead.id });
    // Only the one approval each was recorded.
    const approvals = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "deployment.approve"), eq(auditEvents.outcome, "allowed")));
    expect(approvals.map((a) => [a.actorId, a.targetId]).sort()).toEqual(
      [
        [platformLead.id, handbookProd],
        [storefrontLead.id, shopProd],
      ].sort(),
    );
  });

  it("rollback, config edits and jobs: refused on the other team's pipeline, allowed on one's own", async () => {
    const otherTeam = /you need the .*role to .* in this pipeline/;
    await expect(requestRollback(as(platformLead), { environment: "shop/prod", reason: "try" })).rejects.toThrow(ForbiddenError);
    await expect(setConfigVariable(as(platformLead), { environment: "shop/dev", key: "FEATURE_X", value: "on", reason: "try" })).rejects.toThrow(otherTeam);
    await expect(requestJob(as(platformLead), { environment: "shop/dev", app: "portal" })).rejects.toThrow(otherTeam);
    await expect(setConfigVariable(as(storefrontLead), { environment: "handbook/dev", key: "FEATURE_X", value: "on", reason: "try" })).rejects.toThrow(otherTeam);

    expect(await setConfigVariable(as(platformLead), { environment: "handbook/dev", key: "FEATURE_X", value: "on", reason: "try" })).toMatchObject({ key: "FEATURE_X", value: "on", updatedBy: platformLead.email });
    expect(await requestJob(as(platformLead), { environment: "handbook/dev", app: "handbook-search" })).toMatchObject({ job: "seed", state: "queued" });
    // Allowed to roll back there; the refusal is about the history, not the right.
    await expect(requestRollback(as(platformLead), { environment: "handbook/prod", reason: "try" })).rejects.toThrow(RuleError);
    await expect(setConfigVariable(as(storefrontLead), { environment: "shop/dev", key: "FEATURE_X", value: "on", reason: "try" })).resolves.toMatchObject({ key: "FEATURE_X" });
  });

  it("a developer of a team registers builds and cuts releases of that team's pipeline, not of another", async () => {
    const person = await createTestActor(connection.db, [], "dev-storefront");
    await setTeamMember(contextFor(connection.db, admin), "storefront", { user: person.email, roles: ["developer"] });
    const developer = (await loadActor(connection.db, person.id, "api"))!;
    const body = (app: string, n: number) => ({
      app,
      version: "3.0.0",
      commit: "b".repeat(40),
      branch: "main",
      digest: `sha256:${(950 + n).toString(16).padStart(64, "0")}`,
      artifact: "/artifacts/x.mjs",
      tests: { passed: true, total: 1, failed: 0 },
      changedFiles: [],
      labels: [],
    });
    const { build } = await registerBuild(as(developer), body("shop/portal", 1));
    expect(build).toMatchObject({ appName: "portal", version: "3.0.0" });
    await expect(registerBuild(as(developer), body("handbook/handbook-web", 2))).rejects.toThrow(/in this pipeline/);
    expect((await createRelease(as(developer), { commit: "b".repeat(40), branch: "main", builds: [build.id], buildNumber: 2 })).release).toMatchObject({ commit: "b".repeat(40) });
  });

  it("a token restricted to handbook is refused on shop, and the refusal is audited", async () => {
    const { token } = await createToken(contextFor(connection.db, admin), { userId: platformLead.id, name: "handbook-ci", pipeline: "handbook", roles: ["tech-lead"] });
    const actor = (await authenticateToken(connection.db, clock, token))!;
    // The person's own storefront grant would not help either: the token is scoped to handbook.
    const refused = withDeniedAudit(connection.db, actor, clock, () => setConfigVariable(as(actor), { environment: "shop/dev", key: "FEATURE_Y", value: "on", reason: "try" }));
    await expect(refused).rejects.toMatchObject({ status: 403, message: "Not allowed: this token is restricted to pipeline handbook." });
    const [event] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.actorId, platformLead.id), eq(auditEvents.outcome, "denied"), eq(auditEvents.action, "config.edit")));
    expect(event).toMatchObject({ targetType: "environment", targetId: "shop/dev", reason: "Not allowed: this token is restricted to pipeline handbook." });
    await expect(withDeniedAudit(connection.db, actor, clock, () => decideApproval(as(actor), { deploymentId: shopProd, decision: "approve", role: "tech-lead" }))).rejects.toMatchObject({ status: 403 });
    const [denied] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.actorId, platformLead.id), eq(auditEvents.outcome, "denied"), eq(auditEvents.action, "deployment.approve")));
    expect(denied).toMatchObject({ targetType: "deployment", targetId: shopProd });
    await expect(setConfigVariable(as(actor), { environment: "handbook/dev", key: "FEATURE_Y", value: "on", reason: "try" })).resolves.toMatchObject({ key: "FEATURE_Y" });
  });
});

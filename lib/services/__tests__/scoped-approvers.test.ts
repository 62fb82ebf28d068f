import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments, roleMemberships } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { systemActor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { requestDeployment } from "@/lib/services/deployments";
import { evaluateDeployment } from "@/lib/services/gate-evaluation";
import { createTeam, setPipelineOwner, setTeamMember } from "@/lib/services/teams";
import { loadActor } from "@/lib/services/users";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

/**
 * Issue 18: who may approve counts only the roles that apply in the deployment's pipeline — a
 * tech lead of another team is neither an eligible approver nor a counting approval.
 */
describe.each(testDatabases)("approvers are counted in the pipeline's scope on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-05-04T10:00:00Z");
  let lead: Actor, developer: Actor, pm: Actor, outsider: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["delivery-lead"], "lead");
    developer = await createTestActor(connection.db, ["developer"], "dev");
    pm = await createTestActor(connection.db, ["pm"], "pm");
    outsider = await createTestActor(connection.db, [], "Otto Outsider");
    const ops = { db: connection.db, actor: systemActor("cli"), clock };
    await createTeam(ops, { name: "storefront" });
    await createTeam(ops, { name: "platform" });
    await setPipelineOwner(ops, "shop", { team: "storefront" });
    // The only tech lead is one of another team.
    await connection.db.delete(roleMemberships).where(eq(roleMemberships.role, "tech-lead"));
    await setTeamMember(ops, "platform", { user: outsider.email, roles: ["tech-lead"] });
  });
  afterAll(() => connection.close());

  it("another team's tech lead does not make a prod fast-track approvable; the owner team's does", async () => {
    const r = await makeRelease(connection.db, developer, "9.0.0", { at: clock.now().toISOString() });
    await placeRelease(connection.db, "staging", r.id, new Date(clock.now().getTime() - 40 * 60_000), lead.id);
    await expect(requestDeployment({ db: connection.db, actor: lead, clock }, { environment: "prod", releaseId: r.id, kind: "fast-track", reason: "hotfix" })).rejects.toMatchObject({
      code: "no_eligible_approvers",
    });

    await setTeamMember({ db: connection.db, actor: systemActor("cli"), clock }, "storefront", { user: outsider.email, roles: ["tech-lead"] });
    const deployment = await requestDeployment({ db: connection.db, actor: lead, clock }, { environment: "prod", releaseId: r.id, kind: "fast-track", reason: "hotfix" });
    const [row] = await connection.db.select().from(deployments).where(eq(deployments.id, deployment.id));
    const [prod] = await connection.db.select().from(environments).where(eq(environments.name, "prod"));
    const approvals = (await evaluateDeployment(connection.db, row!, prod!, clock.now())).outcomes.find((o) => o.gate === "approvals")!;
    expect(approvals.reason).toBe(`needs 1 tech lead and 1 product manager approval — tech lead: Otto Outsider can give it; product manager: ${pm.name} can give it`);
    // The person's actor carries the grant in both teams; only storefront's reaches shop.
    expect((await loadActor(connection.db, outsider.id, "ui"))!.grants.filter((g) => g.role === "tech-lead")).toHaveLength(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { pipelines, roleMemberships, teams } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { decideApproval, loadPortalHeader, pendingDecisions, pendingDecisionsAmong } from "@/lib/services/approvals";
import { requestDeployment } from "@/lib/services/deployments";
import { loadPortalSession } from "@/lib/services/portal-session";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

// The portal's header on every page: the pipeline switcher and the pending-decisions count in one
// read, giving exactly what the approvals inbox gives.
/** What the layout makes of the header's one statement for `actor` (app/(portal)/pending-decisions.ts). */
async function headerFor(db: Connection["db"], actor: Actor) {
  const { me, pipelines, waiting } = await loadPortalHeader(db, actor.id);
  expect(me?.id).toBe(actor.id);
  return { pending: await pendingDecisionsAmong(db, actor, waiting), pipelineNames: pipelines.map((p) => p.name) };
}

describe.each(testDatabases)("the header's pipelines and pending decisions on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-05-04T10:00:00Z");
  let lead: Actor, techLead: Actor, developer: Actor, pm: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [lead, techLead, developer, pm] = await Promise.all([
      createTestActor(connection.db, ["delivery-lead"], "lead"),
      createTestActor(connection.db, ["tech-lead"], "tl"),
      createTestActor(connection.db, ["developer"], "dev"),
      createTestActor(connection.db, ["pm"], "pm"),
    ]);
    // Names come in name order, whatever the order they were made in.
    await connection.db.insert(pipelines).values({ id: "pl_aardvark", name: "aardvark", configHash: "none", config: {} as typeof pipelines.$inferInsert.config });
  });
  afterAll(() => connection.close());

  it("names every pipeline even when nothing waits", async () => {
    const header = await headerFor(connection.db, techLead);
    expect(header.pipelineNames).toEqual(["aardvark", "shop"]);
    expect(header.pending).toEqual([]);
  });

  it("lists every pipeline with its id and every team, in name order, for the pages' scope filters", async () => {
    const before = (await loadPortalHeader(connection.db, techLead.id)).teams.length;
    await connection.db.insert(teams).values([
      { id: "tm_zz", name: "zz-last", displayName: "Last team" },
      { id: "tm_aa", name: "aa-first", displayName: "First team" },
    ]);
    const { pipelines: listed, teams: teamList } = await loadPortalHeader(connection.db, techLead.id);
    expect(listed.map((p) => p.name)).toEqual(["aardvark", "shop"]);
    expect(listed[0]).toEqual({ id: "pl_aardvark", name: "aardvark" });
    expect(teamList).toHaveLength(before + 2);
    expect(teamList[0]).toEqual({ id: "tm_aa", name: "aa-first", displayName: "First team" });
    expect(teamList.at(-1)).toEqual({ id: "tm_zz", name: "zz-last", displayName: "Last team" });
  });

  it("names the team and the pipeline of each scoped grant, for the header's roles line", async () => {
    await connection.db.insert(teams).values({ id: "team_payments", name: "payments", displayName: "Payments" });
    const scoped = await createTestActor(connection.db, ["developer"], "scoped");
    await connection.db.insert(roleMemberships).values([
      { userId: scoped.id, role: "tech-lead", scope: "team", scopeId: "team_payments" },
      { userId: scoped.id, role: "pm", scope: "pipeline", scopeId: "pl_aardvark" },
    ]);
    const { me } = await loadPortalHeader(connection.db, scoped.id);
    const session = await loadPortalSession(connection.db, clock, scoped.id, undefined);
    expect(me!.roles.map((r) => [r.role, r.scope, r.scopeName ?? null]).sort()).toEqual([
      ["developer", "global", null],
      ["pm", "pipeline", "aardvark"],
      ["tech-lead", "team", "payments"],
    ]);
    expect(
      session!.actor.grants
        .filter((g) => g.scope !== "global")
        .map((g) => [g.role, g.scopeName])
        .sort(),
    ).toEqual([
      ["pm", "aardvark"],
      ["tech-lead", "payments"],
    ]);
  });

  it("gives the inbox's pending decisions, and marks what was decided", async () => {
    const release = await makeRelease(connection.db, developer, "1.0.0", { at: "2026-05-04T09:00:00Z" });
    await placeRelease(connection.db, "staging", release.id, new Date("2026-05-04T09:30:00Z"), lead.id);
    const deployment = await requestDeployment({ db: connection.db, actor: lead, clock }, { environment: "prod", releaseId: release.id, reason: "weekly" });
    expect(deployment.state).toBe("waiting");

    for (const actor of [lead, techLead, developer, pm]) {
      const header = await headerFor(connection.db, actor);
      expect(header.pending).toEqual(await pendingDecisions(connection.db, actor));
      expect(header.pipelineNames).toEqual(["aardvark", "shop"]);
    }
    const before = await headerFor(connection.db, techLead);
    expect(before.pending.map((p) => [p.deployment.id, p.roles, p.decided])).toEqual([[deployment.id, ["tech-lead"], null]]);
    // The requester decides nothing on their own request.
    expect((await headerFor(connection.db, lead)).pending).toEqual([]);

    await decideApproval({ db: connection.db, actor: techLead, clock }, { deploymentId: deployment.id, decision: "approve", role: "tech-lead" });
    // A rejection replaces the approval: only the live decision shows, once.
    await decideApproval({ db: connection.db, actor: techLead, clock }, { deploymentId: deployment.id, decision: "reject", role: "tech-lead" });
    const after = await headerFor(connection.db, techLead);
    expect(after.pending).toHaveLength(1);
    expect(after.pending[0]!.decided).toMatchObject({ decision: "reject", role: "tech-lead" });
    expect(after.pending).toEqual(await pendingDecisions(connection.db, techLead));
  });
});

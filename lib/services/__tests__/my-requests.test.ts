import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { decideApproval, myRequests, pendingDecisions } from "@/lib/services/approvals";
import { requestDeployment } from "@/lib/services/deployments";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

// Issue 15 item 11: the inbox tells what I already decided apart, and "my requests" says what each
// of my own deployments waits on.
describe.each(testDatabases)("approvals inbox and my requests on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-05-04T10:00:00Z");
  let lead: Actor, techLead: Actor, developer: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [lead, techLead, developer] = await Promise.all([createTestActor(connection.db, ["delivery-lead"], "lead"), createTestActor(connection.db, ["tech-lead"], "tl"), createTestActor(connection.db, ["developer"], "dev")]);
    // Someone must be able to give prod's pm approval, or the request is refused as unapprovable.
    await createTestActor(connection.db, ["pm"], "pm");
  });
  afterAll(() => connection.close());

  it("lists my waiting requests with each unmet gate, and marks what an approver already decided", async () => {
    const release = await makeRelease(connection.db, developer, "1.0.0", { at: "2026-05-04T09:00:00Z" });
    await placeRelease(connection.db, "staging", release.id, new Date("2026-05-04T09:30:00Z"), lead.id);
    const deployment = await requestDeployment({ db: connection.db, actor: lead, clock }, { environment: "prod", releaseId: release.id, reason: "weekly" });
    expect(deployment.state).toBe("waiting");

    const mine = await myRequests(connection.db, lead);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: deployment.id, environment: "prod", kind: "promote", state: "waiting", releaseId: release.id, releaseCommit: release.commit });
    expect(mine[0]!.waitingOn.some((r) => /needs 1 tech lead and 1 product manager approval/.test(r))).toBe(true);
    expect(mine[0]!.waitingOn.some((r) => /checklist/.test(r))).toBe(true);
    // Someone else's requests are not mine.
    expect(await myRequests(connection.db, techLead)).toEqual([]);

    expect((await pendingDecisions(connection.db, techLead)).find((p) => p.deployment.id === deployment.id)?.decided).toBeNull();
    await decideApproval({ db: connection.db, actor: techLead, clock }, { deploymentId: deployment.id, decision: "approve", role: "tech-lead" });
    const after = (await pendingDecisions(connection.db, techLead)).find((p) => p.deployment.id === deployment.id);
    expect(after?.decided).toMatchObject({ decision: "approve", role: "tech-lead" });
    // The approval is met for tech-lead; what it still waits on names the pm.
    const still = (await myRequests(connection.db, lead))[0]!;
    expect(still.waitingOn.find((r) => /approval/.test(r))).toMatch(/product manager/);
  });
});

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { deployments, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import type { GatesConfig } from "@/lib/config/schema";
import { fixedClock } from "@/lib/domain/clock";
import { decideApproval, pendingDecisions } from "@/lib/services/approvals";
import { requestDeployment } from "@/lib/services/deployments";
import { RuleError } from "@/lib/services/errors";
import { evaluateDeployment } from "@/lib/services/gate-evaluation";
import { loadReleaseChanges } from "@/lib/services/release-changes";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";

const RISKY_PATHS = ["**/migrations/**", "iam/**", "services/payments/**"];

describe.each(testDatabases)("approval rules and checklist items with `when` on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-05-04T10:00:00Z");
  let lead: Actor, developer: Actor, techLead: Actor;
  let prodId: string;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    [lead, developer] = await Promise.all([createTestActor(connection.db, ["delivery-lead"], "lead"), createTestActor(connection.db, ["developer"], "dev")]);
    techLead = await createTestActor(connection.db, ["tech-lead"], "tl");
    const [prod] = await connection.db.select().from(environments).where(eq(environments.name, "prod"));
    prodId = prod!.id;
    const gates: GatesConfig = {
      tests: false,
      windows: [],
      freezes: [],
      incident: false,
      approvals: { rules: [{ role: "tech-lead", count: 1, when: { changedPaths: RISKY_PATHS, labels: ["iam"] } }], expiresAfter: 86_400_000 },
      checklist: ["deploy announced", { item: "database backup taken", when: { changedPaths: ["**/migrations/**"] } }],
    };
    await connection.db
      .update(environments)
      .set({ settings: { ...prod!.settings, gates, smoke: [] } })
      .where(eq(environments.id, prodId));
  });
  afterAll(async () => connection.close());

  const ctx = (actor: Actor) => ({ db: connection.db, actor, clock });
  const release = async (version: string, options: Parameters<typeof makeRelease>[3] = {}) => {
    clock.advance(60_000);
    const made = await makeRelease(connection.db, developer, version, { at: clock.now().toISOString(), ...options });
    await placeRelease(connection.db, "staging", made.id, clock.now(), lead.id);
    return made;
  };
  const gatesFor = async (releaseId: string) => {
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId, reason: "release" });
    const [row] = await connection.db.select().from(deployments).where(eq(deployments.id, deployment.id));
    const [env] = await connection.db.select().from(environments).where(eq(environments.id, prodId));
    const evaluation = await evaluateDeployment(connection.db, row!, env!, clock.now());
    await connection.db.update(deployments).set({ state: "cancelled", finishedAt: clock.now() }).where(eq(deployments.id, deployment.id));
    return Object.fromEntries(evaluation.outcomes.map((o) => [o.gate, o]));
  };

  it("the first release in an environment counts as risky: every file is new", async () => {
    const r1 = await release("1.0.0");
    const gates = await gatesFor(r1.id);
    expect(gates.approvals).toMatchObject({ status: "pending" });
    expect(gates.approvals!.reason).toContain("changes unknown for portal (first deployment of portal here: every file is new)");
    await placeRelease(connection.db, "prod", r1.id, clock.now(), lead.id);
  });

  it("a release that changes none of the risky paths needs no approval and only the unconditional checklist item", async () => {
    const r2 = await release("1.1.0", { changedFiles: { portal: ["src/page.tsx"], admin: ["docs/migrations.md"], "api-gateway": [] } });
    const gates = await gatesFor(r2.id);
    expect(gates.approvals).toMatchObject({ status: "pass", reason: "no approval needed: not a risky change (tech lead: the release changes no file matching **/migrations/**, iam/**, services/payments/** and no label iam)" });
    expect(gates.checklist).toMatchObject({ status: "pending", reason: "0 of 1 checklist item ticked: 'deploy announced' is open" });
    await placeRelease(connection.db, "prod", r2.id, clock.now(), lead.id);
  });

  it("a release changing a migration needs the approval and the backup item, and names the file", async () => {
    const r3 = await release("1.2.0", { changedFiles: { portal: ["services/portal/migrations/0007_add_wishlist.sql", "src/a.ts"] } });
    const gates = await gatesFor(r3.id);
    expect(gates.approvals).toMatchObject({ status: "pending" });
    expect(gates.approvals!.reason).toMatch(/^needs 1 tech lead approval — tl can give it — risky change: a tech lead because the release changes portal:services\/portal\/migrations\/0007_add_wishlist.sql$/);
    expect(gates.approvals!.detail).toMatchObject({ risk: [{ role: "tech-lead", applies: true, files: ["portal:services/portal/migrations/0007_add_wishlist.sql"] }] });
    expect(gates.checklist).toMatchObject({ status: "pending", reason: expect.stringContaining("'deploy announced' and 'database backup taken' are open") });
  });

  it("a safe release that skips the unreleased risky one here still carries its changes", async () => {
    const r4 = await release("1.3.0", { changedFiles: { portal: ["src/b.ts"] } });
    const changes = await loadReleaseChanges(connection.db, r4.id, prodId);
    expect(changes.apps.find((a) => a.app === "portal")).toMatchObject({ fromVersion: "1.1.0", toVersion: "1.3.0", changedFiles: ["services/portal/migrations/0007_add_wishlist.sql", "src/a.ts", "src/b.ts"] });
    expect((await gatesFor(r4.id)).approvals).toMatchObject({ status: "pending" });
    await placeRelease(connection.db, "prod", r4.id, clock.now(), lead.id);
  });

  it("unknown changed files (CI did not send them) count as risky", async () => {
    const r5 = await release("1.4.0", { changedFiles: { admin: null } });
    const gates = await gatesFor(r5.id);
    expect(gates.approvals).toMatchObject({ status: "pending", reason: expect.stringContaining("changes unknown for admin (changed files not reported for 1.4.0), counted as risky") });
    await placeRelease(connection.db, "prod", r5.id, clock.now(), lead.id);
  });

  it("a build label makes it risky; unreported labels too", async () => {
    const r6 = await release("1.5.0", { labels: { "api-gateway": ["iam"] } });
    expect((await gatesFor(r6.id)).approvals).toMatchObject({ status: "pending", reason: expect.stringContaining("carries label iam") });
    const r7 = await release("1.6.0", { labels: { admin: null } });
    expect((await gatesFor(r7.id)).approvals).toMatchObject({ status: "pending", reason: expect.stringContaining("labels not reported for") });
  });

  it("nobody is asked for an approval a release does not need: not in the inbox, and refused if given", async () => {
    // What prod runs first: the earlier, risky releases are then behind it.
    await placeRelease(connection.db, "prod", (await release("1.9.0")).id, clock.now(), lead.id);
    const safe = await release("2.0.0", { changedFiles: { portal: ["src/d.ts"] } });
    const deployment = await requestDeployment(ctx(lead), { environment: "prod", releaseId: safe.id, reason: "safe" });
    expect((await pendingDecisions(connection.db, techLead)).map((p) => p.deployment.id)).not.toContain(deployment.id);
    const refused = decideApproval(ctx(techLead), { deploymentId: deployment.id, decision: "approve", role: "tech-lead" });
    await expect(refused).rejects.toBeInstanceOf(RuleError);
    await expect(refused).rejects.toMatchObject({ code: "approval_not_needed", message: expect.stringContaining("only for risky changes") });
    await connection.db.update(deployments).set({ state: "cancelled", finishedAt: clock.now() }).where(eq(deployments.id, deployment.id));

    const risky = await release("2.1.0", { changedFiles: { admin: ["iam/policy.json"] } });
    const needing = await requestDeployment(ctx(lead), { environment: "prod", releaseId: risky.id, reason: "risky" });
    expect(await pendingDecisions(connection.db, techLead)).toEqual(expect.arrayContaining([expect.objectContaining({ roles: ["tech-lead"], deployment: expect.objectContaining({ id: needing.id }) })]));
    await decideApproval(ctx(techLead), { deploymentId: needing.id, decision: "approve", role: "tech-lead" });
    await connection.db.update(deployments).set({ state: "cancelled", finishedAt: clock.now() }).where(eq(deployments.id, needing.id));
  });

  it("builds of other branches in between do not count; a release from another branch than what runs is unknown, so risky", async () => {
    const base = await release("3.0.0", { changedFiles: { portal: ["src/e.ts"] } });
    await placeRelease(connection.db, "prod", base.id, clock.now(), lead.id);
    clock.advance(60_000);
    await makeRelease(connection.db, developer, "3.0.1-feature", { branch: "feature/iam", at: clock.now().toISOString(), changedFiles: { portal: ["iam/roles.yaml"] } });
    const next = await release("3.1.0", { changedFiles: { portal: ["src/f.ts"] } });
    const changes = await loadReleaseChanges(connection.db, next.id, prodId);
    expect(changes.apps.find((a) => a.app === "portal")).toMatchObject({ changedFiles: ["src/f.ts"] });
    expect((await gatesFor(next.id)).approvals).toMatchObject({ status: "pass" });
    clock.advance(60_000);
    const hotfix = await makeRelease(connection.db, developer, "3.1.1-hotfix", { branch: "hotfix/x", at: clock.now().toISOString(), changedFiles: { portal: ["src/g.ts"] } });
    expect((await loadReleaseChanges(connection.db, hotfix.id, prodId)).apps.find((a) => a.app === "portal")).toMatchObject({
      changedFiles: null,
      unknownWhy: "3.0.0 runs here from branch develop, 3.1.1-hotfix is from hotfix/x: changes across branches are not reported",
    });
  });

  it("going back to an older release is compared too: undoing a migration is risky", async () => {
    const older = await release("1.7.0", { changedFiles: { portal: ["iam/roles.yaml"] } });
    const newer = await release("1.8.0", { changedFiles: { portal: ["src/c.ts"] } });
    await placeRelease(connection.db, "prod", newer.id, clock.now(), lead.id);
    const back = await loadReleaseChanges(connection.db, older.id, prodId);
    // What changes is what 1.8.0 brought on top of 1.7.0.
    expect(back.apps.find((a) => a.app === "portal")).toMatchObject({ fromVersion: "1.8.0", toVersion: "1.7.0", changedFiles: ["src/c.ts"] });
    // The same release again changes nothing.
    expect((await loadReleaseChanges(connection.db, newer.id, prodId)).apps).toEqual([]);
  });
});

import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, deployments, environments, reviewChangeRequests } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import type { PullRequestEvent } from "@/lib/domain/scm-events";
import { applyPullRequestEvent } from "@/lib/services/scm-webhook";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";

describe.each(testDatabases)("pull-request webhook on $name", (database) => {
  let connection: Connection;
  let ci: Actor;
  const clock = fixedClock("2026-06-01T09:00:00Z");
  // One pull request per branch: #12 for feature/cart, others numbered by first use.
  const numbers = new Map<string, number>([["feature/cart", 12]]);
  const numberOf = (branch: string) => numbers.get(branch) ?? (numbers.set(branch, 100 + numbers.size), numbers.get(branch)!);
  const event = (action: PullRequestEvent["action"], commit: string, branch = "feature/cart"): PullRequestEvent => ({
    provider: "github",
    action,
    branch,
    commit,
    number: numberOf(branch),
    repository: "",
    headRepository: "",
    title: "Cart",
    url: null,
    sender: "dana",
  });
  const apply = (e: PullRequestEvent) => applyPullRequestEvent(connection.db, clock, e, { ip: "192.0.2.7" });
  const deploymentsOf = async (name: string) => {
    const [env] = await connection.db
      .select()
      .from(environments)
      .where(and(eq(environments.name, name), eq(environments.kind, "review")));
    return connection.db
      .select()
      .from(deployments)
      .where(eq(deployments.environmentId, env!.id))
      .orderBy(sql`created_at`);
  };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    ci = await createTestActor(connection.db, ["developer"], "ci");
  });
  afterAll(() => connection.close());

  it("opened before CI cut a release: creates nothing yet, remembers the request and says so", async () => {
    const before = Number((await connection.db.select({ n: sql<number>`count(*)` }).from(environments))[0]!.n);
    const result = await apply(event("opened", "f".repeat(40)));
    expect(result).toMatchObject({ outcome: "waiting-for-release", environment: null, message: "No release of feature/cart yet: its review environment is spun up as soon as CI cuts one." });
    expect(Number((await connection.db.select({ n: sql<number>`count(*)` }).from(environments))[0]!.n)).toBe(before);
    expect(await connection.db.select().from(reviewChangeRequests)).toEqual([
      { provider: "github", repository: "", number: 12, headRepository: "", branch: "feature/cart", headCommit: "f".repeat(40), environmentId: null, state: "open", openedAt: clock.now(), updatedAt: clock.now(), closedAt: null },
    ]);
    const [audit] = await connection.db.select().from(auditEvents).where(eq(auditEvents.action, "webhook.pull-request"));
    // No environment (nor pipeline) yet: the line is about the pull request, as the provider writes it.
    expect(audit).toMatchObject({ targetType: "pull-request", targetId: "#12", source: "webhook", ip: "192.0.2.7", data: expect.objectContaining({ outcome: "waiting-for-release", number: 12 }) });
  });

  it("the branch's first release spins up the review environment the pull request waits for, owned by automation", async () => {
    const release = await makeRelease(connection.db, ci, "2.0.0-cart.1", { branch: "feature/cart", at: clock.now().toISOString() });
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, "cart"));
    expect(env).toMatchObject({ kind: "review", branch: "feature/cart", ownerId: "usr_automation", state: "provisioning" });
    expect((await deploymentsOf("cart")).map((d) => d.releaseId)).toEqual([release.id]);
    // The request now references the environment it waited for.
    expect(await connection.db.select({ environmentId: reviewChangeRequests.environmentId, state: reviewChangeRequests.state }).from(reviewChangeRequests)).toEqual([{ environmentId: env!.id, state: "open" }]);
    // The pull request's event for that commit, arriving after the release, changes nothing.
    expect(await apply(event("updated", release.commit))).toMatchObject({ outcome: "unchanged", environment: "cart" });
  });

  it("opened when the release exists → a review environment of the branch running the head commit's release", async () => {
    const release = await makeRelease(connection.db, ci, "2.1.0-search.1", { branch: "feature/search", at: clock.now().toISOString() });
    const result = await apply(event("opened", release.commit, "feature/search"));
    expect(result).toMatchObject({ outcome: "created", environment: "search", deploymentId: expect.any(String) });
    expect((await deploymentsOf("search")).map((d) => d.releaseId)).toEqual([release.id]);
    expect(await apply(event("closed", release.commit, "feature/search"))).toMatchObject({ outcome: "tearing-down", environment: "search" });
  });

  it("a request closed before any release is forgotten: a later release of the branch creates nothing", async () => {
    expect(await apply(event("opened", "e".repeat(40), "feature/abandoned"))).toMatchObject({ outcome: "waiting-for-release" });
    expect(await apply(event("closed", "e".repeat(40), "feature/abandoned"))).toMatchObject({
      outcome: "nothing-to-tear-down",
      message: `pull request #${numberOf("feature/abandoned")} (feature/abandoned) has no live review environment.`,
    });
    await makeRelease(connection.db, ci, "0.0.1-abandoned.1", { branch: "feature/abandoned", at: clock.now().toISOString() });
    expect(await connection.db.select().from(environments).where(eq(environments.branch, "feature/abandoned"))).toEqual([]);
  });

  it("a release that cannot spin up the waiting environment is still cut; the request waits for the next one, and the audit trail says why", async () => {
    expect(await apply(event("opened", "d".repeat(40), "feature/quota"))).toMatchObject({ outcome: "waiting-for-release" });
    // Automation already owns as many review environments as one owner may (cart, plus two more).
    for (const branch of ["feature/q1", "feature/q2"]) {
      const r = await makeRelease(connection.db, ci, `0.0.1-${branch.slice(-2)}`, { branch, at: clock.now().toISOString() });
      await apply(event("opened", r.commit, branch));
    }
    const release = await makeRelease(connection.db, ci, "0.0.1-quota.1", { branch: "feature/quota", at: clock.now().toISOString() });
    expect(await connection.db.query.releases.findFirst({ where: (r, { eq }) => eq(r.id, release.id) })).toBeTruthy();
    expect(await connection.db.select().from(environments).where(eq(environments.branch, "feature/quota"))).toEqual([]);
    expect(
      (
        await connection.db
          .select()
          .from(reviewChangeRequests)
          .where(sql`environment_id is null and state = 'open'`)
      ).map((r) => r.branch),
    ).toEqual(["feature/quota"]);
    const [waiting] = await connection.db.select().from(auditEvents).where(eq(auditEvents.action, "review.request-waiting"));
    expect(waiting).toMatchObject({ targetType: "release", targetId: release.id, reason: expect.stringMatching(/^pull request #\d+ still waits for a review environment: You already have 3 review environments/) });
    for (const branch of ["feature/q1", "feature/q2", "feature/quota"]) await apply(event("closed", "0".repeat(40), branch));
  });

  it("a redelivered or duplicate event changes nothing", async () => {
    const [first] = await deploymentsOf("cart");
    expect(await apply(event("opened", (await connection.db.query.releases.findFirst({ where: (r, { eq }) => eq(r.id, first!.releaseId) }))!.commit))).toMatchObject({ outcome: "unchanged" });
    expect(await deploymentsOf("cart")).toHaveLength(1);
  });

  it("a new release of the branch follows into its review environment by itself; a later synchronize is then unchanged", async () => {
    clock.advance(60_000);
    const next = await makeRelease(connection.db, ci, "2.0.0-cart.2", { branch: "feature/cart", at: clock.now().toISOString() });
    const rollouts = await deploymentsOf("cart");
    expect(rollouts.map((d) => d.releaseId).at(-1)).toBe(next.id);
    expect(rollouts.at(-1)).toMatchObject({ requestedBy: "usr_automation", reason: expect.stringContaining("feature/cart has a new release") });
    expect(await apply(event("updated", next.commit))).toMatchObject({ outcome: "unchanged" });
  });

  it("synchronize to an older commit's release redeploys that one", async () => {
    const [first] = await deploymentsOf("cart");
    const older = (await connection.db.query.releases.findFirst({ where: (r, { eq }) => eq(r.id, first!.releaseId) }))!;
    clock.advance(60_000);
    const result = await apply(event("updated", older.commit));
    expect(result).toMatchObject({ outcome: "redeployed", environment: "cart" });
    const redeploy = (await deploymentsOf("cart")).find((d) => d.id === (result as { deploymentId: string }).deploymentId);
    expect(redeploy).toMatchObject({ releaseId: older.id, reason: "pull request #12 was updated" });
  });

  it("closed → torn down (the record stays); closing again has nothing to tear down", async () => {
    expect(await apply(event("closed", "f".repeat(40)))).toMatchObject({ outcome: "tearing-down", environment: "cart" });
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, "cart"));
    expect(env!.state).toBe("tearing-down");
    expect((await deploymentsOf("cart")).filter((d) => d.state === "queued" || d.state === "waiting")).toEqual([]);
    expect(await apply(event("closed", "f".repeat(40)))).toMatchObject({ outcome: "nothing-to-tear-down" });
  });
});

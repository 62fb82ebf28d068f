import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, deployments, environments } from "@/db/schema";
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
  const event = (action: PullRequestEvent["action"], commit: string, branch = "feature/cart"): PullRequestEvent => ({ provider: "github", action, branch, commit, number: 12, title: "Cart", url: null, sender: "dana" });
  const apply = (e: PullRequestEvent) => applyPullRequestEvent(connection.db, clock, e, { ip: "192.0.2.7" });
  const deploymentsOf = async (name: string) => {
    const [env] = await connection.db.select().from(environments).where(and(eq(environments.name, name), eq(environments.kind, "review")));
    return connection.db.select().from(deployments).where(eq(deployments.environmentId, env!.id)).orderBy(sql`created_at`);
  };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    ci = await createTestActor(connection.db, ["developer"], "ci");
  });
  afterAll(() => connection.close());

  it("opened without a release of the branch: creates nothing and says why", async () => {
    const before = Number((await connection.db.select({ n: sql<number>`count(*)` }).from(environments))[0]!.n);
    const result = await apply(event("opened", "f".repeat(40)));
    expect(result).toMatchObject({ outcome: "no-release-yet", environment: null, message: expect.stringContaining("No release of feature/cart yet") });
    expect(Number((await connection.db.select({ n: sql<number>`count(*)` }).from(environments))[0]!.n)).toBe(before);
    const [audit] = await connection.db.select().from(auditEvents).where(eq(auditEvents.action, "webhook.pull-request"));
    expect(audit).toMatchObject({ source: "webhook", ip: "192.0.2.7", data: expect.objectContaining({ outcome: "no-release-yet", number: 12 }) });
  });

  it("opened → a review environment of the branch running the head commit's release, owned by automation", async () => {
    const release = await makeRelease(connection.db, ci, "2.0.0-cart.1", { branch: "feature/cart", at: clock.now().toISOString() });
    const result = await apply(event("opened", release.commit));
    expect(result).toMatchObject({ outcome: "created", environment: "cart", deploymentId: expect.any(String) });
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, "cart"));
    expect(env).toMatchObject({ kind: "review", branch: "feature/cart", ownerId: "usr_automation", state: "provisioning" });
    expect((await deploymentsOf("cart")).map((d) => d.releaseId)).toEqual([release.id]);
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

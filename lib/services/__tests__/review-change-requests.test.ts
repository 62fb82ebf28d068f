import { and, desc, eq, sql } from "drizzle-orm";
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

describe.each(testDatabases)("review environments know the change requests that use them, on $name", (database) => {
  let connection: Connection;
  let ci: Actor;
  const clock = fixedClock("2026-06-02T09:00:00Z");
  const pr = (action: PullRequestEvent["action"], number: number, commit: string, branch: string, headRepository = "acme/shop", repository = "acme/shop", provider: PullRequestEvent["provider"] = "github"): PullRequestEvent => ({
    provider,
    action,
    branch,
    commit,
    number,
    repository,
    headRepository,
    title: `#${number}`,
    url: null,
    sender: "dana",
  });
  const apply = (e: PullRequestEvent) => applyPullRequestEvent(connection.db, clock, e);
  const env = async (name: string) =>
    (
      await connection.db
        .select()
        .from(environments)
        .where(and(eq(environments.name, name), eq(environments.kind, "review")))
        .orderBy(sql`created_at desc`)
    )[0]!;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    ci = await createTestActor(connection.db, ["developer"], "ci");
  });
  afterAll(() => connection.close());

  it("the issue's example: two pull requests from one branch; closing #2 keeps the environment #1 still uses, closing #1 tears it down", async () => {
    const release = await makeRelease(connection.db, ci, "3.0.0-pay.1", { branch: "feature/pay", at: clock.now().toISOString() });
    expect(await apply(pr("opened", 1, release.commit, "feature/pay"))).toMatchObject({ outcome: "created", environment: "pay" });
    expect(await apply(pr("opened", 2, release.commit, "feature/pay"))).toMatchObject({ outcome: "unchanged", environment: "pay" });
    const pay = await env("pay");
    const linked = await connection.db.select({ number: reviewChangeRequests.number }).from(reviewChangeRequests).where(eq(reviewChangeRequests.environmentId, pay.id)).orderBy(reviewChangeRequests.number);
    expect(linked.map((r) => r.number)).toEqual([1, 2]);
    // A release of an older commit of the branch, cut later (slow CI), does not follow into it by itself.
    const older = await makeRelease(connection.db, ci, "3.0.0-pay.0", { branch: "feature/pay", at: clock.now().toISOString(), order: { buildNumber: 0 } });
    expect(
      await connection.db
        .select()
        .from(deployments)
        .where(and(eq(deployments.environmentId, pay.id), eq(deployments.releaseId, older.id))),
    ).toEqual([]);

    expect(await apply(pr("closed", 2, release.commit, "feature/pay"))).toEqual({
      outcome: "kept",
      environment: "pay",
      openRequests: ["pull request #1 of acme/shop"],
      message: "pay stays: pull request #1 of acme/shop still uses it.",
    });
    expect((await env("pay")).state).toBe("provisioning");
    // A redelivered close of #2 still keeps it.
    expect(await apply(pr("closed", 2, release.commit, "feature/pay"))).toMatchObject({ outcome: "kept" });

    expect(await apply(pr("closed", 1, release.commit, "feature/pay"))).toMatchObject({ outcome: "tearing-down", environment: "pay" });
    expect((await env("pay")).state).toBe("tearing-down");
  });

  it("the same number in another repository or provider is another request", async () => {
    const release = await makeRelease(connection.db, ci, "3.1.0-ship.1", { branch: "feature/ship", at: clock.now().toISOString() });
    expect(await apply(pr("opened", 5, release.commit, "feature/ship"))).toMatchObject({ outcome: "created", environment: "ship" });
    expect(await apply(pr("opened", 5, release.commit, "feature/ship", "acme/shop", "acme/shop", "gitlab"))).toMatchObject({ outcome: "unchanged", environment: "ship" });
    expect(await apply(pr("closed", 5, release.commit, "feature/ship"))).toMatchObject({ outcome: "kept", openRequests: ["merge request !5 of acme/shop"] });
    expect(await apply(pr("closed", 5, release.commit, "feature/ship", "acme/shop", "acme/shop", "gitlab"))).toMatchObject({ outcome: "tearing-down" });
  });

  it("a fork's branch with our branch's name gets its own environment; neither tears down the other", async () => {
    const ours = await makeRelease(connection.db, ci, "3.2.0-login.1", { branch: "feature/login", at: clock.now().toISOString() });
    const theirs = await makeRelease(connection.db, ci, "3.2.0-login.alice", { branch: "feature/login", at: clock.now().toISOString() });
    expect(await apply(pr("opened", 10, ours.commit, "feature/login"))).toMatchObject({ outcome: "created", environment: "login" });
    const forked = await apply(pr("opened", 11, theirs.commit, "feature/login", "alice/shop"));
    expect(forked).toMatchObject({ outcome: "created", environment: "alice-login" });
    const aliceEnv = await env("alice-login");
    expect(aliceEnv).toMatchObject({ branch: "feature/login", sourceRepository: "alice/shop" });
    expect((await env("login")).sourceRepository).toBeNull();

    // A new release of our branch follows into ours only.
    clock.advance(60_000);
    const next = await makeRelease(connection.db, ci, "3.2.0-login.2", { branch: "feature/login", at: clock.now().toISOString() });
    const into = async (id: string) => (await connection.db.select({ releaseId: deployments.releaseId }).from(deployments).where(eq(deployments.environmentId, id))).map((d) => d.releaseId);
    expect(await into((await env("login")).id)).toContain(next.id);
    expect(await into(aliceEnv.id)).not.toContain(next.id);

    // The fork's close leaves ours; ours leaves the fork's.
    expect(await apply(pr("closed", 11, theirs.commit, "feature/login", "alice/shop"))).toMatchObject({ outcome: "tearing-down", environment: "alice-login" });
    expect((await env("login")).state).not.toBe("tearing-down");
    expect(await apply(pr("closed", 10, next.commit, "feature/login"))).toMatchObject({ outcome: "tearing-down", environment: "login" });
  });

  it("a fork's request never takes our branch's newest release: it waits for a release of its own head commit", async () => {
    const ours = await makeRelease(connection.db, ci, "3.3.0-menu.1", { branch: "feature/menu", at: clock.now().toISOString() });
    expect(ours.branch).toBe("feature/menu");
    const head = "ab".repeat(20);
    expect(await apply(pr("opened", 20, head, "feature/menu", "bob/shop"))).toMatchObject({ outcome: "waiting-for-release", environment: null });
    // Audited about the request (our repository's #20): no environment names it yet.
    const [delivery] = await connection.db.select().from(auditEvents).where(eq(auditEvents.action, "webhook.pull-request")).orderBy(desc(auditEvents.seq)).limit(1);
    expect(delivery).toMatchObject({ targetType: "pull-request", targetId: "acme/shop#20" });
    expect(await connection.db.select().from(environments).where(eq(environments.branch, "feature/menu"))).toEqual([]);
    const theirs = await makeRelease(connection.db, ci, "3.3.0-menu.bob", { branch: "feature/menu", commit: head, at: clock.now().toISOString() });
    const bobEnv = await env("bob-menu");
    expect(bobEnv).toMatchObject({ sourceRepository: "bob/shop" });
    expect((await connection.db.select().from(deployments).where(eq(deployments.environmentId, bobEnv.id)))[0]).toMatchObject({ releaseId: theirs.id });
    await apply(pr("closed", 20, head, "feature/menu", "bob/shop"));
  });

  it("two requests waiting for their branch's first release: closing one leaves the other waiting, and the release serves it", async () => {
    expect(await apply(pr("opened", 30, "cd".repeat(20), "feature/tax"))).toMatchObject({ outcome: "waiting-for-release" });
    expect(await apply(pr("opened", 31, "cd".repeat(20), "feature/tax"))).toMatchObject({ outcome: "waiting-for-release" });
    expect(await apply(pr("closed", 31, "cd".repeat(20), "feature/tax"))).toMatchObject({ outcome: "nothing-to-tear-down" });
    await makeRelease(connection.db, ci, "3.4.0-tax.1", { branch: "feature/tax", at: clock.now().toISOString() });
    const tax = await env("tax");
    const [request] = await connection.db.select().from(reviewChangeRequests).where(eq(reviewChangeRequests.number, 30));
    expect(request).toMatchObject({ environmentId: tax.id, state: "open" });
    expect(await apply(pr("closed", 30, "cd".repeat(20), "feature/tax"))).toMatchObject({ outcome: "tearing-down", environment: "tax" });
  });
});

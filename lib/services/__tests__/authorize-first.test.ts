import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, deployments } from "@/db/schema";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadHandbookPipeline, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import type { Actor } from "@/lib/auth/actor";
import { withDeniedAudit } from "../authorize";
import { ForbiddenError, ValidationError } from "../errors";
import { decideApproval } from "../approvals";
import { confirmAutomaticRollback, undoAutomaticRollback } from "../auto-rollback";
import { cancelDeployment, requestDeployment, requestRollback } from "../deployments";
import { liftFreeze } from "../freezes";
import { liftHold } from "../holds";
import { resolveIncident } from "../incidents";
import { overrideGate, tickChecklist } from "../preflight";
import { extendReviewEnvironment, giveVerdict, teardownReviewEnvironment } from "../review-environments";
import { createToken, revokeToken } from "../tokens";
import { setUserDisabled } from "../users";
import { deleteConfigVariable, listConfig } from "../config-vars";
import type { ServiceContext } from "../context";

type Call = (ctx: ServiceContext, id: string) => Promise<unknown>;

/** Each mutation a viewer may not do, called with an id that exists and with one that does not. */
const MUTATIONS: [string, Call][] = [
  ["confirm an automatic rollback", (ctx, id) => confirmAutomaticRollback(ctx, { deploymentId: id })],
  ["undo an automatic rollback", (ctx, id) => undoAutomaticRollback(ctx, { deploymentId: id, reason: "false alarm" })],
  ["cancel a deployment", (ctx, id) => cancelDeployment(ctx, { deploymentId: id })],
  ["approve a deployment", (ctx, id) => decideApproval(ctx, { deploymentId: id, decision: "approve", role: "tech-lead" })],
  ["tick a checklist", (ctx, id) => tickChecklist(ctx, { deploymentId: id, item: "x", checked: true })],
  ["override a gate", (ctx, id) => overrideGate(ctx, { deploymentId: id, gate: "window", reason: "because" })],
  ["promote", (ctx) => requestDeployment(ctx, { environment: "qa", releaseId: "rel_doesnotexist" })],
  ["roll an environment back", (ctx) => requestRollback(ctx, { environment: "nosuchenv" })],
  ["lift a hold", (ctx) => liftHold(ctx, { environment: "nosuchenv", reason: "because" })],
  ["lift a freeze", (ctx, id) => liftFreeze(ctx, { freezeId: id, reason: "because" })],
  ["resolve an incident", (ctx, id) => resolveIncident(ctx, { incidentId: id })],
  ["extend a review environment", (ctx) => extendReviewEnvironment(ctx, { name: "nosuch", hours: 1 })],
  ["give a verdict", (ctx) => giveVerdict(ctx, { name: "nosuch", verdict: "accepted" })],
  ["tear down a review environment", (ctx) => teardownReviewEnvironment(ctx, { name: "nosuch" })],
  ["disable a user", (ctx, id) => setUserDisabled(ctx, { userId: id, disabled: true })],
  ["delete a config variable", (ctx) => deleteConfigVariable(ctx, { environment: "nosuchenv", key: "NOPE" })],
];

describe.each(testDatabases)("authorization before any lookup on $name", (database) => {
  let connection: Connection;
  let viewer: Actor;
  let existingDeploymentId: string;
  let developersTokenId: string;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    const developer = await createTestActor(connection.db, ["developer"]);
    viewer = await createTestActor(connection.db, ["viewer"]);
    const release = await makeRelease(connection.db, developer, "1.0.0");
    await placeRelease(connection.db, "dev", release.id, new Date("2026-03-01T09:00:00Z"), developer.id);
    const [row] = await connection.db.select({ id: deployments.id }).from(deployments).where(eq(deployments.releaseId, release.id));
    existingDeploymentId = row!.id;
    developersTokenId = (await createToken(contextFor(connection.db, developer), { name: "ci" })).summary.id;
  });
  afterAll(() => connection.close());

  it("a viewer confirming a promotion (not an automatic rollback) gets 403, not not_automatic_rollback", async () => {
    const error = await confirmAutomaticRollback(contextFor(connection.db, viewer), { deploymentId: existingDeploymentId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).status).toBe(403);
  });

  it.each(MUTATIONS)("a viewer asked to %s gets the same 403 whether or not the target exists, even with malformed input", async (_label, call) => {
    const ctx = contextFor(connection.db, viewer);
    const existing = await call(ctx, existingDeploymentId).catch((e: unknown) => e);
    const missing = await call(ctx, "dep_doesnotexist").catch((e: unknown) => e);
    const malformed = await call(ctx, "\u0000").catch((e: unknown) => e);
    for (const error of [existing, missing, malformed]) expect(error).toBeInstanceOf(ForbiddenError);
    expect((missing as ForbiddenError).message).toBe((existing as ForbiddenError).message);
    expect((malformed as ForbiddenError).message).toBe((existing as ForbiddenError).message);
  });

  // Everyone may revoke their own tokens (self-service), so revoking is not refused by kind: someone
  // else's token and a missing one get the same 403, and a malformed id is a 400 about the text,
  // which says nothing about what exists.
  it("a viewer revoking someone else's token or a missing one gets the same 403; a malformed id is refused as text", async () => {
    const ctx = contextFor(connection.db, viewer);
    const someoneElses = await revokeToken(ctx, { tokenId: developersTokenId }).catch((e: unknown) => e);
    const missing = await revokeToken(ctx, { tokenId: "tok_doesnotexist" }).catch((e: unknown) => e);
    expect(someoneElses).toBeInstanceOf(ForbiddenError);
    expect(missing).toBeInstanceOf(ForbiddenError);
    expect((missing as ForbiddenError).message).toBe((someoneElses as ForbiddenError).message);
    const malformed = await revokeToken(ctx, { tokenId: "\u0000" }).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(ValidationError);
    expect((malformed as ValidationError).message).toBe("The input holds text that cannot be stored in tokenId: must not contain NUL (\\u0000) characters.");
  });

  it("the refusal is audited as denied without naming the target", async () => {
    const before = await connection.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(eq(auditEvents.outcome, "denied"));
    const ctx = contextFor(connection.db, viewer);
    await withDeniedAudit(connection.db, viewer, ctx.clock, () => cancelDeployment(ctx, { deploymentId: "dep_doesnotexist" })).catch(() => {});
    const after = await connection.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(eq(auditEvents.outcome, "denied"));
    expect(after[0]!.n).toBe(before[0]!.n + 1);
  });

  it("a refused read of a named environment records it qualified when it resolves, and as typed otherwise, with the same 403", async () => {
    await loadHandbookPipeline(connection.db); // a second pipeline with a dev of its own: "dev" is ambiguous
    const nobody = await createTestActor(connection.db, []);
    const ctx = contextFor(connection.db, nobody);
    const refuse = (environment: string) => withDeniedAudit(connection.db, nobody, ctx.clock, () => listConfig(ctx, { environment })).catch((e: unknown) => e);
    const refusals = [await refuse("staging"), await refuse("shop/qa"), await refuse("nosuchenv"), await refuse("dev")];
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(ForbiddenError);
    expect(new Set(refusals.map((r) => (r as ForbiddenError).message)).size).toBe(1);
    const denied = await connection.db.select().from(auditEvents).where(eq(auditEvents.actorId, nobody.id)).orderBy(auditEvents.seq);
    expect(denied.map((e) => [e.outcome, e.targetType, e.targetId])).toEqual([
      ["denied", "environment", "shop/staging"],
      ["denied", "environment", "shop/qa"],
      ["denied", "environment", "nosuchenv"],
      ["denied", "environment", "dev"],
    ]);
  });
});

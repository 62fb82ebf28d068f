import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { reviewRequests, type ReviewRequest } from "@/db/schema";
import type { PullRequestEvent } from "@/lib/domain/scm-events";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { ServiceError } from "./errors";
import { createReviewEnvironment, reviewOfBranch } from "./review-environments";
import { webhookActor } from "./webhook-actor";

/**
 * Pull requests waiting for their branch's first release. Source control sends "opened" as the
 * request is opened, before CI has built anything; remembering it lets the review environment
 * appear as soon as the release exists instead of waiting for the next push.
 */

/** Remembers (or refreshes) the request of `event.branch`. Runs in the caller's transaction. */
export async function rememberReviewRequest(tx: Db, ctx: ServiceContext, event: PullRequestEvent): Promise<void> {
  // The request will create a review environment: whoever sends it must be allowed to.
  authorize(ctx, "review.create", { type: "environment" });
  const row = { provider: event.provider, number: event.number, commit: event.commit, requestedAt: ctx.clock.now() };
  await tx
    .insert(reviewRequests)
    .values({ branch: event.branch, ...row })
    .onConflictDoUpdate({ target: reviewRequests.branch, set: row });
}

/** Forgets the request of `branch` (it was closed); whether there was one. */
export async function forgetReviewRequest(tx: Db, branch: string): Promise<ReviewRequest | null> {
  const [removed] = await tx.delete(reviewRequests).where(eq(reviewRequests.branch, branch)).returning();
  return removed ?? null;
}

export async function waitingReviewRequest(db: Db, branch: string): Promise<ReviewRequest | null> {
  const [row] = await db.select().from(reviewRequests).where(eq(reviewRequests.branch, branch));
  return row ?? null;
}

/**
 * Called in the transaction that cuts a release: if a request waits for this branch, its review
 * environment is spun up with the release, on behalf of the webhook that asked. A refusal (say, the
 * quota is full) keeps the request for the branch's next release and says why in the audit trail;
 * it never undoes the release. Returns the new environment's name, if one was created.
 */
export async function fulfilReviewRequest(tx: Db, ctx: ServiceContext, release: { id: string; branch: string; commit: string }): Promise<string | null> {
  const request = await waitingReviewRequest(tx, release.branch);
  if (!request) return null;
  // Made from the board meanwhile: that environment follows the branch already.
  if (await reviewOfBranch(tx, release.branch)) {
    await forgetReviewRequest(tx, release.branch);
    return null;
  }
  const label = `${request.provider === "github" ? "pull request" : "merge request"} #${request.number}`;
  const actor = webhookActor();
  try {
    const created = await tx.transaction(async (savepoint) => {
      const result = await createReviewEnvironment({ db: savepoint, actor, clock: ctx.clock }, { branch: release.branch, releaseId: release.id });
      await forgetReviewRequest(savepoint, release.branch);
      return result;
    });
    return created.environment.name;
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    await recordAudit(tx, actor, ctx.clock, {
      action: "review.request-waiting",
      targetType: "environment",
      targetId: release.branch,
      reason: `${label} still waits for its review environment: ${error.message}`,
      data: { provider: request.provider, number: request.number, releaseId: release.id, code: error.code },
    });
    return null;
  }
}

import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, releases } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import type { PullRequestEvent } from "@/lib/domain/scm-events";
import { recordAudit } from "./audit";
import type { ServiceContext } from "./context";
import { currentRelease } from "./deployment-facts";
import { forgetReviewRequest, rememberReviewRequest } from "./review-requests";
import { webhookActor, type WebhookSender } from "./webhook-actor";
import { createReviewEnvironment, newestReleaseOf, reviewOfBranch, teardownReviewEnvironment, updateReviewEnvironment } from "./review-environments";

export type PullRequestOutcome =
  | { outcome: "created"; environment: string; deploymentId: string; message: string }
  | { outcome: "redeployed"; environment: string; deploymentId: string; message: string }
  | { outcome: "tearing-down"; environment: string; message: string }
  | { outcome: "unchanged" | "waiting-for-release" | "nothing-to-tear-down"; environment: string | null; message: string };

/** The release of the pull request's head commit, else the branch's newest. */
async function releaseFor(db: Db, event: PullRequestEvent) {
  const [exact] = await db.select().from(releases).where(and(eq(releases.branch, event.branch), eq(releases.commit, event.commit))).limit(1);
  return exact ?? (await newestReleaseOf(db, event.branch));
}

/** The release a review environment runs, or is about to (a deployment already requested). */
async function runningOrComing(db: Db, environmentId: string): Promise<Set<string>> {
  const pending = await db
    .select({ releaseId: deployments.releaseId })
    .from(deployments)
    .where(and(eq(deployments.environmentId, environmentId)))
    .orderBy(desc(deployments.createdAt))
    .limit(1);
  const current = await currentRelease(db, environmentId);
  return new Set([...(current ? [current.id] : []), ...pending.map((p) => p.releaseId)]);
}

/**
 * Applies a pull/merge request event (already authenticated): opened → a review environment for
 * the branch with its release; updated → the new release deployed into it; closed → torn down.
 * Acts as Slipway's automation via "webhook"; each delivery is audited with what it did.
 */
export async function applyPullRequestEvent(db: Db, clock: Clock, event: PullRequestEvent, sender: WebhookSender = {}): Promise<PullRequestOutcome> {
  const ctx: ServiceContext = { db, actor: webhookActor(sender), clock };
  const label = `${event.provider === "github" ? "pull request" : "merge request"} #${event.number}`;
  const live = await reviewOfBranch(db, event.branch);
  let result: PullRequestOutcome;

  if (event.action === "closed") {
    if (!live) {
      return db.transaction(async (tx) => {
        const forgotten = await forgetReviewRequest(tx, event.branch);
        const nothing: PullRequestOutcome = {
          outcome: "nothing-to-tear-down",
          environment: null,
          message: `${event.branch} has no live review environment${forgotten ? "; it no longer waits for a release to get one" : ""}.`,
        };
        await recordDelivery(tx, ctx, event, nothing);
        return nothing;
      });
    } else {
      await teardownReviewEnvironment(ctx, { name: live.name, reason: `${label} was closed` });
      return { outcome: "tearing-down", environment: live.name, message: `Tearing down ${live.name}: ${label} was closed.` };
    }
  } else {
    const release = await releaseFor(db, event);
    if (!release) {
      result = {
        outcome: "waiting-for-release",
        environment: live?.name ?? null,
        message: `No release of ${event.branch} yet: ${live ? `${live.name} follows the branch` : "its review environment is spun up"} as soon as CI cuts one.`,
      };
      // Remembered with the audit line below, in one transaction: the release creates the environment.
      if (!live) {
        await db.transaction(async (tx) => {
          await rememberReviewRequest(tx, ctx, event);
          await recordDelivery(tx, ctx, event, result);
        });
        return result;
      }
    } else if (!live) {
      const created = await createReviewEnvironment(ctx, { branch: event.branch, releaseId: release.id });
      return { outcome: "created", environment: created.environment.name, deploymentId: created.deploymentId, message: `Spinning up ${created.environment.name} with ${release.commit.slice(0, 7)} for ${label}.` };
    } else if ((await runningOrComing(db, live.id)).has(release.id)) {
      result = { outcome: "unchanged", environment: live.name, message: `${live.name} already runs ${release.commit.slice(0, 7)}.` };
    } else {
      const deploymentId = await updateReviewEnvironment(ctx, { name: live.name, releaseId: release.id, reason: `${label} was updated` });
      return { outcome: "redeployed", environment: live.name, deploymentId, message: `Deploying ${release.commit.slice(0, 7)} into ${live.name}.` };
    }
  }
  // Nothing changed, but the delivery is still worth a line in the audit trail.
  await db.transaction((tx) => recordDelivery(tx, ctx, event, result));
  return result;
}

function recordDelivery(tx: Db, ctx: ServiceContext, event: PullRequestEvent, result: PullRequestOutcome) {
  return recordAudit(tx, ctx.actor, ctx.clock, {
    action: "webhook.pull-request",
    targetType: "environment",
    targetId: result.environment ?? event.branch,
    reason: result.message,
    data: { provider: event.provider, action: event.action, number: event.number, branch: event.branch, commit: event.commit, outcome: result.outcome },
  });
}

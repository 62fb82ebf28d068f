import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, releases, type Environment } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { isFork, type PullRequestEvent } from "@/lib/domain/scm-events";
import { recordAudit } from "./audit";
import type { ServiceContext } from "./context";
import { ServiceError } from "./errors";
import { currentRelease } from "./promotion-queries";
import { environmentAuditRef } from "./pipeline-scope";
import { changeRequestLabel, changeRequestRef, closeRequest, createForRequest, environmentOfRequest, openRequestsOf, recordOpenRequest } from "./review-requests";
import { webhookActor, type WebhookSender } from "./webhook-actor";
import { newestReleaseOf, teardownReviewEnvironment, updateReviewEnvironment } from "./review-environments";

export type PullRequestOutcome =
  | { outcome: "created"; environment: string; deploymentId: string; message: string }
  | { outcome: "redeployed"; environment: string; deploymentId: string; message: string }
  | { outcome: "tearing-down"; environment: string; message: string }
  | { outcome: "kept"; environment: string; message: string; openRequests: string[] }
  | { outcome: "unchanged" | "waiting-for-release" | "nothing-to-tear-down"; environment: string | null; message: string };

/**
 * The release of the request's head commit; for a request of our own repository, else the branch's
 * newest. A fork's request takes only its exact head commit: its branch name says nothing about
 * which of our releases is its own.
 */
async function releaseFor(db: Db, event: PullRequestEvent) {
  const [exact] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.branch, event.branch), eq(releases.commit, event.commit)))
    .limit(1);
  if (exact || isFork(event)) return exact ?? null;
  return newestReleaseOf(db, event.branch);
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
 * Applies a pull/merge request event (already authenticated): opened → the review environment of
 * the request (its branch's, in its own repository) with its release, and the request recorded as
 * referencing it; updated → the new release deployed into it; closed → the request closed, and the
 * environment torn down only when no other open request references it. Acts as Slipway's
 * automation via "webhook"; each delivery is audited with what it did.
 */
export async function applyPullRequestEvent(db: Db, clock: Clock, event: PullRequestEvent, sender: WebhookSender = {}): Promise<PullRequestOutcome> {
  const ctx: ServiceContext = { db, actor: webhookActor(sender), clock };
  const label = changeRequestLabel(event);
  const live = await environmentOfRequest(db, event);
  let result: PullRequestOutcome;

  if (event.action === "closed") {
    const closed = await db.transaction(async (tx) => {
      await closeRequest(tx, ctx, event);
      if (!live) {
        const nothing: PullRequestOutcome = { outcome: "nothing-to-tear-down", environment: null, message: `${label} (${event.branch}) has no live review environment.` };
        await recordDelivery(tx, ctx, event, nothing, null);
        return nothing;
      }
      const others = await openRequestsOf(tx, live.id, event);
      if (others.length) {
        const kept: PullRequestOutcome = {
          outcome: "kept",
          environment: live.name,
          openRequests: others.map((r) => changeRequestLabel(r)),
          message: `${live.name} stays: ${others.map((r) => changeRequestLabel(r)).join(", ")} still ${others.length === 1 ? "uses" : "use"} it.`,
        };
        await recordDelivery(tx, ctx, event, kept, live);
        return kept;
      }
      return null;
    });
    if (closed) return closed;
    await teardownReviewEnvironment(ctx, { name: live!.name, reason: `${label} was closed` });
    return { outcome: "tearing-down", environment: live!.name, message: `Tearing down ${live!.name}: ${label} was closed and no open request uses it.` };
  }

  const release = await releaseFor(db, event);
  if (!release) {
    result = {
      outcome: "waiting-for-release",
      environment: live?.name ?? null,
      message: isFork(event)
        ? `No release of ${event.commit.slice(0, 7)} (${event.headRepository}:${event.branch}) yet: ${live ? `${live.name} takes it` : "its review environment is spun up"} as soon as CI cuts one.`
        : `No release of ${event.branch} yet: ${live ? `${live.name} follows the branch` : "its review environment is spun up"} as soon as CI cuts one.`,
    };
    // Remembered with the audit line below, in one transaction: the release creates the environment.
    await db.transaction(async (tx) => {
      await recordOpenRequest(tx, ctx, event, live?.id ?? null);
      await recordDelivery(tx, ctx, event, result, live);
    });
    return result;
  }
  let environment = live;
  if (!environment) {
    try {
      const created = await createForRequest(ctx, event, release.id);
      return { outcome: "created", environment: created.environment.name, deploymentId: created.deploymentId, message: `Spinning up ${created.environment.name} with ${release.commit.slice(0, 7)} for ${label}.` };
    } catch (error) {
      // Spun up meanwhile (from the board, or for another request on the branch): this request uses it.
      if (!(error instanceof ServiceError && error.code === "branch_has_review")) throw error;
      environment = await environmentOfRequest(db, event);
      if (!environment) throw error;
    }
  }
  const target = environment;
  await db.transaction((tx) => recordOpenRequest(tx, ctx, event, target.id));
  if ((await runningOrComing(db, target.id)).has(release.id)) {
    result = { outcome: "unchanged", environment: target.name, message: `${target.name} already runs ${release.commit.slice(0, 7)}.` };
  } else {
    const deploymentId = await updateReviewEnvironment(ctx, { name: target.name, releaseId: release.id, reason: `${label} was updated`, explicit: release.commit === event.commit });
    return { outcome: "redeployed", environment: target.name, deploymentId, message: `Deploying ${release.commit.slice(0, 7)} into ${target.name}.` };
  }
  // Nothing changed, but the delivery is still worth a line in the audit trail.
  await db.transaction((tx) => recordDelivery(tx, ctx, event, result, target));
  return result;
}

/**
 * The delivery's audit line: about the review environment it concerns, named qualified, or — when
 * the request has none yet (its pipeline is not known either) — about the pull request itself
 * (`acme/shop#12`, its web address in the data), which a person can open at the provider.
 */
async function recordDelivery(tx: Db, ctx: ServiceContext, event: PullRequestEvent, result: PullRequestOutcome, environment: Pick<Environment, "name" | "pipelineId"> | null) {
  return recordAudit(tx, ctx.actor, ctx.clock, {
    action: "webhook.pull-request",
    ...(environment ? { targetType: "environment", targetId: await environmentAuditRef(tx, environment) } : { targetType: "pull-request", targetId: changeRequestRef(event) }),
    reason: result.message,
    data: { provider: event.provider, action: event.action, repository: event.repository, headRepository: event.headRepository, number: event.number, branch: event.branch, commit: event.commit, outcome: result.outcome, url: event.url },
  });
}

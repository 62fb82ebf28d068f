import { and, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments, reviewChangeRequests, type Environment, type ReviewChangeRequest } from "@/db/schema";
import { isFork, type PullRequestEvent } from "@/lib/domain/scm-events";
import { reviewNameFromBranch } from "@/lib/domain/review-names";
import { recordAudit } from "./audit";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { ServiceError } from "./errors";
import { LIVE_ENVIRONMENT } from "./live-environments";
import { createReviewEnvironment, LIVE_REVIEW_STATES, reviewOfBranch } from "./review-environments";
import { webhookActor } from "./webhook-actor";

/**
 * The change requests (pull / merge requests) that reference review environments. A request is
 * identified by provider, repository and number — never by its branch: two requests may share a
 * branch, and a fork's branch may carry the same name as ours. An environment is torn down by
 * source control only once none of its requests is open. A request opened before its branch had a
 * release waits here with no environment; the first release of its branch (or of its head commit,
 * for a fork) spins the environment up.
 */

export type ChangeRequestKey = Pick<PullRequestEvent, "provider" | "repository" | "number">;

/**
 * How the audit trail names a pull/merge request: `acme/shop#12` (GitHub) or `acme/shop!12`
 * (GitLab), as each provider writes them, so a person finds it there.
 */
export function changeRequestRef(request: { provider: string; number: number; repository: string }): string {
  return `${request.repository}${request.provider === "github" ? "#" : "!"}${request.number}`;
}

/** "pull request #12" or "merge request !12" (with the repository when there is one). */
export function changeRequestLabel(request: { provider: string; number: number; repository?: string }): string {
  return `${request.provider === "github" ? "pull request #" : "merge request !"}${request.number}${request.repository ? ` of ${request.repository}` : ""}`;
}

const keyOf = (request: ChangeRequestKey) => and(eq(reviewChangeRequests.provider, request.provider), eq(reviewChangeRequests.repository, request.repository), eq(reviewChangeRequests.number, request.number));

export async function changeRequestOf(db: Db, request: ChangeRequestKey): Promise<ReviewChangeRequest | null> {
  const [row] = await db.select().from(reviewChangeRequests).where(keyOf(request));
  return row ?? null;
}

/**
 * Records (or refreshes) an open request, referencing `environmentId` when given; a request that
 * references an environment keeps it until it is given another. Runs in the caller's transaction.
 */
export async function recordOpenRequest(tx: Db, ctx: ServiceContext, event: PullRequestEvent, environmentId: string | null): Promise<void> {
  // An open request leads to a review environment: whoever sends it must be allowed to create one.
  authorize(ctx, "review.create", { type: "environment" });
  const now = ctx.clock.now();
  const row = { headRepository: event.headRepository, branch: event.branch, headCommit: event.commit, state: "open" as const, updatedAt: now, closedAt: null };
  await tx
    .insert(reviewChangeRequests)
    .values({ provider: event.provider, repository: event.repository, number: event.number, ...row, environmentId, openedAt: now })
    .onConflictDoUpdate({
      target: [reviewChangeRequests.provider, reviewChangeRequests.repository, reviewChangeRequests.number],
      set: { ...row, environmentId: environmentId ?? sql`${reviewChangeRequests.environmentId}` },
    });
}

/** Marks a request closed; returns it as it was (null when Slipway never saw it open). */
export async function closeRequest(tx: Db, ctx: ServiceContext, event: PullRequestEvent): Promise<ReviewChangeRequest | null> {
  const before = await changeRequestOf(tx, event);
  if (before) await tx.update(reviewChangeRequests).set({ state: "closed", headCommit: event.commit, updatedAt: ctx.clock.now(), closedAt: ctx.clock.now() }).where(keyOf(event));
  return before;
}

/** The open requests that reference an environment (other than `except`). */
export async function openRequestsOf(db: Db, environmentId: string, except?: ChangeRequestKey): Promise<ReviewChangeRequest[]> {
  const rows = await db
    .select()
    .from(reviewChangeRequests)
    .where(and(eq(reviewChangeRequests.environmentId, environmentId), eq(reviewChangeRequests.state, "open")));
  return except ? rows.filter((r) => !(r.provider === except.provider && r.repository === except.repository && r.number === except.number)) : rows;
}

/** The live review environment of a fork's branch (never one of ours with the same name). */
async function reviewOfForkBranch(db: Db, headRepository: string, branch: string): Promise<Environment | null> {
  const [row] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.kind, "review"), eq(environments.branch, branch), eq(environments.sourceRepository, headRepository), inArray(environments.state, [...LIVE_REVIEW_STATES])))
    .limit(1);
  return row ?? null;
}

/**
 * The live review environment a request uses: the one it references, else the one of its branch in
 * its own repository (ours for a request from our repository, the fork's for a fork).
 */
export async function environmentOfRequest(db: Db, event: PullRequestEvent): Promise<Environment | null> {
  const request = await changeRequestOf(db, event);
  if (request?.environmentId) {
    const [linked] = await db
      .select()
      .from(environments)
      .where(and(eq(environments.id, request.environmentId), inArray(environments.state, [...LIVE_REVIEW_STATES])));
    if (linked) return linked;
  }
  return isFork(event) ? reviewOfForkBranch(db, event.headRepository, event.branch) : reviewOfBranch(db, event.branch);
}

/**
 * Creates the review environment of a request with `releaseId` and makes the request reference it,
 * in one transaction. A fork's environment records the fork and gets a name of its own
 * ("alice-checkout"), so it never shares with our branch of the same name.
 *
 * @returns the review environment (`provisioning`) and the id of the deployment that fills it
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `branch_has_review`, `duplicate_deployment`, `duplicate_name`; 422 `gate_failed`, `no_eligible_approvers`, `other_pipeline`, `quota_per_person`, `quota_total`, `source_not_allowed`, a promotion refusal (`PROMOTION_REFUSAL_CODES`)
 */
export async function createForRequest(ctx: ServiceContext, event: PullRequestEvent, releaseId: string): Promise<{ environment: Environment; deploymentId: string }> {
  return ctx.db.transaction(async (tx) => {
    const fork = isFork(event);
    let name: string | undefined;
    if (fork) {
      const taken = new Set((await tx.select({ name: environments.name }).from(environments).where(LIVE_ENVIRONMENT)).map((e) => e.name));
      const owner = event.headRepository.split("/")[0]!.replace(/[^A-Za-z0-9-]+/g, "-");
      name = reviewNameFromBranch(`${owner}-${event.branch.split("/").filter(Boolean).at(-1) ?? "review"}`, taken);
    }
    const created = await createReviewEnvironment({ ...ctx, db: tx }, { branch: event.branch, releaseId, ...(name ? { name } : {}) }, { sourceRepository: fork ? event.headRepository : null });
    await recordOpenRequest(tx, ctx, event, created.environment.id);
    return created;
  });
}

/**
 * Called in the transaction that cuts a release: open requests that wait for an environment —
 * those of our repository on the release's branch, and forks' requests whose head is exactly this
 * commit — get it now, on behalf of the webhook that asked. Requests of our branch share its one
 * environment. A refusal (say, the quota is full) keeps them waiting for the branch's next release
 * and says why in the audit trail; it never undoes the release. Returns the environments created.
 */
export async function fulfilReviewRequest(tx: Db, ctx: ServiceContext, release: { id: string; branch: string; commit: string }): Promise<string[]> {
  const waiting = await tx
    .select()
    .from(reviewChangeRequests)
    .where(
      and(
        eq(reviewChangeRequests.state, "open"),
        isNull(reviewChangeRequests.environmentId),
        eq(reviewChangeRequests.branch, release.branch),
        or(eq(reviewChangeRequests.headRepository, reviewChangeRequests.repository), eq(reviewChangeRequests.headCommit, release.commit)),
      ),
    );
  if (!waiting.length) return [];
  const actor = webhookActor();
  const created: string[] = [];
  // Ours first (one environment for all of them), then each fork on its own.
  const groups = new Map<string, ReviewChangeRequest[]>();
  for (const request of waiting) {
    const group = request.headRepository === request.repository ? "" : request.headRepository;
    groups.set(group, [...(groups.get(group) ?? []), request]);
  }
  for (const [headRepository, requests] of groups) {
    const event = asEvent(requests[0]!, release.commit);
    // Made from the board (or by another request) meanwhile: the requests reference that one.
    const existing = headRepository ? await reviewOfForkBranch(tx, headRepository, release.branch) : await reviewOfBranch(tx, release.branch);
    if (existing) {
      await linkAll(tx, requests, existing.id);
      continue;
    }
    try {
      const result = await tx.transaction(async (savepoint) => {
        const made = await createForRequest({ db: savepoint, actor, clock: ctx.clock }, event, release.id);
        await linkAll(savepoint, requests, made.environment.id);
        return made;
      });
      created.push(result.environment.name);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      await recordAudit(tx, actor, ctx.clock, {
        action: "review.request-waiting",
        // The release that could not be given an environment: a page to follow, in its pipeline.
        targetType: "release",
        targetId: release.id,
        reason: `${requests.map(changeRequestLabel).join(", ")} still wait${requests.length === 1 ? "s" : ""} for a review environment: ${error.message}`,
        data: { requests: requests.map((r) => ({ provider: r.provider, repository: r.repository, number: r.number })), releaseId: release.id, code: error.code },
      });
    }
  }
  return created;
}

function asEvent(request: ReviewChangeRequest, commit: string): PullRequestEvent {
  return {
    provider: request.provider as PullRequestEvent["provider"],
    action: "opened",
    branch: request.branch,
    commit,
    number: request.number,
    repository: request.repository,
    headRepository: request.headRepository,
    title: "",
    url: null,
    sender: null,
  };
}

async function linkAll(tx: Db, requests: ReviewChangeRequest[], environmentId: string): Promise<void> {
  for (const request of requests) {
    await tx
      .update(reviewChangeRequests)
      .set({ environmentId })
      .where(and(keyOf(asEvent(request, request.headCommit)), ne(reviewChangeRequests.state, "closed")));
  }
}

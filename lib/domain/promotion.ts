import type { DeploymentKind, DeploymentState } from "@/db/schema/enums";
import { compareCommits, unknownOrderMessage, type CommitFacts, type ParentGraph } from "./commit-order";
import { isActive, isForwardKind } from "./deployment-state";

/** A release as the promotion rules see it (with what CI said about its commit's order). */
export interface ReleaseFacts extends CommitFacts {
  id: string;
  commit: string;
  branch: string;
  createdAt: Date;
}

/** The environment being deployed into, and where it sits in the chain. */
export interface TargetFacts {
  name: string;
  kind: "fixed" | "review";
  /** 0 for the first environment of the chain. */
  position: number | null;
  /** The first environment's branch: the branch whose releases enter the chain. */
  entryBranch: string | null;
  /** The environment before this one in the chain. */
  previous: string | null;
  /** What it runs now. */
  current: ReleaseFacts | null;
  /** The last environment of the chain (prod): the only one a fast-track goes to. */
  isLast: boolean;
  /** Branches whose releases may be fast-tracked here (slipway.yaml fastTrack), or null when not configured. */
  fastTrackBranches: readonly string[] | null;
  /** A review environment's branch: the only branch whose releases it runs. */
  branch?: string | null;
}

/** Why the promotion rules refuse a deployment request (each is a 422 `RuleError` code). */
export const PROMOTION_REFUSAL_CODES = [
  "already_running",
  "commit_order_unknown",
  "fast_track_branch",
  "fast_track_not_configured",
  "never_ran_here",
  "not_current",
  "not_in_previous",
  "older_commit",
  "review_environment",
  "wrong_branch",
] as const;
export type PromotionRefusalCode = (typeof PROMOTION_REFUSAL_CODES)[number];

/** What the promotion rules say about one deployment request: allowed, or refused with a code and the reason. */
export type RuleOutcome = { ok: true } | { ok: false; code: PromotionRefusalCode; message: string };

const refuse = (code: PromotionRefusalCode, message: string): RuleOutcome => ({ ok: false, code, message });
const short = (r: ReleaseFacts) => r.commit.slice(0, 7);

/**
 * Whether `release` may be deployed into `target` as `kind`. Promotion moves one step along the
 * chain (skipping environments is the fast-track's job); an older release never overwrites a newer
 * one except through an explicit rollback; a rollback goes only to a release that succeeded there.
 */
export function checkDeploymentRequest(input: {
  kind: DeploymentKind;
  release: ReleaseFacts;
  target: TargetFacts;
  /** The release succeeded in (or runs in) the previous environment. */
  succeededInPrevious: boolean;
  /** The release succeeded in the target before (what a rollback may return to). */
  succeededInTarget: boolean;
  /** A delivery lead accepted the release in a review environment cloned from the target. */
  acceptedInReview?: boolean;
  /** Slipway's automation asks (auto-promotion, a branch's review environment following it), not a person. */
  automated?: boolean;
  /** Parents of other known releases, to follow ancestry between commits. */
  graph?: ParentGraph;
  /** Releases of forward deployments already on their way into the target (waiting, queued, rolling out). */
  incoming?: readonly ReleaseFacts[];
}): RuleOutcome {
  const { kind, release, target } = input;
  if (target.kind === "review") {
    if (kind === "promote") {
      if (target.branch && release.branch !== target.branch) {
        return refuse("wrong_branch", `${target.name} is the review environment of ${target.branch}; release ${short(release)} is from ${release.branch}.`);
      }
      if (target.current?.id === release.id) return refuse("already_running", `${target.name} already runs release ${short(release)}. To put it out again, redeploy it.`);
      return forwardOnly(input);
    }
    if (kind !== "redeploy" && kind !== "rollback" && kind !== "config") {
      return refuse("review_environment", `${target.name} is a review environment: it takes releases of its branch, never a ${kind}.`);
    }
  }
  switch (kind) {
    case "promote": {
      if (target.current?.id === release.id) {
        return refuse("already_running", `${target.name} already runs release ${short(release)}. To put it out again, redeploy it.`);
      }
      if (target.position === 0) {
        if (target.entryBranch && release.branch !== target.entryBranch) {
          return refuse("wrong_branch", `${target.name} takes releases of ${target.entryBranch}; release ${short(release)} is from ${release.branch}.`);
        }
      } else if (!input.succeededInPrevious && !input.acceptedInReview) {
        return refuse("not_in_previous", `Release ${short(release)} has not succeeded in ${target.previous ?? "the previous environment"} yet: promote it there first (releases move one environment at a time).`);
      }
      return forwardOnly(input);
    }
    case "rollback": {
      if (target.current?.id === release.id) return refuse("already_running", `${target.name} already runs release ${short(release)}.`);
      if (!input.succeededInTarget) {
        return refuse("never_ran_here", `Release ${short(release)} never ran successfully in ${target.name}, so it is not a safe place to roll back to.`);
      }
      return { ok: true };
    }
    case "redeploy":
    case "config": {
      if (target.current?.id !== release.id) {
        return refuse("not_current", `A ${kind} puts out what ${target.name} runs now${target.current ? ` (${short(target.current)})` : ""}; use promote or rollback to change the release.`);
      }
      return { ok: true };
    }
    case "fast-track": {
      if (!target.isLast || !target.fastTrackBranches) {
        return refuse("fast_track_not_configured", `${target.name} does not take fast-tracks: slipway.yaml allows them only on the last environment, under fastTrack.`);
      }
      if (!target.fastTrackBranches.includes(release.branch)) {
        return refuse("fast_track_branch", `Only releases of ${target.fastTrackBranches.join(", ")} may be fast-tracked to ${target.name}; release ${short(release)} is from ${release.branch}.`);
      }
      if (target.current?.id === release.id) return refuse("already_running", `${target.name} already runs release ${short(release)}.`);
      return forwardOnly(input);
    }
  }
}

/**
 * Commit order for forward deployments (promote, fast-track). Automation moves an environment only
 * to a commit it can show is newer than what runs — never older, never a guess. A person may choose
 * any release explicitly (the gates still apply); an older one is allowed then, not refused.
 */
function forwardOnly(input: { release: ReleaseFacts; target: TargetFacts; automated?: boolean; graph?: ParentGraph; incoming?: readonly ReleaseFacts[] }): RuleOutcome {
  const { release, target } = input;
  if (!input.automated) return { ok: true };
  // What runs, and what is already on its way in: automation replaces neither with an older commit.
  const ahead = [...(target.current ? [{ facts: target.current, what: "runs" }] : []), ...(input.incoming ?? []).filter((r) => r.id !== release.id).map((facts) => ({ facts, what: "is about to get" }))];
  for (const { facts, what } of ahead) {
    const { order } = compareCommits(release, facts, input.graph);
    if (order === "older" || order === "same") {
      return refuse("older_commit", `${target.name} ${what} ${short(facts)}, a newer commit than ${short(release)}: automation never moves an environment to an older commit (a person may still choose it).`);
    }
    if (order === "unknown") return refuse("commit_order_unknown", unknownOrderMessage(release, facts));
  }
  return { ok: true };
}

/** A deployment already in the environment's queue, as the queueing rules see it. */
export interface QueuedDeployment {
  id: string;
  kind: DeploymentKind;
  state: DeploymentState;
  releaseId: string;
}

export type QueuePlan = { ok: true; supersede: string[] } | { ok: false; duplicateOf: string };

/**
 * How a new request joins an environment's queue. The exact same request (release and kind) while
 * one is active is a duplicate. A newer forward deployment, or a rollback, replaces forward
 * deployments that have not started; one that is rolling out is never interrupted.
 */
export function planQueue(existing: QueuedDeployment[], request: { kind: DeploymentKind; releaseId: string }): QueuePlan {
  const active = existing.filter((d) => isActive(d.state));
  const duplicate = active.find((d) => d.releaseId === request.releaseId && d.kind === request.kind);
  if (duplicate) return { ok: false, duplicateOf: duplicate.id };
  const replaces = isForwardKind(request.kind) || request.kind === "rollback";
  const supersede = replaces ? active.filter((d) => (d.state === "waiting" || d.state === "queued") && isForwardKind(d.kind)).map((d) => d.id) : [];
  return { ok: true, supersede };
}

/** A past deployment into the environment, newest first, for choosing a rollback target. */
export interface PastDeployment {
  releaseId: string;
  state: DeploymentState;
}

/**
 * The release to roll back to by default: the newest release that succeeded in this environment
 * (and was not itself rolled back) other than the one running now.
 */
export function previousGoodRelease(history: PastDeployment[], currentReleaseId: string | null): string | null {
  return history.find((d) => d.state === "succeeded" && d.releaseId !== currentReleaseId)?.releaseId ?? null;
}

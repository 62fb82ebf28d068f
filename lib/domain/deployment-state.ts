import type { DeploymentKind, DeploymentState } from "@/db/schema/enums";

/**
 * The deployment state machine. A deployment waits on its gates, queues behind another rollout,
 * runs, verifies, and ends in exactly one terminal state. Anything not listed here is refused.
 */
const TRANSITIONS: Record<DeploymentState, readonly DeploymentState[]> = {
  waiting: ["queued", "running", "cancelled", "superseded", "failed"],
  queued: ["waiting", "running", "cancelled", "superseded", "failed"],
  running: ["verifying", "failed"],
  verifying: ["succeeded", "failed"],
  // A succeeded deployment is marked rolled-back when a later rollback undoes it.
  succeeded: ["rolled-back"],
  failed: [],
  cancelled: [],
  superseded: [],
  "rolled-back": [],
};

export function canTransition(from: DeploymentState, to: DeploymentState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: DeploymentState,
    readonly to: DeploymentState,
  ) {
    super(`A deployment cannot go from ${from} to ${to}.`);
  }
}

export function assertTransition(from: DeploymentState, to: DeploymentState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** Still occupying, or waiting for, its environment. */
export function isActive(state: DeploymentState): boolean {
  return state === "waiting" || state === "queued" || state === "running" || state === "verifying";
}

/** Touching the platform right now: at most one per environment. */
export function isRollingOut(state: DeploymentState): boolean {
  return state === "running" || state === "verifying";
}

export function isTerminal(state: DeploymentState): boolean {
  return TRANSITIONS[state].length === 0 || state === "succeeded";
}

/** Cancel is for deployments that have not started rolling out. */
export function isCancellable(state: DeploymentState): boolean {
  return state === "waiting" || state === "queued";
}

/** Kinds that move a new release forward (and may be superseded by a newer one while queued). */
export function isForwardKind(kind: DeploymentKind): boolean {
  return kind === "promote" || kind === "fast-track";
}

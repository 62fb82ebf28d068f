import type { EnvironmentState } from "./vocabulary";

/**
 * The environment state machine, as the code moves environments today. A fixed environment is
 * `active`, `retired` when slipway.yaml drops it, and `active` again when it comes back. A review
 * environment is created `provisioning`, is `ready` once its first release runs (or `failed` when
 * that first rollout fails), sleeps when idle and wakes when opened, and from any live state is
 * torn down: `tearing-down` until the controller has stopped it, then `torn-down` for good.
 * Anything not listed here is refused.
 */
const TRANSITIONS: Record<EnvironmentState, readonly EnvironmentState[]> = {
  active: ["retired"],
  retired: ["active"],
  provisioning: ["ready", "failed", "tearing-down"],
  ready: ["sleeping", "tearing-down"],
  sleeping: ["waking", "tearing-down"],
  waking: ["ready", "tearing-down"],
  failed: ["tearing-down"],
  "tearing-down": ["torn-down"],
  "torn-down": [],
};

export function canTransitionEnvironment(from: EnvironmentState, to: EnvironmentState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class IllegalEnvironmentTransitionError extends Error {
  constructor(
    readonly from: EnvironmentState,
    readonly to: EnvironmentState,
  ) {
    super(`An environment cannot go from ${from} to ${to}.`);
  }
}

/** Throws IllegalEnvironmentTransitionError when the table does not allow `from → to`. */
export function assertEnvironmentTransition(from: EnvironmentState, to: EnvironmentState): void {
  if (!canTransitionEnvironment(from, to)) throw new IllegalEnvironmentTransitionError(from, to);
}

import type { DeploymentKind, Strategy } from "@/db/schema/enums";
import type { MigrationDecision } from "./migrations";

/**
 * What a deployment does, as an ordered list of steps. Steps of one group run in parallel (one per
 * app); groups run in order. Each step is idempotent, so after a crash the controller re-runs the
 * step that was in flight and carries on.
 */
export type StepAction =
  /** Create a review environment's addresses and copy its source's data into it. */
  | "provision"
  /** Run the app's migration job once, with the new build's code. */
  | "migrate"
  /** Close every app for maintenance: requests get 503 with Retry-After (recreate). */
  | "close"
  /** Stop the running release (recreate: old and new never run side by side). */
  | "stop-old"
  /** Start the new release beside the old one, without traffic. */
  | "start"
  /** Every instance answers healthy and reports exactly the deployed version and commit. */
  | "verify"
  /** Send a share of the traffic to the new release and watch it (rolling). */
  | "shift"
  /** Point every app's address at the new release (the old one stays warm as standby). */
  | "switch"
  /** Reopen after maintenance (recreate). */
  | "reopen"
  /** An HTTP smoke check through the environment's address. */
  | "smoke"
  /** A configured hook job (e.g. syncing a branch after a prod deploy). */
  | "hook"
  /** Switch back to the target release if it is still warm, else start, verify and switch to it. */
  | "rollback"
  /** Stop the previous release when nothing needs it warm. */
  | "retire";

export interface PlannedStep {
  name: string;
  app: string | null;
  action: StepAction;
  group: number;
  /** Planned as skipped, with the reason shown on the deployment page. */
  skipped?: string;
  /** A failure is recorded but does not fail the deployment (hooks after the release is live). */
  optional?: boolean;
  /** The share of traffic for a shift, the index of a smoke check or hook. */
  percent?: number;
  index?: number;
}

export interface RolloutInput {
  apps: readonly string[];
  kind: DeploymentKind;
  strategy: Strategy;
  /** Per app with migrations configured: whether they run and why (absent: nothing to migrate). */
  migrations: Readonly<Record<string, MigrationDecision>>;
  smoke: readonly { name: string; app: string }[];
  hooks: readonly { name: string; app: string; job: string }[];
  /** Shares of traffic a rolling rollout passes through before the full switch. */
  rollingSteps?: readonly number[];
  /** A new review environment: clone this environment's data first. */
  provisionFrom?: string | null;
  /** Nothing runs in the environment yet: there is no traffic to move over and nothing to retire. */
  firstRelease?: boolean;
}

export const DEFAULT_ROLLING_STEPS = [25, 50, 75] as const;

/** How each strategy replaces the running release (blue-green keeps the previous one warm). */
export function planRollout(input: RolloutInput): PlannedStep[] {
  const steps: PlannedStep[] = [];
  let group = 0;
  const add = (list: Omit<PlannedStep, "group">[]) => {
    if (!list.length) return;
    steps.push(...list.map((s) => ({ ...s, group })));
    group += 1;
  };
  const perApp = (action: StepAction, label: string) => input.apps.map((app) => ({ name: `${label} ${app}`, app, action }));
  const migrations = () =>
    input.apps
      .filter((app) => input.migrations[app])
      .map((app) => {
        const decision = input.migrations[app]!;
        return { name: `Migrate ${app}`, app, action: "migrate" as const, ...(decision.run ? {} : { skipped: decision.reason }) };
      });
  const smoke = () => input.smoke.map((check, index) => ({ name: `Smoke check: ${check.name}`, app: check.app, action: "smoke" as const, index }));
  const hooks = () => input.hooks.map((hook, index) => ({ name: `Hook ${hook.name}`, app: hook.app, action: "hook" as const, index, optional: true }));
  if (input.provisionFrom) add([{ name: `Clone ${input.provisionFrom}'s data`, app: null, action: "provision" }]);

  if (input.kind === "rollback") {
    // Rolling back never re-runs migrations: the schema stays where it is (migrations must be backward compatible).
    add(perApp("rollback", "Roll back"));
    add(perApp("verify", "Verify"));
    add(smoke());
    add(perApp("retire", "Retire rolled-back"));
    return steps;
  }

  if (input.strategy === "recreate") {
    add([{ name: "Close for maintenance", app: null, action: "close" }]);
    add(perApp("stop-old", "Stop old"));
    add(migrations());
    add(perApp("start", "Start"));
    add(perApp("verify", "Verify"));
    add([{ name: "Switch traffic", app: null, action: "switch" }]);
    add([{ name: "Reopen", app: null, action: "reopen" }]);
    add(smoke());
    add(hooks());
    return steps;
  }

  add(migrations());
  add(perApp("start", "Start"));
  add(perApp("verify", "Verify"));
  if (input.strategy === "rolling" && !input.firstRelease) {
    for (const percent of input.rollingSteps ?? DEFAULT_ROLLING_STEPS) add([{ name: `Shift ${percent}% of traffic`, app: null, action: "shift", percent }]);
  }
  add([{ name: "Switch traffic", app: null, action: "switch" }]);
  add(smoke());
  add(hooks());
  // Blue-green keeps the previous release warm for an instant rollback; the controller stops it when warmFor ends.
  if (input.strategy !== "blue-green" && !input.firstRelease) add(perApp("retire", "Retire previous"));
  return steps;
}

import type { DeploymentKind } from "@/db/schema/enums";

/**
 * What a deployment does, as an ordered list of steps. Steps of one group run in parallel (one per
 * app); groups run in order. Each step is idempotent, so after a crash the controller re-runs the
 * step that was in flight and carries on.
 */
export type StepAction =
  /** Start the new release beside the old one, without traffic. */
  | "start"
  /** The new release's instances answer healthy and report exactly the deployed version and commit. */
  | "verify"
  /** Point every app's address at the new release (the old one stays warm as standby). */
  | "switch"
  /** Switch back to the previous release if it is still warm, else start, verify and switch to it. */
  | "rollback"
  /** Stop the previous release when nothing needs it warm. */
  | "retire";

export interface PlannedStep {
  name: string;
  app: string | null;
  action: StepAction;
  group: number;
}

export function planRollout(apps: readonly string[], kind: DeploymentKind, options: { keepPreviousWarm: boolean }): PlannedStep[] {
  const perApp = (action: StepAction, group: number, label: string) => apps.map((app) => ({ name: `${label} ${app}`, app, action, group }));
  if (kind === "rollback") {
    return [...perApp("rollback", 0, "Roll back"), ...perApp("verify", 1, "Verify"), ...(options.keepPreviousWarm ? [] : perApp("retire", 2, "Retire previous"))];
  }
  return [
    ...perApp("start", 0, "Start"),
    ...perApp("verify", 1, "Verify"),
    { name: "Switch traffic", app: null, action: "switch", group: 2 },
    ...(options.keepPreviousWarm ? [] : perApp("retire", 3, "Retire previous")),
  ];
}

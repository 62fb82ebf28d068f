import type { DeploymentState } from "@/db/schema/enums";
import type { StepAction } from "./rollout-plan";

/** What the controller recorded of one step: its state and its planned action (steps' `detail`). */
export interface StepProgress {
  state: string;
  detail: unknown;
}

const PHRASE: Record<StepAction, string> = {
  provision: "cloning data",
  migrate: "running migrations",
  close: "closing for maintenance",
  "stop-old": "replacing (closed)",
  start: "starting the new release",
  verify: "verifying",
  shift: "shifting traffic",
  switch: "switching traffic",
  reopen: "reopening",
  smoke: "smoke checks",
  hook: "running hooks",
  rollback: "rolling back",
  retire: "retiring the previous release",
};

function actionOf(detail: unknown): { action: StepAction; percent?: number } | null {
  if (!detail || typeof detail !== "object") return null;
  const { action, percent } = detail as { action?: unknown; percent?: unknown };
  if (typeof action !== "string" || !(action in PHRASE)) return null;
  return { action: action as StepAction, percent: typeof percent === "number" ? percent : undefined };
}

/**
 * What a rolling-out deployment is doing right now, in a few words for its status badge:
 * "shifting traffic 50 %", "closing for maintenance", "verifying". Taken from the step in flight
 * (the first running one, in plan order); between steps, from the next pending one. Null when the
 * deployment is not running or verifying, or its steps say nothing (the badge then shows its state).
 */
export function deploymentActivity(state: DeploymentState, steps: readonly StepProgress[]): string | null {
  if (state !== "running" && state !== "verifying") return null;
  const current = steps.find((s) => s.state === "running") ?? steps.find((s) => s.state === "pending");
  const planned = current ? actionOf(current.detail) : null;
  if (!planned) return null;
  if (planned.action === "shift" && planned.percent !== undefined) return `shifting traffic ${planned.percent} %`;
  return PHRASE[planned.action];
}

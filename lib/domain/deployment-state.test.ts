import { describe, expect, it } from "vitest";
import { DEPLOYMENT_STATES, type DeploymentState } from "@/db/schema/enums";
import { ACTIVE_DEPLOYMENT_STATES, FINISHED_DEPLOYMENT_STATES, PENDING_DEPLOYMENT_STATES, ROLLING_OUT_DEPLOYMENT_STATES } from "./vocabulary";
import { IllegalTransitionError, assertTransition, canTransition, isActive, isCancellable, isRollingOut, isTerminal } from "./deployment-state";

const ALLOWED: [DeploymentState, DeploymentState][] = [
  ["waiting", "queued"],
  ["waiting", "running"],
  ["waiting", "cancelled"],
  ["waiting", "superseded"],
  ["waiting", "failed"],
  ["queued", "waiting"],
  ["queued", "running"],
  ["queued", "cancelled"],
  ["queued", "superseded"],
  ["queued", "failed"],
  ["running", "verifying"],
  ["running", "failed"],
  ["verifying", "succeeded"],
  ["verifying", "failed"],
  ["succeeded", "rolled-back"],
];

describe("the deployment state machine", () => {
  it("allows exactly the listed transitions", () => {
    for (const from of DEPLOYMENT_STATES) {
      for (const to of DEPLOYMENT_STATES) {
        const expected = ALLOWED.some(([a, b]) => a === from && b === to);
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it("refuses a rolling-out deployment being cancelled or skipping verification", () => {
    expect(() => assertTransition("running", "cancelled")).toThrow(IllegalTransitionError);
    expect(() => assertTransition("running", "succeeded")).toThrow("cannot go from running to succeeded");
    expect(() => assertTransition("failed", "running")).toThrow(IllegalTransitionError);
  });

  it("classifies states", () => {
    expect(DEPLOYMENT_STATES.filter(isActive)).toEqual(["waiting", "queued", "running", "verifying"]);
    expect(DEPLOYMENT_STATES.filter(isRollingOut)).toEqual(["running", "verifying"]);
    expect(DEPLOYMENT_STATES.filter(isCancellable)).toEqual(["waiting", "queued"]);
    expect(DEPLOYMENT_STATES.filter(isTerminal)).toEqual(["succeeded", "failed", "cancelled", "superseded", "rolled-back"]);
  });

  it("exports the state lists the classifiers describe", () => {
    expect(DEPLOYMENT_STATES.filter(isActive)).toEqual([...ACTIVE_DEPLOYMENT_STATES]);
    expect(DEPLOYMENT_STATES.filter(isRollingOut)).toEqual([...ROLLING_OUT_DEPLOYMENT_STATES]);
    expect(DEPLOYMENT_STATES.filter(isCancellable)).toEqual([...PENDING_DEPLOYMENT_STATES]);
    expect(DEPLOYMENT_STATES.filter(isTerminal)).toEqual([...FINISHED_DEPLOYMENT_STATES]);
  });
});

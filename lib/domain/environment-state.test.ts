import { describe, expect, it } from "vitest";
import { IllegalEnvironmentTransitionError, assertEnvironmentTransition, canTransitionEnvironment } from "./environment-state";
import { ASLEEP_OR_GONE_ENVIRONMENT_STATES, ENVIRONMENT_STATES, GONE_ENVIRONMENT_STATES, LIVE_REVIEW_ENVIRONMENT_STATES, STOPPED_ENVIRONMENT_STATES, UNSETTLED_ENVIRONMENT_STATES, type EnvironmentState } from "./vocabulary";

const ALLOWED: [EnvironmentState, EnvironmentState][] = [
  ["active", "retired"],
  ["retired", "active"],
  ["provisioning", "ready"],
  ["provisioning", "failed"],
  ["provisioning", "tearing-down"],
  ["ready", "sleeping"],
  ["ready", "tearing-down"],
  ["sleeping", "waking"],
  ["sleeping", "tearing-down"],
  ["waking", "ready"],
  ["waking", "tearing-down"],
  ["failed", "tearing-down"],
  ["tearing-down", "torn-down"],
];

describe("the environment state machine", () => {
  it("allows exactly the listed transitions", () => {
    for (const from of ENVIRONMENT_STATES) {
      for (const to of ENVIRONMENT_STATES) {
        const expected = ALLOWED.some(([a, b]) => a === from && b === to);
        expect(canTransitionEnvironment(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it("lets every live review environment be torn down", () => {
    for (const from of LIVE_REVIEW_ENVIRONMENT_STATES) expect(canTransitionEnvironment(from, "tearing-down"), from).toBe(true);
  });

  it("refuses crossing between fixed and review states, skipping teardown, and coming back from torn-down", () => {
    expect(() => assertEnvironmentTransition("active", "ready")).toThrow(IllegalEnvironmentTransitionError);
    expect(() => assertEnvironmentTransition("ready", "torn-down")).toThrow("An environment cannot go from ready to torn-down.");
    expect(() => assertEnvironmentTransition("torn-down", "provisioning")).toThrow(IllegalEnvironmentTransitionError);
    expect(() => assertEnvironmentTransition("failed", "ready")).toThrow(IllegalEnvironmentTransitionError);
    expect(() => assertEnvironmentTransition("sleeping", "ready")).toThrow(IllegalEnvironmentTransitionError);
    expect(() => assertEnvironmentTransition("ready", "ready")).toThrow(IllegalEnvironmentTransitionError);
  });
});

describe("environment state lists", () => {
  it("name the states the code filters on", () => {
    expect(GONE_ENVIRONMENT_STATES).toEqual(["torn-down", "retired"]);
    expect(ASLEEP_OR_GONE_ENVIRONMENT_STATES).toEqual(["torn-down", "retired", "sleeping"]);
    expect(STOPPED_ENVIRONMENT_STATES).toEqual(["torn-down", "retired", "sleeping", "tearing-down"]);
    expect(UNSETTLED_ENVIRONMENT_STATES).toEqual(["torn-down", "retired", "sleeping", "tearing-down", "provisioning", "waking"]);
  });
});

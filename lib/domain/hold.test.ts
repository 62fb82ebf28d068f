import { describe, expect, it } from "vitest";
import { automationOf, holdEffect } from "./hold";

describe("what a hold does", () => {
  it("stops automatic promotion only, and says so for each kind of environment", () => {
    expect(automationOf({ kind: "fixed", settings: { autoPromote: true } })).toBe("auto-promote");
    expect(automationOf({ kind: "fixed", settings: {} })).toBe("none");
    expect(automationOf({ kind: "review", settings: {} })).toBe("follows-branch");
    const who = "a delivery lead or admin";
    expect(holdEffect("qa", "auto-promote", who)).toBe("automatic promotion will not deploy to qa until a delivery lead or admin lifts the hold; deployments people ask for go ahead");
    expect(holdEffect("prod", "none", who)).toBe("prod takes no automatic promotion, so the hold marks the rollback until a delivery lead or admin lifts it; deployments people ask for go ahead");
    expect(holdEffect("pr-42", "follows-branch", who)).toMatch(/^new releases of its branch still deploy to pr-42/);
  });
});

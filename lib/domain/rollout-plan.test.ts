import { describe, expect, it } from "vitest";
import { planRollout, type RolloutInput } from "./rollout-plan";

const base: RolloutInput = {
  apps: ["portal", "admin"],
  kind: "promote",
  strategy: "blue-green",
  migrations: { portal: { run: true, reason: "1 migration file(s) changed", matched: [] }, admin: { run: false, reason: "no file changed", matched: [] } },
  smoke: [{ name: "home", app: "portal" }],
  hooks: [{ name: "sync-branch", app: "admin", job: "sync" }],
};

/** The plan as "group: step" lines, easy to read in a failing test. */
const outline = (input: Partial<RolloutInput>) => planRollout({ ...base, ...input }).map((s) => `${s.group}: ${s.name}${s.skipped ? " (skipped)" : ""}${s.optional ? " (optional)" : ""}`);

describe("rollout plans per strategy", () => {
  it("blue-green: migrate before traffic, start beside, verify, switch, smoke, hooks; the previous release stays warm", () => {
    expect(outline({})).toEqual(["0: Migrate portal", "0: Migrate admin (skipped)", "1: Start portal", "1: Start admin", "2: Verify portal", "2: Verify admin", "3: Switch traffic", "4: Smoke check: home", "5: Hook sync-branch (optional)"]);
  });

  it("rolling: moves traffic over in steps, then retires the previous release", () => {
    expect(outline({ strategy: "rolling", migrations: {}, hooks: [], smoke: [] })).toEqual([
      "0: Start portal",
      "0: Start admin",
      "1: Verify portal",
      "1: Verify admin",
      "2: Shift 25% of traffic",
      "3: Shift 50% of traffic",
      "4: Shift 75% of traffic",
      "5: Switch traffic",
      "6: Retire previous portal",
      "6: Retire previous admin",
    ]);
  });

  it("recreate: closes, stops the old release, migrates, starts the new one, reopens", () => {
    expect(outline({ strategy: "recreate", hooks: [] })).toEqual([
      "0: Close for maintenance",
      "1: Stop old portal",
      "1: Stop old admin",
      "2: Migrate portal",
      "2: Migrate admin (skipped)",
      "3: Start portal",
      "3: Start admin",
      "4: Verify portal",
      "4: Verify admin",
      "5: Switch traffic",
      "6: Reopen",
      "7: Smoke check: home",
    ]);
  });

  it("rollback: switches back (warm) or redeploys, verifies, smoke-checks, never migrates", () => {
    expect(outline({ kind: "rollback" })).toEqual(["0: Roll back portal", "0: Roll back admin", "1: Verify portal", "1: Verify admin", "2: Smoke check: home", "3: Retire rolled-back portal", "3: Retire rolled-back admin"]);
  });

  it("the first release of an environment has no traffic to move over and nothing to retire", () => {
    expect(outline({ strategy: "rolling", firstRelease: true, migrations: {}, hooks: [], smoke: [] })).toEqual(["0: Start portal", "0: Start admin", "1: Verify portal", "1: Verify admin", "2: Switch traffic"]);
    expect(outline({ strategy: "recreate", firstRelease: true, migrations: {}, hooks: [], smoke: [] })).toContain("1: Stop old portal"); // closes whatever there is: a no-op when empty
  });

  it("a new review environment first clones its source's data", () => {
    expect(outline({ provisionFrom: "staging", migrations: {}, smoke: [], hooks: [] }).slice(0, 2)).toEqual(["0: Clone staging's data", "1: Start portal"]);
  });

  it("apps without migrations configured get no migration step", () => {
    expect(planRollout({ ...base, migrations: {} }).some((s) => s.action === "migrate")).toBe(false);
  });

  it("custom rolling steps", () => {
    expect(
      planRollout({ ...base, strategy: "rolling", rollingSteps: [10, 90] })
        .filter((s) => s.action === "shift")
        .map((s) => s.percent),
    ).toEqual([10, 90]);
  });
});

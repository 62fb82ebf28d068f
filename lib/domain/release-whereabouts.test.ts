import { describe, expect, it } from "vitest";
import type { GateState } from "./gate-state";
import { releaseWhereabouts, type WhereaboutsEnvironment } from "./release-whereabouts";

const env = (name: string, over: Partial<WhereaboutsEnvironment> = {}): WhereaboutsEnvironment => ({ name, appsRunning: 0, appCount: 3, active: [], ranBefore: false, ...over });
const closed: GateState = {
  frozen: [],
  window: { open: false, opensAt: new Date("2026-06-08T07:00:00Z"), closesAt: new Date("2026-06-08T15:00:00Z"), timezone: "Europe/Berlin" },
  incidents: [{ id: "inc_1", title: "500s", severity: "major", openedAt: new Date("2026-06-05T09:00:00Z"), openedBy: "Ops" }],
  hold: null,
  clear: false,
};

describe("where a release is now", () => {
  it("runs where it runs, waits where it waits (and on what), is next after the last place it runs, not yet beyond", () => {
    const where = releaseWhereabouts("rel_1", [
      env("dev", { appsRunning: 3 }),
      env("qa", { appsRunning: 2 }),
      env("uat", { active: [{ id: "dep_1", state: "waiting", releaseId: "rel_1", blocker: "needs 1 tech lead approval" }] }),
      env("staging"),
      env("prod"),
    ]);
    expect(where).toEqual([
      { environment: "dev", where: { status: "running", partial: false } },
      { environment: "qa", where: { status: "running", partial: true } },
      { environment: "uat", where: { status: "waiting", deploymentId: "dep_1", state: "waiting", blocker: "needs 1 tech lead approval" } },
      { environment: "staging", where: { status: "not-yet" } },
      { environment: "prod", where: { status: "not-yet" } },
    ]);
  });

  it("says what would block the next environment now, and tells 'not running now' from 'never ran'", () => {
    const where = releaseWhereabouts("rel_1", [env("staging", { appsRunning: 3 }), env("prod", { gateState: closed, active: [{ id: "dep_9", state: "running", releaseId: "rel_other", blocker: null }] })]);
    expect(where[1]).toEqual({ environment: "prod", where: { status: "next", blockers: ["its deployment window is closed", 'open incident "500s"'] } });
    const rolledBack = releaseWhereabouts("rel_1", [env("staging"), env("prod", { ranBefore: true })]);
    expect(rolledBack[1]!.where).toEqual({ status: "not-running-now" });
    const deploying = releaseWhereabouts("rel_1", [env("dev", { active: [{ id: "dep_2", state: "verifying", releaseId: "rel_1", blocker: null }] })]);
    expect(deploying[0]!.where).toEqual({ status: "deploying", deploymentId: "dep_2", state: "verifying" });
  });
});

import { describe, expect, it } from "vitest";
import { changeFailureRate, deliveryMetrics, deploymentFrequency, leadTimeForChanges, median, percentile, periodDays, timeToRestore, type DeploymentRecord } from "./delivery-metrics";

const HOUR = 3_600_000;
const at = (iso: string) => new Date(`2026-03-${iso}Z`);
// One week: Sunday 1 March to Saturday 7 March 2026 (UTC).
const week = { from: at("01T00:00:00"), to: at("08T00:00:00") };

let n = 0;
/** A deployment that finished at `finished` ("DDTHH:MM:SS" in March 2026), 10 minutes after it started. */
function dep(environment: string, finished: string, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  n += 1;
  const finishedAt = at(finished);
  return {
    id: `dep_${n}`,
    environment,
    kind: "promote",
    state: "succeeded",
    createdAt: new Date(finishedAt.getTime() - 15 * 60_000),
    startedAt: new Date(finishedAt.getTime() - 10 * 60_000),
    finishedAt,
    releaseId: `rel_${n}`,
    committedAt: new Date(finishedAt.getTime() - HOUR),
    changedApps: ["portal", "admin", "api-gateway"],
    ...overrides,
  };
}

describe("statistics", () => {
  it("median averages the middle pair; p90 is a value that occurred (nearest rank)", () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([], 90)).toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([10, 1, 5], 90)).toBe(10);
    expect(percentile([7], 90)).toBe(7);
  });

  it("periodDays lists every UTC day the period touches", () => {
    expect(periodDays(week)).toEqual(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"]);
    expect(periodDays({ from: at("01T18:00:00"), to: at("03T09:30:00") })).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
  });
});

describe("deployment frequency", () => {
  it("counts landed deployments per UTC day, in the period only, including ones rolled back later", () => {
    const rows = [
      dep("prod", "02T09:00:00"),
      dep("prod", "02T17:00:00", { state: "rolled-back" }),
      dep("prod", "02T18:00:00", { kind: "rollback" }),
      dep("prod", "05T10:00:00", { kind: "fast-track" }),
      dep("prod", "04T10:00:00", { state: "failed" }),
      dep("prod", "04T11:00:00", { state: "cancelled", startedAt: null }),
      dep("prod", "06T11:00:00", { state: "running", finishedAt: null }),
      dep("prod", "08T00:00:00"), // `to` is exclusive
      dep("prod", "01T00:00:00", { finishedAt: new Date("2026-02-28T12:00:00Z") }), // before the period
      dep("staging", "03T10:00:00"),
    ];
    const result = deploymentFrequency(rows, week, { environment: "prod" });
    expect(result.total).toBe(4);
    expect(result.perDay).toBeCloseTo(4 / 7, 12);
    expect(result.perWeek).toBeCloseTo(4, 12);
    expect(result.series.map((d) => d.count)).toEqual([0, 3, 0, 0, 1, 0, 0]);
    expect(deploymentFrequency(rows, week).total).toBe(5);
  });

  it("with an app: only deployments that changed that app's build", () => {
    const rows = [dep("prod", "02T09:00:00", { changedApps: ["portal"] }), dep("prod", "03T09:00:00", { changedApps: ["admin"] })];
    expect(deploymentFrequency(rows, week, { app: "admin" }).series.map((d) => d.count)).toEqual([0, 0, 1, 0, 0, 0, 0]);
  });

  it("an empty period is zeros, not an error", () => {
    const result = deploymentFrequency([], week);
    expect(result).toMatchObject({ total: 0, perDay: 0, perWeek: 0 });
    expect(result.series).toHaveLength(7);
    expect(deploymentFrequency([], { from: week.from, to: week.from }).series).toEqual([]);
  });
});

describe("lead time for changes", () => {
  it("runs from the commit to the release's first successful promotion into the environment", () => {
    const rows = [
      dep("prod", "02T10:00:00", { releaseId: "a", committedAt: at("02T08:00:00") }), // 2 h
      dep("prod", "03T12:00:00", { releaseId: "b", committedAt: at("02T12:00:00"), kind: "fast-track" }), // 24 h
      dep("prod", "03T18:00:00", { releaseId: "c", committedAt: at("03T12:00:00") }), // 6 h
      dep("prod", "04T09:00:00", { releaseId: "c", committedAt: at("03T12:00:00") }), // re-promotion: not a new change
      dep("prod", "05T09:00:00", { releaseId: "d", committedAt: at("01T09:00:00"), state: "failed" }), // never landed
      dep("prod", "05T10:00:00", { releaseId: "a", kind: "rollback" }), // not a change
      dep("staging", "02T09:00:00", { releaseId: "e", committedAt: at("02T08:00:00") }),
    ];
    const result = leadTimeForChanges(rows, week, { environment: "prod" });
    expect(result.changes.map((c) => [c.releaseId, c.leadTimeMs / HOUR])).toEqual([
      ["a", 2],
      ["b", 24],
      ["c", 6],
    ]);
    expect(result).toMatchObject({ environment: "prod", count: 3, medianMs: 6 * HOUR, p90Ms: 24 * HOUR });
    expect(result.series.find((d) => d.day === "2026-03-03")).toEqual({ day: "2026-03-03", count: 2, medianMs: 15 * HOUR });
    expect(result.series.find((d) => d.day === "2026-03-04")).toEqual({ day: "2026-03-04", count: 0, medianMs: null });
  });

  it("a release that first arrived before the period is not counted again inside it", () => {
    const rows = [dep("prod", "01T10:00:00", { releaseId: "old", finishedAt: new Date("2026-02-27T10:00:00Z") }), dep("prod", "03T10:00:00", { releaseId: "old" })];
    expect(leadTimeForChanges(rows, week, { environment: "prod" }).count).toBe(0);
  });

  it("an empty period has no median", () => {
    expect(leadTimeForChanges([], week, { environment: "prod" })).toMatchObject({ count: 0, medianMs: null, p90Ms: null, changes: [] });
  });
});

describe("change failure rate", () => {
  it("is the share of changes that failed or were rolled back later; rollbacks and refusals are not changes", () => {
    const rows = [
      dep("prod", "02T09:00:00"),
      dep("prod", "02T10:00:00", { state: "rolled-back" }),
      dep("prod", "02T10:30:00", { kind: "rollback" }),
      dep("prod", "03T10:00:00", { state: "failed" }),
      dep("prod", "03T11:00:00", { state: "failed", startedAt: null }), // a gate refused it: never rolled out
      dep("prod", "04T10:00:00", { kind: "redeploy" }),
      dep("staging", "04T10:00:00", { state: "failed" }),
    ];
    const result = changeFailureRate(rows, week, { environment: "prod" });
    expect(result).toMatchObject({ total: 4, failed: 2, rate: 0.5 });
    expect(result.series.slice(1, 4)).toEqual([
      { day: "2026-03-02", total: 2, failed: 1 },
      { day: "2026-03-03", total: 1, failed: 1 },
      { day: "2026-03-04", total: 1, failed: 0 },
    ]);
    expect(changeFailureRate(rows, week).total).toBe(5);
  });

  it("no changes: the rate is unknown (null), not 0%", () => {
    expect(changeFailureRate([], week)).toMatchObject({ total: 0, failed: 0, rate: null });
  });
});

describe("time to restore", () => {
  it("runs from a failure to the next lasting success in that environment; consecutive failures are one outage", () => {
    const rows = [
      dep("prod", "02T10:00:00", { state: "rolled-back", id: "bad-1" }),
      dep("prod", "02T10:20:00", { kind: "rollback", id: "fix-1" }), // restored after 20 min
      dep("prod", "04T10:00:00", { state: "failed", id: "bad-2" }),
      dep("prod", "04T11:00:00", { state: "failed", id: "bad-3" }), // same outage
      dep("staging", "04T11:30:00"), // another environment does not restore prod
      dep("prod", "04T13:00:00", { id: "fix-2" }), // 3 h after bad-2
      dep("prod", "06T09:00:00", { state: "failed", id: "bad-4" }), // still open
    ];
    const result = timeToRestore(rows, week, { environment: "prod" });
    expect(result.outages.map((o) => [o.deploymentId, o.restoredBy, o.durationMs === null ? null : o.durationMs / 60_000])).toEqual([
      ["bad-1", "fix-1", 20],
      ["bad-2", "fix-2", 180],
      ["bad-4", null, null],
    ]);
    expect(result).toMatchObject({ count: 2, open: 1, medianMs: 100 * 60_000, p90Ms: 180 * 60_000 });
    expect(result.series.find((d) => d.day === "2026-03-04")).toEqual({ day: "2026-03-04", count: 1, medianMs: 180 * 60_000 });
  });

  it("a success that was itself rolled back does not end the outage", () => {
    const rows = [dep("prod", "02T10:00:00", { state: "failed", id: "bad" }), dep("prod", "02T11:00:00", { state: "rolled-back", id: "also-bad" }), dep("prod", "02T12:00:00", { kind: "rollback", id: "fix" })];
    expect(timeToRestore(rows, week).outages).toMatchObject([{ deploymentId: "bad", restoredBy: "fix", durationMs: 2 * HOUR }]);
  });

  it("with an app: only that app's failures open an outage, any success restores it", () => {
    const rows = [
      dep("prod", "02T10:00:00", { state: "failed", changedApps: ["admin"] }),
      dep("prod", "02T11:00:00", { state: "failed", changedApps: ["portal"], id: "portal-bad" }),
      dep("prod", "02T11:30:00", { changedApps: ["admin"], id: "admin-fix" }),
    ];
    expect(timeToRestore(rows, week, { app: "portal" }).outages).toMatchObject([{ deploymentId: "portal-bad", restoredBy: "admin-fix", durationMs: 30 * 60_000 }]);
  });

  it("counts outages that started in the period, even when restored after it", () => {
    const rows = [dep("prod", "07T23:00:00", { state: "failed" }), dep("prod", "08T01:00:00")];
    expect(timeToRestore(rows, week)).toMatchObject({ count: 1, medianMs: 2 * HOUR, open: 0 });
    expect(timeToRestore([], week)).toMatchObject({ count: 0, open: 0, medianMs: null, p90Ms: null, outages: [] });
  });
});

describe("deliveryMetrics", () => {
  it("measures lead time into production unless an environment is chosen", () => {
    const rows = [dep("staging", "02T09:00:00", { committedAt: at("02T08:00:00") }), dep("prod", "03T09:00:00", { committedAt: at("02T09:00:00") })];
    const all = deliveryMetrics(rows, week, { productionEnvironment: "prod" });
    expect(all.leadTime).toMatchObject({ environment: "prod", medianMs: 24 * HOUR });
    expect(all.frequency.total).toBe(2);
    expect(all.days).toHaveLength(7);
    const staging = deliveryMetrics(rows, week, { productionEnvironment: "prod", scope: { environment: "staging" } });
    expect(staging.leadTime).toMatchObject({ environment: "staging", medianMs: HOUR });
    expect(staging.frequency.total).toBe(1);
  });

  it("an empty history gives an empty but complete result", () => {
    const result = deliveryMetrics([], week, { productionEnvironment: "prod" });
    expect(result.frequency.series).toHaveLength(7);
    expect(result.leadTime.series.every((d) => d.medianMs === null)).toBe(true);
    expect(result.changeFailure.rate).toBeNull();
    expect(result.restore).toMatchObject({ count: 0, open: 0 });
  });
});

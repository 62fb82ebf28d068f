import { describe, expect, it } from "vitest";
import { checkDeploymentRequest, planQueue, previousGoodRelease, type ReleaseFacts, type TargetFacts } from "./promotion";

const release = (id: string, day: number, branch = "develop"): ReleaseFacts => ({ id, commit: `${id}000000000`, branch, createdAt: new Date(Date.UTC(2026, 0, day)) });
const r1 = release("r1", 1);
const r2 = release("r2", 2);
const r3 = release("r3", 3);

const dev: TargetFacts = { name: "dev", kind: "fixed", position: 0, entryBranch: "develop", previous: null, current: r1, isLast: false, fastTrackBranches: null };
const qa: TargetFacts = { name: "qa", kind: "fixed", position: 1, entryBranch: "develop", previous: "dev", current: r1, isLast: false, fastTrackBranches: null };
const prod: TargetFacts = { name: "prod", kind: "fixed", position: 4, entryBranch: "develop", previous: "staging", current: r1, isLast: true, fastTrackBranches: ["develop"] };

const check = (over: Partial<Parameters<typeof checkDeploymentRequest>[0]>) => checkDeploymentRequest({ kind: "promote", release: r2, target: qa, succeededInPrevious: true, succeededInTarget: false, ...over });

describe("promotion rules", () => {
  it("a release that succeeded in the previous environment moves one step on", () => {
    expect(check({})).toEqual({ ok: true });
  });

  it("refuses a release that has not succeeded in the previous environment (no skipping)", () => {
    expect(check({ succeededInPrevious: false })).toMatchObject({ ok: false, code: "not_in_previous", message: expect.stringContaining("dev") });
  });

  it("the first environment takes any release of its branch, and only of its branch", () => {
    expect(check({ target: dev, succeededInPrevious: false })).toEqual({ ok: true });
    expect(check({ target: dev, release: release("f1", 5, "feature/x") })).toMatchObject({ ok: false, code: "wrong_branch" });
  });

  it("automation never moves an environment to an older commit; a person may choose one explicitly", () => {
    const newer = { ...r3, buildNumber: 30 };
    const older = { ...r2, buildNumber: 20 };
    expect(check({ release: older, target: { ...qa, current: newer }, automated: true })).toMatchObject({ ok: false, code: "older_commit" });
    expect(check({ release: older, target: { ...qa, current: newer } })).toEqual({ ok: true });
    expect(check({ release: newer, target: { ...qa, current: older }, automated: true })).toEqual({ ok: true });
  });

  it("the issue's example: commit order, not the time a release was cut, decides", () => {
    // B (newer commit, 1.1.0) cut at 10:00; A (its parent, slower CI) cut at 10:05.
    const b: ReleaseFacts = { id: "b", commit: "bbbbbbb1", branch: "develop", createdAt: new Date("2026-01-01T10:00:00Z"), parentCommits: ["aaaaaaa1"] };
    const a: ReleaseFacts = { id: "a", commit: "aaaaaaa1", branch: "develop", createdAt: new Date("2026-01-01T10:05:00Z"), parentCommits: ["9999999"] };
    expect(check({ release: a, target: { ...dev, current: b }, automated: true })).toMatchObject({ ok: false, code: "older_commit" });
    // Promoting B back over A (if a person had put A there) is never refused as older.
    expect(check({ release: b, target: { ...qa, current: a }, automated: true })).toEqual({ ok: true });
    expect(check({ release: b, target: { ...qa, current: a } })).toEqual({ ok: true });
  });

  it("automation does not replace a newer release already on its way in with an older one", () => {
    const newer = { ...r3, buildNumber: 30 };
    const older = { ...r2, buildNumber: 20 };
    const review: TargetFacts = { ...qa, name: "pay", kind: "review", position: null, branch: "develop", current: null };
    expect(check({ release: older, target: review, incoming: [newer], automated: true })).toMatchObject({ ok: false, code: "older_commit", message: expect.stringContaining("is about to get") });
    expect(check({ release: newer, target: review, incoming: [older], automated: true })).toEqual({ ok: true });
    expect(check({ release: older, target: review, incoming: [newer] })).toEqual({ ok: true });
  });

  it("automation does not guess when CI sent no commit order", () => {
    expect(check({ target: { ...qa, current: r1 }, automated: true })).toMatchObject({ ok: false, code: "commit_order_unknown", message: expect.stringContaining("buildNumber") });
    expect(check({ target: { ...qa, current: null }, automated: true })).toEqual({ ok: true });
  });

  it("promoting what already runs is refused with a pointer to redeploy", () => {
    expect(check({ release: r1 })).toMatchObject({ ok: false, code: "already_running", message: expect.stringContaining("redeploy") });
  });

  it("an empty environment takes its first release", () => {
    expect(check({ target: { ...qa, current: null } })).toEqual({ ok: true });
  });

  it("a rollback may go to an older release, but only one that succeeded there", () => {
    const prod: TargetFacts = { ...qa, name: "prod", current: r3 };
    expect(check({ kind: "rollback", target: prod, release: r2, succeededInTarget: true })).toEqual({ ok: true });
    expect(check({ kind: "rollback", target: prod, release: r2, succeededInTarget: false })).toMatchObject({ ok: false, code: "never_ran_here" });
    expect(check({ kind: "rollback", target: prod, release: r3, succeededInTarget: true })).toMatchObject({ ok: false, code: "already_running" });
  });

  it("a redeploy puts out only what runs now", () => {
    expect(check({ kind: "redeploy", release: r1 })).toEqual({ ok: true });
    expect(check({ kind: "redeploy", release: r2 })).toMatchObject({ ok: false, code: "not_current" });
  });

  it("a fast-track goes straight to the last environment, only from the configured branches", () => {
    expect(check({ kind: "fast-track", target: prod, succeededInPrevious: false })).toEqual({ ok: true });
    expect(check({ kind: "fast-track", target: qa })).toMatchObject({ ok: false, code: "fast_track_not_configured" });
    expect(check({ kind: "fast-track", target: { ...prod, fastTrackBranches: null } })).toMatchObject({ ok: false, code: "fast_track_not_configured" });
    expect(check({ kind: "fast-track", target: prod, release: release("f", 5, "feature/x") })).toMatchObject({ ok: false, code: "fast_track_branch", message: expect.stringContaining("develop") });
    expect(check({ kind: "fast-track", target: { ...prod, current: { ...r3, buildNumber: 3 } }, release: { ...r2, buildNumber: 2 }, automated: true })).toMatchObject({ ok: false, code: "older_commit" });
  });

  it("a review environment takes releases of its own branch only, and no fast-track", () => {
    const review: TargetFacts = { ...qa, name: "checkout", kind: "review", position: null, branch: "feature/checkout", current: null };
    expect(check({ target: review, release: release("f1", 5, "feature/checkout"), succeededInPrevious: false })).toEqual({ ok: true });
    expect(check({ target: review, release: release("f2", 5, "develop") })).toMatchObject({ ok: false, code: "wrong_branch" });
    expect(check({ kind: "fast-track", target: review })).toMatchObject({ ok: false, code: "review_environment" });
  });

  it("a release accepted in a review environment may enter that environment's source directly", () => {
    const staging: TargetFacts = { ...qa, name: "staging", position: 3, previous: "uat", current: r1 };
    const feature = release("f3", 6, "feature/checkout");
    expect(check({ target: staging, release: feature, succeededInPrevious: false })).toMatchObject({ ok: false, code: "not_in_previous" });
    expect(check({ target: staging, release: feature, succeededInPrevious: false, acceptedInReview: true })).toEqual({ ok: true });
  });
});

describe("queueing", () => {
  it("the same release and kind while one is active is a duplicate", () => {
    expect(planQueue([{ id: "d1", kind: "promote", state: "running", releaseId: "r2" }], { kind: "promote", releaseId: "r2" })).toEqual({ ok: false, duplicateOf: "d1" });
  });

  it("a finished deployment of the same release is not a duplicate", () => {
    expect(planQueue([{ id: "d1", kind: "promote", state: "failed", releaseId: "r2" }], { kind: "promote", releaseId: "r2" })).toEqual({ ok: true, supersede: [] });
  });

  it("a newer promotion supersedes queued promotions but never the one rolling out", () => {
    const existing = [
      { id: "running", kind: "promote" as const, state: "running" as const, releaseId: "r1" },
      { id: "queued", kind: "promote" as const, state: "queued" as const, releaseId: "r2" },
      { id: "waiting", kind: "promote" as const, state: "waiting" as const, releaseId: "r3" },
    ];
    expect(planQueue(existing, { kind: "promote", releaseId: "r4" })).toEqual({ ok: true, supersede: ["queued", "waiting"] });
  });

  it("a rollback supersedes queued promotions; a redeploy supersedes nothing", () => {
    const existing = [{ id: "q", kind: "promote" as const, state: "queued" as const, releaseId: "r2" }];
    expect(planQueue(existing, { kind: "rollback", releaseId: "r1" })).toEqual({ ok: true, supersede: ["q"] });
    expect(planQueue(existing, { kind: "redeploy", releaseId: "r1" })).toEqual({ ok: true, supersede: [] });
  });
});

describe("the default rollback target", () => {
  it("is the newest release that succeeded here other than the current one", () => {
    const history = [
      { releaseId: "r3", state: "succeeded" as const },
      { releaseId: "r2", state: "failed" as const },
      { releaseId: "r2", state: "rolled-back" as const },
      { releaseId: "r1", state: "succeeded" as const },
    ];
    expect(previousGoodRelease(history, "r3")).toBe("r1");
    expect(previousGoodRelease([{ releaseId: "r3", state: "succeeded" }], "r3")).toBeNull();
  });
});

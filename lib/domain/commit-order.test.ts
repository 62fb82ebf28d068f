import { describe, expect, it } from "vitest";
import { compareCommits, hasCommitOrder, newestByCommit, type CommitFacts } from "./commit-order";

const at = (hhmm: string) => new Date(`2026-03-01T${hhmm}:00Z`);

describe("commit order", () => {
  it("ancestry decides first, through the parents of other known releases", () => {
    const a: CommitFacts = { commit: "a1", parentCommits: ["z9"] };
    const b: CommitFacts = { commit: "b2", parentCommits: ["a1"] };
    const c: CommitFacts = { commit: "c3", parentCommits: ["b2"] };
    expect(compareCommits(b, a)).toEqual({ order: "newer", basis: "ancestry" });
    expect(compareCommits(a, b)).toEqual({ order: "older", basis: "ancestry" });
    // c's grandparent is a: only visible through b's parents.
    expect(compareCommits(c, a).order).toBe("unknown");
    expect(compareCommits(c, a, new Map([["b2", ["a1"]]]))).toEqual({ order: "newer", basis: "ancestry" });
  });

  it("ancestry outranks a commit time that says otherwise (a rebased or clock-skewed commit)", () => {
    const parent: CommitFacts = { commit: "p1", committedAt: at("11:00") };
    const child: CommitFacts = { commit: "c1", parentCommits: ["p1"], committedAt: at("10:00") };
    expect(compareCommits(child, parent)).toEqual({ order: "newer", basis: "ancestry" });
  });

  it("then the build number, then the commit time", () => {
    expect(compareCommits({ commit: "x", buildNumber: 41 }, { commit: "y", buildNumber: 40 })).toEqual({ order: "newer", basis: "build-number" });
    expect(compareCommits({ commit: "x", buildNumber: 41, committedAt: at("09:00") }, { commit: "y", buildNumber: 42, committedAt: at("10:00") })).toEqual({ order: "older", basis: "build-number" });
    expect(compareCommits({ commit: "x", committedAt: at("10:00") }, { commit: "y", committedAt: at("09:59") })).toEqual({ order: "newer", basis: "commit-time" });
  });

  it("is unknown when the two carry no common evidence, and same for one commit", () => {
    expect(compareCommits({ commit: "x", buildNumber: 3 }, { commit: "y", committedAt: at("10:00") }).order).toBe("unknown");
    expect(compareCommits({ commit: "x" }, { commit: "y" }).order).toBe("unknown");
    expect(compareCommits({ commit: "x", committedAt: at("10:00") }, { commit: "y", committedAt: at("10:00") }).order).toBe("unknown");
    expect(compareCommits({ commit: "x" }, { commit: "x" }).order).toBe("same");
  });

  it("ancestry walks stop on cycles in bad data", () => {
    const graph = new Map([
      ["p", ["q"]],
      ["q", ["p"]],
    ]);
    expect(compareCommits({ commit: "x", parentCommits: ["p"] }, { commit: "y" }, graph).order).toBe("unknown");
  });

  it("newestByCommit picks only what it can show is newer", () => {
    const one = { commit: "1", buildNumber: 1 };
    const two = { commit: "2", buildNumber: 2 };
    const bare = { commit: "3" };
    expect(newestByCommit([one, two])).toBe(two);
    expect(newestByCommit([two, one, bare])).toBe(two);
    expect(newestByCommit([])).toBeNull();
  });

  it("says whether a release carries any evidence", () => {
    expect(hasCommitOrder({ commit: "x" })).toBe(false);
    expect(hasCommitOrder({ commit: "x", parentCommits: [] })).toBe(false);
    expect(hasCommitOrder({ commit: "x", buildNumber: 0 })).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { evaluateVerified, type VerificationFact } from "./verified";

const since = new Date("2026-05-04T10:00:00Z");
const at = (minutes: number) => new Date(since.getTime() + minutes * 60_000);
const config = { names: ["e2e"], timeout: 3_600_000 };
const v = (name: string, status: VerificationFact["status"], minutes = 5, extra: Partial<VerificationFact> = {}): VerificationFact => ({
  name,
  status,
  url: `https://ci.example.com/runs/${name}`,
  summary: null,
  source: "ci",
  at: at(minutes),
  ...extra,
});
const facts = (verifications: VerificationFact[], s: Date | null = since) => ({ previousEnvironment: "staging", since: s, verifications });

describe("the verified gate", () => {
  it("passes when every named verification passed in the previous environment, with each link in the detail", () => {
    const result = evaluateVerified({ names: ["e2e", "perf"], timeout: 3_600_000 }, facts([v("e2e", "passed"), v("perf", "passed")]), at(10));
    expect(result).toMatchObject({ gate: "verified", status: "pass", reason: "e2e and perf passed in staging" });
    expect(result.detail).toMatchObject({
      environment: "staging",
      verifications: [
        { name: "e2e", status: "passed", url: "https://ci.example.com/runs/e2e" },
        { name: "perf", status: "passed" },
      ],
    });
  });

  it("is pending while none arrived, with a recheck at the timeout", () => {
    const result = evaluateVerified(config, facts([]), at(20));
    expect(result).toMatchObject({ status: "pending", reason: "waiting for e2e (no result yet) in staging: fails if not passed within 40 min" });
    expect(result.recheckAt).toEqual(at(60));
  });

  it("fails once the timeout passed without a passing result", () => {
    expect(evaluateVerified(config, facts([]), at(60))).toMatchObject({ status: "fail", reason: "no passing e2e result from staging within 1 h of the release becoming current there: e2e (no result yet)" });
    expect(evaluateVerified(config, facts([v("e2e", "running")]), at(61))).toMatchObject({ status: "fail", reason: expect.stringContaining("e2e (running)") });
  });

  it("fails at once on a failed verification, naming its summary and link, before the timeout", () => {
    const result = evaluateVerified(config, facts([v("e2e", "failed", 3, { summary: "3 failed: checkout" })]), at(4));
    expect(result).toMatchObject({ status: "fail", reason: "e2e failed in staging: 3 failed: checkout (https://ci.example.com/runs/e2e)" });
  });

  it("the newest result of a name counts: a re-run that passed after a failure passes", () => {
    expect(evaluateVerified(config, facts([v("e2e", "failed", 3), v("e2e", "passed", 9)]), at(10))).toMatchObject({ status: "pass" });
    expect(evaluateVerified(config, facts([v("e2e", "passed", 3), v("e2e", "failed", 9)]), at(10))).toMatchObject({ status: "fail" });
  });

  it("one passed and one missing is still pending; other names do not count", () => {
    const result = evaluateVerified({ names: ["e2e", "perf"], timeout: 3_600_000 }, facts([v("e2e", "passed"), v("smoke", "passed")]), at(10));
    expect(result).toMatchObject({ status: "pending", reason: "waiting for perf (no result yet) in staging: fails if not passed within 50 min" });
  });

  it("fails closed when the release never became current in the previous environment, or there is none", () => {
    expect(evaluateVerified(config, facts([], null), at(0))).toMatchObject({ status: "fail", reason: "the release has not become current in staging, so it has no e2e result there" });
    expect(evaluateVerified(config, { previousEnvironment: null, since: null, verifications: [] }, at(0))).toMatchObject({ status: "fail", reason: "e2e cannot be verified: there is no environment before this one" });
  });
});

import { describe, expect, it } from "vitest";
import { soakGateSchema } from "@/lib/config/gates-schema";
import { evaluateSoak, type HealthSample, type SoakFacts } from "./soak";

const config = soakGateSchema.parse({ duration: "30m", maxErrorRate: 0.01, maxP95Ms: 500 });
const now = new Date("2026-06-01T12:00:00Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const sample = (minutes: number, requests: number, errors: number, p95Ms: number | null = 200): HealthSample => ({ bucketStart: minutesAgo(minutes), requests, errors, p95Ms });
const facts = (since: Date | null, samples: HealthSample[]): SoakFacts => ({ sourceEnvironment: "staging", commit: "abc1234def5678", since, samples });

describe("soak gate", () => {
  it("is pending while the soak runs, and rechecks when it completes", () => {
    const result = evaluateSoak(config, facts(minutesAgo(12), [sample(10, 1000, 2), sample(5, 1000, 1)]), now);
    expect(result.status).toBe("pending");
    expect(result.reason).toBe("soak 12 of 30 min in staging: release abc1234 must run there 18 min more");
    expect(result.recheckAt).toEqual(new Date(minutesAgo(12).getTime() + 30 * 60_000));
    expect(result.detail).toMatchObject({ elapsedMs: 12 * 60_000, remainingMs: 18 * 60_000, requests: 2000, errors: 3, noTraffic: false });
  });

  it("fails when the error rate over the soak window exceeds the limit", () => {
    const result = evaluateSoak(config, facts(minutesAgo(40), [sample(35, 500, 26), sample(20, 500, 6)]), now);
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("error rate 3.2% in staging over the soak window (limit 1%) — release abc1234 is not healthy enough to promote");
    expect(result.recheckAt).toBeUndefined();
  });

  it("fails early when the release is already unhealthy during the soak, and rechecks at its end", () => {
    const result = evaluateSoak(config, facts(minutesAgo(10), [sample(5, 100, 0, 812)]), now);
    expect(result.status).toBe("fail");
    expect(result.reason).toContain("p95 latency reached 812 ms in staging during the soak so far (limit 500 ms)");
    expect(result.recheckAt).toEqual(new Date(now.getTime() + 20 * 60_000));
  });

  it("passes after the duration with healthy traffic", () => {
    const result = evaluateSoak(config, facts(minutesAgo(45), [sample(40, 6000, 6, 320), sample(20, 6400, 6, 410)]), now);
    expect(result).toMatchObject({ status: "pass", reason: "soaked 45 min in staging: error rate 0.1% (limit 1%), worst p95 410 ms (limit 500 ms) over 12,400 requests" });
    expect(result.recheckAt).toBeUndefined();
  });

  it("exactly at the duration the soak is complete", () => {
    expect(evaluateSoak(config, facts(minutesAgo(30), [sample(20, 100, 0)]), now).status).toBe("pass");
  });

  it("with no samples at all, stays pending while the soak runs and fails closed once it has elapsed (issue 14 #4)", () => {
    const running = evaluateSoak(config, facts(minutesAgo(12), []), now);
    expect(running).toMatchObject({ status: "pending", reason: expect.stringContaining("no traffic observed yet") });
    const done = evaluateSoak(config, facts(minutesAgo(31), []), now);
    expect(done.status).toBe("fail");
    expect(done.reason).toBe(
      "no traffic observed in staging during the 30 min soak, so release abc1234's health is unverified — send traffic to staging (the gate passes once healthy samples arrive) or allow an unobserved soak with gates.soak.allowUnobserved",
    );
    expect(done.detail).toMatchObject({ noTraffic: true, errorRate: null, worstP95Ms: null });
    expect(done.detail).not.toHaveProperty("unobserved");
  });

  it("samples that saw zero requests are no observation either, and neither are samples from before the release started", () => {
    expect(evaluateSoak(config, facts(minutesAgo(31), [sample(20, 0, 0, null), sample(10, 0, 0, null)]), now).status).toBe("fail");
    expect(evaluateSoak(config, facts(minutesAgo(31), [sample(50, 5000, 0, 100)]), now).status).toBe("fail");
  });

  it("an explicit allowUnobserved lets an unobserved soak pass after its duration, marked unverified (amber), never before", () => {
    const allowing = soakGateSchema.parse({ duration: "30m", maxErrorRate: 0.01, maxP95Ms: 500, allowUnobserved: true });
    expect(evaluateSoak(allowing, facts(minutesAgo(12), []), now).status).toBe("pending");
    const done = evaluateSoak(allowing, facts(minutesAgo(31), [sample(20, 0, 0, null)]), now);
    expect(done).toMatchObject({ status: "pass", detail: { unobserved: true, noTraffic: true } });
    expect(done.reason).toBe("soaked 31 min in staging without any traffic observed — health unverified (the pipeline file allows an unobserved soak here: allowUnobserved)");
    // Observed traffic is judged as always, and is not "unverified".
    const observed = evaluateSoak(allowing, facts(minutesAgo(31), [sample(20, 100, 0)]), now);
    expect(observed.status).toBe("pass");
    expect(observed.detail).not.toHaveProperty("unobserved");
    expect(evaluateSoak(allowing, facts(minutesAgo(31), [sample(20, 100, 50)]), now).status).toBe("fail");
  });

  it("allowUnobserved is off unless slipway.yaml sets it", () => {
    expect(config.allowUnobserved).toBeUndefined();
    expect(() => soakGateSchema.parse({ duration: "30m", maxErrorRate: 0.01, maxP95Ms: 500, allowUnobserved: "yes" })).toThrow();
  });

  it("ignores health from before the release started there", () => {
    const result = evaluateSoak(config, facts(minutesAgo(40), [sample(50, 100, 90, 2000), sample(30, 1000, 1)]), now);
    expect(result.status).toBe("pass");
  });

  it("fails when the release does not run in the source environment", () => {
    expect(evaluateSoak(config, facts(null, []), now)).toMatchObject({
      status: "fail",
      reason: "release abc1234 does not run in staging, so it has not soaked there — promote it to staging first",
    });
  });

  it("counts long soaks in hours", () => {
    const long = soakGateSchema.parse({ duration: "2h", maxErrorRate: 0.01, maxP95Ms: 500 });
    expect(evaluateSoak(long, facts(minutesAgo(65), [sample(60, 10, 0)]), now).reason).toBe("soak 1 h 5 min of 2 h in staging: release abc1234 must run there 55 min more");
  });
});

import { describe, expect, it } from "vitest";
import { budgetConsumed, burnRate, errorBudget, errorRatio, evaluateBurnRate, timeToExhaust, type BurnRateSlo, type TrafficSample } from "./burn-rate";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const THIRTY_DAYS = 30 * DAY;
const now = new Date("2026-03-02T12:00:00Z");

// The workbook's recommended rules for a 99.9% SLO over 30 days (and Slipway's defaults).
const slo: BurnRateSlo = {
  availability: 99.9,
  burnRate: { fast: { long: HOUR, short: 5 * MINUTE, threshold: 14.4 }, slow: { long: 6 * HOUR, short: 30 * MINUTE, threshold: 6 } },
};

/** One-minute buckets from `minutesAgo` (inclusive) to `untilMinutesAgo` (exclusive), 1,000 requests each. */
function traffic(minutesAgo: number, untilMinutesAgo: number, errorShare: number, requests = 1000): TrafficSample[] {
  const samples: TrafficSample[] = [];
  for (let m = minutesAgo; m > untilMinutesAgo; m--) {
    samples.push({ bucketStart: new Date(now.getTime() - m * MINUTE), requests, errors: Math.round(requests * errorShare) });
  }
  return samples;
}

describe("errorRatio", () => {
  it("weights buckets by their traffic and counts buckets starting in [from, to)", () => {
    const samples: TrafficSample[] = [
      { bucketStart: new Date(now.getTime() - 2 * MINUTE), requests: 900, errors: 0 },
      { bucketStart: new Date(now.getTime() - MINUTE), requests: 100, errors: 10 },
      { bucketStart: now, requests: 100, errors: 100 }, // starts at `to`: outside
      { bucketStart: new Date(now.getTime() - 3 * MINUTE), requests: 100, errors: 100 }, // before `from`
    ];
    // An unweighted mean of the two buckets inside would say 5%; by traffic it is 10 in 1,000.
    expect(errorRatio(samples, new Date(now.getTime() - 2 * MINUTE), now)).toBe(0.01);
  });

  it("is null without traffic: no evidence is not an error", () => {
    expect(errorRatio([], new Date(now.getTime() - HOUR), now)).toBeNull();
    expect(errorRatio(traffic(10, 0, 0, 0), new Date(now.getTime() - HOUR), now)).toBeNull();
  });
});

describe("burnRate and the error budget (SRE workbook, chapter 5)", () => {
  it("a 99.9% SLO with 1.44% errors burns at 14.4", () => {
    expect(errorBudget(99.9)).toBeCloseTo(0.001, 12);
    expect(burnRate(0.0144, 99.9)).toBeCloseTo(14.4, 9);
    expect(burnRate(0.001, 99.9)).toBeCloseTo(1, 9);
    expect(burnRate(0, 99.9)).toBe(0);
    expect(burnRate(null, 99.9)).toBeNull();
  });

  it("burn rate 14.4 for one hour consumes 2% of a 30-day budget", () => {
    expect(budgetConsumed(14.4, HOUR, THIRTY_DAYS)).toBeCloseTo(0.02, 12);
  });

  it("burn rate 6 for six hours consumes 5% of a 30-day budget", () => {
    expect(budgetConsumed(6, 6 * HOUR, THIRTY_DAYS)).toBeCloseTo(0.05, 12);
  });

  it("burn rate 1 exhausts the budget exactly at the end of the window", () => {
    expect(budgetConsumed(1, THIRTY_DAYS, THIRTY_DAYS)).toBe(1);
    expect(timeToExhaust(1, THIRTY_DAYS)).toBe(THIRTY_DAYS);
  });

  it("at burn rate b the budget lasts window ÷ b", () => {
    for (const b of [2, 6, 10, 14.4, 36, 720]) {
      expect(timeToExhaust(b, THIRTY_DAYS)).toBeCloseTo(THIRTY_DAYS / b, 6);
      expect(budgetConsumed(b, timeToExhaust(b, THIRTY_DAYS), THIRTY_DAYS)).toBeCloseTo(1, 12);
    }
    // The workbook's table: at 14.4 a 30-day budget is gone in about 2 days, at 1,000 in 43 minutes.
    expect(timeToExhaust(14.4, THIRTY_DAYS) / DAY).toBeCloseTo(2.083, 3);
    expect(timeToExhaust(1000, THIRTY_DAYS) / MINUTE).toBeCloseTo(43.2, 6);
    expect(timeToExhaust(0, THIRTY_DAYS)).toBe(Infinity);
  });

  it("refuses an availability that leaves no budget or no objective", () => {
    expect(() => burnRate(0.01, 100)).toThrow(RangeError);
    expect(() => burnRate(0.01, 0)).toThrow(RangeError);
  });
});

describe("evaluateBurnRate: multi-window, multi-burn-rate alerts", () => {
  it("stays quiet under a normal error rate", () => {
    const result = evaluateBurnRate({ samples: traffic(6 * 60, 0, 0.0005, 10_000), now, slo });
    expect(result).toMatchObject({ firing: false, rule: null });
    expect(result.windows.map((w) => w.name)).toEqual(["fast", "slow"]);
    expect(result.windows[0]!.long.burn).toBeCloseTo(0.5, 9);
  });

  it("the fast rule fires when both its hour and its five minutes burn faster than 14.4", () => {
    const samples = [...traffic(6 * 60, 60, 0), ...traffic(60, 0, 0.02)];
    const result = evaluateBurnRate({ samples, now, slo });
    expect(result).toMatchObject({ firing: true, rule: "fast" });
    const fast = result.windows[0]!;
    expect(fast.long).toMatchObject({ from: new Date(now.getTime() - HOUR), to: now });
    expect(fast.long.ratio).toBeCloseTo(0.02, 12);
    expect(fast.long.burn).toBeCloseTo(20, 9);
    expect(fast.short.burn).toBeCloseTo(20, 9);
    expect(fast).toMatchObject({ threshold: 14.4, firing: true });
    // One bad hour in six is a burn of ~3.3 over six hours: not enough for the slow rule alone.
    expect(result.windows[1]).toMatchObject({ name: "slow", firing: false });
  });

  it("the short window resets the alert: long window still high, short window back to normal", () => {
    const samples = [...traffic(6 * 60, 60, 0), ...traffic(60, 5, 0.03), ...traffic(5, 0, 0)];
    const result = evaluateBurnRate({ samples, now, slo });
    const fast = result.windows[0]!;
    expect(fast.long.burn!).toBeGreaterThan(14.4);
    expect(fast.short.burn).toBe(0);
    expect(result).toMatchObject({ firing: false, rule: null });
  });

  it("a short spike alone does not fire: the long window must agree", () => {
    const samples = [...traffic(6 * 60, 5, 0), ...traffic(5, 0, 0.1)];
    const result = evaluateBurnRate({ samples, now, slo });
    expect(result.windows[0]!.short.burn!).toBeGreaterThan(14.4);
    expect(result.windows[0]!.long.burn!).toBeLessThan(14.4);
    expect(result.firing).toBe(false);
  });

  it("the slow rule catches a sustained, smaller burn the fast rule misses", () => {
    const result = evaluateBurnRate({ samples: traffic(6 * 60, 0, 0.008), now, slo });
    expect(result).toMatchObject({ firing: true, rule: "slow" });
    expect(result.windows[0]!.long.burn).toBeCloseTo(8, 9);
    expect(result.windows[0]!.firing).toBe(false);
    expect(result.windows[1]!.firing).toBe(true);
  });

  it("never fires without traffic, and a burn exactly at the threshold does not exceed it", () => {
    expect(evaluateBurnRate({ samples: [], now, slo })).toMatchObject({ firing: false, rule: null });
    expect(evaluateBurnRate({ samples: [], now, slo }).windows[0]!.long).toMatchObject({ ratio: null, burn: null });
    const atThreshold: BurnRateSlo = { availability: 90, burnRate: { fast: { long: HOUR, short: 5 * MINUTE, threshold: 2 }, slow: { long: 6 * HOUR, short: 30 * MINUTE, threshold: 2 } } };
    expect(evaluateBurnRate({ samples: traffic(6 * 60, 0, 0.2), now, slo: atThreshold }).firing).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { quantileMs, trafficSince, type TrafficCounters } from "./traffic";

const counters = (instance: string, requests: number, errors: number, latency: [number, number][] = []): TrafficCounters => ({ instance, requests, errors, latency });
const readingOf = (...list: TrafficCounters[]) => new Map(list.map((c) => [c.instance, c]));

describe("traffic between two readings", () => {
  it("gives nothing on the first reading: counters since an unknown start are not the last few seconds", () => {
    expect(trafficSince(undefined, [counters("a#1", 500, 3)])).toBeNull();
  });

  it("subtracts the previous reading per instance and sums over instances", () => {
    const previous = readingOf(counters("a#1", 100, 1), counters("b#2", 50, 0));
    expect(trafficSince(previous, [counters("a#1", 130, 4), counters("b#2", 80, 0)])).toEqual({ requests: 60, errors: 3, p95Ms: null });
  });

  it("counts a new process (another pid) or a counter that went down (a restart) in full", () => {
    const previous = readingOf(counters("a#1", 100, 1), counters("b#2", 50, 5));
    const window = trafficSince(previous, [counters("a#9", 20, 2), counters("b#2", 10, 0)]);
    expect(window).toMatchObject({ requests: 30, errors: 2 });
  });

  it("reads p95 from the histogram's delta, not from what the process served before", () => {
    // Before: 1000 fast requests. Since: 100 requests, 10 of them slow (0.5–1 s).
    const previous = readingOf(
      counters("a#1", 1000, 0, [
        [0.1, 1000],
        [1, 1000],
        [Infinity, 1000],
      ]),
    );
    const window = trafficSince(previous, [
      counters("a#1", 1100, 0, [
        [0.1, 1090],
        [1, 1100],
        [Infinity, 1100],
      ]),
    ])!;
    expect(window.requests).toBe(100);
    // rank 95 of 100: 90 in ≤0.1 s, the rest in (0.1, 1]: 0.1 + 0.9 × 5/10 = 0.55 s.
    expect(window.p95Ms).toBe(550);
  });

  it("an instance that went away counts nothing (its requests were already counted)", () => {
    expect(trafficSince(readingOf(counters("a#1", 100, 0)), [])).toEqual({ requests: 0, errors: 0, p95Ms: null });
  });
});

describe("quantileMs", () => {
  it("interpolates inside the bucket, like histogram_quantile", () => {
    expect(
      quantileMs(
        new Map([
          [0.1, 0],
          [0.5, 10],
          [Infinity, 10],
        ]),
        0.95,
      ),
    ).toBe(480);
    expect(
      quantileMs(
        new Map([
          [0.1, 190],
          [0.5, 200],
          [Infinity, 200],
        ]),
        0.95,
      ),
    ).toBe(100);
  });

  it("reports the largest finite bound when the quantile lies in +Inf, and null without observations", () => {
    expect(
      quantileMs(
        new Map([
          [1, 0],
          [Infinity, 5],
        ]),
        0.95,
      ),
    ).toBe(1000);
    expect(quantileMs(new Map(), 0.95)).toBeNull();
    expect(quantileMs(new Map([[Infinity, 0]]), 0.95)).toBeNull();
  });
});

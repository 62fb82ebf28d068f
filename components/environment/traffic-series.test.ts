import { describe, expect, it } from "vitest";
import type { TrafficMinute } from "@/lib/services/traffic-queries";
import { formatPercent, packTraffic, unpackTraffic } from "./traffic-series";

const minutes: TrafficMinute[] = [
  { at: "2026-12-02T10:00:00.000Z", requests: 120, errors: 3, p95Ms: 84 },
  { at: "2026-12-02T10:01:00.000Z", requests: 0, errors: 0, p95Ms: null },
  { at: "2026-12-02T10:02:00.000Z", requests: 7, errors: 7, p95Ms: 1200 },
];

describe("the traffic panel's packed series", () => {
  it("unpacks to the same minutes, times from their position, with the requests that did not fail", () => {
    const packed = packTraffic(minutes);
    expect(packed).toEqual({
      fromMs: Date.parse("2026-12-02T10:00:00.000Z"),
      minutes: [
        [120, 3, 84],
        [0, 0, null],
        [7, 7, 1200],
      ],
    });
    expect(unpackTraffic(packed)).toEqual(minutes.map((m) => ({ at: Date.parse(m.at), requests: m.requests, errors: m.errors, ok: m.requests - m.errors, p95Ms: m.p95Ms })));
    // What travels is a fraction of the minutes as objects with ISO times.
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(minutes).length / 3);
  });

  it("packs no minutes to an empty series", () => {
    expect(unpackTraffic(packTraffic([]))).toEqual([]);
  });

  it("says a small share of failures with two decimals, others with one", () => {
    expect([formatPercent(0), formatPercent(0.0005), formatPercent(0.025), formatPercent(1)]).toEqual(["0.0%", "0.05%", "2.5%", "100.0%"]);
  });
});

import type { TrafficMinute } from "@/lib/services/traffic-queries";

/**
 * An hour of traffic as the browser gets it: the first minute's start (ms since the epoch), then
 * one `[requests, errors, p95Ms]` per minute, a minute apart. Gaps are already zeros (the service
 * fills them), so the times follow from the position.
 */
export interface PackedTraffic {
  fromMs: number;
  minutes: [requests: number, errors: number, p95Ms: number | null][];
}

/** A minute as the chart plots it: `at` in ms, `ok` the requests that did not fail. */
export interface TrafficChartMinute {
  at: number;
  requests: number;
  errors: number;
  ok: number;
  p95Ms: number | null;
}

const MINUTE_MS = 60_000;

/** The chart's height (px), and its empty state's, so the panel does not jump when traffic starts. */
export const TRAFFIC_CHART_HEIGHT = 160;

/** Packs a service series (consecutive minutes, oldest first). An empty series packs to no minutes. */
export function packTraffic(minutes: TrafficMinute[]): PackedTraffic {
  return { fromMs: minutes.length ? Date.parse(minutes[0]!.at) : 0, minutes: minutes.map((m) => [m.requests, m.errors, m.p95Ms]) };
}

/** The inverse of packTraffic, with `ok` added for the stacked bars. */
export function unpackTraffic(packed: PackedTraffic): TrafficChartMinute[] {
  return packed.minutes.map(([requests, errors, p95Ms], i) => ({ at: packed.fromMs + i * MINUTE_MS, requests, errors, ok: requests - errors, p95Ms }));
}

/** A ratio as a percentage: one decimal, two for a small non-zero one (0.05 %). */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio !== 0 && Math.abs(ratio) < 0.01 ? 2 : 1)}%`;
}

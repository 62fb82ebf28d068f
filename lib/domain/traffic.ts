/**
 * Traffic counters and the deltas between two readings. Apps expose cumulative counters (requests,
 * failed requests, a latency histogram) that restart from zero with the process; the controller
 * reads them every few seconds and records what happened in between. Pure.
 */

/** Cumulative counters one instance has served since it started (its /metrics). */
export interface TrafficCounters {
  /** Identifies the process: a new process (another pid) starts from zero. */
  instance: string;
  requests: number;
  errors: number;
  /** Latency histogram: cumulative request counts at or under each bound in seconds (Infinity last). */
  latency: [le: number, count: number][];
}

/** What an app served between two readings. */
export interface TrafficWindow {
  requests: number;
  errors: number;
  /** 95th percentile latency in the window, from the histogram; null without requests. */
  p95Ms: number | null;
}

/**
 * What happened since `previous`. An instance unseen before started in between, so all it counted
 * is new; a counter lower than before means the process restarted, so its value is all new too.
 * Returns null on the first reading (`previous` undefined): counters since some unknown start are
 * not "the last few seconds".
 */
export function trafficSince(previous: ReadonlyMap<string, TrafficCounters> | undefined, current: readonly TrafficCounters[]): TrafficWindow | null {
  if (!previous) return null;
  let requests = 0;
  let errors = 0;
  const histogram = new Map<number, number>();
  for (const now of current) {
    const before = previous.get(now.instance);
    const restarted = !before || now.requests < before.requests || now.errors < before.errors;
    requests += restarted ? now.requests : now.requests - before.requests;
    errors += restarted ? now.errors : now.errors - before.errors;
    const earlier = new Map(restarted ? [] : before.latency);
    for (const [le, count] of now.latency) histogram.set(le, (histogram.get(le) ?? 0) + Math.max(0, count - (earlier.get(le) ?? 0)));
  }
  return { requests, errors, p95Ms: requests > 0 ? quantileMs(histogram, 0.95) : null };
}

/**
 * The q-quantile of a cumulative histogram in milliseconds, interpolated linearly inside the bucket
 * it falls in (as Prometheus' histogram_quantile does). Null for an empty histogram.
 */
export function quantileMs(buckets: ReadonlyMap<number, number>, q: number): number | null {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (sorted.length === 0 || total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      // In the +Inf bucket all we know is "above the largest finite bound".
      if (le === Infinity) return Math.round(lowerBound * 1000);
      const inBucket = count - lowerCount;
      const fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return Math.round((lowerBound + (le - lowerBound) * fraction) * 1000);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return Math.round(lowerBound * 1000);
}

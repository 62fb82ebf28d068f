import type { TrafficCounters } from "@/lib/domain/traffic";

const SCRAPE_TIMEOUT_MS = 2000;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (the subset apps emit: samples with optional labels). */
export function parsePrometheus(body: string): Sample[] {
  const samples: Sample[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const raw of body.split("\n")) {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const match = line.exec(trimmed);
    if (!match) continue;
    const value = Number(match[3]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const m of (match[2] ?? "").matchAll(label)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/**
 * One instance's cumulative counters from its /metrics. Errors are the 5xx codes (`code="5xx"` or
 * `code="503"` alike); the latency histogram is kept as it is, for deltas and quantiles later.
 */
export function countersOf(instance: string, samples: Sample[]): TrafficCounters {
  let requests = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name === "http_requests_total") {
      requests += s.value;
      if (/^5/.test(s.labels.code ?? s.labels.status ?? "")) errors += s.value;
    } else if (s.name === "http_request_duration_seconds_bucket" && s.labels.le !== undefined) {
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      if (!Number.isNaN(le)) buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  return { instance, requests, errors, latency: [...buckets.entries()].sort((a, b) => a[0] - b[0]) };
}

/** Reads one instance's /metrics; null when it does not answer. */
export async function scrapeMetrics(url: string): Promise<Sample[] | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    if (!response.ok) return null;
    return parsePrometheus(await response.text());
  } catch {
    return null;
  }
}

import type { TrafficCounters } from "@/lib/domain/traffic";
import type { InstanceHealth } from "../types";

const PROBE_TIMEOUT_MS = 2000;

function errorText(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Asks one instance for its health. An app that answers with a JSON object carrying `status` is
 * taken at its word (`healthy`, `degraded`; anything else is `unhealthy`) and needs HTTP 200. Any
 * other app (a static site, `python3 -m http.server`) is healthy when its health path answers
 * 2xx, as a load balancer's check would judge it. A 3xx/4xx/5xx or no answer is `unhealthy`.
 */
export async function probeHealth(instance: string, url: string): Promise<InstanceHealth> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { accept: "application/json" } });
    const raw = await response.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: judged by the status code alone.
    }
    const reported = text(body.status);
    const ok = reported === undefined ? response.status >= 200 && response.status < 300 : response.status === 200 && (reported === "healthy" || reported === "degraded");
    const status = ok ? (reported === "degraded" ? "degraded" : "healthy") : "unhealthy";
    return {
      instance,
      status,
      app: text(body.app),
      version: text(body.version),
      commit: text(body.commit),
      environment: text(body.environment),
      checks: body.checks,
      httpStatus: response.status,
      error: status === "unhealthy" ? `HTTP ${response.status}${reported ? `, status "${reported}"` : ""}` : undefined,
      latencyMs: latency(),
    };
  } catch (error) {
    return { instance, status: "unhealthy", error: errorText(error), latencyMs: latency() };
  }
}

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
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    if (!response.ok) return null;
    return parsePrometheus(await response.text());
  } catch {
    return null;
  }
}

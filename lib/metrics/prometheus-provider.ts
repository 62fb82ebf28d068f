import type { PrometheusConfig } from "@/lib/config/metrics-schema";
import { MetricsProviderError, type MetricsProvider, type TrafficTarget, type TrafficWindow } from "./types";

const QUERY_TIMEOUT_MS = 5_000;

/** A Prometheus label value inside double quotes: backslashes and quotes escaped. */
function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

/**
 * Fills $environment, $app, $release (the deployed release's id, empty when unknown) and $window
 * (whole seconds, at least 1, e.g. "15s") into a query.
 */
export function renderQuery(query: string, target: TrafficTarget, windowMs: number): string {
  const window = `${Math.max(1, Math.round(windowMs / 1000))}s`;
  return query
    .replaceAll("$environment", labelValue(target.environment))
    .replaceAll("$app", labelValue(target.app))
    .replaceAll("$release", labelValue(target.release ?? ""))
    .replaceAll("$window", window);
}

interface PrometheusResponse {
  status: "success" | "error";
  error?: string;
  data?: { resultType: string; result: { value?: [number, string] }[] };
}

/**
 * Reads traffic from a Prometheus server's HTTP API (`/api/v1/query` at the sampling time):
 * requests and errors as increases over the window, p95 from the latency histogram.
 */
export class PrometheusMetricsProvider implements MetricsProvider {
  readonly name = "prometheus";

  constructor(
    private readonly config: PrometheusConfig,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  async read(target: TrafficTarget, at: Date, windowMs: number): Promise<TrafficWindow | null> {
    const [requests, errors, p95Seconds] = await Promise.all([
      this.scalar(renderQuery(this.config.queries.requests, target, windowMs), at),
      this.scalar(renderQuery(this.config.queries.errors, target, windowMs), at),
      this.scalar(renderQuery(this.config.queries.p95, target, windowMs), at),
    ]);
    // No series for the requests query: Prometheus knows nothing of this app (yet).
    if (requests === null) return null;
    return {
      requests: Math.round(requests),
      // No error series at all means no request failed (the code label never took a 5xx value).
      errors: Math.min(Math.round(errors ?? 0), Math.round(requests)),
      p95Ms: p95Seconds === null || !Number.isFinite(p95Seconds) ? null : Math.round(p95Seconds * 1000),
    };
  }

  /** The sum of an instant vector's values (or a scalar), or null when the result is empty. */
  private async scalar(query: string, at: Date): Promise<number | null> {
    const url = new URL("api/v1/query", this.config.url.endsWith("/") ? this.config.url : `${this.config.url}/`);
    const token = this.config.tokenEnv ? this.env[this.config.tokenEnv] : undefined;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: new URLSearchParams({ query, time: (at.getTime() / 1000).toFixed(3) }),
        signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
      });
    } catch (error) {
      throw new MetricsProviderError(`Prometheus at ${this.config.url} did not answer: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => null)) as PrometheusResponse | null;
    if (!response.ok || !body || body.status !== "success") {
      throw new MetricsProviderError(`Prometheus refused the query ${query}: ${body?.error ?? `HTTP ${response.status}`}`);
    }
    const data = body.data!;
    if (data.resultType === "scalar") {
      const value = Number((data.result as unknown as [number, string])[1]);
      return Number.isNaN(value) ? null : value;
    }
    const values = data.result.map((r) => Number(r.value?.[1])).filter((v) => !Number.isNaN(v));
    return values.length ? values.reduce((a, b) => a + b, 0) : null;
  }
}

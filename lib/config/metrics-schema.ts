import { z } from "zod";
import { durationSchema } from "./duration";
import { nonEmptyString } from "./primitives";

/**
 * Where request and error counts come from. `platform` reads the apps' own /metrics through the
 * platform adapter (the local platform does); `prometheus` asks a Prometheus server's HTTP API.
 * Queries may use $environment, $app, $release (the deployed release's id) and $window (the
 * sampling interval, e.g. "15s"). The defaults select on the labels Slipway's targets file gives
 * every instance (lib/metrics/scrape-targets.ts): environment, app, release, slot, ….
 */
export const DEFAULT_PROMETHEUS_QUERIES = {
  requests: 'sum(increase(http_requests_total{environment="$environment",app="$app"}[$window]))',
  errors: 'sum(increase(http_requests_total{environment="$environment",app="$app",code=~"5.."}[$window]))',
  p95: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{environment="$environment",app="$app"}[$window])))',
} as const;

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: "expected an environment variable name" });

export const prometheusSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).describe("Base URL of the Prometheus server, e.g. http://prometheus:9090."),
    tokenEnv: envName.optional().describe("Environment variable holding a bearer token for the server, if it needs one."),
    queries: z
      .strictObject({
        requests: nonEmptyString().default(DEFAULT_PROMETHEUS_QUERIES.requests).describe("Requests served in the last $window."),
        errors: nonEmptyString().default(DEFAULT_PROMETHEUS_QUERIES.errors).describe("Failed requests in the last $window."),
        p95: nonEmptyString().default(DEFAULT_PROMETHEUS_QUERIES.p95).describe("95th percentile latency in seconds over the last $window."),
      })
      .prefault({})
      .describe("PromQL queries; $environment, $app, $release and $window are filled in."),
  })
  .describe("A Prometheus server to read traffic from.");

export const metricsSchema = z
  .strictObject({
    provider: z.enum(["platform", "prometheus"]).default("platform").describe("platform: the apps' /metrics through the platform adapter; prometheus: a Prometheus server."),
    sampleEvery: durationSchema().prefault("15s").describe("How often traffic and health are sampled."),
    retention: durationSchema().prefault("30d").describe("How long samples are kept."),
    prometheus: prometheusSchema.optional(),
  })
  .refine((m) => m.provider !== "prometheus" || m.prometheus, { message: "provider prometheus needs a prometheus block with its url", path: ["prometheus"] })
  .describe("Health and traffic sampling, for SLO burn rates.");

export type MetricsConfig = z.infer<typeof metricsSchema>;
export type PrometheusConfig = z.infer<typeof prometheusSchema>;

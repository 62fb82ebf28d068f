import type { MetricsConfig } from "@/lib/config/metrics-schema";
import { PlatformMetricsProvider, type TrafficSource } from "./platform-provider";
import { PrometheusMetricsProvider } from "./prometheus-provider";
import type { MetricsProvider } from "./types";

export type { MetricsProvider, TrafficTarget } from "./types";
export { scrapingTrafficSource, type TrafficSource } from "./platform-provider";

/** The provider slipway.yaml's `metrics` section names; `platform` reads counters from `traffic`. */
export function createMetricsProvider(config: Pick<MetricsConfig, "provider" | "prometheus">, traffic: TrafficSource): MetricsProvider {
  if (config.provider === "prometheus" && config.prometheus) return new PrometheusMetricsProvider(config.prometheus);
  return new PlatformMetricsProvider(traffic);
}

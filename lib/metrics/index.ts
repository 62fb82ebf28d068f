import type { MetricsConfig } from "@/lib/config/metrics-schema";
import type { PlatformAdapter } from "@/lib/platform/types";
import { PlatformMetricsProvider } from "./platform-provider";
import { PrometheusMetricsProvider } from "./prometheus-provider";
import type { MetricsProvider } from "./types";

export type { MetricsProvider, TrafficTarget } from "./types";

/** The provider slipway.yaml's `metrics` section names. */
export function createMetricsProvider(config: Pick<MetricsConfig, "provider" | "prometheus">, platform: Pick<PlatformAdapter, "traffic">): MetricsProvider {
  if (config.provider === "prometheus" && config.prometheus) return new PrometheusMetricsProvider(config.prometheus);
  return new PlatformMetricsProvider(platform);
}

import { trafficSince, type TrafficCounters } from "@/lib/domain/traffic";
import type { PlatformAdapter } from "@/lib/platform/types";
import type { MetricsProvider, TrafficTarget, TrafficWindow } from "./types";

const keyOf = (t: TrafficTarget) => `${t.environment}/${t.app}`;

/**
 * Reads the apps' own counters through the platform adapter (the local platform scrapes each
 * process's /metrics) and reports what changed since the previous read. The previous readings
 * live in memory: after a restart, the first read only sets the baseline.
 */
export class PlatformMetricsProvider implements MetricsProvider {
  readonly name = "platform";
  private readonly previous = new Map<string, Map<string, TrafficCounters>>();

  constructor(private readonly platform: Pick<PlatformAdapter, "traffic">) {}

  async read(target: TrafficTarget): Promise<TrafficWindow | null> {
    const counters = await this.platform.traffic(target.environment, target.app);
    const key = keyOf(target);
    if (!counters) {
      this.previous.delete(key);
      return null;
    }
    const window = trafficSince(this.previous.get(key), counters);
    this.previous.set(key, new Map(counters.map((c) => [c.instance, c])));
    return window;
  }

  retain(targets: readonly TrafficTarget[]): void {
    const keep = new Set(targets.map(keyOf));
    for (const key of this.previous.keys()) if (!keep.has(key)) this.previous.delete(key);
  }
}

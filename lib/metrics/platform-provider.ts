import { trafficSince, type TrafficCounters } from "@/lib/domain/traffic";
import type { PlatformAdapter } from "@/lib/platform/types";
import { countersOf, scrapeMetrics } from "./scrape";
import type { MetricsProvider, TrafficTarget, TrafficWindow } from "./types";

const keyOf = (t: TrafficTarget) => `${t.environment}/${t.app}`;

/**
 * Where the `platform` provider gets cumulative counters: one entry per running instance that
 * may serve requests (both slots while a rolling rollout splits traffic); null when nothing runs.
 */
export interface TrafficSource {
  traffic(environment: string, app: string): Promise<TrafficCounters[] | null>;
}

/**
 * Scrapes each running instance's own `/metrics` at the address the platform reports for it
 * (`status()`), so any adapter whose instance addresses Slipway can reach works without a
 * traffic method of its own. An instance is keyed by slot, id and start time: a restarted
 * instance starts its counters again and must not read as negative traffic.
 */
export function scrapingTrafficSource(platforms: (environment: string) => Pick<PlatformAdapter, "status">): TrafficSource {
  return {
    async traffic(environment, app) {
      const status = await platforms(environment).status(environment, app);
      const slots = [status?.active, status?.standby].filter((slot) => slot !== null && slot !== undefined);
      if (slots.length === 0) return null;
      const running = slots.flatMap((slot) => slot.instances.filter((i) => i.running).map((i) => ({ key: `${slot.buildId}/${i.id}@${slot.startedAt}`, address: i.address })));
      const scraped = await Promise.all(running.map(async (i) => ({ key: i.key, samples: await scrapeMetrics(`${i.address}/metrics`) })));
      return scraped.filter((s) => s.samples !== null).map((s) => countersOf(s.key, s.samples!));
    },
  };
}

/**
 * Reads the apps' own counters (by default scraped from each instance's /metrics) and reports
 * what changed since the previous read. The previous readings live in memory: after a restart,
 * the first read only sets the baseline.
 */
export class PlatformMetricsProvider implements MetricsProvider {
  readonly name = "platform";
  private readonly previous = new Map<string, Map<string, TrafficCounters>>();

  constructor(private readonly source: TrafficSource) {}

  async read(target: TrafficTarget): Promise<TrafficWindow | null> {
    const counters = await this.source.traffic(target.environment, target.app);
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

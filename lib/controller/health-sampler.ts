import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environmentApps } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { aggregateHealth } from "@/lib/domain/health";
import type { InstanceHealth } from "@/lib/platform/types";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { healthPathOf, sampledCellPages } from "./specs";

/** Runs `work` over `items`, at most `limit` at a time. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * Asks the platform how every deployed app is doing and records it with the time observed, so the
 * board shows live health (and shows it as stale when observations stop). Cells are read one keyset
 * page at a time (sampledCellPages), 8 asked at a time: memory is bounded by the page. Returns how
 * many cells were sampled.
 */
export async function sampleHealth(db: Db, platforms: PlatformRegistry, clock: Clock): Promise<number> {
  let sampled = 0;
  for await (const cells of sampledCellPages(db)) {
    sampled += cells.length;
    await sampleCells(db, platforms, clock, cells);
  }
  return sampled;
}

async function sampleCells(db: Db, platforms: PlatformRegistry, clock: Clock, cells: { environmentId: string; environment: string; appId: string; app: string; appSettings: unknown }[]): Promise<void> {
  await eachLimited(cells, 8, async (cell) => {
    let instances: InstanceHealth[];
    try {
      instances = await platforms.forEnvironment(cell.environment).health(cell.environment, cell.app, "active", healthPathOf(cell.appSettings));
    } catch (error) {
      instances = [{ instance: "-", status: "unhealthy", error: (error as Error).message, latencyMs: 0 }];
    }
    const status = await Promise.resolve()
      .then(() => platforms.forEnvironment(cell.environment).status(cell.environment, cell.app))
      .catch(() => null);
    await db
      .update(environmentApps)
      .set({
        healthStatus: aggregateHealth(instances.map((i) => i.status)),
        healthObservedAt: clock.now(),
        healthDetail: { instances: instances.map(({ instance, status: s, version, commit, error, latencyMs }) => ({ instance, status: s, version, commit, error, latencyMs })) },
        ...(status?.url ? { url: status.url } : {}),
      })
      .where(and(eq(environmentApps.environmentId, cell.environmentId), eq(environmentApps.appId, cell.appId)));
  });
}

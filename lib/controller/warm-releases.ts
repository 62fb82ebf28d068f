import { and, eq, isNotNull, lt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environmentApps, environments, apps } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import type { PlatformRegistry } from "@/lib/platform/registry";

/**
 * After a blue-green switch the previous release stays warm for `warmFor`, so a rollback is a
 * traffic switch. When that time is up, it is stopped.
 */
export async function retireExpiredWarmReleases(db: Db, platforms: PlatformRegistry, clock: Clock, log: (line: string) => void): Promise<void> {
  const expired = await db
    .select({ environmentId: environmentApps.environmentId, appId: environmentApps.appId, environment: environments.name, app: apps.name })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(and(isNotNull(environmentApps.warmUntil), lt(environmentApps.warmUntil, clock.now())));
  for (const cell of expired) {
    try {
      await platforms.forEnvironment(cell.environment).stopStandby(cell.environment, cell.app);
      log(`${cell.environment}/${cell.app}: the previous release is no longer kept warm`);
    } catch (error) {
      log(`${cell.environment}/${cell.app}: could not stop the warm release: ${(error as Error).message}`);
      continue;
    }
    await db
      .update(environmentApps)
      .set({ warmUntil: null })
      .where(and(eq(environmentApps.environmentId, cell.environmentId), eq(environmentApps.appId, cell.appId)));
  }
}

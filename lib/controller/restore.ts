import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, deployments, environmentApps, environments } from "@/db/schema";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { eachLimited } from "./health-sampler";
import { recordedSpecs } from "./specs";

/**
 * On becoming leader: asks each environment's platform to run what the environment is recorded
 * to run (`ensureActive` adopts what survived a restart and starts only what did not), and keeps
 * each app's URL as the platform reports it. Environments with a rollout in progress are left to
 * the rollout. Problems are logged per app, never thrown: one broken app must not keep the rest
 * from serving. Returns how many apps were restored and of how many.
 */
export async function restoreRecordedState(db: Db, platforms: PlatformRegistry, log: (line: string) => void): Promise<{ restored: number; total: number }> {
  // By name: the specs name their environment (comparing ids with names once let a restart restore
  // an environment mid-rollout to its previous release).
  const busy = new Set(
    (await db.select({ name: environments.name }).from(deployments).innerJoin(environments, eq(environments.id, deployments.environmentId)).where(inArray(deployments.state, ["running", "verifying"]))).map((r) => r.name),
  );
  const specs = (await recordedSpecs(db)).filter((p) => !busy.has(p.spec.environment));
  let restored = 0;
  const problems: string[] = [];
  await eachLimited(specs, 4, async (plan) => {
    try {
      const status = await platforms.forEnvironment(plan.spec.environment).ensureActive(plan.spec);
      restored += 1;
      if (status.url) {
        await db
          .update(environmentApps)
          .set({ url: status.url })
          .where(and(eq(environmentApps.appId, plan.appId), plan.environmentId ? eq(environmentApps.environmentId, plan.environmentId) : sql`${environmentApps.environmentId} = (select id from ${environments} where name = ${plan.spec.environment} and pipeline_id = (select pipeline_id from ${apps} where id = ${plan.appId}) and state not in ('torn-down', 'retired'))`));
      }
    } catch (error) {
      problems.push(`${plan.spec.environment}/${plan.app}: ${(error as Error).message}`);
    }
  });
  log(`restored ${restored} of ${specs.length} apps to their recorded releases${problems.length ? `; could not restore:\n  ${problems.join("\n  ")}` : ""}`);
  return { restored, total: specs.length };
}

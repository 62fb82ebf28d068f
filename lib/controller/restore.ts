import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environmentApps } from "@/db/schema";
import type { PlatformRegistry } from "@/lib/platform/registry";
import { eachLimited } from "./health-sampler";
import { recordedSpecPages } from "./specs";
import { ROLLING_OUT_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

/** At most this many problems are listed in the log line; the rest are counted. */
const LISTED_PROBLEMS = 20;
/** A large installation's restore takes a while: a progress line every this many apps. */
const PROGRESS_EVERY = 5_000;

/**
 * On becoming leader: asks each environment's platform to run what the environment is recorded
 * to run (`ensureActive` adopts what survived a restart and starts only what did not), and keeps
 * each app's URL as the platform reports it. Environments with a rollout in progress are left to
 * the rollout. Problems are logged per app, never thrown: one broken app must not keep the rest
 * from serving. Returns how many apps were restored and of how many.
 *
 * Memory stays bounded at any size: the recorded state is read one keyset page of `pageSize` cells
 * at a time (recordedSpecPages), each page restored (4 at a time) before the next is read.
 */
export async function restoreRecordedState(db: Db, platforms: PlatformRegistry, log: (line: string) => void, options: { pageSize?: number } = {}): Promise<{ restored: number; total: number }> {
  // Environments with a rollout in flight are left to it (restoring one mid-rollout once put it
  // back on its previous release). By id: names repeat across pipelines.
  const busy = new Set(
    (
      await db
        .select({ id: deployments.environmentId })
        .from(deployments)
        .where(inArray(deployments.state, [...ROLLING_OUT_DEPLOYMENT_STATES]))
    ).map((r) => r.id),
  );
  let restored = 0;
  let total = 0;
  let problemCount = 0;
  const problems: string[] = [];
  let nextProgress = PROGRESS_EVERY;
  for await (const page of recordedSpecPages(db, options.pageSize)) {
    const specs = page.filter((p) => !busy.has(p.environmentId!));
    total += specs.length;
    if (total >= nextProgress) {
      nextProgress += PROGRESS_EVERY;
      log(`restoring: ${total} apps so far (${restored} restored, ${problemCount} could not be)…`);
    }
    await eachLimited(specs, 4, async (plan) => {
      try {
        const status = await platforms.forEnvironment(plan.spec.environment).ensureActive(plan.spec);
        restored += 1;
        if (status.url) {
          await db
            .update(environmentApps)
            .set({ url: status.url })
            .where(and(eq(environmentApps.appId, plan.appId), eq(environmentApps.environmentId, plan.environmentId!)));
        }
      } catch (error) {
        problemCount += 1;
        if (problems.length < LISTED_PROBLEMS) problems.push(`${plan.spec.environment}/${plan.app}: ${(error as Error).message}`);
      }
    });
  }
  const more = problemCount > problems.length ? `\n  … and ${problemCount - problems.length} more` : "";
  log(`restored ${restored} of ${total} apps to their recorded releases${problemCount ? `; could not restore:\n  ${problems.join("\n  ")}${more}` : ""}`);
  return { restored, total };
}

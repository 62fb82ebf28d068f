import { and, eq, isNotNull, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, environmentApps, environments, healthSamples } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import type { MetricsProvider } from "@/lib/metrics";
import { eachLimited } from "./health-sampler";
import { deleteInBatches, PRUNE_BATCH } from "./retention";
import { STOPPED_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";

/** Samples are kept per minute: fine enough for a 5-minute burn-rate window, small enough to keep 30 days. */
export const BUCKET_MS = 60_000;

export function bucketOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / BUCKET_MS) * BUCKET_MS);
}

/**
 * Reads what every running app served since the last pass and adds it to its minute bucket in
 * health_samples — one per release, so the minute of a deployment keeps both apart — with the
 * health seen now. Requests and errors add up within a
 * bucket; p95 keeps the worst reading (a percentile cannot be summed). A provider that fails for
 * one app is logged and that app's traffic is unknown for the pass — never counted as zero errors.
 */
export async function sampleTraffic(db: Db, provider: MetricsProvider, clock: Clock, windowMs: number, log: (line: string) => void, pipelineId?: string): Promise<number> {
  const cells = await db
    .select({ environmentId: environments.id, environment: environments.name, appId: apps.id, app: apps.name, releaseId: environmentApps.releaseId, status: environmentApps.healthStatus })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(and(isNotNull(environmentApps.buildId), notInArray(environments.state, [...STOPPED_ENVIRONMENT_STATES]), pipelineId ? eq(environments.pipelineId, pipelineId) : undefined));
  const now = clock.now();
  const bucketStart = bucketOf(now);
  let written = 0;
  await eachLimited(cells, 8, async (cell) => {
    let window;
    try {
      window = await provider.read({ environment: cell.environment, app: cell.app, release: cell.releaseId }, now, windowMs);
    } catch (error) {
      log(`metrics: ${cell.environment}/${cell.app}: ${(error as Error).message}`);
      return;
    }
    if (window && !(Number.isFinite(window.requests) && Number.isFinite(window.errors) && window.requests >= 0 && window.errors >= 0)) {
      log(`metrics: ${cell.environment}/${cell.app}: ${provider.name} reported impossible counts (${window.requests} requests, ${window.errors} errors); ignored`);
      return;
    }
    const requests = Math.round(window?.requests ?? 0);
    const errors = Math.min(requests, Math.round(window?.errors ?? 0));
    await db
      .insert(healthSamples)
      .values({ environmentId: cell.environmentId, appId: cell.appId, releaseId: cell.releaseId, bucketStart, status: cell.status, requests, errors, p95Ms: window?.p95Ms ?? null })
      .onConflictDoUpdate({
        target: [healthSamples.environmentId, healthSamples.appId, healthSamples.bucketStart, healthSamples.releaseId],
        set: {
          requests: sql`${healthSamples.requests} + ${requests}`,
          errors: sql`${healthSamples.errors} + ${errors}`,
          p95Ms: sql`greatest(${healthSamples.p95Ms}, excluded.p95_ms)`,
          status: sql`excluded.status`,
        },
      });
    written += 1;
  });
  provider.retain?.(cells);
  return written;
}

/**
 * Deletes samples older than the retention period (of one pipeline's environments, when
 * `pipelineId` is given), `batchSize` rows per statement (through the bucket_start index) so a
 * large backlog never holds one long transaction or a huge result; returns how many went.
 */
export async function pruneSamples(db: Db, clock: Clock, retentionMs: number, options: { pipelineId?: string; batchSize?: number } = {}): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - retentionMs);
  const batchSize = options.batchSize ?? PRUNE_BATCH;
  const ofPipeline = options.pipelineId ? sql` and ${healthSamples.environmentId} in (select id from environments where pipeline_id = ${options.pipelineId})` : sql``;
  return deleteInBatches(
    () =>
      db
        .delete(healthSamples)
        .where(sql`ctid = any(array(select ctid from ${healthSamples} where ${healthSamples.bucketStart} < ${cutoff}${ofPipeline} limit ${batchSize}))`)
        .returning({ at: healthSamples.bucketStart }),
    batchSize,
  );
}

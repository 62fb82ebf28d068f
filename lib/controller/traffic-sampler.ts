import { and, eq, isNotNull, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, environmentApps, environments, healthSamples } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import type { MetricsProvider } from "@/lib/metrics";
import { eachLimited } from "./health-sampler";
import { deleteInBatches, PRUNE_BATCH } from "./retention";
import { STOPPED_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { textArray } from "@/db/queries/sql-arrays";

/** Samples are kept per minute: fine enough for a 5-minute burn-rate window, small enough to keep 30 days. */
export const BUCKET_MS = 60_000;

export function bucketOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / BUCKET_MS) * BUCKET_MS);
}

/** Samples written per INSERT statement. */
const WRITE_CHUNK = 500;

/**
 * Reads what every running app served since the last pass and adds it to its minute bucket in
 * health_samples — one per release, so the minute of a deployment keeps both apart — with the
 * health seen now. Requests and errors add up within a
 * bucket; p95 keeps the worst reading (a percentile cannot be summed). A provider that fails for
 * one app is logged and that app's traffic is unknown for the pass — never counted as zero errors.
 *
 * `running` (environment/app keys, from the platforms' inventory) limits the pass to the cells
 * the platforms run: one that runs nowhere served nothing, so it is neither read nor written, and
 * a pass costs what runs, not every cell. Null or omitted: every deployed cell is read (the
 * inventory could not be taken). Samples are written `WRITE_CHUNK` per statement. Returns how
 * many cells' samples were written.
 */
export async function sampleTraffic(db: Db, provider: MetricsProvider, clock: Clock, windowMs: number, log: (line: string) => void, pipelineId?: string, running?: ReadonlySet<string> | null): Promise<number> {
  if (running && running.size === 0) {
    provider.retain?.([]);
    return 0;
  }
  const pairs = running ? [...running].map((key) => key.split("/") as [string, string]) : null;
  const cells = await db
    .select({ environmentId: environments.id, environment: environments.name, appId: apps.id, app: apps.name, releaseId: environmentApps.releaseId, status: environmentApps.healthStatus })
    .from(environmentApps)
    .innerJoin(environments, eq(environments.id, environmentApps.environmentId))
    .innerJoin(apps, eq(apps.id, environmentApps.appId))
    .where(
      and(
        isNotNull(environmentApps.buildId),
        notInArray(environments.state, [...STOPPED_ENVIRONMENT_STATES]),
        pipelineId ? eq(environments.pipelineId, pipelineId) : undefined,
        pairs ? sql`(${environments.name}, ${apps.name}) in (select * from unnest(${textArray(pairs.map((p) => p[0]))}, ${textArray(pairs.map((p) => p[1]))}))` : undefined,
      ),
    );
  const now = clock.now();
  const bucketStart = bucketOf(now);
  const samples: (typeof healthSamples.$inferInsert)[] = [];
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
    samples.push({ environmentId: cell.environmentId, appId: cell.appId, releaseId: cell.releaseId, bucketStart, status: cell.status, requests, errors, p95Ms: window?.p95Ms ?? null });
  });
  for (let i = 0; i < samples.length; i += WRITE_CHUNK) {
    await db
      .insert(healthSamples)
      .values(samples.slice(i, i + WRITE_CHUNK))
      .onConflictDoUpdate({
        target: [healthSamples.environmentId, healthSamples.appId, healthSamples.bucketStart, healthSamples.releaseId],
        set: {
          requests: sql`${healthSamples.requests} + excluded.requests`,
          errors: sql`${healthSamples.errors} + excluded.errors`,
          p95Ms: sql`greatest(${healthSamples.p95Ms}, excluded.p95_ms)`,
          status: sql`excluded.status`,
        },
      });
  }
  provider.retain?.(cells);
  return samples.length;
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

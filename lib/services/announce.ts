import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import { deploymentPath, enqueueNotification, type DeploymentData, type SlipwayEvent } from "@/lib/notify";
import { pipelineOf, resolvePipeline } from "./pipeline-scope";

/**
 * Queues a notification to every channel of the event's pipeline (`event.data.pipeline`, set by
 * deploymentData) that wants it, in the caller's transaction: a change that rolls back announces
 * nothing. Delivery happens later, never blocking.
 */
export async function announce(tx: Db, clock: Clock, event: SlipwayEvent): Promise<void> {
  if (!event.data.pipeline) throw new Error(`The ${event.event} event names no pipeline: build its data with deploymentData.`);
  const pipeline = await resolvePipeline(tx, event.data.pipeline);
  const channels = pipeline.config.notifications ?? [];
  if (channels.length) await enqueueNotification(tx, channels, event, clock.now());
}

/** What every deployment event says: where, what (versions), who and why, and a link. */
export async function deploymentData(tx: Db, deploymentId: string): Promise<DeploymentData> {
  const row = await tx.query.deployments.findFirst({
    where: eq(deployments.id, deploymentId),
    with: {
      environment: { columns: { id: true, name: true, kind: true } },
      release: { columns: { id: true, commit: true, branch: true }, with: { builds: { with: { build: { columns: { version: true } }, app: { columns: { name: true, position: true } } } } } },
      requestedByUser: { columns: { name: true, email: true } },
    },
  });
  if (!row) throw new Error(`No deployment ${deploymentId}`);
  const pipeline = await pipelineOf(tx, { environmentId: row.environment.id });
  return {
    pipeline: pipeline.name,
    environment: row.environment.name,
    environmentKind: row.environment.kind,
    deploymentId: row.id,
    kind: row.kind,
    release: { id: row.release.id, commit: row.release.commit, branch: row.release.branch },
    versions: row.release.builds.sort((a, b) => a.app.position - b.app.position).map((b) => ({ app: b.app.name, version: b.build.version })),
    requestedBy: { name: row.requestedByUser.name, email: row.requestedByUser.email },
    ...(row.reason ? { reason: row.reason } : {}),
    url: deploymentPath(row.id),
  };
}

import { and, asc, eq, gte, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environmentApps, environments, releases, reviewChangeRequests, sourceControlDeployments } from "@/db/schema";
import type { DeploymentState } from "@/db/schema/enums";
import type { Clock } from "@/lib/domain/clock";
import { SourceControlApiError, type DeploymentReport, type SourceControlClient } from "./clients";
import { describeState, providerState, type SourceControlProvider } from "./deployment-states";

/** Waits before the 2nd, 3rd, … attempt; after the last one the report is given up until the next state change. */
export const REPORT_BACKOFF_MS = [5_000, 30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000] as const;
/** How far back a deployment's state changes are picked up on the first scan (a longer outage is not caught up). */
const LOOKBACK_MS = 6 * 3600_000;
/** Later scans look back this far before the previous one, so a change committed during a scan is not missed. */
const SCAN_OVERLAP_MS = 30_000;

export interface ReportOptions {
  clients: Partial<Record<SourceControlProvider, SourceControlClient>>;
  clock: Clock;
  /** Slipway's public URL, for the log link on the provider's page. */
  baseUrl: string;
  log?: (line: string) => void;
  /**
   * When the previous call scanned (its `scannedAt`): only deployments changed since then (with a
   * small overlap) are read, so each call reads what changed, not six hours of history. Default:
   * the last six hours.
   */
  since?: Date;
  /** Most reports sent per call. Default 20. */
  limit?: number;
}

export interface ReportResult {
  /** When this call read the deployments: pass it as `since` to the next call. */
  scannedAt: Date;
  tracked: number;
  reported: number;
  retried: number;
  failed: number;
}

/**
 * Records, for each recent deployment that a change request cares about, the state its source
 * control should show. A change request cares about a deployment when the deployment is in the
 * review environment the request references, or deploys a release of the request's branch from
 * the same repository (a fork's branch of the same name does not count). Only providers with a
 * client (a token configured) are tracked.
 */
async function track(db: Db, options: ReportOptions): Promise<number> {
  const providers = Object.keys(options.clients) as SourceControlProvider[];
  if (providers.length === 0) return 0;
  const now = options.clock.now();
  const rows = await db
    .select({
      deploymentId: deployments.id,
      state: deployments.state,
      environment: environments.name,
      environmentId: environments.id,
      kind: environments.kind,
      commit: releases.commit,
      ref: releases.branch,
      provider: reviewChangeRequests.provider,
      repository: reviewChangeRequests.repository,
    })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .innerJoin(releases, eq(releases.id, deployments.releaseId))
    .innerJoin(
      reviewChangeRequests,
      and(
        eq(reviewChangeRequests.state, "open"),
        sql`${reviewChangeRequests.repository} <> ''`,
        or(eq(reviewChangeRequests.environmentId, deployments.environmentId), and(eq(reviewChangeRequests.branch, releases.branch), eq(reviewChangeRequests.headRepository, reviewChangeRequests.repository))),
      ),
    )
    .where(gte(deployments.updatedAt, options.since ? new Date(options.since.getTime() - SCAN_OVERLAP_MS) : new Date(now.getTime() - LOOKBACK_MS)));

  // One read for every environment's address (the first app's URL), not one per deployment.
  const environmentIds = [...new Set(rows.map((r) => r.environmentId))];
  const addresses = new Map<string, string>();
  if (environmentIds.length) {
    const cells = await db
      .select({ environmentId: environmentApps.environmentId, url: environmentApps.url })
      .from(environmentApps)
      .where(and(inArray(environmentApps.environmentId, environmentIds), sql`${environmentApps.url} is not null`))
      .orderBy(asc(environmentApps.appId));
    for (const cell of cells) if (cell.url && !addresses.has(cell.environmentId)) addresses.set(cell.environmentId, cell.url);
  }

  let tracked = 0;
  for (const row of rows) {
    const provider = row.provider as SourceControlProvider;
    if (!options.clients[provider]) continue;
    const desired = providerState(provider, row.state as DeploymentState);
    if (!desired) continue;
    const url = addresses.get(row.environmentId) ?? null;
    const changed = await db
      .insert(sourceControlDeployments)
      .values({
        deploymentId: row.deploymentId,
        provider,
        repository: row.repository,
        environment: row.environment,
        commit: row.commit,
        ref: row.ref,
        desiredState: desired,
        environmentUrl: url,
        nextAttemptAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [sourceControlDeployments.deploymentId, sourceControlDeployments.provider, sourceControlDeployments.repository],
        set: { desiredState: desired, environmentUrl: url, nextAttemptAt: now, attempts: 0, failedAt: null, lastError: null, updatedAt: now },
        setWhere: sql`${sourceControlDeployments.desiredState} is distinct from ${desired}`,
      })
      .returning({ id: sourceControlDeployments.deploymentId });
    tracked += changed.length;
  }
  return tracked;
}

/**
 * Tells source control about deployments (GitHub deployments and statuses, GitLab deployments):
 * first records what changed, then sends what is due, oldest first, each in order — create the
 * provider's deployment once, then set its state. A failure is retried with backoff
 * (REPORT_BACKOFF_MS) and recorded on the row (`lastError`); a refusal that retrying cannot fix
 * (a 4xx other than 429) gives up at once. Never throws because of a provider: only a database
 * error rejects. Called by the controller in the background, so a slow or absent provider never
 * holds up a rollout.
 */
export async function reportDeploymentsToSourceControl(db: Db, options: ReportOptions): Promise<ReportResult> {
  const now = options.clock.now();
  const result: ReportResult = { scannedAt: now, tracked: await track(db, options), reported: 0, retried: 0, failed: 0 };
  const due = await db
    .select()
    .from(sourceControlDeployments)
    .where(and(sql`${sourceControlDeployments.reportedState} is distinct from ${sourceControlDeployments.desiredState}`, isNull(sourceControlDeployments.failedAt), lte(sourceControlDeployments.nextAttemptAt, now)))
    .orderBy(asc(sourceControlDeployments.nextAttemptAt))
    .limit(options.limit ?? 20);

  for (const row of due) {
    const client = options.clients[row.provider];
    const key = and(eq(sourceControlDeployments.deploymentId, row.deploymentId), eq(sourceControlDeployments.provider, row.provider), eq(sourceControlDeployments.repository, row.repository));
    if (!client) continue;
    const state = (await db.select({ state: deployments.state }).from(deployments).where(eq(deployments.id, row.deploymentId)))[0]?.state as DeploymentState | undefined;
    const report: DeploymentReport = {
      repository: row.repository,
      environment: row.environment,
      commit: row.commit,
      ref: row.ref,
      state: row.desiredState,
      description: describeState(state ?? "running", row.environment),
      environmentUrl: row.environmentUrl,
      logUrl: `${options.baseUrl.replace(/\/+$/, "")}/deployments/${row.deploymentId}`,
      transient: await isReview(db, row.deploymentId),
      slipwayDeploymentId: row.deploymentId,
    };
    let externalId = row.externalId;
    try {
      let stateSet = false;
      if (!externalId) {
        externalId = await client.createDeployment(report);
        // Kept at once: a retry of the status must not create a second deployment.
        await db.update(sourceControlDeployments).set({ externalId, updatedAt: now }).where(key);
        stateSet = client.createSetsState;
      }
      if (!stateSet) await client.setStatus(externalId, report);
      await db.update(sourceControlDeployments).set({ reportedState: row.desiredState, attempts: 0, lastError: null, updatedAt: now }).where(key);
      result.reported += 1;
    } catch (error) {
      const message = (error as Error).message.slice(0, 1000);
      const retryable = !(error instanceof SourceControlApiError) || error.retryable;
      const attempts = row.attempts + 1;
      if (retryable && attempts <= REPORT_BACKOFF_MS.length) {
        await db
          .update(sourceControlDeployments)
          .set({ attempts, lastError: message, nextAttemptAt: new Date(now.getTime() + REPORT_BACKOFF_MS[attempts - 1]!), updatedAt: now })
          .where(key);
        result.retried += 1;
      } else {
        await db.update(sourceControlDeployments).set({ attempts, lastError: message, failedAt: now, updatedAt: now }).where(key);
        options.log?.(`source control: gave up reporting ${row.deploymentId} to ${row.provider} ${row.repository}: ${message}`);
        result.failed += 1;
      }
    }
  }
  return result;
}

async function isReview(db: Db, deploymentId: string): Promise<boolean> {
  const [row] = await db.select({ kind: environments.kind }).from(deployments).innerJoin(environments, eq(environments.id, deployments.environmentId)).where(eq(deployments.id, deploymentId));
  return row?.kind === "review";
}

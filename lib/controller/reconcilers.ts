import { and, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, type Pipeline } from "@/db/schema";
import type { Clock } from "@/lib/domain/clock";
import type { PlatformRegistry } from "@/lib/platform/registry";
import type { PipelineConfig } from "@/lib/config/schema";
import { createMetricsProvider, scrapingTrafficSource, type MetricsProvider, type TrafficSource } from "@/lib/metrics";
import type { ScrapeTargetsFile } from "@/lib/metrics/scrape-targets";
import { dispatchDue } from "@/lib/notify";
import { listPipelines } from "@/lib/services/pipeline-scope";
import { env } from "@/lib/env";
import { reportDeploymentsToSourceControl, sourceControlClients } from "@/lib/scm";
import { LostLeadershipError } from "./fencing";
import { sampleHealth } from "./health-sampler";
import type { Rollout } from "./rollout";
import type { Gatekeeper } from "./gatekeeper";
import { claimQueuedJobs, runClaimedJob } from "./manual-jobs";
import { runPendingVerifications } from "./verification-jobs";
import { retireExpiredWarmReleases } from "./warm-releases";
import { autoPromote } from "./auto-promotion";
import { manageReviewEnvironments } from "./review-lifecycle";
import { detectDrift } from "./drift";
import { pruneSamples, sampleTraffic } from "./traffic-sampler";
import { pruneNotificationDeliveries } from "./retention";
import { watchBurnRates } from "./burn-rate-watch";
import { pendingWork, startableDeployments, stuckRollouts, type PendingWork } from "./controller-queries";
import type { ResolvedOptions } from "./controller-options";
import { reconciler, type Reconciler } from "./reconciler";
import { PipelineCache } from "./pipeline-cache";
import { runsSomething } from "./drift";

/** How often deployment states go back to pull/merge requests (the provider sees a change within this). */
export const SOURCE_CONTROL_EVERY_MS = 5_000;
/** Health samples and notification deliveries past their retention are deleted this often. */
export const PRUNE_EVERY_MS = 3_600_000;

/** Thrown by a reconciler when this controller must let go of leadership; the pass steps down with `message`. */
export class StepDownSignal extends Error {}

/** What the reconcilers work with while this controller leads (the getters throw when it does not). */
export interface LeaderContext {
  db: Db;
  clock: Clock;
  log: (line: string) => void;
  options: ResolvedOptions;
  platforms(): PlatformRegistry;
  rollout(): Rollout;
  gatekeeper(): Gatekeeper;
  /** The current fencing token, or -1 when this controller does not lead. */
  token(): number;
  /** Renews the lease; false when another controller took it. */
  heartbeat(): Promise<boolean>;
  /** Work running off the loop, by key (deployment id, job id, …): runUntilIdle and stop wait for it. */
  inFlight: Map<string, Promise<void>>;
  /** Runs `work` off the loop, once per key at a time; a lost lease steps down, other errors are logged. */
  background(key: string, work: () => Promise<void>): void;
  stepDown(reason: string): Promise<void>;
  /** Asks for another pass at once (a rollout finished, a background task ended). */
  wake(): void;
  /** Whether this term's restore is still going on (see Controller.restoreSlice). */
  restoring(): boolean;
  scrapeTargets: ScrapeTargetsFile | null;
  /** Where the `platform` metrics provider reads counters (default: each instance's /metrics). */
  traffic: TrafficSource | undefined;
}

/**
 * The controller's concerns in the order one pass runs them, each on its interval of the injected
 * clock (see ReconcileSchedule). State that outlives a leadership term (refused rollbacks and
 * promotions, reported drift, per-pipeline traffic windows) lives here, not in the loop.
 */
export class Reconcilers {
  readonly list: readonly Reconciler[];
  /** Per pipeline id: when its traffic was last sampled, clock ms (each pipeline has its own metrics.sampleEvery). */
  private readonly lastTraffic = new Map<string, number>();
  private lastSamplePrune = 0;
  /** Per pipeline id: its metrics provider (each pipeline's `metrics` section may name another). */
  private readonly metrics = new Map<string, { provider: MetricsProvider; configKey: string }>();
  private readonly refusedRollbacks = new Set<string>();
  private readonly reportedDrift = new Set<string>();
  private readonly refusedPromotions = new Set<string>();
  private sourceControlScannedAt: Date | null = null;
  /** Every pipeline as loaded, re-read only when one changed (several reconcilers ask on every pass). */
  private readonly pipelines = new PipelineCache();
  /** What the current pass read first (beginPass): the pipelines, asked once per pass, and which work waits. */
  private pass: { pipelines: Promise<Pipeline[]>; work: PendingWork } | null = null;
  /** The pipeline list the platforms were last assigned from (the cache returns the same array until one changes). */
  private assignedFrom: readonly Pipeline[] | null = null;
  private dispatching: Promise<unknown> | null = null;

  constructor(private readonly ctx: LeaderContext) {
    const { options } = ctx;
    this.list = [
      reconciler(
        "heartbeat",
        () => options.heartbeatMs,
        async () => {
          if (!(await ctx.heartbeat())) throw new StepDownSignal("lost the leader lease");
        },
      ),
      reconciler("pass", 0, () => this.beginPass()),
      reconciler("platforms", 0, () => this.assignPlatformsIfChanged()),
      // A concern whose rows cannot exist (pendingWork said so) is not asked; rollouts make
      // verifications and jobs, so while any deployment is under way those are asked every pass.
      reconciler("gates", 0, () => this.ifWork("deployments", () => ctx.gatekeeper().evaluateWaiting())),
      reconciler("start-queued", 0, () => this.ifWork("deployments", () => this.whileRestored(() => this.startQueued()))),
      reconciler("aborts", 0, () => this.ifWork("deployments", () => this.signalAborts())),
      reconciler("drive", 0, () => this.ifWork("deployments", () => this.driveActive())),
      reconciler("stuck", 0, () => this.ifWork("deployments", () => this.failStuck())),
      reconciler("manual-jobs", 0, () => this.ifWork("jobs", () => this.runQueuedJobs())),
      reconciler("verifications", 0, () => this.ifWork("verifications", () => runPendingVerifications({ db: ctx.db, platforms: ctx.platforms(), clock: ctx.clock, token: ctx.token }, ctx.background))),
      reconciler("review-environments", 0, () =>
        this.whileRestored(() => manageReviewEnvironments({ db: ctx.db, platforms: ctx.platforms(), clock: ctx.clock, token: ctx.token, log: ctx.log, background: ctx.background, pipelines: () => this.pipelinesOfPass() })),
      ),
      reconciler("warm-releases", 0, () => retireExpiredWarmReleases(ctx.db, ctx.platforms(), ctx.clock, ctx.log)),
      reconciler(
        "auto-promotion",
        () => options.autoPromoteEveryMs,
        () => autoPromote(ctx.db, ctx.clock, ctx.log, this.refusedPromotions).then(() => {}),
      ),
      reconciler("notifications", 0, () => this.dispatchNotifications()),
      reconciler("delivery-retention", PRUNE_EVERY_MS, async () => {
        const pruned = await pruneNotificationDeliveries(ctx.db, ctx.clock);
        if (pruned) ctx.log(`pruned ${pruned} notification deliveries older than the retention period`);
      }),
      reconciler("source-control", SOURCE_CONTROL_EVERY_MS, () => this.reportToSourceControl()),
      reconciler(
        "health",
        () => options.healthEveryMs,
        () =>
          this.whileRestored(async () => {
            await sampleHealth(ctx.db, ctx.platforms(), ctx.clock);
            await ctx.scrapeTargets?.sync(ctx.platforms().all());
          }),
      ),
      reconciler("traffic", 0, (now) => this.sampleTrafficAndWatch(now.getTime())),
      reconciler(
        "drift",
        () => options.driftEveryMs,
        () => this.whileRestored(() => detectDrift(ctx.db, ctx.platforms(), ctx.clock, ctx.log, this.reportedDrift).then(() => {})),
      ),
    ];
  }

  /** A new leadership term: counters read through another platform object are no baseline for this one. */
  onLead(): void {
    this.pass = null;
    this.metrics.clear();
    this.assignedFrom = null;
  }

  /**
   * A pass's first reads: the pipelines (one fingerprint statement; the configs only when one
   * changed), kept for the pass's other concerns, and which work waits (pendingWork). Throws what
   * the database throws (the pass ends; the loop's back-off takes over).
   */
  private async beginPass(): Promise<void> {
    this.pass = null;
    const pipelines = this.pipelines.list(this.ctx.db);
    // Both awaited together: a failed read must reach the pass, never be left unhandled (that would end the process).
    const [work] = await Promise.all([pendingWork(this.ctx.db), pipelines]);
    this.pass = { pipelines, work };
  }

  /** The pipelines as this pass read them (or read now, outside a pass). */
  private pipelinesOfPass(): Promise<Pipeline[]> {
    return this.pass?.pipelines ?? this.pipelines.list(this.ctx.db);
  }

  /** Runs `work` when the pass found work of `kind` waiting (outside a pass, always); deployments under way count for every kind. */
  private async ifWork(kind: keyof PendingWork, work: () => Promise<void>): Promise<void> {
    const found = this.pass?.work;
    if (!found || found[kind] || found.deployments) await work();
  }

  /** Which platform each environment runs on, assigned again only when a pipeline changed. */
  private async assignPlatformsIfChanged(): Promise<void> {
    const all = await this.pipelinesOfPass();
    if (all === this.assignedFrom) return;
    assignFrom(all, this.ctx.platforms());
    this.assignedFrom = all;
  }

  /**
   * Runs `work` unless this term's restore is still going on. What starts rollouts, puts review
   * environments to sleep or tears them down, samples health or compares drift waits for the
   * restore: each would race it over the same apps or judge a platform that is still being put
   * back. (When the restore ends, health is sampled and drift checked on the same pass.)
   */
  private async whileRestored(work: () => Promise<void>): Promise<void> {
    if (!this.ctx.restoring()) await work();
  }

  /** The notification dispatch still running, if any (stop waits for it). */
  pending(): Promise<unknown> | null {
    return this.dispatching;
  }

  /** Starts the oldest queued deployment of every environment that has no rollout in progress. */
  private async startQueued(): Promise<void> {
    const started = new Set<string>();
    for (const deployment of await startableDeployments(this.ctx.db)) {
      if (started.has(deployment.environmentId)) continue;
      started.add(deployment.environmentId);
      try {
        // A window may have closed (or a freeze begun) while it queued: then it waits again.
        if (!(await this.ctx.gatekeeper().stillShippable(deployment))) continue;
        await this.ctx.rollout().begin(deployment);
      } catch (error) {
        if (error instanceof LostLeadershipError) throw error;
        this.ctx.log(`could not start ${deployment.id}: ${(error as Error).message}`);
      }
    }
  }

  /** A rollout someone aborted stops now: its drive ends its current wait (one not driven yet restores when picked up). */
  private async signalAborts(): Promise<void> {
    const aborted = await this.ctx.db
      .select({ id: deployments.id })
      .from(deployments)
      .where(and(inArray(deployments.state, ["running", "verifying"]), sql`(${deployments.detail} -> 'abort') is not null`));
    for (const { id } of aborted) if (this.ctx.rollout().requestAbort(id)) this.ctx.log(`aborting ${id}`);
  }

  private async driveActive(): Promise<void> {
    const { ctx } = this;
    const active = await ctx.db
      .select({ id: deployments.id })
      .from(deployments)
      .where(inArray(deployments.state, ["running", "verifying"]));
    for (const { id } of active) {
      if (ctx.inFlight.has(id)) continue;
      const task = ctx
        .rollout()
        .drive(id)
        .catch((error: unknown) => {
          if (error instanceof LostLeadershipError) return ctx.stepDown(error.message);
          ctx.log(`driving ${id} failed: ${(error as Error).message}`);
        })
        .finally(() => {
          ctx.inFlight.delete(id);
          ctx.wake();
        });
      ctx.inFlight.set(id, task);
    }
  }

  private async failStuck(): Promise<void> {
    const { ctx } = this;
    const cutoff = new Date(ctx.clock.now().getTime() - ctx.options.stuckAfterMs);
    for (const { deployment, environment } of await stuckRollouts(ctx.db, cutoff)) {
      ctx.log(`${environment}: abandoning ${deployment.id}, no progress since ${deployment.updatedAt.toISOString()}`);
      await ctx.rollout().abandon(deployment, `No progress for ${Math.round(ctx.options.stuckAfterMs / 60_000)} minutes: the platform did not answer in time.`);
    }
  }

  /** Jobs asked for by hand (a seed): each runs once, in the background, its output kept. */
  private async runQueuedJobs(): Promise<void> {
    const { ctx } = this;
    for (const job of await claimQueuedJobs(ctx.db, ctx.token(), ctx.clock)) {
      if (ctx.inFlight.has(job.id)) continue;
      const task = runClaimedJob({ db: ctx.db, platforms: ctx.platforms(), clock: ctx.clock, token: ctx.token }, job)
        .catch((error: unknown) => ctx.log(`job ${job.id} failed to run: ${(error as Error).message}`))
        .finally(() => ctx.inFlight.delete(job.id));
      ctx.inFlight.set(job.id, task);
    }
  }

  /** Sends due notifications in the background: a slow receiver never holds up the loop. */
  private dispatchNotifications(): void {
    if (this.dispatching) return;
    const { db, clock, options, log } = this.ctx;
    this.dispatching = this.pipelinesOfPass()
      .then((all) => dispatchDue(db, new Map(all.map((p) => [p.name, (p.config as Partial<PipelineConfig>).notifications ?? []])), { now: () => clock.now(), baseUrl: options.baseUrl, log }))
      .catch((error: unknown) => log(`notifications: ${(error as Error).message}`))
      .finally(() => {
        this.dispatching = null;
      });
  }

  /** Deployment states back to pull/merge requests, in the background (a provider that is down never holds up the loop). */
  private reportToSourceControl(): void {
    const clients = sourceControlClients(env());
    if (!clients.github && !clients.gitlab) return;
    const { db, clock, options, log } = this.ctx;
    this.ctx.background("source-control", async () => {
      const { scannedAt } = await reportDeploymentsToSourceControl(db, { clients, clock, baseUrl: options.baseUrl, log, since: this.sourceControlScannedAt ?? undefined });
      this.sourceControlScannedAt = scannedAt;
    });
  }

  /**
   * Every pipeline's sampling interval (clock ms): traffic into health_samples, then the burn-rate
   * watch, which may roll an environment back by itself. Old samples are pruned hourly. Only what
   * the platforms run is read (one inventory per pass that samples anything; if it fails, every
   * deployed cell is read as before): an app that runs nowhere served no traffic.
   */
  private async sampleTrafficAndWatch(now: number): Promise<void> {
    const { db, clock, log, options } = this.ctx;
    const prune = now - this.lastSamplePrune >= PRUNE_EVERY_MS;
    let running: Promise<Set<string> | null> | null = null;
    const whatRuns = () =>
      (running ??= this.ctx
        .platforms()
        .inventory()
        .then(
          (all) => new Set(all.filter(runsSomething).map((s) => `${s.environment}/${s.app}`)),
          () => null,
        ));
    for (const pipeline of await this.pipelinesOfPass()) {
      const settings = (pipeline.config as Partial<PipelineConfig>).metrics ?? { provider: "platform" as const, sampleEvery: 15_000, retention: 30 * 86_400_000 };
      const everyMs = options.trafficEveryMs ?? settings.sampleEvery;
      const last = this.lastTraffic.get(pipeline.id) ?? 0;
      if (now - last < everyMs) continue;
      const windowMs = last ? now - last : everyMs;
      this.lastTraffic.set(pipeline.id, now);
      const configKey = JSON.stringify([settings.provider, settings.prometheus ?? null]);
      let metrics = this.metrics.get(pipeline.id);
      if (metrics?.configKey !== configKey) {
        const platforms = this.ctx.platforms();
        metrics = { provider: createMetricsProvider(settings, this.ctx.traffic ?? scrapingTrafficSource((environment) => platforms.forEnvironment(environment))), configKey };
        this.metrics.set(pipeline.id, metrics);
      }
      await sampleTraffic(db, metrics.provider, clock, windowMs, log, pipeline.id, await whatRuns());
      await watchBurnRates(db, clock, log, this.refusedRollbacks, metrics.provider.name, pipeline.id);
      if (prune) {
        const pruned = await pruneSamples(db, clock, settings.retention, { pipelineId: pipeline.id });
        if (pruned) log(`${pipeline.name}: pruned ${pruned} health samples older than the retention period`);
      }
    }
    if (prune) this.lastSamplePrune = now;
  }
}

/**
 * Which platform each environment runs on, from every pipeline as loaded. Pipelines that share an
 * environment name share its platform (loading refuses two that would not, see pipeline-set.ts).
 */
export async function assignPlatforms(db: Db, platforms: PlatformRegistry | null): Promise<void> {
  assignFrom(await listPipelines(db), platforms);
}

function assignFrom(all: readonly Pipeline[], platforms: PlatformRegistry | null): void {
  const configs = all.map((p) => p.config as Partial<PipelineConfig>);
  platforms?.assign({
    environments: configs.flatMap((config) => config.environments ?? []),
    reviewEnvironments: configs.find((config) => config.reviewEnvironments)?.reviewEnvironments,
  });
}

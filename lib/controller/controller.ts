import { hostname } from "node:os";
import { and, inArray, sql } from "drizzle-orm";
import { deployments } from "@/db/schema";
import { systemClock, type Clock } from "@/lib/domain/clock";
import type { PlatformAdapter } from "@/lib/platform/types";
import { PlatformRegistry } from "@/lib/platform/registry";
import { LostLeadershipError } from "./fencing";
import { eachLimited, sampleHealth } from "./health-sampler";
import { DEFAULT_LEASE_MS, LeaderElection } from "./leader";
import { fencePlatform } from "./fenced-platform";
import { Rollout } from "./rollout";
import { restoreRecordedState } from "./restore";
import { claimQueuedJobs, failInterruptedJobs, runClaimedJob } from "./manual-jobs";
import { requeueInterruptedVerifications, runPendingVerifications } from "./verification-jobs";
import { retireExpiredWarmReleases } from "./warm-releases";
import { autoPromote } from "./auto-promotion";
import { Gatekeeper } from "./gatekeeper";
import { manageReviewEnvironments } from "./review-lifecycle";
import { detectDrift } from "./drift";
import { pruneSamples, sampleTraffic } from "./traffic-sampler";
import { pruneNotificationDeliveries } from "./retention";
import { watchBurnRates } from "./burn-rate-watch";
import { createMetricsProvider, scrapingTrafficSource, type MetricsProvider, type TrafficSource } from "@/lib/metrics";
import { ScrapeTargetsFile } from "@/lib/metrics/scrape-targets";
import { dispatchDue } from "@/lib/notify";
import { listPipelines } from "@/lib/services/pipeline-scope";
import { onControllerWakeup } from "./wakeup";
import { env } from "@/lib/env";
import { reportDeploymentsToSourceControl, sourceControlClients } from "@/lib/scm";
import { startableDeployments, stuckRollouts, unsettledWork } from "./controller-queries";
import { resolveOptions, type ControllerOptions, type ResolvedOptions } from "./controller-options";

export type { ControllerOptions } from "./controller-options";

/** The longest wait between passes after failures (see retryDelayMs). */
const MAX_BACKOFF_MS = 60_000;
/** After this many failed passes in a row the controller steps down and leads afresh (restoring again). */
const RESTART_AFTER_FAILURES = 5;

/** How often deployment states go back to pull/merge requests (the provider sees a change within this). */
const SOURCE_CONTROL_EVERY_MS = 5_000;

/**
 * The reconcile loop: becomes leader, restores what every environment is recorded to run, then
 * starts queued deployments (one rollout per environment), drives them step by step, and samples
 * health. State lives in the database, never only here, so any controller can take over.
 */
export class Controller {
  readonly holder = `${hostname()}:${process.pid}`;
  private readonly election: LeaderElection;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private platforms: PlatformRegistry | null = null;
  private rollout: Rollout | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private running = false;
  private failures = 0;
  private ticking: Promise<void> | null = null;
  private lastHeartbeat = 0;
  private lastHealth = 0;
  private lastDrift = 0;
  /** Per pipeline id: when its traffic was last sampled (each pipeline has its own metrics.sampleEvery). */
  private lastTraffic = new Map<string, number>();
  private lastPrune = 0;
  private lastDeliveryPrune = 0;
  private lastSourceControl = 0;
  private sourceControlScannedAt: Date | null = null;
  /** Per pipeline id: its metrics provider (each pipeline's `metrics` section may name another). */
  private metrics = new Map<string, { provider: MetricsProvider; configKey: string }>();
  private readonly refusedRollbacks = new Set<string>();
  private readonly reportedDrift = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private gatekeeper: Gatekeeper | null = null;
  private lastAutoPromotion = 0;
  private readonly refusedPromotions = new Set<string>();
  private dispatching: Promise<unknown> | null = null;
  private readonly scrapeTargets: ScrapeTargetsFile | null;
  private readonly options: ResolvedOptions;

  constructor(private readonly config: ControllerOptions) {
    this.clock = config.clock ?? systemClock;
    this.log = config.log ?? ((line) => console.log(`[controller] ${line}`));
    this.election = new LeaderElection(config.connection, this.holder, this.clock, config.leaseMs ?? DEFAULT_LEASE_MS);
    this.scrapeTargets = config.scrapeTargetsFile ? new ScrapeTargetsFile(config.scrapeTargetsFile, this.log) : null;
    this.options = resolveOptions(config);
  }

  get isLeader(): boolean {
    return this.election.fencingToken !== null && this.platforms !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = onControllerWakeup(() => {
      this.gatekeeper?.wake();
      this.schedule(0);
    });
    this.schedule(0);
  }

  /** Runs the next pass in `ms`, unless one is already due sooner: a wake-up is never pushed back. */
  private schedule(ms: number): void {
    if (!this.running) return;
    const due = Date.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.ticking) return this.schedule(50);
      let failed = false;
      this.ticking = Promise.resolve()
        .then(() => this.tick())
        .then(() => {
          this.failures = 0;
        })
        .catch((error: unknown) => {
          failed = true;
          this.failures += 1;
          this.log(`tick failed (${this.failures} in a row), retrying in ${Math.round(this.retryDelayMs() / 1000)} s: ${(error as Error)?.message ?? String(error)}`);
          // Several failed passes in a row: let go and lead afresh (re-restoring), as a restarted controller would.
          if (this.failures % RESTART_AFTER_FAILURES === 0 && this.platforms) return this.stepDown("restarting after repeated failures").catch(() => {});
        })
        .finally(() => {
          this.ticking = null;
          this.schedule(failed ? this.retryDelayMs() : this.options.pollMs);
        });
    }, ms);
  }

  /**
   * After a failed pass the next one waits pollMs × 2^(failures − 1), at most MAX_BACKOFF_MS: a
   * controller that keeps failing (the database away, a bug in a reconcile step) neither spins nor
   * stops, and the web server beside it keeps serving.
   */
  retryDelayMs(): number {
    if (this.failures === 0) return this.options.pollMs;
    return Math.min(MAX_BACKOFF_MS, this.options.pollMs * 2 ** Math.min(20, this.failures - 1));
  }

  /** One pass of the loop. Public so tests can step the controller deterministically. */
  async tick(): Promise<void> {
    if (this.isLeader) {
      // A leader that was frozen past its lease finds out here, before it touches anything.
      try {
        await this.election.ensureHolding();
      } catch (error) {
        if (error instanceof LostLeadershipError) return this.stepDown("the lease ran out and another controller took over");
        throw error;
      }
    }
    if (!this.isLeader && !(await this.lead())) return;
    const now = Date.now();
    if (now - this.lastHeartbeat >= this.options.heartbeatMs) {
      this.lastHeartbeat = now;
      if (!(await this.election.heartbeat())) return this.stepDown("lost the leader lease");
    }
    try {
      await this.assignPlatforms();
      await this.gatekeeper!.evaluateWaiting();
      await this.startQueued();
      await this.signalAborts();
      await this.driveActive();
      await this.failStuck();
      await this.runQueuedJobs();
      await runPendingVerifications({ db: this.config.connection.db, platforms: this.platforms!, clock: this.clock, token: () => this.election.fencingToken ?? -1 }, (key, work) => this.background(key, work));
      await manageReviewEnvironments({
        db: this.config.connection.db,
        platforms: this.platforms!,
        clock: this.clock,
        token: () => this.election.fencingToken ?? -1,
        log: this.log,
        background: (key, work) => this.background(key, work),
      });
      await retireExpiredWarmReleases(this.config.connection.db, this.platforms!, this.clock, this.log);
      if (now - this.lastAutoPromotion >= this.options.autoPromoteEveryMs) {
        this.lastAutoPromotion = now;
        await autoPromote(this.config.connection.db, this.clock, this.log, this.refusedPromotions);
      }
      this.dispatchNotifications();
      await this.pruneDeliveries(now);
      this.reportToSourceControl();
      if (now - this.lastHealth >= this.options.healthEveryMs) {
        this.lastHealth = now;
        await sampleHealth(this.config.connection.db, this.platforms!, this.clock);
        await this.scrapeTargets?.sync(this.platforms!.all());
      }
      await this.sampleTrafficAndWatch(now);
      if (now - this.lastDrift >= this.options.driftEveryMs) {
        this.lastDrift = now;
        await detectDrift(this.config.connection.db, this.platforms!, this.clock, this.log, this.reportedDrift);
      }
    } catch (error) {
      if (error instanceof LostLeadershipError) return this.stepDown(error.message);
      throw error;
    }
  }

  private async lead(): Promise<boolean> {
    const token = await this.election.tryAcquire();
    if (token === null) return false;
    const created = await this.config.createPlatform();
    const registry = created instanceof PlatformRegistry ? created : PlatformRegistry.single(created);
    // Every platform write checks the lease first: a deposed leader stops before its next write.
    this.platforms = registry.mapAdapters((adapter) => fencePlatform(adapter, () => this.election.ensureHolding()));
    await this.assignPlatforms();
    // Counters read through another platform object are no baseline for this one.
    this.metrics.clear();
    this.rollout = new Rollout({
      db: this.config.connection.db,
      platforms: this.platforms,
      clock: this.clock,
      token: () => {
        const current = this.election.fencingToken;
        if (current === null) throw new LostLeadershipError(token, undefined);
        return current;
      },
      log: this.log,
      verifyTimeoutMs: this.options.verifyTimeoutMs,
      rollingPauseMs: this.options.rollingPauseMs,
      maxAttempts: this.options.maxAttempts,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    this.gatekeeper = new Gatekeeper({ db: this.config.connection.db, clock: this.clock, token: () => this.election.fencingToken ?? -1, log: this.log });
    this.log(`leading as ${this.holder} (fencing token ${token})`);
    this.lastHeartbeat = Date.now();
    const interrupted = await failInterruptedJobs(this.config.connection.db, token, this.clock);
    if (interrupted) this.log(`${interrupted} job(s) were interrupted by the previous controller and marked failed`);
    if (await requeueInterruptedVerifications(this.config.connection.db, token, this.clock.now())) this.log("verification jobs interrupted by the previous controller run again");
    try {
      await this.restore();
    } catch (error) {
      // Not leading half-restored: let go, so the next pass (after its back-off) leads and restores afresh.
      await this.stepDown(`restoring failed: ${(error as Error).message}`);
      throw error;
    }
    return true;
  }

  /** Makes the platforms run what every environment is recorded to run (adopting what survived a restart). */
  private async restore(): Promise<void> {
    await restoreRecordedState(this.config.connection.db, this.platforms!, this.log);
    await sampleHealth(this.config.connection.db, this.platforms!, this.clock).catch(() => {});
    await this.scrapeTargets?.sync(this.platforms!.all());
    this.lastHealth = Date.now();
    this.lastDrift = Date.now();
  }

  /**
   * Every sampling interval: traffic into health_samples, then the burn-rate watch, which may roll
   * an environment back by itself. Old samples are pruned hourly.
   */
  private async sampleTrafficAndWatch(now: number): Promise<void> {
    const { db } = this.config.connection;
    for (const pipeline of await listPipelines(db)) {
      const settings = pipeline.config.metrics ?? { provider: "platform" as const, sampleEvery: 15_000, retention: 30 * 86_400_000 };
      const everyMs = this.options.trafficEveryMs ?? settings.sampleEvery;
      const last = this.lastTraffic.get(pipeline.id) ?? 0;
      if (now - last < everyMs) continue;
      const windowMs = last ? now - last : everyMs;
      this.lastTraffic.set(pipeline.id, now);
      const configKey = JSON.stringify([settings.provider, settings.prometheus ?? null]);
      let metrics = this.metrics.get(pipeline.id);
      if (metrics?.configKey !== configKey) {
        const platforms = this.platforms!;
        metrics = { provider: createMetricsProvider(settings, this.config.traffic ?? scrapingTrafficSource((environment) => platforms.forEnvironment(environment))), configKey };
        this.metrics.set(pipeline.id, metrics);
      }
      await sampleTraffic(db, metrics.provider, this.clock, windowMs, this.log, pipeline.id);
      await watchBurnRates(db, this.clock, this.log, this.refusedRollbacks, metrics.provider.name, pipeline.id);
      if (now - this.lastPrune >= 3_600_000) {
        const pruned = await pruneSamples(db, this.clock, settings.retention, { pipelineId: pipeline.id });
        if (pruned) this.log(`${pipeline.name}: pruned ${pruned} health samples older than the retention period`);
      }
    }
    if (now - this.lastPrune >= 3_600_000) this.lastPrune = now;
  }

  /** Starts the oldest queued deployment of every environment that has no rollout in progress. */
  private async startQueued(): Promise<void> {
    const db = this.config.connection.db;
    const candidates = await startableDeployments(db);
    const started = new Set<string>();
    for (const deployment of candidates) {
      if (started.has(deployment.environmentId)) continue;
      started.add(deployment.environmentId);
      try {
        // A window may have closed (or a freeze begun) while it queued: then it waits again.
        if (!(await this.gatekeeper!.stillShippable(deployment))) continue;
        await this.rollout!.begin(deployment);
      } catch (error) {
        if (error instanceof LostLeadershipError) throw error;
        this.log(`could not start ${deployment.id}: ${(error as Error).message}`);
      }
    }
  }

  /** A rollout someone aborted stops now: its drive ends its current wait (one not driven yet restores when picked up). */
  private async signalAborts(): Promise<void> {
    const aborted = await this.config.connection.db
      .select({ id: deployments.id })
      .from(deployments)
      .where(and(inArray(deployments.state, ["running", "verifying"]), sql`(${deployments.detail} -> 'abort') is not null`));
    for (const { id } of aborted) if (this.rollout!.requestAbort(id)) this.log(`aborting ${id}`);
  }

  private async driveActive(): Promise<void> {
    const active = await this.config.connection.db.select({ id: deployments.id }).from(deployments).where(inArray(deployments.state, ["running", "verifying"]));
    for (const { id } of active) {
      if (this.inFlight.has(id)) continue;
      const task = this.rollout!
        .drive(id)
        .catch((error: unknown) => {
          if (error instanceof LostLeadershipError) return this.stepDown(error.message);
          this.log(`driving ${id} failed: ${(error as Error).message}`);
        })
        .finally(() => {
          this.inFlight.delete(id);
          this.schedule(0);
        });
      this.inFlight.set(id, task);
    }
  }

  /** Runs `work` off the loop, once per key at a time (runUntilIdle and stop wait for it). */
  private background(key: string, work: () => Promise<void>): void {
    if (this.inFlight.has(key)) return;
    const task = work()
      .catch((error: unknown) => {
        if (error instanceof LostLeadershipError) return this.stepDown(error.message);
        this.log(`${key} failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.inFlight.delete(key);
        this.schedule(0);
      });
    this.inFlight.set(key, task);
  }

  /** Sends due notifications in the background: a slow receiver never holds up the loop. */
  private dispatchNotifications(): void {
    if (this.dispatching) return;
    const db = this.config.connection.db;
    this.dispatching = listPipelines(db)
      .then((all) => dispatchDue(db, new Map(all.map((p) => [p.name, p.config.notifications ?? []])), { now: () => this.clock.now(), baseUrl: this.options.baseUrl, log: this.log }))
      .catch((error: unknown) => this.log(`notifications: ${(error as Error).message}`))
      .finally(() => {
        this.dispatching = null;
      });
  }

  /** Hourly: notification deliveries finished longer ago than their retention go, in batches. */
  private async pruneDeliveries(now: number): Promise<void> {
    if (now - this.lastDeliveryPrune < 3_600_000) return;
    this.lastDeliveryPrune = now;
    const pruned = await pruneNotificationDeliveries(this.config.connection.db, this.clock);
    if (pruned) this.log(`pruned ${pruned} notification deliveries older than the retention period`);
  }

  /** Deployment states back to pull/merge requests, in the background (a provider that is down never holds up the loop). */
  private reportToSourceControl(): void {
    const clients = sourceControlClients(env());
    if (!clients.github && !clients.gitlab) return;
    if (Date.now() - this.lastSourceControl < SOURCE_CONTROL_EVERY_MS) return;
    this.lastSourceControl = Date.now();
    this.background("source-control", async () => {
      const { scannedAt } = await reportDeploymentsToSourceControl(this.config.connection.db, { clients, clock: this.clock, baseUrl: this.options.baseUrl, log: this.log, since: this.sourceControlScannedAt ?? undefined });
      this.sourceControlScannedAt = scannedAt;
    });
  }

  /** Jobs asked for by hand (a seed): each runs once, in the background, its output kept. */
  private async runQueuedJobs(): Promise<void> {
    const jobs = await claimQueuedJobs(this.config.connection.db, this.election.fencingToken!, this.clock);
    for (const job of jobs) {
      if (this.inFlight.has(job.id)) continue;
      const task = runClaimedJob({ db: this.config.connection.db, platforms: this.platforms!, clock: this.clock, token: () => this.election.fencingToken ?? -1 }, job)
        .catch((error: unknown) => this.log(`job ${job.id} failed to run: ${(error as Error).message}`))
        .finally(() => this.inFlight.delete(job.id));
      this.inFlight.set(job.id, task);
    }
  }

  private async failStuck(): Promise<void> {
    const db = this.config.connection.db;
    const cutoff = new Date(this.clock.now().getTime() - this.options.stuckAfterMs);
    const stuck = await stuckRollouts(db, cutoff);
    for (const { deployment, environment } of stuck) {
      this.log(`${environment}: abandoning ${deployment.id}, no progress since ${deployment.updatedAt.toISOString()}`);
      await this.rollout!.abandon(deployment, `No progress for ${Math.round(this.options.stuckAfterMs / 60_000)} minutes: the platform did not answer in time.`);
    }
  }

  private async stepDown(reason: string): Promise<void> {
    this.log(`stepping down: ${reason}`);
    await this.election.release();
    const platforms = this.platforms;
    this.platforms = null;
    this.rollout = null;
    if (platforms) await this.release(platforms, { stopApps: false }).catch(() => {});
  }

  /** For tests: look at every waiting deployment on the next tick, as a wake-up would. */
  gatekeeperWake(): void {
    this.gatekeeper?.wake();
  }

  /** Ticks until no deployment is queued or rolling out (for tests and scripts that drive the loop by hand). */
  async runUntilIdle(maxTicks = 500): Promise<void> {
    for (let i = 0; i < maxTicks; i++) {
      this.gatekeeper?.wake(); // driven by hand: look at waiting deployments every time, as a wake-up would
      await this.tick();
      await Promise.allSettled([...this.inFlight.values()]);
      if (!(await unsettledWork(this.config.connection.db)) || !this.isLeader) return;
    }
    throw new Error(`The controller did not settle within ${maxTicks} ticks.`);
  }

  /**
   * Which platform each environment runs on, from every pipeline as loaded. Pipelines that share an
   * environment name share its platform (loading refuses two that would not, see pipeline-set.ts).
   */
  private async assignPlatforms(): Promise<void> {
    const configs = (await listPipelines(this.config.connection.db)).map((p) => p.config);
    this.platforms?.assign({
      environments: configs.flatMap((config) => config.environments ?? []),
      reviewEnvironments: configs.find((config) => config.reviewEnvironments)?.reviewEnvironments,
    });
  }

  private release(platforms: PlatformRegistry, options: { stopApps: boolean }): Promise<void> {
    return this.config.releasePlatforms ? this.config.releasePlatforms(platforms, options) : platforms.dispose();
  }

  /**
   * Stops the loop and lets go of the platforms. What runs keeps running (the data plane outlives
   * Slipway) unless `stopApps`, which the runtime's `releasePlatforms` honours.
   */
  async stop(options: { stopApps: boolean } = { stopApps: true }): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.race([Promise.allSettled([...this.inFlight.values(), this.dispatching]), new Promise((r) => setTimeout(r, 5000))]);
    await this.election.release().catch(() => {});
    const platforms = this.platforms;
    this.platforms = null;
    if (platforms) await this.release(platforms, options);
  }
}

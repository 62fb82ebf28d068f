import { hostname } from "node:os";
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Connection } from "@/db/client";
import { deployments, environmentApps, environments } from "@/db/schema";
import { systemClock, type Clock } from "@/lib/domain/clock";
import type { PlatformAdapter } from "@/lib/platform/types";
import { LostLeadershipError } from "./fencing";
import { eachLimited, sampleHealth } from "./health-sampler";
import { LeaderElection } from "./leader";
import { Rollout } from "./rollout";
import { recordedSpecs } from "./specs";
import { claimQueuedJobs, failInterruptedJobs, runClaimedJob } from "./manual-jobs";
import { retireExpiredWarmReleases } from "./warm-releases";
import { autoPromote } from "./auto-promotion";
import { Gatekeeper } from "./gatekeeper";
import { manageReviewEnvironments } from "./review-lifecycle";
import { detectDrift } from "./drift";
import { pruneSamples, sampleTraffic } from "./traffic-sampler";
import { watchBurnRates } from "./burn-rate-watch";
import { createMetricsProvider, type MetricsProvider } from "@/lib/metrics";
import { dispatchDue } from "@/lib/notify";
import { getPipeline } from "@/lib/services/pipeline-queries";
import type { PipelineConfig } from "@/lib/config/schema";
import { onControllerWakeup } from "./wakeup";
import { env } from "@/lib/env";
import { reportDeploymentsToSourceControl, sourceControlClients } from "@/lib/scm";

/** How often deployment states go back to pull/merge requests (the provider sees a change within this). */
const SOURCE_CONTROL_EVERY_MS = 5_000;

export interface ControllerOptions {
  connection: Connection;
  /** Created when this controller becomes leader: only the leader touches the platform. */
  createPlatform: () => Promise<PlatformAdapter>;
  clock?: Clock;
  log?: (line: string) => void;
  pollMs?: number;
  heartbeatMs?: number;
  healthEveryMs?: number;
  /** A rollout with no progress for this long is failed: never stuck, never unknown. */
  stuckAfterMs?: number;
  verifyTimeoutMs?: number;
  /** How long each rolling step watches the new release before moving more traffic. */
  rollingPauseMs?: number;
  /** Where people open Slipway, for links in notifications. */
  baseUrl?: string;
  autoPromoteEveryMs?: number;
  maxAttempts?: number;
  /** How often what the platform runs is compared with what Slipway recorded. */
  driftEveryMs?: number;
  /** How often traffic is sampled and burn rates are checked (default: slipway.yaml's metrics.sampleEvery). */
  trafficEveryMs?: number | null;
}

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
  private platform: PlatformAdapter | null = null;
  private rollout: Rollout | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private running = false;
  private ticking: Promise<void> | null = null;
  private lastHeartbeat = 0;
  private lastHealth = 0;
  private lastDrift = 0;
  private lastTraffic = 0;
  private lastPrune = 0;
  private lastSourceControl = 0;
  private metrics: { provider: MetricsProvider; configKey: string } | null = null;
  private readonly refusedRollbacks = new Set<string>();
  private readonly reportedDrift = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private gatekeeper: Gatekeeper | null = null;
  private lastAutoPromotion = 0;
  private readonly refusedPromotions = new Set<string>();
  private dispatching: Promise<unknown> | null = null;
  private readonly options: Required<Omit<ControllerOptions, "connection" | "createPlatform" | "clock" | "log">>;

  constructor(private readonly config: ControllerOptions) {
    this.clock = config.clock ?? systemClock;
    this.log = config.log ?? ((line) => console.log(`[controller] ${line}`));
    this.election = new LeaderElection(config.connection, this.holder, this.clock);
    this.options = {
      pollMs: config.pollMs ?? 1000,
      heartbeatMs: config.heartbeatMs ?? 5000,
      healthEveryMs: config.healthEveryMs ?? 10_000,
      stuckAfterMs: config.stuckAfterMs ?? 10 * 60_000,
      verifyTimeoutMs: config.verifyTimeoutMs ?? 60_000,
      rollingPauseMs: config.rollingPauseMs ?? 2000,
      baseUrl: config.baseUrl ?? "http://localhost:3000",
      autoPromoteEveryMs: config.autoPromoteEveryMs ?? 5000,
      maxAttempts: config.maxAttempts ?? 3,
      driftEveryMs: config.driftEveryMs ?? 30_000,
      trafficEveryMs: config.trafficEveryMs ?? null,
    };
  }

  get isLeader(): boolean {
    return this.election.fencingToken !== null && this.platform !== null;
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
      this.ticking = this.tick()
        .catch((error: unknown) => this.log(`tick failed: ${(error as Error).message}`))
        .finally(() => {
          this.ticking = null;
          this.schedule(this.options.pollMs);
        });
    }, ms);
  }

  /** One pass of the loop. Public so tests can step the controller deterministically. */
  async tick(): Promise<void> {
    if (!this.isLeader && !(await this.lead())) return;
    const now = Date.now();
    if (now - this.lastHeartbeat >= this.options.heartbeatMs) {
      this.lastHeartbeat = now;
      if (!(await this.election.heartbeat())) return this.stepDown("lost the leader lock");
    }
    try {
      await this.gatekeeper!.reviewWaiting();
      await this.startQueued();
      await this.driveActive();
      await this.failStuck();
      await this.runQueuedJobs();
      await manageReviewEnvironments({
        db: this.config.connection.db,
        platform: this.platform!,
        clock: this.clock,
        token: () => this.election.fencingToken ?? -1,
        log: this.log,
        background: (key, work) => this.background(key, work),
      });
      await retireExpiredWarmReleases(this.config.connection.db, this.platform!, this.clock, this.log);
      if (now - this.lastAutoPromotion >= this.options.autoPromoteEveryMs) {
        this.lastAutoPromotion = now;
        await autoPromote(this.config.connection.db, this.clock, this.log, this.refusedPromotions);
      }
      this.dispatchNotifications();
      this.reportToSourceControl();
      if (now - this.lastHealth >= this.options.healthEveryMs) {
        this.lastHealth = now;
        await sampleHealth(this.config.connection.db, this.platform!, this.clock);
      }
      await this.sampleTrafficAndWatch(now);
      if (now - this.lastDrift >= this.options.driftEveryMs) {
        this.lastDrift = now;
        await detectDrift(this.config.connection.db, this.platform!, this.clock, this.log, this.reportedDrift);
      }
    } catch (error) {
      if (error instanceof LostLeadershipError) return this.stepDown(error.message);
      throw error;
    }
  }

  private async lead(): Promise<boolean> {
    const token = await this.election.tryAcquire();
    if (token === null) return false;
    this.platform = await this.config.createPlatform();
    // Counters read through another platform object are no baseline for this one.
    this.metrics = null;
    this.rollout = new Rollout({
      db: this.config.connection.db,
      platform: this.platform,
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
    await this.restore();
    return true;
  }

  /** Makes the platform run what every environment is recorded to run (adopting what survived a restart). */
  private async restore(): Promise<void> {
    const db = this.config.connection.db;
    const busy = new Set(
      (await db.select({ id: deployments.environmentId }).from(deployments).where(inArray(deployments.state, ["running", "verifying"]))).map((r) => r.id),
    );
    const specs = (await recordedSpecs(db)).filter((p) => !busy.has(p.spec.environment));
    let restored = 0;
    const problems: string[] = [];
    await eachLimited(specs, 4, async (plan) => {
      try {
        const status = await this.platform!.ensureActive(plan.spec);
        restored += 1;
        if (status.url) {
          await db
            .update(environmentApps)
            .set({ url: status.url })
            .where(and(eq(environmentApps.appId, plan.appId), sql`${environmentApps.environmentId} = (select id from ${environments} where name = ${plan.spec.environment} and state not in ('torn-down', 'retired'))`));
        }
      } catch (error) {
        problems.push(`${plan.spec.environment}/${plan.app}: ${(error as Error).message}`);
      }
    });
    this.log(`restored ${restored} of ${specs.length} apps to their recorded releases${problems.length ? `; could not restore:\n  ${problems.join("\n  ")}` : ""}`);
    await sampleHealth(db, this.platform!, this.clock).catch(() => {});
    this.lastHealth = Date.now();
    this.lastDrift = Date.now();
  }

  /**
   * Every sampling interval: traffic into health_samples, then the burn-rate watch, which may roll
   * an environment back by itself. Old samples are pruned hourly.
   */
  private async sampleTrafficAndWatch(now: number): Promise<void> {
    const { db } = this.config.connection;
    const settings = ((await getPipeline(db)).config as Partial<PipelineConfig>).metrics ?? { provider: "platform" as const, sampleEvery: 15_000, retention: 30 * 86_400_000 };
    const everyMs = this.options.trafficEveryMs ?? settings.sampleEvery;
    if (now - this.lastTraffic < everyMs) return;
    const windowMs = this.lastTraffic ? now - this.lastTraffic : everyMs;
    this.lastTraffic = now;
    const configKey = JSON.stringify([settings.provider, settings.prometheus ?? null]);
    if (this.metrics?.configKey !== configKey) this.metrics = { provider: createMetricsProvider(settings, this.platform!), configKey };
    await sampleTraffic(db, this.metrics.provider, this.clock, windowMs, this.log);
    await watchBurnRates(db, this.clock, this.log, this.refusedRollbacks);
    if (now - this.lastPrune >= 3_600_000) {
      this.lastPrune = now;
      const pruned = await pruneSamples(db, this.clock, settings.retention);
      if (pruned) this.log(`pruned ${pruned} health samples older than the retention period`);
    }
  }

  /** Starts the oldest queued deployment of every environment that has no rollout in progress. */
  private async startQueued(): Promise<void> {
    const db = this.config.connection.db;
    const candidates = await db
      .select()
      .from(deployments)
      .where(and(eq(deployments.state, "queued"), sql`not exists (select 1 from ${deployments} r where r.environment_id = ${deployments.environmentId} and r.state in ('running', 'verifying'))`))
      .orderBy(asc(deployments.createdAt));
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
    this.dispatching = getPipeline(db)
      .then((pipeline) => dispatchDue(db, (pipeline.config as Partial<PipelineConfig>).notifications ?? [], { now: () => this.clock.now(), baseUrl: this.options.baseUrl, log: this.log }))
      .catch((error: unknown) => this.log(`notifications: ${(error as Error).message}`))
      .finally(() => {
        this.dispatching = null;
      });
  }

  /** Deployment states back to pull/merge requests, in the background (a provider that is down never holds up the loop). */
  private reportToSourceControl(): void {
    const clients = sourceControlClients(env());
    if (!clients.github && !clients.gitlab) return;
    if (Date.now() - this.lastSourceControl < SOURCE_CONTROL_EVERY_MS) return;
    this.lastSourceControl = Date.now();
    this.background("source-control", async () => {
      await reportDeploymentsToSourceControl(this.config.connection.db, { clients, clock: this.clock, baseUrl: this.options.baseUrl, log: this.log });
    });
  }

  /** Jobs asked for by hand (a seed): each runs once, in the background, its output kept. */
  private async runQueuedJobs(): Promise<void> {
    const jobs = await claimQueuedJobs(this.config.connection.db, this.election.fencingToken!, this.clock);
    for (const job of jobs) {
      if (this.inFlight.has(job.id)) continue;
      const task = runClaimedJob({ db: this.config.connection.db, platform: this.platform!, clock: this.clock, token: () => this.election.fencingToken ?? -1 }, job)
        .catch((error: unknown) => this.log(`job ${job.id} failed to run: ${(error as Error).message}`))
        .finally(() => this.inFlight.delete(job.id));
      this.inFlight.set(job.id, task);
    }
  }

  private async failStuck(): Promise<void> {
    const db = this.config.connection.db;
    const cutoff = new Date(this.clock.now().getTime() - this.options.stuckAfterMs);
    const stuck = await db
      .select({ deployment: deployments, environment: environments.name })
      .from(deployments)
      .innerJoin(environments, eq(environments.id, deployments.environmentId))
      .where(and(inArray(deployments.state, ["running", "verifying"]), lt(deployments.updatedAt, cutoff)));
    for (const { deployment, environment } of stuck) {
      this.log(`${environment}: abandoning ${deployment.id}, no progress since ${deployment.updatedAt.toISOString()}`);
      await this.rollout!.abandon(deployment, `No progress for ${Math.round(this.options.stuckAfterMs / 60_000)} minutes: the platform did not answer in time.`);
    }
  }

  private async stepDown(reason: string): Promise<void> {
    this.log(`stepping down: ${reason}`);
    await this.election.release();
    const platform = this.platform;
    this.platform = null;
    this.rollout = null;
    await platform?.close({ stopApps: false }).catch(() => {});
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
      const [busy] = await this.config.connection.db
        .select({ n: sql<number>`(select count(*) from ${deployments} where state in ('queued', 'running', 'verifying')) + (select count(*) from job_runs where state in ('queued', 'running')) + (select count(*) from environments where state in ('tearing-down', 'waking'))` })
        .from(sql`(select 1) as one`);
      if (!Number(busy?.n) || !this.isLeader) return;
    }
    throw new Error(`The controller did not settle within ${maxTicks} ticks.`);
  }

  /** Stops the loop; with `stopApps`, also stops every app the platform started. */
  async stop(options: { stopApps: boolean } = { stopApps: true }): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.race([Promise.allSettled([...this.inFlight.values(), this.dispatching]), new Promise((r) => setTimeout(r, 5000))]);
    await this.election.release().catch(() => {});
    const platform = this.platform;
    this.platform = null;
    await platform?.close(options);
  }
}

import { hostname } from "node:os";
import { systemClock, type Clock } from "@/lib/domain/clock";
import { PlatformRegistry } from "@/lib/platform/registry";
import { LostLeadershipError } from "./fencing";
import { sampleHealth } from "./health-sampler";
import { DEFAULT_LEASE_MS, LeaderElection } from "./leader";
import { fencePlatform } from "./fenced-platform";
import { Rollout } from "./rollout";
import { RestoreRun } from "./restore";
import { failInterruptedJobs } from "./manual-jobs";
import { requeueInterruptedVerifications } from "./verification-jobs";
import { Gatekeeper } from "./gatekeeper";
import { ScrapeTargetsFile } from "@/lib/metrics/scrape-targets";
import { onControllerWakeup } from "./wakeup";
import { unsettledWork } from "./controller-queries";
import { resolveOptions, type ControllerOptions, type ResolvedOptions } from "./controller-options";
import { ReconcileSchedule } from "./reconciler";
import { assignPlatforms, Reconcilers, StepDownSignal } from "./reconcilers";

export type { ControllerOptions } from "./controller-options";

/** The longest wait between passes after failures (see retryDelayMs). */
const MAX_BACKOFF_MS = 60_000;
/** After this many failed passes in a row the controller steps down and leads afresh (restoring again). */
const RESTART_AFTER_FAILURES = 5;
/**
 * Real milliseconds of restoring per pass: a large restore goes on over several passes (each
 * straight after the last), so the lease is renewed and other work goes on meanwhile.
 */
const RESTORE_SLICE_MS = 1_000;

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
  /** When the pending timer fires, in the process's monotonic milliseconds (a real timer, not the injected clock). */
  private timerDue = 0;
  private running = false;
  private failures = 0;
  private ticking: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private gatekeeper: Gatekeeper | null = null;
  /** The restore of this leadership term while it is not finished (see restoreSlice). */
  private restoring: RestoreRun | null = null;
  private readonly scrapeTargets: ScrapeTargetsFile | null;
  private readonly options: ResolvedOptions;
  private readonly reconcilers: Reconcilers;
  /** Every concern of a pass, each on its interval of `clock` (see reconcilers.ts for the list). */
  readonly schedule: ReconcileSchedule;

  constructor(private readonly config: ControllerOptions) {
    this.clock = config.clock ?? systemClock;
    this.log = config.log ?? ((line) => console.log(`[controller] ${line}`));
    this.election = new LeaderElection(config.connection, this.holder, this.clock, config.leaseMs ?? DEFAULT_LEASE_MS);
    this.scrapeTargets = config.scrapeTargetsFile ? new ScrapeTargetsFile(config.scrapeTargetsFile, this.log) : null;
    this.options = resolveOptions(config);
    const db = config.connection.db;
    this.reconcilers = new Reconcilers({
      db,
      clock: this.clock,
      log: this.log,
      options: this.options,
      platforms: () => this.leading(this.platforms),
      rollout: () => this.leading(this.rollout),
      gatekeeper: () => this.leading(this.gatekeeper),
      token: () => this.election.fencingToken ?? -1,
      heartbeat: () => this.election.heartbeat(),
      inFlight: this.inFlight,
      background: (key, work) => this.background(key, work),
      stepDown: (reason) => this.stepDown(reason),
      wake: () => this.scheduleIn(0),
      restoring: () => this.restoring !== null,
      scrapeTargets: this.scrapeTargets,
      traffic: config.traffic,
    });
    this.schedule = new ReconcileSchedule(this.clock, this.reconcilers.list);
  }

  /** What only a leader has; throws LostLeadershipError (the pass steps down) once it let go. */
  private leading<T>(value: T | null): T {
    if (value === null) throw new LostLeadershipError(this.election.fencingToken ?? -1, undefined);
    return value;
  }

  get isLeader(): boolean {
    return this.election.fencingToken !== null && this.platforms !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = onControllerWakeup(() => {
      this.gatekeeper?.wake();
      this.scheduleIn(0);
    });
    this.scheduleIn(0);
  }

  /** Runs the next pass in `ms`, unless one is already due sooner: a wake-up is never pushed back. */
  private scheduleIn(ms: number): void {
    if (!this.running) return;
    const due = performance.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.ticking) return this.scheduleIn(50);
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
          this.scheduleIn(failed ? this.retryDelayMs() : this.options.pollMs);
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
    if (this.restoring) await this.restoreSlice();
    try {
      await this.schedule.runDue();
    } catch (error) {
      if (error instanceof LostLeadershipError || error instanceof StepDownSignal) return this.stepDown(error.message);
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
    await assignPlatforms(this.config.connection.db, this.platforms);
    this.reconcilers.onLead();
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
    // A new term: what the last term ran counts for nothing (everything is due once restored).
    this.schedule.reset();
    this.schedule.markRan("heartbeat", this.clock.now());
    const interrupted = await failInterruptedJobs(this.config.connection.db, token, this.clock);
    if (interrupted) this.log(`${interrupted} job(s) were interrupted by the previous controller and marked failed`);
    if (await requeueInterruptedVerifications(this.config.connection.db, token, this.clock.now())) this.log("verification jobs interrupted by the previous controller run again");
    this.restoring = new RestoreRun(this.config.connection.db, this.platforms, this.log);
    return true;
  }

  /**
   * Makes the platforms run what every environment is recorded to run (adopting what survived a
   * restart), RESTORE_SLICE_MS per pass. While it lasts, the reconcilers that would start or
   * observe what is being restored wait (see Reconcilers: `whileRestored`); once it is done,
   * health is sampled (and counts from then) and drift is checked on the same pass. A restore that throws lets go of
   * leadership (the next pass, after its back-off, leads and restores afresh) and rethrows.
   */
  private async restoreSlice(): Promise<void> {
    const run = this.restoring!;
    try {
      if (!(await run.step(RESTORE_SLICE_MS))) {
        this.scheduleIn(0); // more to restore: the next pass straight after this one
        return;
      }
    } catch (error) {
      this.restoring = null;
      await this.stepDown(`restoring failed: ${(error as Error).message}`);
      throw error;
    }
    this.restoring = null;
    await sampleHealth(this.config.connection.db, this.platforms!, this.clock).catch(() => {});
    await this.scrapeTargets?.sync(this.platforms!.all());
    // Health was just sampled: it counts from now. Drift is due at once, so this same pass checks
    // it — also after a restore of several passes, whose first pass counted as drift's run: the
    // restore made the platforms run what is recorded, and a cell still carrying drift found before
    // it ("1 of 1 instances not running") must clear now, not a whole interval later.
    this.schedule.markRan("health", this.clock.now());
    this.schedule.markDue("drift");
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
        this.scheduleIn(0);
      });
    this.inFlight.set(key, task);
  }

  /**
   * Lets go of the lease and the platforms. Never throws: it runs from background work too, where
   * a rejection nobody awaits would take the whole process (and the web server) down. A lease that
   * cannot be given back (the database away) simply runs out.
   */
  private async stepDown(reason: string): Promise<void> {
    this.log(`stepping down: ${reason}`);
    await this.election.release().catch((error: unknown) => this.log(`could not give the lease back, it runs out by itself: ${(error as Error)?.message ?? String(error)}`));
    const platforms = this.platforms;
    this.platforms = null;
    this.rollout = null;
    this.restoring = null;
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
    await Promise.race([Promise.allSettled([...this.inFlight.values(), this.reconcilers.pending()]), new Promise((r) => setTimeout(r, 5000))]);
    await this.election.release().catch(() => {});
    const platforms = this.platforms;
    this.platforms = null;
    if (platforms) await this.release(platforms, options);
  }
}

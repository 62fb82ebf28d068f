import fs from "node:fs";
import path from "node:path";
import { PlatformError } from "../types";
import type { AppSpec, AppStatus, ArtifactRef, InstanceHealth, InstanceInfo, InstanceLog, JobResult, JobSpec, PlatformAdapter, SlotStatus, TrafficCounters } from "../types";
import { ReleaseCache, type ReleaseCacheOptions } from "./release-cache";
import { DEFAULT_LOG_CAP_BYTES } from "./logs";
import { houseKeepApp, instancesOf, logsOf, type SlotLaunch } from "./workers";
import { cloneAppData, removeEnvironmentFiles } from "./environments";
import { DEFAULT_JOB_TIMEOUT_MS, RunningJobs, procfileJobCommand, runJobProcess } from "./jobs";
import { KeyedMutex } from "./mutex";
import { LocalPaths, assertName, assertSpec, configHash, fileSafe } from "./paths";
import { resolvePortBase } from "./ports";
import { appEnvironment } from "./processes";
import { countersOf, probeHealth, scrapeMetrics } from "./probes";
import { ProxyPool } from "./proxy-pool";
import { AppRegistry } from "./registry";
import { SlotProcesses } from "./slots";
import { appKey, type AppRecord, type SlotRecord } from "./state";

export interface LocalPlatformOptions {
  /** Slipway's data directory (e.g. `.data`); the platform keeps everything under `<dataDir>/platform/local/`. */
  dataDir: string;
  /** First stable port; default SLIPWAY_LOCAL_PORT_BASE or 4100. */
  portBase?: number;
  /** Where proxies and instances listen. */
  host?: "127.0.0.1";
  /** Host name in the URLs people open. */
  publicHost?: string;
  log?: (line: string) => void;
  /** How long an instance may take to accept connections (default 20 s). */
  startTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL (default 3 s). */
  stopGraceMs?: number;
  /** Fetching and unpacking artifacts: retries, back-off, size caps (defaults: 4 attempts, 1 GiB). */
  artifacts?: ReleaseCacheOptions;
  /** An instance's log is rotated past this size (default 5 MiB; one rotated file is kept). */
  logCapBytes?: number;
}

/** How often workers are checked (and restarted) and logs rotated. */
const HOUSEKEEPING_MS = 2000;

/**
 * Runs apps as OS processes on this machine. Each (environment, app) has a stable port with a
 * reverse proxy in front of an `active` and a `standby` slot. State is persisted so a restarted
 * Slipway adopts processes that survived it instead of restarting them.
 */
export class LocalPlatform implements PlatformAdapter {
  readonly name = "local";
  /** Rolling moves traffic between the two slots in steps; blue-green and recreate switch it at once. */
  readonly strategies = ["rolling", "blue-green", "recreate"] as const;
  private readonly paths: LocalPaths;
  private readonly releases: ReleaseCache;
  /** Spec and release of each slot this process started or adopted, so exited workers can start again. */
  private readonly launches = new WeakMap<SlotRecord, SlotLaunch>();
  private readonly logCapBytes: number;
  private housekeeping: NodeJS.Timeout | null = null;
  private readonly slots: SlotProcesses;
  private readonly apps: AppRegistry;
  private readonly proxies: ProxyPool;
  private readonly jobs = new RunningJobs();
  private readonly mutex = new KeyedMutex();
  private readonly publicHost: string;
  private readonly log: (line: string) => void;
  private closed = false;
  private readonly wakeRequests = new Set<string>();

  constructor(options: LocalPlatformOptions) {
    const host = options.host ?? "127.0.0.1";
    this.paths = new LocalPaths(options.dataDir);
    this.releases = new ReleaseCache(this.paths.cacheDir, options.artifacts);
    this.logCapBytes = options.logCapBytes ?? DEFAULT_LOG_CAP_BYTES;
    this.publicHost = options.publicHost ?? "localhost";
    this.log = options.log ?? (() => {});
    this.slots = new SlotProcesses({ paths: this.paths, host, startTimeoutMs: options.startTimeoutMs ?? 20_000, stopGraceMs: options.stopGraceMs ?? 3000, log: this.log });
    this.apps = new AppRegistry(this.paths.stateFile, resolvePortBase(options.portBase), host);
    this.proxies = new ProxyPool({
      host,
      log: this.log,
      onWakeRequest: (environment) => this.wakeRequests.add(environment),
      record: (key) => this.apps.byKey(key),
      isRunning: (instance, slot) => this.slots.isRunning(instance, slot),
    });
  }

  /** Listens again on every known port, serving whatever survived a restart. Safe to call repeatedly. */
  async init(): Promise<void> {
    this.startHousekeeping();
    const failures: string[] = [];
    for (const record of this.apps.all()) {
      await this.locked(record.environment, record.app, () => this.proxies.ensure(record)).catch((error: Error) => failures.push(error.message));
    }
    if (failures.length > 0) throw new PlatformError(failures.join("\n"));
  }

  async provision(environment: string, options: { cloneFrom?: string } = {}): Promise<void> {
    assertName("environment", environment);
    const source = options.cloneFrom;
    if (source !== undefined) assertName("environment", source);
    if (source === environment) throw new PlatformError(`Cannot clone ${environment} from itself`, true);
    await this.mutex.run(`env:${environment}`, async () => {
      await fs.promises.mkdir(this.paths.data(environment), { recursive: true });
      if (source) await cloneAppData(this.paths, environment, source);
      this.log(`local: provisioned ${environment}${source ? ` with the data of ${source}` : ""}`);
    });
  }

  startStandby(spec: AppSpec): Promise<SlotStatus> {
    assertSpec(spec);
    return this.locked(spec.environment, spec.app, async () => this.slots.toStatus(await this.startStandbyLocked(spec))!);
  }

  /** An app or slot that does not exist has no instances: [] (the caller's verification fails closed on it). */
  async health(environment: string, app: string, slot: "active" | "standby", healthPath: string): Promise<InstanceHealth[]> {
    const target = this.apps.get(environment, app)?.[slot];
    if (!target) return [];
    const suffix = healthPath.startsWith("/") ? healthPath : `/${healthPath}`;
    return Promise.all(
      target.instances.map((instance) =>
        this.slots.isRunning(instance, target)
          ? probeHealth(instance.id, `${this.slots.address(instance)}${suffix}`)
          : { instance: instance.id, status: "unhealthy" as const, error: `process ${instance.pid} is not running (log: ${instance.logPath})`, latencyMs: 0 },
      ),
    );
  }

  switchTraffic(environment: string, app: string): Promise<void> {
    return this.locked(environment, app, () => this.switchLocked(this.apps.require(environment, app)));
  }

  shiftTraffic(environment: string, app: string, standbyPercent: number): Promise<void> {
    return this.locked(environment, app, async () => {
      const record = this.apps.require(environment, app);
      const share = Math.min(100, Math.max(0, Math.round(standbyPercent)));
      if (share > 0 && (!record.standby || !this.slots.allRunning(record.standby))) {
        throw new PlatformError(`${appKey(environment, app)} has no running standby to send traffic to: start one first`, true);
      }
      await this.proxies.ensure(record);
      record.standbyShare = share;
      this.apps.save();
      this.proxies.apply(record);
      this.log(`local: ${appKey(environment, app)} sends ${share}% of requests to ${record.standby?.version ?? "the standby"}`);
    });
  }

  stopStandby(environment: string, app: string): Promise<void> {
    return this.locked(environment, app, async () => {
      const record = this.apps.get(environment, app);
      if (record?.standby) await this.stopSlot(record, "standby");
    });
  }

  stopActive(environment: string, app: string): Promise<void> {
    return this.locked(environment, app, async () => {
      const record = this.apps.get(environment, app);
      if (record?.active) await this.stopSlot(record, "active");
    });
  }

  rollback(environment: string, app: string, to: ArtifactRef): Promise<"switched" | "not-warm"> {
    return this.locked(environment, app, async () => {
      const record = this.apps.get(environment, app);
      if (!record) return "not-warm";
      // Already serving `to` (a retried rollback): done, and not switched back again.
      if (record.active?.digest === to.digest && this.slots.allRunning(record.active)) return "switched";
      if (record.standby?.digest !== to.digest || !this.slots.allRunning(record.standby)) return "not-warm";
      await this.switchLocked(record);
      return "switched";
    });
  }

  setMaintenance(environment: string, app: string, closed: boolean, retryAfterSeconds = 300): Promise<void> {
    assertName("environment", environment);
    assertName("app", app);
    return this.locked(environment, app, async () => {
      const record = closed ? await this.apps.ensure(environment, app) : this.apps.get(environment, app);
      if (!record) return;
      record.maintenance = closed ? { retryAfterSeconds: Math.max(1, Math.round(retryAfterSeconds)) } : null;
      this.apps.save();
      await this.proxies.ensure(record);
    });
  }

  /** Runs outside the app's lock on purpose: a 10-minute migration must not block switches or status. */
  async runJob(job: JobSpec): Promise<JobResult> {
    assertName("environment", job.environment);
    assertName("app", job.app);
    assertName("job", job.job);
    this.assertOpen();
    const release = await this.releases.prepare(job.build);
    const command = procfileJobCommand(release.procfile, job);
    const dataDir = this.paths.data(job.environment, job.app);
    await fs.promises.mkdir(dataDir, { recursive: true });
    const env = appEnvironment({ environment: job.environment, app: job.app, instance: `${job.app}-job`, dataDir, reference: job.reference, config: job.config, releaseDir: release.dir });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    this.log(`local: ${job.environment}/${job.app} running job ${job.job} of ${job.build.version}`);
    return runJobProcess({
      command,
      job: job.job,
      env,
      cwd: release.dir,
      logPath: path.join(this.paths.logs(job.environment, job.app), `job-${job.job}-${fileSafe(job.build.buildId)}-${stamp}.log`),
      timeoutMs: job.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
      track: this.jobs.tracker(job.environment),
    });
  }

  async status(environment: string, app: string): Promise<AppStatus | null> {
    const record = this.apps.get(environment, app);
    return record ? this.appStatus(record) : null;
  }

  async traffic(environment: string, app: string): Promise<TrafficCounters[] | null> {
    const record = this.apps.get(environment, app);
    const slots = [record?.active, record?.standby].filter((slot) => slot !== null && slot !== undefined);
    if (slots.length === 0) return null;
    const running = slots.flatMap((slot) => slot.instances.filter((i) => this.slots.isRunning(i, slot)));
    const scraped = await Promise.all(running.map(async (i) => ({ instance: `${i.id}#${i.pid}`, samples: await scrapeMetrics(`${this.slots.address(i)}/metrics`) })));
    return scraped.filter((s) => s.samples !== null).map((s) => countersOf(s.instance, s.samples!));
  }

  async instances(environment: string, app: string): Promise<InstanceInfo[]> {
    const record = this.apps.get(environment, app);
    return record ? instancesOf(record, this.slots) : [];
  }

  async logs(environment: string, app: string, tail: number): Promise<InstanceLog[]> {
    const lines = Math.min(1000, Math.max(1, Math.floor(tail)));
    const record = this.apps.get(environment, app);
    return record ? logsOf(record, lines, this.logCapBytes) : [];
  }

  async inventory(): Promise<AppStatus[]> {
    return this.apps.all().map((record) => this.appStatus(record));
  }

  ensureActive(spec: AppSpec): Promise<AppStatus> {
    assertSpec(spec);
    return this.locked(spec.environment, spec.app, async () => {
      this.assertOpen();
      const record = await this.apps.ensure(spec.environment, spec.app);
      const active = record.active;
      if (active && this.isSlotOf(active, spec) && this.slots.allRunning(active) && (await this.slots.allAnswer(active))) {
        await this.proxies.ensure(record);
        this.launches.set(active, { spec, release: await this.releases.prepare(spec.build) });
        this.startHousekeeping();
        this.log(`local: ${spec.environment}/${spec.app} ${spec.build.version} adopted (pids ${active.instances.map((i) => i.pid).join(", ")})`);
        return this.appStatus(record);
      }
      await this.startStandbyLocked(spec);
      await this.switchLocked(record);
      // What served before is not what should run: stale, not a warm standby.
      if (record.standby) await this.stopSlot(record, "standby");
      if (record.asleep) {
        record.asleep = false;
        this.apps.save();
        this.proxies.apply(record);
      }
      return this.appStatus(record);
    });
  }

  async sleep(environment: string): Promise<void> {
    assertName("environment", environment);
    for (const { app } of this.apps.all().filter((r) => r.environment === environment)) {
      await this.locked(environment, app, async () => {
        const record = this.apps.get(environment, app);
        if (!record) return;
        record.asleep = true;
        this.apps.save();
        await this.proxies.ensure(record); // the address keeps answering, now with "waking up"
        if (record.standby) await this.stopSlot(record, "standby");
        if (record.active) await this.stopSlot(record, "active");
      });
    }
    this.log(`local: ${environment} is asleep`);
  }

  takeWakeRequests(): string[] {
    const requested = [...this.wakeRequests];
    this.wakeRequests.clear();
    return requested;
  }

  async destroy(environment: string): Promise<void> {
    assertName("environment", environment);
    await this.mutex.run(`env:${environment}`, async () => {
      for (const { app } of this.apps.all().filter((r) => r.environment === environment)) {
        await this.locked(environment, app, async () => {
          const record = this.apps.get(environment, app);
          if (!record) return;
          await this.proxies.close(environment, app);
          if (record.active) await this.stopSlot(record, "active");
          if (record.standby) await this.stopSlot(record, "standby");
          this.apps.remove(environment, app);
        });
      }
      await this.jobs.stop((env) => env === environment);
      await removeEnvironmentFiles(this.paths, environment);
      this.log(`local: destroyed ${environment}`);
    });
  }

  async close(options: { stopApps: boolean }): Promise<void> {
    this.closed = true;
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    await this.proxies.closeAll();
    if (!options.stopApps) return;
    for (const record of this.apps.all()) {
      await this.locked(record.environment, record.app, async () => {
        await Promise.all([record.active ? this.stopSlot(record, "active") : null, record.standby ? this.stopSlot(record, "standby") : null]);
      });
    }
    await this.jobs.stop(() => true);
  }

  // ---- internals: callers hold the app's lock ----

  private locked<T>(environment: string, app: string, operation: () => Promise<T>): Promise<T> {
    return this.mutex.run(appKey(environment, app), operation);
  }

  private assertOpen(): void {
    if (this.closed) throw new PlatformError("The local platform has been closed (Slipway is shutting down)");
  }

  /** Same build, config and instance count: anything else must be started anew. */
  private isSlotOf(slot: SlotRecord, spec: AppSpec): boolean {
    return slot.digest === spec.build.digest && slot.buildId === spec.build.buildId && slot.configHash === configHash(spec);
  }

  /** Forgets the slot first (and unhooks the proxy), so nothing routes to processes being stopped. */
  private async stopSlot(record: AppRecord, which: "active" | "standby"): Promise<void> {
    const slot = record[which];
    if (!slot) return;
    record[which] = null;
    if (which === "standby") record.standbyShare = 0;
    this.apps.save();
    this.proxies.apply(record);
    await this.slots.stop(slot);
  }

  private async startStandbyLocked(spec: AppSpec): Promise<SlotRecord> {
    this.assertOpen();
    const release = await this.releases.prepare(spec.build);
    const record = await this.apps.ensure(spec.environment, spec.app);
    await this.proxies.ensure(record); // the URL exists (answering 503) from the first start on
    const current = record.standby;
    // Reused only by the same requester (a retry after a crash): another deployment of the same
    // build, e.g. a redeploy or the warm previous release, gets slots of its own.
    if (current && this.isSlotOf(current, spec) && current.reference === spec.reference && this.slots.allRunning(current)) return current;
    if (current) await this.stopSlot(record, "standby");
    try {
      const slot = await this.slots.start(spec, release, configHash(spec), (spawned) => {
        record.standby = spawned;
        this.apps.save();
      });
      this.launches.set(slot, { spec, release });
      if (slot.workers?.length) this.startHousekeeping();
      return slot;
    } catch (error) {
      record.standby = null;
      this.apps.save();
      throw error;
    }
  }

  /** The swap is one assignment in the proxy; the state file records it first. */
  private async switchLocked(record: AppRecord): Promise<void> {
    const key = appKey(record.environment, record.app);
    const standby = record.standby;
    if (!standby) throw new PlatformError(`${key} has no standby slot to switch to: start one first`, true);
    if (!this.slots.allRunning(standby)) {
      throw new PlatformError(`${key}: the standby (${standby.version}, build ${standby.buildId}) is not running; start it again before switching`, true);
    }
    await this.proxies.ensure(record); // listening before the swap, so a busy port changes nothing
    record.standby = record.active;
    record.active = standby;
    record.standbyShare = 0;
    this.apps.save();
    this.proxies.apply(record);
    this.log(`local: ${key} now serves ${standby.version} (build ${standby.buildId})`);
  }

  /** Every 2 s: restart exited workers, rotate logs past their cap. Idempotent; stopped by close(). */
  private startHousekeeping(): void {
    if (this.housekeeping || this.closed) return;
    this.housekeeping = setInterval(() => void this.houseKeep(), HOUSEKEEPING_MS);
    this.housekeeping.unref();
  }

  private async houseKeep(): Promise<void> {
    for (const { environment, app } of this.apps.all()) {
      await this.locked(environment, app, async () => {
        const record = this.apps.get(environment, app);
        if (!record || this.closed) return;
        if (houseKeepApp(record, (slot) => this.launches.get(slot), this.slots, this.logCapBytes, this.log)) this.apps.save();
      }).catch((error: Error) => this.log(`local: housekeeping of ${appKey(environment, app)} failed: ${error.message}`));
    }
  }

  private appStatus(record: AppRecord): AppStatus {
    return {
      environment: record.environment,
      app: record.app,
      url: `http://${this.publicHost}:${record.port}`,
      active: this.slots.toStatus(record.active),
      standby: this.slots.toStatus(record.standby),
      maintenance: record.maintenance !== null,
      standbyShare: record.standbyShare ?? 0,
      asleep: record.asleep ?? false,
      lastRequestAt: this.proxies.lastRequestAt(record.environment, record.app)?.toISOString() ?? null,
    };
  }
}

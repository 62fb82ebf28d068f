import fs from "node:fs";
import { PlatformError } from "../types";
import type { AppSpec, ArtifactRef, InstanceHealth, InstanceLog, JobResult, JobSpec, PlatformAdapter } from "../types";
import { cloneAppData, removeEnvironmentFiles } from "./environments";
import { Housekeeping } from "./housekeeping";
import { RunningJobs, runReleaseJob } from "./jobs";
import { DEFAULT_LOG_CAP_BYTES } from "./logs";
import { KeyedMutex } from "./mutex";
import { LocalPaths, assertName, assertSpec, configHash } from "./paths";
import { resolvePortBase } from "./ports";
import { slotHealth } from "./probes";
import { RouterClient } from "./router/client";
import { AppRegistry } from "./registry";
import { ReleaseCache, type ReleaseCacheOptions } from "./release-cache";
import { SlotProcesses, type LocalSlotStatus } from "./slots";
import { appStatusOf, type LocalAppStatus } from "./status";
import { appKey, type AppRecord, type SlotRecord } from "./state";
import { instancesOf, logsOf, type LocalInstanceInfo } from "./workers";

export interface LocalPlatformOptions {
  /** Slipway's data directory (e.g. `.data`); the platform keeps everything under `<dataDir>/platform/local/`. */
  dataDir: string;
  /** First stable port; default SLIPWAY_LOCAL_PORT_BASE or 4100. */
  portBase?: number;
  /** How many ports from `portBase` the apps' stable ports are allocated from (default 1,000; tests use a small range of their own). */
  portSpan?: number;
  /** Where proxies and instances listen. */
  host?: "127.0.0.1";
  /** Host name in the URLs people open. */
  publicHost?: string;
  log?: (line: string) => void;
  /** How long an instance may take to accept connections (default 20 s). */
  startTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL (default 3 s). */
  stopGraceMs?: number;
  /** How long a newly started router may take to answer (default 20 s). */
  routerStartTimeoutMs?: number;
  /** Fetching and unpacking artifacts: retries, back-off, size caps (defaults: 4 attempts, 1 GiB). */
  artifacts?: ReleaseCacheOptions;
  /** An instance's log is rotated past this size (default 5 MiB; one rotated file is kept). */
  logCapBytes?: number;
  /** How often exited processes are looked for and logs rotated (ms, default 2000). */
  housekeepingMs?: number;
}

export type { LocalInstanceStatus, LocalSlotStatus } from "./slots";
export type { LocalInstanceInfo } from "./workers";
export type { LocalAppStatus } from "./status";

/**
 * Runs apps as OS processes on this machine. Each (environment, app) has a stable port, served by
 * the router — a detached process of its own (./router) — in front of an `active` and a `standby`
 * slot. Apps and router outlive Slipway: the state file is the router's routing table, and a
 * restarted Slipway adopts both instead of restarting them.
 */
export class LocalPlatform implements PlatformAdapter {
  readonly name = "local";
  /** Rolling moves traffic between the two slots in steps; blue-green and recreate switch it at once. */
  readonly strategies = ["rolling", "blue-green", "recreate"] as const;
  private readonly paths: LocalPaths;
  private readonly releases: ReleaseCache;
  private readonly logCapBytes: number;
  /** Restarts exited web instances and workers (with back-off) and rotates logs while this Slipway runs. */
  private readonly housekeeping: Housekeeping;
  private readonly slots: SlotProcesses;
  private readonly apps: AppRegistry;
  private readonly router: RouterClient;
  private readonly jobs = new RunningJobs();
  private readonly mutex = new KeyedMutex();
  private readonly publicHost: string;
  private readonly log: (line: string) => void;
  private closed = false;

  constructor(options: LocalPlatformOptions) {
    const host = options.host ?? "127.0.0.1";
    this.paths = new LocalPaths(options.dataDir);
    this.releases = new ReleaseCache(this.paths.cacheDir, options.artifacts);
    this.logCapBytes = options.logCapBytes ?? DEFAULT_LOG_CAP_BYTES;
    this.publicHost = options.publicHost ?? "localhost";
    this.log = options.log ?? (() => {});
    this.slots = new SlotProcesses({ paths: this.paths, host, startTimeoutMs: options.startTimeoutMs ?? 20_000, stopGraceMs: options.stopGraceMs ?? 3000, log: this.log, onExit: () => void this.housekeeping.round() });
    this.apps = new AppRegistry(this.paths.stateFile, resolvePortBase(options.portBase), host, { span: options.portSpan });
    this.router = new RouterClient({ stateFile: this.paths.stateFile, dir: this.paths.routerDir, log: this.log, startTimeoutMs: options.routerStartTimeoutMs });
    const { apps, slots, logCapBytes, log } = this;
    this.housekeeping = new Housekeeping({ apps, slots, logCapBytes, log, locked: (environment, app, operation) => this.locked(environment, app, operation), route: () => this.route(), intervalMs: options.housekeepingMs });
  }

  /**
   * Adopts the router that survived a restart (or starts one) and has it serve the state file, so
   * every known port serves what survived. Safe to call repeatedly; a port another process holds
   * is a PlatformError naming it.
   */
  async init(): Promise<void> {
    this.housekeeping.start();
    await this.router.ensureRunning();
    await this.router.reload(this.apps.all().map((r) => appKey(r.environment, r.app)));
  }

  /** The router's process id (local only, for tests and logs); null before init. */
  get routerPid(): number | null {
    return this.router.pid;
  }

  async provision(environment: string, options: { cloneFrom?: string; apps?: readonly string[] } = {}): Promise<void> {
    assertName("environment", environment);
    const source = options.cloneFrom;
    if (source !== undefined) assertName("environment", source);
    if (source === environment) throw new PlatformError(`Cannot clone ${environment} from itself`, true);
    await this.mutex.run(`env:${environment}`, async () => {
      await fs.promises.mkdir(this.paths.data(environment), { recursive: true });
      if (source) await cloneAppData(this.paths, environment, source, options.apps);
      this.log(`local: provisioned ${environment}${source ? ` with the data of ${source}${options.apps ? ` for ${options.apps.join(", ") || "no app"}` : ""}` : ""}`);
    });
  }

  startStandby(spec: AppSpec): Promise<LocalSlotStatus> {
    assertSpec(spec);
    return this.locked(spec.environment, spec.app, async () => this.slots.toStatus(await this.startStandbyLocked(spec))!);
  }

  /** An app or slot that does not exist has no instances: [] (the caller's verification fails closed on it). */
  async health(environment: string, app: string, slot: "active" | "standby", healthPath: string): Promise<InstanceHealth[]> {
    const target = this.apps.get(environment, app)?.[slot];
    return target ? slotHealth(target, this.slots, healthPath) : [];
  }

  switchTraffic(environment: string, app: string): Promise<void> {
    return this.locked(environment, app, () => this.switchLocked(this.apps.require(environment, app)));
  }

  shiftTraffic(environment: string, app: string, standbyPercent: number): Promise<void> {
    return this.locked(environment, app, async () => {
      const record = this.apps.require(environment, app);
      const share = Math.min(100, Math.max(0, Math.round(standbyPercent)));
      if (share > 0 && (!record.standby || !this.slots.allReady(record.standby))) {
        throw new PlatformError(`${appKey(environment, app)} has no running standby to send traffic to: start one first`, true);
      }
      await this.listening(record);
      record.standbyShare = share;
      this.apps.save();
      await this.route();
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
      // A standby instance restarting (not ready yet, outside the lock) is not warm: the router would skip it.
      if (record.standby?.digest !== to.digest || !this.slots.allReady(record.standby)) return "not-warm";
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
      await this.listening(record);
    });
  }

  /** Runs outside the app's lock on purpose: a 10-minute migration must not block switches or status. */
  async runJob(job: JobSpec): Promise<JobResult> {
    assertName("environment", job.environment);
    assertName("app", job.app);
    assertName("job", job.job);
    this.assertOpen();
    return runReleaseJob(job, { releases: this.releases, paths: this.paths, jobs: this.jobs, log: this.log });
  }

  async status(environment: string, app: string): Promise<LocalAppStatus | null> {
    const record = this.apps.get(environment, app);
    return record ? appStatusOf(record, this.slots, await this.router.status(), this.publicHost) : null;
  }

  /** Web instances and workers of both slots, with their process ids (local only). */
  async instances(environment: string, app: string): Promise<LocalInstanceInfo[]> {
    const record = this.apps.get(environment, app);
    return record ? instancesOf(record, this.slots, (slot) => this.housekeeping.looksAfter(slot)) : [];
  }

  async logs(environment: string, app: string, tail: number): Promise<InstanceLog[]> {
    const record = this.apps.get(environment, app);
    return record ? logsOf(record, Math.min(1000, Math.max(1, Math.floor(tail))), this.logCapBytes) : [];
  }

  async inventory(): Promise<LocalAppStatus[]> {
    const routes = await this.router.status();
    return this.apps.all().map((record) => appStatusOf(record, this.slots, routes, this.publicHost));
  }

  ensureActive(spec: AppSpec): Promise<LocalAppStatus> {
    assertSpec(spec);
    return this.locked(spec.environment, spec.app, async () => {
      this.assertOpen();
      const record = await this.apps.ensure(spec.environment, spec.app);
      const active = record.active;
      if (active && this.isSlotOf(active, spec) && this.slots.allRunning(active) && (await this.slots.allAnswer(active))) {
        if (active.instances.some((i) => i.starting)) {
          for (const i of active.instances) delete i.starting; // a restart the previous Slipway waited for answers now: route it
          this.apps.save();
        }
        await this.listening(record);
        this.housekeeping.remember(active, { spec, release: await this.releases.prepare(spec.build) });
        this.housekeeping.start();
        this.log(`local: ${spec.environment}/${spec.app} ${spec.build.version} adopted (pids ${active.instances.map((i) => i.pid).join(", ")})`);
        return appStatusOf(record, this.slots, await this.router.status(), this.publicHost);
      }
      await this.startStandbyLocked(spec);
      await this.switchLocked(record);
      // What served before is not what should run: stale, not a warm standby.
      if (record.standby) await this.stopSlot(record, "standby");
      if (record.asleep) {
        record.asleep = false;
        this.apps.save();
        await this.route();
      }
      return appStatusOf(record, this.slots, await this.router.status(), this.publicHost);
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
        await this.listening(record); // the address keeps answering, now with "waking up"
        if (record.standby) await this.stopSlot(record, "standby");
        if (record.active) await this.stopSlot(record, "active");
      });
    }
    this.log(`local: ${environment} is asleep`);
  }

  async destroy(environment: string): Promise<void> {
    assertName("environment", environment);
    await this.mutex.run(`env:${environment}`, async () => {
      for (const { app } of this.apps.all().filter((r) => r.environment === environment)) {
        await this.locked(environment, app, async () => {
          const record = this.apps.get(environment, app);
          if (!record) return;
          // Forgotten and unrouted first (the router closes its port), then its processes stop.
          this.apps.remove(environment, app);
          await this.route();
          for (const slot of [record.active, record.standby]) if (slot) await this.slots.stop(slot);
        });
      }
      await this.jobs.stop((env) => env === environment);
      await removeEnvironmentFiles(this.paths, environment);
      this.log(`local: destroyed ${environment}`);
    });
  }

  /** Lets go in Slipway; the router and the apps keep serving (the data plane outlives Slipway). */
  async dispose(): Promise<void> {
    this.closed = true;
    this.housekeeping.stop();
  }

  /**
   * Local only. `stopApps: false` is `dispose()`. `stopApps: true` puts the whole machine's data
   * plane away: stops every app, every running job, then the router (every stable port closes).
   * The state file keeps the port allocations; the next start serves 503 until apps run again.
   */
  async shutdown(options: { stopApps: boolean }): Promise<void> {
    await this.dispose();
    if (!options.stopApps) return;
    for (const record of this.apps.all()) {
      await this.locked(record.environment, record.app, async () => {
        await Promise.all([record.active ? this.stopSlot(record, "active") : null, record.standby ? this.stopSlot(record, "standby") : null]);
      });
    }
    await this.jobs.stop(() => true);
    await this.router.shutdown();
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
    await this.route();
    await this.slots.stop(slot);
  }

  private async startStandbyLocked(spec: AppSpec): Promise<SlotRecord> {
    this.assertOpen();
    const release = await this.releases.prepare(spec.build);
    const record = await this.apps.ensure(spec.environment, spec.app);
    await this.listening(record); // the URL exists (answering 503) from the first start on
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
      this.housekeeping.remember(slot, { spec, release });
      this.housekeeping.start();
      return slot;
    } catch (error) {
      record.standby = null;
      this.apps.save();
      throw error;
    }
  }

  /** The router serves the state file as saved now (it never sees a half-made change). */
  private async route(): Promise<void> {
    await this.router.reload();
  }

  /** The app's port is served by the router (throws PlatformError when the port is taken), with its current record. */
  private async listening(record: AppRecord): Promise<void> {
    if (this.closed) this.assertOpen();
    await this.router.reload([appKey(record.environment, record.app)]);
  }

  /** The swap is one reload of the router; the state file records it first. */
  private async switchLocked(record: AppRecord): Promise<void> {
    const key = appKey(record.environment, record.app);
    const standby = record.standby;
    if (!standby) throw new PlatformError(`${key} has no standby slot to switch to: start one first`, true);
    if (!this.slots.allRunning(standby)) {
      throw new PlatformError(`${key}: the standby (${standby.version}, build ${standby.buildId}) is not running; start it again before switching`, true);
    }
    if (!this.slots.allReady(standby)) throw new PlatformError(`${key}: an instance of the standby (${standby.version}, build ${standby.buildId}) is starting again after it exited; try again once it is ready`);
    await this.listening(record); // listening before the swap, so a busy port changes nothing
    record.standby = record.active;
    record.active = standby;
    record.standbyShare = 0;
    this.apps.save();
    await this.route();
    this.log(`local: ${key} now serves ${standby.version} (build ${standby.buildId})`);
  }
}

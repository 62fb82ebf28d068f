import type { TrafficCounters } from "@/lib/domain/traffic";
import type { AppSpec, AppStatus, ArtifactRef, InstanceHealth, JobResult, JobSpec, PlatformAdapter, SlotStatus } from "@/lib/platform/types";
import { PlatformError } from "@/lib/platform/types";

interface FakeApp {
  url: string;
  active: SlotStatus | null;
  standby: SlotStatus | null;
  maintenance: boolean;
  standbyShare: number;
  asleep: boolean;
  lastRequestAt: string | null;
}

/**
 * An in-memory platform for controller tests: slots, traffic switches and health behave like the
 * local platform's, and faults can be injected (an unhealthy version, a version that reports
 * something else, transient start failures). It records every call for assertions.
 */
export class FakePlatform implements PlatformAdapter {
  readonly name = "fake";
  readonly strategies = ["rolling", "blue-green", "recreate"] as const;
  readonly apps = new Map<string, FakeApp>();
  readonly calls: string[] = [];
  readonly unhealthyVersions = new Set<string>();
  /** Version deployed → version it claims on /health (a mislabelled artifact). */
  readonly misreports = new Map<string, string>();
  /** Fail the next N startStandby calls with a transient error. */
  transientStartFailures = 0;
  /** Called inside startStandby, e.g. to simulate a crash at that moment. */
  onStart: ((spec: AppSpec) => Promise<void>) | null = null;
  /** Stable addresses to report instead of made-up ones (e.g. a test server for smoke checks). */
  readonly urls = new Map<string, string>();
  /** Jobs (by name) that exit 1 with this output. */
  readonly failingJobs = new Map<string, string>();
  /** The last spec each app was started with (to check config and instances). */
  readonly lastSpecs = new Map<string, AppSpec>();
  private nextPort = 5000;

  private key(environment: string, app: string) {
    return `${environment}/${app}`;
  }

  private entry(environment: string, app: string): FakeApp {
    const key = this.key(environment, app);
    let entry = this.apps.get(key);
    if (!entry) {
      entry = { url: this.urls.get(key) ?? `http://localhost:${this.nextPort++}`, active: null, standby: null, maintenance: false, standbyShare: 0, asleep: false, lastRequestAt: null };
      this.apps.set(key, entry);
    }
    return entry;
  }

  private slot(spec: AppSpec): SlotStatus {
    const { build } = spec;
    return {
      reference: spec.reference,
      buildId: build.buildId,
      releaseId: build.releaseId,
      digest: build.digest,
      version: build.version,
      startedAt: new Date().toISOString(),
      instances: Array.from({ length: spec.instances }, (_, i) => ({ id: `${spec.app}-${i + 1}`, address: `http://127.0.0.1:${6000 + i}`, running: true })),
    };
  }

  async provision(environment: string, options: { cloneFrom?: string; apps?: readonly string[] } = {}): Promise<void> {
    this.calls.push(`provision ${environment}${options.cloneFrom ? ` from ${options.cloneFrom}` : ""}${options.apps ? ` for ${options.apps.join(",")}` : ""}`);
  }

  async startStandby(spec: AppSpec): Promise<SlotStatus> {
    this.calls.push(`start ${spec.environment}/${spec.app} ${spec.build.version}`);
    this.lastSpecs.set(this.key(spec.environment, spec.app), spec);
    if (this.onStart) await this.onStart(spec);
    if (this.transientStartFailures > 0) {
      this.transientStartFailures -= 1;
      throw new PlatformError("port busy (simulated)", false);
    }
    if (!spec.build.artifact) throw new PlatformError(`${spec.app} ${spec.build.version} has no artifact`, true);
    const entry = this.entry(spec.environment, spec.app);
    if (entry.standby?.reference !== spec.reference || entry.standby.buildId !== spec.build.buildId) entry.standby = this.slot(spec);
    return entry.standby;
  }

  async health(environment: string, app: string, which: "active" | "standby"): Promise<InstanceHealth[]> {
    const slot = this.apps.get(this.key(environment, app))?.[which];
    if (!slot) return [];
    const reported = this.misreports.get(slot.version) ?? slot.version;
    return slot.instances.map((i) => ({
      instance: i.id,
      status: this.unhealthyVersions.has(slot.version) ? "unhealthy" : "healthy",
      httpStatus: this.unhealthyVersions.has(slot.version) ? 503 : 200,
      app,
      version: reported,
      environment,
      latencyMs: 1,
    }));
  }

  async switchTraffic(environment: string, app: string): Promise<void> {
    this.calls.push(`switch ${environment}/${app}`);
    const entry = this.entry(environment, app);
    if (!entry.standby) throw new PlatformError("nothing to switch to", true);
    [entry.active, entry.standby] = [entry.standby, entry.active];
    entry.standbyShare = 0;
  }

  async shiftTraffic(environment: string, app: string, standbyPercent: number): Promise<void> {
    this.calls.push(`shift ${environment}/${app} ${standbyPercent}%`);
    const entry = this.entry(environment, app);
    if (standbyPercent > 0 && !entry.standby) throw new PlatformError("no standby to shift traffic to", true);
    entry.standbyShare = standbyPercent;
  }

  async stopStandby(environment: string, app: string): Promise<void> {
    this.calls.push(`stop-standby ${environment}/${app}`);
    const entry = this.entry(environment, app);
    entry.standby = null;
    entry.standbyShare = 0;
  }

  async stopActive(environment: string, app: string): Promise<void> {
    this.calls.push(`stop-active ${environment}/${app}`);
    this.entry(environment, app).active = null;
  }

  async rollback(environment: string, app: string, to: ArtifactRef): Promise<"switched" | "not-warm"> {
    const entry = this.entry(environment, app);
    // Already serving `to` (a retried rollback): done, and not switched back again.
    if (entry.active?.digest === to.digest) return "switched";
    if (entry.standby?.digest !== to.digest) return "not-warm";
    await this.switchTraffic(environment, app);
    return "switched";
  }

  async setMaintenance(environment: string, app: string, closed: boolean): Promise<void> {
    this.calls.push(`maintenance ${environment}/${app} ${closed ? "on" : "off"}`);
    this.entry(environment, app).maintenance = closed;
  }

  async runJob(job: JobSpec): Promise<JobResult> {
    this.calls.push(`job ${job.environment}/${job.app} ${job.job}`);
    const failure = this.failingJobs.get(job.job);
    if (failure !== undefined) return { exitCode: 1, output: failure, durationMs: 1 };
    return { exitCode: 0, output: `ran ${job.job} for ${job.app} ${job.build.version} with ${Object.keys(job.config).sort().join(",") || "no config"}`, durationMs: 1 };
  }

  async status(environment: string, app: string): Promise<AppStatus | null> {
    const entry = this.apps.get(this.key(environment, app));
    return entry ? { environment, app, url: entry.url, active: entry.active, standby: entry.standby, maintenance: entry.maintenance, standbyShare: entry.standbyShare, asleep: entry.asleep, lastRequestAt: entry.lastRequestAt } : null;
  }

  /** Cumulative counters per running build, as the apps' /metrics would report them. */
  private readonly counters = new Map<string, TrafficCounters>();

  /** Visitors used the app: `requests` more requests served by what is active now, `errors` of them failed. */
  serve(environment: string, app: string, requests: number, errors = 0, latencySeconds = 0.02): void {
    const active = this.apps.get(this.key(environment, app))?.active;
    if (!active) throw new Error(`${environment}/${app} runs nothing to serve requests`);
    const instance = `${environment}/${app}@${active.buildId}`;
    const counters = this.counters.get(instance) ?? {
      instance,
      requests: 0,
      errors: 0,
      latency: [
        [0.05, 0],
        [0.5, 0],
        [Infinity, 0],
      ],
    };
    counters.requests += requests;
    counters.errors += errors;
    counters.latency = counters.latency.map(([le, count]) => [le, count + (latencySeconds <= le ? requests : 0)]);
    this.counters.set(instance, counters);
  }

  /** Not part of PlatformAdapter: tests hand the fake to the controller as its `traffic` source. */
  async traffic(environment: string, app: string): Promise<TrafficCounters[] | null> {
    const entry = this.apps.get(this.key(environment, app));
    if (!entry?.active) return null;
    const running = [entry.active, entry.standby].filter((slot) => slot !== null && slot !== undefined);
    // Copies, like a fresh scrape: a reading must not change when the app serves more.
    return running.map((slot) => structuredClone(this.counters.get(`${environment}/${app}@${slot.buildId}`) ?? { instance: `${environment}/${app}@${slot.buildId}`, requests: 0, errors: 0, latency: [] }));
  }

  async inventory(): Promise<AppStatus[]> {
    return [...this.apps.keys()].map((key) => {
      const [environment, app] = key.split("/") as [string, string];
      const entry = this.apps.get(key)!;
      return { environment, app, url: entry.url, active: entry.active, standby: entry.standby, maintenance: entry.maintenance, standbyShare: entry.standbyShare, asleep: entry.asleep, lastRequestAt: entry.lastRequestAt };
    });
  }

  async ensureActive(spec: AppSpec): Promise<AppStatus> {
    const entry = this.entry(spec.environment, spec.app);
    this.lastSpecs.set(this.key(spec.environment, spec.app), spec);
    if (entry.active?.buildId !== spec.build.buildId) entry.active = this.slot(spec);
    entry.asleep = false;
    return (await this.status(spec.environment, spec.app))!;
  }

  async sleep(environment: string): Promise<void> {
    this.calls.push(`sleep ${environment}`);
    for (const [key, entry] of this.apps) {
      if (!key.startsWith(`${environment}/`)) continue;
      entry.asleep = true;
      entry.active = null;
      entry.standby = null;
    }
  }

  /** A visitor opens an app's address: it counts as a request (and so wakes an asleep environment). */
  request(environment: string, app: string, at: Date): void {
    this.entry(environment, app).lastRequestAt = at.toISOString();
  }

  async destroy(environment: string): Promise<void> {
    this.calls.push(`destroy ${environment}`);
    for (const key of [...this.apps.keys()]) if (key.startsWith(`${environment}/`)) this.apps.delete(key);
  }

  async dispose(): Promise<void> {
    this.calls.push("dispose");
  }

  /** The version the stable address serves, as a person opening it would see. */
  serving(environment: string, app: string): string | null {
    return this.apps.get(this.key(environment, app))?.active?.version ?? null;
  }
}

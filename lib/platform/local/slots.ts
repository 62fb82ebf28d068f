import fs from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { PlatformError, type AppSpec, type InstanceStatus, type SlotStatus } from "../types";
import { fileSafe, type LocalPaths } from "./paths";
import { freePort, portAnswers } from "./ports";
import { appEnvironment, isOurProcess, logTail, spawnApp, stopProcesses, waitUntilListening } from "./processes";
import { probeHealth } from "./probes";
import type { InstanceRecord, SlotRecord, WorkerRecord } from "./state";
import type { Release } from "./tarball";

/** How logs and errors name one instance: `dev/portal instance portal-1 (1.4.0, build b_1)`. */
function instanceLabel(spec: AppSpec, id: string): string {
  return `${spec.environment}/${spec.app} instance ${id} (${spec.build.version}, build ${spec.build.buildId})`;
}

/** What only the local platform reports about an instance: its process id. */
export type LocalInstanceStatus = InstanceStatus & { pid: number };
export type LocalSlotStatus = Omit<SlotStatus, "instances"> & { instances: LocalInstanceStatus[] };

export interface SlotProcessesOptions {
  paths: LocalPaths;
  host: string;
  startTimeoutMs: number;
  stopGraceMs: number;
  log: (line: string) => void;
  /** Told when a process this Slipway started exits (for whatever reason), after isRunning says so. */
  onExit?: () => void;
}

/**
 * Starts and stops the processes of slots and answers whether they run. Knows the children this
 * Slipway started (exact exit tracking); processes adopted from a previous run are recognised by
 * pid and command line instead.
 */
export class SlotProcesses {
  private readonly children = new Map<number, ChildProcess>();

  constructor(private readonly options: SlotProcessesOptions) {}

  isRunning(instance: Pick<InstanceRecord, "pid">, slot: Pick<SlotRecord, "storePath">): boolean {
    const child = this.children.get(instance.pid);
    if (child) return child.exitCode === null && child.signalCode === null;
    return isOurProcess(instance.pid, slot.storePath);
  }

  /** Every instance's process runs. */
  allRunning(slot: SlotRecord): boolean {
    return slot.instances.length > 0 && slot.instances.every((i) => this.isRunning(i, slot));
  }

  /**
   * Every instance's process runs and none is `starting` (restarted, not yet ready: the router
   * skips it), so the slot can take traffic now.
   */
  allReady(slot: SlotRecord): boolean {
    return this.allRunning(slot) && !slot.instances.some((i) => i.starting);
  }

  /** Every instance accepts connections (for adoption: a live pid that stopped listening is no use). */
  async allAnswer(slot: SlotRecord): Promise<boolean> {
    const answers = await Promise.all(slot.instances.map((i) => portAnswers(i.port, this.options.host, 1000)));
    return answers.every(Boolean);
  }

  address(instance: InstanceRecord): string {
    return `http://${this.options.host}:${instance.port}`;
  }

  toStatus(slot: SlotRecord | null): LocalSlotStatus | null {
    if (!slot) return null;
    return {
      reference: slot.reference,
      buildId: slot.buildId,
      releaseId: slot.releaseId,
      digest: slot.digest,
      version: slot.version,
      startedAt: slot.startedAt,
      instances: slot.instances.map((i) => ({ id: i.id, address: this.address(i), pid: i.pid, running: this.isRunning(i, slot) })),
    };
  }

  /**
   * Starts `spec.instances` processes of the release's `web` command, each on its own free port
   * with PORT set, plus the slot's workers, and waits until every web process listens.
   * `onSpawned` sees the slot as soon as the pids exist, so they are persisted before the (long)
   * wait: a crash of Slipway meanwhile leaves no unknown processes behind. On failure every
   * process of the slot is stopped again. A worker type the Procfile lacks is a PlatformError
   * (permanent) before anything starts.
   */
  async start(spec: AppSpec, release: Release, hash: string, onSpawned: (slot: SlotRecord) => void): Promise<SlotRecord> {
    const storePath = release.dir;
    const workerTypes = Object.entries(spec.workers ?? {}).filter(([, count]) => count > 0);
    for (const [type] of workerTypes) {
      if (!release.procfile.has(type) || type === "web") {
        throw new PlatformError(`${spec.environment}/${spec.app}: slipway.yaml runs ${spec.workers![type]} "${type}" worker(s), but the Procfile of build ${spec.build.buildId} (${spec.build.version}) has no "${type}:" line`, true);
      }
    }
    const { paths, host } = this.options;
    fs.mkdirSync(paths.data(spec.environment, spec.app), { recursive: true });
    const slot: SlotRecord = {
      buildId: spec.build.buildId,
      releaseId: spec.build.releaseId,
      version: spec.build.version,
      commit: spec.build.commit,
      digest: spec.build.digest,
      storePath,
      configHash: hash,
      reference: spec.reference,
      startedAt: new Date().toISOString(),
      instances: [],
    };
    const started: { child: ChildProcess; instance: InstanceRecord }[] = [];
    try {
      const ports = new Set<number>();
      for (let n = 1; n <= spec.instances; n++) {
        let port = await freePort(host);
        while (ports.has(port)) port = await freePort(host);
        ports.add(port);
        const id = `${spec.app}-${n}`;
        const logPath = path.join(paths.logs(spec.environment, spec.app), `${fileSafe(spec.build.buildId)}-${n}.log`);
        const child = this.spawnWeb(spec, release, id, port, logPath);
        const instance: InstanceRecord = { id, pid: child.pid!, port, logPath, startedAt: new Date().toISOString(), restarts: 0 };
        slot.instances.push(instance);
        started.push({ child, instance });
      }
      const workers: WorkerRecord[] = [];
      slot.workers = workers;
      for (const [type, count] of workerTypes) {
        for (let n = 1; n <= count; n++) workers.push(this.spawnWorker(spec, release, type, `${spec.app}-${type}-${n}`));
      }
      onSpawned(slot);
      await Promise.all(started.map(({ child, instance }) => waitUntilListening(child, instance.port, host, instance.logPath, this.options.startTimeoutMs, instanceLabel(spec, instance.id))));
    } catch (error) {
      await this.stop(slot);
      throw error instanceof PlatformError ? error : new PlatformError(`Cannot start ${spec.environment}/${spec.app}: ${(error as Error).message}`);
    }
    this.options.log(`local: ${spec.environment}/${spec.app} ${spec.build.version} started on ports ${slot.instances.map((i) => i.port).join(", ")}`);
    return slot;
  }

  private track(child: ChildProcess): void {
    const pid = child.pid!;
    this.children.set(pid, child);
    child.once("exit", () => {
      this.children.delete(pid);
      this.options.onExit?.();
    });
  }

  /** One `web` process of the release listening on `port` (PORT set), tracked as our child. */
  private spawnWeb(spec: AppSpec, release: Release, id: string, port: number, logPath: string): ChildProcess {
    const dataDir = this.options.paths.data(spec.environment, spec.app);
    fs.mkdirSync(dataDir, { recursive: true });
    const env = appEnvironment({ environment: spec.environment, app: spec.app, instance: id, dataDir, reference: spec.reference, config: spec.config, siblings: spec.siblings, port, releaseDir: release.dir });
    const child = spawnApp({ command: release.procfile.get("web")!, env, logPath, cwd: release.dir });
    if (!child.pid) throw new PlatformError(`Cannot start ${spec.environment}/${spec.app} instance ${id}: the OS refused to create a process`);
    this.track(child);
    return child;
  }

  /**
   * Starts web instance `instance` of `slot` again after its process exited: a new process of the
   * release on the same port, with the same id and log, carrying `counters` (restart-policy.ts),
   * marked `starting` (the router skips it; the caller clears the mark once `waitReady` resolves).
   * What the old process left behind in its process group (an app whose shell died) is stopped
   * first, so the port is free. Resolves to the new record at once — the caller persists it before
   * waiting, so a crash of Slipway meanwhile leaves no unknown process — and `waitReady`, which
   * checks it as a new slot is checked: it resolves once the instance accepts connections
   * (waitUntilListening) and then answers `spec.healthPath` healthy or degraded (probeHealth),
   * both within `startTimeoutMs`. Otherwise `waitReady` stops the new process and rejects with a
   * PlatformError saying why (exited, never listened, or the last probe's answer, with the log's tail).
   */
  async respawnInstance(spec: AppSpec, release: Release, slot: SlotRecord, instance: InstanceRecord, counters: { restarts: number; backoffStep: number }): Promise<{ record: InstanceRecord; waitReady: () => Promise<void> }> {
    await this.stopLeftovers(instance, slot);
    const child = this.spawnWeb(spec, release, instance.id, instance.port, instance.logPath);
    const record: InstanceRecord = { id: instance.id, pid: child.pid!, port: instance.port, logPath: instance.logPath, startedAt: new Date().toISOString(), ...counters, starting: true };
    const waitReady = async () => {
      const { host, startTimeoutMs, stopGraceMs } = this.options;
      const deadline = Date.now() + startTimeoutMs;
      const label = instanceLabel(spec, record.id);
      const url = `${this.address(record)}${spec.healthPath.startsWith("/") ? "" : "/"}${spec.healthPath}`;
      try {
        await waitUntilListening(child, record.port, host, record.logPath, startTimeoutMs, label);
        for (;;) {
          const health = await probeHealth(record.id, url);
          if (health.status !== "unhealthy") return;
          if (!this.isRunning(record, slot)) throw new PlatformError(`${label} exited before ${url} answered healthy. Last lines of ${record.logPath}:\n${logTail(record.logPath)}`);
          if (Date.now() >= deadline) throw new PlatformError(`${label} listens on port ${record.port}, but ${url} did not answer healthy within ${Math.round(startTimeoutMs / 1000)} s (${health.error ?? health.status})`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } catch (error) {
        await stopProcesses([{ pid: record.pid, storePath: slot.storePath }], stopGraceMs);
        throw error;
      }
    };
    return { record, waitReady };
  }

  /**
   * Stops what an exited process of `slot` left running in its process group (a Procfile command
   * whose shell was killed while the app it started runs on); nothing when the group is gone.
   */
  async stopLeftovers(process: { pid: number }, slot: Pick<SlotRecord, "storePath">): Promise<void> {
    await stopProcesses([{ pid: process.pid, storePath: slot.storePath }], this.options.stopGraceMs);
  }

  /**
   * Starts one worker process (no PORT) of `type` in the release directory; `counters` say how
   * often it was started again before (restart-policy.ts; 0 for a new slot). Returns its record;
   * the caller persists it.
   */
  spawnWorker(spec: AppSpec, release: Release, type: string, id: string, counters: { restarts: number; backoffStep: number } = { restarts: 0, backoffStep: 0 }): WorkerRecord {
    const dataDir = this.options.paths.data(spec.environment, spec.app);
    fs.mkdirSync(dataDir, { recursive: true });
    const env = appEnvironment({ environment: spec.environment, app: spec.app, instance: id, dataDir, reference: spec.reference, config: spec.config, siblings: spec.siblings, releaseDir: release.dir });
    const logPath = path.join(this.options.paths.logs(spec.environment, spec.app), `${fileSafe(spec.build.buildId)}-${type}-${id.split("-").pop()}.log`);
    const child = spawnApp({ command: release.procfile.get(type)!, env, logPath, cwd: release.dir });
    if (!child.pid) throw new PlatformError(`Cannot start ${spec.environment}/${spec.app} worker ${id}: the OS refused to create a process`);
    this.track(child);
    return { id, type, pid: child.pid, logPath, startedAt: new Date().toISOString(), ...counters };
  }

  /** Stops the workers first (background tasks end before the code they use goes), then web. */
  async stop(slot: SlotRecord): Promise<void> {
    await stopProcesses(
      (slot.workers ?? []).map((w) => ({ pid: w.pid, storePath: slot.storePath })),
      this.options.stopGraceMs,
    );
    await stopProcesses(
      slot.instances.map((i) => ({ pid: i.pid, storePath: slot.storePath })),
      this.options.stopGraceMs,
    );
  }
}

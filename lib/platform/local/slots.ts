import fs from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { PlatformError, type AppSpec, type InstanceStatus, type SlotStatus } from "../types";
import { fileSafe, type LocalPaths } from "./paths";
import { freePort, portAnswers } from "./ports";
import { appEnvironment, isOurProcess, spawnApp, stopProcesses, waitUntilListening } from "./processes";
import type { InstanceRecord, SlotRecord, WorkerRecord } from "./state";
import type { Release } from "./tarball";

/** What only the local platform reports about an instance: its process id. */
export type LocalInstanceStatus = InstanceStatus & { pid: number };
export type LocalSlotStatus = Omit<SlotStatus, "instances"> & { instances: LocalInstanceStatus[] };

export interface SlotProcessesOptions {
  paths: LocalPaths;
  host: string;
  startTimeoutMs: number;
  stopGraceMs: number;
  log: (line: string) => void;
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
    const web = release.procfile.get("web")!;
    const workerTypes = Object.entries(spec.workers ?? {}).filter(([, count]) => count > 0);
    for (const [type] of workerTypes) {
      if (!release.procfile.has(type) || type === "web") {
        throw new PlatformError(`${spec.environment}/${spec.app}: slipway.yaml runs ${spec.workers![type]} "${type}" worker(s), but the Procfile of build ${spec.build.buildId} (${spec.build.version}) has no "${type}:" line`, true);
      }
    }
    const { paths, host } = this.options;
    const dataDir = paths.data(spec.environment, spec.app);
    fs.mkdirSync(dataDir, { recursive: true });
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
        const env = appEnvironment({ environment: spec.environment, app: spec.app, instance: id, dataDir, reference: spec.reference, config: spec.config, siblings: spec.siblings, port, releaseDir: storePath });
        const logPath = path.join(paths.logs(spec.environment, spec.app), `${fileSafe(spec.build.buildId)}-${n}.log`);
        const child = spawnApp({ command: web, env, logPath, cwd: storePath });
        if (!child.pid) throw new PlatformError(`Cannot start ${spec.environment}/${spec.app} instance ${id}: the OS refused to create a process`);
        const pid = child.pid;
        this.children.set(pid, child);
        child.once("exit", () => this.children.delete(pid));
        const instance = { id, pid, port, logPath, startedAt: new Date().toISOString() };
        slot.instances.push(instance);
        started.push({ child, instance });
      }
      const workers: WorkerRecord[] = [];
      slot.workers = workers;
      for (const [type, count] of workerTypes) {
        for (let n = 1; n <= count; n++) workers.push(this.spawnWorker(spec, release, type, `${spec.app}-${type}-${n}`, 0));
      }
      onSpawned(slot);
      await Promise.all(
        started.map(({ child, instance }) =>
          waitUntilListening(child, instance.port, host, instance.logPath, this.options.startTimeoutMs, `${spec.environment}/${spec.app} instance ${instance.id} (${spec.build.version}, build ${spec.build.buildId})`),
        ),
      );
    } catch (error) {
      await this.stop(slot);
      throw error instanceof PlatformError ? error : new PlatformError(`Cannot start ${spec.environment}/${spec.app}: ${(error as Error).message}`);
    }
    this.options.log(`local: ${spec.environment}/${spec.app} ${spec.build.version} started on ports ${slot.instances.map((i) => i.port).join(", ")}`);
    return slot;
  }

  /**
   * Starts one worker process (no PORT) of `type` in the release directory; `restarts` is how
   * often it was started again before. Returns its record; the caller persists it.
   */
  spawnWorker(spec: AppSpec, release: Release, type: string, id: string, restarts: number): WorkerRecord {
    const dataDir = this.options.paths.data(spec.environment, spec.app);
    fs.mkdirSync(dataDir, { recursive: true });
    const env = appEnvironment({ environment: spec.environment, app: spec.app, instance: id, dataDir, reference: spec.reference, config: spec.config, siblings: spec.siblings, releaseDir: release.dir });
    const logPath = path.join(this.options.paths.logs(spec.environment, spec.app), `${fileSafe(spec.build.buildId)}-${type}-${id.split("-").pop()}.log`);
    const child = spawnApp({ command: release.procfile.get(type)!, env, logPath, cwd: release.dir });
    if (!child.pid) throw new PlatformError(`Cannot start ${spec.environment}/${spec.app} worker ${id}: the OS refused to create a process`);
    const pid = child.pid;
    this.children.set(pid, child);
    child.once("exit", () => this.children.delete(pid));
    return { id, type, pid, logPath, startedAt: new Date().toISOString(), restarts };
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

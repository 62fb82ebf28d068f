import type { AppSpec, InstanceInfo, InstanceLog } from "../types";
import { rotateLog, tailLog } from "./logs";
import type { SlotProcesses } from "./slots";
import type { AppRecord, SlotRecord } from "./state";
import type { Release } from "./tarball";

/** What a worker needs to be started again: the slot's spec (config is never written to disk) and release. */
export interface SlotLaunch {
  spec: AppSpec;
  release: Release;
}

/** Waits before restarting a worker that keeps exiting: 1 s, 2 s, 4 s … up to a minute. */
export function restartDelayMs(restarts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.min(restarts, 6));
}

/**
 * Starts again every worker of `slot` whose process is gone, once its back-off has passed
 * (`now` in ms). Returns whether any record changed (the caller saves the state). Workers of a slot
 * whose launch is unknown (adopted, and not yet confirmed by ensureActive) are left for later.
 */
export function restartExitedWorkers(slot: SlotRecord, launch: SlotLaunch | undefined, processes: SlotProcesses, now: number, log: (line: string) => void): boolean {
  if (!launch || !slot.workers) return false;
  let changed = false;
  slot.workers = slot.workers.map((worker) => {
    if (processes.isRunning(worker, slot)) return worker;
    if (now - Date.parse(worker.startedAt) < restartDelayMs(worker.restarts)) return worker;
    changed = true;
    log(`local: ${launch.spec.environment}/${launch.spec.app} worker ${worker.id} (pid ${worker.pid}) exited; starting it again`);
    return processes.spawnWorker(launch.spec, launch.release, worker.type, worker.id, worker.restarts + 1);
  });
  return changed;
}

function slotsOf(record: AppRecord): ["active" | "standby", SlotRecord][] {
  const result: ["active" | "standby", SlotRecord][] = [];
  if (record.active) result.push(["active", record.active]);
  if (record.standby) result.push(["standby", record.standby]);
  return result;
}

/** What listing instances needs to know about processes (SlotProcesses, or a read-only view from another process). */
export interface ProcessView {
  isRunning(process: { pid: number }, slot: Pick<SlotRecord, "storePath">): boolean;
  address(instance: { port: number }): string;
}

/** The shared InstanceInfo, with the operating-system process id (local only, like LocalAppStatus). */
export type LocalInstanceInfo = InstanceInfo & { pid: number | null };

/** Every process of an app: web instances then workers, active slot first. */
export function instancesOf(record: AppRecord, processes: ProcessView): LocalInstanceInfo[] {
  return slotsOf(record).flatMap(([which, slot]) => [
    ...slot.instances.map((i) => ({
      id: i.id,
      slot: which,
      type: "web",
      buildId: slot.buildId,
      version: slot.version,
      address: processes.address(i),
      pid: i.pid,
      running: processes.isRunning(i, slot),
      startedAt: i.startedAt ?? slot.startedAt,
      restarts: 0,
    })),
    ...(slot.workers ?? []).map((w) => ({
      id: w.id,
      slot: which,
      type: w.type,
      buildId: slot.buildId,
      version: slot.version,
      address: null,
      pid: w.pid,
      running: processes.isRunning(w, slot),
      startedAt: w.startedAt,
      restarts: w.restarts,
    })),
  ]);
}

/** The last `tail` lines of every process's log of an app, rotating logs past `capBytes` on the way. */
export function logsOf(record: AppRecord, tail: number, capBytes: number): InstanceLog[] {
  return slotsOf(record).flatMap(([which, slot]) =>
    [...slot.instances.map((i) => ({ id: i.id, type: "web", logPath: i.logPath })), ...(slot.workers ?? []).map((w) => ({ id: w.id, type: w.type, logPath: w.logPath }))].map((p) => {
      rotateLog(p.logPath, capBytes);
      return { instance: p.id, slot: which, type: p.type, lines: tailLog(p.logPath, tail) };
    }),
  );
}

/** Every log file an app's processes write, for the periodic rotation. */
export function logFilesOf(record: AppRecord): string[] {
  return slotsOf(record).flatMap(([, slot]) => [...slot.instances.map((i) => i.logPath), ...(slot.workers ?? []).map((w) => w.logPath)]);
}

/**
 * One round of an app's housekeeping: restarts exited workers of both slots (once their back-off
 * passed) and rotates logs past `logCapBytes`. Returns whether the record changed (save it).
 */
export function houseKeepApp(record: AppRecord, launchOf: (slot: SlotRecord) => SlotLaunch | undefined, processes: SlotProcesses, logCapBytes: number, log: (line: string) => void): boolean {
  let changed = false;
  for (const [, slot] of slotsOf(record)) changed = restartExitedWorkers(slot, launchOf(slot), processes, Date.now(), log) || changed;
  for (const file of logFilesOf(record)) rotateLog(file, logCapBytes);
  return changed;
}

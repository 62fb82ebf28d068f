import type { InstanceInfo, InstanceLog } from "../types";
import { rotateLog, tailLog } from "./logs";
import { backOffOf } from "./restart-policy";
import type { AppRecord, InstanceRecord, SlotRecord, WorkerRecord } from "./state";

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

/**
 * Whether the process runs and, when it does not, the pending restart's back-off: none until the
 * platform has seen it gone, and none when nothing will start it again (`attended` false).
 */
function runState(process: InstanceRecord | WorkerRecord, slot: SlotRecord, processes: ProcessView, attended: boolean): Pick<InstanceInfo, "running" | "backOff"> {
  const running = processes.isRunning(process, slot);
  return { running, backOff: running || !attended ? null : backOffOf(process) };
}

/**
 * Every process of an app: web instances then workers, active slot first; each with its restarts
 * and pending back-off. `attended(slot)` says whether anything starts the slot's exited processes
 * again (Housekeeping.looksAfter); an exited process of a slot nobody looks after is listed as
 * exited, without a back-off.
 */
export function instancesOf(record: AppRecord, processes: ProcessView, attended: (slot: SlotRecord) => boolean): LocalInstanceInfo[] {
  return slotsOf(record).flatMap(([which, slot]) => [
    ...slot.instances.map((i) => ({
      id: i.id,
      slot: which,
      type: "web",
      buildId: slot.buildId,
      version: slot.version,
      address: processes.address(i),
      pid: i.pid,
      ...runState(i, slot, processes, attended(slot)),
      startedAt: i.startedAt ?? slot.startedAt,
      restarts: i.restarts ?? 0,
    })),
    ...(slot.workers ?? []).map((w) => ({
      id: w.id,
      slot: which,
      type: w.type,
      buildId: slot.buildId,
      version: slot.version,
      address: null,
      pid: w.pid,
      ...runState(w, slot, processes, attended(slot)),
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

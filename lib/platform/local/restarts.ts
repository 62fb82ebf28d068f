import type { AppSpec } from "../types";
import { afterRestart, noteExit, restartDueAt, type RestartTrack } from "./restart-policy";
import type { SlotProcesses } from "./slots";
import type { AppRecord, InstanceRecord, SlotRecord, WorkerRecord } from "./state";
import type { Release } from "./tarball";

/** What a process needs to be started again: the slot's spec (config is never written to disk) and release. */
export interface SlotLaunch {
  spec: AppSpec;
  release: Release;
}

/** What restarting the exited processes of a slot needs from the platform. Callers hold the app's lock. */
export interface RestartContext {
  /** What the slot was started from; undefined for a slot adopted and not yet confirmed by ensureActive (left alone). */
  launch: SlotLaunch | undefined;
  processes: SlotProcesses;
  /** Now, in ms since the epoch. */
  now: () => number;
  /** False once the platform is closing: nothing new is started then. */
  open: () => boolean;
  log: (line: string) => void;
}

type Decision<T> = { kind: "running" } | { kind: "waiting"; track: T } | { kind: "due"; track: T };

/** The restart policy applied to one process this round. */
function decide<T extends InstanceRecord | WorkerRecord>(process: T, slot: SlotRecord, context: RestartContext, now: number): Decision<T> {
  if (context.processes.isRunning(process, slot)) return { kind: "running" };
  const track = noteExit(process, now);
  return now >= restartDueAt(track)! ? { kind: "due", track } : { kind: "waiting", track };
}

/**
 * `track` after a start that failed outright (the OS refused the process): counted as a restart
 * that exited at `now` (ms), so the next try waits one step longer; its due time goes to `wait`.
 * The other processes of the slot started this round are kept, so none is left unknown.
 */
function failedStart<T extends RestartTrack>(track: T, wait: (track: RestartTrack) => void, now: number): T {
  const failed = { ...track, ...afterRestart(track), exitedAt: new Date(now).toISOString() };
  wait(failed);
  return failed;
}

/**
 * A web instance started again this round and not ready yet: its record (saved, marked `starting`)
 * in `slot`, and the wait for it (SlotProcesses.respawnInstance), which the caller runs outside the
 * app's lock.
 */
export interface StartingInstance {
  slot: SlotRecord;
  record: InstanceRecord;
  waitReady: () => Promise<void>;
}

/**
 * One round of the restart policy (restart-policy.ts) for `slot`: records when each exited web
 * instance and worker was found gone, and starts again those whose back-off has passed — web
 * instances on their own port, with the same id and log, marked `starting`. It does not wait for
 * them: the caller saves the records (so a crash of Slipway meanwhile leaves no unknown process),
 * lets go of the app's lock, waits (`StartingInstance.waitReady`) and then has settleStarted mark
 * the ready ones under the lock again. Does nothing without `context.launch`.
 * @returns `changed`: whether records changed since the state file was last saved (the caller
 *   saves them); `nextDueAt`: when (ms since the epoch) the earliest restart still waiting is due,
 *   or null; `starting`: the web instances started again, to wait for
 */
export async function restartExited(slot: SlotRecord, context: RestartContext): Promise<{ changed: boolean; nextDueAt: number | null; starting: StartingInstance[] }> {
  const { launch, processes, log } = context;
  if (!launch) return { changed: false, nextDueAt: null, starting: [] };
  const now = context.now();
  const key = `${launch.spec.environment}/${launch.spec.app}`;
  let changed = false;
  let nextDueAt: number | null = null;
  const wait = (track: RestartTrack) => {
    const due = restartDueAt(track)!;
    nextDueAt = nextDueAt === null ? due : Math.min(nextDueAt, due);
  };
  const starting: StartingInstance[] = [];
  /** Each of `list` kept while it runs, tracked while its back-off lasts, else started again by `start`; a start that throws is tracked as failed. */
  const restartEach = async <T extends InstanceRecord | WorkerRecord>(list: T[], what: (process: T) => string, start: (process: T, track: T) => Promise<T>): Promise<T[]> => {
    const next: T[] = [];
    for (const process of list) {
      const decision = decide(process, slot, context, now);
      if (decision.kind === "running") next.push(process);
      else if (decision.kind === "waiting" || !context.open()) {
        changed ||= decision.track !== process;
        wait(decision.track);
        next.push(decision.track);
      } else {
        changed = true;
        log(`local: ${key} ${what(process)} exited; starting it again (restart ${afterRestart(decision.track).restarts})`);
        try {
          next.push(await start(process, decision.track));
        } catch (error) {
          log(`local: ${key} ${what(process)} could not be started again: ${(error as Error).message}`);
          next.push(failedStart(decision.track, wait, now));
        }
      }
    }
    return next;
  };

  slot.instances = await restartEach(
    slot.instances,
    (instance) => `instance ${instance.id} (pid ${instance.pid}, port ${instance.port})`,
    async (instance, track) => {
      const started = await processes.respawnInstance(launch.spec, launch.release, slot, instance, afterRestart(track));
      starting.push({ slot, ...started });
      return started.record;
    },
  );
  if (slot.workers) {
    slot.workers = await restartEach(
      slot.workers,
      (worker) => `worker ${worker.id} (pid ${worker.pid})`,
      async (worker, track) => {
        await processes.stopLeftovers(worker, slot);
        return processes.spawnWorker(launch.spec, launch.release, worker.type, worker.id, afterRestart(track));
      },
    );
  }
  return { changed, nextDueAt, starting };
}

/**
 * After the wait for `starting` (`outcomes`, in the same order), under the app's lock again, with
 * `record` the app as it is now (undefined once destroyed): a ready instance whose slot is still
 * the app's active or standby slot, and whose record there still has its pid, is no longer marked
 * `starting`, so the router sends it requests. One whose slot was stopped or replaced meanwhile is
 * left alone — the stop ended it — unless it still runs, which no stop ever saw: it is stopped
 * here, so no process is left unknown. One that did not become ready was stopped by its wait.
 * @returns whether a record changed (the caller saves and has the router re-read the state file)
 */
export async function settleStarted(record: AppRecord | undefined, starting: StartingInstance[], outcomes: PromiseSettledResult<void>[], processes: SlotProcesses, log: (line: string) => void): Promise<boolean> {
  let changed = false;
  for (const [i, { slot, record: started }] of starting.entries()) {
    const outcome = outcomes[i]!;
    const label = `${record ? `${record.environment}/${record.app} ` : ""}instance ${started.id}`;
    if (outcome.status === "rejected") {
      log(`local: ${label} did not come back: ${(outcome.reason as Error).message}`);
      continue;
    }
    const current = record && (record.active === slot || record.standby === slot) ? slot.instances.find((i) => i.id === started.id && i.pid === started.pid) : undefined;
    if (current) {
      if (current.starting) changed = true;
      delete current.starting;
      log(`local: ${label} serves again on port ${current.port} (pid ${current.pid})`);
    } else if (processes.isRunning(started, slot)) {
      log(`local: ${label} (pid ${started.pid}) became ready after its slot was stopped; stopping it`);
      await processes.stopLeftovers(started, slot);
    }
  }
  return changed;
}

import type { AppSpec } from "../types";
import { afterRestart, noteExit, restartDueAt, type RestartTrack } from "./restart-policy";
import type { SlotProcesses } from "./slots";
import type { InstanceRecord, SlotRecord, WorkerRecord } from "./state";
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
  /** Writes the state file as the records are now. */
  save: () => void;
  /** Has the router re-read the state file (a restarted web instance serves again). */
  route: () => Promise<void>;
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
 * One round of the restart policy (restart-policy.ts) for `slot`: records when each exited web
 * instance and worker was found gone, and starts again those whose back-off has passed — web
 * instances on their own port, with the same id and log. A restarted web instance's record is
 * saved at once, then it is waited for (listening and healthy, SlotProcesses.respawnInstance);
 * once ready the router is told, so it routes to the new process. One that fails is stopped and
 * logged, and the next round backs off further. Does nothing without `context.launch`.
 * @returns `changed`: whether records changed since the state file was last saved (the caller
 *   saves them); `nextDueAt`: when (ms since the epoch) the earliest restart still waiting is due, or null
 */
export async function restartExited(slot: SlotRecord, context: RestartContext): Promise<{ changed: boolean; nextDueAt: number | null }> {
  const { launch, processes, log } = context;
  if (!launch) return { changed: false, nextDueAt: null };
  const now = context.now();
  const key = `${launch.spec.environment}/${launch.spec.app}`;
  let changed = false;
  let nextDueAt: number | null = null;
  const wait = (track: RestartTrack) => {
    const due = restartDueAt(track)!;
    nextDueAt = nextDueAt === null ? due : Math.min(nextDueAt, due);
  };
  const starting: { record: InstanceRecord; waitReady: () => Promise<void> }[] = [];

  const instances: InstanceRecord[] = [];
  for (const instance of slot.instances) {
    const decision = decide(instance, slot, context, now);
    if (decision.kind === "running") instances.push(instance);
    else if (decision.kind === "waiting" || !context.open()) {
      changed ||= decision.track !== instance;
      wait(decision.track);
      instances.push(decision.track);
    } else {
      changed = true;
      log(`local: ${key} instance ${instance.id} (pid ${instance.pid}, port ${instance.port}) exited; starting it again on the same port (restart ${afterRestart(decision.track).restarts})`);
      try {
        const started = await processes.respawnInstance(launch.spec, launch.release, slot, instance, afterRestart(decision.track));
        starting.push(started);
        instances.push(started.record);
      } catch (error) {
        log(`local: ${key} instance ${instance.id} could not be started again: ${(error as Error).message}`);
        instances.push(failedStart(decision.track, wait, now));
      }
    }
  }
  slot.instances = instances;

  if (slot.workers) {
    const workers: WorkerRecord[] = [];
    for (const worker of slot.workers) {
      const decision = decide(worker, slot, context, now);
      if (decision.kind === "running") workers.push(worker);
      else if (decision.kind === "waiting" || !context.open()) {
        changed ||= decision.track !== worker;
        wait(decision.track);
        workers.push(decision.track);
      } else {
        changed = true;
        log(`local: ${key} worker ${worker.id} (pid ${worker.pid}) exited; starting it again (restart ${afterRestart(decision.track).restarts})`);
        try {
          await processes.stopLeftovers(worker, slot);
          workers.push(processes.spawnWorker(launch.spec, launch.release, worker.type, worker.id, afterRestart(decision.track)));
        } catch (error) {
          log(`local: ${key} worker ${worker.id} could not be started again: ${(error as Error).message}`);
          workers.push(failedStart(decision.track, wait, now));
        }
      }
    }
    slot.workers = workers;
  }

  if (starting.length === 0) return { changed, nextDueAt };
  // The new pids are on disk before the (long) wait: a crash of Slipway meanwhile leaves no unknown process.
  context.save();
  const outcomes = await Promise.allSettled(starting.map((s) => s.waitReady()));
  outcomes.forEach((outcome, i) => {
    const { record } = starting[i]!;
    if (outcome.status === "fulfilled") {
      delete record.starting;
      log(`local: ${key} instance ${record.id} serves again on port ${record.port} (pid ${record.pid})`);
    } else log(`local: ${key} instance ${record.id} did not come back: ${(outcome.reason as Error).message}`);
  });
  if (outcomes.some((o) => o.status === "fulfilled")) {
    // Ready: no longer marked starting, so the router (which skipped it until now) sends it requests.
    context.save();
    await context.route();
  }
  // One that failed is looked at again at once: found gone, it waits its (longer) back-off.
  return { changed: false, nextDueAt: outcomes.some((o) => o.status === "rejected") ? context.now() : nextDueAt };
}

import type { AppRegistry } from "./registry";
import { rotateLog } from "./logs";
import { restartExited, settleStarted, type RestartContext, type SlotLaunch, type StartingInstance } from "./restarts";
import type { SlotProcesses } from "./slots";
import { appKey, type AppRecord, type SlotRecord } from "./state";
import { logFilesOf } from "./workers";

/** How often (ms) exited processes are looked for (and restarted once their back-off passed) and logs rotated. */
const HOUSEKEEPING_MS = 2000;

export interface HousekeepingOptions {
  apps: AppRegistry;
  slots: SlotProcesses;
  logCapBytes: number;
  log: (line: string) => void;
  /** Runs `operation` under the app's lock (the platform's KeyedMutex). */
  locked: (environment: string, app: string, operation: () => Promise<void>) => Promise<void>;
  /** Has the router re-read the state file. */
  route: () => Promise<void>;
  /** Now, in ms since the epoch (default Date.now). */
  now?: () => number;
  /** Between rounds (ms, default 2000). */
  intervalMs?: number | undefined;
}

/**
 * The local platform's periodic chores while Slipway runs: restart exited web instances and
 * workers (with back-off, restart-policy.ts) and rotate logs past their cap. It remembers the spec
 * and release of each slot this Slipway started or adopted, because config is never written to
 * disk and a process needs it to start again. Apps are looked at in parallel, each under its own
 * lock, so a deliberate stop (which takes the lock and forgets the slot first) is never undone.
 */
export class Housekeeping {
  private readonly launches = new WeakMap<SlotRecord, SlotLaunch>();
  private timer: NodeJS.Timeout | null = null;
  /** A round at the earliest pending restart's due time, sooner than the next regular one. */
  private dueTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  private stopped = false;
  /** Apps being looked at now: a round waits up to the start timeout for a restarted instance, and an app's rounds never overlap. */
  private readonly busy = new Set<string>();
  /** Apps asked for again while being looked at: one more round of theirs follows. */
  private readonly again = new Set<string>();

  constructor(private readonly options: HousekeepingOptions) {}

  /**
   * What `slot` was started from, so its exited processes can start again. Marks it looked after
   * by this process in the state file (`restartedBy`), for the inspector. Not after stop().
   */
  remember(slot: SlotRecord, launch: SlotLaunch): void {
    if (this.stopped) return;
    this.launches.set(slot, launch);
    if (slot.restartedBy === process.pid) return;
    slot.restartedBy = process.pid;
    this.options.apps.save();
  }

  /**
   * Whether this housekeeping starts `slot`'s exited processes again: false for a slot it does not
   * know the launch of (adopted, not confirmed by ensureActive) and for any slot after stop(). The
   * instances list shows a pending back-off only then.
   */
  looksAfter(slot: SlotRecord): boolean {
    return !this.stopped && this.launches.has(slot);
  }

  /** A round every 2 s (`intervalMs`) from now on; idempotent. Not after stop(). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.round(), this.options.intervalMs ?? HOUSEKEEPING_MS);
    this.timer.unref();
  }

  /**
   * For good (the platform object is let go of); what runs keeps running, a round in progress starts
   * nothing new, and no slot is marked looked after by this process any more (state file saved).
   */
  stop(): void {
    if (!this.stopped) {
      let changed = false;
      for (const record of this.options.apps.all()) {
        for (const slot of [record.active, record.standby]) {
          if (slot?.restartedBy !== process.pid) continue;
          delete slot.restartedBy;
          changed = true;
        }
      }
      if (changed) this.options.apps.save();
    }
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.dueTimer) clearTimeout(this.dueTimer.timer);
    this.timer = null;
    this.dueTimer = null;
  }

  /**
   * A round now: each app is looked at under its own lock, apps in parallel, so a long restart or
   * rollout of one never delays another's restart. An app still being looked at gets one more look
   * right after. What the timers call, and what a process of ours that exits asks for, so its
   * back-off starts at once. Nothing after stop().
   */
  async round(): Promise<void> {
    if (this.stopped) return;
    await Promise.all(this.options.apps.all().map(({ environment, app }) => this.houseKeep(environment, app)));
  }

  /** A round at `at` (ms since the epoch), unless one is due sooner already. */
  private roundAt(at: number): void {
    if (this.stopped || (this.dueTimer && this.dueTimer.at <= at)) return;
    if (this.dueTimer) clearTimeout(this.dueTimer.timer);
    const timer = setTimeout(
      () => {
        this.dueTimer = null;
        void this.round();
      },
      Math.max(0, at - (this.options.now ?? Date.now)()),
    );
    timer.unref();
    this.dueTimer = { at, timer };
  }

  private async houseKeep(environment: string, app: string): Promise<void> {
    const key = appKey(environment, app);
    if (this.busy.has(key)) {
      this.again.add(key);
      return;
    }
    this.busy.add(key);
    try {
      do {
        this.again.delete(key);
        await this.houseKeepNow(environment, app);
      } while (this.again.has(key) && !this.stopped);
    } finally {
      this.busy.delete(key);
    }
  }

  /**
   * One round of the app: restarts under its lock; the wait for restarted web instances to become
   * ready (up to the start timeout) outside it, so a rollback, switch or stop of the app meanwhile
   * never waits for a crash-looping instance; then, under the lock again, the ready ones are routed
   * (settleStarted: only while their slot is still the app's).
   */
  private async houseKeepNow(environment: string, app: string): Promise<void> {
    const { apps, slots, logCapBytes, log, locked, route } = this.options;
    const now = this.options.now ?? Date.now;
    const context = { processes: slots, log, now, save: () => apps.save(), open: () => !this.stopped };
    const failed = (error: Error) => log(`local: housekeeping of ${appKey(environment, app)} failed: ${error.message}`);
    let starting: StartingInstance[] = [];
    await locked(environment, app, async () => {
      const record = apps.get(environment, app);
      if (!record || this.stopped) return;
      const result = await houseKeepApp(record, (slot) => this.launches.get(slot), context, logCapBytes);
      starting = result.starting;
      if (result.nextDueAt !== null) this.roundAt(result.nextDueAt);
    }).catch(failed);
    if (starting.length === 0) return;
    const outcomes = await Promise.allSettled(starting.map((s) => s.waitReady()));
    await locked(environment, app, async () => {
      // Ready: no longer marked starting, so the router (which skipped it until now) sends it requests.
      if (await settleStarted(apps.get(environment, app), starting, outcomes, slots, log)) {
        apps.save();
        await route();
      }
    }).catch(failed);
    // One that failed is looked at again at once: found gone, it waits its (longer) back-off.
    if (outcomes.some((o) => o.status === "rejected")) this.again.add(appKey(environment, app));
  }
}

/**
 * One round of an app's housekeeping: restarts the exited web instances and workers of both slots
 * once their back-off passed (restarts.ts; `launchOf` says what each slot was started from), saves
 * what changed (`context.save` writes the state file), and rotates logs past `logCapBytes`.
 * Callers hold the app's lock.
 * @returns `nextDueAt`: when (ms since the epoch) the earliest restart still waiting is due, or
 *   null; `starting`: the web instances started again (saved, marked starting), for the caller to
 *   wait for outside the lock
 */
export async function houseKeepApp(
  record: AppRecord,
  launchOf: (slot: SlotRecord) => SlotLaunch | undefined,
  context: Omit<RestartContext, "launch"> & { save: () => void },
  logCapBytes: number,
): Promise<{ nextDueAt: number | null; starting: StartingInstance[] }> {
  let changed = false;
  let nextDueAt: number | null = null;
  const starting: StartingInstance[] = [];
  for (const slot of [record.active, record.standby]) {
    if (!slot) continue;
    const result = await restartExited(slot, { ...context, launch: launchOf(slot) });
    changed ||= result.changed || result.starting.length > 0;
    starting.push(...result.starting);
    if (result.nextDueAt !== null) nextDueAt = Math.min(nextDueAt ?? Infinity, result.nextDueAt);
  }
  // The new pids are on disk before the (long) wait: a crash of Slipway meanwhile leaves no unknown process.
  if (changed) context.save();
  for (const file of logFilesOf(record)) rotateLog(file, logCapBytes);
  return { nextDueAt, starting };
}

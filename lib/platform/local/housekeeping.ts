import type { AppRegistry } from "./registry";
import type { SlotProcesses } from "./slots";
import { appKey, type SlotRecord } from "./state";
import { houseKeepApp, type SlotLaunch } from "./workers";

/** How often workers are checked (and restarted) and logs rotated. */
const HOUSEKEEPING_MS = 2000;

export interface HousekeepingOptions {
  apps: AppRegistry;
  slots: SlotProcesses;
  logCapBytes: number;
  log: (line: string) => void;
  /** Runs `operation` under the app's lock (the platform's KeyedMutex). */
  locked: (environment: string, app: string, operation: () => Promise<void>) => Promise<void>;
}

/**
 * The local platform's periodic chores while Slipway runs: restart exited workers (with back-off)
 * and rotate logs past their cap. It remembers the spec and release of each slot this Slipway
 * started or adopted, because config is never written to disk and a worker needs it to start again.
 */
export class Housekeeping {
  private readonly launches = new WeakMap<SlotRecord, SlotLaunch>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: HousekeepingOptions) {}

  /** What `slot` was started from, so its exited workers can start again. */
  remember(slot: SlotRecord, launch: SlotLaunch): void {
    this.launches.set(slot, launch);
  }

  /** Every 2 s from now on; idempotent. Not after stop(). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.round(), HOUSEKEEPING_MS);
    this.timer.unref();
  }

  /** For good (the platform object is let go of); what runs keeps running. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async round(): Promise<void> {
    const { apps, slots, logCapBytes, log, locked } = this.options;
    for (const { environment, app } of apps.all()) {
      await locked(environment, app, async () => {
        const record = apps.get(environment, app);
        if (!record || this.stopped) return;
        if (houseKeepApp(record, (slot) => this.launches.get(slot), slots, logCapBytes, log)) apps.save();
      }).catch((error: Error) => log(`local: housekeeping of ${appKey(environment, app)} failed: ${error.message}`));
    }
  }
}

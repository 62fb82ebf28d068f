import type { Clock } from "@/lib/domain/clock";

/**
 * One concern of the controller (start queued deployments, sample health, detect drift, …): run
 * by the schedule at most once every `intervalMs` of the injected clock, in list order.
 */
export interface Reconciler {
  readonly name: string;
  /** Least clock time (ms) between two runs; 0 runs it on every pass. Read before each pass, so options may change it. */
  intervalMs(): number;
  /** Does the work; `now` is the pass's one reading of the clock. Errors go to the pass (see ReconcileSchedule.runDue). */
  run(now: Date): Promise<void>;
}

/** A reconciler from its parts; `intervalMs` may be a number or read lazily (an option). */
export function reconciler(name: string, intervalMs: number | (() => number), run: (now: Date) => Promise<void> | void): Reconciler {
  return { name, intervalMs: typeof intervalMs === "number" ? () => intervalMs : intervalMs, run: async (now) => run(now) };
}

/**
 * The controller's one clock-driven schedule: each pass reads the clock once and runs, in order,
 * every reconciler whose interval has passed since its last run (a reconciler never run is due).
 * A run counts from when it started, also when it throws: a failing concern waits its interval
 * like any other instead of running again on the very next pass. An error ends the pass (the
 * controller's back-off takes over); the reconcilers after it run on the next pass.
 */
export class ReconcileSchedule {
  /** Per reconciler name: the clock time (ms) its last run started. */
  private readonly lastRun = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    readonly reconcilers: readonly Reconciler[],
  ) {
    const names = new Set(reconcilers.map((r) => r.name));
    if (names.size !== reconcilers.length) throw new Error("Reconciler names must be unique.");
  }

  /** Whether `name` would run on a pass at `nowMs` (clock milliseconds). Throws for an unknown name. */
  isDue(name: string, nowMs: number): boolean {
    const found = this.reconcilers.find((r) => r.name === name);
    if (!found) throw new Error(`No reconciler named ${name}.`);
    const last = this.lastRun.get(name);
    return last === undefined || nowMs - last >= found.intervalMs();
  }

  /** Records that `name` ran at `at` (e.g. health sampled during restore), so its interval counts from there. */
  markRan(name: string, at: Date): void {
    this.lastRun.set(name, at.getTime());
  }

  /** Makes `name` due on the next pass, whenever it last ran (e.g. drift once a restore ends). */
  markDue(name: string): void {
    this.lastRun.delete(name);
  }

  /** Forgets every last run: after leading afresh, everything is due on the first pass. */
  reset(): void {
    this.lastRun.clear();
  }

  /**
   * One pass: reads the clock once, runs the due reconcilers in order and returns their names.
   * Throws what a reconciler throws (the ones after it wait for the next pass).
   */
  async runDue(): Promise<string[]> {
    const now = this.clock.now();
    const ran: string[] = [];
    for (const r of this.reconcilers) {
      if (!this.isDue(r.name, now.getTime())) continue;
      this.lastRun.set(r.name, now.getTime());
      ran.push(r.name);
      await r.run(now);
    }
    return ran;
  }
}

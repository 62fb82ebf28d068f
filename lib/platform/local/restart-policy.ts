/**
 * When the local platform starts an exited process again: one rule for web instances and workers
 * alike, as Kubernetes' restartPolicy Always does it. Pure: every time is passed in (`now`, ms since
 * the epoch), so tests step a clock of their own.
 *
 * A process that exits waits 1 s, 2 s, 4 s … (at most 60 s) from the moment the platform found it
 * gone before it is started again; each restart without a long enough run in between doubles the
 * wait. One that ran for 10 minutes before it exited starts over at 1 s, as Kubernetes resets its
 * back-off after 10 minutes of running.
 */

/** The first wait (ms). */
export const RESTART_BACKOFF_BASE_MS = 1000;
/** The longest wait (ms). */
export const RESTART_BACKOFF_CAP_MS = 60_000;
/** A process that ran this long (ms) before it exited starts its back-off afresh. */
export const RESTART_BACKOFF_RESET_MS = 10 * 60_000;

/** What the platform records about one process's restarts (part of its record in the state file). */
export interface RestartTrack {
  /** When the current process started (ISO 8601); absent in state written before instances were listed. */
  startedAt?: string;
  /** How often the platform started it again after it exited, ever (shown; never reset). Absent: 0. */
  restarts?: number;
  /** Restarts since it last ran for RESTART_BACKOFF_RESET_MS: picks the wait. Absent: 0. */
  backoffStep?: number;
  /** When the platform found the process gone (ISO 8601), while a restart is pending; absent while it runs. */
  exitedAt?: string;
}

/**
 * How long (ms) to wait before restart number `backoffStep + 1`: 1 s, 2 s, 4 s … capped at 60 s.
 * Negative or fractional steps count as 0.
 */
export function restartDelayMs(backoffStep: number): number {
  const step = Math.max(0, Math.floor(backoffStep));
  return Math.min(RESTART_BACKOFF_CAP_MS, RESTART_BACKOFF_BASE_MS * 2 ** Math.min(step, 16));
}

/**
 * `track` with its exit recorded at `now` (ms): `exitedAt` set, and `backoffStep` back to 0 when it
 * had run for RESTART_BACKOFF_RESET_MS or longer. Returns `track` itself when the exit was
 * recorded already, so a caller can tell whether anything changed (`!==`).
 */
export function noteExit<T extends RestartTrack>(track: T, now: number): T {
  if (track.exitedAt !== undefined) return track;
  const started = track.startedAt === undefined ? Number.NaN : Date.parse(track.startedAt);
  const ranLongEnough = !Number.isNaN(started) && now - started >= RESTART_BACKOFF_RESET_MS;
  return { ...track, exitedAt: new Date(now).toISOString(), ...(ranLongEnough ? { backoffStep: 0 } : {}) };
}

/** When (ms since the epoch) the exited process `track` is due to start again; null while no exit is recorded. */
export function restartDueAt(track: RestartTrack): number | null {
  if (track.exitedAt === undefined) return null;
  const exited = Date.parse(track.exitedAt);
  return (Number.isNaN(exited) ? 0 : exited) + restartDelayMs(track.backoffStep ?? 0);
}

/** The counters of the process started in place of the exited `track`: one more restart, one step further, no exit pending. */
export function afterRestart(track: RestartTrack): { restarts: number; backoffStep: number } {
  return { restarts: (track.restarts ?? 0) + 1, backoffStep: (track.backoffStep ?? 0) + 1 };
}

/**
 * The back-off as the instances list shows it: the length of the wait (s) and when it ends (ISO
 * 8601), or null while no restart is pending.
 */
export function backOffOf(track: RestartTrack): { seconds: number; until: string } | null {
  const due = restartDueAt(track);
  if (due === null) return null;
  return { seconds: restartDelayMs(track.backoffStep ?? 0) / 1000, until: new Date(due).toISOString() };
}

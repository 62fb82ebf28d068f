import { describe, expect, it } from "vitest";
import { RESTART_BACKOFF_RESET_MS, afterRestart, backOffOf, noteExit, restartDelayMs, restartDueAt, type RestartTrack } from "./restart-policy";

// The restart rule on a clock of the test's own (ms since the epoch), no processes.
const T0 = Date.parse("2026-03-01T10:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Plays a process that exits `ranMs` after each start and is restarted the moment it is due; returns the waits (ms). */
function crashLoop(times: number, ranMs: number): { waits: number[]; last: RestartTrack } {
  let now = T0;
  let track: RestartTrack = { startedAt: iso(now), restarts: 0 };
  const waits: number[] = [];
  for (let i = 0; i < times; i++) {
    now += ranMs; // it ran, then exited and was found gone
    track = noteExit(track, now);
    const due = restartDueAt(track)!;
    waits.push(due - now);
    now = due;
    track = { startedAt: iso(now), ...afterRestart(track) };
  }
  return { waits, last: track };
}

describe("restart policy (one rule for web instances and workers)", () => {
  it("waits 1 s, 2 s, 4 s … and never more than 60 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 1000].map(restartDelayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
    expect(restartDelayMs(-1)).toBe(1000);
  });

  it("a process that keeps dying backs off further each time, counting every restart", () => {
    const { waits, last } = crashLoop(9, 200);
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(last).toMatchObject({ restarts: 9, backoffStep: 9 });
  });

  it("a process that ran 10 minutes before it exited starts over at 1 s; its restart count stays", () => {
    const looping = crashLoop(6, 200).last; // step 6: the next wait would be 60 s
    const started = Date.parse(looping.startedAt!);
    const shortRun = noteExit(looping, started + RESTART_BACKOFF_RESET_MS - 1);
    expect(restartDueAt(shortRun)! - Date.parse(shortRun.exitedAt!)).toBe(60_000);
    const longRun = noteExit(looping, started + RESTART_BACKOFF_RESET_MS);
    expect(restartDueAt(longRun)! - Date.parse(longRun.exitedAt!)).toBe(1000);
    expect(afterRestart(longRun)).toEqual({ restarts: 7, backoffStep: 1 });
  });

  it("records the exit once: the wait runs from when the process was first found gone", () => {
    const track: RestartTrack = { startedAt: iso(T0), restarts: 2, backoffStep: 2 };
    const noted = noteExit(track, T0 + 5000);
    expect(noted).not.toBe(track);
    expect(track.exitedAt).toBeUndefined(); // the input is not changed
    expect(noteExit(noted, T0 + 9000)).toBe(noted);
    expect(restartDueAt(noted)).toBe(T0 + 5000 + 4000);
    expect(restartDueAt(track)).toBeNull();
  });

  it("reads state written before restarts were recorded (no counters, no start time) as a first exit", () => {
    const old: RestartTrack = {};
    const noted = noteExit(old, T0);
    expect(restartDueAt(noted)).toBe(T0 + 1000);
    expect(afterRestart(noted)).toEqual({ restarts: 1, backoffStep: 1 });
  });

  it("shows the pending back-off: its length and when it ends", () => {
    expect(backOffOf({ startedAt: iso(T0), restarts: 3, backoffStep: 3 })).toBeNull();
    expect(backOffOf(noteExit({ startedAt: iso(T0), restarts: 3, backoffStep: 3 }, T0 + 100))).toEqual({ seconds: 8, until: iso(T0 + 100 + 8000) });
  });
});

import type { DateTime } from "luxon";
import type { TimeWindow } from "@/lib/config/schema";
import { WEEKDAYS, type Weekday } from "../weekdays";
import { roleName, withArticle } from "../roles";
import { formatClock, formatList, formatRelative, formatWeekdayClock } from "./format";
import { inZone, instantMillisAt } from "./time";
import { outcome, type GateOutcome, type GateOverride } from "./types";

/** One opening of a window: [opensAt, closesAt). */
export interface WindowOpening {
  window: TimeWindow;
  opensAt: Date;
  closesAt: Date;
}

const DAY_MS = 86_400_000;
/** Every window opens at least weekly, so the next opening is always within this horizon. */
const HORIZON_MS = 9 * DAY_MS;

const clock = (hhmm: string) => {
  const [hour, minute] = hhmm.split(":").map(Number);
  return { hour: hour ?? 0, minute: minute ?? 0 };
};

const weekdayOf = (day: DateTime): Weekday => WEEKDAYS[day.weekday - 1] as Weekday;

/**
 * The openings of `window` on the local days that touch [from, to]. An opening belongs to the day
 * it starts (22:00–02:00 on fri runs into saturday). Times come from the wall clock of the window's
 * zone on that very day, so a window keeps its local hours across DST; on a day when the clocks
 * skip or repeat an hour, the opening is shorter or longer in elapsed time. An opening that the
 * skipped hour makes empty does not happen.
 */
export function windowOpenings(window: TimeWindow, from: Date, to: Date): WindowOpening[] {
  const openings: WindowOpening[] = [];
  const open = clock(window.from);
  const close = clock(window.to);
  const crossesMidnight = window.to < window.from;
  let day = inZone(from, window.timezone).startOf("day").minus({ days: 1 });
  const last = inZone(to, window.timezone).startOf("day");
  while (day <= last) {
    if (window.days.includes(weekdayOf(day))) {
      const closeDay = crossesMidnight ? day.plus({ days: 1 }) : day;
      const opensAt = new Date(instantMillisAt(window.timezone, { year: day.year, month: day.month, day: day.day, ...open }));
      const closesAt = new Date(instantMillisAt(window.timezone, { year: closeDay.year, month: closeDay.month, day: closeDay.day, ...close }));
      if (closesAt > opensAt) openings.push({ window, opensAt, closesAt });
    }
    day = day.plus({ days: 1 });
  }
  return openings;
}

/**
 * Every opening of `windows` on the UTC days from two before `now`'s to eleven after: a superset of
 * what currentOpening (now − 1 day … now + 9 days) and nextOpening (now … now + 9 days) look at,
 * sorted by opensAt and frozen. Memoised per set of windows and UTC day: the openings of a day
 * never change, and luxon's zone arithmetic (about 20 µs a day and window) made window checks a
 * tenth of a board request's CPU when every environment re-derived the same ten days.
 */
function openingsAround(windows: readonly TimeWindow[], now: Date): readonly WindowOpening[] {
  const day = Math.floor(now.getTime() / DAY_MS);
  const key = `${day}|${JSON.stringify(windows)}`;
  let openings = openingsMemo.get(key);
  if (!openings) {
    const from = new Date((day - 2) * DAY_MS);
    const to = new Date((day + 11) * DAY_MS);
    openings = windows
      .flatMap((w) => windowOpenings(w, from, to))
      .sort((a, b) => a.opensAt.getTime() - b.opensAt.getTime())
      .map((o) => Object.freeze(o));
    // Bounded: a process sees a few distinct window sets; the oldest day's entries go first.
    if (openingsMemo.size >= OPENINGS_MEMO_LIMIT) openingsMemo.delete(openingsMemo.keys().next().value!);
    openingsMemo.set(key, openings);
  }
  return openings;
}
const openingsMemo = new Map<string, readonly WindowOpening[]>();
const OPENINGS_MEMO_LIMIT = 500;

/** The opening that covers `now`, with its end extended through openings that adjoin or overlap it. */
export function currentOpening(windows: readonly TimeWindow[], now: Date): (WindowOpening & { openUntil: Date | null }) | null {
  const openings = openingsAround(windows, now);
  const covering = openings.filter((o) => o.opensAt <= now && now < o.closesAt);
  if (covering.length === 0) return null;
  const first = covering.reduce((a, b) => (b.closesAt > a.closesAt ? b : a));
  let end = first.closesAt;
  for (const o of openings) if (o.opensAt <= end && o.closesAt > end) end = o.closesAt;
  const horizonEnd = now.getTime() + HORIZON_MS - DAY_MS;
  return { ...first, openUntil: end.getTime() >= horizonEnd ? null : end };
}

/** The next opening strictly after `now` (windows open at least weekly). */
export function nextOpening(windows: readonly TimeWindow[], now: Date): WindowOpening | null {
  return openingsAround(windows, now).find((o) => o.opensAt > now) ?? null;
}

export interface WindowFacts {
  override?: GateOverride | null;
  /** Roles that may override a closed window (slipway.yaml `overrides.roles`), for the message. */
  overridableBy?: readonly string[];
}

/** Deployments may start only inside one of the windows; with no windows, any time. */
export function evaluateWindow(windows: readonly TimeWindow[], facts: WindowFacts, now: Date): GateOutcome {
  if (windows.length === 0) return outcome("window", "pass", "no deploy windows: deployments may start at any time");
  const current = currentOpening(windows, now);
  if (current) {
    const zone = current.window.timezone;
    const until = current.openUntil;
    const reason = until ? `inside the deploy window until ${formatWeekdayClock(until, zone)} ${zone} (closes ${formatRelative(until, now)})` : "inside a deploy window (the windows leave no gap)";
    return outcome("window", "pass", reason, {
      detail: { open: true, opensAt: current.opensAt, closesAt: until, timezone: zone },
      recheckAt: until ?? undefined,
    });
  }
  const next = nextOpening(windows, now);
  if (!next) throw new Error("no window opens within a week");
  const zone = next.window.timezone;
  const detail = { open: false, nextOpensAt: next.opensAt, nextClosesAt: next.closesAt, timezone: zone, overridableBy: facts.overridableBy ?? [] };
  if (facts.override) {
    return outcome("window", "waived", `window overridden by ${facts.override.by} because ${facts.override.reason}`, {
      detail: { ...detail, override: facts.override },
    });
  }
  const hint = facts.overridableBy && facts.overridableBy.length > 0 ? `; until then ${withArticle(formatList(facts.overridableBy.map(roleName), "or"))} can override it with a reason` : "";
  const reason = `outside the deploy windows: window opens ${formatWeekdayClock(next.opensAt, zone)} ${zone} (${formatRelative(next.opensAt, now)}) until ${formatClock(next.closesAt, zone)}${hint}`;
  return outcome("window", "pending", reason, { detail, recheckAt: next.opensAt });
}

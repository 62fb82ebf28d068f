import { DateTime, IANAZone } from "luxon";

/**
 * Wall-clock arithmetic in IANA time zones, on top of luxon. Every function throws on an unknown
 * zone, so a typo in a zone makes a gate fail (closed) instead of silently using UTC.
 */

/**
 * Zones already known to be valid. luxon's `IANAZone.isValidZone` builds an `Intl.DateTimeFormat`
 * on every call (~0.1 ms), and gate evaluation asks for every day of every window on every board
 * render; only valid names are remembered, so a stream of bad input cannot grow the set.
 */
const validZones = new Set<string>();

/** `zone` itself when it is a valid IANA zone name; throws `Error("unknown time zone …")` otherwise. */
export function assertZone(zone: string): string {
  if (validZones.has(zone)) return zone;
  if (!IANAZone.isValidZone(zone)) throw new Error(`unknown time zone "${zone}"`);
  validZones.add(zone);
  return zone;
}

/** `at` as seen on a wall clock in `zone`. */
export function inZone(at: Date, zone: string): DateTime {
  return DateTime.fromMillis(at.getTime(), { zone: assertZone(zone) });
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

/**
 * The instant a wall-clock time happens in `zone`, as RFC 5545 reads local times: a time that
 * occurs twice (the hour repeated when clocks go back) is its first occurrence; a time that does
 * not exist (skipped when clocks go forward) is read with the offset before the gap, so 02:30 on a
 * spring-forward day in Berlin is 03:30 CEST.
 */
export function instantAt(zone: string, wall: WallTime): DateTime {
  const fields = { hour: 0, minute: 0, second: 0, millisecond: 0, ...wall };
  const asUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, fields.millisecond);
  const luxonPick = DateTime.fromObject(fields, { zone: assertZone(zone) });
  const offsets = new Set([luxonPick.offset, ...[-1, 1].map((days) => luxonPick.plus({ days }).offset)]);
  let earliest: DateTime | null = null;
  for (const offset of offsets) {
    const candidate = DateTime.fromMillis(asUtc - offset * 60_000, { zone });
    const same = candidate.year === fields.year && candidate.month === fields.month && candidate.day === fields.day && candidate.hour === fields.hour && candidate.minute === fields.minute && candidate.second === fields.second;
    if (same && (!earliest || candidate < earliest)) earliest = candidate;
  }
  return earliest ?? luxonPick;
}

/** Remembered answers of `instantMillisAt`, oldest first; bounded so the memory stays flat. */
const instants = new Map<string, number>();
const MAX_REMEMBERED_INSTANTS = 20_000;

/**
 * `instantAt(zone, wall)` as epoch milliseconds, remembered: deploy windows ask for the same few
 * local times (each window's open and close on the next nine days) on every gate evaluation, and
 * each answer costs several luxon conversions. Pure: the answer depends only on the arguments.
 */
export function instantMillisAt(zone: string, wall: WallTime): number {
  const key = `${zone}|${wall.year}|${wall.month}|${wall.day}|${wall.hour ?? 0}|${wall.minute ?? 0}|${wall.second ?? 0}|${wall.millisecond ?? 0}`;
  const known = instants.get(key);
  if (known !== undefined) return known;
  const millis = instantAt(zone, wall).toMillis();
  if (instants.size >= MAX_REMEMBERED_INSTANTS) instants.delete(instants.keys().next().value!);
  instants.set(key, millis);
  return millis;
}

/** The wall-clock fields of `at` in `zone`, stored in a Date's UTC fields ("floating" time, as rrule wants it). */
export function toFloating(at: DateTime): Date {
  return new Date(Date.UTC(at.year, at.month - 1, at.day, at.hour, at.minute, at.second, at.millisecond));
}

/** The instant in `zone` of a floating Date (wall-clock fields in its UTC fields). */
export function fromFloating(floating: Date, zone: string): DateTime {
  // Remembered: freeze rules expand to the same occurrences on every gate evaluation.
  const millis = instantMillisAt(zone, {
    year: floating.getUTCFullYear(),
    month: floating.getUTCMonth() + 1,
    day: floating.getUTCDate(),
    hour: floating.getUTCHours(),
    minute: floating.getUTCMinutes(),
    second: floating.getUTCSeconds(),
    millisecond: floating.getUTCMilliseconds(),
  });
  return DateTime.fromMillis(millis, { zone: assertZone(zone) });
}

const DAY_MS = 86_400_000;

/**
 * `start` plus a configured duration, read the way people mean it: whole days are calendar days on
 * the wall clock of `start`'s zone (a 14-day freeze from midnight ends at midnight even across a
 * DST change), the rest is elapsed time.
 */
export function addDuration(start: DateTime, durationMs: number): DateTime {
  const days = Math.floor(durationMs / DAY_MS);
  return start.plus({ days }).plus({ milliseconds: durationMs - days * DAY_MS });
}

import type { DateTime } from "luxon";
import * as rruleModule from "rrule";
import { addDuration, assertZone, fromFloating, inZone, toFloating } from "./time";

/**
 * When a freeze blocks: one period [start, end), or a series of them from an RFC 5545 RRULE. rrule
 * runs on "floating" wall-clock times (the fields of the freeze's zone kept in a Date's UTC
 * fields) and each occurrence is turned into an instant in that zone afterwards, so occurrences
 * keep their local time across DST, as the RFC wants.
 */
export type FreezeSchedule =
  | { kind: "once"; start: Date; end: Date | null }
  | {
      kind: "recurring";
      rrule: string;
      durationMs: number;
      timezone: string;
      /** First occurrence (DTSTART); null for slipway.yaml freezes: occurrences start at local midnight. */
      dtstart: Date | null;
      /** No period reaches past this instant (a stored recurring freeze's end). */
      until: Date | null;
    };

export interface Period {
  start: Date;
  end: Date | null;
}

// rrule ships an ES module for bundlers (Next.js, vitest) but only a UMD build for Node's own
// loader (tsx scripts, the controller), where its exports sit on `default`.
const { RRule, Frequency } = "RRule" in rruleModule ? rruleModule : (rruleModule as unknown as { default: typeof rruleModule }).default;
type Frequency = rruleModule.Frequency;

const DAY_MS = 86_400_000;
/** Safety net against rules that would expand into an unbounded number of occurrences. */
const MAX_OCCURRENCES = 5_000;
/** Monday 1 January 2001: a day that starts a year, a month and an ISO week at once. */
const FIXED_ANCHOR = new Date(Date.UTC(2001, 0, 1));

function ruleOptions(rule: string) {
  const text = rule.replace(/^RRULE:/, "");
  let options;
  try {
    options = RRule.parseString(text);
  } catch (error) {
    throw new Error(`invalid RRULE "${rule}": ${error instanceof Error ? error.message : String(error)}`);
  }
  if (options.freq === undefined) throw new Error(`invalid RRULE "${rule}": FREQ is missing`);
  return { ...options, freq: options.freq, untilIsUtc: /UNTIL=\d{8}T\d{6}Z/.test(text) };
}

/**
 * The start of a slipway.yaml series, which has no DTSTART. A rule whose occurrences do not
 * depend on where the series starts (no COUNT, INTERVAL 1) starts shortly before `from`, which
 * keeps expansion cheap; others start on Monday 1 January 2001, so they mean the same thing in
 * every year. Either way a start on the first of January (a Monday) fills in the parts the rule
 * leaves out: FREQ=YEARLY alone is every 1 January, FREQ=MONTHLY every first, FREQ=WEEKLY every Monday.
 */
function configAnchor(freq: Frequency, anchored: boolean, searchFrom: Date): Date {
  const subDaily = freq === Frequency.HOURLY || freq === Frequency.MINUTELY || freq === Frequency.SECONDLY;
  if (anchored) {
    if (subDaily) throw new Error("a freeze repeating more often than daily needs neither COUNT nor INTERVAL");
    return FIXED_ANCHOR;
  }
  if (subDaily) return new Date(Date.UTC(searchFrom.getUTCFullYear(), searchFrom.getUTCMonth(), searchFrom.getUTCDate() - 1));
  return new Date(Date.UTC(searchFrom.getUTCFullYear() - 1, 0, 1));
}

/** Occurrence starts of a recurring schedule that may overlap [from, to], as zoned date-times. */
function occurrenceStarts(schedule: Extract<FreezeSchedule, { kind: "recurring" }>, from: Date, to: Date): DateTime[] {
  const zone = assertZone(schedule.timezone);
  const { untilIsUtc, ...options } = ruleOptions(schedule.rrule);
  const searchFrom = toFloating(inZone(new Date(from.getTime() - schedule.durationMs - DAY_MS), zone));
  const searchTo = toFloating(inZone(new Date(to.getTime() + DAY_MS), zone));
  const anchored = Boolean(options.count) || (options.interval ?? 1) > 1;
  const dtstart = schedule.dtstart ? toFloating(inZone(schedule.dtstart, zone)) : configAnchor(options.freq, anchored, searchFrom);
  const weekly = options.freq === Frequency.WEEKLY && !options.byweekday && !schedule.dtstart;
  const until = options.until && untilIsUtc ? toFloating(inZone(options.until, zone)) : (options.until ?? null);
  const rule = new RRule({
    ...options,
    dtstart,
    tzid: null,
    until,
    ...(weekly ? { byweekday: [RRule.MO] } : {}),
  });
  const floating = rule.between(searchFrom, searchTo, true, (_date, count) => count < MAX_OCCURRENCES);
  return floating.map((d) => fromFloating(d, zone));
}

/** The periods of `schedule` that overlap [from, to] (an instant when from = to), earliest first. */
export function periodsBetween(schedule: FreezeSchedule, from: Date, to: Date): Period[] {
  if (schedule.kind === "once") {
    const { start, end } = schedule;
    return start <= to && (end === null || end > from) ? [{ start, end }] : [];
  }
  const span = memoSpan(from, to);
  const periods = span && periodsOfSpan(schedule, span);
  if (!periods) return expandPeriods(schedule, from, to);
  return periods.filter((p) => p.start <= to && (p.end === null || p.end > from));
}

/**
 * Gates, the board and every header ask the same few recurring freezes the same questions ("what
 * covers now, what comes next within a day, a week, a month") many times a second; expanding an
 * RRULE each time was a visible share of a page's CPU (a weekly freeze's "next" looks a week
 * ahead on six days of seven). The periods overlapping a span that starts at a UTC midnight and
 * lasts 2, 9 or 33 days (the shortest that holds the range asked) are expanded once and filtered
 * for any range inside it: the same periods as a direct expansion, because a period overlaps
 * [from, to] ⊂ span only if it overlaps the span. A span whose expansion reached MAX_OCCURRENCES
 * (a minutely rule over days) is not kept: the range asked is expanded directly, as before.
 */
const SPANS_MS = [2 * DAY_MS, 9 * DAY_MS, 33 * DAY_MS];
const periodsMemo = new Map<string, readonly Period[] | "too many">();
const PERIODS_MEMO_LIMIT = 500;

function memoSpan(from: Date, to: Date): { from: Date; to: Date } | null {
  const start = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
  const length = SPANS_MS.find((ms) => to.getTime() < start + ms);
  return length === undefined ? null : { from: new Date(start), to: new Date(start + length) };
}

/** The periods of `schedule` overlapping `span`, expanded once per span; null when there are too many to keep. */
function periodsOfSpan(schedule: Extract<FreezeSchedule, { kind: "recurring" }>, span: { from: Date; to: Date }): readonly Period[] | null {
  const key = `${span.from.getTime()}|${span.to.getTime()}|${schedule.rrule}|${schedule.durationMs}|${schedule.timezone}|${schedule.dtstart?.getTime() ?? ""}|${schedule.until?.getTime() ?? ""}`;
  let periods = periodsMemo.get(key);
  if (!periods) {
    const starts = occurrenceStarts(schedule, span.from, span.to);
    periods = starts.length >= MAX_OCCURRENCES ? "too many" : periodsOf(schedule, starts, span.from, span.to).map((p) => Object.freeze(p));
    // Bounded: a process sees a few distinct freezes; the oldest entries go first.
    if (periodsMemo.size >= PERIODS_MEMO_LIMIT) periodsMemo.delete(periodsMemo.keys().next().value!);
    periodsMemo.set(key, periods);
  }
  return periods === "too many" ? null : periods;
}

function expandPeriods(schedule: Extract<FreezeSchedule, { kind: "recurring" }>, from: Date, to: Date): Period[] {
  return periodsOf(schedule, occurrenceStarts(schedule, from, to), from, to);
}

function periodsOf(schedule: Extract<FreezeSchedule, { kind: "recurring" }>, starts: DateTime[], from: Date, to: Date): Period[] {
  const periods: Period[] = [];
  for (const startLocal of starts) {
    const start = startLocal.toJSDate();
    let end = addDuration(startLocal, schedule.durationMs).toJSDate();
    if (schedule.until && end > schedule.until) end = schedule.until;
    if (end > start && start <= to && end > from) periods.push({ start, end });
  }
  return periods;
}

/**
 * The period covering `now`, its end carried through periods that overlap or adjoin it (a daily
 * 25-hour freeze runs on and on), following at most `maxSteps` periods: beyond that the end shown
 * is provisional and the gate simply rechecks then.
 */
export function coveringPeriod(schedule: FreezeSchedule, now: Date, maxSteps = 50): Period | null {
  const covering = periodsBetween(schedule, now, now).filter((p) => p.start <= now && (p.end === null || p.end > now));
  if (covering.length === 0) return null;
  const start = covering.reduce((a, b) => (b.start < a.start ? b : a)).start;
  if (covering.some((p) => p.end === null)) return { start, end: null };
  let end = new Date(Math.max(...covering.map((p) => (p.end as Date).getTime())));
  for (let step = 0; step < maxSteps; step++) {
    const next = periodsBetween(schedule, end, end).filter((p) => p.start <= end && (p.end === null || p.end > end));
    if (next.length === 0) break;
    if (next.some((p) => p.end === null)) return { start, end: null };
    end = new Date(Math.max(...next.map((p) => (p.end as Date).getTime())));
  }
  return { start, end };
}

/**
 * The first period that starts after `now` and before `now + horizonMs`. Looks a day ahead first,
 * then further, so a frequent rule is not expanded over a whole year to find the next hour.
 */
export function nextPeriod(schedule: FreezeSchedule, now: Date, horizonMs: number): Period | null {
  for (const span of [DAY_MS, 8 * DAY_MS, 32 * DAY_MS, horizonMs]) {
    const to = new Date(now.getTime() + Math.min(span, horizonMs));
    const next = periodsBetween(schedule, now, to).find((p) => p.start > now && p.start <= to);
    if (next) return next;
  }
  return null;
}

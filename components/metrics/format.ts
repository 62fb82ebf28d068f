/** Number formatting shared by the metrics page (server) and its charts (client). */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration the way people say it: "45 min", "3.5 h", "2.1 d"; "—" when there is none. */
export function formatSpan(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < MINUTE) return "< 1 min";
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < 2 * DAY) return `${trim(ms / HOUR)} h`;
  return `${trim(ms / DAY)} d`;
}

function trim(value: number): string {
  return value >= 10 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, "");
}

export function formatPercent(ratio: number | null): string {
  return ratio === null ? "—" : `${Math.round(ratio * 100)}%`;
}

export interface DurationUnit {
  /** Axis label. */
  label: "minutes" | "hours" | "days";
  short: "min" | "h" | "d";
  ms: number;
}

/** One unit for a whole chart axis, chosen so its largest value reads as a small number. */
export function durationUnitFor(maxMs: number): DurationUnit {
  if (maxMs < 2 * HOUR) return { label: "minutes", short: "min", ms: MINUTE };
  if (maxMs < 3 * DAY) return { label: "hours", short: "h", ms: HOUR };
  return { label: "days", short: "d", ms: DAY };
}

const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

/** "2026-03-05" → "5 Mar" (UTC: the series' days are UTC days). */
export function formatDay(day: string): string {
  return dayFormat.format(new Date(`${day}T00:00:00Z`));
}

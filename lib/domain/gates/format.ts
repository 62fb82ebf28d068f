import { inZone } from "./time";

/**
 * Deterministic wording for gate reasons: built by hand, never through the host's locale, so a
 * message reads the same on every server and in every test.
 */

const WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
const MINUTE_MS = 60_000;
const pad = (n: number) => String(n).padStart(2, "0");

/** A span, compact and rounded up to the minute: "45 min", "2 h 13 min", "3 h", "2 d 4 h". */
export function formatSpan(ms: number): string {
  const minutes = Math.ceil(Math.max(0, ms) / MINUTE_MS);
  if (minutes < 60) return `${minutes} min`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
}

/** "in 2 h 13 min" for a future instant, "5 min ago" for a past one. */
export function formatRelative(at: Date, now: Date): string {
  const diff = at.getTime() - now.getTime();
  return diff >= 0 ? `in ${formatSpan(diff)}` : `${formatSpan(-diff)} ago`;
}

/** "14:02" on the wall clock of `zone`. */
export function formatClock(at: Date, zone: string): string {
  const local = inZone(at, zone);
  return `${pad(local.hour)}:${pad(local.minute)}`;
}

/** "Mon 09:00" on the wall clock of `zone`. */
export function formatWeekdayClock(at: Date, zone: string): string {
  const local = inZone(at, zone);
  return `${WEEKDAY_NAMES[local.weekday - 1]} ${pad(local.hour)}:${pad(local.minute)}`;
}

/** "2 Jan 00:00" in `zone`; with the year ("2 Jan 2027 00:00") when it is more than ~half a year from `now`. */
export function formatDate(at: Date, zone: string, now: Date): string {
  const local = inZone(at, zone);
  const far = Math.abs(at.getTime() - now.getTime()) > 180 * 1440 * MINUTE_MS;
  return `${local.day} ${MONTH_NAMES[local.month - 1]}${far ? ` ${local.year}` : ""} ${pad(local.hour)}:${pad(local.minute)}`;
}

/** "14:02" when `at` is on the same local day as `now`, else "2 Jan 14:02". */
export function formatSince(at: Date, zone: string, now: Date): string {
  return inZone(at, zone).hasSame(inZone(now, zone), "day") ? formatClock(at, zone) : formatDate(at, zone, now);
}

/** 0.032 → "3.2%", 0.01 → "1%", 0.00125 → "0.13%". */
export function formatPercent(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`;
}

/** 12400 → "12,400". */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "a", "a and b", "a, b and c" (or "or"). */
export function formatList(items: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

export { plural } from "../plural";

/** A free-text reason continued mid-sentence: "Year-end peak" → "year-end peak"; "QA sign-off" stays. */
export function midSentence(text: string): string {
  const trimmed = text.trim().replace(/[.]+$/, "");
  return /^[A-Z][a-z]/.test(trimmed) ? trimmed[0]!.toLowerCase() + trimmed.slice(1) : trimmed;
}

export const shortCommit = (commit: string) => commit.slice(0, 7);

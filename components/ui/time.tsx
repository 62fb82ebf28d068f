const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];

// numeric "always": "in 1 wk." beside "in 2 wk." ("auto" said "next wk." and "yesterday", which read as another scale).
const formatter = new Intl.RelativeTimeFormat("en", { numeric: "always", style: "short" });

/**
 * Remembers what `format` returned for a key, up to `limit` keys (then starts over). Intl's format
 * calls are the most expensive part of a time element: a large board renders 400 of them per
 * request, over a few dozen distinct values ("2 hr. ago", one minute's UTC time).
 */
function memoized<K>(format: (key: K) => string, limit: number): (key: K) => string {
  const cache = new Map<K, string>();
  return (key) => {
    let text = cache.get(key);
    if (text === undefined) {
      if (cache.size >= limit) cache.clear();
      text = format(key);
      cache.set(key, text);
    }
    return text;
  };
}

const relativeText = memoized((key: string) => {
  const at = key.indexOf(" ");
  return formatter.format(Number(key.slice(0, at)), key.slice(at + 1) as Intl.RelativeTimeFormatUnit);
}, 2_000);

/**
 * "3 hr. ago", "in 2 days", "just now": `at` against `now`, rounded in the largest whole unit — and
 * a value that rounds up to the next unit is said in it ("1 day ago", not "24 hr. ago" beside it).
 */
export function relativeTime(at: Date, now: Date): string {
  const diff = at.getTime() - now.getTime();
  if (Math.abs(diff) < 45_000) return "just now";
  const i = UNITS.findIndex(([, ms]) => Math.abs(diff) >= ms); // found: 45 s and more is at least a second
  const [unit, ms] = UNITS[i]!;
  const value = Math.round(diff / ms);
  const larger = UNITS[i - 1];
  // Within half a unit of the larger one (24 hr., 12 mo. of 30 days): said in it.
  return larger && Math.abs(value) * ms >= larger[1] - ms / 2 ? relativeText(`${Math.sign(value)} ${larger[0]}`) : relativeText(`${value} ${unit}`);
}

const absolute = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
/** "30 Nov 2026, 08:50": the UTC minute starting at `minute` (ms since the epoch, a whole minute). */
const absoluteMinute = memoized((minute: number) => absolute.format(minute), 5_000);

/** "30 Nov 2026, 08:50 UTC": the exact time of `at`, to the minute. */
export function absoluteTime(at: Date): string {
  const ms = at.getTime();
  return `${absoluteMinute(ms - (((ms % 60_000) + 60_000) % 60_000))} UTC`;
}

/** The Date of a server- or client-side value (Dates pass through: each `new Date` is a wrapped call during rendering). */
const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

/**
 * "3 h ago", with the exact UTC time on hover. Rendered with the server's clock (`now`), so server
 * and client agree on the first paint; RelativeTimeTicker (mounted once, by Providers) keeps every
 * one current while the page stays open. Not a client component of its own: a 50-row board of 8
 * environments renders 800 of these, and each was a client component (server-rendered twice, once
 * for the payload and once for the HTML) with its own timer in the browser. Works in server and
 * client components alike.
 */
export function RelativeTime({ at, now, className }: { at: Date | string; now: Date | string; className?: string }) {
  const date = asDate(at);
  return (
    <time dateTime={date.toISOString()} title={absoluteTime(date)} {...(className ? { className } : {})} data-relative="">
      {relativeTime(date, asDate(now))}
    </time>
  );
}

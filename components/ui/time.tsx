const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

// numeric "always": "in 1 wk." beside "in 2 wk." ("auto" said "next wk." and "yesterday", which read as another scale).
const formatter = new Intl.RelativeTimeFormat("en", { numeric: "always", style: "short" });

export function relativeTime(at: Date, now: Date): string {
  const diff = at.getTime() - now.getTime();
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return formatter.format(Math.round(diff / ms), unit);
  }
  return Math.abs(diff) < 45_000 ? "just now" : formatter.format(Math.round(diff / 1000), "second");
}

const absolute = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * "3 h ago", with the exact UTC time on hover. Rendered with the server's clock (`now`), so server
 * and client agree on the first paint; RelativeTimeTicker (mounted once, by Providers) keeps every
 * one current while the page stays open. Not a client component of its own: a 50-row board of 8
 * environments renders 800 of these, and each was a client component (server-rendered twice, once
 * for the payload and once for the HTML) with its own timer in the browser. Works in server and
 * client components alike.
 */
export function RelativeTime({ at, now, className }: { at: Date | string; now: Date | string; className?: string }) {
  const date = new Date(at);
  return (
    <time dateTime={date.toISOString()} title={`${absolute.format(date)} UTC`} {...(className ? { className } : {})} data-relative="">
      {relativeTime(date, new Date(now))}
    </time>
  );
}

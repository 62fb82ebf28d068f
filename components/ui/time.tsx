"use client";

import { useEffect, useState } from "react";

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

const formatter = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "short" });

export function relativeTime(at: Date, now: Date): string {
  const diff = at.getTime() - now.getTime();
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return formatter.format(Math.round(diff / ms), unit);
  }
  return Math.abs(diff) < 45_000 ? "just now" : formatter.format(Math.round(diff / 1000), "second");
}

const absolute = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * "3 h ago", kept current while the page stays open; the exact UTC time on hover. Rendered first
 * with the server's clock (`now`) so server and client agree on the first paint.
 */
export function RelativeTime({ at, now, className }: { at: Date | string; now: Date | string; className?: string }) {
  const date = new Date(at);
  const [current, setCurrent] = useState(() => new Date(now));
  useEffect(() => {
    setCurrent(new Date());
    const timer = setInterval(() => setCurrent(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <time dateTime={date.toISOString()} title={`${absolute.format(date)} UTC`} className={className}>
      {relativeTime(date, current)}
    </time>
  );
}

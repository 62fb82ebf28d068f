import { describe, expect, it } from "vitest";
import { periodsBetween, type FreezeSchedule } from "./freeze-schedule";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("periodsBetween: the memoised spans (2, 9 and 33 days) answer as a direct expansion does", () => {
  const schedules: FreezeSchedule[] = [
    { kind: "recurring", rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15", durationMs: 2 * DAY + 18 * HOUR, timezone: "Europe/Berlin", dtstart: null, until: null },
    { kind: "recurring", rrule: "FREQ=DAILY", durationMs: 25 * HOUR, timezone: "UTC", dtstart: new Date("2026-03-01T00:00:00Z"), until: null },
    { kind: "recurring", rrule: "FREQ=HOURLY", durationMs: 20 * 60_000, timezone: "America/New_York", dtstart: null, until: null },
    { kind: "recurring", rrule: "FREQ=DAILY;BYHOUR=23", durationMs: 3 * HOUR, timezone: "Asia/Kolkata", dtstart: null, until: new Date("2026-03-29T12:00:00Z") },
  ];
  // Instants around a UTC midnight and across the March DST change in Europe and America.
  const instants = ["2026-03-27T23:59:59Z", "2026-03-28T00:00:00Z", "2026-03-29T01:30:00Z", "2026-03-08T06:59:00Z", "2026-03-08T07:10:00Z", "2026-03-29T11:59:00Z"].map((s) => new Date(s));

  it("an instant, and ranges within each span (as nextPeriod asks: a day, 8 and 32 days ahead), give the periods a wide direct expansion holds", () => {
    for (const schedule of schedules) {
      for (const now of instants) {
        // Forty days either side is wider than every span: expanded directly, then narrowed here.
        const wide = periodsBetween(schedule, new Date(now.getTime() - 40 * DAY), new Date(now.getTime() + 40 * DAY));
        const covering = (from: Date, to: Date) => wide.filter((p) => p.start <= to && (p.end === null || p.end > from));
        expect(periodsBetween(schedule, now, now)).toEqual(covering(now, now));
        for (const ahead of [20 * HOUR, DAY, 8 * DAY, 32 * DAY]) {
          const later = new Date(now.getTime() + ahead);
          expect(periodsBetween(schedule, now, later)).toEqual(covering(now, later));
        }
      }
    }
  });

  it("a rule too frequent to keep a span of (minutely over 9 days) is expanded for the range asked, as before", () => {
    const minutely: FreezeSchedule = { kind: "recurring", rrule: "FREQ=MINUTELY;BYSECOND=0", durationMs: 30_000, timezone: "UTC", dtstart: null, until: null };
    const now = new Date("2026-03-27T12:00:10Z");
    const week = periodsBetween(minutely, now, new Date(now.getTime() + 8 * DAY));
    // Every minute of the first hours is there (a truncated span would have cut the range short or kept too few).
    expect(week[0]).toEqual({ start: new Date("2026-03-27T12:00:00Z"), end: new Date("2026-03-27T12:00:30Z") });
    expect(periodsBetween(minutely, now, new Date(now.getTime() + HOUR))).toHaveLength(61);
  });
});

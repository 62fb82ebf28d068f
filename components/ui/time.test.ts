import { describe, expect, it } from "vitest";
import { absoluteTime, relativeTime } from "./time";

const relative = new Intl.RelativeTimeFormat("en", { numeric: "always", style: "short" });
const absolute = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

describe("relativeTime", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  const at = (ms: number) => new Date(now.getTime() + ms);

  it("says the largest whole unit, past and future", () => {
    expect(relativeTime(at(-3 * 3_600_000), now)).toBe(relative.format(-3, "hour"));
    expect(relativeTime(at(2 * 86_400_000), now)).toBe(relative.format(2, "day"));
    expect(relativeTime(at(-125_000), now)).toBe(relative.format(-2, "minute"));
    expect(relativeTime(at(-50_000), now)).toBe(relative.format(-50, "second"));
    expect(relativeTime(at(-10_000), now)).toBe("just now");
  });

  it("says a value that rounds up to the next unit in that unit, never '24 hr.' beside '1 day'", () => {
    expect(relativeTime(at(-23.6 * 3_600_000), now)).toBe(relative.format(-1, "day"));
    expect(relativeTime(at(-23.4 * 3_600_000), now)).toBe(relative.format(-23, "hour"));
    expect(relativeTime(at(-59.6 * 60_000), now)).toBe(relative.format(-1, "hour"));
    expect(relativeTime(at(-59.7 * 1000), now)).toBe(relative.format(-1, "minute"));
    expect(relativeTime(at(6.6 * 86_400_000), now)).toBe(relative.format(1, "week"));
    expect(relativeTime(at(-12 * 3_600_000), now)).toBe(relative.format(-12, "hour"));
    expect(relativeTime(at(-11.6 * 30 * 86_400_000), now)).toBe(relative.format(-1, "year"));
    expect(relativeTime(at(-10.6 * 30 * 86_400_000), now)).toBe(relative.format(-11, "month"));
  });

  it("answers the same from its cache as Intl does, for every value it has seen", () => {
    const expected = (minutes: number) => (Math.abs(minutes) >= 60 ? relative.format(Math.round(minutes / 60), "hour") : relative.format(minutes, "minute"));
    for (const pass of [1, 2]) {
      for (let minutes = -600; minutes <= 600; minutes += 7) {
        if (minutes === 0) continue;
        expect(relativeTime(at(minutes * 60_000), now), `${minutes} min, pass ${pass}`).toBe(expected(minutes));
      }
    }
  });
});

describe("absoluteTime", () => {
  it("is the UTC minute, as Intl formats it, for times inside a minute and before 1970", () => {
    for (const iso of ["2026-11-30T08:50:00Z", "2026-11-30T08:50:59.999Z", "2026-01-01T00:00:30Z", "1969-12-31T23:59:30Z"]) {
      const date = new Date(iso);
      expect(absoluteTime(date)).toBe(`${absolute.format(date)} UTC`);
    }
  });
});

import { describe, expect, it } from "vitest";
import { formatDate, formatList, formatPercent, formatRelative, formatSince, formatSpan, formatWeekdayClock, midSentence } from "./format";
import { instantAt } from "./time";

const at = (iso: string) => new Date(iso);

describe("gate wording", () => {
  it("spans are compact and rounded up to the minute", () => {
    expect(formatSpan(0)).toBe("0 min");
    expect(formatSpan(1_000)).toBe("1 min");
    expect(formatSpan(45 * 60_000)).toBe("45 min");
    expect(formatSpan((2 * 60 + 13) * 60_000)).toBe("2 h 13 min");
    expect(formatSpan((2 * 60 + 12) * 60_000 + 30_000)).toBe("2 h 13 min");
    expect(formatSpan(3 * 3_600_000)).toBe("3 h");
    expect(formatSpan(69 * 3_600_000)).toBe("2 d 21 h");
    expect(formatSpan(2 * 86_400_000)).toBe("2 d");
  });

  it("relative times point forward or back", () => {
    const now = at("2026-06-01T10:00:00Z");
    expect(formatRelative(at("2026-06-01T12:13:00Z"), now)).toBe("in 2 h 13 min");
    expect(formatRelative(at("2026-06-01T09:55:00Z"), now)).toBe("5 min ago");
  });

  it("absolute times are on the wall clock of the zone, in English whatever the host locale", () => {
    expect(formatWeekdayClock(at("2026-06-01T07:00:00Z"), "Europe/Berlin")).toBe("Mon 09:00");
    expect(formatWeekdayClock(at("2026-06-01T07:00:00Z"), "America/New_York")).toBe("Mon 03:00");
    const now = at("2026-12-28T10:00:00Z");
    expect(formatDate(at("2027-01-04T23:00:00Z"), "Europe/Berlin", now)).toBe("5 Jan 00:00");
    expect(formatDate(at("2027-09-01T10:00:00Z"), "UTC", now)).toBe("1 Sep 2027 10:00");
    expect(formatSince(at("2026-12-28T09:02:00Z"), "Europe/Berlin", now)).toBe("10:02");
    expect(formatSince(at("2026-12-27T09:02:00Z"), "Europe/Berlin", now)).toBe("27 Dec 10:02");
  });

  it("percentages, lists and reasons read naturally", () => {
    expect(formatPercent(0.032)).toBe("3.2%");
    expect(formatPercent(0.01)).toBe("1%");
    expect(formatPercent(0.00125)).toBe("0.13%");
    expect(formatList(["a"])).toBe("a");
    expect(formatList(["a", "b", "c"], "or")).toBe("a, b or c");
    expect(midSentence("Year-end trading peak.")).toBe("year-end trading peak");
    expect(midSentence("QA sign-off pending")).toBe("QA sign-off pending");
  });
});

describe("wall-clock instants (RFC 5545 reading)", () => {
  it("a time repeated when clocks go back is its first occurrence", () => {
    expect(instantAt("Europe/Berlin", { year: 2026, month: 10, day: 25, hour: 2, minute: 30 }).toISO()).toBe("2026-10-25T02:30:00.000+02:00");
    expect(instantAt("America/New_York", { year: 2026, month: 11, day: 1, hour: 1, minute: 30 }).toUTC().toISO()).toBe("2026-11-01T05:30:00.000Z");
  });

  it("a time skipped when clocks go forward is read with the offset before the gap", () => {
    expect(instantAt("Europe/Berlin", { year: 2026, month: 3, day: 29, hour: 2, minute: 30 }).toUTC().toISO()).toBe("2026-03-29T01:30:00.000Z");
  });

  it("an unknown zone is an error, never UTC", () => {
    expect(() => instantAt("Mars/Olympus_Mons", { year: 2026, month: 1, day: 1 })).toThrow('unknown time zone "Mars/Olympus_Mons"');
  });
});

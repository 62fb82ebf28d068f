import { describe, expect, it } from "vitest";
import { durationSchema, formatDuration, parseDuration } from "./duration";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["7d", 604_800_000],
    ["1d12h", 129_600_000],
    ["0h5m", 300_000],
  ])("parses %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["0m", "0d0h", "-5m", "5", "m", "", "1.5h", "30 m", "1m1h", "2w", "99999999999999999d", "soon", " 30m"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe("formatDuration", () => {
  it("writes the shortest form that parses back", () => {
    for (const text of ["90s", "30m", "1h30m", "7d", "1d12h"]) {
      const ms = parseDuration(text)!;
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(90_000)).toBe("1m30s");
  });
});

describe("durationSchema", () => {
  const schema = durationSchema();

  it("outputs milliseconds", () => {
    expect(schema.parse("2h")).toBe(7_200_000);
  });

  it("explains a bad value once, with an example", () => {
    const garbage = schema.safeParse("soon");
    expect(garbage.error?.issues.map((issue) => issue.message)).toEqual(['expected a duration such as "30m", "2h" or "7d"; got "soon"']);
    const zero = schema.safeParse("0m");
    expect(zero.error?.issues.map((issue) => issue.message)).toEqual(['duration must be greater than zero; got "0m"']);
    const number = schema.safeParse(30);
    expect(number.error?.issues.map((issue) => issue.message)).toEqual(['expected a duration such as "30m", "2h" or "7d"; got 30']);
  });
});

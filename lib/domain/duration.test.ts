import { describe, expect, it } from "vitest";
import { formatElapsed } from "./duration";

describe("formatElapsed", () => {
  it.each([
    [-5, "0 ms"],
    [0, "0 ms"],
    [850, "850 ms"],
    [1_000, "1.0 s"],
    [4_290, "4.2 s"],
    [9_999, "9.9 s"],
    [10_000, "10 s"],
    [42_400, "42 s"],
    [59_600, "1 min"],
    [185_000, "3 min 5 s"],
    [3_599_000, "59 min 59 s"],
    [3_600_000, "1 h"],
    [3_840_000, "1 h 4 min"],
    [90_000_000, "25 h"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

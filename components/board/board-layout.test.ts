import { describe, expect, it } from "vitest";
import { boardLayout } from "./board-layout";

/** What a 1,400 px window leaves the board's table: the page's 16 px padding each side and a 15 px scrollbar, in rem. */
const TABLE_AT_1400_REM = (1400 - 2 * 16 - 15 - 2) / 16;

describe("board layout", () => {
  it("fits 8 environments in a 1,400 px window, with the compact health line", () => {
    expect(boardLayout(8).tableMinRem).toBeLessThanOrEqual(TABLE_AT_1400_REM);
    expect(boardLayout(8).compact).toBe(true);
    expect(boardLayout(7).compact).toBe(true);
  });

  it("keeps wider columns and the health line's time for fewer environments", () => {
    expect(boardLayout(6)).toMatchObject({ columnMinRem: 12, compact: false });
    expect(boardLayout(6).tableMinRem).toBeLessThanOrEqual(TABLE_AT_1400_REM);
    expect(boardLayout(5)).toMatchObject({ columnMinRem: 13, compact: false });
  });

  it("scrolls sideways rather than squeeze more than a 1,400 px window holds", () => {
    expect(boardLayout(12).tableMinRem).toBeGreaterThan(TABLE_AT_1400_REM);
  });
});

import { describe, expect, it } from "vitest";
import { testPortBase } from "./helpers";

describe("testPortBase", () => {
  it("gives running vitest workers disjoint blocks below the ephemeral ports, and a file's platforms ranges of their own", () => {
    const ranges = [1, 2, 3, 4].flatMap((pool) => [0, 1, 2, 3, 4].map(() => testPortBase({ VITEST_POOL_ID: String(pool) })));
    const starts = [...new Set(ranges)].sort((a, b) => a - b);
    // Twenty platforms (five per worker), each with 100 ports nobody else is handed.
    expect(starts).toHaveLength(20);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(100);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...starts) + 100).toBeLessThanOrEqual(32_768);
    // Worker 2's block starts where worker 1's ends.
    expect(ranges.slice(0, 5).every((base) => base < 20_500)).toBe(true);
    expect(ranges.slice(5, 10).every((base) => base >= 20_500 && base < 21_000)).toBe(true);
  });

  it("refuses a worker id no block is left for, naming the limit", () => {
    expect(() => testPortBase({ VITEST_POOL_ID: "26" })).toThrow(/VITEST_POOL_ID 26 has no port block of its own \(25 fit below 32700\): run vitest with --maxWorkers=25 or fewer/);
    expect(() => testPortBase({ VITEST_POOL_ID: "0" })).toThrow(/no port block/);
  });
});

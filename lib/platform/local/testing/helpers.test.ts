import { describe, expect, it } from "vitest";
import { TEST_PORT_SPAN, testPortBlock } from "./helpers";

describe("testPortBlock", () => {
  it("gives running vitest workers disjoint blocks below the ephemeral ports, and a worker's platforms ranges of their own", () => {
    const perWorker = 500 / TEST_PORT_SPAN;
    const ranges = [1, 2, 3, 25].flatMap((pool) => Array.from({ length: perWorker }, (_, index) => testPortBlock(pool, index)));
    const starts = [...new Set(ranges)].sort((a, b) => a - b);
    // Every platform of every worker has TEST_PORT_SPAN ports nobody else is handed.
    expect(starts).toHaveLength(4 * perWorker);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(TEST_PORT_SPAN);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...starts) + TEST_PORT_SPAN).toBeLessThanOrEqual(32_768);
    // Worker 2's block starts where worker 1's ends.
    expect(ranges.slice(0, perWorker).every((base) => base + TEST_PORT_SPAN <= 20_500)).toBe(true);
    expect(ranges.slice(perWorker, 2 * perWorker).every((base) => base >= 20_500 && base + TEST_PORT_SPAN <= 21_000)).toBe(true);
  });

  it("refuses a worker id no block is left for, naming the limit", () => {
    expect(() => testPortBlock(26, 0)).toThrow(/VITEST_POOL_ID 26 has no port block of its own \(25 fit below 32700\): run vitest with --maxWorkers=25 or fewer/);
    expect(() => testPortBlock(0, 0)).toThrow(/no port block/);
  });

  it("never hands a worker's range out twice: past the last one it refuses, loudly", () => {
    const perWorker = 500 / TEST_PORT_SPAN;
    expect(() => testPortBlock(1, perWorker - 1)).not.toThrow();
    expect(() => testPortBlock(1, perWorker)).toThrow(`vitest worker 1 asked for port range ${perWorker + 1}, but its block holds ${perWorker} of ${TEST_PORT_SPAN} ports`);
  });
});

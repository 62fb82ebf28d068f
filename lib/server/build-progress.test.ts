import { describe, expect, it } from "vitest";
import { BuildProgress, buildEstimate, buildPhaseOf, formatSeconds } from "./build-progress";

describe("build progress", () => {
  it("recognises the phases of next build's output", () => {
    expect(buildPhaseOf("   Creating an optimized production build ...")).toBe("compiling (the longest part)");
    expect(buildPhaseOf(" ✓ Compiled successfully in 41s")).toBe("compiled");
    expect(buildPhaseOf("   Collecting page data ...")).toBe("collecting page data");
    expect(buildPhaseOf(" ✓ Generating static pages (12/12)")).toBe("generating static pages");
    expect(buildPhaseOf("Route (app)")).toBeNull();
  });

  it("estimates from the last build here, else gives a realistic range", () => {
    expect(buildEstimate(200, 2)).toBe("the last build here took 3 min 20 s");
    expect(buildEstimate(null, 2)).toBe("usually 1 to 5 minutes on a 2-core machine, longer when it is busy");
    expect(formatSeconds(45)).toBe("45 s");
    expect(formatSeconds(120)).toBe("2 min");
  });

  it("logs each phase once with the time so far, and a heartbeat only after a quiet spell", () => {
    let t = 0;
    const lines: string[] = [];
    const progress = new BuildProgress({ log: (l) => lines.push(l), now: () => t, lastSeconds: 150, quietMs: 20_000 });
    t = 1_000;
    progress.line("Creating an optimized production build ...");
    progress.line("Creating an optimized production build ...");
    t = 15_000;
    progress.tick(); // 14 s since the last report: quiet
    t = 22_000;
    progress.tick();
    t = 95_000;
    progress.line(" ✓ Compiled successfully in 90s");
    expect(lines).toEqual(["  build: compiling (the longest part) (1 s so far)", "  build: still compiling (the longest part), 22 s so far; the last build took 2 min 30 s", "  build: compiled (1 min 35 s so far)"]);
  });
});

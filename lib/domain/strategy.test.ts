import { describe, expect, it } from "vitest";
import { effectiveStrategy } from "./strategy";

describe("the strategy a deployment runs", () => {
  it("is the environment's, or the request's override", () => {
    expect(effectiveStrategy(null, { strategy: "rolling" }).strategy).toBe("rolling");
    expect(effectiveStrategy("blue-green", { strategy: "rolling" }).strategy).toBe("blue-green");
  });

  it("takes the most conservative when an app overrides it (apps deploy together)", () => {
    expect(effectiveStrategy(null, { strategy: "rolling", apps: { "api-gateway": { strategy: "recreate" } } }).strategy).toBe("recreate");
    expect(effectiveStrategy(null, { strategy: "rolling", apps: { portal: { strategy: "blue-green" } } }).strategy).toBe("blue-green");
  });

  it("falls back to blue-green, and says so, when the platform cannot run it", () => {
    expect(effectiveStrategy(null, { strategy: "rolling" }, ["blue-green", "recreate"])).toEqual({ strategy: "blue-green", note: "The platform cannot run rolling: used blue-green instead." });
  });
});

import { describe, expect, it } from "vitest";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { PlatformRegistry } from "./registry";
import { PlatformError, type PlatformAdapter } from "./types";

function named(name: string): PlatformAdapter {
  return Object.assign(new FakePlatform(), { name });
}

describe("PlatformRegistry: one platform per environment", () => {
  const local = named("local");
  const kubernetes = named("kubernetes");
  const registry = new PlatformRegistry(
    new Map([
      ["local", local],
      ["kubernetes", kubernetes],
    ]),
  );
  registry.assign({
    environments: [
      { name: "dev", platform: "local" },
      { name: "staging", platform: "kubernetes" },
      { name: "prod", platform: "kubernetes" },
    ],
    reviewEnvironments: { source: "staging" },
  });

  it("gives each environment the adapter slipway.yaml names", () => {
    expect(registry.forEnvironment("dev")).toBe(local);
    expect(registry.forEnvironment("prod")).toBe(kubernetes);
  });

  it("puts review environments on their source's platform", () => {
    expect(registry.forEnvironment("pr-42")).toBe(kubernetes);
  });

  it("refuses an environment whose platform has no adapter, naming both, and keeps the previous assignment", () => {
    const onlyLocal = new PlatformRegistry(new Map([["local", local]]));
    onlyLocal.assign({ environments: [{ name: "dev", platform: "local" }] });
    const refused = (() => {
      try {
        onlyLocal.assign({
          environments: [
            { name: "dev", platform: "local" },
            { name: "prod", platform: "kubernetes" },
          ],
        });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(PlatformError);
    expect((refused as Error).message).toBe('Environment "prod" runs on platform "kubernetes", which this Slipway has no adapter for');
    expect(onlyLocal.forEnvironment("dev")).toBe(local);
    expect(() => onlyLocal.forEnvironment("unknown")).toThrow(/No platform adapter for environment "unknown"/);
  });

  it("lists what every platform runs, tagged by platform", async () => {
    await local.ensureActive({
      environment: "dev",
      app: "portal",
      build: { buildId: "b1", releaseId: "r1", app: "portal", version: "1.0.0", commit: "c", digest: "sha256:x", artifact: "a" },
      instances: 1,
      config: {},
      healthPath: "/health",
      reference: "d1",
    });
    expect((await registry.inventory()).map((s) => [s.platform, s.environment, s.app])).toEqual([["local", "dev", "portal"]]);
  });
});

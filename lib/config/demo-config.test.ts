import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadPipelineConfig } from "./load";
import type { EnvironmentConfig, PipelineConfig } from "./schema";

const root = path.resolve(__dirname, "../..");

async function load(file: string): Promise<PipelineConfig> {
  const result = await loadPipelineConfig(path.join(root, file));
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.problems, null, 2)}`);
  return result.config;
}

const byName = (config: PipelineConfig, name: string): EnvironmentConfig => {
  const env = config.environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name}`);
  return env;
};

describe("the demo pipelines/shop.yaml", () => {
  it("every demo pipeline starts with the editor schema modeline", async () => {
    for (const file of ["shop", "handbook", "ledger"]) {
      const text = await readFile(path.join(root, "pipelines", `${file}.yaml`), "utf8");
      expect(text.split("\n")[0], file).toBe("# yaml-language-server: $schema=../public/slipway.schema.json");
    }
  });

  it("describes the shop pipeline", async () => {
    const config = await load("pipelines/shop.yaml");
    expect(config.pipeline.name).toBe("shop");
    expect(config.apps.map((app) => app.name)).toEqual(["portal", "admin", "api-gateway"]);
    expect(config.apps.every((app) => app.seed?.job === "seed")).toBe(true);
    expect(config.apps.filter((app) => app.migrations).map((app) => app.name)).toEqual(["portal", "api-gateway"]);
    expect(config.environments.map((env) => env.name)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
    expect(config.environments[0]!.branch).toBe("develop");
    expect(config.environments.filter((env) => env.autoPromote).map((env) => env.name)).toEqual(["dev", "qa"]);
    expect(config.reviewEnvironments).toEqual({
      source: "staging",
      sources: ["staging"],
      defaultTtl: 48 * 3_600_000,
      maxTtl: 7 * 86_400_000,
      idleSleepAfter: 2 * 3_600_000,
      quota: { perPerson: 3, total: 20 },
    });
  });

  it("guards staging and prod", async () => {
    const config = await load("pipelines/shop.yaml");
    const staging = byName(config, "staging");
    expect(staging.gates.soak).toEqual({ duration: 600_000, maxErrorRate: 0.02, maxP95Ms: 800, allowUnobserved: true });
    expect(staging.gates.approvals?.rules).toEqual([{ role: "delivery-lead", count: 1 }]);
    expect(staging.smoke).toEqual([{ name: "portal home page", app: "portal", path: "/", expectStatus: 200, expectBody: "portal" }]);

    const prod = byName(config, "prod");
    expect(prod).toMatchObject({ strategy: "blue-green", warmFor: 1_800_000, instances: 2, slo: { availability: 99.9, window: 30 * 86_400_000 } });
    expect(prod.gates.windows).toEqual([
      { days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "17:00", timezone: "Europe/Berlin" },
      { days: ["fri"], from: "09:00", to: "12:00", timezone: "Europe/Berlin" },
    ]);
    expect(prod.gates.freezes).toEqual([expect.objectContaining({ kind: "recurring", name: "year-end", rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22", duration: 14 * 86_400_000 })]);
    expect(prod.gates.approvals).toEqual({
      rules: [
        { role: "tech-lead", count: 1 },
        { role: "pm", count: 1 },
      ],
      expiresAfter: 86_400_000,
    });
    expect(prod.gates.incident).toBe(true);
    expect(prod.gates.checklist).toEqual(["release verified in staging", "deploy announced in #releases"]);
    expect(prod.overrides.roles).toEqual(["tech-lead", "admin"]);
    expect(prod.fastTrack).toMatchObject({ branches: ["develop"], requireReason: true });
    expect(prod.hooks).toEqual([{ name: "sync-branch", app: "api-gateway", job: "sync-branch", when: "after-deploy" }]);
  });
});

describe("e2e/pipelines/shop.yaml", () => {
  it("is the demo shop pipeline without clock-dependent gates, auto-promotion, and with soaks of at most a minute", async () => {
    const [demo, e2e] = await Promise.all([load("pipelines/shop.yaml"), load("e2e/pipelines/shop.yaml")]);
    for (const env of e2e.environments) {
      expect(env.gates.windows, env.name).toEqual([]);
      expect(env.gates.freezes, env.name).toEqual([]);
      expect(env.gates.soak?.duration ?? 0, env.name).toBeLessThanOrEqual(60_000);
    }
    // Apart from those, nothing may drift from the demo.
    const withoutClock = (config: PipelineConfig) => ({
      ...config,
      environments: config.environments.map((env) => ({
        ...env,
        autoPromote: false,
        gates: { ...env.gates, windows: [], freezes: [], soak: env.gates.soak && { ...env.gates.soak, duration: 0 } },
      })),
    });
    expect(withoutClock(e2e)).toEqual(withoutClock(demo));
  });
});

describe("the other demo pipelines", () => {
  it("handbook is a small tool, dev → prod; ledger a data service with a long chain", async () => {
    const [handbook, ledger] = await Promise.all([load("pipelines/handbook.yaml"), load("pipelines/ledger.yaml")]);
    expect(handbook.pipeline.name).toBe("handbook");
    expect(handbook.environments.map((env) => env.name)).toEqual(["dev", "prod"]);
    expect(handbook.apps).toHaveLength(2);
    expect(ledger.pipeline.name).toBe("ledger");
    expect(ledger.environments.map((env) => env.name)).toEqual(["dev", "qa", "perf", "uat", "staging", "prod"]);
    expect(ledger.apps).toHaveLength(2);
  });
});

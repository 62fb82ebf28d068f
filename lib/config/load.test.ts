import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatConfigProblems, loadPipelineConfig, parsePipelineConfig } from "./load";
import { configOf, edit, MINIMAL } from "./test-helpers";

/** MINIMAL with extra lines under the prod environment (indented as its keys). */
const withProd = (lines: string) => edit(MINIMAL, "  - name: prod\n", `  - name: prod\n${lines}`);

describe("parsePipelineConfig: valid files", () => {
  it("returns the config with defaults and the sha256 of the text", () => {
    const result = parsePipelineConfig(MINIMAL);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.hash).toBe(createHash("sha256").update(MINIMAL).digest("hex"));
    const [dev, prod] = result.config.environments;
    expect(dev).toMatchObject({ branch: "main", platform: "local", instances: 1, strategy: "rolling", warmFor: 1_800_000, autoPromote: false });
    expect(prod?.branch).toBeUndefined();
    expect(prod?.gates).toEqual({ tests: false, windows: [], freezes: [], incident: true, checklist: [] });
    expect(result.config.apps[0]).toEqual({ name: "portal", healthPath: "/health" });
    // No "staging": review environments come from the second-to-last environment.
    expect(result.config.reviewEnvironments).toEqual({
      source: "dev",
      sources: ["dev"], // only the source unless slipway.yaml lists more
      defaultTtl: 48 * 3_600_000,
      maxTtl: 14 * 86_400_000,
      idleSleepAfter: 2 * 3_600_000,
      quota: { perPerson: 3, total: 20 },
    });
  });

  it("defaults the review source to staging when there is one, and to the only environment otherwise", () => {
    const withStaging = edit(MINIMAL, "  - name: dev\n", "  - name: dev\n  - name: staging\n  - name: pre\n");
    expect(configOf(withStaging).reviewEnvironments.source).toBe("staging");
    const single = edit(MINIMAL, "  - name: prod\n", "");
    expect(configOf(single).reviewEnvironments.source).toBe("dev");
  });

  it("tells one-off and recurring freezes apart", () => {
    const config = configOf(
      withProd(`    gates:
      freezes:
        - { name: launch, reason: big launch, start: "2026-03-02T00:00:00+01:00", end: "2026-03-03T00:00:00+01:00" }
        - { name: year-end, reason: holidays, rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22", duration: 14d, timezone: Europe/Berlin }
`),
    );
    const freezes = config.environments[1]!.gates.freezes;
    expect(freezes.map((freeze) => freeze.kind)).toEqual(["one-off", "recurring"]);
    expect(freezes[1]).toMatchObject({ duration: 14 * 86_400_000, timezone: "Europe/Berlin" });
  });
});

describe("loadPipelineConfig", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "slipway-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads and validates a file", async () => {
    const file = path.join(dir, "slipway.yaml");
    await writeFile(file, MINIMAL);
    const result = await loadPipelineConfig(file);
    expect(result.ok && result.config.pipeline.name).toBe("shop");
  });

  it("turns a missing file into one clear problem", async () => {
    const file = path.join(dir, "missing", "slipway.yaml");
    const result = await loadPipelineConfig(file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.path).toBe("");
    expect(result.problems[0]!.message).toMatch(new RegExp(`^slipway\\.yaml not found at ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; create it`));
  });

  it("turns a directory into a problem, not an exception", async () => {
    const result = await loadPipelineConfig(dir);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toContain("is a directory");
  });
});

describe("formatConfigProblems", () => {
  it("lists problems with line and path", () => {
    expect(
      formatConfigProblems("slipway.yaml", [
        { path: "environments[4].gates.approvals.rules[0].role", line: 41, column: 17, message: 'expected one of pm; got "qa-lead"' },
        { path: "", line: 3, message: "invalid YAML: Tabs are not allowed as indentation" },
        { path: "", message: "slipway.yaml not found at /x/slipway.yaml; create it" },
      ]),
    ).toBe(
      [
        "slipway.yaml is not valid (3 problems):",
        '  - line 41, environments[4].gates.approvals.rules[0].role: expected one of pm; got "qa-lead"',
        "  - line 3: invalid YAML: Tabs are not allowed as indentation",
        "  - slipway.yaml not found at /x/slipway.yaml; create it",
      ].join("\n"),
    );
    expect(formatConfigProblems("e2e.yaml", [{ path: "apps", line: 4, message: "x" }])).toBe("e2e.yaml is not valid (1 problem):\n  - line 4, apps: x");
  });
});

describe("parsePipelineConfig: platform per environment", () => {
  it("refuses platform kubernetes without its kubernetes: section, naming the environment and the line (never a fallback to local)", () => {
    const text = withProd("    platform: kubernetes\n");
    const result = parsePipelineConfig(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.path.endsWith(".kubernetes"))!;
    expect(problem.message).toBe('environment "prod" runs on platform "kubernetes" and needs a kubernetes: section (at least namespace)');
    expect(problem.line).toBe(text.split("\n").findIndex((l) => l.includes("name: prod")) + 1);
  });

  it("accepts a kubernetes environment with its section, and refuses bad or misplaced ones at their lines", () => {
    const ok = configOf(withProd("    platform: kubernetes\n    kubernetes:\n      namespace: shop-prod\n      context: prod-cluster\n      resources: { requests: { cpu: 250m, memory: 256Mi } }\n"));
    expect(ok.environments[1]!.kubernetes).toEqual({ namespace: "shop-prod", context: "prod-cluster", resources: { requests: { cpu: "250m", memory: "256Mi" } }, port: 8080 });
    const problems = (text: string) => {
      const result = parsePipelineConfig(withProd(text));
      return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems("    kubernetes:\n      namespace: shop-prod\n")).toEqual(['environments[1].kubernetes: environment "prod" has a kubernetes: section but runs on platform "local"']);
    expect(problems("    platform: kubernetes\n    kubernetes:\n      namespace: Shop_Prod\n      resources: { limits: { cpu: lots } }\n")).toEqual([
      expect.stringMatching(/^environments\[1\]\.kubernetes\.namespace: /),
      expect.stringMatching(/^environments\[1\]\.kubernetes\.resources\.limits\.cpu: expected a Kubernetes quantity/),
    ]);
    expect(problems("    platform: kubernetes\n    kubernetes:\n      namespace: shop-prod\n      domain: prod.example.com\n      ingressClass: nginx\n      gateway: { name: main }\n")).toEqual([
      "environments[1].kubernetes.gateway: set ingressClass or gateway, not both",
    ]);
    expect(problems("    platform: kubernetes\n    kubernetes:\n      namespace: shop-prod\n      ingressClass: nginx\n")).toEqual(["environments[1].kubernetes.domain: ingressClass and gateway need domain (the host the apps answer at)"]);
  });

  it("refuses an unknown platform at its line", () => {
    const result = parsePipelineConfig(withProd("    platform: nomad\n"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.path.endsWith(".platform"))!;
    expect(problem.message).toContain("nomad");
    expect(problem.line).toBe(
      withProd("    platform: nomad\n")
        .split("\n")
        .findIndex((l) => l.includes("platform: nomad")) + 1,
    );
  });

  it("accepts local", () => {
    expect(configOf(withProd("    platform: local\n")).environments.at(-1)!.platform).toBe("local");
  });
});

describe("reviewEnvironments.sources", () => {
  it("names only environments of the chain", async () => {
    const { parsePipelineConfig } = await import("./load");
    const text = "apps: [{ name: portal }]\nenvironments: [{ name: dev }, { name: staging }, { name: prod }]\nreviewEnvironments: { sources: [staging, prdo] }\n";
    const result = parsePipelineConfig(text);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).toContain('unknown environment \\"prdo\\"');
  });
});

/**
 * The shape of the scale data set (issue 13), decided in Node and deterministic for a given scale:
 * which pipelines exist, how many apps and environments each has, their slipway.yaml text, and how
 * many releases and deployments each receives. Pure: no database.
 */
import { parsePipelineConfig } from "@/lib/config/load";
import type { PipelineConfig } from "@/lib/config/schema";

export interface DatasetOptions {
  /** 1 = the data set; 0.01 for a quick run. */
  scale: number;
  /** Review environments hold every app of their pipeline ("full", today's model) or just one ("one"). */
  reviewCells: "full" | "one";
  /** Teams that own the pipelines, when the schema has them (the brief: two teams per ~25 pipelines). */
  teams: number;
}

export interface PlannedPipeline {
  index: number;
  name: string;
  apps: string[];
  environments: string[];
  reviewEnvironments: number;
  deployments: number;
  releases: number;
  yaml: string;
  config: PipelineConfig;
  hash: string;
}

export interface DatasetPlan {
  pipelines: PlannedPipeline[];
  deployments: number;
  auditEvents: number;
  users: number;
  teams: number;
}

/** Full-scale counts from the issue. */
export const FULL = { pipelines: 50, apps: 2000, bigApps: 600, bigEnvironments: 8, reviewEnvironments: 200, deployments: 1_000_000, auditEvents: 5_000_000 } as const;

const STAGES = ["dev", "qa", "uat", "perf", "staging", "preprod", "prod", "canary"];
const SMALL_STAGES: Record<number, string[]> = {
  3: ["dev", "staging", "prod"],
  4: ["dev", "qa", "staging", "prod"],
  5: ["dev", "qa", "uat", "staging", "prod"],
  6: ["dev", "qa", "uat", "perf", "staging", "prod"],
};
const WORDS = ["checkout", "ledger", "search", "billing", "catalog", "identity", "payments", "shipping", "pricing", "reviews", "loyalty", "inventory", "support", "analytics", "mail"];

/** A small seeded PRNG (mulberry32): the same scale gives the same data set. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sizes between lo and hi (skewed towards small) adjusted one by one until they add up to `total`. */
function sizesSummingTo(count: number, total: number, lo: number, hi: number, rand: () => number): number[] {
  const sizes = Array.from({ length: count }, () => lo + Math.floor((hi - lo) * rand() ** 2));
  let sum = sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; sum !== total && i < 1_000_000; i++) {
    const k = i % count;
    if (sum < total && sizes[k]! < hi) ((sizes[k]! += 1), (sum += 1));
    else if (sum > total && sizes[k]! > lo) ((sizes[k]! -= 1), (sum -= 1));
  }
  return sizes;
}

/** The slipway.yaml of one generated pipeline (no windows, gates that pass without people). */
export function pipelineYaml(name: string, apps: string[], environments: string[], prefix: string, reviews: boolean): string {
  const lines = ["version: 1", "pipeline:", `  name: ${name}`, "apps:"];
  for (const app of apps) lines.push(`  - name: ${app}`);
  lines.push("environments:");
  environments.forEach((env, k) => {
    lines.push(`  - name: ${prefix}${env}`);
    if (k === 0) lines.push("    autoPromote: true");
    if (k > 0) lines.push("    gates:", "      tests: true");
  });
  if (reviews) lines.push("reviewEnvironments:", `  source: ${prefix}${environments[0]}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Plans the data set at `scale`: pipeline 0 is the big one (600 apps × 8 environments at scale 1),
 * the others share the remaining apps (10–60 each) over 3–6 environments. Deployments are spread by
 * environments × √apps, so the big pipeline carries the longest history. `envPrefix` names every
 * non-big pipeline's environments `<pipeline>-<stage>` while environment names are unique per
 * installation (today's schema); with per-pipeline names it is off.
 */
export function planDataset(options: DatasetOptions, perPipelineEnvNames: boolean): DatasetPlan {
  const s = options.scale;
  if (!(s > 0 && s <= 1)) throw new Error(`--scale must be in (0, 1], got ${s}`);
  const rand = prng(13);
  const others = Math.max(1, Math.round((FULL.pipelines - 1) * s));
  const bigApps = Math.max(3, Math.round(FULL.bigApps * s));
  const otherSizes = sizesSummingTo(others, Math.max(others * 2, Math.round((FULL.apps - FULL.bigApps) * s)), s < 1 ? 2 : 10, 60, rand);
  const pipelines: PlannedPipeline[] = [];
  const reviewTotal = Math.max(1, Math.round(FULL.reviewEnvironments * s));
  const shapes = [{ name: "commerce", apps: Array.from({ length: bigApps }, (_, i) => `svc-${String(i).padStart(3, "0")}`), envs: STAGES.slice(0, FULL.bigEnvironments) }];
  for (let i = 0; i < others; i++) {
    const name = `${WORDS[i % WORDS.length]}-${String(i).padStart(2, "0")}`;
    const envCount = 3 + Math.floor(rand() * 4);
    shapes.push({ name, apps: Array.from({ length: otherSizes[i]! }, (_, j) => `${name}-app-${String(j).padStart(2, "0")}`), envs: SMALL_STAGES[envCount]! });
  }
  const weights = shapes.map((p) => p.envs.length * Math.sqrt(p.apps.length));
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const deploymentsTotal = Math.max(shapes.length * 8, Math.round(FULL.deployments * s));
  // A third of the review environments in the big pipeline, the rest dealt round-robin to every third other pipeline.
  const reviewCounts = shapes.map(() => 0);
  reviewCounts[0] = Math.round(reviewTotal / 3);
  const holders = shapes.map((_, i) => i).filter((i) => i % 3 === 1);
  for (let r = reviewCounts[0]; r < reviewTotal; r++) reviewCounts[holders.length ? holders[r % holders.length]! : 0]! += 1;
  shapes.forEach((shape, index) => {
    const prefix = index === 0 || perPipelineEnvNames ? "" : `${shape.name}-`;
    const reviewEnvironments = reviewCounts[index]!;
    const yaml = pipelineYaml(shape.name, shape.apps, shape.envs, prefix, reviewEnvironments > 0);
    const parsed = parsePipelineConfig(yaml);
    if (!parsed.ok) throw new Error(`generated slipway.yaml for ${shape.name} is invalid: ${JSON.stringify(parsed.problems)}`);
    const deployments = Math.max(shape.envs.length, Math.round((deploymentsTotal * weights[index]!) / weightSum));
    const releases = Math.ceil(deployments / shape.envs.length);
    pipelines.push({
      index,
      name: shape.name,
      apps: shape.apps,
      environments: shape.envs.map((e) => `${prefix}${e}`),
      reviewEnvironments,
      deployments: releases * shape.envs.length,
      releases,
      yaml,
      config: parsed.config,
      hash: parsed.hash,
    });
  });
  return {
    pipelines,
    deployments: pipelines.reduce((a, p) => a + p.deployments, 0),
    auditEvents: Math.max(10, Math.round(FULL.auditEvents * s)),
    users: Math.max(5, Math.round(100 * s)),
    teams: Math.max(1, Math.min(options.teams, pipelines.length)),
  };
}

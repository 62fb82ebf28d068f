import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { formatConfigProblems, loadPipelineConfig } from "./load";
import type { PipelineConfig } from "./schema";

/**
 * Several pipelines at once: every `*.yaml` of a directory (one pipeline per file), checked each on
 * its own (./load) and then against each other — two files may not declare the same pipeline, and
 * two pipelines may not claim the same address on a platform.
 */

/** One validated pipeline file. */
export interface LoadedPipeline {
  /** Where it came from: a file path, or e.g. "PUT /api/v1/pipelines/shop" for one sent through the API. */
  source: string;
  config: PipelineConfig;
  /** sha256 hex of the text. */
  hash: string;
}

export type PipelineSetResult = { ok: true; pipelines: LoadedPipeline[]; from: string } | { ok: false; message: string };

/** Where pipelines are read from: the directory (default `pipelines/`), else `fallbackFile` when the directory has no yaml. */
export interface PipelineSources {
  /** Absolute path of the pipelines directory; null: load `fallbackFile` only (SLIPWAY_CONFIG set on its own). */
  dir: string | null;
  /** A single pipeline file used when the directory is missing or holds no `*.yaml` (today's `slipway.yaml`). */
  fallbackFile?: string | undefined;
}

/** The `*.yaml` / `*.yml` files of `dir`, sorted by name; [] when the directory does not exist. */
export async function pipelineFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const files: string[] = [];
  for (const name of names.sort()) {
    if (!/\.ya?ml$/.test(name) || name.startsWith(".")) continue;
    const file = path.join(dir, name);
    if ((await stat(file)).isFile()) files.push(file);
  }
  return files;
}

/**
 * Loads every pipeline of `sources`, or explains every problem (all files' problems, then
 * duplicates and collisions) in one message for the start-up log. Never throws for bad files.
 */
export async function loadPipelineSet(sources: PipelineSources): Promise<PipelineSetResult> {
  let files = sources.dir ? await pipelineFiles(sources.dir) : [];
  let from = sources.dir ?? "";
  if (files.length === 0) {
    if (!sources.fallbackFile) {
      return { ok: false, message: `No pipeline found: ${sources.dir} holds no *.yaml file. Add one pipeline file per product there (see pipelines/ in the repository).` };
    }
    files = [sources.fallbackFile];
    from = sources.fallbackFile;
  }
  const problems: string[] = [];
  const pipelines: LoadedPipeline[] = [];
  for (const file of files) {
    const result = await loadPipelineConfig(file);
    if (result.ok) pipelines.push({ source: file, config: result.config, hash: result.hash });
    else problems.push(formatConfigProblems(file, result.problems));
  }
  problems.push(...pipelineSetProblems(pipelines));
  if (problems.length > 0) return { ok: false, message: problems.join("\n") };
  return { ok: true, pipelines, from };
}

/**
 * What is wrong with these pipelines taken together: a name declared twice, or two pipelines whose
 * environments would share an address. A platform keys what it runs by environment and app name
 * (the local platform's stable port, data and log directories are per `environment/app`), so two
 * pipelines may share an environment name only when they share no app name on the same platform.
 */
export function pipelineSetProblems(pipelines: readonly LoadedPipeline[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, LoadedPipeline>();
  for (const pipeline of pipelines) {
    const first = byName.get(pipeline.config.pipeline.name);
    if (first) {
      problems.push(`${first.source} and ${pipeline.source} both declare the pipeline "${pipeline.config.pipeline.name}": a pipeline name may be used once; rename one of them.`);
    } else {
      byName.set(pipeline.config.pipeline.name, pipeline);
    }
  }
  const unique = [...byName.values()];
  for (const [i, a] of unique.entries()) {
    for (const b of unique.slice(i + 1)) {
      const problem = addressCollision(a, b);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

/** The first address two pipelines would share, described, or null. */
export function addressCollision(a: LoadedPipeline, b: LoadedPipeline): string | null {
  const appsOf = (p: LoadedPipeline) => new Set(p.config.apps.map((app) => app.name));
  const [appsA, appsB] = [appsOf(a), appsOf(b)];
  const shared = [...appsA].filter((name) => appsB.has(name));
  if (shared.length === 0) return null;
  for (const envA of a.config.environments) {
    const envB = b.config.environments.find((env) => env.name === envA.name && env.platform === envA.platform);
    if (!envB) continue;
    const [app] = shared;
    return (
      `${a.source} (pipeline "${a.config.pipeline.name}") and ${b.source} (pipeline "${b.config.pipeline.name}") would share an address: ` +
      `both run app "${app}" in environment "${envA.name}" on the ${envA.platform} platform, which addresses it as ${envA.name}/${app} ` +
      `(one URL, port and data directory). Rename the environment or the app in one of them.`
    );
  }
  return null;
}

/** The problems of one pipeline's file as one message ("<source> is not valid (n problems): …"). */
export { formatConfigProblems };

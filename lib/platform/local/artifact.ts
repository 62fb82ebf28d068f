import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { sha256Digest } from "./artifact-fetch";
import { packFiles } from "./pack";

export { sha256Digest };

/**
 * Artifacts of the sample service, which the demo runs for every app. They are ordinary app
 * tarballs, the same as any team's: `service.mjs` plus a `Procfile`, deployed through the same
 * fetch → verify → unpack path (no special case in the platform).
 *
 * `service.mjs` is the template with a two-line header that defines `BUILD` (the build's identity
 * and fault flags). Baking the identity into the bytes is what makes the artifact
 * content-addressed: another version, commit or fault flag is another digest, exactly like a real
 * image. The template reads `BUILD` as a free variable and falls back to a development identity
 * when it is undefined, so it also runs alone.
 */

/** The template, relative to the repository root (the working directory of Slipway and its scripts). */
export const SAMPLE_SERVICE_TEMPLATE = "examples/sample-service/service.mjs";

export const ARTIFACT_HEADER = "// Slipway sample service artifact";

export interface SampleBuild {
  app: string;
  version: string;
  commit: string;
  branch: string;
  faulty?: { health?: boolean; errorRate?: number };
}

/** What the header bakes in: every field present, in a fixed order, so equal inputs give equal bytes. */
export interface BakedBuild {
  app: string;
  version: string;
  commit: string;
  branch: string;
  faulty: { health: boolean; errorRate: number };
}

export const DEFAULT_ARTIFACTS_DIR = (dataDir: string): string => path.join(dataDir, "artifacts");

// App and version end up in a file name: refuse anything that could leave the directory.
const SAFE_NAME = /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/;

export function bakeBuild(build: SampleBuild): BakedBuild {
  for (const field of ["app", "version", "commit", "branch"] as const) {
    if (typeof build[field] !== "string" || build[field].length === 0) throw new TypeError(`sample build: "${field}" must be a non-empty string`);
  }
  if (!SAFE_NAME.test(build.app) || !SAFE_NAME.test(build.version)) {
    throw new TypeError(`sample build: app and version must be letters, digits, dots, dashes, plus or underscore (got "${build.app}", "${build.version}")`);
  }
  const errorRate = build.faulty?.errorRate ?? 0;
  if (!Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1) {
    throw new RangeError(`sample build: faulty.errorRate must be between 0 and 1 (got ${errorRate})`);
  }
  return {
    app: build.app,
    version: build.version,
    commit: build.commit,
    branch: build.branch,
    faulty: { health: build.faulty?.health === true, errorRate },
  };
}

export function renderSampleArtifact(build: SampleBuild): { text: string; digest: string } {
  const template = fs.readFileSync(path.resolve(process.cwd(), SAMPLE_SERVICE_TEMPLATE), "utf8");
  const header = `${ARTIFACT_HEADER}\nconst BUILD = Object.freeze(${JSON.stringify(bakeBuild(build))});\n`;
  const text = header + template;
  return { text, digest: sha256Digest(Buffer.from(text, "utf8")) };
}

/**
 * The sample service's Procfile: `web` serves; `release` applies migrations before traffic moves;
 * the other lines are the jobs the demo's slipway.yaml names (seed, hooks) and `fail`, which
 * always fails (for trying a failed job).
 */
export const SAMPLE_PROCFILE = ["web: node service.mjs", "release: node service.mjs job migrate", ...["migrate", "seed", "sync-branch", "sync", "notify", "fail"].map((job) => `${job}: node service.mjs job ${job}`), ""].join("\n");

/** `<app>-<version>-<first 12 hex of the service's digest>.tar.gz`: readable, and unique per content. */
export function artifactFileName(build: Pick<SampleBuild, "app" | "version">, digest: string): string {
  return `${build.app}-${build.version}-${digest.replace(/^sha256:/, "").slice(0, 12)}.tar.gz`;
}

/**
 * Writes the sample service as an app tarball (service.mjs + Procfile) under `dir`: `path` is the
 * file, `url` its file:// URL (what a build's `artifact` names), `digest` the sha256 of the
 * tarball's bytes. The file appears whole or not at all, because the platform may fetch it the
 * moment the build is registered. `serviceText` replaces the rendered service (tests).
 */
export async function writeArtifact(dir: string, build: SampleBuild, serviceText?: string): Promise<{ path: string; url: string; digest: string }> {
  const rendered = renderSampleArtifact(build);
  const target = path.resolve(dir, artifactFileName(build, sha256Digest(serviceText ?? rendered.text)));
  await fs.promises.mkdir(dir, { recursive: true });
  const packed = packFiles(target, { "service.mjs": serviceText ?? rendered.text, Procfile: SAMPLE_PROCFILE });
  return { path: packed.path, url: pathToFileURL(packed.path).href, digest: packed.digest };
}

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Artifacts of the sample service, which the `local` platform runs for every app of the demo.
 *
 * An artifact is one self-contained ES module: a two-line header that defines `BUILD` (the
 * build's identity and fault flags) followed by the text of the template. Baking the identity
 * into the bytes is what makes the artifact content-addressed: another version, commit or fault
 * flag is another digest, exactly like a real image. The template reads `BUILD` as a free
 * variable and falls back to a development identity when it is undefined, so it also runs alone.
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

export function sha256Digest(text: string | Buffer): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

export function renderSampleArtifact(build: SampleBuild): { text: string; digest: string } {
  const template = fs.readFileSync(path.resolve(process.cwd(), SAMPLE_SERVICE_TEMPLATE), "utf8");
  const header = `${ARTIFACT_HEADER}\nconst BUILD = Object.freeze(${JSON.stringify(bakeBuild(build))});\n`;
  const text = header + template;
  return { text, digest: sha256Digest(Buffer.from(text, "utf8")) };
}

/** `<app>-<version>-<first 12 hex of the digest>.mjs`: readable, and unique per content. */
export function artifactFileName(build: Pick<SampleBuild, "app" | "version">, digest: string): string {
  return `${build.app}-${build.version}-${digest.replace(/^sha256:/, "").slice(0, 12)}.mjs`;
}

/**
 * Writes the artifact under `dir` and returns its absolute path. The file appears whole or not at
 * all (temp file + rename), because the platform may start it the moment the build is registered.
 */
export async function writeArtifact(dir: string, build: SampleBuild): Promise<{ path: string; digest: string }> {
  const { text, digest } = renderSampleArtifact(build);
  const target = path.resolve(dir, artifactFileName(build, digest));
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await fs.promises.writeFile(temp, text, "utf8");
  await fs.promises.rename(temp, target);
  return { path: target, digest };
}

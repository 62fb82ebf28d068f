import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Digest } from "../artifact-store";
import type { AppSpec, ArtifactRef, JobSpec } from "../../types";

const FIXTURE = fileURLToPath(new URL("./fixture-service.mjs", import.meta.url));

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `slipway-${prefix}-`));
}

/**
 * A port base per test file, from a range below Linux's ephemeral ports (32768+) where instance
 * ports come from, so stable ports and instance ports never collide.
 */
export function randomPortBase(): number {
  return 20_000 + Math.floor(Math.random() * 120) * 100;
}

/** Writes the fixture with `version` templated in; the content (and so the digest) differs per version. */
export function fixtureArtifact(dir: string, version: string, commit = `c0ffee${version.replace(/\W/g, "")}`.padEnd(40, "0")): ArtifactRef {
  const file = path.join(dir, `fixture-${version}.mjs`);
  const content = fs.readFileSync(FIXTURE, "utf8").replace("__VERSION__", version).replace("__COMMIT__", commit);
  fs.writeFileSync(file, content);
  return {
    buildId: `build-${version}`,
    releaseId: `release-${version}`,
    app: "portal",
    version,
    commit,
    digest: sha256Digest(Buffer.from(content)),
    artifact: file,
  };
}

/** An artifact with arbitrary code (e.g. one that crashes on start). */
export function scriptArtifact(dir: string, name: string, code: string): ArtifactRef {
  const file = path.join(dir, `${name}.mjs`);
  fs.writeFileSync(file, code);
  return { buildId: `build-${name}`, releaseId: `release-${name}`, app: "portal", version: name, commit: "f".repeat(40), digest: sha256Digest(Buffer.from(code)), artifact: file };
}

export function appSpec(build: ArtifactRef, overrides: Partial<AppSpec> = {}): AppSpec {
  return {
    environment: "dev",
    app: build.app,
    build,
    instances: 1,
    config: {},
    healthPath: "/health",
    reference: `deployment-${build.version}`,
    ...overrides,
  };
}

export function jobSpec(build: ArtifactRef, job: string, overrides: Partial<JobSpec> = {}): JobSpec {
  return { environment: "dev", app: build.app, build, job, config: {}, reference: `job-${job}`, ...overrides };
}

export async function get(url: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

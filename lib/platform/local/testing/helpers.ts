import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { packFiles } from "../pack";
import type { AppSpec, ArtifactRef, JobSpec } from "../../types";

const FIXTURE = fileURLToPath(new URL("./fixture-service.mjs", import.meta.url));

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `slipway-${prefix}-`));
}

/** Where test port blocks start and end: below Linux's ephemeral ports (32768+), where instance ports come from. */
const TEST_PORTS_FROM = 20_000;
const TEST_PORTS_TO = 32_700;
/** Ports per vitest worker, and per local platform within it (a test platform takes a handful of stable ports). */
const PORTS_PER_WORKER = 500;
const PORTS_PER_PLATFORM = 100;
let platformsInThisWorker = 0;

/**
 * A port base for one local platform (or router) in a test, disjoint from every other test's that
 * runs at the same time: each vitest worker owns a block of its own (by VITEST_POOL_ID, which no two
 * running workers share) and hands out its sub-blocks in turn. Random bases used to collide: two
 * files' registries probed the same free port and their routers raced for it, and a stable port
 * in the ephemeral range could be handed to another file's app instance as well. Outside vitest
 * (no pool id) the block is picked at random.
 */
export function testPortBase(env: Record<string, string | undefined> = process.env): number {
  const blocks = Math.floor((TEST_PORTS_TO - TEST_PORTS_FROM) / PORTS_PER_WORKER);
  const pool = env.VITEST_POOL_ID ? Number(env.VITEST_POOL_ID) : 1 + Math.floor(Math.random() * blocks);
  if (!Number.isInteger(pool) || pool < 1 || pool > blocks) {
    throw new Error(`testPortBase: VITEST_POOL_ID ${env.VITEST_POOL_ID} has no port block of its own (${blocks} fit below ${TEST_PORTS_TO}): run vitest with --maxWorkers=${blocks} or fewer`);
  }
  const slot = platformsInThisWorker++ % (PORTS_PER_WORKER / PORTS_PER_PLATFORM);
  return TEST_PORTS_FROM + (pool - 1) * PORTS_PER_WORKER + slot * PORTS_PER_PLATFORM;
}

/** The fixture's Procfile: `web`, the jobs the tests run, and extra lines tests may name. */
export const FIXTURE_PROCFILE = ["web: node service.mjs", ...["migrate", "seed", "fail", "sleep", "sync"].map((job) => `${job}: node service.mjs job ${job}`), ""].join("\n");

/** Packs `files` as an app tarball under `dir` and returns a build of it, named by `version`. */
export function tarballArtifact(dir: string, version: string, files: Record<string, string>, commit = "f".repeat(40)): ArtifactRef {
  const packed = packFiles(path.join(dir, `app-${version}.tar.gz`), files);
  return { buildId: `build-${version}`, releaseId: `release-${version}`, app: "portal", version, commit, digest: packed.digest, artifact: pathToFileURL(packed.path).href };
}

/** The fixture service with `version` templated in, as an app tarball; the content (and so the digest) differs per version. */
export function fixtureArtifact(dir: string, version: string, commit = `c0ffee${version.replace(/\W/g, "")}`.padEnd(40, "0"), procfile = FIXTURE_PROCFILE): ArtifactRef {
  const content = fs.readFileSync(FIXTURE, "utf8").replace("__VERSION__", version).replace("__COMMIT__", commit);
  return tarballArtifact(dir, version, { "service.mjs": content, Procfile: procfile }, commit);
}

/** An app tarball whose `web` runs arbitrary code (e.g. one that crashes on start). */
export function scriptArtifact(dir: string, name: string, code: string): ArtifactRef {
  return tarballArtifact(dir, name, { "service.mjs": code, Procfile: FIXTURE_PROCFILE });
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

/** Removes a test's directory, including read-only release directories the platform unpacked. */
export function removeTempDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  spawnSync("chmod", ["-R", "u+w", dir]);
  fs.rmSync(dir, { recursive: true, force: true });
}

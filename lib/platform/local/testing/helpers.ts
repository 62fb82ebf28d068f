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
/** Ports per vitest worker: 25 workers' blocks fit (vitest.config.ts caps maxWorkers at that). */
const PORTS_PER_WORKER = 500;
/**
 * Ports per local platform (or router) within a worker's block: a test platform takes a handful of
 * stable ports. Pass it as the platform's `portSpan`, so its registry allocates only inside its own
 * sub-block (a busy port fails the allocation, "No free port", instead of taking a neighbour's).
 */
export const TEST_PORT_SPAN = 25;
/** Sub-blocks handed out in this worker so far (files share it: most run without isolation). */
let platformsInThisWorker = 0;

/**
 * The port base of sub-block `index` (0, 1, …) of vitest worker `pool` (1, 2, …): TEST_PORT_SPAN
 * ports nobody else is handed. Throws when the worker's block has no such sub-block (never wraps
 * around to one handed out already), or when no block is left for `pool`, naming the limit.
 */
export function testPortBlock(pool: number, index: number): number {
  const blocks = Math.floor((TEST_PORTS_TO - TEST_PORTS_FROM) / PORTS_PER_WORKER);
  if (!Number.isInteger(pool) || pool < 1 || pool > blocks) {
    throw new Error(`testPortBase: VITEST_POOL_ID ${pool} has no port block of its own (${blocks} fit below ${TEST_PORTS_TO}): run vitest with --maxWorkers=${blocks} or fewer`);
  }
  const perWorker = PORTS_PER_WORKER / TEST_PORT_SPAN;
  if (!Number.isInteger(index) || index < 0 || index >= perWorker) {
    throw new Error(
      `testPortBase: vitest worker ${pool} asked for port range ${index + 1}, but its block holds ${perWorker} of ${TEST_PORT_SPAN} ports: handing one out again could collide with a platform still running; make PORTS_PER_WORKER larger or TEST_PORT_SPAN smaller (testing/helpers.ts)`,
    );
  }
  return TEST_PORTS_FROM + (pool - 1) * PORTS_PER_WORKER + index * TEST_PORT_SPAN;
}

/**
 * A port base for one local platform (or router) in a test, disjoint from every other test's that
 * runs at the same time: each vitest worker owns a block of its own (by VITEST_POOL_ID, which no two
 * running workers share) and hands out its sub-blocks (TEST_PORT_SPAN ports each) in turn, each
 * once; pass `portSpan: TEST_PORT_SPAN` with it. Random bases used to collide: two files'
 * registries probed the same free port and their routers raced for it, and a stable port in the
 * ephemeral range could be handed to another file's app instance as well. Outside vitest (no pool
 * id) the block is picked at random.
 */
export function testPortBase(env: Record<string, string | undefined> = process.env): number {
  const blocks = Math.floor((TEST_PORTS_TO - TEST_PORTS_FROM) / PORTS_PER_WORKER);
  const pool = env.VITEST_POOL_ID ? Number(env.VITEST_POOL_ID) : 1 + Math.floor(Math.random() * blocks);
  return testPortBlock(pool, platformsInThisWorker++);
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

/** Whether `pid` runs and is not a zombie (an exited child nobody has reaped yet still answers kill 0). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

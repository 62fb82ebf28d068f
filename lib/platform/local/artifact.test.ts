import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tar from "tar";
import { DEFAULT_ARTIFACTS_DIR, SAMPLE_PROCFILE, SAMPLE_SERVICE_TEMPLATE, renderSampleArtifact, writeArtifact, type SampleBuild } from "./artifact";
import { parseProcfile } from "./procfile";

const COMMIT = "9fceb02d0ae598e95dc970b74767f19372d61af8";
const portal = (overrides: Partial<SampleBuild> = {}): SampleBuild => ({ app: "portal", version: "1.5.0", commit: COMMIT, branch: "develop", ...overrides });

let tmp: string;
const children = new Set<ChildProcess>();

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-artifact-"));
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

interface Running {
  url: string;
  child: ChildProcess;
  dataDir: string;
}

// A clean environment, so the page lists only the config names the test passes (NODE_ENV: Next's
// types require it, and the service ignores NODE_* names).
/** The service.mjs a sample tarball holds, written alone. */
function serviceFile(build: SampleBuild): string {
  const file = path.join(tmp, `service-${build.app}-${build.version}-${Math.random().toString(36).slice(2)}.mjs`);
  fs.writeFileSync(file, renderSampleArtifact(build).text);
  return file;
}

/** Starts the service the way its Procfile's `web` line does: `node service.mjs` with the Slipway variables. */
async function start(build: SampleBuild, extraEnv: Record<string, string> = {}): Promise<Running> {
  const file = serviceFile(build);
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
  const child = spawn(process.execPath, [file], {
    env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", PORT: String(port), SLIPWAY_ENVIRONMENT: "staging", SLIPWAY_INSTANCE: "staging-portal-1", SLIPWAY_DATA_DIR: dataDir, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("listening on")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`artifact exited with ${code} before listening: ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, dataDir };
}

async function stop(running: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.child.once("exit", (code) => resolve(code)));
  running.child.kill("SIGTERM");
  return exited;
}

function metricValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

function runJob(file: string, job: string, dataDir: string) {
  return spawnSync(process.execPath, [file, "job", job], {
    env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", SLIPWAY_ENVIRONMENT: "qa", SLIPWAY_DATA_DIR: dataDir },
    encoding: "utf8",
    timeout: 10_000,
  });
}

describe("renderSampleArtifact", () => {
  it("gives the same bytes and digest for the same build, whatever the key order", () => {
    const a = renderSampleArtifact(portal());
    const b = renderSampleArtifact({ branch: "develop", commit: COMMIT, version: "1.5.0", app: "portal", faulty: {} });
    expect(b.text).toBe(a.text);
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.text.startsWith("// Slipway sample service artifact\nconst BUILD = Object.freeze(")).toBe(true);
    expect(a.text.endsWith(fs.readFileSync(SAMPLE_SERVICE_TEMPLATE, "utf8"))).toBe(true);
  });

  it("changes the digest with the version, the commit and each fault flag", () => {
    const digests = [portal(), portal({ version: "1.5.1" }), portal({ commit: "a".repeat(40) }), portal({ faulty: { health: true } }), portal({ faulty: { errorRate: 0.3 } }), portal({ faulty: { errorRate: 0.5 } })].map(
      (b) => renderSampleArtifact(b).digest,
    );
    expect(new Set(digests).size).toBe(digests.length);
  });

  it("refuses names that could leave the artifacts directory and error rates outside 0..1", () => {
    expect(() => renderSampleArtifact(portal({ version: "../1.0" }))).toThrow(/version/);
    expect(() => renderSampleArtifact(portal({ faulty: { errorRate: 1.5 } }))).toThrow(/between 0 and 1/);
  });
});

describe("writeArtifact", () => {
  it("writes a reproducible <app>-<version>-<12 hex>.tar.gz with service.mjs and a Procfile, whose sha256 is the digest", async () => {
    const dir = path.join(DEFAULT_ARTIFACTS_DIR(tmp), "nested");
    const first = await writeArtifact(dir, portal());
    const again = await writeArtifact(dir, portal());
    expect(again).toEqual(first);
    expect(path.isAbsolute(first.path)).toBe(true);
    expect(first.url).toBe(`file://${first.path}`);
    expect(path.basename(first.path)).toMatch(/^portal-1\.5\.0-[0-9a-f]{12}\.tar\.gz$/);
    const onDisk = createHash("sha256").update(fs.readFileSync(first.path)).digest("hex");
    expect(`sha256:${onDisk}`).toBe(first.digest);
    expect(fs.readdirSync(dir)).toEqual([path.basename(first.path)]);
    expect((await writeArtifact(dir, portal({ version: "1.5.1" }))).digest).not.toBe(first.digest);

    const unpacked = fs.mkdtempSync(path.join(tmp, "unpacked-"));
    await tar.x({ file: first.path, cwd: unpacked });
    expect(fs.readdirSync(unpacked).sort()).toEqual(["Procfile", "service.mjs"]);
    expect(fs.readFileSync(path.join(unpacked, "service.mjs"), "utf8")).toBe(renderSampleArtifact(portal()).text);
    const procfile = parseProcfile(fs.readFileSync(path.join(unpacked, "Procfile"), "utf8"));
    expect(procfile.get("web")).toBe("node service.mjs");
    expect(procfile.get("release")).toBe("node service.mjs job migrate");
    expect(fs.readFileSync(path.join(unpacked, "Procfile"), "utf8")).toBe(SAMPLE_PROCFILE);
  });
});

describe("the sample service, running", () => {
  it("serves health, the page, items and metrics with the baked identity, and stops on SIGTERM", async () => {
    const running = await start(portal(), { FEATURE_CHECKOUT: "on", PAYMENT_API_KEY: "s3cret-value" });
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "healthy",
      app: "portal",
      version: "1.5.0",
      commit: COMMIT,
      environment: "staging",
      instance: "staging-portal-1",
      checks: { store: { status: "ok" } },
    });

    const posted = await fetch(`${running.url}/items`, { method: "POST", body: new URLSearchParams({ text: "first order" }), redirect: "manual" });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toBe("/");
    const store = JSON.parse(fs.readFileSync(path.join(running.dataDir, "store.json"), "utf8"));
    expect(store.items).toEqual([expect.objectContaining({ text: "first order", by: "portal 1.5.0" })]);

    const apiPost = await fetch(`${running.url}/api/items`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "via api" }) });
    expect(apiPost.status).toBe(201);
    expect((await (await fetch(`${running.url}/api/items`)).json()).items.map((i: { text: string }) => i.text)).toEqual(["first order", "via api"]);
    expect((await fetch(`${running.url}/api/items`, { method: "POST", body: "{}" })).status).toBe(400);

    const page = await (await fetch(`${running.url}/`)).text();
    for (const visible of ["portal", "1.5.0", "staging", COMMIT.slice(0, 7), "staging-portal-1", "first order", "FEATURE_CHECKOUT", "PAYMENT_API_KEY"]) {
      expect(page).toContain(visible);
    }
    expect(page).not.toContain("s3cret-value");

    // 5 app requests so far (form post, API post, API list, bad API post, page); /health is not counted.
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metricValue(metrics, 'http_requests_total{code="2xx"}')).toBe(3);
    expect(metricValue(metrics, 'http_requests_total{code="3xx"}')).toBe(1);
    expect(metricValue(metrics, 'http_requests_total{code="4xx"}')).toBe(1);
    expect(metricValue(metrics, 'http_requests_total{code="5xx"}')).toBe(0);
    expect(metricValue(metrics, 'http_request_duration_seconds_bucket{le="+Inf"}')).toBe(5);
    expect(metricValue(metrics, "http_request_duration_seconds_count")).toBe(5);

    // Exit code 0: the app handles SIGTERM and shuts down cleanly (one that does not dies by the signal, with no code).
    expect(await stop(running)).toBe(0);
  });

  it("answers 500 to every app request with errorRate 1, while /health stays healthy", async () => {
    const running = await start(portal({ version: "1.5.1-bad", faulty: { errorRate: 1 } }));
    for (let i = 0; i < 3; i++) expect((await fetch(`${running.url}/`)).status).toBe(500);
    expect((await fetch(`${running.url}/api/items`)).status).toBe(500);
    expect((await fetch(`${running.url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metricValue(metrics, 'http_requests_total{code="5xx"}')).toBe(4);
    expect(metricValue(metrics, 'http_requests_total{code="2xx"}')).toBe(0);
    await stop(running);
  });

  it("fails exactly the configured share of requests with errorRate 0.3", async () => {
    const running = await start(portal({ version: "1.5.2", faulty: { errorRate: 0.3 } }));
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await fetch(`${running.url}/api/items`)).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(6);
    await stop(running);
  });

  it("reports 503 unhealthy with a failing check when built unhealthy", async () => {
    const running = await start(portal({ version: "1.5.3", faulty: { health: true } }));
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(503);
    const body = await health.json();
    expect(body).toMatchObject({ status: "unhealthy", version: "1.5.3", environment: "staging" });
    expect(Object.values(body.checks as Record<string, { status: string }>).some((c) => c.status !== "ok")).toBe(true);
    await stop(running);
  });
});

describe("the sample service's jobs", () => {
  it("migrate records the version in the store; seed runs once; fail exits 1; others just run", async () => {
    const file = serviceFile(portal({ version: "2.0.0" }));
    const dataDir = path.join(tmp, "jobs", "qa-portal");

    const migrate = runJob(file, "migrate", dataDir);
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toContain("applied migration 2.0.0");
    const store = JSON.parse(fs.readFileSync(path.join(dataDir, "store.json"), "utf8"));
    expect(store.migrations).toEqual([{ version: "2.0.0", at: expect.any(String) }]);

    expect(runJob(file, "seed", dataDir).stdout).toContain("seeded 3 demo items");
    expect(runJob(file, "seed", dataDir).stdout).toContain("already seeded");
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, "store.json"), "utf8")).items).toHaveLength(3);

    const fail = runJob(file, "fail", dataDir);
    expect(fail.status).toBe(1);
    expect(fail.stderr).toContain("failing on purpose");

    const other = runJob(file, "warm-cache", dataDir);
    expect(other.status).toBe(0);
    expect(other.stdout).toContain("ran job warm-cache for portal 2.0.0 in qa");
  });

  it("the template runs on its own with a development identity", () => {
    const result = runJob(path.resolve(SAMPLE_SERVICE_TEMPLATE), "hello", path.join(tmp, "standalone"));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("ran job hello for sample 0.0.0-dev in qa");
  });
});

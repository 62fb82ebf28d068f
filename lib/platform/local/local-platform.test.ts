import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PlatformError } from "../types";
import { scrapingTrafficSource } from "@/lib/metrics";
import { LocalPlatform } from "./local-platform";
import { appSpec, fixtureArtifact, get, testPortBase, TEST_PORT_SPAN, removeTempDir, scriptArtifact, tempDir } from "./testing/helpers";
import { until } from "@/lib/testing/until";

// Real processes and real ports: each test gets its own data dir and environment name.
const portBase = testPortBase();
const artifacts = tempDir("artifacts");
const v1 = fixtureArtifact(artifacts, "1.0.0");
const v2 = fixtureArtifact(artifacts, "2.0.0");
const dataDir = tempDir("data");
let platform: LocalPlatform;
let env = 0;

function nextEnv(): string {
  env += 1;
  return `env${env}`;
}

beforeAll(() => {
  platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {} });
});
afterEach(async () => {
  for (const app of await platform.inventory()) {
    await platform.stopActive(app.environment, app.app);
    await platform.stopStandby(app.environment, app.app);
  }
});
afterAll(async () => {
  await platform.shutdown({ stopApps: true });
  fs.rmSync(artifacts, { recursive: true, force: true });
  removeTempDir(dataDir);
});

describe("LocalPlatform: slots, switching and the stable URL", () => {
  it("refuses an artifact whose digest does not match, starting nothing", async () => {
    const environment = nextEnv();
    const forged = { ...v1, digest: v2.digest };
    const error = await platform.startStandby(appSpec(forged, { environment })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).permanent).toBe(true);
    expect((error as Error).message).toContain(v2.digest);
    expect((error as Error).message).toContain(v1.digest);
    expect(await platform.status(environment, "portal")).toBeNull();
  });

  it("refuses a build without an artifact file, permanently", async () => {
    const environment = nextEnv();
    const error = await platform.startStandby(appSpec({ ...v1, digest: `sha256:${"0".repeat(64)}`, artifact: null }, { environment })).catch((e: unknown) => e);
    expect((error as PlatformError).permanent).toBe(true);
    expect((error as Error).message).toMatch(/has no artifact: register the build with "artifact" set to the file:\/\/ or http\(s\):\/\/ URL of its gzipped tarball/);
  });

  it("starts a standby, reports it healthy, and serves it on the stable URL after the switch", async () => {
    const environment = nextEnv();
    const started = performance.now();
    const slot = await platform.startStandby(appSpec(v1, { environment }));
    const health = await platform.health(environment, "portal", "standby", "/health");
    const startToHealthy = performance.now() - started;
    expect(health).toEqual([expect.objectContaining({ instance: "portal-1", status: "healthy", version: "1.0.0", commit: v1.commit, app: "portal", environment })]);
    expect(slot.instances[0]!.running).toBe(true);

    const status = (await platform.status(environment, "portal"))!;
    expect(status.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect((await get(status.url!)).status).toBe(503); // nothing active yet

    const switchStarted = performance.now();
    await platform.switchTraffic(environment, "portal");
    const switchMs = performance.now() - switchStarted;
    const page = await get(status.url!);
    expect(page.text).toContain("portal 1.0.0");
    expect(page.headers.get("x-slipway-slot")).toBe(v1.buildId);
    console.log(`[local platform] start-to-healthy ${startToHealthy.toFixed(0)} ms, switch ${switchMs.toFixed(1)} ms`);
  });

  it("rolls back instantly to the warm previous release, and says not-warm for anything else", async () => {
    const environment = nextEnv();
    await platform.ensureActive(appSpec(v1, { environment }));
    await platform.startStandby(appSpec(v2, { environment }));
    await platform.switchTraffic(environment, "portal");
    const url = (await platform.status(environment, "portal"))!.url!;
    expect((await get(url)).text).toContain("2.0.0");

    const started = performance.now();
    expect(await platform.rollback(environment, "portal", v1)).toBe("switched");
    console.log(`[local platform] rollback to the warm standby ${(performance.now() - started).toFixed(1)} ms`);
    expect((await get(url)).text).toContain("1.0.0");
    expect(await platform.rollback(environment, "portal", v1)).toBe("switched"); // retried: already there
    expect((await get(url)).text).toContain("1.0.0");

    const unknown = { ...v1, buildId: "build-x", digest: `sha256:${"a".repeat(64)}` };
    expect(await platform.rollback(environment, "portal", unknown)).toBe("not-warm");
  });

  it("returns the running standby when asked to start the same build again", async () => {
    const environment = nextEnv();
    const first = await platform.startStandby(appSpec(v1, { environment }));
    const again = await platform.startStandby(appSpec(v1, { environment }));
    expect(again.instances.map((i) => i.pid)).toEqual(first.instances.map((i) => i.pid));
    const other = await platform.startStandby(appSpec(v2, { environment }));
    expect(other.version).toBe("2.0.0");
    expect(
      first.instances.every((i) => {
        try {
          process.kill(i.pid!, 0);
          return false;
        } catch {
          return true;
        }
      }),
    ).toBe(true);
  });

  it("serialises concurrent calls for one app: two starts of the same build give one slot", async () => {
    const environment = nextEnv();
    const [a, b] = await Promise.all([platform.startStandby(appSpec(v1, { environment })), platform.startStandby(appSpec(v1, { environment }))]);
    expect(b.instances.map((i) => i.pid)).toEqual(a.instances.map((i) => i.pid));
  });

  it("lets requests in flight finish on the old release while new ones reach the new one", async () => {
    const environment = nextEnv();
    const { url } = await platform.ensureActive(appSpec(v1, { environment }));
    await platform.startStandby(appSpec(v2, { environment }));
    const seenBefore = (await platform.status(environment, "portal"))!.lastRequestAt;
    const inFlight = get(`${url}/slow?ms=300`);
    // The router picks the instance when the request arrives (and notes the time): then it is in flight on 1.0.0.
    await until("the slow request to reach the router", async () => (await platform.status(environment, "portal"))!.lastRequestAt !== seenBefore);
    await platform.switchTraffic(environment, "portal");
    expect((await get(url!)).text).toContain("2.0.0");
    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(slow.text).toContain("slow 1.0.0");
  });

  it("round-robins over two instances", async () => {
    const environment = nextEnv();
    const status = await platform.ensureActive(appSpec(v1, { environment, instances: 2 }));
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await get(status.url!)).text.trim().split(" ").at(-1)!);
    expect(seen).toEqual(new Set(["portal-1", "portal-2"]));
  });

  it("answers 503 with Retry-After in maintenance, and serves again when reopened", async () => {
    const environment = nextEnv();
    const { url } = await platform.ensureActive(appSpec(v1, { environment }));
    await platform.setMaintenance(environment, "portal", true, 120);
    const closed = await get(url!);
    expect(closed.status).toBe(503);
    expect(closed.headers.get("retry-after")).toBe("120");
    expect(closed.text).toMatch(/maintenance/);
    expect((await platform.status(environment, "portal"))!.maintenance).toBe(true);
    await platform.setMaintenance(environment, "portal", false);
    expect((await get(url!)).status).toBe(200);
  });

  it("answers 503 'nothing deployed' after stopActive", async () => {
    const environment = nextEnv();
    const { url } = await platform.ensureActive(appSpec(v1, { environment }));
    await platform.stopActive(environment, "portal");
    const page = await get(url!);
    expect(page.status).toBe(503);
    expect(page.text).toMatch(/Nothing is deployed/);
    expect((await platform.status(environment, "portal"))!.active).toBeNull();
  });

  it("answers 502 while a killed instance waits for its restart, without crashing", async () => {
    const environment = nextEnv();
    const status = await platform.ensureActive(appSpec(v1, { environment }));
    const killed = status.active!.instances[0]!.pid!;
    process.kill(killed, "SIGKILL");
    await until("the killed instance to be gone", () => {
      try {
        process.kill(killed, 0);
        return false;
      } catch {
        return true;
      }
    });
    expect((await get(status.url!)).status).toBe(502);
    expect((await platform.status(environment, "portal"))!.active!.instances[0]!.running).toBe(false);
    expect((await platform.health(environment, "portal", "active", "/health"))[0]!.status).toBe("unhealthy");
  });

  it("gives a clear, retryable error with the log tail when the app crashes on start", async () => {
    const environment = nextEnv();
    const crash = scriptArtifact(artifacts, "crash", 'console.error("boom: DATABASE_URL is not set"); process.exit(3);\n');
    const error = await platform.startStandby(appSpec(crash, { environment })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).permanent).toBe(false);
    expect((error as Error).message).toMatch(/exited with code 3 before listening/);
    expect((error as Error).message).toContain("boom: DATABASE_URL is not set");
    expect((await platform.status(environment, "portal"))!.standby).toBeNull();
  });

  it("passes config and platform variables, never Slipway's own environment", async () => {
    const environment = nextEnv();
    const previous = process.env.AUTH_SECRET;
    process.env.AUTH_SECRET = "must-not-leak";
    try {
      const { url } = await platform.ensureActive(appSpec(v1, { environment, config: { FEATURE_X: "on" } }));
      const seen = JSON.parse((await get(`${url}/env`)).text) as Record<string, string>;
      expect(seen.AUTH_SECRET).toBeUndefined();
      expect(seen).toMatchObject({ FEATURE_X: "on", NODE_ENV: "production", SLIPWAY_ENVIRONMENT: environment, SLIPWAY_APP: "portal", SLIPWAY_INSTANCE: "portal-1" });
      expect(seen.SLIPWAY_DATA_DIR).toMatch(new RegExp(`platform/local/data/${environment}/portal$`));
      expect(fs.existsSync(seen.SLIPWAY_DATA_DIR!)).toBe(true);
      // PWD is set by the shell that runs the Procfile command.
      const allowed = new Set(["PATH", "HOME", "TZ", "LANG", "NODE_ENV", "PORT", "FEATURE_X", "PWD"]);
      expect(Object.keys(seen).filter((k) => !allowed.has(k) && !k.startsWith("SLIPWAY_"))).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.AUTH_SECRET;
      else process.env.AUTH_SECRET = previous;
    }
  });

  it("the metrics provider's scraping source reads each running instance's counters at the address the platform reports", async () => {
    const environment = nextEnv();
    const { url } = await platform.ensureActive(appSpec(v1, { environment, instances: 2 }));
    for (let i = 0; i < 6; i++) await get(url!);
    await get(`${url}/fail`);
    await get(`${url}/slow?ms=120`);
    const source = scrapingTrafficSource(() => platform);
    const counters = (await source.traffic(environment, "portal"))!;
    expect(counters).toHaveLength(2); // one entry per instance
    expect(counters.map((c) => c.instance)).toEqual([expect.stringMatching(/^build-1\.0\.0\/portal-1@/), expect.stringMatching(/^build-1\.0\.0\/portal-2@/)]);
    expect(counters.reduce((n, c) => n + c.requests, 0)).toBe(8);
    expect(counters.reduce((n, c) => n + c.errors, 0)).toBe(1);
    expect(counters.every((c) => c.latency.at(-1)![0] === Infinity)).toBe(true);
    expect(await source.traffic("nowhere", "portal")).toBeNull();
    expect(await platform.health("nowhere", "portal", "active", "/health")).toEqual([]);
  });

  it("runs the Procfile's web command in the read-only release directory of the verified tarball", async () => {
    const environment = nextEnv();
    await platform.startStandby(appSpec(v1, { environment }));
    const status = (await platform.status(environment, "portal"))!;
    const pid = status.standby!.instances[0]!.pid;
    const releaseDir = path.join(dataDir, "platform", "local", "cache", "releases", v1.digest.slice("sha256:".length));
    expect(fs.readlinkSync(`/proc/${pid}/cwd`)).toBe(releaseDir);
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")).toContain("node service.mjs");
    expect(fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain(`SLIPWAY_RELEASE_DIR=${releaseDir}`);
    expect(fs.statSync(path.join(releaseDir, "service.mjs")).mode & 0o222).toBe(0);
    expect(fs.statSync(releaseDir).mode & 0o222).toBe(0);
  });
});

describe("LocalPlatform: the stable ports' range (portSpan)", () => {
  it("allocates only inside it: a busy port is a clear error, never a port past the range", async () => {
    const spanDir = tempDir("span-data");
    // A port of this file's range that its other platforms' apps (allocated from the base up) leave free, made busy.
    const busy = net.createServer();
    let port = portBase + TEST_PORT_SPAN;
    for (let bound = false; !bound;) {
      port -= 1;
      bound = await new Promise<boolean>((resolve) => {
        busy.once("error", () => resolve(false));
        busy.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(true));
      });
    }
    const narrow = new LocalPlatform({ dataDir: spanDir, portBase: port, portSpan: 1, log: () => {} });
    try {
      await expect(narrow.setMaintenance("span1", "portal", true)).rejects.toThrow(`No free port in ${port}–${port} for span1/portal`);
    } finally {
      await narrow.dispose(); // it started nothing: no app, no router
      await new Promise((resolve) => busy.close(resolve));
      removeTempDir(spanDir);
    }
  });
});

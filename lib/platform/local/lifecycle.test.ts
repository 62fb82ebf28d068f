import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LocalPlatform } from "./local-platform";
import { canBind } from "./ports";
import { PlatformError } from "../types";
import { appSpec, fixtureArtifact, get, jobSpec, testPortBase, TEST_PORT_SPAN, removeTempDir, scriptArtifact, tempDir, processRunning } from "./testing/helpers";
import { until } from "@/lib/testing/until";

// Jobs, restarts of Slipway, environments coming and going. Every platform a test creates is
// closed with stopApps afterwards, so no process outlives the run.
const portBase = testPortBase();
const artifacts = tempDir("artifacts");
const dirs: string[] = [artifacts];
const open: LocalPlatform[] = [];
const v1 = fixtureArtifact(artifacts, "1.0.0");

function newPlatform(dataDir = tempDir("data"), startTimeoutMs?: number): { platform: LocalPlatform; dataDir: string } {
  dirs.push(dataDir);
  const platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {}, startTimeoutMs });
  open.push(platform);
  return { platform, dataDir };
}

/** Running, not a zombie: a killed child stays in the process table until this test process reaps it. */

afterEach(async () => {
  for (const platform of open.splice(0)) await platform.shutdown({ stopApps: true });
});
afterAll(() => {
  for (const dir of dirs) removeTempDir(dir);
});

describe("LocalPlatform: jobs", () => {
  it("runs a job exactly once, even with three instances, and returns its output and exit code", async () => {
    const { platform, dataDir } = newPlatform();
    await platform.ensureActive(appSpec(v1, { instances: 3 }));
    const result = await platform.runJob(jobSpec(v1, "migrate"));
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain("job migrate done");
    expect(result.durationMs).toBeGreaterThan(0);
    const lines = fs.readFileSync(path.join(dataDir, "platform/local/data/dev/portal/jobs.log"), "utf8").trim().split("\n");
    expect(lines).toEqual(["migrate portal-job 1.0.0"]);
  });

  it("reports a failing job's exit code and stops one that outlives its timeout", async () => {
    const { platform } = newPlatform();
    const failed = await platform.runJob(jobSpec(v1, "fail"));
    expect(failed.exitCode).toBe(3);
    expect(failed.output).toContain("something went wrong");
    const slow = await platform.runJob(jobSpec(v1, "sleep", { timeoutMs: 300 }));
    expect(slow.exitCode).toBe(124);
    expect(slow.output).toMatch(/did not finish within/);
  });
});

describe("LocalPlatform: slow starts", () => {
  it("gives up on an instance that never listens, stops it, and says so with its log", async () => {
    const { platform, dataDir } = newPlatform(undefined, 600);
    const silent = scriptArtifact(artifacts, "silent", 'console.log("warming caches forever"); setInterval(() => {}, 1000);\n');
    const error = (await platform.startStandby(appSpec(silent)).catch((e: unknown) => e)) as PlatformError;
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/did not listen on port \d+ within 1 s/);
    expect(error.message).toContain("warming caches forever");
    const root = path.join(dataDir, "platform/local");
    expect(JSON.parse(fs.readFileSync(path.join(root, "state.json"), "utf8")).apps["dev/portal"].standby).toBeNull();
    expect(fs.readdirSync(path.join(root, "logs/dev/portal"))).toEqual(["build-silent-1.log"]);
    // Nothing of it still runs (found by its command line, as the platform itself does).
    const stored = path.join(root, "store", `${silent.digest.slice("sha256:".length)}.mjs`);
    const running = fs.readdirSync("/proc").filter(
      (pid) =>
        /^\d+$/.test(pid) &&
        (() => {
          try {
            return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(stored);
          } catch {
            return false;
          }
        })(),
    );
    expect(running).toEqual([]);
  });
});

describe("LocalPlatform: restarts of Slipway", () => {
  it("keeps serving while Slipway is gone, then adopts the router and the processes instead of restarting them", async () => {
    const { platform: first, dataDir } = newPlatform();
    const before = await first.ensureActive(appSpec(v1, { instances: 2 }));
    const pids = before.active!.instances.map((i) => i.pid);
    const routerPid = first.routerPid;
    await first.shutdown({ stopApps: false }); // Slipway goes away; router and apps are processes of their own
    open.splice(open.indexOf(first), 1);
    expect((await get(before.url!)).text).toContain("portal 1.0.0");

    const { platform: second } = newPlatform(dataDir);
    const started = performance.now();
    const after = await second.ensureActive(appSpec(v1, { instances: 2 }));
    console.log(`[local platform] adoption after restart ${(performance.now() - started).toFixed(0)} ms`);
    expect(after.url).toBe(before.url);
    expect(after.active!.instances.map((i) => i.pid)).toEqual(pids);
    expect(second.routerPid).toBe(routerPid);
    expect((await get(after.url!)).text).toContain("portal 1.0.0");
  });

  it("starts exactly one router when several apps start at once", async () => {
    const { platform, dataDir } = newPlatform();
    await Promise.all(["one", "two", "three"].map((environment) => platform.ensureActive(appSpec(v1, { environment }))));
    const stateFile = path.join(dataDir, "platform/local/state.json");
    const routers = fs.readdirSync("/proc").filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return args.includes(stateFile) && args.some((a) => a.endsWith("router/main.ts"));
      } catch {
        return false;
      }
    });
    expect(routers).toEqual([String(platform.routerPid)]);
    for (const environment of ["one", "two", "three"]) expect((await get((await platform.status(environment, "portal"))!.url!)).text).toContain("1.0.0");
  });

  it("starts a new router when the old one died, serving the same routes from the state file", async () => {
    const { platform: first, dataDir } = newPlatform();
    const before = await first.ensureActive(appSpec(v1));
    const oldRouter = first.routerPid!;
    await first.shutdown({ stopApps: false });
    open.splice(open.indexOf(first), 1);
    process.kill(oldRouter, "SIGKILL");
    await until("the old router to be gone", () => !processRunning(oldRouter));
    await expect(fetch(before.url!)).rejects.toThrow();

    const { platform: second } = newPlatform(dataDir);
    await second.init();
    expect(second.routerPid).not.toBe(oldRouter);
    expect((await get(before.url!)).text).toContain("portal 1.0.0");
  });

  it("serves again after init() alone, and restarts what did not survive", async () => {
    const { platform: first, dataDir } = newPlatform();
    const before = await first.ensureActive(appSpec(v1));
    await first.shutdown({ stopApps: false });
    open.splice(open.indexOf(first), 1);

    const { platform: second } = newPlatform(dataDir);
    await second.init();
    expect((await get(before.url!)).text).toContain("1.0.0");

    const killed = before.active!.instances[0]!.pid!;
    process.kill(killed, "SIGKILL");
    await until("the killed instance to be gone", () => !processRunning(killed));
    const after = await second.ensureActive(appSpec(v1));
    expect(after.active!.instances[0]!.pid).not.toBe(before.active!.instances[0]!.pid);
    expect(after.standby).toBeNull();
    expect((await get(after.url!)).text).toContain("1.0.0");
  });

  it("stops everything, router included, on shutdown({ stopApps: true }) and records that nothing runs", async () => {
    const { platform, dataDir } = newPlatform();
    const status = await platform.ensureActive(appSpec(v1, { instances: 2 }));
    const router = platform.routerPid!;
    await platform.shutdown({ stopApps: true });
    for (const instance of status.active!.instances) expect(processRunning(instance.pid!)).toBe(false);
    expect(processRunning(router)).toBe(false);
    await expect(fetch(status.url!)).rejects.toThrow();
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, "platform/local/state.json"), "utf8"));
    expect(state.apps["dev/portal"]).toMatchObject({ active: null, standby: null, port: expect.any(Number) });
  });
});

describe("LocalPlatform: environments", () => {
  it("destroy stops the apps, frees the port and removes data and logs", async () => {
    const { platform, dataDir } = newPlatform();
    await platform.provision("review-1");
    const status = await platform.ensureActive(appSpec(v1, { environment: "review-1" }));
    const port = Number(new URL(status.url!).port);
    await platform.destroy("review-1");
    expect(processRunning(status.active!.instances[0]!.pid!)).toBe(false);
    expect(await platform.status("review-1", "portal")).toBeNull();
    expect(await canBind(port, "127.0.0.1")).toBe(true);
    expect(fs.existsSync(path.join(dataDir, "platform/local/data/review-1"))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "platform/local/logs/review-1"))).toBe(false);
    // The freed port rests (registry.ts): the next environment's app gets another, so an old link to review-1 never opens review-2.
    const next = await platform.ensureActive(appSpec(v1, { environment: "review-2" }));
    expect(next.url).not.toBe(status.url);
  });

  it("provision with cloneFrom copies each app's data; later changes never reach the source", async () => {
    const { platform, dataDir } = newPlatform();
    const data = (env: string, app: string) => path.join(dataDir, "platform/local/data", env, app);
    await platform.provision("staging");
    fs.mkdirSync(data("staging", "portal"), { recursive: true });
    fs.writeFileSync(path.join(data("staging", "portal"), "db.json"), '{"orders":3}');
    fs.mkdirSync(path.join(data("staging", "admin"), "uploads"), { recursive: true });
    fs.writeFileSync(path.join(data("staging", "admin"), "uploads", "a.txt"), "a");

    await platform.provision("review-7", { cloneFrom: "staging" });
    expect(fs.readFileSync(path.join(data("review-7", "portal"), "db.json"), "utf8")).toBe('{"orders":3}');
    expect(fs.readFileSync(path.join(data("review-7", "admin"), "uploads", "a.txt"), "utf8")).toBe("a");

    fs.writeFileSync(path.join(data("review-7", "portal"), "db.json"), '{"orders":4}');
    expect(fs.readFileSync(path.join(data("staging", "portal"), "db.json"), "utf8")).toBe('{"orders":3}');
    await platform.provision("review-7", { cloneFrom: "staging" }); // retried: keeps the review's changes
    expect(fs.readFileSync(path.join(data("review-7", "portal"), "db.json"), "utf8")).toBe('{"orders":4}');

    // A partial review environment copies only the apps it runs itself; one that becomes its own later gets its copy then.
    await platform.provision("review-8", { cloneFrom: "staging", apps: ["portal"] });
    expect(fs.existsSync(path.join(data("review-8", "portal"), "db.json"))).toBe(true);
    expect(fs.existsSync(data("review-8", "admin"))).toBe(false);
    fs.writeFileSync(path.join(data("review-8", "portal"), "db.json"), '{"orders":5}');
    await platform.provision("review-8", { cloneFrom: "staging", apps: ["portal", "admin"] });
    expect(fs.readFileSync(path.join(data("review-8", "admin"), "uploads", "a.txt"), "utf8")).toBe("a");
    expect(fs.readFileSync(path.join(data("review-8", "portal"), "db.json"), "utf8")).toBe('{"orders":5}');
  });
});

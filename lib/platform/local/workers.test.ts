import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { PlatformError } from "../types";
import { LocalPlatform } from "./local-platform";
import { rotateLog, tailLog } from "./logs";
import { LocalPlatformInspector } from "./inspect";
import { appSpec, fixtureArtifact, jobSpec, testPortBase, TEST_PORT_SPAN, removeTempDir, tarballArtifact, tempDir } from "./testing/helpers";

// Workers, jobs from the Procfile, instances and their logs. Every platform is closed with
// stopApps, so no process outlives the run.
const portBase = testPortBase();
const artifacts = tempDir("workers-artifacts");
const dataDir = tempDir("workers-data");
const open: LocalPlatform[] = [];

function newPlatform(): LocalPlatform {
  const platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {}, logCapBytes: 4096 });
  open.push(platform);
  return platform;
}

const SERVICE = fs.readFileSync(new URL("./testing/fixture-service.mjs", import.meta.url), "utf8");
/** A worker that says it started, then exits after `LIFE_MS` (0: runs until stopped). */
const WORKER = `
const life = Number(process.env.LIFE_MS ?? 0);
console.log(\`worker \${process.env.SLIPWAY_INSTANCE} up, PORT=\${process.env.PORT ?? "unset"}\`);
if (life > 0) setTimeout(() => process.exit(3), life); else setInterval(() => {}, 1000);
process.on("SIGTERM", () => { console.log("worker stopping"); process.exit(0); });
`;

function appWithWorkers(version: string, procfile = "web: node service.mjs\nworker: node worker.mjs\nclock: node worker.mjs\nrelease: node service.mjs job release-migrate\n") {
  const service = SERVICE.replace("__VERSION__", version).replace("__COMMIT__", "c".repeat(40));
  return tarballArtifact(artifacts, `w${version}`, { "service.mjs": service, "worker.mjs": WORKER, Procfile: procfile });
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, tries = 150): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !ok(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  if (!ok(value)) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value)}`);
  return value;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const platform of open.splice(0)) await platform.shutdown({ stopApps: true });
});
afterAll(() => {
  removeTempDir(artifacts);
  removeTempDir(dataDir);
});

describe("LocalPlatform: workers", () => {
  it("runs the configured workers beside web without an address, lists every instance, and stops workers with the slot", async () => {
    const platform = newPlatform();
    const build = appWithWorkers("1.0.0");
    await platform.ensureActive(appSpec(build, { environment: "wk1", instances: 2, workers: { worker: 2, clock: 1 } }));
    const instances = await platform.instances("wk1", "portal");
    expect(instances.map((i) => [i.id, i.type, i.slot, i.address === null, i.running, i.restarts])).toEqual([
      ["portal-1", "web", "active", false, true, 0],
      ["portal-2", "web", "active", false, true, 0],
      ["portal-worker-1", "worker", "active", true, true, 0],
      ["portal-worker-2", "worker", "active", true, true, 0],
      ["portal-clock-1", "clock", "active", true, true, 0],
    ]);
    expect(instances.every((i) => i.version === "w1.0.0" && i.buildId === build.buildId && !Number.isNaN(Date.parse(i.startedAt)))).toBe(true);
    // The web server's process (another Slipway process) sees the same from disk.
    expect((await new LocalPlatformInspector(dataDir).instances("wk1", "portal")).map((i) => i.id)).toEqual(instances.map((i) => i.id));

    const logs = await until(
      "worker logs",
      () => platform.logs("wk1", "portal", 5),
      (l) => l.find((x) => x.instance === "portal-worker-1")?.lines.length === 2,
    );
    expect(logs.find((l) => l.instance === "portal-worker-1")!.lines.at(-1)).toBe("worker portal-worker-1 up, PORT=unset");

    const workerPids = instances.filter((i) => i.type !== "web").map((i) => i.pid!);
    await platform.stopActive("wk1", "portal");
    expect(workerPids.some(alive)).toBe(false);
    expect(await platform.instances("wk1", "portal")).toEqual([]);
  });

  it("restarts a worker that exits, counting restarts, and moves workers with the new release", async () => {
    const platform = newPlatform();
    const v1 = appWithWorkers("2.0.0");
    await platform.ensureActive(appSpec(v1, { environment: "wk2", workers: { worker: 1 }, config: { LIFE_MS: "300" } }));
    const first = (await platform.instances("wk2", "portal")).find((i) => i.type === "worker")!;
    const restarted = await until(
      "a restart",
      () => platform.instances("wk2", "portal"),
      (list) => (list.find((i) => i.type === "worker")?.restarts ?? 0) >= 1,
    );
    const worker = restarted.find((i) => i.type === "worker")!;
    expect(worker.pid).not.toBe(first.pid);
    expect(worker.id).toBe(first.id);

    const v2 = appWithWorkers("2.1.0");
    await platform.startStandby(appSpec(v2, { environment: "wk2", workers: { worker: 1 }, reference: "deploy-2.1.0" }));
    await platform.switchTraffic("wk2", "portal");
    await platform.stopStandby("wk2", "portal");
    const after = await platform.instances("wk2", "portal");
    expect(after.map((i) => [i.type, i.version, i.slot])).toEqual([
      ["web", "w2.1.0", "active"],
      ["worker", "w2.1.0", "active"],
    ]);
  });

  it("refuses a worker type the Procfile lacks, naming it and the build, and starts nothing", async () => {
    const platform = newPlatform();
    const build = appWithWorkers("3.0.0", "web: node service.mjs\n");
    const error = await platform.startStandby(appSpec(build, { environment: "wk3", workers: { mailer: 1 } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).permanent).toBe(true);
    expect((error as Error).message).toContain(`runs 1 "mailer" worker(s), but the Procfile of build ${build.buildId} (w3.0.0) has no "mailer:" line`);
    expect((await platform.status("wk3", "portal"))?.standby ?? null).toBeNull();
  });
});

describe("LocalPlatform: jobs come from the Procfile", () => {
  it("runs the named line; migrate falls back to release:; a missing job names the job and the release", async () => {
    const platform = newPlatform();
    const build = appWithWorkers("4.0.0");
    const migrate = await platform.runJob(jobSpec(build, "migrate", { environment: "jb1" }));
    expect(migrate.exitCode).toBe(0);
    expect(migrate.output).toContain("job release-migrate starting");

    const fixture = fixtureArtifact(artifacts, "4.1.0");
    const seed = await platform.runJob(jobSpec(fixture, "seed", { environment: "jb1" }));
    expect(seed.output).toContain("job seed done");

    const error = await platform.runJob(jobSpec(build, "seed", { environment: "jb1" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).permanent).toBe(true);
    expect((error as Error).message).toBe(`The Procfile of build ${build.buildId} (portal w4.0.0), release ${build.releaseId}, has no "seed:" line: add the job to the Procfile or change the job named in slipway.yaml`);
  });
});

describe("instance logs", () => {
  it("rotate past their cap, keeping one older file, and the tail reads across both", () => {
    const file = path.join(dataDir, "rotate", "a.log");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Array.from({ length: 10 }, (_, i) => `old ${i}`).join("\n") + "\n");
    expect(rotateLog(file, 1_000_000)).toBe(false);
    expect(rotateLog(file, 20)).toBe(true);
    expect(fs.statSync(file).size).toBe(0);
    fs.appendFileSync(file, "new 0\nnew 1\n");
    expect(tailLog(file, 4)).toEqual(["old 8", "old 9", "new 0", "new 1"]);
    expect(tailLog(file, 2)).toEqual(["new 0", "new 1"]);
    expect(tailLog(path.join(dataDir, "rotate", "missing.log"), 3)).toEqual([]);
  });
});
